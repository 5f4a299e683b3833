/*
 * Funnel plots: each study's effect size on the model scale (yi) against
 * its standard error (sqrt(vi)), the error axis inverted so that precise
 * studies sit at the top; the pooled estimate as a vertical line and the
 * pseudo-confidence region (estimate +- z * SE) as a shaded triangle, as
 * metafor's funnel() draws them. With subgroups the studies are coloured
 * by group, with a legend beside the plot. With trim and fill's results
 * (msc_plot_options.sens with the bias tests) the studies it imputes are
 * open circles and its adjusted estimate a dash-dotted line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_stats.h"
#include "msc_plot.h"
#include "msc_core.h"
#include "mscmeta/sens.h"

#define FONT_PT 10.0
#define PANEL_W_EM 30.0
#define PANEL_H_EM 26.0
#define LEGEND_MAX_EM 16.0

/* Okabe-Ito colours: distinct for colour-blind readers and in greyscale. */
static const char *const PALETTE[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#8C564B"};
#define N_PALETTE (sizeof PALETTE / sizeof PALETTE[0])
#define C_MISSING "#8C8C8C"

/* The model scale (the GLMM's is PLO: msc_analysis_run refuses another). */
static const char *scale_label(const msc_analysis *a)
{
    static const char *const n[] = {"proportion", "log proportion", "logit proportion",
                                    "arcsine square-root proportion",
                                    "Freeman-Tukey double arcsine"};
    return n[a->settings.measure];
}

/* What a funnel plot draws, in model units, and where. */
typedef struct {
    const msc_analysis *a;
    const msc_outcome_result *o;
    double est, z;           /* pooled estimate (NAN: none); the region's quantile */
    double ref;              /* reference line, model scale (NAN: none) */
    double ybot;             /* the SE axis runs from 0 (top) to ybot */
    msc_plot_axis xa, ya;    /* effect size (padded), standard error */
    size_t n_leg;            /* legend entries: subgroups (+ "No <column> value") */
    size_t n_hidden;         /* studies with no effect size on the model scale */
    int prop_axis;           /* ticks are proportions (times --scale) at model-scale places */
    double clip_lo, clip_hi; /* --xlim on the model scale: what is drawn (else +-inf) */
    double *se;              /* per study: sqrt(vi); NAN for those with no point */
    const msc_trimfill *tf;  /* trim and fill's studies and estimate; NULL: none */
    int few;                 /* fewer than 10 studies shown: the footer says so */
    char col[128], missing[160];
    msc_plot_frame fr;
    double lx;     /* legend's left edge */
    size_t per;    /* legend entries per column (as many as the panel's height holds) */
    double leg_cw; /* a legend column's width */
} funnel;

static const char *legend_name(const funnel *fu, size_t s)
{
    return s < fu->o->n_groups ? fu->o->group[s].name : fu->missing;
}

static const char *legend_colour(const funnel *fu, size_t s)
{
    if (!fu->o->n_groups)
        return MSC_RGB_DARK;
    return s < fu->o->n_groups ? PALETTE[s % N_PALETTE] : C_MISSING;
}

/* Whether study i has a point: a finite effect size and a positive
 * variance. The GLMM keeps studies with 0 or n events whose logit is
 * undefined without a continuity correction (--cc-mode none); it fits
 * their counts, but they have no place on a funnel plot. */
static int drawable(const msc_outcome_result *o, size_t i)
{
    return isfinite(o->yi[i]) && isfinite(o->vi[i]) && o->vi[i] > 0.0;
}

/* Ranges and ticks: the studies, the region at the bottom of the axis,
 * the reference line. */
static void funnel_ranges(funnel *fu, const msc_plot_options *opt)
{
    const msc_outcome_result *o = fu->o;
    const msc_fit *f = &o->fit;
    double se_max = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < o->k; i++) {
        if (!drawable(o, i)) {
            fu->se[i] = NAN;
            fu->n_hidden++;
            continue;
        }
        fu->se[i] = sqrt(o->vi[i]);
        se_max = fmax(se_max, fu->se[i]);
        lo = fmin(lo, o->yi[i]);
        hi = fmax(hi, o->yi[i]);
    }
    const msc_trimfill *tf = fu->tf;
    for (size_t j = 0; tf && j < tf->k0; j++) {
        if (!(isfinite(tf->filled_yi[j]) && tf->filled_vi[j] > 0))
            continue;
        se_max = fmax(se_max, sqrt(tf->filled_vi[j]));
        lo = fmin(lo, tf->filled_yi[j]);
        hi = fmax(hi, tf->filled_yi[j]);
    }
    if (tf && isfinite(tf->e.yi)) {
        lo = fmin(lo, tf->e.yi);
        hi = fmax(hi, tf->e.yi);
    }
    if (!(se_max > 0))
        se_max = 1;
    fu->est = msc_fit_main_block(f)->exact ? NAN : msc_fit_main_block(f)->yi;
    fu->z = msc_qnorm_upper((1.0 - fu->a->settings.level) / 2.0);
    msc_plot_ticks(0, se_max, &fu->ya);
    fu->ybot = fmax(fu->ya.to, se_max * 1.04); /* the region reaches the last tick */
    if (isfinite(fu->est)) {
        lo = fmin(lo, fu->est - fu->z * fu->ybot);
        hi = fmax(hi, fu->est + fu->z * fu->ybot);
    }
    msc_measure m = fu->a->settings.measure;
    fu->ref = isnan(opt->ref) ? NAN : msc_effect_transform(m, opt->ref, f->nhm);
    if (isfinite(fu->ref)) {
        lo = fmin(lo, fu->ref);
        hi = fmax(hi, fu->ref);
    }
    if (!(lo <= hi)) /* nothing to show: no study, no estimate, no reference */
        lo = -1, hi = 1;
    msc_plot_ticks(lo, hi, &fu->xa);
    fu->xa.pad = 0.03 * (fu->xa.to - fu->xa.from);
    fu->clip_lo = -INFINITY;
    fu->clip_hi = INFINITY;
}

