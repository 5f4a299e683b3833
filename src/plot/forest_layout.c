/*
 * The forest plot's layout, computed here, in points, from the fonts'
 * metrics (msc_plot_text_width), so that no text can overlap another
 * whatever the number of studies or the length of their names: the text
 * columns' widths and positions, the panel between them, each row's place,
 * the canvas size (shrinking the fonts when a size asked for is too small)
 * and the axis range. Gnuplot only draws (forest_draw.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_forest.h"

/* Sizes in em of the base font (10 pt by default). */
#define FONT_PT 10.0      /* the default font size */
#define ROW_EM 1.5        /* row pitch */
#define MARGIN_EM 1.0     /* around the canvas */
#define GAP_EM 1.2        /* between text columns */
#define PANEL_GAP_EM 1.6  /* between the panel and the text columns */
#define PANEL_EM 22.0     /* natural width of the plot panel */
#define PANEL_MIN_EM 12.0 /* narrowest panel before fonts shrink */
#define LABEL_MAX_EM 24.0 /* longer labels wrap to a second line, then are cut */
#define SMALL 0.9         /* footer and note text, relative (9 pt at 10) */

typedef msc_forest_rows rows;
typedef msc_forest_layout layout;

/* The widest text of column col at `size`, the header (bold or not)
 * included; the estimate and interval columns of model rows are set in
 * bold (forest_draw.c), and measured so. */
static double max_width(const rows *rs, int col, double size, int bold, const char *header)
{
    double w = header ? msc_plot_text_width(header, size, bold) : 0.0;
    int model_bold =
        col == MSC_FOREST_COL_EST || col == MSC_FOREST_COL_LO || col == MSC_FOREST_COL_HI;
    for (size_t i = 0; i < rs->n; i++) {
        int b = model_bold && rs->r[i].kind == MSC_FOREST_POOLED;
        double x = msc_plot_text_width(rs->r[i].text[col], size, b);
        if (x > w)
            w = x;
    }
    return w;
}

/* Fits the row labels at font F into the label column, in one line or
 * two (msc_plot_text_wrap: wrapped, then cut in the middle so that the
 * end, the year, stays), and sets each row's height; returns the column's
 * width. */
static double fit_labels(layout *L, const rows *rs, double F)
{
    double w = msc_plot_text_width(rs->study_head, F, 1);
    msc_plot_lines lines;
    for (size_t i = 0; i < rs->n; i++) {
        const msc_forest_row *r = &rs->r[i];
        char *l0 = L->labels + 2 * i * MSC_FOREST_LABEL_BYTES, *l1 = l0 + MSC_FOREST_LABEL_BYTES;
        l0[0] = l1[0] = '\0';
        L->h[i] = r->height;
        const char *s = r->label;
        if (r->kind == MSC_FOREST_HEADING && !s)
            s = rs->missing_head;
        if (!s)
            continue;
        msc_plot_text_wrap(s, LABEL_MAX_EM * F, F, msc_forest_row_bold(r), 2, &lines);
        /* each line fits the column in points, and in bytes here: a line
         * of 24 em has at most some 300 characters */
        msc_plot_text_fit(lines.line[0], LABEL_MAX_EM * F, F, msc_forest_row_bold(r), l0,
                          MSC_FOREST_LABEL_BYTES);
        if (lines.n > 1) {
            msc_plot_text_fit(lines.line[1], LABEL_MAX_EM * F, F, msc_forest_row_bold(r), l1,
                              MSC_FOREST_LABEL_BYTES);
            /* one pitch for the first line, MSC_FOREST_LINE_EM more for the second */
            double two = 1.0 + MSC_FOREST_LINE_EM / ROW_EM;
            if (L->h[i] < two)
                L->h[i] = two;
        }
        if (lines.w > w)
            w = lines.w;
    }
    return w;
}

/* Widths of the text columns at font F, in points. */
typedef struct {
    double label, ev, n; /* left of the panel */
    double sp;           /* a space, between estimate and interval */
    double est, lo, hi, w1, w2;
} widths;

/* Each column as wide as its widest text and its heading; group notes run
 * under the label, events and n columns; the interval's heading spans the
 * estimate and the interval; "Weight" spans both weight columns. */
