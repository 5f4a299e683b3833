/*
 * Forest plots, laid out as meta's forest() and RevMan lay them out: study
 * label, events and n on the left; each study's proportion as a square
 * sized by its weight with its interval; the common- and random-effects
 * diamonds and the prediction interval; proportion [CI] and weights on the
 * right; heterogeneity and the model in the footer. With subgroups: a
 * heading, the studies, a diamond and a heterogeneity line per group, then
 * the overall rows and the test for subgroup differences.
 *
 * The layout is computed here, in points, from the fonts' metrics, so that
 * no text can overlap another whatever the number of studies or the length
 * of their names; gnuplot only draws. Every number shown comes from the
 * analysis: this file computes no statistics.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_plot.h"
#include "msc_core.h"

/* Sizes in em of the base font (10 pt by default). */
#define FONT_PT 10.0      /* the default font size */
#define ROW_EM 1.5        /* row pitch */
#define MARGIN_EM 1.0     /* around the canvas */
#define GAP_EM 1.2        /* between text columns */
#define PANEL_GAP_EM 1.6  /* between the panel and the text columns */
#define PANEL_EM 22.0     /* natural width of the plot panel */
#define PANEL_MIN_EM 12.0 /* narrowest panel before fonts shrink */
#define LABEL_MAX_EM 24.0 /* longer study labels are cut with "..." */
#define SMALL 0.9         /* footer and note text, relative (9 pt at 10) */

/* The forest plot's own colours (the shared ones: MSC_RGB_*) */
#define C_SQUARE "#3B5B8C"
#define C_COMMON "#9A9A9A" /* common-effect diamond */
#define C_PI "#B22222"

typedef enum { R_STUDY, R_HEADING, R_POOLED, R_PI, R_NOTE, R_BLANK } row_kind;

typedef struct {
    row_kind kind;
    int dark;           /* R_POOLED: the random-effects diamond (dark, not grey) */
    const char *label;  /* what the left column shows (user text or ours) */
    double est, lo, hi; /* display scale; NAN where none */
    double size_by;     /* what sizes a study's square: its weight (%) or n */
    double height;      /* in rows */
    double y;           /* centre, in rows from the top of the body */
    char text[8][96];   /* formatted columns (see COL_*) */
} row;

enum { COL_EVENTS, COL_N, COL_EST, COL_LO, COL_HI, COL_W1, COL_W2, COL_NOTE };

typedef struct {
    row *r;
    size_t n, cap;
    char *labels;       /* fitted labels, one slot of LABEL_BYTES per row */
    char notes[8][256]; /* footer lines */
    size_t n_notes;
    int two_weights, weights;
} rows;

#define LABEL_BYTES 512

/* The layout, in points from the top-left corner. */
typedef struct {
    msc_plot_frame fr;                    /* canvas, font; panel: body top (y0) to axis (y1) */
    double R;                             /* row pitch */
    double x_label, x_events, x_n;        /* left edge of labels; right edges */
    double x_est, x_lo, x_hi, x_w1, x_w2; /* right edges */
    double w_w1;                          /* width of the first weight column */
    double y_title, y_head1, y_head2, y_rule, y_axlabel, y_foot;
    double body_rows; /* height of the body in rows */
    msc_plot_axis ax; /* display units */
} layout;

/* ------------------------------------------------------------- rows */

static row *add_row(rows *rs, row_kind kind, const char *label, double height)
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

/* Headings and model rows are set in bold. */
static int row_bold(const row *r)
{
    return r->kind == R_HEADING || r->kind == R_POOLED;
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
    fmt_value(r->text[COL_EST], sizeof r->text[COL_EST], r->est, scale);
    if (isfinite(r->lo) && isfinite(r->hi)) {
        char lo[48], hi[48];
        fmt_value(lo, sizeof lo, r->lo, scale);
        fmt_value(hi, sizeof hi, r->hi, scale);
        snprintf(r->text[COL_LO], sizeof r->text[COL_LO], "[%s,", lo);
        snprintf(r->text[COL_HI], sizeof r->text[COL_HI], "%s]", hi);
    }
}

