/*
 * Baujat plots (Baujat et al. 2002; metafor's baujat()): each study's
 * contribution to the heterogeneity statistic (x: its squared Pearson
 * residual, (y_i - mu)^2 / (v_i + tau^2)) against its influence on the
 * pooled estimate (y: (mu_(-i) - mu)^2 / SE(mu_(-i))^2), from the influence
 * diagnostics (msc_sens_run with influence). Study labels are placed so
 * that none overlaps another label or a point: each label tries places
 * around its point, nearest first, and further out with a leader line;
 * a label with no room anywhere is left out and the footer says how many.
 * The studies farthest out are labelled first, at most MAX_LABELS of them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_plot.h"
#include "mscmeta/sens.h"

#define FONT_PT 10.0
#define PANEL_W_EM 32.0
#define PANEL_H_EM 24.0
#define MAX_LABELS 60
#define LABEL_MAX_EM 14.0 /* a label is cut to this width */
#define POINT_R 2.6       /* point radius, in points */

typedef struct {
    double x0, y0, x1, y1; /* points, y downwards */
} box;

static int overlaps(const box *a, const box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

typedef struct {
    const msc_analysis *a;
    const msc_outcome_result *o;
    const msc_sens_block *blk;
    msc_plot_frame fr;
    msc_plot_axis xa, ya;
    double xmax, ymax; /* data range shown */
} baujat;

/* Data to points on the canvas. */
static double px(const baujat *b, double x)
{
    return b->fr.x0 + (x - 0.0) / b->xmax * (b->fr.x1 - b->fr.x0);
}
static double py(const baujat *b, double y)
{
    return b->fr.y1 - (y - 0.0) / b->ymax * (b->fr.y1 - b->fr.y0);
}

static int finite_point(const msc_influence *f)
{
    return isfinite(f->baujat_x) && isfinite(f->baujat_y);
}

/* Ranges, ticks and the canvas (10 pt, or smaller text for a small size). */
static void layout(baujat *b, const msc_plot_options *opt, double k)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < b->blk->k; i++) {
        const msc_influence *f = &b->blk->infl[i];
        if (finite_point(f)) {
            mx = fmax(mx, f->baujat_x);
            my = fmax(my, f->baujat_y);
        }
    }
    msc_plot_ticks(0, mx > 0 ? mx * 1.04 : 1.0, &b->xa);
    msc_plot_ticks(0, my > 0 ? my * 1.04 : 1.0, &b->ya);
    b->xa.from = b->ya.from = 0;
    b->xmax = b->xa.to;
    b->ymax = b->ya.to;
    int have_title = opt->title && opt->title[0];
    double tw = opt->width > 0 ? opt->width / k : 0, th = opt->height > 0 ? opt->height / k : 0;
    double F = FONT_PT;
    for (int pass = 0; pass < 2; pass++) {
        double left = 6.5 * F, right = 1.5 * F;
        double top = (have_title ? 3.0 : 1.2) * F, bottom = 4.2 * F + 3 * 1.35 * F;
        msc_plot_frame *fr = &b->fr;
        fr->F = F;
        fr->W = tw > 0 ? tw : left + PANEL_W_EM * F + right;
        fr->H = th > 0 ? th : top + PANEL_H_EM * F + bottom;
        double min_w = left + 16 * F + right, min_h = top + 12 * F + bottom;
        if (pass == 0 && (fr->W < min_w || fr->H < min_h)) {
            F *= fmin(fr->W / min_w, fr->H / min_h);
            continue;
        }
        fr->x0 = left;
        fr->x1 = fr->W - right;
        fr->y0 = top;
        fr->y1 = fr->H - bottom;
        break;
    }
}

/* ---------------------------------------------------------------- labels */

typedef struct {
    size_t study; /* row of the block */
    double score; /* how far out the point is */
} ranked;

static int by_score(const void *p, const void *q)
{
    const ranked *a = p, *b = q;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->study < b->study ? -1 : a->study > b->study;
}

/* The box of a label w x h whose near side faces the point (cx, cy) from
 * direction (dx, dy) at distance d. */
