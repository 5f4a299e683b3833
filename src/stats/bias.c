/*
 * Small-study (publication bias) tests, as metafor 3.8-1 computes them:
 *
 *   egger      regtest(model = "lm", predictor = "sei"): weighted least
 *              squares of yi on sqrt(vi) with weights 1/vi, t test of the
 *              slope with k - 2 df; the intercept is the limit estimate
 *              (Egger et al. 1997)
 *   egger_rma  regtest(): a meta-regression on sqrt(vi) with the fit's tau^2
 *              method and test (metafor's default)
 *   peters     regtest(model = "lm", predictor = "ninv"): the same with 1/n
 *              (Peters et al. 2006)
 *   begg       ranktest(): Kendall's tau between the standardised effects
 *              (yi - mu_FE) / sqrt(vi - 1/sum(1/vi)) and vi (Begg & Mazumdar
 *              1994)
 *   trim_fill  trimfill(): Duval & Tweedie's (2000) L0 or R0 estimator of
 *              the missing studies, iterated on the trimmed fit, the side
 *              from the slope of a meta-regression of yi on sqrt(vi)
 *
 * The GLMM has no yi and vi of its own: its tests use escalc's logit with
 * the continuity correction, and REML where a model is fitted.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_sens.h"
#include "mscmeta/regress.h"

#define MIN_STUDIES 10 /* the Cochrane Handbook's minimum for these tests (chapter 13) */
#define TF_MAXITER 100 /* metafor's trimfill(maxiter) */

static const char *const TF_EST[] = {"L0", "R0"};
static const char *const TF_SIDE[] = {"left", "right"};

const char *msc_tf_estimator_name(msc_tf_estimator e)
{
    return (unsigned)e < 2 ? TF_EST[e] : "?";
}

int msc_tf_estimator_parse(const char *s)
{
    for (int i = 0; i < 2; i++)
        if (s && strcmp(s, TF_EST[i]) == 0)
            return i;
    return -1;
}

const char *msc_tf_side_name(msc_tf_side s)
{
    return (unsigned)s < 2 ? TF_SIDE[s] : "?";
}

/* The studies tested, gathered. */
typedef struct {
    size_t k;
    double *y, *v, *n;
    msc_settings s; /* the fits' settings: REML on the logit for the GLMM */
    double nhm;     /* harmonic mean of n, for PFT's back-transform */
} tested;

static void regtest_clear(msc_regtest *r)
{
    r->ok = 0;
    r->stat = r->df = r->p = r->slope = r->slope_se = NAN;
    r->limit_yi = r->limit_lo = r->limit_hi = NAN;
    r->limit_est = r->limit_est_lo = r->limit_est_hi = NAN;
}

/* ------------------------------------------------------- regression tests */

/* Weighted least squares of y on (1, x) with weights 1/v (R's lm(y ~ x,
 * weights = 1/v)): the t test of the slope with k - 2 df, and the intercept
 * with its t interval. Centred sums, two passes. Returns 0 (with `why`)
 * when it cannot be made. */
static int wls(const tested *t, const double *x, msc_regtest *r, const char **why)
{
    size_t k = t->k;
    regtest_clear(r);
    if (k < 3) {
        *why = "needs at least 3 studies";
        return 0;
    }
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / t->v[i];
        sw += w;
        sx += w * x[i];
        sy += w * t->y[i];
    }
    double xb = sx / sw, yb = sy / sw, sxx = 0, sxy = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / t->v[i], dx = x[i] - xb;
        sxx += w * dx * dx;
        sxy += w * dx * (t->y[i] - yb);
    }
    if (!(sxx > 0.0) || !(sxx > 1e-13 * sw * xb * xb)) {
        *why = "the predictor takes one value only (metafor: the model matrix is not of full "
               "rank)";
        return 0;
    }
    double b = sxy / sxx, a = yb - b * xb, rss = 0;
    for (size_t i = 0; i < k; i++) {
        double e = t->y[i] - a - b * x[i];
        rss += e * e / t->v[i];
    }
    double df = (double)k - 2.0, s2 = rss / df;
    if (!(s2 > 0.0)) {
        *why = "the regression fits the studies exactly (no residual variance)";
        return 0;
    }
    r->slope = b;
    r->slope_se = sqrt(s2 / sxx);
    r->stat = b / r->slope_se;
    r->df = df;
    r->p = 2.0 * msc_t_upper(fabs(r->stat), df);
    r->limit_yi = a;
    double se_a = sqrt(s2 * (1.0 / sw + xb * xb / sxx));
    double crit = msc_qt_upper((1.0 - t->s.level) / 2.0, df);
    r->limit_lo = a - crit * se_a;
    r->limit_hi = a + crit * se_a;
    r->limit_est = msc_effect_backtransform(t->s.measure, a, t->nhm);
    r->limit_est_lo = msc_effect_backtransform(t->s.measure, r->limit_lo, t->nhm);
    r->limit_est_hi = msc_effect_backtransform(t->s.measure, r->limit_hi, t->nhm);
    r->ok = 1;
    return 1;
}

