/*
 * Subgroups: the studies of an outcome grouped by the level of a column,
 * each group pooled with its own tau^2 by the outcome's own fit, and the
 * test for subgroup differences across the groups' estimates.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "msc_stats.h"

static size_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* The sums of Cochran's Q between the groups' estimates (q_test), in
 * group order. */
typedef struct {
    double sw, swy;
    size_t used;
} q_sums;

static int q_usable(const msc_estimate *e)
{
    return e->se > 0.0 && isfinite(e->se) && isfinite(e->yi);
}

/* Group g's main block: its kept fit's, or fitted again (a small group's
 * fit is cheap; keeping every group's yi and se would cost 16 bytes a
 * group at the peak). */
static int main_block(const msc_outcome_result *o, size_t g, const msc_settings *s, msc_fit *tmp,
                      const msc_estimate **e)
{
    const msc_group_result *gr = &o->group[g];
    if (gr->kept) {
        *e = msc_fit_main_block(&gr->kept->fit);
        return MSC_OK;
    }
    msc_studies all;
    msc_outcome_studies(o, &all);
    msc_warnings w = {0};
    int rc = msc_fit_studies(&all, gr->study, gr->k, s, 0, tmp, &w);
    msc_warnings_clear(&w);
    *e = msc_fit_main_block(tmp);
    return rc;
}

/* Cochran's Q between the groups' estimates: Q_between = sum w_g (y_g -
 * ybar)^2, w_g = 1/SE_g^2 of each group's own (random-effects) estimate
 * (Borenstein et al. 2009, ch. 19), over the groups that have one; qs
 * holds the sums of w_g and w_g y_g, made as the groups were fitted. */
static int q_test(msc_outcome_result *o, const msc_settings *s, const q_sums *qs)
{
    size_t G = o->n_groups, used = qs->used;
    if (used >= 2) {
        double mean = qs->swy / qs->sw, q = 0;
        for (size_t g = 0; g < G; g++) {
            msc_fit tmp;
            const msc_estimate *e;
            int rc = main_block(o, g, s, &tmp, &e);
            if (rc != MSC_OK)
                return rc;
            if (q_usable(e))
                q += (e->yi - mean) * (e->yi - mean) / (e->se * e->se);
        }
        o->sg_test = MSC_SGTEST_Q;
        o->Q_between = q;
        o->Q_between_df = (double)used - 1.0;
        o->Q_between_p = msc_pchisq(q, o->Q_between_df, 1);
        if (used < G)
            msc_warnings_add(&o->warnings,
                             "%zu subgroup(s) without a usable estimate are left out of the test "
                             "for subgroup differences",
                             G - used);
    } else {
        msc_warnings_add(&o->warnings, "the test for subgroup differences needs at least 2 "
                                       "subgroups with an estimate");
    }
    return MSC_OK;
}

#define LRT_MAX_GROUPS 10000 /* one quadrature model each */
#define FISHER_MAX_WORK 5e6  /* steps of the exact enumeration: ~0.05 s */

/* The names of the groups (up to three) for which pick(g) holds, "A, B, C
 * and 4 more", into buf. */
static void group_names(const msc_outcome_result *o,
                        int (*pick)(const msc_outcome_result *, size_t, const unsigned char *),
                        const unsigned char *fb, char *buf, size_t len)
{
    size_t shown = 0, more = 0, at = 0;
    buf[0] = 0;
    for (size_t g = 0; g < o->n_groups; g++) {
        if (!pick(o, g, fb))
            continue;
        if (shown == 3) {
            more++;
            continue;
        }
        int w = snprintf(buf + at, len - at, "%s\"%.40s\"", shown ? ", " : "", o->group[g].name);
        if (w > 0 && (size_t)w < len - at)
            at += (size_t)w;
        shown++;
    }
    if (more)
        snprintf(buf + at, len - at, " and %zu more", more);
}

/* fb[g]: group g's fit is an exact fallback */
static int is_fallback(const msc_outcome_result *o, size_t g, const unsigned char *fb)
{
    (void)o;
    return fb[g];
}

static int is_separated(const msc_outcome_result *o, size_t g, const unsigned char *fb)
{
    (void)fb;
    return o->group[g].events_total == 0 || o->group[g].events_total == o->group[g].n_total;
}

/* The test under the GLMM when a group's estimate is an exact fallback:
 * the likelihood-ratio test of the binomial model with the subgroup as a
 * fixed effect, or Fisher's exact test when a group has no events or only
 * events (its intercept has no finite estimate) or the LRT's model has no
 * finite maximum (subgroup_test.c). */
