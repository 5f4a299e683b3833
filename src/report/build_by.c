/*
 * The report by group (mscmeta/by.h): many meta-analyses in one pass. Each
 * group of records is analysed on its own (msc_analysis_run_rows, and for
 * safety msc_safety_evaluate) and becomes one record per outcome: in JSON
 * Lines the outcome's members of the pool (or safety) JSON after "by", the
 * group's value; in CSV one row of summary columns; in the table one
 * compact line, with the record's warnings below it.
 *
 * Groups are computed in batches, o->threads at a time, each record
 * rendered into its group's own buffer by the thread that computed it; the
 * buffers are then written in group order. The output is therefore the
 * same bytes for any number of threads, and memory is one batch of output
 * beyond the data set.
 *
 * Each analysis by group is one `by_kind` entry: a function that adds a
 * record's CSV cells and table view, its CSV columns and its table
 * columns; one_group runs the group's analysis (msc_analysis_run_rows,
 * or msc_regress_run_rows for regress).
 */
#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"
#include "msc_stats.h"
#include "mscmeta/by.h"

#define BATCH_PER_THREAD 256 /* groups per thread in a batch */
#define OUT_BUF 65536

/* One analysed group, as the records of its outcomes need it. */
typedef struct {
    const char *value; /* the group's value of the by column */
    const msc_analysis *a;
    const msc_safety *sf; /* per outcome, or NULL */
    const msc_report_options *ropt;
    const msc_regression *r;   /* regress: the group's regression, or NULL (not fitted) */
    const msc_warnings *why;   /* regress with no r: why its design could not be set up */
    size_t coef_slots, at_slots; /* regress: the CSV's coefficient and prediction slots */
} by_group;

/* What a group's records came to (msc_by_summary, per group). */
typedef struct {
    size_t with_warnings, skipped, not_below;
} by_counts;

/* An analysis by group: its CSV columns, the table's columns, and the
 * record of one outcome of an analysed group. */
typedef struct {
    const char *command;
    const char *csv_columns;
    const char *prop_fmt;
    double prop_scale;
    /* adds the record's CSV cells and table view to rec (an outcome's
     * JSON object with "by" first) and counts what it came to */
    void (*record)(msc_rep *b, msc_rep_node *rec, const by_group *g, size_t j, by_counts *n);
    /* the table's columns (the interval's head is CI_HEAD), whose heads
     * are the table's head line */
    const msc_rep_col *cols;
    size_t ncols;
} by_kind;

/* ------------------------------------------------------ shared pieces */

static msc_rep_node *fill_study(msc_rep *b, const void *ctx, size_t i)
{
    return msc_rep_data_study(b, ctx, i);
}
static msc_rep_node *fill_excluded(msc_rep *b, const void *ctx, size_t i)
{
    return msc_rep_data_excluded(b, ctx, i);
}
static msc_rep_node *fill_subgroup(msc_rep *b, const void *ctx, size_t g)
{
    msc_rep_group gf;
    msc_rep_group_fit(b, ctx, g, &gf);
    return msc_rep_data_subgroup(b, ctx, g, &gf);
}

/* The record's warnings as one CSV cell, " | " between them. */
static void warnings_cell(msc_rep *b, msc_rep_node *rec, const msc_warnings *w)
{
    size_t len = 1;
    for (size_t i = 0; i < w->n; i++)
        len += strlen(w->msg[i]) + 3;
    char *s = msc_rep_alloc(b, len);
    if (!s)
        return;
    s[0] = '\0';
    for (size_t i = 0, o = 0; i < w->n; i++) {
        size_t l = strlen(w->msg[i]);
        if (i) {
            memcpy(s + o, " | ", 3);
            o += 3;
        }
        memcpy(s + o, w->msg[i], l + 1);
        o += l;
    }
    msc_rep_only(msc_rep_text(b, rec, "warnings_text", w->n ? s : NULL), MSC_REP_CSV);
    msc_rep_column(msc_rep_get(rec, "warnings_text", MSC_REP_CSV), "warnings");
    /* the table: each warning on its own line below the record's */
    msc_rep_each(b, rec, "warnings", "    ! {.}");
}

/* The head of the interval's column in a kind's columns: the level's
 * ("95% CI"), set by columns(). */
static const char CI_HEAD[] = "CI";
#define MAX_COLS 10

/* n columns `kind` into cols, with the interval's head for s's level. */
static void columns(msc_rep *b, const msc_rep_col *kind, size_t n, const msc_settings *s,
                    msc_rep_col *cols)
{
    for (size_t i = 0; i < n; i++) {
        cols[i] = kind[i];
        if (cols[i].head == CI_HEAD)
            cols[i].head = msc_rep_printf(b, "%d%% CI", (int)lround(100.0 * s->level));
    }
}

/* ----------------------------------------------------------------- pool */

