/*
 * The sensitivity analyses of a whole analysis: for every outcome and
 * every subgroup, the leave-one-out and cumulative fits, the influence
 * diagnostics and the small-study tests that the options ask for. The
 * cumulative order comes from a column the loader kept as text: numbers
 * in numeric order when every value is one, else text in byte order;
 * ties, and studies without a value (last), in file order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_sens.h"

void msc_sens_options_default(msc_sens_options *o)
{
    memset(o, 0, sizeof *o);
    o->trim_fill_estimator = MSC_TF_L0;
}

/* ------------------------------------------------------ cumulative order */

typedef struct {
    const char *text;
    double num;
    size_t pos;
    int numeric; /* every key's value is a number (the same in all keys) */
} ord_key;

static int by_order(const void *a, const void *b)
{
    const ord_key *p = a, *q = b;
    int pm = !p->text, qm = !q->text; /* missing values last */
    if (pm != qm)
        return pm - qm;
    if (!pm) {
        if (p->numeric) {
            if (p->num != q->num)
                return p->num < q->num ? -1 : 1;
        } else {
            int c = strcmp(p->text, q->text);
            if (c)
                return c;
        }
    }
    return p->pos < q->pos ? -1 : p->pos > q->pos;
}

/* A whole string that is a finite number. */
static int as_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v);
}

/* The outcome's studies in ascending order of column `col` (NULL: file
 * order) into order[0..o->k); the number without a value in *missing. */
static msc_status cumulative_order(const msc_analysis *a, const msc_outcome_result *o,
                                   const char *col, size_t *order, size_t *missing)
{
    *missing = 0;
    if (!col) {
        for (size_t i = 0; i < o->k; i++)
            order[i] = i;
        return MSC_OK;
    }
    const msc_kept_column *kc = msc_dataset_kept(a->data, col);
    ord_key *keys = malloc((o->k ? o->k : 1) * sizeof *keys);
    if (!keys)
        return MSC_ERR_NOMEM;
    int numeric = 1;
    for (size_t i = 0; i < o->k; i++) {
        const char *t = kc->value[o->row[i]];
        keys[i] = (ord_key){t, NAN, i, 0};
        if (!t)
            (*missing)++;
        else if (!as_number(t, &keys[i].num))
            numeric = 0;
    }
    for (size_t i = 0; i < o->k; i++)
        keys[i].numeric = numeric;
    qsort(keys, o->k, sizeof *keys, by_order);
    for (size_t i = 0; i < o->k; i++)
        order[i] = keys[i].pos;
    free(keys);
    return MSC_OK;
}

/* ---------------------------------------------------------------- blocks */

static void block_free(msc_sens_block *b)
{
    free(b->loo);
    free(b->cumul);
    free(b->infl);
    if (b->bias)
        msc_bias_free(b->bias);
    free(b->bias);
    msc_warnings_clear(&b->warnings);
    memset(b, 0, sizeof *b);
}

/* The analyses of the studies idx[0..k) of outcome o with their fit `fit`;
 * `order` is the outcome's cumulative order, `member` marks the studies of
 * idx (for a subgroup) or is NULL (all). */
static msc_status run_block(const msc_analysis *a, const msc_outcome_result *o, const size_t *idx,
                            size_t k, const msc_fit *fit, const msc_sens_options *opt,
                            const size_t *order, const unsigned char *member, msc_sens_block *b)
{
    const msc_settings *s = &a->settings;
    msc_studies st;
    msc_outcome_studies(o, &st);
    b->k = k;
    if (k == 0)
        return MSC_OK;
    msc_status rc = MSC_OK;
    if (opt->leave_one_out || opt->influence) {
        if (k < 2) {
            msc_warnings_add(&b->warnings, "leave-one-out%s: needs at least 2 studies",
                             opt->influence ? " and influence" : "");
        } else {
            b->loo = calloc(k, sizeof *b->loo);
            if (!b->loo)
                return MSC_ERR_NOMEM;
            rc = msc_sens_leave_one_out(&st, idx, k, s, fit, opt->flags, b->loo, &b->warnings);
            if (rc != MSC_OK)
                return rc;
            if (opt->influence) {
                b->infl = calloc(k, sizeof *b->infl);
                if (!b->infl)
                    return MSC_ERR_NOMEM;
                msc_sens_influence(&st, idx, k, s, fit, b->loo, b->infl);
            }
        }
    }
    if (opt->cumulative) {
        size_t *sub = malloc(k * sizeof *sub), n = 0;
        b->cumul = calloc(k, sizeof *b->cumul);
        if (!sub || !b->cumul) {
            free(sub);
            return MSC_ERR_NOMEM;
        }
        for (size_t i = 0; i < o->k; i++)
            if (!member || member[order[i]])
                sub[n++] = order[i];
        rc = msc_sens_cumulative(&st, sub, n, s, b->cumul, &b->warnings);
        free(sub);
        if (rc != MSC_OK)
            return rc;
    }
    if (opt->bias_tests) {
        b->bias = calloc(1, sizeof *b->bias);
        if (!b->bias)
            return MSC_ERR_NOMEM;
        rc = msc_bias_tests(&st, idx, k, s, opt->trim_fill_estimator, b->bias, &b->warnings);
    }
    if (rc == MSC_OK && b->warnings.lost)
        rc = MSC_ERR_NOMEM;
    return rc;
}

