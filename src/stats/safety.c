/*
 * Safety check: is the pooled adverse-event rate below a limit?
 *
 * The verdict uses the one-sided confidence bounds of the pooled rate at
 * the chosen level (0.95 by default): the ends of the two-sided interval
 * at 1 - 2(1-level), i.e. estimate -+ z_{level} SE on the model scale (t
 * with knha), back-transformed; or, where the pooled estimate is the exact
 * proportion sum x / sum n, the exact one-sided Clopper-Pearson bounds.
 * Three verdicts: below (the upper bound is at or under the limit), above
 * (the lower bound is over it), inconclusive (it straddles the limit); a
 * limit is "exceeded" unless the rate is shown to be below it. Beside
 * them, the predictive probability that a new study's true rate exceeds
 * the limit. The same for each subgroup.
 *
 * Per study: the exact two-sided interval, the exact one-sided upper bound
 * (for 0 events the closed form 1 - (1-level)^(1/n), beside which reports
 * show the rule of three, 3/n), and a signal flag when the study's own exact
 * lower bound is above the limit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

const char *msc_verdict_name(msc_verdict v)
{
    switch (v) {
    case MSC_VERDICT_BELOW:
        return "below";
    case MSC_VERDICT_INCONCLUSIVE:
        return "inconclusive";
    case MSC_VERDICT_ABOVE:
        return "above";
    default:
        return NULL;
    }
}

/* The one-sided bounds at `level` of a fit's pooled rate: from the block
 * the tests use, est -+ crit SE on the model scale (t with knha), back-
 * transformed; or, where that block is the exact proportion sx / sn, the
 * exact (Clopper-Pearson) one-sided bounds, the two-sided interval at
 * 2 level - 1. */
static void pooled_bounds(const msc_settings *st, const msc_fit *f, double sx, double sn,
                          double *lo, double *hi, int *exact)
{
    const msc_estimate *e = msc_fit_main_block(f);
    double level = st->level;
    *exact = e->exact;
    *lo = *hi = NAN;
    if (e->exact) {
        double l2, h2;
        msc_study_ci_compute(MSC_SCI_CP, sx, sn, 2.0 * level - 1.0, &l2, &h2);
        *lo = l2;
        *hi = msc_study_ci_upper_exact(sx, sn, level);
        return;
    }
    if (!isfinite(e->yi) || !isfinite(e->se))
        return;
    msc_measure m = msc_method_uses_counts(st->method) ? MSC_PLO : st->measure;
    double crit = isfinite(e->df) ? msc_qt_upper(1.0 - level, e->df) : msc_qnorm_upper(1.0 - level);
    *hi = msc_effect_backtransform(m, e->yi + crit * e->se, f->nhm);
    *lo = msc_effect_backtransform(m, e->yi - crit * e->se, f->nhm);
}

/* Below, above, or inconclusive (also when a bound is missing: a gate
 * must not pass what it cannot show). */
static msc_verdict verdict(double lo, double hi, double limit)
{
    if (!isfinite(limit))
        return MSC_VERDICT_NONE;
    if (hi <= limit)
        return MSC_VERDICT_BELOW;
    if (lo > limit)
        return MSC_VERDICT_ABOVE;
    return MSC_VERDICT_INCONCLUSIVE;
}

/* The predictive probability that a new study's true rate exceeds L:
 * 1 - Phi((g(L) - mu) / sqrt(tau^2 + SE^2)), the distribution behind the z
 * prediction interval (Higgins, Thompson & Spiegelhalter 2009). NAN where
 * tau^2 cannot be estimated. Where the GLMM put tau^2 at 0 the estimate is
 * its common-effect (logistic) block. */
static double prob_new_above(const msc_settings *st, const msc_fit *f, double limit)
{
    if (!isfinite(limit) || f->k < 2 || !f->has_random || !msc_fit_het_estimable(f) ||
        !(f->het.tau2 >= 0.0))
        return NAN;
    const msc_estimate *e = f->random.exact ? &f->common : &f->random;
    if (!isfinite(e->yi) || !(e->se > 0.0) || !isfinite(e->se))
        return NAN;
    msc_measure m = msc_method_uses_counts(st->method) ? MSC_PLO : st->measure;
    double g = msc_effect_transform(m, limit, f->nhm);
    if (!isfinite(g))
        return NAN;
    return gsl_cdf_ugaussian_Q((g - e->yi) / sqrt(f->het.tau2 + e->se * e->se));
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
    double level = a->settings.level;
    if (!(level > 0.5 && level < 1.0))
        return MSC_ERR_USAGE; /* one-sided bounds at 0.5 or below are not upper bounds */
    msc_safety *r = calloc(a->n_outcomes ? a->n_outcomes : 1, sizeof *r);
    if (!r)
        return MSC_ERR_NOMEM;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        msc_safety *s = &r[j];
        s->threshold = thresholds[j];
        s->level = level;
        s->upper_bound = s->lower_bound = s->prob_new_above = NAN;
        s->verdict = MSC_VERDICT_NONE;
        if (o->skipped) {
            s->no_data = isfinite(s->threshold);
            continue;
        }
        pooled_bounds(&a->settings, &o->fit, o->events_total, o->n_total, &s->lower_bound,
                      &s->upper_bound, &s->exact);
        s->verdict = verdict(s->lower_bound, s->upper_bound, s->threshold);
        s->exceeded = s->verdict == MSC_VERDICT_INCONCLUSIVE || s->verdict == MSC_VERDICT_ABOVE;
        s->prob_new_above = prob_new_above(&a->settings, &o->fit, s->threshold);
        if (o->n_groups) {
            s->group = calloc(o->n_groups, sizeof *s->group);
            if (!s->group) {
                msc_safety_free(r, a->n_outcomes);
                return MSC_ERR_NOMEM;
            }
            s->n_groups = o->n_groups;
            for (size_t g = 0; g < o->n_groups; g++) {
                const msc_group_result *gr = &o->group[g];
                msc_safety_group *sg = &s->group[g];
                msc_fit gf;
                msc_warnings gw = {0};
                msc_status rc = msc_group_fit(a, o, g, &gf, &gw);
                msc_warnings_clear(&gw);
                if (rc != MSC_OK) {
                    msc_safety_free(r, a->n_outcomes);
                    return rc;
                }
                pooled_bounds(&a->settings, &gf, gr->events_total, gr->n_total, &sg->lower_bound,
                              &sg->upper_bound, &sg->exact);
                sg->verdict = verdict(sg->lower_bound, sg->upper_bound, s->threshold);
                sg->prob_new_above = prob_new_above(&a->settings, &gf, s->threshold);
            }
        }
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
            msc_pair_values(
                o->xi, o->ni, o->k, exact_bounds, &level, 3,
                (double *const[]){s->study_lo_exact, s->study_hi_exact, s->study_upper});
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
        free(s[j].group);
    }
    free(s);
}
