/*
 * The report model (src/report): a report is a tree of typed nodes that a
 * builder fills (build_*.c, one per analysis) and an emitter renders
 * (emit_*.c, one per format). Builders never ask for the format; emitters
 * know no analysis. Not part of the public API.
 *
 *   values      NULL, BOOL, TEXT, INT, COUNT, NUMBER, PROPORTION, PERCENT,
 *               PVALUE: what a cell holds decides how JSON, CSV and the
 *               table write it (integer, 17 digits, "0.0685", "<0.0001" ...)
 *   containers  OBJECT (ordered members), ARRAY (children, or a generator
 *               that builds element i on demand, so that a million studies
 *               stream through a scratch arena in O(1) memory)
 *   JSON        every member, in order
 *   CSV         one line per object marked MSC_REP_ROW: its cells, and the
 *               MSC_REP_INHERIT cells of the objects above it, placed by
 *               column name under the document's header
 *   table       an object's view: LINE templates, GRIDs of rows with
 *               aligned columns, EACH (a template per array element) and
 *               NESTED (the views of a member or of an array's elements)
 *
 * Where the formats legitimately differ a node carries the formats that
 * show it (node->show): cells only a CSV row or a table line needs, data
 * the table leaves out. Templates: see msc_rep_render.
 *
 * A new report (leave-one-out, influence ...) is one builder: it starts
 * from the analysis as data (build_data.c), adds its own sections (a
 * generator of rows, say) with their CSV row marks and table views, and
 * gets its entry point in report.c as `emit(msc_rep_build_x, ...)`. No
 * emitter changes.
 */
#ifndef MSC_REP_H
#define MSC_REP_H

#include <stddef.h>

#include "mscmeta/report.h"
#include "msc_core.h"

typedef enum {
    MSC_REP_NULL,   /* not applicable: JSON null, empty CSV cell, empty in the table */
    MSC_REP_BOOL,   /* true / false */
    MSC_REP_TEXT,   /* UTF-8 text (repaired for JSON, defused for CSV, made safe for the table) */
    MSC_REP_INT,    /* an integer: k, line numbers, iterations */
    MSC_REP_COUNT,  /* an integer-valued double: events, patients (JSON integer) */
    MSC_REP_NUMBER, /* any other real: model scale, statistics, df, sums */
    MSC_REP_PROPORTION, /* a rate in [0, 1] */
    MSC_REP_PERCENT,    /* a percentage: weights, I^2 */
    MSC_REP_PVALUE,     /* a p value (table: 4 decimals, "<0.0001") */
    MSC_REP_OBJECT,
    MSC_REP_ARRAY,
    MSC_REP_REF /* table only: another node under a second name */
} msc_rep_type;

/* A table format (node->fmt) for statistics such as Q: 4 significant
 * digits in fixed notation, zeros kept (6.000, 14.55, 3121, 31215). */
#define MSC_REP_SIG4 "#sig4"

/* Formats that show a node (node->show). */
enum { MSC_REP_JSON = 1, MSC_REP_CSV = 2, MSC_REP_TABLE = 4, MSC_REP_ALL = 7 };

/* node->flags */
enum {
    MSC_REP_ROW = 1,      /* object: one CSV row */
    MSC_REP_INHERIT = 2,  /* value: a cell of every CSV row inside its object */
    MSC_REP_BARE = 4,     /* text: a keyword that CSV writes without quotes */
    MSC_REP_NL_ITEMS = 8, /* array: JSON starts each element on a new line */
    MSC_REP_NL_CLOSE = 16 /* array: and the closing bracket */
};

typedef struct msc_rep msc_rep;
typedef struct msc_rep_node msc_rep_node;
typedef struct msc_rep_item msc_rep_item;

/* Builds element i of a generated array, detached (parent NULL), in b's
 * arena; the emitter releases it after writing it. ctx is the generator's. */
typedef msc_rep_node *(*msc_rep_fill_fn)(msc_rep *b, const void *ctx, size_t i);

