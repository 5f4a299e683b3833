/*
 * The simulation report (mscmeta simulate): per outcome the design, the
 * truth the data sets were drawn from, and one row per model of `compare`
 * with its coverage (and Monte Carlo SE), bias, RMSE, median CI width,
 * prediction-interval coverage, fallbacks and failures; then the
 * outcome's warnings. CSV: one row per model, warning and setting (`type`
 * column), each model row carrying its outcome's design and truth.
 */
#include <math.h>
#include <string.h>

#include "msc_rep.h"
#include "mscmeta/simulate.h"

static const char *const COLUMNS =
    "outcome,type,model,label,same_as,k,n_min,n_max,mu,mu_logit,tau2,mu_from,tau2_from,used,"
    "fallback,failed,coverage,coverage_se,bias,rmse,ci_width_median,pi_used,pi_coverage,"
    "pi_coverage_se,message,setting,value";

static void settings(msc_rep *b, msc_rep_node *root, const msc_simulation *s)
{
    msc_rep_node *st = msc_rep_object(b, root, "settings");
    msc_rep_int(b, st, "reps", (long long)s->opt.reps);
    msc_rep_int(b, st, "seed", (long long)s->opt.seed);
    msc_rep_number(b, st, "level", s->base.level, NULL);
    msc_rep_text(b, st, "pi", msc_pi_name(s->base.pi));
    msc_rep_text(b, st, "cc_mode",
                 s->base.cc_mode < 0 ? "default" : msc_cc_mode_name(s->base.cc_mode));
    msc_rep_int(b, st, "nagq", s->base.nagq);
    if (isnan(s->opt.mu))
        msc_rep_null(b, st, "mu");
    else
        msc_rep_proportion(b, st, "mu", s->opt.mu);
    if (isnan(s->opt.tau2))
        msc_rep_null(b, st, "tau2");
    else
        msc_rep_number(b, st, "tau2", s->opt.tau2, "%.4g");
    msc_rep_only(msc_rep_text(b, st, "level_pct", msc_rep_level(b, s->base.level)), MSC_REP_TABLE);
}

static msc_rep_node *method_row(msc_rep *b, msc_rep_node *arr, const msc_simulate_method *m)
{
    msc_rep_node *r = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, r, "type", "model"), MSC_REP_CSV), MSC_REP_BARE);
    msc_rep_text(b, r, "model", m->row.id);
    msc_rep_text(b, r, "label", m->row.label);
    msc_rep_text(b, r, "same_as", m->row.same_as);
    msc_rep_int(b, r, "used", (long long)m->n_used);
    msc_rep_int(b, r, "fallback", (long long)m->n_fallback);
    msc_rep_int(b, r, "failed", (long long)m->n_failed);
    msc_rep_proportion(b, r, "coverage", m->coverage);
    msc_rep_proportion(b, r, "coverage_se", m->coverage_se);
    msc_rep_number(b, r, "bias", m->bias, "%.4f");
    msc_rep_number(b, r, "rmse", m->rmse, "%.4f");
    msc_rep_proportion(b, r, "ci_width_median", m->width_median);
    msc_rep_int(b, r, "pi_used", (long long)m->n_pi);
    msc_rep_proportion(b, r, "pi_coverage", m->pi_coverage);
    msc_rep_proportion(b, r, "pi_coverage_se", m->pi_coverage_se);
    return r;
}

static void outcome_view(msc_rep *b, msc_rep_node *out, const msc_simulate_outcome *so,
                         double level)
{
    if (so->skipped) {
        msc_rep_line(b, out, "\n== {outcome:.60} (not simulated) ==");
    } else {
        msc_rep_line(b, out, "\n== {outcome:.60} (k = {k} {k_noun}, n {n_min} to {n_max}) ==");
        msc_rep_line(b, out,
                     "Truth: mu = {truth.mu} (logit {truth.mu_logit}, {truth.mu_from_text}), "
                     "tau^2 = {truth.tau2} on the logit scale ({truth.tau2_from_text})");
        msc_rep_line(b, out, "");
        const msc_rep_col cols[] = {
            {"", "Model", "{label}", 26, 0},
            {"  ", msc_rep_printf(b, "%s%% CI covers", msc_rep_level(b, level)),
             "{coverage|NA} ({coverage_se|NA})", 17, 0},
            {" ", "Bias", "{bias|NA}", 7, MSC_REP_RIGHT},
            {" ", "RMSE", "{rmse|NA}", 6, MSC_REP_RIGHT},
            {"  ", "Width", "{ci_width_median|NA}", 6, MSC_REP_RIGHT},
            {"  ", "PI covers", "{?{pi_coverage} ({pi_coverage_se})|-}", 17, 0},
            {" ", "Fallback", "{fallback}", 8, MSC_REP_RIGHT},
            {" ", "Failed", "{failed}", 6, MSC_REP_RIGHT},
        };
        msc_rep_grid(b, out, "models", cols, sizeof cols / sizeof *cols, 1);
    }
    if (so->warnings.n) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Warnings:");
        msc_rep_each(b, out, "warning_rows", "  ! {message}");
    }
}

/* The truth's members into o: in the JSON and table (csv 0), or as the
 * CSV's inherited cells (csv 1). */
