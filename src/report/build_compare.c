/*
 * The comparison report (mscmeta compare): per outcome one row per model
 * (mscmeta/compare.h) with the pooled proportion, its interval, tau^2 and
 * I^2 where the model has them (rho for the beta-binomial) and the pool
 * options that give the row; then the exclusions, which every model
 * shares, and each model's warnings. CSV: one row per model, exclusion,
 * warning and setting (`type` column), with every value the table shows.
 */
#include <math.h>
#include <string.h>

#include "msc_rep.h"
#include "msc_stats.h"
#include "mscmeta/compare.h"

static const char *const COLUMNS =
    "outcome,type,model,label,same_as,measure,method,test,cc,k,estimate,ci_lower,ci_upper,"
    "yi,se,tau2,I2,rho,exact,study,row,reason,message,setting,value";

#define INTERVAL(lo, hi) "{?[{" lo "}, {" hi "}]|NA}"

typedef struct {
    const msc_compare *c;
    const msc_report_options *opt;
} doc_ctx;

/* The settings every row shares: the caller's, but the model. */
static void settings(msc_rep *b, msc_rep_node *root, const msc_settings *s)
{
    msc_rep_node *st = msc_rep_object(b, root, "settings");
    msc_rep_number(b, st, "level", s->level, NULL);
    msc_rep_text(b, st, "study_ci", msc_study_ci_name(s->study_ci));
    msc_rep_text(b, st, "pi", msc_pi_name(s->pi));
    msc_rep_text(b, st, "cc_mode", s->cc_mode < 0 ? "default" : msc_cc_mode_name(s->cc_mode));
    msc_rep_int(b, st, "nagq", s->nagq);
    if (!isnan(s->null_prop))
        msc_rep_proportion(b, st, "null", s->null_prop);
    msc_rep_only(msc_rep_text(b, st, "level_pct", msc_rep_level(b, s->level)), MSC_REP_TABLE);
}

/* A row's model: what pool's settings block says of it. */
static void model_members(msc_rep *b, msc_rep_node *r, const msc_settings *s)
{
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);
    int counts = msc_method_uses_counts(s->method);
    msc_rep_text(b, r, "measure", msc_measure_name(counts ? MSC_PLO : s->measure));
    msc_rep_text(b, r, "method", msc_method_name(s->method));
    msc_rep_text(b, r, "test", msc_test_name(s->test));
    /* no correction enters a model of the counts (GLMM, BB) */
    msc_rep_number(b, r, "cc", counts || mode == MSC_CC_NONE ? 0.0 : cc, "%g");
}

/* Row i of outcome j. */
static msc_rep_node *model_row(msc_rep *b, msc_rep_node *arr, const msc_compare_row *cr, size_t j)
{
    const msc_outcome_result *o = &cr->a->outcome[j];
    const msc_fit *f = &o->fit;
    msc_rep_node *r = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, r, "type", "model"), MSC_REP_CSV), MSC_REP_BARE);
    msc_rep_text(b, r, "model", cr->id);
    msc_rep_text(b, r, "label", cr->label);
    msc_rep_text(b, r, "same_as", cr->same_as);
    if (cr->block == MSC_COMPARE_EXACT) { /* no model: the counts summed */
        msc_rep_null(b, r, "measure");
        msc_rep_null(b, r, "method");
        msc_rep_null(b, r, "test");
        msc_rep_null(b, r, "cc");
    } else {
        model_members(b, r, &cr->a->settings);
    }
    msc_rep_int(b, r, "k", (long long)o->k);
    double est = NAN, lo = NAN, hi = NAN, yi = NAN, se = NAN;
    msc_heterogeneity h = {.tau2 = NAN, .I2 = NAN, .rho = NAN};
    int exact = 0;
    if (!o->skipped) {
        switch (cr->block) {
        case MSC_COMPARE_RANDOM:
            est = f->random.est, lo = f->random.ci_lo, hi = f->random.ci_hi;
            yi = f->random.yi, se = f->random.se;
            exact = f->random.exact;
            msc_fit_het_shown(f, &h); /* null where pool shows null */
            break;
        case MSC_COMPARE_MARGINAL:
            est = f->random.marg_est, lo = f->random.marg_lo, hi = f->random.marg_hi;
            msc_fit_het_shown(f, &h);
            break;
        case MSC_COMPARE_EXACT:
            est = o->exact_est, lo = o->exact_lo, hi = o->exact_hi;
            exact = 1;
            break;
        }
    }
    msc_rep_proportion(b, r, "estimate", est);
    msc_rep_proportion(b, r, "ci_lower", lo);
    msc_rep_proportion(b, r, "ci_upper", hi);
    msc_rep_number(b, r, "yi", yi, "%.4f");
    msc_rep_number(b, r, "se", se, "%.4f");
    msc_rep_number(b, r, "tau2", h.tau2, "%.4g");
    msc_rep_percent(b, r, "I2", h.I2, "%.1f");
    msc_rep_number(b, r, "rho", h.rho, "%.4g");
    msc_rep_bool(b, r, "exact", exact);
    /* the warnings of the row's analysis, on the first row that shows it */
    int first = cr->block == MSC_COMPARE_RANDOM;
    msc_rep_only(msc_rep_data_warnings(b, r, first ? &o->warnings : &(msc_warnings){0}),
                 MSC_REP_JSON);
    return r;
}

