/*
 * The forest plot's drawing: the gnuplot script for rows already laid out
 * (forest_layout.c), page by page (a PDF longer than a page repeats its
 * header and axis on each; other formats are one page). Text goes through
 * the plot helpers (msc_plot_text, msc_plot_label, which quote it); shapes
 * and data through msc_gp_cmd and msc_gp_str only, so no user text reaches
 * gnuplot unquoted. Nothing is measured or decided here: every position
 * comes from the layout. Shapes are clipped to the axis (--xlim, a log
 * axis): a whisker that runs beyond it ends in an arrow, a square outside
 * it is left out.
 */
#include <math.h>
#include <stdio.h>

#include "msc_forest.h"

/* The forest plot's own colours (the shared ones: MSC_RGB_*) */
#define C_SQUARE "#3B5B8C"
#define C_COMMON "#9A9A9A" /* common-effect diamond */
#define C_PI "#B22222"
#define C_BAND "#DCE6F2" /* compare: the exact interval's band */

typedef msc_forest_rows rows;
typedef msc_forest_row row;
typedef msc_forest_layout layout;

/* One page: the layout with the page's panel (rows first..last-1, y
 * measured from the page's first row), and whether the footer goes here. */
typedef struct {
    msc_gp *g;
    const layout *L; /* the page's: its frame, body_rows and axis label place */
    size_t first, last;
    double off; /* rows above the page's first row */
    int footer;
} ctx;

/* Text in a row of the body: x in points, y the row's (in rows). */
static void text_row(ctx *c, const char *s, double x, double y, int align, double size, int bold,
                     const char *rgb)
{
    if (s && *s)
        msc_plot_label(c->g, s, msc_plot_sx(&c->L->fr, x), -(y - c->off), MSC_AT_Y_DATA, align,
                       size, bold, rgb);
}

/* Data x per point inside the panel. */
static double x_per_pt(const layout *L)
{
    return (L->ax.to - L->ax.from + 2 * L->ax.pad) / (L->fr.x1 - L->fr.x0);
}

/* v on the axis, held within a thousand axis lengths of it (a log axis
 * maps 0 to -inf), for clipping. */
static double ax_x(const layout *L, double v)
{
    double x = msc_forest_x(L, v), span = L->ax.to - L->ax.from;
    return fmin(fmax(x, L->ax.from - 1e3 * span), L->ax.to + 1e3 * span);
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
    for (size_t i = c->first; i < c->last; i++) {
        const row *r = &rs->r[i];
        const char *lab = msc_forest_label(L, i, 0), *lab2 = msc_forest_label(L, i, 1);
        double y = L->y[i];
        if (r->kind == MSC_FOREST_NOTE) {
            text_row(c, r->text[MSC_FOREST_COL_NOTE], L->x_label, y, 'l', L->small, 0,
                     MSC_RGB_NOTE);
            continue;
        }
        if (lab2[0]) { /* two lines around the row's centre */
            double d = 0.5 * MSC_FOREST_LINE_EM * F / L->R;
            text_row(c, lab, L->x_label, y - d, 'l', F, msc_forest_row_bold(r), MSC_RGB_TEXT);
            text_row(c, lab2, L->x_label, y + d, 'l', F, msc_forest_row_bold(r), MSC_RGB_TEXT);
        } else {
            text_row(c, lab, L->x_label, y, 'l', F, msc_forest_row_bold(r), MSC_RGB_TEXT);
        }
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
    for (size_t i = 0; c->footer && i < rs->n_notes; i++)
        msc_plot_text(c->g, fr, rs->notes[i], L->x_label, L->y_foot + (0.5 + i * 1.35) * F, 'l',
                      L->small, 0, MSC_RGB_NOTE);
}

/* Clips the polygon x[], y[] (n points, n <= 8) to from <= x <= to
 * (Sutherland-Hodgman, one edge then the other); returns the points left. */
static size_t clip_polygon(double *x, double *y, size_t n, double from, double to)
{
    for (int side = 0; side < 2; side++) {
        double ox[16], oy[16];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (i + 1) % n;
            int in_i = side ? x[i] <= to : x[i] >= from, in_j = side ? x[j] <= to : x[j] >= from;
            double edge = side ? to : from;
            if (in_i && m < 16)
                ox[m] = x[i], oy[m++] = y[i];
            if (in_i != in_j && m < 16) {
                double t = (edge - x[i]) / (x[j] - x[i]);
                ox[m] = edge, oy[m++] = y[i] + t * (y[j] - y[i]);
            }
        }
        for (size_t i = 0; i < m && i < 8; i++)
            x[i] = ox[i], y[i] = oy[i];
        n = m < 8 ? m : 8;
    }
    return n;
}

