/*
 * Pieces shared by the plots: the terminal set-up
 * that makes a point a point in PNG, SVG and PDF alike, labels, axis
 * ticks, the frame and panel, and the short texts of the footers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msc_stats.h"
#include "msc_plot.h"

/* The plot this thread is drawing, as msc_plot_check last saw it. */
static _Thread_local msc_plot_current current;

const double msc_plot_scales[] = {1.0, 100.0, 1000.0};
const size_t msc_n_plot_scales = sizeof msc_plot_scales / sizeof msc_plot_scales[0];

void msc_plot_options_default(msc_plot_options *o)
{
    o->format = MSC_PLOT_PNG;
    o->title = NULL;
    o->width = o->height = 0.0;
    o->scale = 1.0;
    o->ref = NAN;
    o->sens = NULL;
    o->metrics = MSC_PLOT_METRICS_CHECK;
    o->xlim_lo = o->xlim_hi = NAN;
    o->log_x = 0;
    o->sort = MSC_PLOT_SORT_FILE;
    o->sort_col = NULL;
    o->dpi = MSC_PLOT_DPI_DEFAULT;
    o->contours = 0;
}

int msc_plot_format_from_path(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return -1;
    if (strcasecmp(dot, ".png") == 0)
        return MSC_PLOT_PNG;
    if (strcasecmp(dot, ".svg") == 0)
        return MSC_PLOT_SVG;
    if (strcasecmp(dot, ".pdf") == 0)
        return MSC_PLOT_PDF;
    return -1;
}

/* ------------------------------------------------------------ terminal */

void msc_plot_terminal(msc_gp *g, msc_plot_format f, double w, double h, double font_pt,
                       double px_per_pt, const char *path)
{
    char font[64];
    snprintf(font, sizeof font, "%s,%.2f", msc_plot_font_name(0), font_pt);
    g->format = (int)f;
    msc_gp_cmd(g, "reset session\nset encoding utf8\n");
    /* Cairo sizes a "10 pt" font at 4/3 of a pixel per point on PNG and at
     * 2/3 of a point on PDF (its default fontscale is 0.5); line width 1 is
     * a pixel on PNG and half a point on PDF. The fontscale and linewidth
     * options below undo that, so the layout's points hold everywhere. */
    switch (f) {
    case MSC_PLOT_PNG: {
        double k = px_per_pt;
        g->dpi = 72.0 * k;
        msc_gp_cmd(g, "set terminal pngcairo size %.0f,%.0f noenhanced font ", ceil(w * k),
                   ceil(h * k));
        msc_gp_str(g, font);
        msc_gp_cmd(g, " fontscale %.4f linewidth %.4f rounded background rgb ", 0.75 * k, k);
        break;
    }
    case MSC_PLOT_SVG:
        msc_gp_cmd(g, "set terminal svg size %.0f,%.0f fixed noenhanced font ", ceil(w), ceil(h));
        msc_gp_str(g, font);
        msc_gp_cmd(g, " fontscale 1 linewidth 1 rounded background rgb ");
        break;
    case MSC_PLOT_PDF:
        msc_gp_cmd(g, "set terminal pdfcairo size %.4fin,%.4fin noenhanced font ", w / 72.0,
                   h / 72.0);
        msc_gp_str(g, font);
        msc_gp_cmd(g, " fontscale 0.75 linewidth 2 rounded background rgb ");
        break;
    }
    msc_gp_str(g, "#ffffff");
    msc_gp_cmd(g, "\nset termoption noenhanced\n");
    /* A relative path is written './'.'path': gnuplot would open a name
     * that starts with '|' as a pipe to a shell command. */
    msc_gp_cmd(g, "set output ");
    if (path[0] != '/')
        msc_gp_cmd(g, "'./'.");
    msc_gp_str(g, path);
    msc_gp_cmd(g, "\n");
    msc_gp_cmd(g, "unset key\nunset border\nunset xtics\nunset ytics\nunset grid\n"
                  "set style fill solid 1.0 noborder\n");
}

double msc_plot_px_per_pt(const msc_plot_options *o)
{
    return o->format == MSC_PLOT_PNG ? o->dpi / 72.0 : 1.0;
}

