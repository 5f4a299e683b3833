/*
 * The sensitivity sections of the pool report (issue 11), in every outcome
 * and every subgroup that msc_sens_run analysed: `leave_one_out`,
 * `cumulative` (one object per fit), `influence` (one per study) and
 * `bias_tests`, with their CSV rows (type leave_one_out, cumulative,
 * influence, egger, egger_rma, peters, begg, trim_fill, trim_fill_filled)
 * and their tables. The analyses' warnings join the outcome's (or the
 * group's) own. Long arrays are generators: a million rows stream.
 */
#include <math.h>
#include <stdlib.h>

#include "msc_rep.h"
#include "msc_stats.h"

const char msc_rep_sens_columns[] =
    ",k,H2,ci_yi_lower,ci_yi_upper,rstudent,rstudent_resid,rstudent_se,dffits,cook_d,cov_r,"
    "tau2_del,Q_del,hat,weight,dfbetas,influential,baujat_x,baujat_y,limit_yi,"
    "limit_ci_yi_lower,limit_ci_yi_upper,limit_estimate,limit_ci_lower,limit_ci_upper,tau,p_exact,"
    "estimator,side,k0";

#define LABEL_W 28
#define INTERVAL(lo, hi) "{?[{" lo "}, {" hi "}]|NA}"

/* What a section's generators need. */
typedef struct {
    const msc_rep_octx *c;
    const msc_sens_block *blk;
    const size_t *perm; /* influence table: influential studies first */
} sctx;

static const msc_sens_block *block_of(const msc_rep_octx *c, long g)
{
    const msc_sens *s = c->opt->sens;
    size_t j = (size_t)(c->o - c->a->outcome);
    if (!s || j >= s->n_outcomes)
        return NULL;
    const msc_sens_outcome *so = &s->outcome[j];
    if (g < 0)
        return &so->all;
    return (size_t)g < so->n_groups ? &so->group[g] : NULL;
}

/* ------------------------------------------------------------------ rows */

static void label(msc_rep *b, msc_rep_node *o, const msc_rep_octx *c, size_t study, int with_row)
{
    const msc_dataset *d = c->a->data;
    size_t r = c->o->row[study];
    msc_rep_text(b, o, "study", d->label[r]);
    msc_rep_node *row = msc_rep_int(b, o, "row", d->line[r]);
    if (!with_row)
        msc_rep_only(row, MSC_REP_CSV);
}

/* A leave-one-out or cumulative fit (with its k when `with_k`). */
static msc_rep_node *fit_row(msc_rep *b, const sctx *x, const msc_sens_fit *r, const char *type,
                             int with_k)
{
    msc_rep_node *o = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, o, "type", type), MSC_REP_CSV);
    label(b, o, x->c, r->study, 1);
    if (with_k)
        msc_rep_int(b, o, "k", (long long)r->k);
    msc_rep_data_estimate_values(b, o, &r->e, 0); /* these rows carry no df */
    msc_rep_number(b, o, "tau2", r->tau2, "%.4g");
    msc_rep_percent(b, o, "I2", r->I2, "%.1f");
    msc_rep_number(b, o, "H2", r->H2, "%.3g");
    msc_rep_number(b, o, "Q", r->Q, "%.4g");
    msc_rep_pvalue(b, o, "Q_p", r->Q_p);
    return o;
}

static msc_rep_node *loo_row(msc_rep *b, const void *ctx, size_t i)
{
    const sctx *x = ctx;
    return fit_row(b, x, &x->blk->loo[i], "leave_one_out", 0);
}

static msc_rep_node *cumul_row(msc_rep *b, const void *ctx, size_t i)
{
    const sctx *x = ctx;
    return fit_row(b, x, &x->blk->cumul[i], "cumulative", 1);
}

