/*
 * Values that depend only on a study's counts (x, n), such as its exact
 * interval, computed once per distinct pair: large data sets of small
 * studies repeat the same pairs many times, and an exact interval costs
 * two beta quantiles.
 */
#include <stdint.h>
#include <stdlib.h>

#include "msc_stats.h"

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