int msc_plot_too_small(const msc_plot_options *o, double F, double need_w, double need_h, char *err,
                       size_t errlen)
{
    const char *unit = o->format == MSC_PLOT_PNG ? "pixels" : "points";
    char w[96] = "", h[96] = "";
    if (o->width > 0 && o->width < need_w)
        snprintf(w, sizeof w, "a width of at least %.0f %s", ceil(need_w), unit);
    if (o->height > 0 && o->height < need_h)
        snprintf(h, sizeof h, "%sa height of at least %.0f %s", w[0] ? " and " : "", ceil(need_h),
                 unit);
    if (!w[0] && !h[0]) /* both near the limit: ask for the larger of each */
        snprintf(w, sizeof w, "a size of at least %.0f x %.0f %s", ceil(need_w), ceil(need_h),
                 unit);
    snprintf(err, errlen,
             "at this size the text would be %.1f pt, below the %g pt that stays legible: "
             "give %s%s",
             F, MSC_PLOT_FONT_MIN, w, h);
    return MSC_ERR_USAGE;
}

/* "screen x, first y" and the like: fractions of the canvas to 6
 * decimals, data units to 10 significant digits. */
static void coords(msc_gp *g, int at, double x, double y)
{
    if (at == MSC_AT_X_DATA || at == MSC_AT_DATA)
        msc_gp_cmd(g, "first %.10g, ", x);
    else
        msc_gp_cmd(g, "screen %.6f, ", x);
    if (at == MSC_AT_Y_DATA || at == MSC_AT_DATA)
        msc_gp_cmd(g, "first %.10g", y);
    else
        msc_gp_cmd(g, "screen %.6f", y);
}

void msc_plot_label(msc_gp *g, const char *text, double x, double y, int at, int align, double size,
                    int bold, const char *rgb)
{
    char font[64];
    snprintf(font, sizeof font, "%s,%.2f", msc_plot_font_name(bold), size);
    msc_gp_cmd(g, "set label %d ", msc_gp_tag(g));
    msc_gp_str(g, text);
    msc_gp_cmd(g, " at ");
    coords(g, at, x, y);
    if (align == 'r')
        msc_gp_cmd(g, " right");
    else if (align == 'c')
        msc_gp_cmd(g, " center");
    else
        msc_gp_cmd(g, " left");
    msc_gp_cmd(g, " font ");
    msc_gp_str(g, font);
    msc_gp_cmd(g, " noenhanced front textcolor rgb ");
    msc_gp_str(g, rgb ? rgb : MSC_RGB_TEXT);
    msc_gp_cmd(g, "\n");
}

void msc_plot_text(msc_gp *g, const msc_plot_frame *fr, const char *text, double x, double y,
                   int align, double size, int bold, const char *rgb)
{
    if (text && *text)
        msc_plot_label(g, text, msc_plot_sx(fr, x), msc_plot_sy(fr, y), MSC_AT_SCREEN, align, size,
                       bold, rgb);
}

void msc_plot_line(msc_gp *g, int at, double x0, double y0, double x1, double y1, int back, int dt,
                   double lw, const char *rgb)
{
    msc_gp_cmd(g, "set arrow %d from ", msc_gp_tag(g));
    coords(g, at, x0, y0);
    msc_gp_cmd(g, " to ");
    coords(g, at, x1, y1);
    msc_gp_cmd(g, " nohead");
    if (back)
        msc_gp_cmd(g, " back");
    if (dt)
        msc_gp_cmd(g, " dt %d", dt);
    msc_gp_cmd(g, " lw %g lc rgb ", lw);
    msc_gp_str(g, rgb);
    msc_gp_cmd(g, "\n");
}

/* The title's lines: bold at 1.2 em, wrapped to `width` less an em each
 * side, at most three. */
#define TITLE_LINES 3
#define TITLE_PITCH 1.45 /* em between the title's lines */

static void title_lines(const char *title, double width, double F, msc_plot_lines *out)
{
    msc_plot_text_wrap(title ? title : "", width - 2 * F, 1.2 * F, 1, TITLE_LINES, out);
}

double msc_plot_title_height(const char *title, double width, double F)
{
    if (!title || !title[0])
        return 0.0;
    msc_plot_lines t;
    title_lines(title, width, F, &t);
    return (double)(t.n - 1) * TITLE_PITCH * F;
}

void msc_plot_title(msc_gp *g, const msc_plot_frame *fr, const char *title, double x, double y)
{
    if (!title || !title[0])
        return;
    msc_plot_lines t;
    title_lines(title, fr->W, fr->F, &t);
    for (size_t i = 0; i < t.n; i++)
        msc_plot_text(g, fr, t.line[i], x, y + (double)i * TITLE_PITCH * fr->F, 'l', 1.2 * fr->F, 1,
                      NULL);
}

