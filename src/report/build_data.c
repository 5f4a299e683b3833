/*
 * The analysis as data: the members every report of it carries, in the
 * order and with the names of mscmeta's JSON contract (README, issue 2).
 * `estimate`, `ci_*` and `pi_*` are proportions; `yi`, `se`, `statistic`,
 * `p` are on the model scale; weights and I^2 are percentages; what does
 * not apply is null. The reports (build_pool.c, build_safety.c) add to
 * these nodes what their table and CSV show; the table formats of the
 * numbers are set here, once.
 */
#include <math.h>
#include <string.h>

#include "msc_rep.h"
#include "msc_stats.h"

const char *msc_rep_level(msc_rep *b, double level)
{
    char buf[32];
    return msc_rep_printf(b, "%s", msc_level_text(buf, sizeof buf, level));
}

/* Ends every warning list: a generator, so that a data set with a warning
 * per line streams. */
static msc_rep_node *warning(msc_rep *b, const void *ctx, size_t i)
{
    const msc_warnings *w = ctx;
    return msc_rep_text(b, NULL, NULL, w->msg[i]);
}

msc_rep_node *msc_rep_data_warnings(msc_rep *b, msc_rep_node *parent, const msc_warnings *w)
{
    return msc_rep_generator(b, parent, "warnings", w->n, warning, w);
}

static msc_rep_node *settings(msc_rep *b, msc_rep_node *root, const msc_settings *s)
{
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);
    msc_rep_node *st = msc_rep_object(b, root, "settings");
    /* the GLMM fits logits whatever the measure says */
    msc_rep_text(b, st, "measure",
                 msc_measure_name(msc_method_uses_counts(s->method) ? MSC_PLO : s->measure));
    msc_rep_text(b, st, "method", msc_method_name(s->method));
    msc_rep_bool(b, st, "method_default", s->method_default);
    msc_rep_text(b, st, "test", msc_test_name(s->test));
    msc_rep_number(b, st, "level", s->level, NULL);
    msc_rep_text(b, st, "study_ci", msc_study_ci_name(s->study_ci));
    msc_rep_text(b, st, "pi", msc_pi_name(s->pi));
    if (msc_method_uses_counts(s->method)) {
        /* no correction enters a model of the counts: it serves only the
         * per-study logits shown (yi, vi) and I^2 */
        msc_rep_number(b, st, "cc", 0.0, "%g");
        msc_rep_text(b, st, "cc_mode", "none");
        msc_rep_number(b, st, "cc_display", mode == MSC_CC_NONE ? 0.0 : cc, "%g");
    } else {
        msc_rep_number(b, st, "cc", cc, "%g");
        msc_rep_text(b, st, "cc_mode", msc_cc_mode_name(mode));
    }
    if (!isnan(s->null_prop))
        msc_rep_proportion(b, st, "null", s->null_prop);
    if (s->method == MSC_METHOD_GLMM)
        msc_rep_int(b, st, "nagq", s->nagq);
    /* for lines such as "95% level" */
    msc_rep_only(msc_rep_text(b, st, "level_pct", msc_rep_level(b, s->level)), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "method_long", msc_method_long_name(s->method)),
                 MSC_REP_TABLE);
    return st;
}

msc_rep_node *msc_rep_data_head(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                const char *command)
{
    msc_rep_node *root = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, root, "tool", "mscmeta");
    msc_rep_text(b, root, "command", command);
    msc_rep_text(b, root, "version", MSC_VERSION);
    msc_rep_text(b, root, "input", o->input_name ? o->input_name : a->data->source);
    settings(b, root, &a->settings);
    msc_rep_text(b, root, "subgroup", a->data->group_col);
    msc_rep_data_warnings(b, root, &a->data->warnings);
    return root;
}

msc_rep_node *msc_rep_data_outcomes(msc_rep *b, msc_rep_node *root, msc_rep_fill_fn fill,
                                    const void *ctx, size_t n)
{
    /* one outcome per line, and the closing bracket on its own */
    return msc_rep_flag(msc_rep_generator(b, root, "outcomes", n, fill, ctx),
                        MSC_REP_NL_ITEMS | MSC_REP_NL_CLOSE);
}

