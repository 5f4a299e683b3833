/*
 * The pool report: per outcome the studies, the pooled rows, the
 * prediction interval, the exact pooled proportion, heterogeneity,
 * subgroups and the test between them, exclusions and warnings, after the
 * settings used. The table is laid out like metafor's and meta's
 * print-outs; the CSV is one table with a `type` column (study, excluded,
 * common, random, exact, the subgroups' pooled rows, subgroup_test).
 */
#include <math.h>

#include "msc_rep.h"
#include "msc_stats.h"

#define LABEL_W 28

/* The first 26 columns are those of mscmeta 0.1; the rest were added
 * after them so that spreadsheets that read by position keep working. */
static const char *const COLUMNS =
    "outcome,type,group,study,row,events,n,proportion,estimate,ci_lower,ci_upper,"
    "yi,vi,se,statistic,p,df,pi_lower,pi_upper,weight_common,weight_random,"
    "tau2,I2,Q,Q_df,Q_p,"
    "k,exact,pi_df,tau2_ci_lower,tau2_ci_upper,tau,I2_ci_lower,I2_ci_upper,H2,H2_ci_lower,"
    "H2_ci_upper,Q_lrt,Q_lrt_p,reason,message,setting,value,"
    "lrt_tau2,lrt_tau2_p,rho,rho_ci_lower,rho_ci_upper,null_proportion,null_statistic,null_p,"
    "test,LRT";

/* An interval as the table shows it: "[0.2228, 0.9567]", or NA. */
#define INTERVAL(lo, hi) "{?[{" lo "}, {" hi "}]|NA}"

typedef struct {
    const msc_analysis *a;
    const msc_report_options *opt;
} doc_ctx;

/* ------------------------------------------------------------- CSV rows */

/* Marks a fit's pooled blocks (in the outcome or a subgroup) as CSV rows,
 * with the number of studies and the fit's heterogeneity beside each, as
 * the table shows them (msc_fit_het_shown: null where not estimable; what
 * a method does not have, Q_lrt or rho, is NAN); the block's own "exact"
 * marks the GLMM's fallback to the exact pooled proportion. */
static void fit_rows(msc_rep *b, msc_rep_node *holder, const msc_fit *f)
{
    if (f->k == 0)
        return;
    const char *key[2] = {"common", "random"};
    msc_heterogeneity h;
    msc_fit_het_shown(f, &h);
    for (int r = 0; r < 1 + f->has_random; r++) {
        msc_rep_node *o = msc_rep_flag(msc_rep_get(holder, key[r], MSC_REP_ALL), MSC_REP_ROW);
        const msc_estimate *e = r ? &f->random : &f->common;
        int tested = !isnan(e->null_prop); /* --null */
        msc_rep_node *cells[] = {
            msc_rep_flag(msc_rep_text(b, o, "type", key[r]), MSC_REP_BARE),
            msc_rep_int(b, o, "k", (long long)f->k),
            msc_rep_number(b, o, "tau2", h.tau2, NULL),
            msc_rep_percent(b, o, "I2", h.I2, NULL),
            msc_rep_number(b, o, "Q", h.Q, NULL),
            msc_rep_number(b, o, "Q_df", h.df, NULL),
            msc_rep_pvalue(b, o, "Q_p", h.Q_p),
            msc_rep_number(b, o, "tau2_ci_lower", h.tau2_lo, NULL),
            msc_rep_number(b, o, "tau2_ci_upper", h.tau2_hi, NULL),
            msc_rep_number(b, o, "tau", h.tau, NULL),
            msc_rep_percent(b, o, "I2_ci_lower", h.I2_lo, NULL),
            msc_rep_percent(b, o, "I2_ci_upper", h.I2_hi, NULL),
            msc_rep_number(b, o, "H2", h.H2, NULL),
            msc_rep_number(b, o, "H2_ci_lower", h.H2_lo, NULL),
            msc_rep_number(b, o, "H2_ci_upper", h.H2_hi, NULL),
            msc_rep_number(b, o, "Q_lrt", h.Q_lrt, NULL),
            msc_rep_pvalue(b, o, "Q_lrt_p", h.Q_lrt_p),
            msc_rep_number(b, o, "lrt_tau2", h.lrt_tau2, NULL),
            msc_rep_pvalue(b, o, "lrt_tau2_p", h.lrt_tau2_p),
            msc_rep_number(b, o, "rho", h.rho, NULL),
            msc_rep_number(b, o, "rho_ci_lower", h.rho_lo, NULL),
            msc_rep_number(b, o, "rho_ci_upper", h.rho_hi, NULL),
            tested ? msc_rep_proportion(b, o, "null_proportion", e->null_prop) : NULL,
            tested ? msc_rep_number(b, o, "null_statistic", e->null_stat, NULL) : NULL,
            tested ? msc_rep_pvalue(b, o, "null_p", e->null_p) : NULL,
        };
        for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
            msc_rep_only(cells[i], MSC_REP_CSV);
    }
    /* the GLMM's population-averaged rate: a row of its own */
    msc_rep_node *random = f->has_random ? msc_rep_get(holder, "random", MSC_REP_ALL) : NULL;
    msc_rep_node *m = random ? msc_rep_get(random, "marginal", MSC_REP_ALL) : NULL;
    if (m && m->type == MSC_REP_OBJECT)
        msc_rep_only(msc_rep_text(b, msc_rep_flag(m, MSC_REP_ROW), "type", "random_marginal"),
                     MSC_REP_CSV);
}

