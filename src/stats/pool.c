/*
 * Inverse-variance pooling of one outcome, as metafor's rma.uni() does it:
 * the common-effect (FE) model, the random-effects model with the chosen
 * tau^2 estimator, the Knapp-Hartung (knha) adjustment, Cochran's Q,
 * I^2 and H^2 (with metafor's "typical" within-study variance), Q-profile
 * intervals for tau^2 / I^2 / H^2 (confint.rma.uni), and the prediction
 * interval. Every estimate is also back-transformed to the proportion scale.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"


void msc_estimate_clear(msc_estimate *e)
{
    e->yi = e->se = e->ci_lo_yi = e->ci_hi_yi = NAN;
    e->stat = e->p = e->df = NAN;
    e->est = e->ci_lo = e->ci_hi = NAN;
    e->pi_lo_yi = e->pi_hi_yi = e->pi_lo = e->pi_hi = e->pi_df = NAN;
    e->exact = 0;
    e->marg_est = e->marg_lo = e->marg_hi = NAN;
    e->null_prop = e->null_stat = e->null_p = NAN;
}

void msc_estimate_exact(msc_estimate *e, double sx, double sn, double level)
{
    msc_estimate_clear(e);
    e->yi = msc_effect_transform(MSC_PLO, sx / sn, NAN);
    if (!isfinite(e->yi))
        e->yi = NAN;
    e->est = sx / sn;
    msc_study_ci_compute(MSC_SCI_CP, sx, sn, level, &e->ci_lo, &e->ci_hi);
    e->exact = 1;
}

/* Fills the test and interval of an estimate whose yi and se are set:
 * z, or t with df degrees of freedom when df is finite. */
void msc_estimate_test(msc_estimate *e, double level, double df)
{
    double a2 = (1.0 - level) / 2.0;
    e->df = df;
    if (!(e->se > 0.0) || !isfinite(e->se)) {
        /* se = 0: knha with identical estimates; no test is possible */
        e->stat = e->p = NAN;
        e->ci_lo_yi = e->ci_hi_yi = e->se == 0.0 ? e->yi : NAN;
        return;
    }
    e->stat = e->yi / e->se;
    double crit;
    if (isfinite(df)) {
        e->p = 2.0 * msc_t_upper(fabs(e->stat), df);
        crit = msc_qt_upper(a2, df);
    } else {
        e->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(e->stat));
        crit = msc_qnorm_upper(a2);
    }
    e->ci_lo_yi = e->yi - crit * e->se;
    e->ci_hi_yi = e->yi + crit * e->se;
}

void msc_estimate_backtransform(msc_estimate *e, msc_measure m, double nhm)
{
    e->est = msc_effect_backtransform(m, e->yi, nhm);
    e->ci_lo = msc_effect_backtransform(m, e->ci_lo_yi, nhm);
    e->ci_hi = msc_effect_backtransform(m, e->ci_hi_yi, nhm);
    e->pi_lo = msc_effect_backtransform(m, e->pi_lo_yi, nhm);
    e->pi_hi = msc_effect_backtransform(m, e->pi_hi_yi, nhm);
}

/* Knapp-Hartung: scale the variance by s2w = sum w (y - est)^2 / (k-1)
 * (metafor: 0 when that sum is below machine epsilon), t with k-1 df. */
static void knha_adjust(msc_estimate *e, const msc_wsums *s, size_t k, msc_warnings *w)
{
    double s2w = s->q <= 2.220446049250313e-16 ? 0.0 : s->q / ((double)k - 1.0);
    e->se *= sqrt(s2w);
    if (s2w == 0.0)
        msc_warnings_add(w, "Knapp-Hartung: all study estimates are identical, so its variance "
                            "factor is 0 and the interval has zero width (metafor does the same); "
                            "consider --test z");
}

/* Q-profile interval (Viechtbauer 2007): the tau^2 values at which the
 * generalised Q statistic equals the chi^2_{k-1} quantiles. Q(tau2) falls
 * as tau2 grows; a bound whose quantile Q(0) does not reach is 0. */
