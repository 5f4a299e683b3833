/*
 * The rows of a forest plot, from the analysis, as plain data: the studies
 * (under a heading, with a diamond and a heterogeneity line per subgroup),
 * the overall diamonds, the prediction interval, exact pooled proportions
 * where the GLMM could not be fitted, and the footer's heterogeneity, test
 * and model lines; with the column headings and the axis title. Every
 * number shown comes from the analysis: this file computes no statistics,
 * it only formats them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"
#include "msc_forest.h"
#include "msc_stats.h"
#include "mscmeta/compare.h"
#include "mscmeta/sens.h"

typedef msc_forest_rows rows;
typedef msc_forest_row row;

static row *add_row(rows *rs, msc_forest_kind kind, const char *label, double height)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 64;
        row *nr = realloc(rs->r, cap * sizeof *nr);
        if (!nr)
            return NULL;
        rs->r = nr;
        rs->cap = cap;
    }
    row *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->label = label;
    r->height = height;
    r->est = r->lo = r->hi = r->size_by = NAN;
    return r;
}

static void fmt_value(char *out, size_t len, double v, double scale)
{
    if (!isfinite(v))
        out[0] = '\0';
    else
        snprintf(out, len, scale == 1.0 ? "%.3f" : "%.1f", v);
}

/* Fills the right-hand columns of a row from est, lo, hi. */
static void fmt_interval(row *r, double scale)
{
    fmt_value(r->text[MSC_FOREST_COL_EST], sizeof r->text[0], r->est, scale);
    if (isfinite(r->lo) && isfinite(r->hi)) {
        char lo[48], hi[48];
        fmt_value(lo, sizeof lo, r->lo, scale);
        fmt_value(hi, sizeof hi, r->hi, scale);
        snprintf(r->text[MSC_FOREST_COL_LO], sizeof r->text[0], "[%s,", lo);
        snprintf(r->text[MSC_FOREST_COL_HI], sizeof r->text[0], "%s]", hi);
    }
}

/* The weight columns of study i: common (and random) weights in %, or a
 * dash when the fit has no inverse-variance weights. */
static void fmt_weights(const rows *rs, row *r, const msc_outcome_result *o, size_t i)
{
    double w_common = msc_outcome_weight(o, i, 0), w_random = msc_outcome_weight(o, i, 1);
    r->size_by = o->fit.has_weights ? (o->fit.has_random ? w_random : w_common) : o->ni[i];
    if (!rs->weights) {
        snprintf(r->text[MSC_FOREST_COL_W1], sizeof r->text[0], "\xE2\x80\x94"); /* em dash */
    } else {
        if (isfinite(w_common))
            snprintf(r->text[MSC_FOREST_COL_W1], sizeof r->text[0], "%.1f%%", w_common);
        if (rs->two_weights && isfinite(w_random))
            snprintf(r->text[MSC_FOREST_COL_W2], sizeof r->text[0], "%.1f%%", w_random);
    }
}

static row *add_study(rows *rs, const msc_outcome_result *o, size_t i, const char *label,
                      double scale)
{
    row *r = add_row(rs, MSC_FOREST_STUDY, label, 1.0);
    if (!r)
        return NULL;
    r->est = o->xi[i] / o->ni[i] * scale; /* the observed proportion, as the table shows it */
    r->lo = o->ci_lo[i] * scale;
    r->hi = o->ci_hi[i] * scale;
    snprintf(r->text[MSC_FOREST_COL_EVENTS], sizeof r->text[0], "%.0f", o->xi[i]);
    snprintf(r->text[MSC_FOREST_COL_N], sizeof r->text[0], "%.0f", o->ni[i]);
    fmt_interval(r, scale);
    fmt_weights(rs, r, o, i);
    return r;
}

static row *add_pooled(rows *rs, const char *label, int dark, double est, double lo, double hi,
                       double scale)
{
    row *r = add_row(rs, MSC_FOREST_POOLED, label, 1.0);
    if (!r)
        return NULL;
    r->dark = dark;
    r->est = est * scale;
    r->lo = lo * scale;
    r->hi = hi * scale;
    fmt_interval(r, scale);
    return r;
}

