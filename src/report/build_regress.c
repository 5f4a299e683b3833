/*
 * The meta-regression report (mscmeta regress): per outcome the model's
 * coefficients, the omnibus test of the moderators, residual
 * heterogeneity and R^2, laid out as metafor prints a mixed-effects
 * meta-regression, then the predictions, exclusions and warnings. JSON
 * adds the studies with their moderator values; CSV has one row per
 * study, exclusion, coefficient, model and prediction (`type` column).
 */
#include <math.h>
#include <string.h>

#include "msc_rep.h"
#include "msc_stats.h"

#define LABEL_W 28

static const char *const COLUMNS =
    "outcome,type,name,study,row,events,n,proportion,yi,vi,weight,moderators,reason,"
    "estimate,se,statistic,p,df,ci_lower,ci_upper,p_permutation,"
    "ci_yi_lower,ci_yi_upper,pi_yi_lower,pi_yi_upper,pi_lower,pi_upper,"
    "k,n_coefficients,QM_tests,QM,QM_df,QM_df2,QM_p,QM_p_permutation,QE,QE_df,QE_p,tau2,I2,H2,R2";

/* The GLMM's: its likelihood-ratio tests added (residual heterogeneity,
 * the moderators against the intercept-only GLMM). */
static const char *const COLUMNS_GLMM =
    "outcome,type,name,study,row,events,n,proportion,yi,vi,weight,moderators,reason,"
    "estimate,se,statistic,p,df,ci_lower,ci_upper,p_permutation,"
    "ci_yi_lower,ci_yi_upper,pi_yi_lower,pi_yi_upper,pi_lower,pi_upper,"
    "k,n_coefficients,QM_tests,QM,QM_df,QM_df2,QM_p,QM_p_permutation,QE,QE_df,QE_p,"
    "QE_lrt,QE_lrt_p,tau2,I2,H2,R2,LRT,LRT_df,LRT_p,tau2_null,loglik";

#define INTERVAL(lo, hi) "{?[{" lo "}, {" hi "}]|NA}"

typedef struct {
    const msc_regression *r;
    const msc_report_options *opt;
} doc_ctx;

/* One outcome's context: the shared octx first (exclusions use it). */
typedef struct {
    msc_rep_octx oc;
    const msc_regression *r;
    const msc_regress_outcome *ro;
    double sum_w; /* sum of 1/(v_i + tau^2): the weights' total (NAN: no weights) */
} out_ctx;

/* ------------------------------------------------------------- members */

/* "ablat=44, alloc=random": a study's moderator values as text. */
static const char *moderator_text(msc_rep *b, const msc_regression *r, size_t row)
{
    msc_rep_buf s = {0};
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_kept_column *col = msc_dataset_kept(r->a->data, r->mod[j].name);
        const char *v = col && col->value[row] ? col->value[row] : "NA";
        if (j)
            msc_rep_buf_put(&s, ", ", 2);
        msc_rep_buf_put(&s, r->mod[j].name, strlen(r->mod[j].name));
        msc_rep_buf_put(&s, "=", 1);
        msc_rep_buf_put(&s, v, strlen(v));
    }
    const char *t = s.nomem ? NULL : msc_rep_printf(b, "%s", s.s ? s.s : "");
    msc_rep_buf_free(&s);
    return t;
}

static msc_rep_node *study(msc_rep *b, const void *ctx, size_t i)
{
    const out_ctx *c = ctx;
    const msc_regression *r = c->r;
    const msc_outcome_result *o = c->oc.o;
    const msc_dataset *d = r->a->data;
    size_t row = o->row[i];
    msc_rep_node *s = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, s, "type", "study"), MSC_REP_CSV);
    msc_rep_text(b, s, "study", d->label[row]);
    msc_rep_int(b, s, "row", d->line[row]);
    msc_rep_count(b, s, "events", o->xi[i]);
    msc_rep_count(b, s, "n", o->ni[i]);
    msc_rep_proportion(b, s, "proportion", o->xi[i] / o->ni[i]);
    msc_rep_number(b, s, "yi", o->yi[i], "%.4f");
    msc_rep_number(b, s, "vi", o->vi[i], "%.4f");
    msc_rep_percent(b, s, "weight", 100.0 / (o->vi[i] + c->ro->fit.tau2) / c->sum_w, "%.2f");
    /* JSON: each moderator's value by name; CSV: them all as one text */
    msc_rep_node *mv = msc_rep_only(msc_rep_object(b, s, "moderator_values"), MSC_REP_JSON);
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_moderator *md = &r->mod[j];
        const char *v = msc_dataset_kept(d, md->name)->value[row];
        if (md->factor) {
            msc_rep_text(b, mv, md->name, v);
        } else {
            double x = c->ro->X ? c->ro->X[i * r->m + md->first - 1] : NAN;
            msc_rep_number(b, mv, md->name, x, NULL);
        }
    }
    msc_rep_only(msc_rep_text(b, s, "moderators", moderator_text(b, r, row)), MSC_REP_CSV);
    return s;
}

