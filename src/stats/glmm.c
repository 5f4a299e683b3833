/*
 * The binomial-normal GLMM for proportions, as metafor's
 * rma.glmm(measure = "PLO", method = "ML") fits it through lme4's glmer:
 * the fit of mu and tau by the quadrature engine (glmm_quad.c), and what
 * to report when the data cannot identify it.
 *
 * The common-effect model (tau = 0) is logistic regression with one
 * intercept: mu = logit(sum x / sum n), SE = 1/sqrt(N p (1-p)). The
 * heterogeneity tests are metafor's: Wald and likelihood-ratio tests of
 * the saturated model (one logit per study) against the common one.
 *
 * Where the data cannot identify the model (all events 0 or all n), the fit
 * does not converge, or tau^2 sits at its boundary of 0 (lme4's "singular
 * fit"), the random-effects estimate is the exact pooled proportion
 * sum x / sum n with its Clopper-Pearson interval, and a warning says why.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_glmm.h"

/* The random-effects fit from start[0..1] = (mu, tau), or when start is
 * NULL from lme4's own (the common-effect mu0, tau = 1): sets *rc to 1 for an
 * interior maximum (with *mu, *tau and, when `need_var`, the variance *var
 * of mu; without it *var is NAN and its check is skipped), 0 when tau
 * is at its boundary of 0, 2 when the maximum rises above the boundary by
 * no more than the quadrature's error, -1 when it failed. M is the
 * caller's model of the studies; the modes in its pairs are left as the
 * search leaves them. step_tol: msc_glmm_maximise's. */
static void fit_random(msc_glmm_model *M, int need_var, double step_tol, double mu0,
                       const double *start, double *mu, double *tau, double *var, int *iters,
                       int *rc)
{
    /* Start where lme4 does (tau = 1), from the common-effect mu. */
    *mu = start ? start[0] : mu0;
    *tau = start ? start[1] : 1.0;
    double ll = -INFINITY;
    int r = msc_glmm_maximise(M, step_tol, mu, tau, iters, &ll);
    if (r == 1) {
        /* tau = 0 can be a maximum too; the boundary wins unless the
         * interior maximum is higher. */
        double ll0 = msc_glmm_loglik_tau0(M, mu0);
        if (ll < ll0)
            r = 0;
        /* An interior maximum that rises above the boundary by no more than
         * the quadrature's own error is an artefact of the rule, not of the
         * data: the likelihood is flat in tau (0/2, 2/2 and 2/4: lme4 warns
         * that its Hessian is singular). The error is estimated by
         * re-evaluating with a finer rule (2K + 1 points) at the maximum;
         * that costs about two evaluations, so it is skipped when the gain is
         * far beyond any error of the rule seen in practice (at most ~0.5). */
        if (r == 1 && M->nagq < 32 && ll - ll0 < 10.0) {
            msc_glmm_model F = *M; /* the same pairs, a finer rule */
            if (msc_glmm_model_rule(&F, 2 * M->nagq + 1) == MSC_OK &&
                !(ll - ll0 > 2.0 * fabs(msc_glmm_loglik(&F, *mu, *tau) - ll)))
                r = 2;
        }
    }
    if (r == 1 && need_var) {
        *var = msc_glmm_var_mu(M, *mu, *tau);
        if (!(*var > 0) || !isfinite(*var))
            r = -1;
    }
    *rc = r;
}

/* ------------------------------------------------------------- estimates */

/* Wald and likelihood-ratio tests of the saturated model (one logit per
 * study) against the common one, as rma.glmm computes them from glm fits.
 * Studies with 0 or n events have infinite saturated logits with zero
 * weight: they add nothing to the Wald statistic (glm's finite iterates
 * add about 1e-6 of it) and their log-likelihood term is 0. */
static int heterogeneity_tests(const double *xi, const double *ni, size_t k, double p0,
                               msc_heterogeneity *h)
{
    /* the saturated logits and their variances, without correction */
    double *y = malloc(2 * k * sizeof *y);
    if (!y)
        return MSC_ERR_NOMEM;
    double *v = y + k, dev = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        double x = xi[i], n = ni[i];
        if (x > 0 && x < n) {
            msc_effect_compute(MSC_PLO, x, n, 0.0, MSC_CC_NONE, 0, &y[m], &v[m]);
            m++;
            dev += x * log(x / (n * p0));
            dev += (n - x) * log((n - x) / (n * (1.0 - p0)));
        } else if (x == 0) {
            dev += n * log(1.0 / (1.0 - p0));
        } else {
            dev += n * log(1.0 / p0);
        }
    }
    double q = 0;
    if (m > 0) {
        msc_wsums ws;
        msc_wsums_compute(y, v, m, 0.0, &ws);
        q = ws.q;
    }
    free(y);
    double df = (double)k - 1.0;
    h->df = df;
    h->Q = q;
    h->Q_lrt = 2.0 * dev > 0 ? 2.0 * dev : 0.0;
    h->Q_p = df > 0 ? msc_pchisq(h->Q, df, 1) : NAN;
    h->Q_lrt_p = df > 0 ? msc_pchisq(h->Q_lrt, df, 1) : NAN;
    return MSC_OK;
}

