/*
 * mscmeta sensitivity and small-study analyses (src/stats: sens.c,
 * sens_loo.c, sens_influence.c, bias.c): leave-one-out and cumulative
 * meta-analysis, influence diagnostics with the Baujat coordinates, and the
 * small-study tests (Egger, Peters, Begg, trim and fill), on the studies of
 * an outcome or of a subgroup, with the numbers of metafor 3.8-1's
 * leave1out(), cumul(), influence(), baujat(), regtest(), ranktest() and
 * trimfill().
 */
#ifndef MSCMETA_SENS_H
#define MSCMETA_SENS_H

#include <stddef.h>

#include "mscmeta/analysis.h"

/* ---------------------------------------------------------------------------
 * One fit of a leave-one-out or cumulative analysis
 * ------------------------------------------------------------------------- */

typedef struct {
    size_t study; /* index into the outcome's studies: the one left out, or added */
    size_t k;     /* studies in this fit */
    int ok;       /* 0: the fit failed and every number is NAN */
    msc_estimate e;              /* the fit's main block: random effects (FE: common effect);
                                  * no prediction interval */
    double tau2, I2, H2, Q, Q_p; /* its heterogeneity (GLMM: Q is the Wald test) */
    double sw;  /* sum of its weights 1/(v + tau^2) (NAN for the GLMM) */
    double s2w; /* its Knapp-Hartung variance factor (1 with the z test) */
} msc_sens_fit;

/* Flags for the analyses below. */
#define MSC_SENS_PLAIN 1u /* leave-one-out: refit every subset from scratch (the reference) */
#define MSC_SENS_FAST 2u  /* leave-one-out: the updating scheme at any k (default from 100) */

/* Leave-one-out: rows[j] is the model s names refitted to the studies
 * idx[0..m) of st without idx[j] (idx NULL: all st->k studies, m ignored),
 * tau^2 re-estimated, as metafor's leave1out(). `full` is the fit of all m
 * studies (msc_fit_studies), the start of the updating scheme. For DL, HE,
 * HS and FE each row costs O(1) after O(m) set-up, for ML, REML, EB and PM
 * a few O(1) Newton steps from the full fit's tau^2 (sums expanded in
 * powers of the change in tau^2); a row the expansion cannot give to full
 * precision, and SJ are refitted (on s->threads threads). The GLMM's rows
 * come from an interpolant of the full fit's likelihood (O(1) Newton steps,
 * then O(m) for Q), or are refitted where it cannot give them (weak
 * heterogeneity, tau^2 at 0, fewer than 100 studies without MSC_SENS_FAST).
 * Every row equals msc_fit_studies on its subset (MSC_SENS_PLAIN) to about
 * 1e-12 (GLMM: to the separate fit's convergence, about 1e-10; refitted
 * rows exactly). Warnings of the refits go to w, once per message with a
 * count.
 * Returns MSC_OK, MSC_ERR_INPUT (m < 2), MSC_ERR_USAGE, MSC_ERR_NOMEM. */
MSC_API msc_status msc_sens_leave_one_out(const msc_studies *st, const size_t *idx, size_t m,
                                          const msc_settings *s, const msc_fit *full,
                                          unsigned flags, msc_sens_fit *rows, msc_warnings *w);

/* Cumulative meta-analysis: rows[j] is the fit of the studies order[0..j],
 * as metafor's cumul() (its first row has k = 1: tau^2 = 0, the z test).
 * m fits of up to m studies: O(m^2). Warnings as above. */