static msc_rep_node *study(msc_rep *b, const void *ctx, size_t i)
{
    const msc_rep_octx *c = ctx;
    msc_rep_node *s = msc_rep_flag(msc_rep_data_study(b, c, i), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, s, "type", "study"), MSC_REP_CSV), MSC_REP_BARE);
    /* the CSV's estimate column holds each row's proportion */
    msc_rep_only(msc_rep_proportion(b, s, "estimate", c->o->xi[i] / c->o->ni[i]), MSC_REP_CSV);
    return s;
}

static msc_rep_node *excluded(msc_rep *b, const void *ctx, size_t i)
{
    msc_rep_node *e = msc_rep_flag(msc_rep_data_excluded(b, ctx, i), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, e, "type", "excluded"), MSC_REP_CSV), MSC_REP_BARE);
    return e;
}

static msc_rep_node *subgroup(msc_rep *b, const void *ctx, size_t g)
{
    const msc_rep_octx *c = ctx;
    const msc_group_result *gr = &c->o->group[g];
    msc_rep_group gf;
    msc_rep_group_fit(b, c, g, &gf);
    const msc_fit *f = &gf.fit;
    msc_rep_node *s = msc_rep_data_subgroup(b, c, g, &gf);
    msc_rep_flag(msc_rep_get(s, "group", MSC_REP_ALL), MSC_REP_INHERIT);
    fit_rows(b, s, f);
    if (c->opt->sens) {
        msc_rep_sens_subgroup(b, s, c, g, gf.warnings);
        msc_rep_sens_subgroup_view(b, s, c);
    }
    msc_rep_data_warning_rows(b, s, gf.warnings);
    /* the table's row: the block the tests use; p(Q) only from 2 studies */
    msc_rep_ref(b, s, "main", msc_rep_get(s, f->has_random ? "random" : "common", MSC_REP_ALL));
    msc_rep_only(msc_rep_pvalue(b, s, "p_Q",
                                gr->k > 1 && msc_fit_het_estimable(f) ? f->het.Q_p : NAN),
                 MSC_REP_TABLE);
    return s;
}

