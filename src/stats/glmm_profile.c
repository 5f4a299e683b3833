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
#include <float.h>
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
        /* A Newton step whose gain, g step / 2, is below the rounding of
         * the log-likelihood itself (1e-15 of it) is taken without another
         * evaluation: the maximum is then ll + g step / 2, wrong only by
         * that gain times the curvature's relative error. With a good
         * start (see phi below) this makes a profile point one evaluation. */
        if (H < 0.0 && 0.5 * g * step <= 1e-15 * fabs(ev.ll)) {
            *mu = m + step;
            if (g_tau)
                *g_tau = ev.g[1] + (M->nagq > 2 ? ev.h[1] * step : 0.0);
            return ev.ll + 0.5 * g * step;
        }
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
    double ll_max, crit;
    double noise;          /* |phi| below this is rounding: 16 eps |ll_max| */
    double tau, mu, slope; /* the last profile point and d mu / d tau there */
} profile_ctx;

static double phi(profile_ctx *c, double tau, double *dphi)
{
    /* the argmax over mu moves with tau: start from the tangent line. At
     * large tau with few small studies the likelihood in mu can have two
     * peaks, and a long move along the tangent can land by the lower one
     * (the search over mu is local): then the last argmax is tried too,
     * and the higher maximum kept. Near the maximum, with many studies,
     * the moves are far below that threshold and cost nothing. */
    double g, m = c->mu;
    if (isfinite(c->slope))
        m += c->slope * (tau - c->tau);
    double p = msc_glmm_profile_mu(c->M, tau, &m, &g);
    if (fabs(m - c->mu) > 0.05 * (1.0 + fabs(c->mu)) || !isfinite(p)) {
        double g2, m2 = c->mu, p2 = msc_glmm_profile_mu(c->M, tau, &m2, &g2);
        if (p2 > p || !isfinite(p)) {
            p = p2;
            m = m2;
            g = g2;
        }
    }
    if (tau != c->tau && isfinite(m))
        c->slope = (m - c->mu) / (tau - c->tau);
    c->mu = m;
    c->tau = tau;
    if (dphi)
        *dphi = -2.0 * g;
    return 2.0 * (c->ll_max - p) - c->crit;
}

/* The root of phi between a and b, where phi(a) = fa and phi(b) = fb have
 * opposite signs; side is +1 for the upper bound (a root above tau_hat),
 * -1 for the lower. Newton's method on the signed root of the deviance,
 * R(tau) = side sqrt(phi + crit), against R = side sqrt(crit): R is
 * linear in tau where the profile is quadratic, so Newton converges from
 * anywhere in the bracket where it is nearly so (on phi itself it only
 * halves the distance while far away). The start interpolates R between
 * the ends. Bisection (geometric across orders of magnitude) whenever a
 * step leaves the bracket. The search ends with a Newton step of at
 * most 1e-6 relative, or when |phi| falls below the rounding of the
 * log-likelihood (c->noise): with a million studies the log-likelihood
 * is about 1e10 and phi cannot be resolved below about 1e-5. */
