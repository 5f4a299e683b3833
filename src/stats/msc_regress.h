/*
 * The meta-regression engine's internals (regress_fit.c), shared with the
 * permutation test (regress_perm.c): a design whose moderator columns are
 * centred and scaled, the weighted least-squares pass every estimator is
 * built from, and the fit on such a design. Private to the stats layer.
 */
#ifndef MSC_REGRESS_H
#define MSC_REGRESS_H

#include <stddef.h>

#include "msc_stats.h"
#include "mscmeta/regress.h"

/* y, v and the design: row i is z = (1, (x - center) / scale) for the
 * moderator values x = X[r * m ..] of row r = perm[i] (r = i without
 * perm), centred and scaled as it is read (msc_reg_row), so that no
 * k x p copy is made; a permutation test permutes the rows through perm. */
typedef struct {
    size_t k, p; /* p = m + 1 */
    const double *y, *v;
    const double *X;                  /* k x m, row-major */
    const double *center, *inv_scale; /* m each */
    const size_t *perm;               /* NULL: the identity */
} msc_reg_design;

/* Row i of the design into z (p values). */
static inline void msc_reg_row(const msc_reg_design *d, size_t i, double *z)
{
    size_t m = d->p - 1;
    const double *x = d->X + (d->perm ? d->perm[i] : i) * m;
    z[0] = 1.0;
    for (size_t j = 0; j < m; j++)
        z[j + 1] = (x[j] - d->center[j]) * d->inv_scale[j];
}

#define MSC_REG_CHUNK 16384        /* rows summed together; then the chunks in order */
#define MSC_REG_PARALLEL_MIN 65536 /* rows before a second thread pays */
#define MSC_REG_MAX_THREADS 64

/* A workspace for fits of designs with p coefficients and up to k rows:
 * the p x p matrices of one weighted least-squares pass, the sums it
 * leaves, and the per-chunk partial sums that let threads share a pass
 * with results that do not depend on their number. */
typedef struct {
    size_t p;
    int threads;  /* threads a pass may use */
    double *part; /* per chunk: partial sums (part_stride each) */
    size_t part_chunks, part_stride, n_chunks;
    double *zbuf; /* per thread: a design row and its L^-1 z */
    double *G;    /* Z'WZ, then its Cholesky factor's inverse product: (Z'WZ)^-1 */
    double *B;    /* Z'W^2 Z (for tr(PP)) */
    double *c;    /* Z'Wy */
    double *beta; /* (Z'WZ)^-1 Z'Wy */
    double *tmp;  /* 2 p^2 + p scratch */
    double *z;    /* a row of the design */
    /* sums over the studies, w_i = 1/(v_i + tau^2) (1 for OLS), r = y - Z beta */
    double sw, sw2;   /* sum w, sum w^2 */
    double swr2;      /* sum w r^2 = Y'PY */
    double sw2r2;     /* sum w^2 r^2 = Y'PPY */
    double trP, trPP; /* traces of P = W - WZ(Z'WZ)^-1 Z'W and of PP */
    double trPV;      /* OLS: tr(PV) = sum v_i (1 - h_i) */
    double slogv;     /* sum log(v_i + tau^2) */
    double logdet;    /* log det Z'WZ */
    /* Two passes kept for reuse (msc_reg_ws_remember): a pass asked for
     * again at the same tau^2 with no more than it computed is copied. */
    int remember;
    struct {
        int valid;
        double tau2;
        unsigned what;
        double *G, *beta; /* p^2, p */
        double sums[9];
    } kept[2];
} msc_reg_ws;

msc_status msc_reg_ws_init(msc_reg_ws *ws, size_t p, size_t k, int threads);
void msc_reg_ws_free(msc_reg_ws *ws);
/* Lets ws reuse its passes on one design (on: 1) or not (0, the default;
 * and whenever the design changes, as between permutations). */
void msc_reg_ws_remember(msc_reg_ws *ws, int on);

/* What msc_reg_wls computes besides beta, sw, swr2, sw2r2 and logdet. */
enum {
    MSC_REG_OLS = 1,  /* weights 1 (tau2 ignored): Hedges' estimator */
    MSC_REG_TRP = 2,  /* trP */
    MSC_REG_TRPP = 4, /* trPP */
    MSC_REG_TRPV = 8, /* trPV */
    MSC_REG_LOGV = 16 /* slogv */
};

/* One weighted least-squares pass at tau2: two passes over the studies,
 * O(k p^2). Leaves (Z'WZ)^-1 in ws->G. Returns 0, or -1 when Z'WZ is not
 * positive definite (or a sum is not finite). */
int msc_reg_wls(const msc_reg_design *d, double tau2, unsigned what, msc_reg_ws *ws);

/* The part of a fit the permutation test repeats. */
typedef struct {
    double tau2, s2w;
    int iterations, converged;
} msc_reg_core;

/* Estimates tau^2 by s->method on design d (FE: 0) and fits the model at
 * it: beta_c (p) and its covariance V_c (p x p, with the Knapp-Hartung
 * factor under knha) on the centred scale. Returns 0, or -1 when a pass
 * failed. */
int msc_reg_core_fit(const msc_reg_design *d, const msc_settings *s, msc_reg_ws *ws, double *beta_c,
                     double *V_c, msc_reg_core *out);

/* The coefficients on the original scale: beta_o = T beta_c and, when
 * V_o is not NULL, V_o = T V_c T', where column j >= 1 was
 * (x - center[j-1]) * inv_scale[j-1]. */
void msc_reg_to_original(size_t p, const double *center, const double *inv_scale,
                         const double *beta_c, const double *V_c, double *beta_o, double *V_o);

/* QM = b' V^-1 b over the coefficients btt[0..m) on the original scale,
 * from the centred fit; NAN when that block is not positive definite.
 * scratch holds 2 m^2 + 2 m doubles. */
double msc_reg_qm(size_t p, const double *center, const double *inv_scale, const double *beta_c,
                  const double *V_c, const size_t *btt, size_t m, double *scratch);

#endif
