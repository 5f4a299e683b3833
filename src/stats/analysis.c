/*
 * The whole analysis of a data set: for every outcome, pick the usable
 * studies (and say why the others are left out), compute effect sizes, pool
 * them, pool each subgroup with its own tau^2 and test the subgroup
 * differences, and add the totals and the exact pooled proportion. Reports
 * and plots read only what this module produces, so that every number a
 * user sees comes from one place.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

/* ------------------------------------------------- per-study intervals */

/* Values that depend only on (x, n), computed once per distinct pair. Open
 * addressing on the index of the first study with those counts; bounded
 * size. */
void msc_pair_values(const double *x, const double *n, size_t k, msc_pair_fn fn, const void *ctx,
                     size_t m, double *const *out)
{
    size_t cap = 64;
    while (cap < 2 * k && cap < ((size_t)1 << 20))
        cap *= 2;
    size_t *first = malloc(cap * sizeof *first);
    if (first)
        for (size_t h = 0; h < cap; h++)
            first[h] = SIZE_MAX;
    size_t used = 0;
    for (size_t i = 0; i < k; i++) {
        if (first) {
            size_t h = (size_t)(msc_pair_hash(x[i], n[i]) & (cap - 1));
            while (first[h] != SIZE_MAX && !(x[first[h]] == x[i] && n[first[h]] == n[i]))
                h = (h + 1) & (cap - 1);
            if (first[h] != SIZE_MAX) {
                for (size_t j = 0; j < m; j++)
                    out[j][i] = out[j][first[h]];
                continue;
            }
            if (used < cap / 2) { /* keep the table sparse */
                first[h] = i;
                used++;
            }
        }
        double v[4];
        fn(x[i], n[i], ctx, v);
        for (size_t j = 0; j < m; j++)
            out[j][i] = v[j];
    }
    free(first);
}

static void study_ci_fn(double x, double n, const void *ctx, double *v)
{
    const msc_settings *s = ctx;
    msc_study_ci_compute(s->study_ci, x, n, s->level, &v[0], &v[1]);
}

static int study_cis(msc_outcome_result *o, const msc_settings *s)
{
    o->ci_lo = malloc(o->k * sizeof *o->ci_lo);
    o->ci_hi = malloc(o->k * sizeof *o->ci_hi);
    if (!o->ci_lo || !o->ci_hi)
        return MSC_ERR_NOMEM;
    msc_pair_values(o->xi, o->ni, o->k, study_ci_fn, s, 2, (double *const[]){o->ci_lo, o->ci_hi});
    return MSC_OK;
}

/* ------------------------------------------------------------- weights */

double msc_outcome_weight(const msc_outcome_result *o, size_t i, int random)
{
    const msc_fit *f = &o->fit;
    if (!f->has_weights || o->skipped)
        return NAN;
    if (random) {
        if (!f->has_random)
            return NAN;
        return 100.0 / (o->vi[i] + f->het.tau2) / f->sum_w_random;
    }
    return 100.0 / o->vi[i] / f->sum_w_common;
}

/* ----------------------------------------------------------- subgroups */

typedef struct {
    const char *key;
    size_t group;
} level_slot;

static size_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int fit_one(const double *xi, const double *ni, const double *yi, const double *vi,
                   size_t k, const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    if (s->method == MSC_METHOD_GLMM)
        return msc_glmm_fit(xi, ni, vi, k, s, f, w);
    return msc_pool_fit(yi, vi, ni, k, s, f, w);
}

