/*
 * mscmeta plots: forest and funnel plots of an analysis, drawn by gnuplot.
 *
 * The plot code computes no statistics: every number it shows comes from
 * msc_analysis_run (the same numbers as the reports). It starts the fixed
 * program "gnuplot" (found on PATH, no shell), hands it a script in which
 * every user-supplied string (study and subgroup names, outcome names,
 * titles, output paths) appears only through msc_gnuplot_quote, and checks
 * its exit status. Like the rest of the library it never prints and never
 * exits: it returns an msc_status and fills the caller's error buffer.
 */
#ifndef MSCMETA_PLOT_H
#define MSCMETA_PLOT_H

#include <stddef.h>

#include "mscmeta/analysis.h"
#include "mscmeta/regress.h"

typedef enum { MSC_PLOT_PNG, MSC_PLOT_SVG, MSC_PLOT_PDF } msc_plot_format;

/* The metrics text is measured with. The layout is made for Liberation
 * Sans (Helvetica's and Arial's metrics; Debian: fonts-liberation2). */
typedef enum {
    MSC_PLOT_METRICS_CHECK = 0, /* ask fontconfig at each plot (msc_plot_font_check) */
    MSC_PLOT_METRICS_FONT,      /* the font is there: its metrics */
    MSC_PLOT_METRICS_WIDE       /* it is not: the system's sans-serif, wider spacing */
} msc_plot_metrics;

/* The order of a forest plot's studies (within each subgroup). */
typedef enum {
    MSC_PLOT_SORT_FILE = 0, /* as in the data */
    MSC_PLOT_SORT_ESTIMATE, /* by the study's proportion, smallest first */
    MSC_PLOT_SORT_N,        /* by the number of patients, smallest first */
    MSC_PLOT_SORT_COLUMN    /* by a kept column (sort_col): numbers by value, else text;
                               missing last */
} msc_plot_sort;

typedef struct {
    msc_plot_format format; /* default PNG */
    const char *title;      /* drawn above the plot; NULL for none */
    double width, height;   /* pixels (PNG) or points (SVG, PDF); 0 = automatic */
    double scale;           /* 1 (proportions), 100 or 1000 (per 100 / 1000 patients) */
    double ref;             /* vertical reference line at this proportion; NAN for none */
    msc_plot_metrics metrics; /* default MSC_PLOT_METRICS_CHECK */
    double xlim_lo, xlim_hi;  /* the x axis' range, in its units (after scale); NAN: automatic */
    int log_x;                /* a log axis (forest); proportion ticks on a log scale (funnel) */
    msc_plot_sort sort;       /* study order; default MSC_PLOT_SORT_FILE */
    const char *sort_col;     /* MSC_PLOT_SORT_COLUMN: a column the data set kept
                                 (msc_load_options.keep_cols) */
    double dpi;               /* PNG: pixels per inch, recorded in the file; default 300 */
    /* Sensitivity analyses (msc_sens_run) for the plots that show them:
     * forest rows of leave-one-out or cumulative fits
     * (msc_plot_forest_sens), Baujat plots, the studies trim and fill
     * imputes on a funnel plot. NULL: none. */
    const struct msc_sens *sens;
    /* Funnel plots: 1 shades the contour-enhanced regions (Peters et al.
     * 2008) where a study's two-sided p against H0: proportion = ref is
     * in (0.05, 0.1], (0.01, 0.05] or below 0.01, in place of the
     * pseudo-confidence region; needs ref. Default 0. */
    int contours;
} msc_plot_options;

/* The option values the plots accept, for callers that check options
 * before drawing (the CLI does, to name the option that is wrong):
 * width and height 0 (automatic) or from MSC_PLOT_SIZE_MIN to
 * MSC_PLOT_SIZE_MAX; scale one of msc_plot_scales, 1 (proportions) first,
 * then events per that many patients; ref NAN (none) or a proportion from
 * MSC_PLOT_REF_MIN to MSC_PLOT_REF_MAX. */
#define MSC_PLOT_SIZE_MIN 100.0
#define MSC_PLOT_SIZE_MAX 20000.0
#define MSC_PLOT_REF_MIN 0.0
#define MSC_PLOT_REF_MAX 1.0
MSC_API extern const double msc_plot_scales[]; /* 1, 100, 1000 */

/* PNG resolution (dpi) from MSC_PLOT_DPI_MIN to MSC_PLOT_DPI_MAX; text is
 * never set below MSC_PLOT_FONT_MIN points (a size that small is refused
 * with MSC_ERR_USAGE, naming the size that would fit). */
#define MSC_PLOT_DPI_MIN 72.0
#define MSC_PLOT_DPI_MAX 1200.0
#define MSC_PLOT_DPI_DEFAULT 300.0
#define MSC_PLOT_FONT_MIN 6.0

/* The most rows (studies, headings, model rows) a forest plot draws: more
 * cannot be read, and would take gnuplot long and make huge files. Past
 * it msc_plot_forest returns MSC_ERR_USAGE with a hint (a funnel plot). */
#define MSC_PLOT_MAX_ROWS 5000
MSC_API extern const size_t msc_n_plot_scales;

/* Defaults: PNG, no title, automatic size, scale 1, no reference line,
 * fonts checked at each plot, automatic linear axis, file order, 300 dpi. */
MSC_API void msc_plot_options_default(msc_plot_options *o);

