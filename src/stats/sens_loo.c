/*
 * Leave-one-out analysis (metafor's leave1out()) in O(1) per study.
 *
 * Leaving study i out of an inverse-variance fit changes every sum the fit
 * is made of by one term. At tau^2 = 0 (Cochran's Q, the DL and HS
 * estimators, the common effect, I^2's typical variance) that term is
 * simply removed. At any other tau^2 = tau0 + delta, with w_j = 1/(v_j +
 * tau0) the weights at the full fit's tau0,
 *
 *     w_j / (1 + w_j delta) = sum_n w_j^(n+1) (-delta)^n,
 *
 * so every sum sum_j (w_j / (1 + w_j delta))^a r_j^b (a = 1..3, b = 0..2,
 * r_j = y_j - mu) is a power series in delta whose coefficients are the
 * moments sum_j w_j^p r_j^b, computed once. Removing study i takes its term
 * out of each moment. Leaving one study out moves tau^2 by O(1/k), so a
 * few terms suffice; the root of the estimating equation (ML, REML, EB, PM)
 * is found by Newton's method from tau0 in O(1) per step, with the exact
 * derivative of the score (dP/dtau^2 = -PP).
 *
 * Each row must equal msc_fit_studies on its subset to about 1e-12. Where
 * the expansion would not converge fast (w_max |delta| too large), where
 * removing study i would cancel most of a sum (it dominated Q or the
 * weights), where a decision is too close to its threshold to be sure of
 * (metafor's check of tau^2 = 0 against the likelihood), or where the refit
 * would warn, the row is refitted from scratch instead. At most a few rows
 * are: a study can dominate a sum only if it holds most of it.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_glmm.h"
#include "msc_sens.h"

#define P_MAX 64        /* moments sum u^p r^b kept, p = 1..P_MAX */
#define FAST_MIN_K 100  /* below this many studies every row is refitted */
#define KEEP 1e-3       /* a sum may lose at most this fraction to a deletion */
#define FS_THRESHOLD 1e-12 /* tau2.c's: metafor's threshold and ll0check */

typedef struct {
    size_t m;
    const double *y, *v, *n; /* the subset, gathered */
    const msc_settings *s;
    msc_method meth;
    int knha;
    /* tau^2 = 0: sums of w0^a r0^b, w0 = 1/v, r0 = y - c0 (c0: the common-effect mean) */
    double c0, z[4][3];
    double zpair; /* sum over pairs a != b of w0_a w0_b */
    double lv0;   /* sum log v */
    double ybar, u1, u2, sv; /* HE: unweighted sums, centred at ybar */
    /* the expansion at tau0: u = w / wmax, r = y - c */
    double tau0, c, wmax, u2nd;
    size_t top; /* the study with the largest weight */
    double M[P_MAX + 1][3], Mt[P_MAX + 1][3]; /* sum u^p r^b: all studies; all but top */
    double lt;                                /* sum log(v + tau0) */
    double sinv;                              /* sum 1/n */
} loo;

/* ------------------------------------------------------------ set-up */

