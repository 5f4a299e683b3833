/*
 * The quadrature engine of the binomial-normal GLMM (glmm.c holds the fit
 * and its fallbacks):
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
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>

#include "msc_glmm.h"

#define MAX_NEWTON 200
#define TAU_MIN 1e-5 /* below this the fit is on the boundary tau = 0 */
#define TAU_MAX 1e3  /* beyond this tau^2 diverges: no finite estimate */
#define LOG_SQRT_PI 0.57236494292470008707
#define PARALLEL_MIN 20000 /* distinct (x, n) pairs before a second thread pays */
#define CHUNK 4096         /* pairs summed together, then the chunks in order */
#define MAX_THREADS 64     /* threads one evaluation uses at most */

typedef msc_glmm_pair pair;
typedef msc_glmm_model model;

typedef msc_glmm_eval evaluation;

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
 * plus a line, and Newton from a start on one of its flat arms jumps to the
 * other arm and back (8/82 at mu = -1, tau = 0.689 from the left end). So
 * Newton steps are kept inside a shrinking bracket and replaced by
 * bisection when they would leave it; a search that has not converged
 * after 200 steps is finished by mode_safe(), within its bracket.
 *
 * The start decides the cost. The caller's warm start (the mode at the
 * last parameters) is best when the parameters moved little; when they
 * moved far it can sit on a flat arm, and bisecting a bracket n tau wide
 * down to 1e-13 then takes 40 to 60 steps. So when the warm start's Newton
 * step exceeds 1e-3 (1 + |z|), h' is taken at a second start too, and
 * Newton goes on from the one with the shorter Newton step: the warm
 * start and the mode of the normal approximation to the study's
 * likelihood, eta ~ N(y, v) with y = logit((x + 1/2)/(n - x + 1/2)) and
 * v = 1/(x + 1/2) + 1/(n - x + 1/2), under the prior z ~ N(0, 1):
 * z0 = tau (y - mu) / (tau^2 + v). For large n it is close to the mode,
 * in the steep part of h', where Newton converges at once. Both values
 * of h' also narrow the bracket. */
static double mode_safe(double x, double n, double mu, double tau, double lo, double hi);

/* h'(z) = tau (x - n p) - z, and h''(z) = -tau^2 n p (1 - p) - 1 in *h2. */
static double score(double x, double n, double mu, double tau, double z, double *h2)
{
    double p = expit(mu + tau * z);
    *h2 = -tau * tau * n * p * (1.0 - p) - 1.0;
    return tau * (x - n * p) - z;
}

static double find_mode(double x, double n, double mu, double tau, double z)
{
    if (tau == 0.0)
        return 0.0;
    double lo = tau * (x - n), hi = tau * x; /* h'(lo) >= 0 >= h'(hi) */
    if (!(z >= lo))                          /* also a NaN warm start */
        z = lo;
    if (z > hi)
        z = hi;
    /* h' and h'' at the warm start; the second start only when its
     * Newton step is not already small */
    double h2, h1 = score(x, n, mu, tau, z, &h2);
    double z0 = z;
    if (!(fabs(h1 / h2) <= 1e-3 * (1.0 + fabs(z)))) {
        double y = log((x + 0.5) / (n - x + 0.5)), v = 1.0 / (x + 0.5) + 1.0 / (n - x + 0.5);
        z0 = tau * (y - mu) / (tau * tau + v);
        if (!(z0 > lo && z0 < hi))
            z0 = z;
    }
    if (z0 != z) {
        if (h1 > 0.0)
            lo = z;
        else if (h1 < 0.0)
            hi = z;
        double g2, g1 = score(x, n, mu, tau, z0, &g2);
        if (g1 > 0.0)
            lo = z0;
        else if (g1 < 0.0)
            hi = z0;
        if (fabs(g1 / g2) < fabs(h1 / h2)) {
            z = z0;
            h1 = g1;
            h2 = g2;
        }
    }
    for (int it = 0; it < 200; it++) {
        if (h1 == 0.0)
            return z;
        if (h1 > 0.0)
            lo = z;
        else
            hi = z;
        double next = z - h1 / h2;
        /* converged: z itself is now an end of the bracket, and a last
         * step this small can round onto it, which is not a reason to
         * bisect what is left of a bracket perhaps n tau wide. Newton's
         * error after a step s is about |h'''/(2 h'')| s^2 <= tau s^2 / 2
         * (h''' / h'' = tau (1 - 2p) in the steep part, less elsewhere), so
         * a step below 1e-7 (1 + |z|) / (1 + tau) leaves at most about
         * 1.25e-15 (1 + |z|)^2: take it. */
        if (fabs(next - z) <= 1e-7 / (1.0 + tau) * (1.0 + fabs(next)) && next >= lo && next <= hi)
            return next;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        double step = next - z;
        z = next;
        if (fabs(step) <= 1e-13 * (1.0 + fabs(z)) || hi - lo <= 1e-15 * (1.0 + fabs(z)))
            return z;
        h1 = score(x, n, mu, tau, z, &h2);
    }
    return mode_safe(x, n, mu, tau, lo, hi);
}

