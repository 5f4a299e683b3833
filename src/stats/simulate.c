/*
 * Simulation of every model of `mscmeta compare` on an outcome's own design
 * (mscmeta/simulate.h; issue 16 section 2). The data-generating model is
 * the binomial-normal one (Hamza, van Houwelingen & Stijnen 2008):
 * theta_i ~ N(mu, tau^2), x_i ~ Binomial(n_i, expit(theta_i)), with the
 * outcome's n_i. The target of every interval is expit(mu), the median of
 * the true rates (expit is monotone), which the GLMM's conditional
 * estimate and the logit-scale models' back-transformed estimates target;
 * models whose estimate targets the mean rate (the GLMM's marginal row,
 * the beta-binomial, PFT, PAS, the exact sum x / sum n) are judged against
 * the same expit(mu), as a reader of their interval would. A new study's
 * true rate is expit(theta_new), theta_new ~ N(mu, tau^2), drawn per
 * replicate.
 *
 * Each replicate fits the models as `pool` does with each row's options
 * (the studies' effect sizes as msc_select_rows computes them, then
 * msc_fit_studies), without the interval of tau^2, which no figure here
 * needs (MSC_FIT_NO_TAU2_CI leaves the CI of mu and the prediction
 * interval as they are).
 *
 * Reproducibility: replicate i of outcome j draws from an MT19937 stream
 * seeded with a bijective hash of (h(seed, j) + i) mod 2^32, so replicates
 * are independent of the thread that runs them; the figures are summed in
 * replicate order after all threads are done. Threads take fixed blocks
 * of replicates.
 */
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "msc_stats.h"
#include "mscmeta/simulate.h"

#define BLOCK 64 /* replicates a thread takes at a time */
#define NROW MSC_COMPARE_ROWS
#define NMOD MSC_COMPARE_MODELS

/* Per replicate and row: flags. */
enum { R_USED = 1, R_FALLBACK = 2, R_COVERED = 4, R_HAS_PI = 8, R_PI_COVERED = 16 };

void msc_simulate_options_default(msc_simulate_options *o)
{
    o->reps = 10000;
    o->seed = 1;
    o->mu = NAN;
    o->tau2 = NAN;
}

/* SplitMix64 (Steele, Lea & Flood 2014): a seed and an outcome index to a
 * stream's base. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A bijection of 32-bit words (Wellons' lowbias32): distinct replicates
 * of an outcome get distinct MT19937 seeds. */
static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static double expit(double t) { return 1.0 / (1.0 + exp(-t)); }

/* One outcome's simulation: shared, read-only but for the results, which
 * each replicate writes in its own slots. */
typedef struct {
    size_t k;
    const double *ni;
    double mu, tau, target, level;
    uint32_t stream;
    size_t reps;
    msc_settings s[NMOD];
    double add[NMOD];
    msc_cc_mode mode[NMOD];
    size_t row_model[NROW];
    msc_compare_block row_block[NROW];
    /* results, [row * reps + i] */
    double *est, *width;
    unsigned char *flag;
    /* the blocks: the next to take, the first error */
    pthread_mutex_t lock;
    size_t next, n_blocks;
    msc_status err;
} job;

/* A thread's scratch: the generator, a replicate's counts and effect sizes. */
typedef struct {
    gsl_rng *r;
    double *x, *y, *v;
    size_t *idx;
    msc_fit fit[NMOD];
    int fit_ok[NMOD];
    msc_warnings w;
} scratch;

static void scratch_free(scratch *w)
{
    gsl_rng_free(w->r);
    free(w->x);
    free(w->y);
    free(w->v);
    free(w->idx);
    msc_warnings_clear(&w->w);
}

static int scratch_init(scratch *w, size_t k)
{
    memset(w, 0, sizeof *w);
    w->r = gsl_rng_alloc(gsl_rng_mt19937);
    w->x = malloc(k * sizeof *w->x);
    w->y = malloc(k * sizeof *w->y);
    w->v = malloc(k * sizeof *w->v);
    w->idx = malloc(k * sizeof *w->idx);
    if (!w->r || !w->x || !w->y || !w->v || !w->idx) {
        scratch_free(w);
        return -1;
    }
    return 0;
}

