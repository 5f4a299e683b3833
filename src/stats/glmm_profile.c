/*
 * What the binomial-normal GLMM gives beyond metafor's rma.glmm, on top of
 * the quadrature engine (glmm_quad.c) and after the fit (glmm.c):
 *
 *   - the marginal (population-averaged) proportion, the mean of
 *     expit(mu + tau z) over z ~ N(0, 1), with the same integral at the CI
 *     bounds of mu (tau fixed), as metafor's transf.ilogit.int computes it
 *     and metapreg reports it (Lin & Chu 2020);
 *   - the profile-likelihood interval for tau^2: the tau at which the
 *     profile log-likelihood (maximised over mu) has fallen chi^2_1(level)/2
 *     below its maximum, as lme4's confint(method = "profile") for the
 *     random effect's SD, squared;
 *   - the likelihood-ratio test of tau^2 = 0 against the common-effect
 *     logistic model, referred to the 50:50 mixture of chi^2_0 and chi^2_1
 *     (Self & Liang 1987), as metapreg reports it.
 *
 * The profile over mu at fixed tau is Newton's method on the exact gradient
 * of the AGQ objective; by the envelope theorem the derivative of the
 * profile in tau is then the objective's own d ll / d tau, so the bounds are
 * found by safeguarded Newton steps too. Every evaluation is O(k).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "msc_glmm.h"

#define TAU_LIMIT 1e3 /* no upper bound below this tau: not found (the engine's TAU_MAX) */

/* Sum of events and patients over M's pairs. */
static void totals(const msc_glmm_model *M, double *sx, double *sn)
{
    *sx = *sn = 0;
    for (size_t i = 0; i < M->nu; i++) {
        *sx += M->u[i].m * M->u[i].x;
        *sn += M->u[i].m * M->u[i].n;
    }
}

double msc_glmm_profile_mu(msc_glmm_model *M, double tau, double *mu, double *g_tau)
{
    if (!(tau > 0.0)) { /* logistic regression: mu = logit(sum x / sum n) */
        double sx, sn;
        totals(M, &sx, &sn);
        *mu = log(sx / (sn - sx));
        if (g_tau)
            *g_tau = NAN;
        return msc_glmm_loglik_tau0(M, *mu);
    }
    /* The log-likelihood is concave in mu: keep Newton inside the bracket
     * [lo, hi] where the gradient changes sign, bisecting when a step would
     * leave it. The curvature comes from Louis' identity for the first
     * step (differences of the exact gradient with one or two nodes), then
     * from the secant of the last two gradients. */
    double m = *mu, lo = -INFINITY, hi = INFINITY;
    msc_glmm_eval ev, fd;
    msc_glmm_evaluate(M, m, tau, &ev);
    double prev_m = NAN, prev_g = NAN;
    for (int it = 0; it < 200; it++) {
        double g = ev.g[0];
        if (g == 0.0)
            break;
        if (g > 0.0)
            lo = m;
        else
            hi = m;
        double H = ev.h[0];
        if (isfinite(prev_m) && m != prev_m)
            H = (g - prev_g) / (m - prev_m);
        else if (M->nagq <= 2 || !(H < 0.0)) {
            double h = 1e-6 * fmax(1.0, fabs(m));
            msc_glmm_evaluate(M, m + h, tau, &fd);
            H = (fd.g[0] - g) / h;
        }
        double step = H < 0.0 ? -g / H : (g > 0.0 ? 1.0 : -1.0);
        if (fabs(step) > 2.0)
            step = copysign(2.0, step);
        if (fabs(step) <= 1e-12 * (1.0 + fabs(m)))
            break; /* converged: the next step would be ~1e-24 */
        double next = m + step;
        if (!(next > lo && next < hi) && isfinite(lo) && isfinite(hi))
            next = 0.5 * (lo + hi);
        prev_m = m;
        prev_g = g;
        m = next;
        msc_glmm_evaluate(M, m, tau, &ev);
        if (hi - lo <= 1e-14 * (1.0 + fabs(m)))
            break;
    }
    *mu = m;
    if (g_tau)
        *g_tau = ev.g[1];
    return ev.ll;
}

/* The profile deviance rise above the maximum less the critical value,
 * phi(tau) = 2 (ll_max - prof(tau)) - crit, and its derivative in tau. */
