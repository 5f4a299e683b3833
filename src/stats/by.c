/*
 * Groups of records by the value of one column, for many meta-analyses in
 * one pass (mscmeta/by.h): a hash table gives each distinct value a group
 * number in the order of its first record, then a counting sort lays the
 * records of each group side by side, in file order. Time and memory are
 * O(records), whatever the order of the rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_stats.h"
#include "mscmeta/by.h"

struct msc_by {
    const char *col;
    size_t n_groups;
    const char **value; /* per group: its value (the data set's string) */
    size_t *start;      /* per group, and one more: where its records begin in row[] */
    size_t *row;        /* the records of every group, group after group */
    size_t missing;
};

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void msc_by_free(msc_by *g)
{
    if (!g)
        return;
    free(g->value);
    free(g->start);
    free(g->row);
    free(g);
}

/* Numbers each record's group (SIZE_MAX: no value) in gid[], and the
 * groups' values in first-record order in g->value. */
static msc_status number_groups(msc_by *g, char *const *vals, size_t K, size_t *gid)
{
    size_t cap = 16;
    while (cap < 2 * K)
        cap *= 2;
    size_t *slot = malloc(cap * sizeof *slot); /* group number + 1; 0 free */
    g->value = malloc((K ? K : 1) * sizeof *g->value);
    if (!slot || !g->value) {
        free(slot);
        return MSC_ERR_NOMEM;
    }
    memset(slot, 0, cap * sizeof *slot);
    for (size_t r = 0; r < K; r++) {
        const char *v = vals[r];
        if (!v) {
            gid[r] = SIZE_MAX;
            g->missing++;
            continue;
        }
        size_t h = (size_t)str_hash(v) & (cap - 1);
        while (slot[h] && strcmp(g->value[slot[h] - 1], v) != 0)
            h = (h + 1) & (cap - 1);
        if (!slot[h]) {
            g->value[g->n_groups] = v;
            slot[h] = ++g->n_groups;
        }
        gid[r] = slot[h] - 1;
    }
    free(slot);
    return MSC_OK;
}

msc_status msc_by_group(const msc_dataset *d, const char *col, msc_by **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    const msc_kept_column *kc = d && col ? msc_dataset_kept(d, col) : NULL;
    if (!kc) {
        snprintf(err, errlen, "msc_by_group: the column \"%.60s\" was not kept when loading",
                 col ? col : "(null)");
        return MSC_ERR_USAGE;
    }
    size_t K = d->k;
    msc_by *g = calloc(1, sizeof *g);
    size_t *gid = malloc((K ? K : 1) * sizeof *gid);
    if (!g || !gid || number_groups(g, kc->value, K, gid) != MSC_OK)
        goto nomem;
    g->col = kc->name;
    size_t G = g->n_groups;
    g->start = calloc(G + 1, sizeof *g->start);
    g->row = malloc((K ? K : 1) * sizeof *g->row);
    if (!g->start || !g->row)
        goto nomem;
    /* counting sort: sizes, offsets, then each record in file order */
    for (size_t r = 0; r < K; r++)
        if (gid[r] != SIZE_MAX)
            g->start[gid[r] + 1]++;
    for (size_t i = 0; i < G; i++)
        g->start[i + 1] += g->start[i];
    for (size_t r = 0; r < K; r++)
        if (gid[r] != SIZE_MAX)
            g->row[g->start[gid[r]]++] = r;
    for (size_t i = G; i > 0; i--) /* each start moved to its end: shift back */
        g->start[i] = g->start[i - 1];
    g->start[0] = 0;
    free(gid);
    *out = g;
    return MSC_OK;
nomem:
    free(gid);
    msc_by_free(g);
    snprintf(err, errlen, "%s: out of memory", d->source);
    return MSC_ERR_NOMEM;
}

size_t msc_by_count(const msc_by *g) { return g ? g->n_groups : 0; }

const char *msc_by_column(const msc_by *g) { return g ? g->col : NULL; }

const char *msc_by_value(const msc_by *g, size_t i)
{
    return g && i < g->n_groups ? g->value[i] : NULL;
}

const size_t *msc_by_rows(const msc_by *g, size_t i, size_t *n)
{
    if (!g || i >= g->n_groups) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = g->start[i + 1] - g->start[i];
    return g->row + g->start[i];
}

size_t msc_by_missing(const msc_by *g) { return g ? g->missing : 0; }