static void setup(loo *L, const msc_fit *full)
{
    size_t m = L->m;
    const double *y = L->y, *v = L->v;
    /* tau^2 = 0, centred at the common-effect mean */
    L->c0 = full->common.yi;
    memset(L->z, 0, sizeof L->z);
    double pre = 0, cross = 0;
    L->lv0 = L->sv = L->ybar = L->sinv = 0;
    for (size_t j = 0; j < m; j++) {
        double w = 1.0 / v[j], r = y[j] - L->c0, wa = w;
        for (int a = 1; a <= 3; a++, wa *= w) {
            L->z[a][0] += wa;
            L->z[a][1] += wa * r;
            L->z[a][2] += wa * r * r;
        }
        L->lv0 += log(v[j]);
        L->sv += v[j];
        L->ybar += y[j];
        L->sinv += 1.0 / L->n[j];
    }
    /* pairs summed as msc_wsums_trp does, without cancellation */
    for (size_t j = 0; j < m; j++) {
        double w = 1.0 / v[j];
        cross += w * (pre / L->z[1][0]);
        pre += w;
    }
    L->zpair = 2.0 * cross * L->z[1][0];
    L->ybar /= (double)m;
    L->u1 = L->u2 = 0;
    for (size_t j = 0; j < m; j++) {
        double d = y[j] - L->ybar;
        L->u1 += d;
        L->u2 += d * d;
    }
    /* the expansion at the full fit's tau^2, centred at its estimate */
    L->tau0 = full->has_random ? full->het.tau2 : 0.0;
    L->c = msc_fit_main_block(full)->yi;
    L->wmax = 0;
    L->top = 0;
    for (size_t j = 0; j < m; j++) {
        double w = 1.0 / (v[j] + L->tau0);
        if (w > L->wmax) {
            L->wmax = w;
            L->top = j;
        }
    }
    L->u2nd = 0;
    memset(L->M, 0, sizeof L->M);
    memset(L->Mt, 0, sizeof L->Mt);
    L->lt = 0;
    for (size_t j = 0; j < m; j++) {
        double w = 1.0 / (v[j] + L->tau0), u = w / L->wmax, r = y[j] - L->c, up = u;
        L->lt += log(v[j] + L->tau0);
        if (j != L->top && u > L->u2nd)
            L->u2nd = u;
        for (int p = 1; p <= P_MAX && up > 0.0; p++, up *= u) {
            L->M[p][0] += up;
            L->M[p][1] += up * r;
            L->M[p][2] += up * r * r;
            if (j != L->top) {
                L->Mt[p][0] += up;
                L->Mt[p][1] += up * r;
                L->Mt[p][2] += up * r * r;
            }
        }
    }
}

/* ------------------------------------------------------------ the sums */

/* Sums over the studies but i at tau^2 = tau0 + delta: out[a][b] = sum
 * (w / (1 + w delta))^a r^b for a = 1..amax, r = y - c, and, when lsum is
 * not NULL, *lsum = sum log(1 + w delta). Returns 0 when the series would
 * need more than P_MAX moments, or when removing i cancels most of a sum. */
static int series(const loo *L, size_t i, double delta, int amax, double out[4][3], double *lsum)
{
    int is_top = i == L->top;
    const double(*M)[3] = is_top ? L->Mt : L->M;
    double umax = is_top ? L->u2nd : 1.0;
    double ui = is_top ? 0.0 : 1.0 / (L->v[i] + L->tau0) / L->wmax;
    double ri = L->y[i] - L->c;
    double dt = delta * L->wmax, rho = fabs(dt) * umax;
    /* terms: the remainder of sum C(n+a-1, a-1) rho^n below 2^-56 */
    int N = 1;
    if (rho > 0.0) {
        if (!(rho < 0.5))
            return 0;
        double t = 1.0;
        for (N = 1; N + amax <= P_MAX; N++) {
            t *= rho;
            double coef = amax == 1 ? 1.0 : amax == 2 ? N + 1.0 : 0.5 * (N + 1.0) * (N + 2.0);
            if (t * coef < 1.4e-17)
                break;
        }
        if (N + amax > P_MAX)
            return 0;
        N++;
    }
    /* the moments without study i, and a check that the lowest ones, which
     * carry the sums, keep enough of themselves */
    double Md[P_MAX + 1][3], up = ui;
    int pmax = N + amax < P_MAX ? N + amax : P_MAX;
    for (int p = 1; p <= pmax; p++, up *= ui) {
        Md[p][0] = M[p][0] - up;
        Md[p][1] = M[p][1] - up * ri;
        Md[p][2] = M[p][2] - up * ri * ri;
    }
    for (int a = 1; a <= amax; a++)
        if (!(Md[a][0] >= KEEP * M[a][0]) || !(Md[a][2] >= KEEP * M[a][2]))
            return 0;
    double wa = 1.0;
    for (int a = 1; a <= amax; a++) {
        wa *= L->wmax;
        for (int b = 0; b < 3; b++) {
            double sum = 0, pw = 1.0;
            for (int n = 0; n < N && n + a <= P_MAX; n++, pw *= -dt) {
                double coef = a == 1 ? 1.0 : a == 2 ? n + 1.0 : 0.5 * (n + 1.0) * (n + 2.0);
                sum += coef * pw * Md[n + a][b];
            }
            out[a][b] = wa * sum;
        }
    }
    if (lsum) {
        double sum = 0, pw = 1.0;
        for (int n = 1; n <= N && n <= P_MAX; n++) {
            pw *= dt;
            sum += (n % 2 ? 1.0 : -1.0) * pw / n * Md[n][0];
        }
        *lsum = sum;
    }
    return 1;
}

