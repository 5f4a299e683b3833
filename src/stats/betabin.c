/*
 * The beta-binomial model with a common rho (metapreg's crbetabin), which
 * Mathes & Kuss (2018) found the best trade-off for meta-analyses of
 * proportions with very few studies:
 *
 *     x_i ~ BetaBinomial(n_i, a, b),  mu = a / (a + b),  rho = 1 / (a + b + 1).
 *
 * Maximum likelihood on theta = (logit mu, logit rho) with the exact
 * log-likelihood sum_i [lbeta(x_i + a, n_i - x_i + b) - lbeta(a, b)] (up to
 * the binomial coefficients), written as log Pochhammer symbols,
 * lnpoch(a, x) + lnpoch(b, n - x) - lnpoch(a + b, n), with their analytic
 * derivatives (digamma and trigamma differences; sums for small counts,
 * where they are exact). Damped Newton steps with the exact Hessian, whose
 * inverse at the maximum gives the SEs of logit mu and logit rho; Wald
 * intervals on both logits, back-transformed.
 *
 * Where the model cannot be fitted (every study at 0 events or every one
 * at n, one study, every study at 0 or n, rho at its boundary 0 or 1, no
 * convergence) the random-effects block is the exact pooled proportion
 * with its Clopper-Pearson interval, as for the GLMM, and a warning says
 * which case it was. Studies with the same (x, n) are evaluated once.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "msc_stats.h"

#define MAX_NEWTON 200
#define SUM_MAX 64        /* counts below this are summed term by term */
#define LOGIT_RHO_MIN -18 /* rho below ~1.5e-8: at its boundary of 0 (numerically binomial) */
#define LOGIT_RHO_MAX 25  /* rho above 1 - 1e-11: at its boundary of 1 */

typedef struct {
    double x, n, m; /* events, patients, studies sharing them */
} pair;

typedef struct {
    pair *u;
    size_t nu;
} model;

/* log Gamma(a + x) / Gamma(a), and its first and second derivatives in a:
 * psi(a + x) - psi(a) and psi'(a + x) - psi'(a). Summed for small whole x
 * (exact, no cancellation). */
static void poch(double a, double x, double *l, double *d1, double *d2)
{
    if (x == 0.0) {
        *l = *d1 = *d2 = 0.0;
        return;
    }
    if (x < SUM_MAX) {
        double L = 0, D1 = 0, D2 = 0;
        for (double j = 0; j < x; j++) {
            double t = a + j;
            L += log(t);
            D1 += 1.0 / t;
            D2 -= 1.0 / (t * t);
        }
        *l = L, *d1 = D1, *d2 = D2;
        return;
    }
    *l = gsl_sf_lnpoch(a, x);
    *d1 = gsl_sf_psi(a + x) - gsl_sf_psi(a);
    *d2 = gsl_sf_psi_1(a + x) - gsl_sf_psi_1(a);
}

typedef struct {
    double ll, g[2], h[3]; /* h: (a,a), (a,b), (b,b) in theta */
} evaluation;

/* The log-likelihood at theta = (logit mu, logit rho), its gradient and
 * Hessian in theta (chain rule through alpha = mu s, beta = (1 - mu) s,
 * s = (1 - rho) / rho = e^-theta_2). */
static void evaluate(const model *M, double ta, double tb, evaluation *ev)
{
    double e = exp(-fabs(ta));
    double mu = ta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    double s = exp(-tb);
    double al = mu * s, be = (1.0 - mu) * s;
    double q = s * mu * (1.0 - mu); /* d alpha / d theta_1 = -d beta / d theta_1 */
    double ll = 0, ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (size_t i = 0; i < M->nu; i++) {
        const pair *p = &M->u[i];
        double la, Da, Aa, lb, Db, Bb, ls, Ds, Cs;
        poch(al, p->x, &la, &Da, &Aa);
        poch(be, p->n - p->x, &lb, &Db, &Bb);
        poch(s, p->n, &ls, &Ds, &Cs);
        double m = p->m;
        ll += m * (la + lb - ls);
        ga += m * q * (Da - Db);
        gb -= m * (al * Da + be * Db - s * Ds);
        haa += m * (q * (1.0 - 2.0 * mu) * (Da - Db) + q * q * (Aa + Bb));
        hab += m * (-q * (Da - Db) - q * (al * Aa - be * Bb));
        hbb += m * (al * Da + al * al * Aa + be * Db + be * be * Bb - s * Ds - s * s * Cs);
    }
    ev->ll = ll;
    ev->g[0] = ga;
    ev->g[1] = gb;
    ev->h[0] = haa;
    ev->h[1] = hab;
    ev->h[2] = hbb;
}

