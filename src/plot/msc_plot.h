/*
 * Shared pieces of the plot modules (forest_*.c, plot_funnel.c): the
 * gnuplot script under construction (gnuplot.c, the only module that talks
 * to gnuplot), text measurement and number formatting (plot_common.c).
 * Not part of the public API.
 */
#ifndef MSC_PLOT_PRIVATE_H
#define MSC_PLOT_PRIVATE_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/mscmeta.h"
#include "mscmeta/plot.h"

/* ------------------------------------------------------------ gnuplot.c */

/* A gnuplot script, written to a private (unlinked) temporary file and
 * then run by msc_gp_run. The one rule: text that did not come from a
 * string literal in our own source reaches the script only through
 * msc_gp_str (which quotes it); msc_gp_cmd takes numbers and keywords. */
typedef struct {
    FILE *fp;
    int bad;    /* a write failed, memory ran out, a format printed text or NaN */
    int errnum; /* the errno of a failed write (0: none known) */
    int format; /* the picture's msc_plot_format (msc_plot_terminal); -1: not known */
    int tag;    /* the next tag msc_gp_tag gives */
    double dpi; /* PNG: the resolution to record (msc_plot_terminal) */
} msc_gp;

/* Starts a script. Returns MSC_OK, or MSC_ERR_IO with a message. */
int msc_gp_open(msc_gp *g, char *err, size_t errlen);

/* Appends printf-formatted text. The format may print numbers only (%d,
 * %zu, %.6f, %.10g and the like): one with any other conversion (%s, %c in
 * any form, %n, %p) is refused and the script then fails with an internal
 * error; strings go through msc_gp_str. So is a number that is NaN or
 * infinite (gnuplot would read "nan" as a variable name): callers leave
 * out what has no finite value. */
