/*
 * How much the method matters (mscmeta/compare.h): the analysis of a data
 * set under each defensible model, one msc_analysis_run per model with the
 * caller's settings but the model's measure, method, test and continuity
 * correction, so each row is exactly what `mscmeta pool` gives with the
 * row's options (issue 10 section 4; Schwarzer et al. 2019 ask reviewers
 * for this sensitivity analysis).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "msc_stats.h"
#include "mscmeta/compare.h"

/* A model: the settings it changes. cc NAN: metafor's default. */
typedef struct {
    msc_measure measure;
    msc_method method;
    msc_test test;
    double cc;
} model;

/* The analyses, in the order of their first row. */
enum { M_GLMM, M_BB, M_REML01, M_REML05, M_REML1, M_PFT, M_PAS, M_DL, M_PMKH };
static const model MODELS[MSC_COMPARE_MODELS] = {
    [M_GLMM] = {MSC_PLO, MSC_METHOD_GLMM, MSC_TEST_Z, NAN},
    [M_BB] = {MSC_PLO, MSC_METHOD_BB, MSC_TEST_Z, NAN},
    [M_REML01] = {MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, 0.1},
    [M_REML05] = {MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, 0.5},
    [M_REML1] = {MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, 1.0},
    [M_PFT] = {MSC_PFT, MSC_METHOD_REML, MSC_TEST_Z, NAN},
    [M_PAS] = {MSC_PAS, MSC_METHOD_REML, MSC_TEST_Z, NAN},
    [M_DL] = {MSC_PLO, MSC_METHOD_DL, MSC_TEST_Z, NAN},
    [M_PMKH] = {MSC_PLO, MSC_METHOD_PM, MSC_TEST_KNHA, NAN},
};

static const struct {
    const char *id, *label, *same_as;
    msc_compare_block block;
    int model;
} ROWS[MSC_COMPARE_ROWS] = {
    {"glmm", "GLMM, conditional", "pool --method GLMM", MSC_COMPARE_RANDOM, M_GLMM},
    {"glmm_marginal", "GLMM, marginal", "pool --method GLMM", MSC_COMPARE_MARGINAL, M_GLMM},
    {"bb", "Beta-binomial", "pool --method BB", MSC_COMPARE_RANDOM, M_BB},
    {"exact", "Exact, sum x / sum n", "pool (its exact block)", MSC_COMPARE_EXACT, M_GLMM},
    {"reml_cc0.1", "REML, logit, cc 0.1", "pool --method REML --cc 0.1", MSC_COMPARE_RANDOM,
     M_REML01},
    {"reml_cc0.5", "REML, logit, cc 0.5", "pool --method REML --cc 0.5", MSC_COMPARE_RANDOM,
     M_REML05},
    {"reml_cc1", "REML, logit, cc 1", "pool --method REML --cc 1", MSC_COMPARE_RANDOM, M_REML1},
    {"pft_reml", "REML, Freeman-Tukey", "pool --method REML --measure PFT", MSC_COMPARE_RANDOM,
     M_PFT},
    {"pas_reml", "REML, arcsine", "pool --method REML --measure PAS", MSC_COMPARE_RANDOM, M_PAS},
    {"dl", "DL, logit", "pool --method DL", MSC_COMPARE_RANDOM, M_DL},
    {"pm_knha", "PM, logit, Knapp-Hartung", "pool --method PM --test knha", MSC_COMPARE_RANDOM,
     M_PMKH},
};

/* Model m's settings: base with the model's measure, method, test and cc. */
static void model_settings(size_t m, const msc_settings *base, msc_settings *s)
{
    *s = *base;
    s->measure = MODELS[m].measure;
    s->method = MODELS[m].method;
    s->test = MODELS[m].test;
    s->cc = MODELS[m].cc;
    s->method_default = 0; /* each model is named, as on pool's command line */
}

void msc_compare_row_model(size_t r, const msc_settings *base, msc_compare_row *row,
                           size_t *model, msc_settings *s)
{
    assert(r < MSC_COMPARE_ROWS); /* callers loop to MSC_COMPARE_ROWS */
    size_t m = (size_t)ROWS[r].model;
    if (row)
        *row = (msc_compare_row){ROWS[r].id, ROWS[r].label, ROWS[r].same_as, ROWS[r].block, NULL};
    if (model)
        *model = m;
    if (s && base)
        model_settings(m, base, s);
}

msc_status msc_compare_check_base(const msc_settings *base, const char *what, char *err,
                                  size_t errlen)
{
    msc_status st = msc_settings_check(base, err, errlen);
    if (st != MSC_OK)
        return st;
    if (base->measure != MSC_PLO || base->test != MSC_TEST_Z || !isnan(base->cc)) {
        snprintf(err, errlen,
                 "%s: the settings name a measure, test or continuity correction; each "
                 "model of the comparison sets its own",
                 what);
        return MSC_ERR_USAGE;
    }
    return MSC_OK;
}

msc_status msc_compare_run(const msc_dataset *d, const msc_settings *base, unsigned flags,
                           msc_compare **out, char *err, size_t errlen)
{
    if (!out)
        return MSC_ERR_USAGE;
    *out = NULL;
    if (!d || !base) {
        snprintf(err, errlen, "compare: no data set or settings");
        return MSC_ERR_USAGE;
    }
    msc_status st = msc_compare_check_base(base, "compare", err, errlen);
    if (st != MSC_OK)
        return st;
    msc_compare *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", d->source);
        return MSC_ERR_NOMEM;
    }
    c->data = d;
    c->base = *base;
    for (size_t m = 0; m < MSC_COMPARE_MODELS; m++) {
        msc_settings s;
        model_settings(m, base, &s);
        st = msc_analysis_run(d, &s, flags, &c->analysis[m], err, errlen);
        if (st != MSC_OK) {
            msc_compare_free(c);
            return st;
        }
    }
    c->n_rows = MSC_COMPARE_ROWS;
    for (size_t r = 0; r < MSC_COMPARE_ROWS; r++) {
        size_t m;
        msc_compare_row_model(r, base, &c->row[r], &m, NULL);
        c->row[r].a = c->analysis[m];
    }
    *out = c;
    return MSC_OK;
}

void msc_compare_free(msc_compare *c)
{
    if (!c)
        return;
    for (size_t m = 0; m < MSC_COMPARE_MODELS; m++)
        msc_analysis_free(c->analysis[m]);
    free(c);
}
