/*
 * Helpers shared by the library's modules; not part of the public API.
 */
#ifndef MSC_INTERNAL_H
#define MSC_INTERNAL_H

#include <stddef.h>

#include "mscmeta/mscmeta.h"

/* Sums over the studies with weights w_i = 1/(v_i + tau2): the quantities
 * every intercept-only inverse-variance model is built from. */
typedef struct {
    double sw, sw2, sw3; /* sum of w, w^2, w^3 */
    double mean;         /* weighted mean of y */
    double q;            /* sum w (y - mean)^2 */
    double q2;           /* sum w^2 (y - mean)^2 */
    double trp;          /* tr(P) = sum w - sum w^2 / sum w, without cancellation */
} msc_wsums;

/* Two passes (mean first, then squares) so Q keeps its precision. */
void msc_wsums_compute(const double *yi, const double *vi, size_t k, double tau2, msc_wsums *s);

/* Root of a decreasing function f on [lo, inf): the x with f(x) = 0. The
 * upper end of the bracket is doubled from `hi` until f changes sign, then
 * Brent's method (GSL) closes it to about 1e-13 relative. Returns 0 on
 * success, -1 if no sign change was found. */
int msc_root_decreasing(double (*f)(double, void *), void *ctx, double lo, double hi, double *root);

/* Prediction interval on the model scale for a random-effects estimate e
 * (yi, se set), by s->pi: t(k-2) (HTS), z, or t(k-1); a warning when k is
 * too small for it (pool.c). */
void msc_pool_prediction_interval(msc_estimate *e, double tau2, size_t k, const msc_settings *s,
                                  msc_warnings *w);

/* Quantiles and tail areas used throughout. */
double msc_qnorm_upper(double p);          /* z with P(Z > z) = p */
double msc_qt_upper(double p, double df);  /* t with P(T > t) = p */

/* The beta distribution for shape parameters up to 1e15 (beta.c):
 * P(X <= x) or, with upper set, P(X > x); and its inverse. */
double msc_beta_cdf(double x, double a, double b, int upper);
double msc_beta_quantile(double p, double a, double b, int upper);
/* P(T > t), Student's t with df degrees of freedom (beta.c). */
double msc_t_upper(double t, double df);

char *msc_strdup(const char *s);

/* Length of the valid UTF-8 sequence at s (1..4 bytes, at most n), or 0 if
 * it is invalid (NUL, stray continuation byte, overlong, surrogate, beyond
 * U+10FFFF). Stops reading at the first byte that breaks the sequence. */
size_t msc_utf8_seq(const unsigned char *s, size_t n);

/* A NUL-terminated copy of s[0..len) as valid UTF-8: invalid bytes and NULs
 * become U+FFFD; *fixed says whether anything was replaced. NULL if out of
 * memory. */
char *msc_utf8_clean(const char *s, size_t len, int *fixed);

#endif