/* The measure's scale, for the axis title of a proportion axis. */
static const char *scale_short(msc_measure m)
{
    static const char *const n[] = {"linear", "log", "logit", "arcsine square-root",
                                    "Freeman-Tukey"};
    return n[m];
}

/* --scale, --xlim or --log on a funnel: the axis stays the model scale
 * (only there is the region a triangle, as metafor's funnel() draws it),
 * its ticks become proportions times the scale, placed where the model
 * scale puts them (the idea of funnel(..., atransf=)): 1, 2, 5 per decade
 * with --log, else evenly spaced ones; none nearer a neighbour than a
 * twelfth of the axis, so their labels never meet. --xlim LO,HI (in those
 * units) gives the axis' ends. Returns MSC_OK, or MSC_ERR_USAGE with err
 * when a limit has no place on the model scale. */
static int funnel_prop_axis(funnel *fu, const msc_plot_options *opt, char *err, size_t errlen)
{
    msc_measure m = fu->a->settings.measure;
    double nhm = fu->o->fit.nhm, sc = opt->scale;
    int lim = isfinite(opt->xlim_lo) && isfinite(opt->xlim_hi);
    if (!lim && sc == 1.0 && !opt->log_x)
        return MSC_OK;
    fu->prop_axis = 1;
    double plo, phi, tlo, thi;
    if (lim) {
        plo = opt->xlim_lo / sc;
        phi = opt->xlim_hi / sc;
        tlo = plo >= 0 && plo <= 1 ? msc_effect_transform(m, plo, nhm) : NAN;
        thi = phi >= 0 && phi <= 1 ? msc_effect_transform(m, phi, nhm) : NAN;
        if (!isfinite(tlo) || !isfinite(thi) || !(tlo < thi)) {
            snprintf(err, errlen,
                     "--xlim %g,%g has no place on the funnel's %s scale: give limits in %s0, %g%s",
                     opt->xlim_lo, opt->xlim_hi, scale_short(m),
                     m == MSC_PR || m >= MSC_PAS ? "[" : "(", sc, m == MSC_PLO ? ")" : "]");
            return MSC_ERR_USAGE;
        }
        fu->xa.from = fu->clip_lo = tlo;
        fu->xa.to = fu->clip_hi = thi;
        fu->xa.pad = 0.0;
    } else {
        tlo = fu->xa.from;
        thi = fu->xa.to;
        plo = fmax(msc_effect_backtransform(m, tlo, nhm), 0.0);
        phi = fmin(msc_effect_backtransform(m, thi, nhm), 1.0);
        if (!(plo < phi))
            plo = 0.0, phi = 1.0;
    }
    /* Candidate ticks (display units), roundest first: 1, 2, 5 per decade
     * (--log); else the evenly spaced ones, then, off a linear scale, the
     * proportions a stretched tail needs. */
    static const double TAIL[] = {0.5,  0.1,  0.9,   0.01,  0.99,  0.05,  0.95, 0.001, 0.999,
                                  0.02, 0.98, 0.005, 0.995, 0.002, 0.998, 1e-4, 0.9999};
    double cand[MSC_PLOT_MAX_TICKS + sizeof TAIL / sizeof TAIL[0]];
    size_t nc = 0;
    msc_plot_axis v;
    if (opt->log_x) {
        msc_plot_log_ticks(fmax(plo, 1e-3 * phi) * sc, phi * sc, 0, &v);
        for (size_t i = 0; i < v.n_ticks; i++)
            cand[nc++] = pow(10.0, v.tick_at[i]);
    } else {
        msc_plot_ticks(plo * sc, phi * sc, &v);
        for (double t = v.from; t <= v.to + 1e-9 * v.step && nc < MSC_PLOT_MAX_TICKS; t += v.step)
            cand[nc++] = fabs(t) < 1e-9 * v.step ? 0.0 : t;
        for (size_t i = 0; m != MSC_PR && i < sizeof TAIL / sizeof TAIL[0]; i++)
            cand[nc++] = TAIL[i] * sc;
    }
    /* Keep, roundest first, those at least a twelfth of the axis from
     * every tick kept; then left to right. */
    double gap = (thi - tlo) / 12.0, at[sizeof cand / sizeof cand[0]],
           val[sizeof at / sizeof at[0]];
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        double x = msc_effect_transform(m, cand[i] / sc, nhm);
        int keep = isfinite(x) && x >= tlo - 1e-9 * gap && x <= thi + 1e-9 * gap;
        for (size_t j = 0; keep && j < n; j++)
            keep = fabs(x - at[j]) >= gap;
        if (keep)
            at[n] = x, val[n++] = cand[i];
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (size_t j = i; j > 0 && at[j - 1] > at[j]; j--) {
            double t = at[j];
            at[j] = at[j - 1], at[j - 1] = t;
            t = val[j];
            val[j] = val[j - 1], val[j - 1] = t;
        }
    int d = 0; /* the decimals the finest tick needs (at most 6) */
    for (size_t i = 0; i < n; i++)
        while (d < 6 && fabs(val[i] * pow(10.0, d) - round(val[i] * pow(10.0, d))) > 1e-6)
            d++;
    if (!opt->log_x && m == MSC_PR)
        d = v.decimals;
    fu->xa.n_ticks = 0;
    for (size_t i = 0; i < n; i++) {
        int di = 0; /* --log: each tick its own decimals (0.01, 0.1, 1) */
        while (opt->log_x && di < 6 &&
               fabs(val[i] * pow(10.0, di) - round(val[i] * pow(10.0, di))) > 1e-6)
            di++;
        msc_plot_tick_add(&fu->xa, at[i], val[i], opt->log_x ? di : d);
    }
    return MSC_OK;
}

