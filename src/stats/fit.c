/*
 * One fit of any method to any subset of an outcome's studies: the step
 * every analysis repeats. The whole outcome, each subgroup, and the k fits
 * of a leave-one-out analysis are all msc_fit_studies on an index list.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

/* The test of H0: proportion = s->null_prop on e's model scale, with e's
 * own reference distribution (t when e->df is finite). An exact block has
 * no SE and no test. */
static void null_test(msc_estimate *e, const msc_settings *s, double nhm)
{
    msc_measure m = msc_method_uses_counts(s->method) ? MSC_PLO : s->measure;
    e->null_prop = s->null_prop;
    if (e->exact || !(e->se > 0.0) || !isfinite(e->se))
        return;
    double g = msc_effect_transform(m, s->null_prop, nhm);
    e->null_stat = (e->yi - g) / e->se;
    double t = fabs(e->null_stat);
    e->null_p = 2.0 * (isfinite(e->df) ? msc_t_upper(t, e->df) : gsl_cdf_ugaussian_Q(t));
}

msc_status msc_fit_studies(const msc_studies *st, const size_t *idx, size_t m,
                           const msc_settings *s, unsigned flags, msc_fit *f, msc_warnings *w)
{
    return msc_fit_studies_loo(st, idx, m, s, flags, NULL, 0, f, w);
}

msc_status msc_fit_studies_loo(const msc_studies *st, const size_t *idx, size_t m,
                               const msc_settings *s, unsigned flags, const msc_glmm_loo *L,
                               size_t out, msc_fit *f, msc_warnings *w)
{
    if (msc_stats_settings_ok(s, w) != MSC_OK)
        return MSC_ERR_USAGE;
    const double *x = st->xi, *n = st->ni, *y = st->yi, *v = st->vi;
    double *buf = NULL;
    if (!idx) {
        m = st->k;
    } else {
        /* gathered copies: the fits read contiguous arrays */
        buf = malloc(4 * (m ? m : 1) * sizeof *buf);
        if (!buf)
            return MSC_ERR_NOMEM;
        double *gx = buf, *gn = buf + m, *gy = buf + 2 * m, *gv = buf + 3 * m;
        for (size_t j = 0; j < m; j++) {
            size_t i = idx[j];
            gx[j] = st->xi[i];
            gn[j] = st->ni[i];
            gy[j] = st->yi[i];
            gv[j] = st->vi[i];
        }
        x = gx, n = gn, y = gy, v = gv;
    }
    /* No prediction interval: the z interval, which never warns, then
     * cleared; nothing else depends on s->pi. */
    msc_settings z;
    if (flags & MSC_FIT_NO_PI) {
        z = *s;
        z.pi = MSC_PI_Z;
        s = &z;
    }
    msc_status rc = s->method == MSC_METHOD_GLMM && L
                        ? msc_glmm_fit_loo(x, n, v, m, s, flags, L, st->xi[out], st->ni[out], f, w)
                    : s->method == MSC_METHOD_GLMM ? msc_glmm_fit_flags(x, n, v, m, s, flags, f, w)
                    : s->method == MSC_METHOD_BB   ? msc_bb_fit(x, n, v, m, s, f, w)
                                                   : msc_pool_fit_flags(y, v, n, m, s, flags, f, w);
    free(buf);
    if (rc == MSC_OK && (flags & MSC_FIT_NO_PI)) {
        msc_estimate *e[2] = {&f->common, &f->random};
        for (int j = 0; j < 2; j++)
            e[j]->pi_lo_yi = e[j]->pi_hi_yi = e[j]->pi_lo = e[j]->pi_hi = e[j]->pi_df = NAN;
    }
    if (rc == MSC_OK)
        msc_fit_check(f, w);
    if (rc == MSC_OK && !isnan(s->null_prop)) {
        null_test(&f->common, s, f->nhm);
        if (f->has_random)
            null_test(&f->random, s, f->nhm);
    }
    return rc;
}

void msc_fit_counts_init(msc_fit *f, msc_method method, size_t k)
{
    memset(f, 0, sizeof *f);
    msc_estimate_clear(&f->common);
    msc_estimate_clear(&f->random);
    f->method = method;
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
}

/* An interval [*lo, *hi] whose ends are both numbers and in the wrong
 * order: both set to NAN. Returns 1 when it was. */
static int unreverse(double *lo, double *hi)
{
    if (!(isfinite(*lo) && isfinite(*hi) && *lo > *hi))
        return 0;
    *lo = *hi = NAN;
    return 1;
}

static int check_estimate(msc_estimate *e)
{
    return unreverse(&e->ci_lo_yi, &e->ci_hi_yi) + unreverse(&e->ci_lo, &e->ci_hi) +
           unreverse(&e->pi_lo_yi, &e->pi_hi_yi) + unreverse(&e->pi_lo, &e->pi_hi);
}

int msc_fit_check(msc_fit *f, msc_warnings *w)
{
    msc_heterogeneity *h = &f->het;
    int bad = check_estimate(&f->common) + (f->has_random ? check_estimate(&f->random) : 0) +
              unreverse(&h->tau2_lo, &h->tau2_hi) + unreverse(&h->I2_lo, &h->I2_hi) +
              unreverse(&h->H2_lo, &h->H2_hi);
    if (bad && w)
        msc_warnings_add(w,
                         "internal check: %d interval%s came out reversed (lower bound above "
                         "the upper) and %s shown as missing; this is a bug in mscmeta: "
                         "please report it with the data",
                         bad, bad == 1 ? "" : "s", bad == 1 ? "is" : "are");
    return bad;
}

msc_status msc_stats_settings_ok(const msc_settings *s, msc_warnings *w)
{
    char err[MSC_ERRBUF];
    msc_status st = msc_settings_check(s, err, sizeof err);
    if (st != MSC_OK && w)
        msc_warnings_add(w, "%s", err);
    return st;
}