/* Model m fitted to the replicate's counts as `pool` fits them: effect
 * sizes after the model's continuity correction (msc_select_rows), the
 * studies where they are undefined (--cc-mode none) left out of an
 * inverse-variance model. Returns an msc_status; *ok 0 when nothing could
 * be fitted. */
static msc_status fit_model(const job *J, scratch *w, size_t m, int *ok)
{
    const msc_settings *s = &J->s[m];
    int counts = msc_method_uses_counts(s->method);
    msc_measure meas = counts ? MSC_PLO : s->measure;
    int any0 = 0;
    for (size_t i = 0; i < J->k; i++)
        if (w->x[i] == 0.0 || w->x[i] == J->ni[i])
            any0 = 1;
    size_t kept = 0;
    for (size_t i = 0; i < J->k; i++) {
        msc_effect_compute(meas, w->x[i], J->ni[i], J->add[m], J->mode[m], any0, &w->y[i],
                           &w->v[i]);
        if (counts || (isfinite(w->y[i]) && isfinite(w->v[i]) && w->v[i] > 0.0))
            w->idx[kept++] = i;
    }
    *ok = 0;
    if (kept == 0)
        return MSC_OK;
    msc_studies st = {J->k, NULL, w->x, J->ni, w->y, w->v};
    msc_status rc = msc_fit_studies(&st, kept == J->k ? NULL : w->idx, kept, s, MSC_FIT_NO_TAU2_CI,
                                    &w->fit[m], &w->w);
    msc_warnings_clear(&w->w);
    if (rc == MSC_OK)
        *ok = 1;
    return rc == MSC_ERR_NOMEM ? rc : MSC_OK; /* another failure: this replicate's */
}

/* Replicate i: draw, fit every model, record each row's outcome. */
static msc_status replicate(job *J, scratch *w, size_t i)
{
    gsl_rng_set(w->r, mix32(J->stream + (uint32_t)i));
    double sx = 0.0, sn = 0.0;
    for (size_t j = 0; j < J->k; j++) {
        double p = expit(J->mu + J->tau * gsl_ran_ugaussian(w->r));
        w->x[j] = (double)gsl_ran_binomial(w->r, p, (unsigned)J->ni[j]);
        sx += w->x[j];
        sn += J->ni[j];
    }
    double p_new = expit(J->mu + J->tau * gsl_ran_ugaussian(w->r));
    for (size_t m = 0; m < NMOD; m++) {
        msc_status rc = fit_model(J, w, m, &w->fit_ok[m]);
        if (rc != MSC_OK)
            return rc;
    }
    for (size_t r = 0; r < NROW; r++) {
        const msc_fit *f = &w->fit[J->row_model[r]];
        int ok = w->fit_ok[J->row_model[r]], fallback = 0;
        double est = NAN, lo = NAN, hi = NAN, plo = NAN, phi = NAN;
        switch (J->row_block[r]) {
        case MSC_COMPARE_RANDOM:
            est = f->random.est, lo = f->random.ci_lo, hi = f->random.ci_hi;
            plo = f->random.pi_lo, phi = f->random.pi_hi;
            fallback = f->exact_fallback || !f->converged;
            break;
        case MSC_COMPARE_MARGINAL:
            est = f->random.marg_est, lo = f->random.marg_lo, hi = f->random.marg_hi;
            plo = f->random.pi_lo, phi = f->random.pi_hi;
            fallback = f->exact_fallback || !f->converged;
            break;
        case MSC_COMPARE_EXACT:
            ok = 1;
            est = sx / sn;
            msc_study_ci_compute(MSC_SCI_CP, sx, sn, J->level, &lo, &hi);
            break;
        }
        size_t at = r * J->reps + i;
        unsigned char fl = 0;
        if (ok && isfinite(est) && isfinite(lo) && isfinite(hi)) {
            fl = R_USED | (fallback ? R_FALLBACK : 0);
            if (lo <= J->target && J->target <= hi)
                fl |= R_COVERED;
            if (isfinite(plo) && isfinite(phi)) {
                fl |= R_HAS_PI;
                if (plo <= p_new && p_new <= phi)
                    fl |= R_PI_COVERED;
            }
            J->est[at] = est;
            J->width[at] = hi - lo;
        }
        J->flag[at] = fl;
    }
    return MSC_OK;
}