/* A polygon object of n points (closed), in data units. */
static void emit_polygon(msc_gp *g, const double *x, const double *y, size_t n, const char *fill,
                         const char *border)
{
    if (n < 3)
        return;
    msc_gp_cmd(g, "set object %d polygon from %.10g,%.10g", msc_gp_tag(g), x[0], y[0]);
    for (size_t i = 1; i <= n; i++)
        msc_gp_cmd(g, " to %.10g,%.10g", x[i % n], y[i % n]);
    msc_gp_cmd(g, " front fc rgb ");
    msc_gp_str(g, fill);
    msc_gp_cmd(g, " fs solid 1.0 border lc rgb ");
    msc_gp_str(g, border);
    msc_gp_cmd(g, " lw 0.6\n");
}

/* A pooled row's diamond, clipped to the axis. */
static void emit_diamond(ctx *c, const row *r, double y)
{
    const layout *L = c->L;
    double hh = 0.36;
    double x[8] = {ax_x(L, r->lo), ax_x(L, r->est), ax_x(L, r->hi), ax_x(L, r->est)};
    double yy[8] = {y, y + hh, y, y - hh};
    size_t n = clip_polygon(x, yy, 4, L->ax.from, L->ax.to);
    emit_polygon(c->g, x, yy, n, r->dark ? MSC_RGB_DARK : C_COMMON, MSC_RGB_DARK);
}

/* The prediction interval's bar, clipped to the axis. */
static void emit_pi(ctx *c, const row *r, double y)
{
    const layout *L = c->L;
    double x0 = fmax(ax_x(L, r->lo), L->ax.from), x1 = fmin(ax_x(L, r->hi), L->ax.to);
    double x[4] = {x0, x1, x1, x0}, yy[4] = {y - 0.14, y - 0.14, y + 0.14, y + 0.14};
    if (x1 > x0)
        emit_polygon(c->g, x, yy, 4, C_PI, C_PI);
}

/* A vertical line at v (display units) from the page's top to `bottom`
 * rows down, when v is on the axis. */
static void vline(ctx *c, double v, double bottom, int dt, const char *rgb)
{
    double x = msc_forest_x(c->L, v);
    if (isfinite(x) && x >= c->L->ax.from && x <= c->L->ax.to)
        msc_plot_line(c->g, MSC_AT_DATA, x, 0.0, x, -bottom, 1, dt, 0.8, rgb);
}

/* The band (rs->band) from the page's top to `bottom` rows down, clipped
 * to the axis, behind everything; its estimate dashed. */
static void emit_band(ctx *c, const rows *rs, double bottom)
{
    const layout *L = c->L;
    double x0 = fmax(ax_x(L, rs->band_lo), L->ax.from), x1 = fmin(ax_x(L, rs->band_hi), L->ax.to);
    if (x1 > x0) {
        msc_gp_cmd(c->g, "set object %d rect from %.10g,%.10g to %.10g,%.10g back fc rgb ",
                   msc_gp_tag(c->g), x0, 0.0, x1, -bottom);
        msc_gp_str(c->g, C_BAND);
        msc_gp_cmd(c->g, " fs solid 1.0 noborder\n");
    }
    vline(c, rs->band_est, bottom, 2, C_SQUARE);
}

/* Diamonds, prediction bars and the vertical lines, as objects. */
static void emit_shapes(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    double last_y = L->body_rows; /* lines run down the page, or to the last model row */
    for (size_t i = c->first; i < c->last; i++) {
        const row *r = &rs->r[i];
        double y = -(L->y[i] - c->off);
        if (r->kind == MSC_FOREST_POOLED && isfinite(r->est) && isfinite(r->lo) && isfinite(r->hi))
            emit_diamond(c, r, y);
        else if (r->kind == MSC_FOREST_PI && isfinite(r->lo) && isfinite(r->hi))
            emit_pi(c, r, y);
        if (r->kind == MSC_FOREST_POOLED || r->kind == MSC_FOREST_PI)
            last_y = L->y[i] - c->off + 0.5 * L->h[i];
    }
    if (rs->band)
        emit_band(c, rs, last_y);
    /* The pooled estimate as a dotted line through the studies, the
     * reference line dashed. */
    if (isfinite(rs->est_line))
        vline(c, rs->est_line, last_y, 3, MSC_RGB_LINE);
    if (isfinite(rs->ref))
        vline(c, rs->ref, last_y, 2, MSC_RGB_REF);
    /* The axis line spans the ticks only. */
    double ya = -L->body_rows;
    msc_plot_line(c->g, MSC_AT_DATA, L->ax.from, ya, L->ax.to, ya, 0, 0, 0.8, MSC_RGB_TEXT);
}

/* The studies' squares as inline data: centre, then x and y extents;
 * none for a study whose estimate is off the axis. */