static msc_rep_node *infl_node(msc_rep *b, const sctx *x, size_t i)
{
    const msc_influence *f = &x->blk->infl[i];
    msc_rep_node *o = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, o, "type", "influence"), MSC_REP_CSV);
    label(b, o, x->c, x->blk->loo[i].study, 0);
    msc_rep_number(b, o, "rstudent", f->rstudent, "%.3f");
    msc_rep_number(b, o, "rstudent_resid", f->resid, "%.4f");
    msc_rep_number(b, o, "rstudent_se", f->resid_se, "%.4f");
    msc_rep_number(b, o, "dffits", f->dffits, "%.3f");
    msc_rep_number(b, o, "cook_d", f->cook_d, "%.3f");
    msc_rep_number(b, o, "cov_r", f->cov_r, "%.3f");
    msc_rep_number(b, o, "tau2_del", f->tau2_del, "%.4g");
    msc_rep_number(b, o, "Q_del", f->Q_del, "%.4g");
    msc_rep_number(b, o, "hat", f->hat, "%.3f");
    msc_rep_percent(b, o, "weight", f->weight, "%.2f");
    msc_rep_number(b, o, "dfbetas", f->dfbetas, "%.3f");
    msc_rep_bool(b, o, "influential", f->influential);
    msc_rep_number(b, o, "baujat_x", f->baujat_x, "%.4g");
    msc_rep_number(b, o, "baujat_y", f->baujat_y, "%.4g");
    msc_rep_only(msc_rep_text(b, o, "mark", f->influential ? "*" : ""), MSC_REP_TABLE);
    return o;
}

static msc_rep_node *infl_row(msc_rep *b, const void *ctx, size_t i)
{
    return infl_node(b, ctx, i);
}

/* The table's order: influential studies first, each group in study order. */
static msc_rep_node *infl_table_row(msc_rep *b, const void *ctx, size_t i)
{
    const sctx *x = ctx;
    return msc_rep_only(infl_node(b, x, x->perm[i]), MSC_REP_TABLE);
}

/* ------------------------------------------------------------ bias tests */

static void regtest(msc_rep *b, msc_rep_node *bt, const char *key, const msc_regtest *r,
                    const char *label_text)
{
    msc_rep_node *o = msc_rep_flag(msc_rep_object(b, bt, key), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, o, "type", key), MSC_REP_CSV);
    msc_rep_number(b, o, "statistic", r->stat, "%.3f");
    msc_rep_number(b, o, "df", r->df, "%g");
    msc_rep_pvalue(b, o, "p", r->p);
    msc_rep_number(b, o, "limit_yi", r->limit_yi, "%.4f");
    msc_rep_number(b, o, "limit_ci_yi_lower", r->limit_lo, "%.4f");
    msc_rep_number(b, o, "limit_ci_yi_upper", r->limit_hi, "%.4f");
    msc_rep_proportion(b, o, "limit_estimate", r->limit_est);
    msc_rep_proportion(b, o, "limit_ci_lower", r->limit_est_lo);
    msc_rep_proportion(b, o, "limit_ci_upper", r->limit_est_hi);
    msc_rep_only(msc_rep_text(b, o, "label", label_text), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, o, "stat_name", isfinite(r->df) ? "t" : "z"), MSC_REP_TABLE);
}

static msc_rep_node *filled(msc_rep *b, const void *ctx, size_t i)
{
    const msc_trimfill *tf = ctx;
    msc_rep_node *o = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, o, "type", "trim_fill_filled"), MSC_REP_CSV);
    msc_rep_number(b, o, "yi", tf->filled_yi[i], "%.4f");
    msc_rep_number(b, o, "vi", tf->filled_vi[i], "%.4f");
    return o;
}

/* The "bias_tests" object of bs, detached. */
static msc_rep_node *bias(msc_rep *b, const msc_bias *bs, const msc_settings *s)
{
    msc_rep_node *bt = msc_rep_object(b, NULL, "bias_tests");
    const char *model = s->method == MSC_METHOD_GLMM ? "REML" : msc_method_name(s->method);
    regtest(b, bt, "egger", &bs->egger, "Egger (SE, weighted regression)");
    regtest(b, bt, "egger_rma", &bs->egger_rma,
            msc_rep_printf(b, "Egger (SE, meta-regression, %s)", model));
    regtest(b, bt, "peters", &bs->peters, "Peters (1/n, weighted regression)");
    msc_rep_node *bg = msc_rep_flag(msc_rep_object(b, bt, "begg"), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, bg, "type", "begg"), MSC_REP_CSV);
    msc_rep_number(b, bg, "tau", bs->begg.tau, "%.3f");
    msc_rep_pvalue(b, bg, "p", bs->begg.p);
    /* CSV: "exact" is the estimate blocks' column (the exact pooled proportion) */
    msc_rep_column(bs->begg.ok ? msc_rep_bool(b, bg, "exact", bs->begg.exact)
                               : msc_rep_null(b, bg, "exact"),
                   "p_exact");
    msc_rep_only(msc_rep_text(b, bg, "how",
                              bs->begg.exact  ? "exact"
                              : bs->begg.ties ? "normal approximation, ties"
                                              : "normal approximation"),
                 MSC_REP_TABLE);
    const msc_trimfill *tf = &bs->trim_fill;
    msc_rep_node *t = msc_rep_flag(msc_rep_object(b, bt, "trim_fill"), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, t, "type", "trim_fill"), MSC_REP_CSV);
    msc_rep_text(b, t, "estimator", msc_tf_estimator_name(tf->estimator));
    if (tf->ok) {
        msc_rep_text(b, t, "side", msc_tf_side_name(tf->side));
        msc_rep_int(b, t, "k0", (long long)tf->k0);
    } else {
        msc_rep_null(b, t, "side");
        msc_rep_null(b, t, "k0");
    }
    msc_rep_proportion(b, t, "estimate", tf->e.est);
    msc_rep_proportion(b, t, "ci_lower", tf->e.ci_lo);
    msc_rep_proportion(b, t, "ci_upper", tf->e.ci_hi);
    msc_rep_number(b, t, "yi", tf->e.yi, "%.4f");
    msc_rep_number(b, t, "se", tf->e.se, "%.4f");
    msc_rep_number(b, t, "tau2", tf->tau2, "%.4g");
    msc_rep_only(msc_rep_text(b, t, "studies", tf->k0 == 1 ? "study" : "studies"), MSC_REP_TABLE);
    msc_rep_generator(b, t, "filled", tf->ok ? tf->k0 : 0, filled, tf);
    return bt;
}