static int subgroups(msc_outcome_result *o, const msc_dataset *d, const msc_settings *s)
{
    size_t k = o->k;
    size_t cap = 16;
    while (cap < 2 * k)
        cap *= 2;
    level_slot *t = calloc(cap, sizeof *t);
    size_t *gid = malloc((k ? k : 1) * sizeof *gid);
    size_t *count = NULL;
    int rc = MSC_ERR_NOMEM;
    if (!t || !gid)
        goto out;
    size_t G = 0, gcap = 0;
    for (size_t i = 0; i < k; i++) {
        const char *g = d->group[o->row[i]];
        if (!g) {
            gid[i] = SIZE_MAX;
            o->n_group_missing++;
            continue;
        }
        size_t h = str_hash(g) & (cap - 1);
        while (t[h].key && strcmp(t[h].key, g) != 0)
            h = (h + 1) & (cap - 1);
        if (!t[h].key) {
            if (G == gcap) {
                gcap = gcap ? 2 * gcap : 8;
                msc_group_result *ng = realloc(o->group, gcap * sizeof *ng);
                size_t *nc = realloc(count, gcap * sizeof *nc);
                if (ng)
                    o->group = ng;
                if (nc)
                    count = nc;
                if (!ng || !nc)
                    goto out;
            }
            t[h].key = g;
            t[h].group = G;
            memset(&o->group[G], 0, sizeof o->group[G]);
            o->group[G].name = msc_strdup(g);
            count[G] = 0;
            o->n_groups = ++G;
            if (!o->group[G - 1].name)
                goto out;
        }
        gid[i] = t[h].group;
        count[gid[i]]++;
    }
    /* Members of each group, in study order, in one shared array. */
    o->group_members_ = malloc((k ? k : 1) * sizeof *o->group_members_);
    if (!o->group_members_)
        goto out;
    size_t off = 0;
    for (size_t g = 0; g < G; g++) {
        o->group[g].study = o->group_members_ + off;
        off += count[g];
    }
    for (size_t i = 0; i < k; i++)
        if (gid[i] != SIZE_MAX) {
            msc_group_result *gr = &o->group[gid[i]];
            gr->study[gr->k++] = i;
        }
    /* Fit each group on gathered copies of its studies. */
    size_t maxk = 0;
    for (size_t g = 0; g < G; g++)
        if (o->group[g].k > maxk)
            maxk = o->group[g].k;
    double *buf = malloc(4 * (maxk ? maxk : 1) * sizeof *buf);
    if (!buf)
        goto out;
    for (size_t g = 0; g < G; g++) {
        msc_group_result *gr = &o->group[g];
        double *x = buf, *n = buf + maxk, *y = buf + 2 * maxk, *v = buf + 3 * maxk;
        for (size_t j = 0; j < gr->k; j++) {
            size_t i = gr->study[j];
            x[j] = o->xi[i];
            n[j] = o->ni[i];
            y[j] = o->yi[i];
            v[j] = o->vi[i];
            gr->events_total += x[j];
            gr->n_total += n[j];
        }
        int frc = fit_one(x, n, y, v, gr->k, s, &gr->fit, &gr->warnings);
        if (frc != MSC_OK) {
            free(buf);
            rc = frc;
            goto out;
        }
    }
    free(buf);

    /* Test for subgroup differences: Q_between = sum w_g (y_g - ybar)^2,
     * w_g = 1/SE_g^2 of each group's own (random-effects) estimate. */
    double sw = 0, swy = 0;
    size_t used = 0;
    for (size_t g = 0; g < G; g++) {
        const msc_estimate *e = msc_fit_main_block(&o->group[g].fit);
        if (e->se > 0.0 && isfinite(e->se) && isfinite(e->yi)) {
            sw += 1.0 / (e->se * e->se);
            swy += e->yi / (e->se * e->se);
            used++;
        }
    }
    o->Q_between = o->Q_between_df = o->Q_between_p = NAN;
    if (used >= 2) {
        double mean = swy / sw, q = 0;
        for (size_t g = 0; g < G; g++) {
            const msc_estimate *e = msc_fit_main_block(&o->group[g].fit);
            if (e->se > 0.0 && isfinite(e->se) && isfinite(e->yi))
                q += (e->yi - mean) * (e->yi - mean) / (e->se * e->se);
        }
        o->Q_between = q;
        o->Q_between_df = (double)used - 1.0;
        o->Q_between_p = gsl_cdf_chisq_Q(q, o->Q_between_df);
        if (used < G)
            msc_warnings_add(&o->warnings,
                             "%zu subgroup(s) without a usable estimate are left out of the test "
                             "for subgroup differences",
                             G - used);
    } else {
        msc_warnings_add(&o->warnings, "the test for subgroup differences needs at least 2 "
                                       "subgroups with an estimate");
    }
    if (o->n_group_missing)
        msc_warnings_add(&o->warnings,
                         "%zu stud%s with no \"%s\" value %s in the overall pool but in no "
                         "subgroup",
                         o->n_group_missing, o->n_group_missing == 1 ? "y" : "ies", d->group_col,
                         o->n_group_missing == 1 ? "is" : "are");
    rc = MSC_OK;
out:
    free(t);
    free(gid);
    free(count);
    return rc;
}

/* ------------------------------------------------------------ outcomes */