/* "Heterogeneity: I² = 35.8%, τ² = 0.171, p = 0.504" for a fit. */
static void het_text(const msc_fit *f, size_t k, int with_q, char *out, size_t len)
{
    const msc_heterogeneity *h = &f->het;
    char p[32], tau[48] = "", q[64] = "";
    if (k < 2) {
        snprintf(out, len, "Heterogeneity: not applicable (one study)");
        return;
    }
    if (!msc_fit_het_estimable(f)) {
        snprintf(out, len, "Heterogeneity: not estimable (the GLMM could not be fitted)");
        return;
    }
    msc_pvalue_text(p, sizeof p, h->Q_p, 3, MSC_P_PROSE);
    if (f->has_random && isfinite(h->tau2))
        snprintf(tau, sizeof tau, ", \xCF\x84\xC2\xB2 = %.3g", h->tau2);
    if (with_q)
        snprintf(q, sizeof q, ", %sQ = %.2f (df = %g)", f->method == MSC_METHOD_GLMM ? "Wald " : "",
                 h->Q, h->df);
    snprintf(out, len, "Heterogeneity: I\xC2\xB2 = %.1f%%%s%s, %s", h->I2, tau, q, p);
    if (with_q && f->method == MSC_METHOD_GLMM && isfinite(h->Q_lrt)) {
        char p2[32];
        size_t l = strlen(out);
        msc_pvalue_text(p2, sizeof p2, h->Q_lrt_p, 3, MSC_P_PROSE);
        snprintf(out + l, len - l, "; likelihood-ratio Q = %.2f, %s", h->Q_lrt, p2);
    }
}

