/*
 * Pieces shared by the forest and funnel plots: text measurement (so that
 * columns can be laid out before gnuplot draws them), the terminal set-up
 * that makes a point a point in PNG, SVG and PDF alike, labels, axis
 * ticks and the short texts of the footers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "msc_stats.h"
#include "msc_plot.h"

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

/* -------------------------------------------------------- text widths */

/* Advance widths of ASCII 32..126 in 1/1000 em, from Adobe's Helvetica
 * and Helvetica-Bold AFM files. Nimbus Sans, Liberation Sans and Arial,
 * which fontconfig and SVG viewers substitute, share these metrics. */
/* clang-format off */
static const short HELV[95] = {
    /*  !"#$%&' */  278,  278,  355,  556,  556,  889,  667,  191,
    /* ()*+,-./ */  333,  333,  389,  584,  278,  333,  278,  278,
    /* 01234567 */  556,  556,  556,  556,  556,  556,  556,  556,
    /* 89:;<=>? */  556,  556,  278,  278,  584,  584,  584,  556,
    /* @ABCDEFG */ 1015,  667,  667,  722,  722,  667,  611,  778,
    /* HIJKLMNO */  722,  278,  500,  667,  556,  833,  722,  778,
    /* PQRSTUVW */  667,  778,  722,  667,  611,  722,  667,  944,
    /* XYZ[\]^_ */  667,  667,  611,  278,  278,  278,  469,  556,
    /* `abcdefg */  333,  556,  556,  500,  556,  556,  278,  556,
    /* hijklmno */  556,  222,  222,  500,  222,  833,  556,  556,
    /* pqrstuvw */  556,  556,  333,  500,  278,  556,  500,  722,
    /* xyz{|}~  */  500,  500,  500,  334,  260,  334,  584
};
static const short HELV_BOLD[95] = {
    /*  !"#$%&' */  278,  333,  474,  556,  556,  889,  722,  238,
    /* ()*+,-./ */  333,  333,  389,  584,  278,  333,  278,  278,
    /* 01234567 */  556,  556,  556,  556,  556,  556,  556,  556,
    /* 89:;<=>? */  556,  556,  333,  333,  584,  584,  584,  611,
    /* @ABCDEFG */  975,  722,  722,  722,  722,  667,  611,  778,
    /* HIJKLMNO */  722,  278,  556,  722,  611,  833,  722,  778,
    /* PQRSTUVW */  667,  778,  722,  667,  611,  722,  667,  944,
    /* XYZ[\]^_ */  667,  667,  611,  333,  278,  333,  584,  556,
    /* `abcdefg */  333,  556,  611,  556,  611,  556,  333,  611,
    /* hijklmno */  611,  278,  278,  556,  278,  889,  611,  611,
    /* pqrstuvw */  611,  611,  389,  556,  333,  611,  556,  778,
    /* xyz{|}~  */  556,  556,  500,  389,  280,  389,  584
};
/* clang-format on */

/* Decodes one UTF-8 character at p (the loader made labels valid UTF-8;
 * an invalid byte counts as one U+FFFD, as msc_gnuplot_quote draws it).
 * Sets *cp, returns the bytes used. */
static size_t decode(const unsigned char *p, unsigned *cp)
{
    size_t len = msc_utf8_seq(p, 4); /* stops at the terminating NUL */
    if (len == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    unsigned v = len == 1 ? p[0] : p[0] & (0x7Fu >> len); /* the lead byte's payload */
    for (size_t i = 1; i < len; i++)
        v = (v << 6) | (p[i] & 0x3Fu);
    *cp = v;
    return len;
}

/* Width of one character in 1/1000 em. Outside ASCII: combining marks
 * take none, East Asian wide characters a full em, the rest about the
 * width of a wide Latin letter (generous, so columns never collide). */
static double char_width(unsigned cp, int bold)
{
    if (cp < 0x20 || cp == 0x7F)
        cp = '?'; /* control characters are drawn as '?' */
    if (cp < 0x7F)
        return (bold ? HELV_BOLD : HELV)[cp - 32];
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || cp >= 0x20000)
        return 1000;
    return bold ? 700 : 650;
}

double msc_plot_text_width(const char *s, double size, int bold)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp;
        p += decode(p, &cp);
        w += char_width(cp, bold);
    }
    return w * size / 1000.0;
}

