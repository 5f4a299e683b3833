/*
 * Bubble plots of a meta-regression on one moderator (mscmeta bubble), as
 * metafor's regplot() draws them: each study's proportion against its
 * moderator value, its bubble's area growing with its weight in the model
 * (1/(v_i + tau^2); by the number of patients under the GLMM, which has no
 * such weights), and the fitted proportion with its confidence band,
 * back-transformed from the model scale. For a factor moderator the
 * studies sit in one column per level (spread a little sideways, so that
 * equal proportions stay visible), beside the level's fitted proportion
 * and its interval. All text is placed by its measured width: tick labels
 * are thinned until they do not touch, level names and footer lines are
 * cut to the room they have.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"
#include "msc_plot.h"
#include "msc_stats.h"

#define FONT_PT 10.0
#define PANEL_W_EM 32.0
#define PANEL_H_EM 24.0
#define LEVEL_EM 5.0  /* width of a factor level's column, at least */
#define N_GRID 101    /* points of the fitted line */
#define R_MIN_EM 0.25 /* bubble radius of the lightest study */
#define R_MAX_EM 1.1  /* ... of the heaviest */

#define C_BUBBLE "#0072B2" /* Okabe-Ito blue, as the funnel's first group */
#define C_BAND "#CFE2F3"

typedef struct {
    const msc_regression *r;
    const msc_regress_outcome *ro;
    const msc_outcome_result *o;
    const msc_moderator *md;
    double scale; /* proportions shown as is (1), per 100 or per 1000 */
    int glmm, fitted;
    double *x, *y, *rad; /* per study: moderator (or level position), scaled proportion, radius */
    /* numeric moderator: the fitted line; factor: each level's estimate */
    size_t n_line;
    double *lx, *lest, *llo, *lhi;
    double ref; /* reference line, scaled; NAN: none */
    msc_plot_axis xa, ya;
    msc_plot_frame fr;
} bubble;

static void bubble_free(bubble *b)
{
    free(b->x);
    free(b->lx);
}

/* The fitted value at moderator value v (numeric) or level l (factor),
 * back-transformed. */
static void fitted_at(const bubble *b, double v, msc_estimate *e)
{
    const msc_regression *r = b->r;
    double x0[1] = {v};
    double *x = x0, *buf = NULL;
    if (b->md->factor) {
        buf = calloc(r->m ? r->m : 1, sizeof *buf);
        if (!buf) {
            msc_estimate_clear(e);
            return;
        }
        if (v >= 1.0)
            buf[(size_t)v - 1] = 1.0;
        x = buf;
    }
    msc_measure m = b->glmm ? MSC_PLO : r->a->settings.measure;
    msc_regress_predict(&b->ro->fit, x, m, b->ro->nhm, e);
    free(buf);
}

