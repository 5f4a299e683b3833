/*
 * The statistics layer's private helpers (src/stats), also used by the
 * layers above it (report, plot). Not part of the public API.
 */
#ifndef MSC_STATS_H
#define MSC_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"
#include "mscmeta/analysis.h"

/* Sums over the studies with weights w_i = 1/(v_i + tau2): the quantities
 * every intercept-only inverse-variance model is built from. */
typedef struct {
    double sw, sw2, sw3; /* sum of w, w^2, w^3 */
    double mean;         /* weighted mean of y */
    double q;            /* sum w (y - mean)^2 */
    double q2;           /* sum w^2 (y - mean)^2 */
} msc_wsums;

/* Two passes (mean first, then squares) so Q keeps its precision. */
void msc_wsums_compute(const double *yi, const double *vi, size_t k, double tau2, msc_wsums *s);

/* tr(P) = sum w - sum w^2 / sum w with w_i = 1/(v_i + tau2), summed without
 * cancellation; studies whose v_i is not finite and positive are left out
 * (an infinite v_i has weight 0 and would add nothing anyway). */
double msc_wsums_trp(const double *vi, size_t k, double tau2);

/* Root of a decreasing function f on [lo, inf): the x with f(x) = 0. The
 * upper end of the bracket is doubled from `hi` until f changes sign, then
 * Brent's method (GSL) closes it to about 1e-13 relative. Returns 0 on
 * success, -1 if no sign change was found. */
int msc_root_decreasing(double (*f)(double, void *), void *ctx, double lo, double hi, double *root);

/* The tau^2 >= 0 at which the generalised Q statistic (msc_tau2_qgen)
 * equals `target`; Q falls as tau^2 grows. Paule-Mandel's estimator (target
 * k - 1) and the Q-profile interval (chi^2 quantiles) are both this root.
 * Returns 0 with *tau2 = 0 when Q(0) is already below target, 1 with the
 * root (safeguarded Newton from start, to 1e-14 relative), -1 if none was
 * found. */
int msc_tau2_q_solve(const double *yi, const double *vi, size_t k, double target, double start,
                     double *tau2);

/* The last check of a fit (fit.c), made on every msc_fit_studies result:
 * an interval whose lower bound is above its upper one (estimate, CI and
 * PI on both scales; tau^2, I^2, H^2) must never be shown as a result. Each
 * such interval becomes missing (NAN), with one warning in w that says it
 * is a bug. Returns the number of intervals found reversed. */
int msc_fit_check(msc_fit *f, msc_warnings *w);

/* The start of a fit of the counts (GLMM, beta-binomial) of k studies by
 * `method`: both estimate blocks clear, a random-effects fit without
 * weights, every heterogeneity value NAN (fit.c). */
void msc_fit_counts_init(msc_fit *f, msc_method method, size_t k);

/* The warning that the tau^2 estimator of method m did not converge, in
 * the words of every fit that estimates tau^2 (pool.c, regress_fit.c). */
static inline void msc_warn_tau2_not_converged(msc_warnings *w, msc_method m)
{
    const char *name = m == MSC_METHOD_EB   ? "Empirical Bayes"
                       : m == MSC_METHOD_PM ? "Paule-Mandel"
                                            : msc_method_name(m);
    msc_warnings_add(w, "the %s estimator of tau^2 did not converge; tau^2 is set to 0", name);
}

/* msc_settings_check for the fits, which have no error buffer: a bad
 * setting becomes a warning in w (when w is not NULL) and MSC_ERR_USAGE. */
msc_status msc_stats_settings_ok(const msc_settings *s, msc_warnings *w);

/* msc_pool_fit with msc_fit_studies' flags (MSC_FIT_NO_TAU2_CI). */
msc_status msc_pool_fit_flags(const double *yi, const double *vi, const double *ni, size_t k,
                              const msc_settings *s, unsigned flags, msc_fit *f, msc_warnings *w);

