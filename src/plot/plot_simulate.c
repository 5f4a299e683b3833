/*
 * The coverage plot of `mscmeta simulate` (issue 16 section 2): one row per
 * model of the simulation, its CI's coverage of the true proportion as a
 * point with Monte Carlo error bars (coverage +- 1.96 x its MC SE), against
 * a dashed vertical line at the nominal level. The models' labels sit left
 * of the panel, the coverage and its MC SE right of it; a model with no
 * usable replicate shows "no interval" there and nothing in the panel.
 * The footer names the design and the truth: outcome, k, the n range, the
 * true proportion and tau^2, the replicates and the seed. As plot_baujat.c:
 * the frame from the text's widths, every text fitted to its room, so
 * nothing overlaps or is cut. Numbers only come from the msc_simulation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc_plot.h"
#include "mscmeta/simulate.h"

#define FONT_PT 10.0
#define PANEL_W_EM 26.0
#define ROW_EM 1.9        /* a model's row, natural size */
#define ROW_MIN_EM 1.35   /* and the least it may be */
#define LABEL_MAX_EM 16.0 /* a model's label is cut to this width */
#define POINT_R 2.6       /* point radius, in points */
#define FOOT_LINES 3

typedef struct {
    const msc_simulation *s;
    const msc_simulate_outcome *o;
    size_t n;     /* rows: the models */
    double level; /* the nominal coverage */
    msc_plot_frame fr;
    msc_plot_axis xa;
    double xlo, xhi;         /* data range shown */
    double label_w, value_w; /* widest label, value at 1 pt */
    char value[MSC_COMPARE_ROWS][48];
} simplot;

static double px(const simplot *p, double x)
{
    return p->fr.x0 + (x - p->xlo) / (p->xhi - p->xlo) * (p->fr.x1 - p->fr.x0);
}

/* Row i's centre, in points from the top. */
static double row_y(const simplot *p, size_t i)
{
    return p->fr.y0 + (i + 0.5) * (p->fr.y1 - p->fr.y0) / (double)p->n;
}

static int has_interval(const msc_simulate_method *m)
{
    return m->n_used > 0 && isfinite(m->coverage) && isfinite(m->coverage_se);
}

/* The x range: every bar and the nominal level, up to 1 (coverage cannot
 * pass it); xlo and xhi add the axis' pad. */
static void x_range(simplot *p)
{
    double lo = p->level, hi = 1.0;
    for (size_t i = 0; i < p->n; i++) {
        const msc_simulate_method *m = &p->o->method[i];
        if (has_interval(m))
            lo = fmin(lo, m->coverage - 1.96 * m->coverage_se);
    }
    lo = fmax(0.0, lo - 0.02);
    msc_plot_ticks(lo, hi, &p->xa);
    if (p->xa.from < 0.0 || p->xa.to > 1.0)
        msc_plot_ticks_exact(fmax(p->xa.from, 0.0), fmin(p->xa.to, 1.0), &p->xa);
    /* air beyond the end ticks, so that a point at 0 or 1 is drawn whole */
    p->xa.pad = 0.03 * (p->xa.to - p->xa.from);
    p->xlo = p->xa.from - p->xa.pad;
    p->xhi = p->xa.to + p->xa.pad;
}

/* The value column's texts and the widths (at 1 pt) of the columns. */
static void columns(simplot *p)
{
    p->label_w = 0;
    p->value_w = msc_plot_text_width("Coverage (MC SE)", 1.0, 1);
    for (size_t i = 0; i < p->n; i++) {
        const msc_simulate_method *m = &p->o->method[i];
        if (has_interval(m))
            snprintf(p->value[i], sizeof p->value[i], "%.3f (%.3f)", m->coverage, m->coverage_se);
        else
            snprintf(p->value[i], sizeof p->value[i], "no interval");
        p->value_w = fmax(p->value_w, msc_plot_text_width(p->value[i], 1.0, 0));
        double lw = msc_plot_text_width(m->row.label ? m->row.label : "", 1.0, 0);
        p->label_w = fmax(p->label_w, fmin(lw, LABEL_MAX_EM));
    }
}

/* The frame at base font F with `extra` points of title; returns as
 * msc_plot_frame_set. */
static double frame(simplot *p, double F, double tw, double th, double extra)
{
    msc_plot_margins m = {.left = (p->label_w + 1.5) * F,
                          .right = (p->value_w + 1.8) * F,
                          .top = (3.0 + 1.6) * F + extra,
                          .bottom = 4.2 * F + FOOT_LINES * 1.35 * F,
                          .pw = PANEL_W_EM * F,
                          .ph = ROW_EM * F * (double)p->n,
                          .min_pw = 12 * F,
                          .min_ph = ROW_MIN_EM * F * (double)p->n};
    return msc_plot_frame_set(&p->fr, F, tw, th, &m);
}

