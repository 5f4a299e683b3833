/*
 * mscmeta compare: how much does the method matter? Each outcome pooled
 * under every defensible model in one run (issue 10 section 4): the
 * binomial-normal GLMM (conditional and marginal), the beta-binomial
 * model, the exact pooled proportion, REML on the logit with continuity
 * corrections 0.1, 0.5 and 1, PFT and PAS with REML, DL and PM with
 * Knapp-Hartung. Each row is the analysis `mscmeta pool` makes with that
 * row's settings (msc_analysis_run), so it equals that run exactly.
 */
#ifndef MSCMETA_COMPARE_H
#define MSCMETA_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/analysis.h"
#include "mscmeta/report.h"

/* What a row shows of its analysis's outcome. */
typedef enum {
    MSC_COMPARE_RANDOM,   /* the random-effects block (the model's pooled estimate) */
    MSC_COMPARE_MARGINAL, /* the GLMM's marginal (population-averaged) proportion */
    MSC_COMPARE_EXACT     /* the exact pooled proportion sum x / sum n (Clopper-Pearson) */
} msc_compare_block;

#define MSC_COMPARE_ROWS 11  /* the rows, in the order reports show them */
#define MSC_COMPARE_MODELS 9 /* the distinct analyses behind them */

typedef struct {
    const char *id;      /* "glmm", "glmm_marginal", "bb", "exact", "reml_cc0.1", ... */
    const char *label;   /* "GLMM, conditional", ... */
    const char *same_as; /* the `mscmeta pool` run giving this row: "pool --method GLMM" */
    msc_compare_block block;
    const msc_analysis *a; /* the analysis it comes from (owned by the msc_compare) */
} msc_compare_row;

typedef struct msc_compare {
    const msc_dataset *data;
    msc_settings base; /* the caller's settings, which every row shares but the model */
    size_t n_rows;
    msc_compare_row row[MSC_COMPARE_ROWS];
    msc_analysis *analysis[MSC_COMPARE_MODELS];
} msc_compare;

/* Runs the analysis of d under each model (msc_analysis_run with `base`
 * but measure, method, test and cc set per model; flags as there). base
 * must name PLO, the z test and no cc (each model sets its own), or
 * MSC_ERR_USAGE. Fails as msc_analysis_run (MSC_ERR_INPUT: no outcome
 * has a usable study). d must outlive the result. Time and memory: nine
 * analyses, each O(k). */
MSC_API msc_status msc_compare_run(const msc_dataset *d, const msc_settings *base, unsigned flags,
                                   msc_compare **out, char *err, size_t errlen);
MSC_API void msc_compare_free(msc_compare *c);

/* Row r (< MSC_COMPARE_ROWS) of a comparison, without running it: its id,
 * label, same_as and block into *row (row->a NULL), the index of its
 * analysis (< MSC_COMPARE_MODELS; rows that show one analysis share it)
 * into *model, and that analysis's settings into *s: base with the
 * model's measure, method, test and cc, as msc_compare_run runs it. Any
 * pointer may be NULL. For callers that fit the models themselves
 * (mscmeta/simulate.h). */
MSC_API void msc_compare_row_model(size_t r, const msc_settings *base, msc_compare_row *row,
                                   size_t *model, msc_settings *s);

/* The comparison's report in format f (table, JSON or CSV): per outcome a
 * row per model with the pooled proportion, its interval, tau^2 and I^2
 * where the model has them (rho for the beta-binomial), the model scale's
 * estimate and SE, and each model's warnings. o may be NULL; only
 * o->input_name is used. Returns as msc_report_write. */
MSC_API msc_status msc_report_compare_write(const msc_compare *c, const msc_report_options *o,
                                            msc_format f, msc_write_fn fn, void *ctx);
MSC_API msc_status msc_report_compare(FILE *fp, const msc_compare *c, msc_format f,
                                      const msc_report_options *o);

#endif /* MSCMETA_COMPARE_H */
