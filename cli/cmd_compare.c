/*
 * `mscmeta compare`: each outcome pooled under every defensible model
 * (mscmeta/compare.h), one row per model, written atomically.
 */
#include <math.h>

#include "cli.h"

/* The models set measure, method, test and correction themselves; the
 * input options that change the rows' data are the user's. */
int msc_cli_compare_check(const msc_cli *c)
{
    const char *cmd = c->cmd->name;
    if (c->method_given || c->settings.measure != MSC_PLO || c->settings.test != MSC_TEST_Z ||
        !isnan(c->settings.cc))
        return msc_cli_usage(cmd, "--method, --measure, --test and --cc do not apply: each row "
                                  "sets its own model (pool gives any one of them)");
    if (c->plot.sort != MSC_PLOT_SORT_FILE)
        return msc_cli_usage(cmd, "--sort does not apply: the rows are the models, in a fixed "
                                  "order");
    if (c->load.subgroup_col)
        return msc_cli_usage(cmd, "--subgroup does not apply: compare the models of one "
                                  "subgroup with --by COL on pool, or a file of its rows");
    return MSC_CLI_GO_ON;
}

typedef struct {
    const msc_compare *cmp;
    const msc_cli *c;
} compare_report;

static msc_status emit_compare(FILE *fp, const void *ctx)
{
    const compare_report *x = ctx;
    msc_report_options ro = {x->c->summary_only, NULL, NULL, NULL};
    return msc_report_compare(fp, x->cmp, x->c->format, &ro);
}

int msc_cmd_compare(msc_cli *c)
{
    char err[MSC_ERRBUF];
    msc_dataset *d;
    int rc = msc_cli_load(c, &d);
    if (rc != EXIT_OK)
        return rc;
    msc_compare *cmp;
    msc_status st = msc_compare_run(d, &c->settings, MSC_RUN_NO_STUDY_CI, &cmp, err, sizeof err);
    if (st != MSC_OK) {
        msc_dataset_free(d);
        if (st == MSC_ERR_USAGE)
            return msc_cli_usage(c->cmd->name, "%s", err);
        msc_cli_error("%s", err);
        return msc_cli_exit_code(st);
    }
    rc = msc_cli_emit(c->output, emit_compare, &(compare_report){cmp, c});
    if (rc == EXIT_OK && c->forest)
        rc = msc_cli_compare_forest(c, cmp);
    msc_compare_free(cmp);
    msc_dataset_free(d);
    return rc;
}