static const char POOL_COLUMNS[] =
    "by,outcome,k,events_total,n_total,skipped,model,estimate,ci_lower,ci_upper,pi_lower,"
    "pi_upper,yi,se,statistic,p,df,tau2,tau2_ci_lower,tau2_ci_upper,I2,I2_ci_lower,I2_ci_upper,"
    "H2,Q,Q_df,Q_p,converged,n_excluded,warnings";

#define INTERVAL(lo, hi) "{?[{" lo "}, {" hi "}]|NA}"

static const msc_rep_col POOL_COLS[] = {
    {"", "By", "{by:.20}", 20, 0},
    {"  ", "Outcome", "{outcome:.24}", 24, 0},
    {" ", "k", "{k}", 6, MSC_REP_RIGHT},
    {"  ", "Prop.", "{main.estimate}", 8, 0},
    {" ", CI_HEAD, INTERVAL("main.ci_lower", "main.ci_upper"), 18, 0},
    {" ", "tau^2", "{heterogeneity.tau2}", 9, MSC_REP_RIGHT},
    {" ", "I^2", "{heterogeneity.I2}%", 7, MSC_REP_RIGHT},
    {" ", "p(Q)", "{heterogeneity.p}", 8, MSC_REP_RIGHT},
    {"  ", NULL, "{note}", 0, MSC_REP_OPTIONAL},
};
#define POOL_NCOLS (sizeof POOL_COLS / sizeof *POOL_COLS)

/* The main block's values (random effects, or common for FE) and the
 * heterogeneity as CSV cells of the record itself. */
static void summary_cells(msc_rep *b, msc_rep_node *rec, const msc_fit *f)
{
    const msc_estimate *e = msc_fit_main_block(f);
    const msc_heterogeneity *h = &f->het;
    const char *model = f->has_random ? (e->exact ? "random_exact" : "random")
                                      : (e->exact ? "common_exact" : "common");
    msc_rep_node *cells[] = {
        msc_rep_flag(msc_rep_text(b, rec, "model", model), MSC_REP_BARE),
        msc_rep_proportion(b, rec, "estimate", e->est),
        msc_rep_proportion(b, rec, "ci_lower", e->ci_lo),
        msc_rep_proportion(b, rec, "ci_upper", e->ci_hi),
        msc_rep_proportion(b, rec, "pi_lower", e->pi_lo),
        msc_rep_proportion(b, rec, "pi_upper", e->pi_hi),
        msc_rep_number(b, rec, "yi", e->yi, NULL),
        msc_rep_number(b, rec, "se", e->se, NULL),
        msc_rep_number(b, rec, "statistic", e->stat, NULL),
        msc_rep_pvalue(b, rec, "p", e->p),
        msc_rep_number(b, rec, "df", e->df, NULL),
        msc_rep_number(b, rec, "tau2", h->tau2, NULL),
        msc_rep_number(b, rec, "tau2_ci_lower", h->tau2_lo, NULL),
        msc_rep_number(b, rec, "tau2_ci_upper", h->tau2_hi, NULL),
        msc_rep_percent(b, rec, "I2", h->I2, NULL),
        msc_rep_percent(b, rec, "I2_ci_lower", h->I2_lo, NULL),
        msc_rep_percent(b, rec, "I2_ci_upper", h->I2_hi, NULL),
        msc_rep_number(b, rec, "H2", h->H2, NULL),
        msc_rep_number(b, rec, "Q", h->Q, NULL),
        msc_rep_number(b, rec, "Q_df", h->df, NULL),
        msc_rep_pvalue(b, rec, "Q_p", h->Q_p),
    };
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        msc_rep_only(cells[i], MSC_REP_CSV);
}

/* The table's note after the numbers. */
static const char *pool_note(msc_rep *b, const msc_outcome_result *o)
{
    if (o->skipped)
        return "no usable study";
    const char *exact = msc_fit_main_block(&o->fit)->exact ? "exact pooled proportion; " : "";
    if (o->k < 2)
        return msc_rep_printf(b, "%sone study", exact);
    if (!*exact && !o->warnings.n)
        return NULL;
    if (!o->warnings.n)
        return "exact pooled proportion";
    return msc_rep_printf(b, "%s%zu warning%s", exact, o->warnings.n,
                          o->warnings.n == 1 ? "" : "s");
}

static void pool_record(msc_rep *b, msc_rep_node *rec, const by_group *g, size_t j, by_counts *n)
{
    const msc_outcome_result *o = &g->a->outcome[j];
    msc_rep_only(msc_rep_int(b, rec, "n_excluded", (long long)o->n_excluded), MSC_REP_CSV);
    if (!o->skipped) {
        summary_cells(b, rec, &o->fit);
        msc_rep_ref(b, rec, "main",
                    msc_rep_get(rec, o->fit.has_random ? "random" : "common", MSC_REP_ALL));
    }
    msc_rep_only(msc_rep_text(b, rec, "note", pool_note(b, o)), MSC_REP_TABLE);
    msc_rep_col cols[POOL_NCOLS];
    columns(b, POOL_COLS, POOL_NCOLS, &g->a->settings, cols);
    if (o->skipped) { /* by, outcome, k, and the note */
        cols[3] = cols[POOL_NCOLS - 1];
        msc_rep_grid(b, rec, ".", cols, 4, 0);
    } else {
        msc_rep_grid(b, rec, ".", cols, POOL_NCOLS, 0);
    }
    warnings_cell(b, rec, &o->warnings);
    n->with_warnings += o->warnings.n > 0;
    n->skipped += o->skipped != 0;
}

