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

#include "internal.h"

/* ------------------------------------------------- per-study intervals */

/* Intervals depend only on (x, n): cache them, since a large data set of
 * small studies repeats the same pairs many times and each exact interval
 * costs two beta quantiles. Open addressing, bounded size. */
typedef struct {
    double x, n, lo, hi;
    int used;
} ci_slot;

static uint64_t mix(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    uint64_t h = x * 0x9E3779B97F4A7C15ull ^ (y + 0x632BE59BD9B4E019ull + (x << 6) + (x >> 2));
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return h;
}

static int study_cis(msc_outcome_result *o, const msc_settings *s)
{
    o->ci_lo = malloc(o->k * sizeof *o->ci_lo);
    o->ci_hi = malloc(o->k * sizeof *o->ci_hi);
    if (!o->ci_lo || !o->ci_hi)
        return MSC_ERR_NOMEM;
    size_t cap = 64;
    while (cap < 2 * o->k && cap < ((size_t)1 << 20))
        cap *= 2;
    ci_slot *t = calloc(cap, sizeof *t);
    size_t used = 0;
    for (size_t i = 0; i < o->k; i++) {
        double x = o->xi[i], n = o->ni[i];
        if (t) {
            size_t h = (size_t)(mix(x, n) & (cap - 1));
            while (t[h].used && !(t[h].x == x && t[h].n == n))
                h = (h + 1) & (cap - 1);
            if (t[h].used) {
                o->ci_lo[i] = t[h].lo;
                o->ci_hi[i] = t[h].hi;
                continue;
            }
            msc_study_ci_compute(s->study_ci, x, n, s->level, &o->ci_lo[i], &o->ci_hi[i]);
            if (used < cap / 2) { /* keep the table sparse */
                t[h] = (ci_slot){x, n, o->ci_lo[i], o->ci_hi[i], 1};
                used++;
            }
        } else {
            msc_study_ci_compute(s->study_ci, x, n, s->level, &o->ci_lo[i], &o->ci_hi[i]);
        }
    }
    free(t);
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

/* The block whose estimate and SE the subgroup test uses. */
static const msc_estimate *test_block(const msc_fit *f)
{
    return f->has_random ? &f->random : &f->common;
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
        }
        for (size_t j = 0; j < gr->k; j++) {
            gr->events_total += x[j];
            gr->n_total += n[j];
        }
        gr->exact_est = gr->events_total / gr->n_total;
        msc_study_ci_compute(MSC_SCI_CP, gr->events_total, gr->n_total, s->level, &gr->exact_lo,
                             &gr->exact_hi);
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
        const msc_estimate *e = test_block(&o->group[g].fit);
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
            const msc_estimate *e = test_block(&o->group[g].fit);
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
        if (s->method != MSC_METHOD_GLMM && (!isfinite(y) || !isfinite(v) || !(v > 0.0))) {
            /* only with --cc-mode none (or --cc 0): logit/log of 0 or 1 */
            add_excluded(o, r, REASON_UNDEFINED);
            n_undefined++;
            continue;
        }
        if (!isfinite(y) || !isfinite(v) || !(v > 0.0))
            n_no_logit++; /* GLMM: kept, it fits the counts; yi and vi are null in reports */
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
        const msc_estimate *e = o->fit.has_random ? &o->fit.random : &o->fit.common;
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

int msc_analysis_run(const msc_dataset *d, const msc_settings *s, unsigned flags,
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
