/*
 * Quantiles of the normal, t and chi^2 distributions, right over the whole
 * range mscmeta can reach: any confidence level in (0, 1) and up to ten
 * million studies (df up to 10^7 and beyond).
 *
 * GSL's inverse CDFs are fast and exact in the common range, so they are
 * tried first, but they fail outside it: gsl_cdf_chisq_Qinv drifts above
 * about 30,000 df (at 49,999 df it returns 61,742 where R's qchisq gives
 * 50,621), gsl_cdf_chisq_Pinv returns NaN at 10^6 df, and
 * gsl_cdf_tdist_Qinv is off by 1e-5 at p = 1e-12 with 1 df. The tail
 * probabilities (gsl_cdf_chisq_P/Q up to 10^5 df, msc_t_upper) stay accurate
 * there, and above 10^5 df the chi^2 tails are summed here (msc_pchisq)
 * as GSL's fail at 10^7 df. So every quantile GSL returns is checked by evaluating the tail at
 * it; one that misses p by more than 1e-9 relative (the error of a right
 * quantile is about 1e-13) is replaced by the root of tail(x) = p, found by
 * Newton's method inside a bracket, from the Wilson-Hilferty (chi^2) or
 * GSL's own (t) starting value.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "msc_stats.h"

#define CHECK_REL 1e-9 /* how far the tail at a quantile may miss p */
#define GSL_MAX_DF 1e5 /* GSL's chi^2 tails are used up to here */
#define LN_SQRT_2PI 0.91893853320467274178

/* ------------------------------------------------------ chi^2 tails */

/* log of x^a e^-x / Gamma(a + 1), without cancellation for large a: with
 * x = a (1 + u) it is a (log1p(u) - u) - ln sqrt(2 pi a) - delta(a), where
 * delta is Stirling's remainder and log1p(u) - u is summed as a series
 * for small u (both terms are about u there). */
static double gamma_front(double a, double x)
{
    double u = (x - a) / a, t;
    if (fabs(u) < 0.1) {
        double term = u * u, sum = 0;
        for (int n = 2; n < 60; n++, term *= u) {
            double add = (n % 2 ? 1.0 : -1.0) * term / n;
            sum += add;
            if (fabs(add) < 1e-18 * fabs(sum))
                break;
        }
        t = sum; /* -u^2/2 + u^3/3 - ... */
    } else {
        t = log1p(u) - u;
    }
    return a * t - 0.5 * log(a) - LN_SQRT_2PI - msc_stirling_delta(a);
}

/* P(a, x), the lower regularised incomplete gamma, by its series
 * (x < a + 1): front * sum x^n / ((a+1)...(a+n)). */