/* --------------------------------------------------------------- safety */

static const char SAFETY_COLUMNS[] =
    "by,outcome,k,events_total,n_total,skipped,method,rate,ci_lower,ci_upper,upper_bound,bound,"
    "threshold,verdict,signals,n_excluded,warnings";

static const msc_rep_col SAFETY_COLS[] = {
    {"", "By", "{by:.20}", 20, 0},
    {"  ", "Outcome", "{outcome:.24}", 24, 0},
    {" ", "k", "{k}", 6, MSC_REP_RIGHT},
    {" ", "Events", "{events_total}", 7, MSC_REP_RIGHT},
    {" ", "N", "{n_total}", 7, MSC_REP_RIGHT},
    {" ", "Rate", "{main.estimate}", 8, MSC_REP_RIGHT},
    {"  ", CI_HEAD, INTERVAL("main.ci_lower", "main.ci_upper"), 18, 0},
    {" ", "Upper", "{safety.upper_bound}", 8, MSC_REP_RIGHT},
    {" ", "Limit", "{safety.threshold}", 8, MSC_REP_RIGHT},
    {"  ", "Verdict", "{verdict}", 0, 0},
};
#define SAFETY_NCOLS (sizeof SAFETY_COLS / sizeof *SAFETY_COLS)

/* The verdict of a record: "below", "exceeded", "not shown" (a limit, but
 * no bound to hold against it) or "no limit". */
static const char *safety_verdict(const msc_safety *sf)
{
    if (!isfinite(sf->threshold))
        return "no limit";
    if (!isfinite(sf->upper_bound))
        return "not shown";
    return sf->exceeded ? "exceeded" : "below";
}