static void outcome_rows(msc_rep *b, msc_rep_node *out, const msc_outcome_result *o)
{
    msc_rep_flag(msc_rep_get(out, "outcome", MSC_REP_ALL), MSC_REP_INHERIT);
    msc_rep_data_warning_rows(b, out, &o->warnings); /* last, after every other row */
    if (o->skipped)
        return;
    fit_rows(b, out, &o->fit);
    msc_rep_node *ex = msc_rep_flag(msc_rep_get(out, "exact", MSC_REP_ALL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(b, ex, "type", "exact"), MSC_REP_CSV), MSC_REP_BARE);
    msc_rep_only(msc_rep_count(b, ex, "events", o->events_total), MSC_REP_CSV);
    msc_rep_only(msc_rep_count(b, ex, "n", o->n_total), MSC_REP_CSV);
    msc_rep_only(msc_rep_proportion(b, ex, "proportion", o->exact_est), MSC_REP_CSV);
    msc_rep_only(msc_rep_int(b, ex, "k", (long long)o->k), MSC_REP_CSV);
    msc_rep_only(msc_rep_bool(b, ex, "exact", 1), MSC_REP_CSV);
    if (o->n_groups) {
        msc_rep_node *t = msc_rep_flag(msc_rep_get(out, "subgroup_test", MSC_REP_ALL), MSC_REP_ROW);
        msc_rep_flag(msc_rep_only(msc_rep_text(b, t, "type", "subgroup_test"), MSC_REP_CSV),
                     MSC_REP_BARE);
        msc_rep_column(msc_rep_get(t, "df", MSC_REP_ALL), "Q_df");
        msc_rep_column(msc_rep_get(t, "p", MSC_REP_ALL), "Q_p");
    }
}

/* ---------------------------------------------------------------- table */

/* Digits of the largest count, at least 6: the width of a count column. */
static int count_width(const msc_outcome_result *o, const double *v)
{
    double mx = 0;
    for (size_t i = 0; i < o->k; i++)
        if (v[i] > mx)
            mx = v[i];
    int w = mx > 0 ? (int)floor(log10(mx)) + 1 : 1;
    return w < 6 ? 6 : w;
}

static const char *ci_head(msc_rep *b, const msc_analysis *a)
{
    return msc_rep_printf(b, "%s%% CI", msc_rep_level(b, a->settings.level));
}

/* The subgroup column's header: the column's name, cut to 16 characters;
 * NULL (no column) without subgroups. */
static const char *group_head(msc_rep *b, const msc_analysis *a)
{
    const char *col = a->data->group_col;
    if (!col)
        return NULL;
    char *head = msc_rep_alloc(b, 4 * 16 + 16);
    if (!head)
        return "";
    msc_text_display(col, 16, head, 4 * 16 + 16);
    return head;
}

static void study_grid(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_outcome_result *o = c->o;
    int w = o->fit.has_weights;
    const msc_rep_col cols[] = {
        {"", "Study", "{study:.28}", LABEL_W, 0},
        {" ", "Events", "{events}", count_width(o, o->xi), MSC_REP_RIGHT},
        {" ", "N", "{n}", count_width(o, o->ni), MSC_REP_RIGHT},
        {"  ", "Prop.", "{proportion}", 8, 0},
        {" ", o->ci_lo ? ci_head(b, c->a) : "", o->ci_lo ? INTERVAL("ci_lower", "ci_upper") : "",
         18, 0},
        {" ", "W(common)", w ? "{?{weight_common}%|NA}" : "--", 9, MSC_REP_RIGHT},
        {" ", "W(random)", w ? "{?{weight_random}%|NA}" : "--", 9, MSC_REP_RIGHT},
        {"  ", group_head(b, c->a), "{group:.16}", 0, MSC_REP_OPTIONAL},
    };
    if (o->fit.has_random) {
        msc_rep_grid(b, out, "studies", cols, 8, 1);
    } else { /* no W(random) */
        msc_rep_col fe[7];
        for (int j = 0, k = 0; j < 8; j++)
            if (j != 6)
                fe[k++] = cols[j];
        msc_rep_grid(b, out, "studies", fe, 7, 1);
    }
    if (!w)
        msc_rep_line(b, out,
                     o->fit.method == MSC_METHOD_BB
                         ? "(-- the beta-binomial model has no inverse-variance study weights)"
                         : "(-- the GLMM has no inverse-variance study weights)");
    msc_rep_line(b, out, "");
}

