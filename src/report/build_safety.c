/*
 * The safety report: per outcome the verdict against the limit (pooled
 * rate, its interval, the one-sided upper bound), then each study's rate
 * with its exact interval, its exact one-sided upper bound and, for
 * studies with 0 events, the rule of three beside it; signals are studies
 * whose own exact lower bound is above the limit. The table shows rates
 * in percent; the CSV has one pooled row per outcome and one per study;
 * the JSON is the pool document with the safety results added.
 */
#include <math.h>

#include "msc_rep.h"
#include "msc_stats.h"

#define LABEL_W 28

/* The first 14 columns are those of mscmeta 0.1; the rest follow them. */
static const char *const COLUMNS = "outcome,type,study,row,events,n,rate,ci_lower,ci_upper,"
                                   "upper_bound,rule_of_three,signal,threshold,exceeded,"
                                   "k,exact,reason,message,setting,value";

typedef struct {
    const msc_analysis *a;
    const msc_report_options *opt;
} doc_ctx;

static msc_rep_node *study(msc_rep *b, const void *ctx, size_t i)
{
    const msc_rep_octx *c = ctx;
    const msc_safety *sf = c->sf;
    msc_rep_node *s = msc_rep_flag(msc_rep_data_study(b, c, i), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, s, "type", "study"), MSC_REP_CSV), MSC_REP_BARE);
    msc_rep_column(msc_rep_get(s, "proportion", MSC_REP_ALL), "rate");
    /* the interval shown here is the exact one, whatever the pool used */
    msc_rep_only(msc_rep_get(s, "ci_lower", MSC_REP_ALL), MSC_REP_JSON);
    msc_rep_only(msc_rep_get(s, "ci_upper", MSC_REP_ALL), MSC_REP_JSON);
    msc_rep_only(msc_rep_column(msc_rep_proportion(b, s, "ci_exact_lower", sf->study_lo_exact[i]),
                                "ci_lower"),
                 MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_only(msc_rep_column(msc_rep_proportion(b, s, "ci_exact_upper", sf->study_hi_exact[i]),
                                "ci_upper"),
                 MSC_REP_CSV | MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, s, "mark", sf->signal[i] ? "!" : NULL), MSC_REP_TABLE);
    return s;
}

/* Exclusions: in the JSON, and rows of the CSV (the table counts them);
 * subgroups are in the JSON alone. */
static msc_rep_node *excluded(msc_rep *b, const void *ctx, size_t i)
{
    msc_rep_node *e = msc_rep_flag(msc_rep_data_excluded(b, ctx, i), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, e, "type", "excluded"), MSC_REP_CSV), MSC_REP_BARE);
    return e;
}

static msc_rep_node *subgroup(msc_rep *b, const void *ctx, size_t g)
{
    return msc_rep_data_subgroup(b, ctx, g);
}

/* The pooled row of the CSV, before the studies. */
static void pooled_row(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c, const msc_estimate *e)
{
    const msc_outcome_result *o = c->o;
    const msc_safety *sf = c->sf;
    msc_rep_node *r =
        msc_rep_flag(msc_rep_only(msc_rep_object(b, NULL, "pooled"), MSC_REP_CSV), MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(b, r, "type", "pooled"), MSC_REP_BARE);
    msc_rep_count(b, r, "events", o->events_total);
    msc_rep_count(b, r, "n", o->n_total);
    msc_rep_proportion(b, r, "rate", e->est);
    msc_rep_proportion(b, r, "ci_lower", e->ci_lo);
    msc_rep_proportion(b, r, "ci_upper", e->ci_hi);
    msc_rep_proportion(b, r, "upper_bound", sf->upper_bound);
    if (isfinite(sf->threshold))
        msc_rep_bool(b, r, "exceeded", sf->exceeded);
    msc_rep_int(b, r, "k", (long long)o->k);
    msc_rep_bool(b, r, "exact", e->exact); /* the estimate is the exact proportion */
    msc_rep_insert(b, out, msc_rep_get(out, "studies", MSC_REP_ALL), r);
    /* the exact pooled proportion the table shows beside it */
    msc_rep_node *x = msc_rep_flag(msc_rep_only(msc_rep_object(b, NULL, "pooled_exact"), MSC_REP_CSV),
                                   MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(b, x, "type", "exact"), MSC_REP_BARE);
    msc_rep_count(b, x, "events", o->events_total);
    msc_rep_count(b, x, "n", o->n_total);
    msc_rep_proportion(b, x, "rate", o->exact_est);
    msc_rep_proportion(b, x, "ci_lower", o->exact_lo);
    msc_rep_proportion(b, x, "ci_upper", o->exact_hi);
    msc_rep_int(b, x, "k", (long long)o->k);
    msc_rep_bool(b, x, "exact", 1);
    msc_rep_insert(b, out, msc_rep_get(out, "studies", MSC_REP_ALL), x);
    /* every row of the outcome shows its limit */
    msc_rep_flag(msc_rep_only(msc_rep_proportion(b, out, "threshold", sf->threshold), MSC_REP_CSV),
                 MSC_REP_INHERIT);
}

