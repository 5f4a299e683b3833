/*
 * mscmeta simulate: which interval keeps its promise for *your* studies
 * (issue 16 section 2). For each outcome, the observed design (k and the
 * n_i of its usable studies) and a binomial-normal model (mu, tau^2 on the
 * logit scale: the GLMM's fit, as `mscmeta pool --method GLMM`, or values
 * the caller gives) generate `reps` data sets; each is analysed with every
 * model of `mscmeta compare` (mscmeta/compare.h), exactly as `pool` would
 * with that row's options; per model the coverage of the true expit(mu) by
 * the CI, bias and RMSE of the pooled proportion, the median CI width, the
 * fallbacks and failures, and the coverage of a new study's true rate by
 * the prediction interval.
 */
#ifndef MSCMETA_SIMULATE_H
#define MSCMETA_SIMULATE_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/analysis.h"
#include "mscmeta/compare.h"
#include "mscmeta/report.h"

#define MSC_SIMULATE_REPS_MAX 1000000ull

typedef struct {
    size_t reps;             /* data sets per outcome, 1 to MSC_SIMULATE_REPS_MAX; default 10,000 */
    unsigned long long seed; /* default 1; up to 2^53 - 1 */
    double mu; /* true pooled proportion in (0, 1) (expit of the logit-scale mu); NAN: the GLMM's */
    double tau2; /* true tau^2 on the logit scale, >= 0; NAN: the GLMM's */
} msc_simulate_options;

/* reps 10,000, seed 1, mu and tau2 from the GLMM. */
MSC_API void msc_simulate_options_default(msc_simulate_options *o);

/* One model's performance over the replicates. A replicate whose fit
 * failed or gave no interval is a failure, left out of every other
 * figure; one where the GLMM or beta-binomial fell back to the exact
 * pooled proportion, or an iterative tau^2 did not converge, is a
 * fallback, and counts (pool reports its interval). */
typedef struct {
    msc_compare_row row; /* id, label, same_as, block (row.a NULL) */
    size_t n_used, n_fallback, n_failed;
    double coverage, coverage_se;       /* of expit(mu) by the CI; sqrt(c (1 - c) / n_used) */
    double bias, rmse;                  /* of the pooled proportion against expit(mu) */
    double width_median;                /* of the CI, proportion scale */
    size_t n_pi;                        /* replicates with a prediction interval */
    double pi_coverage, pi_coverage_se; /* of expit(theta_new); NAN when n_pi = 0 */
} msc_simulate_method;

typedef struct {
    const msc_outcome_data *data;
    size_t k; /* studies of the design (the outcome's usable studies) */
    double n_min, n_max, n_total;
    int skipped;              /* nothing simulated (no usable study, no model): see warnings */
    double mu, tau2;          /* the truth: mu on the logit scale */
    double target;            /* expit(mu) */
    int mu_given, tau2_given; /* 1: the caller's value; 0: the GLMM's fit */
    size_t n_methods;         /* MSC_COMPARE_ROWS */
    msc_simulate_method method[MSC_COMPARE_ROWS];
    msc_warnings warnings;
} msc_simulate_outcome;

typedef struct msc_simulation {
    const msc_dataset *data;
    msc_settings base; /* the caller's settings (every model shares them but its own) */
    msc_simulate_options opt;
    int threads; /* threads used (base.threads); the results do not depend on it */
    size_t n_outcomes;
    msc_simulate_outcome *outcome;
} msc_simulation;

/* Runs the simulation for every outcome of d. base as for
 * msc_compare_run (PLO, z, no cc: each model sets its own; MSC_ERR_USAGE
 * otherwise); base->threads threads share the replicates in fixed blocks,
 * and replicate i of outcome j draws from its own gsl_rng (MT19937) seeded
 * from (seed, j, i), so the results are the same for any thread count.
 * MSC_ERR_INPUT when no outcome can be simulated. Memory: O(k + reps) per
 * outcome (the replicates' widths, for the median); time: reps x the nine
 * fits, O(k) each. d must outlive the result. */
MSC_API msc_status msc_simulate_run(const msc_dataset *d, const msc_settings *base,
                                    const msc_simulate_options *o, msc_simulation **out, char *err,
                                    size_t errlen);
MSC_API void msc_simulate_free(msc_simulation *s);

/* The simulation's report in format f (table, JSON or CSV). o may be
 * NULL; only o->input_name is used. Returns as msc_report_write. */
MSC_API msc_status msc_report_simulate_write(const msc_simulation *s, const msc_report_options *o,
                                             msc_format f, msc_write_fn fn, void *ctx);
MSC_API msc_status msc_report_simulate(FILE *fp, const msc_simulation *s, msc_format f,
                                       const msc_report_options *o);

#endif /* MSCMETA_SIMULATE_H */