static void safety_record(msc_rep *b, msc_rep_node *rec, const by_group *g, size_t j, by_counts *n)
{
    const msc_outcome_result *o = &g->a->outcome[j];
    const msc_safety *sf = &g->sf[j];
    const char *verdict = safety_verdict(sf);
    msc_rep_only(msc_rep_int(b, rec, "n_excluded", (long long)o->n_excluded), MSC_REP_CSV);
    msc_rep_only(msc_rep_flag(msc_rep_text(b, rec, "verdict", verdict), MSC_REP_BARE),
                 MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_only(msc_rep_proportion(b, rec, "threshold", sf->threshold), MSC_REP_CSV);
    msc_rep_only(msc_rep_proportion(b, rec, "upper_bound", sf->upper_bound), MSC_REP_CSV);
    msc_rep_only(msc_rep_int(b, rec, "signals", (long long)sf->n_signals), MSC_REP_CSV);
    msc_rep_only(msc_rep_text(b, rec, "method", msc_method_name(g->a->settings.method)),
                 MSC_REP_CSV);
    msc_rep_col cols[SAFETY_NCOLS];
    columns(b, SAFETY_COLS, SAFETY_NCOLS, &g->a->settings, cols);
    if (!o->skipped) {
        const msc_estimate *e = msc_fit_main_block(&o->fit);
        msc_rep_only(msc_rep_proportion(b, rec, "rate", e->est), MSC_REP_CSV);
        msc_rep_only(msc_rep_proportion(b, rec, "ci_lower", e->ci_lo), MSC_REP_CSV);
        msc_rep_only(msc_rep_proportion(b, rec, "ci_upper", e->ci_hi), MSC_REP_CSV);
        msc_rep_only(msc_rep_text(b, rec, "bound", sf->exact ? "exact" : "wald"), MSC_REP_CSV);
        msc_rep_ref(b, rec, "main",
                    msc_rep_get(rec, o->fit.has_random ? "random" : "common", MSC_REP_ALL));
        msc_rep_grid(b, rec, ".", cols, SAFETY_NCOLS, 0);
    } else { /* by, outcome, k, and the verdict */
        cols[3] = cols[SAFETY_NCOLS - 1];
        msc_rep_only(msc_rep_text(b, rec, "no_study", "no usable study: "), MSC_REP_TABLE);
        cols[3].cell = "{no_study}{verdict}";
        msc_rep_grid(b, rec, ".", cols, 4, 0);
    }
    warnings_cell(b, rec, &o->warnings);
    n->with_warnings += o->warnings.n > 0;
    n->skipped += o->skipped != 0;
    n->not_below += isfinite(sf->threshold) && strcmp(verdict, "below") != 0;
}

/* -------------------------------------------------------------- regress */

/* Its CSV columns depend on the design (regress_columns). */
static const msc_rep_col REGRESS_COLS[] = {
    {"", "By", "{by:.20}", 20, 0},
    {"  ", "Outcome", "{outcome:.24}", 24, 0},
    {" ", "k", "{k}", 6, MSC_REP_RIGHT},
    {" ", "QM", "{regression.QM}", 9, MSC_REP_RIGHT},
    {" ", "p(QM)", "{regression.QM_p}", 8, MSC_REP_RIGHT},
    {" ", "tau^2", "{regression.tau2}", 9, MSC_REP_RIGHT},
    {" ", "I^2", "{regression.I2}%", 7, MSC_REP_RIGHT},
    {" ", "R^2", "{?{regression.R2}%|NA}", 7, MSC_REP_RIGHT},
    {"  ", NULL, "{note}", 0, MSC_REP_OPTIONAL},
};
#define REGRESS_NCOLS (sizeof REGRESS_COLS / sizeof *REGRESS_COLS)

static const char *const COEF_FIELDS[] = {"name",      "estimate", "se", "statistic", "p",
                                          "ci_lower",  "ci_upper", "p_permutation"};
static const char *const AT_FIELDS[] = {"name",     "estimate", "ci_lower", "ci_upper",
                                        "pi_lower", "pi_upper", "yi",       "se"};

/* The CSV header of regress by group: the model's summary, then each
 * coefficient slot's and each prediction's fields, then the warnings. */
static char *regress_columns(size_t coef_slots, size_t at_slots, int glmm, int perm)
{
    msc_rep_buf t = {0};
    const char *head =
        "by,outcome,k,skipped,fitted,n_excluded,n_coefficients,QM_tests,QM,QM_df,QM_df2,QM_p,";
    msc_rep_buf_put(&t, head, strlen(head));
    if (perm)
        msc_rep_buf_put(&t, "QM_p_permutation,", 17);
    const char *mid = glmm ? "QE,QE_df,QE_p,QE_lrt,QE_lrt_p,tau2,I2,H2,R2,LRT,LRT_df,LRT_p,"
                             "tau2_null,loglik,tau2_iterations,converged"
                           : "QE,QE_df,QE_p,tau2,I2,H2,R2,tau2_iterations,converged";
    msc_rep_buf_put(&t, mid, strlen(mid));
    char cell[64];
    for (size_t c = 1; c <= coef_slots; c++)
        for (size_t f = 0; f < 7 + (perm != 0); f++) {
            int len = snprintf(cell, sizeof cell, ",coef%zu_%s", c, COEF_FIELDS[f]);
            msc_rep_buf_put(&t, cell, (size_t)len);
        }
    for (size_t i = 1; i <= at_slots; i++)
        for (size_t f = 0; f < sizeof AT_FIELDS / sizeof *AT_FIELDS; f++) {
            int len = snprintf(cell, sizeof cell, ",at%zu_%s", i, AT_FIELDS[f]);
            msc_rep_buf_put(&t, cell, (size_t)len);
        }
    msc_rep_buf_put(&t, ",warnings", 9);
    msc_rep_buf_put(&t, "", 1);
    if (t.nomem) {
        msc_rep_buf_free(&t);
        return NULL;
    }
    return t.s;
}

/* A CSV-only cell of the record. */
#define CSV(n) msc_rep_only((n), MSC_REP_CSV)

static void regress_cells(msc_rep *b, msc_rep_node *rec, const by_group *g,
                          const msc_regress_outcome *ro)
{
    const msc_regression *r = g->r;
    const msc_regress_model *f = &ro->fit;
    int glmm = r->a->settings.method == MSC_METHOD_GLMM, perm = ro->perm.iter > 0;
    CSV(msc_rep_int(b, rec, "n_coefficients", (long long)f->p));
    msc_rep_buf names = {0};
    for (size_t j = 0; j < f->m_btt; j++) {
        if (j)
            msc_rep_buf_put(&names, ", ", 2);
        msc_rep_buf_put(&names, r->coef_name[f->btt[j]], strlen(r->coef_name[f->btt[j]]));
    }
    CSV(msc_rep_text(b, rec, "QM_tests",
                     names.nomem ? NULL : msc_rep_printf(b, "%s", names.s ? names.s : "")));
    msc_rep_buf_free(&names);
    CSV(msc_rep_number(b, rec, "QM", f->QM, NULL));
    CSV(msc_rep_number(b, rec, "QM_df", f->QM_df, NULL));
    CSV(msc_rep_number(b, rec, "QM_df2", f->QM_df2, NULL));
    CSV(msc_rep_pvalue(b, rec, "QM_p", f->QM_p));
    if (perm)
        CSV(msc_rep_pvalue(b, rec, "QM_p_permutation", ro->perm.QM_p));
    CSV(msc_rep_number(b, rec, "QE", f->QE, NULL));
    CSV(msc_rep_number(b, rec, "QE_df", f->QE_df, NULL));
    CSV(msc_rep_pvalue(b, rec, "QE_p", f->QE_p));
    CSV(msc_rep_number(b, rec, "tau2", f->tau2, NULL));
    CSV(msc_rep_percent(b, rec, "I2", f->I2, NULL));
    CSV(msc_rep_number(b, rec, "H2", f->H2, NULL));
    CSV(msc_rep_percent(b, rec, "R2", f->R2, NULL));
    if (glmm) {
        CSV(msc_rep_number(b, rec, "QE_lrt", f->QE_lrt, NULL));
        CSV(msc_rep_pvalue(b, rec, "QE_lrt_p", f->QE_lrt_p));
        CSV(msc_rep_number(b, rec, "LRT", f->LRT, NULL));
        CSV(msc_rep_number(b, rec, "LRT_df", f->LRT_df, NULL));
        CSV(msc_rep_pvalue(b, rec, "LRT_p", f->LRT_p));
        CSV(msc_rep_number(b, rec, "tau2_null", f->tau2_null, NULL));
        CSV(msc_rep_number(b, rec, "loglik", f->loglik, NULL));
    }
    CSV(msc_rep_int(b, rec, "tau2_iterations", f->iterations));
    CSV(msc_rep_bool(b, rec, "converged", f->converged));
    for (size_t c = 0; c < f->p && c < g->coef_slots; c++) {
        const char *pre = msc_rep_printf(b, "coef%zu_", c + 1);
#define KEY(field) msc_rep_printf(b, "%s%s", pre, field)
        CSV(msc_rep_text(b, rec, KEY("name"), r->coef_name[c]));
        CSV(msc_rep_number(b, rec, KEY("estimate"), f->beta[c], NULL));
        CSV(msc_rep_number(b, rec, KEY("se"), f->se[c], NULL));
        CSV(msc_rep_number(b, rec, KEY("statistic"), f->stat[c], NULL));
        CSV(msc_rep_pvalue(b, rec, KEY("p"), f->pval[c]));
        CSV(msc_rep_number(b, rec, KEY("ci_lower"), f->ci_lo[c], NULL));
        CSV(msc_rep_number(b, rec, KEY("ci_upper"), f->ci_hi[c], NULL));
        if (perm)
            CSV(msc_rep_pvalue(b, rec, KEY("p_permutation"), ro->perm.pval[c]));
#undef KEY
    }
    for (size_t i = 0; ro->pred && i < r->n_at && i < g->at_slots; i++) {
        const msc_estimate *e = &ro->pred[i];
        const char *pre = msc_rep_printf(b, "at%zu_", i + 1);
#define KEY(field) msc_rep_printf(b, "%s%s", pre, field)
        CSV(msc_rep_text(b, rec, KEY("name"), r->at[i].label));
        CSV(msc_rep_proportion(b, rec, KEY("estimate"), e->est));
        CSV(msc_rep_proportion(b, rec, KEY("ci_lower"), e->ci_lo));
        CSV(msc_rep_proportion(b, rec, KEY("ci_upper"), e->ci_hi));
        CSV(msc_rep_proportion(b, rec, KEY("pi_lower"), e->pi_lo));
        CSV(msc_rep_proportion(b, rec, KEY("pi_upper"), e->pi_hi));
        CSV(msc_rep_number(b, rec, KEY("yi"), e->yi, NULL));
        CSV(msc_rep_number(b, rec, KEY("se"), e->se, NULL));
#undef KEY
    }
}

static void regress_record(msc_rep *b, msc_rep_node *rec, const by_group *g, size_t j,
                           by_counts *n)
{
    const msc_regress_outcome *ro = g->r ? &g->r->outcome[j] : NULL;
    const msc_outcome_result *o = ro ? ro->o : NULL;
    const msc_warnings *w = o ? &o->warnings : g->why;
    int skipped = o && o->skipped, fitted = ro && ro->fitted;
    /* the regress JSON's studies, exclusions and regression have rows of
     * their own in its CSV: here the record is one row, of the cells below */
    for (msc_rep_node *m = rec->v.c.first; m; m = m->next)
        if (m->type == MSC_REP_OBJECT || m->type == MSC_REP_ARRAY)
            m->show &= (unsigned char)~MSC_REP_CSV;
    CSV(msc_rep_int(b, rec, "n_excluded", o ? (long long)o->n_excluded : 0));
    if (fitted)
        regress_cells(b, rec, g, ro);
    const char *note = skipped   ? "no usable study"
                       : !fitted ? msc_rep_printf(b, "not fitted; %zu warning%s", w->n,
                                                  w->n == 1 ? "" : "s")
                       : w->n    ? msc_rep_printf(b, "%zu warning%s", w->n, w->n == 1 ? "" : "s")
                                 : NULL;
    msc_rep_only(msc_rep_text(b, rec, "note", note), MSC_REP_TABLE);
    msc_rep_col cols[REGRESS_NCOLS];
    columns(b, REGRESS_COLS, REGRESS_NCOLS, &g->a->settings, cols);
    if (!fitted) { /* by, outcome, k, and the note */
        cols[3] = cols[REGRESS_NCOLS - 1];
        msc_rep_grid(b, rec, ".", cols, 4, 0);
    } else {
        msc_rep_grid(b, rec, ".", cols, REGRESS_NCOLS, 0);
    }
    warnings_cell(b, rec, w);
    n->with_warnings += w->n > 0;
    n->skipped += skipped;
}
#undef CSV

static const by_kind KINDS[] = {
    [MSC_BY_POOL] = {"pool", POOL_COLUMNS, "%.4f", 1.0, pool_record, POOL_COLS, POOL_NCOLS},
    [MSC_BY_SAFETY] = {"safety", SAFETY_COLUMNS, "%.2f%%", 100.0, safety_record, SAFETY_COLS,
                       SAFETY_NCOLS},
    [MSC_BY_REGRESS] = {"regress", NULL, "%.4f", 1.0, regress_record, REGRESS_COLS,
                        REGRESS_NCOLS},
};

/* --------------------------------------------------------------- driver */

typedef struct {
    msc_rep_buf text; /* the group's records, rendered */
    msc_status st;
    by_counts n;
} slot;

typedef struct {
    const msc_dataset *d;
    const msc_by *g;
    msc_settings s;
    const msc_by_options *o;
    msc_format f;
    const by_kind *kind;
    const char *csv_columns; /* the kind's, or regress's for this design */
    size_t coef_slots, at_slots;
    unsigned flags;
    msc_report_options ropt;
    size_t base, count; /* the batch: groups base .. base + count - 1 */
    slot *slots;
    atomic_size_t next;
    atomic_int stop; /* out of memory somewhere: the others stop too */
} job;

static msc_status (*const emitter[])(msc_rep *, const msc_rep_doc *, msc_rep_out *) = {
    [MSC_FORMAT_TABLE] = msc_rep_emit_table,
    [MSC_FORMAT_CSV] = msc_rep_emit_csv_rows,
    [MSC_FORMAT_JSONL] = msc_rep_emit_json,
};

/* JSON Lines: one record per line, so none of its arrays (studies,
 * exclusions, subgroups, a regression's coefficients) starts its elements
 * on new lines. */
static void one_line(msc_rep_node *rec)
{
    for (msc_rep_node *m = rec->v.c.first; m; m = m->next) {
        if (m->type == MSC_REP_ARRAY)
            m->flags &= (unsigned short)~(MSC_REP_NL_ITEMS | MSC_REP_NL_CLOSE);
        if (m->type == MSC_REP_OBJECT || m->type == MSC_REP_ARRAY)
            one_line(m);
    }
}

/* A regress record for outcome j of a group whose design could not be
 * set up (g->why says why): its name, not fitted, the reason. */
static msc_rep_node *unfitted_outcome(msc_rep *b, const msc_dataset *d, const by_group *g,
                                      size_t j)
{
    msc_rep_node *out = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, out, "outcome", d->outcome[j].name);
    msc_rep_text(b, out, "denominator", d->outcome[j].denom);
    msc_rep_null(b, out, "k");
    msc_rep_bool(b, out, "skipped", 0);
    msc_rep_bool(b, out, "fitted", 0);
    msc_rep_null(b, out, "regression");
    msc_rep_data_warnings(b, out, g->why);
    return out;
}

