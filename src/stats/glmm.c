/*
 * The binomial-normal GLMM for proportions, as metafor's
 * rma.glmm(measure = "PLO", method = "ML") fits it through lme4's glmer:
 *
 *     x_i ~ Binomial(n_i, expit(mu + tau z_i)),   z_i ~ N(0, 1).
 *
 * The marginal likelihood of each study is an integral over z_i, computed by
 * adaptive Gauss-Hermite quadrature (AGQ) centred on the study's
 * conditional mode z^ with the curvature there (lme4's nAGQ; 1 point is the
 * Laplace approximation). mu and rho = log tau are found by damped Newton
 * steps, with the exact gradient of the AGQ objective (mode and scale move
 * with the parameters; the implicit-function derivatives are below) and a
 * Louis-identity Hessian for the direction. The SE of mu is lme4's: the
 * (mu, mu) element of the inverse of the finite-difference Hessian over
 * (tau, mu), here by central differences of the exact gradient.
 *
 * Studies are grouped by identical (x, n) so that work scales with the
 * number of distinct pairs; every sum is O(k) and nothing is k x k.
 *
 * The common-effect model (tau = 0) is logistic regression with one
 * intercept: mu = logit(sum x / sum n), SE = 1/sqrt(N p (1-p)). The
 * heterogeneity tests are metafor's: Wald and likelihood-ratio tests of
 * the saturated model (one logit per study) against the common one.
 *
 * Where the data cannot identify the model (all events 0 or all n), the fit
 * does not converge, or tau^2 sits at its boundary of 0 (lme4's "singular
 * fit"), the random-effects estimate is the exact pooled proportion
 * sum x / sum n with its Clopper-Pearson interval, and a warning says why.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>

#include "msc_stats.h"

#define MAX_NEWTON 200
#define TAU_MIN 1e-5  /* below this the fit is on the boundary tau = 0 */
#define TAU_MAX 1e3   /* beyond this tau^2 diverges: no finite estimate */
#define LOG_SQRT_PI 0.57236494292470008707
#define PARALLEL_MIN 20000 /* distinct (x, n) pairs before a second thread pays */

typedef struct {
    double x, n, m; /* events, patients, how many studies share them */
    double zhat;    /* conditional mode, kept as a warm start */
} pair;

typedef struct {
    pair *u;
    size_t nu;
    int nagq;
    double t[64], lw[64]; /* Gauss-Hermite nodes and log weights (weight e^{-t^2}) */
} model;

typedef struct {
    double ll;          /* AGQ log-likelihood, up to a constant */
    double g[2];        /* d ll / d(mu, tau) */
    double h[3];        /* Louis approximation: (mu,mu), (mu,tau), (tau,tau) */
} evaluation;

