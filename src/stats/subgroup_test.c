/*
 * The test for subgroup differences where inverse-variance weights cannot
 * carry it: under the GLMM, a subgroup whose estimate fell back to the
 * exact pooled proportion (one study, every study at 0 events, tau^2 at 0)
 * has no standard error, so Cochran's Q between the subgroups' estimates
 * would have to leave it out (Stijnen, Hamza & Ozdemir 2010 argue the
 * binomial likelihood for such data). Two tests stand on the counts:
 *
 *   - the likelihood-ratio test of the binomial-normal model with the
 *     subgroup as a fixed effect and one common tau^2,
 *       logit p_i = beta_g(i) + u_i,  u_i ~ N(0, tau^2),
 *     against the model with one intercept (Turner et al. 2000; lme4's
 *     anova() of the two glmer fits); when tau^2 is 0 at the maximum, the
 *     common-effect logistic model. Referred to chi^2 with G - 1 df.
 *   - Fisher's exact test on the pooled 2 x G table of events and
 *     non-events by subgroup (the Freeman-Halton extension; R's
 *     fisher.test), for when a subgroup has no events or only events: its
 *     beta_g then has no finite estimate and the likelihood ratio's chi^2
 *     reference does not hold.
 *
 * The LRT needs no G-dimensional optimisation: at a fixed tau the
 * subgroups' intercepts separate, so the profile log-likelihood is the sum
 * of each subgroup's own profile over its intercept (glmm_profile.c), and
 * its derivative in tau the sum of theirs (envelope theorem). The maximum
 * over tau is then a one-dimensional search. Every evaluation is O(k).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_glmm.h"

/* ------------------------------------------------ likelihood-ratio test */

typedef struct {
    msc_glmm_model *M; /* one model per subgroup (or one for the null) */
    size_t G;
    double *mu; /* each model's last argmax: the next search's start */
} profile_sum;

/* The profile log-likelihood at tau (the sum over the models of each one's
 * maximum over its intercept) and, for tau > 0, its derivative in tau. */
static double profile_at(profile_sum *P, double tau, double *d)
{
    double ll = 0, g = 0;
    for (size_t j = 0; j < P->G; j++) {
        double gj = NAN;
        ll += msc_glmm_profile_mu(&P->M[j], tau, &P->mu[j], tau > 0.0 ? &gj : NULL);
        g += gj;
    }
    if (d)
        *d = tau > 0.0 ? g : NAN;
    return ll;
}

#define TAU_TOP 164.0  /* tau beyond this (tau^2 ~ 27,000): no finite maximum */
#define TAU_FLOOR 1e-7 /* below this the maximum is taken to be at tau = 0 */

/* The maximum of the profile over tau >= 0: *tau and *ll at it. From
 * `start`, steps doubling or halving tau in the direction the derivative
 * climbs bracket a stationary point [a, b] (d(a) > 0 > d(b)); secant steps
 * inside the bracket, with bisection when one hugs an end, then locate it
 * to 1e-12 relative, as the fits locate their tau^2 (the log-likelihood
 * is exact long before: to about 1e-16 of its curvature at 1e-8; the
 * reported tau^2 is not). tau = 0 wins when its value is as high. Returns 0, or -1
 * when the profile still rises at tau = TAU_TOP (no finite maximum) or a
 * value is not finite. */