/* The pooled rows, the prediction interval and the exact proportion. */
static void pooled(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_analysis *a = c->a;
    const msc_fit *f = &c->o->fit;
    msc_rep_node *common = msc_rep_get(out, "common", MSC_REP_ALL);
    msc_rep_only(msc_rep_text(b, common, "label",
                              f->common.exact                         ? "Common effect (exact)"
                              : a->settings.method == MSC_METHOD_GLMM ? "Common effect (GLMM)"
                                                                      : "Common effect"),
                 MSC_REP_TABLE);
    if (f->has_random) {
        msc_rep_node *random = msc_rep_get(out, "random", MSC_REP_ALL);
        msc_rep_only(msc_rep_text(b, random, "label",
                                  f->random.exact ? "Random effects: exact*"
                                  : f->method == MSC_METHOD_BB
                                      ? "Beta-binomial (BB)"
                                      : msc_rep_printf(b, "Random effects (%s)",
                                                       msc_method_name(f->method))),
                     MSC_REP_TABLE);
    }
    /* No test of a proportion nobody named (logit 0 is 50%, PR 0 is 0%):
     * the z and p columns only with --null, for its H0 */
    int tested = !isnan(a->settings.null_prop);
    const char *stat = isfinite(msc_fit_main_block(f)->df) ? "t" : "z";
    const msc_rep_col cols[] = {
        {"", "", "{label:.28}", LABEL_W, 0},
        {"  ", "Prop.", "{estimate}", 8, 0},
        {" ", ci_head(b, a), INTERVAL("ci_lower", "ci_upper"), 18, 0},
        {" ",
         msc_method_uses_counts(a->settings.method) ? "logit"
                                                    : msc_measure_name(a->settings.measure),
         "{yi}", 9, MSC_REP_RIGHT},
        {" ", "SE", "{se}", 8, MSC_REP_RIGHT},
        {" ", stat, "{null_test.statistic}", 8, MSC_REP_RIGHT},
        {" ", "p", "{null_test.p}", 8, MSC_REP_RIGHT},
        {"", NULL, "{?  (t, {df} df)}", 0, 0},
    };
    if (tested) {
        msc_rep_grid(b, out, "common,random", cols, 8, 1);
    } else {
        msc_rep_col plain[6] = {cols[0], cols[1], cols[2], cols[3], cols[4], cols[7]};
        msc_rep_grid(b, out, "common,random", plain, 6, 1);
    }
    if (f->has_random) {
        static const msc_rep_col pi[] = {
            {"", NULL, "Prediction interval", LABEL_W, 0},
            {"  ", NULL, "", 8, 0},
            {" ", NULL, INTERVAL("pi_lower", "pi_upper"), 18, 0},
            {" ", NULL, "{?(t, {pi_df} df)|(z)}", 0, 0},
        };
        static const msc_rep_col none[] = {
            {"", NULL, "Prediction interval", LABEL_W, 0},
            {"  ", NULL, "not available (see warnings)", 0, 0},
        };
        static const msc_rep_col marginal[] = {
            {"", NULL, "Marginal (mean rate)", LABEL_W, 0},
            {"  ", NULL, "{estimate}", 8, 0},
            {" ", NULL, INTERVAL("ci_lower", "ci_upper"), 18, 0},
            {" ", NULL, "(population-averaged, over the GLMM's tau^2)", 0, 0},
        };
        if (isfinite(f->random.marg_est))
            msc_rep_grid(b, out, "random.marginal", marginal, 4, 0);
        static const msc_rep_col none_bb[] = {
            {"", NULL, "Prediction interval", LABEL_W, 0},
            {"  ", NULL, "not given by the beta-binomial model", 0, 0},
        };
        if (isfinite(f->random.pi_lo))
            msc_rep_grid(b, out, "random", pi, 4, 0);
        else if (f->method == MSC_METHOD_BB && !f->random.exact)
            msc_rep_grid(b, out, "random", none_bb, 2, 0);
        else
            msc_rep_grid(b, out, "random", none, 2, 0);
        if (f->random.exact)
            msc_rep_line(b, out,
                         f->method == MSC_METHOD_BB
                             ? "* the beta-binomial model could not be fitted here (see warnings): "
                               "the exact pooled proportion, Clopper-Pearson interval"
                             : "* the GLMM could not be fitted here (see warnings): the exact "
                               "pooled proportion, Clopper-Pearson interval");
    }
    static const msc_rep_col exact[] = {
        {"", NULL, "Exact, if homogeneous", LABEL_W, 0},
        {"  ", NULL, "{estimate}", 8, 0},
        {" ", NULL, INTERVAL("ci_lower", "ci_upper"), 18, 0},
        {" ", NULL, "{events_total} events / {n_total} patients (Clopper-Pearson)", 0, 0},
    };
    msc_rep_grid(b, out, "exact", exact, 4, 0);
    if (tested)
        msc_rep_line(
            b, out,
            msc_rep_printf(b, "(%s and p: H0 proportion = {settings.null} on the %s scale)", stat,
                           msc_method_uses_counts(a->settings.method)
                               ? "logit"
                               : msc_measure_scale_name(a->settings.measure)));
}

