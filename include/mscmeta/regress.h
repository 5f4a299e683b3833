/*
 * mscmeta meta-regression (src/stats): the mixed-effects model
 *
 *     y_i = x_i' beta + u_i + e_i,   u_i ~ N(0, tau^2),   e_i ~ N(0, v_i),
 *
 * fitted as metafor's rma.uni(yi, vi, mods = ...) fits it, for every tau^2
 * estimator and the common-effect model, with z or Knapp-Hartung tests.
 * The engine (msc_regress_fit) works on plain arrays: effect sizes, their
 * sampling variances and the moderator columns of a design matrix.
 */
#ifndef MSCMETA_REGRESS_H
#define MSCMETA_REGRESS_H

#include <stddef.h>

#include "mscmeta/analysis.h"
#include "mscmeta/stats.h"

/* ---------------------------------------------------------------------------
 * The engine (regress_fit.c): one inverse-variance meta-regression.
 * ------------------------------------------------------------------------- */

/* Why msc_regress_fit refused a design (msc_regress_model.failure). */
typedef enum {
    MSC_REGRESS_FIT_OK = 0,
    MSC_REGRESS_TOO_FEW,    /* k < p (FE) or k < p + 1 (tau^2 estimators), as metafor */
    MSC_REGRESS_RANK,       /* column `dependent` is a linear combination of those before it */
    MSC_REGRESS_NOT_FINITE, /* a y, v or moderator value is not finite, or a v is not > 0 */
    /* the GLMM (msc_regress_fit_glmm) */
    MSC_REGRESS_NO_VARIATION, /* every study has 0 events, or every one n */
    MSC_REGRESS_SEPARATION,   /* coefficient `dependent` runs off to infinity */
    MSC_REGRESS_NOT_CONVERGED /* the random-effects fit failed (`dependent`: the largest) */
} msc_regress_failure;

/* Flags for msc_regress_fit. */
#define MSC_REGRESS_NO_R2 1u /* skip R^2 (it refits the intercept-only model) */

typedef struct {
    msc_method method; /* FE or a tau^2 estimator (not GLMM) */
    msc_test test;
    double level;
    size_t k, p; /* studies; coefficients (the intercept and the m moderator columns) */
    /* Coefficients on the scale of the columns given, intercept first. */
    double *beta, *se, *stat, *pval, *ci_lo, *ci_hi; /* p each */
    double *vb;                                      /* p x p covariance, row-major */
    double df;                                       /* k - p under knha (t tests); NAN for z */
    double s2w;                                      /* Knapp-Hartung's variance factor (1 for z) */
    /* The omnibus test of the coefficients btt[0..m_btt): chi^2 on m_btt
     * df, or under knha QM / m_btt against F(m_btt, k - p) (QM_df2). */
    size_t *btt, m_btt;
    double QM, QM_df, QM_df2, QM_p;
    /* Residual heterogeneity: QE with weights 1/v_i on k - p df. */
    double QE, QE_df, QE_p;
    double tau2, I2, H2; /* I2 in percent; vt = (k - p) / tr(P), P at tau^2 = 0 */
    double vt;
    double R2; /* percent, truncated at 0; NAN with MSC_REGRESS_NO_R2 or when not defined */
    double tau2_intercept; /* tau^2 of the intercept-only model R^2 compares with */
    int iterations, converged;
    msc_regress_failure failure;
    size_t dependent; /* with MSC_REGRESS_RANK: the 1-based moderator column (0: the intercept) */
    double *priv;     /* the centred fit, for predictions (msc_regress_predict) */
    size_t m;         /* moderator columns (p - 1) */
    /* The GLMM only (msc_regress_fit_glmm), NAN otherwise. QE and QE_p hold
     * the Wald test of residual heterogeneity, as rma.glmm's QE.Wld. */
    double loglik;             /* maximised log-likelihood (lme4's logLik less a constant) */
    double QE_lrt, QE_lrt_p;   /* likelihood-ratio test of residual heterogeneity (QE.LRT) */
    double LRT, LRT_df, LRT_p; /* the moderators against the intercept-only GLMM */
    double tau2_null;          /* tau^2 of that intercept-only GLMM */
} msc_regress_model;

/* Fits the meta-regression of yi on the m moderator columns of `mods`
 * (row-major, k x m: mods[i * m + j] is study i's value of column j; NULL
 * when m = 0) with an intercept, with s->method (FE or a tau^2 estimator),
 * s->test and s->level, as rma.uni(yi, vi, mods = mods, method, test). The
 * omnibus test QM tests the coefficients btt[0..n_btt) (0 the intercept,
 * j the j-th column); btt NULL tests every moderator (1..m), metafor's
 * default. Numeric columns are centred and scaled internally, and the
 * coefficients and covariance transformed back, so that a column such as a
 * calendar year keeps its digits. Time O(k p^2) per iteration, memory
 * O(k p): p x p solves, no k x k matrix.
 *
 * Returns MSC_OK; MSC_ERR_INPUT with r->failure set when the design cannot
 * be fitted (too few studies, a column that is constant or collinear with
 * those before it, values that are not finite); MSC_ERR_USAGE for settings
 * the fit cannot take (GLMM, a btt index out of range); MSC_ERR_NOMEM.
 * Warnings (tau^2 did not converge, Knapp-Hartung with FE) go to w. Free r
 * with msc_regress_model_free, whatever the status. */