/* Damped Newton from (ta, tb). Returns 1 at an interior maximum, 0 when
 * rho fell to 0, 2 when it rose to 1, -1 when it failed. */
static int maximise(const model *M, double *ta, double *tb, evaluation *ev)
{
    double a = *ta, b = *tb;
    evaluate(M, a, b, ev);
    for (int it = 0; it < MAX_NEWTON; it++) {
        double g0 = ev->g[0], g1 = ev->g[1];
        double lam = 0.0, A = 0, B = 0, C = 0, det = 0;
        for (int tries = 0; tries < 60; tries++) {
            A = -ev->h[0] + lam;
            B = -ev->h[1];
            C = -ev->h[2] + lam;
            det = A * C - B * B;
            if (A > 0 && det > 0)
                break;
            lam = lam ? lam * 4.0 : 1e-6 * (1.0 + fabs(ev->h[0]) + fabs(ev->h[2]));
        }
        if (!(A > 0 && det > 0))
            return -1;
        double d0 = (C * g0 - B * g1) / det, d1 = (A * g1 - B * g0) / det;
        if (lam == 0.0 && fabs(d0) < 1e-10 && fabs(d1) < 1e-10) {
            /* quadratic convergence: the last step is below 1e-20 */
            *ta = a + d0;
            *tb = b + d1;
            evaluate(M, *ta, *tb, ev);
            return 1;
        }
        double scale = fmax(fabs(d0), fabs(d1)) / 3.0;
        if (scale > 1.0) {
            d0 /= scale;
            d1 /= scale;
        }
        evaluation nv;
        double step = 1.0;
        int ok = 0;
        for (int ls = 0; ls < 50 && !ok; ls++, step /= 2.0) {
            evaluate(M, a + step * d0, b + step * d1, &nv);
            ok = isfinite(nv.ll) && nv.ll >= ev->ll - 1e-12 * fabs(ev->ll);
            if (ok) {
                a += step * d0;
                b += step * d1;
            }
        }
        if (!ok)
            return -1;
        *ev = nv;
        *ta = a;
        *tb = b;
        if (b < LOGIT_RHO_MIN)
            return 0;
        if (b > LOGIT_RHO_MAX)
            return 2;
        if (fabs(a) > 50.0)
            return -1;
    }
    return -1;
}

/* Distinct (x, n) pairs with their multiplicities (open addressing). */
static int group_pairs(const double *xi, const double *ni, size_t k, model *M)
{
    size_t cap = 16;
    while (cap < 2 * k)
        cap *= 2;
    size_t *slot = malloc(cap * sizeof *slot);
    M->u = malloc((k ? k : 1) * sizeof *M->u);
    if (!slot || !M->u) {
        free(slot);
        free(M->u);
        M->u = NULL;
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < cap; i++)
        slot[i] = SIZE_MAX;
    M->nu = 0;
    for (size_t i = 0; i < k; i++) {
        size_t h = (size_t)(msc_pair_hash(xi[i], ni[i]) & (cap - 1));
        while (slot[h] != SIZE_MAX && !(M->u[slot[h]].x == xi[i] && M->u[slot[h]].n == ni[i]))
            h = (h + 1) & (cap - 1);
        if (slot[h] == SIZE_MAX) {
            slot[h] = M->nu;
            M->u[M->nu++] = (pair){xi[i], ni[i], 0.0};
        }
        M->u[slot[h]].m += 1.0;
    }
    free(slot);
    return MSC_OK;
}

/* A start for logit rho: the moment estimate from the binomial overdispersion,
 * sum n_i (p_i - p)^2 = p (1 - p) sum (1 + (n_i - 1) rho), kept inside
 * [1e-4, 0.5]. */
static double rho_start(const double *xi, const double *ni, size_t k, double p)
{
    double S = 0, N1 = 0;
    for (size_t i = 0; i < k; i++) {
        double d = xi[i] / ni[i] - p;
        S += ni[i] * d * d;
        N1 += ni[i] - 1.0;
    }
    double r = N1 > 0 ? (S / (p * (1.0 - p)) - (double)k) / N1 : 0.1;
    r = fmin(fmax(r, 1e-4), 0.5);
    return log(r / (1.0 - r));
}

/* The exact pooled proportion under homogeneity, in an estimate block. */
static void exact(msc_estimate *e, double sx, double sn, double level)
{
    msc_estimate_clear(e);
    e->yi = msc_effect_transform(MSC_PLO, sx / sn, NAN);
    if (!isfinite(e->yi))
        e->yi = NAN;
    e->est = sx / sn;
    msc_study_ci_compute(MSC_SCI_CP, sx, sn, level, &e->ci_lo, &e->ci_hi);
    e->exact = 1;
}

