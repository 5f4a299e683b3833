/*
 * `mscmeta regress`: load the data with the moderators' columns, fit the
 * meta-regression of every outcome, write its report atomically.
 */
#include <errno.h>
#include <string.h>

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

int msc_cmd_regress(msc_cli *c)
{
    msc_dataset *d;
    msc_regression *r;
    int rc = msc_cli_regress(c, &d, &r);
    if (rc != EXIT_OK)
        return rc;
    msc_report_options ro = {c->summary_only, NULL, NULL, NULL};
    msc_out out;
    rc = msc_out_open(&out, c->output);
    if (rc == EXIT_OK) {
        if (msc_report_regress(out.fp, r, c->format, &ro) != MSC_OK) {
            int e = errno; /* the write's error: closing and unlinking may change errno */
            msc_out_abort(&out);
            msc_cli_error("writing to %s failed: %s", c->output ? c->output : "standard output",
                          strerror(e));
            rc = EXIT_OUTPUT;
        } else {
            rc = msc_out_commit(&out);
        }
    }
    msc_regression_free(r);
    msc_dataset_free(d);
    return rc;
}
