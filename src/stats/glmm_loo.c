/*
 * A certificate for the GLMM's leave-one-out rows (issue 11, section 6).
 *
 * Each row is refitted exactly as `pool --method GLMM` fits its subset
 * (glmm.c), so that it prints the same bits. What a row does not show is
 * skipped, except what can still change it: the profile search for tau^2's
 * upper bound, whose only trace in a row is the warning when the bound is
 * not found. That search starts at 1.5 tau^ and is over at once when the
 * profile there has already fallen past its cut-off, as it has for almost
 * every row; this file shows that cheaply, so the row need not search.
 *
 * The AGQ log-likelihood is a sum over studies, so without study i it is
 * F(mu, tau) - f_i(mu, tau): the full data's objective less one study's
 * term. Every leave-one-out maximum lies within O(1/k) of the full fit's
 * (mu^, tau^), so F is needed only in a small box there, where it is
 * analytic: a tensor Chebyshev interpolant of N x N nodes (Trefethen,
 * Approximation Theory and Approximation Practice, ch. 8) represents it to
 * about the rounding of the sums themselves, from N^2 evaluations of all k
 * studies made once, and is checked against exact evaluations between its
 * nodes. A second box around (mu, 1.5 tau^) holds the profile there,
 * where the upper bound's search has stepped by then. For row i, the
 * row's own maximum (from its exact fit) and the profile at 1.5 tau are
 * then the interpolant less study i's exact term (one study: O(1)), and
 * the row is certified only when the fall exceeds the cut-off by a whole
 * unit of deviance, some eight orders of magnitude beyond the
 * interpolant's error: the exact search would find the bound by 1.5 tau
 * at the latest, without a warning. Any other row searches exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_glmm.h"

#define NC 10     /* Chebyshev nodes per axis */
#define CLEAR 1.0 /* deviance past the cut-off that certifies a row */
#define PI 3.14159265358979323846

/* F's log-likelihood and gradient over one box, as Chebyshev coefficients. */
typedef struct {
    double mu_c, mu_r, tau_c, tau_r; /* centre and half-width */
    double c[3][NC][NC];             /* ll, d/dmu, d/dtau */
} cheb;

struct msc_glmm_loo {
    msc_glmm_model one; /* the rule, for one study's term */
    cheb fit, prof;     /* around (mu^, tau^) and (mu_p, 1.5 tau^) */
    double crit;        /* the profile's cut-off, chi^2_1(level) */
};

/* ---------------------------------------------------------- Chebyshev */

static void cheb_t(double x, double *T)
{
    T[0] = 1.0;
    T[1] = x;
    for (int j = 2; j < NC; j++)
        T[j] = 2.0 * x * T[j - 1] - T[j - 2];
}

/* The interpolant at (mu, tau): out[0] ll, out[1..2] gradient. 0 outside
 * the box. */
static int cheb_eval(const cheb *C, double mu, double tau, double out[3])
{
    double x = (mu - C->mu_c) / C->mu_r, y = (tau - C->tau_c) / C->tau_r;
    if (!(fabs(x) <= 1.0 && fabs(y) <= 1.0))
        return 0;
    double Tx[NC], Ty[NC];
    cheb_t(x, Tx);
    cheb_t(y, Ty);
    for (int f = 0; f < 3; f++) {
        double s = 0;
        for (int a = 0; a < NC; a++) {
            double r = 0;
            for (int b = 0; b < NC; b++)
                r += C->c[f][a][b] * Ty[b];
            s += Tx[a] * r;
        }
        out[f] = s;
    }
    return 1;
}

/* Interpolates M's objective over the box (from its values at the N x N
 * Chebyshev points of the first kind), then checks it at points between
 * the nodes against exact evaluations. Returns 1 when it holds to `tol`
 * relative to the gradient's range over the box. */