/* -------------------------------------------------------------- sections */

/* Appends the analyses' warnings to the holder's `warnings` generator. */
typedef struct {
    const msc_warnings *a, *b;
} two_lists;

static msc_rep_node *either_warning(msc_rep *b, const void *ctx, size_t i)
{
    const two_lists *t = ctx;
    return msc_rep_text(b, NULL, NULL, i < t->a->n ? t->a->msg[i] : t->b->msg[i - t->a->n]);
}

static void join_warnings(msc_rep *b, msc_rep_node *holder, const msc_warnings *own,
                          const msc_sens_block *blk)
{
    msc_rep_node *w = msc_rep_get(holder, "warnings", MSC_REP_ALL);
    if (!w || w->type != MSC_REP_ARRAY || !w->v.c.fill || !blk->warnings.n)
        return;
    two_lists *t = msc_rep_alloc(b, sizeof *t);
    if (!t)
        return;
    *t = (two_lists){own, &blk->warnings};
    w->v.c.fill = either_warning;
    w->v.c.ctx = t;
    w->v.c.count = own->n + blk->warnings.n;
    msc_rep_data_warning_rows(b, holder, &blk->warnings); /* CSV: after the holder's own */
}

/* The sections of one block, inserted before the holder's warnings. */
static void sections(msc_rep *b, msc_rep_node *holder, const msc_rep_octx *c,
                     const msc_sens_block *blk, const msc_warnings *own)
{
    const msc_sens_options *opt = &c->opt->sens->opt;
    msc_rep_node *before = msc_rep_get(holder, "warnings", MSC_REP_ALL);
    sctx *x = msc_rep_alloc(b, sizeof *x);
    if (!x)
        return;
    *x = (sctx){c, blk, NULL};
    size_t k = blk->k;
    if (opt->leave_one_out) {
        msc_rep_node *n = msc_rep_generator(b, NULL, "leave_one_out", blk->loo ? k : 0, loo_row, x);
        msc_rep_insert(b, holder, before, msc_rep_flag(n, MSC_REP_NL_ITEMS));
    }
    if (opt->cumulative) {
        msc_rep_node *n =
            msc_rep_generator(b, NULL, "cumulative", blk->cumul ? k : 0, cumul_row, x);
        msc_rep_insert(b, holder, before, msc_rep_flag(n, MSC_REP_NL_ITEMS));
    }
    if (opt->influence) {
        size_t n_inf = blk->infl ? k : 0;
        size_t *perm = msc_rep_alloc(b, (n_inf ? n_inf : 1) * sizeof *perm);
        if (!perm)
            return;
        size_t p = 0;
        for (int pass = 1; pass >= 0; pass--)
            for (size_t i = 0; i < n_inf; i++)
                if (blk->infl[i].influential == pass)
                    perm[p++] = i;
        x->perm = perm;
        msc_rep_node *n = msc_rep_generator(b, NULL, "influence", n_inf, infl_row, x);
        msc_rep_insert(b, holder, before,
                       msc_rep_only(msc_rep_flag(n, MSC_REP_NL_ITEMS), MSC_REP_JSON | MSC_REP_CSV));
        n = msc_rep_generator(b, NULL, "influence_table", n_inf, infl_table_row, x);
        msc_rep_insert(b, holder, before, msc_rep_only(n, MSC_REP_TABLE));
    }
    if (opt->bias_tests)
        msc_rep_insert(b, holder, before,
                       blk->bias ? bias(b, blk->bias, &c->a->settings)
                                 : msc_rep_null(b, NULL, "bias_tests"));
    join_warnings(b, holder, own, blk);
}

