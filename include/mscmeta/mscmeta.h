/*
 * mscmeta: meta-analysis of single-arm proportions.
 *
 * The public API. The library reads study counts (msc_dataset_load), computes
 * per-study effect sizes and intervals, pools them exactly as R's metafor
 * does (msc_analysis_run), and writes reports to a caller's FILE*. It never
 * prints on its own and never exits: every function that can fail returns an
 * msc_status and, where it says so, fills a caller's error buffer with a
 * one-line message naming the file and line ("studies.csv:7: ...").
 *
 * One thing the caller must do: call gsl_set_error_handler_off() once before
 * using the library (cli/main.c and every test program do). GSL's default
 * handler abort()s on a failed special function (for example a beta quantile
 * that does not converge), and the library handles those returns itself; it
 * does not change the process-wide handler on the caller's behalf.
 *
 * Conventions: NAN marks "not applicable / not available"; every _free
 * accepts NULL; counts are held as doubles (exact up to 2^53).
 */
#ifndef MSCMETA_H
#define MSCMETA_H

#include <stddef.h>
#include <stdio.h>

#define MSC_VERSION "0.1.0"
#define MSC_ERRBUF 1024 /* size of the error buffers callers pass in */

/* Status codes. The CLI maps them to exit codes (see README). */
typedef enum {
    MSC_OK = 0,
    MSC_ERR_INPUT = 1, /* the data file is malformed, unreadable or unusable */
    MSC_ERR_USAGE = 2, /* an option value the library cannot accept */
    MSC_ERR_IO = 4,    /* writing output failed */
    MSC_ERR_NOMEM = 5  /* an allocation failed */
} msc_status;

/* ---------------------------------------------------------------------------
 * Warnings: messages attached to a result, for the report to show.
 * ------------------------------------------------------------------------- */
typedef struct {
    char **msg;
    size_t n, cap;
} msc_warnings;

