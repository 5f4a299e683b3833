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
#include <stdio.h>
#include <string.h>

#include "msc_rep.h"
#include "msc_stats.h"

#define LABEL_W 28

static const char *const COLUMNS = "outcome,type,group,study,row,events,n,rate,ci_lower,ci_upper,"
                                   "upper_bound,rule_of_three,signal,threshold,exceeded,"
                                   "lower_bound,verdict,prob_new_above,"
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

/* A rate as the verdicts print it, in percent: two decimals, or two
 * significant digits below 0.01%. */
static void rate_fmt(char *buf, size_t len, double v, int sig)
{
    double x = 100.0 * v;
    if (!isfinite(x))
        snprintf(buf, len, "NA");
    else if (sig)
        snprintf(buf, len, "%.*g%%", sig, x);
    else if (x == 0.0 || fabs(x) >= 0.01)
        snprintf(buf, len, "%.2f%%", x);
    else
        snprintf(buf, len, "%.2g%%", x);
}

/* v and the limit as table-only texts `key` and `key_limit`, with as many
 * digits as it takes to tell them apart (a bound of 1.2e-15 against a
 * limit of 1e-15 must not read "0.00% is above 0.00%"). */
static void rate_vs_limit(msc_rep *b, msc_rep_node *o, const char *key, double v, double limit)
{
    char a[48], l[48];
    rate_fmt(a, sizeof a, v, 0);
    rate_fmt(l, sizeof l, limit, 0);
    for (int sig = 3; sig <= 17 && strcmp(a, l) == 0 && v != limit; sig++) {
        rate_fmt(a, sizeof a, v, sig);
        rate_fmt(l, sizeof l, limit, sig);
    }
    msc_rep_only(msc_rep_text(b, o, key, msc_rep_printf(b, "%s", a)), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, o, msc_rep_printf(b, "%s_limit", key), msc_rep_printf(b, "%s", l)),
                 MSC_REP_TABLE);
}

/* A CSV-only row of type `type`, member `key` of parent (NULL: detached):
 * events and n, a pooled rate and its interval. */
static msc_rep_node *rate_row(msc_rep *b, msc_rep_node *parent, const char *key, const char *type,
                              double events, double n, double rate, double lo, double hi)
{
    msc_rep_node *r =
        msc_rep_flag(msc_rep_only(msc_rep_object(b, parent, key), MSC_REP_CSV), MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(b, r, "type", type), MSC_REP_BARE);
    msc_rep_count(b, r, "events", events);
    msc_rep_count(b, r, "n", n);
    msc_rep_proportion(b, r, "rate", rate);
    msc_rep_proportion(b, r, "ci_lower", lo);
    msc_rep_proportion(b, r, "ci_upper", hi);
    return r;
}

/* The one-sided bounds, the verdict and the predicted exceedance of row r
 * (the CSV places cells by column: their order here is free). */
static void verdict_cells(msc_rep *b, msc_rep_node *r, double upper, double lower, msc_verdict v,
                          double prob_new_above)
{
    msc_rep_proportion(b, r, "upper_bound", upper);
    msc_rep_proportion(b, r, "lower_bound", lower);
    msc_rep_flag(msc_rep_text(b, r, "verdict", msc_verdict_name(v)), MSC_REP_BARE);
    msc_rep_proportion(b, r, "prob_new_above", prob_new_above);
}

/* A subgroup's pooled rate against the outcome's limit: in the JSON its
 * "safety", in the CSV a row of type "subgroup", in the table a line. */
static msc_rep_node *subgroup(msc_rep *b, const void *ctx, size_t g)
{
    const msc_rep_octx *c = ctx;
    const msc_group_result *gr = &c->o->group[g];
    const msc_safety_group *sg = &c->sf->group[g];
    msc_rep_group gf;
    msc_rep_group_fit(b, c, g, &gf);
    msc_rep_node *s = msc_rep_data_subgroup(b, c, g, &gf);
    msc_rep_flag(msc_rep_get(s, "group", MSC_REP_ALL), MSC_REP_INHERIT);
    const msc_estimate *e = msc_fit_main_block(&gf.fit);
    msc_rep_node *o = msc_rep_object(b, s, "safety");
    msc_rep_proportion(b, o, "upper_bound", sg->upper_bound);
    msc_rep_proportion(b, o, "lower_bound", sg->lower_bound);
    msc_rep_text(b, o, "verdict", msc_verdict_name(sg->verdict));
    msc_rep_proportion(b, o, "prob_new_above", sg->prob_new_above);
    msc_rep_text(b, o, "bound",
                 sg->exact ? "exact (Clopper-Pearson, one-sided)"
                           : "one-sided Wald on the model scale");
    msc_rep_node *r = rate_row(b, s, "row", "subgroup", gr->events_total, gr->n_total, e->est,
                               e->ci_lo, e->ci_hi);
    verdict_cells(b, r, sg->upper_bound, sg->lower_bound, sg->verdict, sg->prob_new_above);
    /* the table's line */
    msc_rep_only(msc_rep_text(b, s, "estimate_t", ""), MSC_REP_TABLE);
    msc_rep_ref(b, s, "main",
                msc_rep_get(s, gf.fit.has_random ? "random" : "common", MSC_REP_ALL));
    rate_vs_limit(b, s, "upper", sg->upper_bound, c->sf->threshold);
    msc_rep_only(msc_rep_text(b, s, "verdict_t",
                              sg->verdict == MSC_VERDICT_BELOW          ? "below"
                              : sg->verdict == MSC_VERDICT_ABOVE        ? "ABOVE"
                              : sg->verdict == MSC_VERDICT_INCONCLUSIVE ? "inconclusive"
                                                                        : "--"),
                 MSC_REP_TABLE);
    return s;
}