void msc_gp_cmd(msc_gp *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A tag for the next label, arrow or object ("set label <tag> ..."):
 * counting down, so that gnuplot, which keeps each list sorted by tag,
 * puts each new one at the head of its list at once. (Without a tag it
 * walks the whole list to find a free one: a forest of 3,000 studies,
 * 24,000 labels, took 3 s in gnuplot instead of 1.) gnuplot draws each
 * list in tag order, so the last one set is drawn first. */
int msc_gp_tag(msc_gp *g);

/* Appends s as one quoted string expression (msc_gnuplot_quote). */
void msc_gp_str(msc_gp *g, const char *s);

/* Runs gnuplot on the script, then releases it whatever the outcome (a
 * script whose building failed is released unrun). Returns MSC_OK, or
 * MSC_ERR_IO with err naming the problem: gnuplot not installed (with the
 * package to install), killed, or failing (with its first message). */
int msc_gp_run(msc_gp *g, char *err, size_t errlen);

/* ----------------------------------------------------------- plot_text.c */

/* The font the layout is measured for, by a name fontconfig resolves to
 * it (Debian: fonts-liberation2); Liberation Sans has Helvetica's and
 * Arial's metrics. gnuplot's SVG names it, and plot_file.c replaces that
 * with a list of fonts that share those metrics, for other machines. */
#define MSC_PLOT_FONT "Liberation Sans"
#define MSC_PLOT_FONT_BOLD "Liberation Sans Bold"
/* Where fontconfig has no such font: the system's sans-serif font (DejaVu
 * Sans on Debian), measured with wider metrics. */
#define MSC_PLOT_FONT_WIDE "sans-serif"
#define MSC_PLOT_FONT_WIDE_BOLD "sans-serif Bold"

/* The metrics the calling thread's plot measures text with: wider ones
 * (use_wide 1) or the font's (0). msc_plot_check sets them from the plot's
 * options; msc_plot_text_wide says which. */
void msc_plot_text_use(int use_wide);
int msc_plot_text_wide(void);

/* The font name to ask gnuplot for (bold or not), for the metrics in use. */
const char *msc_plot_font_name(int bold);
#define MSC_PLOT_SVG_FONTS "Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', sans-serif"

/* Width in points of s set at `size` points (bold: the bold face), from
 * the metrics in use (Liberation Sans', or the wider ones); other scripts
 * are estimated. */
double msc_plot_text_width(const char *s, double size, int bold);

/* Copies s into out, control characters shown as '?', at most `maxw`
 * points wide at `size`: when it is wider, its middle is cut out and
 * replaced by an ellipsis (U+2026), keeping its start and its end (the last
 * word, up to 40% of maxw: the year of "Smith et al. 2019"). Returns the
 * width. */
double msc_plot_text_fit(const char *s, double maxw, double size, int bold, char *out,
                         size_t outlen);

/* Text set in at most MSC_PLOT_MAX_LINES lines. */
#define MSC_PLOT_MAX_LINES 3
#define MSC_PLOT_LINE_BYTES 1024
typedef struct {
    size_t n;                                       /* lines used */
    double w;                                       /* the widest line's width */
    char line[MSC_PLOT_MAX_LINES][MSC_PLOT_LINE_BYTES]; /* control characters as '?' */
} msc_plot_lines;

/* Wraps s into at most max_lines lines of at most maxw points at `size`:
 * each line broken at its last space (or after '-', '/', ',') that fits,
 * a word longer than a line broken where the line is full; what does not
 * fit in the last line is cut in its middle as msc_plot_text_fit does.
 * Leading spaces dropped; an empty s is one empty line. Returns out->n. */
size_t msc_plot_text_wrap(const char *s, double maxw, double size, int bold, size_t max_lines,
                          msc_plot_lines *out);

/* --------------------------------------------------------- plot_common.c */



/* Writes "set terminal ...; set output ..." for a canvas of w x h points
 * in format f (PNG at `px_per_pt` pixels per point), with fonts and lines
 * scaled so that a font of `font_pt` and "lw 1" are that many points on
 * every terminal. Also sets UTF-8, no enhanced text, a white background,
 * and clears gnuplot's default key, border, tics and grid. */
void msc_plot_terminal(msc_gp *g, msc_plot_format f, double w, double h, double font_pt,
                       double px_per_pt, const char *path);

/* Pixels per point of the PNG output at 144 dpi, the old default; plots
 * take msc_plot_px_per_pt (--dpi) now. */
#define MSC_PLOT_PNG_PX_PER_PT 2.0

/* Pixels (PNG, at the options' dpi) or points (SVG, PDF: 1) per point:
 * the unit of the options' width and height. */
double msc_plot_px_per_pt(const msc_plot_options *o);

/* The error for a canvas too small for text of MSC_PLOT_FONT_MIN points:
 * at the size asked for (o->width, o->height) text would be F points;
 * need_w, need_h (in the options' units) would fit it. Fills err, returns
 * MSC_ERR_USAGE. */
int msc_plot_too_small(const msc_plot_options *o, double F, double need_w, double need_h,
                       char *err, size_t errlen);
/* cairo's image surfaces stop at 32767 pixels a side */
#define MSC_PLOT_PNG_MAX_PX 32000.0

/* Colours both plots use. */
#define MSC_RGB_TEXT "#000000"
#define MSC_RGB_NOTE "#333333" /* footer text */
#define MSC_RGB_DARK "#1A1A1A" /* random-effects diamond; funnel points without subgroups */
#define MSC_RGB_LINE "#7F7F7F" /* the estimate's line (forest), the region's edges (funnel) */
#define MSC_RGB_REF "#4D4D4D"  /* the reference line */

/* Where a plot is drawn, in points from the canvas' top-left corner: the
 * canvas (W x H), the panel inside it, and the base font size. */
typedef struct {
    double W, H;
    double x0, x1, y0, y1; /* panel: left, right, top, bottom */
    double F;
} msc_plot_frame;

/* What sets a plot's frame at base font F, in points: the margins around
 * its panel, the panel's natural size and the smallest panel it needs. */
typedef struct {
    double left, right, top, bottom;
    double pw, ph;         /* the panel on a canvas of natural size */
    double min_pw, min_ph; /* the smallest panel at F */
} msc_plot_margins;

/* Sets fr for base font F and margins m on a canvas tw x th points (0:
 * the natural size, the margins around a panel of m->pw x m->ph). Returns
 * how much F must shrink for a panel of m->min_pw x m->min_ph to fit: a
 * factor below 1, or 1 or more when it fits. */
double msc_plot_frame_set(msc_plot_frame *fr, double F, double tw, double th,
                          const msc_plot_margins *m);

/* A position in points as a fraction of the canvas ("screen"). */
static inline double msc_plot_sx(const msc_plot_frame *fr, double x)
{
    return x / fr->W;
}
static inline double msc_plot_sy(const msc_plot_frame *fr, double y)
{
    return 1.0 - y / fr->H;
}

/* Where coordinates are measured: x and y as fractions of the canvas
 * ("screen"), one of them in data units ("first"), or both. */
enum { MSC_AT_SCREEN = 0, MSC_AT_Y_DATA = 1, MSC_AT_X_DATA = 2, MSC_AT_DATA = 3 };

/* A label: text at (x, y) in the system `at`; align 'l', 'r' or 'c';
 * the font's size in points, bold or not; rgb "#rrggbb" or NULL (black).
 * The label is vertically centred on y. */
void msc_plot_label(msc_gp *g, const char *text, double x, double y, int at, int align, double size,
                    int bold, const char *rgb);

/* A label at (x, y) in points on the frame's canvas; nothing when text is
 * NULL or empty. Otherwise as msc_plot_label. */
void msc_plot_text(msc_gp *g, const msc_plot_frame *fr, const char *text, double x, double y,
                   int align, double size, int bold, const char *rgb);

/* A straight line from (x0, y0) to (x1, y1) in the system `at`: behind the
 * data when `back`, dash type `dt` (0: solid; 2 dashed, 3 dotted), `lw`
 * points wide, colour rgb. */
void msc_plot_line(msc_gp *g, int at, double x0, double y0, double x1, double y1, int back, int dt,
                   double lw, const char *rgb);

/* The title above a plot: bold at 1.2 em, wrapped to the canvas less a
 * margin of one em each side in up to three lines (the last cut in its
 * middle if need be), the first line's left end at (x, y) points. Nothing
 * for a NULL or empty title. */
void msc_plot_title(msc_gp *g, const msc_plot_frame *fr, const char *title, double x, double y);

/* How much taller than one line msc_plot_title's title is on a canvas
 * `width` points wide at base font F: 0 for one line or none. */
double msc_plot_title_height(const char *title, double width, double F);

/* An axis in data units: ticks from `from` to `to` by `step`, their labels
 * with `decimals` decimals; `pad` of air beyond the end ticks. */
#define MSC_PLOT_MAX_TICKS 40
typedef struct {
    double from, to, step, pad;
    int decimals;
    /* Ticks at positions of their own (a log axis, an exact --xlim, a
     * funnel's proportions on its model scale): n_ticks > 0 draws these
     * instead of from..to by step. */
    size_t n_ticks;
    double tick_at[MSC_PLOT_MAX_TICKS];
    char tick_label[MSC_PLOT_MAX_TICKS][24];
} msc_plot_axis;

/* Adds a tick at `at` labelled with v to *decimals* decimals (or as %g
 * when v is large); nothing past MSC_PLOT_MAX_TICKS. */
void msc_plot_tick_add(msc_plot_axis *ax, double at, double v, int decimals);

/* An axis from exactly lo to hi (lo < hi) with the ticks msc_plot_ticks
 * would choose that fall inside it. */
void msc_plot_ticks_exact(double lo, double hi, msc_plot_axis *ax);

/* A log axis for values lo..hi (0 < lo <= hi): positions are log10 of
 * the values; from and to are whole decades around them (exact: lo and hi
 * themselves), ticks at 1, 2 and 5 times each power of ten where they are
 * few decades, else at powers of ten. */
void msc_plot_log_ticks(double lo, double hi, int exact, msc_plot_axis *ax);

/* Nice axis: from the range [lo, hi] (finite, lo <= hi) picks a tick step
 * and rounded ends that cover it with 3 to 8 ticks, and how many decimals
 * the tick labels need (sets all of *ax but pad). */
void msc_plot_ticks(double lo, double hi, msc_plot_axis *ax);

/* The plot panel: the frame's panel as gnuplot's margins, data x from xmin
 * to xmax, data y from ybottom at the bottom to 0 at the top. */
void msc_plot_panel(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax,
                    double ybottom);

/* The panel of an x-y plot: as msc_plot_panel, data y from ylo at the
 * bottom to yhi at the top, its left and bottom edges drawn as axes. */
void msc_plot_panel_axes(msc_gp *g, const msc_plot_frame *fr, double xmin, double xmax, double ylo,
                         double yhi);

/* Draws an axis' ticks and their labels ourselves (gnuplot's own tick
 * labels sit at terminal-dependent distances), at the frame's font size:
 * axis 'x' at data x, hanging down from the panel's bottom edge, labels
 * centred below; axis 'y' at data y, left of the panel's left edge,
 * labels right-aligned beside them. */
void msc_plot_axis_ticks(msc_gp *g, const msc_plot_frame *fr, int axis, const msc_plot_axis *ax);

/* A display name for a CSV column: underscores as spaces. */
void msc_plot_column_name(const char *s, char *out, size_t outlen);

/* The outcome's display name with a capital first letter, for an axis
 * title ("Serious adverse events"). */
void msc_plot_outcome_name(const msc_outcome_result *o, char *out, size_t outlen);

/* The subgroup column's display name ("group" when there is none) and the
 * heading of the studies with no value in it: "No <column> value". */
void msc_plot_group_names(const msc_analysis *a, char *col, size_t col_len, char *missing,
                          size_t missing_len);

/* "Random effects, REML, logit; Clopper-Pearson study CIs" and the like. */
void msc_plot_method_line(const msc_analysis *a, const msc_outcome_result *o, char *out,
                          size_t outlen);

/* Runs the script (msc_gp_run) and checks that gnuplot wrote a whole
 * picture to path (msc_plot_file_finish). Returns MSC_OK or MSC_ERR_IO
 * with a message. */
int msc_plot_render(msc_gp *g, const char *path, char *err, size_t errlen);

/* ----------------------------------------------------------- plot_file.c */

/* Checks the picture gnuplot wrote to path, in format f: a regular file
 * must be whole (a PNG ends with IEND, a PDF with %%EOF, an SVG with
 * </svg>); a FIFO or a device is taken as written. Then writes into it
 * what gnuplot cannot: a PNG's resolution (`dpi`, a pHYs chunk; 0: none);
 * a PDF's date from SOURCE_DATE_EPOCH (or none); an SVG's <title> (`title`, escaped; NULL: gnuplot's) and its fonts as a
 * list of metric-compatible ones (MSC_PLOT_SVG_FONTS). Returns MSC_OK, or
 * MSC_ERR_IO (MSC_ERR_NOMEM) with a message. */
int msc_plot_file_finish(const char *path, msc_plot_format f, const char *title, double dpi,
                         char *err, size_t errlen);

/* Checks that an outcome can be drawn; fills err otherwise. On success
 * it also makes this the plot the thread is drawing (msc_plot_current):
 * every plot's entry point calls it first. */
int msc_plot_check(const msc_analysis *a, size_t outcome, const msc_plot_options *o, char *err,
                   size_t errlen);

/* The option checks of msc_plot_check, for a plot drawn from something
 * other than an analysis (msc_plot_simulate): fills err and returns
 * MSC_ERR_USAGE for options out of range; else sets the metrics and the
 * thread's current title (the options' title, else `title`; NULL: none). */
int msc_plot_check_options(const msc_plot_options *o, const char *title, char *err,
                           size_t errlen);

/* The plot the calling thread is drawing: its title (the options' title,
 * else the outcome's display name), which an SVG carries as <title>. */
typedef struct {
    char title[512];
} msc_plot_current;
const msc_plot_current *msc_plot_current_get(void);

#endif