/* The tau^2 = 0 sums without study i (a = 1..amax); 0 when a deletion
 * cancels most of one. */
static int zero_sums(const loo *L, size_t i, int amax, double Z[4][3])
{
    double w = 1.0 / L->v[i], r = L->y[i] - L->c0, wa = w;
    for (int a = 1; a <= amax; a++, wa *= w) {
        Z[a][0] = L->z[a][0] - wa;
        Z[a][1] = L->z[a][1] - wa * r;
        Z[a][2] = L->z[a][2] - wa * r * r;
        if (!(Z[a][0] >= KEEP * L->z[a][0]) || !(Z[a][2] >= KEEP * L->z[a][2]))
            return 0;
    }
    return 1;
}

/* The powers of the weights the score of a method needs (score()). */
static int score_powers(msc_method meth)
{
    return meth == MSC_METHOD_ML || meth == MSC_METHOD_REML ? 3
           : meth == MSC_METHOD_EB || meth == MSC_METHOD_PM ? 2
                                                            : 1;
}

/* --------------------------------------------------- estimating equations */

typedef struct {
    double d;   /* the weighted mean's offset from the sums' centre */
    double q;   /* generalised Q */
    double sw;  /* sum of the weights */
    double trp; /* tr P */
    double g, gp, info; /* score, its derivative in tau^2, a positive Fisher information */
} eq;

/* The score of method `meth` for k studies from their sums S[a][b] (any
 * centre): REML y'PPy - tr P, ML y'PPy - tr W, EB/PM Q - (k - 1), whose
 * derivatives follow from dP/dtau^2 = -PP (Py = W r', r' = y - mean).
 * Returns 0 when tr P would be computed with too much cancellation. */
static int score(msc_method meth, double kk, double S[4][3], int amax, eq *e)
{
    double s10 = S[1][0];
    e->sw = s10;
    e->d = S[1][1] / s10;
    e->q = S[1][2] - e->d * S[1][1];
    if (amax < 2)
        return 1;
    double s20 = S[2][0];
    if (!(s20 / (s10 * s10) < 1.0 - KEEP))
        return 0; /* one study holds nearly all the weight */
    e->trp = s10 - s20 / s10;
    double a2 = S[2][2] - 2.0 * e->d * S[2][1] + e->d * e->d * s20; /* y'PPy */
    if (meth == MSC_METHOD_EB || meth == MSC_METHOD_PM) {
        e->g = e->q - (kk - 1.0);
        e->gp = -a2;
        e->info = s10;
        return 1;
    }
    double s30 = S[3][0];
    double b2 = S[2][1] - e->d * s20;
    double a3 = S[3][2] - 2.0 * e->d * S[3][1] + e->d * e->d * s30;
    double ppp = a3 - b2 * b2 / s10; /* y'PPPy */
    if (meth == MSC_METHOD_REML) {
        double r = s20 / s10, trpp = s20 - 2.0 * s30 / s10 + r * r;
        e->g = a2 - e->trp;
        e->gp = -2.0 * ppp + trpp;
        e->info = trpp;
    } else { /* ML */
        e->g = a2 - s10;
        e->gp = -2.0 * ppp + s20;
        e->info = s20;
    }
    return 1;
}

/* The (restricted) log-likelihood of the studies but i at tau^2 = t, up to
 * tau2.c's constant, from their sums there: sl = sum log(v + t). */
static double loglik(double sl, const eq *e, int reml)
{
    return -0.5 * sl - 0.5 * e->q - (reml ? 0.5 * log(e->sw) : 0.0);
}

/* tau^2 of the studies but i by ML, REML, EB or PM: the root of the score
 * by safeguarded Newton from tau0, 0 when the score is not positive there;
 * for ML and REML metafor's check of tau^2 = 0 (a higher likelihood there
 * wins). Z: the tau^2 = 0 sums, Q0 Cochran's Q. Returns 0 to refit. */