/* log(1 + e^eta) and expit(eta), without overflow. */
static void logistic(double eta, double *l1pe, double *p)
{
    double e = exp(-fabs(eta));
    *l1pe = (eta > 0 ? eta : 0.0) + log1p(e);
    *p = eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

static double expit(double eta)
{
    double e = exp(-fabs(eta));
    return eta >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* Conditional mode of h(z) = x(mu + tau z) - n log(1 + e^(mu+tau z)) - z^2/2.
 * h is strictly concave (h'' <= -1) and h'(z) = tau (x - n p) - z is
 * decreasing, so the mode lies in [tau (x - n), tau x], where h' changes
 * sign. Plain Newton is not enough: for large n, h' is a steep sigmoid
 * plus a line, and Newton from a warm start can cycle between its two
 * flat arms and return a wrong mode (the likelihood then jumps and the fit
 * stalls). So Newton steps are kept inside a shrinking bracket and
 * replaced by bisection when they would leave it. */
static double find_mode(double x, double n, double mu, double tau, double z)
{
    if (tau == 0.0)
        return 0.0;
    double lo = tau * (x - n), hi = tau * x; /* h'(lo) >= 0 >= h'(hi) */
    if (!(z >= lo)) /* also a NaN warm start */
        z = lo;
    if (z > hi)
        z = hi;
    for (int it = 0; it < 200; it++) {
        double p = expit(mu + tau * z);
        double h1 = tau * (x - n * p) - z;
        if (h1 == 0.0)
            break;
        if (h1 > 0.0)
            lo = z;
        else
            hi = z;
        double h2 = -tau * tau * n * p * (1.0 - p) - 1.0;
        double next = z - h1 / h2;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        double step = next - z;
        z = next;
        if (fabs(step) <= 1e-13 * (1.0 + fabs(z)) || hi - lo <= 1e-15 * (1.0 + fabs(z)))
            break;
    }
    return z;
}

/* The AGQ log-likelihood of the pairs [from, to) at (mu, tau), its exact
 * gradient, and the Louis-identity Hessian approximation. */
static void evaluate_range(model *M, size_t from, size_t to, double mu, double tau,
                           evaluation *ev)
{
    double ll = 0, g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
    int K = M->nagq;
    const double sqrt2 = 1.4142135623730951;
    for (size_t i = from; i < to; i++) {
        pair *u = &M->u[i];
        double x = u->x, n = u->n;
        double z = u->zhat = find_mode(x, n, mu, tau, u->zhat);
        double l1pe, p;
        logistic(mu + tau * z, &l1pe, &p);
        double a = n * p * (1.0 - p), r = x - n * p;
        double H2 = -tau * tau * a - 1.0; /* h''(z^) */
        double H3 = -tau * tau * tau * a * (1.0 - 2.0 * p);
        double sigma = 1.0 / sqrt(-H2);
        /* implicit derivatives of the mode and of log sigma */
        /* dz^/dtheta = -(d h'/d theta) / h'': d h'/d mu = -tau a,
         * d h'/d tau = r - tau a z^ */
        double dz_mu = tau * a / H2;
        double dz_tau = -(r - tau * a * z) / H2;
        double D_mu = -tau * tau * a * (1.0 - 2.0 * p) + H3 * dz_mu;
        double D_tau = -2.0 * tau * a - tau * tau * a * (1.0 - 2.0 * p) * z + H3 * dz_tau;
        double dls_mu = -0.5 * D_mu / H2, dls_tau = -0.5 * D_tau / H2;

        double L[64], zj[64], pj[64], maxL = -INFINITY;
        for (int j = 0; j < K; j++) {
            zj[j] = z + sqrt2 * sigma * M->t[j];
            double eta = mu + tau * zj[j], l;
            logistic(eta, &l, &pj[j]);
            L[j] = M->lw[j] + x * eta - n * l - 0.5 * zj[j] * zj[j] + M->t[j] * M->t[j];
            if (L[j] > maxL)
                maxL = L[j];
        }
        double S = 0, E[64];
        for (int j = 0; j < K; j++)
            S += E[j] = exp(L[j] - maxL);
        double logS = maxL + log(S);
        double e0 = 0, e1 = 0, s00 = 0, s01 = 0, s11 = 0, d00 = 0, d01 = 0, d11 = 0;
        double G0 = dls_mu, G1 = dls_tau;
        for (int j = 0; j < K; j++) {
            double w = E[j] / S;
            double sm = x - n * pj[j], st = sm * zj[j];
            double hp = tau * sm - zj[j]; /* h'(z_j) */
            double dzj_mu = dz_mu + sqrt2 * M->t[j] * sigma * dls_mu;
            double dzj_tau = dz_tau + sqrt2 * M->t[j] * sigma * dls_tau;
            G0 += w * (sm + hp * dzj_mu);
            G1 += w * (st + hp * dzj_tau);
            double aj = n * pj[j] * (1.0 - pj[j]);
            e0 += w * sm;
            e1 += w * st;
            s00 += w * sm * sm;
            s01 += w * sm * st;
            s11 += w * st * st;
            d00 -= w * aj;
            d01 -= w * aj * zj[j];
            d11 -= w * aj * zj[j] * zj[j];
        }
        double m = u->m;
        ll += m * (logS + log(sigma) - LOG_SQRT_PI);
        g0 += m * G0;
        g1 += m * G1;
        h00 += m * (d00 + s00 - e0 * e0);
        h01 += m * (d01 + s01 - e0 * e1);
        h11 += m * (d11 + s11 - e1 * e1);
    }
    ev->ll = ll;
    ev->g[0] = g0;
    ev->g[1] = g1;
    ev->h[0] = h00;
    ev->h[1] = h01;
    ev->h[2] = h11;
}

typedef struct {
    model *M;
    size_t from, to;
    double mu, tau;
    evaluation ev;
} job;

static void *run_job(void *p)
{
    job *j = p;
    evaluate_range(j->M, j->from, j->to, j->mu, j->tau, &j->ev);
    return NULL;
}

/* All pairs. Large problems are split in two halves on two threads (this
 * machine class has two cores); the halves are always the same and are
 * added in the same order, so results do not depend on scheduling. */
static void evaluate(model *M, double mu, double tau, evaluation *ev)
{
    if (M->nu < PARALLEL_MIN) {
        evaluate_range(M, 0, M->nu, mu, tau, ev);
        return;
    }
    size_t half = M->nu / 2;
    job a = {M, 0, half, mu, tau, {0, {0, 0}, {0, 0, 0}}};
    job b = {M, half, M->nu, mu, tau, {0, {0, 0}, {0, 0, 0}}};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, run_job, &b) == 0;
    run_job(&a);
    if (threaded)
        pthread_join(th, NULL);
    else
        run_job(&b);
    ev->ll = a.ev.ll + b.ev.ll;
    for (int i = 0; i < 2; i++)
        ev->g[i] = a.ev.g[i] + b.ev.g[i];
    for (int i = 0; i < 3; i++)
        ev->h[i] = a.ev.h[i] + b.ev.h[i];
}

/* The log-likelihood at tau = 0 on the same scale as evaluate(): the AGQ
 * rule is exact there (the integrand does not depend on z). */
static double loglik_tau0(const model *M, double mu)
{
    double ll = 0, l, p;
    logistic(mu, &l, &p);
    for (size_t i = 0; i < M->nu; i++)
        ll += M->u[i].m * (M->u[i].x * mu - M->u[i].n * l);
    return ll;
}

/* Replaces ev's Hessian with forward differences of the exact gradient
 * (for one or two quadrature points, where Louis' identity has too little
 * spread to approximate it). */
static void hessian_fd(model *M, double mu, double tau, evaluation *ev)
{
    double hm = 1e-6 * fmax(1.0, fabs(mu)), ht = 1e-6 * fmax(1.0, tau);
    evaluation a, b;
    evaluate(M, mu + hm, tau, &a);
    evaluate(M, mu, tau + ht, &b);
    ev->h[0] = (a.g[0] - ev->g[0]) / hm;
    ev->h[1] = 0.5 * ((a.g[1] - ev->g[1]) / hm + (b.g[0] - ev->g[0]) / ht);
    ev->h[2] = (b.g[1] - ev->g[1]) / ht;
}

/* Damped Newton on (mu, rho = log tau) from (mu, tau). Returns 1 when it
 * converged to an interior maximum, 0 when tau fell to the boundary
 * (*tau = 0), -1 when it failed or tau diverged. *ll gets the maximum. */
static int maximise(model *M, double *mu, double *tau, int *iters, double *ll)
{
    double m = *mu, rho = log(*tau);
    evaluation ev;
    evaluate(M, m, exp(rho), &ev);
    /* Louis' identity needs several nodes, and even with 7 it can be far
     * from the AGQ objective's own Hessian (few studies, large tau): Newton
     * then keeps overshooting and halving around the maximum. After two
     * damped steps in a row, the Hessian comes from differences of the
     * exact gradient instead (two more evaluations per step). */
    int exact_hessian = M->nagq <= 2, damped = 0;
    for (int it = 1; it <= MAX_NEWTON; it++) {
        *iters = it;
        double t = exp(rho);
        if (exact_hessian)
            hessian_fd(M, m, t, &ev);
        /* gradient and Hessian in (mu, rho) */
        double g0 = ev.g[0], g1 = t * ev.g[1];
        double a = ev.h[0], b = t * ev.h[1], c = t * t * ev.h[2] + t * ev.g[1];
        /* make -H positive definite: Levenberg damping */
        double lam = 0.0;
        double A, B, C, det, d0, d1;
        for (int tries = 0; tries < 60; tries++) {
            A = -a + lam;
            B = -b;
            C = -c + lam;
            det = A * C - B * B;
            if (A > 0 && det > 0)
                break;
            lam = lam ? lam * 4.0 : 1e-6 * (1.0 + fabs(a) + fabs(c));
        }
        d0 = (C * g0 - B * g1) / det;
        d1 = (A * g1 - B * g0) / det;
        /* Newton converges quadratically: once the full, undamped step is
         * this small, the next would be ~1e-18; take it and stop. */
        if (lam == 0.0 && fabs(d0) < 1e-9 && fabs(d1) < 1e-9 && t > TAU_MIN) {
            *mu = m + d0;
            *tau = exp(rho + d1);
            *ll = ev.ll;
            return 1;
        }
        /* keep each step moderate on the log scale */
        double scale = fmax(fabs(d0) / 5.0, fabs(d1) / 2.0);
        if (scale > 1.0) {
            d0 /= scale;
            d1 /= scale;
        }
        /* backtracking line search on the log-likelihood */
        evaluation nv;
        double step = 1.0;
        int accepted = 0;
        for (int ls = 0; ls < 40; ls++) {
            double nm = m + step * d0, nr = rho + step * d1;
            evaluate(M, nm, exp(nr), &nv);
            if (isfinite(nv.ll) && nv.ll >= ev.ll - 1e-12 * fabs(ev.ll)) {
                m = nm;
                rho = nr;
                accepted = 1;
                break;
            }
            step /= 2.0;
        }
        if (!accepted)
            return -1;
        double moved = fmax(fabs(step * d0), fabs(step * d1));
        ev = nv;
        damped = step < 1.0 ? damped + 1 : 0;
        if (damped >= 2)
            exact_hessian = 1;
        if (exp(rho) < TAU_MIN && ev.g[1] * exp(rho) < 1e-6) {
            *mu = m;
            *tau = 0.0;
            return 0;
        }
        if (exp(rho) > TAU_MAX || fabs(m) > 50.0)
            return -1;
        if (moved < 1e-11 && fabs(ev.g[0]) < 1e-6 * (1.0 + fabs(ev.ll)) &&
            fabs(exp(rho) * ev.g[1]) < 1e-6 * (1.0 + fabs(ev.ll))) {
            *mu = m;
            *tau = exp(rho);
            *ll = ev.ll;
            return 1;
        }
    }
    return -1;
}

/* Hessian of the AGQ log-likelihood in (mu, tau) by central differences of
 * the exact gradient; returns [H^-1]_{mu,mu} as the variance of mu (lme4's
 * vcov from the finite-difference Hessian), NAN if H is not negative
 * definite. */
static double var_mu(model *M, double mu, double tau)
{
    double hm = 1e-5 * fmax(1.0, fabs(mu)), ht = 1e-5 * fmax(1.0, tau);
    evaluation p, q;
    evaluate(M, mu + hm, tau, &p);
    evaluate(M, mu - hm, tau, &q);
    double H00 = (p.g[0] - q.g[0]) / (2 * hm), H10 = (p.g[1] - q.g[1]) / (2 * hm);
    evaluate(M, mu, tau + ht, &p);
    evaluate(M, mu, tau - ht, &q);
    double H01 = (p.g[0] - q.g[0]) / (2 * ht), H11 = (p.g[1] - q.g[1]) / (2 * ht);
    double off = 0.5 * (H01 + H10);
    double det = H00 * H11 - off * off;
    if (!(H00 < 0 && det > 0))
        return NAN;
    return -H11 / det;
}

/* ------------------------------------------------------------------ data */

/* Distinct (x, n) pairs with their multiplicities. */
static int group_pairs(const double *xi, const double *ni, size_t k, model *M)
{
    size_t cap = 16;
    while (cap < 2 * k)
        cap *= 2;
    size_t *slot = malloc(cap * sizeof *slot);
    M->u = malloc((k ? k : 1) * sizeof *M->u);
    if (!slot || !M->u) {
        free(slot);
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < cap; i++)
        slot[i] = SIZE_MAX;
    M->nu = 0;
    for (size_t i = 0; i < k; i++) {
        size_t h = (size_t)(msc_pair_hash(xi[i], ni[i]) & (cap - 1));
        while (slot[h] != SIZE_MAX &&
               !(M->u[slot[h]].x == xi[i] && M->u[slot[h]].n == ni[i]))
            h = (h + 1) & (cap - 1);
        if (slot[h] == SIZE_MAX) {
            slot[h] = M->nu;
            M->u[M->nu++] = (pair){xi[i], ni[i], 0.0, 0.0};
        }
        M->u[slot[h]].m += 1.0;
    }
    free(slot);
    return MSC_OK;
}

static int gauss_hermite(model *M, int nagq)
{
    M->nagq = nagq;
    if (nagq == 1) {
        M->t[0] = 0.0;
        M->lw[0] = 0.5 * log(M_PI); /* the one-point rule: weight sqrt(pi) */
        return MSC_OK;
    }
    gsl_integration_fixed_workspace *w =
        gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, (size_t)nagq, 0.0, 1.0, 0.0, 0.0);
    if (!w)
        return MSC_ERR_NOMEM;
    const double *t = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    for (int j = 0; j < nagq; j++) {
        M->t[j] = t[j];
        M->lw[j] = log(wt[j]);
    }
    gsl_integration_fixed_free(w);
    return MSC_OK;
}

