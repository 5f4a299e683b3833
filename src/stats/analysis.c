/*
 * The whole analysis of a data set: for every outcome, pick the usable
 * studies (and say why the others are left out), compute effect sizes, pool
 * them, pool each subgroup with its own tau^2 and test the subgroup
 * differences, and add the totals and the exact pooled proportion. Reports
 * and plots read only what this module produces, so that every number a
 * user sees comes from one place.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_stats.h"

/* ------------------------------------------------- per-study intervals */

static void study_ci_fn(double x, double n, const void *ctx, double *v)
{
    const msc_settings *s = ctx;
    msc_study_ci_compute(s->study_ci, x, n, s->level, &v[0], &v[1]);
}

static int study_cis(msc_outcome_result *o, const msc_settings *s)
{
    o->ci_lo = malloc(o->k * sizeof *o->ci_lo);
    o->ci_hi = malloc(o->k * sizeof *o->ci_hi);
    if (!o->ci_lo || !o->ci_hi)
        return MSC_ERR_NOMEM;
    msc_pair_values(o->xi, o->ni, o->k, study_ci_fn, s, 2, (double *const[]){o->ci_lo, o->ci_hi});
    return MSC_OK;
}

/* ------------------------------------------------------------- weights */

double msc_outcome_weight(const msc_outcome_result *o, size_t i, int random)
{
    const msc_fit *f = &o->fit;
    if (!f->has_weights || o->skipped)
        return NAN;
    if (random) {
        if (!f->has_random)
            return NAN;
        return 100.0 / (o->vi[i] + f->het.tau2) / f->sum_w_random;
    }
    return 100.0 / o->vi[i] / f->sum_w_common;
}

/* A rate in percent, as the warnings show it: two significant digits
 * below 10% (0.63%), one decimal above (25.3%). */
static const char *pct(char *buf, size_t len, double p)
{
    double v = 100.0 * p;
    if (!isfinite(v))
        snprintf(buf, len, "NA");
    else if (v >= 10.0)
        snprintf(buf, len, "%.1f%%", v);
    else
        snprintf(buf, len, "%#.2g%%", v);
    return buf;
}

/* Inverse-variance pooling with a continuity correction (Stijnen, Hamza &
 * Ozdemir 2010; Lin & Chu 2020): when the correction was added to at least
 * one study, the GLMM is fitted alongside and the warning gives the three
 * rates, so that the user sees how far the correction moved the answer. */
static int warn_correction(msc_outcome_result *o, const msc_settings *s)
{
    double add;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &add, &mode);
    if (msc_method_uses_counts(s->method) || mode == MSC_CC_NONE || !(add > 0.0))
        return MSC_OK;
    size_t zero_or_n = 0;
    for (size_t i = 0; i < o->k; i++)
        zero_or_n += o->xi[i] == 0.0 || o->xi[i] == o->ni[i];
    size_t corrected =
        mode == MSC_CC_ALL || (mode == MSC_CC_IF0ALL && zero_or_n) ? o->k : zero_or_n;
    if (corrected == 0)
        return MSC_OK;
    msc_settings g = *s;
    g.method = MSC_METHOD_GLMM;
    g.measure = MSC_PLO;
    g.test = MSC_TEST_Z;
    g.null_prop = NAN;
    msc_fit gf;
    msc_warnings gw = {0};
    /* only gf.random.est is read: the GLMM's SE and extras are not
     * computed, and on the logit scale its search starts from this fit's
     * mu and tau, which the correction moves only a little (that move is
     * what the warning shows) */
    const msc_estimate *e = msc_fit_main_block(&o->fit);
    int logit = s->measure == MSC_PLO;
    msc_status rc =
        msc_glmm_fit_estimate(o->xi, o->ni, o->vi, o->k, &g, logit ? e->yi : NAN,
                              logit ? sqrt(o->fit.het.tau2) : NAN, &gf, &gw);
    msc_warnings_clear(&gw);
    if (rc == MSC_ERR_NOMEM)
        return rc;
    char here[32], ex[32], gl[32], which[96];
    if (corrected == o->k)
        snprintf(which, sizeof which, "all %zu studies", o->k);
    else
        snprintf(which, sizeof which, "%zu of %zu studies with 0 or n events", corrected, o->k);
    pct(here, sizeof here, e->est);
    pct(ex, sizeof ex, o->exact_est);
    if (rc == MSC_OK && !gf.random.exact)
        pct(gl, sizeof gl, gf.random.est);
    msc_warnings_add(&o->warnings,
                     "the continuity correction (%g added to %s) moves the pooled rate: %s here "
                     "against %s exact (sum x / sum n) and %s%s; consider --method GLMM",
                     add, which, here, ex,
                     rc == MSC_OK && !gf.random.exact ? gl : "the exact proportion",
                     rc == MSC_OK && !gf.random.exact ? " from the GLMM"
                                                      : " from the GLMM, which cannot be fitted "
                                                        "here");
    return MSC_OK;
}

/* Freeman-Tukey's back-transformation (Miller 1978) needs one n; with
 * unequal n the pooled value means different rates at different n
 * (Schwarzer et al. 2019): the warning shows how much. */