static box place(double cx, double cy, double dx, double dy, double d, double w, double h)
{
    double ax = cx + dx * d, ay = cy + dy * d;
    box r;
    r.x0 = dx > 0.3 ? ax : dx < -0.3 ? ax - w : ax - w / 2;
    r.y0 = dy > 0.3 ? ay : dy < -0.3 ? ay - h : ay - h / 2;
    r.x1 = r.x0 + w;
    r.y1 = r.y0 + h;
    return r;
}

/* Whether the segment (x0, y0)-(x1, y1) passes through box b (Liang-Barsky). */
static int crosses(const box *b, double x0, double y0, double x1, double y1)
{
    double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    double p[4] = {-dx, dx, -dy, dy}, q[4] = {x0 - b->x0, b->x1 - x0, y0 - b->y0, b->y1 - y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return 0;
        } else {
            double t = q[i] / p[i];
            if (p[i] < 0)
                t0 = fmax(t0, t);
            else
                t1 = fmin(t1, t);
            if (t0 > t1)
                return 0;
        }
    }
    return 1;
}

typedef struct {
    double x0, y0, x1, y1;
} segment;

/* The leader line from the edge of the point at (cx, cy) to the nearest
 * point of its label's box; 0 when the label sits next to the point. */
static int leader(const box *at, double cx, double cy, segment *s)
{
    double lx = fmin(fmax(cx, at->x0), at->x1), ly = fmin(fmax(cy, at->y0), at->y1);
    double dist = hypot(lx - cx, ly - cy);
    if (dist <= POINT_R + 4.0)
        return 0;
    *s = (segment){cx + (lx - cx) * POINT_R / dist, cy + (ly - cy) * POINT_R / dist, lx, ly};
    return 1;
}

/* Places and draws the labels; returns how many studies have none, or
 * SIZE_MAX out of memory. Studies at the same place share one label
 * ("A; B"). */
