/*
 * mscmeta statistics: per-study effect sizes and intervals, tau^2,
 * inverse-variance pooling and the binomial-normal GLMM (src/stats). Each
 * works on plain arrays and needs no I/O.
 */
#ifndef MSCMETA_STATS_H
#define MSCMETA_STATS_H

#include <stddef.h>

#include "mscmeta/core.h"

/* ---------------------------------------------------------------------------
 * Per-study effect sizes and intervals (effect.c, study_ci.c)
 * ------------------------------------------------------------------------- */

/* escalc(): yi and vi for x events of n, after the continuity correction
 * (`add` to events and non-events) that `mode` selects for this study.
 * `any0` says whether any study in the analysis has 0 or n events (if0all). */
MSC_API void msc_effect_compute(msc_measure m, double x, double n, double add, msc_cc_mode mode,
                                int any0, double *yi, double *vi);
/* Model scale -> proportion: inverse logit, exp, identity, sin^2 (clamped as
 * metafor's transf.iarcsin), Miller's inverse with harmonic-mean n for PFT. */
MSC_API double msc_effect_backtransform(msc_measure m, double y, double nhm);
/* Proportion -> model scale (for reference lines). */
MSC_API double msc_effect_transform(msc_measure m, double p, double nhm);

/* Two-sided interval for x/n at `level`, on the proportion scale, in [0,1]. */
MSC_API void msc_study_ci_compute(msc_study_ci method, double x, double n, double level, double *lo,
                                  double *hi);
/* One-sided exact (Clopper-Pearson) upper bound at `level`. */
MSC_API double msc_study_ci_upper_exact(double x, double n, double level);

/* ---------------------------------------------------------------------------
 * Pooling (tau2.c, pool.c)
 * ------------------------------------------------------------------------- */

typedef struct {
    double tau2;
    int iterations; /* 0 for closed-form estimators */
    int converged;  /* 1 unless an iterative estimator failed */
} msc_tau2_result;

/* Between-study variance by `method` (not FE/GLMM), as metafor's rma() defines it. */
MSC_API msc_status msc_tau2_estimate(msc_method method, const double *yi, const double *vi,
                                     size_t k, msc_tau2_result *r);
/* Generalised Q: sum w_i (y_i - ybar_w)^2 with w_i = 1/(v_i + tau2). */
MSC_API double msc_tau2_qgen(const double *yi, const double *vi, size_t k, double tau2);

typedef struct {
    double yi, se;             /* model scale */
    double ci_lo_yi, ci_hi_yi; /* model scale */
    double stat, p, df;        /* z or t statistic; df NAN for z */
    double est, ci_lo, ci_hi;  /* proportion scale */
    double pi_lo_yi, pi_hi_yi; /* prediction interval, model scale; NAN if none */
    double pi_lo, pi_hi;       /* proportion scale */
    double pi_df;              /* df of the PI's t quantile; NAN for z */
    int exact;                 /* the block holds the exact pooled proportion (Clopper-Pearson) */
    /* GLMM random block: the marginal (population-averaged) proportion, the
     * mean of expit(mu + tau z) over z ~ N(0, 1), and the same at the CI
     * bounds of mu (metafor's transf.ilogit.int); NAN otherwise */
    double marg_est, marg_lo, marg_hi;
    /* the test of H0: proportion = null_prop on the model scale (settings'
     * null_prop; msc_fit_studies fills it), z or t as the block's own test;
     * NAN when none was asked for or the block has no SE */
    double null_prop, null_stat, null_p;
} msc_estimate;

typedef struct {
    double tau2, tau2_lo, tau2_hi, tau;
    double I2, I2_lo, I2_hi; /* percent */
    double H2, H2_lo, H2_hi;
    double Q, df, Q_p;     /* Cochran's Q (GLMM: the Wald test) */
    double Q_lrt, Q_lrt_p; /* GLMM likelihood-ratio test; NAN otherwise */
    double vt;             /* typical within-study variance */
    int tau2_ci_profile;   /* tau2_lo/hi: 1 the GLMM's profile-likelihood interval, 0 Q-profile */
    double lrt_tau2, lrt_tau2_p; /* GLMM: LRT of tau^2 = 0 (50:50 chi^2_0/chi^2_1); NAN otherwise */
    double rho, rho_lo, rho_hi;  /* BB: intra-study correlation 1/(a+b+1), Wald CI on its
                                  * logit; NAN otherwise */
} msc_heterogeneity;