msc_rep_node *msc_rep_data_document(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                    const char *command, msc_rep_fill_fn fill, const void *ctx)
{
    msc_rep_node *root = msc_rep_data_head(b, a, o, command);
    msc_rep_node *outs = msc_rep_data_outcomes(b, root, fill, ctx, a->n_outcomes);
    msc_rep_data_setting_rows(b, root);
    msc_rep_insert(b, root, outs, msc_rep_data_warning_rows(b, NULL, &a->data->warnings));
    return root;
}

/* ----------------------------------------------------------- results */

void msc_rep_data_estimate_values(msc_rep *b, msc_rep_node *o, const msc_estimate *e, int with_df)
{
    msc_rep_proportion(b, o, "estimate", e->est);
    msc_rep_proportion(b, o, "ci_lower", e->ci_lo);
    msc_rep_proportion(b, o, "ci_upper", e->ci_hi);
    msc_rep_number(b, o, "yi", e->yi, "%.4f");
    msc_rep_number(b, o, "se", e->se, "%.4f");
    msc_rep_number(b, o, "statistic", e->stat, "%.3f");
    msc_rep_pvalue(b, o, "p", e->p);
    if (with_df)
        msc_rep_number(b, o, "df", e->df, "%g");
    msc_rep_number(b, o, "ci_yi_lower", e->ci_lo_yi, "%.4f");
    msc_rep_number(b, o, "ci_yi_upper", e->ci_hi_yi, "%.4f");
}

/* A block of estimates. A block marked "exact" holds the exact pooled
 * proportion (a GLMM's fallback). */
msc_rep_node *msc_rep_data_estimate(msc_rep *b, msc_rep_node *parent, const char *key,
                                    const msc_estimate *e, int with_pi)
{
    msc_rep_node *o = msc_rep_object(b, parent, key);
    msc_rep_data_estimate_values(b, o, e, 1);
    if (with_pi) {
        msc_rep_proportion(b, o, "pi_lower", e->pi_lo);
        msc_rep_proportion(b, o, "pi_upper", e->pi_hi);
        msc_rep_number(b, o, "pi_yi_lower", e->pi_lo_yi, "%.4f");
        msc_rep_number(b, o, "pi_yi_upper", e->pi_hi_yi, "%.4f");
        msc_rep_number(b, o, "pi_df", e->pi_df, "%g");
    }
    msc_rep_bool(b, o, "exact", e->exact);
    if (!isnan(e->null_prop)) { /* --null: H0 proportion = P on the model scale */
        msc_rep_node *t = msc_rep_object(b, o, "null_test");
        msc_rep_proportion(b, t, "proportion", e->null_prop);
        msc_rep_number(b, t, "statistic", e->null_stat, "%.3f");
        msc_rep_pvalue(b, t, "p", e->null_p);
    }
    return o;
}

msc_rep_node *msc_rep_data_marginal(msc_rep *b, msc_rep_node *parent, const msc_estimate *e)
{
    if (!isfinite(e->marg_est))
        return msc_rep_null(b, parent, "marginal");
    msc_rep_node *m = msc_rep_object(b, parent, "marginal");
    msc_rep_proportion(b, m, "estimate", e->marg_est);
    msc_rep_proportion(b, m, "ci_lower", e->marg_lo);
    msc_rep_proportion(b, m, "ci_upper", e->marg_hi);
    return m;
}