static msc_rep_node *excluded(msc_rep *b, const void *ctx, size_t i)
{
    msc_rep_node *e = msc_rep_flag(msc_rep_data_excluded(b, ctx, i), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, e, "type", "excluded"), MSC_REP_CSV);
    return e;
}

static void moderators(msc_rep *b, msc_rep_node *parent, const msc_regression *r)
{
    msc_rep_node *arr = msc_rep_array(b, parent, "moderators");
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_moderator *md = &r->mod[j];
        msc_rep_node *m = msc_rep_object(b, arr, NULL);
        msc_rep_text(b, m, "name", md->name);
        msc_rep_text(b, m, "type", md->factor ? "factor" : "numeric");
        if (md->factor) {
            msc_rep_node *lv = msc_rep_array(b, m, "levels");
            for (size_t l = 0; l < md->n_levels; l++)
                msc_rep_text(b, lv, NULL, md->level[l]);
            msc_rep_text(b, m, "reference", md->n_levels ? md->level[0] : NULL);
        } else {
            msc_rep_null(b, m, "levels");
            msc_rep_null(b, m, "reference");
        }
    }
}

static void coefficients(msc_rep *b, msc_rep_node *reg, const out_ctx *c)
{
    const msc_regression *r = c->r;
    const msc_regress_model *f = &c->ro->fit;
    const msc_regress_perm *pm = &c->ro->perm;
    msc_rep_node *arr = msc_rep_array(b, reg, "coefficients");
    for (size_t j = 0; j < f->p; j++) {
        msc_rep_node *o = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
        msc_rep_only(msc_rep_text(b, o, "type", "coefficient"), MSC_REP_CSV);
        msc_rep_text(b, o, "name", r->coef_name[j]);
        size_t mj = r->coef_mod[j];
        msc_rep_text(b, o, "moderator", mj == SIZE_MAX ? NULL : r->mod[mj].name);
        msc_rep_text(b, o, "level",
                     mj != SIZE_MAX && r->mod[mj].factor
                         ? r->mod[mj].level[j - r->mod[mj].first + 1]
                         : NULL);
        msc_rep_number(b, o, "estimate", f->beta[j], "%.4f");
        msc_rep_number(b, o, "se", f->se[j], "%.4f");
        msc_rep_number(b, o, "statistic", f->stat[j], "%.3f");
        msc_rep_pvalue(b, o, "p", f->pval[j]);
        msc_rep_number(b, o, "df", f->df, "%g");
        msc_rep_number(b, o, "ci_lower", f->ci_lo[j], "%.4f");
        msc_rep_number(b, o, "ci_upper", f->ci_hi[j], "%.4f");
        if (pm->iter)
            msc_rep_pvalue(b, o, "p_permutation", pm->pval[j]);
        /* the table's name column */
        msc_rep_only(msc_rep_text(b, o, "label", r->coef_name[j]), MSC_REP_TABLE);
    }
}

static msc_rep_node *prediction(msc_rep *b, msc_rep_node *arr, const out_ctx *c, size_t i)
{
    const msc_regression *r = c->r;
    const msc_regress_point *pt = &r->at[i];
    const msc_estimate *e = &c->ro->pred[i];
    msc_rep_node *o = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, o, "type", "prediction"), MSC_REP_CSV);
    msc_rep_only(msc_rep_text(b, o, "name", pt->label), MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_node *at = msc_rep_only(msc_rep_object(b, o, "at"), MSC_REP_JSON);
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_moderator *md = &r->mod[j];
        if (md->factor)
            msc_rep_text(b, at, md->name, md->level[(size_t)pt->value[j]]);
        else
            msc_rep_number(b, at, md->name, pt->value[j], NULL);
    }
    msc_rep_number(b, o, "yi", e->yi, "%.4f");
    msc_rep_number(b, o, "se", e->se, "%.4f");
    msc_rep_number(b, o, "ci_yi_lower", e->ci_lo_yi, "%.4f");
    msc_rep_number(b, o, "ci_yi_upper", e->ci_hi_yi, "%.4f");
    msc_rep_number(b, o, "pi_yi_lower", e->pi_lo_yi, "%.4f");
    msc_rep_number(b, o, "pi_yi_upper", e->pi_hi_yi, "%.4f");
    msc_rep_proportion(b, o, "estimate", e->est);
    msc_rep_proportion(b, o, "ci_lower", e->ci_lo);
    msc_rep_proportion(b, o, "ci_upper", e->ci_hi);
    msc_rep_proportion(b, o, "pi_lower", e->pi_lo);
    msc_rep_proportion(b, o, "pi_upper", e->pi_hi);
    msc_rep_number(b, o, "df", e->df, "%g");
    return o;
}