/* A meta-regression of y on sqrt(v) with the fits' method and test (z
 * when test_z), by the meta-regression engine (msc_regress_fit): metafor's
 * default regtest() (model "rma", predictor "sei": the slope's test and
 * the intercept as the limit estimate) and trimfill()'s choice of side.
 * Its warnings go to w after `what`. Returns 0 (with `why`, or *rc for
 * memory) when it cannot be fitted. */
static int rma_on_se(const tested *t, int test_z, msc_regtest *r, const char *what,
                     msc_warnings *w, msc_status *rc, const char **why)
{
    regtest_clear(r);
    *rc = MSC_OK;
    double *x = malloc((t->k ? t->k : 1) * sizeof *x);
    if (!x) {
        *rc = MSC_ERR_NOMEM;
        return 0;
    }
    for (size_t i = 0; i < t->k; i++)
        x[i] = sqrt(t->v[i]);
    msc_settings s = t->s;
    if (test_z)
        s.test = MSC_TEST_Z;
    msc_regress_model m;
    msc_warnings mw = {0};
    msc_status st = msc_regress_fit(t->y, t->v, t->k, x, 1, &s, NULL, 0, MSC_REGRESS_NO_R2, &m, &mw);
    free(x);
    for (size_t i = 0; i < mw.n && w; i++)
        msc_warnings_add(w, "%s: %s", what, mw.msg[i]);
    msc_warnings_clear(&mw);
    int ok = st == MSC_OK;
    if (st == MSC_ERR_NOMEM) {
        *rc = st;
    } else if (!ok) {
        *why = m.failure == MSC_REGRESS_TOO_FEW ? "has too few studies for a slope and tau^2"
               : m.failure == MSC_REGRESS_RANK  ? "cannot be fitted: every study has the same "
                                                  "standard error"
                                                : "cannot be fitted";
    } else {
        r->slope = m.beta[1];
        r->slope_se = m.se[1];
        r->stat = m.stat[1];
        r->p = m.pval[1];
        r->df = m.df;
        r->limit_yi = m.beta[0];
        r->limit_lo = m.ci_lo[0];
        r->limit_hi = m.ci_hi[0];
        r->limit_est = msc_effect_backtransform(t->s.measure, r->limit_yi, t->nhm);
        r->limit_est_lo = msc_effect_backtransform(t->s.measure, r->limit_lo, t->nhm);
        r->limit_est_hi = msc_effect_backtransform(t->s.measure, r->limit_hi, t->nhm);
        r->ok = 1;
    }
    msc_regress_model_free(&m);
    return ok;
}

/* ------------------------------------------------------------- rank test */

static int ranktest(const tested *t, msc_ranktest *r, msc_status *rc, const char **why)
{
    size_t k = t->k;
    r->ok = r->exact = r->ties = 0;
    r->tau = r->p = NAN;
    *rc = MSC_OK;
    if (k < 3) {
        *why = "needs at least 3 studies";
        return 0;
    }
    double *ys = malloc(k * sizeof *ys);
    if (!ys) {
        *rc = MSC_ERR_NOMEM;
        return 0;
    }
    double sw = 0, swy = 0;
    for (size_t i = 0; i < k; i++) {
        sw += 1.0 / t->v[i];
        swy += t->y[i] / t->v[i];
    }
    double theta = swy / sw, vb = 1.0 / sw;
    for (size_t i = 0; i < k; i++)
        ys[i] = (t->y[i] - theta) / sqrt(t->v[i] - vb);
    double S, var_s;
    *rc = msc_kendall_tau(ys, t->v, k, &r->tau, &S, &var_s, &r->ties);
    free(ys);
    if (*rc != MSC_OK)
        return 0;
    if (!isfinite(r->tau)) {
        *why = "every study has the same variance or the same standardised effect";
        return 0;
    }
    if (!r->ties && k < 50) { /* R's cor.test: the exact distribution */
        double nn = (double)k, q = nearbyint((r->tau + 1.0) * nn * (nn - 1.0) / 4.0);
        double p = q > nn * (nn - 1.0) / 4.0 ? 1.0 - msc_kendall_cdf(q - 1.0, k)
                                             : msc_kendall_cdf(q, k);
        r->p = fmin(2.0 * p, 1.0);
        r->exact = 1;
    } else { /* the normal approximation, no continuity correction */
        double z = S / sqrt(var_s);
        r->p = 2.0 * fmin(gsl_cdf_ugaussian_P(z), gsl_cdf_ugaussian_Q(z));
    }
    r->ok = 1;
    return 1;
}