static msc_rep_node *heterogeneity(msc_rep *b, msc_rep_node *parent, const msc_fit *f)
{
    msc_heterogeneity shown; /* null where it could not be estimated */
    msc_fit_het_shown(f, &shown);
    const msc_heterogeneity *h = &shown;
    msc_rep_node *o = msc_rep_object(b, parent, "heterogeneity");
    msc_rep_number(b, o, "tau2", h->tau2, "%.4g");
    msc_rep_number(b, o, "tau2_ci_lower", h->tau2_lo, "%.4g");
    msc_rep_number(b, o, "tau2_ci_upper", h->tau2_hi, "%.4g");
    msc_rep_text(b, o, "tau2_ci_method",
                 h->tau2_ci_profile                             ? "profile"
                 : isfinite(h->tau2_lo) || isfinite(h->tau2_hi) ? "Q-profile"
                                                                : NULL);
    msc_rep_number(b, o, "tau", h->tau, "%.4g");
    msc_rep_percent(b, o, "I2", h->I2, "%.1f");
    msc_rep_percent(b, o, "I2_ci_lower", h->I2_lo, "%.1f");
    msc_rep_percent(b, o, "I2_ci_upper", h->I2_hi, "%.1f");
    msc_rep_number(b, o, "H2", h->H2, "%.3g");
    msc_rep_number(b, o, "H2_ci_lower", h->H2_lo, "%.3g");
    msc_rep_number(b, o, "H2_ci_upper", h->H2_hi, "%.3g");
    msc_rep_number(b, o, "Q", h->Q, MSC_REP_SIG4);
    msc_rep_number(b, o, "df", h->df, "%g");
    msc_rep_pvalue(b, o, "p", h->Q_p);
    if (f->method == MSC_METHOD_GLMM) { /* Q is the Wald test; the LRT beside it */
        msc_rep_number(b, o, "Q_wald", h->Q, MSC_REP_SIG4);
        msc_rep_pvalue(b, o, "Q_wald_p", h->Q_p);
        msc_rep_number(b, o, "Q_lrt", h->Q_lrt, MSC_REP_SIG4);
        msc_rep_pvalue(b, o, "Q_lrt_p", h->Q_lrt_p);
        /* tau^2 = 0 against the common-effect logistic model */
        if (isfinite(h->lrt_tau2)) {
            msc_rep_node *l = msc_rep_object(b, o, "lrt_tau2");
            msc_rep_number(b, l, "statistic", h->lrt_tau2, "%.4g");
            msc_rep_pvalue(b, l, "p", h->lrt_tau2_p);
        } else {
            msc_rep_null(b, o, "lrt_tau2");
        }
    }
    if (f->method == MSC_METHOD_BB) { /* overdispersion, where tau^2 would be */
        msc_rep_number(b, o, "rho", h->rho, "%.4g");
        msc_rep_number(b, o, "rho_ci_lower", h->rho_lo, "%.4g");
        msc_rep_number(b, o, "rho_ci_upper", h->rho_hi, "%.4g");
    }
    return o;
}

/* The blocks every fit has: common, random (null for FE), heterogeneity. */
static void fit_members(msc_rep *b, msc_rep_node *o, const msc_fit *f)
{
    msc_rep_data_estimate(b, o, "common", &f->common, 0);
    if (f->has_random) {
        msc_rep_node *r = msc_rep_data_estimate(b, o, "random", &f->random, 1);
        if (f->method == MSC_METHOD_GLMM) /* the population-averaged rate */
            msc_rep_data_marginal(b, r, &f->random);
    } else
        msc_rep_null(b, o, "random");
    if (f->k > 0)
        heterogeneity(b, o, f);
    else
        msc_rep_null(b, o, "heterogeneity");
}

/* ------------------------------------------------------------ arrays */

msc_rep_node *msc_rep_data_study(msc_rep *b, const msc_rep_octx *c, size_t i)
{
    const msc_dataset *d = c->a->data;
    const msc_outcome_result *o = c->o;
    size_t r = o->row[i];
    msc_rep_node *s = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, s, "study", d->label[r]);
    msc_rep_int(b, s, "row", d->line[r]);
    if (d->group_col)
        msc_rep_text(b, s, "group", d->group[r]);
    msc_rep_count(b, s, "events", o->xi[i]);
    msc_rep_count(b, s, "n", o->ni[i]);
    msc_rep_proportion(b, s, "proportion", o->xi[i] / o->ni[i]);
    if (o->ci_lo) {
        msc_rep_proportion(b, s, "ci_lower", o->ci_lo[i]);
        msc_rep_proportion(b, s, "ci_upper", o->ci_hi[i]);
    } else { /* the analysis skipped them (MSC_RUN_NO_STUDY_CI) */
        msc_rep_null(b, s, "ci_lower");
        msc_rep_null(b, s, "ci_upper");
    }
    msc_rep_number(b, s, "yi", o->yi[i], "%.4f");
    msc_rep_number(b, s, "vi", o->vi[i], "%.4f");
    msc_rep_percent(b, s, "weight_common", msc_outcome_weight(o, i, 0), "%.2f");
    msc_rep_percent(b, s, "weight_random", msc_outcome_weight(o, i, 1), "%.2f");
    if (c->sf) { /* msc_safety_evaluate fills study_upper for every outcome pooled */
        const msc_safety *sf = c->sf;
        msc_rep_proportion(b, s, "upper_bound", sf->study_upper[i]);
        if (o->xi[i] == 0) /* no events: 3/n, the rule of three, beside the exact bound */
            msc_rep_proportion(b, s, "rule_of_three", 3.0 / o->ni[i]);
        else
            msc_rep_null(b, s, "rule_of_three");
        msc_rep_bool(b, s, "signal", sf->signal[i]);
    }
    return s;
}