/* The `regression` object of a fitted outcome. */
static msc_rep_node *regression(msc_rep *b, msc_rep_node *out, const out_ctx *c)
{
    const msc_regression *r = c->r;
    const msc_regress_model *f = &c->ro->fit;
    const msc_regress_perm *pm = &c->ro->perm;
    msc_rep_node *reg = msc_rep_object(b, out, "regression");
    moderators(b, reg, r);
    msc_rep_int(b, reg, "k", (long long)f->k);
    msc_rep_column(msc_rep_int(b, reg, "p", (long long)f->p), "n_coefficients");
    coefficients(b, reg, c);
    /* the model's row: the omnibus test, residual heterogeneity, R^2 */
    msc_rep_node *model = msc_rep_flag(reg, MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, model, "type", "model"), MSC_REP_CSV);
    msc_rep_node *btt = msc_rep_only(msc_rep_array(b, reg, "QM_coefficients"), MSC_REP_JSON);
    msc_rep_buf names = {0};
    for (size_t j = 0; j < f->m_btt; j++) {
        msc_rep_text(b, btt, NULL, r->coef_name[f->btt[j]]);
        if (j)
            msc_rep_buf_put(&names, ", ", 2);
        msc_rep_buf_put(&names, r->coef_name[f->btt[j]], strlen(r->coef_name[f->btt[j]]));
    }
    msc_rep_only(msc_rep_text(b, reg, "QM_tests",
                              names.nomem ? NULL : msc_rep_printf(b, "%s", names.s ? names.s : "")),
                 MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_buf_free(&names);
    msc_rep_number(b, reg, "QM", f->QM, "%.4f");
    msc_rep_number(b, reg, "QM_df", f->QM_df, "%g");
    msc_rep_number(b, reg, "QM_df2", f->QM_df2, "%g");
    msc_rep_pvalue(b, reg, "QM_p", f->QM_p);
    if (pm->iter)
        msc_rep_pvalue(b, reg, "QM_p_permutation", pm->QM_p);
    msc_rep_number(b, reg, "QE", f->QE, "%.4f");
    msc_rep_number(b, reg, "QE_df", f->QE_df, "%g");
    msc_rep_pvalue(b, reg, "QE_p", f->QE_p);
    int glmm = r->a->settings.method == MSC_METHOD_GLMM;
    if (glmm) { /* QE above is the Wald test; the likelihood-ratio one */
        msc_rep_number(b, reg, "QE_lrt", f->QE_lrt, "%.4f");
        msc_rep_pvalue(b, reg, "QE_lrt_p", f->QE_lrt_p);
    }
    msc_rep_number(b, reg, "tau2", f->tau2, "%.4f");
    msc_rep_number(b, reg, "tau", sqrt(f->tau2), "%.4f");
    msc_rep_percent(b, reg, "I2", f->I2, "%.2f");
    msc_rep_number(b, reg, "H2", f->H2, "%.2f");
    msc_rep_percent(b, reg, "R2", f->R2, "%.2f");
    if (glmm) { /* the moderators against the intercept-only GLMM */
        msc_rep_number(b, reg, "LRT", f->LRT, "%.4f");
        msc_rep_number(b, reg, "LRT_df", f->LRT_df, "%g");
        msc_rep_pvalue(b, reg, "LRT_p", f->LRT_p);
        msc_rep_number(b, reg, "tau2_null", f->tau2_null, "%.4f");
        msc_rep_number(b, reg, "loglik", f->loglik, "%.4f");
    }
    msc_rep_int(b, reg, "tau2_iterations", f->iterations);
    msc_rep_bool(b, reg, "converged", f->converged);
    if (pm->iter) {
        msc_rep_node *po = msc_rep_object(b, reg, "permutation");
        msc_rep_int(b, po, "iterations", (long long)pm->iter);
        msc_rep_bool(b, po, "exact", pm->exact);
        if (pm->exact)
            msc_rep_null(b, po, "seed");
        else
            msc_rep_count(b, po, "seed", (double)r->seed);
    } else {
        msc_rep_null(b, reg, "permutation");
    }
    msc_rep_node *pa = msc_rep_array(b, reg, "predictions");
    for (size_t i = 0; i < r->n_at; i++)
        prediction(b, pa, c, i);
    return reg;
}