static row *add_study(rows *rs, const msc_outcome_result *o, size_t i, const char *label,
                      double scale)
{
    row *r = add_row(rs, R_STUDY, label, 1.0);
    if (!r)
        return NULL;
    r->est = o->xi[i] / o->ni[i] * scale; /* the observed proportion, as the table shows it */
    r->lo = o->ci_lo[i] * scale;
    r->hi = o->ci_hi[i] * scale;
    double w_common = msc_outcome_weight(o, i, 0), w_random = msc_outcome_weight(o, i, 1);
    r->size_by = o->fit.has_weights ? (o->fit.has_random ? w_random : w_common) : o->ni[i];
    snprintf(r->text[COL_EVENTS], sizeof r->text[0], "%.0f", o->xi[i]);
    snprintf(r->text[COL_N], sizeof r->text[0], "%.0f", o->ni[i]);
    fmt_interval(r, scale);
    if (!rs->weights) {
        snprintf(r->text[COL_W1], sizeof r->text[0], "\xE2\x80\x94"); /* em dash */
    } else {
        if (isfinite(w_common))
            snprintf(r->text[COL_W1], sizeof r->text[0], "%.1f%%", w_common);
        if (rs->two_weights && isfinite(w_random))
            snprintf(r->text[COL_W2], sizeof r->text[0], "%.1f%%", w_random);
    }
    return r;
}

static row *add_pooled(rows *rs, const char *label, int dark, double est, double lo, double hi,
                       double scale)
{
    row *r = add_row(rs, R_POOLED, label, 1.0);
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
        if (!add_pooled(rs, f->common.exact ? "Exact pooled proportion" : "Common effect model",
                        0, f->common.est, f->common.ci_lo, f->common.ci_hi, scale))
            return -1;
    if (!f->has_random)
        return 0;
    const msc_estimate *e = &f->random;
    if (e->exact) /* grey, as the common effect */
        return add_pooled(rs, "Exact pooled proportion", 0, e->est, e->ci_lo, e->ci_hi, scale)
                   ? 0
                   : -1;
    if (!add_pooled(rs, "Random effects model", 1, e->est, e->ci_lo, e->ci_hi, scale))
        return -1;
    if (!group && isfinite(e->pi_lo) && isfinite(e->pi_hi)) {
        row *r = add_row(rs, R_PI, "Prediction interval", 1.0);
        if (!r)
            return -1;
        r->lo = e->pi_lo * scale;
        r->hi = e->pi_hi * scale;
        fmt_interval(r, scale);
    }
    return 0;
}

/* Events and patients beside a fit's first model row, as meta prints them. */
static void totals(row *r, double events, double n)
{
    snprintf(r->text[COL_EVENTS], sizeof r->text[0], "%.0f", events);
    snprintf(r->text[COL_N], sizeof r->text[0], "%.0f", n);
}

/* The studies, under a heading, diamond and heterogeneity line per
 * subgroup when there are subgroups. */
static int add_body(rows *rs, const msc_analysis *a, const msc_outcome_result *o, double scale)
{
    const msc_dataset *d = a->data;
    if (o->n_groups == 0) {
        for (size_t i = 0; i < o->k; i++)
            if (!add_study(rs, o, i, d->label[o->row[i]], scale))
                return -1;
        return add_row(rs, R_BLANK, NULL, 0.4) ? 0 : -1;
    }
    for (size_t g = 0; g < o->n_groups; g++) {
        const msc_group_result *gr = &o->group[g];
        if (!add_row(rs, R_HEADING, gr->name, 1.0))
            return -1;
        for (size_t j = 0; j < gr->k; j++)
            if (!add_study(rs, o, gr->study[j], d->label[o->row[gr->study[j]]], scale))
                return -1;
        size_t first = rs->n;
        if (add_model_rows(rs, &gr->fit, 1, scale) < 0)
            return -1;
        totals(&rs->r[first], gr->events_total, gr->n_total);
        row *nt = add_row(rs, R_NOTE, NULL, 1.0);
        if (!nt)
            return -1;
        het_text(&gr->fit, gr->k, 0, nt->text[COL_NOTE], sizeof nt->text[COL_NOTE]);
        if (!add_row(rs, R_BLANK, NULL, 0.6))
            return -1;
    }
    if (o->n_group_missing) {                       /* in the overall pool, in no subgroup */
        if (!add_row(rs, R_HEADING, NULL, 1.0)) /* "No <column> value" (fit_labels) */
            return -1;
        for (size_t i = 0; i < o->k; i++)
            if (!d->group[o->row[i]] && !add_study(rs, o, i, d->label[o->row[i]], scale))
                return -1;
        if (!add_row(rs, R_BLANK, NULL, 0.6))
            return -1;
    }
    return 0;
}

