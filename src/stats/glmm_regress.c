/*
 * The binomial-normal GLMM with moderators, as metafor's
 * rma.glmm(measure = "PLO", mods = ..., method = "ML") fits it through
 * lme4's glmer(cbind(x, n - x) ~ X - 1 + (1 | study), nAGQ = 7):
 *
 *     x_i ~ Binomial(n_i, expit(x_i' beta + tau z_i)),   z_i ~ N(0, 1).
 *
 * Each study's marginal likelihood is the adaptive Gauss-Hermite integral
 * of the intercept-only engine (glmm_quad.c) at the offset eta_i = x_i'beta:
 * a study's terms depend on beta only through eta_i, so the gradient in
 * beta is sum_i (d ll_i / d eta_i) x_i and the Hessian a sum of p x p outer
 * products: O(k p^2) per Newton step, O(k p) memory, nothing k x k.
 *
 * The SEs are lme4's for nAGQ > 1: vcov(glmer) inverts the finite-
 * difference Hessian of the deviance over (theta, beta) (theta = tau here)
 * and keeps the beta block; here the Hessian is by central differences of
 * the exact gradient. The columns are centred and scaled as the
 * inverse-variance engine does (regress_fit.c), which also checks the
 * design's rank, computes metafor's typical within-study variance for I^2
 * and holds the fit for predictions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "msc_glmm.h"
#include "msc_regress.h"

#define MAX_NEWTON 300
#define TAU_MIN 1e-5 /* below this the fit is on the boundary tau = 0 */
#define TAU_MAX 1e3  /* beyond this tau^2 diverges */
#define ETA_MAX 30.0 /* a linear predictor beyond this: a coefficient diverges */

/* The model: the studies as quadrature pairs (x, n, 1, warm start) and the
 * centred design. */
typedef struct {
    msc_glmm_model M; /* the rule; M.u points at one study at a time */
    msc_glmm_pair *u; /* k */
    const double *xi, *ni;
    msc_reg_design d;
    double *z; /* a design row */
} gmodel;