/* The canvas: natural at 10 pt, or the size asked for (smaller text when
 * that is too small for 10 pt); a title of several lines pushes the panel
 * down. */
static void layout(simplot *p, const msc_plot_options *opt, double k, const char *title)
{
    double tw = opt->width > 0 ? opt->width / k : 0, th = opt->height > 0 ? opt->height / k : 0;
    double F = FONT_PT;
    for (int pass = 0; pass < 2; pass++) {
        frame(p, F, tw, th, 0.0);
        double shrink = frame(p, F, tw, th, msc_plot_title_height(title, p->fr.W, F));
        if (shrink >= 1.0 || pass == 1)
            break;
        F *= shrink;
    }
}

/* Labels left of the panel, values right of it, the column's heading. */
static void row_texts(msc_gp *g, const simplot *p)
{
    const msc_plot_frame *fr = &p->fr;
    double F = fr->F;
    char t[256];
    for (size_t i = 0; i < p->n; i++) {
        const msc_simulate_method *m = &p->o->method[i];
        double y = row_y(p, i);
        msc_plot_text_fit(m->row.label ? m->row.label : "", LABEL_MAX_EM * F, F, 0, t, sizeof t);
        msc_plot_text(g, fr, t, fr->x0 - 0.8 * F, y, 'r', F, 0, MSC_RGB_TEXT);
        msc_plot_text(g, fr, p->value[i], fr->x1 + 0.8 * F, y, 'l', F, 0,
                      has_interval(m) ? MSC_RGB_TEXT : MSC_RGB_NOTE);
    }
    msc_plot_text(g, fr, "Coverage (MC SE)", fr->x1 + 0.8 * F, fr->y0 - 0.9 * F, 'l', F, 1,
                  MSC_RGB_TEXT);
}

/* The dashed line at the nominal level and its label above the panel,
 * kept within the panel's width (the column heading is right of it). */
static void nominal(msc_gp *g, const simplot *p)
{
    const msc_plot_frame *fr = &p->fr;
    double F = fr->F, x = px(p, p->level);
    char t[64];
    snprintf(t, sizeof t, "Nominal %g%%", 100.0 * p->level);
    double w = msc_plot_text_width(t, 0.9 * F, 0);
    double cx = fmin(fmax(x, fr->x0 + w / 2), fr->x1 - w / 2);
    msc_plot_text(g, fr, t, cx, fr->y0 - 0.9 * F, 'c', 0.9 * F, 0, MSC_RGB_REF);
    msc_plot_line(g, MSC_AT_X_DATA, p->level, msc_plot_sy(fr, fr->y0), p->level,
                  msc_plot_sy(fr, fr->y1), 1, 2, 1.0, MSC_RGB_REF);
}

/* Error bars with caps, then the points. */
static void bars(msc_gp *g, const simplot *p)
{
    const msc_plot_frame *fr = &p->fr;
    double cap = 0.25 * fr->F;
    int any = 0;
    for (size_t i = 0; i < p->n; i++) {
        const msc_simulate_method *m = &p->o->method[i];
        if (!has_interval(m))
            continue;
        double lo = fmax(0.0, m->coverage - 1.96 * m->coverage_se); /* within [0, 1] */
        double hi = fmin(1.0, m->coverage + 1.96 * m->coverage_se);
        double y = msc_plot_sy(fr, row_y(p, i));
        double c0 = msc_plot_sy(fr, row_y(p, i) - cap), c1 = msc_plot_sy(fr, row_y(p, i) + cap);
        msc_plot_line(g, MSC_AT_X_DATA, lo, y, hi, y, 0, 0, 1.0, MSC_RGB_DARK);
        msc_plot_line(g, MSC_AT_X_DATA, lo, c0, lo, c1, 0, 0, 1.0, MSC_RGB_DARK);
        msc_plot_line(g, MSC_AT_X_DATA, hi, c0, hi, c1, 0, 0, 1.0, MSC_RGB_DARK);
        any = 1;
    }
    double r = POINT_R * (p->xhi - p->xlo) / (fr->x1 - fr->x0);
    if (!any) {
        msc_gp_cmd(g, "plot NaN notitle\n");
        return;
    }
    /* panel y: 0 at the bottom, n at the top (msc_plot_panel_axes) */
    msc_gp_cmd(g, "$pts << EOD\n");
    for (size_t i = 0; i < p->n; i++) {
        const msc_simulate_method *m = &p->o->method[i];
        if (has_interval(m))
            msc_gp_cmd(g, "%.10g %.10g %.10g\n", m->coverage, (double)p->n - (double)i - 0.5, r);
    }
    msc_gp_cmd(g, "EOD\nplot $pts using 1:2:3 with circles lc rgb ");
    msc_gp_str(g, MSC_RGB_DARK);
    msc_gp_cmd(g, " fs solid 1.0 noborder\n");
}