/* Appends a printf-formatted message; returns MSC_ERR_NOMEM on failure. */
int msc_warnings_add(msc_warnings *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void msc_warnings_clear(msc_warnings *w);

/* Copies at most `width` display characters (UTF-8 code points) of s into
 * out, replacing control characters (ESC, CR, C1 ...) by '?' so that a
 * label cannot drive a terminal, and ending with "..." when cut. Returns
 * the number of display characters written. For showing names from a data
 * file in messages. */
size_t msc_text_display(const char *s, size_t width, char *out, size_t outlen);

/* ---------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------- */
typedef enum { MSC_PR, MSC_PLN, MSC_PLO, MSC_PAS, MSC_PFT } msc_measure;
typedef enum { MSC_CC_ONLY0, MSC_CC_ALL, MSC_CC_IF0ALL, MSC_CC_NONE } msc_cc_mode;
typedef enum {
    MSC_METHOD_FE,
    MSC_METHOD_DL,
    MSC_METHOD_HE,
    MSC_METHOD_HS,
    MSC_METHOD_SJ,
    MSC_METHOD_ML,
    MSC_METHOD_REML,
    MSC_METHOD_EB,
    MSC_METHOD_PM,
    MSC_METHOD_GLMM
} msc_method;
typedef enum { MSC_TEST_Z, MSC_TEST_KNHA } msc_test;
typedef enum { MSC_PI_HTS, MSC_PI_Z, MSC_PI_T } msc_pi;
typedef enum { MSC_SCI_CP, MSC_SCI_WILSON, MSC_SCI_JEFFREYS, MSC_SCI_AC, MSC_SCI_WALD } msc_study_ci;

typedef struct {
    msc_measure measure;   /* default PLO */
    double cc;             /* continuity correction; NAN = metafor's default for the measure */
    int cc_mode;           /* msc_cc_mode, or -1 = metafor's default for the measure */
    msc_method method;     /* default REML */
    msc_test test;         /* default z */
    msc_pi pi;             /* default HTS */
    msc_study_ci study_ci; /* default Clopper-Pearson */
    double level;          /* confidence level in (0,1), default 0.95 */
    int nagq;              /* GLMM quadrature nodes, default 7 */
} msc_settings;

void msc_settings_default(msc_settings *s);
/* The correction actually applied: metafor adds 0.5 to studies with 0 or n
 * events for PR/PLN/PLO and nothing for PAS/PFT unless asked. */
void msc_settings_effective_cc(const msc_settings *s, double *cc, msc_cc_mode *mode);

/* Names <-> enums ("PLO", "REML", "knha", "hts", "cp", "only0"); parse returns -1 if unknown. */
const char *msc_measure_name(msc_measure m);
const char *msc_method_name(msc_method m);
const char *msc_test_name(msc_test t);
const char *msc_pi_name(msc_pi p);
const char *msc_study_ci_name(msc_study_ci c);
const char *msc_cc_mode_name(msc_cc_mode m);
int msc_measure_parse(const char *s);
int msc_method_parse(const char *s);
int msc_test_parse(const char *s);
int msc_pi_parse(const char *s);
int msc_study_ci_parse(const char *s);
int msc_cc_mode_parse(const char *s);

/* ---------------------------------------------------------------------------
 * Data set: the loader's output (csv_load.c)
 * ------------------------------------------------------------------------- */

/* Documented input limits; past them the loader stops with a clear error. */
#define MSC_MAX_RECORD_BYTES (32u * 1024u * 1024u) /* one CSV record */
#define MSC_MAX_FIELDS 1000000u                     /* fields in one record */
#define MSC_MAX_COUNT 1e15                          /* largest count accepted */

typedef struct {
    char *name;     /* the events column's header */
    char *denom;    /* the denominator column's header ("n" or "n_<name>") */
    double *events; /* per record; NAN where missing */
    double *n;      /* per record; NAN where missing */
} msc_outcome_data;

typedef struct {
    char *source;        /* file name used in messages ("-" shown as "<stdin>") */
    size_t k;            /* data records */
    char **label;        /* study label per record */
    long *line;          /* line where each record starts */
    char **group;        /* subgroup value per record (NULL if no --subgroup or missing) */
    char *group_col;     /* the subgroup column's header, or NULL */
    size_t n_outcomes;
    msc_outcome_data *outcome;
    msc_warnings warnings; /* things the loader fixed up (e.g. invalid UTF-8) */
} msc_dataset;

typedef struct {
    const char *study_col;            /* default "study" */
    const char *n_col;                /* default "n" */
    const char *const *events_cols;   /* explicit outcomes, or NULL */
    size_t n_events_cols;
    const char *const *default_events; /* used when events_cols is empty: those present, in order */
    size_t n_default_events;
    const char *subgroup_col; /* NULL for none */
    char delimiter;           /* 0: ',' unless the header has ';' and no ',' */
} msc_load_options;

/* The default outcomes of `pool`: responders, adverse_events, serious_adverse_events, events. */
extern const char *const msc_default_events[];
extern const size_t msc_n_default_events;

void msc_load_options_default(msc_load_options *o);

/* Reads a CSV from `fp` (display name `name`). On error returns MSC_ERR_INPUT
 * (or MSC_ERR_NOMEM) with "name:line: ..." in err, and *out stays NULL. */
int msc_dataset_load(FILE *fp, const char *name, const msc_load_options *opt, msc_dataset **out,
                     char *err, size_t errlen);
/* Parses an in-memory buffer the same way (for tests and fuzzing). */
int msc_dataset_load_buffer(const char *buf, size_t len, const char *name,
                            const msc_load_options *opt, msc_dataset **out, char *err,
                            size_t errlen);
void msc_dataset_free(msc_dataset *d);

/* ---------------------------------------------------------------------------
 * Per-study effect sizes and intervals (effect.c, study_ci.c)
 * ------------------------------------------------------------------------- */

/* escalc(): yi and vi for x events of n, after the continuity correction
 * (`add` to events and non-events) that `mode` selects for this study.
 * `any0` says whether any study in the analysis has 0 or n events (if0all). */
void msc_effect_compute(msc_measure m, double x, double n, double add, msc_cc_mode mode, int any0,
                        double *yi, double *vi);
/* Model scale -> proportion: inverse logit, exp, identity, sin^2 (clamped as
 * metafor's transf.iarcsin), Miller's inverse with harmonic-mean n for PFT. */
double msc_effect_backtransform(msc_measure m, double y, double nhm);
/* Proportion -> model scale (for reference lines). */
double msc_effect_transform(msc_measure m, double p, double nhm);

/* Two-sided interval for x/n at `level`, on the proportion scale, in [0,1]. */
void msc_study_ci_compute(msc_study_ci method, double x, double n, double level, double *lo,
                          double *hi);
/* One-sided exact (Clopper-Pearson) upper bound at `level`. */
double msc_study_ci_upper_exact(double x, double n, double level);

/* ---------------------------------------------------------------------------
 * Pooling (tau2.c, pool.c)
 * ------------------------------------------------------------------------- */

typedef struct {
    double tau2;
    int iterations; /* 0 for closed-form estimators */
    int converged;  /* 1 unless an iterative estimator failed */
} msc_tau2_result;

/* Between-study variance by `method` (not FE/GLMM), as metafor's rma() defines it. */
int msc_tau2_estimate(msc_method method, const double *yi, const double *vi, size_t k,
                      msc_tau2_result *r);
/* Generalised Q: sum w_i (y_i - ybar_w)^2 with w_i = 1/(v_i + tau2). */
double msc_tau2_qgen(const double *yi, const double *vi, size_t k, double tau2);

typedef struct {
    double yi, se;             /* model scale */
    double ci_lo_yi, ci_hi_yi; /* model scale */
    double stat, p, df;        /* z or t statistic; df NAN for z */
    double est, ci_lo, ci_hi;  /* proportion scale */
    double pi_lo_yi, pi_hi_yi; /* prediction interval, model scale; NAN if none */
    double pi_lo, pi_hi;       /* proportion scale */
    double pi_df;              /* df of the PI's t quantile; NAN for z */
    int exact;                 /* the block holds the exact pooled proportion (Clopper-Pearson) */
} msc_estimate;

typedef struct {
    double tau2, tau2_lo, tau2_hi, tau;
    double I2, I2_lo, I2_hi; /* percent */
    double H2, H2_lo, H2_hi;
    double Q, df, Q_p;       /* Cochran's Q (GLMM: the Wald test) */
    double Q_lrt, Q_lrt_p;   /* GLMM likelihood-ratio test; NAN otherwise */
    double vt;               /* typical within-study variance */
} msc_heterogeneity;

typedef struct {
    msc_method method;
    size_t k;
    int has_random;          /* 0 for FE */
    int has_weights;         /* 0 for GLMM: no inverse-variance weights */
    int exact_fallback;      /* GLMM: the random block is the exact pooled proportion */
    msc_estimate common, random;
    msc_heterogeneity het;
    double sum_w_common;     /* sum of 1/v_i */
    double sum_w_random;     /* sum of 1/(v_i + tau2) */
    double nhm;              /* harmonic mean of n (PFT back-transform) */
    int iterations, converged;
} msc_fit;

/* Fits common and (unless FE) random-effects models to k >= 1 studies.
 * ni is needed for PFT's back-transform and may be NULL otherwise.
 * Warnings (k = 1, non-convergence, ...) go to w. */
int msc_pool_fit(const double *yi, const double *vi, const double *ni, size_t k,
                 const msc_settings *s, msc_fit *out, msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Binomial-normal GLMM (glmm.c)
 * ------------------------------------------------------------------------- */

/* Fits x_i ~ Binomial(n_i, expit(mu + u_i)), u_i ~ N(0, tau^2) by maximum
 * likelihood (adaptive Gauss-Hermite quadrature, s->nagq points), and the
 * common-effect logistic model, as metafor's rma.glmm(measure = "PLO").
 * vi (escalc's logit variances, with the continuity correction) serve only
 * for I^2 and H^2. Where the data cannot identify the model (all 0 or all n
 * events, no convergence) the fit falls back to the exact pooled proportion
 * and says so in w. */
int msc_glmm_fit(const double *xi, const double *ni, const double *vi, size_t k,
                 const msc_settings *s, msc_fit *f, msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Whole analysis: data set + settings -> per-outcome results (analysis.c)
 * ------------------------------------------------------------------------- */

typedef struct {
    char *name;          /* subgroup level */
    size_t k;
    size_t *study;       /* indices into the outcome's studies */
    msc_fit fit;
    double events_total, n_total;
    msc_warnings warnings;
} msc_group_result;

typedef struct {
    const msc_outcome_data *data;
    size_t k;            /* studies in the analysis */
    size_t *row;         /* index into the data set's records */
    double *xi, *ni;     /* counts */
    double *yi, *vi;     /* effect sizes, model scale */
    double *ci_lo, *ci_hi; /* per-study interval (NULL with MSC_RUN_NO_STUDY_CI) */
    size_t n_excluded;
    size_t *excluded_row;
    const char **excluded_reason; /* owned by the result */
    int skipped;         /* no usable study: nothing pooled */
    msc_fit fit;
    double events_total, n_total;
    double exact_est, exact_lo, exact_hi; /* sum x / sum n, Clopper-Pearson */
    size_t n_groups;
    msc_group_result *group;
    size_t n_group_missing;  /* studies with no subgroup value */
    double Q_between, Q_between_df, Q_between_p;
    msc_warnings warnings;
    /* private: storage behind the pointers above */
    size_t *group_members_;
    char *reason_missing_events_, *reason_missing_n_;
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
int msc_analysis_run(const msc_dataset *d, const msc_settings *s, unsigned flags,
                     msc_analysis **out, char *err, size_t errlen);
void msc_analysis_free(msc_analysis *a);

/* The block a fit's tests and plots use: random effects, or the common
 * effect for FE. */
const msc_estimate *msc_fit_main_block(const msc_fit *f);

/* 0 when a fit's heterogeneity could not be estimated: the GLMM fell back
 * to the exact pooled proportion (random.exact) and tau^2 is not 0 (not
 * identified; the fit's warnings say why). A fallback at tau^2 = 0 (one
 * study, a singular fit) is shown as such. One study (k < 2) is for the
 * caller to check first. */
int msc_fit_het_estimable(const msc_fit *f);

/* Per-study weight in percent (NAN when the fit has no weights). */
double msc_outcome_weight(const msc_outcome_result *o, size_t i, int random);

/* ---------------------------------------------------------------------------
 * Safety check against a limit (safety.c)
 * ------------------------------------------------------------------------- */
typedef struct {
    double threshold;       /* the limit for this outcome; NAN when none applies */
    double level;           /* one-sided confidence level of the bounds */
    double upper_bound;     /* one-sided upper confidence bound of the pooled rate */
    int exceeded;           /* upper_bound > threshold */
    int exact;              /* the bound is the exact (Clopper-Pearson) one */
    double *study_upper;    /* per study: exact one-sided upper bound, 1-(1-level)^(1/n) at x = 0 */
    double *study_lo_exact; /* per study: exact (Clopper-Pearson) two-sided interval at `level` */
    double *study_hi_exact;
    unsigned char *signal;  /* per study: its exact lower bound is above the limit */
    size_t n_signals;
} msc_safety;

/* Evaluates every outcome of `a` against thresholds[j] (NAN: no limit).
 * Returns an array of a->n_outcomes results (msc_safety_free releases it). */
int msc_safety_evaluate(const msc_analysis *a, const double *thresholds, msc_safety **out);
void msc_safety_free(msc_safety *s, size_t n);

/* ---------------------------------------------------------------------------
 * Reports (report_table.c, report_json.c, report_csv.c, report_safety.c)
 * ------------------------------------------------------------------------- */
typedef enum { MSC_FORMAT_TABLE, MSC_FORMAT_JSON, MSC_FORMAT_CSV } msc_format;
int msc_format_parse(const char *s);

typedef struct {
    int summary_only; /* omit per-study rows */
    const char *input_name; /* shown in the report */
    const msc_safety *safety; /* per outcome, for `safety` reports; NULL for pool */
} msc_report_options;

/* Each returns MSC_OK or MSC_ERR_IO if a write failed. */
int msc_report_table(FILE *fp, const msc_analysis *a, const msc_report_options *o);
int msc_report_json(FILE *fp, const msc_analysis *a, const msc_report_options *o);
int msc_report_csv(FILE *fp, const msc_analysis *a, const msc_report_options *o);
/* The safety verdicts as a table or CSV (JSON: msc_report_json with o->safety). */
int msc_report_safety_table(FILE *fp, const msc_analysis *a, const msc_report_options *o);
int msc_report_safety_csv(FILE *fp, const msc_analysis *a, const msc_report_options *o);

#endif /* MSCMETA_H */