/* Analyses group i and renders its records into sl. */
static msc_status one_group(job *J, msc_rep *b, char *obuf, size_t i, slot *sl)
{
    size_t nrows;
    const size_t *rows = msc_by_rows(J->g, i, &nrows);
    char err[MSC_ERRBUF];
    msc_analysis *a = NULL;
    msc_safety *sf = NULL;
    msc_regression *r = NULL;
    msc_warnings why = {0};
    msc_analysis head = {J->d, J->s, 0, NULL}; /* a group with no regression: the settings */
    msc_status st;
    size_t n_out;
    if (J->o->kind == MSC_BY_REGRESS) {
        st = msc_regress_run_rows(J->d, rows, nrows, &J->s, J->o->regress, MSC_REGRESS_RUN_ANY,
                                  &r, err, sizeof err);
        if (st == MSC_ERR_USAGE || st == MSC_ERR_INPUT) /* this group's rows cannot take it */
            st = msc_warnings_add(&why, "not fitted: %s", err);
        n_out = J->d->n_outcomes;
    } else {
        st = msc_analysis_run_rows(J->d, rows, nrows, &J->s, J->flags, &a, err, sizeof err);
        if (st == MSC_OK && J->o->kind == MSC_BY_SAFETY)
            st = msc_safety_evaluate(a, J->o->thresholds, &sf);
        n_out = a ? a->n_outcomes : 0;
    }
    by_group grp = {msc_by_value(J->g, i), a ? a : r ? r->a : &head, sf, &J->ropt, r, &why,
                    J->coef_slots, J->at_slots};
    msc_rep_out out = {msc_rep_buf_write, &sl->text, obuf, 0, OUT_BUF, MSC_OK};
    for (size_t j = 0; st == MSC_OK && j < n_out; j++) {
        msc_rep_mark mark = msc_rep_here(b);
        msc_rep_octx *c = msc_rep_alloc(b, sizeof *c);
        if (!c) {
            st = b->err;
            break;
        }
        static const msc_rep_fills fills = {fill_study, fill_excluded, fill_subgroup};
        msc_rep_node *rec;
        if (J->o->kind == MSC_BY_REGRESS)
            rec = r ? msc_rep_regress_outcome(b, r, &J->ropt, j)
                    : unfitted_outcome(b, J->d, &grp, j);
        else {
            *c = (msc_rep_octx){a, &J->ropt, &a->outcome[j], sf ? &sf[j] : NULL};
            rec = msc_rep_data_outcome(b, c, &fills);
        }
        msc_rep_insert(b, rec, rec->v.c.first, msc_rep_text(b, NULL, "by", grp.value));
        if (rec != &b->scratch)
            one_line(rec);
        msc_rep_flag(rec, MSC_REP_ROW);
        J->kind->record(b, rec, &grp, j, &sl->n);
        msc_rep_doc doc = {rec, J->csv_columns, J->kind->prop_fmt, J->kind->prop_scale};
        if (b->err)
            st = b->err;
        else
            st = emitter[J->f](b, &doc, &out);
        msc_rep_back(b, mark);
    }
    if (st == MSC_OK)
        st = msc_rep_flush(&out);
    msc_safety_free(sf, a ? a->n_outcomes : 0);
    msc_analysis_free(a);
    msc_regression_free(r);
    msc_warnings_clear(&why);
    return st;
}