/* msc_glmm_fit_flags with MSC_FIT_ESTIMATE_ONLY and MSC_FIT_ESTIMATE_ROUGH
 * (below), its Newton search started at (mu_start, tau_start) instead of
 * lme4's start (the common-effect mu, tau = 1): from a start near the
 * maximum, such as the inverse-variance fit's, it takes fewer steps (4
 * evaluations instead of 6 at k = 1,000). The likelihood is the same and
 * the search ends on a step of 1e-6, so an interior maximum found is
 * msc_glmm_fit's to about 1e-7 relative, not to the bit. A start that is not
 * finite, or tau_start outside [0.25, 1e3) (the likelihood is flat near
 * tau = 0, where Newton can stall), means lme4's start; so does a search
 * from the given start that ends anywhere but at an interior maximum,
 * which is then repeated from lme4's start. For the warning on a
 * continuity correction, which shows the GLMM's rate to three digits
 * (analysis.c). */
msc_status msc_glmm_fit_estimate(const double *xi, const double *ni, const double *vi, size_t k,
                                 const msc_settings *s, double mu_start, double tau_start,
                                 msc_fit *f, msc_warnings *w);

/* A private flag of msc_glmm_fit_flags (above the public MSC_FIT_ bits):
 * only the point estimates (common, random mu, tau^2), for a caller that
 * reads no more; no SE of the random mu (NAN, so no interval: it costs
 * four evaluations of the likelihood), heterogeneity tests, prediction
 * interval, profile interval of tau^2, LRT or marginal proportion. The
 * point estimates are the same bits; only a maximum whose Hessian is not
 * negative definite, which the full fit turns into its exact fallback, is
 * kept as a maximum here. */
#define MSC_FIT_ESTIMATE_ONLY 0x100u

/* With MSC_FIT_ESTIMATE_ONLY, for a caller that shows the estimates to a
 * few digits (the continuity-correction warning): the GLMM's Newton search
 * ends on a step of 1e-6 instead of 1e-9, so the estimates are its
 * maximum's to about 1e-7 relative, one or two evaluations sooner. */
#define MSC_FIT_ESTIMATE_ROUGH 0x400u

/* A private flag of msc_fit_studies: a sensitivity row (leave-one-out,
 * cumulative), which shows the estimate, its interval and test, tau^2, I^2,
 * H^2, Q and the fit's warnings. Those are the same bits as without it;
 * what a row does not show may be skipped (a GLMM's marginal proportion). */
#define MSC_FIT_ROW 0x200u

/* msc_glmm_fit with msc_fit_studies' flags (MSC_FIT_NO_TAU2_CI: no profile
 * interval of tau^2) and MSC_FIT_ESTIMATE_ONLY. */
msc_status msc_glmm_fit_flags(const double *xi, const double *ni, const double *vi, size_t k,
                              const msc_settings *s, unsigned flags, msc_fit *f, msc_warnings *w);

/* The GLMM's leave-one-out certificate from the full fit (glmm_loo.c). */
typedef struct msc_glmm_loo msc_glmm_loo;

/* msc_glmm_fit_flags on the studies without one whose counts are (xo, no):
 * with MSC_FIT_ROW, the profile search behind the warning of a tau^2 upper
 * bound not found is skipped where L certifies it would find the bound at
 * once (glmm.c). */
msc_status msc_glmm_fit_loo(const double *xi, const double *ni, const double *vi, size_t k,
                            const msc_settings *s, unsigned flags, const msc_glmm_loo *L, double xo,
                            double no, msc_fit *f, msc_warnings *w);

/* msc_fit_studies for leave-one-out row `out` (the study left out of idx):
 * a GLMM row (MSC_FIT_ROW) skips the profile search for tau^2's upper
 * bound where L certifies its answer (msc_glmm_loo_profile_clear); the
 * fit is otherwise msc_fit_studies', the same bits. L may be NULL. */
msc_status msc_fit_studies_loo(const msc_studies *st, const size_t *idx, size_t m,
                               const msc_settings *s, unsigned flags, const msc_glmm_loo *L,
                               size_t out, msc_fit *f, msc_warnings *w);

/* The fit of a subgroup of at least MSC_GROUP_KEEP_K studies, kept with its
 * warnings (msc_group_result.kept); smaller groups are fitted again when
 * asked for (msc_group_fit): at most 600 / 8 bytes a study. */