/* Whether fontconfig resolves "Liberation Sans", regular and bold, to a
 * font with the metrics the plots are laid out for (it runs fc-match).
 * Returns 1; or 0, with msg saying what it found instead (or that
 * fc-match could not be run): plots then use MSC_PLOT_METRICS_WIDE. */
MSC_API int msc_plot_font_check(char *msg, size_t msglen);

/* The format named by a path's extension (.png, .svg, .pdf; any case), or
 * -1 when the extension is none of these. */
MSC_API int msc_plot_format_from_path(const char *path);

/* Draws the forest plot of outcome `outcome` of `a` into the file `path`
 * (created or truncated; the caller writes to a temporary name and renames
 * it, as the CLI does, so that a failure leaves nothing behind). Needs the
 * per-study intervals (msc_analysis_run without MSC_RUN_NO_STUDY_CI).
 * Returns MSC_OK; MSC_ERR_INPUT when the outcome has no usable study;
 * MSC_ERR_USAGE for options out of the ranges above (checked first, before
 * the outcome's studies); MSC_ERR_IO when gnuplot is missing or
 * fails (err says which, and how to install it); MSC_ERR_NOMEM. */
MSC_API msc_status msc_plot_forest(const msc_analysis *a, size_t outcome, const char *path,
                                   const msc_plot_options *o, char *err, size_t errlen);

struct msc_compare;
/* Draws the comparison's forest plot of outcome `outcome` (mscmeta
 * compare, mscmeta/compare.h): a row per model with its estimate and
 * interval (a diamond; the exact pooled proportion grey), proportion
 * [CI] and I^2 columns, and the exact pooled proportion's Clopper-Pearson
 * interval as a shaded band across the rows, its estimate dashed. Needs
 * no per-study intervals. Returns as msc_plot_forest. */
MSC_API msc_status msc_plot_compare_forest(const struct msc_compare *c, size_t outcome,
                                           const char *path, const msc_plot_options *o, char *err,
                                           size_t errlen);

/* Draws the funnel plot of outcome `outcome`: each study's effect on the
 * model scale against its standard error (axis inverted), the pooled
 * estimate and the pseudo-confidence region at the analysis' level. Needs
 * no per-study intervals (MSC_RUN_NO_STUDY_CI will do). Returns as
 * msc_plot_forest. */
MSC_API msc_status msc_plot_funnel(const msc_analysis *a, size_t outcome, const char *path,
                                   const msc_plot_options *o, char *err, size_t errlen);

/* Draws the Baujat plot of outcome `outcome` (Baujat et al. 2002, as
 * metafor's baujat()): each study's contribution to heterogeneity against
 * its influence on the pooled estimate, from o->sens's influence
 * diagnostics, with study labels placed so that none overlaps. Returns as
 * msc_plot_forest; MSC_ERR_USAGE when o->sens has no influence results,
 * MSC_ERR_INPUT when the outcome has fewer than 2 studies. */
MSC_API msc_status msc_plot_baujat(const msc_analysis *a, size_t outcome, const char *path,
                                   const msc_plot_options *o, char *err, size_t errlen);

/* Draws the bubble plot of outcome `outcome` of a meta-regression on one
 * moderator (msc_regress_run with one moderator): each study's proportion
 * against the moderator, bubbles sized by weight (by n under the GLMM), the
 * fitted proportion with its confidence band (a factor: each level's
 * fitted proportion with its interval), back-transformed. An outcome that
 * could not be fitted shows its studies alone. Returns as msc_plot_forest;
 * MSC_ERR_USAGE when r has more than one moderator. */
MSC_API msc_status msc_plot_bubble(const msc_regression *r, size_t outcome, const char *path,
                                   const msc_plot_options *o, char *err, size_t errlen);

struct msc_simulation;
/* Draws the coverage plot of outcome `outcome` of a simulation (mscmeta
 * simulate, mscmeta/simulate.h): a row per model, its CI's coverage of the
 * true proportion with Monte Carlo error bars (coverage +- 1.96 x
 * coverage_se) against a dashed line at the nominal level (the settings'
 * level); "no interval" for a model with no usable replicate; the footer
 * names the outcome, k, the n range, the true proportion and tau^2, the
 * replicates and the seed. Only format, title, width, height, dpi and
 * metrics of o are used (the rest must be in range). Returns as
 * msc_plot_forest; MSC_ERR_INPUT when the outcome was not simulated. */
MSC_API msc_status msc_plot_simulate(const struct msc_simulation *s, size_t outcome,
                                     const char *path, const msc_plot_options *o, char *err,
                                     size_t errlen);

/* Writes s into out as one gnuplot string expression that evaluates to s:
 * single-quoted pieces ('O'), each quote character as sprintf('%c',39),
 * joined by '.' ('O'.sprintf('%c',39).'Brien'); newlines, tabs and other
 * control characters (C0, DEL, C1) become a space or '?', invalid UTF-8
 * U+FFFD. Inside single quotes gnuplot expands neither backquotes, nor
 * escapes, nor @macros, so nothing in s can run or change anything. (Not
 * the usual '' for a quote: gnuplot 5.4 reads that only after another
 * character, so 'x and x''y would break the script; see gnuplot.c.)
 * Like snprintf, returns the length the whole expression needs (excluding
 * the NUL); when that is >= outlen the text is cut at a character boundary
 * and the expression still closed, so out always holds a valid expression
 * (outlen >= 3; '' for an empty s). */
MSC_API size_t msc_gnuplot_quote(const char *s, char *out, size_t outlen);

#endif /* MSCMETA_PLOT_H */
