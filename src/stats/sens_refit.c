/*
 * Refits from scratch, the reference every sensitivity row is held to: the
 * subsets of a leave-one-out or cumulative analysis each fitted by
 * msc_fit_studies, spread over threads, with the warnings of all the fits
 * gathered into a few lines ("... (in 3 of the 40 fits)").
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_sens.h"

#define MAX_THREADS 64
#define GLMM_OWN_THREADS 20000 /* studies from which one GLMM fit uses threads itself */

/* ------------------------------------------------------------- warnings */

void msc_sens_wlog_add(msc_sens_wlog *l, const msc_warnings *w)
{
    if (w->lost)
        l->lost = 1;
    for (size_t i = 0; i < w->n; i++) {
        size_t j = 0;
        while (j < l->n && strcmp(l->e[j].msg, w->msg[i]) != 0)
            j++;
        if (j < l->n) {
            l->e[j].count++;
        } else if (l->n < MSC_SENS_WMAX) {
            char *m = msc_strdup(w->msg[i]);
            if (!m) {
                l->lost = 1;
                continue;
            }
            l->e[l->n].msg = m;
            l->e[l->n++].count = 1;
        } else {
            l->other++;
        }
    }
}

msc_status msc_sens_wlog_flush(msc_sens_wlog *l, const char *what, size_t fits,
                               msc_warnings *out)
{
    msc_status rc = l->lost ? MSC_ERR_NOMEM : MSC_OK;
    for (size_t j = 0; j < l->n; j++) {
        size_t c = l->e[j].count;
        if (rc == MSC_OK) {
            if (c == fits && fits > 1)
                rc = msc_warnings_add(out, "%s: %s (in every one of the %zu fits)", what,
                                      l->e[j].msg, fits);
            else
                rc = msc_warnings_add(out, "%s: %s (in %zu of the %zu fits)", what, l->e[j].msg,
                                      c, fits);
        }
        free(l->e[j].msg);
    }
    if (rc == MSC_OK && l->other)
        rc = msc_warnings_add(out, "%s: %zu further warning%s of the fits not shown", what,
                              l->other, l->other == 1 ? "" : "s");
    memset(l, 0, sizeof *l);
    return rc;
}

/* ----------------------------------------------------------------- rows */

void msc_sens_row_from_fit(msc_sens_fit *r, const msc_fit *f, size_t study, size_t k)
{
    const msc_estimate *e = msc_fit_main_block(f);
    r->study = study;
    r->k = k;
    r->ok = 1;
    r->e = *e;
    r->e.pi_lo_yi = r->e.pi_hi_yi = r->e.pi_lo = r->e.pi_hi = r->e.pi_df = NAN;
    r->tau2 = f->het.tau2;
    r->I2 = f->het.I2;
    r->H2 = f->het.H2;
    r->Q = f->het.Q;
    r->Q_p = f->het.Q_p;
    r->sw = !f->has_weights ? NAN : f->has_random ? f->sum_w_random : f->sum_w_common;
    /* the Knapp-Hartung factor that scaled the SE (a t test), else 1 */
    r->s2w = isfinite(e->df) && isfinite(r->sw) ? e->se * e->se * r->sw : 1.0;
}

static void row_failed(msc_sens_fit *r, size_t study, size_t k)
{
    memset(r, 0, sizeof *r);
    msc_estimate_clear(&r->e);
    r->study = study;
    r->k = k;
    r->tau2 = r->I2 = r->H2 = r->Q = r->Q_p = r->sw = r->s2w = NAN;
}

/* -------------------------------------------------------------- workers */

typedef struct {
    const msc_studies *st;
    const size_t *idx;
    size_t m;
    msc_settings s;
    int cumulative;
    const size_t *todo;
    size_t ntodo;
    msc_sens_fit *rows;
    const msc_glmm_loo *loo; /* leave-one-out GLMM rows: certifies their profile search */
    msc_warnings *warn;      /* per row of todo */
    size_t first, step;
    msc_status rc;
} job;

static void *run_job(void *p)
{
    job *j = p;
    size_t *sub = j->cumulative ? NULL : malloc((j->m ? j->m : 1) * sizeof *sub);
    if (!j->cumulative && !sub) {
        j->rc = MSC_ERR_NOMEM;
        return NULL;
    }
    for (size_t t = j->first; t < j->ntodo && j->rc == MSC_OK; t += j->step) {
        size_t r = j->todo ? j->todo[t] : t;
        const size_t *use = j->idx;
        size_t k = r + 1;
        if (!j->cumulative) { /* all but idx[r] */
            memcpy(sub, j->idx, r * sizeof *sub);
            memcpy(sub + r, j->idx + r + 1, (j->m - r - 1) * sizeof *sub);
            use = sub;
            k = j->m - 1;
        }
        msc_fit f;
        msc_status rc = msc_fit_studies_loo(
            j->st, use, k, &j->s, MSC_FIT_NO_TAU2_CI | MSC_FIT_NO_PI | MSC_FIT_ROW,
            j->cumulative ? NULL : j->loo, j->idx[r], &f, &j->warn[t]);
        if (rc == MSC_OK)
            msc_sens_row_from_fit(&j->rows[r], &f, j->idx[r], k);
        else if (rc == MSC_ERR_NOMEM)
            j->rc = rc;
        else
            row_failed(&j->rows[r], j->idx[r], k);
    }
    free(sub);
    return NULL;
}

msc_status msc_sens_refit(const msc_studies *st, const size_t *idx, size_t m,
                          const msc_settings *s, int cumulative, const size_t *todo, size_t ntodo,
                          msc_sens_fit *rows, msc_sens_wlog *l)
{
    return msc_sens_refit_loo(st, idx, m, s, cumulative, todo, ntodo, NULL, rows, l);
}

msc_status msc_sens_refit_loo(const msc_studies *st, const size_t *idx, size_t m,
                              const msc_settings *s, int cumulative, const size_t *todo,
                              size_t ntodo, const msc_glmm_loo *loo, msc_sens_fit *rows,
                              msc_sens_wlog *l)
{
    if (!todo)
        ntodo = m;
    if (ntodo == 0)
        return MSC_OK;
    msc_warnings *warn = calloc(ntodo, sizeof *warn);
    if (!warn)
        return MSC_ERR_NOMEM;
    /* Threads across the fits, each fit on one; but a GLMM so large that
     * it parallelises its own sums keeps the threads for itself. Either
     * way every fit is the same bits as on one thread. */
    int T = s->threads > 0 ? s->threads : 1;
    msc_settings fs = *s;
    if (s->method == MSC_METHOD_GLMM && m >= GLMM_OWN_THREADS)
        T = 1;
    else
        fs.threads = 1;
    if (T > MAX_THREADS)
        T = MAX_THREADS;
    if ((size_t)T > ntodo)
        T = (int)ntodo;
    job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 0; t < T; t++)
        jobs[t] = (job){st,   idx, m,    fs,        cumulative, todo,  ntodo,
                        rows, loo, warn, (size_t)t, (size_t)T,  MSC_OK};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    msc_status rc = MSC_OK;
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_job(&jobs[t]); /* no thread: its share here */
    }
    for (int t = 0; t < T; t++)
        if (jobs[t].rc != MSC_OK)
            rc = jobs[t].rc;
    /* the warnings in row order, whatever thread made them */
    for (size_t t = 0; t < ntodo; t++) {
        msc_sens_wlog_add(l, &warn[t]);
        msc_warnings_clear(&warn[t]);
    }
    free(warn);
    return rc;
}
