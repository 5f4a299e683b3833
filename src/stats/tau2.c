/*
 * Between-study variance (tau^2) estimators for the intercept-only
 * random-effects model, each as metafor's rma.uni() defines it:
 *
 *   DL   DerSimonian-Laird     (Q - (k-1)) / (sum w - sum w^2 / sum w)
 *   HE   Hedges                (sum (y - ybar)^2 - sum v (k-1)/k) / (k-1)
 *   HS   Hunter-Schmidt        (Q - k) / sum w
 *   SJ   Sidik-Jonkman         t0 Q(t0) / (k-1), t0 = sum (y - ybar)^2 / k
 *   ML   maximum likelihood    Fisher scoring from max(0, HE)
 *   REML restricted ML         Fisher scoring from max(0, HE)
 *   EB   empirical Bayes       Morris's iteration: Q(t) k/(k-1) = k
 *   PM   Paule-Mandel          root of Q(t) = k - 1
 *
 * The closed forms are truncated at 0 as metafor does. All work is O(k)
 * per evaluation; no k x k matrix is ever formed (for one intercept,
 * P = W - w w'/sum w, so traces and quadratic forms reduce to sums).
 */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "msc_stats.h"

#define FS_MAXITER 1000
#define FS_THRESHOLD 1e-12 /* the reference values used 1e-12 in metafor */

void msc_wsums_compute(const double *yi, const double *vi, size_t k, double tau2, msc_wsums *s)
{
    double sw = 0, sw2 = 0, sw3 = 0, swy = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (vi[i] + tau2);
        sw += w;
        sw2 += w * w;
        sw3 += w * w * w;
        swy += w * yi[i];
    }
    double mean = swy / sw, q = 0, q2 = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (vi[i] + tau2), r = yi[i] - mean;
        q += w * r * r;
        q2 += w * w * r * r;
    }
    s->sw = sw;
    s->sw2 = sw2;
    s->sw3 = sw3;
    s->mean = mean;
    s->q = q;
    s->q2 = q2;
}

double msc_wsums_trp(const double *vi, size_t k, double tau2)
{
    double sw = 0, pre = 0, cross = 0;
    for (size_t i = 0; i < k; i++)
        if (isfinite(vi[i]) && vi[i] > 0)
            sw += 1.0 / (vi[i] + tau2);
    for (size_t i = 0; i < k; i++)
        if (isfinite(vi[i]) && vi[i] > 0) {
            double w = 1.0 / (vi[i] + tau2);
            cross += w * (pre / sw); /* sum_{j<i} w_i w_j / sw: positive terms, scaled */
            pre += w;
        }
    /* tr(P) = (sw^2 - sw2) / sw = 2 sum_{i<j} w_i w_j / sw: sw - sw2/sw
     * cancels to noise (even below 0) when one weight dominates. */
    return 2.0 * cross;
}

double msc_tau2_qgen(const double *yi, const double *vi, size_t k, double tau2)
{
    msc_wsums s;
    msc_wsums_compute(yi, vi, k, tau2, &s);
    return s.q;
}

int msc_root_decreasing(double (*f)(double, void *), void *ctx, double lo, double hi, double *root)
{
    double flo = f(lo, ctx);
    if (!(flo >= 0.0))
        return -1;
    if (flo == 0.0) {
        *root = lo;
        return 0;
    }
    if (!(hi > lo))
        hi = lo + 1.0;
    double fhi = f(hi, ctx);
    for (int i = 0; i < 2000 && fhi > 0.0; i++) {
        lo = hi;
        hi *= 2.0;
        if (!isfinite(hi))
            return -1;
        fhi = f(hi, ctx);
    }
    if (!(fhi <= 0.0))
        return -1;
    if (fhi == 0.0) {
        *root = hi;
        return 0;
    }
    gsl_function F = {f, ctx};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return -1;
    int rc = -1;
    if (gsl_root_fsolver_set(s, &F, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 500; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
                break;
            double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(a, b, 1e-300, 1e-14) == GSL_SUCCESS || a == b) {
                rc = 0;
                break;
            }
        }
        *root = gsl_root_fsolver_root(s);
        if (rc != 0 && isfinite(*root))
            rc = 0; /* interval stalled at machine precision: the root is as good as it gets */
    }
    gsl_root_fsolver_free(s);
    return rc;
}

typedef struct {
    const double *yi, *vi;
    size_t k;
    double target;
} qctx;

static double q_minus_target(double tau2, void *p)
{
    const qctx *c = p;
    return msc_tau2_qgen(c->yi, c->vi, c->k, tau2) - c->target;
}