static void qprofile(const double *yi, const double *vi, size_t k, double q0, double level,
                     msc_heterogeneity *h, msc_warnings *w)
{
    double df = (double)k - 1.0, a2 = (1.0 - level) / 2.0;
    double crit_u = msc_qchisq(a2, df, 1); /* upper quantile -> lower bound */
    double crit_l = msc_qchisq(a2, df, 0); /* lower quantile -> upper bound */
    /* the bounds usually lie on either side of tau^2's estimate, where Q
     * is about k - 1 (always for PM): Newton from there takes a few steps
     * to each, and from anywhere else it still finds them */
    double start = h->tau2 > 0.0 ? h->tau2 : 1.0;
    h->tau2_lo = h->tau2_hi = 0.0;
    if (q0 >= crit_l && msc_tau2_q_solve(yi, vi, k, crit_l, start, &h->tau2_hi) < 0)
        h->tau2_hi = NAN;
    if (q0 >= crit_u && msc_tau2_q_solve(yi, vi, k, crit_u, start, &h->tau2_lo) < 0)
        h->tau2_lo = NAN;
    if (isnan(h->tau2_lo) || isnan(h->tau2_hi))
        msc_warnings_add(w, "the Q-profile interval for tau^2 could not be found");
    /* metafor's confint() searches only up to max(100, 10 tau^2) and prints
     * ">100" beyond; we give the root itself, and say so */
    double cap = fmax(100.0, 10.0 * h->tau2);
    if (h->tau2_hi > cap)
        msc_warnings_add(w, "the Q-profile upper bound for tau^2 (%.6g) lies beyond metafor's "
                            "default search limit (%g), where metafor prints \">%g\"; with so "
                            "few studies tau^2 is barely constrained",
                         h->tau2_hi, cap, cap);
    h->I2_lo = 100.0 * h->tau2_lo / (h->vt + h->tau2_lo);
    h->I2_hi = 100.0 * h->tau2_hi / (h->vt + h->tau2_hi);
    h->H2_lo = h->tau2_lo / h->vt + 1.0;
    h->H2_hi = h->tau2_hi / h->vt + 1.0;
}

/* Prediction interval on the model scale: est +/- crit sqrt(tau2 + se^2),
 * crit from t(k-2) (Higgins, Thompson & Spiegelhalter 2009), z (metafor's
 * default) or t(k-1) (metafor with knha). */
void msc_pool_prediction_interval(msc_estimate *e, double tau2, size_t k, const msc_settings *s,
                                  msc_warnings *w)
{
    double a2 = (1.0 - s->level) / 2.0, crit = NAN, df = NAN;
    switch (s->pi) {
    case MSC_PI_HTS:
        if (k < 3) {
            msc_warnings_add(w, "no prediction interval: the Higgins-Thompson-Spiegelhalter "
                                "interval (t with k-2 df) needs at least 3 studies");
            return;
        }
        df = (double)k - 2.0;
        break;
    case MSC_PI_T:
        /* t(k-1) is metafor's interval with knha; at k = 1 metafor switches
         * to z, and so do we */
        if (k >= 2)
            df = (double)k - 1.0;
        else
            msc_warnings_add(w, "k = 1: the prediction interval uses z, as t with k-1 df "
                                "does not exist");
        break;
    case MSC_PI_Z:
        break;
    }
    if (!isfinite(e->se))
        return;
    crit = isfinite(df) ? msc_qt_upper(a2, df) : msc_qnorm_upper(a2);
    double sd = sqrt(tau2 + e->se * e->se);
    e->pi_lo_yi = e->yi - crit * sd;
    e->pi_hi_yi = e->yi + crit * sd;
    e->pi_df = df;
}

/* Whatever else went wrong, a pooled value that is not a number must not
 * reach a report unexplained: a variance that underflows or overflows a
 * double (--cc near 0, counts near 1e15) makes a weight infinite. */
static void warn_not_finite(const msc_fit *f, msc_warnings *w)
{
    const msc_estimate *e[2] = {&f->common, &f->random};
    for (int i = 0; i < (f->has_random ? 2 : 1); i++)
        if (!isfinite(e[i]->yi) || !isfinite(e[i]->se) || !isfinite(e[i]->est) ||
            !isfinite(e[i]->ci_lo) || !isfinite(e[i]->ci_hi) || !isfinite(f->het.tau2)) {
            msc_warnings_add(w, "a pooled value could not be computed and is shown as missing: "
                                "a study variance is too close to 0 or too large for double "
                                "precision (as with a continuity correction near 0), or the "
                                "back-transformation is undefined there");
            return;
        }
}

msc_status msc_pool_fit(const double *yi, const double *vi, const double *ni, size_t k,
                        const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    return msc_pool_fit_flags(yi, vi, ni, k, s, 0, f, w);
}

