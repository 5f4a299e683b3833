/*
 * The data-set builder: CSV records -> msc_dataset.
 *
 * The reader (csv_reader.c) hands over the header and then each record;
 * this file maps the header to columns (the label, n, events, per-outcome
 * denominators, subgroup), turns each record's cells into counts, labels
 * and groups, and says what is wrong with a cell as "file:line: column
 * ...". It keeps only the columns it needs, so memory is O(k) whatever the
 * width of the file.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"
#include "msc_io.h"

const char *const msc_default_events[] = {"responders", "adverse_events", "serious_adverse_events",
                                          "events"};
const size_t msc_n_default_events = 4;

void msc_load_options_default(msc_load_options *o)
{
    memset(o, 0, sizeof *o);
    o->study_col = "study";
    o->n_col = "n";
    o->default_events = msc_default_events;
    o->n_default_events = msc_n_default_events;
}

/* Slots: the columns the builder keeps. */
enum { SLOT_STUDY = 0, SLOT_N = 1, SLOT_GROUP = 2, SLOT_FIRST_OUTCOME = 3 };

typedef struct {
    const msc_load_options *opt;
    msc_io_error *e;
    msc_dataset *d;
    long line; /* line on which the header or record being built starts */

    /* the header, while it is mapped: trimmed names, valid UTF-8 */
    char **hdr;
    size_t ncols;

    size_t nslots;     /* 3 + 2 per outcome */
    long *col_of_slot; /* per slot: its column, or -1 */
    long *col_of_kept; /* per kept column: its column */
    size_t cap;        /* allocated records */
    int utf8_warned;
} builder;

/* A value quoted for an error message: at most 40 bytes, control
 * characters escaped, so that a hostile cell keeps the message on one line. */
static void show_value(const char *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static int is_missing(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == 'N' && s[1] == 'A');
}

/* Whether s[0..len) is a number: optional sign, ASCII digits, an optional
 * fraction and exponent (see parse_count). */
static int number_syntax(const char *s, size_t len)
{
    size_t i = 0;
    int digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && isdigit((unsigned char)s[i]) && s[i] < 0x7f) {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits > 0 && i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        size_t e0 = j;
        while (j < len && s[j] >= '0' && s[j] <= '9')
            j++;
        if (j > e0)
            i = j;
    }
    return digits > 0 && i == len;
}

/* Parses a count. Returns 1 and sets *v, 0 for a missing value (v = NAN),
 * -1 after reporting an error. Accepted: optional sign, ASCII digits, an
 * optional fraction and exponent, denoting a whole number in [0, 1e15];
 * "12.0" is 12, "-0" is 0. Hex, "inf", "nan" and non-ASCII digits are not
 * numbers here. */
static int parse_count(builder *B, const char *col, const char *s, size_t len, double *v)
{
    trim(&s, &len);
    *v = NAN;
    if (is_missing(s, len))
        return 0;
    char shown[96];
    show_value(s, len, shown, sizeof shown);
    if (!number_syntax(s, len)) {
        msc_io_fail(B->e, B->line, "column \"%s\": \"%s\" is not a number", col, shown);
        return -1;
    }
    char buf[128];
    if (len >= sizeof buf) {
        msc_io_fail(B->e, B->line, "column \"%s\": \"%s\" is out of range (counts go up to 1e15)",
                    col, shown);
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double x = strtod(buf, NULL);
    if (!isfinite(x) || fabs(x) > MSC_MAX_COUNT) {
        msc_io_fail(B->e, B->line, "column \"%s\": \"%s\" is out of range (counts go up to 1e15)",
                    col, shown);
        return -1;
    }
    if (x != floor(x)) {
        msc_io_fail(B->e, B->line, "column \"%s\": \"%s\" is not a whole number", col, shown);
        return -1;
    }
    if (x < 0) {
        msc_io_fail(B->e, B->line, "column \"%s\": \"%s\" is negative; counts must be 0 or more",
                    col, shown);
        return -1;
    }
    *v = x + 0.0; /* -0 -> 0 */
    return 1;
}

/* Invalid UTF-8 in a column name, label or subgroup value was replaced:
 * say so once per file, at the first place it happened. */
static void utf8_warning(builder *B, const char *what)
{
    if (B->utf8_warned)
        return;
    B->utf8_warned = 1;
    if (msc_warnings_add(&B->d->warnings,
                         "%s:%ld: invalid UTF-8 (or NUL bytes) in a %s was replaced by U+FFFD; "
                         "save the file as UTF-8",
                         B->e->name, B->line, what) != MSC_OK)
        msc_io_fail_nomem(B->e); /* a data set must not lose its warning */
}

/* ---------------------------------------------------------------- header */

static long find_col(const builder *B, const char *name)
{
    for (size_t i = 0; i < B->ncols; i++)
        if (strcmp(B->hdr[i], name) == 0)
            return (long)i;
    return -1;
}

typedef struct {
    const char *name;
    size_t col;
} named_col;

static int cmp_named(const void *a, const void *b)
{
    const named_col *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->col < y->col ? -1 : x->col > y->col);
}