msc_rep_node *msc_rep_data_excluded(msc_rep *b, const msc_rep_octx *c, size_t i)
{
    const msc_dataset *d = c->a->data;
    size_t r = c->o->excluded_row[i];
    msc_rep_node *e = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, e, "study", d->label[r]);
    msc_rep_int(b, e, "row", d->line[r]);
    msc_rep_text(b, e, "reason", c->o->excluded_reason[i]);
    return e;
}

static const msc_warnings no_warnings;

/* A copy of w in b's arena, messages and all (a generator keeps a pointer
 * to the struct); w is cleared. */
static const msc_warnings *arena_warnings(msc_rep *b, msc_warnings *w)
{
    msc_warnings *out = msc_rep_alloc(b, sizeof *out);
    char **msg = w->n ? msc_rep_alloc(b, w->n * sizeof *msg) : NULL;
    if (!out || (w->n && !msg)) {
        b->err = MSC_ERR_NOMEM;
        msc_warnings_clear(w);
        return &no_warnings;
    }
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < w->n; i++)
        msg[i] = (char *)msc_rep_printf(b, "%s", w->msg[i]);
    out->msg = msg;
    out->n = out->cap = w->n;
    msc_warnings_clear(w);
    return out;
}

void msc_rep_group_fit(msc_rep *b, const msc_rep_octx *c, size_t g, msc_rep_group *gf)
{
    msc_warnings w = {0};
    msc_status rc = msc_group_fit(c->a, c->o, g, &gf->fit, &w);
    if (rc != MSC_OK) {
        msc_warnings_clear(&w);
        memset(&gf->fit, 0, sizeof gf->fit);
        gf->warnings = &no_warnings;
        b->err = rc;
        return;
    }
    gf->warnings = arena_warnings(b, &w);
}

msc_rep_node *msc_rep_data_subgroup(msc_rep *b, const msc_rep_octx *c, size_t g,
                                    const msc_rep_group *gf)
{
    const msc_group_result *gr = &c->o->group[g];
    msc_rep_node *s = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, s, "group", gr->name);
    msc_rep_int(b, s, "k", (long long)gr->k);
    msc_rep_number(b, s, "events_total", gr->events_total, "%.0f");
    msc_rep_number(b, s, "n_total", gr->n_total, "%.0f");
    fit_members(b, s, &gf->fit);
    msc_rep_data_warnings(b, s, gf->warnings);
    return s;
}

static void safety(msc_rep *b, msc_rep_node *parent, const msc_analysis *a, const msc_safety *sf)
{
    msc_rep_node *o = msc_rep_object(b, parent, "safety");
    msc_rep_proportion(b, o, "threshold", sf->threshold);
    msc_rep_proportion(b, o, "upper_bound", sf->upper_bound);
    msc_rep_number(b, o, "level", sf->level, NULL);
    if (isfinite(sf->threshold) && !sf->no_data)
        msc_rep_bool(b, o, "exceeded", sf->exceeded);
    else
        msc_rep_null(b, o, "exceeded");
    msc_rep_proportion(b, o, "lower_bound", sf->lower_bound);
    msc_rep_text(b, o, "verdict", msc_verdict_name(sf->verdict));
    msc_rep_proportion(b, o, "prob_new_above", sf->prob_new_above);
    msc_rep_bool(b, o, "no_data", sf->no_data);
    msc_rep_text(b, o, "method", msc_method_name(a->settings.method));
    msc_rep_text(b, o, "bound",
                 sf->exact ? "exact (Clopper-Pearson, one-sided)"
                           : "one-sided Wald on the model scale");
    msc_rep_int(b, o, "signals", (long long)sf->n_signals);
    msc_rep_only(msc_rep_text(b, o, "level_pct", msc_rep_level(b, sf->level)), MSC_REP_TABLE);
}