static int profile_max(profile_sum *P, double start, double *tau_hat, double *ll_hat)
{
    double ll0 = profile_at(P, 0.0, NULL);
    if (!isfinite(ll0))
        return -1;
    double a, b, da, db, t = start, d;
    profile_at(P, t, &d);
    if (!isfinite(d))
        return -1;
    if (d > 0.0) { /* climbing: double until the derivative turns */
        a = t, da = d;
        for (;;) {
            t *= 2.0;
            if (t > TAU_TOP)
                return -1;
            profile_at(P, t, &d);
            if (!isfinite(d))
                return -1;
            if (d <= 0.0)
                break;
            a = t, da = d;
        }
        b = t, db = d;
    } else { /* falling: halve until it turns, or down to the floor */
        b = t, db = d;
        for (;;) {
            t *= 0.5;
            if (t < TAU_FLOOR) {
                *tau_hat = 0.0;
                *ll_hat = ll0;
                return 0;
            }
            profile_at(P, t, &d);
            if (!isfinite(d))
                return -1;
            if (d > 0.0)
                break;
            b = t, db = d;
        }
        a = t, da = d;
    }
    while (db < 0.0 && b - a > 1e-12 * b) {
        double m = a - da * (b - a) / (db - da); /* secant, */
        if (!(m > a + 0.01 * (b - a) && m < b - 0.01 * (b - a)))
            m = 0.5 * (a + b); /* or bisection when it hugs an end */
        double dm;
        profile_at(P, m, &dm);
        if (!isfinite(dm))
            return -1;
        if (dm > 0.0)
            a = m, da = dm;
        else
            b = m, db = dm;
    }
    double tau = db < 0.0 ? 0.5 * (a + b) : b, ll = profile_at(P, tau, NULL);
    if (!(ll > ll0)) {
        tau = 0.0;
        ll = ll0;
    }
    if (!isfinite(ll))
        return -1;
    *tau_hat = tau;
    *ll_hat = ll;
    return 0;
}

msc_status msc_subgroup_lrt(const double *xi, const double *ni, const msc_group_result *grp,
                            size_t G, int nagq, int threads, double tau_start,
                            msc_subgroup_lrt_result *r)
{
    r->lrt = r->df = r->p = r->tau2 = r->tau2_null = NAN;
    r->failed = 1;
    size_t k = 0;
    for (size_t g = 0; g < G; g++)
        k += grp[g].k;
    msc_glmm_model *M = calloc(G + 1, sizeof *M);
    double *mu = malloc((G + 1) * sizeof *mu);
    double *x = calloc(k ? k : 1, sizeof *x), *n = calloc(k ? k : 1, sizeof *n);
    size_t made = 0;
    msc_status rc = MSC_ERR_NOMEM;
    if (!M || !mu || !x || !n)
        goto out;
    size_t off = 0;
    for (size_t g = 0; g < G; g++) {
        for (size_t j = 0; j < grp[g].k; j++) {
            x[off + j] = xi[grp[g].study[j]];
            n[off + j] = ni[grp[g].study[j]];
        }
        if (msc_glmm_model_init(&M[g], x + off, n + off, grp[g].k, nagq, threads) != MSC_OK)
            goto out;
        made++;
        off += grp[g].k;
    }
    if (msc_glmm_model_init(&M[G], x, n, k, nagq, threads) != MSC_OK)
        goto out;
    made++;
    for (size_t g = 0; g <= G; g++)
        mu[g] = 0.0; /* profile_max starts at tau = 0, which sets each */
    profile_sum full = {M, G, mu}, null = {M + G, 1, mu + G};
    double tau1, ll1, tau0, ll0;
    rc = MSC_OK;
    double t0 = tau_start > TAU_FLOOR && tau_start < TAU_TOP ? tau_start : 0.3;
    if (profile_max(&full, t0, &tau1, &ll1) != 0 || profile_max(&null, t0, &tau0, &ll0) != 0)
        goto out;
    r->failed = 0;
    r->lrt = fmax(2.0 * (ll1 - ll0), 0.0); /* the models nest: never below 0 */
    r->df = (double)G - 1.0;
    r->p = msc_pchisq(r->lrt, r->df, 1);
    r->tau2 = tau1 * tau1;
    r->tau2_null = tau0 * tau0;
out:
    for (size_t g = 0; g < made; g++)
        msc_glmm_model_free(&M[g]);
    free(M);
    free(mu);
    free(x);
    free(n);
    return rc;
}

/* ----------------------------------------------- Fisher's exact test */

#define FISHER_MAX_CELLS 2e6 /* (groups + 1) x (events + 1) of the bounds: 32 MB */

