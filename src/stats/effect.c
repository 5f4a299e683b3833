/*
 * Per-study effect sizes for proportions, exactly as metafor's escalc()
 * computes them (measures PR, PLN, PLO, PAS, PFT, vtype "LS"), and the
 * back-transformations metafor's transf.* functions apply.
 */
#include <math.h>

#include "mscmeta/mscmeta.h"

/* Freeman-Tukey double arcsine of x events in n (metafor's transf.pft with
 * x = p*n): 1/2 [asin sqrt(x/(n+1)) + asin sqrt((x+1)/(n+1))]. */
static double pft(double x, double n)
{
    return 0.5 * (asin(sqrt(x / (n + 1.0))) + asin(sqrt((x + 1.0) / (n + 1.0))));
}

void msc_effect_compute(msc_measure m, double x, double n, double add, msc_cc_mode mode, int any0,
                        double *yi, double *vi)
{
    double mi = n - x; /* non-events */
    int zero = x == 0.0 || mi == 0.0;
    /* escalc adds `add` to both cells: to="all" always, "only0" for studies
     * with 0 or n events, "if0all" to every study when any has 0 or n. */
    if (mode == MSC_CC_ALL || (mode == MSC_CC_ONLY0 && zero) || (mode == MSC_CC_IF0ALL && any0)) {
        x += add;
        mi += add;
    }
    n = x + mi;
    double p = x / n;
    switch (m) {
    case MSC_PR:
        *yi = p;
        *vi = p * (1.0 - p) / n;
        break;
    case MSC_PLN:
        *yi = log(p);
        *vi = 1.0 / x - 1.0 / n;
        break;
    case MSC_PLO:
        *yi = log(x / mi); /* = log(p/(1-p)), without the rounding of 1-p */
        *vi = 1.0 / x + 1.0 / mi;
        break;
    case MSC_PAS:
        *yi = asin(sqrt(p));
        *vi = 1.0 / (4.0 * n);
        break;
    case MSC_PFT:
        *yi = pft(x, n);
        *vi = 1.0 / (4.0 * n + 2.0);
        break;
    }
}

/* Miller (1978) inverse of the double arcsine, as metafor's transf.ipft:
 * p = 1/2 [1 - sgn(cos 2t) sqrt(1 - (sin 2t + (sin 2t - 1/sin 2t)/n)^2)],
 * with t beyond the transforms of 0 and 1 mapped to 0 and 1. */
static double ipft(double t, double n)
{
    if (t > pft(n, n))
        return 1.0;
    if (t < pft(0.0, n))
        return 0.0;
    double s = sin(2.0 * t), c = cos(2.0 * t);
    double a = s + (s - 1.0 / s) / n;
    double r = 1.0 - a * a;
    if (!(r >= 0.0))
        return NAN; /* metafor returns NA here too */
    double sg = c > 0.0 ? 1.0 : (c < 0.0 ? -1.0 : 0.0);
    return 0.5 * (1.0 - sg * sqrt(r));
}

double msc_effect_backtransform(msc_measure m, double y, double nhm)
{
    if (isnan(y))
        return NAN;
    switch (m) {
    case MSC_PR:
        return y;
    case MSC_PLN:
        return exp(y);
    case MSC_PLO:
        /* inverse logit, written to stay accurate in both tails */
        return y >= 0.0 ? 1.0 / (1.0 + exp(-y)) : exp(y) / (1.0 + exp(y));
    case MSC_PAS:
        /* metafor's transf.iarcsin: sin^2 inside [0, pi/2], clamped outside */
        if (y < 0.0)
            return 0.0;
        if (y > asin(1.0))
            return 1.0;
        return sin(y) * sin(y);
    case MSC_PFT:
        return ipft(y, nhm);
    }
    return NAN;
}

double msc_effect_transform(msc_measure m, double p, double nhm)
{
    switch (m) {
    case MSC_PR:
        return p;
    case MSC_PLN:
        return log(p);
    case MSC_PLO:
        return log(p / (1.0 - p));
    case MSC_PAS:
        return asin(sqrt(p));
    case MSC_PFT:
        return pft(p * nhm, nhm);
    }
    return NAN;
}