static double root(profile_ctx *c, double a, double fa, double b, double fb, double side)
{
    double T = side * sqrt(c->crit);
    double Ra = side * sqrt(fmax(fa + c->crit, 0.0)), Rb = side * sqrt(fmax(fb + c->crit, 0.0));
    double lo = fmin(a, b), hi = fmax(a, b);
    double x = Rb != Ra ? a + (T - Ra) * (b - a) / (Rb - Ra) : NAN;
    if (!(x > lo && x < hi))
        x = lo > 0.0 && hi / lo > 4.0 ? sqrt(lo * hi) : 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double d, f = phi(c, x, &d);
        if (f == 0.0)
            return x;
        if ((f < 0.0) == (fa < 0.0))
            a = x;
        else
            b = x;
        lo = fmin(a, b);
        hi = fmax(a, b);
        double D = f + c->crit, next = NAN;
        if (D > 0.0 && isfinite(d) && d != 0.0) {
            double R = side * sqrt(D), dR = side * d / (2.0 * sqrt(D));
            next = x - (R - T) / dR;
        }
        int newton = next > lo && next < hi;
        /* Newton converges quadratically: after a step of 1e-6 relative
         * the next would be about 1e-12, so this one is taken and the
         * search ends; so does one from a phi already within rounding */
        if (newton && fabs(next - x) <= 1e-6 * x)
            return next;
        if (fabs(f) <= c->noise)
            return newton ? next : x;
        if (!newton)
            next = lo > 0.0 && hi / lo > 4.0 ? sqrt(lo * hi) : 0.5 * (lo + hi);
        if (fabs(next - x) <= 1e-12 * x || hi - lo <= 1e-13 * hi)
            return next;
        x = next;
    }
    return x;
}

