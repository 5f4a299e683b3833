/*
 * The beta distribution for any shape parameters a, b >= 1/2 up to 1e15.
 *
 * Exact (Clopper-Pearson) and Jeffreys intervals are beta quantiles with
 * a + b = n + 1. GSL's CDF gsl_cdf_beta_P is accurate for moderate n, but
 * beyond a + b of about 1e6 its functions return NaN, lose accuracy or do
 * not return at all; the pooled exact interval (sum x of sum n) reaches
 * such sizes on large data sets. So above GSL_MAX_AB this file computes
 * the regularised incomplete beta itself:
 *
 *  - the factor x^a (1-x)^b / B(a,b) in log form around the mean
 *    x0 = a/(a+b), with Stirling's series for the log-gammas, so that
 *    nothing cancels (lgamma of 1e9 has only 6 correct digits left after
 *    a subtraction);
 *  - the continued fraction for I_x(a,b) (DLMF 8.17.22), evaluated by the
 *    modified Lentz method, on the side of the mean where it converges;
 *  - for min(a,b) above CF_MAX_MIN, where the fraction would need too many
 *    terms, the Cornish-Fisher expansion of the nearly normal distribution
 *    (error far below the interval's width).
 * The quantile is Newton's method on that CDF inside a shrinking bracket.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

#define GSL_MAX_AB 2e5
#define CF_MAX_MIN 1e10
#define BINOM_MAX_MIN 1000 /* whole shapes up to here: the binomial sum */
#define LN_SQRT_2PI 0.91893853320467274178

/* Stirling's remainder: lgamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)]. */
double msc_stirling_delta(double z)
{
    if (z < 10.0)
        return lgamma(z) - ((z - 0.5) * log(z) - z + LN_SQRT_2PI);
    double z2 = 1.0 / (z * z);
    return (1.0 / 12.0 - z2 * (1.0 / 360.0 - z2 * (1.0 / 1260.0 - z2 / 1680.0))) / z;
}

/* log of x^a (1-x)^b / B(a,b), without cancellation for large a, b. */
static double log_front(double x, double a, double b)
{
    double s = a + b, x0 = a / s;
    /* a ln(x/x0) + b ln((1-x)/(1-x0)) through log1p of small relative
     * changes; far below the mean (x/x0 near 0: the far tail of a bound
     * with few events) x/x0 keeps its digits where (x - x0)/x0 would not */
    double r = x / x0;
    double t = (r < 0.5 ? a * log(r) : a * log1p((x - x0) / x0)) + b * log1p((x0 - x) / (1.0 - x0));
    return t + 0.5 * log(a * b / s) - LN_SQRT_2PI - msc_stirling_delta(a) - msc_stirling_delta(b) +
           msc_stirling_delta(s);
}

/* I_x(a,b) by the continued fraction; valid for x <= (a+1)/(a+b+2). */
static double inc_beta_cf(double x, double a, double b)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (long m = 1; m < 100000000L; m++) {
        double mm = (double)m, m2 = 2.0 * mm;
        double num = mm * (b - mm) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + num / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + mm) * (a + b + mm) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + num * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + num / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < eps)
            break;
    }
    return exp(log_front(x, a, b)) * h / a;
}

/* Moments for the Cornish-Fisher expansion. */
static void beta_moments(double a, double b, double *mean, double *sd, double *skew, double *exkurt)
{
    double s = a + b;
    *mean = a / s;
    *sd = sqrt(a * b / (s * s * (s + 1.0)));
    *skew = 2.0 * (b - a) * sqrt(s + 1.0) / ((s + 2.0) * sqrt(a * b));
    *exkurt =
        6.0 * ((a - b) * (a - b) * (s + 1.0) - a * b * (s + 2.0)) / (a * b * (s + 2.0) * (s + 3.0));
}

/* base + the Cornish-Fisher correction at the standard normal deviate z,
 * the terms added to base one at a time from the left (the order fixes the
 * rounding): base 0 gives the correction alone, for the CDF; base z the
 * standardised quantile. */
static double cornish_fisher(double base, double z, double g1, double g2)
{
    return base + g1 / 6.0 * (z * z - 1.0) + g2 / 24.0 * (z * z * z - 3.0 * z) -
           g1 * g1 / 36.0 * (2.0 * z * z * z - 5.0 * z);
}