/* CSV and table: one row per warning of each model, named by the model. */
static void warning_rows(msc_rep *b, msc_rep_node *out, const msc_compare *c, size_t j)
{
    msc_rep_node *arr =
        msc_rep_only(msc_rep_array(b, out, "warning_rows"), MSC_REP_CSV | MSC_REP_TABLE);
    for (size_t i = 0; i < c->n_rows; i++) {
        const msc_compare_row *cr = &c->row[i];
        if (cr->block != MSC_COMPARE_RANDOM)
            continue; /* the same analysis as an earlier row */
        const msc_warnings *w = &cr->a->outcome[j].warnings;
        for (size_t m = 0; m < w->n; m++) {
            msc_rep_node *r = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
            msc_rep_flag(msc_rep_text(b, r, "type", "warning"), MSC_REP_BARE);
            msc_rep_text(b, r, "model", cr->id);
            msc_rep_only(msc_rep_text(b, r, "label", cr->label), MSC_REP_TABLE);
            msc_rep_text(b, r, "message", w->msg[m]);
        }
    }
}

static msc_rep_node *excluded(msc_rep *b, const void *ctx, size_t i)
{
    msc_rep_node *e = msc_rep_flag(msc_rep_data_excluded(b, ctx, i), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, e, "type", "excluded"), MSC_REP_CSV), MSC_REP_BARE);
    return e;
}

static void outcome_view(msc_rep *b, msc_rep_node *out, const msc_rep_octx *oc, size_t n_warn,
                         double level)
{
    const msc_outcome_result *o = oc->o;
    if (o->skipped) {
        msc_rep_line(b, out, "\n== {outcome:.60} (no usable study) ==");
    } else {
        msc_rep_line(b, out,
                     "\n== {outcome:.60} (k = {k} {k_noun}; {events_total} events / {n_total} "
                     "patients) ==");
        msc_rep_line(b, out, "");
        const msc_rep_col cols[] = {
            {"", "Model", "{label}", 26, 0},
            {"  ", "Prop.", "{estimate|NA}", 6, MSC_REP_RIGHT},
            {"   ", msc_rep_printf(b, "%s%% CI", msc_rep_level(b, level)),
             INTERVAL("ci_lower", "ci_upper"), 18, 0},
            {" ", "tau^2", "{tau2|-}", 8, MSC_REP_RIGHT},
            {" ", "I^2", "{?{I2}%|-}", 6, MSC_REP_RIGHT},
            {" ", "rho", "{rho|-}", 7, MSC_REP_RIGHT},
            {"   ", "Same as mscmeta", "{same_as}", 0, 0},
        };
        msc_rep_grid(b, out, "models", cols, sizeof cols / sizeof *cols, 1);
    }
    if (o->n_excluded) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Excluded ({n_excluded}):");
        msc_rep_data_excluded_groups(b, out, oc); /* as pool: by reason */
        msc_rep_each(b, out, "excluded_groups", "  {studies}: {reason}");
    }
    if (n_warn) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Warnings:");
        msc_rep_each(b, out, "warning_rows", "  ! {label}: {message}");
    }
}