/* The overall model rows, with the totals on the first. */
static int add_overall(rows *rs, const msc_outcome_result *o, double scale)
{
    size_t first = rs->n;
    if (add_model_rows(rs, &o->fit, 0, scale) < 0)
        return -1;
    totals(&rs->r[first], o->events_total, o->n_total);
    return 0;
}

/* Footer: heterogeneity, the subgroup test, the model, footnotes. */
static void add_footer(rows *rs, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    char line[256];
    het_text(f, o->k, 1, line, sizeof line);
    add_note(rs, "%s", line);
    if (o->n_groups) {
        char p[32];
        msc_pvalue_text(p, sizeof p, o->Q_between_p, 3, MSC_P_PROSE);
        if (isfinite(o->Q_between))
            add_note(rs, "Test for subgroup differences (%s): Q = %.2f, df = %g, %s",
                     f->has_random ? "random effects" : "common effect", o->Q_between,
                     o->Q_between_df, p);
        else
            add_note(rs, "Test for subgroup differences: not available (needs two subgroups "
                         "with an estimate)");
    }
    msc_plot_method_line(a, o, line, sizeof line);
    add_note(rs, "%s", line);
    if (f->has_random && !f->random.exact && !isfinite(f->random.pi_lo)) {
        size_t need = a->settings.pi == MSC_PI_HTS ? 3 : 2;
        if (o->k < need)
            add_note(rs, "No prediction interval: it needs at least %zu studies.", need);
    }
    if (!f->has_weights)
        add_note(rs, "\xE2\x80\x94 The GLMM has no inverse-variance study weights; squares are "
                     "sized by the number of patients.");
    int exact = f->exact_fallback;
    for (size_t g = 0; g < o->n_groups; g++)
        exact |= o->group[g].fit.exact_fallback;
    if (exact)
        add_note(rs, "Exact pooled proportion: where the GLMM could not be fitted (see the "
                     "report), sum of events / sum of patients with its Clopper-Pearson interval.");
    if (o->n_excluded)
        add_note(rs, "Not shown: %zu stud%s without usable counts.", o->n_excluded,
                 o->n_excluded == 1 ? "y" : "ies");
}

static int build_rows(rows *rs, const msc_analysis *a, const msc_outcome_result *o, double scale)
{
    rs->weights = o->fit.has_weights;
    rs->two_weights = o->fit.has_weights && o->fit.has_random;
    if (add_body(rs, a, o, scale) < 0 || add_overall(rs, o, scale) < 0)
        return -1;
    add_footer(rs, a, o);
    return 0;
}

/* ----------------------------------------------------------- layout */

static double max_width(const rows *rs, int col, double size, int bold, const char *header)
{
    double w = header ? msc_plot_text_width(header, size, bold) : 0.0;
    for (size_t i = 0; i < rs->n; i++) {
        double x = msc_plot_text_width(rs->r[i].text[col], size, 0);
        if (x > w)
            w = x;
    }
    return w;
}

typedef struct {
    char ci_head[64]; /* "Proportion [95% CI]", "Per 100 [95% CI]" */
    char missing_head[160];
} heads;

/* Fits the row labels at font F into the label column (cut with "...");
 * returns the column's width. */
