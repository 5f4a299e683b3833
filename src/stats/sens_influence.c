/*
 * Influence diagnostics of an intercept-only model, as metafor 3.8-1's
 * influence.rma.uni() defines them (Viechtbauer & Cheung 2010), and the
 * Baujat coordinates (Baujat et al. 2002; metafor's baujat()). Everything
 * comes from the full fit and the leave-one-out fits: O(1) per study.
 * With mu the estimate, SE(mu)^2 its variance (with the Knapp-Hartung
 * factor under knha), and (-i) the fit without study i, whose own factor
 * is s2w_(-i):
 *
 *   rstudent  (y_i - mu_(-i)) / sqrt(v_i s2w_(-i) + SE(mu_(-i))^2 + tau2_(-i) s2w_(-i))
 *   dffits    (mu - mu_(-i)) / sqrt(s2w_(-i) hat_i (tau2_(-i) + v_i))
 *   cook_d    (mu - mu_(-i))^2 / SE(mu)^2
 *   cov_r     SE(mu_(-i))^2 / SE(mu)^2
 *   hat       w_i / sum w, w = 1/(v + tau^2); weight = 100 hat
 *   dfbetas   (mu - mu_(-i)) / sqrt(s2w_(-i) / sum_all 1/(v_j + tau2_(-i)))
 *   influential: |dffits| > 3 sqrt(1/(k-1)), P(chi^2_1 <= cook_d) > 0.5,
 *             hat > 3/k, or |dfbetas| > 1
 *   baujat    x = (y_i - mu)^2 / (v_i + tau^2), y = (mu_(-i) - mu)^2 / SE(mu_(-i))^2
 */
#include <float.h>
#include <math.h>

#include "msc_sens.h"

static void clear(msc_influence *o)
{
    o->rstudent = o->resid = o->resid_se = NAN;
    o->dffits = o->cook_d = o->cov_r = o->tau2_del = o->Q_del = NAN;
    o->hat = o->weight = o->dfbetas = NAN;
    o->influential = 0;
    o->baujat_x = o->baujat_y = NAN;
}

void msc_sens_influence(const msc_studies *st, const size_t *idx, size_t m,
                        const msc_settings *s, const msc_fit *full, const msc_sens_fit *loo,
                        msc_influence *out)
{
    if (!idx)
        m = st->k;
    int glmm = s->method == MSC_METHOD_GLMM, fe = !full->has_random;
    const msc_estimate *fb = msc_fit_main_block(full);
    double mu = fb->yi, se = fb->se, tau2 = fe ? 0.0 : full->het.tau2;
    double sw = fe ? full->sum_w_common : full->sum_w_random;
    double kk = (double)m;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        double y = st->yi[i], v = st->vi[i];
        const msc_sens_fit *r = &loo[j];
        msc_influence *o = &out[j];
        clear(o);
        o->baujat_x = (y - mu) * (y - mu) / (v + tau2);
        if (!r->ok)
            continue;
        double mud = r->e.yi, sed = r->e.se, t2d = fe ? 0.0 : r->tau2;
        double s2w = glmm ? 1.0 : r->s2w, diff = mu - mud;
        o->tau2_del = t2d;
        o->Q_del = r->Q;
        o->resid = y - mud;
        if (fabs(o->resid) < 100.0 * DBL_EPSILON)
            o->resid = 0.0; /* as metafor */
        o->resid_se = sqrt(v * s2w + sed * sed + t2d * s2w);
        o->rstudent = o->resid / o->resid_se;
        o->cook_d = diff * diff / (se * se);
        o->cov_r = sed * sed / (se * se);
        if (glmm) {
            o->dffits = diff / sed; /* the GLMM's own SE: it has no hat values */
        } else {
            o->hat = 1.0 / (v + tau2) / sw;
            o->weight = 100.0 * o->hat;
            o->dffits = diff / sqrt(s2w * o->hat * (t2d + v));
            double sw_all = r->sw + 1.0 / (v + t2d); /* all k studies at tau2_(-i) */
            o->dfbetas = diff / sqrt(s2w / sw_all);
        }
        o->baujat_y = diff * diff / (sed * sed);
        /* metafor's rule with p = 1; a missing value counts as not influential */
        o->influential = fabs(o->dffits) > 3.0 * sqrt(1.0 / (kk - 1.0)) ||
                         (isfinite(o->cook_d) && msc_pchisq(o->cook_d, 1.0, 0) > 0.5) ||
                         o->hat > 3.0 / kk || fabs(o->dfbetas) > 1.0;
    }
}
