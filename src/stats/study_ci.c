/*
 * Per-study confidence intervals for a proportion x/n, for display. All are
 * on the proportion scale and inside [0, 1]:
 *   cp        Clopper-Pearson (exact; R's binom.test)
 *   wilson    Wilson score (R's prop.test(correct = FALSE))
 *   jeffreys  Beta(x+1/2, n-x+1/2) quantiles, 0 at x = 0 and 1 at x = n
 *   ac        Agresti-Coull (Wilson's centre, Wald's width on n + z^2)
 *   wald      p +/- z sqrt(p(1-p)/n), clipped
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

static double clip01(double v) { return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v); }

void msc_study_ci_compute(msc_study_ci method, double x, double n, double level, double *lo,
                          double *hi)
{
    double alpha = 1.0 - level;
    double z = gsl_cdf_ugaussian_Qinv(alpha / 2.0);
    double p = x / n;
    switch (method) {
    case MSC_SCI_CP:
        *lo = x <= 0.0 ? 0.0 : msc_beta_quantile(alpha / 2.0, x, n - x + 1.0, 0);
        *hi = x >= n ? 1.0 : msc_beta_quantile(alpha / 2.0, x + 1.0, n - x, 1);
        break;
    case MSC_SCI_JEFFREYS:
        *lo = x <= 0.0 ? 0.0 : msc_beta_quantile(alpha / 2.0, x + 0.5, n - x + 0.5, 0);
        *hi = x >= n ? 1.0 : msc_beta_quantile(alpha / 2.0, x + 0.5, n - x + 0.5, 1);
        break;
    case MSC_SCI_WILSON: {
        /* prop.test: (p + z^2/2n +/- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n) */
        double z22n = z * z / (2.0 * n);
        double half = z * sqrt(p * (1.0 - p) / n + z22n / (2.0 * n));
        *lo = clip01((p + z22n - half) / (1.0 + 2.0 * z22n));
        *hi = clip01((p + z22n + half) / (1.0 + 2.0 * z22n));
        break;
    }
    case MSC_SCI_AC: {
        /* Agresti & Coull (1998): add z^2/2 successes and failures */
        double nt = n + z * z;
        double pt = (x + z * z / 2.0) / nt;
        double half = z * sqrt(pt * (1.0 - pt) / nt);
        *lo = clip01(pt - half);
        *hi = clip01(pt + half);
        break;
    }
    case MSC_SCI_WALD: {
        double half = z * sqrt(p * (1.0 - p) / n);
        *lo = clip01(p - half);
        *hi = clip01(p + half);
        break;
    }
    }
}

/* Exact one-sided upper bound: the `level` quantile of Beta(x+1, n-x). For
 * x = 0 this is 1 - (1-level)^(1/n), the bound behind the "rule of three". */
double msc_study_ci_upper_exact(double x, double n, double level)
{
    if (x >= n)
        return 1.0;
    if (x <= 0.0)
        return -expm1(log1p(-level) / n);
    return msc_beta_quantile(1.0 - level, x + 1.0, n - x, 1);
}