double msc_plot_text_fit(const char *s, double maxw, double size, int bold, char *out,
                         size_t outlen)
{
    double full = msc_plot_text_width(s, size, bold);
    double dots = msc_plot_text_width("...", size, bold);
    double budget = full <= maxw ? full : maxw - dots;
    double w = 0;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t len = decode(p, &cp);
        double cw = char_width(cp, bold) * size / 1000.0;
        if (w + cw > budget + 1e-9 || o + len + 4 > outlen)
            break;
        if (cp < 0x20 || cp == 0x7F)
            out[o++] = '?';
        else
            memcpy(out + o, p, len), o += len;
        w += cw;
        p += len;
    }
    if (*p) { /* cut: drop trailing spaces, then "..." */
        while (o > 0 && out[o - 1] == ' ') {
            o--;
            w -= char_width(' ', bold) * size / 1000.0;
        }
        if (o + 4 <= outlen) {
            memcpy(out + o, "...", 3);
            o += 3;
            w += dots;
        }
    }
    out[o] = '\0';
    return w;
}

/* ------------------------------------------------------------ terminal */

void msc_plot_terminal(msc_gp *g, msc_plot_format f, double w, double h, double font_pt,
                       double px_per_pt, const char *path)
{
    char font[64];
    snprintf(font, sizeof font, "%s,%.2f", MSC_PLOT_FONT, font_pt);
    msc_gp_cmd(g, "reset session\nset encoding utf8\n");
    /* Cairo sizes a "10 pt" font at 4/3 of a pixel per point on PNG and at
     * 2/3 of a point on PDF (its default fontscale is 0.5); line width 1 is
     * a pixel on PNG and half a point on PDF. The fontscale and linewidth
     * options below undo that, so the layout's points hold everywhere. */
    switch (f) {
    case MSC_PLOT_PNG: {
        double k = px_per_pt;
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
    snprintf(font, sizeof font, "%s,%.2f", bold ? MSC_PLOT_FONT_BOLD : MSC_PLOT_FONT, size);
    msc_gp_cmd(g, "set label ");
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
    msc_gp_cmd(g, "set arrow from ");
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

void msc_plot_title(msc_gp *g, const msc_plot_frame *fr, const char *title, double x, double y)
{
    double F = fr->F;
    char t[1024];
    msc_plot_text_fit(title, fr->W - 2 * F, 1.2 * F, 1, t, sizeof t);
    msc_plot_text(g, fr, t, x, y, 'l', 1.2 * F, 1, NULL);
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
}

void msc_plot_panel(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax, double ybottom)
{
    msc_gp_cmd(g, "set lmargin at screen %.6f\nset rmargin at screen %.6f\n",
               msc_plot_sx(fr, fr->x0), msc_plot_sx(fr, fr->x1));
    msc_gp_cmd(g, "set tmargin at screen %.6f\nset bmargin at screen %.6f\n",
               msc_plot_sy(fr, fr->y0), msc_plot_sy(fr, fr->y1));
    msc_gp_cmd(g, "set xrange [%.10g:%.10g]\nset yrange [%.10g:0]\n", xmin, xmax, ybottom);
}

void msc_plot_axis_ticks(msc_gp *g, const msc_plot_frame *fr, int axis, const msc_plot_axis *ax)
{
    double F = fr->F;
    long n = lround((ax->to - ax->from) / ax->step);
    for (long i = 0; i <= n && i < 1000; i++) {
        double v = ax->from + (double)i * ax->step;
        if (fabs(v) < 1e-9 * ax->step)
            v = 0.0; /* not "-0.0" */
        char t[64];
        snprintf(t, sizeof t, "%.*f", ax->decimals, v);
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
    int rc = msc_gp_run(g, err, errlen);
    /* Only a regular file can show that nothing was written: a FIFO or a
     * device (a named pipe, /dev/stdout) always has size 0. */
    struct stat st;
    if (rc == MSC_OK && (stat(path, &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0))) {
        snprintf(err, errlen, "gnuplot wrote no picture");
        rc = MSC_ERR_IO;
    }
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

int msc_plot_check(const msc_analysis *a, size_t outcome, const msc_plot_options *o, char *err,
                   size_t errlen)
{
    if (!a || outcome >= a->n_outcomes) {
        snprintf(err, errlen, "no such outcome to plot");
        return MSC_ERR_USAGE;
    }
    if (!o || !options_ok(o)) {
        char scales[64];
        scales_text(scales, sizeof scales);
        snprintf(err, errlen,
                 "plot options out of range (scale %s; sizes %g to %g; reference line a "
                 "proportion)",
                 scales, MSC_PLOT_SIZE_MIN, MSC_PLOT_SIZE_MAX);
        return MSC_ERR_USAGE;
    }
    const msc_outcome_result *r = &a->outcome[outcome];
    if (r->skipped || r->k == 0) {
        char name[128];
        msc_text_display(r->data->name, 60, name, sizeof name);
        snprintf(err, errlen, "%s: no usable study, nothing to plot", name);
        return MSC_ERR_INPUT;
    }
    return MSC_OK;
}