/* bd0(x, m) = x ln(x/m) + m - x, the deviance term of a binomial
 * probability, summed as a series where x is close to m (Loader 2000). */
static double bd0(double x, double m)
{
    if (fabs(x - m) < 0.1 * (x + m)) {
        double v = (x - m) / (x + m), s = (x - m) * v, ej = 2.0 * x * v;
        v *= v;
        for (int j = 1; j < 1000; j++) {
            ej *= v;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
        return s;
    }
    return x * log(x / m) + m - x;
}

/* ln P(Bin(N, p) = j), p + q = 1 given apart, by Loader's saddle-point
 * form (as R's dbinom): no log-gammas of N cancel. */
static double log_dbinom(double j, double N, double p, double q)
{
    if (j == 0)
        return N * (p < 0.1 ? log1p(-p) : log(q));
    if (j == N)
        return N * (q < 0.1 ? log1p(-q) : log(p));
    double lc = msc_stirling_delta(N) - msc_stirling_delta(j) - msc_stirling_delta(N - j) -
                bd0(j, N * p) - bd0(N - j, N * q);
    return lc - 0.5 * log(6.283185307179586477 * j * (N - j) / N);
}

/* P(Bin(N, p) <= m) for a small whole m, or with `above` set P(Bin > m),
 * each summed term by term on its own side, so that a tail near 0 keeps
 * its digits: above m the terms fall away geometrically once past the
 * mean N p, which lies below m + 1 whenever the sum is taken there. */
static double binom_tail(double m, double N, double p, double q, int above)
{
    double sum = 0;
    if (!above || N * p >= m + 1.0) {
        for (double j = 0; j <= m; j++)
            sum += exp(log_dbinom(j, N, p, q));
        return above ? 1.0 - sum : sum;
    }
    for (double j = m + 1.0; j <= N; j++) {
        double t = exp(log_dbinom(j, N, p, q));
        sum += t;
        if (t <= 1e-17 * sum && j > N * p)
            break;
    }
    return sum;
}

/* P(X <= x), or P(X > x) when upper is set. */
static double beta_cdf(double x, double a, double b, int upper)
{
    if (x <= 0.0)
        return upper ? 1.0 : 0.0;
    if (x >= 1.0)
        return upper ? 0.0 : 1.0;
    if (a + b <= GSL_MAX_AB)
        return upper ? gsl_cdf_beta_Q(x, a, b) : gsl_cdf_beta_P(x, a, b);
    if (fmin(a, b) <= BINOM_MAX_MIN && a == floor(a) && b == floor(b)) {
        /* Whole shapes, one of them small (a few events in a huge n, the
         * exact bounds' case): I_x(a, b) = P(Bin(a + b - 1, x) >= a), a
         * short sum. The continued fraction would work near its limit
         * there, where 1 - x and its first terms cancel: 0 events in 10^15
         * patients lost all but 2 digits. */
        double N = a + b - 1.0;
        if (a <= b) /* P(B > x) = P(Bin(N, x) <= a - 1) */
            return binom_tail(a - 1.0, N, x, 1.0 - x, !upper);
        /* P(B <= x) = P(Bin(N, 1 - x) <= b - 1) */
        return binom_tail(b - 1.0, N, 1.0 - x, x, upper);
    }
    if (fmin(a, b) > CF_MAX_MIN) {
        /* nearly normal: invert the Cornish-Fisher quantile map by a few
         * fixed-point steps (z of x such that q(z) = x) */
        double mu, sd, g1, g2;
        beta_moments(a, b, &mu, &sd, &g1, &g2);
        double w = (x - mu) / sd, z = w;
        if (fabs(w) > 38.0) /* beyond double precision (and where the map diverges) */
            return (w > 0.0) == (upper != 0) ? 0.0 : 1.0;
        for (int i = 0; i < 8; i++)
            z = w - cornish_fisher(0.0, z, g1, g2);
        return upper ? gsl_cdf_ugaussian_Q(z) : gsl_cdf_ugaussian_P(z);
    }
    if (x <= (a + 1.0) / (a + b + 2.0)) {
        double p = inc_beta_cf(x, a, b);
        return upper ? 1.0 - p : p;
    }
    double q = inc_beta_cf(1.0 - x, b, a);
    return upper ? q : 1.0 - q;
}

/* The x with P(X <= x) = p (or P(X > x) = p when upper is set): Newton's
 * method on beta_cdf (GSL's CDF up to GSL_MAX_AB) from the Cornish-Fisher
 * quantile, inside a shrinking bracket. GSL's own inverse is not used: it
 * bisects to a start before its Newton steps, about 3 times the CDF
 * evaluations for the same accuracy (both within 1.3e-13 of R's qbeta over
 * exact-interval shapes up to n = 3,500), and it fails to converge or
 * misses by 1e-8 far out in the tails (p = 1e-12 with a = 1000). */
double msc_beta_quantile(double p, double a, double b, int upper)
{
    /* start: Cornish-Fisher quantile */
    double mu, sd, g1, g2;
    beta_moments(a, b, &mu, &sd, &g1, &g2);
    double z = upper ? gsl_cdf_ugaussian_Qinv(p) : gsl_cdf_ugaussian_Pinv(p);
    double x = mu + sd * cornish_fisher(z, z, g1, g2);
    double lo = 0.0, hi = 1.0;
    if (!(x > 0.0 && x < 1.0))
        x = mu;
    for (int it = 0; it < 200; it++) {
        /* increasing in x; the upper tail itself, not 1 - P, keeps the
         * digits of a small p */
        double f = upper ? p - beta_cdf(x, a, b, 1) : beta_cdf(x, a, b, 0) - p;
        if (f > 0.0)
            hi = x;
        else
            lo = x;
        double dens = exp(log_front(x, a, b)) / (x * (1.0 - x));
        double nx = x - f / dens;
        /* A Newton step below the spacing of doubles lands on x itself, which
         * is a bracket end: that is convergence, not a reason to bisect. */
        if (isfinite(nx) && fabs(nx - x) <= 1e-15 * x) {
            x = nx;
            break;
        }
        if (!(nx > lo && nx < hi) || !isfinite(nx))
            nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * x || hi - lo <= 1e-16 * hi) {
            x = nx;
            break;
        }
        x = nx;
    }
    return x;
}