/* The random-effects fit from the common-effect mu0: sets *rc to 1 for an
 * interior maximum (with *mu, *tau and the variance *var of mu), 0 when tau
 * is at its boundary of 0, 2 when the maximum rises above the boundary by
 * no more than the quadrature's error, -1 when it failed. Returns MSC_OK or
 * MSC_ERR_NOMEM. */
static int fit_random(const double *xi, const double *ni, size_t k, int nagq, double mu0,
                      double *mu, double *tau, double *var, int *iters, int *rc)
{
    model M;
    memset(&M, 0, sizeof M);
    if (group_pairs(xi, ni, k, &M) != MSC_OK || gauss_hermite(&M, nagq) != MSC_OK) {
        free(M.u);
        return MSC_ERR_NOMEM;
    }
    /* Start where lme4 does (tau = 1), from the common-effect mu. */
    *mu = mu0;
    *tau = 1.0;
    double ll = -INFINITY;
    int r = maximise(&M, mu, tau, iters, &ll);
    if (r == 1) {
        /* tau = 0 can be a maximum too; the boundary wins unless the
         * interior maximum is higher. */
        double ll0 = loglik_tau0(&M, mu0);
        if (ll < ll0)
            r = 0;
        /* An interior maximum that rises above the boundary by no more than
         * the quadrature's own error is an artefact of the rule, not of the
         * data: the likelihood is flat in tau (0/2, 2/2 and 2/4: lme4 warns
         * that its Hessian is singular). The error is estimated by
         * re-evaluating with a finer rule (2K + 1 points) at the maximum;
         * that costs about two evaluations, so it is skipped when the gain is
         * far beyond any error of the rule seen in practice (at most ~0.5). */
        if (r == 1 && M.nagq < 32 && ll - ll0 < 10.0) {
            model F = M;
            if (gauss_hermite(&F, 2 * M.nagq + 1) == MSC_OK) {
                evaluation fine;
                evaluate(&F, *mu, *tau, &fine);
                if (!(ll - ll0 > 2.0 * fabs(fine.ll - ll)))
                    r = 2;
            }
        }
    }
    if (r == 1) {
        *var = var_mu(&M, *mu, *tau);
        if (!(*var > 0) || !isfinite(*var))
            r = -1;
    }
    free(M.u);
    *rc = r;
    return MSC_OK;
}