/* log(1 + e^eta) and expit(eta) without overflow. */
static void logistic(double eta, double *l1pe, double *p)
{
    double e = exp(-fabs(eta));
    *l1pe = (eta > 0 ? eta : 0.0) + log1p(e);
    *p = eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

static double linear(const gmodel *g, size_t i, const double *beta)
{
    msc_reg_row(&g->d, i, g->z);
    double eta = 0;
    for (size_t a = 0; a < g->d.p; a++)
        eta += g->z[a] * beta[a];
    return eta;
}

/* The AGQ log-likelihood at (beta, tau > 0), its exact gradient g (p + 1:
 * beta, then tau) and, when H is not NULL, the Louis Hessian ((p + 1)^2,
 * row-major); on the scale of msc_glmm_loglik. Returns ll. */
static double evaluate(gmodel *g, const double *beta, double tau, double *gr, double *H)
{
    size_t p = g->d.p, q = p + 1;
    double ll = 0;
    memset(gr, 0, q * sizeof *gr);
    if (H)
        memset(H, 0, q * q * sizeof *H);
    for (size_t i = 0; i < g->d.k; i++) {
        double eta = linear(g, i, beta);
        msc_glmm_eval ev;
        g->M.u = &g->u[i];
        g->M.nu = 1;
        msc_glmm_evaluate(&g->M, eta, tau, &ev);
        ll += ev.ll;
        for (size_t a = 0; a < p; a++)
            gr[a] += ev.g[0] * g->z[a];
        gr[p] += ev.g[1];
        if (H) {
            for (size_t a = 0; a < p; a++) {
                for (size_t b = 0; b <= a; b++)
                    H[a * q + b] += ev.h[0] * g->z[a] * g->z[b];
                H[p * q + a] += ev.h[1] * g->z[a];
            }
            H[p * q + p] += ev.h[2];
        }
    }
    if (H)
        for (size_t a = 0; a < q; a++)
            for (size_t b = 0; b < a; b++)
                H[b * q + a] = H[a * q + b];
    return ll;
}

/* The log-likelihood at tau = 0 on the same scale (the rule is exact). */
static double loglik_tau0(gmodel *g, const double *beta)
{
    double ll = 0;
    for (size_t i = 0; i < g->d.k; i++) {
        double l, pr, eta = linear(g, i, beta);
        logistic(eta, &l, &pr);
        ll += g->xi[i] * eta - g->ni[i] * l;
    }
    return ll;
}

/* Solves (A) x = b for symmetric positive definite A (n x n, overwritten
 * by its factor); with inv, A is replaced by its inverse instead. Returns
 * 0, or -1 when A is not positive definite. */
static int spd_solve(double *A, size_t n, const double *b, double *x, int inv)
{
    gsl_matrix_view Av = gsl_matrix_view_array(A, n, n);
    if (gsl_linalg_cholesky_decomp1(&Av.matrix) != GSL_SUCCESS)
        return -1;
    if (inv)
        return gsl_linalg_cholesky_invert(&Av.matrix) == GSL_SUCCESS ? 0 : -1;
    gsl_vector_const_view bv = gsl_vector_const_view_array(b, n);
    gsl_vector_view xv = gsl_vector_view_array(x, n);
    return gsl_linalg_cholesky_solve(&Av.matrix, &bv.vector, &xv.vector) == GSL_SUCCESS ? 0 : -1;
}

/* Logistic regression (tau = 0) by Newton (IRLS): beta (p) from its start,
 * V = (Z'WZ)^-1 when V is not NULL, *ll its log-likelihood. Returns 0, or
 * -1 when it does not converge (separation: a coefficient runs off). */
static int logistic_fit(gmodel *g, double *beta, double *V, double *ll, double *work)
{
    size_t p = g->d.p, k = g->d.k;
    double *A = work, *c = A + p * p, *step = c + p;
    for (int it = 0; it < 100; it++) {
        memset(A, 0, p * p * sizeof *A);
        memset(c, 0, p * sizeof *c);
        int far = 0;
        for (size_t i = 0; i < k; i++) {
            double l, pr, eta = linear(g, i, beta);
            logistic(eta, &l, &pr);
            far |= fabs(eta) > ETA_MAX;
            double wgt = g->ni[i] * pr * (1.0 - pr), r = g->xi[i] - g->ni[i] * pr;
            for (size_t a = 0; a < p; a++) {
                c[a] += r * g->z[a];
                for (size_t b = 0; b <= a; b++)
                    A[a * p + b] += wgt * g->z[a] * g->z[b];
            }
        }
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < a; b++)
                A[b * p + a] = A[a * p + b];
        if (far && it >= 10) /* not a first overshoot: separation drives eta on */
            return -1;
        if (V) {
            memcpy(V, A, p * p * sizeof *V);
            if (spd_solve(V, p, NULL, NULL, 1) != 0)
                return -1;
        }
        if (spd_solve(A, p, c, step, 0) != 0)
            return -1;
        double mx = 0;
        for (size_t a = 0; a < p; a++) {
            beta[a] += step[a];
            mx = fmax(mx, fabs(step[a]));
        }
        if (mx < 1e-10) {
            *ll = loglik_tau0(g, beta);
            return 0;
        }
    }
    return -1;
}

/* Replaces H with central differences of the exact gradient over (beta,
 * tau) (symmetrised); h is the relative step. 2 (p + 1) evaluations. */
static void hessian_fd(gmodel *g, const double *beta, double tau, double h, double *H, double *work)
{
    size_t p = g->d.p, q = p + 1;
    double *th = work, *ga = th + q, *gb = ga + q;
    for (size_t j = 0; j < q; j++) {
        memcpy(th, beta, p * sizeof *th);
        th[p] = tau;
        double s = h * fmax(1.0, fabs(th[j]));
        th[j] += s;
        evaluate(g, th, th[p], ga, NULL);
        th[j] -= 2 * s;
        evaluate(g, th, th[p], gb, NULL);
        for (size_t a = 0; a < q; a++)
            H[a * q + j] = (ga[a] - gb[a]) / (2 * s);
    }
    for (size_t a = 0; a < q; a++)
        for (size_t b = 0; b < a; b++)
            H[a * q + b] = H[b * q + a] = 0.5 * (H[a * q + b] + H[b * q + a]);
}