static int root(const loo *L, size_t i, double Z[4][3], double kk, double *tau2)
{
    msc_method meth = L->meth;
    int amax = score_powers(meth);
    eq e, e0;
    if (!score(meth, kk, Z, amax, &e0))
        return 0;
    double t = L->tau0, lo = 0.0, hi = INFINITY;
    int conv = 0, lo_ok = e0.g > 0.0; /* g(lo) > 0 is known */
    if (!lo_ok) {
        /* The score falls from tau^2 = 0 on: the estimate is 0, unless it
         * rises again to a root further on (ML with one very precise study
         * does), which the refit finds from its start and then weighs
         * against 0 by the likelihood. Look for one from tau0. */
        if (!(t > 0.0)) {
            *tau2 = 0.0;
            return 1;
        }
    } else if (!(t > 0.0)) {
        t = e0.g / e0.info; /* a first step from 0 */
    }
    for (int it = 0; it < 100 && !conv; it++) {
        double S[4][3];
        if (!series(L, i, t - L->tau0, amax, S, NULL) || !score(meth, kk, S, amax, &e))
            return 0;
        if (!isfinite(e.g))
            return 0;
        if (e.g > 0.0) {
            lo = t;
            lo_ok = 1;
        } else {
            hi = t;
        }
        double step = e.gp < 0.0 ? -e.g / e.gp : e.g / e.info;
        double tn = t + step;
        if (!(tn > lo && tn < hi)) {
            if (!lo_ok)
                return 0; /* heading for 0 past a score that is not positive: refit */
            tn = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * t;
        }
        if (fabs(tn - t) <= 4.0 * DBL_EPSILON * tn ||
            (isfinite(hi) && hi - lo <= 4.0 * DBL_EPSILON * hi))
            conv = 1;
        t = tn;
    }
    if (!conv)
        return 0;
    if ((meth == MSC_METHOD_ML || meth == MSC_METHOD_REML) && t > FS_THRESHOLD) {
        int reml = meth == MSC_METHOD_REML;
        double S[4][3], lsum;
        if (!series(L, i, t - L->tau0, 1, S, &lsum) || !score(meth, kk, S, 1, &e))
            return 0;
        double slt = L->lt - log(L->v[i] + L->tau0) + lsum;
        double sl0 = L->lv0 - log(L->v[i]);
        double diff = loglik(sl0, &e0, reml) - loglik(slt, &e, reml);
        /* the decision must not hang on rounding: the sums' own error */
        double zone = 1e-9 + 1e-13 * (fabs(slt) + fabs(sl0) + e.q + e0.q);
        if (fabs(diff - 1e-12) < zone)
            return 0;
        if (diff > 1e-12)
            t = 0.0;
    }
    *tau2 = t;
    return 1;
}

/* ------------------------------------------------------------ one row */