/* Newton's method on Q(tau2) - target, safeguarded by the bracket it
 * keeps (Press et al., Numerical Recipes, 3rd ed., 9.4): Q's derivative is
 * -sum w^2 (y - mu^)^2 (msc_wsums' q2; mu^ minimises Q, so its own move
 * adds nothing), one pass like Q itself. Q falls as tau2 grows and is
 * convex in practice, so Newton reaches the root in about five passes
 * where a Brent search from a bracket took about fifteen. A step that
 * leaves the bracket is replaced by bisection (or by doubling while there
 * is no upper end yet), so the search cannot cycle or run away. */
int msc_tau2_q_solve(const double *yi, const double *vi, size_t k, double target, double start,
                     double *tau2)
{
    qctx c = {yi, vi, k, target};
    *tau2 = 0.0;
    msc_wsums s;
    msc_wsums_compute(yi, vi, k, 0.0, &s);
    double f = s.q - target;
    if (f < 0.0)
        return 0;
    if (!(f > 0.0))
        return isnan(f) ? -1 : 1; /* Q(0) is the target: the root is 0 */
    double lo = 0.0, hi = INFINITY, x = start > 0.0 && isfinite(start) ? start : 1.0;
    for (int it = 0; it < 200; it++) {
        msc_wsums_compute(yi, vi, k, x, &s);
        f = s.q - target;
        if (f == 0.0) {
            *tau2 = x;
            return 1;
        }
        if (!isfinite(f))
            break;
        if (f > 0.0)
            lo = x;
        else
            hi = x;
        double next = s.q2 > 0.0 ? x + f / s.q2 : NAN;
        if (!(next > lo && next < hi))
            next = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * x;
        if (!isfinite(next))
            break;
        double step = next - x;
        x = next;
        /* Newton converges quadratically: once a step is this small (the
         * relative tolerance of the Brent search it replaces), the next
         * would be far below the last bit, where Q's rounding (about
         * 1e-16 Q sqrt(k)) would only make it wander */
        if (fabs(step) <= 1e-14 * x || hi - lo <= 4e-16 * x) {
            *tau2 = x;
            return 1;
        }
    }
    /* no progress (a Q that is not smooth enough in floating point): the
     * bracketing search of msc_root_decreasing */
    return msc_root_decreasing(q_minus_target, &c, 0.0, start, tau2) == 0 ? 1 : -1;
}

static double tau2_he(const double *yi, const double *vi, size_t k)
{
    double ybar = 0, sv = 0, rss = 0;
    for (size_t i = 0; i < k; i++) {
        ybar += yi[i];
        sv += vi[i];
    }
    ybar /= (double)k;
    for (size_t i = 0; i < k; i++)
        rss += (yi[i] - ybar) * (yi[i] - ybar);
    /* tr(P V) with P = I - J/k is sum v (1 - 1/k) */
    return (rss - sv * ((double)k - 1.0) / (double)k) / ((double)k - 1.0);
}

static double tau2_sj(const double *yi, const double *vi, size_t k)
{
    double ybar = 0, ss = 0;
    for (size_t i = 0; i < k; i++)
        ybar += yi[i];
    ybar /= (double)k;
    for (size_t i = 0; i < k; i++)
        ss += (yi[i] - ybar) * (yi[i] - ybar);
    double t0 = ss / (double)k; /* var(y) (k-1)/k: metafor's starting value */
    return t0 * msc_tau2_qgen(yi, vi, k, t0) / ((double)k - 1.0);
}

/* log-likelihood (ML) or restricted log-likelihood (REML), up to constants */
static double loglik(const double *yi, const double *vi, size_t k, double tau2, int reml)
{
    msc_wsums s;
    msc_wsums_compute(yi, vi, k, tau2, &s);
    double sl = 0;
    for (size_t i = 0; i < k; i++)
        sl += log(vi[i] + tau2);
    return -0.5 * sl - 0.5 * s.q - (reml ? 0.5 * log(s.sw) : 0.0);
}

/* msc_wsums_compute and msc_wsums_trp (returned) at one tau2, in two
 * passes over the data instead of four: every sum takes the same terms in
 * the same order as there, so the results are bit for bit theirs. */
static double wsums_and_trp(const double *yi, const double *vi, size_t k, double tau2,
                            msc_wsums *s)
{
    double sw = 0, sw2 = 0, sw3 = 0, swy = 0, swt = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (vi[i] + tau2);
        sw += w;
        sw2 += w * w;
        sw3 += w * w * w;
        swy += w * yi[i];
        if (isfinite(vi[i]) && vi[i] > 0)
            swt += w;
    }
    double mean = swy / sw, q = 0, q2 = 0, pre = 0, cross = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (vi[i] + tau2), r = yi[i] - mean;
        q += w * r * r;
        q2 += w * w * r * r;
        if (isfinite(vi[i]) && vi[i] > 0) {
            cross += w * (pre / swt);
            pre += w;
        }
    }
    s->sw = sw;
    s->sw2 = sw2;
    s->sw3 = sw3;
    s->mean = mean;
    s->q = q;
    s->q2 = q2;
    return 2.0 * cross;
}