static void heterogeneity(msc_rep *b, msc_rep_node *out, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    msc_rep_node *h = msc_rep_get(out, "heterogeneity", MSC_REP_ALL);
    msc_rep_nested(b, out, "heterogeneity");
    msc_rep_line(b, h, "Heterogeneity");
    if (o->k < 2) {
        msc_rep_line(b, h, "  not estimable from a single study");
        return;
    }
    if (f->method == MSC_METHOD_BB) { /* rho, where tau^2 would be */
        msc_rep_line(b, h,
                     isfinite(f->het.rho)
                         ? "  rho = {rho}{?  [{settings.level_pct}% CI {rho_ci_lower}, "
                           "{rho_ci_upper}]} (intra-study correlation, 1/(a+b+1); 0 is binomial)"
                         : "  rho not estimable (see warnings)");
        return;
    }
    if (!msc_fit_het_estimable(f)) {
        msc_rep_line(b, h, "  not estimable (see warnings)");
        return;
    }
    if (f->has_random && f->het.tau2_ci_profile)
        msc_rep_line(b, h,
                     "  tau^2 = {tau2}{?  [{settings.level_pct}% CI {tau2_ci_lower}, "
                     "{tau2_ci_upper|NA}] (profile likelihood)}   tau = {tau}");
    else if (f->has_random)
        msc_rep_line(b, h,
                     "  tau^2 = {tau2}{?  [{settings.level_pct}% CI {tau2_ci_lower}, "
                     "{tau2_ci_upper|NA}]}   tau = {tau}");
    msc_rep_line(b, h,
                 "  I^2 = {?{I2}%|NA}{?  [{I2_ci_lower}%, {?{I2_ci_upper}%|NA}]}   H^2 = {H2}"
                 "{?  [{H2_ci_lower}, {H2_ci_upper|NA}]}");
    if (f->method == MSC_METHOD_GLMM) {
        msc_rep_line(b, h,
                     "  Wald Q = {Q}, df = {df}, {p:prose};  likelihood-ratio Q = {Q_lrt}, "
                     "{Q_lrt_p:prose}");
        if (isfinite(f->het.lrt_tau2))
            msc_rep_line(b, h,
                         "  LRT of tau^2 = 0: {lrt_tau2.statistic}, {lrt_tau2.p:prose} "
                         "(50:50 mixture of chi^2_0 and chi^2_1)");
    } else
        msc_rep_line(b, h, "  Q = {Q}, df = {df}, {p:prose}");
}