/* Studies, line or level estimates, and the data ranges. */
static int bubble_data(bubble *b, const msc_plot_options *opt)
{
    const msc_outcome_result *o = b->o;
    size_t k = o->k, L = b->md->factor ? b->md->n_levels : 0;
    b->x = malloc(3 * k * sizeof *b->x);
    b->n_line = b->fitted ? (b->md->factor ? L : N_GRID) : 0;
    b->lx = malloc((4 * b->n_line + 1) * sizeof *b->lx);
    if (!b->x || !b->lx)
        return MSC_ERR_NOMEM;
    b->y = b->x + k;
    b->rad = b->y + k;
    b->lest = b->lx + b->n_line;
    b->llo = b->lest + b->n_line;
    b->lhi = b->llo + b->n_line;
    const double *X = b->ro->X;
    size_t m = b->r->m;
    double xmin = INFINITY, xmax = -INFINITY, ylo = INFINITY, yhi = -INFINITY, wmax = 0;
    for (size_t i = 0; i < k; i++) {
        double w = b->glmm || !b->fitted ? o->ni[i] : 1.0 / (o->vi[i] + b->ro->fit.tau2);
        b->rad[i] = w;
        wmax = fmax(wmax, w);
        b->y[i] = b->scale * o->xi[i] / o->ni[i];
        ylo = fmin(ylo, b->y[i]);
        yhi = fmax(yhi, b->y[i]);
        if (!b->md->factor) {
            b->x[i] = X[i * m];
            xmin = fmin(xmin, b->x[i]);
            xmax = fmax(xmax, b->x[i]);
            continue;
        }
        size_t l = 0; /* the level: the indicator that is 1, or the reference */
        for (size_t c = 0; c + 1 < L; c++)
            if (X[i * m + c] == 1.0)
                l = c + 1;
        b->x[i] = (double)(l + 1);
    }
    /* bubble areas in proportion to the weights (radius ~ sqrt) */
    for (size_t i = 0; i < k; i++)
        b->rad[i] = wmax > 0 ? sqrt(b->rad[i] / wmax) : 1.0;
    if (b->md->factor) {
        /* each level's studies spread evenly over 0.36 of its column, left
         * of the level's estimate */
        size_t *count = calloc(2 * (L ? L : 1), sizeof *count), *seen = count + L;
        if (!count)
            return MSC_ERR_NOMEM;
        for (size_t i = 0; i < k; i++)
            count[(size_t)b->x[i] - 1]++;
        for (size_t i = 0; i < k; i++) {
            size_t l = (size_t)b->x[i] - 1, n = count[l];
            b->x[i] += n > 1 ? -0.28 + 0.36 * (double)seen[l]++ / (double)(n - 1) : -0.1;
        }
        free(count);
        xmin = 0.4;
        xmax = (double)L + 0.6;
    }
    for (size_t j = 0; j < b->n_line; j++) {
        msc_estimate e;
        double v =
            b->md->factor ? (double)j : xmin + (xmax - xmin) * (double)j / (double)(N_GRID - 1);
        fitted_at(b, v, &e);
        b->lx[j] = b->md->factor ? (double)j + 1.25 : v;
        b->lest[j] = b->scale * e.est;
        b->llo[j] = b->scale * e.ci_lo;
        b->lhi[j] = b->scale * e.ci_hi;
        if (isfinite(b->llo[j]))
            ylo = fmin(ylo, b->llo[j]);
        if (isfinite(b->lhi[j]))
            yhi = fmax(yhi, b->lhi[j]);
    }
    b->ref = isnan(opt->ref) ? NAN : b->scale * opt->ref;
    if (isfinite(b->ref)) {
        ylo = fmin(ylo, b->ref);
        yhi = fmax(yhi, b->ref);
    }
    if (!(ylo <= yhi))
        ylo = 0, yhi = b->scale;
    msc_plot_ticks(ylo, yhi, &b->ya);
    b->ya.pad = 0.04 * (b->ya.to - b->ya.from);
    if (b->md->factor) {
        b->xa = (msc_plot_axis){.from = 1, .to = (double)L, .step = 1, .pad = 0.6, .decimals = 0};
    } else {
        if (!(xmin < xmax))
            xmin -= 1, xmax += 1;
        msc_plot_ticks(xmin, xmax, &b->xa);
        b->xa.pad = 0.04 * (b->xa.to - b->xa.from);
    }
    return MSC_OK;
}

/* Widest tick label of an axis, in points. */
static double widest_tick(const msc_plot_axis *ax, double F)
{
    double w = 0;
    long n = lround((ax->to - ax->from) / ax->step);
    for (long i = 0; i <= n && i < 1000; i++) {
        char t[64];
        snprintf(t, sizeof t, "%.*f", ax->decimals, ax->from + (double)i * ax->step);
        w = fmax(w, msc_plot_text_width(t, F, 0));
    }
    return w;
}

/* Doubles a numeric axis' step (and rounds its ends) until its labels
 * leave an em between them. */