/* The frame at font F for a canvas tw x th (0: natural), with `extra`
 * points more above the panel (a title of several lines). Returns 0, or
 * -1 (and the factor to shrink F by) when the canvas asked for is too
 * small at F. */
static int funnel_frame(funnel *fu, const msc_plot_options *opt, double F, double tw, double th,
                        double extra, double *shrink)
{
    int have_title = opt->title && opt->title[0];
    int n_lines = 2 + (fu->n_hidden ? 1 : 0) + (fu->tf ? 1 : 0) + fu->few; /* footer lines */
    double top = (have_title ? 3.5 : 1.0) * F + extra;
    double bottom = 4.0 * F + n_lines * 1.35 * F + 0.6 * F;
    msc_plot_frame *fr = &fu->fr;
    fr->F = F;
    fr->H = th > 0 ? th : top + PANEL_H_EM * F + bottom;
    /* The legend: a heading, then entries 1.5 em apart down the panel's
     * height, in as many columns as they need. */
    double leg_w = 0;
    if (fu->n_leg) {
        double per = floor((fr->H - top - bottom - 0.6 * F) / (1.5 * F));
        fu->per = per >= 1 ? (size_t)per : 1;
        double cw = msc_plot_text_width(fu->col, F, 1);
        for (size_t s = 0; s < fu->n_leg; s++) {
            char t[512];
            double w = msc_plot_text_fit(legend_name(fu, s), LEGEND_MAX_EM * F, F, 0, t, sizeof t);
            cw = fmax(cw, 1.4 * F + w);
        }
        fu->leg_cw = cw + 1.5 * F;
        size_t cols = (fu->n_leg + fu->per - 1) / fu->per;
        leg_w = (double)cols * fu->leg_cw + 0.5 * F;
    }
    double left = 6.0 * F, right = 1.5 * F + leg_w;
    fr->W = tw > 0 ? tw : left + PANEL_W_EM * F + right;
    double min_w = left + 15 * F + right, min_h = top + 12 * F + bottom;
    fr->x0 = left;
    fr->x1 = fr->W - right;
    fr->y0 = top;
    fr->y1 = fr->H - bottom;
    fu->lx = fr->x1 + 2.0 * F;
    *shrink = fmin(fr->W / min_w, fr->H / min_h);
    return *shrink < 1.0 ? -1 : 0;
}