/* Damped Newton on (beta, rho = log tau), as msc_glmm_maximise for one
 * intercept. Returns 1 at an interior maximum (*ll), 0 when tau fell to the
 * boundary, -1 when it failed, tau diverged or a linear predictor ran off. */
static int maximise(gmodel *g, double *beta, double *tau, double *ll, int *iters, double *work)
{
    size_t p = g->d.p, q = p + 1;
    double *gr = work, *H = gr + q, *A = H + q * q, *d = A + q * q, *nb = d + q, *ngr = nb + q,
           *fdw = ngr + q;
    double rho = log(*tau);
    double cur = evaluate(g, beta, exp(rho), gr, H);
    int exact = g->M.nagq <= 2, damped = 0;
    for (int it = 1; it <= MAX_NEWTON; it++) {
        *iters = it;
        double t = exp(rho);
        if (exact)
            hessian_fd(g, beta, t, 1e-6, H, fdw);
        /* to (beta, rho): g_rho = t g_tau, H_rho,rho = t^2 H_tt + t g_tau */
        double gt = gr[p];
        gr[p] = t * gt;
        for (size_t a = 0; a < p; a++)
            H[a * q + p] = H[p * q + a] = t * H[p * q + a];
        H[p * q + p] = t * t * H[p * q + p] + t * gt;
        double diag = 0;
        for (size_t a = 0; a < q; a++)
            diag += fabs(H[a * q + a]);
        double lam = 0;
        int ok = 0;
        for (int tries = 0; tries < 60 && !ok; tries++) {
            for (size_t a = 0; a < q * q; a++)
                A[a] = -H[a];
            for (size_t a = 0; a < q; a++)
                A[a * q + a] += lam;
            ok = spd_solve(A, q, gr, d, 0) == 0;
            if (!ok)
                lam = lam ? lam * 4.0 : 1e-6 * (1.0 + diag);
        }
        if (!ok)
            return -1;
        double big = 0;
        for (size_t a = 0; a < q; a++)
            big = fmax(big, fabs(d[a]));
        if (lam == 0.0 && big < 1e-9 && t > TAU_MIN) {
            for (size_t a = 0; a < p; a++)
                beta[a] += d[a];
            *tau = exp(rho + d[p]);
            *ll = cur;
            return 1;
        }
        double scale = fmax(big / 5.0, fabs(d[p]) / 2.0);
        if (scale > 1.0)
            for (size_t a = 0; a < q; a++)
                d[a] /= scale;
        double step = 1.0, nl = -INFINITY, nr = rho;
        int accepted = 0;
        for (int ls = 0; ls < 40; ls++) {
            for (size_t a = 0; a < p; a++)
                nb[a] = beta[a] + step * d[a];
            nr = rho + step * d[p];
            nl = evaluate(g, nb, exp(nr), ngr, H);
            if (isfinite(nl) && nl >= cur - 1e-12 * fabs(cur)) {
                accepted = 1;
                break;
            }
            step /= 2.0;
        }
        if (!accepted)
            return -1;
        double moved = 0;
        for (size_t a = 0; a < p; a++)
            moved = fmax(moved, fabs(nb[a] - beta[a]));
        moved = fmax(moved, fabs(nr - rho));
        memcpy(beta, nb, p * sizeof *beta);
        memcpy(gr, ngr, q * sizeof *gr);
        rho = nr;
        cur = nl;
        damped = step < 1.0 ? damped + 1 : 0;
        if (damped >= 2)
            exact = 1;
        double tn = exp(rho);
        if (tn < TAU_MIN && gr[p] * tn < 1e-6) {
            *tau = 0.0;
            return 0;
        }
        if (tn > TAU_MAX)
            return -1;
        for (size_t i = 0; i < g->d.k; i++)
            if (fabs(linear(g, i, beta)) > 50.0)
                return -1;
        double gmax = 0;
        for (size_t a = 0; a < p; a++)
            gmax = fmax(gmax, fabs(gr[a]));
        gmax = fmax(gmax, fabs(tn * gr[p]));
        if (moved < 1e-11 && gmax < 1e-6 * (1.0 + fabs(cur))) {
            *tau = tn;
            *ll = cur;
            return 1;
        }
    }
    return -1;
}