static void *worker(void *arg)
{
    job *J = arg;
    scratch w;
    if (scratch_init(&w, J->k) < 0) {
        pthread_mutex_lock(&J->lock);
        J->err = MSC_ERR_NOMEM;
        pthread_mutex_unlock(&J->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&J->lock);
        size_t b = J->err == MSC_OK ? J->next++ : J->n_blocks;
        pthread_mutex_unlock(&J->lock);
        if (b >= J->n_blocks)
            break;
        size_t end = (b + 1) * BLOCK < J->reps ? (b + 1) * BLOCK : J->reps;
        for (size_t i = b * BLOCK; i < end; i++) {
            msc_status rc = replicate(J, &w, i);
            if (rc != MSC_OK) {
                pthread_mutex_lock(&J->lock);
                J->err = rc;
                pthread_mutex_unlock(&J->lock);
                break;
            }
        }
    }
    scratch_free(&w);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Row r's figures from its replicates, summed in replicate order. tmp
 * holds reps doubles. */
static void summarise(const job *J, size_t r, msc_simulate_method *m, double *tmp)
{
    size_t used = 0, fb = 0, cov = 0, npi = 0, pic = 0;
    double se = 0.0, sse = 0.0;
    for (size_t i = 0; i < J->reps; i++) {
        size_t at = r * J->reps + i;
        unsigned char fl = J->flag[at];
        if (!(fl & R_USED))
            continue;
        double e = J->est[at] - J->target;
        se += e;
        sse += e * e;
        tmp[used++] = J->width[at];
        fb += (fl & R_FALLBACK) != 0;
        cov += (fl & R_COVERED) != 0;
        npi += (fl & R_HAS_PI) != 0;
        pic += (fl & R_PI_COVERED) != 0;
    }
    m->n_used = used;
    m->n_fallback = fb;
    m->n_failed = J->reps - used;
    m->coverage = m->coverage_se = m->bias = m->rmse = m->width_median = NAN;
    m->pi_coverage = m->pi_coverage_se = NAN;
    if (used) {
        double c = (double)cov / (double)used;
        m->coverage = c;
        m->coverage_se = sqrt(c * (1.0 - c) / (double)used);
        m->bias = se / (double)used;
        m->rmse = sqrt(sse / (double)used);
        qsort(tmp, used, sizeof *tmp, cmp_double);
        m->width_median =
            used % 2 ? tmp[used / 2] : 0.5 * (tmp[used / 2 - 1] + tmp[used / 2]); /* R's median */
    }
    m->n_pi = npi;
    if (npi) {
        double c = (double)pic / (double)npi;
        m->pi_coverage = c;
        m->pi_coverage_se = sqrt(c * (1.0 - c) / (double)npi);
    }
}

/* The replicates of outcome j, on `threads` threads. */
static msc_status simulate_outcome(msc_simulate_outcome *so, const double *ni,
                                   const msc_settings *base, const msc_simulate_options *o,
                                   size_t j, int threads)
{
    job *J = calloc(1, sizeof *J);
    if (!J)
        return MSC_ERR_NOMEM;
    J->k = so->k;
    J->ni = ni;
    J->mu = so->mu;
    J->tau = sqrt(so->tau2);
    J->target = so->target;
    J->level = base->level;
    J->stream = (uint32_t)splitmix64(o->seed ^ splitmix64((uint64_t)j));
    J->reps = o->reps;
    msc_settings b = *base;
    b.threads = 1;     /* the replicates are the parallel work */
    b.null_prop = NAN; /* no test of --null is reported */
    for (size_t r = 0; r < NROW; r++) {
        msc_settings s;
        msc_compare_row_model(r, &b, &so->method[r].row, &J->row_model[r], &s);
        J->s[J->row_model[r]] = s;
        J->row_block[r] = so->method[r].row.block;
    }
    for (size_t m = 0; m < NMOD; m++)
        msc_settings_effective_cc(&J->s[m], &J->add[m], &J->mode[m]);
    so->n_methods = NROW;
    size_t n = NROW * o->reps;
    J->est = malloc(n * sizeof *J->est);
    J->width = malloc(n * sizeof *J->width);
    J->flag = malloc(n);
    double *tmp = malloc(o->reps * sizeof *tmp);
    msc_status st = MSC_ERR_NOMEM;
    if (!J->est || !J->width || !J->flag || !tmp || pthread_mutex_init(&J->lock, NULL) != 0)
        goto done;
    J->n_blocks = (o->reps + BLOCK - 1) / BLOCK;
    size_t nt = (size_t)threads < J->n_blocks ? (size_t)threads : J->n_blocks;
    pthread_t th[64];
    int started[64] = {0};
    if (nt > 64)
        nt = 64;
    for (size_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, worker, J) == 0;
    worker(J); /* this thread is one of them; a thread not started leaves more to it */
    for (size_t t = 1; t < nt; t++)
        if (started[t])
            pthread_join(th[t], NULL);
    pthread_mutex_destroy(&J->lock);
    st = J->err;
    if (st == MSC_OK)
        for (size_t r = 0; r < NROW; r++)
            summarise(J, r, &so->method[r], tmp);
done:
    free(tmp);
    free(J->est);
    free(J->width);
    free(J->flag);
    free(J);
    return st;
}

static msc_status check_options(const msc_simulate_options *o, char *err, size_t errlen)
{
    if (o->reps < 1 || o->reps > MSC_SIMULATE_REPS_MAX) {
        snprintf(err, errlen, "simulate: the number of replicates must be from 1 to %llu",
                 (unsigned long long)MSC_SIMULATE_REPS_MAX);
        return MSC_ERR_USAGE;
    }
    if (o->seed > 9007199254740991ull) {
        snprintf(err, errlen, "simulate: the seed must be from 0 to 2^53 - 1");
        return MSC_ERR_USAGE;
    }
    if (!isnan(o->mu) && !(o->mu > 0.0 && o->mu < 1.0)) {
        snprintf(err, errlen, "simulate: mu is a proportion strictly between 0 and 1");
        return MSC_ERR_USAGE;
    }
    if (!isnan(o->tau2) && !(o->tau2 >= 0.0 && isfinite(o->tau2))) {
        snprintf(err, errlen, "simulate: tau^2 (logit scale) must be a number >= 0");
        return MSC_ERR_USAGE;
    }
    return MSC_OK;
}

/* The design and the truth of outcome o, from the GLMM's fit where the
 * caller gave no value. Returns 0 when the outcome cannot be simulated
 * (so->warnings says why). */
static int outcome_model(msc_simulate_outcome *so, const msc_outcome_result *o,
                         const msc_simulate_options *opt)
{
    so->data = o->data;
    so->k = o->k;
    so->mu = so->tau2 = so->target = NAN;
    so->mu_given = !isnan(opt->mu);
    so->tau2_given = !isnan(opt->tau2);
    if (o->skipped) {
        msc_warnings_add(&so->warnings, "no study has usable %s counts: nothing to simulate",
                         o->data->name);
        return 0;
    }
    so->n_min = so->n_max = o->ni[0];
    so->n_total = 0.0;
    for (size_t i = 0; i < o->k; i++) {
        so->n_min = fmin(so->n_min, o->ni[i]);
        so->n_max = fmax(so->n_max, o->ni[i]);
        so->n_total += o->ni[i];
    }
    const msc_fit *f = &o->fit;
    int fitted = !f->exact_fallback && isfinite(f->random.yi) && isfinite(f->het.tau2);
    if ((!so->mu_given || !so->tau2_given) && !fitted) {
        msc_warnings_add(&so->warnings,
                         "the GLMM could not estimate %s from the data (`pool --method GLMM` "
                         "says why): give %s",
                         so->mu_given     ? "tau^2"
                         : so->tau2_given ? "mu"
                                          : "mu and tau^2",
                         so->mu_given     ? "--tau2"
                         : so->tau2_given ? "--mu"
                                          : "--mu and --tau2");
        return 0;
    }
    so->mu = so->mu_given ? log(opt->mu / (1.0 - opt->mu)) : f->random.yi;
    so->tau2 = so->tau2_given ? opt->tau2 : f->het.tau2;
    /* the caller's proportion itself, not expit(logit(p)) a rounding away */
    so->target = so->mu_given ? opt->mu : expit(so->mu);
    return 1;
}

msc_status msc_simulate_run(const msc_dataset *d, const msc_settings *base,
                            const msc_simulate_options *o, msc_simulation **out, char *err,
                            size_t errlen)
{
    if (!out)
        return MSC_ERR_USAGE;
    *out = NULL;
    if (!d || !base || !o) {
        snprintf(err, errlen, "simulate: no data set, settings or options");
        return MSC_ERR_USAGE;
    }
    msc_status st = msc_compare_check_base(base, "simulate", err, errlen);
    if (st != MSC_OK)
        return st;
    if ((st = check_options(o, err, errlen)) != MSC_OK)
        return st;
    /* the design and the GLMM's fit: `pool --method GLMM` */
    msc_settings g = *base;
    g.method = MSC_METHOD_GLMM;
    g.method_default = 0;
    g.null_prop = NAN;
    msc_analysis *a;
    if ((st = msc_analysis_run(d, &g, MSC_RUN_NO_STUDY_CI, &a, err, errlen)) != MSC_OK)
        return st;
    msc_simulation *s = calloc(1, sizeof *s);
    if (s)
        s->outcome = calloc(a->n_outcomes ? a->n_outcomes : 1, sizeof *s->outcome);
    if (!s || !s->outcome) {
        free(s);
        msc_analysis_free(a);
        snprintf(err, errlen, "%s: out of memory", d->source);
        return MSC_ERR_NOMEM;
    }
    s->data = d;
    s->base = *base;
    s->opt = *o;
    s->threads = base->threads;
    s->n_outcomes = a->n_outcomes;
    size_t done = 0;
    for (size_t j = 0; j < a->n_outcomes && st == MSC_OK; j++) {
        msc_simulate_outcome *so = &s->outcome[j];
        for (size_t r = 0; r < NROW; r++)
            msc_compare_row_model(r, base, &so->method[r].row, NULL, NULL);
        so->n_methods = NROW;
        if (!outcome_model(so, &a->outcome[j], o)) {
            so->skipped = 1;
            continue;
        }
        st = simulate_outcome(so, a->outcome[j].ni, base, o, j, base->threads);
        done++;
    }
    msc_analysis_free(a);
    if (st == MSC_OK && done == 0) {
        snprintf(err, errlen, "%s: no outcome could be simulated (%s)", d->source,
                 s->outcome[0].warnings.n ? s->outcome[0].warnings.msg[0] : "no usable study");
        st = MSC_ERR_INPUT;
    } else if (st != MSC_OK) {
        snprintf(err, errlen, "%s: out of memory", d->source);
    }
    if (st != MSC_OK) {
        msc_simulate_free(s);
        return st;
    }
    *out = s;
    return MSC_OK;
}

void msc_simulate_free(msc_simulation *s)
{
    if (!s)
        return;
    for (size_t j = 0; s->outcome && j < s->n_outcomes; j++)
        msc_warnings_clear(&s->outcome[j].warnings);
    free(s->outcome);
    free(s);
}