static size_t labels(msc_gp *g, const baujat *b, size_t *n_labelled)
{
    const msc_plot_frame *fr = &b->fr;
    const msc_dataset *d = b->a->data;
    size_t k = b->blk->k, n = 0;
    double F = fr->F, fs = 0.85 * F, h = 1.15 * fs;
    ranked *rk = malloc((k ? k : 1) * sizeof *rk);
    box *taken = malloc((k + MAX_LABELS + 1) * sizeof *taken);
    segment *seg = malloc((MAX_LABELS + 1) * sizeof *seg);
    unsigned char *done = calloc(k ? k : 1, 1);
    *n_labelled = 0;
    if (!rk || !taken || !seg || !done) {
        free(rk);
        free(taken);
        free(seg);
        free(done);
        return SIZE_MAX;
    }
    size_t nt = 0, ns = 0, n_points = 0;
    for (size_t i = 0; i < k; i++) {
        const msc_influence *f = &b->blk->infl[i];
        if (!finite_point(f))
            continue;
        double x = px(b, f->baujat_x), y = py(b, f->baujat_y), r = POINT_R + 0.5;
        taken[nt++] = (box){x - r, y - r, x + r, y + r}; /* every point is an obstacle */
        rk[n++] = (ranked){i, f->baujat_x / b->xmax + f->baujat_y / b->ymax};
    }
    n_points = nt;
    qsort(rk, n, sizeof *rk, by_score);
    /* right, left, above, below, then the diagonals */
    static const double DIR[8][2] = {{1, 0},      {-1, 0},      {0, -1},    {0, 1},
                                     {0.7, -0.7}, {-0.7, -0.7}, {0.7, 0.7}, {-0.7, 0.7}};
    box bounds = {fr->x0 + 1, fr->y0 + 1, fr->W - 2, fr->y1 - 1};
    size_t placed = 0, unlabelled = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = rk[j].study;
        if (done[i])
            continue;
        const msc_influence *f = &b->blk->infl[i];
        double cx = px(b, f->baujat_x), cy = py(b, f->baujat_y);
        /* the studies drawn at this very place */
        char names[1024] = "";
        size_t o = 0, here = 0;
        for (size_t q = j; q < n; q++) {
            const msc_influence *g2 = &b->blk->infl[rk[q].study];
            if (done[rk[q].study] || hypot(px(b, g2->baujat_x) - cx, py(b, g2->baujat_y) - cy) > 0.5)
                continue;
            done[rk[q].study] = 1;
            here++;
            const char *lab = d->label[b->o->row[b->blk->loo[rk[q].study].study]];
            int w = snprintf(names + o, sizeof names - o, "%s%s", o ? "; " : "", lab);
            if (w > 0)
                o = o + (size_t)w < sizeof names ? o + (size_t)w : sizeof names - 1;
        }
        if (placed >= MAX_LABELS) {
            unlabelled += here;
            continue;
        }
        char t[512];
        double w = msc_plot_text_fit(names, LABEL_MAX_EM * F, fs, 0, t, sizeof t);
        int found = 0;
        box at;
        segment sg;
        int has_leader = 0;
        for (int ring = 1; ring <= 5 && !found; ring++) {
            double dist = POINT_R + 1.5 + (ring - 1) * 1.2 * h;
            for (int dd = 0; dd < 8 && !found; dd++) {
                at = place(cx, cy, DIR[dd][0], DIR[dd][1], dist, w + 2, h);
                if (at.x0 < bounds.x0 || at.x1 > bounds.x1 || at.y0 < bounds.y0 ||
                    at.y1 > bounds.y1)
                    continue;
                found = 1;
                for (size_t q = 0; q < nt && found; q++)
                    found = !overlaps(&at, &taken[q]);
                for (size_t q = 0; q < ns && found; q++) /* nor on a leader line */
                    found = !crosses(&at, seg[q].x0, seg[q].y0, seg[q].x1, seg[q].y1);
                has_leader = found && leader(&at, cx, cy, &sg);
                /* its own leader crosses no other label and no other point */
                for (size_t q = 0; q < nt && has_leader && found; q++) {
                    const box *tb = &taken[q];
                    int own_point = q < n_points && cx > tb->x0 && cx < tb->x1 && cy > tb->y0 &&
                                    cy < tb->y1;
                    found = own_point || !crosses(tb, sg.x0, sg.y0, sg.x1, sg.y1);
                }
            }
        }
        if (!found) {
            unlabelled += here;
            continue;
        }
        taken[nt++] = at;
        placed++;
        *n_labelled += here;
        msc_plot_text(g, fr, t, at.x0 + 1, 0.5 * (at.y0 + at.y1), 'l', fs, 0, MSC_RGB_TEXT);
        if (has_leader) {
            seg[ns++] = sg;
            msc_plot_line(g, MSC_AT_SCREEN, msc_plot_sx(fr, sg.x0), msc_plot_sy(fr, sg.y0),
                          msc_plot_sx(fr, sg.x1), msc_plot_sy(fr, sg.y1), 1, 0, 0.5,
                          MSC_RGB_LINE);
        }
    }
    free(rk);
    free(taken);
    free(seg);
    free(done);
    return unlabelled;
}

/* ----------------------------------------------------------------- draw */

static void texts(msc_gp *g, const baujat *b, const msc_plot_options *opt, size_t unlabelled,
                  size_t labelled)
{
    const msc_plot_frame *fr = &b->fr;
    double F = fr->F;
    char text[512];
    int fe = b->o->fit.method == MSC_METHOD_FE;
    msc_plot_text(g, fr,
                  fe ? "Contribution to overall heterogeneity (Q)"
                     : "Squared Pearson residual (contribution to heterogeneity)",
                  0.5 * (fr->x0 + fr->x1), fr->y1 + 2.8 * F, 'c', F, 0, NULL);
    msc_gp_cmd(g, "set label ");
    msc_gp_str(g, "Influence on the overall result");
    msc_gp_cmd(g, " at screen %.6f, screen %.6f center rotate by 90 font ",
               msc_plot_sx(fr, 1.3 * F), msc_plot_sy(fr, 0.5 * (fr->y0 + fr->y1)));
    snprintf(text, sizeof text, "%s,%.2f", MSC_PLOT_FONT, F);
    msc_gp_str(g, text);
    msc_gp_cmd(g, " noenhanced\n");
    if (opt->title && opt->title[0])
        msc_plot_title(g, fr, opt->title, F, 1.5 * F);
    char lines[3][320];
    char name[128];
    msc_plot_outcome_name(b->o, name, sizeof name);
    snprintf(lines[0], sizeof lines[0],
             "%.60s. y: (estimate without the study - estimate)^2 / its variance", name);
    msc_plot_method_line(b->a, b->o, lines[1], sizeof lines[1]);
    if (unlabelled)
        snprintf(lines[2], sizeof lines[2],
                 "%zu of %zu studies labelled: those farthest out, where there was room",
                 labelled, labelled + unlabelled);
    else
        lines[2][0] = '\0';
    for (int i = 0; i < 3; i++) {
        char t[512];
        msc_plot_text_fit(lines[i], fr->W - 2 * F, 0.9 * F, 0, t, sizeof t);
        msc_plot_text(g, fr, t, F, fr->y1 + (4.6 + 1.35 * i) * F, 'l', 0.9 * F, 0, MSC_RGB_NOTE);
    }
}

