/*
 * Forest plots, laid out as meta's forest() and RevMan lay them out: study
 * label, events and n on the left; each study's proportion as a square
 * sized by its weight with its interval; the common- and random-effects
 * diamonds and the prediction interval; proportion [CI] and weights on the
 * right; heterogeneity and the model in the footer. With subgroups: a
 * heading, the studies, a diamond and a heterogeneity line per group, then
 * the overall rows and the test for subgroup differences.
 *
 * Three steps (msc_forest.h): the rows, from the analysis (forest_rows.c);
 * the layout, in points, from the fonts' metrics, so that no text can
 * overlap another whatever the number of studies or the length of their
 * names (forest_layout.c); the drawing, where gnuplot only draws
 * (forest_draw.c). Every number shown comes from the analysis: no step
 * computes statistics.
 */
#include <stdio.h>

#include "msc_forest.h"
#include "mscmeta/compare.h"

/* The last two steps for rows built with status rc (MSC_OK: lay them out
 * and draw them), then the rows freed whatever happened. */
static msc_status finish(msc_forest_rows *rs, int rc, const msc_plot_options *opt,
                         const char *path, char *err, size_t errlen)
{
    if (rc == MSC_OK) {
        msc_forest_layout L;
        rc = msc_forest_layout_make(&L, rs, opt, err, errlen);
        if (rc == MSC_OK)
            rc = msc_forest_draw(rs, &L, opt->format, path, err, errlen);
        msc_forest_layout_free(&L);
    }
    msc_forest_rows_free(rs);
    return rc;
}

msc_status msc_plot_forest(const msc_analysis *a, size_t outcome, const char *path,
                           const msc_plot_options *opt, char *err, size_t errlen)
{
    int rc = msc_plot_check(a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    const msc_outcome_result *o = &a->outcome[outcome];
    if (!o->ci_lo || !o->ci_hi) {
        snprintf(err, errlen, "forest plot: the analysis was run without per-study intervals");
        return MSC_ERR_USAGE;
    }
    msc_forest_rows rs;
    rc = msc_forest_rows_build(&rs, a, o, opt, err, errlen);
    if (rc == MSC_OK && rs.n > MSC_PLOT_MAX_ROWS) {
        snprintf(err, errlen,
                 "a forest plot of %zu studies (%zu rows) is too long to read; it draws at "
                 "most %d rows: draw a funnel plot (mscmeta funnel), or print the pooled "
                 "numbers alone (mscmeta pool --summary-only)",
                 o->k, rs.n, MSC_PLOT_MAX_ROWS);
        rc = MSC_ERR_USAGE;
    }
    return finish(&rs, rc, opt, path, err, errlen);
}

/* The comparison's forest (mscmeta compare --forest): the same layout and
 * drawing, rows from msc_forest_rows_compare. */
msc_status msc_plot_compare_forest(const msc_compare *c, size_t outcome, const char *path,
                                   const msc_plot_options *opt, char *err, size_t errlen)
{
    if (!c || c->n_rows == 0) {
        snprintf(err, errlen, "compare forest plot: no comparison");
        return MSC_ERR_USAGE;
    }
    int rc = msc_plot_check(c->row[0].a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    msc_forest_rows rs;
    rc = msc_forest_rows_compare(&rs, c, outcome, opt, err, errlen);
    return finish(&rs, rc, opt, path, err, errlen);
}