static double fit_labels(rows *rs, double F, const heads *hd)
{
    double w = msc_plot_text_width("Study", F, 1);
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->r[i];
        char *slot = rs->labels + i * LABEL_BYTES;
        slot[0] = '\0';
        const char *s = r->label;
        if (r->kind == R_HEADING && !s)
            s = hd->missing_head;
        if (!s)
            continue;
        double x = msc_plot_text_fit(s, LABEL_MAX_EM * F, F, row_bold(r), slot, LABEL_BYTES);
        if (x > w)
            w = x;
    }
    return w;
}

/* The columns, left to right, for font size F; the panel takes what the
 * text leaves of target_w (points; 0: its natural width). Returns the
 * narrowest canvas the content fits at F. */
static double layout_columns(layout *L, rows *rs, double F, double target_w, const heads *hd)
{
    double S = SMALL * F;
    double m = MARGIN_EM * F, gap = GAP_EM * F, pgap = PANEL_GAP_EM * F;
    double w_label = fit_labels(rs, F, hd);
    double w_ev = max_width(rs, COL_EVENTS, F, 1, "Events");
    double w_n = max_width(rs, COL_N, F, 1, "N");
    double w_note = max_width(rs, COL_NOTE, S, 0, NULL);
    /* group notes run under the label, events and n columns */
    if (w_note > w_label + gap + w_ev + gap + w_n)
        w_label = w_note - (gap + w_ev + gap + w_n);
    double sp = msc_plot_text_width(" ", F, 0);
    double w_est = max_width(rs, COL_EST, F, 0, NULL);
    double w_lo = max_width(rs, COL_LO, F, 0, NULL);
    double w_hi = max_width(rs, COL_HI, F, 0, NULL);
    double w_ci_head = msc_plot_text_width(hd->ci_head, F, 1);
    if (w_est + sp + w_lo + sp + w_hi < w_ci_head)
        w_est = w_ci_head - (sp + w_lo + sp + w_hi);
    double w_w1 = 0, w_w2 = 0;
    if (rs->two_weights) {
        w_w1 = max_width(rs, COL_W1, F, 1, "common");
        w_w2 = max_width(rs, COL_W2, F, 1, "random");
        double both = msc_plot_text_width("Weight", F, 1);
        if (w_w1 + gap + w_w2 < both)
            w_w1 = both - gap - w_w2;
    } else {
        w_w1 = max_width(rs, COL_W1, F, 1, "Weight");
    }
    double left = m + w_label + gap + w_ev + gap + w_n + pgap;
    double right = pgap + w_est + sp + w_lo + sp + w_hi + gap + w_w1 +
                   (rs->two_weights ? gap + w_w2 : 0.0) + m;
    double w_foot = 0;
    for (size_t i = 0; i < rs->n_notes; i++) {
        double x = msc_plot_text_width(rs->notes[i], S, 0);
        if (x > w_foot)
            w_foot = x;
    }
    double need = left + PANEL_MIN_EM * F + right;
    if (w_foot + 2 * m > need)
        need = w_foot + 2 * m;
    double panel = PANEL_EM * F;
    if (left + panel + right < need)
        panel = need - left - right;
    L->fr.W = left + panel + right;
    if (target_w > 0) {
        panel = target_w - left - right;
        L->fr.W = target_w;
    }
    L->x_label = m;
    L->x_events = m + w_label + gap + w_ev;
    L->x_n = L->x_events + gap + w_n;
    L->fr.x0 = left;
    L->fr.x1 = left + panel;
    L->x_est = L->fr.x1 + pgap + w_est;
    L->x_lo = L->x_est + sp + w_lo;
    L->x_hi = L->x_lo + sp + w_hi;
    L->x_w1 = L->x_hi + gap + w_w1;
    L->w_w1 = w_w1;
    L->x_w2 = rs->two_weights ? L->x_w1 + gap + w_w2 : L->x_w1;
    return need;
}

/* The rows, top to bottom: title, header, body, axis, footer; the rows
 * spread (up to twice their pitch) to fill target_h (points; 0: natural). */
