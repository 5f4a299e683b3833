/*
 * The GLMM's leave-one-out refits without refitting (issue 11, section 6).
 *
 * The AGQ log-likelihood is a sum over studies, so without study i it is
 * F(mu, tau) - f_i(mu, tau): the full data's objective less one study's
 * term. Every leave-one-out maximum lies within O(1/k) of the full fit's
 * (mu^, tau^), so F and its gradient are needed only in a small box there,
 * where they are analytic: a tensor Chebyshev interpolant of N x N nodes
 * (Trefethen, Approximation Theory and Approximation Practice, ch. 8)
 * represents them to about the rounding of the sums themselves, from N^2
 * evaluations of all k studies made once. Each row is then Newton's method
 * on the interpolant less study i's exact term (one study: O(1)), and
 * lme4's variance of mu is glmm_quad.c's central differences of that
 * gradient, with the same steps. A second box around (mu, 1.5 tau^) gives
 * the first step of the profile search for tau^2's upper bound, whose
 * only trace in a leave-one-out row is the warning when it is not found.
 *
 * The interpolant is checked against exact evaluations at points off its
 * nodes; a row is declined (refitted from scratch) when its maximum leaves
 * the box, when its likelihood comes near a threshold of the fit's policy
 * (tau^2 = 0 against the interior; the finer rule's check), or when the
 * profile step is not clearly past its cut-off. The rows then agree with
 * separate fits to the convergence of those fits (about 1e-10 relative),
 * not bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_glmm.h"

#define NC 10          /* Chebyshev nodes per axis */
#define TAU_MIN 1e-5   /* glmm_quad.c's boundary */
#define FLAT_GAIN 10.5 /* glmm.c checks a finer rule below a gain of 10; margin */
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

/* Newton's method for the maximum of the objective without (x, n) over
 * (mu, tau) (both free, or mu alone when `mu_only`), from *mu, *tau, with
 * the Hessian by central differences of the gradient. 1 when it converged
 * inside the box; *ll its value. */
static int newton(const msc_glmm_loo *L, const cheb *C, double x, double n, int mu_only, double *mu,
                  double *tau, double *ll)
{
    double m = *mu, t = *tau, z = 0.0, g[3], a[3], b[3]; /* z: where the fits start */
    for (int it = 0; it < 50; it++) {
        if (!term_out(L, C, x, n, &z, m, t, g))
            return 0;
        double hm = 1e-5 * fmax(1.0, fabs(m)), ht = 1e-5 * fmax(1.0, t);
        if (!term_out(L, C, x, n, &z, m + hm, t, a) || !term_out(L, C, x, n, &z, m - hm, t, b))
            return 0;
        double H00 = (a[1] - b[1]) / (2 * hm), H10 = (a[2] - b[2]) / (2 * hm);
        double d0, d1 = 0.0;
        if (mu_only) {
            if (!(H00 < 0.0))
                return 0;
            d0 = -g[1] / H00;
        } else {
            if (!term_out(L, C, x, n, &z, m, t + ht, a) || !term_out(L, C, x, n, &z, m, t - ht, b))
                return 0;
            double H01 = (a[1] - b[1]) / (2 * ht), H11 = (a[2] - b[2]) / (2 * ht);
            double off = 0.5 * (H01 + H10), det = H00 * H11 - off * off;
            if (!(H00 < 0.0 && det > 0.0))
                return 0;
            d0 = -(H11 * g[1] - off * g[2]) / det;
            d1 = -(H00 * g[2] - off * g[1]) / det;
        }
        m += d0;
        t += d1;
        if (fabs(d0) <= 1e-14 * (1.0 + fabs(m)) && fabs(d1) <= 1e-14 * (1.0 + t)) {
            if (!term_out(L, C, x, n, &z, m, t, g))
                return 0;
            *mu = m;
            *tau = t;
            *ll = g[0];
            return 1;
        }
    }
    return 0;
}

int msc_glmm_loo_solve(const msc_glmm_loo *L, double x, double n, double sx, double sn, double *mu,
                       double *tau, double *var)
{
    if (!L)
        return 0;
    double m = L->fit.mu_c, t = L->fit.tau_c, ll;
    if (!newton(L, &L->fit, x, n, 0, &m, &t, &ll) || !(t > TAU_MIN) || !(fabs(m) < 50.0))
        return 0;
    /* glmm.c's policy: tau = 0 wins when its likelihood is higher, and a
     * gain below 10 is checked against a finer rule. Leave both to it. */
    double mu0 = log(sx / (sn - sx)), e = exp(-fabs(mu0));
    double l1pe = (mu0 > 0 ? mu0 : 0.0) + log1p(e);
    double ll0 = sx * mu0 - sn * l1pe;
    if (!(ll - ll0 > FLAT_GAIN))
        return 0;
    /* lme4's variance of mu: msc_glmm_var_mu's differences, on this gradient */
    double hm = 1e-5 * fmax(1.0, fabs(m)), ht = 1e-5 * fmax(1.0, t), z = 0.0, p[3], q[3];
    if (!term_out(L, &L->fit, x, n, &z, m + hm, t, p) ||
        !term_out(L, &L->fit, x, n, &z, m - hm, t, q))
        return 0;
    double H00 = (p[1] - q[1]) / (2 * hm), H10 = (p[2] - q[2]) / (2 * hm);
    if (!term_out(L, &L->fit, x, n, &z, m, t + ht, p) ||
        !term_out(L, &L->fit, x, n, &z, m, t - ht, q))
        return 0;
    double H01 = (p[1] - q[1]) / (2 * ht), H11 = (p[2] - q[2]) / (2 * ht);
    double off = 0.5 * (H01 + H10), det = H00 * H11 - off * off;
    if (!(H00 < 0 && det > 0))
        return 0;
    double v = -H11 / det;
    if (!(v > 0.0) || !isfinite(v))
        return 0;
    /* the first step of the profile search for tau^2's upper bound (at
     * 1.5 tau): clearly past its cut-off, so no warning to give */
    double mp = L->prof.mu_c, tp = 1.5 * t, llp;
    if (!newton(L, &L->prof, x, n, 1, &mp, &tp, &llp) || !(2.0 * (ll - llp) - L->crit > 1.0))
        return 0;
    *mu = m;
    *tau = t;
    *var = v;
    return 1;
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