struct msc_rep_node {
    unsigned char type; /* msc_rep_type */
    unsigned char show; /* MSC_REP_JSON | ... */
    unsigned short flags;
    const char *key; /* member name: JSON key, CSV column, template path; NULL in an array */
    const char *csv; /* CSV column, when it is not key */
    const char *fmt; /* table: printf format of a number ("%.4f"), or MSC_REP_SIG4;
                      * NULL: the type's */
    msc_rep_node *parent, *next;
    union {
        double num;              /* COUNT ... PVALUE */
        long long i;             /* INT */
        int b;                   /* BOOL */
        const char *text;        /* TEXT */
        const msc_rep_node *ref; /* REF */
        struct {                 /* OBJECT, ARRAY */
            msc_rep_node *first, *last;
            msc_rep_item *view, *view_last; /* OBJECT: the table's view */
            size_t count;                   /* ARRAY with fill: elements */
            msc_rep_fill_fn fill;
            const void *ctx;
        } c;
    } v;
};

/* ---------------------------------------------------------------------------
 * Building (model.c). b holds every node in an arena. An allocation that
 * fails sets b->err and returns a scratch node that is never linked, so a
 * builder checks b->err once, at its end.
 * ------------------------------------------------------------------------- */
typedef struct msc_rep_chunk msc_rep_chunk;
struct msc_rep {
    msc_rep_chunk *first, *cur;
    msc_status err;
    msc_rep_node scratch;
};
typedef struct {
    msc_rep_chunk *chunk;
    size_t used;
} msc_rep_mark;

msc_status msc_rep_init(msc_rep *b);
void msc_rep_release(msc_rep *b);
void *msc_rep_alloc(msc_rep *b, size_t n);
/* A formatted string in the arena (a header such as "95% CI"). */
const char *msc_rep_printf(msc_rep *b, const char *fmt, ...) MSC_PRINTF(2, 3);
/* Bytes the arena holds (its chunks), for tests of streaming. */
size_t msc_rep_footprint(const msc_rep *b);
/* The arena's state, and a return to it (releasing what came after). */
msc_rep_mark msc_rep_here(const msc_rep *b);
void msc_rep_back(msc_rep *b, msc_rep_mark m);

/* Node constructors: a member `key` of object `parent`, an element of
 * array `parent` (key NULL), or a detached node (parent NULL). Strings are
 * not copied: they must outlive the emission. */
msc_rep_node *msc_rep_object(msc_rep *b, msc_rep_node *parent, const char *key);
msc_rep_node *msc_rep_array(msc_rep *b, msc_rep_node *parent, const char *key);
msc_rep_node *msc_rep_generator(msc_rep *b, msc_rep_node *parent, const char *key, size_t count,
                                msc_rep_fill_fn fill, const void *ctx);
msc_rep_node *msc_rep_null(msc_rep *b, msc_rep_node *parent, const char *key);
msc_rep_node *msc_rep_bool(msc_rep *b, msc_rep_node *parent, const char *key, int v);
/* s NULL gives a NULL node. */
msc_rep_node *msc_rep_text(msc_rep *b, msc_rep_node *parent, const char *key, const char *s);
msc_rep_node *msc_rep_int(msc_rep *b, msc_rep_node *parent, const char *key, long long v);
msc_rep_node *msc_rep_count(msc_rep *b, msc_rep_node *parent, const char *key, double v);
msc_rep_node *msc_rep_number(msc_rep *b, msc_rep_node *parent, const char *key, double v,
                             const char *fmt);
msc_rep_node *msc_rep_proportion(msc_rep *b, msc_rep_node *parent, const char *key, double v);
msc_rep_node *msc_rep_percent(msc_rep *b, msc_rep_node *parent, const char *key, double v,
                              const char *fmt);
msc_rep_node *msc_rep_pvalue(msc_rep *b, msc_rep_node *parent, const char *key, double v);
/* A table-only second name for `target` (for example "main" for the block
 * a fit's tests use), followed by template paths. */
msc_rep_node *msc_rep_ref(msc_rep *b, msc_rep_node *parent, const char *key,
                          const msc_rep_node *target);

/* Links detached node n into object or array `parent` before its member
 * `before` (NULL: at the end). */
void msc_rep_insert(msc_rep *b, msc_rep_node *parent, msc_rep_node *before, msc_rep_node *n);

/* Small setters that return n, for chaining: visible only in `formats`;
 * CSV column `col`; flags added. n may be NULL (a lookup that found
 * nothing because building ran out of memory). */