/* The header's first names, for messages: "study, n, events, ...". */
static void header_list(const builder *B, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < B->ncols && o + 1 < outlen; i++) {
        if (i == 8) {
            snprintf(out + o, outlen - o, ", ... (%zu columns)", B->ncols);
            return;
        }
        char shown[96];
        show_value(B->hdr[i], strlen(B->hdr[i]), shown, sizeof shown);
        int n = snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", shown);
        if (n < 0)
            return;
        o += (size_t)n;
    }
}

/* The header's names as valid UTF-8 (with the warning), trimmed, in
 * B->hdr. Returns 0, or -1 after reporting out of memory. */
static int read_names(builder *B, const msc_csv_record *r)
{
    B->hdr = calloc(r->n ? r->n : 1, sizeof *B->hdr);
    if (!B->hdr) {
        msc_io_fail_nomem(B->e);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        int fixed = 0;
        char *name = msc_utf8_clean(r->field[i], r->len[i], &fixed);
        if (!name) {
            msc_io_fail_nomem(B->e);
            return -1;
        }
        B->hdr[B->ncols++] = name;
        if (fixed)
            utf8_warning(B, "column name");
        const char *s = name;
        size_t len = strlen(s);
        trim(&s, &len);
        memmove(name, s, len);
        name[len] = '\0';
    }
    return 0;
}

/* Refuses a name used twice. Returns 0 or -1 (reported). */
static int check_duplicates(builder *B)
{
    /* Duplicate names: sort indices by name, compare neighbours. O(c log c)
     * so that 100,000 columns stay fast. Empty names (trailing commas from
     * spreadsheets) are allowed to repeat: such columns cannot be chosen. */
    named_col *idx = malloc((B->ncols ? B->ncols : 1) * sizeof *idx);
    if (!idx) {
        msc_io_fail_nomem(B->e);
        return -1;
    }
    for (size_t i = 0; i < B->ncols; i++) {
        idx[i].name = B->hdr[i];
        idx[i].col = i;
    }
    qsort(idx, B->ncols, sizeof *idx, cmp_named);
    for (size_t i = 1; i < B->ncols; i++) {
        const char *a = idx[i - 1].name;
        if (a[0] != '\0' && strcmp(a, idx[i].name) == 0) {
            char shown[96];
            show_value(a, strlen(a), shown, sizeof shown);
            size_t c1 = idx[i - 1].col + 1, c2 = idx[i].col + 1;
            free(idx);
            msc_io_fail(B->e, B->line,
                        "duplicate column name \"%s\" (columns %zu and %zu); rename one of them",
                        shown, c1, c2);
            return -1;
        }
    }
    free(idx);
    return 0;
}

/* Adds the outcome in column events_col (once), with its denominator:
 * "n_<events_col>" when the header has it, else the n column. Returns 0,
 * or -1 out of memory. */