static void add_note(rows *rs, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add_note(rows *rs, const char *fmt, ...)
{
    if (rs->n_notes >= sizeof rs->notes / sizeof rs->notes[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rs->notes[rs->n_notes++], sizeof rs->notes[0], fmt, ap);
    va_end(ap);
}

/* The model rows of a fit: diamonds and the prediction interval. A block
 * holding the exact pooled proportion (the GLMM could not be fitted) is
 * drawn as such; the common block shows overall, and in groups only for FE. */
static int add_model_rows(rows *rs, const msc_fit *f, int group, double scale)
{
    if ((!group || !f->has_random) && !(f->has_random && f->common.exact))
        if (!add_pooled(rs, f->common.exact ? "Exact pooled proportion" : "Common effect model", 0,
                        f->common.est, f->common.ci_lo, f->common.ci_hi, scale))
            return -1;
    if (!f->has_random)
        return 0;
    const msc_estimate *e = &f->random;
    if (e->exact) /* grey, as the common effect */
        return add_pooled(rs, "Exact pooled proportion", 0, e->est, e->ci_lo, e->ci_hi, scale) ? 0
                                                                                               : -1;
    if (!add_pooled(rs, "Random effects model", 1, e->est, e->ci_lo, e->ci_hi, scale))
        return -1;
    if (!group && isfinite(e->pi_lo) && isfinite(e->pi_hi)) {
        row *r = add_row(rs, MSC_FOREST_PI, "Prediction interval", 1.0);
        if (!r)
            return -1;
        r->lo = e->pi_lo * scale;
        r->hi = e->pi_hi * scale;
        fmt_interval(r, scale);
    }
    return 0;
}

/* A fit's model rows (add_model_rows, which adds at least one) with the
 * events and patients of its studies beside the first, as meta prints them. */
static int add_fit_rows(rows *rs, const msc_fit *f, int group, double events, double n,
                        double scale)
{
    size_t first = rs->n;
    if (add_model_rows(rs, f, group, scale) < 0)
        return -1;
    row *r = &rs->r[first];
    snprintf(r->text[MSC_FOREST_COL_EVENTS], sizeof r->text[0], "%.0f", events);
    snprintf(r->text[MSC_FOREST_COL_N], sizeof r->text[0], "%.0f", n);
    return 0;
}

/* --------------------------------------------------------------- order */

/* What the studies are sorted by: per study of the outcome, a number
 * (NAN: missing) or a text (NULL: missing). */
typedef struct {
    const double *num;
    const char *const *text;
} sort_key;

static _Thread_local const sort_key *cmp_key; /* qsort has no context argument */

/* Study a before b: missing last; numbers by value, texts byte by byte
 * (UTF-8 orders as code points); ties in file order. */
static int cmp_studies(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const sort_key *k = cmp_key;
    int c = 0;
    if (k->num) {
        double x = k->num[a], y = k->num[b];
        c = isnan(x) ? (isnan(y) ? 0 : 1) : isnan(y) ? -1 : (x > y) - (x < y);
    } else {
        const char *x = k->text[a], *y = k->text[b];
        c = !x ? (y ? 1 : 0) : !y ? -1 : strcmp(x, y);
    }
    return c ? c : (a > b) - (a < b);
}

/* Whether every present value of a kept column reads as a number (then
 * it sorts by value: 9 before 10). */
static int all_numbers(const msc_kept_column *col, const msc_outcome_result *o, double *num)
{
    for (size_t i = 0; i < o->k; i++) {
        const char *v = col->value[o->row[i]];
        num[i] = NAN;
        if (!v)
            continue;
        char *end;
        num[i] = strtod(v, &end);
        if (end == v || *end || !isfinite(num[i]))
            return 0;
    }
    return 1;
}

/* The order of the outcome's studies (0..k-1) as opt asks: order[j] is
 * the j-th study shown. Returns MSC_OK, MSC_ERR_USAGE (a sort column the
 * data set did not keep) or MSC_ERR_NOMEM, with err. */
static msc_status study_order(const msc_analysis *a, const msc_outcome_result *o,
                              const msc_plot_options *opt, size_t *order, char *err, size_t errlen)
{
    for (size_t i = 0; i < o->k; i++)
        order[i] = i;
    if (opt->sort == MSC_PLOT_SORT_FILE || o->k < 2)
        return MSC_OK;
    double *num = malloc(o->k * sizeof *num);
    const char **text = NULL;
    if (!num) {
        snprintf(err, errlen, "out of memory");
        return MSC_ERR_NOMEM;
    }
    sort_key key = {num, NULL};
    if (opt->sort == MSC_PLOT_SORT_ESTIMATE) {
        for (size_t i = 0; i < o->k; i++)
            num[i] = o->xi[i] / o->ni[i]; /* the proportion the row shows */
    } else if (opt->sort == MSC_PLOT_SORT_N) {
        for (size_t i = 0; i < o->k; i++)
            num[i] = o->ni[i];
    } else {
        const msc_kept_column *col = msc_dataset_kept(a->data, opt->sort_col);
        if (!col) {
            char shown[128];
            msc_text_display(opt->sort_col, 60, shown, sizeof shown);
            snprintf(err, errlen, "sort column \"%s\" was not loaded (msc_load_options.keep_cols)",
                     shown);
            free(num);
            return MSC_ERR_USAGE;
        }
        if (!all_numbers(col, o, num)) {
            text = malloc(o->k * sizeof *text);
            if (!text) {
                free(num);
                snprintf(err, errlen, "out of memory");
                return MSC_ERR_NOMEM;
            }
            for (size_t i = 0; i < o->k; i++)
                text[i] = col->value[o->row[i]];
            key.num = NULL;
            key.text = text;
        }
    }
    cmp_key = &key;
    qsort(order, o->k, sizeof *order, cmp_studies);
    cmp_key = NULL;
    free(num);
    free(text);
    return MSC_OK;
}

/* Subgroup g's fit (msc_group_fit, its warnings dropped): 0, or -1. */
static int group_fit(const msc_analysis *a, const msc_outcome_result *o, size_t g, msc_fit *f)
{
    msc_warnings w = {0};
    msc_status rc = msc_group_fit(a, o, g, f, &w);
    msc_warnings_clear(&w);
    return rc == MSC_OK ? 0 : -1;
}

/* A subgroup: heading, studies, diamond with totals, heterogeneity line. */
static int add_group(rows *rs, const msc_analysis *a, const msc_outcome_result *o,
                     const msc_group_result *gr, const size_t *order, const size_t *group_of,
                     size_t g, double scale)
{
    const msc_dataset *d = a->data;
    if (!add_row(rs, MSC_FOREST_HEADING, gr->name, 1.0))
        return -1;
    for (size_t j = 0; j < o->k; j++) { /* the group's studies, in the order asked for */
        size_t i = order[j];
        if (group_of[i] == g && !add_study(rs, o, i, d->label[o->row[i]], scale))
            return -1;
    }
    msc_fit f;
    if (group_fit(a, o, g, &f) < 0 ||
        add_fit_rows(rs, &f, 1, gr->events_total, gr->n_total, scale) < 0)
        return -1;
    row *nt = add_row(rs, MSC_FOREST_NOTE, NULL, 1.0);
    if (!nt)
        return -1;
    het_text(&f, gr->k, 0, nt->text[MSC_FOREST_COL_NOTE], sizeof nt->text[0]);
    return add_row(rs, MSC_FOREST_BLANK, NULL, 0.6) ? 0 : -1;
}

/* The studies, under a heading, diamond and heterogeneity line per
 * subgroup when there are subgroups. */
static int add_body(rows *rs, const msc_analysis *a, const msc_outcome_result *o,
                    const size_t *order, size_t *group_of, double scale)
{
    const msc_dataset *d = a->data;
    if (o->n_groups == 0) {
        for (size_t j = 0; j < o->k; j++)
            if (!add_study(rs, o, order[j], d->label[o->row[order[j]]], scale))
                return -1;
        return add_row(rs, MSC_FOREST_BLANK, NULL, 0.4) ? 0 : -1;
    }
    for (size_t i = 0; i < o->k; i++)
        group_of[i] = o->n_groups; /* none */
    for (size_t g = 0; g < o->n_groups; g++)
        for (size_t j = 0; j < o->group[g].k; j++)
            group_of[o->group[g].study[j]] = g;
    for (size_t g = 0; g < o->n_groups; g++)
        if (add_group(rs, a, o, &o->group[g], order, group_of, g, scale) < 0)
            return -1;
    if (o->n_group_missing) { /* in the overall pool, in no subgroup */
        /* "No <column> value": the layout shows missing_head */
        if (!add_row(rs, MSC_FOREST_HEADING, NULL, 1.0))
            return -1;
        for (size_t j = 0; j < o->k; j++) {
            size_t i = order[j];
            if (!d->group[o->row[i]] && !add_study(rs, o, i, d->label[o->row[i]], scale))
                return -1;
        }
        if (!add_row(rs, MSC_FOREST_BLANK, NULL, 0.6))
            return -1;
    }
    return 0;
}

/* The footnotes under the heterogeneity lines: no prediction interval,
 * no weights, exact pooled proportions, studies not shown. */
static int add_footnotes(rows *rs, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    if (f->has_random && !f->random.exact && !isfinite(f->random.pi_lo)) {
        size_t need = a->settings.pi == MSC_PI_HTS ? 3 : 2;
        if (o->k < need)
            add_note(rs, "No prediction interval: it needs at least %zu studies.", need);
    }
    if (!f->has_weights)
        add_note(rs,
                 "\xE2\x80\x94 The %s has no inverse-variance study weights; squares are "
                 "sized by the number of patients.",
                 f->method == MSC_METHOD_BB ? "beta-binomial model" : "GLMM");
    int exact = f->exact_fallback;
    for (size_t g = 0; g < o->n_groups && !exact; g++) {
        msc_fit gf;
        if (group_fit(a, o, g, &gf) < 0)
            return -1;
        exact |= gf.exact_fallback;
    }
    if (exact)
        add_note(rs,
                 "Exact pooled proportion: where the %s could not be fitted (see the report), "
                 "sum of events / sum of patients with its Clopper-Pearson interval.",
                 f->method == MSC_METHOD_BB ? "beta-binomial model" : "GLMM");
    if (o->n_excluded)
        add_note(rs, "Not shown: %zu stud%s without usable counts.", o->n_excluded,
                 o->n_excluded == 1 ? "y" : "ies");
    return 0;
}

/* Footer: heterogeneity, the subgroup test, the model, footnotes: 0, or
 * -1 (out of memory). */
static int add_footer(rows *rs, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    char line[256];
    het_text(f, o->k, 1, line, sizeof line);
    add_note(rs, "%s", line);
    if (o->n_groups) {
        char p[32];
        msc_pvalue_text(p, sizeof p, o->Q_between_p, 3, MSC_P_PROSE);
        if (o->sg_test == MSC_SGTEST_LRT)
            add_note(rs,
                     "Test for subgroup differences (likelihood ratio, %s): LRT = %.2f, "
                     "df = %g, %s",
                     o->sg_tau2 > 0 ? "binomial-normal model" : "logistic model", o->Q_between,
                     o->Q_between_df, p);
        else if (o->sg_test == MSC_SGTEST_FISHER)
            add_note(rs,
                     "Test for subgroup differences (Fisher's exact test on the pooled "
                     "events): %s",
                     p);
        else if (isfinite(o->Q_between))
            add_note(rs, "Test for subgroup differences (%s): Q = %.2f, df = %g, %s",
                     f->has_random ? "random effects" : "common effect", o->Q_between,
                     o->Q_between_df, p);
        else
            add_note(rs, "Test for subgroup differences: not available (needs two subgroups "
                         "with an estimate)");
    }
    msc_plot_method_line(a, o, line, sizeof line);
    add_note(rs, "%s", line);
    return add_footnotes(rs, a, o);
}

/* The column headings, the missing-subgroup heading and the axis title. */
static void make_heads(rows *rs, const msc_analysis *a, const msc_outcome_result *o,
                       const msc_plot_options *opt)
{
    const char *est = opt->scale == 100.0    ? "Per 100"
                      : opt->scale == 1000.0 ? "Per 1000"
                                             : "Proportion";
    snprintf(rs->ci_head, sizeof rs->ci_head, "%s [%.4g%% CI]", est, 100.0 * a->settings.level);
    char col[128];
    msc_plot_group_names(a, col, sizeof col, rs->missing_head, sizeof rs->missing_head);
    char name[256];
    msc_plot_outcome_name(o, name, sizeof name);
    if (opt->scale == 1.0)
        snprintf(rs->axis_label, sizeof rs->axis_label, "%s (proportion)", name);
    else
        snprintf(rs->axis_label, sizeof rs->axis_label, "%s per %.0f patients", name, opt->scale);
}

/* ------------------------------------------------ sensitivity rows */

/* Which rows a sensitivity forest plot shows (forest --leave-one-out or
 * --cumulative): 0 none, 1 leave-one-out, 2 cumulative. */
static int sens_kind(const msc_plot_options *opt)
{
    const msc_sens *s = opt->sens;
    if (!s)
        return 0;
    return s->opt.leave_one_out ? 1 : s->opt.cumulative ? 2 : 0;
}

/* The rows of one block: per fit, the study left out (added), the events
 * and patients of the studies fitted, the estimate with its interval, and
 * I^2 in the weight column; every number from the fits. */
static int add_sens_fits(rows *rs, const msc_analysis *a, const msc_outcome_result *o,
                         const msc_sens_block *b, int kind, double events, double n, double scale)
{
    const msc_sens_fit *f = kind == 1 ? b->loo : b->cumul;
    if (!f)
        return 0; /* fewer than 2 studies: the block's warning says so */
    double ce = 0, cn = 0;
    for (size_t j = 0; j < b->k; j++) {
        size_t i = f[j].study;
        row *r = add_row(rs, MSC_FOREST_STUDY, a->data->label[o->row[i]], 1.0);
        if (!r)
            return -1;
        ce += o->xi[i];
        cn += o->ni[i];
        double ev = kind == 1 ? events - o->xi[i] : ce, nn = kind == 1 ? n - o->ni[i] : cn;
        snprintf(r->text[MSC_FOREST_COL_EVENTS], sizeof r->text[0], "%.0f", ev);
        snprintf(r->text[MSC_FOREST_COL_N], sizeof r->text[0], "%.0f", nn);
        r->size_by = 1.0; /* one fit each: equal squares */
        if (!f[j].ok) {
            snprintf(r->text[MSC_FOREST_COL_EST], sizeof r->text[0], "not estimable");
            continue;
        }
        r->est = f[j].e.est * scale;
        r->lo = f[j].e.ci_lo * scale;
        r->hi = f[j].e.ci_hi * scale;
        fmt_interval(r, scale);
        if (isfinite(f[j].I2))
            snprintf(r->text[MSC_FOREST_COL_W1], sizeof r->text[0], "%.1f%%", f[j].I2);
    }
    return 0;
}

/* The sensitivity rows: per subgroup a heading, its fits and its full
 * diamond; then every study's fits and the full model rows. */
static int add_sens_body(rows *rs, const msc_analysis *a, const msc_outcome_result *o,
                         const msc_sens_outcome *so, int kind, double scale)
{
    for (size_t g = 0; g < o->n_groups && g < so->n_groups; g++) {
        const msc_group_result *gr = &o->group[g];
        double ev = gr->events_total, n = gr->n_total;
        msc_fit f;
        if (!add_row(rs, MSC_FOREST_HEADING, gr->name, 1.0) ||
            add_sens_fits(rs, a, o, &so->group[g], kind, ev, n, scale) < 0 ||
            group_fit(a, o, g, &f) < 0 || add_fit_rows(rs, &f, 1, ev, n, scale) < 0 ||
            !add_row(rs, MSC_FOREST_BLANK, NULL, 0.6))
            return -1;
    }
    if (o->n_groups && !add_row(rs, MSC_FOREST_HEADING, "All studies", 1.0))
        return -1;
    if (add_sens_fits(rs, a, o, &so->all, kind, o->events_total, o->n_total, scale) < 0 ||
        !add_row(rs, MSC_FOREST_BLANK, NULL, 0.4))
        return -1;
    return add_fit_rows(rs, &o->fit, 0, o->events_total, o->n_total, scale);
}

/* The footer of a sensitivity plot: what a row is, the model, the order. */
static void add_sens_footer(rows *rs, const msc_analysis *a, const msc_outcome_result *o, int kind,
                            const char *col)
{
    if (kind == 1)
        add_note(rs, "Each row: the model refitted without the study named (\xCF\x84\xC2\xB2 "
                     "re-estimated); events and N of the studies kept.");
    else
        add_note(rs,
                 "Each row: the model fitted to the studies up to the one named, added in %s; "
                 "events and N so far.",
                 col ? "ascending order of the order column (ties in file order)" : "file order");
    char line[256];
    msc_plot_method_line(a, o, line, sizeof line);
    add_note(rs, "%s", line);
    if (isfinite(rs->est_line))
        add_note(rs, "Dotted line: the estimate from all studies.");
    if (o->n_excluded)
        add_note(rs, "Not shown: %zu stud%s without usable counts.", o->n_excluded,
                 o->n_excluded == 1 ? "y" : "ies");
}

msc_status msc_forest_rows_build(msc_forest_rows *rs, const msc_analysis *a,
                                 const msc_outcome_result *o, const msc_plot_options *opt,
                                 char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    double scale = opt->scale;
    make_heads(rs, a, o, opt);
    rs->title = opt->title && opt->title[0] ? opt->title : NULL;
    rs->ref = isnan(opt->ref) ? NAN : opt->ref * opt->scale;
    double est = msc_fit_main_block(&o->fit)->est;
    rs->est_line = isfinite(est) ? est * scale : NAN;
    rs->weights = o->fit.has_weights;
    rs->two_weights = o->fit.has_weights && o->fit.has_random;
    rs->study_head = "Study";
    rs->w_head = "Weight";
    int kind = sens_kind(opt);
    if (kind) {
        size_t j = (size_t)(o - a->outcome);
        if (j >= opt->sens->n_outcomes) {
            snprintf(err, errlen, "forest plot: the sensitivity results are not of this analysis");
            return MSC_ERR_USAGE;
        }
        rs->study_head = kind == 1 ? "Omitted study" : "Added study";
        rs->w_head = "I\xC2\xB2";
        rs->weights = 1;
        rs->two_weights = 0;
        if (add_sens_body(rs, a, o, &opt->sens->outcome[j], kind, scale) < 0) {
            snprintf(err, errlen, "out of memory");
            return MSC_ERR_NOMEM;
        }
        add_sens_footer(rs, a, o, kind, opt->sens->opt.cumulative_col);
    } else {
        size_t *order = malloc(2 * o->k * sizeof *order); /* the order, then each study's group */
        if (!order) {
            snprintf(err, errlen, "out of memory");
            return MSC_ERR_NOMEM;
        }
        msc_status rc = study_order(a, o, opt, order, err, errlen);
        if (rc == MSC_OK &&
            (add_body(rs, a, o, order, order + o->k, scale) < 0 ||
             add_fit_rows(rs, &o->fit, 0, o->events_total, o->n_total, scale) < 0)) {
            snprintf(err, errlen, "out of memory");
            rc = MSC_ERR_NOMEM;
        }
        free(order);
        if (rc != MSC_OK)
            return rc;
        if (add_footer(rs, a, o) < 0) {
            snprintf(err, errlen, "out of memory");
            return MSC_ERR_NOMEM;
        }
    }
    if (isfinite(rs->ref))
        add_note(rs, "Dashed line: reference at %g%s", rs->ref,
                 scale == 1.0     ? ""
                 : scale == 100.0 ? " per 100"
                                  : " per 1000");
    return MSC_OK;
}

/* ------------------------------------------------------ compare rows */

/* What compare row cr shows of outcome j: the estimate and interval its
 * report row shows (build_compare.c), and I^2 where the model has it. */
static void compare_values(const msc_compare_row *cr, size_t j, double *v, double *I2)
{
    const msc_outcome_result *o = &cr->a->outcome[j];
    const msc_fit *f = &o->fit;
    msc_heterogeneity h = {.tau2 = NAN, .I2 = NAN, .rho = NAN};
    v[0] = v[1] = v[2] = NAN;
    if (!o->skipped) {
        switch (cr->block) {
        case MSC_COMPARE_RANDOM:
            v[0] = f->random.est, v[1] = f->random.ci_lo, v[2] = f->random.ci_hi;
            msc_fit_het_shown(f, &h);
            break;
        case MSC_COMPARE_MARGINAL:
            v[0] = f->random.marg_est, v[1] = f->random.marg_lo, v[2] = f->random.marg_hi;
            msc_fit_het_shown(f, &h);
            break;
        case MSC_COMPARE_EXACT:
            v[0] = o->exact_est, v[1] = o->exact_lo, v[2] = o->exact_hi;
            break;
        }
    }
    *I2 = h.I2;
}

msc_status msc_forest_rows_compare(msc_forest_rows *rs, const msc_compare *c, size_t j,
                                   const msc_plot_options *opt, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    const msc_analysis *a0 = c->row[0].a;
    const msc_outcome_result *o = &a0->outcome[j];
    double scale = opt->scale;
    make_heads(rs, a0, o, opt);
    rs->title = opt->title && opt->title[0] ? opt->title : NULL;
    rs->ref = isnan(opt->ref) ? NAN : opt->ref * scale;
    rs->est_line = NAN;
    rs->study_head = "Model";
    rs->w_head = "I\xC2\xB2";
    rs->weights = 1;
    const msc_outcome_result *ox = NULL; /* the exact row's outcome: the band */
    for (size_t i = 0; i < c->n_rows; i++) {
        const msc_compare_row *cr = &c->row[i];
        double v[3], I2;
        compare_values(cr, j, v, &I2);
        int exact = cr->block == MSC_COMPARE_EXACT;
        row *r = add_pooled(rs, cr->label, !exact, v[0], v[1], v[2], scale);
        if (!r) {
            snprintf(err, errlen, "out of memory");
            return MSC_ERR_NOMEM;
        }
        if (!isfinite(v[0]))
            snprintf(r->text[MSC_FOREST_COL_EST], sizeof r->text[0], "not estimable");
        if (isfinite(I2))
            snprintf(r->text[MSC_FOREST_COL_W1], sizeof r->text[0], "%.1f%%", I2);
        if (exact) {
            ox = &cr->a->outcome[j];
            snprintf(r->text[MSC_FOREST_COL_EVENTS], sizeof r->text[0], "%.0f", ox->events_total);
            snprintf(r->text[MSC_FOREST_COL_N], sizeof r->text[0], "%.0f", ox->n_total);
            if (isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2])) {
                rs->band = 1;
                rs->band_est = v[0] * scale;
                rs->band_lo = v[1] * scale;
                rs->band_hi = v[2] * scale;
            }
        }
    }
    if (rs->band)
        add_note(rs,
                 "Shaded band: the exact pooled proportion (sum of events / sum of patients, "
                 "dashed line) with its Clopper-Pearson %.4g%% interval.",
                 100.0 * a0->settings.level);
    add_note(rs, "Each row: mscmeta pool with that model (the report's same_as column); "
                 "I\xC2\xB2 where the model has it.");
    if (o->n_excluded)
        add_note(rs, "Not counted: %zu stud%s without usable counts.", o->n_excluded,
                 o->n_excluded == 1 ? "y" : "ies");
    if (isfinite(rs->ref))
        add_note(rs, "Dashed grey line: reference at %g%s", rs->ref,
                 scale == 1.0     ? ""
                 : scale == 100.0 ? " per 100"
                                  : " per 1000");
    return MSC_OK;
}

void msc_forest_rows_free(msc_forest_rows *rs)
{
    free(rs->r);
    rs->r = NULL;
    rs->n = rs->cap = 0;
}