/* The canvas: natural at 10 pt, or the size asked for (smaller text when
 * that is too small for 10 pt); the legend's width from its names; a
 * title of several lines pushes the panel down. */
static void funnel_box(funnel *fu, const msc_plot_options *opt, double k)
{
    double tw = opt->width > 0 ? opt->width / k : 0, th = opt->height > 0 ? opt->height / k : 0;
    double F = FONT_PT, shrink;
    for (int pass = 0; pass < 2; pass++) {
        funnel_frame(fu, opt, F, tw, th, 0.0, &shrink);
        double extra = msc_plot_title_height(opt->title, fu->fr.W, F);
        int r = funnel_frame(fu, opt, F, tw, th, extra, &shrink);
        if (r == 0 || pass == 1)
            break;
        F *= shrink;
    }
}

/* Margins, ranges, axes, ticks and their labels. */
static void emit_frame(msc_gp *g, const funnel *fu)
{
    msc_plot_panel(g, &fu->fr, fu->xa.from - fu->xa.pad, fu->xa.to + fu->xa.pad,
                   fu->ybot); /* reversed: SE 0 at the top */
    msc_gp_cmd(g, "set border 3 lw 0.8 lc rgb ");
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g, "\n");
    msc_plot_axis_ticks(g, &fu->fr, 'x', &fu->xa);
    msc_plot_axis_ticks(g, &fu->fr, 'y', &fu->ya);
}