static int add_excluded(msc_outcome_result *o, size_t row, const char *reason)
{
    o->excluded_row[o->n_excluded] = row;
    o->excluded_reason[o->n_excluded] = reason;
    o->n_excluded++;
    return MSC_OK;
}

static const char REASON_UNDEFINED[] =
    "0 or n events: the effect size is undefined without a continuity correction";

static int run_outcome(msc_outcome_result *o, const msc_dataset *d, const msc_outcome_data *od,
                       const msc_settings *s, unsigned flags)
{
    size_t K = d->k;
    o->data = od;
    o->row = malloc(K * sizeof *o->row);
    o->xi = malloc(K * sizeof *o->xi);
    o->ni = malloc(K * sizeof *o->ni);
    o->yi = malloc(K * sizeof *o->yi);
    o->vi = malloc(K * sizeof *o->vi);
    o->excluded_row = malloc(K * sizeof *o->excluded_row);
    o->excluded_reason = malloc(K * sizeof *o->excluded_reason);
    size_t l1 = strlen(od->name) + 9, l2 = strlen(od->denom) + 9;
    o->reason_missing_events_ = malloc(l1);
    o->reason_missing_n_ = malloc(l2);
    if (!o->row || !o->xi || !o->ni || !o->yi || !o->vi || !o->excluded_row ||
        !o->excluded_reason || !o->reason_missing_events_ || !o->reason_missing_n_)
        return MSC_ERR_NOMEM;
    snprintf(o->reason_missing_events_, l1, "missing %s", od->name);
    snprintf(o->reason_missing_n_, l2, "missing %s", od->denom);

    double add;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &add, &mode);
    int any0 = 0;
    for (size_t r = 0; r < K; r++) {
        double x = od->events[r], n = od->n[r];
        if (!isnan(x) && !isnan(n) && (x == 0.0 || x == n))
            any0 = 1;
    }
    msc_measure m = s->method == MSC_METHOD_GLMM ? MSC_PLO : s->measure;
    size_t k = 0, n_undefined = 0, n_no_logit = 0;
    for (size_t r = 0; r < K; r++) {
        double x = od->events[r], n = od->n[r];
        if (isnan(x)) {
            add_excluded(o, r, o->reason_missing_events_);
            continue;
        }
        if (isnan(n)) {
            add_excluded(o, r, o->reason_missing_n_);
            continue;
        }
        double y, v;
        msc_effect_compute(m, x, n, add, mode, any0, &y, &v);
        if (!isfinite(y) || !isfinite(v) || !(v > 0.0)) {
            /* only with --cc-mode none (or --cc 0): logit/log of 0 or 1 */
            if (s->method != MSC_METHOD_GLMM) {
                add_excluded(o, r, REASON_UNDEFINED);
                n_undefined++;
                continue;
            }
            n_no_logit++; /* GLMM: kept, it fits the counts; yi and vi are null in reports */
        }
        o->row[k] = r;
        o->xi[k] = x;
        o->ni[k] = n;
        o->yi[k] = y;
        o->vi[k] = v;
        k++;
    }
    o->k = k;
    if (n_undefined)
        msc_warnings_add(&o->warnings,
                         "%zu stud%s with 0 or n events left out: %s is undefined there without "
                         "a continuity correction (drop --cc-mode none, or use PAS or PFT)",
                         n_undefined, n_undefined == 1 ? "y" : "ies", msc_measure_name(m));
    if (n_no_logit)
        msc_warnings_add(&o->warnings,
                         "%zu stud%s with 0 or n events: the logit (yi, vi) is undefined without a "
                         "continuity correction and shown as missing; the GLMM uses the counts",
                         n_no_logit, n_no_logit == 1 ? "y" : "ies");
    if (k == 0) {
        o->skipped = 1;
        msc_warnings_add(&o->warnings, "no study has usable %s counts: this outcome is skipped",
                         od->name);
        return MSC_OK;
    }

    /* Totals and the exact pooled proportion under complete homogeneity. */
    double sx = 0, sn = 0;
    for (size_t i = 0; i < k; i++) {
        sx += o->xi[i];
        sn += o->ni[i];
    }
    o->events_total = sx;
    o->n_total = sn;
    o->exact_est = sx / sn;
    msc_study_ci_compute(MSC_SCI_CP, sx, sn, s->level, &o->exact_lo, &o->exact_hi);

    int rc = fit_one(o->xi, o->ni, o->yi, o->vi, k, s, &o->fit, &o->warnings);
    if (rc != MSC_OK)
        return rc;
    if (m == MSC_PR || m == MSC_PLN) {
        const msc_estimate *e = msc_fit_main_block(&o->fit);
        double lo = fmin(e->ci_lo, o->fit.common.ci_lo), hi = fmax(e->ci_hi, o->fit.common.ci_hi);
        if (isfinite(e->pi_lo))
            lo = fmin(lo, e->pi_lo);
        if (isfinite(e->pi_hi))
            hi = fmax(hi, e->pi_hi);
        if (lo < 0.0 || hi > 1.0)
            msc_warnings_add(&o->warnings,
                             "an interval on the %s scale reaches outside [0, 1] (shown as "
                             "metafor computes it); PLO keeps intervals inside",
                             msc_measure_name(m));
    }
    if (!(flags & MSC_RUN_NO_STUDY_CI) && (rc = study_cis(o, s)) != MSC_OK)
        return rc;
    if (d->group_col && (rc = subgroups(o, d, s)) != MSC_OK)
        return rc;
    return MSC_OK;
}