#define MSC_GROUP_KEEP_K 8
struct msc_group_kept {
    msc_fit fit;
    msc_warnings warnings;
};

/* The storage behind an outcome result's pointers that callers need not
 * see (analysis.c owns it, per outcome). */
typedef struct {
    size_t *group_members;       /* msc_group_result.study, all groups in one array */
    char *reason_missing_events; /* "missing <events column>" */
    char *reason_missing_n;      /* "missing <denominator column>" */
    int own_counts;              /* o->xi, o->ni are copies, not the data set's columns */
} msc_outcome_store;

/* The exclusion reason of a study whose effect size is undefined without
 * a continuity correction (compared by address). */
extern const char MSC_REASON_UNDEFINED[];

/* Step one of an outcome's analysis (select.c): fills o's studies (row,
 * xi, ni, yi, vi, k), exclusions with their reasons, and warnings; sets
 * o->skipped when no study is usable. While no record is left out, xi and
 * ni are the data set's own columns (st->own_counts 0): read them only. */
int msc_select_studies(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                       const msc_outcome_data *od, const msc_settings *s);
/* Makes o's xi and ni its own copies (room for K studies) if they are
 * still the data set's columns, for a caller that rewrites them. */
int msc_select_own_counts(msc_outcome_result *o, msc_outcome_store *st, size_t K);

/* msc_select_studies on records rows[0..nrows) of d (in that order)
 * rather than all of them; rows NULL means all (an analysis by group). */
int msc_select_rows(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                    const msc_outcome_data *od, const msc_settings *s, const size_t *rows,
                    size_t nrows);

/* The base settings of every model of compare (and of simulate, which
 * runs them): valid (msc_settings_check), with the measure, test and
 * correction left to each model (PLO, z, no cc); else MSC_ERR_USAGE with
 * a message that begins with `what`. */
msc_status msc_compare_check_base(const msc_settings *base, const char *what, char *err,
                                  size_t errlen);

/* Frees what an outcome result and its store hold (msc_select_studies,
 * the study intervals, msc_subgroups_fit), for every owner of outcome
 * results (analysis.c, regress.c); the structs themselves stay. xi and ni
 * are freed only when the store says they are copies (own_counts): else
 * they are the data set's columns. */
static inline void msc_outcome_release(msc_outcome_result *o, msc_outcome_store *st)
{
    free(o->row);
    if (st && st->own_counts) {
        free(o->xi);
        free(o->ni);
    }
    free(o->yi);
    free(o->vi);
    free(o->ci_lo);
    free(o->ci_hi);
    free(o->excluded_row);
    free(o->excluded_reason);
    for (size_t g = 0; g < o->n_groups; g++)
        if (o->group[g].kept) {
            msc_warnings_clear(&o->group[g].kept->warnings);
            free(o->group[g].kept);
        }
    free(o->group);
    msc_warnings_clear(&o->warnings);
    if (st) {
        free(st->group_members);
        free(st->reason_missing_events);
        free(st->reason_missing_n);
    }
}

/* Groups o's studies by d's subgroup column, fits each group with
 * msc_fit_studies and tests the subgroup differences (subgroups.c). */
int msc_subgroups_fit(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                      const msc_settings *s);

/* The likelihood-ratio test of subgroup differences in the binomial-normal
 * model (subgroup_test.c): the G subgroups' intercepts with one common
 * tau^2 against one intercept, both by maximum likelihood (AGQ with nagq
 * nodes; tau^2 = 0, the logistic model, where that is the maximum);
 * threads as msc_glmm_model_init (the result does not depend on them);
 * tau_start: where the search over tau begins (the outcome's own tau). */
typedef struct {
    double lrt, df, p;       /* 2 (ll_full - ll_null), G - 1, P(chi^2_df > lrt) */
    double tau2, tau2_null;  /* the two models' tau^2 at their maxima */
    int failed;              /* a model has no finite maximum: the rest NAN */
} msc_subgroup_lrt_result;
/* For subgroups whose studies (xi, ni at grp[g].study) each have events
 * and non-events in total. MSC_OK (r->failed says whether it was found)
 * or MSC_ERR_NOMEM. */
