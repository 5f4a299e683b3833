/*
 * `mscmeta safety`: pooled adverse-event rates checked against limits.
 * Exit 0 when every rate with a limit is shown to be below it, 3 when one
 * is not (inconclusive or above: a gate stays conservative), 5 when an
 * outcome with a limit has no usable study, 1 / 2 / 4 for input, usage and
 * output errors as for pool.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int msc_cmd_safety(msc_cli *c)
{
    msc_dataset *d;
    msc_analysis *a;
    msc_safety *sf = NULL;
    double *t = NULL;
    if (c->by)
        return msc_cli_by(c);
    int rc = msc_cli_analyse(c, 0, &d, &a);
    if (rc != EXIT_OK)
        return rc;
    if ((rc = msc_cli_thresholds(c, d, &t)) != EXIT_OK)
        goto out;
    if (msc_safety_evaluate(a, t, &sf) != MSC_OK) {
        msc_cli_error("out of memory");
        rc = EXIT_OUTPUT;
        goto out;
    }
    /* input_name NULL: the reports name the data set's source (the file
     * name, or "<stdin>" for "-"). */
    msc_report_options ro = {c->summary_only, NULL, sf, NULL};
    msc_report_fn report = c->format == MSC_FORMAT_JSON  ? msc_report_json
                           : c->format == MSC_FORMAT_CSV ? msc_report_safety_csv
                                                         : msc_report_safety_table;
    if ((rc = msc_cli_write(c->output, report, a, &ro)) != EXIT_OK)
        goto out;
    /* No data is not a pass, and it says something else than a rate not
     * shown to be below its limit: its own status, first. */
    for (size_t j = 0; j < a->n_outcomes; j++)
        if (sf[j].no_data)
            rc = EXIT_NO_DATA;
    for (size_t j = 0; j < a->n_outcomes && rc == EXIT_OK; j++)
        if (sf[j].verdict == MSC_VERDICT_INCONCLUSIVE || sf[j].verdict == MSC_VERDICT_ABOVE)
            rc = EXIT_SAFETY;
out:
    msc_safety_free(sf, a->n_outcomes); /* a is set: every goto comes after the analysis */
    free(t);
    msc_cli_done(d, a);
    return rc;
}