static int count_test(msc_outcome_result *o, const msc_settings *s, const unsigned char *fb)
{
    size_t G = o->n_groups;
    char names[256];
    group_names(o, is_fallback, fb, names, sizeof names);
    size_t nfb = 0;
    for (size_t g = 0; g < G; g++)
        nfb += fb[g] != 0;
    msc_warnings *w = &o->warnings;
    size_t sep = 0;
    double sep_x = 0, sep_n = 0; /* the counts of the (last) separated group */
    for (size_t g = 0; g < G; g++)
        if (is_separated(o, g, fb)) {
            sep++;
            sep_x = o->group[g].events_total;
            sep_n = o->group[g].n_total;
        }
    const char *why_not_lrt = NULL;
    if (sep == 0 && G <= LRT_MAX_GROUPS) {
        msc_subgroup_lrt_result r;
        int rc =
            msc_subgroup_lrt(o->xi, o->ni, o->group, G, s->nagq, s->threads, o->fit.het.tau, &r);
        if (rc != MSC_OK)
            return rc;
        if (!r.failed) {
            o->sg_test = MSC_SGTEST_LRT;
            o->Q_between = r.lrt;
            o->Q_between_df = r.df;
            o->Q_between_p = r.p;
            o->sg_tau2 = r.tau2;
            msc_warnings_add(
                w,
                "the GLMM %s of %s %s with no standard error, so the test "
                "for subgroup differences is not Cochran's Q between the estimates but the "
                "likelihood-ratio test of the binomial model with the subgroup as a fixed "
                "effect%s (tau^2 = %.4g; %.4g with one intercept)",
                nfb == 1 ? "estimate" : "estimates", names,
                nfb == 1 ? "is an exact fallback" : "are exact fallbacks",
                r.tau2 > 0 ? " and one common tau^2"
                           : ": its tau^2 is at 0, so this is the common-effect logistic model",
                r.tau2, r.tau2_null);
            return MSC_OK;
        }
        why_not_lrt = "the binomial-normal model with the subgroups has no finite maximum in "
                      "tau^2";
    } else if (sep == 0) {
        why_not_lrt = "there are too many subgroups for the likelihood-ratio test";
    }
    double *xg = malloc(G * sizeof *xg), *ng = malloc(G * sizeof *ng), p = NAN;
    int rc = MSC_ERR_NOMEM;
    if (xg && ng) {
        for (size_t g = 0; g < G; g++) {
            xg[g] = o->group[g].events_total;
            ng[g] = o->group[g].n_total;
        }
        rc = msc_subgroup_fisher(xg, ng, G, FISHER_MAX_WORK, &p);
    }
    free(xg);
    free(ng);
    if (rc != MSC_OK)
        return rc;
    char sepnames[256];
    group_names(o, is_separated, fb, sepnames, sizeof sepnames);
    if (!isfinite(p)) {
        msc_warnings_add(w,
                         "no test for subgroup differences: the GLMM %s of %s %s with no "
                         "standard error, %s, and Fisher's exact test on the "
                         "events by subgroup is too large to enumerate",
                         nfb == 1 ? "estimate" : "estimates", names,
                         nfb == 1 ? "is an exact fallback" : "are exact fallbacks",
                         why_not_lrt ? why_not_lrt
                                     : "a subgroup with no events or only events leaves the "
                                       "likelihood-ratio test without a finite maximum");
        return MSC_OK;
    }
    o->sg_test = MSC_SGTEST_FISHER;
    o->Q_between_p = p;
    if (why_not_lrt)
        msc_warnings_add(w,
                         "the GLMM %s of %s %s with no standard error, and "
                         "%s: the test for subgroup differences is Fisher's exact test on the "
                         "pooled table of events by subgroup, which ignores heterogeneity "
                         "between studies",
                         nfb == 1 ? "estimate" : "estimates", names,
                         nfb == 1 ? "is an exact fallback" : "are exact fallbacks", why_not_lrt);
    else if (sep == 1)
        msc_warnings_add(w,
                         "subgroup %s has %s (%g of %g), so its log-odds has no finite estimate "
                         "and neither Cochran's Q nor a likelihood-ratio test can stand: the "
                         "test for subgroup differences is Fisher's exact test on the pooled "
                         "table of events by subgroup, which ignores heterogeneity between "
                         "studies",
                         sepnames, sep_x == 0 ? "no events" : "events in every patient", sep_x,
                         sep_n);
    else
        msc_warnings_add(w,
                         "subgroups %s have no events or events in every patient, so their "
                         "log-odds have no finite estimate and neither Cochran's Q nor a "
                         "likelihood-ratio test can stand: the test for subgroup differences is "
                         "Fisher's exact test on the pooled table of events by subgroup, which "
                         "ignores heterogeneity between studies",
                         sepnames);
    return MSC_OK;
}