/* Fits the model on design d: sets beta (p), V (p x p), tau, *ll, the
 * common-effect (logistic regression) log-likelihood *ll_fe and *rc: 1
 * interior maximum, 0 boundary (tau = 0: the logistic regression), 2 an
 * interior maximum within the quadrature's error of the boundary (reported
 * as the boundary), -1 the logistic regression diverged (separation; beta
 * holds its last iterate), -2 the random-effects fit failed (beta: its
 * last iterate). Returns MSC_OK or MSC_ERR_NOMEM. */
static msc_status fit_design(const double *xi, const double *ni, const msc_reg_design *d, int nagq,
                             double *beta, double *V, double *tau, double *ll, double *ll_fe,
                             int *iters, int *rc)
{
    size_t k = d->k, p = d->p, q = p + 1;
    gmodel g;
    memset(&g, 0, sizeof g);
    g.xi = xi;
    g.ni = ni;
    g.d = *d;
    g.u = malloc(k * sizeof *g.u);
    double *work = malloc((8 * q * q + 16 * q + 8) * sizeof *work);
    g.z = malloc(p * sizeof *g.z);
    if (!g.u || !work || !g.z || msc_glmm_model_rule(&g.M, nagq) != MSC_OK) {
        free(g.u);
        free(work);
        free(g.z);
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < k; i++)
        g.u[i] = (msc_glmm_pair){xi[i], ni[i], 1.0, 0.0};
    double sx = 0, sn = 0;
    for (size_t i = 0; i < k; i++) {
        sx += xi[i];
        sn += ni[i];
    }
    double *b0 = work + 4 * q * q + 8 * q, *V0 = work + 2 * q * q + 8 * q,
           *H = work + 3 * q * q + 8 * q; /* after maximise's 2 q^2 + 7 q */
    memset(b0, 0, p * sizeof *b0);
    b0[0] = log(sx / (sn - sx));
    double ll0 = -INFINITY;
    *iters = 0;
    if (logistic_fit(&g, b0, V0, &ll0, work) != 0) {
        memcpy(beta, b0, p * sizeof *beta);
        *rc = -1;
        goto out;
    }
    *ll_fe = ll0;
    /* the common-effect fit is the boundary answer */
    memcpy(beta, b0, p * sizeof *beta);
    memcpy(V, V0, p * p * sizeof *V);
    *tau = 0.0;
    *ll = ll0;
    *rc = 0;
    double t = 1.0, lli = -INFINITY; /* lme4 starts at tau = 1 */
    double *bb = malloc(p * sizeof *bb);
    if (!bb) {
        free(g.u);
        free(work);
        free(g.z);
        return MSC_ERR_NOMEM;
    }
    memcpy(bb, b0, p * sizeof *bb);
    int r = maximise(&g, bb, &t, &lli, iters, work);
    if (r == 1 && lli < ll0)
        r = 0;
    if (r == 1 && nagq < 32 && lli - ll0 < 10.0) {
        /* as glmm.c: a maximum above the boundary by no more than the
         * quadrature's own error (a finer rule) is not identified */
        msc_glmm_model F = g.M;
        if (msc_glmm_model_rule(&g.M, 2 * nagq + 1) == MSC_OK) {
            double *gr = work;
            double fine = evaluate(&g, bb, t, gr, NULL);
            if (!(lli - ll0 > 2.0 * fabs(fine - lli)))
                r = 2;
        }
        g.M = F;
    }
    if (r == 1) {
        hessian_fd(&g, bb, t, 1e-5, H, work);
        for (size_t a = 0; a < q * q; a++)
            H[a] = -H[a];
        if (spd_solve(H, q, NULL, NULL, 1) != 0) {
            r = -2;
        } else {
            memcpy(beta, bb, p * sizeof *beta);
            for (size_t a = 0; a < p; a++)
                for (size_t c = 0; c < p; c++)
                    V[a * p + c] = H[a * q + c];
            *tau = t;
            *ll = lli;
        }
    } else if (r == -1) {
        memcpy(beta, bb, p * sizeof *beta);
        r = -2;
    }
    *rc = r;
    free(bb);
out:
    free(g.u);
    free(work);
    free(g.z);
    return MSC_OK;
}