static void layout_rows(layout *L, rows *rs, double F, double target_h, int have_title)
{
    double y = 0.8 * F;
    if (have_title) {
        L->y_title = y + 0.75 * F;
        y += 2.2 * F;
    }
    double hl = 1.3 * F;
    if (rs->two_weights) {
        L->y_head1 = y + 0.5 * hl;
        y += hl;
    }
    L->y_head2 = y + 0.5 * hl;
    y += hl;
    L->y_rule = y + 0.25 * F;
    L->fr.y0 = L->y_rule + 0.35 * F;
    double body = 0;
    for (size_t i = 0; i < rs->n; i++)
        body += rs->r[i].height;
    L->body_rows = body + 0.3; /* a little air above the axis */
    double fixed_v = L->fr.y0 + 3.6 * F + rs->n_notes * 1.35 * F + 0.6 * F;
    double h_nat = fixed_v + L->body_rows * L->R;
    L->fr.H = h_nat;
    if (target_h > h_nat) {
        /* spread the rows, up to twice their pitch; the rest is margin */
        double R = (target_h - fixed_v) / L->body_rows;
        L->R = R < 2 * ROW_EM * F ? R : 2 * ROW_EM * F;
        L->fr.H = target_h;
    }
    L->fr.y1 = L->fr.y0 + L->body_rows * L->R;
    L->y_axlabel = L->fr.y1 + 2.7 * F;
    L->y_foot = L->fr.y1 + 4.0 * F;
    double yy = 0;
    for (size_t i = 0; i < rs->n; i++) {
        rs->r[i].y = yy + 0.5 * rs->r[i].height;
        yy += rs->r[i].height;
    }
}

/* Every position for font size F and the canvas asked for (0: natural).
 * Returns the narrowest canvas the content fits at F. */
static double compute_layout(layout *L, rows *rs, double F, double target_w, double target_h,
                             const heads *hd, int have_title)
{
    L->fr.F = F;
    L->R = ROW_EM * F;
    double need = layout_columns(L, rs, F, target_w, hd);
    layout_rows(L, rs, F, target_h, have_title);
    return need;
}

/* The axis range from every interval and estimate on show (display units). */
static void axis_range(layout *L, const rows *rs, double ref)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        const double v[3] = {r->est, r->lo, r->hi};
        for (int j = 0; j < 3; j++)
            if (isfinite(v[j])) {
                lo = fmin(lo, v[j]);
                hi = fmax(hi, v[j]);
            }
    }
    if (isfinite(ref)) {
        lo = fmin(lo, ref);
        hi = fmax(hi, ref);
    }
    if (!(lo <= hi))
        lo = 0, hi = 1;
    /* Proportions: start the axis at 0 unless the data sit far from it. */
    if (lo >= 0.0 && lo < 0.4 * hi)
        lo = 0.0;
    msc_plot_ticks(lo, hi, &L->ax);
}

/* ------------------------------------------------------------ script */

typedef struct {
    msc_gp *g;
    const layout *L;
} ctx;

/* Text in a row of the body: x in points, y the row's. */
static void text_row(ctx *c, const char *s, double x, const row *r, int align, double size,
                     int bold, const char *rgb)
{
    if (s && *s)
        msc_plot_label(c->g, s, msc_plot_sx(&c->L->fr, x), -r->y, MSC_AT_Y_DATA, align, size, bold,
                       rgb);
}

/* Data x per point inside the panel. */
static double x_per_pt(const layout *L)
{
    return (L->ax.to - L->ax.from + 2 * L->ax.pad) / (L->fr.x1 - L->fr.x0);
}