/* ----------------------------------------------------------- outcome */

msc_rep_node *msc_rep_data_outcome(msc_rep *b, const msc_rep_octx *c, const msc_rep_fills *f)
{
    const msc_outcome_result *o = c->o;
    int studies = !c->opt->summary_only && !o->skipped;
    msc_rep_node *out = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, out, "outcome", o->data->name);
    msc_rep_text(b, out, "denominator", o->data->denom);
    msc_rep_int(b, out, "k", (long long)o->k);
    msc_rep_bool(b, out, "skipped", o->skipped);
    /* one study or exclusion per line */
    msc_rep_flag(msc_rep_generator(b, out, "studies", studies ? o->k : 0, f->study, c),
                 MSC_REP_NL_ITEMS);
    msc_rep_flag(msc_rep_generator(b, out, "excluded", o->n_excluded, f->excluded, c),
                 MSC_REP_NL_ITEMS);
    if (o->skipped) {
        msc_rep_null(b, out, "common");
        msc_rep_null(b, out, "random");
        msc_rep_null(b, out, "heterogeneity");
    } else {
        fit_members(b, out, &o->fit);
        msc_rep_bool(b, out, "weights", o->fit.has_weights);
        msc_rep_number(b, out, "events_total", o->events_total, "%.0f");
        msc_rep_number(b, out, "n_total", o->n_total, "%.0f");
        msc_rep_node *ex = msc_rep_object(b, out, "exact");
        msc_rep_proportion(b, ex, "estimate", o->exact_est);
        msc_rep_proportion(b, ex, "ci_lower", o->exact_lo);
        msc_rep_proportion(b, ex, "ci_upper", o->exact_hi);
        msc_rep_text(b, ex, "method", "Clopper-Pearson");
        msc_rep_int(b, out, "tau2_iterations", o->fit.iterations);
        msc_rep_bool(b, out, "converged", o->fit.converged);
    }
    if (c->a->data->group_col && !o->skipped) {
        /* a file may have as many levels as studies: one per line, streamed */
        msc_rep_flag(msc_rep_generator(b, out, "subgroups", o->n_groups, f->subgroup, c),
                     MSC_REP_NL_ITEMS);
        /* which test (subgroups.c): Q, or the LRT or Fisher's exact test
         * where a GLMM subgroup fell back to the exact proportion */
        static const char *const test_name[] = {[MSC_SGTEST_NONE] = NULL,
                                                [MSC_SGTEST_Q] = "Q",
                                                [MSC_SGTEST_LRT] = "LRT",
                                                [MSC_SGTEST_FISHER] = "Fisher"};
        int q = o->sg_test == MSC_SGTEST_Q || o->sg_test == MSC_SGTEST_NONE;
        msc_rep_node *t = msc_rep_object(b, out, "subgroup_test");
        msc_rep_text(b, t, "test", test_name[o->sg_test]);
        msc_rep_number(b, t, "Q", q ? o->Q_between : NAN, MSC_REP_SIG4);
        msc_rep_number(b, t, "LRT", o->sg_test == MSC_SGTEST_LRT ? o->Q_between : NAN,
                       MSC_REP_SIG4);
        msc_rep_number(b, t, "df", o->Q_between_df, "%g");
        msc_rep_pvalue(b, t, "p", o->Q_between_p);
        msc_rep_text(b, t, "estimates", !q ? NULL : o->fit.has_random ? "random" : "common");
        msc_rep_number(b, t, "tau2", o->sg_tau2, MSC_REP_SIG4);
        msc_rep_int(b, out, "subgroup_missing", (long long)o->n_group_missing);
    }
    if (c->sf)
        safety(b, out, c->a, c->sf);
    msc_rep_data_warnings(b, out, &o->warnings);
    return out;
}

/* ------------------------------------------------------- CSV rows */

static msc_rep_node *warning_row(msc_rep *b, const void *ctx, size_t i)
{
    const msc_warnings *w = ctx;
    msc_rep_node *r = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(b, r, "type", "warning"), MSC_REP_BARE);
    msc_rep_text(b, r, "message", w->msg[i]);
    return r;
}