/* --------------------------------------------------------------- table */

static const char *ci_head(msc_rep *b, double level)
{
    return msc_rep_printf(b, "%d%% CI", (int)lround(100.0 * level));
}

static void regression_view(msc_rep *b, msc_rep_node *out, msc_rep_node *reg, const out_ctx *c)
{
    const msc_settings *s = &c->r->a->settings;
    const msc_regress_model *f = &c->ro->fit;
    int knha = s->test == MSC_TEST_KNHA, perm = c->ro->perm.iter > 0;
    msc_rep_nested(b, out, "regression");
    if (s->method == MSC_METHOD_FE)
        msc_rep_line(b, reg, "Common-effect meta-regression (k = {k}, {p} coefficients)");
    else
        msc_rep_line(b, reg,
                     "Mixed-effects meta-regression (k = {k}, {p} coefficients; tau^2 by "
                     "{settings.method})");
    msc_rep_line(b, reg, "");
    /* the name column fits the longest name, up to 48 characters */
    int w = LABEL_W;
    for (size_t j = 0; j < f->p; j++) {
        const char *n = c->r->coef_name[j];
        int len = (int)msc_rep_width(n, strlen(n));
        if (len + 1 > w)
            w = len + 1 > 48 ? 48 : len + 1;
    }
    const msc_rep_col cols[] = {
        {"", "Coefficient", msc_rep_printf(b, "{label:.%d}", w - 1), w, 0},
        {" ", "Estimate", "{estimate}", 9, MSC_REP_RIGHT},
        {" ", "SE", "{se}", 8, MSC_REP_RIGHT},
        {" ", knha ? "t" : "z", "{statistic}", 8, MSC_REP_RIGHT},
        {" ", "p", "{p}", 8, MSC_REP_RIGHT},
        {"   ", ci_head(b, s->level), INTERVAL("ci_lower", "ci_upper"), perm ? 20 : 0, 0},
        {" ", "p(perm.)", "{p_permutation}", 8, MSC_REP_RIGHT},
    };
    msc_rep_grid(b, reg, "coefficients", cols, perm ? 7 : 6, 1);
    if (knha)
        msc_rep_line(b, reg, "(t tests with {QE_df} df, Knapp-Hartung)");
    msc_rep_line(b, reg, "");
    if (f->m_btt == 0)
        msc_rep_line(b, reg, "Test of moderators: no coefficient to test");
    else if (knha)
        msc_rep_line(b, reg,
                     "Test of moderators ({QM_tests:.120}): F = {QM}, df = ({QM_df}, "
                     "{QM_df2}), {QM_p:prose}{?, permutation p = {QM_p_permutation}}");
    else
        msc_rep_line(b, reg,
                     "Test of moderators ({QM_tests:.120}): QM = {QM}, df = {QM_df}, "
                     "{QM_p:prose}{?, permutation p = {QM_p_permutation}}");
    if (s->method == MSC_METHOD_GLMM) {
        msc_rep_line(b, reg,
                     "Likelihood-ratio test of moderators (against the intercept-only GLMM, "
                     "tau^2 = {tau2_null}): LRT = {LRT}, df = {LRT_df}, {LRT_p:prose}");
        msc_rep_line(b, reg,
                     "Residual heterogeneity: Wald QE = {QE}, df = {QE_df}, {QE_p:prose}; "
                     "likelihood ratio QE = {QE_lrt}, {QE_lrt_p:prose}");
        msc_rep_line(b, reg, "  tau^2 = {tau2}   tau = {tau}   I^2 = {I2}%   H^2 = {H2}");
    } else {
        msc_rep_line(b, reg, "Residual heterogeneity: QE = {QE}, df = {QE_df}, {QE_p:prose}");
    }
    if (s->method == MSC_METHOD_GLMM)
        ;
    else if (s->method == MSC_METHOD_FE)
        msc_rep_line(b, reg,
                     "  I^2 = {I2}%   H^2 = {H2}   R^2 = {R2|NA}% (adjusted, weighted "
                     "least squares)");
    else
        msc_rep_line(b, reg,
                     "  tau^2 = {tau2}   tau = {tau}   I^2 = {I2}%   H^2 = {H2}   R^2 = {R2|NA}%");
    if (perm) {
        if (c->ro->perm.exact)
            msc_rep_line(b, reg,
                         "Permutation test: exact, every one of the {permutation.iterations} "
                         "arrangements of the moderators");
        else
            msc_rep_line(b, reg,
                         "Permutation test: {permutation.iterations} permutations (seed "
                         "{permutation.seed})");
    }
    if (c->r->n_at) {
        int wp = LABEL_W;
        for (size_t i = 0; i < c->r->n_at; i++) {
            const char *n = c->r->at[i].label;
            int len = (int)msc_rep_width(n, strlen(n));
            if (len + 1 > wp)
                wp = len + 1 > 60 ? 60 : len + 1;
        }
        const msc_rep_col pc[] = {
            {"", "Prediction at", msc_rep_printf(b, "{name:.%d}", wp - 1), wp, 0},
            {"  ", "Prop.", "{estimate}", 8, 0},
            {" ", ci_head(b, s->level), INTERVAL("ci_lower", "ci_upper"), 18, 0},
            {" ", "Prediction interval", INTERVAL("pi_lower", "pi_upper"), 20, 0},
            {" ", msc_measure_name(s->method == MSC_METHOD_GLMM ? MSC_PLO : s->measure), "{yi}", 9,
             MSC_REP_RIGHT},
            {" ", "SE", "{se}", 8, MSC_REP_RIGHT},
        };
        msc_rep_line(b, reg, "");
        msc_rep_grid(b, reg, "predictions", pc, 6, 1);
    }
}