msc_rep_node *msc_rep_only(msc_rep_node *n, unsigned formats);
msc_rep_node *msc_rep_column(msc_rep_node *n, const char *col);
msc_rep_node *msc_rep_flag(msc_rep_node *n, unsigned flags);

/* The elements of an array, one at a time: a generator's are built on
 * demand, and each is released when the next is asked for (or the end is
 * reached), so nothing may keep a pointer to it. NULL at the end, when arr
 * is not an array, or when building failed (b->err). */
typedef struct {
    msc_rep *b;
    msc_rep_node *arr, *cur;
    size_t i;
    msc_rep_mark mark;
} msc_rep_iter;
void msc_rep_iter_begin(msc_rep_iter *it, msc_rep *b, msc_rep_node *arr);
msc_rep_node *msc_rep_iter_next(msc_rep_iter *it);

/* Object o's member `key` that `formats` show (NULL if none). */
msc_rep_node *msc_rep_get(const msc_rep_node *o, const char *key, unsigned formats);
/* The node a template path names, seen from ctx: "." is ctx itself; the
 * first name is looked up among ctx's members, then its ancestors', the
 * nearest first; each further ".name" in the member found. References are
 * followed. NULL when nothing of `formats` matches. */
msc_rep_node *msc_rep_find(const msc_rep_node *ctx, const char *path, size_t len, unsigned formats);
/* Calls fn(ctx, it, node) for the node at each comma-separated path of
 * `paths` under obj: for each element shown in the table when the node is
 * an array, for the node itself when it is an object; stops once *err is
 * set. The walk of a view's sources by the table and HTML emitters. */
void msc_rep_each_source(msc_rep *b, const msc_rep_node *obj, const char *paths,
                         const msc_rep_item *it, const msc_status *err,
                         void (*fn)(void *ctx, const msc_rep_item *it, const msc_rep_node *n),
                         void *ctx);

/* ---------------------------------------------------------------------------
 * The table's view of an object (model.c, rendered by emit_table.c).
 * ------------------------------------------------------------------------- */
typedef struct {
    const char *sep;  /* written before the column */
    const char *head; /* header text; NULL: the column has none (nor its sep) */
    const char *cell; /* template of the column in each row */
    int width;        /* padded to this many display characters */
    unsigned flags;   /* MSC_REP_RIGHT, MSC_REP_OPTIONAL */
} msc_rep_col;
enum {
    MSC_REP_RIGHT = 1,   /* right-aligned (default: left) */
    MSC_REP_OPTIONAL = 2 /* left out, with its sep, in a row whose template misses a value */
};

typedef enum { MSC_REP_LINE, MSC_REP_GRID, MSC_REP_EACH, MSC_REP_NESTED } msc_rep_item_kind;
struct msc_rep_item {
    msc_rep_item_kind kind;
    const char *tmpl;   /* LINE, EACH */
    const char *source; /* GRID: member paths, comma-separated; EACH, NESTED: a path */
    const msc_rep_col *cols;
    size_t ncols;
    int header;
    msc_rep_item *next;
};

/* View items of object obj (nothing when obj is NULL). */
/* One line: the template rendered with obj as context. */
void msc_rep_line(msc_rep *b, msc_rep_node *obj, const char *tmpl);
/* Aligned rows: the header line (when `header`), then one line per row.
 * Rows come from `sources`, a comma-separated list of member paths: an
 * array gives its elements, an object itself, anything else none. cols is
 * copied. */
void msc_rep_grid(msc_rep *b, msc_rep_node *obj, const char *sources, const msc_rep_col *cols,
                  size_t ncols, int header);
/* One line per element of the array at `path`, the element as context. */
void msc_rep_each(msc_rep *b, msc_rep_node *obj, const char *path, const char *tmpl);
/* The view of the object at `path`, or of each element of the array there. */
void msc_rep_nested(msc_rep *b, msc_rep_node *obj, const char *path);

/* ---------------------------------------------------------------------------
 * A built report and its output.
 * ------------------------------------------------------------------------- */
typedef struct {
    msc_rep_node *root;
    const char *csv_columns; /* the CSV header, comma-separated */
    const char *prop_fmt;    /* table: format of a proportion ("%.4f") ... */
    double prop_scale;       /* ... after multiplying it by this (100 for "%.2f%%") */
} msc_rep_doc;

/* Buffered output to a write callback; the first failure sticks in err and
 * stops further writes. */