typedef struct {
    msc_method method;
    size_t k;
    int has_random;     /* 0 for FE */
    int has_weights;    /* 0 for GLMM: no inverse-variance weights */
    int exact_fallback; /* GLMM: the random block is the exact pooled proportion */
    msc_estimate common, random;
    msc_heterogeneity het;
    double sum_w_common; /* sum of 1/v_i */
    double sum_w_random; /* sum of 1/(v_i + tau2) */
    double nhm;          /* harmonic mean of n (PFT back-transform) */
    int iterations, converged;
} msc_fit;

/* Fits common and (unless FE) random-effects models to k >= 1 studies.
 * ni is needed for PFT's back-transform and may be NULL otherwise.
 * Warnings (k = 1, non-convergence, ...) go to w. */
MSC_API msc_status msc_pool_fit(const double *yi, const double *vi, const double *ni, size_t k,
                                const msc_settings *s, msc_fit *out, msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Binomial-normal GLMM (glmm.c)
 * ------------------------------------------------------------------------- */

/* Fits x_i ~ Binomial(n_i, expit(mu + u_i)), u_i ~ N(0, tau^2) by maximum
 * likelihood (adaptive Gauss-Hermite quadrature, s->nagq points), and the
 * common-effect logistic model, as metafor's rma.glmm(measure = "PLO").
 * vi (escalc's logit variances, with the continuity correction) serve only
 * for I^2 and H^2. Where the data cannot identify the model (all 0 or all n
 * events, no convergence) the fit falls back to the exact pooled proportion
 * and says so in w. */
MSC_API msc_status msc_glmm_fit(const double *xi, const double *ni, const double *vi, size_t k,
                                const msc_settings *s, msc_fit *f, msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Beta-binomial model (betabin.c)
 * ------------------------------------------------------------------------- */

/* Fits x_i ~ BetaBinomial(n_i, a, b) with a common mu = a/(a+b) and
 * rho = 1/(a+b+1) (metapreg's crbetabin; Mathes & Kuss 2018) by maximum
 * likelihood on (logit mu, logit rho), with the exact log-likelihood; the
 * random block holds mu with its Wald interval on the logit scale, het.rho
 * rho with its Wald interval on the logit scale; the common block is the
 * binomial (logistic) model. vi serves only for reports. Where rho is not
 * identified (all 0 or all n events, one study, rho at 0 or 1) the random
 * block is the exact pooled proportion, with a warning in w. */
MSC_API msc_status msc_bb_fit(const double *xi, const double *ni, const double *vi, size_t k,
                              const msc_settings *s, msc_fit *f, msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Fits on any subset of studies (fit.c)
 * ------------------------------------------------------------------------- */

/* The usable studies of one outcome, in study order (msc_outcome_studies):
 * counts, and effect sizes on the model scale after the continuity
 * correction (for the GLMM, escalc's logit; NAN where it is undefined). */
typedef struct {
    size_t k;
    const size_t *row;     /* each study's record in the data set */
    const double *xi, *ni; /* events and patients */
    const double *yi, *vi; /* effect size and its sampling variance */
} msc_studies;

/* Flags for msc_fit_studies. */
#define MSC_FIT_NO_TAU2_CI 1u /* skip the Q-profile interval of tau^2, I^2, H^2 */
#define MSC_FIT_NO_PI 2u      /* no prediction interval (NAN), nor its warnings */

/* Fits the model that s names (any tau^2 estimator, FE, or the GLMM) to the
 * studies idx[0..m) of st, or to all st->k studies when idx is NULL (m is
 * then ignored): exactly the fit the analysis makes of a whole outcome or
 * of a subgroup, so a leave-one-out or cumulative analysis is a loop over
 * this function. Warnings go to w. Returns MSC_OK, MSC_ERR_INPUT for no
 * study, MSC_ERR_NOMEM. */
MSC_API msc_status msc_fit_studies(const msc_studies *st, const size_t *idx, size_t m,
                                   const msc_settings *s, unsigned flags, msc_fit *out,
                                   msc_warnings *w);

#endif /* MSCMETA_STATS_H */