msc_status msc_subgroup_lrt(const double *xi, const double *ni, const msc_group_result *grp,
                            size_t G, int nagq, int threads, double tau_start,
                            msc_subgroup_lrt_result *r);
/* Fisher's exact test (Freeman-Halton) on the 2 x G table of xg events of
 * ng patients: *p, or NAN when the enumeration would take more than about
 * max_work steps. MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_subgroup_fisher(const double *xg, const double *ng, size_t G, double max_work,
                               double *p);

/* An estimate block with every value NAN, not exact (pool.c). */
void msc_estimate_clear(msc_estimate *e);
/* The exact pooled proportion under homogeneity, sx / sn with its
 * Clopper-Pearson interval at `level`, as an estimate block (logit yi, no
 * SE or test): where the GLMM or the beta-binomial falls back (pool.c). */
void msc_estimate_exact(msc_estimate *e, double sx, double sn, double level);
/* Fills the test and interval of an estimate whose yi and se are set: z, or
 * t with df degrees of freedom when df is finite (pool.c). */
void msc_estimate_test(msc_estimate *e, double level, double df);
/* Estimate, interval and prediction interval on the proportion scale (pool.c). */
void msc_estimate_backtransform(msc_estimate *e, msc_measure m, double nhm);

/* f's heterogeneity as the reports show it: every statistic NAN (null, NA)
 * where it could not be estimated, k < 2 or a fallback to the exact
 * proportion (msc_fit_het_estimable), so that table, JSON and CSV agree;
 * the fit itself keeps metafor's values (tau^2 = 0, Q = 0, p = 1 at k = 1)
 * (pool.c). */
void msc_fit_het_shown(const msc_fit *f, msc_heterogeneity *h);

/* Prediction interval on the model scale for a random-effects estimate e
 * (yi, se set), by s->pi: t(k-2) (HTS), z, or t(k-1); a warning when k is
 * too small for it (pool.c). */
void msc_pool_prediction_interval(msc_estimate *e, double tau2, size_t k, const msc_settings *s,
                                  msc_warnings *w);

/* Quantiles used throughout, right at any df (distributions.c). */
double msc_qnorm_upper(double p);         /* z with P(Z > z) = p */
double msc_qt_upper(double p, double df); /* t with P(T > t) = p */
/* chi^2 with df degrees of freedom: x with P(X > x) = p when upper is set,
 * else with P(X <= x) = p. NAN for p outside (0, 1) or df <= 0. */
double msc_qchisq(double p, double df, int upper);

/* The beta distribution for shape parameters up to 1e15 (beta.c): the x
 * with P(X <= x) = p or, with upper set, P(X > x) = p. */
double msc_beta_quantile(double p, double a, double b, int upper);
/* Stirling's remainder: lgamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)]
 * (beta.c), for log-gamma terms that must not cancel. */
double msc_stirling_delta(double z);
/* P(X > x) (upper set) or P(X <= x) for chi^2 with df degrees of freedom,
 * right at any df (distributions.c). */
double msc_pchisq(double x, double df, int upper);
/* P(T > t), Student's t with df degrees of freedom (beta.c). */
double msc_t_upper(double t, double df);
/* P(F > f), the F distribution with (df1, df2) degrees of freedom (beta.c). */
double msc_f_upper(double f, double df1, double df2);

/* Hash of a study's counts (x, n), for the tables that group studies by them. */
static inline uint64_t msc_pair_hash(double x, double n)
{
    uint64_t a, b;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &n, sizeof b);
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return h;
}

/* Values that depend only on a study's counts, such as its intervals:
 * fn(x, n, ctx, v) fills v[0..m) (m <= 4), and out[j][i] receives v[j] for
 * study i. fn runs once per distinct (x, n), since large data sets of small
 * studies repeat the same pairs many times and an exact interval costs two
 * beta quantiles; the table of pairs is bounded, and past it (or without
 * memory for it) fn runs once per study (analysis.c). */
typedef void (*msc_pair_fn)(double x, double n, const void *ctx, double *v);
void msc_pair_values(const double *x, const double *n, size_t k, msc_pair_fn fn, const void *ctx,
                     size_t m, double *const *out);

#endif
