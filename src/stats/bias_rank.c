/*
 * Kendall's rank correlation for Begg and Mazumdar's test (metafor's
 * ranktest(), through R's cor.test(method = "kendall")): tau-b in
 * O(n log n) by Knight's (1966) merge sort, the variance of the score under
 * independence with R's correction for ties, and the exact permutation
 * distribution of the number of concordant pairs for small n (R's
 * ckendall/pkendall: the Mahonian numbers).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_sens.h"

#define KENDALL_EXACT_MAX 50                                          /* R: exact below 50 */
#define KENDALL_PAIRS ((KENDALL_EXACT_MAX - 1) * (KENDALL_EXACT_MAX - 2) / 2) /* pairs of 49 */

typedef struct {
    double x, y;
} xy;

static int by_x_then_y(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return 0;
}

/* Sorts y[lo, hi) by merging, with scratch t, and returns the number of
 * swaps (pairs out of order) it took. */
static double merge_count(double *y, double *t, size_t lo, size_t hi)
{
    if (hi - lo < 2)
        return 0.0;
    size_t mid = lo + (hi - lo) / 2;
    double sw = merge_count(y, t, lo, mid) + merge_count(y, t, mid, hi);
    size_t a = lo, b = mid, o = lo;
    while (a < mid && b < hi) {
        if (y[b] < y[a]) {
            sw += (double)(mid - a); /* y[b] precedes every y[a..mid) it jumps */
            t[o++] = y[b++];
        } else {
            t[o++] = y[a++];
        }
    }
    while (a < mid)
        t[o++] = y[a++];
    while (b < hi)
        t[o++] = y[b++];
    memcpy(y + lo, t + lo, (hi - lo) * sizeof *y);
    return sw;
}

/* Tie statistics of a sorted sequence: sum t(t-1)/2, and the three sums of
 * cor.test's variance (t(t-1), t(t-1)(2t+5), t(t-1)(t-2)) over the groups
 * of t equal values. */
typedef struct {
    double pairs, s1, s2, s3;
} ties;

static void tie_groups(const double *v, size_t n, size_t stride, ties *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j * stride] == v[i * stride])
            j++;
        double g = (double)(j - i);
        if (g > 1) {
            t->pairs += g * (g - 1) / 2;
            t->s1 += g * (g - 1);
            t->s2 += g * (g - 1) * (2 * g + 5);
            t->s3 += g * (g - 1) * (g - 2);
        }
        i = j;
    }
}

msc_status msc_kendall_tau(const double *x, const double *y, size_t n, double *tau, double *S,
                           double *var_s, int *has_ties)
{
    *tau = *S = *var_s = NAN;
    *has_ties = 0;
    if (n < 2)
        return MSC_OK;
    xy *p = malloc(n * sizeof *p);
    double *ys = malloc(2 * n * sizeof *ys);
    if (!p || !ys) {
        free(p);
        free(ys);
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (xy){x[i], y[i]};
    qsort(p, n, sizeof *p, by_x_then_y);
    ties tx, ty;
    tie_groups(&p[0].x, n, 2, &tx);
    /* pairs tied in both */
    double joint = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && p[j].x == p[i].x && p[j].y == p[i].y)
            j++;
        joint += (double)(j - i) * (double)(j - i - 1) / 2;
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        ys[i] = p[i].y;
    double swaps = merge_count(ys, ys + n, 0, n);
    tie_groups(ys, n, 1, &ty);
    double nn = (double)n, n0 = nn * (nn - 1) / 2;
    *S = n0 - tx.pairs - ty.pairs + joint - 2 * swaps;
    *tau = *S / sqrt((n0 - tx.pairs) * (n0 - ty.pairs));
    if (!isfinite(*tau))
        *tau = NAN; /* a constant variable */
    *has_ties = tx.pairs > 0 || ty.pairs > 0;
    /* cor.test's variance of S with ties (Kendall 1970) */
    double v0 = nn * (nn - 1) * (2 * nn + 5);
    *var_s = (v0 - tx.s2 - ty.s2) / 18 + tx.s1 * ty.s1 / (2 * nn * (nn - 1)) +
             (n > 2 ? tx.s3 * ty.s3 / (9 * nn * (nn - 1) * (nn - 2)) : 0.0);
    free(p);
    free(ys);
    return MSC_OK;
}

double msc_kendall_cdf(double q, size_t n)
{
    double top = (double)n * (double)(n - 1) / 2;
    if (q < 0)
        return 0.0;
    if (q >= top)
        return 1.0;
    if (n >= KENDALL_EXACT_MAX)
        return NAN; /* callers use the normal approximation there */
    /* c[j]: permutations of n with j inversions (j concordant pairs), built
     * up from 1 element: row m is the sum of row m-1 shifted by 0..m-1,
     * added directly (a running window would subtract numbers of 1e60) */
    double c[KENDALL_PAIRS + 1] = {1.0}, nx[KENDALL_PAIRS + 1];
    size_t len = 1; /* entries of c in use */
    for (size_t m = 2; m <= n; m++) {
        size_t nlen = len + m - 1;
        for (size_t j = 0; j < nlen; j++) {
            double run = 0;
            for (size_t d = 0; d < m && d <= j; d++)
                if (j - d < len)
                    run += c[j - d];
            nx[j] = run;
        }
        memcpy(c, nx, nlen * sizeof *c);
        len = nlen;
    }
    double sum = 0, fact = 1;
    for (size_t j = 0; j <= (size_t)q; j++)
        sum += c[j];
    for (size_t m = 2; m <= n; m++)
        fact *= (double)m;
    return sum / fact;
}