static void column_widths(widths *w, layout *L, const rows *rs, double F)
{
    double S = SMALL * F, gap = GAP_EM * F;
    w->label = fit_labels(L, rs, F);
    w->ev = max_width(rs, MSC_FOREST_COL_EVENTS, F, 1, "Events");
    w->n = max_width(rs, MSC_FOREST_COL_N, F, 1, "N");
    double w_note = max_width(rs, MSC_FOREST_COL_NOTE, S, 0, NULL);
    if (w_note > w->label + gap + w->ev + gap + w->n)
        w->label = w_note - (gap + w->ev + gap + w->n);
    w->sp = msc_plot_text_width(" ", F, 0);
    w->est = max_width(rs, MSC_FOREST_COL_EST, F, 0, NULL);
    w->lo = max_width(rs, MSC_FOREST_COL_LO, F, 0, NULL);
    w->hi = max_width(rs, MSC_FOREST_COL_HI, F, 0, NULL);
    double w_ci_head = msc_plot_text_width(rs->ci_head, F, 1);
    if (w->est + w->sp + w->lo + w->sp + w->hi < w_ci_head)
        w->est = w_ci_head - (w->sp + w->lo + w->sp + w->hi);
    w->w1 = w->w2 = 0;
    if (rs->two_weights) {
        w->w1 = max_width(rs, MSC_FOREST_COL_W1, F, 1, "common");
        w->w2 = max_width(rs, MSC_FOREST_COL_W2, F, 1, "random");
        double both = msc_plot_text_width("Weight", F, 1);
        if (w->w1 + gap + w->w2 < both)
            w->w1 = both - gap - w->w2;
    } else {
        w->w1 = max_width(rs, MSC_FOREST_COL_W1, F, 1, rs->w_head);
    }
}

/* Width of the widest footer line at size S. */
static double footer_width(const rows *rs, double S)
{
    double w_foot = 0;
    for (size_t i = 0; i < rs->n_notes; i++) {
        double x = msc_plot_text_width(rs->notes[i], S, 0);
        if (x > w_foot)
            w_foot = x;
    }
    return w_foot;
}

/* The columns, left to right, for font size F; the panel takes what the
 * text leaves of target_w (points; 0: its natural width). Returns the
 * narrowest canvas the content fits at F. */
static double layout_columns(layout *L, const rows *rs, double F, double target_w)
{
    double m = MARGIN_EM * F, gap = GAP_EM * F, pgap = PANEL_GAP_EM * F;
    widths w;
    column_widths(&w, L, rs, F);
    double left = m + w.label + gap + w.ev + gap + w.n + pgap;
    double right = pgap + w.est + w.sp + w.lo + w.sp + w.hi + gap + w.w1 +
                   (rs->two_weights ? gap + w.w2 : 0.0) + m;
    double w_foot = footer_width(rs, SMALL * F);
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
    L->x_events = m + w.label + gap + w.ev;
    L->x_n = L->x_events + gap + w.n;
    L->fr.x0 = left;
    L->fr.x1 = left + panel;
    L->x_est = L->fr.x1 + pgap + w.est;
    L->x_lo = L->x_est + w.sp + w.lo;
    L->x_hi = L->x_lo + w.sp + w.hi;
    L->x_w1 = L->x_hi + gap + w.w1;
    L->w_w1 = w.w1;
    L->x_w2 = rs->two_weights ? L->x_w1 + gap + w.w2 : L->x_w1;
    return need;
}

/* The rows, top to bottom: title, header, body, axis, footer; the rows
 * spread (up to twice their pitch) to fill target_h (points; 0: natural). */
static void layout_rows(layout *L, const rows *rs, double F, double target_h)
{
    double y = 0.8 * F;
    if (rs->title) {
        L->y_title = y + 0.75 * F;
        y += 2.2 * F + msc_plot_title_height(rs->title, L->fr.W, F);
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
        body += L->h[i];
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
        L->y[i] = yy + 0.5 * L->h[i];
        yy += L->h[i];
    }
}

/* Every position for font size F and the canvas asked for (0: natural).
 * Returns the narrowest canvas the content fits at F. */
static double compute_layout(layout *L, const rows *rs, double F, double target_w, double target_h)
{
    L->fr.F = F;
    L->R = ROW_EM * F;
    double need = layout_columns(L, rs, F, target_w);
    layout_rows(L, rs, F, target_h);
    L->x_rule = L->fr.W - MARGIN_EM * F;
    L->small = SMALL * F;
    return need;
}

/* The axis: --xlim's range when given, else the range of every interval
 * and estimate on show and the reference line (display units); on a log
 * axis only their positive values count. */
static void axis_range(layout *L, const rows *rs, const msc_plot_options *opt)
{
    L->logx = opt->log_x;
    int have_lim = isfinite(opt->xlim_lo) && isfinite(opt->xlim_hi);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < rs->n; i++) {
        const msc_forest_row *r = &rs->r[i];
        const double v[3] = {r->est, r->lo, r->hi};
        for (int j = 0; j < 3; j++)
            if (isfinite(v[j]) && (!L->logx || v[j] > 0)) {
                lo = fmin(lo, v[j]);
                hi = fmax(hi, v[j]);
            }
    }
    if (isfinite(rs->ref) && (!L->logx || rs->ref > 0)) {
        lo = fmin(lo, rs->ref);
        hi = fmax(hi, rs->ref);
    }
    const double band[2] = {rs->band ? rs->band_lo : NAN, rs->band ? rs->band_hi : NAN};
    for (int j = 0; j < 2; j++)
        if (isfinite(band[j]) && (!L->logx || band[j] > 0)) {
            lo = fmin(lo, band[j]);
            hi = fmax(hi, band[j]);
        }
    if (L->logx) {
        if (have_lim)
            lo = opt->xlim_lo, hi = opt->xlim_hi;
        else if (!(lo <= hi))
            lo = 0.001 * opt->scale, hi = opt->scale;
        msc_plot_log_ticks(lo, hi, have_lim, &L->ax);
        return;
    }
    if (have_lim) {
        msc_plot_ticks_exact(opt->xlim_lo, opt->xlim_hi, &L->ax);
        return;
    }
    if (!(lo <= hi))
        lo = 0, hi = 1;
    /* Proportions: start the axis at 0 unless the data sit far from it. */
    if (lo >= 0.0 && lo < 0.4 * hi)
        lo = 0.0;
    msc_plot_ticks(lo, hi, &L->ax);
}