/* The fit; for a leave-one-out row (MSC_FIT_ROW, the study (xo, no) left
 * out), without the extras when L certifies that they would not warn. */
static msc_status fit_glmm(const double *xi, const double *ni, const double *vi, size_t k,
                           const msc_settings *s, unsigned flags, const double *start,
                           const msc_glmm_loo *L, double xo, double no, msc_fit *f,
                           msc_warnings *w)
{
    int only = (flags & MSC_FIT_ESTIMATE_ONLY) != 0;
    msc_fit_counts_init(f, MSC_METHOD_GLMM, k);
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    msc_heterogeneity *h = &f->het;
    if (k == 0)
        return MSC_ERR_INPUT;
    /* Every study at 0 or at n (some of each): the likelihood never falls
     * as tau grows (each study's term tends to Phi(-+mu/tau)), so there is
     * no finite maximum to find; with 0/1 and 1/1 it is flat. A finite rule
     * can still show one (lme4 reports mu = -14.7, tau^2 = 32778 for 0/10,
     * 20/20, 0/15, 12/12); that is an artefact of the quadrature. */
    double sx = 0, sn = 0;
    int separated = 1;
    for (size_t i = 0; i < k; i++) {
        sx += xi[i];
        sn += ni[i];
        if (xi[i] != 0 && xi[i] != ni[i])
            separated = 0;
    }
    /* metafor's typical within-study variance from escalc's vi,
     * (k - 1) / tr(P) */
    h->vt = k > 1 ? ((double)k - 1.0) / msc_wsums_trp(vi, k, 0.0) : NAN;

    if (sx == 0 || sx == sn) {
        msc_estimate_exact(&f->common, sx, sn, s->level);
        f->random = f->common;
        f->exact_fallback = 1;
        h->df = (double)k - 1.0;
        msc_warnings_add(w,
                         "every study has %s events, so the GLMM has no finite estimate "
                         "(lme4 reports nonsense or fails here); the pooled proportion is the "
                         "exact %g of %g with its Clopper-Pearson interval, and heterogeneity "
                         "cannot be estimated",
                         sx == 0 ? "0" : "n (all patients with)", sx, sn);
        return MSC_OK;
    }

    /* Common effect: logistic regression with one intercept. */
    double p0 = sx / sn;
    double mu0 = log(sx / (sn - sx));
    f->common.yi = mu0;
    f->common.se = 1.0 / sqrt(sn * p0 * (1.0 - p0));
    msc_estimate_test(&f->common, s->level, NAN);
    msc_estimate_backtransform(&f->common, MSC_PLO, NAN);
    if (!only && heterogeneity_tests(xi, ni, k, p0, h) != MSC_OK)
        return MSC_ERR_NOMEM;

    if (k == 1) {
        msc_estimate_exact(&f->random, sx, sn, s->level);
        f->exact_fallback = 1;
        h->tau2 = h->tau = 0.0;
        h->I2 = 0.0;
        h->H2 = 1.0;
        msc_warnings_add(w, "k = 1: the GLMM's tau^2 cannot be estimated from one study; the "
                            "pooled proportion is the study's own, with its exact interval");
        return MSC_OK;
    }

    double mu = mu0, tau = 0.0, v = NAN;
    int iters = 0, rc = -2; /* -2: separated, no maximum to look for (above) */
    msc_glmm_model M = {0}; /* the studies' pairs, for the fit and the extras */
    if (!separated) {
        if (msc_glmm_model_init(&M, xi, ni, k, s->nagq, s->threads) != MSC_OK)
            return MSC_ERR_NOMEM;
        fit_random(&M, !only, only && (flags & MSC_FIT_ESTIMATE_ROUGH) ? 1e-6 : 1e-9, mu0, start,
                   &mu, &tau, &v, &iters, &rc);
    }
    f->iterations = iters;
    msc_status st = MSC_OK; /* from here on, every way out frees M */
    if (rc == 1) {
        msc_estimate *e = &f->random;
        e->yi = mu;
        e->se = sqrt(v);
        msc_estimate_test(e, s->level, NAN);
        h->tau2 = tau * tau;
        h->tau = tau;
        h->I2 = 100.0 * h->tau2 / (h->vt + h->tau2);
        h->H2 = h->tau2 / h->vt + 1.0;
        if (!only)
            msc_pool_prediction_interval(e, h->tau2, k, s, w);
        msc_estimate_backtransform(e, MSC_PLO, NAN);
        /* a row shows no profile interval, LRT or marginal proportion: the
         * extras matter to it only through the warning of an upper bound
         * not found, which L can rule out */
        if (!only && !((flags & MSC_FIT_ROW) && msc_glmm_loo_profile_clear(L, xo, no, mu, tau)))
            st = msc_glmm_extras(&M, k, s, flags, f, w);
        goto out;
    }
    msc_estimate_exact(&f->random, sx, sn, s->level);
    f->exact_fallback = 1;
    if (rc == 0) {
        h->tau2 = h->tau = 0.0;
        h->I2 = 0.0;
        h->H2 = 1.0;
        msc_warnings_add(w,
                         "the GLMM's tau^2 is at its boundary of 0 (lme4: \"singular fit\"): "
                         "heterogeneity cannot be estimated, and the random-effects estimate is "
                         "the exact pooled proportion %g/%g with its Clopper-Pearson interval",
                         sx, sn);
        if (!only)
            st = msc_glmm_extras(&M, k, s, flags, f, w);
    } else if (rc == 2) {
        msc_warnings_add(w,
                         "the GLMM likelihood is flat in tau^2 (its maximum is no higher than "
                         "at tau^2 = 0 beyond the accuracy of the quadrature), so tau^2 is not "
                         "identified: heterogeneity cannot be estimated, and the random-effects "
                         "estimate is the exact pooled proportion %g/%g with its "
                         "Clopper-Pearson interval",
                         sx, sn);
    } else if (rc == -2) {
        f->converged = 0;
        msc_warnings_add(w,
                         "every study has either 0 or n events: the GLMM likelihood never "
                         "falls as tau^2 grows, so tau^2 has no finite estimate (lme4 reports "
                         "whatever tau^2 its quadrature stops at); heterogeneity cannot be "
                         "estimated, and the random-effects estimate is the exact pooled "
                         "proportion %g/%g with its Clopper-Pearson interval",
                         sx, sn);
    } else {
        f->converged = 0;
        msc_warnings_add(w,
                         "the GLMM did not converge (tau^2 grows without bound or the "
                         "likelihood is flat): heterogeneity cannot be estimated, and the "
                         "random-effects estimate is the exact pooled proportion %g/%g with its "
                         "Clopper-Pearson interval",
                         sx, sn);
    }
out:
    msc_glmm_model_free(&M);
    return st;
}

