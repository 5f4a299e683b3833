/*
 * The permutation test of a meta-regression, as metafor's permutest():
 * the rows of the design (the moderator values) are permuted across the
 * studies, yi and vi staying in place, and the model is refitted (tau^2
 * re-estimated) each time (Higgins & Thompson 2004; Viechtbauer et al.
 * 2015). A coefficient's p value is the share of permutations whose
 * |statistic| reaches the observed one less metafor's tolerance
 * (sqrt(DBL_EPSILON)); QM's likewise.
 *
 * Exact when the rows have no more distinct arrangements (k! over the
 * product of the factorials of the counts of identical rows) than the
 * iterations asked for: each arrangement once, in lexicographic order of
 * the row groups. Otherwise the observed arrangement and iter - 1 random
 * ones. Permutation i draws from its own stream (splitmix64 of the seed,
 * i and the attempt), so the set of permutations, and so the p values,
 * is the same whatever the number of threads that fit them; each thread
 * counts its share and the counts are added.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msc_regress.h"

#define COMPTOL 1.4901161193847656e-08 /* sqrt(DBL_EPSILON): metafor's comptol */
#define MAX_DRAWS 100                  /* attempts at a permutation whose fit fails */
#define MAX_THREADS 64
#define PARALLEL_MIN 100000 /* k x iterations before a second thread pays */

/* ------------------------------------------------------------ randomness */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n), without modulo bias (rejection). */
static uint64_t uniform(uint64_t *st, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = splitmix64(st);
    while (x >= limit);
    return x % n;
}

/* Permutation i, attempt a, of k rows (Fisher-Yates). */
static void random_perm(unsigned long long seed, size_t i, size_t a, size_t k, size_t *perm)
{
    uint64_t st = (uint64_t)seed;
    uint64_t h = splitmix64(&st) ^ ((uint64_t)i * 0xD1B54A32D192ED03ull);
    st = h;
    h = splitmix64(&st) ^ ((uint64_t)a * 0x8CB92BA72F3D8DD7ull);
    st = h;
    for (size_t j = 0; j < k; j++)
        perm[j] = j;
    for (size_t j = k; j > 1; j--) {
        size_t r = (size_t)uniform(&st, (uint64_t)j);
        size_t t = perm[j - 1];
        perm[j - 1] = perm[r];
        perm[r] = t;
    }
}