/* ------------------------------------------------------------- estimates */

/* The exact pooled proportion under homogeneity, in an estimate block. */
static void exact(msc_estimate *e, double sx, double sn, double level)
{
    e->yi = msc_effect_transform(MSC_PLO, sx / sn, NAN);
    if (!isfinite(e->yi))
        e->yi = NAN;
    e->se = e->stat = e->p = e->df = NAN;
    e->ci_lo_yi = e->ci_hi_yi = NAN;
    e->est = sx / sn;
    msc_study_ci_compute(MSC_SCI_CP, sx, sn, level, &e->ci_lo, &e->ci_hi);
    e->exact = 1;
}

/* Wald and likelihood-ratio tests of the saturated model (one logit per
 * study) against the common one, as rma.glmm computes them from glm fits.
 * Studies with 0 or n events have infinite saturated logits with zero
 * weight: they add nothing to the Wald statistic (glm's finite iterates
 * add about 1e-6 of it) and their log-likelihood term is 0. */
static int heterogeneity_tests(const double *xi, const double *ni, size_t k, double p0,
                               msc_heterogeneity *h)
{
    /* the saturated logits and their variances, without correction */
    double *y = malloc(2 * k * sizeof *y);
    if (!y)
        return MSC_ERR_NOMEM;
    double *v = y + k, dev = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        double x = xi[i], n = ni[i];
        if (x > 0 && x < n) {
            msc_effect_compute(MSC_PLO, x, n, 0.0, MSC_CC_NONE, 0, &y[m], &v[m]);
            m++;
            dev += x * log(x / (n * p0));
            dev += (n - x) * log((n - x) / (n * (1.0 - p0)));
        } else if (x == 0) {
            dev += n * log(1.0 / (1.0 - p0));
        } else {
            dev += n * log(1.0 / p0);
        }
    }
    double q = 0;
    if (m > 0) {
        msc_wsums ws;
        msc_wsums_compute(y, v, m, 0.0, &ws);
        q = ws.q;
    }
    free(y);
    double df = (double)k - 1.0;
    h->df = df;
    h->Q = q;
    h->Q_lrt = 2.0 * dev > 0 ? 2.0 * dev : 0.0;
    h->Q_p = df > 0 ? gsl_cdf_chisq_Q(h->Q, df) : NAN;
    h->Q_lrt_p = df > 0 ? gsl_cdf_chisq_Q(h->Q_lrt, df) : NAN;
    return MSC_OK;
}