/* The root of h' in [lo, hi] (h'(lo) >= 0 >= h'(hi)) by Newton's method
 * safeguarded as rtsafe (Press et al., Numerical Recipes, 3rd ed., 9.4):
 * a bisection whenever the Newton step would leave the bracket or would
 * not halve the step before last, so the bracket at least halves every
 * two steps and no cycle can last. */
static double mode_safe(double x, double n, double mu, double tau, double lo, double hi)
{
    double z = 0.5 * (lo + hi), dxold = hi - lo, dx = dxold;
    for (int it = 0; it < 400; it++) {
        double h2, h1 = score(x, n, mu, tau, z, &h2);
        if (h1 == 0.0)
            break;
        if (h1 > 0.0)
            lo = z;
        else
            hi = z;
        double next = z - h1 / h2;
        if (!(next > lo && next < hi) || fabs(2.0 * h1) > fabs(dxold * h2))
            next = 0.5 * (lo + hi);
        dxold = dx;
        dx = next - z;
        z = next;
        if (fabs(dx) <= 1e-13 * (1.0 + fabs(z)) || hi - lo <= 1e-15 * (1.0 + fabs(z)))
            break;
    }
    return z;
}

/* The AGQ log-likelihood of the pairs [from, to) at (mu, tau), its exact
 * gradient, and the Louis-identity Hessian approximation. */
static void evaluate_range(model *M, size_t from, size_t to, double mu, double tau, evaluation *ev)
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

        double L[MSC_GLMM_MAX_NODES], zj[MSC_GLMM_MAX_NODES], pj[MSC_GLMM_MAX_NODES],
            maxL = -INFINITY;
        for (int j = 0; j < K; j++) {
            zj[j] = z + sqrt2 * sigma * M->t[j];
            double eta = mu + tau * zj[j], l;
            if (M->t[j] == 0.0) { /* the middle node is the mode itself */
                l = l1pe;
                pj[j] = p;
            } else {
                logistic(eta, &l, &pj[j]);
            }
            L[j] = M->lw[j] + x * eta - n * l - 0.5 * zj[j] * zj[j] + M->t[j] * M->t[j];
            if (L[j] > maxL)
                maxL = L[j];
        }
        double S = 0, E[MSC_GLMM_MAX_NODES];
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
    double mu, tau;
    size_t first, step; /* chunks first, first + step, ... */
} job;

static void *run_job(void *p)
{
    const job *j = p;
    size_t nu = j->M->nu, nc = (nu + CHUNK - 1) / CHUNK;
    for (size_t c = j->first; c < nc; c += j->step) {
        size_t from = c * CHUNK, to = from + CHUNK < nu ? from + CHUNK : nu;
        evaluate_range(j->M, from, to, j->mu, j->tau, &j->M->part[c]);
    }
    return NULL;
}

/* All pairs. Above CHUNK pairs the sum is taken chunk by chunk: each
 * chunk's sums, then the chunks added in order. The chunks are the same
 * whatever the number of threads that compute them (M->threads, from
 * PARALLEL_MIN pairs on), so the result does not depend on it. */
static void evaluate(model *M, double mu, double tau, evaluation *ev)
{
    size_t nc = (M->nu + CHUNK - 1) / CHUNK;
    if (nc <= 1) {
        evaluate_range(M, 0, M->nu, mu, tau, ev);
        return;
    }
    int T = M->nu >= PARALLEL_MIN ? M->threads : 1;
    if (T > MAX_THREADS)
        T = MAX_THREADS;
    if ((size_t)T > nc)
        T = (int)nc;
    job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++)
        jobs[t] = (job){M, mu, tau, (size_t)t, (size_t)T};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_job(&jobs[t]); /* no thread: do its chunks here */
    }
    *ev = M->part[0];
    for (size_t c = 1; c < nc; c++) {
        ev->ll += M->part[c].ll;
        for (int i = 0; i < 2; i++)
            ev->g[i] += M->part[c].g[i];
        for (int i = 0; i < 3; i++)
            ev->h[i] += M->part[c].h[i];
    }
}

/* The log-likelihood at tau = 0 on the same scale as evaluate(): the AGQ
 * rule is exact there (the integrand does not depend on z). */
