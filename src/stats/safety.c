/*
 * Safety check: is the pooled adverse-event rate below a limit?
 *
 * The verdict uses the one-sided upper confidence bound of the pooled rate
 * at the chosen level (0.95 by default): the upper end of the two-sided
 * interval at 1 - 2(1-level), i.e. estimate + z_{level} SE on the model
 * scale (t with knha), back-transformed; or, where the pooled estimate is
 * the exact proportion sum x / sum n, the exact one-sided Clopper-Pearson
 * bound. A limit is "exceeded" when that bound is above it.
 *
 * Per study: the exact two-sided interval, the exact one-sided upper bound
 * (for 0 events the closed form 1 - (1-level)^(1/n), beside which reports
 * show the rule of three, 3/n), and a signal flag when the study's own exact
 * lower bound is above the limit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_stats.h"

static double pooled_upper(const msc_analysis *a, const msc_outcome_result *o, int *exact)
{
    const msc_fit *f = &o->fit;
    const msc_estimate *e = msc_fit_main_block(f);
    double level = a->settings.level;
    *exact = e->exact;
    if (e->exact)
        return msc_study_ci_upper_exact(o->events_total, o->n_total, level);
    if (!isfinite(e->yi) || !isfinite(e->se))
        return NAN;
    double crit = isfinite(e->df) ? msc_qt_upper(1.0 - level, e->df) : msc_qnorm_upper(1.0 - level);
    return msc_effect_backtransform(a->settings.measure, e->yi + crit * e->se, f->nhm);
}

/* A study's exact two-sided interval and one-sided upper bound. */
static void exact_bounds(double x, double n, const void *ctx, double *v)
{
    double level = *(const double *)ctx;
    msc_study_ci_compute(MSC_SCI_CP, x, n, level, &v[0], &v[1]);
    v[2] = msc_study_ci_upper_exact(x, n, level);
}

static void exact_upper(double x, double n, const void *ctx, double *v)
{
    v[0] = msc_study_ci_upper_exact(x, n, *(const double *)ctx);
}

msc_status msc_safety_evaluate(const msc_analysis *a, const double *thresholds, msc_safety **out)
{
    msc_safety *r = calloc(a->n_outcomes ? a->n_outcomes : 1, sizeof *r);
    if (!r)
        return MSC_ERR_NOMEM;
    double level = a->settings.level;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        msc_safety *s = &r[j];
        s->threshold = thresholds[j];
        s->level = level;
        s->upper_bound = NAN;
        if (o->skipped)
            continue;
        s->upper_bound = pooled_upper(a, o, &s->exact);
        s->exceeded = isfinite(s->threshold) && s->upper_bound > s->threshold;
        s->study_upper = malloc(o->k * sizeof *s->study_upper);
        s->study_lo_exact = malloc(o->k * sizeof *s->study_lo_exact);
        s->study_hi_exact = malloc(o->k * sizeof *s->study_hi_exact);
        s->signal = calloc(o->k, 1);
        if (!s->study_upper || !s->study_lo_exact || !s->study_hi_exact || !s->signal) {
            msc_safety_free(r, a->n_outcomes);
            return MSC_ERR_NOMEM;
        }
        if (o->ci_lo && o->ci_hi && a->settings.study_ci == MSC_SCI_CP) {
            /* the analysis computed the same intervals already */
            memcpy(s->study_lo_exact, o->ci_lo, o->k * sizeof *o->ci_lo);
            memcpy(s->study_hi_exact, o->ci_hi, o->k * sizeof *o->ci_hi);
            msc_pair_values(o->xi, o->ni, o->k, exact_upper, &level, 1,
                            (double *const[]){s->study_upper});
        } else {
            msc_pair_values(o->xi, o->ni, o->k, exact_bounds, &level, 3,
                            (double *const[]){s->study_lo_exact, s->study_hi_exact,
                                              s->study_upper});
        }
        for (size_t i = 0; i < o->k; i++)
            if (isfinite(s->threshold) && s->study_lo_exact[i] > s->threshold) {
                s->signal[i] = 1;
                s->n_signals++;
            }
    }
    *out = r;
    return MSC_OK;
}

void msc_safety_free(msc_safety *s, size_t n)
{
    if (!s)
        return;
    for (size_t j = 0; j < n; j++) {
        free(s[j].study_upper);
        free(s[j].study_lo_exact);
        free(s[j].study_hi_exact);
        free(s[j].signal);
    }
    free(s);
}