static void *worker(void *arg)
{
    job *J = arg;
    msc_rep b;
    char *obuf = malloc(OUT_BUF);
    msc_status st = msc_rep_init(&b);
    if (st == MSC_OK && !obuf)
        st = MSC_ERR_NOMEM;
    for (;;) {
        size_t i = atomic_fetch_add(&J->next, 1);
        if (i >= J->count)
            break;
        slot *sl = &J->slots[i];
        if (st != MSC_OK || atomic_load(&J->stop)) {
            sl->st = st != MSC_OK ? st : MSC_ERR_NOMEM;
            continue;
        }
        sl->st = one_group(J, &b, obuf, J->base + i, sl);
        if (sl->st != MSC_OK)
            atomic_store(&J->stop, 1);
        b.err = MSC_OK; /* a failed group is reported; the arena stays usable */
    }
    msc_rep_release(&b);
    free(obuf);
    return NULL;
}

/* Runs one batch on T threads (this one among them). */
static void run_batch(job *J, int T)
{
    pthread_t th[64];
    int started[64] = {0};
    if (T > 64)
        T = 64;
    atomic_store(&J->next, 0);
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, worker, J) == 0;
    worker(J);
    for (int t = 1; t < T; t++)
        if (started[t])
            pthread_join(th[t], NULL);
}