typedef struct {
    msc_write_fn fn;
    void *ctx;
    char *buf;
    size_t n, cap;
    msc_status err;
} msc_rep_out;

void msc_rep_put(msc_rep_out *o, const char *s, size_t n);
void msc_rep_puts(msc_rep_out *o, const char *s);
void msc_rep_putc(msc_rep_out *o, char c);
/* Hands what is buffered to the callback; returns o->err. */
msc_status msc_rep_flush(msc_rep_out *o);

/* A growing string (template output). */
typedef struct {
    char *s;
    size_t len, cap;
    int nomem;
    int whole; /* templates: text not cut by {path:.N} (HTML and Markdown, whose cells wrap) */
} msc_rep_buf;
void msc_rep_buf_put(msc_rep_buf *s, const char *p, size_t n);
void msc_rep_buf_free(msc_rep_buf *s);
/* An msc_write_fn that appends to the msc_rep_buf ctx: a report into
 * memory (msc_report_string, a group's records in msc_report_by). */
msc_status msc_rep_buf_write(void *ctx, const char *buf, size_t len);

/* ---------------------------------------------------------------------------
 * Templates (template.c): text with placeholders, for table lines and cells.
 *
 *   {path}        the value at path (msc_rep_find), as the table shows it:
 *                 numbers by their format, "NA" when not finite; text with
 *                 control characters as '?'; NULL and absent values empty
 *   {path:.N}     text cut to N display characters ("..." at the end)
 *   {path:prose}  a p value as "p = 0.0685" or "p < 0.0001"
 *   {path|alt}    alt when the value is missing (NULL, absent, not finite)
 *   {?...}        an optional part, left out when a value in it (without
 *                 |alt) is missing
 *   {?...|...}    the part after | when the one before is left out
 *   \x            the character x ({, }, |, \)
 * ------------------------------------------------------------------------- */

/* Renders tmpl into s with ctx as context; proportions as the doc says.
 * Returns the number of missing values outside optional parts. */
int msc_rep_render(msc_rep_buf *s, const char *tmpl, const msc_rep_node *ctx,
                   const msc_rep_doc *doc);
/* Display characters (UTF-8 code points) in s[0..n). */
size_t msc_rep_width(const char *s, size_t n);
/* Appends s with C0, DEL and C1 control characters as '?'; at most `cut`
 * display characters (0: all), ending in "..." when cut, as
 * msc_text_display. */
void msc_rep_safe_text(msc_rep_buf *out, const char *s, size_t cut);

/* ---------------------------------------------------------------------------
 * Emitters. Each writes the whole document to out and returns its status
 * (b->err, out->err).
 * ------------------------------------------------------------------------- */
msc_status msc_rep_emit_json(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);
msc_status msc_rep_emit_csv(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);
msc_status msc_rep_emit_table(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);
/* HTML (a fragment: the view's lines as paragraphs, its grids as
 * <table>s) and Markdown (pipe tables), emit_html.c. */
msc_status msc_rep_emit_html(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);
msc_status msc_rep_emit_md(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);
/* Text s[0..n) as HTML text, the one escaping function of every string
 * in an HTML or Markdown report: & < > " ' as entities; control
 * characters as '?' (as the table shows them); bidirectional formatting
 * characters (U+202E ...) as visible "[U+202E]", so that none reorders
 * what follows; with md also Markdown's \ ` * _ [ ] | # ~ escaped by a
 * backslash. Safe in element content and in quoted attribute values. */
void msc_rep_html_text(msc_rep_out *o, const char *s, size_t n, int md);
/* The CSV rows alone, without the header line (a report by group writes
 * the header once, then each group's rows). */
msc_status msc_rep_emit_csv_rows(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out);

/* A finite double as the shortest decimal that reads back as the same
 * double (emit_number.c): "0.95", "-0", "100000", "1e-5", "1.5e17"; the
 * layout of printf's %.17g (fixed for decimal exponents -4 to 16), the
 * exponent without '+' or leading zeros. buf holds at least 32 bytes;
 * returns the length. */
size_t msc_rep_number_text(char *buf, double v);

/* An integer as printf's "%lld" writes it, into buf (at least 21 bytes);
 * returns its length. Without printf: a JSON or CSV of 10^6 studies writes
 * a million line numbers. */
