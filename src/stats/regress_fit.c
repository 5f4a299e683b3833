/*
 * The meta-regression engine: y_i = x_i' beta + u_i + e_i fitted as
 * metafor's rma.uni(yi, vi, mods = X) does it (Viechtbauer 2010; the mods
 * case of every estimator as rma.uni 3.8-1 defines it):
 *
 *   FE   tau^2 = 0
 *   DL   (QE - (k - p)) / tr(P0)               (Raudenbush 2009's generalisation)
 *   HE   (RSS_ols - tr(P_ols V)) / (k - p)      P_ols = I - X(X'X)^-1 X'
 *   HS   (QE - k) / sum(1/v)
 *   SJ   t0 QE(t0) / (k - p), t0 = sum (y - ybar)^2 / k
 *   ML   Fisher scoring (Y'PPY - sum w) / sum w^2, from max(0, HE)
 *   REML Fisher scoring (Y'PPY - tr P) / tr PP, from max(0, HE)
 *   EB   Fisher scoring (Y'PY k/(k - p) - k) / sum w, from max(0, HE)
 *   PM   the root of QE(tau^2) = k - p
 *
 * where P = W - WX(X'WX)^-1 X'W with W = diag(1/(v_i + tau^2)), QE(t) =
 * Y'P(t)Y and P0 = P(0). P only enters through traces and quadratic forms,
 * which are sums over the studies given the p x p matrix (X'WX)^-1:
 *
 *   Y'PY  = sum w_i r_i^2            Y'PPY = sum w_i^2 r_i^2   (PY = W r)
 *   tr P  = sum w_i (1 - l_i)        l_i = w_i x_i'(X'WX)^-1 x_i (leverage)
 *   tr PP = sum w_i^2 (1 - 2 l_i) + tr((AB)^2),  A = (X'WX)^-1, B = X'W^2 X
 *
 * so each pass costs O(k p^2) time and O(p^2) memory beyond the data: no
 * k x k matrix is ever formed. The moderator columns are centred and
 * scaled first (a reparametrisation of the same model); the coefficients
 * and their covariance are transformed back, which keeps the digits that
 * metafor's own algebra loses on raw calendar years.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "msc_regress.h"

#define FS_MAXITER 1000
#define FS_THRESHOLD 1e-12 /* metafor's threshold in the reference values */
#define RANK_TOL 1e-10     /* 1 - R^2 of a column on those before it */
#define DBL_EPS 2.220446049250313e-16

/* ------------------------------------------------------------ workspace */

msc_status msc_reg_ws_init(msc_reg_ws *ws, size_t p, size_t k, int threads)
{
    memset(ws, 0, sizeof *ws);
    ws->p = p;
    ws->threads = threads < 1 ? 1 : threads > MSC_REG_MAX_THREADS ? MSC_REG_MAX_THREADS : threads;
    ws->part_chunks = k ? (k + MSC_REG_CHUNK - 1) / MSC_REG_CHUNK : 1;
    ws->part_stride = 2 * p * p + p + 1 > 7 ? 2 * p * p + p + 1 : 7;
    ws->G = malloc((6 * p * p + 6 * p) * sizeof *ws->G);
    ws->part = malloc(ws->part_chunks * ws->part_stride * sizeof *ws->part);
    ws->zbuf = malloc((size_t)ws->threads * 2 * p * sizeof *ws->zbuf);
    if (!ws->G || !ws->part || !ws->zbuf) {
        msc_reg_ws_free(ws);
        return MSC_ERR_NOMEM;
    }
    ws->B = ws->G + p * p;
    ws->tmp = ws->B + p * p; /* 2 p^2 + p */
    ws->c = ws->tmp + 2 * p * p + p;
    ws->beta = ws->c + p;
    ws->z = ws->beta + p;
    for (int s = 0; s < 2; s++) {
        ws->kept[s].G = ws->z + p + (size_t)s * (p * p + p);
        ws->kept[s].beta = ws->kept[s].G + p * p;
    }
    return MSC_OK;
}

void msc_reg_ws_free(msc_reg_ws *ws)
{
    free(ws->G);
    free(ws->part);
    free(ws->zbuf);
    ws->G = ws->part = ws->zbuf = NULL;
}

void msc_reg_ws_remember(msc_reg_ws *ws, int on)
{
    ws->remember = on;
    ws->kept[0].valid = ws->kept[1].valid = 0;
}

/* The sums of a pass, in msc_reg_ws' order. */
static void sums_out(const msc_reg_ws *ws, double *v)
{
    const double s[9] = {ws->sw,   ws->sw2,  ws->swr2,  ws->sw2r2, ws->trP,
                         ws->trPP, ws->trPV, ws->slogv, ws->logdet};
    memcpy(v, s, sizeof s);
}

static void sums_in(msc_reg_ws *ws, const double *v)
{
    ws->sw = v[0], ws->sw2 = v[1], ws->swr2 = v[2], ws->sw2r2 = v[3], ws->trP = v[4];
    ws->trPP = v[5], ws->trPV = v[6], ws->slogv = v[7], ws->logdet = v[8];
}

/* ----------------------------------------------------------- one pass */

/* tr((AB)^2) for symmetric p x p A and B; tmp holds p^2 doubles. */
static double trace_abab(const double *A, const double *B, size_t p, double *tmp)
{
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double s = 0;
            for (size_t c = 0; c < p; c++)
                s += A[a * p + c] * B[c * p + b];
            tmp[a * p + b] = s;
        }
    double t = 0;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++)
            t += tmp[a * p + b] * tmp[b * p + a];
    return t;
}