msc_status msc_pool_fit_flags(const double *yi, const double *vi, const double *ni, size_t k,
                              const msc_settings *s, unsigned flags, msc_fit *f, msc_warnings *w)
{
    memset(f, 0, sizeof *f);
    msc_estimate_clear(&f->common);
    msc_estimate_clear(&f->random);
    f->method = s->method;
    f->k = k;
    f->has_weights = 1;
    f->converged = 1;
    f->nhm = NAN;
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    if (k == 0)
        return MSC_ERR_INPUT;
    if (ni) {
        double sinv = 0;
        for (size_t i = 0; i < k; i++)
            sinv += 1.0 / ni[i];
        f->nhm = (double)k / sinv; /* harmonic mean, for Miller's PFT inverse */
    }
    msc_heterogeneity *h = &f->het;
    h->tau2_lo = h->tau2_hi = h->I2_lo = h->I2_hi = h->H2_lo = h->H2_hi = NAN;
    h->Q_lrt = h->Q_lrt_p = NAN;
    h->lrt_tau2 = h->lrt_tau2_p = NAN;
    h->rho = h->rho_lo = h->rho_hi = NAN;

    int knha = s->test == MSC_TEST_KNHA;
    if (knha && k < 2) {
        msc_warnings_add(w, "k = 1: the Knapp-Hartung test needs at least 2 studies; the z test "
                            "is used");
        knha = 0;
    }

    /* Common-effect model and Cochran's Q. */
    msc_wsums s0;
    msc_wsums_compute(yi, vi, k, 0.0, &s0);
    f->sum_w_common = s0.sw;
    f->common.yi = s0.mean;
    f->common.se = sqrt(1.0 / s0.sw);
    int fe = s->method == MSC_METHOD_FE;
    if (fe && knha) {
        msc_warnings_add(w, "the Knapp-Hartung method is not meant for common-effect models "
                            "(metafor warns the same)");
        knha_adjust(&f->common, &s0, k, w);
    }
    msc_estimate_test(&f->common, s->level, fe && knha ? (double)k - 1.0 : NAN);

    double df = (double)k - 1.0;
    h->df = df;
    if (k > 1) {
        h->Q = s0.q > 0.0 ? s0.q : 0.0;
        h->Q_p = msc_pchisq(h->Q, df, 1);
        h->vt = df / msc_wsums_trp(vi, k, 0.0); /* (k-1) / tr(P), metafor's i2def 1 */
    } else {
        h->Q = 0.0;
        h->Q_p = 1.0;
        h->vt = 0.0;
    }

    if (fe) {
        h->tau2 = h->tau = 0.0;
        if (k > 1) {
            h->I2 = h->Q > df ? 100.0 * (h->Q - df) / h->Q : 0.0;
            h->H2 = h->Q / df;
        } else {
            h->I2 = 0.0;
            h->H2 = 1.0;
            msc_warnings_add(w, "k = 1: heterogeneity cannot be estimated from one study");
        }
        f->sum_w_random = NAN;
        msc_estimate_backtransform(&f->common, s->measure, f->nhm);
        warn_not_finite(f, w);
        return MSC_OK;
    }

    /* Random-effects model. */
    f->has_random = 1;
    msc_tau2_result tr;
    msc_tau2_estimate(s->method, yi, vi, k, &tr);
    f->iterations = tr.iterations;
    f->converged = tr.converged;
    if (!tr.converged)
        msc_warn_tau2_not_converged(w, s->method);
    double tau2 = tr.tau2;
    h->tau2 = tau2;
    h->tau = sqrt(tau2);
    msc_wsums st;
    msc_wsums_compute(yi, vi, k, tau2, &st);
    f->sum_w_random = st.sw;
    f->random.yi = st.mean;
    f->random.se = sqrt(1.0 / st.sw);
    if (knha)
        knha_adjust(&f->random, &st, k, w);
    msc_estimate_test(&f->random, s->level, knha ? df : NAN);
    if (k > 1) {
        h->I2 = 100.0 * tau2 / (h->vt + tau2);
        h->H2 = tau2 / h->vt + 1.0;
        if (!(flags & MSC_FIT_NO_TAU2_CI))
            qprofile(yi, vi, k, h->Q, s->level, h, w);
    } else {
        h->I2 = 0.0;
        h->H2 = 1.0;
        msc_warnings_add(w, "k = 1: heterogeneity cannot be estimated; the random-effects result "
                            "equals the common-effect one");
    }
    msc_pool_prediction_interval(&f->random, tau2, k, s, w);
    msc_estimate_backtransform(&f->common, s->measure, f->nhm);
    msc_estimate_backtransform(&f->random, s->measure, f->nhm);
    warn_not_finite(f, w);
    return MSC_OK;
}

const msc_estimate *msc_fit_main_block(const msc_fit *f)
{
    return f->has_random ? &f->random : &f->common;
}

void msc_fit_het_shown(const msc_fit *f, msc_heterogeneity *h)
{
    *h = f->het;
    if (f->k >= 2 && msc_fit_het_estimable(f))
        return;
    h->tau2 = h->tau2_lo = h->tau2_hi = h->tau = NAN;
    h->I2 = h->I2_lo = h->I2_hi = h->H2 = h->H2_lo = h->H2_hi = NAN;
    h->Q = h->Q_p = h->Q_lrt = h->Q_lrt_p = NAN;
    h->lrt_tau2 = h->lrt_tau2_p = NAN;
    h->tau2_ci_profile = 0;
}

int msc_fit_het_estimable(const msc_fit *f)
{
    /* random.exact is set exactly where the GLMM falls back (exact_fallback) */
    return !(f->random.exact && !(f->het.tau2 == 0.0));
}