MSC_API msc_status msc_regress_fit(const double *yi, const double *vi, size_t k, const double *mods,
                                   size_t m, const msc_settings *s, const size_t *btt, size_t n_btt,
                                   unsigned flags, msc_regress_model *r, msc_warnings *w);
MSC_API void msc_regress_model_free(msc_regress_model *r);

/* The binomial-normal GLMM with moderators, logit(p_i) = x_i' beta + u_i,
 * u_i ~ N(0, tau^2), fitted by maximum likelihood with s->nagq-point
 * adaptive Gauss-Hermite quadrature, as rma.glmm(measure = "PLO", xi, ni,
 * mods = mods, method = "ML") through lme4's glmer (glmm_regress.c): the
 * coefficients with Wald z tests and lme4's SEs (the inverse Hessian over
 * (tau, beta)), QM on btt as msc_regress_fit, tau^2, I^2 and H^2 with
 * metafor's typical variance from vi (the inverse-variance variances
 * escalc gives), QE: rma.glmm's Wald and likelihood-ratio tests of
 * residual heterogeneity, and the likelihood-ratio test of the moderators
 * against the intercept-only GLMM (LRT). No continuity correction is used
 * (yi and vi serve I^2 only). R^2 is NAN (rma.glmm has none). When tau^2
 * is at its boundary of 0 the fit is the logistic regression with its
 * Fisher-information SEs, with a warning. s->test must be z. Returns as
 * msc_regress_fit; a design the counts cannot identify (every study at 0
 * or at n events; separation: a coefficient runs off) is MSC_ERR_INPUT
 * with r->failure and r->dependent (the coefficient) set. */
MSC_API msc_status msc_regress_fit_glmm(const double *xi, const double *ni, const double *yi,
                                        const double *vi, size_t k, const double *mods, size_t m,
                                        const msc_settings *s, const size_t *btt, size_t n_btt,
                                        msc_regress_model *r, msc_warnings *w);

/* The predicted value at moderator values x0[0..m) (original scale), as
 * metafor's predict(newmods = x0): yi, se, the confidence interval and the
 * prediction interval pred +/- crit sqrt(se^2 + tau^2), crit from z or,
 * under knha, t(k - p) (df, pi_df); stat and p test the prediction against
 * 0. Back-transformed to proportions by measure m (nhm: the harmonic mean
 * of n, for PFT). */
MSC_API void msc_regress_predict(const msc_regress_model *r, const double *x0, msc_measure m,
                                 double nhm, msc_estimate *e);

/* The permutation test of a fitted model r (metafor's permutest): the rows
 * of the moderator columns are permuted across the studies and the model
 * refitted; each coefficient's p value is the share of permutations whose
 * |statistic| reaches the observed one (less 1e-8, metafor's tolerance),
 * QM's the share whose QM does. When the design has no more distinct row
 * arrangements than `iter`, every one is used once (exact test, as
 * metafor); otherwise the observed arrangement and iter - 1 random ones,
 * drawn from `seed`: the same seed gives the same p values, whatever
 * s->threads (the threads it may use). A permuted fit that fails is drawn
 * again (exact test: left out). yi, vi, mods, m and s as given to
 * msc_regress_fit for r. Returns MSC_OK, MSC_ERR_USAGE (iter < 2, r not
 * fitted), MSC_ERR_NOMEM. Free out with msc_regress_perm_free. */
typedef struct {
    size_t iter;   /* permutations used, the observed one included */
    int exact;     /* every distinct arrangement of the rows, once */
    double *pval;  /* per coefficient */
    double QM_p;   /* NAN without a QM */
    size_t failed; /* permuted fits that failed (drawn again; exact: left out) */
} msc_regress_perm;

MSC_API msc_status msc_regress_permutest(const double *yi, const double *vi, size_t k,
                                         const double *mods, size_t m, const msc_settings *s,
                                         const msc_regress_model *r, size_t iter,
                                         unsigned long long seed, msc_regress_perm *out);
MSC_API void msc_regress_perm_free(msc_regress_perm *p);

/* ---------------------------------------------------------------------------
 * Meta-regression of a data set (regress.c): moderators from the kept
 * columns of a CSV, each outcome's studies, the fit, predictions.
 * ------------------------------------------------------------------------- */

#define MSC_REGRESS_MANY_LEVELS 50 /* a factor with more levels gets a warning */