/* ------------------------------------------------------ the public fit */

/* Whether the n rows (1, X[i][0..m)) are linearly independent (n <= m):
 * modified Gram-Schmidt, each row's remainder against the rows before
 * it, relative to its own length. O(n^2 m), with n <= m. */
static int rows_independent(const double *X, size_t n, size_t m)
{
    size_t p = m + 1;
    double *Q = malloc(n * p * sizeof *Q);
    if (!Q)
        return 0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        double *q = Q + i * p, len0 = 1.0;
        q[0] = 1.0;
        for (size_t j = 0; j < m; j++) {
            q[j + 1] = X[i * m + j];
            len0 += q[j + 1] * q[j + 1];
        }
        for (size_t a = 0; a < i; a++) {
            const double *e = Q + a * p; /* unit length */
            double d = 0;
            for (size_t j = 0; j < p; j++)
                d += q[j] * e[j];
            for (size_t j = 0; j < p; j++)
                q[j] -= d * e[j];
        }
        double len = 0;
        for (size_t j = 0; j < p; j++)
            len += q[j] * q[j];
        if (!(len > 1e-20 * len0))
            ok = 0;
        else
            for (size_t j = 0; j < p; j++)
                q[j] /= sqrt(len);
    }
    free(Q);
    return ok;
}

/* rma.glmm's Wald test of residual heterogeneity: the saturated model's
 * study terms tested jointly, which is the common-effect meta-regression's
 * QE on the uncorrected logits (weights 1/v_i); a study with 0 or n events
 * has an infinite logit of zero weight (glm's finite iterate adds ~1e-6)
 * and is left out. 0 when fewer studies remain than coefficients and their
 * rows of the design are independent (an exact fit); NAN when none
 * remains, or the rest cannot be fitted. */
static double qe_wald(const double *xi, const double *ni, size_t k, const double *mods, size_t m,
                      const msc_settings *s)
{
    double *buf = malloc((2 * k + k * m + 1) * sizeof *buf);
    if (!buf)
        return NAN;
    double *y = buf, *v = y + k, *X = v + k;
    size_t kk = 0;
    for (size_t i = 0; i < k; i++) {
        double x = xi[i], n = ni[i];
        if (!(x > 0 && x < n))
            continue;
        y[kk] = log(x / (n - x));
        v[kk] = 1.0 / x + 1.0 / (n - x);
        if (m)
            memcpy(X + kk * m, mods + i * m, m * sizeof *X);
        kk++;
    }
    double qe = NAN;
    msc_settings fe = *s;
    fe.method = MSC_METHOD_FE;
    fe.test = MSC_TEST_Z;
    msc_regress_model r = {0}; /* freed below whether or not it was fitted */
    msc_warnings w = {0};
    /* Fewer studies with 0 < x < n than coefficients: when their rows of
     * the design are independent, the common-effect model fits their
     * logits exactly and QE is 0, the others adding nothing (metafor's
     * glm gives 2.3e-7 for 0/10, 0/12, 3/15, 0/20 with one moderator). */
    if (kk > 0 && kk <= m && rows_independent(X, kk, m))
        qe = 0.0;
    if (kk > m && msc_regress_fit(y, v, kk, m ? X : NULL, m, &fe, NULL, m, MSC_REGRESS_NO_R2, &r,
                                  &w) == MSC_OK)
        qe = r.QE;
    msc_regress_model_free(&r);
    msc_warnings_clear(&w);
    free(buf);
    return qe;
}