/* Outcome j's object; with `view`, its lines in the table too. */
static msc_rep_node *outcome_node(msc_rep *b, const doc_ctx *d, size_t j, int view)
{
    const msc_regression *r = d->r;
    out_ctx *c = msc_rep_alloc(b, sizeof *c);
    if (!c)
        return msc_rep_null(b, NULL, NULL);
    const msc_regress_outcome *ro = &r->outcome[j];
    const msc_outcome_result *o = ro->o;
    *c = (out_ctx){{r->a, d->opt, o, NULL}, r, ro, NAN};
    if (ro->fitted && r->a->settings.method != MSC_METHOD_GLMM) {
        c->sum_w = 0;
        for (size_t i = 0; i < o->k; i++)
            c->sum_w += 1.0 / (o->vi[i] + ro->fit.tau2);
    }
    msc_rep_node *out = msc_rep_object(b, NULL, NULL);
    msc_rep_flag(msc_rep_text(b, out, "outcome", o->data->name), MSC_REP_INHERIT);
    msc_rep_text(b, out, "denominator", o->data->denom);
    msc_rep_int(b, out, "k", (long long)o->k);
    msc_rep_bool(b, out, "skipped", o->skipped);
    msc_rep_bool(b, out, "fitted", ro->fitted);
    int studies = !d->opt->summary_only && !o->skipped;
    msc_rep_flag(msc_rep_generator(b, out, "studies", studies ? o->k : 0, study, c),
                 MSC_REP_NL_ITEMS);
    msc_rep_flag(msc_rep_generator(b, out, "excluded", o->n_excluded, excluded, &c->oc),
                 MSC_REP_NL_ITEMS);
    msc_rep_node *reg = NULL;
    if (ro->fitted)
        reg = regression(b, out, c);
    else
        msc_rep_null(b, out, "regression");
    msc_rep_data_warnings(b, out, &o->warnings);
    if (!view)
        return out;

    /* the table */
    msc_rep_only(msc_rep_text(b, out, "k_noun", o->k == 1 ? "study" : "studies"), MSC_REP_TABLE);
    msc_rep_only(msc_rep_int(b, out, "n_excluded", (long long)o->n_excluded), MSC_REP_TABLE);
    if (o->skipped)
        msc_rep_line(b, out, "\n== {outcome:.60} (no usable study) ==");
    else
        msc_rep_line(b, out,
                     "\n== {outcome:.60} (k = {k} {k_noun}; denominator \"{denominator:.60}\") ==");
    if (reg) {
        msc_rep_line(b, out, "");
        regression_view(b, out, reg, c);
    } else if (!o->skipped) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Not fitted (see warnings).");
    }
    if (o->n_excluded) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Excluded ({n_excluded}):");
        msc_rep_each(b, out, "excluded", "  {study:.40} (line {row}): {reason}");
    }
    if (o->warnings.n) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Warnings:");
        msc_rep_each(b, out, "warnings", "  ! {.}");
    }
    return out;
}

