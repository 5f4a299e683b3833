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

/* Cochran's Q between the groups' estimates: Q_between = sum w_g (y_g -
 * ybar)^2, w_g = 1/SE_g^2 of each group's own (random-effects) estimate
 * (Borenstein et al. 2009, ch. 19), over the groups that have one. */
static void q_test(msc_outcome_result *o)
{
    size_t G = o->n_groups;
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
    if (used >= 2) {
        double mean = swy / sw, q = 0;
        for (size_t g = 0; g < G; g++) {
            const msc_estimate *e = msc_fit_main_block(&o->group[g].fit);
            if (e->se > 0.0 && isfinite(e->se) && isfinite(e->yi))
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
}

#define LRT_MAX_GROUPS 10000 /* one quadrature model each */
#define FISHER_MAX_WORK 5e6  /* steps of the exact enumeration: ~0.05 s */

/* The names of the groups (up to three) for which pick(g) holds, "A, B, C
 * and 4 more", into buf. */
static void group_names(const msc_outcome_result *o, int (*pick)(const msc_group_result *),
                        char *buf, size_t len)
{
    size_t shown = 0, more = 0, at = 0;
    buf[0] = 0;
    for (size_t g = 0; g < o->n_groups; g++) {
        if (!pick(&o->group[g]))
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

static int is_fallback(const msc_group_result *g) { return g->fit.exact_fallback; }

static int is_separated(const msc_group_result *g)
{
    return g->events_total == 0 || g->events_total == g->n_total;
}

/* The test under the GLMM when a group's estimate is an exact fallback:
 * the likelihood-ratio test of the binomial model with the subgroup as a
 * fixed effect, or Fisher's exact test when a group has no events or only
 * events (its intercept has no finite estimate) or the LRT's model has no
 * finite maximum (subgroup_test.c). */
static int count_test(msc_outcome_result *o, const msc_settings *s)
{
    size_t G = o->n_groups;
    char names[256];
    group_names(o, is_fallback, names, sizeof names);
    size_t nfb = 0;
    for (size_t g = 0; g < G; g++)
        nfb += is_fallback(&o->group[g]) != 0;
    msc_warnings *w = &o->warnings;
    size_t sep = 0;
    double sep_x = 0, sep_n = 0; /* the counts of the (last) separated group */
    for (size_t g = 0; g < G; g++)
        if (is_separated(&o->group[g])) {
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
    group_names(o, is_separated, sepnames, sizeof sepnames);
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
    st->group_members = malloc((k ? k : 1) * sizeof *st->group_members);
    if (!st->group_members)
        goto out;
    size_t off = 0;
    for (size_t g = 0; g < G; g++) {
        o->group[g].study = st->group_members + off;
        off += count[g];
    }
    for (size_t i = 0; i < k; i++)
        if (gid[i] != SIZE_MAX) {
            msc_group_result *gr = &o->group[gid[i]];
            gr->study[gr->k++] = i;
        }
    /* Fit each group: the same fit as the whole outcome's, on its studies. */
    msc_studies all;
    msc_outcome_studies(o, &all);
    for (size_t g = 0; g < G; g++) {
        msc_group_result *gr = &o->group[g];
        for (size_t j = 0; j < gr->k; j++) {
            gr->events_total += o->xi[gr->study[j]];
            gr->n_total += o->ni[gr->study[j]];
        }
        int frc = msc_fit_studies(&all, gr->study, gr->k, s, 0, &gr->fit, &gr->warnings);
        if (frc != MSC_OK) {
            rc = frc;
            goto out;
        }
    }

    o->sg_test = MSC_SGTEST_NONE;
    o->Q_between = o->Q_between_df = o->Q_between_p = o->sg_tau2 = NAN;
    int fallback = 0;
    for (size_t g = 0; g < G; g++)
        if (s->method == MSC_METHOD_GLMM && o->group[g].fit.exact_fallback)
            fallback = 1;
    if (fallback && G >= 2) {
        if ((rc = count_test(o, s)) != MSC_OK)
            goto out;
    } else {
        q_test(o);
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