/* --------------------------------------------------------- trim and fill */

typedef struct {
    double key;
    size_t pos;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *p = a, *q = b;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* The estimate of a fit of k studies (test z, as trimfill() refits),
 * and the fit. */
static msc_status fit_arrays(const tested *t, const double *y, const double *v, const double *n,
                             size_t k, msc_fit *f)
{
    msc_settings s = t->s;
    s.test = MSC_TEST_Z;
    s.pi = MSC_PI_Z; /* no prediction interval is shown; z never warns */
    msc_warnings ignore = {0};
    msc_status rc = msc_pool_fit_flags(y, v, n, k, &s, MSC_FIT_NO_TAU2_CI, f, &ignore);
    msc_warnings_clear(&ignore);
    return rc;
}

/* Trim and fill on the studies t, whose fit (with the settings' test) is
 * orig; side -1: chosen as metafor does, else an msc_tf_side. */
static msc_status trim_fill(const tested *t, const msc_fit *orig, msc_tf_estimator est, int side,
                            msc_trimfill *tf, msc_warnings *w)
{
    size_t k = t->k;
    memset(tf, 0, sizeof *tf);
    tf->estimator = est;
    msc_estimate_clear(&tf->e);
    tf->tau2 = NAN;
    if (k < 3) {
        msc_warnings_add(w, "trim and fill: needs at least 3 studies");
        return MSC_OK;
    }
    /* the side: where the slope of yi on sqrt(vi) points (metafor: an rma
     * meta-regression with the fit's method; for FE that is least squares) */
    msc_regtest slope;
    const char *why = NULL;
    int have;
    if (side >= 0) {
        have = 1;
        slope.slope = side == MSC_SIDE_RIGHT ? -1.0 : 1.0;
    } else {
        msc_status rc;
        have = rma_on_se(t, 1, &slope, "trim and fill", NULL, &rc, &why);
        if (rc != MSC_OK)
            return rc;
    }
    if (!have) {
        msc_warnings_add(w, "trim and fill: the side of the missing studies cannot be chosen: "
                            "the regression of yi on sqrt(vi) %s",
                         why);
        return MSC_OK;
    }
    tf->side = slope.slope < 0.0 ? MSC_SIDE_RIGHT : MSC_SIDE_LEFT;
    double sgn = tf->side == MSC_SIDE_RIGHT ? -1.0 : 1.0;

    msc_status rc = MSC_ERR_NOMEM;
    keyed *ord = malloc(k * sizeof *ord), *rk = malloc(k * sizeof *rk);
    double *buf = malloc(4 * (k + k) * sizeof *buf);
    if (!ord || !rk || !buf)
        goto out;
    /* the studies sorted by sgn * y, ties in their order (R's sort) */
    for (size_t i = 0; i < k; i++)
        ord[i] = (keyed){sgn * t->y[i], i};
    qsort(ord, k, sizeof *ord, by_key);
    double *ys = buf, *vs = buf + k, *ns = buf + 2 * k, *yc = buf + 3 * k;
    for (size_t i = 0; i < k; i++) {
        ys[i] = ord[i].key;
        vs[i] = t->v[ord[i].pos];
        ns[i] = t->n[ord[i].pos];
    }
    size_t k0 = 0;
    double beta = NAN;
    int converged = 0;
    for (int iter = 1; iter <= TF_MAXITER; iter++) {
        size_t prev = k0;
        msc_fit f;
        if ((rc = fit_arrays(t, ys, vs, ns, k - k0, &f)) != MSC_OK)
            goto out;
        beta = msc_fit_main_block(&f)->yi;
        /* signed ranks of the centred effects, ties by position (R's
         * rank(ties.method = "first")) */
        for (size_t i = 0; i < k; i++) {
            yc[i] = ys[i] - beta;
            rk[i] = (keyed){fabs(yc[i]), i};
        }
        qsort(rk, k, sizeof *rk, by_key);
        double Sr = 0, max_neg = -INFINITY;
        for (size_t r = 0; r < k; r++) {
            double rank = (double)(r + 1), y = yc[rk[r].pos];
            if (y > 0)
                Sr += rank;
            else if (y < 0 && rank > max_neg)
                max_neg = rank;
        }
        double kk = (double)k, k0e;
        if (est == MSC_TF_R0) {
            if (!isfinite(max_neg)) {
                msc_warnings_add(w, "trim and fill: R0 is undefined when no study lies below "
                                    "the trimmed estimate");
                rc = MSC_OK;
                goto out;
            }
            k0e = kk - max_neg - 1.0;
        } else {
            k0e = (4.0 * Sr - kk * (kk + 1.0)) / (2.0 * kk - 1.0);
        }
        k0e = nearbyint(k0e); /* R's round(): halves to even */
        k0 = k0e > 0.0 ? (size_t)k0e : 0;
        if (k0 + 1 > k) {
            msc_warnings_add(w, "trim and fill: the estimator would trim every study");
            rc = MSC_OK;
            goto out;
        }
        if (k0 == prev) { /* metafor stops when k0 repeats (from 0) */
            converged = 1;
            break;
        }
    }
    if (!converged) {
        msc_warnings_add(w, "trim and fill: the algorithm did not converge in %d iterations",
                         TF_MAXITER);
        rc = MSC_OK;
        goto out;
    }
    tf->k0 = k0;
    if (k0 == 0) { /* metafor returns the original fit */
        tf->e = *msc_fit_main_block(orig);
        tf->tau2 = orig->has_random ? orig->het.tau2 : 0.0;
    } else {
        /* the filled studies mirror the k0 most extreme about the trimmed
         * estimate, 2 beta - y on the sorted scale */
        tf->filled_yi = malloc(k0 * sizeof *tf->filled_yi);
        tf->filled_vi = malloc(k0 * sizeof *tf->filled_vi);
        double *y2 = malloc(3 * (k + k0) * sizeof *y2);
        if (!tf->filled_yi || !tf->filled_vi || !y2) {
            free(y2);
            rc = MSC_ERR_NOMEM;
            goto out;
        }
        double *v2 = y2 + k + k0, *n2 = y2 + 2 * (k + k0);
        memcpy(y2, t->y, k * sizeof *y2);
        memcpy(v2, t->v, k * sizeof *v2);
        memcpy(n2, t->n, k * sizeof *n2);
        for (size_t j = 0; j < k0; j++) {
            size_t s = k - k0 + j;
            tf->filled_yi[j] = sgn * (2.0 * beta - ys[s]);
            tf->filled_vi[j] = vs[s];
            y2[k + j] = tf->filled_yi[j];
            v2[k + j] = vs[s];
            n2[k + j] = ns[s];
        }
        msc_fit f;
        msc_settings s = t->s;
        s.test = MSC_TEST_Z; /* trimfill() refits with rma()'s default test */
        s.pi = MSC_PI_Z;
        msc_warnings ignore = {0};
        rc = msc_pool_fit_flags(y2, v2, n2, k + k0, &s, MSC_FIT_NO_TAU2_CI, &f, &ignore);
        msc_warnings_clear(&ignore);
        free(y2);
        if (rc != MSC_OK)
            goto out;
        tf->e = *msc_fit_main_block(&f);
        tf->tau2 = f.has_random ? f.het.tau2 : 0.0;
    }
    tf->e.pi_lo = tf->e.pi_hi = tf->e.pi_lo_yi = tf->e.pi_hi_yi = tf->e.pi_df = NAN;
    tf->ok = 1;
    rc = MSC_OK;
out:
    free(ord);
    free(rk);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- entry */

void msc_bias_free(msc_bias *b)
{
    if (!b)
        return;
    free(b->trim_fill.filled_yi);
    free(b->trim_fill.filled_vi);
    b->trim_fill.filled_yi = b->trim_fill.filled_vi = NULL;
}

/* The studies idx[0..m) of st with a finite yi and a positive vi, into t
 * (buf: 3m doubles); *dropped: those without. */
static void gather(const msc_studies *st, const size_t *idx, size_t m, const msc_settings *s,
                   double *buf, tested *t, size_t *dropped)
{
    t->s = *s;
    if (s->method == MSC_METHOD_GLMM) {
        t->s.method = MSC_METHOD_REML;
        t->s.measure = MSC_PLO;
        t->s.test = MSC_TEST_Z;
    }
    t->y = buf, t->v = buf + m, t->n = buf + 2 * m;
    double sinv = 0;
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        if (!(isfinite(st->yi[i]) && isfinite(st->vi[i]) && st->vi[i] > 0.0))
            continue; /* GLMM with --cc-mode none: no logit at 0 or n events */
        t->y[k] = st->yi[i];
        t->v[k] = st->vi[i];
        t->n[k] = st->ni[i];
        sinv += 1.0 / st->ni[i];
        k++;
    }
    t->k = k;
    t->nhm = (double)k / sinv;
    *dropped = m - k;
}

/* The fit of the studies t with the settings' test: trimfill()'s result
 * when it fills nothing. */
static msc_status original_fit(const tested *t, msc_fit *f)
{
    msc_settings os = t->s;
    os.pi = MSC_PI_Z;
    msc_warnings ignore = {0};
    msc_status rc = msc_pool_fit_flags(t->y, t->v, t->n, t->k, &os, MSC_FIT_NO_TAU2_CI, f, &ignore);
    msc_warnings_clear(&ignore);
    return rc;
}

msc_status msc_trim_fill(const msc_studies *st, const size_t *idx, size_t m,
                         const msc_settings *s, msc_tf_estimator est, int side, msc_trimfill *tf,
                         msc_warnings *w)
{
    if (!idx)
        m = st->k;
    double *buf = malloc(3 * (m ? m : 1) * sizeof *buf);
    if (!buf)
        return MSC_ERR_NOMEM;
    tested t;
    size_t dropped;
    gather(st, idx, m, s, buf, &t, &dropped);
    msc_fit orig;
    msc_status rc = t.k ? original_fit(&t, &orig) : MSC_ERR_INPUT;
    if (rc == MSC_OK)
        rc = trim_fill(&t, &orig, est, side, tf, w);
    free(buf);
    return rc;
}

msc_status msc_bias_tests(const msc_studies *st, const size_t *idx, size_t m,
                          const msc_settings *s, msc_tf_estimator est, msc_bias *out,
                          msc_warnings *w)
{
    memset(out, 0, sizeof *out);
    regtest_clear(&out->egger);
    regtest_clear(&out->egger_rma);
    regtest_clear(&out->peters);
    out->begg.tau = out->begg.p = NAN;
    msc_estimate_clear(&out->trim_fill.e);
    out->trim_fill.tau2 = NAN;
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    if (!idx)
        m = st->k;
    double *buf = malloc(4 * (m ? m : 1) * sizeof *buf);
    if (!buf)
        return MSC_ERR_NOMEM;
    tested t;
    size_t dropped;
    gather(st, idx, m, s, buf, &t, &dropped);
    double *x = buf + 3 * m;
    size_t k = out->k = t.k;
    msc_status rc = MSC_OK;
    if (s->method == MSC_METHOD_GLMM)
        msc_warnings_add(w, "small-study tests: the GLMM has no study variances, so the tests "
                            "use escalc's logit with its continuity correction (and REML where "
                            "a model is fitted), as metafor would");
    if (dropped)
        msc_warnings_add(w, "small-study tests: %zu stud%s with an undefined logit left out",
                         dropped, dropped == 1 ? "y" : "ies");
    if (k < MIN_STUDIES)
        msc_warnings_add(w,
                         "small-study tests: only %zu stud%s; the Cochrane Handbook advises these "
                         "tests only with at least %d studies, as below that they cannot tell "
                         "chance from asymmetry (the results are shown anyway)",
                         k, k == 1 ? "y" : "ies", MIN_STUDIES);
    const char *why = NULL;
    for (size_t i = 0; i < k; i++)
        x[i] = sqrt(t.v[i]);
    if (!wls(&t, x, &out->egger, &why))
        msc_warnings_add(w, "Egger's test: %s", why);
    if (!rma_on_se(&t, 0, &out->egger_rma, "Egger's test (meta-regression)", w, &rc, &why) &&
        rc == MSC_OK)
        msc_warnings_add(w, "Egger's test (meta-regression): the regression on sqrt(vi) %s", why);
    for (size_t i = 0; i < k; i++)
        x[i] = 1.0 / t.n[i];
    if (!wls(&t, x, &out->peters, &why))
        msc_warnings_add(w, "Peters' test: %s", why);
    if (rc == MSC_OK && !ranktest(&t, &out->begg, &rc, &why) && rc == MSC_OK)
        msc_warnings_add(w, "Begg's test: %s", why);
    if (rc == MSC_OK && k >= 1) {
        msc_fit orig;
        rc = original_fit(&t, &orig);
        if (rc == MSC_OK)
            rc = trim_fill(&t, &orig, est, -1, &out->trim_fill, w);
    }
    free(buf);
    return rc;
}