static void points(msc_gp *g, const baujat *b)
{
    double r = POINT_R * b->xmax / (b->fr.x1 - b->fr.x0);
    msc_gp_cmd(g, "$pts << EOD\n");
    for (size_t i = 0; i < b->blk->k; i++) {
        const msc_influence *f = &b->blk->infl[i];
        if (finite_point(f))
            msc_gp_cmd(g, "%.10g %.10g %.10g\n", f->baujat_x, f->baujat_y, r);
    }
    msc_gp_cmd(g, "EOD\nplot $pts using 1:2:3 with circles lc rgb ");
    msc_gp_str(g, MSC_RGB_DARK);
    msc_gp_cmd(g, " fs solid 0.7 noborder\n");
}

msc_status msc_plot_baujat(const msc_analysis *a, size_t outcome, const char *path,
                           const msc_plot_options *opt, char *err, size_t errlen)
{
    int rc = msc_plot_check(a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    const msc_sens *s = opt->sens;
    if (!s || outcome >= s->n_outcomes || !s->outcome[outcome].all.infl) {
        snprintf(err, errlen, "Baujat plot: %s",
                 s && outcome < s->n_outcomes && s->outcome[outcome].all.k < 2
                     ? "needs at least 2 studies"
                     : "the influence diagnostics were not computed (msc_sens_run with influence)");
        return s && outcome < s->n_outcomes ? MSC_ERR_INPUT : MSC_ERR_USAGE;
    }
    baujat b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.o = &a->outcome[outcome];
    b.blk = &s->outcome[outcome].all;
    double k = opt->format == MSC_PLOT_PNG ? MSC_PLOT_PNG_PX_PER_PT : 1.0;
    layout(&b, opt, k);
    msc_gp g;
    if ((rc = msc_gp_open(&g, err, errlen)) != MSC_OK)
        return rc;
    msc_plot_terminal(&g, opt->format, b.fr.W, b.fr.H, b.fr.F, k, path);
    msc_gp_cmd(&g, "set lmargin at screen %.6f\nset rmargin at screen %.6f\n",
               msc_plot_sx(&b.fr, b.fr.x0), msc_plot_sx(&b.fr, b.fr.x1));
    msc_gp_cmd(&g, "set tmargin at screen %.6f\nset bmargin at screen %.6f\n",
               msc_plot_sy(&b.fr, b.fr.y0), msc_plot_sy(&b.fr, b.fr.y1));
    msc_gp_cmd(&g, "set xrange [0:%.10g]\nset yrange [0:%.10g]\n", b.xmax, b.ymax);
    msc_gp_cmd(&g, "set border 3 lw 0.8 lc rgb ");
    msc_gp_str(&g, MSC_RGB_TEXT);
    msc_gp_cmd(&g, "\n");
    msc_plot_axis_ticks(&g, &b.fr, 'x', &b.xa);
    msc_plot_axis_ticks(&g, &b.fr, 'y', &b.ya);
    size_t labelled = 0, unlabelled = labels(&g, &b, &labelled);
    if (unlabelled == SIZE_MAX) {
        g.bad = 1;
        msc_gp_run(&g, err, errlen); /* a failed script is released, not run */
        snprintf(err, errlen, "out of memory");
        return MSC_ERR_NOMEM;
    }
    texts(&g, &b, opt, unlabelled, labelled);
    points(&g, &b);
    return msc_plot_render(&g, path, err, errlen);
}