size_t msc_rep_int_text(char *buf, long long v);

/* JSON encodings (emit_json.c): a finite real into buf (at least 32
 * bytes; returns its length) as msc_rep_number_text writes it, with ".0"
 * when it looks like an integer; a string, made valid UTF-8 first, as
 * jansson 2.14 encodes it. */
size_t msc_rep_json_real(char *buf, double v);
void msc_rep_json_string(msc_rep_out *o, const char *s);

/* CSV encodings (emit_csv.c): text as one RFC 4180 field, quoted, with a
 * leading =, +, -, @, tab, CR or full-width =, +, -, @ (OWASP's list)
 * defused by an apostrophe; a number as msc_rep_number_text writes it,
 * nothing when not finite. */
void msc_rep_csv_text(msc_rep_out *o, const char *s);
void msc_rep_csv_number(msc_rep_out *o, double v);

/* ---------------------------------------------------------------------------
 * The analysis as data (build_data.c): the members of mscmeta's JSON, which
 * every report of an analysis starts from and adds its table and CSV to.
 * ------------------------------------------------------------------------- */

/* One outcome of a report, the context of its generated arrays. */
typedef struct {
    const msc_analysis *a;
    const msc_report_options *opt;
    const msc_outcome_result *o;
    const msc_safety *sf; /* the outcome's safety results, or NULL */
} msc_rep_octx;

/* How a report builds the elements of an outcome's arrays (ctx: an
 * msc_rep_octx): msc_rep_data_study ... and what the report adds. */
typedef struct {
    msc_rep_fill_fn study, excluded, subgroup;
} msc_rep_fills;

/* A new root: tool, command, version, input, settings, subgroup, warnings. */
msc_rep_node *msc_rep_data_head(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                const char *command);
/* The root's "outcomes": n generated by fill(b, ctx, j). */
msc_rep_node *msc_rep_data_outcomes(msc_rep *b, msc_rep_node *root, msc_rep_fill_fn fill,
                                    const void *ctx, size_t n);
/* The root of a report of every outcome of a: the head, then the
 * outcomes (element j by fill(b, ctx, j)), with the CSV's setting rows and
 * the data set's warning rows before them. */
msc_rep_node *msc_rep_data_document(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                    const char *command, msc_rep_fill_fn fill, const void *ctx);
/* An outcome, detached: its name, studies, exclusions, fit, exact pooled
 * proportion, subgroups, safety results (with c->sf) and warnings. */
msc_rep_node *msc_rep_data_outcome(msc_rep *b, const msc_rep_octx *c, const msc_rep_fills *f);
/* Element i of an outcome's studies, exclusions, subgroups (detached). */
msc_rep_node *msc_rep_data_study(msc_rep *b, const msc_rep_octx *c, size_t i);
msc_rep_node *msc_rep_data_excluded(msc_rep *b, const msc_rep_octx *c, size_t i);
/* Subgroup g of c's outcome: its fit (msc_group_fit) and its warnings,
 * copied into b's arena so that nodes may point at them. On failure b->err
 * is set and gf holds an empty fit. */
typedef struct {
    msc_fit fit;
    const msc_warnings *warnings; /* in b's arena (generators keep it): never cleared */
} msc_rep_group;
void msc_rep_group_fit(msc_rep *b, const msc_rep_octx *c, size_t g, msc_rep_group *gf);
/* Subgroup g's element with its fit gf (msc_rep_group_fit). */
msc_rep_node *msc_rep_data_subgroup(msc_rep *b, const msc_rep_octx *c, size_t g,
                                    const msc_rep_group *gf);
/* The values of estimate e as members of o: estimate, ci_lower, ci_upper
 * (proportions), yi, se, statistic, p, df (when with_df), ci_yi_lower,
 * ci_yi_upper, with the table's formats. */
void msc_rep_data_estimate_values(msc_rep *b, msc_rep_node *o, const msc_estimate *e, int with_df);
/* A block of estimates: its values, then the prediction interval (when
 * with_pi), exact and the test of --null. */
msc_rep_node *msc_rep_data_estimate(msc_rep *b, msc_rep_node *parent, const char *key,
                                    const msc_estimate *e, int with_pi);
/* A GLMM random block's marginal proportion: "marginal" {estimate,
 * ci_lower, ci_upper}, or null where there is none. */
