/*
 * `mscmeta regress`: load the data with the moderators' columns, fit the
 * meta-regression of every outcome, write its report atomically.
 */

#include "cli.h"

int msc_cli_regress(const msc_cli *c, msc_dataset **d, msc_regression **r)
{
    char err[MSC_ERRBUF];
    *r = NULL;
    int rc = msc_cli_load(c, d);
    if (rc != EXIT_OK)
        return rc;
    msc_status st = msc_regress_run(*d, &c->settings, &c->regress, r, err, sizeof err);
    if (st == MSC_OK)
        return EXIT_OK;
    msc_dataset_free(*d);
    *d = NULL;
    if (st == MSC_ERR_USAGE)
        return msc_cli_usage(c->cmd->name, "%s", err);
    msc_cli_error("%s", err);
    return msc_cli_exit_code(st);
}

typedef struct {
    const msc_regression *r;
    const msc_cli *c;
} regress_report;

static msc_status emit_regress(FILE *fp, const void *ctx)
{
    const regress_report *x = ctx;
    msc_report_options ro = {x->c->summary_only, NULL, NULL, NULL};
    return msc_report_regress(fp, x->r, x->c->format, &ro);
}

int msc_cmd_regress(msc_cli *c)
{
    msc_dataset *d;
    msc_regression *r;
    if (c->by)
        return msc_cli_by(c);
    int rc = msc_cli_regress(c, &d, &r);
    if (rc != EXIT_OK)
        return rc;
    rc = msc_cli_emit(c->output, emit_regress, &(regress_report){r, c});
    msc_regression_free(r);
    msc_dataset_free(d);
    return rc;
}