/* Axis titles, the title, the footer. */
static void emit_texts(msc_gp *g, const funnel *fu, const msc_plot_options *opt)
{
    const msc_analysis *a = fu->a;
    const msc_outcome_result *o = fu->o;
    const msc_plot_frame *fr = &fu->fr;
    double F = fr->F;
    char name[256], text[512];
    msc_plot_outcome_name(o, name, sizeof name);
    if (!fu->prop_axis)
        snprintf(text, sizeof text, "%s (%s)", name, scale_label(a));
    else if (opt->scale == 1.0)
        snprintf(text, sizeof text, "%s (proportion, %s scale)", name,
                 scale_short(a->settings.measure));
    else
        snprintf(text, sizeof text, "%s per %.0f patients (%s scale)", name, opt->scale,
                 scale_short(a->settings.measure));
    msc_plot_text(g, fr, text, (fr->x0 + fr->x1) / 2, fr->y1 + 2.8 * F, 'c', F, 0, NULL);
    msc_gp_cmd(g, "set label %d ", msc_gp_tag(g));
    msc_gp_str(g, "Standard error");
    msc_gp_cmd(g, " at screen %.6f, screen %.6f center rotate by 90 font ",
               msc_plot_sx(fr, 1.3 * F), msc_plot_sy(fr, (fr->y0 + fr->y1) / 2));
    snprintf(text, sizeof text, "%s,%.2f", msc_plot_font_name(0), F);
    msc_gp_str(g, text);
    msc_gp_cmd(g, " noenhanced\n");
    if (opt->title && opt->title[0])
        msc_plot_title(g, fr, opt->title, F, 1.5 * F);
    char lines[5][256];
    int n_lines = 2;
    int pct = (int)lround(100.0 * a->settings.level);
    if (isfinite(fu->est))
        snprintf(lines[0], sizeof lines[0],
                 "Line: %s estimate; shaded: %d%% pseudo-confidence region",
                 o->fit.method == MSC_METHOD_GLMM ? "GLMM"
                 : o->fit.has_random              ? "random-effects"
                                                  : "common-effect",
                 pct);
    else
        snprintf(lines[0], sizeof lines[0], "No pooled estimate: the model could not be fitted");
    if (isfinite(fu->ref)) {
        size_t l = strlen(lines[0]);
        snprintf(lines[0] + l, sizeof lines[0] - l, "; dotted: reference proportion %g", opt->ref);
    }
    msc_plot_method_line(a, o, lines[1], sizeof lines[1]);
    if (fu->n_hidden)
        snprintf(lines[n_lines++], sizeof lines[0],
                 "Not shown: %zu stud%s with 0 or n events (no logit without a continuity "
                 "correction)",
                 fu->n_hidden, fu->n_hidden == 1 ? "y" : "ies");
    if (fu->few)
        snprintf(lines[n_lines++], sizeof lines[0],
                 "Only %zu stud%s: too few (below 10) to tell asymmetry from chance",
                 fu->o->k - fu->n_hidden, fu->o->k - fu->n_hidden == 1 ? "y" : "ies");
    if (fu->tf) {
        const msc_trimfill *tf = fu->tf;
        char adj[96] = "";
        if (isfinite(tf->e.est))
            snprintf(adj, sizeof adj, "; dash-dotted: adjusted %.3f [%.3f, %.3f]",
                     tf->e.est, tf->e.ci_lo, tf->e.ci_hi);
        snprintf(lines[n_lines++], sizeof lines[0],
                 "Open circles: %zu filled by trim and fill (%s, %s)%s", tf->k0,
                 msc_tf_estimator_name(tf->estimator), msc_tf_side_name(tf->side), adj);
    }
    for (int i = 0; i < n_lines; i++) {
        char t[512];
        msc_plot_text_fit(lines[i], fr->W - 2 * F, 0.9 * F, 0, t, sizeof t);
        msc_plot_text(g, fr, t, F, fr->y1 + (4.6 + 1.35 * i) * F, 'l', 0.9 * F, 0, MSC_RGB_NOTE);
    }
}

/* The segment (x0,y0)-(x1,y1) clipped to clip_lo <= x <= clip_hi (--xlim),
 * as a line; nothing when it lies outside. */
static void clipped_line(msc_gp *g, const funnel *fu, double x0, double y0, double x1, double y1,
                         int dt, double lw, const char *rgb)
{
    double t0 = 0, t1 = 1, dx = x1 - x0;
    if (dx != 0) {
        double a = (fu->clip_lo - x0) / dx, b = (fu->clip_hi - x0) / dx;
        t0 = fmax(t0, fmin(a, b));
        t1 = fmin(t1, fmax(a, b));
    } else if (x0 < fu->clip_lo || x0 > fu->clip_hi)
        return;
    if (t1 <= t0)
        return;
    msc_plot_line(g, MSC_AT_DATA, x0 + t0 * dx, y0 + t0 * (y1 - y0), x0 + t1 * dx,
                  y0 + t1 * (y1 - y0), 1, dt, lw, rgb);
}

/* The shaded region est +- z SE (clipped to --xlim: the triangle's
 * corners are moved onto its edges), its edges, the estimate, the
 * reference. */