/* The axis title, the plot's title and the footer. */
static void texts(msc_gp *g, const simplot *p, const char *title)
{
    const msc_plot_frame *fr = &p->fr;
    const msc_simulate_outcome *o = p->o;
    double F = fr->F;
    char axis[96];
    snprintf(axis, sizeof axis, "Coverage of the true proportion by the %g%% CI", 100.0 * p->level);
    msc_plot_text(g, fr, axis, 0.5 * (fr->x0 + fr->x1), fr->y1 + 2.8 * F, 'c', F, 0, NULL);
    msc_plot_title(g, fr, title, F, 1.5 * F);
    char name[128];
    msc_text_display(o->data->name, 60, name, sizeof name);
    size_t failed = 0;
    for (size_t i = 0; i < p->n; i++)
        failed += o->method[i].n_failed;
    char lines[FOOT_LINES][400];
    snprintf(lines[0], sizeof lines[0], "%s: k = %zu studies, n %.0f to %.0f", name, o->k, o->n_min,
             o->n_max);
    snprintf(lines[1], sizeof lines[1],
             "True proportion %.4g, tau^2 %.4g on the logit scale (%s); %zu replicates, seed %llu",
             o->target, o->tau2,
             o->mu_given && o->tau2_given   ? "given"
             : o->mu_given || o->tau2_given ? "given and the GLMM's fit"
                                            : "the GLMM's fit",
             p->s->opt.reps, p->s->opt.seed);
    snprintf(lines[2], sizeof lines[2],
             "Bars: coverage +- 1.96 Monte Carlo SE; dashed: the nominal %g%%%s", 100.0 * p->level,
             failed ? "; failed replicates left out" : "");
    for (int i = 0; i < FOOT_LINES; i++) {
        char t[512];
        msc_plot_text_fit(lines[i], fr->W - 2 * F, 0.9 * F, 0, t, sizeof t);
        msc_plot_text(g, fr, t, F, fr->y1 + (4.6 + 1.35 * i) * F, 'l', 0.9 * F, 0, MSC_RGB_NOTE);
    }
}

msc_status msc_plot_simulate(const msc_simulation *s, size_t outcome, const char *path,
                             const msc_plot_options *opt, char *err, size_t errlen)
{
    if (!s || outcome >= s->n_outcomes || !path) {
        snprintf(err, errlen, "simulation plot: no such outcome to plot");
        return MSC_ERR_USAGE;
    }
    const msc_simulate_outcome *o = &s->outcome[outcome];
    char name[128], title[256];
    msc_plot_column_name(o->data->name, name, sizeof name);
    if (name[0] >= 'a' && name[0] <= 'z')
        name[0] = (char)(name[0] - 'a' + 'A');
    snprintf(title, sizeof title, "CI coverage by model: %s", name);
    int rc = msc_plot_check_options(opt, title, err, errlen);
    if (rc != MSC_OK)
        return rc;
    if (o->skipped || o->n_methods == 0) {
        msc_text_display(o->data->name, 60, name, sizeof name);
        snprintf(err, errlen, "%s: nothing was simulated, nothing to plot", name);
        return MSC_ERR_INPUT;
    }
    simplot p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.o = o;
    p.n = o->n_methods;
    p.level = s->base.level;
    x_range(&p);
    columns(&p);
    const char *shown = opt->title && opt->title[0] ? opt->title : title;
    double k = msc_plot_px_per_pt(opt);
    layout(&p, opt, k, shown);
    msc_gp g;
    if ((rc = msc_gp_open(&g, err, errlen)) != MSC_OK)
        return rc;
    msc_plot_terminal(&g, opt->format, p.fr.W, p.fr.H, p.fr.F, k, path);
    msc_plot_panel_axes(&g, &p.fr, p.xlo, p.xhi, 0.0, (double)p.n);
    msc_plot_axis_ticks(&g, &p.fr, 'x', &p.xa);
    row_texts(&g, &p);
    nominal(&g, &p);
    texts(&g, &p, shown);
    bars(&g, &p);
    return msc_plot_render(&g, path, err, errlen);
}
