/*
 * The forest plot's drawing: the gnuplot script for rows already laid out
 * (forest_layout.c). Text goes through the plot helpers (msc_plot_text,
 * msc_plot_label, which quote it); shapes and data through msc_gp_cmd and
 * msc_gp_str only, so no user text reaches gnuplot unquoted. Nothing is
 * measured or decided here: every position comes from the layout.
 */
#include <math.h>
#include <stdio.h>

#include "msc_forest.h"

/* The forest plot's own colours (the shared ones: MSC_RGB_*) */
#define C_SQUARE "#3B5B8C"
#define C_COMMON "#9A9A9A" /* common-effect diamond */
#define C_PI "#B22222"

typedef msc_forest_rows rows;
typedef msc_forest_row row;
typedef msc_forest_layout layout;

typedef struct {
    msc_gp *g;
    const layout *L;
} ctx;

/* Text in a row of the body: x in points, y the row's (in rows). */
static void text_row(ctx *c, const char *s, double x, double y, int align, double size, int bold,
                     const char *rgb)
{
    if (s && *s)
        msc_plot_label(c->g, s, msc_plot_sx(&c->L->fr, x), -y, MSC_AT_Y_DATA, align, size, bold,
                       rgb);
}

/* Data x per point inside the panel. */
static double x_per_pt(const layout *L)
{
    return (L->ax.to - L->ax.from + 2 * L->ax.pad) / (L->fr.x1 - L->fr.x0);
}

static void emit_header(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    const msc_plot_frame *fr = &L->fr;
    msc_gp *g = c->g;
    double F = fr->F;
    if (rs->title)
        msc_plot_title(g, fr, rs->title, L->x_label, L->y_title);
    double y = L->y_head2;
    msc_plot_text(g, fr, rs->study_head, L->x_label, y, 'l', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, "Events", L->x_events, y, 'r', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, "N", L->x_n, y, 'r', F, 1, MSC_RGB_TEXT);
    msc_plot_text(g, fr, rs->ci_head, L->x_hi, y, 'r', F, 1, MSC_RGB_TEXT);
    if (rs->two_weights) {
        /* centred over both weight columns */
        msc_plot_text(g, fr, "Weight", 0.5 * (L->x_w1 - L->w_w1 + L->x_w2), L->y_head1, 'c', F, 1,
                      MSC_RGB_TEXT);
        msc_plot_text(g, fr, "common", L->x_w1, y, 'r', F, 1, MSC_RGB_TEXT);
        msc_plot_text(g, fr, "random", L->x_w2, y, 'r', F, 1, MSC_RGB_TEXT);
    } else {
        msc_plot_text(g, fr, rs->w_head, L->x_w1, y, 'r', F, 1, MSC_RGB_TEXT);
    }
    double yr = msc_plot_sy(fr, L->y_rule);
    msc_plot_line(g, MSC_AT_SCREEN, msc_plot_sx(fr, L->x_label), yr, msc_plot_sx(fr, L->x_rule), yr,
                  0, 0, 0.6, MSC_RGB_TEXT);
}

static void emit_rows(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    double F = L->fr.F;
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        const char *lab = L->labels + i * MSC_FOREST_LABEL_BYTES;
        double y = L->y[i];
        if (r->kind == MSC_FOREST_NOTE) {
            text_row(c, r->text[MSC_FOREST_COL_NOTE], L->x_label, y, 'l', L->small, 0,
                     MSC_RGB_NOTE);
            continue;
        }
        text_row(c, lab, L->x_label, y, 'l', F, msc_forest_row_bold(r), MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_EVENTS], L->x_events, y, 'r', F, 0, MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_N], L->x_n, y, 'r', F, 0, MSC_RGB_TEXT);
        int b = r->kind == MSC_FOREST_POOLED;
        text_row(c, r->text[MSC_FOREST_COL_EST], L->x_est, y, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_LO], L->x_lo, y, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_HI], L->x_hi, y, 'r', F, b, MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_W1], L->x_w1, y, 'r', F, 0, MSC_RGB_TEXT);
        text_row(c, r->text[MSC_FOREST_COL_W2], L->x_w2, y, 'r', F, 0, MSC_RGB_TEXT);
    }
}

static void emit_footer(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    const msc_plot_frame *fr = &L->fr;
    double F = fr->F;
    msc_plot_text(c->g, fr, rs->axis_label, 0.5 * (fr->x0 + fr->x1), L->y_axlabel, 'c', F, 0,
                  MSC_RGB_TEXT);
    for (size_t i = 0; i < rs->n_notes; i++)
        msc_plot_text(c->g, fr, rs->notes[i], L->x_label, L->y_foot + (0.5 + i * 1.35) * F, 'l',
                      L->small, 0, MSC_RGB_NOTE);
}