static void fallback(msc_fit *f, double sx, double sn, const msc_settings *s, msc_warnings *w,
                     const char *why)
{
    exact(&f->random, sx, sn, s->level);
    f->exact_fallback = 1;
    msc_warnings_add(w,
                     "%s: the beta-binomial's rho cannot be estimated, and the pooled proportion "
                     "is the exact %g/%g with its Clopper-Pearson interval",
                     why, sx, sn);
}

msc_status msc_bb_fit(const double *xi, const double *ni, const double *vi, size_t k,
                      const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    memset(f, 0, sizeof *f);
    msc_estimate_clear(&f->common);
    msc_estimate_clear(&f->random);
    f->method = MSC_METHOD_BB;
    f->k = k;
    f->has_random = 1;
    f->has_weights = 0;
    f->converged = 1;
    f->nhm = NAN;
    f->sum_w_common = f->sum_w_random = NAN;
    msc_heterogeneity *h = &f->het;
    h->tau2 = h->tau = h->I2 = h->H2 = NAN;
    h->tau2_lo = h->tau2_hi = h->I2_lo = h->I2_hi = h->H2_lo = h->H2_hi = NAN;
    h->Q = h->Q_p = h->Q_lrt = h->Q_lrt_p = h->df = NAN;
    h->lrt_tau2 = h->lrt_tau2_p = NAN;
    h->rho = h->rho_lo = h->rho_hi = NAN;
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    if (k == 0)
        return MSC_ERR_INPUT;
    h->vt = k > 1 ? ((double)k - 1.0) / msc_wsums_trp(vi, k, 0.0) : NAN;
    double sx = 0, sn = 0;
    int separated = 1;
    for (size_t i = 0; i < k; i++) {
        sx += xi[i];
        sn += ni[i];
        if (xi[i] != 0 && xi[i] != ni[i])
            separated = 0;
    }
    if (sx == 0 || sx == sn) {
        exact(&f->common, sx, sn, s->level);
        fallback(f, sx, sn, s, w,
                 sx == 0 ? "every study has 0 events" : "every study has n events (all patients)");
        return MSC_OK;
    }
    /* Common effect: the binomial model, logistic regression with one intercept. */
    double p0 = sx / sn;
    f->common.yi = log(sx / (sn - sx));
    f->common.se = 1.0 / sqrt(sn * p0 * (1.0 - p0));
    msc_estimate_test(&f->common, s->level, NAN);
    msc_estimate_backtransform(&f->common, MSC_PLO, NAN);
    if (k == 1) {
        fallback(f, sx, sn, s, w, "k = 1");
        return MSC_OK;
    }
    if (separated) {
        fallback(f, sx, sn, s, w,
                 "every study has either 0 or n events, so the likelihood rises without bound "
                 "as rho tends to 1");
        return MSC_OK;
    }
    model M;
    if (group_pairs(xi, ni, k, &M) != MSC_OK)
        return MSC_ERR_NOMEM;
    double ta = f->common.yi, tb = rho_start(xi, ni, k, p0);
    evaluation ev;
    int rc = maximise(&M, &ta, &tb, &ev);
    free(M.u);
    double det = ev.h[0] * ev.h[2] - ev.h[1] * ev.h[1];
    if (rc == 1 && !(ev.h[0] < 0 && det > 0))
        rc = -1; /* not a maximum */
    if (rc != 1) {
        if (rc == 0)
            h->rho = 0.0;
        f->converged = rc == 0;
        fallback(f, sx, sn, s, w,
                 rc == 0   ? "rho is at its boundary of 0 (no overdispersion beyond the binomial)"
                 : rc == 2 ? "rho tends to 1 (every study all or nothing)"
                           : "the beta-binomial fit did not converge");
        return MSC_OK;
    }
    /* Observed information -H; its inverse is the covariance of theta. */
    double var_a = -ev.h[2] / det, var_b = -ev.h[0] / det;
    msc_estimate *e = &f->random;
    e->yi = ta;
    e->se = sqrt(var_a);
    msc_estimate_test(e, s->level, NAN);
    msc_estimate_backtransform(e, MSC_PLO, NAN);
    double z = msc_qnorm_upper((1.0 - s->level) / 2.0), sb = sqrt(var_b);
    h->rho = 1.0 / (1.0 + exp(-tb));
    h->rho_lo = 1.0 / (1.0 + exp(-(tb - z * sb)));
    h->rho_hi = 1.0 / (1.0 + exp(-(tb + z * sb)));
    return MSC_OK;
}