static int wls_pass(const msc_reg_design *d, double tau2, unsigned what, msc_reg_ws *ws);

int msc_reg_wls(const msc_reg_design *d, double tau2, unsigned what, msc_reg_ws *ws)
{
    size_t p = d->p;
    if (ws->remember)
        for (int s = 0; s < 2; s++)
            if (ws->kept[s].valid && ws->kept[s].tau2 == tau2 &&
                (ws->kept[s].what & what) == what &&
                ((ws->kept[s].what ^ what) & MSC_REG_OLS) == 0) {
                memcpy(ws->G, ws->kept[s].G, p * p * sizeof *ws->G);
                memcpy(ws->beta, ws->kept[s].beta, p * sizeof *ws->beta);
                sums_in(ws, ws->kept[s].sums);
                return 0;
            }
    int rc = wls_pass(d, tau2, what, ws);
    if (rc == 0 && ws->remember) {
        /* slot 0 keeps tau^2 = 0 (QE, ll0check), slot 1 the latest other */
        int s = tau2 == 0.0 && !(what & MSC_REG_OLS) ? 0 : 1;
        ws->kept[s].valid = 1;
        ws->kept[s].tau2 = tau2;
        ws->kept[s].what = what;
        memcpy(ws->kept[s].G, ws->G, p * p * sizeof *ws->G);
        memcpy(ws->kept[s].beta, ws->beta, p * sizeof *ws->beta);
        sums_out(ws, ws->kept[s].sums);
    }
    return rc;
}

/* One pass: the sums and (Z'WZ)^-1 at tau2. */
/* Pass 1 over rows [from, to): G and B (lower triangles), c, sum log(v + tau2)
 * into out (p^2, p^2, p, 1). */
static void pass1_range(const msc_reg_design *d, double tau2, unsigned what, size_t from, size_t to,
                        double *out, double *z)
{
    size_t p = d->p;
    double *G = out, *B = out + p * p, *c = B + p * p, slogv = 0;
    int ols = (what & MSC_REG_OLS) != 0, trpp = (what & MSC_REG_TRPP) != 0;
    memset(out, 0, (2 * p * p + p + 1) * sizeof *out);
    for (size_t i = from; i < to; i++) {
        msc_reg_row(d, i, z);
        double w = ols ? 1.0 : 1.0 / (d->v[i] + tau2);
        if (what & MSC_REG_LOGV)
            slogv += log(d->v[i] + tau2);
        for (size_t a = 0; a < p; a++) {
            double wz = w * z[a];
            c[a] += wz * d->y[i];
            for (size_t b = 0; b <= a; b++)
                G[a * p + b] += wz * z[b];
            if (trpp)
                for (size_t b = 0; b <= a; b++)
                    B[a * p + b] += w * wz * z[b];
        }
    }
    c[p] = slogv;
}

/* Pass 2 over rows [from, to), given beta and the Cholesky factor L:
 * sum w, w^2, w r^2, w^2 r^2, w (1 - l), w^2 l, v (1 - h) into out (7). */
static void pass2_range(const msc_reg_design *d, double tau2, unsigned what, const double *beta,
                        const double *L, size_t from, size_t to, double *out, double *z, double *u)
{
    size_t p = d->p;
    int ols = (what & MSC_REG_OLS) != 0;
    int need_h = (what & (MSC_REG_TRP | MSC_REG_TRPP | MSC_REG_TRPV)) != 0;
    double sw = 0, sw2 = 0, swr2 = 0, sw2r2 = 0, trp = 0, w2lev = 0, trpv = 0;
    for (size_t i = from; i < to; i++) {
        msc_reg_row(d, i, z);
        double w = ols ? 1.0 : 1.0 / (d->v[i] + tau2);
        double fit = 0, h = 0;
        for (size_t a = 0; a < p; a++)
            fit += z[a] * beta[a];
        double r = d->y[i] - fit;
        if (need_h) {
            /* u = L^-1 z by forward substitution (L in the lower triangle) */
            for (size_t a = 0; a < p; a++) {
                double t = z[a];
                for (size_t b = 0; b < a; b++)
                    t -= L[a * p + b] * u[b];
                u[a] = t / L[a * p + a];
                h += u[a] * u[a];
            }
        }
        double lev = w * h;
        sw += w;
        sw2 += w * w;
        swr2 += w * r * r;
        sw2r2 += w * w * r * r;
        trp += w * (1.0 - lev);
        w2lev += w * w * lev;
        trpv += d->v[i] * (1.0 - h);
    }
    out[0] = sw, out[1] = sw2, out[2] = swr2, out[3] = sw2r2;
    out[4] = trp, out[5] = w2lev, out[6] = trpv;
}

/* A share of a pass: the chunks first, first + step, ... */
typedef struct {
    const msc_reg_design *d;
    double tau2;
    unsigned what;
    int phase;
    const double *beta, *L;
    msc_reg_ws *ws;
    size_t first, step;
    double *z, *u; /* this share's row buffers */
} pass_job;