void msc_rep_sens_outcome(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_sens_block *blk = block_of(c, -1);
    if (blk && !c->o->skipped)
        sections(b, out, c, blk, &c->o->warnings);
}

void msc_rep_sens_subgroup(msc_rep *b, msc_rep_node *s, const msc_rep_octx *c, size_t g,
                           const msc_warnings *own)
{
    const msc_sens_block *blk = block_of(c, (long)g);
    if (blk)
        sections(b, s, c, blk, own);
}

const msc_warnings *msc_rep_sens_group_warnings(const msc_rep_octx *c, size_t g)
{
    const msc_sens_block *blk = block_of(c, (long)g);
    return blk ? &blk->warnings : NULL;
}

/* ----------------------------------------------------------------- table */

static const char *ci_head(msc_rep *b, const msc_analysis *a)
{
    return msc_rep_printf(b, "%d%% CI", (int)lround(100.0 * a->settings.level));
}

static void fit_grid(msc_rep *b, msc_rep_node *holder, const msc_rep_octx *c, const char *src,
                     const char *first, int with_k, const char *indent)
{
    const msc_rep_col cols[] = {
        {indent, first, "{study:.26}", LABEL_W - 2, 0},
        {" ", with_k ? "k" : NULL, with_k ? "{k}" : "", 5, MSC_REP_RIGHT},
        {"  ", "Prop.", "{estimate}", 8, 0},
        {" ", ci_head(b, c->a), INTERVAL("ci_lower", "ci_upper"), 18, 0},
        {" ", "p", "{p}", 8, MSC_REP_RIGHT},
        {" ", "tau^2", "{tau2}", 8, MSC_REP_RIGHT},
        {" ", "I^2", "{I2}%", 7, MSC_REP_RIGHT},
        {" ", "Q", "{Q}", 8, MSC_REP_RIGHT},
        {" ", "p(Q)", "{Q_p}", 8, MSC_REP_RIGHT},
    };
    if (with_k) {
        msc_rep_grid(b, holder, src, cols, 9, 1);
    } else {
        msc_rep_col c2[8];
        c2[0] = cols[0];
        for (int j = 2; j < 9; j++)
            c2[j - 1] = cols[j];
        msc_rep_grid(b, holder, src, c2, 8, 1);
    }
}

static const char *model_text(msc_rep *b, const msc_analysis *a)
{
    const msc_settings *s = &a->settings;
    if (s->method == MSC_METHOD_GLMM)
        return "binomial-normal GLMM, refitted";
    if (s->method == MSC_METHOD_FE)
        return msc_rep_printf(b, "common effect, %s", s->test == MSC_TEST_KNHA ? "knha" : "z");
    return msc_rep_printf(b, "random effects, %s, tau^2 re-estimated; %s test",
                          msc_method_name(s->method),
                          s->test == MSC_TEST_KNHA ? "Knapp-Hartung t" : "z");
}