msc_rep_node *msc_rep_data_warning_rows(msc_rep *b, msc_rep_node *parent, const msc_warnings *w)
{
    return msc_rep_only(msc_rep_generator(b, parent, "warning_rows", w->n, warning_row, w),
                        MSC_REP_CSV);
}

/* A copy of value node v as member `key` of parent. */
static void copy_value(msc_rep *b, msc_rep_node *parent, const char *key, const msc_rep_node *v)
{
    msc_rep_node *n = msc_rep_null(b, parent, key);
    if (n == &b->scratch)
        return;
    n->type = v->type;
    n->flags = v->flags & MSC_REP_BARE;
    n->v = v->v;
}

/* One row of type `setting`: name and value (copied from node v). */
static void setting_row(msc_rep *b, msc_rep_node *arr, const char *name, const msc_rep_node *v)
{
    msc_rep_node *r = msc_rep_flag(msc_rep_object(b, arr, NULL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(b, r, "type", "setting"), MSC_REP_BARE);
    msc_rep_text(b, r, "setting", name);
    copy_value(b, r, "value", v);
}

void msc_rep_data_setting_rows(msc_rep *b, msc_rep_node *root)
{
    static const char *const head[] = {"command", "version", "input", "subgroup"};
    msc_rep_node *arr = msc_rep_only(msc_rep_array(b, NULL, "setting_rows"), MSC_REP_CSV);
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) {
        const msc_rep_node *v = msc_rep_get(root, head[i], MSC_REP_JSON);
        if (v && v->type != MSC_REP_NULL)
            setting_row(b, arr, head[i], v);
    }
    const msc_rep_node *st = msc_rep_get(root, "settings", MSC_REP_JSON);
    for (const msc_rep_node *m = st ? st->v.c.first : NULL; m; m = m->next)
        if ((m->show & MSC_REP_JSON) && m->type < MSC_REP_OBJECT)
            setting_row(b, arr, m->key, m);
    /* first, before the outcomes */
    msc_rep_insert(b, root, msc_rep_get(root, "outcomes", MSC_REP_ALL), arr);
}

/* --------------------------------------------- grouped lists (table) */

#define GROUP_NAMES 8 /* names a grouped line lists before "and N more" */
#define GROUP_MAX 64  /* distinct reasons or messages grouped; the rest one a line */
#define NAME_WIDTH 40 /* display characters of each name */

/* One line of a grouped list: the items that share a text (a reason, a
 * warning), the first GROUP_NAMES of them named. */
typedef struct {
    const char *text;
    size_t n;
    size_t item[GROUP_NAMES];
    const char *name[GROUP_NAMES];
} group_line;

/* Appends the name s, cut to NAME_WIDTH characters and made safe. */
static void put_name(msc_rep_buf *t, const char *s)
{
    char shown[4 * NAME_WIDTH + 16];
    msc_text_display(s, NAME_WIDTH, shown, sizeof shown);
    msc_rep_buf_put(t, shown, strlen(shown));
}

/* Finds text among lines[0..*n), or adds it (at most GROUP_MAX); counts
 * item i, called `name`, in its line. Returns 0, or -1 when the line list
 * is full. */
static int group_add(group_line *lines, size_t *n, const char *text, size_t i, const char *name)
{
    size_t j = 0;
    while (j < *n && lines[j].text != text && strcmp(lines[j].text, text) != 0)
        j++;
    if (j == *n) {
        if (*n == GROUP_MAX)
            return -1;
        lines[j].text = text;
        lines[j].n = 0;
        (*n)++;
    }
    if (lines[j].n < GROUP_NAMES) {
        lines[j].item[lines[j].n] = i;
        lines[j].name[lines[j].n] = name;
    }
    lines[j].n++;
    return 0;
}

/* Appends the names of g's items, ", " between them, then " and N more"
 * for those beyond GROUP_NAMES. Returns the number of names written. */
static size_t put_names(msc_rep_buf *t, const group_line *g)
{
    size_t shown = g->n < GROUP_NAMES ? g->n : GROUP_NAMES;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            msc_rep_buf_put(t, ", ", 2);
        put_name(t, g->name[i]);
    }
    if (g->n > shown) {
        char more[48];
        snprintf(more, sizeof more, " and %zu more", g->n - shown);
        msc_rep_buf_put(t, more, strlen(more));
    }
    return shown;
}