static void verdict(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c, const msc_estimate *e)
{
    const msc_safety *sf = c->sf;
    if (!isfinite(sf->threshold))
        msc_rep_line(b, out,
                     "Verdict:  no limit given for this outcome; one-sided {safety.level_pct}% "
                     "upper bound {safety.upper_bound}");
    else if (sf->exceeded)
        msc_rep_line(b, out,
                     "Verdict:  EXCEEDED: the one-sided {safety.level_pct}% upper bound "
                     "{safety.upper_bound} is above the limit {safety.threshold}");
    else
        msc_rep_line(b, out,
                     "Verdict:  not exceeded: the one-sided {safety.level_pct}% upper bound "
                     "{safety.upper_bound} is not above the limit {safety.threshold}");
    if (e->exact)
        msc_rep_line(b, out,
                     "Pooled:   {main.estimate} [{safety.level_pct}% CI {main.ci_lower} to "
                     "{main.ci_upper}] by the exact proportion (Clopper-Pearson)");
    else if (c->o->fit.has_random)
        msc_rep_line(b, out,
                     "Pooled:   {main.estimate} [{safety.level_pct}% CI {main.ci_lower} to "
                     "{main.ci_upper}] by {settings.method_long}, random effects");
    else
        msc_rep_line(b, out,
                     "Pooled:   {main.estimate} [{safety.level_pct}% CI {main.ci_lower} to "
                     "{main.ci_upper}] by {settings.method_long}");
    msc_rep_line(b, out,
                 "Totals:   {events_total} events in {n_total} patients; exact pooled "
                 "{exact.estimate} [{exact.ci_lower} to {exact.ci_upper}]");
    if (sf->n_signals)
        msc_rep_line(b, out,
                     "Signals:  {safety.signals} {signals_noun} whose own exact lower bound is "
                     "above the limit (marked !)");
}

static void studies(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const char *lv = msc_rep_level(b, c->sf->level);
    const msc_rep_col cols[] = {
        {"", "Study", "{study:.28}", LABEL_W, 0},
        {" ", "Events", "{events}", 7, MSC_REP_RIGHT},
        {" ", "N", "{n}", 7, MSC_REP_RIGHT},
        {" ", "Rate", "{proportion}", 8, MSC_REP_RIGHT},
        {"  ", msc_rep_printf(b, "%s%% CI (exact)", lv), "[{ci_exact_lower}, {ci_exact_upper}]", 20,
         0},
        {" ", msc_rep_printf(b, "%s%% 1-sided", lv), "{upper_bound}", 10, MSC_REP_RIGHT},
        {" ", "Rule of 3", "{rule_of_three}", 9, MSC_REP_RIGHT},
        {" ", "Signal", "{mark}", 0, 0},
    };
    msc_rep_line(b, out, "");
    msc_rep_grid(b, out, "studies", cols, 8, 1);
}

static msc_rep_node *outcome(msc_rep *b, const void *ctx, size_t j)
{
    static const msc_rep_fills fills = {study, excluded, subgroup};
    const doc_ctx *d = ctx;
    msc_rep_octx *c = msc_rep_alloc(b, sizeof *c);
    if (!c)
        return msc_rep_null(b, NULL, NULL);
    *c = (msc_rep_octx){d->a, d->opt, &d->a->outcome[j], &d->opt->safety[j]};
    const msc_outcome_result *o = c->o;
    msc_rep_node *out = msc_rep_data_outcome(b, c, &fills);
    msc_rep_flag(msc_rep_get(out, "outcome", MSC_REP_ALL), MSC_REP_INHERIT);
    msc_rep_only(msc_rep_get(out, "excluded", MSC_REP_ALL), MSC_REP_JSON | MSC_REP_CSV);
    msc_rep_only(msc_rep_get(out, "subgroups", MSC_REP_ALL), MSC_REP_JSON);
    msc_rep_data_warning_rows(b, out, &o->warnings);
    if (o->skipped) {
        msc_rep_line(b, out, "\n== {outcome:.60}: no usable study ==");
        return out;
    }
    const msc_estimate *e = msc_fit_main_block(&o->fit);
    pooled_row(b, out, c, e);
    msc_rep_ref(b, out, "main",
                msc_rep_get(out, o->fit.has_random ? "random" : "common", MSC_REP_ALL));
    msc_rep_only(msc_rep_text(b, out, "k_noun", o->k == 1 ? "study" : "studies"), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, out, "signals_noun", c->sf->n_signals == 1 ? "study" : "studies"),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, out, "excluded_noun", o->n_excluded == 1 ? "study" : "studies"),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_int(b, out, "n_excluded", (long long)o->n_excluded), MSC_REP_TABLE);
    msc_rep_line(
        b, out, "\n== {outcome:.60}: {events_total} events in {n_total} patients, {k} {k_noun} ==");
    verdict(b, out, c, e);
    if (!c->opt->summary_only)
        studies(b, out, c);
    if (o->n_excluded)
        msc_rep_line(b, out,
                     "({n_excluded} {excluded_noun} without {outcome:.60} counts left out)");
    msc_rep_each(b, out, "warnings", "  ! {.}");
    return out;
}

msc_status msc_rep_build_safety(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                msc_rep_doc *doc)
{
    if (!o || !o->safety)
        return MSC_ERR_USAGE; /* a pool report has no verdicts to show */
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return b->err;
    *d = (doc_ctx){a, o};
    msc_rep_node *root = msc_rep_data_head(b, a, o, "safety");
    msc_rep_node *outs = msc_rep_data_outcomes(b, root, outcome, d, a->n_outcomes);
    msc_rep_data_setting_rows(b, root);
    msc_rep_insert(b, root, outs, msc_rep_data_warning_rows(b, NULL, &a->data->warnings));
    msc_rep_line(b, root, "mscmeta {version} safety check: {input:.80}");
    msc_rep_line(b, root,
                 "Pooled by {settings.method_long}; one-sided {settings.level_pct}% upper bounds "
                 "against the limit.");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, COLUMNS, "%.2f%%", 100.0};
    return b->err;
}