typedef struct {
    const char *const *mods; /* moderator columns, in the order of the coefficients */
    size_t n_mods;
    const char *const *factors; /* columns to treat as factors even if numeric */
    size_t n_factors;
    const char *const *refs; /* "COL=LEVEL": the reference level of factor COL */
    size_t n_refs;
    /* The coefficients the omnibus test QM tests, each a coefficient name
     * ("intercept", "ablat", "alloc=random"), a moderator name (all its
     * coefficients) or a 1-based coefficient number; none: every moderator. */
    const char *const *btt;
    size_t n_btt;
    /* Predictions, each "COL=VALUE,COL=VALUE..." naming every moderator
     * once (a factor by one of its levels). A comma belongs to a value
     * unless a moderator's name and "=" follow it. */
    const char *const *at;
    size_t n_at;
    size_t permutations;     /* permutation test with this many iterations (0: none) */
    unsigned long long seed; /* its random numbers (same seed, same p values) */
} msc_regress_options;

/* No moderators, no factors, ...: permutations 0, seed 1. */
MSC_API void msc_regress_options_default(msc_regress_options *o);

typedef struct {
    const char *name; /* the column */
    int factor;       /* 0: numeric */
    size_t n_levels;  /* factor: its levels, the reference first, then the others in byte order */
    char **level;
    size_t first, n_coef; /* its coefficients: first .. first + n_coef - 1 (numeric: 1) */
} msc_moderator;

/* A point to predict at (msc_regress_options.at). */
typedef struct {
    char *label;   /* "ablat=30, alloc=random", the moderators in order */
    double *x;     /* its row of the design (m values) */
    double *value; /* per moderator: the number, or the level's index for a factor */
} msc_regress_point;

typedef struct {
    const msc_outcome_result *o; /* its studies (those with every moderator) and exclusions */
    int fitted;                  /* 0: not fitted, the warnings say why */
    double *X;                   /* the moderator columns of the design, o->k x m */
    double nhm;                  /* harmonic mean of n (PFT's back-transformation) */
    msc_regress_model fit;
    msc_estimate *pred;    /* at each point: yi, se, CI, PI, and as proportions */
    msc_regress_perm perm; /* iter 0 without a permutation test */
} msc_regress_outcome;

typedef struct msc_regression {
    const msc_analysis *a; /* the data set, the settings, each outcome's studies (not pooled) */
    size_t n_mods;
    msc_moderator *mod;
    size_t m;         /* moderator columns of the design (p - 1) */
    char **coef_name; /* p names: "intercept", "COL", "COL=LEVEL" */
    size_t *coef_mod; /* per coefficient: its moderator (SIZE_MAX for the intercept) */
    size_t *btt, n_btt;
    size_t n_at;
    msc_regress_point *at; /* the points to predict at */
    size_t permutations;
    unsigned long long seed;
    size_t n_outcomes;
    msc_regress_outcome *outcome; /* warnings about a moderator (many levels) are each outcome's */
} msc_regression;

/* Fits the meta-regression of every outcome of d on the moderators o
 * names (kept columns of d: msc_load_options.keep_cols), with s's measure,
 * method, test and level. A column whose values (missing aside) all read
 * as numbers is numeric, unless o->factors names it; others are factors
 * in treatment coding. A study with a missing moderator is left out of
 * every outcome, with the reason. An outcome whose design cannot be
 * fitted (too few studies, a level no study has, collinear moderators) is
 * not fitted and says why in its warnings; when no outcome can be fitted
 * the call fails with that reason in err (MSC_ERR_INPUT). Options that
 * name no moderator, level or coefficient are MSC_ERR_USAGE. d must
 * outlive the result. */
MSC_API msc_status msc_regress_run(const msc_dataset *d, const msc_settings *s,
                                   const msc_regress_options *o, msc_regression **out, char *err,
                                   size_t errlen);

/* Flags for msc_regress_run_rows. */
#define MSC_REGRESS_RUN_ANY 1u    /* a result even when no outcome can be fitted (each outcome's
                                   * warnings say why), as an analysis by group needs */
#define MSC_REGRESS_RUN_DESIGN 2u /* the moderators, coefficients and points only: no outcome
                                   * is selected or fitted (n_outcomes 0) */

/* msc_regress_run on records rows[0..nrows) of d (ascending) as if they
 * were the whole file: which columns are numeric, the factors' levels and
 * each outcome's studies come from these records alone, so the result is
 * that of msc_regress_run on a file of these rows (an analysis by group,
 * mscmeta/by.h). rows NULL: every record. MSC_ERR_USAGE also for rows out
 * of range or not ascending. */
MSC_API msc_status msc_regress_run_rows(const msc_dataset *d, const size_t *rows, size_t nrows,
                                        const msc_settings *s, const msc_regress_options *o,
                                        unsigned flags, msc_regression **out, char *err,
                                        size_t errlen);
MSC_API void msc_regression_free(msc_regression *r);

#endif /* MSCMETA_REGRESS_H */