double msc_glmm_loglik_tau0(const msc_glmm_model *M, double mu)
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
int msc_glmm_maximise(msc_glmm_model *M, double step_tol, double *mu, double *tau, int *iters,
                      double *ll)
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
         * below step_tol, the next would be about its square; take it and
         * stop. */
        if (lam == 0.0 && fabs(d0) < step_tol && fabs(d1) < step_tol && t > TAU_MIN) {
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
double msc_glmm_var_mu(msc_glmm_model *M, double mu, double tau)
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

/* Slot of pair (x, n) in the open-addressing table of cap entries (a
 * power of two): where it is, or the empty slot where it goes. */
static size_t pair_slot(const size_t *slot, size_t cap, const pair *u, double x, double n)
{
    size_t h = (size_t)(msc_pair_hash(x, n) & (cap - 1));
    while (slot[h] != SIZE_MAX && !(u[slot[h]].x == x && u[slot[h]].n == n))
        h = (h + 1) & (cap - 1);
    return h;
}

/* Distinct (x, n) pairs with their multiplicities, in the order they first
 * appear. The table and the pairs grow with the pairs found, not with k: a
 * million studies of a few sizes take a few kilobytes. */
static int group_pairs(const double *xi, const double *ni, size_t k, model *M)
{
    size_t cap = 64, ucap = 32;
    size_t *slot = malloc(cap * sizeof *slot);
    M->u = malloc(ucap * sizeof *M->u);
    M->nu = 0;
    if (!slot || !M->u) {
        free(slot);
        return MSC_ERR_NOMEM;
    }
    for (size_t h = 0; h < cap; h++)
        slot[h] = SIZE_MAX;
    for (size_t i = 0; i < k; i++) {
        size_t h = pair_slot(slot, cap, M->u, xi[i], ni[i]);
        if (slot[h] == SIZE_MAX) {
            if (M->nu == ucap) {
                pair *nu = realloc(M->u, 2 * ucap * sizeof *nu);
                if (!nu) {
                    free(slot);
                    return MSC_ERR_NOMEM;
                }
                M->u = nu;
                ucap *= 2;
            }
            if (2 * (M->nu + 1) > cap) { /* keep the table at most half full */
                size_t ncap = 2 * cap, *ns = malloc(ncap * sizeof *ns);
                if (!ns) {
                    free(slot);
                    return MSC_ERR_NOMEM;
                }
                for (size_t q = 0; q < ncap; q++)
                    ns[q] = SIZE_MAX;
                for (size_t p = 0; p < M->nu; p++)
                    ns[pair_slot(ns, ncap, M->u, M->u[p].x, M->u[p].n)] = p;
                free(slot);
                slot = ns;
                cap = ncap;
                h = pair_slot(slot, cap, M->u, xi[i], ni[i]);
            }
            slot[h] = M->nu;
            M->u[M->nu++] = (pair){xi[i], ni[i], 0.0, 0.0};
        }
        M->u[slot[h]].m += 1.0;
    }
    free(slot);
    return MSC_OK;
}

msc_status msc_glmm_model_rule(msc_glmm_model *M, int nagq)
{
    M->nagq = nagq;
    if (nagq == 1) {
        M->t[0] = 0.0;
        M->lw[0] = 0.5 * log(M_PI); /* the one-point rule: weight sqrt(pi) */
        return MSC_OK;
    }
    gsl_integration_fixed_workspace *w = gsl_integration_fixed_alloc(
        gsl_integration_fixed_hermite, (size_t)nagq, 0.0, 1.0, 0.0, 0.0);
    if (!w)
        return MSC_ERR_NOMEM;
    const double *t = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    for (int j = 0; j < nagq; j++) {
        M->t[j] = t[j];
        M->lw[j] = log(wt[j]);
    }
    /* the nodes are symmetric about 0: GSL's middle one of an odd rule is
     * 0 to within 1e-16, and exactly 0 lets evaluate_range reuse the
     * mode's own logistic there */
    if (nagq % 2 == 1)
        M->t[nagq / 2] = 0.0;
    gsl_integration_fixed_free(w);
    return MSC_OK;
}

msc_status msc_glmm_model_init(msc_glmm_model *M, const double *xi, const double *ni, size_t k,
                               int nagq, int threads)
{
    memset(M, 0, sizeof *M);
    M->threads = threads > 0 ? threads : 1;
    size_t nc = (k + CHUNK - 1) / CHUNK;
    M->part = nc > 1 ? malloc(nc * sizeof *M->part) : NULL;
    if ((nc > 1 && !M->part) || group_pairs(xi, ni, k, M) != MSC_OK ||
        msc_glmm_model_rule(M, nagq) != MSC_OK) {
        msc_glmm_model_free(M);
        return MSC_ERR_NOMEM;
    }
    return MSC_OK;
}

void msc_glmm_model_free(msc_glmm_model *M)
{
    free(M->u);
    free(M->part);
    M->u = NULL;
    M->part = NULL;
    M->nu = 0;
}

double msc_glmm_loglik(msc_glmm_model *M, double mu, double tau)
{
    evaluation ev;
    evaluate(M, mu, tau, &ev);
    return ev.ll;
}

void msc_glmm_evaluate(msc_glmm_model *M, double mu, double tau, msc_glmm_eval *ev)
{
    evaluate(M, mu, tau, ev);
}