/* Row i by the updating scheme; 0 when it must be refitted. */
static int fast_row(const loo *L, size_t i, msc_sens_fit *row)
{
    double kk = (double)(L->m - 1), df = kk - 1.0;
    double Z[4][3];
    if (!zero_sums(L, i, score_powers(L->meth), Z))
        return 0;
    /* tau^2 = 0: Cochran's Q and tr P, from the sums without study i */
    double Q0 = Z[1][2] - Z[1][1] * Z[1][1] / Z[1][0];
    if (!(Q0 >= KEEP * L->z[1][2]))
        return 0; /* study i held nearly all of Q */
    double w0 = 1.0 / L->v[i];
    double pairs = L->zpair - 2.0 * w0 * (L->z[1][0] - w0);
    if (!(pairs >= KEEP * L->zpair))
        return 0;
    double trp0 = pairs / Z[1][0];
    double Q = Q0 > 0.0 ? Q0 : 0.0, vt = df / trp0;

    msc_estimate *e = &row->e;
    msc_estimate_clear(e);
    double tau2 = 0.0, q, sw;
    if (L->meth == MSC_METHOD_FE) {
        e->yi = L->c0 + Z[1][1] / Z[1][0];
        sw = Z[1][0];
        q = Q0;
    } else {
        switch (L->meth) {
        case MSC_METHOD_DL:
            tau2 = (Q0 - df) / trp0;
            break;
        case MSC_METHOD_HS:
            tau2 = (Q0 - kk) / Z[1][0];
            break;
        case MSC_METHOD_HE: {
            double d = L->y[i] - L->ybar, s1 = L->u1 - d, s2 = L->u2 - d * d;
            if (!(s2 >= KEEP * L->u2))
                return 0;
            double rss = s2 - s1 * s1 / kk;
            tau2 = (rss - (L->sv - L->v[i]) * df / kk) / df;
            break;
        }
        default:
            if (!root(L, i, Z, kk, &tau2))
                return 0;
        }
        if (!(tau2 > 0.0))
            tau2 = 0.0;
        if (tau2 == 0.0) {
            e->yi = L->c0 + Z[1][1] / Z[1][0];
            sw = Z[1][0];
            q = Q0;
        } else {
            double S[4][3];
            eq r;
            if (!series(L, i, tau2 - L->tau0, 1, S, NULL) || !score(L->meth, kk, S, 1, &r))
                return 0;
            if (L->knha && !(r.q >= KEEP * S[1][2]))
                return 0;
            e->yi = L->c + r.d;
            sw = r.sw;
            q = r.q;
        }
    }
    e->se = sqrt(1.0 / sw);
    double s2w = 1.0;
    if (L->knha) { /* as pool.c: metafor's factor, 0 below machine epsilon */
        s2w = q <= DBL_EPSILON ? 0.0 : q / df;
        if (s2w == 0.0)
            return 0; /* the refit says why the interval has no width */
        e->se *= sqrt(s2w);
    }
    msc_estimate_test(e, L->s->level, L->knha ? df : NAN);
    double nhm = kk / (L->sinv - 1.0 / L->n[i]);
    msc_estimate_backtransform(e, L->s->measure, nhm);
    e->pi_lo = e->pi_hi = e->pi_lo_yi = e->pi_hi_yi = e->pi_df = NAN;
    if (!isfinite(e->yi) || !isfinite(e->se) || !isfinite(e->est) || !isfinite(e->ci_lo) ||
        !isfinite(e->ci_hi))
        return 0; /* the refit warns */
    row->k = L->m - 1;
    row->ok = 1;
    row->tau2 = tau2;
    row->Q = Q;
    row->Q_p = msc_pchisq(Q, df, 1);
    if (L->meth == MSC_METHOD_FE) {
        row->I2 = Q > df ? 100.0 * (Q - df) / Q : 0.0;
        row->H2 = Q / df;
    } else {
        row->I2 = 100.0 * tau2 / (vt + tau2);
        row->H2 = tau2 / vt + 1.0;
    }
    row->sw = sw;
    row->s2w = s2w;
    return 1;
}

/* Whether the updating scheme applies to this method and these settings. */
static int fast_method(const msc_settings *s)
{
    switch (s->method) {
    case MSC_METHOD_DL:
    case MSC_METHOD_HE:
    case MSC_METHOD_HS:
    case MSC_METHOD_ML:
    case MSC_METHOD_REML:
    case MSC_METHOD_EB:
    case MSC_METHOD_PM:
        return 1;
    case MSC_METHOD_FE: /* with knha each refit warns; let them */
        return s->test != MSC_TEST_KNHA;
    default: /* SJ (its tau^2 needs a second expansion), GLMM */
        return 0;
    }
}

/* The GLMM's interpolant around the full fit of the m studies all[] (fitted
 * here when full is NULL), or *L = NULL when the full fit has no interior
 * maximum to start from (every row is then refitted). */
static msc_status glmm_interpolant(const msc_studies *st, const size_t *all, size_t m,
                                   const msc_settings *s, const msc_fit *full, double *buf,
                                   msc_glmm_loo **L)
{
    *L = NULL;
    msc_fit own;
    if (!full) {
        msc_warnings ignore = {0};
        msc_status rc =
            msc_fit_studies(st, all, m, s, MSC_FIT_NO_TAU2_CI | MSC_FIT_NO_PI, &own, &ignore);
        msc_warnings_clear(&ignore);
        if (rc != MSC_OK)
            return rc == MSC_ERR_NOMEM ? rc : MSC_OK;
        full = &own;
    }
    if (full->random.exact || !(full->het.tau > 0.0) || !isfinite(full->random.yi))
        return MSC_OK;
    double *x = buf, *n = buf + m;
    for (size_t j = 0; j < m; j++) {
        x[j] = st->xi[all[j]];
        n[j] = st->ni[all[j]];
    }
    return msc_glmm_loo_build(x, n, m, s, full->random.yi, full->het.tau, L);
}