static void subgroups(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_rep_col cols[] = {
        {"  ", "Group", "{group:.26}", LABEL_W - 2, 0},
        {" ", "k", "{k}", 5, MSC_REP_RIGHT},
        {"  ", "Prop.", "{main.estimate}", 8, 0},
        {" ", ci_head(b, c->a), INTERVAL("main.ci_lower", "main.ci_upper"), 18, 0},
        {" ", "tau^2", "{heterogeneity.tau2|NA}", 8, MSC_REP_RIGHT},
        {" ", "I^2", "{?{heterogeneity.I2}%|NA}", 7, MSC_REP_RIGHT},
        {" ", "Q", "{heterogeneity.Q|NA}", 8, MSC_REP_RIGHT},
        {" ", "p(Q)", "{p_Q}", 8, MSC_REP_RIGHT},
    };
    msc_rep_line(b, out, "");
    msc_rep_line(b, out, "Subgroups by \"{subgroup:.40}\"");
    msc_rep_grid(b, out, "subgroups", cols, 8, 1);
    const char *line;
    if (c->o->sg_test == MSC_SGTEST_LRT && c->o->sg_tau2 > 0)
        line = "Test for subgroup differences (likelihood ratio, binomial-normal model with the "
               "subgroup as a fixed effect, common tau^2 = {subgroup_test.tau2}): "
               "LRT = {subgroup_test.LRT}, df = {subgroup_test.df}, {subgroup_test.p:prose}";
    else if (c->o->sg_test == MSC_SGTEST_LRT)
        line = "Test for subgroup differences (likelihood ratio, logistic model with the "
               "subgroup as a fixed effect; tau^2 = 0): "
               "LRT = {subgroup_test.LRT}, df = {subgroup_test.df}, {subgroup_test.p:prose}";
    else if (c->o->sg_test == MSC_SGTEST_FISHER)
        line = "Test for subgroup differences (Fisher's exact test on the pooled events by "
               "subgroup): {subgroup_test.p:prose}";
    else if (c->o->fit.has_random)
        line = "Test for subgroup differences (random-effects estimates): "
               "Q = {subgroup_test.Q}, df = {subgroup_test.df}, {subgroup_test.p:prose}";
    else
        line = "Test for subgroup differences (common-effect estimates): "
               "Q = {subgroup_test.Q}, df = {subgroup_test.df}, {subgroup_test.p:prose}";
    msc_rep_line(b, out, line);
    msc_rep_data_group_warnings(b, out, c); /* the subgroups' warnings, grouped */
    msc_rep_each(b, out, "group_warnings", "  ! {groups}: {message}");
}

static void outcome_view(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c)
{
    const msc_outcome_result *o = c->o;
    msc_rep_only(msc_rep_text(b, out, "k_noun", o->k == 1 ? "study" : "studies"), MSC_REP_TABLE);
    msc_rep_only(
        msc_rep_text(b, out, "model_why", c->a->settings.method_default ? "the default" : NULL),
        MSC_REP_TABLE);
    msc_rep_only(msc_rep_int(b, out, "n_excluded", (long long)o->n_excluded), MSC_REP_TABLE);
    if (o->skipped) {
        msc_rep_line(b, out, "\n== {outcome:.60} (no usable study) ==");
    } else {
        msc_rep_line(b, out,
                     "\n== {outcome:.60} (k = {k} {k_noun}; denominator \"{denominator:.60}\"; "
                     "{settings.method}{?, {model_why}}) ==");
        msc_rep_line(b, out, "");
        if (!c->opt->summary_only)
            study_grid(b, out, c);
        pooled(b, out, c);
        msc_rep_line(b, out, "");
        heterogeneity(b, out, o);
        if (o->n_groups > 0)
            subgroups(b, out, c);
        if (c->opt->sens)
            msc_rep_sens_view(b, out, c);
    }
    if (o->n_excluded) {
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Excluded ({n_excluded}):");
        msc_rep_data_excluded_groups(b, out, c);
        msc_rep_each(b, out, "excluded_groups", "  {studies}: {reason}");
    }
    const msc_rep_node *w = msc_rep_get(out, "warnings", MSC_REP_TABLE);
    if (w && w->v.c.count) { /* the outcome's own and its sensitivity analyses' */
        msc_rep_line(b, out, "");
        msc_rep_line(b, out, "Warnings:");
        msc_rep_each(b, out, "warnings", "  ! {.}");
    }
}

static msc_rep_node *outcome(msc_rep *b, const void *ctx, size_t j)
{
    static const msc_rep_fills fills = {study, excluded, subgroup};
    const doc_ctx *d = ctx;
    msc_rep_octx *c = msc_rep_alloc(b, sizeof *c);
    if (!c)
        return msc_rep_null(b, NULL, NULL);
    *c = (msc_rep_octx){d->a, d->opt, &d->a->outcome[j], NULL};
    msc_rep_node *out = msc_rep_data_outcome(b, c, &fills);
    outcome_rows(b, out, c->o);
    if (d->opt->sens)
        msc_rep_sens_outcome(b, out, c);
    outcome_view(b, out, c);
    return out;
}