static void warn_pft(msc_outcome_result *o, const msc_settings *s)
{
    if (s->measure != MSC_PFT || msc_method_uses_counts(s->method))
        return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < o->k; i++) {
        lo = fmin(lo, o->ni[i]);
        hi = fmax(hi, o->ni[i]);
    }
    const msc_estimate *e = msc_fit_main_block(&o->fit);
    if (!(lo < hi) || !isfinite(e->yi))
        return;
    char a[32], b[32], c[32];
    msc_warnings_add(&o->warnings,
                     "the Freeman-Tukey back-transformation depends on n (Schwarzer et al. "
                     "2019): the pooled value %.4f is %s at the smallest n (%g), %s at the "
                     "harmonic mean (%.4g, used here) and %s at the largest n (%g); consider "
                     "--method GLMM",
                     e->yi, pct(a, sizeof a, msc_effect_backtransform(MSC_PFT, e->yi, lo)), lo,
                     pct(b, sizeof b, msc_effect_backtransform(MSC_PFT, e->yi, o->fit.nhm)),
                     o->fit.nhm, pct(c, sizeof c, msc_effect_backtransform(MSC_PFT, e->yi, hi)),
                     hi);
}

/* The outcome's own intervals (the exact pooled one, each study's): one
 * found reversed is a bug, shown as missing with a warning, never as a
 * result (the fits check theirs in msc_fit_check). */
static void check_intervals(msc_outcome_result *o)
{
    size_t bad = 0;
    if (isfinite(o->exact_lo) && isfinite(o->exact_hi) && o->exact_lo > o->exact_hi) {
        o->exact_lo = o->exact_hi = NAN;
        bad++;
    }
    for (size_t i = 0; o->ci_lo && i < o->k; i++)
        if (isfinite(o->ci_lo[i]) && isfinite(o->ci_hi[i]) && o->ci_lo[i] > o->ci_hi[i]) {
            o->ci_lo[i] = o->ci_hi[i] = NAN;
            bad++;
        }
    if (bad)
        msc_warnings_add(&o->warnings,
                         "internal check: %zu exact interval%s came out reversed (lower bound "
                         "above the upper) and %s shown as missing; this is a bug in mscmeta: "
                         "please report it with the data",
                         bad, bad == 1 ? "" : "s", bad == 1 ? "is" : "are");
}

/* The second step: the analysis of an outcome's selection of studies
 * (msc_select_studies): totals and the exact pooled proportion, the fit,
 * per-study intervals and subgroups. */
static int analyse_outcome(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                           const msc_settings *s, unsigned flags)
{
    size_t k = o->k;
    msc_measure m = msc_method_uses_counts(s->method) ? MSC_PLO : s->measure;
    /* Totals and the exact pooled proportion under complete homogeneity. */
    double sx = 0, sn = 0;
    for (size_t i = 0; i < k; i++) {
        sx += o->xi[i];
        sn += o->ni[i];
    }
    o->events_total = sx;
    o->n_total = sn;
    o->exact_est = sx / sn;
    msc_study_ci_compute(MSC_SCI_CP, sx, sn, s->level, &o->exact_lo, &o->exact_hi);

    msc_studies all;
    msc_outcome_studies(o, &all);
    int rc = msc_fit_studies(&all, NULL, 0, s, 0, &o->fit, &o->warnings);
    if (rc != MSC_OK)
        return rc;
    if (m == MSC_PR || m == MSC_PLN) {
        const msc_estimate *e = msc_fit_main_block(&o->fit);
        double lo = fmin(e->ci_lo, o->fit.common.ci_lo), hi = fmax(e->ci_hi, o->fit.common.ci_hi);
        if (isfinite(e->pi_lo))
            lo = fmin(lo, e->pi_lo);
        if (isfinite(e->pi_hi))
            hi = fmax(hi, e->pi_hi);
        if (lo < 0.0 || hi > 1.0)
            msc_warnings_add(&o->warnings,
                             "an interval on the %s scale reaches outside [0, 1] (shown as "
                             "metafor computes it); PLO keeps intervals inside",
                             msc_measure_name(m));
    }
    warn_pft(o, s);
    if ((rc = warn_correction(o, s)) != MSC_OK)
        return rc;
    if (!(flags & MSC_RUN_NO_STUDY_CI) && (rc = study_cis(o, s)) != MSC_OK)
        return rc;
    check_intervals(o);
    if (d->group_col && (rc = msc_subgroups_fit(o, st, d, s)) != MSC_OK)
        return rc;
    return MSC_OK;
}

/* An analysis with the storage behind its public pointers, which callers
 * need not know about. msc_analysis_run hands out &pub. */
typedef struct {
    msc_analysis pub;
    msc_outcome_store *store; /* per outcome */
} analysis_impl;

static analysis_impl *impl_of(msc_analysis *a)
{
    return (analysis_impl *)((char *)a - offsetof(analysis_impl, pub));
}

void msc_outcome_studies(const msc_outcome_result *o, msc_studies *st)
{
    st->k = o->k;
    st->row = o->row;
    st->xi = o->xi;
    st->ni = o->ni;
    st->yi = o->yi;
    st->vi = o->vi;
}