msc_status msc_glmm_fit(const double *xi, const double *ni, const double *vi, size_t k,
                 const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    memset(f, 0, sizeof *f);
    msc_estimate_clear(&f->common);
    msc_estimate_clear(&f->random);
    f->method = MSC_METHOD_GLMM;
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
    if (k == 0)
        return MSC_ERR_INPUT;
    /* Every study at 0 or at n (some of each): the likelihood never falls
     * as tau grows (each study's term tends to Phi(-+mu/tau)), so there is
     * no finite maximum to find; with 0/1 and 1/1 it is flat. A finite rule
     * can still show one (lme4 reports mu = -14.7, tau^2 = 32778 for 0/10,
     * 20/20, 0/15, 12/12); that is an artefact of the quadrature. */
    double sx = 0, sn = 0;
    int separated = 1;
    for (size_t i = 0; i < k; i++) {
        sx += xi[i];
        sn += ni[i];
        if (xi[i] != 0 && xi[i] != ni[i])
            separated = 0;
    }
    /* metafor's typical within-study variance from escalc's vi,
     * (k - 1) / tr(P) */
    h->vt = k > 1 ? ((double)k - 1.0) / msc_wsums_trp(vi, k, 0.0) : NAN;

    if (sx == 0 || sx == sn) {
        exact(&f->common, sx, sn, s->level);
        f->random = f->common;
        f->exact_fallback = 1;
        h->df = (double)k - 1.0;
        msc_warnings_add(w,
                         "every study has %s events, so the GLMM has no finite estimate "
                         "(lme4 reports nonsense or fails here); the pooled proportion is the "
                         "exact %g of %g with its Clopper-Pearson interval, and heterogeneity "
                         "cannot be estimated",
                         sx == 0 ? "0" : "n (all patients with)", sx, sn);
        return MSC_OK;
    }

    /* Common effect: logistic regression with one intercept. */
    double p0 = sx / sn;
    double mu0 = log(sx / (sn - sx));
    f->common.yi = mu0;
    f->common.se = 1.0 / sqrt(sn * p0 * (1.0 - p0));
    msc_estimate_test(&f->common, s->level, NAN);
    msc_estimate_backtransform(&f->common, MSC_PLO, NAN);
    if (heterogeneity_tests(xi, ni, k, p0, h) != MSC_OK)
        return MSC_ERR_NOMEM;

    if (k == 1) {
        exact(&f->random, sx, sn, s->level);
        f->exact_fallback = 1;
        h->tau2 = h->tau = 0.0;
        h->I2 = 0.0;
        h->H2 = 1.0;
        msc_warnings_add(w, "k = 1: the GLMM's tau^2 cannot be estimated from one study; the "
                            "pooled proportion is the study's own, with its exact interval");
        return MSC_OK;
    }

    double mu = mu0, tau = 0.0, v = NAN;
    int iters = 0, rc = -2; /* -2: separated, no maximum to look for (above) */
    if (!separated &&
        fit_random(xi, ni, k, s->nagq, mu0, &mu, &tau, &v, &iters, &rc) != MSC_OK)
        return MSC_ERR_NOMEM;
    f->iterations = iters;
    if (rc == 1) {
        msc_estimate *e = &f->random;
        e->yi = mu;
        e->se = sqrt(v);
        msc_estimate_test(e, s->level, NAN);
        h->tau2 = tau * tau;
        h->tau = tau;
        h->I2 = 100.0 * h->tau2 / (h->vt + h->tau2);
        h->H2 = h->tau2 / h->vt + 1.0;
        msc_pool_prediction_interval(e, h->tau2, k, s, w);
        msc_estimate_backtransform(e, MSC_PLO, NAN);
        return MSC_OK;
    }
    exact(&f->random, sx, sn, s->level);
    f->exact_fallback = 1;
    if (rc == 0) {
        h->tau2 = h->tau = 0.0;
        h->I2 = 0.0;
        h->H2 = 1.0;
        msc_warnings_add(w, "the GLMM's tau^2 is at its boundary of 0 (lme4: \"singular fit\"): "
                            "heterogeneity cannot be estimated, and the random-effects estimate is "
                            "the exact pooled proportion %g/%g with its Clopper-Pearson interval",
                         sx, sn);
    } else if (rc == 2) {
        msc_warnings_add(w, "the GLMM likelihood is flat in tau^2 (its maximum is no higher than "
                            "at tau^2 = 0 beyond the accuracy of the quadrature), so tau^2 is not "
                            "identified: heterogeneity cannot be estimated, and the random-effects "
                            "estimate is the exact pooled proportion %g/%g with its "
                            "Clopper-Pearson interval",
                         sx, sn);
    } else if (rc == -2) {
        f->converged = 0;
        msc_warnings_add(w, "every study has either 0 or n events: the GLMM likelihood never "
                            "falls as tau^2 grows, so tau^2 has no finite estimate (lme4 reports "
                            "whatever tau^2 its quadrature stops at); heterogeneity cannot be "
                            "estimated, and the random-effects estimate is the exact pooled "
                            "proportion %g/%g with its Clopper-Pearson interval",
                         sx, sn);
    } else {
        f->converged = 0;
        msc_warnings_add(w, "the GLMM did not converge (tau^2 grows without bound or the "
                            "likelihood is flat): heterogeneity cannot be estimated, and the "
                            "random-effects estimate is the exact pooled proportion %g/%g with its "
                            "Clopper-Pearson interval",
                         sx, sn);
    }
    return MSC_OK;
}