static void *run_pass(void *arg)
{
    pass_job *j = arg;
    msc_reg_ws *ws = j->ws;
    size_t k = j->d->k;
    for (size_t c = j->first; c < ws->n_chunks; c += j->step) {
        size_t from = c * MSC_REG_CHUNK, to = from + MSC_REG_CHUNK < k ? from + MSC_REG_CHUNK : k;
        double *out = ws->part + c * ws->part_stride;
        if (j->phase == 1)
            pass1_range(j->d, j->tau2, j->what, from, to, out, j->z);
        else
            pass2_range(j->d, j->tau2, j->what, j->beta, j->L, from, to, out, j->z, j->u);
    }
    return NULL;
}

/* Runs one phase over every chunk, on ws->threads threads from
 * MSC_REG_PARALLEL_MIN rows on; the chunks are the same whatever the
 * number of threads, and msc_reg_wls adds them in order. */
static void run_phase(const msc_reg_design *d, double tau2, unsigned what, int phase,
                      msc_reg_ws *ws)
{
    size_t p = d->p;
    int T = d->k >= MSC_REG_PARALLEL_MIN ? ws->threads : 1;
    if ((size_t)T > ws->n_chunks)
        T = (int)ws->n_chunks;
    pass_job jobs[MSC_REG_MAX_THREADS];
    pthread_t th[MSC_REG_MAX_THREADS];
    int started[MSC_REG_MAX_THREADS] = {0};
    for (int t = 0; t < T; t++)
        jobs[t] = (pass_job){d,
                             tau2,
                             what,
                             phase,
                             ws->beta,
                             ws->tmp,
                             ws,
                             (size_t)t,
                             (size_t)T,
                             ws->zbuf + (size_t)t * 2 * p,
                             ws->zbuf + (size_t)t * 2 * p + p};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, run_pass, &jobs[t]) == 0;
    run_pass(&jobs[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_pass(&jobs[t]); /* no thread: its chunks here */
    }
}

static int wls_pass(const msc_reg_design *d, double tau2, unsigned what, msc_reg_ws *ws)
{
    size_t p = d->p;
    double *G = ws->G, *B = ws->B, *c = ws->c, *beta = ws->beta;
    int trpp = (what & MSC_REG_TRPP) != 0;
    ws->n_chunks = (d->k + MSC_REG_CHUNK - 1) / MSC_REG_CHUNK;
    if (ws->n_chunks == 0)
        ws->n_chunks = 1;
    if (ws->n_chunks > ws->part_chunks)
        return -1; /* msc_reg_ws_init was given fewer rows */
    run_phase(d, tau2, what, 1, ws);
    memset(G, 0, p * p * sizeof *G);
    memset(B, 0, p * p * sizeof *B);
    memset(c, 0, p * sizeof *c);
    double slogv = 0;
    for (size_t ch = 0; ch < ws->n_chunks; ch++) {
        const double *o = ws->part + ch * ws->part_stride;
        for (size_t a = 0; a < p * p; a++) {
            G[a] += o[a];
            B[a] += o[p * p + a];
        }
        for (size_t a = 0; a < p; a++)
            c[a] += o[2 * p * p + a];
        slogv += o[2 * p * p + p];
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < a; b++) {
            G[b * p + a] = G[a * p + b];
            if (trpp)
                B[b * p + a] = B[a * p + b];
        }
    /* Cholesky G = LL': beta = G^-1 c; L kept in tmp (leverages: h = |L^-1 z|^2),
     * then G becomes G^-1 */
    gsl_matrix_view Gv = gsl_matrix_view_array(G, p, p);
    gsl_vector_view cv = gsl_vector_view_array(c, p), bv = gsl_vector_view_array(beta, p);
    if (gsl_linalg_cholesky_decomp1(&Gv.matrix) != GSL_SUCCESS)
        return -1;
    double logdet = 0, *L = ws->tmp;
    for (size_t a = 0; a < p; a++)
        logdet += 2.0 * log(G[a * p + a]);
    memcpy(L, G, p * p * sizeof *L);
    if (gsl_linalg_cholesky_solve(&Gv.matrix, &cv.vector, &bv.vector) != GSL_SUCCESS ||
        gsl_linalg_cholesky_invert(&Gv.matrix) != GSL_SUCCESS)
        return -1;
    run_phase(d, tau2, what, 2, ws);
    double sum[7] = {0};
    for (size_t ch = 0; ch < ws->n_chunks; ch++)
        for (int a = 0; a < 7; a++)
            sum[a] += ws->part[ch * ws->part_stride + (size_t)a];
    ws->sw = sum[0];
    ws->sw2 = sum[1];
    ws->swr2 = sum[2];
    ws->sw2r2 = sum[3];
    ws->trP = sum[4];
    ws->trPV = sum[6];
    ws->slogv = slogv;
    ws->logdet = logdet;
    ws->trPP = trpp ? sum[1] - 2.0 * sum[5] + trace_abab(G, B, p, ws->tmp) : NAN;
    return isfinite(ws->swr2) && isfinite(ws->sw) ? 0 : -1;
}

/* ------------------------------------------------------ tau^2 estimators */

/* Hedges: (RSS - tr(PV)) / (k - p) with the ordinary least-squares P. */
static int tau2_he(const msc_reg_design *d, msc_reg_ws *ws, double *tau2)
{
    if (msc_reg_wls(d, 0.0, MSC_REG_OLS | MSC_REG_TRPV, ws) != 0)
        return -1;
    *tau2 = (ws->swr2 - ws->trPV) / ((double)d->k - (double)d->p);
    return 0;
}