static int add_outcome(builder *B, const char *events_col)
{
    msc_dataset *d = B->d;
    for (size_t j = 0; j < d->n_outcomes; j++)
        if (strcmp(d->outcome[j].name, events_col) == 0)
            return 0; /* named twice: pool it once */
    msc_outcome_data *o = realloc(d->outcome, (d->n_outcomes + 1) * sizeof *o);
    if (!o)
        return -1;
    d->outcome = o;
    memset(&o[d->n_outcomes], 0, sizeof *o);
    o[d->n_outcomes].name = msc_strdup(events_col);
    size_t dl = strlen(events_col) + 3;
    char *den = malloc(dl);
    if (!den || !o[d->n_outcomes].name) {
        free(den);
        free(o[d->n_outcomes].name); /* not counted yet: nothing else frees it */
        return -1;
    }
    snprintf(den, dl, "n_%s", events_col);
    if (find_col(B, den) < 0) {
        free(den);
        den = msc_strdup(B->opt->n_col);
        if (!den) {
            free(o[d->n_outcomes].name);
            return -1;
        }
    }
    o[d->n_outcomes].denom = den;
    d->n_outcomes++;
    return 0;
}

/* The outcomes named (each must be in the header). Returns 0 or -1. */
static int named_outcomes(builder *B)
{
    const msc_load_options *opt = B->opt;
    char list[512];
    for (size_t j = 0; j < opt->n_events_cols; j++) {
        if (find_col(B, opt->events_cols[j]) < 0) {
            char shown[96];
            show_value(opt->events_cols[j], strlen(opt->events_cols[j]), shown, sizeof shown);
            header_list(B, list, sizeof list);
            msc_io_fail(B->e, B->line, "no column \"%s\" (named by --events); the header has: %s",
                        shown, list);
            return -1;
        }
        if (add_outcome(B, opt->events_cols[j]) < 0) {
            msc_io_fail_nomem(B->e);
            return -1;
        }
    }
    /* An events column that is a denominator (--events n, or n_ae beside
     * ae) would pool n/n without a word. */
    const msc_dataset *d = B->d;
    for (size_t j = 0; j < d->n_outcomes; j++)
        for (size_t i = 0; i < d->n_outcomes; i++)
            if (strcmp(d->outcome[j].name, d->outcome[i].denom) == 0) {
                char shown[96];
                show_value(d->outcome[j].name, strlen(d->outcome[j].name), shown, sizeof shown);
                msc_io_fail(B->e, B->line,
                            "column \"%s\" is named by --events but is a denominator; name a "
                            "column of event counts",
                            shown);
                return -1;
            }
    return 0;
}

/* Every default outcome the header has (at least one). Returns 0 or -1. */
static int default_outcomes(builder *B)
{
    const msc_load_options *opt = B->opt;
    for (size_t j = 0; j < opt->n_default_events; j++)
        if (find_col(B, opt->default_events[j]) >= 0 &&
            add_outcome(B, opt->default_events[j]) < 0) {
            msc_io_fail_nomem(B->e);
            return -1;
        }
    if (B->d->n_outcomes == 0) {
        char want[256] = "", list[512];
        for (size_t j = 0; j < opt->n_default_events; j++)
            msc_text_append(want, sizeof want, j ? ", " : "", opt->default_events[j]);
        header_list(B, list, sizeof list);
        msc_io_fail(B->e, B->line,
                    "no events column: none of %s is in the header (name one with --events); the "
                    "header has: %s",
                    want, list);
        return -1;
    }
    return 0;
}

/* The study, n and subgroup columns: each one needed must be in the
 * header (n only when an outcome has no n_<outcome> column of its own).
 * Returns 0 or -1. */