typedef struct {
    msc_glmm_model *M;
    double ll_max, crit, mu; /* mu: the last argmax, a warm start for the next */
} profile_ctx;

static double phi(profile_ctx *c, double tau, double *dphi)
{
    double g;
    double p = msc_glmm_profile_mu(c->M, tau, &c->mu, &g);
    if (dphi)
        *dphi = -2.0 * g;
    return 2.0 * (c->ll_max - p) - c->crit;
}

/* The root of phi in [a, b] where phi(a) < 0 < phi(b) (or the reverse):
 * Newton steps with the exact derivative, bisection (geometric across
 * orders of magnitude) whenever a step leaves the bracket. */
static double root(profile_ctx *c, double a, double b, double fa)
{
    double x = a > 0.0 && b / a > 4.0 ? sqrt(a * b) : 0.5 * (a + b);
    for (int it = 0; it < 200; it++) {
        double d, f = phi(c, x, &d);
        if (f == 0.0)
            return x;
        if ((f < 0.0) == (fa < 0.0))
            a = x;
        else
            b = x;
        double lo = fmin(a, b), hi = fmax(a, b);
        double next = isfinite(d) && d != 0.0 ? x - f / d : NAN;
        if (!(next > lo && next < hi))
            next = lo > 0.0 && hi / lo > 4.0 ? sqrt(lo * hi) : 0.5 * (lo + hi);
        if (fabs(next - x) <= 1e-12 * x || hi - lo <= 1e-13 * hi)
            return next;
        x = next;
    }
    return x;
}

int msc_glmm_tau2_profile_ci(msc_glmm_model *M, double mu_hat, double tau_hat, double ll_max,
                             double level, int bounds, double *lo, double *hi, int *close)
{
    profile_ctx c = {M, ll_max, msc_qchisq(1.0 - level, 1.0, 1), mu_hat};
    *lo = *hi = NAN;
    /* lower: 0 unless the profile at tau = 0 lies beyond the cut-off */
    if (bounds) {
        *lo = 0.0;
        if (tau_hat > 0.0) {
            double mu0 = mu_hat, f0;
            double p0 = msc_glmm_profile_mu(M, 0.0, &mu0, NULL);
            f0 = 2.0 * (ll_max - p0) - c.crit;
            if (f0 > 0.0) {
                c.mu = mu_hat;
                double t = root(&c, tau_hat, 0.0, -c.crit);
                *lo = t * t;
            }
        }
    }
    /* upper: step out from the maximum until the profile has fallen far
     * enough, then close in */
    c.mu = mu_hat;
    double a = tau_hat, b = tau_hat > 0.0 ? 1.5 * tau_hat : 0.1, fb = -c.crit;
    /* a step whose phi is this near 0 could fall either way with the
     * model's warm starts (they differ in the last bits with the path) */
    double zone = 1e-9 * (1.0 + fabs(ll_max));
    if (close)
        *close = 0;
    while (b <= TAU_LIMIT) {
        fb = phi(&c, b, NULL);
        if (close && !(fabs(fb) > zone))
            *close = 1;
        if (fb > 0.0)
            break;
        a = b;
        b *= 2.0;
    }
    if (!(fb > 0.0))
        return 0;
    if (bounds) {
        double t = root(&c, a, b, -c.crit);
        *hi = t * t;
    }
    return 1;
}

/* ------------------------------------------------------------ marginal */

typedef struct {
    double mu, tau;
} marg_ctx;

/* expit(v) times the N(mu, tau^2) density at v, as transf.ilogit.int's
 * integrand plogis(v) * dnorm(v, mu, tau) */
static double marg_integrand(double v, void *p)
{
    const marg_ctx *c = p;
    double z = (v - c->mu) / c->tau;
    double e = exp(-fabs(v));
    double ex = v >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    return ex * exp(-0.5 * z * z) / (c->tau * 2.5066282746310002);
}