msc_rep_node *msc_rep_data_marginal(msc_rep *b, msc_rep_node *parent, const msc_estimate *e);
/* CSV-only rows. "warning_rows" of parent: one row {type: warning,
 * message} per warning of w; the outcome and group come from the objects
 * around them. "setting_rows" of the root, before its "outcomes": one row
 * {type: setting, setting, value} for the command, version, input,
 * subgroup and each member of "settings". */
msc_rep_node *msc_rep_data_warning_rows(msc_rep *b, msc_rep_node *parent, const msc_warnings *w);
void msc_rep_data_setting_rows(msc_rep *b, msc_rep_node *root);
/* Table-only arrays of an outcome: "excluded_groups", the exclusions
 * grouped by reason ({studies: "A, B (lines 4, 10)", reason}; 8 names, then
 * "and N more"); "group_warnings", the subgroups' warnings grouped by
 * message ({groups: "SLE, RA", message}). */
void msc_rep_data_excluded_groups(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c);
void msc_rep_data_group_warnings(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c);
/* A level as a percentage with its own digits ("97.5"), in b's arena. */
const char *msc_rep_level(msc_rep *b, double level);
/* A "warnings" array of w's messages. */
msc_rep_node *msc_rep_data_warnings(msc_rep *b, msc_rep_node *parent, const msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Builders (build_*.c): the reports of mscmeta's analyses.
 * ------------------------------------------------------------------------- */
/* Builds a report of `a` into b and describes it in *doc. Returns MSC_OK,
 * b->err, or MSC_ERR_USAGE when the options lack what it needs. */
typedef msc_status (*msc_rep_build_fn)(msc_rep *b, const msc_analysis *a,
                                       const msc_report_options *o, msc_rep_doc *doc);
msc_status msc_rep_build_pool(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                              msc_rep_doc *doc);
/* o->safety required */
msc_status msc_rep_build_safety(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                msc_rep_doc *doc);
/* The regress report's options: the caller's, and the regression (whose
 * analysis is the builder's a). msc_rep_build_regress takes &pub. */
typedef struct {
    msc_report_options pub;
    const msc_regression *regression;
} msc_rep_regress_options;
msc_status msc_rep_build_regress(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                 msc_rep_doc *doc);
/* Outcome j of regression r as the regress JSON has it (its studies
 * unless o->summary_only, the regression, the warnings), with no table
 * lines: a record of the report by group (build_by.c). */
msc_rep_node *msc_rep_regress_outcome(msc_rep *b, const msc_regression *r,
                                      const msc_report_options *o, size_t j);

/* The compare report's options: the caller's, and the comparison (whose
 * first row's analysis is the builder's a). msc_rep_build_compare takes &pub. */
typedef struct {
    msc_report_options pub;
    const struct msc_compare *compare;
} msc_rep_compare_options;
msc_status msc_rep_build_compare(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                 msc_rep_doc *doc);

/* The simulate report's options: the caller's, and the simulation (whose
 * data set is the builder's a->data; a carries no outcomes).
 * msc_rep_build_simulate takes &pub. */
typedef struct {
    msc_report_options pub;
    const struct msc_simulation *simulation;
} msc_rep_simulate_options;
msc_status msc_rep_build_simulate(msc_rep *b, const msc_analysis *a, const msc_report_options *o,
                                  msc_rep_doc *doc);

/* The sensitivity sections (build_sens.c), for the pool report with
 * o->sens: an outcome's and a subgroup's members (before their warnings,
 * to which the analyses' warnings are added), their table views, and the
 * CSV columns they add (",k,H2,..."). */
void msc_rep_sens_outcome(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c);
void msc_rep_sens_subgroup(msc_rep *b, msc_rep_node *s, const msc_rep_octx *c, size_t g,
                           const msc_warnings *own);
void msc_rep_sens_view(msc_rep *b, msc_rep_node *out, const msc_rep_octx *c);
void msc_rep_sens_subgroup_view(msc_rep *b, msc_rep_node *s, const msc_rep_octx *c);
/* The sensitivity analyses' warnings of subgroup g of c's outcome, or NULL
 * (the table groups them with the subgroup's own). */
const msc_warnings *msc_rep_sens_group_warnings(const msc_rep_octx *c, size_t g);
extern const char msc_rep_sens_columns[];

#endif