/* The step metafor's Fisher scoring takes from tau2 (rma.uni):
 *   ML   (Y'PPY - tr W) / tr W^2
 *   REML (Y'PPY - tr P) / tr PP
 *   EB   (Y'PY k/(k-1) - k) / tr W
 * with, for one intercept, Y'PPY = sum w^2 r^2, tr P = sum w - sum w^2/sum w
 * (summed over pairs by msc_wsums_trp, without the cancellation),
 * tr PP = sum w^2 - 2 sum w^3/sum w + (sum w^2/sum w)^2. */
static double fisher_step(msc_method m, const double *yi, const double *vi, size_t k, double tau2)
{
    msc_wsums s;
    if (m == MSC_METHOD_REML) {
        double trp = wsums_and_trp(yi, vi, k, tau2, &s);
        double r = s.sw2 / s.sw;
        double trpp = s.sw2 - 2.0 * s.sw3 / s.sw + r * r;
        return (s.q2 - trp) / trpp;
    }
    msc_wsums_compute(yi, vi, k, tau2, &s);
    double kk = (double)k;
    switch (m) {
    case MSC_METHOD_ML:
        return (s.q2 - s.sw) / s.sw2;
    default: /* EB */
        return (s.q * kk / (kk - 1.0) - kk) / s.sw;
    }
}

typedef struct {
    msc_method m;
    const double *yi, *vi;
    size_t k;
} sctx;

/* The estimating equation whose root the Fisher scoring seeks, scaled so it
 * decreases through 0: used only if the scoring fails to converge. */
static double score(double tau2, void *p)
{
    const sctx *c = p;
    msc_wsums s;
    if (c->m == MSC_METHOD_REML) {
        double trp = wsums_and_trp(c->yi, c->vi, c->k, tau2, &s);
        return s.q2 - trp;
    }
    msc_wsums_compute(c->yi, c->vi, c->k, tau2, &s);
    double kk = (double)c->k;
    switch (c->m) {
    case MSC_METHOD_ML:
        return s.q2 - s.sw;
    default:
        return s.q * kk / (kk - 1.0) - kk;
    }
}

/* The root of the estimating equation inside [lo, hi], where score(lo) > 0
 * > score(hi), by Brent's method (GSL) to about 1e-14 relative. Returns 0
 * and *root, or -1. *evals counts the evaluations of the O(k) score. */
static int score_root(sctx *c, double lo, double hi, double *root, int *evals)
{
    gsl_function F = {score, c};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s || gsl_root_fsolver_set(s, &F, lo, hi) != GSL_SUCCESS) {
        gsl_root_fsolver_free(s);
        return -1;
    }
    *evals += 2;
    int rc = -1;
    for (int it = 0; it < 200; it++) {
        (*evals)++;
        if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
            break;
        double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(a, b, 1e-300, 1e-14) == GSL_SUCCESS || a == b) {
            rc = 0;
            break;
        }
    }
    *root = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    return rc;
}

/* Records tau2 on the side of the root its score is on: lo holds the
 * largest tau^2 seen with a positive score, hi the smallest with a
 * negative one. */
static void bracket(double tau2, double sc, double *lo, double *hi)
{
    if (sc > 0.0 && !(tau2 <= *lo))
        *lo = tau2;
    if (sc < 0.0 && !(tau2 >= *hi))
        *hi = tau2;
}

/* Fisher scoring as metafor's rma.uni does it, from the Hedges estimate,
 * while it converges fast. Scoring converges only linearly: on rare-event
 * data each step is about -0.8 times the last (10^5 studies never met the
 * tolerance in 1,000 steps), and elsewhere 0.4 times (31 steps for 32
 * studies). So once two steps in a row have each been more than 0.3 times
 * the last, the root is closed in: the iterates' scores, or a step to the
 * limit of the geometric series of steps (Aitken), give a bracket, and
 * Brent's method finishes inside it. The same root, to about 1e-14, in
 * some 10 to 25 evaluations of O(k) in all. */