double msc_glmm_marginal(double mu, double tau2)
{
    if (!isfinite(mu) || !(tau2 >= 0.0))
        return NAN;
    if (tau2 == 0.0) {
        double e = exp(-fabs(mu));
        return mu >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }
    marg_ctx c = {mu, sqrt(tau2)};
    gsl_function F = {marg_integrand, &c};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(200);
    if (!w)
        return NAN;
    double r = NAN, err;
    int st = gsl_integration_qag(&F, mu - 10.0 * c.tau, mu + 10.0 * c.tau, 0.0, 1e-12, 200,
                                 GSL_INTEG_GAUSS61, w, &r, &err);
    gsl_integration_workspace_free(w);
    /* a tolerance not quite reached still leaves far more than 1e-9 */
    if (st != GSL_SUCCESS && !(st == GSL_EROUND && err < 1e-9 * fabs(r)))
        return NAN;
    return r;
}

/* ---------------------------------------------------------- the extras */

msc_status msc_glmm_extras(const double *xi, const double *ni, size_t k, const msc_settings *s,
                           unsigned flags, msc_fit *f, msc_warnings *w)
{
    msc_heterogeneity *h = &f->het;
    int interior = !f->random.exact && h->tau2 > 0.0;
    int boundary = f->random.exact && h->tau2 == 0.0;
    int row = (flags & MSC_FIT_ROW) != 0;
    if (k < 2 || !(interior || boundary))
        return MSC_OK;
    msc_glmm_model M;
    if (msc_glmm_model_init(&M, xi, ni, k, s->nagq, s->threads) != MSC_OK)
        return MSC_ERR_NOMEM;
    double mu0 = f->common.yi;
    double ll0 = msc_glmm_loglik_tau0(&M, mu0);
    double mu_hat = interior ? f->random.yi : mu0, tau_hat = interior ? h->tau : 0.0;
    double ll_max = interior ? msc_glmm_loglik(&M, mu_hat, tau_hat) : ll0;
    /* LRT of tau^2 = 0: tau^2 sits on the boundary of its space under H0,
     * so the statistic follows the 50:50 mixture of chi^2_0 and chi^2_1 */
    double lrt = 2.0 * (ll_max - ll0);
    h->lrt_tau2 = lrt > 0.0 ? lrt : 0.0;
    h->lrt_tau2_p = h->lrt_tau2 > 0.0 ? 0.5 * msc_pchisq(h->lrt_tau2, 1.0, 1) : 1.0;
    int bounds = !(flags & MSC_FIT_NO_TAU2_CI), close = 0;
    int hi_found = msc_glmm_tau2_profile_ci(&M, mu_hat, tau_hat, ll_max, s->level, bounds,
                                            &h->tau2_lo, &h->tau2_hi, row ? &close : NULL);
    if (close && !bounds) {
        /* A row's decision that hangs on the last bits: made again as the
         * whole fit makes it, from fresh warm starts with the lower bound
         * searched first, so the row warns exactly when `pool` would. */
        for (size_t i = 0; i < M.nu; i++)
            M.u[i].zhat = 0.0;
        if (interior)
            ll_max = msc_glmm_loglik(&M, mu_hat, tau_hat);
        double lo, hi;
        hi_found =
            msc_glmm_tau2_profile_ci(&M, mu_hat, tau_hat, ll_max, s->level, 1, &lo, &hi, NULL);
    }
    msc_glmm_model_free(&M);
    h->tau2_ci_profile = bounds;
    if (!hi_found)
        msc_warnings_add(w,
                         "the profile-likelihood upper bound for tau^2 lies beyond %g (the "
                         "profile has not fallen far enough there): it is not given",
                         TAU_LIMIT * TAU_LIMIT);
    if (isfinite(h->vt)) {
        h->I2_lo = 100.0 * h->tau2_lo / (h->vt + h->tau2_lo);
        h->I2_hi = 100.0 * h->tau2_hi / (h->vt + h->tau2_hi);
        h->H2_lo = h->tau2_lo / h->vt + 1.0;
        h->H2_hi = h->tau2_hi / h->vt + 1.0;
    }
    if (interior && !row) {
        msc_estimate *e = &f->random;
        e->marg_est = msc_glmm_marginal(e->yi, h->tau2);
        e->marg_lo = msc_glmm_marginal(e->ci_lo_yi, h->tau2);
        e->marg_hi = msc_glmm_marginal(e->ci_hi_yi, h->tau2);
    }
    return MSC_OK;
}
