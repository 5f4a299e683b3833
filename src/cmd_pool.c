/*
 * `mscmeta pool`: load, analyse, report; with --forest, also draw.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Writes the report in the chosen format; returns a library status. */
static int write_report(FILE *fp, const msc_analysis *a, const msc_cli *c)
{
    msc_report_options ro = {c->summary_only, c->input, NULL};
    if (strcmp(c->input, "-") == 0)
        ro.input_name = "<stdin>";
    switch (c->format) {
    case MSC_FORMAT_JSON:
        return msc_report_json(fp, a, &ro);
    case MSC_FORMAT_CSV:
        return msc_report_csv(fp, a, &ro);
    default:
        return msc_report_table(fp, a, &ro);
    }
}

int msc_cmd_pool(msc_cli *c)
{
    msc_dataset *d;
    msc_analysis *a;
    unsigned flags = c->summary_only && !c->forest ? MSC_RUN_NO_STUDY_CI : 0u;
    int rc = msc_cli_analyse(c, flags, &d, &a);
    if (rc != EXIT_OK)
        return rc;
    msc_out out;
    rc = msc_out_open(&out, c->output);
    if (rc == EXIT_OK) {
        int st = write_report(out.fp, a, c);
        if (st != MSC_OK) {
            msc_out_abort(&out);
            msc_cli_error("writing to %s failed: %s", c->output ? c->output : "standard output",
                          strerror(errno));
            rc = EXIT_OUTPUT;
        } else {
            rc = msc_out_commit(&out);
        }
    }
    if (rc == EXIT_OK && c->forest)
        rc = msc_cli_forest(c, a);
    msc_analysis_free(a);
    msc_dataset_free(d);
    return rc;
}