/* The pooled row of the CSV, before the studies. */
static void pooled_row(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c, const msc_estimate *e)
{
    const msc_outcome_result *o = c->o;
    const msc_safety *sf = c->sf;
    msc_rep_node *r = rate_row(b, NULL, "pooled", "pooled", o->events_total, o->n_total, e->est,
                               e->ci_lo, e->ci_hi);
    verdict_cells(b, r, sf->upper_bound, sf->lower_bound, sf->verdict, sf->prob_new_above);
    if (isfinite(sf->threshold))
        msc_rep_bool(b, r, "exceeded", sf->exceeded);
    msc_rep_int(b, r, "k", (long long)o->k);
    msc_rep_bool(b, r, "exact", e->exact); /* the estimate is the exact proportion */
    msc_rep_insert(b, out, msc_rep_get(out, "studies", MSC_REP_ALL), r);
    /* the exact pooled proportion the table shows beside it */
    msc_rep_node *x = rate_row(b, NULL, "pooled_exact", "exact", o->events_total, o->n_total,
                               o->exact_est, o->exact_lo, o->exact_hi);
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
    rate_vs_limit(b, out, "upper_t", sf->upper_bound, sf->threshold);
    rate_vs_limit(b, out, "lower_t", sf->lower_bound, sf->threshold);
    switch (sf->verdict) {
    case MSC_VERDICT_BELOW:
        msc_rep_line(b, out,
                     "Verdict:  BELOW the limit: the one-sided {safety.level_pct}% upper bound "
                     "{upper_t} is at or under the limit {upper_t_limit}");
        break;
    case MSC_VERDICT_INCONCLUSIVE:
        msc_rep_line(b, out,
                     "Verdict:  INCONCLUSIVE: not shown to be below {upper_t_limit}: the "
                     "one-sided {safety.level_pct}% upper bound is {upper_t} (lower bound "
                     "{lower_t})");
        break;
    case MSC_VERDICT_ABOVE:
        msc_rep_line(b, out,
                     "Verdict:  ABOVE the limit: the one-sided {safety.level_pct}% lower bound "
                     "{lower_t} is over the limit {lower_t_limit}");
        break;
    default:
        msc_rep_line(b, out,
                     "Verdict:  no limit given for this outcome; one-sided {safety.level_pct}% "
                     "bounds {lower_t} to {upper_t}");
    }
    if (isfinite(sf->prob_new_above))
        msc_rep_line(b, out,
                     "Predicted: a new study's true rate exceeds the limit with probability "
                     "{safety.prob_new_above}");
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

/* Each subgroup's rate against the limit, one line each. */
static void subgroups(msc_rep *b, msc_rep_node *out)
{
    static const msc_rep_col cols[] = {
        {"  ", "Group", "{group:.26}", LABEL_W - 2, 0},
        {" ", "k", "{k}", 4, MSC_REP_RIGHT},
        {" ", "Events", "{events_total}", 7, MSC_REP_RIGHT},
        {" ", "N", "{n_total}", 7, MSC_REP_RIGHT},
        {" ", "Rate", "{main.estimate}", 8, MSC_REP_RIGHT},
        {" ", "1-sided upper", "{upper}", 13, MSC_REP_RIGHT},
        {"  ", "Verdict", "{verdict_t}", 0, 0},
    };
    msc_rep_line(b, out, "");
    msc_rep_line(b, out,
                 "Subgroups by \"{subgroup:.40}\" against the same limit (reported; the exit "
                 "status follows the overall verdict):");
    msc_rep_grid(b, out, "subgroups", cols, 7, 1);
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
    msc_rep_node *sgs = msc_rep_get(out, "subgroups", MSC_REP_ALL);
    if (sgs)
        msc_rep_only(sgs, MSC_REP_ALL); /* each one's verdict in every format */
    msc_rep_data_warning_rows(b, out, &o->warnings);
    if (o->skipped) {
        msc_rep_line(b, out, "\n== {outcome:.60}: no usable study ==");
        if (c->sf->no_data) {
            rate_vs_limit(b, out, "limit_t", c->sf->threshold, NAN);
            msc_rep_line(b, out,
                         "Verdict:  NO DATA: the limit {limit_t} applies, but no study has usable "
                         "counts: nothing is shown to be below it");
        }
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
    if (o->n_groups)
        subgroups(b, out);
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
    msc_rep_node *root = msc_rep_data_document(b, a, o, "safety", outcome, d);
    msc_rep_line(b, root, "mscmeta {version} safety check: {input:.80}");
    msc_rep_line(b, root,
                 "Pooled by {settings.method_long}; one-sided {settings.level_pct}% upper bounds "
                 "against the limit.");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, COLUMNS, "%.2f%%", 100.0};
    return b->err;
}