int msc_glmm_tau2_profile_ci(msc_glmm_model *M, double mu_hat, double tau_hat,
                             const msc_glmm_eval *at_max, double level, int bounds, double *lo,
                             double *hi, int *close)
{
    double ll_max = at_max->ll;
    profile_ctx c = {M, ll_max, msc_qchisq(1.0 - level, 1.0, 1), 0.0, tau_hat, mu_hat, NAN};
    c.noise = 16.0 * DBL_EPSILON * fabs(ll_max);
    /* The quadratic approximation at an interior maximum, from its Louis
     * Hessian: the profile's curvature in tau, h_tt - h_mt^2 / h_mm, puts
     * the bounds near tau_hat -+ sqrt(crit / curvature), and the argmax
     * over mu moves with d mu / d tau = -h_mt / h_mm. Only the searches'
     * starts; with fewer than 3 nodes Louis' identity is too rough. */
    double delta = NAN, slope0 = NAN;
    if (tau_hat > 0.0 && M->nagq > 2 && at_max->h[0] < 0.0) {
        double curv = -(at_max->h[2] - at_max->h[1] * at_max->h[1] / at_max->h[0]);
        delta = curv > 0.0 ? sqrt(c.crit / curv) : NAN;
        slope0 = -at_max->h[1] / at_max->h[0];
    }
    *lo = *hi = NAN;
    /* lower: 0 unless the profile at tau = 0 lies beyond the cut-off */
    if (bounds) {
        *lo = 0.0;
        if (tau_hat > 0.0) {
            double mu0 = mu_hat, f0;
            double p0 = msc_glmm_profile_mu(M, 0.0, &mu0, NULL);
            f0 = 2.0 * (ll_max - p0) - c.crit;
            if (f0 > 0.0) {
                c.tau = tau_hat;
                c.mu = mu_hat;
                c.slope = slope0;
                double g = tau_hat - 1.1 * delta, t;
                if (g > 0.0 && g < tau_hat) { /* bracket with the guess */
                    double fg = phi(&c, g, NULL);
                    t = fg > 0.0 ? root(&c, g, fg, tau_hat, -c.crit, -1.0)
                                 : root(&c, 0.0, f0, g, fg, -1.0);
                } else {
                    t = root(&c, 0.0, f0, tau_hat, -c.crit, -1.0);
                }
                *lo = t * t;
            }
        }
    }
    /* upper: step out from the maximum until the profile has fallen far
     * enough, then close in. The first step is the quadratic guess (at
     * most 1.5 tau_hat); each next one extrapolates R to its target with
     * 10% to spare, and at least doubles the distance from tau_hat, at
     * most doubling tau. 1.5 tau_hat is visited unless the profile has
     * fallen far enough before it. */
    c.tau = tau_hat;
    c.mu = mu_hat;
    c.slope = slope0;
    double a = tau_hat, fa = -c.crit, b = tau_hat > 0.0 ? 1.5 * tau_hat : 0.1, fb = -c.crit;
    if (tau_hat + 1.1 * delta < b)
        b = tau_hat + 1.1 * delta;
    /* a step whose phi is this near 0 could fall either way with the
     * model's warm starts (they differ in the last bits with the path) */
    double zone = 1e-9 * (1.0 + fabs(ll_max));
    if (close)
        *close = 0;
    while (b <= TAU_LIMIT) {
        double db;
        fb = phi(&c, b, &db);
        if (close && !(fabs(fb) > zone))
            *close = 1;
        if (fb > 0.0)
            break;
        double D = fb + c.crit, next = NAN;
        if (D > 0.0 && db > 0.0)
            next = b + 1.1 * (sqrt(c.crit) - sqrt(D)) * 2.0 * sqrt(D) / db;
        a = b;
        fa = fb;
        b = 2.0 * a;
        if (next < b)
            b = fmax(next, 2.0 * a - tau_hat);
        if (a < 1.5 * tau_hat && b > 1.5 * tau_hat)
            b = 1.5 * tau_hat; /* always visited: msc_glmm_loo_profile_clear */
    }
    if (!(fb > 0.0))
        return 0;
    if (bounds) {
        double t = root(&c, a, fa, b, fb, 1.0);
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

msc_status msc_glmm_extras(msc_glmm_model *model, size_t k, const msc_settings *s, unsigned flags,
                           msc_fit *f, msc_warnings *w)
{
    msc_heterogeneity *h = &f->het;
    int interior = !f->random.exact && h->tau2 > 0.0;
    int boundary = f->random.exact && h->tau2 == 0.0;
    int row = (flags & MSC_FIT_ROW) != 0;
    if (k < 2 || !(interior || boundary))
        return MSC_OK;
    /* The searches start from no modes (0, as a new model's), whatever the
     * fit left in them, so that a row's search below can be made again
     * exactly as the whole fit makes it. */
    msc_glmm_model M = *model;
    for (size_t i = 0; i < M.nu; i++)
        M.u[i].zhat = 0.0;
    double mu0 = f->common.yi;
    double ll0 = msc_glmm_loglik_tau0(&M, mu0);
    double mu_hat = interior ? f->random.yi : mu0, tau_hat = interior ? h->tau : 0.0;
    msc_glmm_eval at_max = {ll0, {NAN, NAN}, {NAN, NAN, NAN}};
    if (interior)
        msc_glmm_evaluate(&M, mu_hat, tau_hat, &at_max);
    double ll_max = at_max.ll;
    /* LRT of tau^2 = 0: tau^2 sits on the boundary of its space under H0,
     * so the statistic follows the 50:50 mixture of chi^2_0 and chi^2_1 */
    double lrt = 2.0 * (ll_max - ll0);
    h->lrt_tau2 = lrt > 0.0 ? lrt : 0.0;
    h->lrt_tau2_p = h->lrt_tau2 > 0.0 ? 0.5 * msc_pchisq(h->lrt_tau2, 1.0, 1) : 1.0;
    int bounds = !(flags & MSC_FIT_NO_TAU2_CI), close = 0;
    int hi_found = msc_glmm_tau2_profile_ci(&M, mu_hat, tau_hat, &at_max, s->level, bounds,
                                            &h->tau2_lo, &h->tau2_hi, row ? &close : NULL);
    if (close && !bounds) {
        /* A row's decision that hangs on the last bits: made again as the
         * whole fit makes it, from fresh warm starts with the lower bound
         * searched first, so the row warns exactly when `pool` would. */
        for (size_t i = 0; i < M.nu; i++)
            M.u[i].zhat = 0.0;
        if (interior)
            msc_glmm_evaluate(&M, mu_hat, tau_hat, &at_max);
        double lo, hi;
        hi_found =
            msc_glmm_tau2_profile_ci(&M, mu_hat, tau_hat, &at_max, s->level, 1, &lo, &hi, NULL);
    }
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