/* The saturated log-likelihood on the scale of loglik_tau0. */
static double loglik_saturated(const double *xi, const double *ni, size_t k)
{
    double ll = 0;
    for (size_t i = 0; i < k; i++) {
        double x = xi[i], n = ni[i];
        if (x > 0)
            ll += x * log(x / n);
        if (x < n)
            ll += (n - x) * log((n - x) / n);
    }
    return ll;
}

/* The coefficient (1-based column; 0 the intercept) with the largest
 * scaled value: the one running off when a fit diverges. */
static size_t largest(const double *beta_c, size_t p)
{
    size_t j = p > 1 ? 1 : 0;
    for (size_t a = 1; a < p; a++)
        if (fabs(beta_c[a]) > fabs(beta_c[j]))
            j = a;
    return j;
}

msc_status msc_regress_fit_glmm(const double *xi, const double *ni, const double *yi,
                                const double *vi, size_t k, const double *mods, size_t m,
                                const msc_settings *s, const size_t *btt, size_t n_btt,
                                msc_regress_model *r, msc_warnings *w)
{
    if (s->method != MSC_METHOD_GLMM || s->test != MSC_TEST_Z || s->measure != MSC_PLO) {
        memset(r, 0, sizeof *r);
        return MSC_ERR_USAGE;
    }
    /* The inverse-variance common-effect fit checks the design, centres
     * it, sets btt and gives metafor's typical variance vt for I^2. */
    msc_settings fe = *s;
    fe.method = MSC_METHOD_FE;
    msc_warnings none = {0};
    /* with --cc 0 a study at 0 or n has no finite logit: for I^2 take
     * escalc's, as rma.glmm does (add 1/2 to such studies) */
    double *own = NULL;
    for (size_t i = 0; i < k && !own; i++) {
        if (isfinite(yi[i]) && isfinite(vi[i]) && vi[i] > 0)
            continue;
        if (!(own = malloc(2 * k * sizeof *own)))
            return MSC_ERR_NOMEM;
        for (size_t j = 0; j < k; j++)
            msc_effect_compute(MSC_PLO, xi[j], ni[j], 0.5, MSC_CC_ONLY0, 0, &own[j], &own[k + j]);
        yi = own;
        vi = own + k;
    }
    msc_status st =
        msc_regress_fit(yi, vi, k, mods, m, &fe, btt, n_btt, MSC_REGRESS_NO_R2, r, &none);
    msc_warnings_clear(&none);
    free(own);
    r->method = MSC_METHOD_GLMM;
    r->loglik = r->QE_lrt = r->QE_lrt_p = r->LRT = r->LRT_df = r->LRT_p = r->tau2_null = NAN;
    r->R2 = r->tau2_intercept = NAN;
    if (st != MSC_OK)
        return st;
    size_t p = m + 1;
    if (k < p + 1) { /* p coefficients and tau^2 */
        r->failure = MSC_REGRESS_TOO_FEW;
        return MSC_ERR_INPUT;
    }
    double sx = 0, sn = 0;
    for (size_t i = 0; i < k; i++) {
        sx += xi[i];
        sn += ni[i];
    }
    if (sx == 0 || sx == sn) {
        r->failure = MSC_REGRESS_NO_VARIATION;
        return MSC_ERR_INPUT;
    }
    double *center = r->priv, *inv_scale = r->priv + 2 * m, *beta_c = r->priv + 3 * m,
           *V_c = beta_c + p;
    msc_reg_design d = {k, p, NULL, NULL, mods, center, inv_scale, NULL}; /* no y, v: counts */
    double tau = 0, ll = NAN, ll_fe = NAN;
    int iters = 0, rc = 0;
    st = fit_design(xi, ni, &d, s->nagq, beta_c, V_c, &tau, &ll, &ll_fe, &iters, &rc);
    if (st != MSC_OK)
        return st;
    r->iterations = iters;
    if (rc < 0) {
        r->failure = rc == -1 ? MSC_REGRESS_SEPARATION : MSC_REGRESS_NOT_CONVERGED;
        r->dependent = largest(beta_c, p);
        r->converged = 0;
        return MSC_ERR_INPUT;
    }
    if (rc == 0 || rc == 2)
        msc_warnings_add(w,
                         "%s, so the model is the common-effect logistic regression: the "
                         "coefficients and their SEs are its own (Fisher information), and "
                         "tau^2 = 0",
                         rc == 0 ? "the GLMM's tau^2 is at its boundary of 0 (lme4: \"singular "
                                   "fit\")"
                                 : "the GLMM likelihood is flat in tau^2 (its maximum is no "
                                   "higher than at tau^2 = 0 beyond the accuracy of the "
                                   "quadrature)");
    r->tau2 = tau * tau;
    r->loglik = ll;
    r->df = NAN;
    r->s2w = 1.0;

    /* coefficients, z tests, QM (on the original scale) */
    msc_reg_to_original(p, center, inv_scale, beta_c, V_c, r->beta, r->vb);
    double crit = msc_qnorm_upper((1.0 - r->level) / 2.0);
    for (size_t j = 0; j < p; j++) {
        double v = r->vb[j * p + j];
        r->se[j] = v >= 0.0 ? sqrt(v) : NAN;
        r->stat[j] = r->beta[j] / r->se[j];
        r->pval[j] = 2.0 * gsl_cdf_ugaussian_Q(fabs(r->stat[j]));
        r->ci_lo[j] = r->beta[j] - crit * r->se[j];
        r->ci_hi[j] = r->beta[j] + crit * r->se[j];
    }
    if (r->m_btt > 0) {
        size_t mb = r->m_btt;
        double *scratch = malloc((2 * mb * mb + 2 * mb + 1) * sizeof *scratch);
        if (!scratch)
            return MSC_ERR_NOMEM;
        r->QM = msc_reg_qm(p, center, inv_scale, beta_c, V_c, r->btt, mb, scratch);
        r->QM_df = (double)mb;
        r->QM_p = msc_pchisq(r->QM, (double)mb, 1);
        free(scratch);
    }

    /* residual heterogeneity (rma.glmm's QE.Wld and QE.LRT on k - p df) */
    double dfr = (double)k - (double)p;
    r->QE_df = dfr;
    r->QE = qe_wald(xi, ni, k, mods, m, s);
    if (r->QE < 0)
        r->QE = 0;
    r->QE_lrt = fmax(0.0, 2.0 * (loglik_saturated(xi, ni, k) - ll_fe));
    r->QE_p = dfr > 0 ? msc_pchisq(r->QE, dfr, 1) : 1.0;
    r->QE_lrt_p = dfr > 0 ? msc_pchisq(r->QE_lrt, dfr, 1) : 1.0;
    r->I2 = 100.0 * r->tau2 / (r->vt + r->tau2);
    r->H2 = r->tau2 / r->vt + 1.0;

    /* the moderators against the intercept-only GLMM */
    if (m > 0) {
        msc_reg_design d0 = {k, 1, NULL, NULL, mods, center, inv_scale, NULL};
        double b0, V0, tau0 = 0, ll0 = NAN, llfe0 = NAN;
        int it0 = 0, rc0 = 0;
        st = fit_design(xi, ni, &d0, s->nagq, &b0, &V0, &tau0, &ll0, &llfe0, &it0, &rc0);
        if (st != MSC_OK)
            return st;
        if (rc0 >= 0) {
            r->tau2_null = tau0 * tau0;
            r->LRT = fmax(0.0, 2.0 * (ll - ll0));
            r->LRT_df = (double)m;
            r->LRT_p = msc_pchisq(r->LRT, (double)m, 1);
        } else {
            msc_warnings_add(w, "the intercept-only GLMM could not be fitted, so the "
                                "likelihood-ratio test of the moderators is not available");
        }
    }
    return MSC_OK;
}