/* The (restricted) log-likelihood at tau2 up to constants (metafor's
 * ll0check compares tau^2 = 0 with the estimate on it). */
static int loglik(const msc_reg_design *d, double tau2, int reml, msc_reg_ws *ws, double *ll)
{
    /* at 0 also tr(P): the pass heterogeneity() needs for QE and I^2 */
    if (msc_reg_wls(d, tau2, MSC_REG_LOGV | (tau2 == 0.0 ? MSC_REG_TRP : 0u), ws) != 0)
        return -1;
    *ll = -0.5 * ws->slogv - 0.5 * ws->swr2 - (reml ? 0.5 * ws->logdet : 0.0);
    return 0;
}

typedef struct {
    const msc_reg_design *d;
    msc_method m;
    msc_reg_ws *ws;
    double target;
} eq_ctx;

/* The numerator of the scoring step (decreasing in tau^2): its root is the
 * estimate. NAN when the pass fails. */
static double score(double tau2, void *p)
{
    eq_ctx *c = p;
    double k = (double)c->d->k, q = (double)c->d->p;
    unsigned what = c->m == MSC_METHOD_REML ? MSC_REG_TRP : 0;
    if (msc_reg_wls(c->d, tau2, what, c->ws) != 0)
        return NAN;
    switch (c->m) {
    case MSC_METHOD_ML:
        return c->ws->sw2r2 - c->ws->sw;
    case MSC_METHOD_REML:
        return c->ws->sw2r2 - c->ws->trP;
    default: /* EB */
        return c->ws->swr2 * k / (k - q) - k;
    }
}

/* QE(tau2) - target: Paule-Mandel's equation. */
static double qe_minus_target(double tau2, void *p)
{
    eq_ctx *c = p;
    if (msc_reg_wls(c->d, tau2, 0, c->ws) != 0)
        return NAN;
    return c->ws->swr2 - c->target;
}

/* Fisher scoring as rma.uni (step halving keeps tau^2 >= 0), with the
 * root of the estimating equation as a fallback, then ll0check. */
static int tau2_scoring(const msc_reg_design *d, msc_method m, msc_reg_ws *ws, double *tau2,
                        int *iters, int *conv)
{
    double k = (double)d->k, q = (double)d->p, t;
    if (tau2_he(d, ws, &t) != 0)
        return -1;
    if (!(t > 0.0))
        t = 0.0;
    int it = 0, ok = 0;
    while (it < FS_MAXITER) {
        it++;
        unsigned what = m == MSC_METHOD_REML ? MSC_REG_TRP | MSC_REG_TRPP : 0;
        if (msc_reg_wls(d, t, what, ws) != 0)
            break;
        double adj;
        if (m == MSC_METHOD_ML)
            adj = (ws->sw2r2 - ws->sw) / ws->sw2;
        else if (m == MSC_METHOD_REML)
            adj = (ws->sw2r2 - ws->trP) / ws->trPP;
        else
            adj = (ws->swr2 * k / (k - q) - k) / ws->sw;
        if (!isfinite(adj))
            break; /* the bracketing below takes over */
        while (t + adj < 0.0)
            adj /= 2.0;
        double old = t;
        t += adj;
        if (fabs(t - old) <= FS_THRESHOLD * fmax(1.0, t)) {
            ok = 1;
            break;
        }
    }
    if (!ok) {
        eq_ctx c = {d, m, ws, 0.0};
        double s0 = score(0.0, &c), root;
        if (s0 <= 0.0) {
            t = 0.0;
            ok = 1;
        } else if (s0 > 0.0 && msc_root_decreasing(score, &c, 0.0, 1.0, &root) == 0) {
            t = root;
            ok = 1;
        }
    }
    if (!ok)
        t = 0.0;
    if (ok && (m == MSC_METHOD_ML || m == MSC_METHOD_REML) && t > FS_THRESHOLD) {
        int reml = m == MSC_METHOD_REML;
        double ll0, ll1;
        if (loglik(d, 0.0, reml, ws, &ll0) == 0 && loglik(d, t, reml, ws, &ll1) == 0 &&
            ll0 - ll1 > 1e-12)
            t = 0.0;
    }
    *tau2 = t;
    *iters = it;
    *conv = ok;
    return 0;
}

/* tau^2 by method m on design d; *conv 0 when an iterative estimator failed
 * (tau^2 is then 0). Returns -1 when a pass failed. */