/* log C(n, x) */
static double lchoose(double n, double x)
{
    return lgamma(n + 1.0) - lgamma(x + 1.0) - lgamma(n - x + 1.0);
}

typedef struct {
    double s; /* the path's score: sum of log C(n_g, x_g) so far */
    double c; /* how many paths share it */
} path_class;

static int by_score(const void *a, const void *b)
{
    double x = ((const path_class *)a)->s, y = ((const path_class *)b)->s;
    return (x > y) - (x < y);
}

/* lc[x] = log C(n, x) for x = 0..top, by the ratio C(n, x+1) / C(n, x) =
 * (n - x) / (x + 1): one logarithm per term, not three log-gammas. */
static void lchoose_row(double n, size_t top, double *lc)
{
    lc[0] = 0.0;
    for (size_t x = 0; x < top; x++)
        lc[x + 1] = lc[x] + log((n - (double)x) / ((double)x + 1.0));
}

/* The largest and smallest sum of log C(n_g, x_g) over groups g >= j with
 * sum x_g = r, for every j and r <= R, by dynamic programming from the
 * last group: hi/lo[j * (R + 1) + r], -/+INFINITY where r cannot be met.
 * lc: room for R + 1 terms. */
static void score_bounds(const double *n, size_t G, size_t R, double *hi, double *lo, double *lc)
{
    size_t W = R + 1;
    for (size_t r = 0; r <= R; r++)
        hi[G * W + r] = r ? -INFINITY : 0.0, lo[G * W + r] = r ? INFINITY : 0.0;
    for (size_t j = G; j-- > 0;) {
        size_t top = n[j] < (double)R ? (size_t)n[j] : R;
        lchoose_row(n[j], top, lc);
        for (size_t r = 0; r <= R; r++) {
            double mx = -INFINITY, mn = INFINITY;
            for (size_t x = 0; x <= top && x <= r; x++) {
                double h = hi[(j + 1) * W + r - x], l = lo[(j + 1) * W + r - x];
                if (isfinite(h) && lc[x] + h > mx)
                    mx = lc[x] + h;
                if (isfinite(l) && lc[x] + l < mn)
                    mn = lc[x] + l;
            }
            hi[j * W + r] = mx;
            lo[j * W + r] = mn;
        }
    }
}

/* The Freeman-Halton p value: the probability, under the multivariate
 * hypergeometric distribution of the events given the margins,
 *   P(x) = prod_g C(n_g, x_g) / C(N, X),
 * of the tables no more probable than the observed one (within a relative
 * 1e-7, as R's fisher.test). A network algorithm (Mehta & Patel 1983):
 * the groups are taken one at a time; the partial tables reaching the same
 * event total with the same score are one class; a class all of whose
 * completions count adds its whole mass at once, by Vandermonde's identity
 * sum prod C(n_g, x_g) = C(sum n_g, r), and one none of whose completions
 * count is dropped, both decided from the bounds on the remaining score. */