static msc_status table_head(const msc_dataset *d, const msc_by *g, const msc_settings *s,
                             const msc_by_options *o, const by_kind *k, msc_rep_out *out)
{
    msc_rep b;
    msc_status st = msc_rep_init(&b);
    if (st != MSC_OK)
        return st;
    msc_analysis a = {d, *s, 0, NULL}; /* the head: data set and settings alone */
    msc_report_options ro = {.summary_only = 1, .input_name = o->input_name};
    msc_rep_node *root = msc_rep_data_head(&b, &a, &ro, k->command);
    msc_rep_int(&b, root, "groups", (long long)msc_by_count(g));
    msc_rep_text(&b, root, "by", msc_by_column(g));
    msc_rep_only(msc_rep_text(&b, root, "groups_noun",
                              msc_by_count(g) == 1 ? "meta-analysis" : "meta-analyses"),
                 MSC_REP_TABLE);
    msc_rep_line(&b, root,
                 "mscmeta {version} {command}: {groups} {groups_noun} by \"{by:.40}\" of "
                 "{input:.80}");
    msc_rep_line(&b, root,
                 s->method == MSC_METHOD_GLMM
                     ? "Model:  binomial-normal GLMM ({settings.nagq}-point adaptive "
                       "Gauss-Hermite), logit scale; {settings.level_pct}% level"
                     : "Model:  {settings.method_long}; {settings.measure}; {settings.test} "
                       "test; {settings.level_pct}% level");
    msc_rep_each(&b, root, "warnings", "! {.}");
    msc_rep_line(&b, root, "");
    msc_rep_col cols[MAX_COLS];
    assert(k->ncols <= MAX_COLS);
    columns(&b, k->cols, k->ncols, s, cols);
    msc_rep_grid(&b, root, "no rows", cols, k->ncols, 1); /* the heads alone */
    msc_rep_doc doc = {root, NULL, "%.4f", 1.0};
    st = b.err ? b.err : msc_rep_emit_table(&b, &doc, out);
    msc_rep_release(&b);
    return st;
}