static int estimate_tau2(const msc_reg_design *d, msc_method m, msc_reg_ws *ws, double *tau2,
                         int *iters, int *conv)
{
    double k = (double)d->k, q = (double)d->p, t = 0.0;
    *iters = 0;
    *conv = 1;
    if (m == MSC_METHOD_FE || (d->k == 1 && d->p == 1)) {
        *tau2 = 0.0; /* k = 1 without moderators: metafor fixes tau^2 at 0 */
        return 0;
    }
    switch (m) {
    case MSC_METHOD_DL:
        if (msc_reg_wls(d, 0.0, MSC_REG_TRP, ws) != 0)
            return -1;
        t = (ws->swr2 - (k - q)) / ws->trP;
        break;
    case MSC_METHOD_HS:
        if (msc_reg_wls(d, 0.0, 0, ws) != 0)
            return -1;
        t = (ws->swr2 - k) / ws->sw;
        break;
    case MSC_METHOD_HE:
        if (tau2_he(d, ws, &t) != 0)
            return -1;
        break;
    case MSC_METHOD_SJ: {
        double ybar = 0, ss = 0;
        for (size_t i = 0; i < d->k; i++)
            ybar += d->y[i];
        ybar /= k;
        for (size_t i = 0; i < d->k; i++)
            ss += (d->y[i] - ybar) * (d->y[i] - ybar);
        double t0 = ss / k; /* var(y) (k - 1)/k, metafor's start */
        if (msc_reg_wls(d, t0, 0, ws) != 0)
            return -1;
        t = t0 * ws->swr2 / (k - q);
        break;
    }
    case MSC_METHOD_PM: {
        eq_ctx c = {d, m, ws, k - q};
        double f0 = qe_minus_target(0.0, &c), root;
        if (!isfinite(f0))
            return -1;
        if (f0 < 0.0)
            t = 0.0;
        else if (msc_root_decreasing(qe_minus_target, &c, 0.0, 1.0, &root) == 0)
            t = root, *iters = 1;
        else
            *conv = 0;
        break;
    }
    case MSC_METHOD_ML:
    case MSC_METHOD_REML:
    case MSC_METHOD_EB:
        if (tau2_scoring(d, m, ws, &t, iters, conv) != 0)
            return -1;
        break;
    default:
        break;
    }
    *tau2 = t > 0.0 ? t : 0.0; /* also turns a NaN into 0 */
    return 0;
}

int msc_reg_core_fit(const msc_reg_design *d, const msc_settings *s, msc_reg_ws *ws, double *beta_c,
                     double *V_c, msc_reg_core *out)
{
    size_t p = d->p;
    if (estimate_tau2(d, s->method, ws, &out->tau2, &out->iterations, &out->converged) != 0)
        return -1;
    if (msc_reg_wls(d, out->tau2, 0, ws) != 0)
        return -1;
    out->s2w = 1.0;
    if (s->test == MSC_TEST_KNHA && d->k > p)
        out->s2w = ws->swr2 <= DBL_EPS ? 0.0 : ws->swr2 / ((double)d->k - (double)p);
    else if (s->test == MSC_TEST_KNHA)
        out->s2w = NAN; /* k = p: no residual df */
    memcpy(beta_c, ws->beta, p * sizeof *beta_c);
    for (size_t a = 0; a < p * p; a++)
        V_c[a] = out->s2w * ws->G[a];
    return 0;
}

/* ------------------------------------------------------ original scale */

/* Row a of T, where beta_o = T beta_c: row 0 is (1, -c_1 u_1, ...), row
 * j >= 1 is e_j u_j, with u the inverse scales (the column was (x - c) u). */
static double t_entry(size_t a, size_t b, const double *center, const double *inv_scale)
{
    if (a == 0)
        return b == 0 ? 1.0 : -center[b - 1] * inv_scale[b - 1];
    return a == b ? inv_scale[a - 1] : 0.0;
}

/* Entry (a, b) of T V_c T', term by term: T is sparse (row 0 and the
 * diagonal). */
static double tvt_entry(size_t p, size_t a, size_t b, const double *center, const double *inv_scale,
                        const double *V_c)
{
    double s = 0;
    for (size_t u = 0; u < p; u++) {
        double ta = t_entry(a, u, center, inv_scale);
        if (ta == 0.0)
            continue;
        for (size_t v = 0; v < p; v++) {
            double tb = t_entry(b, v, center, inv_scale);
            if (tb != 0.0)
                s += ta * V_c[u * p + v] * tb;
        }
    }
    return s;
}

void msc_reg_to_original(size_t p, const double *center, const double *inv_scale,
                         const double *beta_c, const double *V_c, double *beta_o, double *V_o)
{
    beta_o[0] = beta_c[0];
    for (size_t j = 1; j < p; j++) {
        beta_o[j] = beta_c[j] * inv_scale[j - 1];
        beta_o[0] -= beta_c[j] * center[j - 1] * inv_scale[j - 1];
    }
    if (!V_o)
        return;
    for (size_t a = 0; a < p; a++)
        for (size_t b = a; b < p; b++)
            V_o[a * p + b] = V_o[b * p + a] = tvt_entry(p, a, b, center, inv_scale, V_c);
}

double msc_reg_var_original(size_t p, const double *center, const double *inv_scale,
                            const double *V_c, size_t j)
{
    return tvt_entry(p, j, j, center, inv_scale, V_c);
}

double msc_reg_qm(size_t p, const double *center, const double *inv_scale, const double *beta_c,
                  const double *V_c, const size_t *btt, size_t m, double *scratch)
{
    double *V = scratch, *L = V + m * m, *b = L + m * m, *x = b + m;
    /* rows btt of T applied to the centred fit */
    for (size_t a = 0; a < m; a++) {
        size_t ia = btt[a];
        double s = 0;
        for (size_t u = 0; u < p; u++)
            s += t_entry(ia, u, center, inv_scale) * beta_c[u];
        b[a] = s;
        for (size_t c = 0; c <= a; c++)
            V[a * m + c] = V[c * m + a] = tvt_entry(p, ia, btt[c], center, inv_scale, V_c);
    }
    memcpy(L, V, m * m * sizeof *L);
    gsl_matrix_view Lv = gsl_matrix_view_array(L, m, m);
    gsl_vector_view bv = gsl_vector_view_array(b, m), xv = gsl_vector_view_array(x, m);
    if (gsl_linalg_cholesky_decomp1(&Lv.matrix) != GSL_SUCCESS ||
        gsl_linalg_cholesky_solve(&Lv.matrix, &bv.vector, &xv.vector) != GSL_SUCCESS)
        return NAN;
    double qm = 0;
    for (size_t a = 0; a < m; a++)
        qm += b[a] * x[a];
    return qm;
}