msc_status msc_subgroup_fisher(const double *xg, const double *ng, size_t G, double max_work,
                               double *p)
{
    *p = NAN;
    double N = 0, X = 0;
    for (size_t g = 0; g < G; g++)
        N += ng[g], X += xg[g];
    int flip = X > N - X; /* count the rarer outcome: same p, smaller tables */
    size_t R = (size_t)(flip ? N - X : X);
    if (R == 0 || G < 2) {
        *p = 1.0;
        return MSC_OK;
    }
    size_t W = R + 1;
    if ((double)(G + 1) * (double)W > FISHER_MAX_CELLS ||
        (double)G * (double)W * (double)W > max_work)
        return MSC_OK; /* too large: *p stays NAN */
    double obs = 0;
    for (size_t g = 0; g < G; g++)
        obs += lchoose(ng[g], flip ? ng[g] - xg[g] : xg[g]);
    double crit = obs + log1p(1e-7);
    double total = lchoose(N, (double)R);

    double *hi = malloc((G + 1) * W * sizeof *hi), *lo = malloc((G + 1) * W * sizeof *lo);
    double *rest = malloc((G + 1) * sizeof *rest); /* patients in groups >= j */
    double *lc = malloc(W * sizeof *lc);
    path_class **cur = calloc(W, sizeof *cur), **nxt = calloc(W, sizeof *nxt);
    size_t *ncur = calloc(W, sizeof *ncur), *nnxt = calloc(W, sizeof *nnxt);
    size_t *cap = calloc(W, sizeof *cap);
    msc_status rc = MSC_ERR_NOMEM;
    if (!hi || !lo || !rest || !lc || !cur || !nxt || !ncur || !nnxt || !cap)
        goto out;
    score_bounds(ng, G, R, hi, lo, lc);
    rest[G] = 0;
    for (size_t j = G; j-- > 0;)
        rest[j] = rest[j + 1] + ng[j];
    double pv = 0, work = 0;
    /* the empty table: event total 0, score 0, one path */
    if (!(cur[0] = malloc(sizeof **cur)))
        goto out;
    cur[0][0] = (path_class){0.0, 1.0};
    ncur[0] = 1;
    for (size_t j = 0; j < G; j++) {
        size_t top = ng[j] < (double)R ? (size_t)ng[j] : R;
        lchoose_row(ng[j], top, lc);
        for (size_t s = 0; s <= R; s++) {
            for (size_t q = 0; q < ncur[s]; q++) {
                path_class pc = cur[s][q];
                for (size_t x = 0; x <= top && s + x <= R; x++) {
                    if (++work > max_work) {
                        rc = MSC_OK; /* too large: *p stays NAN */
                        goto out;
                    }
                    size_t s2 = s + x, r2 = R - s2;
                    double sc = pc.s + lc[x];
                    double h = hi[(j + 1) * W + r2], l = lo[(j + 1) * W + r2];
                    if (!isfinite(h))
                        continue;         /* the rest cannot hold r2 events */
                    if (sc + h <= crit) { /* every completion counts */
                        pv += pc.c * exp(sc + lchoose(rest[j + 1], (double)r2) - total);
                        continue;
                    }
                    if (sc + l > crit)
                        continue; /* none does */
                    if (nnxt[s2] == cap[s2]) {
                        size_t nc = cap[s2] ? 2 * cap[s2] : 4;
                        path_class *t = realloc(nxt[s2], nc * sizeof *t);
                        if (!t)
                            goto out;
                        nxt[s2] = t;
                        cap[s2] = nc;
                    }
                    nxt[s2][nnxt[s2]++] = (path_class){sc, pc.c};
                }
            }
        }
        /* merge the classes of each event total that share a score */
        for (size_t s = 0; s <= R; s++) {
            free(cur[s]);
            cur[s] = NULL;
            ncur[s] = 0;
            if (!nnxt[s])
                continue;
            qsort(nxt[s], nnxt[s], sizeof *nxt[s], by_score);
            size_t m = 0;
            for (size_t q = 1; q < nnxt[s]; q++) {
                if (nxt[s][q].s - nxt[s][m].s <= 1e-9 * fmax(1.0, fabs(nxt[s][m].s)))
                    nxt[s][m].c += nxt[s][q].c;
                else
                    nxt[s][++m] = nxt[s][q];
            }
            cur[s] = nxt[s];
            ncur[s] = m + 1;
            nxt[s] = NULL;
            nnxt[s] = cap[s] = 0;
        }
    }
    /* Every path that survived to the end is a complete table of R events
     * whose score was undecided at the last group: decided now. */
    for (size_t q = 0; q < ncur[R]; q++)
        if (cur[R][q].s <= crit)
            pv += cur[R][q].c * exp(cur[R][q].s - total);
    *p = fmin(pv, 1.0);
    rc = MSC_OK;
out:
    if (cur && nxt)
        for (size_t s = 0; s <= R; s++) {
            free(cur[s]);
            free(nxt[s]);
        }
    free(hi);
    free(lo);
    free(rest);
    free(lc);
    free(cur);
    free(nxt);
    free(ncur);
    free(nnxt);
    free(cap);
    return rc;
}
