/*
 * mscmeta analysis: a data set and settings in, per-outcome results out
 * (every number a report or plot shows), and the safety check against a
 * limit (src/stats).
 */
#ifndef MSCMETA_ANALYSIS_H
#define MSCMETA_ANALYSIS_H

#include <stddef.h>

#include "mscmeta/data.h"
#include "mscmeta/stats.h"

/* ---------------------------------------------------------------------------
 * Whole analysis: data set + settings -> per-outcome results (analysis.c)
 * ------------------------------------------------------------------------- */

/* A subgroup of an outcome, kept compact (48 bytes, no fit) so that a
 * million subgroups of one study fit in memory. msc_group_fit gives the
 * group's full fit and its warnings. */
typedef struct msc_group_kept msc_group_kept;
typedef struct {
    const char *name; /* subgroup level: the data set's string */
    size_t k;
    size_t *study; /* indices into the outcome's studies */
    double events_total, n_total;
    msc_group_kept *kept; /* private: the fit of a group of many studies, kept */
} msc_group_result;

/* Which test for subgroup differences an outcome result holds. */
typedef enum {
    MSC_SGTEST_NONE = 0, /* none could be made (fewer than 2 subgroups, ...) */
    MSC_SGTEST_Q,        /* Cochran's Q between the subgroups' estimates */
    MSC_SGTEST_LRT,      /* likelihood-ratio test, binomial-normal or logistic model */
    MSC_SGTEST_FISHER    /* Fisher's exact test on the pooled 2 x G table */
} msc_sgtest;

typedef struct {
    const msc_outcome_data *data;
    size_t k;              /* studies in the analysis */
    size_t *row;           /* index into the data set's records */
    double *xi, *ni;       /* counts */
    double *yi, *vi;       /* effect sizes, model scale */
    double *ci_lo, *ci_hi; /* per-study interval (NULL with MSC_RUN_NO_STUDY_CI) */
    size_t n_excluded;
    size_t *excluded_row;
    const char **excluded_reason; /* owned by the result */
    int skipped;                  /* no usable study: nothing pooled */
    msc_fit fit;
    double events_total, n_total;
    double exact_est, exact_lo, exact_hi; /* sum x / sum n, Clopper-Pearson */
    size_t n_groups;
    msc_group_result *group;
    size_t n_group_missing; /* studies with no subgroup value */
    /* The test for subgroup differences: Cochran's Q between the subgroups'
     * estimates; or, under the GLMM when a subgroup's estimate is an exact
     * fallback (no standard error), the likelihood-ratio test of the
     * binomial model with the subgroup as a fixed effect, or Fisher's exact
     * test on the events by subgroup when a subgroup has no events or only
     * events (see sg_test; the warnings say why). Q_between holds the Q or
     * LRT statistic, NAN for Fisher's test (as is its df). */
    msc_sgtest sg_test;
    double Q_between, Q_between_df, Q_between_p;
    double sg_tau2; /* LRT: the common tau^2 of the model with subgroups (0: logistic) */
    msc_warnings warnings;
} msc_outcome_result;

typedef struct {
    const msc_dataset *data;
    msc_settings settings;
    size_t n_outcomes;
    msc_outcome_result *outcome;
} msc_analysis;

/* Flags for msc_analysis_run. */
#define MSC_RUN_NO_STUDY_CI 1u /* skip per-study intervals (summary-only output) */

/* Runs the analysis for every outcome of `d`. Fails (MSC_ERR_INPUT) only when
 * no outcome has a usable study; MSC_ERR_USAGE for settings that cannot
 * apply (GLMM with a measure other than PLO). `d` must outlive the result. */
MSC_API msc_status msc_analysis_run(const msc_dataset *d, const msc_settings *s, unsigned flags,
                                    msc_analysis **out, char *err, size_t errlen);
MSC_API void msc_analysis_free(msc_analysis *a);

/* The same analysis of some records of `d` alone: rows[0..nrows), indices
 * into its records, in the order given (file order makes it the analysis
 * of a file holding just those rows, but for the line numbers, which stay
 * d's). Unlike msc_analysis_run, no usable study is not an error: each
 * outcome is then skipped with its warning, so that one group of an
 * analysis by group (mscmeta/by.h) cannot stop the others. MSC_ERR_USAGE
 * for a row out of range or bad settings, MSC_ERR_NOMEM. */
MSC_API msc_status msc_analysis_run_rows(const msc_dataset *d, const size_t *rows, size_t nrows,
                                         const msc_settings *s, unsigned flags,
                                         msc_analysis **out, char *err, size_t errlen);