static void emit_header(ctx *c, const rows *rs, const heads *hd, const char *title)
{
    const layout *L = c->L;
    const msc_plot_frame *fr = &L->fr;
    msc_gp *g = c->g;
    double F = fr->F;
    if (title)
        msc_plot_title(g, fr, title, L->x_label, L->y_title);
    double y = L->y_head2;
    msc_plot_text(g, fr, "Study", L->x_label, y, 'l', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, "Events", L->x_events, y, 'r', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, "N", L->x_n, y, 'r', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, hd->ci_head, L->x_hi, y, 'r', F, 1, MSC_RGB_TEXT);
    if (rs->two_weights) {
        /* centred over both weight columns */
        msc_plot_text(g, fr, "Weight", 0.5 * (L->x_w1 - L->w_w1 + L->x_w2), L->y_head1, 'c', F, 1,
                      MSC_RGB_TEXT);
        msc_plot_text(g, fr, "common", L->x_w1, y, 'r', F, 1, MSC_RGB_TEXT);
        msc_plot_text(g, fr, "random", L->x_w2, y, 'r', F, 1, MSC_RGB_TEXT);
    } else {
        msc_plot_text(g, fr, "Weight", L->x_w1, y, 'r', F, 1, MSC_RGB_TEXT);
    }
    double yr = msc_plot_sy(fr, L->y_rule);
    msc_plot_line(g, MSC_AT_SCREEN, msc_plot_sx(fr, L->x_label), yr,
                  msc_plot_sx(fr, fr->W - MARGIN_EM * F), yr, 0, 0, 0.6, MSC_RGB_TEXT);
}

static void emit_rows(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    double F = L->fr.F;
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        const char *lab = rs->labels + i * LABEL_BYTES;
        if (r->kind == R_NOTE) {
            text_row(c, r->text[COL_NOTE], L->x_label, r, 'l', SMALL * F, 0, MSC_RGB_NOTE);
            continue;
        }
        text_row(c, lab, L->x_label, r, 'l', F, row_bold(r), MSC_RGB_TEXT);
        text_row(c, r->text[COL_EVENTS], L->x_events, r, 'r', F, 0, MSC_RGB_TEXT);
        text_row(c, r->text[COL_N], L->x_n, r, 'r', F, 0, MSC_RGB_TEXT);
        int b = r->kind == R_POOLED;
        text_row(c, r->text[COL_EST], L->x_est, r, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[COL_LO], L->x_lo, r, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[COL_HI], L->x_hi, r, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[COL_W1], L->x_w1, r, 'r', F, 0, MSC_RGB_TEXT);
        text_row(c, r->text[COL_W2], L->x_w2, r, 'r', F, 0, MSC_RGB_TEXT);
    }
}

static void emit_footer(ctx *c, const rows *rs, const char *axis_label)
{
    const layout *L = c->L;
    const msc_plot_frame *fr = &L->fr;
    double F = fr->F;
    msc_plot_text(c->g, fr, axis_label, 0.5 * (fr->x0 + fr->x1), L->y_axlabel, 'c', F, 0,
                  MSC_RGB_TEXT);
    for (size_t i = 0; i < rs->n_notes; i++)
        msc_plot_text(c->g, fr, rs->notes[i], L->x_label, L->y_foot + (0.5 + i * 1.35) * F, 'l',
                      SMALL * F, 0, MSC_RGB_NOTE);
}

/* Diamonds, prediction bars and the vertical lines, as objects. */
static void emit_shapes(ctx *c, const rows *rs, const msc_outcome_result *o, double scale,
                        double ref)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    double last_y = 0;
    int obj = 1;
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind == R_POOLED && isfinite(r->est) && isfinite(r->lo) && isfinite(r->hi)) {
            double hh = 0.36, y = -r->y;
            msc_gp_cmd(g,
                       "set object %d polygon from %.10g,%.10g to %.10g,%.10g to %.10g,%.10g to "
                       "%.10g,%.10g to %.10g,%.10g front fc rgb ",
                       obj++, r->lo, y, r->est, y + hh, r->hi, y, r->est, y - hh, r->lo, y);
            msc_gp_str(g, r->dark ? MSC_RGB_DARK : C_COMMON);
            msc_gp_cmd(g, " fs solid 1.0 border lc rgb ");
            msc_gp_str(g, MSC_RGB_DARK);
            msc_gp_cmd(g, " lw 0.6\n");
        } else if (r->kind == R_PI && isfinite(r->lo) && isfinite(r->hi)) {
            double y = -r->y;
            msc_gp_cmd(g, "set object %d rectangle from %.10g,%.10g to %.10g,%.10g front fc rgb ",
                       obj++, r->lo, y - 0.14, r->hi, y + 0.14);
            msc_gp_str(g, C_PI);
            msc_gp_cmd(g, " fs solid 1.0 border lc rgb ");
            msc_gp_str(g, C_PI);
            msc_gp_cmd(g, " lw 0.6\n");
        }
        if (r->kind == R_POOLED || r->kind == R_PI)
            last_y = r->y + 0.5 * r->height;
    }
    /* The pooled estimate as a dotted line through the studies. */
    const msc_fit *f = &o->fit;
    double est = msc_fit_main_block(f)->est;
    double top = 0.0, bottom = -last_y; /* from the top of the body to the last model row */
    if (isfinite(est))
        msc_plot_line(g, MSC_AT_DATA, est * scale, top, est * scale, bottom, 1, 3, 0.8,
                      MSC_RGB_LINE);
    if (isfinite(ref))
        msc_plot_line(g, MSC_AT_DATA, ref, top, ref, bottom, 1, 2, 0.8, MSC_RGB_REF);
    /* The axis line spans the ticks only. */
    double ya = -L->body_rows;
    msc_plot_line(g, MSC_AT_DATA, L->ax.from, ya, L->ax.to, ya, 0, 0, 0.8, MSC_RGB_TEXT);
}