/* P(T > t) for Student's t with df degrees of freedom, through the beta
 * distribution: P(T > t) = 1/2 P(B > t^2/(df+t^2)), B ~ Beta(1/2, df/2),
 * for t >= 0. GSL's gsl_cdf_tdist_Q switches to an approximation for
 * df > 30 that is off by up to 1e-6 in the tail; this stays at ~1e-14,
 * far into the tail too (p = 1e-12 at 1 df). */
double msc_t_upper(double t, double df)
{
    if (isnan(t))
        return NAN;
    if (t < 0)
        return 1.0 - msc_t_upper(-t, df);
    if (isinf(t))
        return 0.0;
    /* x = t^2/(df+t^2) near 1 would keep few digits of 1 - x: there,
     * P(B > x) = P(B' < df/(df+t^2)) with B' ~ Beta(df/2, 1/2) */
    double x = t * t / (df + t * t);
    if (x > 0.5)
        return 0.5 * beta_cdf(df / (df + t * t), 0.5 * df, 0.5, 0);
    return 0.5 * beta_cdf(x, 0.5, 0.5 * df, 1);
}

/* P(F > f) for the F distribution with (df1, df2) degrees of freedom:
 * P(F > f) = P(B > x), B ~ Beta(df1/2, df2/2), x = df1 f / (df1 f + df2);
 * where x is near 1, the other tail of its mirror, Beta(df2/2, df1/2) at
 * 1 - x = df2 / (df1 f + df2), keeps the digits (as msc_t_upper). */
double msc_f_upper(double f, double df1, double df2)
{
    if (isnan(f) || !(df1 > 0) || !(df2 > 0))
        return NAN;
    if (f <= 0)
        return 1.0;
    if (isinf(f))
        return 0.0;
    double x = df1 * f / (df1 * f + df2);
    if (x > 0.5)
        return beta_cdf(df2 / (df1 * f + df2), 0.5 * df2, 0.5 * df1, 0);
    return beta_cdf(x, 0.5 * df1, 0.5 * df2, 1);
}