static void emit_region(msc_gp *g, const funnel *fu)
{
    double e = fu->est, w = fu->z * fu->ybot, yb = fu->ybot;
    if (isfinite(e) && e > fu->clip_lo - w && e < fu->clip_hi + w) {
        /* the triangle from (e-w,yb) over (e,0) to (e+w,yb), as a polygon
         * cut by the vertical lines at the limits */
        double px[5], py[5];
        size_t n = 0;
        double l = fmax(e - w, fu->clip_lo), r = fmin(e + w, fu->clip_hi);
        double ly = yb * fabs(l - e) / w, ry = yb * fabs(r - e) / w; /* the edges' heights there */
        px[n] = l, py[n++] = yb;
        if (l != e - w)
            px[n] = l, py[n++] = l < e ? ly : 0.0;
        if (e > l && e < r)
            px[n] = e, py[n++] = 0.0;
        if (r != e + w)
            px[n] = r, py[n++] = r > e ? ry : 0.0;
        px[n] = r, py[n++] = yb;
        msc_gp_cmd(g, "set object 1 polygon from %.10g,%.10g", px[0], py[0]);
        for (size_t i = 1; i <= n; i++)
            msc_gp_cmd(g, " to %.10g,%.10g", px[i % n], py[i % n]);
        msc_gp_cmd(g, " back fc rgb ");
        msc_gp_str(g, "#EDEDED");
        msc_gp_cmd(g, " fs solid 1.0 noborder\n");
        clipped_line(g, fu, e - w, yb, e, 0, 2, 0.7, MSC_RGB_LINE); /* dashed */
        clipped_line(g, fu, e + w, yb, e, 0, 2, 0.7, MSC_RGB_LINE);
        clipped_line(g, fu, e, yb, e, 0, 0, 0.9, MSC_RGB_TEXT);
    }
    if (isfinite(fu->ref)) /* dotted */
        clipped_line(g, fu, fu->ref, yb, fu->ref, 0, 3, 0.8, MSC_RGB_REF);
    if (fu->tf && isfinite(fu->tf->e.yi)) /* dash-dotted */
        clipped_line(g, fu, fu->tf->e.yi, yb, fu->tf->e.yi, 0, 4, 0.9, MSC_RGB_DARK);
}

/* Legend: the group column's name, then a dot and a name per group. */
static void emit_legend(msc_gp *g, const funnel *fu)
{
    const msc_plot_frame *fr = &fu->fr;
    double F = fr->F, y0 = fr->y0 + 0.6 * F;
    msc_plot_text(g, fr, fu->col, fu->lx, y0, 'l', F, 1, NULL);
    for (size_t s = 0; s < fu->n_leg; s++) {
        char t[512];
        double x = fu->lx + (double)(s / fu->per) * fu->leg_cw;
        double y = y0 + 1.5 * F * (double)(s % fu->per + 1);
        msc_plot_text_fit(legend_name(fu, s), LEGEND_MAX_EM * F, F, 0, t, sizeof t);
        msc_gp_cmd(g,
                   "set object %d circle at screen %.6f, screen %.6f size screen %.6f front "
                   "fc rgb ",
                   msc_gp_tag(g), msc_plot_sx(fr, x + 0.45 * F), msc_plot_sy(fr, y),
                   0.32 * F / fr->W);
        msc_gp_str(g, legend_colour(fu, s));
        msc_gp_cmd(g, " fs solid 0.85 noborder\n");
        msc_plot_text(g, fr, t, x + 1.4 * F, y, 'l', F, 0, NULL);
    }
}

/* Study i as a line of a data block: x, y, circle radius (nothing for a
 * study with no point). */
static void emit_point(msc_gp *g, const funnel *fu, size_t i, double r)
{
    if (!isnan(fu->se[i]) && fu->o->yi[i] >= fu->clip_lo && fu->o->yi[i] <= fu->clip_hi)
        msc_gp_cmd(g, "%.10g %.10g %.10g\n", fu->o->yi[i], fu->se[i], r);
}

/* The studies of group grp (grp == n_groups: those with no group value;
 * no groups: every study) as data block $g<grp>. */
static void emit_points(msc_gp *g, const funnel *fu, size_t grp, double r)
{
    const msc_outcome_result *o = fu->o;
    msc_gp_cmd(g, "$g%zu << EOD\n", grp);
    if (o->n_groups == 0) {
        for (size_t i = 0; i < o->k; i++)
            emit_point(g, fu, i, r);
    } else if (grp < o->n_groups) {
        const msc_group_result *gr = &o->group[grp];
        for (size_t j = 0; j < gr->k; j++)
            emit_point(g, fu, gr->study[j], r);
    } else {
        for (size_t i = 0; i < o->k; i++)
            if (!fu->a->data->group[o->row[i]])
                emit_point(g, fu, i, r);
    }
    msc_gp_cmd(g, "EOD\n");
}

/* The studies as circles of 3.2 pt radius (in x units), one data block
 * and colour per subgroup. */