static int cheb_build(cheb *C, msc_glmm_model *M, double mu_c, double mu_r, double tau_c,
                      double tau_r)
{
    C->mu_c = mu_c, C->mu_r = mu_r, C->tau_c = tau_c, C->tau_r = tau_r;
    double val[3][NC][NC], xs[NC];
    for (int j = 0; j < NC; j++)
        xs[j] = cos(PI * (j + 0.5) / NC);
    for (int a = 0; a < NC; a++)
        for (int b = 0; b < NC; b++) {
            msc_glmm_eval ev;
            msc_glmm_evaluate(M, mu_c + mu_r * xs[a], tau_c + tau_r * xs[b], &ev);
            val[0][a][b] = ev.ll;
            val[1][a][b] = ev.g[0];
            val[2][a][b] = ev.g[1];
        }
    /* c_pq = (2 - [p = 0]) (2 - [q = 0]) / N^2 sum_ab f_ab T_p(x_a) T_q(x_b) */
    double T[NC][NC]; /* T[p][a] = cos(pi p (a + 1/2) / N) */
    for (int p = 0; p < NC; p++)
        for (int a = 0; a < NC; a++)
            T[p][a] = cos(PI * p * (a + 0.5) / NC);
    for (int f = 0; f < 3; f++) {
        double tmp[NC][NC]; /* over a: tmp[p][b] */
        for (int p = 0; p < NC; p++)
            for (int b = 0; b < NC; b++) {
                double s = 0;
                for (int a = 0; a < NC; a++)
                    s += T[p][a] * val[f][a][b];
                tmp[p][b] = s * (p ? 2.0 : 1.0) / NC;
            }
        for (int p = 0; p < NC; p++)
            for (int q = 0; q < NC; q++) {
                double s = 0;
                for (int b = 0; b < NC; b++)
                    s += T[q][b] * tmp[p][b];
                C->c[f][p][q] = s * (q ? 2.0 : 1.0) / NC;
            }
    }
    /* the check: between the nodes, where an interpolant errs most */
    double range = 0;
    for (int f = 1; f < 3; f++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int a = 0; a < NC; a++)
            for (int b = 0; b < NC; b++) {
                lo = fmin(lo, val[f][a][b]);
                hi = fmax(hi, val[f][a][b]);
            }
        range = fmax(range, hi - lo);
    }
    static const double chk[4][2] = {{0.93, -0.41}, {-0.67, 0.88}, {0.05, 0.02}, {-0.97, -0.99}};
    for (int q = 0; q < 4; q++) {
        double mu = mu_c + mu_r * chk[q][0], tau = tau_c + tau_r * chk[q][1], s[3];
        msc_glmm_eval ev;
        msc_glmm_evaluate(M, mu, tau, &ev);
        if (!cheb_eval(C, mu, tau, s))
            return 0;
        for (int f = 1; f < 3; f++)
            if (!(fabs(s[f] - ev.g[f - 1]) <= 1e-10 * range))
                return 0;
        if (!(fabs(s[0] - ev.ll) <= 1e-12 * fabs(ev.ll) + 1e-8))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------- one study out */

/* The objective of the studies without one (x, n) at (mu, tau): the
 * interpolant less the study's own term, evaluated exactly. *z carries the
 * study's conditional mode from call to call. */
static int term_out(const msc_glmm_loo *L, const cheb *C, double x, double n, double *z, double mu,
                    double tau, double out[3])
{
    if (!cheb_eval(C, mu, tau, out))
        return 0;
    msc_glmm_pair p = {x, n, 1.0, *z};
    msc_glmm_model one = L->one;
    one.u = &p;
    one.nu = 1;
    msc_glmm_eval ev;
    msc_glmm_evaluate(&one, mu, tau, &ev);
    *z = p.zhat;
    /* glmm_quad.c's mode search can stall between the two flat arms of
     * h' from a start far from the mode (the fits start from 0 and move
     * little); a row whose mode is not one is refitted */
    double e = exp(-fabs(mu + tau * p.zhat)),
           pr = mu + tau * p.zhat >= 0 ? 1 / (1 + e) : e / (1 + e);
    if (!(fabs(tau * (x - n * pr) - p.zhat) <= 1e-9 * (1.0 + fabs(p.zhat) + tau * n)))
        return 0;
    out[0] -= ev.ll;
    out[1] -= ev.g[0];
    out[2] -= ev.g[1];
    return isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]);
}

/* Newton's method for the maximum over mu of the objective without (x, n)
 * at fixed tau, from *mu, with the curvature by central differences of the
 * gradient. 1 when it converged inside the box; *ll its value. */
static int newton_mu(const msc_glmm_loo *L, const cheb *C, double x, double n, double *mu,
                     double tau, double *ll)
{
    double m = *mu, z = 0.0, g[3], a[3], b[3]; /* z: where the fits start */
    for (int it = 0; it < 50; it++) {
        double hm = 1e-5 * fmax(1.0, fabs(m));
        if (!term_out(L, C, x, n, &z, m, tau, g) || !term_out(L, C, x, n, &z, m + hm, tau, a) ||
            !term_out(L, C, x, n, &z, m - hm, tau, b))
            return 0;
        double H00 = (a[1] - b[1]) / (2 * hm);
        if (!(H00 < 0.0))
            return 0;
        double d0 = -g[1] / H00;
        m += d0;
        if (fabs(d0) <= 1e-14 * (1.0 + fabs(m))) {
            if (!term_out(L, C, x, n, &z, m, tau, g))
                return 0;
            *mu = m;
            *ll = g[0];
            return 1;
        }
    }
    return 0;
}

