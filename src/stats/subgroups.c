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