static void truth(msc_rep *b, msc_rep_node *o, const msc_simulate_outcome *so, int csv)
{
    unsigned show = csv ? MSC_REP_CSV : MSC_REP_JSON | MSC_REP_TABLE;
    unsigned fl = csv ? MSC_REP_INHERIT : 0;
    msc_rep_flag(msc_rep_only(msc_rep_proportion(b, o, "mu", so->target), show), fl);
    msc_rep_flag(msc_rep_only(msc_rep_number(b, o, "mu_logit", so->mu, "%.4f"), show), fl);
    msc_rep_flag(msc_rep_only(msc_rep_number(b, o, "tau2", so->tau2, "%.4f"), show), fl);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, o, "mu_from", so->mu_given ? "given" : "glmm"), show),
                 fl | MSC_REP_BARE);
    msc_rep_flag(
        msc_rep_only(msc_rep_text(b, o, "tau2_from", so->tau2_given ? "given" : "glmm"), show),
        fl | MSC_REP_BARE);
    if (csv)
        return;
    msc_rep_only(
        msc_rep_text(b, o, "mu_from_text", so->mu_given ? "given" : "the GLMM's fit of the data"),
        MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, o, "tau2_from_text",
                              so->tau2_given ? "given" : "the GLMM's fit of the data"),
                 MSC_REP_TABLE);
}

typedef struct {
    const msc_simulation *s;
} doc_ctx;

static msc_rep_node *outcome(msc_rep *b, const void *ctx, size_t j)
{
    const msc_simulation *s = ((const doc_ctx *)ctx)->s;
    const msc_simulate_outcome *so = &s->outcome[j];
    msc_rep_node *out = msc_rep_object(b, NULL, NULL);
    msc_rep_flag(msc_rep_text(b, out, "outcome", so->data->name), MSC_REP_INHERIT);
    msc_rep_text(b, out, "denominator", so->data->denom);
    msc_rep_flag(msc_rep_int(b, out, "k", (long long)so->k), MSC_REP_INHERIT);
    msc_rep_bool(b, out, "skipped", so->skipped);
    if (so->skipped) {
        msc_rep_null(b, out, "n_min");
        msc_rep_null(b, out, "n_max");
        msc_rep_null(b, out, "n_total");
        msc_rep_null(b, out, "truth");
    } else {
        msc_rep_flag(msc_rep_count(b, out, "n_min", so->n_min), MSC_REP_INHERIT);
        msc_rep_flag(msc_rep_count(b, out, "n_max", so->n_max), MSC_REP_INHERIT);
        msc_rep_count(b, out, "n_total", so->n_total);
        msc_rep_node *t = msc_rep_object(b, out, "truth");
        truth(b, t, so, 0);
        /* the CSV's model rows carry the truth: the same cells at the
         * outcome's level, which its rows inherit */
        truth(b, out, so, 1);
    }
    msc_rep_node *models = msc_rep_flag(msc_rep_array(b, out, "models"), MSC_REP_NL_ITEMS);
    for (size_t i = 0; !so->skipped && i < so->n_methods; i++)
        method_row(b, models, &so->method[i]);
    msc_rep_only(msc_rep_data_warnings(b, out, &so->warnings), MSC_REP_JSON);
    msc_rep_only(msc_rep_data_warning_rows(b, out, &so->warnings), MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, out, "k_noun", so->k == 1 ? "study" : "studies"), MSC_REP_TABLE);
    outcome_view(b, out, so, s->base.level);
    return out;
}

static msc_status build(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                        msc_rep_doc *doc)
{
    const msc_simulation *s = ((const msc_rep_simulate_options *)(const void *)o)->simulation;
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return b->err;
    d->s = s;
    msc_rep_node *root = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, root, "tool", "mscmeta");
    msc_rep_text(b, root, "command", "simulate");
    msc_rep_text(b, root, "version", MSC_VERSION);
    msc_rep_text(b, root, "input", o->input_name ? o->input_name : a->data->source);
    settings(b, root, s);
    msc_rep_data_warnings(b, root, &a->data->warnings);
    msc_rep_node *outs = msc_rep_data_outcomes(b, root, outcome, d, s->n_outcomes);
    msc_rep_data_setting_rows(b, root);
    msc_rep_insert(b, root, outs, msc_rep_data_warning_rows(b, NULL, &a->data->warnings));
    msc_rep_line(b, root,
                 "mscmeta {version}: which interval keeps its promise for these studies? "
                 "{input:.80}");
    msc_rep_line(b, root,
                 "{settings.reps} data sets per outcome from the binomial-normal model with its "
                 "design (k, n), seed {settings.seed}; each analysed as `mscmeta compare`.");
    msc_rep_line(b, root,
                 "Coverage of the true median rate expit(mu) by the {settings.level_pct}% CI "
                 "(Monte Carlo SE); bias, RMSE and median width of the pooled proportion;");
    msc_rep_line(b, root,
                 "PI: coverage of a new study's true rate by the prediction interval. Failures "
                 "are left out of every figure; fallbacks are counted in.");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, COLUMNS, "%.4f", 1.0};
    return b->err;
}

msc_status msc_rep_build_simulate(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                  msc_rep_doc *doc)
{
    /* o is the pub of msc_report_simulate_write's msc_rep_simulate_options */
    const msc_simulation *s =
        o ? ((const msc_rep_simulate_options *)(const void *)o)->simulation : NULL;
    if (!s || !a || a->data != s->data)
        return MSC_ERR_USAGE;
    return build(b, a, o, doc);
}