static int map_fixed_slots(builder *B)
{
    const msc_load_options *opt = B->opt;
    struct {
        const char *col;
        const char *flag;
    } need[3] = {{opt->study_col, "--study"}, {NULL, NULL}, {opt->subgroup_col, "--subgroup"}};
    for (size_t j = 0; j < B->d->n_outcomes; j++)
        if (strcmp(B->d->outcome[j].denom, opt->n_col) == 0) {
            need[SLOT_N].col = opt->n_col;
            need[SLOT_N].flag = "--n";
        }
    for (int s = 0; s < 3; s++) {
        B->col_of_slot[s] = -1;
        if (!need[s].col)
            continue;
        long c = find_col(B, need[s].col);
        if (c < 0) {
            char shown[96], list[512];
            show_value(need[s].col, strlen(need[s].col), shown, sizeof shown);
            header_list(B, list, sizeof list);
            msc_io_fail(B->e, B->line,
                        "no column \"%s\" (name the column with %s); the header has: %s", shown,
                        need[s].flag, list);
            return -1;
        }
        B->col_of_slot[s] = c;
    }
    return 0;
}

/* Every slot's column. Returns 0 or -1. */
static int map_slots(builder *B)
{
    B->nslots = SLOT_FIRST_OUTCOME + 2 * B->d->n_outcomes;
    B->col_of_slot = malloc(B->nslots * sizeof *B->col_of_slot);
    if (!B->col_of_slot) {
        msc_io_fail_nomem(B->e);
        return -1;
    }
    if (map_fixed_slots(B) < 0)
        return -1;
    for (size_t j = 0; j < B->d->n_outcomes; j++) {
        B->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j] = find_col(B, B->d->outcome[j].name);
        B->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j + 1] = find_col(B, B->d->outcome[j].denom);
    }
    return 0;
}

/* The kept columns (msc_load_options.keep_cols): each must be in the
 * header; a name given twice is kept once. Returns 0 or -1. */
static int map_kept(builder *B)
{
    const msc_load_options *opt = B->opt;
    msc_dataset *d = B->d;
    if (opt->n_keep_cols == 0)
        return 0;
    d->kept = calloc(opt->n_keep_cols, sizeof *d->kept);
    B->col_of_kept = malloc(opt->n_keep_cols * sizeof *B->col_of_kept);
    if (!d->kept || !B->col_of_kept) {
        msc_io_fail_nomem(B->e);
        return -1;
    }
    for (size_t j = 0; j < opt->n_keep_cols; j++) {
        const char *name = opt->keep_cols[j];
        if (msc_dataset_kept(d, name))
            continue;
        long c = find_col(B, name);
        if (c < 0) {
            char shown[96], list[512];
            show_value(name, strlen(name), shown, sizeof shown);
            header_list(B, list, sizeof list);
            const char *why = opt->keep_why && opt->keep_why[j] ? opt->keep_why[j] : NULL;
            msc_io_fail(B->e, B->line, "no column \"%s\"%s%s%s; the header has: %s", shown,
                        why ? " (named by " : "", why ? why : "", why ? ")" : "", list);
            return -1;
        }
        d->kept[d->n_kept].name = msc_strdup(name);
        if (!d->kept[d->n_kept].name) {
            msc_io_fail_nomem(B->e);
            return -1;
        }
        B->col_of_kept[d->n_kept++] = c;
    }
    return 0;
}

/* The header: names, outcomes (those named, or every default column
 * present), then the columns each slot reads. */
static void on_header(void *ctx, const msc_csv_record *r)
{
    builder *B = ctx;
    const msc_load_options *opt = B->opt;
    B->line = r->line;
    if (read_names(B, r) < 0 || check_duplicates(B) < 0)
        return;
    if ((opt->n_events_cols > 0 ? named_outcomes(B) : default_outcomes(B)) < 0)
        return;
    if (map_slots(B) < 0 || map_kept(B) < 0)
        return;
    if (opt->subgroup_col) {
        B->d->group_col = msc_strdup(opt->subgroup_col);
        if (!B->d->group_col)
            msc_io_fail_nomem(B->e);
    }
}

/* ---------------------------------------------------------------- records */

/* The cell of slot s in record r, or NULL when the slot reads no column. */
static const char *slot_value(const builder *B, const msc_csv_record *r, size_t s, size_t *len)
{
    long c = B->col_of_slot[s];
    if (c < 0)
        return NULL;
    *len = r->len[c];
    return r->field[c];
}