static void emit_studies(msc_gp *g, const funnel *fu)
{
    double r = 3.2 * (fu->xa.to - fu->xa.from + 2 * fu->xa.pad) / (fu->fr.x1 - fu->fr.x0);
    size_t n_sets = fu->o->n_groups ? fu->n_leg : 1;
    for (size_t s = 0; s < n_sets; s++)
        emit_points(g, fu, s, r);
    const msc_trimfill *tf = fu->tf;
    if (tf) {
        msc_gp_cmd(g, "$tf << EOD\n");
        for (size_t j = 0; j < tf->k0; j++)
            if (isfinite(tf->filled_yi[j]) && tf->filled_vi[j] > 0)
                msc_gp_cmd(g, "%.10g %.10g %.10g\n", tf->filled_yi[j], sqrt(tf->filled_vi[j]), r);
        msc_gp_cmd(g, "EOD\n");
    }
    msc_gp_cmd(g, "plot ");
    for (size_t s = 0; s < n_sets; s++) {
        if (s)
            msc_gp_cmd(g, ", ");
        msc_gp_cmd(g, "$g%zu using 1:2:3 notitle with circles lc rgb ", s);
        msc_gp_str(g, legend_colour(fu, s));
        msc_gp_cmd(g, " fs solid 0.85 noborder");
    }
    if (tf && tf->k0) {
        msc_gp_cmd(g, ", $tf using 1:2:3 with circles lw 1.2 lc rgb ");
        msc_gp_str(g, MSC_RGB_DARK);
        msc_gp_cmd(g, " fs empty border");
    }
    msc_gp_cmd(g, "\n");
}

msc_status msc_plot_funnel(const msc_analysis *a, size_t outcome, const char *path,
                           const msc_plot_options *opt, char *err, size_t errlen)
{
    int rc = msc_plot_check(a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    funnel fu;
    memset(&fu, 0, sizeof fu);
    fu.a = a;
    fu.o = &a->outcome[outcome];
    const msc_sens *sens = opt->sens;
    if (sens && sens->opt.bias_tests && outcome < sens->n_outcomes &&
        sens->outcome[outcome].all.bias && sens->outcome[outcome].all.bias->trim_fill.ok)
        fu.tf = &sens->outcome[outcome].all.bias->trim_fill;
    fu.n_leg = fu.o->n_groups ? fu.o->n_groups + (fu.o->n_group_missing ? 1 : 0) : 0;
    msc_plot_group_names(a, fu.col, sizeof fu.col, fu.missing, sizeof fu.missing);
    double k = msc_plot_px_per_pt(opt);
    fu.se = malloc(fu.o->k * sizeof *fu.se); /* k >= 1 (msc_plot_check) */
    if (!fu.se) {
        snprintf(err, errlen, "out of memory");
        return MSC_ERR_NOMEM;
    }
    funnel_ranges(&fu, opt);
    fu.few = fu.o->k - fu.n_hidden < 10;
    if ((rc = funnel_prop_axis(&fu, opt, err, errlen)) != MSC_OK) {
        free(fu.se);
        return rc;
    }
    funnel_box(&fu, opt, k);
    if (fu.fr.F < MSC_PLOT_FONT_MIN - 1e-9) { /* the size that would fit at the smallest font */
        double shrink, F = fu.fr.F;
        funnel_frame(&fu, opt, MSC_PLOT_FONT_MIN, 0, 0,
                     msc_plot_title_height(opt->title, 0.0, MSC_PLOT_FONT_MIN), &shrink);
        free(fu.se);
        return msc_plot_too_small(opt, F, fu.fr.W * k, fu.fr.H * k, err, errlen);
    }

    msc_gp g;
    if ((rc = msc_gp_open(&g, err, errlen)) != MSC_OK) {
        free(fu.se);
        return rc;
    }
    msc_plot_terminal(&g, opt->format, fu.fr.W, fu.fr.H, fu.fr.F, k, path);
    emit_frame(&g, &fu);
    emit_texts(&g, &fu, opt);
    emit_region(&g, &fu);
    if (fu.n_leg)
        emit_legend(&g, &fu);
    emit_studies(&g, &fu);
    free(fu.se);
    return msc_plot_render(&g, path, err, errlen);
}