static double gamma_p_series(double a, double x)
{
    double term = 1.0, sum = 1.0;
    for (long n = 1; n < 100000000L; n++) {
        term *= x / (a + (double)n);
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return exp(gamma_front(a, x)) * sum;
}

/* Q(a, x), the upper one, by its continued fraction (x >= a + 1), modified
 * Lentz: front * a / (x + 1 - a - 1(1-a)/(x + 3 - a - ...)). */
static double gamma_q_cf(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (long i = 1; i < 100000000L; i++) {
        double an = -(double)i * ((double)i - a);
        b += 2.0;
        d = an * d + b;
        d = fabs(d) < tiny ? tiny : d;
        c = b + an / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return exp(gamma_front(a, x) + log(a)) * h;
}

/* GSL's chi^2 tails lose their accuracy at large df (at 10^7 df the
 * incomplete gamma's asymptotic branch fails outright); above GSL_MAX_DF
 * the incomplete gamma is summed here, the front factor in log form. */
double msc_pchisq(double x, double df, int upper)
{
    if (isnan(x) || !(df > 0))
        return NAN;
    if (x <= 0)
        return upper ? 1.0 : 0.0;
    if (isinf(x))
        return upper ? 0.0 : 1.0;
    if (df <= GSL_MAX_DF)
        return upper ? gsl_cdf_chisq_Q(x, df) : gsl_cdf_chisq_P(x, df);
    double a = 0.5 * df, hx = 0.5 * x;
    if (hx < a + 1.0) {
        double p = gamma_p_series(a, hx);
        return upper ? 1.0 - p : p;
    }
    double q = gamma_q_cf(a, hx);
    return upper ? q : 1.0 - q;
}

/* ----------------------------------------------------------- quantiles */

/* A distribution's upper tail P(X > x), its density, and df. */
typedef struct {
    double (*upper)(double x, double df);
    double (*lower)(double x, double df);
    double (*pdf)(double x, double df);
    double df;
} dist;

static double chisq_upper(double x, double df) { return msc_pchisq(x, df, 1); }
static double chisq_lower(double x, double df) { return msc_pchisq(x, df, 0); }
static double chisq_pdf(double x, double df) { return gsl_ran_chisq_pdf(x, df); }
static double t_upper(double x, double df) { return msc_t_upper(x, df); }
static double t_lower(double x, double df) { return msc_t_upper(-x, df); }
static double t_pdf(double x, double df) { return gsl_ran_tdist_pdf(x, df); }

/* The tail (upper, or lower) at x, minus p: decreasing in x for the upper
 * tail, increasing for the lower one. */
static double miss(const dist *d, double x, double p, int upper)
{
    return (upper ? d->upper(x, d->df) : d->lower(x, d->df)) - p;
}

static int accurate(const dist *d, double x, double p, int upper)
{
    return isfinite(x) && fabs(miss(d, x, p, upper)) <= CHECK_REL * p;
}

/* The x with tail(x) = p, from the guess x0, for x in [xmin, inf).
 * Brackets the root by stepping away from x0, then takes Newton steps,
 * bisecting whenever a step would leave the bracket. */
static double solve(const dist *d, double p, int upper, double x0, double xmin)
{
    int dir = upper ? 1 : -1; /* miss() falls as x grows when dir = 1 */
    if (!isfinite(x0) || x0 < xmin)
        x0 = xmin > 0 ? xmin : 1.0;
    double lo = x0, hi = x0, step = fmax(1.0, fabs(x0)) * 0.01;
    /* lo: miss has the sign of dir (x too small); hi: the opposite */
    for (int i = 0; i < 2000 && dir * miss(d, lo, p, upper) < 0; i++) {
        lo = fmax(xmin, lo - step);
        step *= 2;
        if (lo == xmin)
            break;
    }
    step = fmax(1.0, fabs(x0)) * 0.01;
    for (int i = 0; i < 2000 && dir * miss(d, hi, p, upper) > 0; i++) {
        hi += step;
        step *= 2;
    }
    double x = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double f = miss(d, x, p, upper);
        if (f == 0)
            break;
        if (dir * f > 0)
            lo = x;
        else
            hi = x;
        double slope = -dir * d->pdf(x, d->df); /* d miss / dx */
        double next = slope != 0 ? x - f / slope : NAN;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - x) <= 4e-16 * fabs(x) || hi - lo <= 4e-16 * fabs(x)) {
            x = next;
            break;
        }
        x = next;
    }
    return x;
}

double msc_qnorm_upper(double p) { return gsl_cdf_ugaussian_Qinv(p); }

double msc_qt_upper(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    double x = gsl_cdf_tdist_Qinv(p, df);
    dist d = {t_upper, t_lower, t_pdf, df};
    if (accurate(&d, x, p, 1))
        return x;
    return solve(&d, p, 1, x, -INFINITY);
}

double msc_qchisq(double p, double df, int upper)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    double x = upper ? gsl_cdf_chisq_Qinv(p, df) : gsl_cdf_chisq_Pinv(p, df);
    dist d = {chisq_upper, chisq_lower, chisq_pdf, df};
    if (accurate(&d, x, p, upper))
        return x;
    /* Wilson-Hilferty: (X/df)^(1/3) is close to normal */
    double z = upper ? gsl_cdf_ugaussian_Qinv(p) : gsl_cdf_ugaussian_Pinv(p);
    double c = 2.0 / (9.0 * df), w = 1.0 - c + z * sqrt(c);
    double x0 = w > 0 ? df * w * w * w : df * 1e-3;
    return solve(&d, p, upper, x0, 0.0);
}