static msc_rep_node *outcome(msc_rep *b, const void *ctx, size_t j)
{
    return outcome_node(b, ctx, j, 1);
}

msc_rep_node *msc_rep_regress_outcome(msc_rep *b, const msc_regression *r,
                                      const msc_report_options *o, size_t j)
{
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return msc_rep_null(b, NULL, NULL);
    *d = (doc_ctx){r, o};
    return outcome_node(b, d, j, 0);
}

/* The settings and moderator lines under the title. */
static void settings_view(msc_rep *b, msc_rep_node *st, const msc_regression *r)
{
    const msc_settings *s = &r->a->settings;
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);
    msc_rep_only(msc_rep_text(b, st, "scale", msc_measure_scale_name(s->measure)), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "test_long",
                              s->test == MSC_TEST_KNHA ? "Knapp-Hartung t (k-p df)" : "z"),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "cc_where",
                              mode == MSC_CC_ONLY0 ? "of studies with 0 or n events"
                              : mode == MSC_CC_ALL ? "of every study"
                                                   : "of every study, as some have 0 or n events"),
                 MSC_REP_TABLE);
    if (s->method == MSC_METHOD_FE)
        msc_rep_line(b, st,
                     "Model:    common effect; {scale} scale ({measure}); {test_long} tests; "
                     "{level_pct}% level");
    else
        msc_rep_line(b, st,
                     "Model:    residual heterogeneity tau^2 by {method_long}; {scale} scale "
                     "({measure}); {test_long} tests; {level_pct}% level");
    msc_rep_line(b, st,
                 s->method == MSC_METHOD_GLMM ? "Correction: none (the GLMM fits the counts)"
                 : mode == MSC_CC_NONE
                     ? "Correction: none"
                     : "Correction: {cc} added to events and non-events {cc_where}");
}

/* A moderator's line in the table: "alloc: factor, alternate (reference),
 * random, systematic". */
static msc_rep_node *moderator_line(msc_rep *b, const void *ctx, size_t j)
{
    const msc_regression *r = ctx;
    const msc_moderator *md = &r->mod[j];
    msc_rep_node *mo = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, mo, "name", md->name);
    msc_rep_buf t = {0};
    msc_rep_buf_put(&t, md->factor ? "factor: " : "numeric", md->factor ? 8 : 7);
    for (size_t l = 0; md->factor && l < md->n_levels && l < 12; l++) {
        if (l)
            msc_rep_buf_put(&t, ", ", 2);
        msc_rep_buf_put(&t, md->level[l], strlen(md->level[l]));
        if (l == 0)
            msc_rep_buf_put(&t, " (reference)", 12);
    }
    if (md->factor && md->n_levels > 12)
        msc_rep_buf_put(&t, ", ...", 5);
    msc_rep_text(b, mo, "desc", t.nomem ? NULL : msc_rep_printf(b, "%s", t.s ? t.s : ""));
    msc_rep_buf_free(&t);
    return mo;
}

msc_status msc_rep_build_regress(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                 msc_rep_doc *doc)
{
    /* o is the pub of msc_report_regress_write's msc_rep_regress_options */
    const msc_regression *r =
        o ? ((const msc_rep_regress_options *)(const void *)o)->regression : NULL;
    if (!r || r->a != a)
        return MSC_ERR_USAGE;
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return b->err;
    *d = (doc_ctx){r, o};
    msc_rep_node *root = msc_rep_data_head(b, a, o, "regress");
    msc_rep_only(msc_rep_generator(b, root, "moderator_lines", r->n_mods, moderator_line, r),
                 MSC_REP_TABLE);
    msc_rep_data_outcomes(b, root, outcome, d, r->n_outcomes);
    msc_rep_line(b, root, "mscmeta {version}: meta-regression of proportions, {input:.80}");
    settings_view(b, msc_rep_get(root, "settings", MSC_REP_ALL), r);
    msc_rep_nested(b, root, "settings");
    msc_rep_each(b, root, "moderator_lines", "Moderator: {name:.40}, {desc:.200}");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, a->settings.method == MSC_METHOD_GLMM ? COLUMNS_GLMM : COLUMNS,
                         "%.4f", 1.0};
    return b->err;
}