/* ---------------------------------------------------------------- axes */

void msc_plot_ticks(double lo, double hi, msc_plot_axis *ax)
{
    static const double MULT[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    double span = hi - lo;
    if (!(span > 0.0))
        span = fabs(hi) > 0.0 ? fabs(hi) * 0.2 : 0.1;
    double mag = pow(10.0, floor(log10(span / 5.0)));
    double st = mag;
    for (size_t i = 0; i < sizeof MULT / sizeof MULT[0]; i++) {
        st = MULT[i] * mag;
        if (ceil(hi / st - 1e-9) - floor(lo / st + 1e-9) <= 6.0)
            break;
    }
    double f = floor(lo / st + 1e-9) * st, t = ceil(hi / st - 1e-9) * st;
    if (t <= f)
        t = f + st;
    int d = 0;
    while (d < 8 && fabs(st * pow(10.0, d) - round(st * pow(10.0, d))) > 1e-6)
        d++;
    ax->from = f;
    ax->to = t;
    ax->step = st;
    ax->decimals = d;
    ax->n_ticks = 0;
}

void msc_plot_tick_add(msc_plot_axis *ax, double at, double v, int decimals)
{
    if (ax->n_ticks >= MSC_PLOT_MAX_TICKS || !isfinite(at) || !isfinite(v))
        return;
    char *t = ax->tick_label[ax->n_ticks];
    if (fabs(v) >= 1e6)
        snprintf(t, sizeof ax->tick_label[0], "%g", v);
    else
        snprintf(t, sizeof ax->tick_label[0], "%.*f",
                 decimals < 0   ? 0
                 : decimals > 9 ? 9
                                : decimals,
                 fabs(v) < 1e-12 ? 0.0 : v);
    ax->tick_at[ax->n_ticks++] = at;
}

void msc_plot_ticks_exact(double lo, double hi, msc_plot_axis *ax)
{
    msc_plot_ticks(lo, hi, ax);
    double st = ax->step;
    ax->from = lo;
    ax->to = hi;
    ax->n_ticks = 0;
    for (double k = ceil(lo / st - 1e-9); k * st <= hi + 1e-9 * st; k++)
        msc_plot_tick_add(ax, k * st, k * st, ax->decimals);
}

void msc_plot_log_ticks(double lo, double hi, int exact, msc_plot_axis *ax)
{
    double a = log10(lo), b = log10(hi);
    double d0 = floor(a + 1e-9), d1 = ceil(b - 1e-9);
    if (d1 <= d0)
        d1 = d0 + 1;
    ax->from = exact ? a : d0;
    ax->to = exact ? b : d1;
    if (ax->to <= ax->from)
        ax->to = ax->from + 1;
    ax->step = 1;
    ax->decimals = 0;
    ax->n_ticks = 0;
    double decades = d1 - d0;
    static const double FEW[] = {1, 2, 5}, ONE[] = {1};
    const double *m = decades <= 2 ? FEW : ONE;
    size_t nm = decades <= 2 ? 3 : 1;
    double every = decades > 8 ? ceil(decades / 6) : 1; /* decades between ticks */
    for (double d = d0; d <= d1; d += every)
        for (size_t j = 0; j < nm; j++) {
            double v = m[j] * pow(10.0, d), at = log10(v);
            if (at >= ax->from - 1e-9 && at <= ax->to + 1e-9)
                msc_plot_tick_add(ax, at, v, d < 0 ? (int)-d : 0);
        }
}

double msc_plot_frame_set(msc_plot_frame *fr, double F, double tw, double th,
                          const msc_plot_margins *m)
{
    fr->F = F;
    fr->W = tw > 0 ? tw : m->left + m->pw + m->right;
    fr->H = th > 0 ? th : m->top + m->ph + m->bottom;
    fr->x0 = m->left;
    fr->x1 = fr->W - m->right;
    fr->y0 = m->top;
    fr->y1 = fr->H - m->bottom;
    return fmin(fr->W / (m->left + m->min_pw + m->right), fr->H / (m->top + m->min_ph + m->bottom));
}

/* The panel's margins and ranges: y from ylo (bottom) to yhi (top). */
static void panel(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax, double ylo,
                  double yhi)
{
    msc_gp_cmd(g, "set lmargin at screen %.6f\nset rmargin at screen %.6f\n",
               msc_plot_sx(fr, fr->x0), msc_plot_sx(fr, fr->x1));
    msc_gp_cmd(g, "set tmargin at screen %.6f\nset bmargin at screen %.6f\n",
               msc_plot_sy(fr, fr->y0), msc_plot_sy(fr, fr->y1));
    msc_gp_cmd(g, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n", xmin, xmax, ylo, yhi);
}

void msc_plot_panel(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax, double ybottom)
{
    panel(g, fr, xmin, xmax, ybottom, 0.0);
}

void msc_plot_panel_axes(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax, double ylo,
                         double yhi)
{
    panel(g, fr, xmin, xmax, ylo, yhi);
    msc_gp_cmd(g, "set border 3 lw 0.8 lc rgb ");
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g, "\n");
}

void msc_plot_axis_ticks(msc_gp *g, const msc_plot_frame *fr, int axis, const msc_plot_axis *ax)
{
    double F = fr->F;
    long n = ax->n_ticks ? (long)ax->n_ticks - 1 : lround((ax->to - ax->from) / ax->step);
    for (long i = 0; i <= n && i < 1000; i++) {
        double v = ax->from + (double)i * ax->step;
        if (fabs(v) < 1e-9 * ax->step)
            v = 0.0; /* not "-0.0" */
        char t[64];
        snprintf(t, sizeof t, "%.*f", ax->decimals, v);
        if (ax->n_ticks) {
            v = ax->tick_at[i];
            snprintf(t, sizeof t, "%s", ax->tick_label[i]);
        }
        if (axis == 'x') {
            double y = msc_plot_sy(fr, fr->y1);
            msc_plot_line(g, MSC_AT_X_DATA, v, y, v, y - 0.35 * F / fr->H, 0, 0, 0.8, MSC_RGB_TEXT);
            msc_plot_label(g, t, v, msc_plot_sy(fr, fr->y1 + 1.15 * F), MSC_AT_X_DATA, 'c', F, 0,
                           NULL);
        } else {
            double x = msc_plot_sx(fr, fr->x0);
            msc_plot_line(g, MSC_AT_Y_DATA, x, v, x - 0.35 * F / fr->W, v, 0, 0, 0.8, MSC_RGB_TEXT);
            msc_plot_label(g, t, msc_plot_sx(fr, fr->x0 - 0.6 * F), v, MSC_AT_Y_DATA, 'r', F, 0,
                           NULL);
        }
    }
}

/* ---------------------------------------------------------------- texts */

void msc_plot_column_name(const char *s, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *s && n + 1 < outlen; s++)
        out[n++] = *s == '_' ? ' ' : *s;
    out[n] = '\0';
}