/* An element {names: the text of t, key: text} of arr; empties t. The
 * names' text is "" when building ran out of memory. */
static void group_entry(msc_rep *b, msc_rep_node *arr, const char *names, msc_rep_buf *t,
                        const char *key, const char *text)
{
    if (t->nomem)
        b->err = MSC_ERR_NOMEM;
    msc_rep_node *e = msc_rep_object(b, arr, NULL);
    msc_rep_text(b, e, names, t->nomem ? "" : msc_rep_printf(b, "%s", t->s ? t->s : ""));
    msc_rep_text(b, e, key, text);
    t->len = 0;
}

void msc_rep_data_excluded_groups(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_outcome_result *o = c->o;
    const msc_dataset *d = c->a->data;
    group_line lines[GROUP_MAX];
    size_t nl = 0, grouped = 0;
    while (grouped < o->n_excluded && group_add(lines, &nl, o->excluded_reason[grouped], grouped,
                                                d->label[o->excluded_row[grouped]]) == 0)
        grouped++;
    msc_rep_node *arr = msc_rep_only(msc_rep_array(b, out, "excluded_groups"), MSC_REP_TABLE);
    msc_rep_buf t = {0};
    char line[48];
    for (size_t j = 0; j < nl; j++) {
        const group_line *g = &lines[j];
        size_t shown = put_names(&t, g);
        msc_rep_buf_put(&t, shown == 1 ? " (line " : " (lines ", shown == 1 ? 7 : 8);
        for (size_t i = 0; i < shown; i++) {
            snprintf(line, sizeof line, "%s%ld", i ? ", " : "",
                     d->line[o->excluded_row[g->item[i]]]);
            msc_rep_buf_put(&t, line, strlen(line));
        }
        msc_rep_buf_put(&t, g->n > shown ? ", ...)" : ")", g->n > shown ? 6 : 1);
        group_entry(b, arr, "studies", &t, "reason", g->text);
    }
    for (size_t i = grouped; i < o->n_excluded; i++) { /* beyond GROUP_MAX reasons */
        put_name(&t, d->label[o->excluded_row[i]]);
        snprintf(line, sizeof line, " (line %ld)", d->line[o->excluded_row[i]]);
        msc_rep_buf_put(&t, line, strlen(line));
        group_entry(b, arr, "studies", &t, "reason", o->excluded_reason[i]);
    }
    msc_rep_buf_free(&t);
}

void msc_rep_data_group_warnings(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_outcome_result *o = c->o;
    group_line lines[GROUP_MAX];
    size_t nl = 0;
    msc_rep_node *arr = msc_rep_only(msc_rep_array(b, out, "group_warnings"), MSC_REP_TABLE);
    msc_rep_buf t = {0};
    for (size_t g = 0; g < o->n_groups && !b->err; g++) {
        /* the subgroup's own warnings (made again: msc_group_fit), then its
         * sensitivity analyses' */
        const char *name = o->group[g].name;
        msc_fit f;
        msc_warnings own = {0};
        msc_status rc = msc_group_fit(c->a, o, g, &f, &own);
        if (rc != MSC_OK)
            b->err = rc;
        const msc_warnings *lists[2] = {&own,
                                        c->opt->sens ? msc_rep_sens_group_warnings(c, g) : NULL};
        for (int l = 0; l < 2 && !b->err; l++) {
            const msc_warnings *w = lists[l];
            for (size_t i = 0; w && i < w->n; i++) {
                /* a message of its own is copied into the arena to be kept */
                const char *text = w->msg[i];
                size_t j = 0;
                while (l == 0 && j < nl && strcmp(lines[j].text, text) != 0)
                    j++;
                if (l == 0 && j == nl)
                    text = msc_rep_printf(b, "%s", text);
                if (!text)
                    break;
                if (group_add(lines, &nl, text, g, name) == 0)
                    continue;
                put_name(&t, name); /* beyond GROUP_MAX messages: one a line */
                group_entry(b, arr, "groups", &t, "message", text);
            }
        }
        msc_warnings_clear(&own);
    }
    for (size_t j = 0; j < nl; j++) {
        put_names(&t, &lines[j]);
        group_entry(b, arr, "groups", &t, "message", lines[j].text);
    }
    msc_rep_buf_free(&t);
}