int msc_glmm_loo_profile_clear(const msc_glmm_loo *L, double x, double n, double mu, double tau)
{
    if (!L || !(tau > 0.0))
        return 0;
    double z = 0.0, at[3];
    if (!term_out(L, &L->fit, x, n, &z, mu, tau, at))
        return 0; /* the row's maximum is outside the box */
    double mp = L->prof.mu_c, llp;
    if (!newton_mu(L, &L->prof, x, n, &mp, 1.5 * tau, &llp))
        return 0;
    return 2.0 * (at[0] - llp) - L->crit > CLEAR;
}

/* ------------------------------------------------------------- set-up */

msc_status msc_glmm_loo_build(const double *xi, const double *ni, size_t k, const msc_settings *s,
                              double mu_hat, double tau_hat, msc_glmm_loo **out)
{
    *out = NULL;
    if (k < 3 || !(tau_hat > 0.0) || !isfinite(mu_hat))
        return MSC_OK;
    msc_glmm_loo *L = calloc(1, sizeof *L);
    if (!L)
        return MSC_ERR_NOMEM;
    msc_glmm_model M;
    if (msc_glmm_model_init(&M, xi, ni, k, s->nagq, s->threads) != MSC_OK) {
        free(L);
        return MSC_ERR_NOMEM;
    }
    L->one = M;
    L->one.u = NULL;
    L->one.nu = 0;
    L->one.part = NULL;
    L->one.threads = 1;
    L->crit = msc_qchisq(1.0 - s->level, 1.0, 1);
    /* The Hessian at the maximum, and each study's one-step displacement
     * H^-1 g_i (the gradient of the rest is -g_i there): the box holds
     * them all, with room. */
    double hm = 1e-5 * fmax(1.0, fabs(mu_hat)), ht = 1e-5 * fmax(1.0, tau_hat);
    msc_glmm_eval a, b;
    msc_glmm_evaluate(&M, mu_hat + hm, tau_hat, &a);
    msc_glmm_evaluate(&M, mu_hat - hm, tau_hat, &b);
    double H00 = (a.g[0] - b.g[0]) / (2 * hm), H10 = (a.g[1] - b.g[1]) / (2 * hm);
    msc_glmm_evaluate(&M, mu_hat, tau_hat + ht, &a);
    msc_glmm_evaluate(&M, mu_hat, tau_hat - ht, &b);
    double H01 = (a.g[0] - b.g[0]) / (2 * ht), H11 = (a.g[1] - b.g[1]) / (2 * ht);
    double off = 0.5 * (H01 + H10), det = H00 * H11 - off * off;
    int ok = H00 < 0 && det > 0;
    double rm = 0, rt = 0;
    for (size_t u = 0; ok && u < M.nu; u++) {
        msc_glmm_pair p = M.u[u];
        p.m = 1.0;
        msc_glmm_model one = L->one;
        one.u = &p;
        one.nu = 1;
        msc_glmm_eval e;
        msc_glmm_evaluate(&one, mu_hat, tau_hat, &e);
        double d0 = (H11 * e.g[0] - off * e.g[1]) / det;
        double d1 = (H00 * e.g[1] - off * e.g[0]) / det;
        rm = fmax(rm, fabs(d0));
        rt = fmax(rt, fabs(d1));
    }
    /* Room for the second-order error of the one-step guess; a box too wide
     * for the interpolant to hold (one study moves the fit far) is
     * rejected by its check, and every row is then refitted. */
    rm = 2.0 * rm + 1e-6 * fmax(1.0, fabs(mu_hat));
    rt = 2.0 * rt + 1e-6 * tau_hat;
    ok = ok && isfinite(rm) && isfinite(rt) && rt < 0.5 * tau_hat;
    ok = ok && cheb_build(&L->fit, &M, mu_hat, rm, tau_hat, rt);
    if (ok) {
        /* the profile's box: around its argmax over mu at 1.5 tau^ */
        double mp = mu_hat;
        msc_glmm_profile_mu(&M, 1.5 * tau_hat, &mp, NULL);
        ok = isfinite(mp) && cheb_build(&L->prof, &M, mp, 2.0 * rm, 1.5 * tau_hat, 1.5 * rt);
    }
    msc_glmm_model_free(&M);
    if (!ok) {
        free(L);
        return MSC_OK;
    }
    *out = L;
    return MSC_OK;
}

void msc_glmm_loo_free(msc_glmm_loo *L) { free(L); }