msc_status msc_analysis_run(const msc_dataset *d, const msc_settings *s, unsigned flags,
                     msc_analysis **out, char *err, size_t errlen)
{
    *out = NULL;
    if (s->method == MSC_METHOD_GLMM && s->measure != MSC_PLO) {
        snprintf(err, errlen, "--method GLMM models the logit of the proportion: use --measure "
                              "PLO (the default)");
        return MSC_ERR_USAGE;
    }
    if (!(s->level > 0.0 && s->level < 1.0)) {
        snprintf(err, errlen, "--level must be between 0 and 1, for example 0.95");
        return MSC_ERR_USAGE;
    }
    msc_analysis *a = calloc(1, sizeof *a);
    if (!a)
        goto nomem;
    a->data = d;
    a->settings = *s;
    a->outcome = calloc(d->n_outcomes ? d->n_outcomes : 1, sizeof *a->outcome);
    if (!a->outcome)
        goto nomem;
    a->n_outcomes = d->n_outcomes;
    size_t usable = 0;
    for (size_t j = 0; j < d->n_outcomes; j++) {
        int rc = run_outcome(&a->outcome[j], d, &d->outcome[j], s, flags);
        if (rc == MSC_ERR_NOMEM)
            goto nomem;
        if (rc != MSC_OK) {
            snprintf(err, errlen, "%s: %s: the analysis failed", d->source, d->outcome[j].name);
            msc_analysis_free(a);
            return rc;
        }
        if (!a->outcome[j].skipped)
            usable++;
    }
    if (usable == 0) {
        /* Counts present but every study left out (--cc-mode none with 0 or
         * n events) is a different fix from counts that are all missing. */
        size_t undefined = 0;
        for (size_t j = 0; j < a->n_outcomes; j++)
            for (size_t i = 0; i < a->outcome[j].n_excluded; i++)
                undefined += a->outcome[j].excluded_reason[i] == REASON_UNDEFINED;
        if (undefined)
            snprintf(err, errlen,
                     "%s: no outcome has a usable study: %zu stud%s with 0 or n events left out: "
                     "%s is undefined there without a continuity correction (drop --cc-mode "
                     "none, or use PAS or PFT)",
                     d->source, undefined, undefined == 1 ? "y" : "ies",
                     msc_measure_name(s->measure));
        else
            snprintf(err, errlen,
                     "%s: no outcome has a study with both events and n reported (every count "
                     "is missing)",
                     d->source);
        msc_analysis_free(a);
        return MSC_ERR_INPUT;
    }
    *out = a;
    return MSC_OK;
nomem:
    msc_analysis_free(a);
    snprintf(err, errlen, "%s: out of memory", d->source);
    return MSC_ERR_NOMEM;
}

void msc_analysis_free(msc_analysis *a)
{
    if (!a)
        return;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        msc_outcome_result *o = &a->outcome[j];
        free(o->row);
        free(o->xi);
        free(o->ni);
        free(o->yi);
        free(o->vi);
        free(o->ci_lo);
        free(o->ci_hi);
        free(o->excluded_row);
        free(o->excluded_reason);
        free(o->reason_missing_events_);
        free(o->reason_missing_n_);
        for (size_t g = 0; g < o->n_groups; g++) {
            free(o->group[g].name);
            msc_warnings_clear(&o->group[g].warnings);
        }
        free(o->group);
        free(o->group_members_);
        msc_warnings_clear(&o->warnings);
    }
    free(a->outcome);
    free(a);
}