/* --------------------------------------------------------------- the fit */

/* priv layout: center (m), scale (m), inv_scale (m), beta_c (p), V_c
 * (p x p). */
static double *priv_center(const msc_regress_model *r) { return r->priv; }
static double *priv_scale(const msc_regress_model *r) { return r->priv + r->m; }
static double *priv_inv_scale(const msc_regress_model *r) { return r->priv + 2 * r->m; }
static double *priv_beta(const msc_regress_model *r) { return r->priv + 3 * r->m; }
static double *priv_vc(const msc_regress_model *r) { return r->priv + 3 * r->m + r->p; }

static void model_clear(msc_regress_model *r, const msc_settings *s, size_t k, size_t m)
{
    memset(r, 0, sizeof *r);
    r->method = s->method;
    r->test = s->test;
    r->level = s->level;
    r->k = k;
    r->m = m;
    r->p = m + 1;
    r->df = r->QM = r->QM_df = r->QM_df2 = r->QM_p = NAN;
    r->QE = r->QE_df = r->QE_p = r->tau2 = r->I2 = r->H2 = r->vt = r->R2 = NAN;
    r->tau2_intercept = r->s2w = NAN;
    r->loglik = r->QE_lrt = r->QE_lrt_p = r->LRT = r->LRT_df = r->LRT_p = r->tau2_null = NAN;
    r->converged = 1;
}

static msc_status model_alloc(msc_regress_model *r, size_t n_btt)
{
    size_t p = r->p, m = r->m;
    r->beta = malloc((6 * p + p * p) * sizeof *r->beta);
    r->priv = malloc((3 * m + p + p * p) * sizeof *r->priv);
    r->btt = malloc((n_btt ? n_btt : 1) * sizeof *r->btt);
    if (!r->beta || !r->priv || !r->btt)
        return MSC_ERR_NOMEM;
    r->se = r->beta + p;
    r->stat = r->se + p;
    r->pval = r->stat + p;
    r->ci_lo = r->pval + p;
    r->ci_hi = r->ci_lo + p;
    r->vb = r->ci_hi + p;
    return MSC_OK;
}

void msc_regress_model_free(msc_regress_model *r)
{
    if (!r)
        return;
    free(r->beta);
    free(r->priv);
    free(r->btt);
    r->beta = r->se = r->stat = r->pval = r->ci_lo = r->ci_hi = r->vb = NULL;
    r->priv = NULL;
    r->btt = NULL;
}

/* Centres and scales the columns (center, scale, inv_scale) and checks
 * the design's rank: column j is rejected (returns j, 1-based) when it is
 * constant or when 1 - R^2 of its regression on the columns before it is
 * below RANK_TOL, from the Cholesky factor of their correlation matrix.
 * Returns 0 when the design has full rank, (size_t)-1 when memory ran out. */
static size_t centre_and_check(const double *mods, size_t k, size_t m, double *center,
                               double *scale, double *inv_scale)
{
    for (size_t j = 0; j < m; j++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < k; i++)
            mean += mods[i * m + j];
        mean /= (double)k;
        for (size_t i = 0; i < k; i++) {
            double e = mods[i * m + j] - mean;
            ss += e * e;
        }
        center[j] = mean;
        scale[j] = sqrt(ss / (double)k);
        inv_scale[j] = 1.0 / scale[j];
        if (!(scale[j] > 0.0) || !isfinite(scale[j]) ||
            scale[j] <= 1e-12 * fmax(fabs(mean), DBL_EPS))
            return j + 1; /* constant: the intercept's column again */
    }
    if (m < 2)
        return 0;
    /* correlation matrix of the centred columns, then Cholesky */
    double *C = calloc(m * m + m, sizeof *C);
    if (!C)
        return (size_t)-1;
    double *z = C + m * m;
    for (size_t i = 0; i < k; i++) {
        for (size_t a = 0; a < m; a++)
            z[a] = (mods[i * m + a] - center[a]) * inv_scale[a];
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b <= a; b++)
                C[a * m + b] += z[a] * z[b];
    }
    size_t bad = 0;
    for (size_t a = 0; a < m && !bad; a++) {
        for (size_t b = 0; b <= a; b++)
            C[a * m + b] /= (double)k;
        for (size_t b = 0; b < a; b++) {
            double s = C[a * m + b];
            for (size_t c = 0; c < b; c++)
                s -= C[a * m + c] * C[b * m + c];
            C[a * m + b] = s / C[b * m + b];
        }
        double dd = C[a * m + a];
        for (size_t c = 0; c < a; c++)
            dd -= C[a * m + c] * C[a * m + c];
        if (!(dd > RANK_TOL))
            bad = a + 1;
        else
            C[a * m + a] = sqrt(dd);
    }
    free(C);
    return bad;
}