/* A pooled row's diamond, as an object. */
static void emit_diamond(msc_gp *g, int obj, const row *r, double y)
{
    double hh = 0.36;
    msc_gp_cmd(g,
               "set object %d polygon from %.10g,%.10g to %.10g,%.10g to %.10g,%.10g to "
               "%.10g,%.10g to %.10g,%.10g front fc rgb ",
               obj, r->lo, y, r->est, y + hh, r->hi, y, r->est, y - hh, r->lo, y);
    msc_gp_str(g, r->dark ? MSC_RGB_DARK : C_COMMON);
    msc_gp_cmd(g, " fs solid 1.0 border lc rgb ");
    msc_gp_str(g, MSC_RGB_DARK);
    msc_gp_cmd(g, " lw 0.6\n");
}

/* The prediction interval's bar, as an object. */
static void emit_pi(msc_gp *g, int obj, const row *r, double y)
{
    msc_gp_cmd(g, "set object %d rectangle from %.10g,%.10g to %.10g,%.10g front fc rgb ", obj,
               r->lo, y - 0.14, r->hi, y + 0.14);
    msc_gp_str(g, C_PI);
    msc_gp_cmd(g, " fs solid 1.0 border lc rgb ");
    msc_gp_str(g, C_PI);
    msc_gp_cmd(g, " lw 0.6\n");
}

/* Diamonds, prediction bars and the vertical lines, as objects. */
static void emit_shapes(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    double last_y = 0;
    int obj = 1;
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind == MSC_FOREST_POOLED && isfinite(r->est) && isfinite(r->lo) && isfinite(r->hi))
            emit_diamond(g, obj++, r, -L->y[i]);
        else if (r->kind == MSC_FOREST_PI && isfinite(r->lo) && isfinite(r->hi))
            emit_pi(g, obj++, r, -L->y[i]);
        if (r->kind == MSC_FOREST_POOLED || r->kind == MSC_FOREST_PI)
            last_y = L->y[i] + 0.5 * r->height;
    }
    /* The pooled estimate as a dotted line through the studies. */
    double top = 0.0, bottom = -last_y; /* from the top of the body to the last model row */
    if (isfinite(rs->est_line))
        msc_plot_line(g, MSC_AT_DATA, rs->est_line, top, rs->est_line, bottom, 1, 3, 0.8,
                      MSC_RGB_LINE);
    if (isfinite(rs->ref))
        msc_plot_line(g, MSC_AT_DATA, rs->ref, top, rs->ref, bottom, 1, 2, 0.8, MSC_RGB_REF);
    /* The axis line spans the ticks only. */
    double ya = -L->body_rows;
    msc_plot_line(g, MSC_AT_DATA, L->ax.from, ya, L->ax.to, ya, 0, 0, 0.8, MSC_RGB_TEXT);
}

/* The studies' squares as inline data: centre, then x and y extents. */
static void emit_squares(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    double maxw = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (rs->r[i].kind == MSC_FOREST_STUDY && isfinite(rs->r[i].size_by) &&
            rs->r[i].size_by > maxw)
            maxw = rs->r[i].size_by;
    double xpp = x_per_pt(L);
    double smax = MSC_FOREST_SQUARE * L->R, smin = 0.22 * L->R;
    msc_gp_cmd(g, "$sq << EOD\n");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind != MSC_FOREST_STUDY || !isfinite(r->est))
            continue;
        double s = maxw > 0 && isfinite(r->size_by) ? smax * sqrt(r->size_by / maxw) : smin;
        if (s < smin)
            s = smin;
        double hx = 0.5 * s * xpp, hy = 0.5 * s / L->R, y = -L->y[i];
        msc_gp_cmd(g, "%.10g %.10g %.10g %.10g %.10g %.10g\n", r->est, y, r->est - hx, r->est + hx,
                   y - hy, y + hy);
    }
    msc_gp_cmd(g, "EOD\n");
}

/* Whiskers and squares, as inline data (numbers only). */
static void emit_plot(ctx *c, const rows *rs)
{
    msc_gp *g = c->g;
    msc_gp_cmd(g, "$ci << EOD\n");
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->r[i];
        if (r->kind == MSC_FOREST_STUDY && isfinite(r->lo) && isfinite(r->hi))
            msc_gp_cmd(g, "%.10g %.10g %.10g\n", r->lo, -c->L->y[i], r->hi - r->lo);
    }
    msc_gp_cmd(g, "EOD\n");
    emit_squares(c, rs);
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

msc_status msc_forest_draw(const msc_forest_rows *rs, const msc_forest_layout *L, msc_plot_format f,
                           const char *path, char *err, size_t errlen)
{
    msc_gp g;
    int rc = msc_gp_open(&g, err, errlen);
    if (rc != MSC_OK)
        return rc;
    msc_plot_terminal(&g, f, L->fr.W, L->fr.H, L->fr.F, L->px_per_pt, path);
    ctx c = {&g, L};
    emit_axes(&c);
    emit_header(&c, rs);
    emit_rows(&c, rs);
    emit_footer(&c, rs);
    emit_shapes(&c, rs);
    emit_plot(&c, rs);
    return msc_plot_render(&g, path, err, errlen);
}