static int grow(builder *B)
{
    msc_dataset *d = B->d;
    size_t cap = B->cap ? 2 * B->cap : 256;
#define GROW(ptr)                                                                                  \
    do {                                                                                           \
        void *q = realloc((ptr), cap * sizeof *(ptr));                                             \
        if (!q)                                                                                    \
            return -1;                                                                             \
        (ptr) = q;                                                                                 \
    } while (0)
    GROW(d->label);
    GROW(d->line);
    GROW(d->group);
    for (size_t j = 0; j < d->n_outcomes; j++) {
        GROW(d->outcome[j].events);
        GROW(d->outcome[j].n);
    }
    for (size_t j = 0; j < d->n_kept; j++)
        GROW(d->kept[j].value);
#undef GROW
    B->cap = cap;
    return 0;
}

/* Label: the study column, or "line N" when empty. NULL out of memory. */
static char *make_label(builder *B, const msc_csv_record *r)
{
    size_t ll = 0;
    const char *ls = slot_value(B, r, SLOT_STUDY, &ll);
    if (!ls)
        ls = "";
    trim(&ls, &ll);
    if (ll == 0) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "line %ld", B->line);
        return msc_strdup(tmp);
    }
    int fixed = 0;
    char *label = msc_utf8_clean(ls, ll, &fixed);
    if (fixed)
        utf8_warning(B, "study label");
    return label;
}

/* Record r's subgroup value (NULL when there is none or it is missing).
 * Returns 0, or -1 out of memory. */
static int set_group(builder *B, const msc_csv_record *r, size_t row)
{
    size_t gl = 0;
    const char *gs = slot_value(B, r, SLOT_GROUP, &gl);
    if (!gs)
        return 0;
    trim(&gs, &gl);
    if (is_missing(gs, gl))
        return 0;
    int fixed = 0;
    B->d->group[row] = msc_utf8_clean(gs, gl, &fixed);
    if (!B->d->group[row])
        return -1;
    if (fixed)
        utf8_warning(B, "subgroup value");
    return 0;
}

/* Record r's cells of the kept columns. Returns 0, or -1 out of memory. */
static int set_kept(builder *B, const msc_csv_record *r, size_t row)
{
    for (size_t j = 0; j < B->d->n_kept; j++) {
        long c = B->col_of_kept[j];
        const char *v = r->field[c];
        size_t len = r->len[c];
        trim(&v, &len);
        char **out = &B->d->kept[j].value[row];
        *out = NULL;
        if (is_missing(v, len))
            continue;
        int fixed = 0;
        if (!(*out = msc_utf8_clean(v, len, &fixed)))
            return -1;
        if (fixed)
            utf8_warning(B, "cell");
    }
    return 0;
}

/* Record r's events and n per outcome. Returns 0 or -1 (reported). */
static int set_counts(builder *B, const msc_csv_record *r, size_t row)
{
    for (size_t j = 0; j < B->d->n_outcomes; j++) {
        msc_outcome_data *o = &B->d->outcome[j];
        size_t el = 0, nl = 0;
        const char *ev = slot_value(B, r, SLOT_FIRST_OUTCOME + 2 * j, &el);
        const char *nn = slot_value(B, r, SLOT_FIRST_OUTCOME + 2 * j + 1, &nl);
        double x, n;
        if (parse_count(B, o->denom, nn, nl, &n) < 0 || parse_count(B, o->name, ev, el, &x) < 0)
            return -1;
        if (n == 0.0) {
            msc_io_fail(B->e, B->line,
                        "column \"%s\": n is 0; every study needs at least 1 patient", o->denom);
            return -1;
        }
        if (!isnan(x) && !isnan(n) && x > n) {
            msc_io_fail(B->e, B->line,
                        "column \"%s\": %.0f events but only %.0f patients in \"%s\"", o->name, x,
                        n, o->denom);
            return -1;
        }
        o->events[row] = x;
        o->n[row] = n;
    }
    return 0;
}

