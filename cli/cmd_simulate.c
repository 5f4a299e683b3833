/*
 * `mscmeta simulate`: every model of `compare` on data sets drawn from the
 * binomial-normal model with each outcome's own design
 * (mscmeta/simulate.h), reported as a table, JSON or CSV, written
 * atomically; --plot draws each outcome's coverage per model (cmd_plot.c).
 */
#include <math.h>

#include "cli.h"

void msc_cli_simulate_defaults(msc_cli *c) { msc_simulate_options_default(&c->sim); }

/* As compare: the models set measure, method, test and correction. */
int msc_cli_simulate_check(const msc_cli *c)
{
    const char *cmd = c->cmd->name;
    if (c->method_given || c->settings.measure != MSC_PLO || c->settings.test != MSC_TEST_Z ||
        !isnan(c->settings.cc))
        return msc_cli_usage(cmd, "--method, --measure, --test and --cc do not apply: every "
                                  "model of compare is simulated, each with its own");
    if (c->load.subgroup_col)
        return msc_cli_usage(cmd, "--subgroup does not apply: simulate one subgroup's design "
                                  "from a file of its rows");
    return MSC_CLI_GO_ON;
}

typedef struct {
    const msc_simulation *sim;
    const msc_cli *c;
} simulate_report;

static msc_status emit_simulate(FILE *fp, const void *ctx)
{
    const simulate_report *x = ctx;
    msc_report_options ro = {x->c->summary_only, NULL, NULL, NULL};
    return msc_report_simulate(fp, x->sim, x->c->format, &ro);
}

int msc_cmd_simulate(msc_cli *c)
{
    char err[MSC_ERRBUF];
    msc_dataset *d;
    int rc = msc_cli_load(c, &d);
    if (rc != EXIT_OK)
        return rc;
    msc_simulation *sim;
    msc_status st = msc_simulate_run(d, &c->settings, &c->sim, &sim, err, sizeof err);
    if (st != MSC_OK) {
        msc_dataset_free(d);
        if (st == MSC_ERR_USAGE)
            return msc_cli_usage(c->cmd->name, "%s", err);
        msc_cli_error("%s", err);
        return msc_cli_exit_code(st);
    }
    rc = msc_cli_emit(c->output, emit_simulate, &(simulate_report){sim, c});
    if (rc == EXIT_OK && c->sim_plot)
        rc = msc_cli_simulate_plot(c, sim);
    msc_simulate_free(sim);
    msc_dataset_free(d);
    return rc;
}
