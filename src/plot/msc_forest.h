/*
 * The forest plot's private types, shared by its three steps, which
 * plot_forest.c runs in turn: the rows (forest_rows.c: what the plot shows,
 * from the analysis, as plain data), the layout (forest_layout.c: where
 * everything goes, in points, from the fonts' metrics) and the drawing
 * (forest_draw.c: the gnuplot script). Not part of the public API.
 */
#ifndef MSC_FOREST_H
#define MSC_FOREST_H

#include <math.h>
#include <stddef.h>

#include "mscmeta/mscmeta.h"
#include "msc_plot.h"

/* ------------------------------------------------------- forest_rows.c */

typedef enum {
    MSC_FOREST_STUDY,
    MSC_FOREST_HEADING,
    MSC_FOREST_POOLED,
    MSC_FOREST_PI,
    MSC_FOREST_NOTE,
    MSC_FOREST_BLANK
} msc_forest_kind;

/* The text columns of a row, left to right (a note runs under the first
 * three). */
enum {
    MSC_FOREST_COL_EVENTS,
    MSC_FOREST_COL_N,
    MSC_FOREST_COL_EST,
    MSC_FOREST_COL_LO,
    MSC_FOREST_COL_HI,
    MSC_FOREST_COL_W1,
    MSC_FOREST_COL_W2,
    MSC_FOREST_COL_NOTE,
    MSC_FOREST_NCOLS
};

typedef struct {
    msc_forest_kind kind;
    int dark;           /* MSC_FOREST_POOLED: the random-effects diamond (dark, not grey) */
    const char *label;  /* what the left column shows (user text or ours) */
    double est, lo, hi; /* display scale; NAN where none */
    double size_by;     /* what sizes a study's square: its weight (%) or n */
    double height;      /* in rows */
    char text[MSC_FOREST_NCOLS][96]; /* formatted columns (MSC_FOREST_COL_*) */
} msc_forest_row;

/* Headings and model rows are set in bold. */
static inline int msc_forest_row_bold(const msc_forest_row *r)
{
    return r->kind == MSC_FOREST_HEADING || r->kind == MSC_FOREST_POOLED;
}

/* What a forest plot shows, top to bottom: the title, the column headings,
 * the rows, the axis title and the footer lines. */
typedef struct {
    msc_forest_row *r;
    size_t n, cap;
    char notes[8][256]; /* footer lines */
    size_t n_notes;
    int two_weights, weights;
    char ci_head[64];       /* "Proportion [95% CI]", "Per 100 [95% CI]" */
    const char *study_head; /* "Study"; "Omitted study", "Added study" */
    const char *w_head;     /* "Weight" (one weight column); "I\xC2\xB2" for sensitivity rows */
    char missing_head[160]; /* the heading of studies in no subgroup */
    char axis_label[320];   /* "Events (proportion)", "Events per 100 patients" */
    const char *title;      /* NULL: none */
    double est_line;        /* the pooled estimate's dotted line (display units); NAN: none */
    double ref;             /* the reference line (display units); NAN: none */
    /* A shaded vertical band across the rows (compare: the exact pooled
     * proportion's interval) with its estimate dashed; band 0: none. */
    int band;
    double band_lo, band_hi, band_est; /* display units */
} msc_forest_rows;

/* The rows of outcome o of analysis a (which has per-study intervals) as
 * options opt show them. Returns MSC_OK, or MSC_ERR_NOMEM with a message.
 * *rs is left for msc_forest_rows_free either way. */
msc_status msc_forest_rows_build(msc_forest_rows *rs, const msc_analysis *a,
                                 const msc_outcome_result *o, const msc_plot_options *opt,
                                 char *err, size_t errlen);
void msc_forest_rows_free(msc_forest_rows *rs);

struct msc_compare;
/* The rows of outcome j of a comparison (mscmeta compare): one model row
 * per compare row, with the exact pooled proportion's interval as the
 * band. Returns as msc_forest_rows_build. */
msc_status msc_forest_rows_compare(msc_forest_rows *rs, const struct msc_compare *c, size_t j,
                                   const msc_plot_options *opt, char *err, size_t errlen);

/* The largest study square, in rows. */
#define MSC_FOREST_SQUARE 0.78

/* ----------------------------------------------------- forest_layout.c */

#define MSC_FOREST_LABEL_BYTES 512

/* The layout, in points from the top-left corner. */
typedef struct {
    msc_plot_frame fr;                    /* canvas, font; panel: body top (y0) to axis (y1) */
    double R;                             /* row pitch */
    double x_label, x_events, x_n;        /* left edge of labels; right edges */
    double x_est, x_lo, x_hi, x_w1, x_w2; /* right edges */
    double w_w1;                          /* width of the first weight column */
    double x_rule;                        /* right end of the rule under the headings */
    double small;                         /* size of the footer and note text */
    double y_title, y_head1, y_head2, y_rule, y_axlabel, y_foot;
    double body_rows; /* height of the body in rows */
    msc_plot_axis ax; /* display units; log10 of them when logx */
    int logx;         /* a log axis (msc_forest_x maps values to it) */
    double px_per_pt; /* PNG pixels per point (1 for SVG and PDF) */
    /* per row: its label fitted to the column in one or two lines (the
     * second empty when one does), MSC_FOREST_LABEL_BYTES each:
     * msc_forest_label(L, i, line) */
    char *labels;
    double *y; /* per row: its centre, in rows from the top of the body */
    double *h; /* per row: its height in rows (two-line labels make it taller) */
    /* A PDF longer than a page (MSC_FOREST_PAGE_H): the first row of each
     * page; n_pages 0: one page, the whole canvas. */
    size_t n_pages;
    size_t *page_first;
} msc_forest_layout;

/* Where the value v (display units) sits on L's axis: v, or log10 v on a
 * log axis (-inf for v <= 0, which the drawing clips to the axis). */
static inline double msc_forest_x(const msc_forest_layout *L, double v)
{
    return !L->logx ? v : v > 0 ? log10(v) : -INFINITY;
}

/* Line `line` (0 or 1) of row i's fitted label; "" when there is none. */
static inline const char *msc_forest_label(const msc_forest_layout *L, size_t i, int line)
{
    return L->labels + (2 * i + (size_t)line) * MSC_FOREST_LABEL_BYTES;
}

/* The tallest PDF page, in points: a US Letter page (11 in), which is
 * also shorter than A4; a longer forest breaks across pages. */
#define MSC_FOREST_PAGE_H 792.0

/* A two-line label's lines are this many em apart. */
#define MSC_FOREST_LINE_EM 1.2

/* Lays out rs on the canvas opt asks for: natural at 10 pt; when a size
 * asked for is too small for that, the fonts (and everything with them)
 * shrink. Returns MSC_OK, or MSC_ERR_USAGE (too large for PNG) or
 * MSC_ERR_NOMEM with a message. *L is left for msc_forest_layout_free
 * either way. */
msc_status msc_forest_layout_make(msc_forest_layout *L, const msc_forest_rows *rs,
                                  const msc_plot_options *opt, char *err, size_t errlen);
void msc_forest_layout_free(msc_forest_layout *L);

/* ------------------------------------------------------- forest_draw.c */

/* Draws rs as laid out by L into path, in format f. Returns MSC_OK, or
 * MSC_ERR_IO with a message (msc_plot_render). */
msc_status msc_forest_draw(const msc_forest_rows *rs, const msc_forest_layout *L, msc_plot_format f,
                           const char *path, char *err, size_t errlen);

#endif