/* Whiskers and squares, as inline data (numbers only). */
static void emit_plot(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    double maxw = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (rs->r[i].kind == R_STUDY && isfinite(rs->r[i].size_by) && rs->r[i].size_by > maxw)
            maxw = rs->r[i].size_by;
    double xpp = x_per_pt(L);
    double smax = 0.78 * L->R, smin = 0.22 * L->R;
    msc_gp_cmd(g, "$ci << EOD\n");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind == R_STUDY && isfinite(r->lo) && isfinite(r->hi))
            msc_gp_cmd(g, "%.10g %.10g %.10g\n", r->lo, -r->y, r->hi - r->lo);
    }
    msc_gp_cmd(g, "EOD\n$sq << EOD\n");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind != R_STUDY || !isfinite(r->est))
            continue;
        double s = maxw > 0 && isfinite(r->size_by) ? smax * sqrt(r->size_by / maxw) : smin;
        if (s < smin)
            s = smin;
        double hx = 0.5 * s * xpp, hy = 0.5 * s / L->R;
        msc_gp_cmd(g, "%.10g %.10g %.10g %.10g %.10g %.10g\n", r->est, -r->y, r->est - hx,
                   r->est + hx, -r->y - hy, -r->y + hy);
    }
    msc_gp_cmd(g, "EOD\n");
    msc_gp_cmd(g, "plot $ci using 1:2:3:(0) with vectors nohead lw 0.9 lc rgb ");
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g, ", $sq using 1:2:3:4:5:6 with boxxyerror fs solid 1.0 noborder lc rgb ");
    msc_gp_str(g, C_SQUARE);
    msc_gp_cmd(g, "\n");
}

static void emit_axes(ctx *c)
{
    const layout *L = c->L;
    msc_plot_panel(c->g, &L->fr, L->ax.from - L->ax.pad, L->ax.to + L->ax.pad, -L->body_rows);
    msc_plot_axis_ticks(c->g, &L->fr, 'x', &L->ax);
}

/* --------------------------------------------------------------- API */

/* The canvas: natural at 10 pt; when a size asked for is too small for
 * that, the fonts (and everything with them) shrink. Sets the PNG density
 * *k (lower for very large plots). MSC_ERR_USAGE if too large for PNG. */