static void tau2_scoring(msc_method m, const double *yi, const double *vi, size_t k,
                         msc_tau2_result *r)
{
    double tau2 = tau2_he(yi, vi, k);
    if (!(tau2 > 0.0))
        tau2 = 0.0;
    int it = 0, conv = 0, slow = 0;
    double prev = NAN, lo = NAN, hi = NAN;
    sctx c = {m, yi, vi, k};
    while (it < FS_MAXITER && !conv) {
        it++;
        double adj = fisher_step(m, yi, vi, k, tau2);
        if (!isfinite(adj))
            break; /* no step (-inf when all w^2 underflow to 0, where halving would
                    * never end): not converged, so the bracketing below takes over */
        bracket(tau2, adj, &lo, &hi); /* the step has the score's sign */
        double ratio = adj / prev;
        slow = isfinite(ratio) && fabs(ratio) > 0.3 ? slow + 1 : 0;
        prev = adj;
        if (slow >= 2) {
            /* the limit of steps adj, adj r, adj r^2 ...: tau2 + adj / (1 - r);
             * twice as far each time it falls short */
            double ahead = ratio > 0.0 && ratio < 1.0 ? adj / (1.0 - ratio) : adj;
            for (int tries = 0; tries < 8 && !(lo < hi); tries++, ahead *= 2.0) {
                double x = fmax(0.0, tau2 + ahead);
                double sc = score(x, &c);
                it++;
                if (x == 0.0 && sc <= 0.0) { /* the root is at the boundary */
                    tau2 = 0.0;
                    conv = 1;
                    break;
                }
                bracket(x, sc, &lo, &hi);
            }
            double root;
            if (!conv && lo < hi && score_root(&c, lo, hi, &root, &it) == 0) {
                tau2 = root;
                conv = 1;
            }
            if (conv)
                break;
            slow = 0; /* no bracket: go on scoring */
        }
        while (tau2 + adj < 0.0)
            adj /= 2.0; /* step halving keeps tau2 >= 0, as metafor does */
        double old = tau2;
        tau2 += adj;
        if (fabs(tau2 - old) <= FS_THRESHOLD * fmax(1.0, tau2))
            conv = 1;
    }
    if (!conv) {
        /* Fall back to bracketing the estimating equation directly. */
        double root;
        if (score(0.0, &c) <= 0.0) {
            tau2 = 0.0;
            conv = 1;
        } else if (msc_root_decreasing(score, &c, 0.0, 1.0, &root) == 0) {
            tau2 = root;
            conv = 1;
        }
    }
    if (tau2 < 0.0 || !conv)
        tau2 = 0.0; /* not converged: the caller warns that tau^2 is set to 0 */
    /* metafor's ll0check: if tau2 = 0 has the higher (restricted)
     * likelihood, the scoring stopped at a local maximum; use 0. */
    if (conv && (m == MSC_METHOD_ML || m == MSC_METHOD_REML) && tau2 > FS_THRESHOLD) {
        int reml = m == MSC_METHOD_REML;
        if (loglik(yi, vi, k, 0.0, reml) - loglik(yi, vi, k, tau2, reml) > 1e-12)
            tau2 = 0.0;
    }
    r->tau2 = tau2;
    r->iterations = it;
    r->converged = conv;
}

msc_status msc_tau2_estimate(msc_method method, const double *yi, const double *vi, size_t k,
                             msc_tau2_result *r)
{
    r->tau2 = 0.0;
    r->iterations = 0;
    r->converged = 1;
    if (k < 2 || method == MSC_METHOD_FE || msc_method_uses_counts(method))
        return MSC_OK; /* k = 1: metafor fixes tau2 at 0 */
    double kk = (double)k;
    switch (method) {
    case MSC_METHOD_DL: {
        msc_wsums s;
        msc_wsums_compute(yi, vi, k, 0.0, &s);
        r->tau2 = (s.q - (kk - 1.0)) / msc_wsums_trp(vi, k, 0.0);
        break;
    }
    case MSC_METHOD_HE:
        r->tau2 = tau2_he(yi, vi, k);
        break;
    case MSC_METHOD_HS: {
        msc_wsums s;
        msc_wsums_compute(yi, vi, k, 0.0, &s);
        r->tau2 = (s.q - kk) / s.sw;
        break;
    }
    case MSC_METHOD_SJ:
        r->tau2 = tau2_sj(yi, vi, k);
        break;
    case MSC_METHOD_PM: {
        double root;
        int rc = msc_tau2_q_solve(yi, vi, k, kk - 1.0, 1.0, &root);
        if (rc < 0)
            r->converged = 0;
        else
            r->tau2 = root;
        r->iterations = rc > 0; /* the root was searched for */
        break;
    }
    case MSC_METHOD_ML:
    case MSC_METHOD_REML:
    case MSC_METHOD_EB:
        tau2_scoring(method, yi, vi, k, r);
        break;
    default:
        break;
    }
    if (!(r->tau2 > 0.0))
        r->tau2 = 0.0; /* also turns a NaN from degenerate data into 0 */
    return MSC_OK;
}