/* Whether a warning of o could not be stored: the result would then be
 * incomplete (msc_subgroups_fit checks its groups' own). */
static int warnings_lost(const msc_outcome_result *o) { return o->warnings.lost; }

static int run_outcome(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                       const msc_outcome_data *od, const msc_settings *s, unsigned flags,
                       const size_t *rows, size_t nrows)
{
    int rc = msc_select_rows(o, st, d, od, s, rows, nrows);
    if (rc == MSC_OK && !o->skipped)
        rc = analyse_outcome(o, st, d, s, flags);
    return rc == MSC_OK && warnings_lost(o) ? MSC_ERR_NOMEM : rc;
}

/* The analysis of records rows[0..nrows) of d (rows NULL: all). With
 * `lenient`, no usable study is no error: every outcome is then skipped,
 * with its own warning (a group of an analysis by group). */
static msc_status analysis_run(const msc_dataset *d, const size_t *rows, size_t nrows,
                               const msc_settings *s, unsigned flags, int lenient,
                               msc_analysis **out, char *err, size_t errlen)
{
    *out = NULL;
    msc_status bad = msc_settings_check(s, err, errlen);
    if (bad != MSC_OK)
        return bad;
    analysis_impl *impl = calloc(1, sizeof *impl);
    msc_analysis *a = impl ? &impl->pub : NULL;
    if (!a)
        goto nomem;
    a->data = d;
    a->settings = *s;
    size_t n_out = d->n_outcomes ? d->n_outcomes : 1;
    a->outcome = calloc(n_out, sizeof *a->outcome);
    impl->store = calloc(n_out, sizeof *impl->store);
    if (!a->outcome || !impl->store)
        goto nomem;
    a->n_outcomes = d->n_outcomes;
    size_t usable = 0;
    for (size_t j = 0; j < d->n_outcomes; j++) {
        int rc =
            run_outcome(&a->outcome[j], &impl->store[j], d, &d->outcome[j], s, flags, rows, nrows);
        if (rc == MSC_ERR_NOMEM)
            goto nomem;
        if (rc != MSC_OK) {
            snprintf(err, errlen, "%s: %s: the analysis failed", d->source, d->outcome[j].name);
            msc_analysis_free(a);
            return rc;
        }
        if (!a->outcome[j].skipped)
            usable++;
    }
    if (usable == 0 && !lenient) {
        /* Counts present but every study left out (--cc-mode none with 0 or
         * n events) is a different fix from counts that are all missing. */
        size_t undefined = 0;
        for (size_t j = 0; j < a->n_outcomes; j++)
            for (size_t i = 0; i < a->outcome[j].n_excluded; i++)
                undefined += a->outcome[j].excluded_reason[i] == MSC_REASON_UNDEFINED;
        if (undefined)
            snprintf(err, errlen,
                     "%s: no outcome has a usable study: %zu stud%s with 0 or n events left out: "
                     "%s is undefined there without a continuity correction (drop --cc-mode "
                     "none, or use PAS or PFT)",
                     d->source, undefined, undefined == 1 ? "y" : "ies",
                     msc_measure_name(s->measure));
        else
            snprintf(err, errlen,
                     "%s: no outcome has a study with both events and n reported (every count "
                     "is missing)",
                     d->source);
        msc_analysis_free(a);
        return MSC_ERR_INPUT;
    }
    *out = a;
    return MSC_OK;
nomem:
    msc_analysis_free(a);
    snprintf(err, errlen, "%s: out of memory", d->source);
    return MSC_ERR_NOMEM;
}

msc_status msc_analysis_run(const msc_dataset *d, const msc_settings *s, unsigned flags,
                            msc_analysis **out, char *err, size_t errlen)
{
    return analysis_run(d, NULL, 0, s, flags, 0, out, err, errlen);
}

msc_status msc_analysis_run_rows(const msc_dataset *d, const size_t *rows, size_t nrows,
                                 const msc_settings *s, unsigned flags, msc_analysis **out,
                                 char *err, size_t errlen)
{
    if (!rows && nrows) {
        *out = NULL;
        snprintf(err, errlen, "msc_analysis_run_rows: rows is NULL");
        return MSC_ERR_USAGE;
    }
    for (size_t i = 0; i < nrows; i++)
        if (rows[i] >= d->k) {
            *out = NULL;
            snprintf(err, errlen, "msc_analysis_run_rows: row %zu is not a record of %s", rows[i],
                     d->source);
            return MSC_ERR_USAGE;
        }
    static const size_t none[1] = {0};
    return analysis_run(d, rows ? rows : none, nrows, s, flags, 1, out, err, errlen);
}

void msc_analysis_free(msc_analysis *a)
{
    if (!a)
        return;
    analysis_impl *impl = impl_of(a);
    for (size_t j = 0; j < a->n_outcomes; j++)
        msc_outcome_release(&a->outcome[j], impl->store ? &impl->store[j] : NULL);
    free(impl->store);
    free(a->outcome);
    free(impl);
}
