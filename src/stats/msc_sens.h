/*
 * Private helpers of the sensitivity analyses (sens*.c, bias*.c): refits
 * on subsets spread over threads, the warnings of many refits gathered
 * into a few lines, the rank statistics of Begg's test. Not part of the
 * public API.
 */
#ifndef MSC_SENS_PRIVATE_H
#define MSC_SENS_PRIVATE_H

#include <stddef.h>

#include "msc_stats.h"
#include "mscmeta/sens.h"

/* ------------------------------------------------------ sens_refit.c */

/* Warnings of many fits, each distinct message once with the number of
 * fits that gave it (at most MSC_SENS_WMAX messages; the rest counted). */
#define MSC_SENS_WMAX 16
typedef struct {
    struct {
        char *msg;
        size_t count;
    } e[MSC_SENS_WMAX];
    size_t n;
    size_t other; /* warnings beyond the distinct ones kept */
    int lost;     /* memory ran out */
} msc_sens_wlog;

/* Adds every message of w to l. */
void msc_sens_wlog_add(msc_sens_wlog *l, const msc_warnings *w);
/* Writes l's messages to out as "<what>: <message> (in N of the M fits)",
 * then releases them. Returns MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_sens_wlog_flush(msc_sens_wlog *l, const char *what, size_t fits,
                               msc_warnings *out);

/* A leave-one-out or cumulative row from a fit of k studies. */
void msc_sens_row_from_fit(msc_sens_fit *r, const msc_fit *f, size_t study, size_t k);

/* Refits rows todo[0..ntodo) (all m when todo is NULL) from scratch with
 * msc_fit_studies (flags MSC_FIT_NO_TAU2_CI | MSC_FIT_NO_PI): for
 * leave-one-out (cumulative 0) row j is the studies idx[0..m) without
 * idx[j], for cumulative row j the studies idx[0..j]. The fits are spread
 * over s->threads threads (each fit then uses one, unless there are so
 * many studies that the GLMM would use several itself); the results do not
 * depend on it. Their warnings go to l. MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_sens_refit(const msc_studies *st, const size_t *idx, size_t m,
                          const msc_settings *s, int cumulative, const size_t *todo, size_t ntodo,
                          msc_sens_fit *rows, msc_sens_wlog *l);

/* msc_sens_refit, with a GLMM's leave-one-out rows taken from its
 * interpolant loo (glmm_loo.c) where it can give them (NULL: none). */
msc_status msc_sens_refit_loo(const msc_studies *st, const size_t *idx, size_t m,
                              const msc_settings *s, int cumulative, const size_t *todo,
                              size_t ntodo, const msc_glmm_loo *loo, msc_sens_fit *rows,
                              msc_sens_wlog *l);

/* -------------------------------------------------------- bias_rank.c */

/* Kendall's tau-b of (x_i, y_i), i < n, as R's cor(method = "kendall"),
 * in O(n log n) (Knight 1966): *tau, the score *S (concordant minus
 * discordant pairs), its variance under independence with R's tie
 * correction (cor.test) *var_s, and whether x or y has tied values. tau is
 * NAN when x or y is constant. MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_kendall_tau(const double *x, const double *y, size_t n, double *tau, double *S,
                           double *var_s, int *ties);

/* P(T <= q) for Kendall's statistic T (the number of concordant pairs) of
 * n < 50 untied pairs, from the exact permutation distribution (R's
 * pkendall); NAN for n >= 50. Allocates nothing. */
double msc_kendall_cdf(double q, size_t n);

/* ------------------------------------------------------------- bias.c */

/* Trim and fill on the studies idx[0..m) of st (idx NULL: all), as
 * msc_bias_tests makes it, but with the side given: -1 chosen as metafor
 * does, else MSC_SIDE_LEFT or MSC_SIDE_RIGHT (metafor's side argument).
 * Free tf's filled studies. MSC_OK, MSC_ERR_INPUT (no study), MSC_ERR_NOMEM. */
msc_status msc_trim_fill(const msc_studies *st, const size_t *idx, size_t m,
                         const msc_settings *s, msc_tf_estimator est, int side, msc_trimfill *tf,
                         msc_warnings *w);

#endif