/* The block a fit's tests and plots use: random effects, or the common
 * effect for FE. */
MSC_API const msc_estimate *msc_fit_main_block(const msc_fit *f);

/* 0 when a fit's heterogeneity could not be estimated: the GLMM fell back
 * to the exact pooled proportion (random.exact) and tau^2 is not 0 (not
 * identified; the fit's warnings say why). A fallback at tau^2 = 0 (one
 * study, a singular fit) is shown as such. One study (k < 2) is for the
 * caller to check first. */
MSC_API int msc_fit_het_estimable(const msc_fit *f);

/* Subgroup g of outcome o of analysis a: its fit and warnings, exactly as
 * the analysis made them (the fit is kept for groups of many studies and
 * made again for small ones, which is cheap). The warnings are appended to
 * w, which the caller clears. MSC_ERR_USAGE for g out of range,
 * MSC_ERR_NOMEM. */
MSC_API msc_status msc_group_fit(const msc_analysis *a, const msc_outcome_result *o, size_t g,
                                 msc_fit *fit, msc_warnings *w);

/* The studies of an analysed outcome, for msc_fit_studies: views into o,
 * valid while the analysis lives. */
MSC_API void msc_outcome_studies(const msc_outcome_result *o, msc_studies *st);

/* Per-study weight in percent (NAN when the fit has no weights). */
MSC_API double msc_outcome_weight(const msc_outcome_result *o, size_t i, int random);

/* ---------------------------------------------------------------------------
 * Safety check against a limit (safety.c)
 * ------------------------------------------------------------------------- */
/* What a pooled rate shows against a limit L, from its one-sided bounds at
 * the level: below (upper bound <= L), above (lower bound > L), or
 * inconclusive (the interval straddles L, or a bound is missing); none
 * without a limit or without data. */
typedef enum {
    MSC_VERDICT_NONE,
    MSC_VERDICT_BELOW,
    MSC_VERDICT_INCONCLUSIVE,
    MSC_VERDICT_ABOVE
} msc_verdict;
/* "below", "inconclusive", "above"; NULL for MSC_VERDICT_NONE. */
MSC_API const char *msc_verdict_name(msc_verdict v);

/* The pooled rate of one subgroup against the outcome's limit. */
typedef struct {
    double upper_bound, lower_bound; /* one-sided bounds at the level */
    int exact;                       /* they are the exact (Clopper-Pearson) ones */
    msc_verdict verdict;
    double prob_new_above; /* as msc_safety's */
} msc_safety_group;

typedef struct {
    double threshold;       /* the limit for this outcome; NAN when none applies */
    double level;           /* one-sided confidence level of the bounds */
    double upper_bound;     /* one-sided upper confidence bound of the pooled rate */
    int exceeded;           /* not shown to be below: verdict inconclusive or above */
    int exact;              /* the bounds are the exact (Clopper-Pearson) ones */
    double lower_bound;     /* one-sided lower confidence bound of the pooled rate */
    msc_verdict verdict;
    int no_data;            /* a limit applies but the outcome has no usable study */
    /* 1 - Phi((g(L) - mu) / sqrt(tau^2 + SE^2)), g the model's scale: the
     * predictive probability that a new study's true rate exceeds the limit
     * (metafor 5.1's predict(prob =)); NAN where tau^2 cannot be estimated
     * (k = 1, a fallback to the exact proportion, FE, BB) */
    double prob_new_above;
    size_t n_groups;         /* the outcome's subgroups (o->n_groups), or 0 */
    msc_safety_group *group; /* per subgroup, in the outcome's order */
    double *study_upper;    /* per study: exact one-sided upper bound, 1-(1-level)^(1/n) at x = 0 */
    double *study_lo_exact; /* per study: exact (Clopper-Pearson) two-sided interval at `level` */
    double *study_hi_exact;
    unsigned char *signal; /* per study: its exact lower bound is above the limit */
    size_t n_signals;
} msc_safety;

/* Evaluates every outcome of `a`, and each of its subgroups, against
 * thresholds[j] (NAN: no limit). Needs a level above 0.5 (the bounds are
 * one-sided at it): MSC_ERR_USAGE otherwise.
 * Returns an array of a->n_outcomes results (msc_safety_free releases it). */
MSC_API msc_status msc_safety_evaluate(const msc_analysis *a, const double *thresholds,
                                       msc_safety **out);
MSC_API void msc_safety_free(msc_safety *s, size_t n);

#endif /* MSCMETA_ANALYSIS_H */