/* ------------------------------------------------------------ entry */

msc_status msc_sens_leave_one_out(const msc_studies *st, const size_t *idx, size_t m,
                                  const msc_settings *s, const msc_fit *full, unsigned flags,
                                  msc_sens_fit *rows, msc_warnings *w)
{
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    if (!idx)
        m = st->k;
    if (m < 2)
        return MSC_ERR_INPUT;
    size_t *all = malloc(m * sizeof *all), *todo = malloc(m * sizeof *todo);
    double *buf = malloc(3 * m * sizeof *buf);
    msc_status rc = MSC_ERR_NOMEM;
    msc_sens_wlog log;
    msc_glmm_loo *gl = NULL;
    memset(&log, 0, sizeof log);
    if (!all || !todo || !buf)
        goto out;
    for (size_t j = 0; j < m; j++)
        all[j] = idx ? idx[j] : j;
    size_t ntodo = 0;
    int fast = !(flags & MSC_SENS_PLAIN) && fast_method(s) && m >= 3 &&
               (m >= FAST_MIN_K || (flags & MSC_SENS_FAST));
    msc_fit own;
    if (fast && !full) {
        msc_warnings ignore = {0};
        rc = msc_fit_studies(st, all, m, s, MSC_FIT_NO_TAU2_CI | MSC_FIT_NO_PI, &own, &ignore);
        msc_warnings_clear(&ignore);
        if (rc == MSC_ERR_NOMEM)
            goto out;
        full = rc == MSC_OK ? &own : NULL;
        fast = full != NULL;
    }
    if (fast && (!isfinite(full->common.yi) || !isfinite(msc_fit_main_block(full)->yi) ||
                 !(full->het.tau2 >= 0.0)))
        fast = 0;
    if (fast) {
        loo L;
        L.m = m;
        double *y = buf, *v = buf + m, *n = buf + 2 * m;
        for (size_t j = 0; j < m; j++) {
            y[j] = st->yi[all[j]];
            v[j] = st->vi[all[j]];
            n[j] = st->ni[all[j]];
        }
        L.y = y, L.v = v, L.n = n;
        L.s = s;
        L.meth = s->method;
        L.knha = s->test == MSC_TEST_KNHA;
        setup(&L, full);
        for (size_t j = 0; j < m; j++) {
            rows[j].study = all[j];
            if (!fast_row(&L, j, &rows[j]))
                todo[ntodo++] = j;
        }
    } else {
        for (size_t j = 0; j < m; j++)
            todo[ntodo++] = j;
    }
    if (s->method == MSC_METHOD_GLMM && !(flags & MSC_SENS_PLAIN) && m >= 3 &&
        (m >= FAST_MIN_K || (flags & MSC_SENS_FAST))) {
        rc = glmm_interpolant(st, all, m, s, full, buf, &gl);
        if (rc != MSC_OK)
            goto out;
    }
    rc = msc_sens_refit_loo(st, all, m, s, 0, todo, ntodo, gl, rows, &log);
    msc_status rc2 = msc_sens_wlog_flush(&log, "leave-one-out", m, w);
    if (rc == MSC_OK)
        rc = rc2;
out:
    msc_glmm_loo_free(gl);
    free(all);
    free(todo);
    free(buf);
    return rc;
}

msc_status msc_sens_cumulative(const msc_studies *st, const size_t *order, size_t m,
                               const msc_settings *s, msc_sens_fit *rows, msc_warnings *w)
{
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    if (m < 1)
        return MSC_ERR_INPUT;
    msc_sens_wlog log;
    memset(&log, 0, sizeof log);
    msc_status rc = msc_sens_refit(st, order, m, s, 1, NULL, 0, rows, &log);
    msc_status rc2 = msc_sens_wlog_flush(&log, "cumulative", m, w);
    return rc == MSC_OK ? rc2 : rc;
}