static int size_layout(layout *L, rows *rs, const heads *hd, const msc_plot_options *opt,
                       int have_title, double *k, char *err, size_t errlen)
{
    *k = opt->format == MSC_PLOT_PNG ? MSC_PLOT_PNG_PX_PER_PT : 1.0;
    double tw = opt->width > 0 ? opt->width / *k : 0, th = opt->height > 0 ? opt->height / *k : 0;
    double F = FONT_PT;
    double need = compute_layout(L, rs, F, 0, 0, hd, have_title);
    if (tw > 0 && need > tw)
        F *= tw / need;
    if (th > 0) {
        compute_layout(L, rs, F, 0, 0, hd, have_title);
        if (L->fr.H > th)
            F *= th / L->fr.H;
    }
    need = compute_layout(L, rs, F, tw, th, hd, have_title);
    if (tw > 0 && need > tw * 1.0001) /* text cut to the smaller font may be a hair wide */
        compute_layout(L, rs, F * tw / need, tw, th, hd, have_title);
    if (opt->format == MSC_PLOT_PNG && fmax(L->fr.W, L->fr.H) * *k > MSC_PLOT_PNG_MAX_PX) {
        *k = MSC_PLOT_PNG_MAX_PX / fmax(L->fr.W, L->fr.H); /* a lower resolution for huge plots */
        if (*k < 1.0) {
            snprintf(err, errlen,
                     "a forest plot of %zu rows is too large for PNG; write it as "
                     ".svg or .pdf",
                     rs->n);
            return MSC_ERR_USAGE;
        }
    }
    return MSC_OK;
}

static void make_heads(heads *hd, const msc_analysis *a, const msc_plot_options *o)
{
    const char *est = o->scale == 100.0 ? "Per 100" : o->scale == 1000.0 ? "Per 1000" : "Proportion";
    snprintf(hd->ci_head, sizeof hd->ci_head, "%s [%.4g%% CI]", est, 100.0 * a->settings.level);
    char col[128];
    msc_plot_group_names(a, col, sizeof col, hd->missing_head, sizeof hd->missing_head);
}

static void axis_text(const msc_outcome_result *o, double scale, char *out, size_t len)
{
    char name[256];
    msc_plot_outcome_name(o, name, sizeof name);
    if (scale == 1.0)
        snprintf(out, len, "%s (proportion)", name);
    else
        snprintf(out, len, "%s per %.0f patients", name, scale);
}

msc_status msc_plot_forest(const msc_analysis *a, size_t outcome, const char *path,
                    const msc_plot_options *opt, char *err, size_t errlen)
{
    int rc = msc_plot_check(a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    const msc_outcome_result *o = &a->outcome[outcome];
    if (!o->ci_lo || !o->ci_hi) {
        snprintf(err, errlen, "forest plot: the analysis was run without per-study intervals");
        return MSC_ERR_USAGE;
    }
    rows rs;
    memset(&rs, 0, sizeof rs);
    heads hd;
    make_heads(&hd, a, opt);
    double scale = opt->scale, ref = isnan(opt->ref) ? NAN : opt->ref * opt->scale;
    rc = MSC_ERR_NOMEM;
    if (build_rows(&rs, a, o, scale) < 0)
        goto nomem;
    if (isfinite(ref))
        add_note(&rs, "Dashed line: reference at %g%s", ref,
                 scale == 1.0     ? ""
                 : scale == 100.0 ? " per 100"
                                  : " per 1000");
    rs.labels = malloc(rs.n * LABEL_BYTES);
    if (!rs.labels)
        goto nomem;

    layout L;
    double k; /* PNG pixels per point */
    int have_title = opt->title && opt->title[0];
    if ((rc = size_layout(&L, &rs, &hd, opt, have_title, &k, err, errlen)) != MSC_OK)
        goto out;
    axis_range(&L, &rs, ref);
    L.ax.pad = 0.5 * 0.78 * L.R + 1.0; /* half the largest square, in points ... */
    L.ax.pad *= (L.ax.to - L.ax.from) / (L.fr.x1 - L.fr.x0 - 2 * L.ax.pad); /* ... in data units */

    msc_gp g;
    if ((rc = msc_gp_open(&g, err, errlen)) != MSC_OK)
        goto out;
    msc_plot_terminal(&g, opt->format, L.fr.W, L.fr.H, L.fr.F, k, path);
    ctx c = {&g, &L};
    char axl[320];
    axis_text(o, scale, axl, sizeof axl);
    emit_axes(&c);
    emit_header(&c, &rs, &hd, have_title ? opt->title : NULL);
    emit_rows(&c, &rs);
    emit_footer(&c, &rs, axl);
    emit_shapes(&c, &rs, o, scale, ref);
    emit_plot(&c, &rs);
    rc = msc_plot_render(&g, path, err, errlen);
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    free(rs.r);
    free(rs.labels);
    return rc;
}