static msc_status run_outcome(const msc_analysis *a, const msc_outcome_result *o,
                              const msc_sens_options *opt, msc_sens_outcome *so)
{
    if (o->skipped)
        return MSC_OK;
    size_t k = o->k, missing = 0;
    size_t *order = calloc(k ? k : 1, sizeof *order); /* filled by cumulative_order */
    unsigned char *member = calloc(k, 1);
    msc_status rc = MSC_ERR_NOMEM;
    if (!order || !member)
        goto out;
    if ((rc = cumulative_order(a, o, opt->cumulative ? opt->cumulative_col : NULL, order,
                               &missing)) != MSC_OK)
        goto out;
    rc = run_block(a, o, NULL, k, &o->fit, opt, order, NULL, &so->all);
    if (rc == MSC_OK && opt->cumulative && missing)
        rc = msc_warnings_add(&so->all.warnings,
                              "cumulative: %zu stud%s with no \"%s\" value %s added last, in file "
                              "order",
                              missing, missing == 1 ? "y" : "ies", opt->cumulative_col,
                              missing == 1 ? "is" : "are");
    if (rc != MSC_OK || !o->n_groups)
        goto out;
    so->group = calloc(o->n_groups, sizeof *so->group);
    if (!so->group) {
        rc = MSC_ERR_NOMEM;
        goto out;
    }
    so->n_groups = o->n_groups;
    for (size_t g = 0; g < o->n_groups && rc == MSC_OK; g++) {
        const msc_group_result *gr = &o->group[g];
        memset(member, 0, k);
        for (size_t j = 0; j < gr->k; j++)
            member[gr->study[j]] = 1;
        msc_fit gf;
        msc_warnings gw = {0};
        rc = msc_group_fit(a, o, g, &gf, &gw);
        msc_warnings_clear(&gw); /* the report shows the group's own warnings */
        if (rc == MSC_OK)
            rc = run_block(a, o, gr->study, gr->k, &gf, opt, order, member, &so->group[g]);
    }
out:
    free(order);
    free(member);
    return rc;
}

msc_status msc_sens_run(const msc_analysis *a, const msc_sens_options *o, msc_sens **out,
                        char *err, size_t errlen)
{
    *out = NULL;
    if (!a || !o)
        return MSC_ERR_USAGE;
    if (o->cumulative && o->cumulative_col && !msc_dataset_kept(a->data, o->cumulative_col)) {
        snprintf(err, errlen,
                 "%s: the cumulative order column \"%s\" was not loaded (name it in "
                 "msc_load_options.keep_cols)",
                 a->data->source, o->cumulative_col);
        return MSC_ERR_USAGE;
    }
    if ((unsigned)o->trim_fill_estimator > MSC_TF_R0) {
        snprintf(err, errlen, "trim and fill: unknown estimator");
        return MSC_ERR_USAGE;
    }
    msc_sens *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->opt = *o;
    s->opt.cumulative_col = NULL;
    if (o->cumulative_col && !(s->opt.cumulative_col = msc_strdup(o->cumulative_col)))
        goto nomem;
    s->outcome = calloc(a->n_outcomes ? a->n_outcomes : 1, sizeof *s->outcome);
    if (!s->outcome)
        goto nomem;
    s->n_outcomes = a->n_outcomes;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        msc_status rc = run_outcome(a, &a->outcome[j], o, &s->outcome[j]);
        if (rc == MSC_ERR_NOMEM)
            goto nomem;
        if (rc != MSC_OK) {
            snprintf(err, errlen, "%s: %s: the sensitivity analyses failed", a->data->source,
                     a->outcome[j].data->name);
            msc_sens_free(s);
            return rc;
        }
    }
    *out = s;
    return MSC_OK;
nomem:
    msc_sens_free(s);
    snprintf(err, errlen, "%s: out of memory", a->data->source);
    return MSC_ERR_NOMEM;
}

void msc_sens_free(msc_sens *s)
{
    if (!s)
        return;
    for (size_t j = 0; j < s->n_outcomes; j++) {
        block_free(&s->outcome[j].all);
        for (size_t g = 0; g < s->outcome[j].n_groups; g++)
            block_free(&s->outcome[j].group[g]);
        free(s->outcome[j].group);
    }
    free(s->outcome);
    free((char *)s->opt.cumulative_col);
    free(s);
}