msc_status msc_report_by(const msc_dataset *d, const msc_by *g, const msc_settings *s,
                         const msc_by_options *o, msc_format f, msc_write_fn fn, void *ctx,
                         msc_by_summary *sum)
{
    if (!d || !g || !s || !o || !fn ||
        !(f == MSC_FORMAT_TABLE || f == MSC_FORMAT_CSV || f == MSC_FORMAT_JSONL) ||
        (unsigned)o->kind >= sizeof KINDS / sizeof *KINDS ||
        (o->kind == MSC_BY_SAFETY && !o->thresholds) ||
        (o->kind == MSC_BY_REGRESS && !o->regress) || o->threads < 1 ||
        o->threads > MSC_THREADS_MAX)
        return MSC_ERR_USAGE;
    char err[MSC_ERRBUF];
    if (msc_settings_check(s, err, sizeof err) != MSC_OK)
        return MSC_ERR_USAGE;
    size_t G = msc_by_count(g);
    int T = o->threads;
    job *J = calloc(1, sizeof *J);
    size_t batch = (size_t)T * BATCH_PER_THREAD;
    slot *slots = calloc(batch, sizeof *slots);
    msc_rep_out out = {fn, ctx, malloc(OUT_BUF), 0, OUT_BUF, MSC_OK};
    msc_status st = J && slots && out.buf ? MSC_OK : MSC_ERR_NOMEM;
    msc_by_summary total = {G, 0, 0, 0};
    char *regress_csv = NULL;
    if (st == MSC_OK) {
        J->csv_columns = KINDS[o->kind].csv_columns;
        if (o->kind == MSC_BY_REGRESS) {
            /* the whole file's design has the most coefficients any group's can
             * have: a group's levels are some of the file's, and a column that
             * is numeric in the file is numeric in every group */
            msc_regression *r0 = NULL;
            st = msc_regress_run_rows(d, NULL, 0, s, o->regress, MSC_REGRESS_RUN_DESIGN, &r0, err,
                                      sizeof err);
            if (st == MSC_ERR_INPUT)
                st = MSC_ERR_USAGE;
            if (st == MSC_OK) {
                J->coef_slots = r0->m + 1;
                J->at_slots = r0->n_at;
                regress_csv = regress_columns(J->coef_slots, J->at_slots,
                                              s->method == MSC_METHOD_GLMM,
                                              o->regress->permutations > 0);
                J->csv_columns = regress_csv;
                if (!regress_csv)
                    st = MSC_ERR_NOMEM;
            }
            msc_regression_free(r0);
        }
    }
    if (st == MSC_OK) {
        J->d = d;
        J->g = g;
        J->s = *s;
        /* the groups share the threads: each fit runs on one */
        if (T > 1 && G > 1)
            J->s.threads = 1;
        J->o = o;
        J->f = f;
        J->kind = &KINDS[o->kind];
        /* the table and CSV show no study: their intervals are not needed */
        int studies = f == MSC_FORMAT_JSONL && !o->summary_only;
        J->flags = studies ? 0u : MSC_RUN_NO_STUDY_CI;
        J->ropt = (msc_report_options){.summary_only = !studies, .input_name = o->input_name};
        J->slots = slots;
        if (f == MSC_FORMAT_TABLE)
            st = table_head(d, g, s, o, J->kind, &out);
        else if (f == MSC_FORMAT_CSV) {
            msc_rep_puts(&out, J->csv_columns);
            msc_rep_putc(&out, '\n');
        }
    }
    for (size_t base = 0; st == MSC_OK && base < G; base += batch) {
        J->base = base;
        J->count = G - base < batch ? G - base : batch;
        atomic_store(&J->stop, 0);
        run_batch(J, T);
        for (size_t i = 0; i < J->count; i++) {
            slot *sl = &slots[i];
            if (st == MSC_OK && sl->st != MSC_OK)
                st = sl->st;
            if (st == MSC_OK)
                msc_rep_put(&out, sl->text.s, sl->text.len);
            total.with_warnings += sl->n.with_warnings;
            total.skipped += sl->n.skipped;
            total.not_below += sl->n.not_below;
            msc_rep_buf_free(&sl->text);
            memset(sl, 0, sizeof *sl);
        }
        if (st == MSC_OK)
            st = out.err;
    }
    if (st == MSC_OK && f == MSC_FORMAT_TABLE && G == 0)
        msc_rep_puts(&out, "(no group: every record's value is missing)\n");
    if (st == MSC_OK)
        st = msc_rep_flush(&out);
    if (sum)
        *sum = total;
    free(out.buf);
    free(slots);
    free(J);
    free(regress_csv);
    return st;
}