/* A data record: one study, its cells checked. */
static void on_record(void *ctx, const msc_csv_record *r)
{
    builder *B = ctx;
    msc_dataset *d = B->d;
    B->line = r->line;
    if (d->k == B->cap && grow(B) < 0) {
        msc_io_fail_nomem(B->e);
        return;
    }
    size_t row = d->k;
    d->label[row] = make_label(B, r);
    if (!d->label[row]) {
        msc_io_fail_nomem(B->e);
        return;
    }
    d->line[row] = r->line;
    d->group[row] = NULL;
    for (size_t j = 0; j < d->n_outcomes; j++)
        d->outcome[j].events[row] = d->outcome[j].n[row] = NAN;
    for (size_t j = 0; j < d->n_kept; j++)
        d->kept[j].value[row] = NULL;
    d->k++; /* from here on, free() sees the row */
    if (set_group(B, r, row) < 0 || set_kept(B, r, row) < 0) {
        msc_io_fail_nomem(B->e);
        return;
    }
    set_counts(B, r, row);
}

/* ------------------------------------------------------------------- API */

static int builder_init(builder *B, msc_io_error *e, const char *name, const msc_load_options *opt,
                        char *err, size_t errlen)
{
    memset(B, 0, sizeof *B);
    *e = (msc_io_error){.name = name, .err = err, .errlen = errlen};
    B->e = e;
    B->opt = opt;
    B->d = calloc(1, sizeof *B->d);
    if (!B->d || !(B->d->source = msc_strdup(name))) {
        snprintf(err, errlen, "%s: out of memory", name);
        free(B->d);
        return MSC_ERR_NOMEM;
    }
    return MSC_OK;
}

/* Releases the builder; hands over the data set, or frees it after an
 * error. */
static msc_status builder_finish(builder *B, msc_dataset **out)
{
    for (size_t i = 0; i < B->ncols; i++)
        free(B->hdr[i]);
    free(B->hdr);
    free(B->col_of_slot);
    free(B->col_of_kept);
    if (B->e->failed) {
        msc_dataset_free(B->d);
        *out = NULL;
        return B->e->nomem ? MSC_ERR_NOMEM : MSC_ERR_INPUT;
    }
    *out = B->d;
    return MSC_OK;
}

msc_status msc_dataset_load_buffer(const char *buf, size_t len, const char *name,
                                   const msc_load_options *opt, msc_dataset **out, char *err,
                                   size_t errlen)
{
    builder B;
    msc_io_error e;
    *out = NULL;
    int rc = builder_init(&B, &e, name, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    msc_csv_sink sink = {on_header, on_record, &B};
    msc_csv_read_buffer(buf, len, opt->delimiter, &sink, &e);
    return builder_finish(&B, out);
}

msc_status msc_dataset_load(FILE *fp, const char *name, const msc_load_options *opt,
                            msc_dataset **out, char *err, size_t errlen)
{
    builder B;
    msc_io_error e;
    *out = NULL;
    int rc = builder_init(&B, &e, name, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    msc_csv_sink sink = {on_header, on_record, &B};
    msc_csv_read_file(fp, opt->delimiter, &sink, &e);
    return builder_finish(&B, out);
}

void msc_dataset_free(msc_dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->k; i++) {
        free(d->label[i]);
        free(d->group[i]);
    }
    free(d->label);
    free(d->line);
    free(d->group);
    for (size_t j = 0; j < d->n_outcomes; j++) {
        free(d->outcome[j].name);
        free(d->outcome[j].denom);
        free(d->outcome[j].events);
        free(d->outcome[j].n);
    }
    free(d->outcome);
    for (size_t j = 0; j < d->n_kept; j++) {
        for (size_t i = 0; d->kept[j].value && i < d->k; i++)
            free(d->kept[j].value[i]);
        free(d->kept[j].value);
        free(d->kept[j].name);
    }
    free(d->kept);
    free(d->group_col);
    free(d->source);
    msc_warnings_clear(&d->warnings);
    free(d);
}

const msc_kept_column *msc_dataset_kept(const msc_dataset *d, const char *name)
{
    for (size_t j = 0; j < d->n_kept; j++)
        if (strcmp(d->kept[j].name, name) == 0)
            return &d->kept[j];
    return NULL;
}
