/*
 * The first step of an outcome's analysis: which studies can be used, with
 * their effect sizes (escalc's yi and vi, after the continuity correction),
 * and why each of the others is left out. The fits then work on this
 * selection, or on any subset of it (msc_fit_studies).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_stats.h"

static int add_excluded(msc_outcome_result *o, size_t row, const char *reason)
{
    o->excluded_row[o->n_excluded] = row;
    o->excluded_reason[o->n_excluded] = reason;
    o->n_excluded++;
    return MSC_OK;
}

/* Makes o's xi and ni copies of the first k selected studies' counts,
 * with room for all K records, once a record is left out (until then they
 * are the data set's own columns). */
static int own_counts(msc_outcome_result *o, msc_outcome_store *st, size_t K, size_t k)
{
    if (st->own_counts)
        return MSC_OK;
    double *xi = malloc(K * sizeof *xi), *ni = malloc(K * sizeof *ni);
    if (!xi || !ni) {
        free(xi);
        free(ni);
        return MSC_ERR_NOMEM;
    }
    if (k) {
        memcpy(xi, o->xi, k * sizeof *xi);
        memcpy(ni, o->ni, k * sizeof *ni);
    }
    o->xi = xi;
    o->ni = ni;
    st->own_counts = 1;
    return MSC_OK;
}

int msc_select_own_counts(msc_outcome_result *o, msc_outcome_store *st, size_t K)
{
    return own_counts(o, st, K, o->k);
}

const char MSC_REASON_UNDEFINED[] =
    "0 or n events: the effect size is undefined without a continuity correction";

int msc_select_studies(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                       const msc_outcome_data *od, const msc_settings *s)
{
    return msc_select_rows(o, st, d, od, s, NULL, 0);
}

/* The record of the r-th row considered: rows[r], or r itself. */
#define ROW(r) (rows ? rows[r] : (r))

int msc_select_rows(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                    const msc_outcome_data *od, const msc_settings *s, const size_t *rows,
                    size_t nrows)
{
    size_t K = rows ? nrows : d->k;
    o->data = od;
    size_t K1 = K ? K : 1; /* a group of rows may be empty of nothing but must allocate */
    o->row = malloc(K1 * sizeof *o->row);
    o->yi = malloc(K1 * sizeof *o->yi);
    o->vi = malloc(K1 * sizeof *o->vi);
    o->excluded_row = malloc(K1 * sizeof *o->excluded_row);
    o->excluded_reason = malloc(K1 * sizeof *o->excluded_reason);
    size_t l1 = strlen(od->name) + 9, l2 = strlen(od->denom) + 9;
    st->reason_missing_events = malloc(l1);
    st->reason_missing_n = malloc(l2);
    if (!o->row || !o->yi || !o->vi || !o->excluded_row || !o->excluded_reason ||
        !st->reason_missing_events || !st->reason_missing_n)
        return MSC_ERR_NOMEM;
    snprintf(st->reason_missing_events, l1, "missing %s", od->name);
    snprintf(st->reason_missing_n, l2, "missing %s", od->denom);

    double add;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &add, &mode);
    int any0 = 0;
    for (size_t j = 0; j < K; j++) {
        size_t r = ROW(j);
        double x = od->events[r], n = od->n[r];
        if (!isnan(x) && !isnan(n) && (x == 0.0 || x == n))
            any0 = 1;
    }
    msc_measure m = msc_method_uses_counts(s->method) ? MSC_PLO : s->measure;
    size_t k = 0, n_undefined = 0, n_no_logit = 0;
    /* While every record so far is selected, xi and ni are the data set's
     * own columns (no copy: 16 bytes a study less, and no pages to touch);
     * the first record left out, or a list of rows, makes them copies
     * (own_counts). */
    o->xi = od->events;
    o->ni = od->n;
    st->own_counts = 0;
    if (rows && own_counts(o, st, K1, 0) != MSC_OK)
        return MSC_ERR_NOMEM;
    for (size_t j = 0; j < K; j++) {
        size_t r = ROW(j);
        double x = od->events[r], n = od->n[r];
        if (isnan(x)) {
            if (own_counts(o, st, K, k) != MSC_OK)
                return MSC_ERR_NOMEM;
            add_excluded(o, r, st->reason_missing_events);
            continue;
        }
        if (isnan(n)) {
            if (own_counts(o, st, K, k) != MSC_OK)
                return MSC_ERR_NOMEM;
            add_excluded(o, r, st->reason_missing_n);
            continue;
        }
        double y, v;
        msc_effect_compute(m, x, n, add, mode, any0, &y, &v);
        if (!isfinite(y) || !isfinite(v) || !(v > 0.0)) {
            /* only with --cc-mode none (or --cc 0): logit/log of 0 or 1 */
            if (!msc_method_uses_counts(s->method)) {
                if (own_counts(o, st, K, k) != MSC_OK)
                    return MSC_ERR_NOMEM;
                add_excluded(o, r, MSC_REASON_UNDEFINED);
                n_undefined++;
                continue;
            }
            n_no_logit++; /* GLMM, BB: kept, they fit the counts; yi and vi are null in reports */
        }
        o->row[k] = r;
        if (st->own_counts) {
            o->xi[k] = x;
            o->ni[k] = n;
        }
        o->yi[k] = y;
        o->vi[k] = v;
        k++;
    }
    o->k = k;
    if (n_undefined)
        msc_warnings_add(&o->warnings,
                         "%zu stud%s with 0 or n events left out: %s is undefined there without "
                         "a continuity correction (drop --cc-mode none, or use PAS or PFT)",
                         n_undefined, n_undefined == 1 ? "y" : "ies", msc_measure_name(m));
    if (n_no_logit)
        msc_warnings_add(&o->warnings,
                         "%zu stud%s with 0 or n events: the logit (yi, vi) is undefined without a "
                         "continuity correction and shown as missing; the %s uses the counts",
                         n_no_logit, n_no_logit == 1 ? "y" : "ies",
                         s->method == MSC_METHOD_BB ? "beta-binomial" : "GLMM");
    if (k == 0) {
        o->skipped = 1;
        msc_warnings_add(&o->warnings, "no study has usable %s counts: this outcome is skipped",
                         od->name);
        return MSC_OK;
    }
    return MSC_OK;
}