void msc_plot_outcome_name(const msc_outcome_result *o, char *out, size_t outlen)
{
    msc_plot_column_name(o->data->name, out, outlen);
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

void msc_plot_group_names(const msc_analysis *a, char *col, size_t col_len, char *missing,
                          size_t missing_len)
{
    msc_plot_column_name(a->data->group_col ? a->data->group_col : "group", col, col_len);
    snprintf(missing, missing_len, "No %s value", col);
}

void msc_plot_method_line(const msc_analysis *a, const msc_outcome_result *o, char *out,
                          size_t outlen)
{
    const msc_settings *s = &a->settings;
    const char *ci = msc_study_ci_long_name(s->study_ci);
    if (s->method == MSC_METHOD_GLMM && s->method_default)
        snprintf(out, outlen,
                 "Binomial-normal GLMM (ML), logit: the default for proportions (no continuity "
                 "correction); %s study CIs",
                 ci);
    else if (s->method == MSC_METHOD_GLMM)
        snprintf(out, outlen, "Binomial-normal GLMM (ML), logit; %s study CIs", ci);
    else if (s->method == MSC_METHOD_BB)
        snprintf(out, outlen, "Beta-binomial, common rho (ML), logit; %s study CIs", ci);
    else if (s->method == MSC_METHOD_FE || !o->fit.has_random)
        snprintf(out, outlen, "Common effect (inverse variance), %s; %s study CIs",
                 msc_measure_scale_name(s->measure), ci);
    else
        snprintf(out, outlen, "Random effects, %s%s, %s; %s study CIs", msc_method_name(s->method),
                 s->test == MSC_TEST_KNHA ? ", Hartung-Knapp" : "",
                 msc_measure_scale_name(s->measure), ci);
}

int msc_plot_render(msc_gp *g, const char *path, char *err, size_t errlen)
{
    int format = g->format;
    int rc = msc_gp_run(g, err, errlen);
    if (rc == MSC_OK && format < 0) {
        snprintf(err, errlen, "internal error: a plot without a terminal");
        rc = MSC_ERR_IO;
    }
    if (rc == MSC_OK)
        rc =
            msc_plot_file_finish(path, (msc_plot_format)format, current.title, g->dpi, err, errlen);
    return rc;
}

/* Whether the options are in the ranges plot.h gives. */
static int options_ok(const msc_plot_options *o)
{
    int scale_ok = 0;
    for (size_t i = 0; i < msc_n_plot_scales; i++)
        scale_ok |= o->scale == msc_plot_scales[i];
    return scale_ok &&
           (o->width == 0.0 || (o->width >= MSC_PLOT_SIZE_MIN && o->width <= MSC_PLOT_SIZE_MAX)) &&
           (o->height == 0.0 ||
            (o->height >= MSC_PLOT_SIZE_MIN && o->height <= MSC_PLOT_SIZE_MAX)) &&
           (isnan(o->ref) || (o->ref >= MSC_PLOT_REF_MIN && o->ref <= MSC_PLOT_REF_MAX)) &&
           (o->format == MSC_PLOT_PNG || o->format == MSC_PLOT_SVG || o->format == MSC_PLOT_PDF);
}

/* The options of issue 13, checked apart so that the message above stays
 * as it was. */
static int axis_options_ok(const msc_plot_options *o)
{
    return ((isnan(o->xlim_lo) && isnan(o->xlim_hi)) ||
            (isfinite(o->xlim_lo) && isfinite(o->xlim_hi) && o->xlim_lo < o->xlim_hi &&
             (!o->log_x || o->xlim_lo > 0.0))) &&
           o->dpi >= MSC_PLOT_DPI_MIN && o->dpi <= MSC_PLOT_DPI_MAX &&
           (o->sort != MSC_PLOT_SORT_COLUMN || (o->sort_col && o->sort_col[0])) &&
           (unsigned)o->sort <= MSC_PLOT_SORT_COLUMN;
}

/* "1, 100 or 1000": msc_plot_scales, for messages. */
static void scales_text(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < msc_n_plot_scales && o < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == msc_n_plot_scales ? " or " : ", ";
        int n = snprintf(buf + o, len - o, "%s%g", sep, msc_plot_scales[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

const msc_plot_current *msc_plot_current_get(void) { return &current; }

int msc_plot_check_options(const msc_plot_options *o, const char *title, char *err,
                           size_t errlen)
{
    current.title[0] = '\0';
    if (!o || !options_ok(o)) {
        char scales[64];
        scales_text(scales, sizeof scales);
        snprintf(err, errlen,
                 "plot options out of range (scale %s; sizes %g to %g; reference line a "
                 "proportion)",
                 scales, MSC_PLOT_SIZE_MIN, MSC_PLOT_SIZE_MAX);
        return MSC_ERR_USAGE;
    }
    if (!axis_options_ok(o)) {
        snprintf(err, errlen,
                 "plot options out of range (x limits LO < HI, LO > 0 on a log axis; dpi %g to "
                 "%g; a sort column named)",
                 MSC_PLOT_DPI_MIN, MSC_PLOT_DPI_MAX);
        return MSC_ERR_USAGE;
    }
    char msg[256];
    msc_plot_text_use(
        o->metrics == MSC_PLOT_METRICS_WIDE ||
        (o->metrics == MSC_PLOT_METRICS_CHECK && !msc_plot_font_check(msg, sizeof msg)));
    snprintf(current.title, sizeof current.title, "%s",
             o->title && o->title[0] ? o->title : title ? title : "");
    return MSC_OK;
}

int msc_plot_check(const msc_analysis *a, size_t outcome, const msc_plot_options *o, char *err,
                   size_t errlen)
{
    current.title[0] = '\0';
    if (!a || outcome >= a->n_outcomes) {
        snprintf(err, errlen, "no such outcome to plot");
        return MSC_ERR_USAGE;
    }
    const msc_outcome_result *r = &a->outcome[outcome];
    char name[512];
    msc_plot_outcome_name(r, name, sizeof name);
    int rc = msc_plot_check_options(o, name, err, errlen);
    if (rc != MSC_OK)
        return rc;
    if (r->skipped || r->k == 0) {
        current.title[0] = '\0';
        msc_text_display(r->data->name, 60, name, sizeof name);
        snprintf(err, errlen, "%s: no usable study, nothing to plot", name);
        return MSC_ERR_INPUT;
    }
    return MSC_OK;
}