/* Heterogeneity at tau^2 = 0 (QE, vt), I^2, H^2, as rma.uni. */
static int heterogeneity(const msc_reg_design *d, msc_regress_model *r, msc_reg_ws *ws)
{
    double dfr = (double)d->k - (double)d->p;
    r->QE_df = dfr;
    if (d->k <= d->p) {
        r->QE = 0.0;
        r->QE_p = 1.0;
        r->I2 = 0.0;
        r->H2 = 1.0;
        r->vt = 0.0;
        return 0;
    }
    if (msc_reg_wls(d, 0.0, MSC_REG_TRP, ws) != 0)
        return -1;
    r->QE = ws->swr2 > 0.0 ? ws->swr2 : 0.0;
    r->QE_p = msc_pchisq(r->QE, dfr, 1);
    r->vt = dfr / ws->trP;
    if (r->method == MSC_METHOD_FE) {
        r->I2 = r->QE > dfr ? 100.0 * (r->QE - dfr) / r->QE : 0.0;
        r->H2 = r->QE / dfr;
    } else {
        r->I2 = 100.0 * r->tau2 / (r->vt + r->tau2);
        r->H2 = r->tau2 / r->vt + 1.0;
    }
    return 0;
}

/* R^2 as rma.uni: for FE, the adjusted R^2 of the weighted least-squares
 * regression (lm(yi ~ X, weights = 1/vi)); otherwise (tau0^2 - tau^2) /
 * tau0^2 with tau0^2 from the intercept-only model of the same method, 0
 * when tau0^2 = 0; in percent and truncated at 0. */
static void r_squared(const msc_reg_design *d, const double *yi, const double *vi,
                      msc_regress_model *r, msc_reg_ws *ws)
{
    size_t k = d->k, p = d->p;
    if (r->method == MSC_METHOD_FE) {
        int same = 1;
        for (size_t i = 1; i < k; i++)
            same &= yi[i] == yi[0];
        if (same || k <= p) {
            r->R2 = same ? 0.0 : NAN;
            return;
        }
        if (msc_reg_wls(d, 0.0, 0, ws) != 0)
            return;
        /* model sum of squares of the fitted values about their weighted mean */
        double sw = 0, swf = 0, mss = 0;
        for (size_t i = 0; i < k; i++) {
            double f = 0;
            msc_reg_row(d, i, ws->z);
            for (size_t a = 0; a < p; a++)
                f += ws->z[a] * ws->beta[a];
            sw += 1.0 / vi[i];
            swf += f / vi[i];
        }
        double mf = swf / sw;
        for (size_t i = 0; i < k; i++) {
            double f = 0;
            msc_reg_row(d, i, ws->z);
            for (size_t a = 0; a < p; a++)
                f += ws->z[a] * ws->beta[a];
            mss += (f - mf) * (f - mf) / vi[i];
        }
        double r2 = mss / (mss + ws->swr2);
        double adj = 1.0 - (1.0 - r2) * ((double)k - 1.0) / ((double)k - (double)p);
        r->R2 = fmax(0.0, 100.0 * adj);
        return;
    }
    msc_tau2_result t0;
    msc_tau2_estimate(r->method, yi, vi, k, &t0);
    if (!t0.converged)
        return;
    r->tau2_intercept = t0.tau2;
    if (t0.tau2 == 0.0)
        r->R2 = 0.0;
    else
        r->R2 = fmax(0.0, 100.0 * (t0.tau2 - r->tau2) / t0.tau2);
}

/* Tests and intervals of the coefficients on the original scale. */
static void coefficients(msc_regress_model *r)
{
    size_t p = r->p;
    msc_reg_to_original(p, priv_center(r), priv_inv_scale(r), priv_beta(r), priv_vc(r), r->beta,
                        r->vb);
    double a2 = (1.0 - r->level) / 2.0;
    int t = r->test == MSC_TEST_KNHA;
    double crit = t ? (r->df > 0 ? msc_qt_upper(a2, r->df) : NAN) : msc_qnorm_upper(a2);
    for (size_t j = 0; j < p; j++) {
        double v = r->vb[j * p + j];
        r->se[j] = v >= 0.0 ? sqrt(v) : NAN;
        r->stat[j] = r->beta[j] / r->se[j];
        if (t)
            r->pval[j] = r->df > 0 ? 2.0 * msc_t_upper(fabs(r->stat[j]), r->df) : NAN;
        else
            r->pval[j] = 2.0 * gsl_cdf_ugaussian_Q(fabs(r->stat[j]));
        r->ci_lo[j] = r->beta[j] - crit * r->se[j];
        r->ci_hi[j] = r->beta[j] + crit * r->se[j];
    }
}

static void omnibus(msc_regress_model *r, double *scratch)
{
    size_t m = r->m_btt;
    r->QM_df = (double)m;
    double qm = msc_reg_qm(r->p, priv_center(r), priv_inv_scale(r), priv_beta(r), priv_vc(r),
                           r->btt, m, scratch);
    if (r->test == MSC_TEST_KNHA) {
        r->QM = qm / (double)m;
        r->QM_df2 = r->df;
        r->QM_p = r->df > 0 ? msc_f_upper(r->QM, (double)m, r->df) : NAN;
    } else {
        r->QM = qm;
        r->QM_p = msc_pchisq(qm, (double)m, 1);
    }
}

