/*
 * `mscmeta pool`: load, analyse, report; with --forest, also draw.
 */
#include "cli.h"

/* The report writer of the chosen format. */
static msc_report_fn writer(msc_format f)
{
    switch (f) {
    case MSC_FORMAT_JSON:
        return msc_report_json;
    case MSC_FORMAT_CSV:
        return msc_report_csv;
    default:
        return msc_report_table;
    }
}

int msc_cmd_pool(msc_cli *c)
{
    msc_dataset *d;
    msc_analysis *a;
    if (c->by)
        return msc_cli_by(c);
    unsigned flags = c->summary_only && !c->forest ? MSC_RUN_NO_STUDY_CI : 0u;
    int rc = msc_cli_analyse(c, flags, &d, &a);
    if (rc != EXIT_OK)
        return rc;
    msc_sens *sens = NULL;
    if (msc_cli_wants_sens(c)) {
        char err[MSC_ERRBUF];
        int st = msc_sens_run(a, &c->sens, &sens, err, sizeof err);
        if (st != MSC_OK) {
            msc_cli_error("%s", err);
            msc_analysis_free(a);
            msc_dataset_free(d);
            return msc_cli_exit_code(st);
        }
    }
    /* input_name NULL: the reports name the data set's source, which the
     * loader set to the file name, or "<stdin>" for "-". */
    msc_report_options ro = {c->summary_only, NULL, NULL, sens};
    rc = msc_cli_write(c->output, writer(c->format), a, &ro);
    msc_sens_free(sens);
    if (rc == EXIT_OK && c->forest)
        rc = msc_cli_forest(c, a);
    msc_cli_done(d, a);
    return rc;
}