/* The next permutation of a multiset in lexicographic order; 0 after the last. */
static int next_multiset(size_t *a, size_t n)
{
    if (n < 2)
        return 0;
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    size_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (size_t l = i, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return 1;
}

/* ----------------------------------------------------------------- setup */

typedef struct {
    /* the problem */
    const double *y, *v;
    const double *X; /* the moderator values in study order (k x m) */
    size_t k, p;
    const msc_settings *s;
    const msc_regress_model *r;
    const double *center, *inv_scale;
    const double *zobs; /* observed statistics (p) */
    double qm_obs;
    /* the permutations */
    int exact;
    size_t iter;
    const size_t *group; /* exact: each study's row group, sorted (the first arrangement) */
    const size_t *rep;   /* exact: a row of each group */
    unsigned long long seed;
} problem;

typedef struct {
    const problem *P;
    size_t first, step; /* the permutations it fits: first, first + step, ... */
    size_t *perm;
    double *beta, *V, *bo, *Vo, *scratch;
    msc_reg_ws ws;
    /* its counts */
    size_t *ge, ge_qm, valid, failed;
    int nomem;
} worker;

/* Row i of X (k x m) against row j: lexicographic, then by index. */
static int cmp_rows(const double *X, size_t m, size_t i, size_t j)
{
    for (size_t c = 0; c < m; c++) {
        double x = X[i * m + c], y = X[j * m + c];
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    }
    return i < j ? -1 : i > j;
}

/* Sorts the indices a[0..n) by their rows (merge sort; tmp holds n). */
static void sort_rows(const double *X, size_t m, size_t *a, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_rows(X, m, a, tmp, h);
    sort_rows(X, m, a + h, tmp, n - h);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = cmp_rows(X, m, a[i], a[j]) <= 0 ? a[i++] : a[j++];
    while (i < h)
        tmp[o++] = a[i++];
    while (j < n)
        tmp[o++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* Fits the design with study i given row src[i] of X; counts. */
static void fit_one(worker *w, const size_t *src, int *ok)
{
    const problem *P = w->P;
    size_t k = P->k, p = P->p;
    msc_reg_design d = {k, p, P->y, P->v, P->X, P->center, P->inv_scale, src};
    msc_reg_core core;
    *ok = msc_reg_core_fit(&d, P->s, &w->ws, w->beta, w->V, &core) == 0 && core.converged;
    if (!*ok)
        return;
    msc_reg_to_original(p, P->center, P->inv_scale, w->beta, w->V, w->bo, w->Vo);
    for (size_t j = 0; j < p; j++) {
        double z = w->bo[j] / sqrt(w->Vo[j * p + j]);
        if (fabs(z) >= fabs(P->zobs[j]) - COMPTOL)
            w->ge[j]++;
    }
    if (P->r->m_btt) {
        double qm = msc_reg_qm(p, P->center, P->inv_scale, w->beta, w->V, P->r->btt, P->r->m_btt,
                               w->scratch);
        if (P->s->test == MSC_TEST_KNHA)
            qm /= (double)P->r->m_btt;
        if (qm >= P->qm_obs - COMPTOL)
            w->ge_qm++;
    }
    w->valid++;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    const problem *P = w->P;
    size_t k = P->k;
    if (P->exact) {
        /* every thread walks the arrangements; each fits its share */
        size_t *g = malloc(k * sizeof *g);
        if (!g) {
            w->nomem = 1;
            return NULL;
        }
        memcpy(g, P->group, k * sizeof *g);
        size_t i = 0;
        do {
            if (i % w->step == w->first) {
                for (size_t j = 0; j < k; j++)
                    w->perm[j] = P->rep[g[j]];
                int ok;
                fit_one(w, w->perm, &ok);
                if (!ok)
                    w->failed++;
            }
            i++;
        } while (i < P->iter && next_multiset(g, k));
        free(g);
        return NULL;
    }
    for (size_t i = w->first; i < P->iter; i += w->step) {
        if (i == 0) { /* the observed arrangement */
            for (size_t j = 0; j < k; j++)
                w->perm[j] = j;
            int ok;
            fit_one(w, w->perm, &ok);
            if (!ok)
                w->failed++;
            continue;
        }
        for (size_t a = 0; a < MAX_DRAWS; a++) {
            random_perm(P->seed, i, a, k, w->perm);
            int ok;
            fit_one(w, w->perm, &ok);
            if (ok)
                break;
            w->failed++;
        }
    }
    return NULL;
}

static int worker_init(worker *w, const problem *P, size_t first, size_t step)
{
    size_t k = P->k, p = P->p, mb = P->r->m_btt;
    memset(w, 0, sizeof *w);
    w->P = P;
    w->first = first;
    w->step = step;
    w->perm = malloc(k * sizeof *w->perm);
    w->beta = malloc((2 * p + 2 * p * p + 2 * mb * mb + 2 * mb + 1) * sizeof *w->beta);
    w->ge = calloc(p, sizeof *w->ge);
    if (!w->perm || !w->beta || !w->ge || msc_reg_ws_init(&w->ws, p, k, 1) != MSC_OK)
        return -1;
    w->V = w->beta + p;
    w->bo = w->V + p * p;
    w->Vo = w->bo + p;
    w->scratch = w->Vo + p * p;
    return 0;
}

static void worker_free(worker *w)
{
    free(w->perm);
    free(w->beta);
    free(w->ge);
    msc_reg_ws_free(&w->ws);
}

void msc_regress_perm_free(msc_regress_perm *p)
{
    if (!p)
        return;
    free(p->pval);
    p->pval = NULL;
}

/* The groups of identical rows of X (k x m): group[i] of study i, in the
 * rows' lexicographic order, and a study of each group. Returns the number
 * of groups, or 0 out of memory. Sets *log_count to the log of the number
 * of distinct arrangements. */
static size_t row_groups(const double *X, size_t k, size_t m, size_t *group, size_t *rep,
                         double *log_count)
{
    size_t *ord = malloc(2 * k * sizeof *ord);
    if (!ord)
        return 0;
    for (size_t i = 0; i < k; i++)
        ord[i] = i;
    sort_rows(X, m, ord, ord + k, k);
    size_t g = 0, run = 0;
    double lc = lgamma((double)k + 1.0);
    for (size_t n = 0; n < k; n++) {
        int same = n > 0 && memcmp(X + ord[n] * m, X + ord[n - 1] * m, m * sizeof *X) == 0;
        if (n > 0 && !same) {
            lc -= lgamma((double)run + 1.0);
            g++;
            run = 0;
        }
        if (n == 0 || !same)
            rep[g] = ord[n];
        group[n] = g; /* sorted: the first arrangement in lexicographic order */
        run++;
    }
    lc -= lgamma((double)run + 1.0);
    free(ord);
    *log_count = lc;
    return g + 1;
}

msc_status msc_regress_permutest(const double *yi, const double *vi, size_t k, const double *mods,
                                 size_t m, const msc_settings *s, const msc_regress_model *r,
                                 size_t iter, unsigned long long seed, msc_regress_perm *out)
{
    memset(out, 0, sizeof *out);
    out->QM_p = NAN;
    if (iter < 2 || !r->beta || r->failure != MSC_REGRESS_FIT_OK || r->k != k || r->m != m)
        return MSC_ERR_USAGE;
    size_t p = m + 1;
    out->pval = malloc(p * sizeof *out->pval);
    size_t *group = malloc(k * sizeof *group), *rep = malloc(k * sizeof *rep);
    double *zobs = malloc(p * sizeof *zobs);
    worker *w = NULL;
    msc_status st = MSC_ERR_NOMEM;
    if (!out->pval || !group || !rep || !zobs)
        goto out;
    /* the fit's centring (regress_fit.c: center, scale, inv_scale) */
    const double *center = r->priv, *inv_scale = r->priv + 2 * m;
    for (size_t j = 0; j < p; j++)
        zobs[j] = r->stat[j];
    double log_count;
    if (row_groups(mods, k, m, group, rep, &log_count) == 0)
        goto out;
    problem P = {yi,        vi,   mods,  k, p,    s,     r,   center,
                 inv_scale, zobs, r->QM, 0, iter, group, rep, seed};
    if (log_count <= log((double)iter) + 1e-9) {
        P.exact = 1;
        P.iter = (size_t)llround(exp(log_count));
    }
    int T = s->threads > 0 ? s->threads : 1;
    if (T > MAX_THREADS)
        T = MAX_THREADS;
    if ((double)k * (double)P.iter < PARALLEL_MIN)
        T = 1;
    if ((size_t)T > P.iter)
        T = (int)P.iter;
    w = calloc((size_t)T, sizeof *w);
    if (!w)
        goto out;
    for (int t = 0; t < T; t++)
        if (worker_init(&w[t], &P, (size_t)t, (size_t)T) != 0)
            goto out;
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, run_worker, &w[t]) == 0;
    run_worker(&w[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_worker(&w[t]);
    }
    size_t valid = 0, ge_qm = 0;
    for (size_t j = 0; j < p; j++)
        out->pval[j] = 0;
    for (int t = 0; t < T; t++) {
        if (w[t].nomem)
            goto out;
        valid += w[t].valid;
        ge_qm += w[t].ge_qm;
        out->failed += w[t].failed;
        for (size_t j = 0; j < p; j++)
            out->pval[j] += (double)w[t].ge[j];
    }
    for (size_t j = 0; j < p; j++)
        out->pval[j] = valid ? out->pval[j] / (double)valid : NAN;
    out->QM_p = valid && r->m_btt ? (double)ge_qm / (double)valid : NAN;
    out->iter = P.iter;
    out->exact = P.exact;
    st = MSC_OK;
out:
    if (w)
        for (int t = 0; t < T; t++)
            worker_free(&w[t]);
    free(w);
    free(group);
    free(rep);
    free(zobs);
    if (st != MSC_OK)
        msc_regress_perm_free(out);
    return st;
}