int msc_subgroups_fit(msc_outcome_result *o, msc_outcome_store *st, const msc_dataset *d,
                      const msc_settings *s)
{
    size_t k = o->k;
    if (k >= UINT32_MAX) /* the table's slots are 32-bit; such data would not fit anyway */
        return MSC_ERR_NOMEM;
    size_t cap = 16;
    while (cap < 2 * k)
        cap *= 2;
    /* Open addressing; a slot holds its group's number + 1 (0: free), the
     * key being the group's name: 4 bytes a slot keep the peak low. */
    uint32_t *t = calloc(cap, sizeof *t);
    size_t *gid = malloc((k ? k : 1) * sizeof *gid);
    q_sums qs = {0, 0, 0};
    unsigned char *fb = NULL; /* per group: its fit is an exact fallback */
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
        while (t[h] && strcmp(o->group[t[h] - 1].name, g) != 0)
            h = (h + 1) & (cap - 1);
        if (!t[h]) {
            if (G == gcap) {
                gcap = gcap ? 2 * gcap : 8;
                msc_group_result *ng = realloc(o->group, gcap * sizeof *ng);
                if (!ng)
                    goto out;
                o->group = ng;
            }
            memset(&o->group[G], 0, sizeof o->group[G]);
            o->group[G].name = g; /* the data set outlives the result */
            o->n_groups = ++G;
            t[h] = (uint32_t)G;
        }
        gid[i] = t[h] - 1;
        o->group[gid[i]].k++; /* counted here, filled below */
    }
    free(t); /* before the members and fits: the peak */
    t = NULL;
    if (G && G < gcap) { /* give back the doubling's slack */
        msc_group_result *ng = realloc(o->group, G * sizeof *ng);
        if (ng)
            o->group = ng;
    }
    /* Members of each group, in study order, in one shared array. */
    st->group_members = malloc((k ? k : 1) * sizeof *st->group_members);
    if (!st->group_members)
        goto out;
    size_t off = 0;
    for (size_t g = 0; g < G; g++) {
        o->group[g].study = st->group_members + off;
        off += o->group[g].k;
        o->group[g].k = 0;
    }
    for (size_t i = 0; i < k; i++)
        if (gid[i] != SIZE_MAX) {
            msc_group_result *gr = &o->group[gid[i]];
            gr->study[gr->k++] = i;
        }
    free(gid);
    gid = NULL;
    if (!(fb = malloc(G ? G : 1)))
        goto out;
    /* Fit each group: the same fit as the whole outcome's, on its studies.
     * A group keeps what the test for subgroup differences needs, and its
     * whole fit only when it has many studies (msc_group_fit). */
    msc_studies all;
    msc_outcome_studies(o, &all);
    for (size_t g = 0; g < G; g++) {
        msc_group_result *gr = &o->group[g];
        for (size_t j = 0; j < gr->k; j++) {
            gr->events_total += o->xi[gr->study[j]];
            gr->n_total += o->ni[gr->study[j]];
        }
        msc_fit f;
        msc_warnings w = {0};
        int frc = msc_fit_studies(&all, gr->study, gr->k, s, 0, &f, &w);
        if (frc == MSC_OK && w.lost)
            frc = MSC_ERR_NOMEM;
        if (frc == MSC_OK && gr->k >= MSC_GROUP_KEEP_K && !(gr->kept = malloc(sizeof *gr->kept)))
            frc = MSC_ERR_NOMEM;
        if (frc != MSC_OK) {
            msc_warnings_clear(&w);
            rc = frc;
            goto out;
        }
        const msc_estimate *e = msc_fit_main_block(&f);
        if (q_usable(e)) {
            qs.sw += 1.0 / (e->se * e->se);
            qs.swy += e->yi / (e->se * e->se);
            qs.used++;
        }
        fb[g] = (unsigned char)(f.exact_fallback != 0);
        if (gr->kept) {
            gr->kept->fit = f;
            gr->kept->warnings = w;
        } else {
            msc_warnings_clear(&w);
        }
    }

    o->sg_test = MSC_SGTEST_NONE;
    o->Q_between = o->Q_between_df = o->Q_between_p = o->sg_tau2 = NAN;
    int fallback = 0;
    for (size_t g = 0; g < G; g++)
        if (s->method == MSC_METHOD_GLMM && fb[g])
            fallback = 1;
    if (fallback && G >= 2) {
        if ((rc = count_test(o, s, fb)) != MSC_OK)
            goto out;
    } else {
        if ((rc = q_test(o, s, &qs)) != MSC_OK)
            goto out;
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
    free(fb);
    return rc;
}

msc_status msc_group_fit(const msc_analysis *a, const msc_outcome_result *o, size_t g, msc_fit *fit,
                         msc_warnings *w)
{
    if (!a || !o || !fit || !w || g >= o->n_groups)
        return MSC_ERR_USAGE;
    const msc_group_result *gr = &o->group[g];
    if (gr->kept) {
        *fit = gr->kept->fit;
        for (size_t i = 0; i < gr->kept->warnings.n; i++)
            if (msc_warnings_add(w, "%s", gr->kept->warnings.msg[i]) != MSC_OK)
                return MSC_ERR_NOMEM;
        return MSC_OK;
    }
    /* the analysis's own call (msc_subgroups_fit): the same numbers */
    msc_studies all;
    msc_outcome_studies(o, &all);
    msc_status rc = msc_fit_studies(&all, gr->study, gr->k, &a->settings, 0, fit, w);
    return rc == MSC_OK && w->lost ? MSC_ERR_NOMEM : rc;
}
