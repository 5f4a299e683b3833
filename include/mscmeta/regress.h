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

#include "mscmeta/stats.h"

/* ---------------------------------------------------------------------------
 * The engine (regress_fit.c): one inverse-variance meta-regression.
 * ------------------------------------------------------------------------- */

/* Why msc_regress_fit refused a design (msc_regress_model.failure). */
typedef enum {
    MSC_REGRESS_FIT_OK = 0,
    MSC_REGRESS_TOO_FEW,   /* k < p (FE) or k < p + 1 (tau^2 estimators), as metafor */
    MSC_REGRESS_RANK,      /* column `dependent` is a linear combination of those before it */
    MSC_REGRESS_NOT_FINITE /* a y, v or moderator value is not finite, or a v is not > 0 */
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

/* The predicted value at moderator values x0[0..m) (original scale), as
 * metafor's predict(newmods = x0): yi, se, the confidence interval and the
 * prediction interval pred +/- crit sqrt(se^2 + tau^2), crit from z or,
 * under knha, t(k - p) (df, pi_df); stat and p test the prediction against
 * 0. Back-transformed to proportions by measure m (nhm: the harmonic mean
 * of n, for PFT). */
MSC_API void msc_regress_predict(const msc_regress_model *r, const double *x0, msc_measure m,
                                 double nhm, msc_estimate *e);

#endif /* MSCMETA_REGRESS_H */