MSC_API msc_status msc_sens_cumulative(const msc_studies *st, const size_t *order, size_t m,
                                       const msc_settings *s, msc_sens_fit *rows,
                                       msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Influence diagnostics (Viechtbauer & Cheung 2010) and Baujat (2002)
 * ------------------------------------------------------------------------- */

typedef struct {
    double rstudent, resid, resid_se; /* deleted residual y_i - mu_(-i), its SE, their ratio */
    double dffits, cook_d, cov_r;
    double tau2_del, Q_del;
    double hat, weight; /* w_i / sum w and in percent; NAN for the GLMM */
    double dfbetas;     /* NAN for the GLMM */
    int influential;    /* metafor's rule */
    double baujat_x;    /* (y_i - mu)^2 / (v_i + tau^2): contribution to Q */
    double baujat_y;    /* (mu_(-i) - mu)^2 / SE(mu_(-i))^2: influence on the estimate */
} msc_influence;

/* metafor's influence.rma.uni() for the studies idx[0..m) of st (idx NULL:
 * all), from their fit `full` and their leave-one-out rows `loo`
 * (msc_sens_leave_one_out): out[j] for study idx[j]. O(m). With the GLMM,
 * cook_d and dffits use the GLMM's own standard errors ((mu - mu_(-i))^2 /
 * SE(mu)^2 and (mu - mu_(-i)) / SE(mu_(-i))); hat, weight and dfbetas are
 * NAN (no inverse-variance weights); the residuals use escalc's logit. */
MSC_API void msc_sens_influence(const msc_studies *st, const size_t *idx, size_t m,
                                const msc_settings *s, const msc_fit *full,
                                const msc_sens_fit *loo, msc_influence *out);

/* ---------------------------------------------------------------------------
 * Small-study tests
 * ------------------------------------------------------------------------- */

typedef struct {
    int ok;             /* 0: the test could not be made (a warning says why) */
    double stat, df, p; /* t (df = k - 2) or z (df NAN) test of the slope */
    double slope, slope_se;
    double limit_yi, limit_lo, limit_hi; /* intercept: the estimate at SE 0 (1/n = 0) */
    double limit_est, limit_est_lo, limit_est_hi; /* ... on the proportion scale */
} msc_regtest;

typedef struct {
    int ok;
    double tau, p; /* Kendall's tau-b; two-sided p */
    int exact;     /* p from the exact permutation distribution (no ties, k < 50) */
    int ties;
} msc_ranktest;

typedef enum { MSC_TF_L0, MSC_TF_R0 } msc_tf_estimator;
typedef enum { MSC_SIDE_LEFT, MSC_SIDE_RIGHT } msc_tf_side;

typedef struct {
    int ok;
    msc_tf_estimator estimator;
    msc_tf_side side;  /* where the missing studies are imputed */
    size_t k0;         /* studies filled */
    msc_estimate e;    /* the fit to the observed and filled studies */
    double tau2;       /* its tau^2 */
    double *filled_yi; /* k0 filled studies: 2 mu - y_i, the same v_i */
    double *filled_vi;
} msc_trimfill;

typedef struct {
    size_t k;                       /* studies tested (a finite yi and vi) */
    msc_regtest egger, egger_rma, peters;
    msc_ranktest begg;
    msc_trimfill trim_fill;
} msc_bias;

/* Name of an estimator ("L0", "R0") and of a side ("left", "right"); parse
 * returns -1 for an unknown name. */
MSC_API const char *msc_tf_estimator_name(msc_tf_estimator e);
MSC_API int msc_tf_estimator_parse(const char *s);
MSC_API const char *msc_tf_side_name(msc_tf_side s);

/* The small-study tests on the studies idx[0..m) of st (idx NULL: all):
 * Egger's regression test (metafor regtest(model = "lm", predictor =
 * "sei"): weighted least squares of yi on sqrt(vi), weights 1/vi, t with
 * k - 2 df); Egger's test as metafor's default regtest() (a meta-regression
 * on sqrt(vi) with s's method, z test; knha: t); Peters' test (regtest(model
 * = "lm", predictor = "ninv")); Begg and Mazumdar's rank correlation
 * (ranktest()); trim and fill (trimfill(), side chosen as metafor does).
 * The GLMM is tested on escalc's logit, with REML where a model is fitted.
 * Studies whose effect size is undefined are left out. Every test warns
 * below 10 studies and still gives its result. msc_bias_free releases the
 * filled studies. Returns MSC_OK, MSC_ERR_USAGE, MSC_ERR_NOMEM. */
MSC_API msc_status msc_bias_tests(const msc_studies *st, const size_t *idx, size_t m,
                                  const msc_settings *s, msc_tf_estimator est, msc_bias *out,
                                  msc_warnings *w);
MSC_API void msc_bias_free(msc_bias *b);

/* ---------------------------------------------------------------------------
 * All of them for an analysis: every outcome and every subgroup
 * ------------------------------------------------------------------------- */

typedef struct {
    int leave_one_out, influence, bias_tests;
    int cumulative;             /* cumulative meta-analysis ... */
    const char *cumulative_col; /* ... in ascending order of this column (NULL: file order);
                                 * the data set must have kept it (msc_load_options.keep_cols) */
    msc_tf_estimator trim_fill_estimator;
    unsigned flags; /* MSC_SENS_* */
} msc_sens_options;

/* Nothing asked for, estimator L0. */
MSC_API void msc_sens_options_default(msc_sens_options *o);

/* The results for one set of studies (an outcome, or one of its subgroups). */
typedef struct {
    size_t k;
    msc_sens_fit *loo;     /* k rows in study order, or NULL */
    msc_sens_fit *cumul;   /* k rows in the order of addition, or NULL */
    msc_influence *infl;   /* k rows in study order, or NULL */
    msc_bias *bias;        /* or NULL */
    msc_warnings warnings; /* the analyses' own */
} msc_sens_block;

typedef struct {
    msc_sens_block all;
    size_t n_groups; /* as the outcome's (o->n_groups) */
    msc_sens_block *group;
} msc_sens_outcome;

typedef struct msc_sens {
    msc_sens_options opt; /* as given (cumulative_col a copy) */
    size_t n_outcomes;    /* as the analysis' */
    msc_sens_outcome *outcome;
} msc_sens;

/* Runs the analyses o asks for on every outcome (skipped ones have k = 0)
 * and subgroup of `a`. Influence needs the leave-one-out fits, which it
 * computes. Returns MSC_OK; MSC_ERR_USAGE when o->cumulative_col was not
 * kept by the data set (err names it); MSC_ERR_NOMEM. */
MSC_API msc_status msc_sens_run(const msc_analysis *a, const msc_sens_options *o, msc_sens **out,
                                char *err, size_t errlen);
MSC_API void msc_sens_free(msc_sens *s);

#endif /* MSCMETA_SENS_H */