static msc_rep_node *outcome(msc_rep *b, const void *ctx, size_t j)
{
    const doc_ctx *d = ctx;
    const msc_compare *c = d->c;
    /* the exclusions and totals are the data's: the same in every model */
    const msc_analysis *a0 = c->row[0].a;
    const msc_outcome_result *o = &a0->outcome[j];
    msc_rep_octx *oc = msc_rep_alloc(b, sizeof *oc);
    if (!oc)
        return msc_rep_null(b, NULL, NULL);
    *oc = (msc_rep_octx){a0, d->opt, o, NULL};
    msc_rep_node *out = msc_rep_object(b, NULL, NULL);
    msc_rep_flag(msc_rep_text(b, out, "outcome", o->data->name), MSC_REP_INHERIT);
    msc_rep_text(b, out, "denominator", o->data->denom);
    msc_rep_int(b, out, "k", (long long)o->k);
    msc_rep_bool(b, out, "skipped", o->skipped);
    msc_rep_count(b, out, "events_total", o->events_total);
    msc_rep_count(b, out, "n_total", o->n_total);
    msc_rep_node *models = msc_rep_flag(msc_rep_array(b, out, "models"), MSC_REP_NL_ITEMS);
    for (size_t i = 0; i < c->n_rows; i++)
        model_row(b, models, &c->row[i], j);
    msc_rep_flag(msc_rep_generator(b, out, "excluded", o->n_excluded, excluded, oc),
                 MSC_REP_NL_ITEMS);
    warning_rows(b, out, c, j);
    size_t n_warn = 0;
    for (size_t i = 0; i < c->n_rows; i++)
        if (c->row[i].block == MSC_COMPARE_RANDOM)
            n_warn += c->row[i].a->outcome[j].warnings.n;
    msc_rep_only(msc_rep_text(b, out, "k_noun", o->k == 1 ? "study" : "studies"), MSC_REP_TABLE);
    msc_rep_only(msc_rep_int(b, out, "n_excluded", (long long)o->n_excluded), MSC_REP_TABLE);
    outcome_view(b, out, oc, n_warn, c->base.level);
    return out;
}

static msc_status build(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                        msc_rep_doc *doc)
{
    const msc_compare *c = ((const msc_rep_compare_options *)(const void *)o)->compare;
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return b->err;
    *d = (doc_ctx){c, o};
    msc_rep_node *root = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, root, "tool", "mscmeta");
    msc_rep_text(b, root, "command", "compare");
    msc_rep_text(b, root, "version", MSC_VERSION);
    msc_rep_text(b, root, "input", o->input_name ? o->input_name : a->data->source);
    settings(b, root, &c->base);
    msc_rep_data_warnings(b, root, &a->data->warnings);
    msc_rep_node *outs = msc_rep_data_outcomes(b, root, outcome, d, a->n_outcomes);
    msc_rep_data_setting_rows(b, root);
    msc_rep_insert(b, root, outs, msc_rep_data_warning_rows(b, NULL, &a->data->warnings));
    msc_rep_line(b, root, "mscmeta {version}: how much does the method matter? {input:.80}");
    msc_rep_line(b, root,
                 "Each row is what `mscmeta pool` gives with the options in its last column; "
                 "{settings.level_pct}% level.");
    msc_rep_line(b, root,
                 "GLMM marginal: the mean rate across studies (population-averaged); exact: "
                 "Clopper-Pearson, as if homogeneous.");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, COLUMNS, "%.4f", 1.0};
    return b->err;
}

msc_status msc_rep_build_compare(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                 msc_rep_doc *doc)
{
    /* o is the pub of msc_report_compare_write's msc_rep_compare_options */
    const msc_compare *c = o ? ((const msc_rep_compare_options *)(const void *)o)->compare : NULL;
    if (!c || c->row[0].a != a)
        return MSC_ERR_USAGE;
    return build(b, a, o, doc);
}
