/*
 * pool, safety, regress --by COL: one meta-analysis per value of a column,
 * in one pass (mscmeta/by.h). Loads the file keeping COL (options.c),
 * groups its rows, and writes every group's records through the library,
 * which computes --threads groups at a time and writes them in the order
 * of each value's first row. A group that cannot be pooled says so in its
 * own record; the exit status is 0 unless the input itself is bad, and for
 * safety 3 when any group with a limit is not shown below it. Also the limits of
 * --max-rate, which safety uses with and without --by.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The limit of each outcome: its own COL=R, else the general R, else none.
 * A COL that is not an outcome is a usage error. */
int msc_cli_thresholds(const msc_cli *c, const msc_dataset *d, double **limits)
{
    double general = NAN, *t = malloc((d->n_outcomes ? d->n_outcomes : 1) * sizeof *t);
    *limits = t;
    if (!t) {
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    for (size_t i = 0; i < c->n_thresholds; i++)
        if (!c->thresholds[i].col)
            general = c->thresholds[i].rate;
    for (size_t j = 0; j < d->n_outcomes; j++)
        t[j] = general;
    for (size_t i = 0; i < c->n_thresholds; i++) {
        const char *col = c->thresholds[i].col;
        if (!col)
            continue;
        size_t j = 0;
        while (j < d->n_outcomes && strcmp(d->outcome[j].name, col) != 0)
            j++;
        if (j == d->n_outcomes) {
            /* The names come from the file's header: shown without control
             * characters, like every name the reports print. */
            char list[512] = "", shown[sizeof list];
            for (size_t k = 0; k < d->n_outcomes; k++) {
                msc_text_display(d->outcome[k].name, sizeof list - 1, shown, sizeof shown);
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, shown, sizeof list - strlen(list) - 1);
            }
            msc_cli_error("safety: --max-rate names \"%.60s\", which is not an outcome here; the "
                          "outcomes are %s (add --events %.60s to check it)",
                          col, list, col);
            return EXIT_USAGE;
        }
        t[j] = c->thresholds[i].rate;
    }
    return EXIT_OK;
}

static msc_status to_file(void *ctx, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, ctx) == len ? MSC_OK : MSC_ERR_IO;
}

/* The loader's notes (invalid UTF-8 repaired ...) and the rows in no
 * group, on stderr: the table shows the notes too, CSV and JSON Lines
 * have no place for them. */
static void notes(const msc_cli *c, const msc_dataset *d, const msc_by *g)
{
    if (c->format != MSC_FORMAT_TABLE)
        for (size_t i = 0; i < d->warnings.n; i++)
            fprintf(stderr, "mscmeta: warning: %s\n", d->warnings.msg[i]);
    size_t miss = msc_by_missing(g);
    if (miss) {
        char col[128];
        msc_text_display(c->by, 60, col, sizeof col);
        fprintf(stderr,
                "mscmeta: warning: %s: %zu row%s with no \"%s\" value %s in no meta-analysis\n",
                d->source, miss, miss == 1 ? "" : "s", col, miss == 1 ? "is" : "are");
    }
}

int msc_cli_by(msc_cli *c)
{
    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    msc_by *g = NULL;
    double *t = NULL;
    int safety = (c->cmd->options & MSC_OPTS_SAFETY) != 0;
    int regress = (c->cmd->options & MSC_OPTS_REGRESS) != 0;
    int rc = msc_cli_load(c, &d);
    if (rc != EXIT_OK)
        return rc;
    int st = msc_by_group(d, c->by, &g, err, sizeof err);
    if (st != MSC_OK) {
        msc_cli_error("%s", err);
        rc = msc_cli_exit_code(st);
        goto out;
    }
    if (msc_by_count(g) == 0) {
        char col[128];
        msc_text_display(c->by, 60, col, sizeof col);
        msc_cli_error("%s: no row has a \"%s\" value (--by): there is nothing to analyse",
                      d->source, col);
        rc = EXIT_INPUT;
        goto out;
    }
    if (safety && (rc = msc_cli_thresholds(c, d, &t)) != EXIT_OK)
        goto out;
    if (regress) {
        /* options the whole file's design cannot take (a moderator named twice,
         * a level no row has) are the user's to fix, before any group runs */
        msc_regression *r0 = NULL;
        st = msc_regress_run_rows(d, NULL, 0, &c->settings, &c->regress, MSC_REGRESS_RUN_DESIGN,
                                  &r0, err, sizeof err);
        msc_regression_free(r0);
        if (st == MSC_ERR_USAGE || st == MSC_ERR_INPUT) {
            rc = msc_cli_usage(c->cmd->name, "%s", err);
            goto out;
        }
        if (st != MSC_OK) {
            msc_cli_error("%s", err);
            rc = msc_cli_exit_code(st);
            goto out;
        }
    }
    notes(c, d, g);
    msc_by_options bo = {safety ? MSC_BY_SAFETY : regress ? MSC_BY_REGRESS : MSC_BY_POOL,
                         c->summary_only, NULL, t, c->settings.threads,
                         regress ? &c->regress : NULL};
    msc_by_summary sum;
    msc_out out;
    if ((rc = msc_out_open(&out, c->output)) != EXIT_OK)
        goto out;
    st = msc_report_by(d, g, &c->settings, &bo, c->format, to_file, out.fp, &sum);
    if (st == MSC_OK && ferror(out.fp))
        st = MSC_ERR_IO;
    if (st != MSC_OK) {
        int e = errno;
        msc_out_abort(&out);
        if (st == MSC_ERR_IO)
            msc_cli_error("writing to %s failed: %s", c->output ? c->output : "standard output",
                          strerror(e));
        else
            msc_cli_error("%s: %s", d->source, msc_strerror(st));
        rc = msc_cli_exit_code(st);
        goto out;
    }
    rc = msc_out_commit(&out);
    if (rc == EXIT_OK && safety && sum.not_below)
        rc = EXIT_SAFETY;
out:
    free(t);
    msc_by_free(g);
    msc_dataset_free(d);
    return rc;
}