static void thin_ticks(msc_plot_axis *ax, double panel_pt, double F)
{
    for (int i = 0; i < 20; i++) {
        long n = lround((ax->to - ax->from) / ax->step);
        double room = panel_pt / (double)(n > 0 ? n : 1);
        if (widest_tick(ax, F) + F <= room)
            return;
        ax->step *= 2.0;
        ax->from = floor(ax->from / ax->step + 1e-9) * ax->step;
        ax->to = ceil(ax->to / ax->step - 1e-9) * ax->step;
    }
}

/* The canvas: the panel's natural size at 10 pt (wider with many levels),
 * or the size asked for. */
static void bubble_box(bubble *b, const msc_plot_options *opt, double k)
{
    int have_title = opt->title && opt->title[0];
    double tw = opt->width > 0 ? opt->width / k : 0, th = opt->height > 0 ? opt->height / k : 0;
    double F = FONT_PT;
    size_t L = b->md->factor ? b->md->n_levels : 0;
    for (int pass = 0; pass < 2; pass++) {
        double left = 3.2 * F + widest_tick(&b->ya, F), right = 1.5 * F;
        double top = (have_title ? 3.0 : 1.0) * F, bottom = 4.2 * F + 4 * 1.35 * F + 0.6 * F;
        double pw = fmax(PANEL_W_EM * F, (double)L * LEVEL_EM * F);
        msc_plot_frame *fr = &b->fr;
        fr->F = F;
        fr->W = tw > 0 ? tw : left + pw + right;
        fr->H = th > 0 ? th : top + PANEL_H_EM * F + bottom;
        double min_w = left + 15 * F + right, min_h = top + 12 * F + bottom;
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
    if (!b->md->factor)
        thin_ticks(&b->xa, b->fr.x1 - b->fr.x0, b->fr.F);
}

static void emit_frame(msc_gp *g, const bubble *b)
{
    const msc_plot_frame *fr = &b->fr;
    msc_plot_panel(g, fr, b->xa.from - b->xa.pad, b->xa.to + b->xa.pad, 0);
    /* upright: proportions grow upwards (msc_plot_panel sets a reversed range) */
    msc_gp_cmd(g, "set yrange [%.10g:%.10g]\n", b->ya.from - b->ya.pad, b->ya.to + b->ya.pad);
    msc_gp_cmd(g, "set border 3 lw 0.8 lc rgb ");
    msc_gp_str(g, MSC_RGB_TEXT);
    msc_gp_cmd(g, "\n");
    msc_plot_axis_ticks(g, fr, 'y', &b->ya);
    if (!b->md->factor) {
        msc_plot_axis_ticks(g, fr, 'x', &b->xa);
        return;
    }
    /* a factor's levels under their columns, each cut to its column */
    double F = fr->F, colw = (fr->x1 - fr->x0) / ((double)b->md->n_levels + 0.2);
    for (size_t l = 0; l < b->md->n_levels; l++) {
        char t[512];
        double y = msc_plot_sy(fr, fr->y1);
        msc_plot_line(g, MSC_AT_X_DATA, (double)l + 1, y, (double)l + 1, y - 0.35 * F / fr->H, 0, 0,
                      0.8, MSC_RGB_TEXT);
        msc_plot_text_fit(b->md->level[l], colw - 0.8 * F, F, l == 0, t, sizeof t);
        msc_plot_label(g, t, (double)l + 1, msc_plot_sy(fr, fr->y1 + 1.15 * F), MSC_AT_X_DATA, 'c',
                       F, l == 0, NULL);
    }
}

/* Axis titles, the title and the footer. */
static void emit_texts(msc_gp *g, const bubble *b, const msc_plot_options *opt)
{
    const msc_plot_frame *fr = &b->fr;
    const msc_regress_model *f = &b->ro->fit;
    double F = fr->F;
    char name[256], text[768], t[768];
    msc_plot_column_name(b->md->name, name, sizeof name);
    if (b->md->factor) {
        size_t l = strlen(name);
        snprintf(name + l, sizeof name - l, " (bold: the reference level)");
    }
    msc_plot_text_fit(name, fr->x1 - fr->x0, F, 0, t, sizeof t);
    msc_plot_text(g, fr, t, (fr->x0 + fr->x1) / 2, fr->y1 + 2.9 * F, 'c', F, 0, NULL);
    msc_plot_outcome_name(b->o, name, sizeof name);
    snprintf(text, sizeof text, "%s (%s)", name,
             b->scale == 1     ? "proportion"
             : b->scale == 100 ? "per 100 patients"
                               : "per 1000 patients");
    msc_plot_text_fit(text, fr->y1 - fr->y0, F, 0, t, sizeof t);
    msc_gp_cmd(g, "set label ");
    msc_gp_str(g, t);
    msc_gp_cmd(g, " at screen %.6f, screen %.6f center rotate by 90 font ",
               msc_plot_sx(fr, 1.3 * F), msc_plot_sy(fr, (fr->y0 + fr->y1) / 2));
    snprintf(text, sizeof text, "%s,%.2f", MSC_PLOT_FONT, F);
    msc_gp_str(g, text);
    msc_gp_cmd(g, " noenhanced\n");
    if (opt->title && opt->title[0])
        msc_plot_title(g, fr, opt->title, F, 1.5 * F);

    char lines[4][512];
    int n = 0, pct = (int)lround(100.0 * b->r->a->settings.level);
    if (!b->fitted)
        snprintf(lines[n++], sizeof lines[0],
                 "No fitted line: the model could not be fitted (see mscmeta regress)");
    else if (b->md->factor)
        snprintf(lines[n++], sizeof lines[0], "Squares: fitted proportion per level, %d%% CI", pct);
    else
        snprintf(lines[n++], sizeof lines[0], "Line: fitted proportion, %d%% confidence band", pct);
    snprintf(lines[n++], sizeof lines[0], "Bubbles: studies, sized by %s%s",
             b->glmm || !b->fitted ? "number of patients" : "weight in the model",
             isfinite(b->ref) ? "; dotted: reference" : "");
    const msc_settings *s = &b->r->a->settings;
    if (b->glmm)
        snprintf(lines[n++], sizeof lines[0], "Binomial-normal GLMM meta-regression (ML), logit");
    else
        snprintf(lines[n++], sizeof lines[0], "%s meta-regression, %s%s, %s",
                 s->method == MSC_METHOD_FE ? "Common-effect" : "Mixed-effects",
                 s->method == MSC_METHOD_FE ? "inverse variance" : msc_method_name(s->method),
                 s->test == MSC_TEST_KNHA ? ", Knapp-Hartung" : "",
                 msc_measure_scale_name(s->measure));
    if (b->fitted && f->m_btt > 0) {
        char p[32];
        msc_pvalue_text(p, sizeof p, f->QM_p, 4, MSC_P_PROSE);
        if (isfinite(f->QM_df2))
            snprintf(lines[n], sizeof lines[0],
                     "Test of the moderator: F = %.2f, df = (%g, %g), %s", f->QM, f->QM_df,
                     f->QM_df2, p);
        else
            snprintf(lines[n], sizeof lines[0], "Test of the moderator: QM = %.2f, df = %g, %s",
                     f->QM, f->QM_df, p);
        if (!b->glmm && s->method != MSC_METHOD_FE) {
            size_t l = strlen(lines[n]);
            snprintf(lines[n] + l, sizeof lines[0] - l, "; residual tau^2 = %.4g", f->tau2);
        }
        n++;
    }
    for (int i = 0; i < n; i++) {
        msc_plot_text_fit(lines[i], fr->W - 2 * F, 0.9 * F, 0, t, sizeof t);
        msc_plot_text(g, fr, t, F, fr->y1 + (4.8 + 1.35 * i) * F, 'l', 0.9 * F, 0, MSC_RGB_NOTE);
    }
}

/* The band and line (numeric) or the levels' estimates (factor), then the
 * bubbles on top. */
static void emit_data(msc_gp *g, const bubble *b)
{
    const msc_plot_frame *fr = &b->fr;
    double F = fr->F;
    double xunit = (b->xa.to - b->xa.from + 2 * b->xa.pad) / (fr->x1 - fr->x0);
    if (isfinite(b->ref))
        msc_plot_line(g, MSC_AT_DATA, b->xa.from - b->xa.pad, b->ref, b->xa.to + b->xa.pad, b->ref,
                      1, 3, 0.8, MSC_RGB_REF);
    msc_gp_cmd(g, "$pts << EOD\n");
    for (size_t i = 0; i < b->o->k; i++)
        if (isfinite(b->x[i]) && isfinite(b->y[i]))
            msc_gp_cmd(g, "%.10g %.10g %.10g\n", b->x[i], b->y[i],
                       F * (R_MIN_EM + (R_MAX_EM - R_MIN_EM) * b->rad[i]) * xunit);
    msc_gp_cmd(g, "EOD\n$fit << EOD\n");
    for (size_t j = 0; j < b->n_line; j++)
        if (isfinite(b->lest[j]) && isfinite(b->llo[j]) && isfinite(b->lhi[j]))
            msc_gp_cmd(g, "%.10g %.10g %.10g %.10g\n", b->lx[j], b->lest[j], b->llo[j], b->lhi[j]);
    msc_gp_cmd(g, "EOD\nplot ");
    if (b->n_line && !b->md->factor) {
        msc_gp_cmd(g, "$fit using 1:3:4 with filledcurves fc rgb ");
        msc_gp_str(g, C_BAND);
        msc_gp_cmd(g, " fs solid 1.0 noborder, $fit using 1:2 with lines lw 1.6 lc rgb ");
        msc_gp_str(g, MSC_RGB_DARK);
        msc_gp_cmd(g, ", ");
    }
    msc_gp_cmd(g, "$pts using 1:2:3 with circles lc rgb ");
    msc_gp_str(g, C_BUBBLE);
    msc_gp_cmd(g, " fs transparent solid 0.35 border lc rgb ");
    msc_gp_str(g, C_BUBBLE);
    if (b->n_line && b->md->factor) {
        msc_gp_cmd(g, ", $fit using 1:2:3:4 with yerrorbars pt 5 ps %.3f lw 1.2 lc rgb ", 0.09 * F);
        msc_gp_str(g, MSC_RGB_DARK);
    }
    msc_gp_cmd(g, "\n");
}

msc_status msc_plot_bubble(const msc_regression *r, size_t outcome, const char *path,
                           const msc_plot_options *opt, char *err, size_t errlen)
{
    if (!r || r->n_mods != 1) {
        snprintf(err, errlen, "a bubble plot shows one moderator");
        return MSC_ERR_USAGE;
    }
    int rc = msc_plot_check(r->a, outcome, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    bubble b;
    memset(&b, 0, sizeof b);
    b.r = r;
    b.ro = &r->outcome[outcome];
    b.o = b.ro->o;
    b.md = &r->mod[0];
    b.scale = opt->scale;
    b.glmm = r->a->settings.method == MSC_METHOD_GLMM;
    b.fitted = b.ro->fitted;
    double k = opt->format == MSC_PLOT_PNG ? MSC_PLOT_PNG_PX_PER_PT : 1.0;
    if ((rc = bubble_data(&b, opt)) != MSC_OK) {
        bubble_free(&b);
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    bubble_box(&b, opt, k);
    msc_gp g;
    if ((rc = msc_gp_open(&g, err, errlen)) != MSC_OK) {
        bubble_free(&b);
        return rc;
    }
    msc_plot_terminal(&g, opt->format, b.fr.W, b.fr.H, b.fr.F, k, path);
    emit_frame(&g, &b);
    emit_texts(&g, &b, opt);
    emit_data(&g, &b);
    bubble_free(&b);
    return msc_plot_render(&g, path, err, errlen);
}