static void view(msc_rep *b, msc_rep_node *holder, const msc_rep_octx *c, const char *ind,
                 const char *heading)
{
    const msc_sens_options *opt = &c->opt->sens->opt;
    msc_rep_only(msc_rep_text(b, holder, "sens_model", model_text(b, c->a)), MSC_REP_TABLE);
    if (heading) {
        msc_rep_line(b, holder, "");
        msc_rep_line(b, holder, heading);
    }
    int gl = c->a->settings.method == MSC_METHOD_GLMM;
    if (opt->leave_one_out) {
        msc_rep_line(b, holder, "");
        msc_rep_line(b, holder, msc_rep_printf(b, "%sLeave-one-out ({sens_model})", ind));
        fit_grid(b, holder, c, "leave_one_out", "Omitted study", 0, ind);
    }
    if (opt->cumulative) {
        msc_rep_line(b, holder, "");
        const char *col = c->opt->sens->opt.cumulative_col;
        msc_rep_only(msc_rep_text(b, holder, "sens_order", col ? col : ""), MSC_REP_TABLE);
        msc_rep_line(b, holder,
                     msc_rep_printf(b, "%sCumulative meta-analysis (%s; {sens_model})", ind,
                                    col ? "studies added in ascending order of \"{sens_order:.30}\""
                                        : "studies added in file order"));
        fit_grid(b, holder, c, "cumulative", "Added study", 1, ind);
    }
    if (opt->influence) {
        msc_rep_line(b, holder, "");
        msc_rep_line(b, holder,
                     msc_rep_printf(b,
                                    "%sInfluence diagnostics (* influential by metafor's rule; "
                                    "influential studies first)",
                                    ind));
        const msc_rep_col cols[] = {
            {ind, "Study", "{study:.24}", 24, 0},
            {" ", "rstudent", "{rstudent}", 8, MSC_REP_RIGHT},
            {" ", "dffits", "{dffits}", 7, MSC_REP_RIGHT},
            {" ", "cook.d", "{cook_d}", 7, MSC_REP_RIGHT},
            {" ", "cov.r", "{cov_r}", 7, MSC_REP_RIGHT},
            {" ", "tau2.del", "{tau2_del}", 8, MSC_REP_RIGHT},
            {" ", "Q.del", "{Q_del}", 8, MSC_REP_RIGHT},
            {" ", "hat", gl ? "--" : "{hat}", 6, MSC_REP_RIGHT},
            {" ", "weight", gl ? "--" : "{weight}%", 7, MSC_REP_RIGHT},
            {" ", "dfbetas", gl ? "--" : "{dfbetas}", 7, MSC_REP_RIGHT},
            {" ", "", "{mark}", 1, 0},
        };
        msc_rep_grid(b, holder, "influence_table", cols, 11, 1);
        if (gl)
            msc_rep_line(b, holder,
                         msc_rep_printf(b,
                                        "%s(-- the GLMM has no inverse-variance weights; dffits "
                                        "and cook.d use its own standard errors)",
                                        ind));
    }
    if (opt->bias_tests) {
        msc_rep_node *bt = msc_rep_get(holder, "bias_tests", MSC_REP_ALL);
        if (!bt || bt->type != MSC_REP_OBJECT)
            return;
        msc_rep_line(b, holder, "");
        msc_rep_nested(b, holder, "bias_tests");
        msc_rep_line(b, bt,
                     msc_rep_printf(b, "%sSmall-study tests (%s scale%s)", ind,
                                    gl ? "logit" : msc_measure_name(c->a->settings.measure),
                                    gl ? ", escalc's continuity correction" : ""));
        const char *reg = msc_rep_printf(
            b,
            "%s  {%%s.label}: {?{%%s.stat_name} = {%%s.statistic}, {?df = {%%s.df}, }"
            "{%%s.p:prose}; limit estimate {%%s.limit_estimate} "
            "{?[{%%s.limit_ci_lower}, {%%s.limit_ci_upper}]}|not available}",
            ind);
        const char *keys[3] = {"egger", "egger_rma", "peters"};
        for (int j = 0; j < 3; j++) {
            const char *k = keys[j];
            msc_rep_line(b, bt, msc_rep_printf(b, reg, k, k, k, k, k, k, k, k, k));
        }
        msc_rep_line(b, bt,
                     msc_rep_printf(b,
                                    "%s  Begg and Mazumdar (rank correlation): {?Kendall's tau "
                                    "= {begg.tau}, {begg.p:prose} ({begg.how})|not available}",
                                    ind));
        msc_rep_line(
            b, bt,
            msc_rep_printf(b,
                           "%s  Trim and fill ({trim_fill.estimator}): {?{trim_fill.k0} "
                           "{trim_fill.studies} filled on the {trim_fill.side}; "
                           "adjusted {trim_fill.estimate} " INTERVAL(
                               "trim_fill.ci_lower",
                               "trim_fill.ci_upper") ", tau^2 = {trim_fill.tau2}|not available}",
                           ind));
    }
}

void msc_rep_sens_view(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    if (!block_of(c, -1) || c->o->skipped)
        return;
    view(b, out, c, "", NULL);
}

void msc_rep_sens_subgroup_view(msc_rep *b, msc_rep_node *s, const msc_rep_octx *c)
{
    const msc_sens_options *o = &c->opt->sens->opt;
    if (o->leave_one_out || o->cumulative || o->influence || o->bias_tests)
        view(b, s, c, "  ", "Subgroup \"{group:.40}\":");
}