msc_status msc_regress_fit(const double *yi, const double *vi, size_t k, const double *mods,
                           size_t m, const msc_settings *s, const size_t *btt, size_t n_btt,
                           unsigned flags, msc_regress_model *r, msc_warnings *w)
{
    model_clear(r, s, k, m);
    if (msc_stats_settings_ok(s, w) != MSC_OK || s->method == MSC_METHOD_GLMM)
        return MSC_ERR_USAGE;
    size_t p = m + 1;
    if (!btt)
        n_btt = m;
    if (n_btt == 0 && m > 0)
        return MSC_ERR_USAGE;
    for (size_t j = 0; btt && j < n_btt; j++)
        if (btt[j] >= p)
            return MSC_ERR_USAGE;
    msc_status st = model_alloc(r, n_btt ? n_btt : 1);
    if (st != MSC_OK)
        return st;
    r->m_btt = n_btt;
    for (size_t j = 0; j < n_btt; j++)
        r->btt[j] = btt ? btt[j] : j + 1;

    int fe = s->method == MSC_METHOD_FE;
    if (k == 0 || k < p + (fe ? 0 : 1) - (k == 1 && p == 1 ? 1 : 0)) {
        r->failure = MSC_REGRESS_TOO_FEW;
        return MSC_ERR_INPUT;
    }
    for (size_t i = 0; i < k; i++) {
        int bad = !isfinite(yi[i]) || !isfinite(vi[i]) || !(vi[i] > 0.0);
        for (size_t j = 0; j < m && !bad; j++)
            bad = !isfinite(mods[i * m + j]);
        if (bad) {
            r->failure = MSC_REGRESS_NOT_FINITE;
            return MSC_ERR_INPUT;
        }
    }
    double *scratch = malloc((2 * n_btt * n_btt + 2 * n_btt + 1) * sizeof *scratch);
    msc_reg_ws ws = {0};
    if (!scratch || msc_reg_ws_init(&ws, p, k, s->threads) != MSC_OK) {
        st = MSC_ERR_NOMEM;
        goto out;
    }
    size_t bad = centre_and_check(mods, k, m, priv_center(r), priv_scale(r), priv_inv_scale(r));
    if (bad == (size_t)-1) {
        st = MSC_ERR_NOMEM;
        goto out;
    }
    if (bad) {
        r->failure = MSC_REGRESS_RANK;
        r->dependent = bad;
        st = MSC_ERR_INPUT;
        goto out;
    }
    msc_reg_design d = {k, p, yi, vi, mods, priv_center(r), priv_inv_scale(r), NULL};
    msc_reg_ws_remember(&ws, 1); /* one design: its passes at 0 and at tau^2 serve twice */
    msc_reg_core core;
    if (msc_reg_core_fit(&d, s, &ws, priv_beta(r), priv_vc(r), &core) != 0) {
        r->failure = MSC_REGRESS_RANK; /* X'WX not positive definite after all */
        r->dependent = 0;
        st = MSC_ERR_INPUT;
        goto out;
    }
    r->tau2 = core.tau2;
    r->s2w = core.s2w;
    r->iterations = core.iterations;
    r->converged = core.converged;
    if (!core.converged)
        msc_warn_tau2_not_converged(w, s->method);
    if (fe && s->test == MSC_TEST_KNHA)
        msc_warnings_add(w, "the Knapp-Hartung method is not meant for common-effect models "
                            "(metafor warns the same)");
    if (s->test == MSC_TEST_KNHA && core.s2w == 0.0)
        msc_warnings_add(w, "Knapp-Hartung: the model fits every study exactly, so its variance "
                            "factor is 0 and the intervals have zero width (metafor does the "
                            "same); consider --test z");
    r->df = s->test == MSC_TEST_KNHA ? (double)k - (double)p : NAN;
    coefficients(r);
    if (n_btt > 0)
        omnibus(r, scratch);
    if (heterogeneity(&d, r, &ws) != 0) {
        st = MSC_ERR_INPUT;
        r->failure = MSC_REGRESS_RANK;
        goto out;
    }
    if (!(flags & MSC_REGRESS_NO_R2) && m > 0)
        r_squared(&d, yi, vi, r, &ws);
out:
    free(scratch);
    msc_reg_ws_free(&ws);
    return st;
}

void msc_regress_predict(const msc_regress_model *r, const double *x0, msc_measure m, double nhm,
                         msc_estimate *e)
{
    size_t p = r->p;
    const double *c = priv_center(r), *sc = priv_inv_scale(r), *b = priv_beta(r), *V = priv_vc(r);
    msc_estimate_clear(e);
    double pred = 0, var = 0;
    for (size_t a = 0; a < p; a++) {
        double za = a == 0 ? 1.0 : (x0[a - 1] - c[a - 1]) * sc[a - 1];
        pred += za * b[a];
        for (size_t u = 0; u < p; u++) {
            double zu = u == 0 ? 1.0 : (x0[u - 1] - c[u - 1]) * sc[u - 1];
            var += za * V[a * p + u] * zu;
        }
    }
    e->yi = pred;
    e->se = var >= 0.0 ? sqrt(var) : NAN;
    double df = r->test == MSC_TEST_KNHA ? r->df : NAN;
    msc_estimate_test(e, r->level, df);
    double a2 = (1.0 - r->level) / 2.0;
    double crit = isfinite(df) ? (df > 0 ? msc_qt_upper(a2, df) : NAN) : msc_qnorm_upper(a2);
    double sd = sqrt(var + r->tau2);
    e->pi_lo_yi = pred - crit * sd;
    e->pi_hi_yi = pred + crit * sd;
    e->pi_df = df;
    msc_estimate_backtransform(e, m, nhm);
}