/* The canvas: natural at 10 pt; when a size asked for is too small for
 * that, the fonts (and everything with them) shrink. Sets the PNG density
 * (lower for very large plots). MSC_ERR_USAGE if too large for PNG. */
static int size_layout(layout *L, const rows *rs, const msc_plot_options *opt, char *err,
                       size_t errlen)
{
    double *k = &L->px_per_pt;
    *k = msc_plot_px_per_pt(opt);
    double tw = opt->width > 0 ? opt->width / *k : 0, th = opt->height > 0 ? opt->height / *k : 0;
    double F = FONT_PT;
    double need = compute_layout(L, rs, F, 0, 0);
    if (tw > 0 && need > tw)
        F *= tw / need;
    if (th > 0) {
        compute_layout(L, rs, F, 0, 0);
        if (L->fr.H > th)
            F *= th / L->fr.H;
    }
    if (F < MSC_PLOT_FONT_MIN - 1e-9) { /* the size that would fit: everything scales with F */
        double w6 = compute_layout(L, rs, MSC_PLOT_FONT_MIN, 0, 0), h6 = L->fr.H;
        return msc_plot_too_small(opt, F, w6 * *k, h6 * *k, err, errlen);
    }
    need = compute_layout(L, rs, F, tw, th);
    if (tw > 0 && need > tw * 1.0001) /* text cut to the smaller font may be a hair wide */
        compute_layout(L, rs, F * tw / need, tw, th);
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

/* A PDF taller than a page (no --height asked for) breaks across pages of
 * MSC_FOREST_PAGE_H points, each with the title, the column headings and
 * the axis; the footer comes on the last. A heading is never a page's last
 * row. Returns 0, or -1 when memory ran out. */
static int paginate(layout *L, const rows *rs, const msc_plot_options *opt)
{
    if (opt->format != MSC_PLOT_PDF || opt->height > 0 || L->fr.H <= MSC_FOREST_PAGE_H)
        return 0;
    double fixed = L->fr.H - L->body_rows * L->R; /* above and below the body */
    double avail = (MSC_FOREST_PAGE_H - fixed) / L->R;
    if (avail < 4.0)
        return 0; /* a footer of a page's height: one tall page after all */
    L->page_first = malloc(rs->n * sizeof *L->page_first);
    if (!L->page_first)
        return -1;
    size_t n = 0;
    L->page_first[n++] = 0;
    double used = 0;
    for (size_t i = 0; i < rs->n; i++) {
        if (used + L->h[i] > avail && i > L->page_first[n - 1]) {
            size_t at = i;
            if (rs->r[i - 1].kind == MSC_FOREST_HEADING && i - 1 > L->page_first[n - 1])
                at = i - 1; /* keep a heading with its first study */
            L->page_first[n++] = at;
            used = 0;
            for (size_t j = at; j < i; j++)
                used += L->h[j];
        }
        used += L->h[i];
    }
    /* the last page also holds the air under the body */
    L->n_pages = n;
    L->fr.H = MSC_FOREST_PAGE_H;
    return 0;
}

msc_status msc_forest_layout_make(msc_forest_layout *L, const msc_forest_rows *rs,
                                  const msc_plot_options *opt, char *err, size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->labels = malloc(2 * rs->n * MSC_FOREST_LABEL_BYTES);
    L->y = malloc(rs->n * sizeof *L->y);
    L->h = malloc(rs->n * sizeof *L->h);
    if (!L->labels || !L->y || !L->h) {
        snprintf(err, errlen, "out of memory");
        return MSC_ERR_NOMEM;
    }
    int rc = size_layout(L, rs, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    if (paginate(L, rs, opt) < 0) {
        snprintf(err, errlen, "out of memory");
        return MSC_ERR_NOMEM;
    }
    axis_range(L, rs, opt);
    /* Air beyond the end ticks: half the largest square, in points, then in data units. */
    L->ax.pad = 0.5 * MSC_FOREST_SQUARE * L->R + 1.0;
    L->ax.pad *= (L->ax.to - L->ax.from) / (L->fr.x1 - L->fr.x0 - 2 * L->ax.pad);
    return MSC_OK;
}

void msc_forest_layout_free(msc_forest_layout *L)
{
    free(L->labels);
    free(L->y);
    free(L->h);
    free(L->page_first);
    L->page_first = NULL;
    L->n_pages = 0;
    L->labels = NULL;
    L->y = NULL;
    L->h = NULL;
}