msc_status msc_glmm_fit_flags(const double *xi, const double *ni, const double *vi, size_t k,
                              const msc_settings *s, unsigned flags, msc_fit *f, msc_warnings *w)
{
    return fit_glmm(xi, ni, vi, k, s, flags, NULL, NULL, 0.0, 0.0, f, w);
}

msc_status msc_glmm_fit_loo(const double *xi, const double *ni, const double *vi, size_t k,
                            const msc_settings *s, unsigned flags, const msc_glmm_loo *L, double xo,
                            double no, msc_fit *f, msc_warnings *w)
{
    return fit_glmm(xi, ni, vi, k, s, flags, NULL, L, xo, no, f, w);
}

msc_status msc_glmm_fit(const double *xi, const double *ni, const double *vi, size_t k,
                        const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    return msc_glmm_fit_flags(xi, ni, vi, k, s, 0, f, w);
}

msc_status msc_glmm_fit_estimate(const double *xi, const double *ni, const double *vi, size_t k,
                                 const msc_settings *s, double mu_start, double tau_start,
                                 msc_fit *f, msc_warnings *w)
{
    /* Near tau = 0 the likelihood is flat in tau: from a tiny start Newton
     * barely moves and can stop at the boundary (or fail) where lme4's
     * start finds an interior maximum. So the start is taken only from
     * START_TAU_MIN on, and a search from it that ends anywhere but at an
     * interior maximum is repeated from lme4's start. */
    const double START_TAU_MIN = 0.25;
    const unsigned ROUGH = MSC_FIT_ESTIMATE_ONLY | MSC_FIT_ESTIMATE_ROUGH;
    int take = isfinite(mu_start) && fabs(mu_start) < 50.0 && tau_start >= START_TAU_MIN &&
               tau_start < 1e3;
    if (take) {
        double start[2] = {mu_start, tau_start};
        msc_warnings t = {0};
        msc_status rc = fit_glmm(xi, ni, vi, k, s, ROUGH, start, NULL, 0.0, 0.0, f, &t);
        int interior = rc == MSC_OK && !f->exact_fallback && f->converged && !t.lost;
        for (size_t i = 0; interior && i < t.n; i++)
            if (w && msc_warnings_add(w, "%s", t.msg[i]) != MSC_OK)
                interior = 0;
        msc_warnings_clear(&t);
        if (interior || rc == MSC_ERR_NOMEM)
            return rc;
    }
    return fit_glmm(xi, ni, vi, k, s, ROUGH, NULL, NULL, 0.0, 0.0, f, w);
}