static void emit_squares(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    double maxw = 0;
    for (size_t i = 0; i < rs->n; i++) /* all pages: the same sizes on each */
        if (rs->r[i].kind == MSC_FOREST_STUDY && isfinite(rs->r[i].size_by) &&
            rs->r[i].size_by > maxw)
            maxw = rs->r[i].size_by;
    double xpp = x_per_pt(L);
    double smax = MSC_FOREST_SQUARE * L->R, smin = 0.22 * L->R;
    msc_gp_cmd(g, "$sq << EOD\n");
    for (size_t i = c->first; i < c->last; i++) {
        const row *r = &rs->r[i];
        double x = msc_forest_x(L, r->est);
        if (r->kind != MSC_FOREST_STUDY || !isfinite(x) || x < L->ax.from || x > L->ax.to)
            continue;
        double s = maxw > 0 && isfinite(r->size_by) ? smax * sqrt(r->size_by / maxw) : smin;
        if (s < smin)
            s = smin;
        double hx = 0.5 * s * xpp, hy = 0.5 * s / L->R, y = -(L->y[i] - c->off);
        msc_gp_cmd(g, "%.10g %.10g %.10g %.10g %.10g %.10g\n", x, y, x - hx, x + hx, y - hy,
                   y + hy);
    }
    msc_gp_cmd(g, "EOD\n");
}

/* Whiskers (clipped to the axis: $ci without heads; $ca from the end
 * inside the axis to the edge it crosses, with an arrow head there) and
 * squares, as inline data (numbers only). */
static void emit_plot(ctx *c, const rows *rs)
{
    const layout *L = c->L;
    msc_gp *g = c->g;
    for (int arrows = 0; arrows < 2; arrows++) {
        msc_gp_cmd(g, arrows ? "$ca << EOD\n" : "$ci << EOD\n");
        for (size_t i = c->first; i < c->last; i++) {
            const row *r = &rs->r[i];
            if (r->kind != MSC_FOREST_STUDY || !isfinite(r->lo) || !isfinite(r->hi))
                continue;
            double lo = ax_x(L, r->lo), hi = ax_x(L, r->hi), y = -(L->y[i] - c->off);
            double a = fmax(lo, L->ax.from), b = fmin(hi, L->ax.to);
            if (b < a || (b == a && lo != hi))
                continue; /* wholly off the axis */
            if (!arrows)
                msc_gp_cmd(g, "%.10g %.10g %.10g\n", a, y, b - a);
            else if (lo < L->ax.from) /* from inside out to the left edge */
                msc_gp_cmd(g, "%.10g %.10g %.10g\n", b, y, a - b);
            if (arrows && hi > L->ax.to)
                msc_gp_cmd(g, "%.10g %.10g %.10g\n", a, y, b - a);
        }
        msc_gp_cmd(g, "EOD\n");
    }
    emit_squares(c, rs);
    msc_gp_cmd(g, "plot $ci using 1:2:3:(0) notitle with vectors nohead lw 0.9 lc rgb ");
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g,
               ", $ca using 1:2:3:(0) notitle with vectors head size screen %.6f,25 filled "
               "lw 0.9 lc rgb ",
               0.5 * L->fr.F / L->fr.W);
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g, ", $sq using 1:2:3:4:5:6 notitle with boxxyerror fs solid 1.0 noborder lc rgb ");
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
    size_t pages = L->n_pages ? L->n_pages : 1;
    for (size_t p = 0; p < pages; p++) {
        /* The page's own panel: its rows, the axis under them. */
        layout P = *L;
        ctx c = {&g, &P, 0, rs->n, 0.0, p + 1 == pages};
        if (L->n_pages) {
            c.first = L->page_first[p];
            c.last = p + 1 < pages ? L->page_first[p + 1] : rs->n;
            c.off = L->y[c.first] - 0.5 * L->h[c.first];
            double end = c.last < rs->n ? L->y[c.last] - 0.5 * L->h[c.last] : L->body_rows;
            P.body_rows = end - c.off;
            P.fr.y1 = P.fr.y0 + P.body_rows * P.R;
            P.y_axlabel = P.fr.y1 + (L->y_axlabel - L->fr.y1);
            P.y_foot = P.fr.y1 + (L->y_foot - L->fr.y1);
            if (p > 0) /* a new page: pdfcairo starts one at each plot */
                msc_gp_cmd(&g, "unset label\nunset arrow\nunset object\n");
        }
        emit_axes(&c);
        emit_header(&c, rs);
        emit_rows(&c, rs);
        emit_footer(&c, rs);
        emit_shapes(&c, rs);
        emit_plot(&c, rs);
    }
    return msc_plot_render(&g, path, err, errlen);
}