/* The settings lines under the title. */
static void settings_view(msc_rep *b, msc_rep_node *st, const msc_settings *s)
{
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);
    msc_rep_only(msc_rep_text(b, st, "scale", msc_measure_scale_name(s->measure)), MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "test_long",
                              s->test == MSC_TEST_KNHA ? "Hartung-Knapp-Sidik-Jonkman t" : "z"),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "ci_long", msc_study_ci_long_name(s->study_ci)),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "pi_long",
                              s->pi == MSC_PI_HTS ? "Higgins-Thompson-Spiegelhalter (t, k-2 df)"
                              : s->pi == MSC_PI_T ? "t with k-1 df"
                                                  : "z (metafor's default)"),
                 MSC_REP_TABLE);
    msc_rep_only(msc_rep_text(b, st, "cc_where",
                              mode == MSC_CC_ONLY0 ? "of studies with 0 or n events"
                              : mode == MSC_CC_ALL ? "of every study"
                                                   : "of every study, as some have 0 or n events"),
                 MSC_REP_TABLE);
    if (s->method == MSC_METHOD_GLMM)
        msc_rep_line(b, st,
                     "Model:    binomial-normal GLMM (ML, {nagq}-point adaptive Gauss-Hermite), "
                     "logit scale; Wald z test; {level_pct}% level");
    else if (s->method == MSC_METHOD_BB)
        msc_rep_line(b, st,
                     "Model:    beta-binomial with a common rho (ML on logit mu, logit rho), "
                     "logit scale; Wald z test; {level_pct}% level");
    else if (s->method == MSC_METHOD_FE)
        msc_rep_line(b, st,
                     "Model:    common effect; {scale} scale ({measure}); {test_long} test; "
                     "{level_pct}% level");
    else
        msc_rep_line(b, st,
                     "Model:    random effects, tau^2 by {method_long}; {scale} scale ({measure}); "
                     "{test_long} test; {level_pct}% level");
    if (s->method_default)
        msc_rep_line(
            b, st,
            s->method == MSC_METHOD_GLMM
                ? "Why:      the default for PLO: the GLMM fits the counts, so zero events "
                  "need no continuity correction (--method REML gives metafor's "
                  "inverse-variance model)"
            : s->test == MSC_TEST_KNHA
                ? "Why:      the default with --test knha, which applies to "
                  "inverse-variance models (the GLMM, on PLO with the z test, fits the "
                  "counts instead)"
                : "Why:      the default for this measure (--method GLMM, on PLO, fits "
                  "the counts instead)");
    msc_rep_line(b, st,
                 s->method == MSC_METHOD_FE
                     ? "Studies:  {ci_long} intervals"
                     : "Studies:  {ci_long} intervals; prediction interval {pi_long}");
    if (msc_method_uses_counts(s->method))
        msc_rep_line(b, st,
                     mode == MSC_CC_NONE
                         ? "Correction: none (the model fits the counts)"
                         : "Correction: none in the model, which fits the counts ({cc_display} "
                           "added to events and non-events {cc_where} only for the "
                           "per-study logits shown and I^2)");
    else
        msc_rep_line(b, st,
                     mode == MSC_CC_NONE
                         ? "Correction: none"
                         : "Correction: {cc} added to events and non-events {cc_where}");
}

msc_status msc_rep_build_pool(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                              msc_rep_doc *doc)
{
    doc_ctx *d = msc_rep_alloc(b, sizeof *d);
    if (!d)
        return b->err;
    *d = (doc_ctx){a, o};
    msc_rep_node *root = msc_rep_data_document(b, a, o, "pool", outcome, d);
    msc_rep_line(b, root, "mscmeta {version}: meta-analysis of proportions, {input:.80}");
    settings_view(b, msc_rep_get(root, "settings", MSC_REP_ALL), &a->settings);
    msc_rep_nested(b, root, "settings");
    msc_rep_each(b, root, "warnings", "! {.}");
    msc_rep_nested(b, root, "outcomes");
    *doc = (msc_rep_doc){root, COLUMNS, "%.4f", 1.0};
    if (o->sens) /* the sections' own columns, after the usual ones */
        doc->csv_columns = msc_rep_printf(b, "%s%s", COLUMNS, msc_rep_sens_columns);
    return b->err;
}
