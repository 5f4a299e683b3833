/*
 * CSV loader: bytes -> msc_dataset, through libcsv (RFC 4180 quoting).
 *
 * The input is fed to libcsv one physical line at a time, so that every
 * record knows the line it starts on even when a quoted field spans lines;
 * errors then name "file:line". The loader keeps only the columns it needs
 * (label, n, events, per-outcome denominators, subgroup), so memory is O(k)
 * whatever the width of the file. Limits (MSC_MAX_RECORD_BYTES,
 * MSC_MAX_FIELDS) stop hostile input with a clear message instead of
 * unbounded allocation.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "msc_core.h"

const char *const msc_default_events[] = {"responders", "adverse_events",
                                          "serious_adverse_events", "events"};
const size_t msc_n_default_events = 4;

void msc_load_options_default(msc_load_options *o)
{
    memset(o, 0, sizeof *o);
    o->study_col = "study";
    o->n_col = "n";
    o->default_events = msc_default_events;
    o->n_default_events = msc_n_default_events;
}

/* A growable byte buffer, reused across records for the fields we keep. */
typedef struct {
    char *s;
    size_t len, cap;
    int set; /* the field was present in this record */
} fbuf;

static int fbuf_set(fbuf *b, const char *s, size_t len)
{
    if (len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < len + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s, s, len);
    b->s[len] = '\0';
    b->len = len;
    b->set = 1;
    return 0;
}

/* Slots: the columns the loader keeps. */
enum { SLOT_STUDY = 0, SLOT_N = 1, SLOT_GROUP = 2, SLOT_FIRST_OUTCOME = 3 };

typedef struct {
    const char *name; /* display name of the input */
    const msc_load_options *opt;
    msc_dataset *d;
    struct csv_parser p;
    char delim;

    long line;     /* physical line being fed (1-based) */
    long rec_line; /* line on which the current record started */
    int between;   /* no byte of a record fed since the last record ended */
    size_t rec_bytes;

    /* header */
    int header_done;
    size_t ncols;
    char **hdr;
    size_t hdr_cap;

    /* current record */
    size_t field;  /* fields seen so far */
    int nonempty;  /* any field with content */
    int *slot_of;  /* per column: slot index or -1 */
    size_t nslots; /* 3 + 2 per outcome */
    fbuf *slot;
    long *col_of_slot;

    size_t cap; /* allocated records */
    int failed;
    int nomem;
    int utf8_warned;
    char *err;
    size_t errlen;
} loader;

static void fail(loader *L, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(loader *L, long line, const char *fmt, ...)
{
    if (L->failed)
        return;
    L->failed = 1;
    int n = line > 0 ? snprintf(L->err, L->errlen, "%s:%ld: ", L->name, line)
                     : snprintf(L->err, L->errlen, "%s: ", L->name);
    if (n < 0 || (size_t)n >= L->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void fail_nomem(loader *L)
{
    fail(L, 0, "out of memory");
    L->nomem = 1;
}

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

/* Parses a count. Returns 1 and sets *v, 0 for a missing value (v = NAN),
 * -1 after reporting an error. Accepted: optional sign, ASCII digits, an
 * optional fraction and exponent, denoting a whole number in [0, 1e15];
 * "12.0" is 12, "-0" is 0. Hex, "inf", "nan" and non-ASCII digits are not
 * numbers here. */
static int parse_count(loader *L, const char *col, const char *s, size_t len, double *v)
{
    trim(&s, &len);
    *v = NAN;
    if (is_missing(s, len))
        return 0;
    char shown[96];
    show_value(s, len, shown, sizeof shown);
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
    if (digits == 0 || i != len) {
        fail(L, L->rec_line, "column \"%s\": \"%s\" is not a number", col, shown);
        return -1;
    }
    char buf[128];
    if (len >= sizeof buf) {
        fail(L, L->rec_line, "column \"%s\": \"%s\" is out of range (counts go up to 1e15)", col,
             shown);
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double x = strtod(buf, NULL);
    if (!isfinite(x) || fabs(x) > MSC_MAX_COUNT) {
        fail(L, L->rec_line, "column \"%s\": \"%s\" is out of range (counts go up to 1e15)", col,
             shown);
        return -1;
    }
    if (x != floor(x)) {
        fail(L, L->rec_line, "column \"%s\": \"%s\" is not a whole number", col, shown);
        return -1;
    }
    if (x < 0) {
        fail(L, L->rec_line, "column \"%s\": \"%s\" is negative; counts must be 0 or more", col,
             shown);
        return -1;
    }
    *v = x + 0.0; /* -0 -> 0 */
    return 1;
}

/* ---------------------------------------------------------------- header */

static long find_col(loader *L, const char *name)
{
    for (size_t i = 0; i < L->ncols; i++)
        if (strcmp(L->hdr[i], name) == 0)
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

static void header_list(loader *L, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < L->ncols && o + 1 < outlen; i++) {
        if (i == 8) {
            snprintf(out + o, outlen - o, ", ... (%zu columns)", L->ncols);
            return;
        }
        char shown[96];
        show_value(L->hdr[i], strlen(L->hdr[i]), shown, sizeof shown);
        int n = snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", shown);
        if (n < 0)
            return;
        o += (size_t)n;
    }
}

static int add_outcome(loader *L, const char *events_col)
{
    msc_dataset *d = L->d;
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
        return -1;
    }
    snprintf(den, dl, "n_%s", events_col);
    if (find_col(L, den) < 0) {
        free(den);
        den = msc_strdup(L->opt->n_col);
        if (!den)
            return -1;
    }
    o[d->n_outcomes].denom = den;
    d->n_outcomes++;
    return 0;
}

static void process_header(loader *L)
{
    const msc_load_options *opt = L->opt;
    char list[512];
    for (size_t i = 0; i < L->ncols; i++) {
        const char *s = L->hdr[i];
        size_t len = strlen(s);
        trim(&s, &len);
        memmove(L->hdr[i], s, len);
        L->hdr[i][len] = '\0';
    }
    /* Duplicate names: sort indices by name, compare neighbours. O(c log c)
     * so that 100,000 columns stay fast. Empty names (trailing commas from
     * spreadsheets) are allowed to repeat: such columns cannot be chosen. */
    named_col *idx = malloc((L->ncols ? L->ncols : 1) * sizeof *idx);
    if (!idx) {
        fail_nomem(L);
        return;
    }
    for (size_t i = 0; i < L->ncols; i++) {
        idx[i].name = L->hdr[i];
        idx[i].col = i;
    }
    qsort(idx, L->ncols, sizeof *idx, cmp_named);
    for (size_t i = 1; i < L->ncols; i++) {
        const char *a = idx[i - 1].name;
        if (a[0] != '\0' && strcmp(a, idx[i].name) == 0) {
            char shown[96];
            show_value(a, strlen(a), shown, sizeof shown);
            size_t c1 = idx[i - 1].col + 1, c2 = idx[i].col + 1;
            free(idx);
            fail(L, L->rec_line,
                 "duplicate column name \"%s\" (columns %zu and %zu); rename one of them", shown,
                 c1, c2);
            return;
        }
    }
    free(idx);

    /* Outcomes: those named, or every default column present. */
    if (opt->n_events_cols > 0) {
        for (size_t j = 0; j < opt->n_events_cols; j++) {
            if (find_col(L, opt->events_cols[j]) < 0) {
                char shown[96];
                show_value(opt->events_cols[j], strlen(opt->events_cols[j]), shown,
                           sizeof shown);
                header_list(L, list, sizeof list);
                fail(L, L->rec_line, "no column \"%s\" (named by --events); the header has: %s",
                     shown, list);
                return;
            }
            if (add_outcome(L, opt->events_cols[j]) < 0) {
                fail_nomem(L);
                return;
            }
        }
    } else {
        for (size_t j = 0; j < opt->n_default_events; j++)
            if (find_col(L, opt->default_events[j]) >= 0 &&
                add_outcome(L, opt->default_events[j]) < 0) {
                fail_nomem(L);
                return;
            }
        if (L->d->n_outcomes == 0) {
            char want[256] = "";
            for (size_t j = 0; j < opt->n_default_events; j++)
                msc_text_append(want, sizeof want, j ? ", " : "", opt->default_events[j]);
            header_list(L, list, sizeof list);
            fail(L, L->rec_line,
                 "no events column: none of %s is in the header (name one with --events); the "
                 "header has: %s",
                 want, list);
            return;
        }
    }

    /* Slots and their columns. */
    L->nslots = SLOT_FIRST_OUTCOME + 2 * L->d->n_outcomes;
    L->slot = calloc(L->nslots, sizeof *L->slot);
    L->col_of_slot = malloc(L->nslots * sizeof *L->col_of_slot);
    L->slot_of = malloc((L->ncols ? L->ncols : 1) * sizeof *L->slot_of);
    if (!L->slot || !L->col_of_slot || !L->slot_of) {
        fail_nomem(L);
        return;
    }
    for (size_t i = 0; i < L->ncols; i++)
        L->slot_of[i] = -1;

    struct {
        const char *col;
        const char *flag;
    } need[3] = {{opt->study_col, "--study"}, {NULL, NULL}, {opt->subgroup_col, "--subgroup"}};
    int n_needed = 0;
    for (size_t j = 0; j < L->d->n_outcomes; j++)
        if (strcmp(L->d->outcome[j].denom, opt->n_col) == 0)
            n_needed = 1;
    if (n_needed) {
        need[SLOT_N].col = opt->n_col;
        need[SLOT_N].flag = "--n";
    }
    for (int s = 0; s < 3; s++) {
        L->col_of_slot[s] = -1;
        if (!need[s].col)
            continue;
        long c = find_col(L, need[s].col);
        if (c < 0) {
            char shown[96];
            show_value(need[s].col, strlen(need[s].col), shown, sizeof shown);
            header_list(L, list, sizeof list);
            fail(L, L->rec_line, "no column \"%s\" (name the column with %s); the header has: %s",
                 shown, need[s].flag, list);
            return;
        }
        L->col_of_slot[s] = c;
    }
    for (size_t j = 0; j < L->d->n_outcomes; j++) {
        L->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j] = find_col(L, L->d->outcome[j].name);
        L->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j + 1] = find_col(L, L->d->outcome[j].denom);
    }
    /* A column may feed several slots (e.g. --study n); the loader keeps the
     * first slot per column and copies at record end. */
    for (size_t s = 0; s < L->nslots; s++) {
        long c = L->col_of_slot[s];
        if (c >= 0 && L->slot_of[c] < 0)
            L->slot_of[c] = (int)s;
    }
    if (opt->subgroup_col) {
        L->d->group_col = msc_strdup(opt->subgroup_col);
        if (!L->d->group_col)
            fail_nomem(L);
    }
}

/* ---------------------------------------------------------------- records */

static const fbuf *slot_value(loader *L, size_t s)
{
    long c = L->col_of_slot[s];
    if (c < 0)
        return NULL;
    return &L->slot[L->slot_of[c]];
}

static int grow(loader *L)
{
    msc_dataset *d = L->d;
    size_t cap = L->cap ? 2 * L->cap : 256;
#define GROW(ptr)                                                                                \
    do {                                                                                         \
        void *q = realloc((ptr), cap * sizeof *(ptr));                                           \
        if (!q)                                                                                  \
            return -1;                                                                           \
        (ptr) = q;                                                                               \
    } while (0)
    GROW(d->label);
    GROW(d->line);
    GROW(d->group);
    for (size_t j = 0; j < d->n_outcomes; j++) {
        GROW(d->outcome[j].events);
        GROW(d->outcome[j].n);
    }
#undef GROW
    L->cap = cap;
    return 0;
}

static void utf8_warning(loader *L, const char *what)
{
    if (L->utf8_warned)
        return;
    L->utf8_warned = 1;
    msc_warnings_add(&L->d->warnings,
                     "%s:%ld: invalid UTF-8 (or NUL bytes) in a %s was replaced by U+FFFD; save "
                     "the file as UTF-8",
                     L->name, L->rec_line, what);
}

static void end_record(loader *L)
{
    msc_dataset *d = L->d;
    if (d->k == L->cap && grow(L) < 0) {
        fail_nomem(L);
        return;
    }
    size_t r = d->k;
    int fixed = 0;

    /* Label: the study column, or "line N" when empty. */
    const fbuf *lab = slot_value(L, SLOT_STUDY);
    const char *ls = lab && lab->set ? lab->s : "";
    size_t ll = lab && lab->set ? lab->len : 0;
    trim(&ls, &ll);
    if (ll == 0) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "line %ld", L->rec_line);
        d->label[r] = msc_strdup(tmp);
    } else {
        d->label[r] = msc_utf8_clean(ls, ll, &fixed);
        if (fixed)
            utf8_warning(L, "study label");
    }
    if (!d->label[r]) {
        fail_nomem(L);
        return;
    }
    d->line[r] = L->rec_line;
    d->group[r] = NULL;
    for (size_t j = 0; j < d->n_outcomes; j++)
        d->outcome[j].events[r] = d->outcome[j].n[r] = NAN;
    d->k++; /* from here on, free() sees the row */

    const fbuf *g = slot_value(L, SLOT_GROUP);
    if (g && g->set) {
        const char *gs = g->s;
        size_t gl = g->len;
        trim(&gs, &gl);
        if (!is_missing(gs, gl)) {
            d->group[r] = msc_utf8_clean(gs, gl, &fixed);
            if (!d->group[r]) {
                fail_nomem(L);
                return;
            }
            if (fixed)
                utf8_warning(L, "subgroup value");
        }
    }

    for (size_t j = 0; j < d->n_outcomes; j++) {
        msc_outcome_data *o = &d->outcome[j];
        const fbuf *ev = slot_value(L, SLOT_FIRST_OUTCOME + 2 * j);
        const fbuf *nn = slot_value(L, SLOT_FIRST_OUTCOME + 2 * j + 1);
        double x, n;
        if (parse_count(L, o->denom, nn->s, nn->len, &n) < 0 ||
            parse_count(L, o->name, ev->s, ev->len, &x) < 0)
            return;
        if (n == 0.0) {
            fail(L, L->rec_line, "column \"%s\": n is 0; every study needs at least 1 patient",
                 o->denom);
            return;
        }
        if (!isnan(x) && !isnan(n) && x > n) {
            fail(L, L->rec_line, "column \"%s\": %.0f events but only %.0f patients in \"%s\"",
                 o->name, x, n, o->denom);
            return;
        }
        o->events[r] = x;
        o->n[r] = n;
    }
}

static void cb_field(void *s, size_t len, void *data)
{
    loader *L = data;
    if (L->failed)
        return;
    const char *f = s;
    if (!L->header_done) {
        if (L->ncols >= MSC_MAX_FIELDS) {
            fail(L, L->rec_line, "the header has more than %u columns (the limit)",
                 MSC_MAX_FIELDS);
            return;
        }
        if (L->ncols == L->hdr_cap) {
            size_t cap = L->hdr_cap ? 2 * L->hdr_cap : 16;
            char **h = realloc(L->hdr, cap * sizeof *h);
            if (!h) {
                fail_nomem(L);
                return;
            }
            L->hdr = h;
            L->hdr_cap = cap;
        }
        int fixed = 0;
        char *name = msc_utf8_clean(f, len, &fixed);
        if (!name) {
            fail_nomem(L);
            return;
        }
        L->hdr[L->ncols++] = name;
        if (fixed)
            utf8_warning(L, "column name");
        return;
    }
    size_t i = L->field++;
    if (len > 0)
        L->nonempty = 1;
    if (i < L->ncols && L->slot_of[i] >= 0 && fbuf_set(&L->slot[L->slot_of[i]], f, len) < 0)
        fail_nomem(L);
}

static void cb_row(int c, void *data)
{
    (void)c;
    loader *L = data;
    if (L->failed)
        return;
    L->between = 1;
    if (!L->header_done) {
        L->header_done = 1;
        process_header(L);
        return;
    }
    size_t nf = L->field;
    L->field = 0;
    if (!L->nonempty) {
        for (size_t s = 0; s < L->nslots; s++)
            L->slot[s].set = 0;
        return; /* a row of empty cells (",,,,"): spreadsheets leave these; skip */
    }
    L->nonempty = 0;
    if (nf != L->ncols) {
        fail(L, L->rec_line, "this row has %zu fields but the header has %zu%s", nf, L->ncols,
             nf > L->ncols ? " (an unquoted comma in a label? quote the label)" : "");
        return;
    }
    end_record(L);
    for (size_t s = 0; s < L->nslots; s++)
        L->slot[s].set = 0;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* The first CR or LF in [p, end), or NULL. */
static const char *line_break(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '\n' || *p == '\r')
            return p;
    return NULL;
}

/* Feeds bytes to libcsv a physical line at a time (see the file comment).
 * Pieces end at every CR and LF, not only at `eol`: libcsv ends a record at
 * a lone CR too, and the record after it must start a new piece to get its
 * own line number. Only `eol` counts lines. */
static void feed(loader *L, const char *buf, size_t len, char eol)
{
    const char *p = buf, *end = buf + len;
    while (p < end && !L->failed) {
        const char *nl = line_break(p, end);
        const char *seg_end = nl ? nl + 1 : end;
        size_t seg = (size_t)(seg_end - p);
        if (L->between) {
            L->rec_bytes = 0;
            if (!blank(p, seg)) {
                L->rec_line = L->line;
                L->between = 0;
            }
        }
        L->rec_bytes += seg;
        if (L->rec_bytes > MSC_MAX_RECORD_BYTES) {
            fail(L, L->rec_line, "a record longer than %u MiB (the limit); is this a CSV file?",
                 MSC_MAX_RECORD_BYTES / (1024u * 1024u));
            return;
        }
        /* libcsv grows a field's buffer by a fixed block (128 bytes), which
         * makes a long field cost O(n^2) in copying: set the block to the
         * buffer's size before each piece of at most 64 KiB, so the buffer
         * at least doubles each time it grows. */
        for (size_t off = 0, piece; off < seg && !L->failed; off += piece) {
            piece = seg - off < 65536 ? seg - off : 65536;
            size_t bs = csv_get_buffer_size(&L->p);
            csv_set_blk_size(&L->p, bs > 128 ? bs : 128);
            if (csv_parse(&L->p, p + off, piece, cb_field, cb_row, L) != piece && !L->failed) {
                if (csv_error(&L->p) == CSV_ENOMEM)
                    fail_nomem(L);
                else
                    fail(L, L->line,
                         "malformed quoting: a quote inside an unquoted field, or text after a "
                         "closing quote (double a quote inside a quoted field: \"\")");
                return;
            }
        }
        if (nl && *nl == eol)
            L->line++;
        p = seg_end;
    }
}

/* The delimiter: as given, else ';' (or a tab) when the header line has no
 * comma but has one, as European spreadsheets export. */
static char detect_delim(const char *buf, size_t len, char given)
{
    if (given)
        return given;
    const char *nl = memchr(buf, '\n', len);
    size_t l = nl ? (size_t)(nl - buf) : len;
    if (memchr(buf, ',', l))
        return ',';
    if (memchr(buf, ';', l))
        return ';';
    if (memchr(buf, '\t', l))
        return '\t';
    return ',';
}

static int setup(loader *L, const char *name, const msc_load_options *opt, char *err,
                 size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->name = name;
    L->opt = opt;
    L->err = err;
    L->errlen = errlen;
    L->line = 1;
    L->rec_line = 1;
    L->between = 1;
    L->d = calloc(1, sizeof *L->d);
    if (!L->d || !(L->d->source = msc_strdup(name))) {
        snprintf(err, errlen, "%s: out of memory", name);
        free(L->d);
        return MSC_ERR_NOMEM;
    }
    if (csv_init(&L->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        snprintf(err, errlen, "%s: out of memory", name);
        msc_dataset_free(L->d);
        return MSC_ERR_NOMEM;
    }
    return MSC_OK;
}

static int finish(loader *L, msc_dataset **out)
{
    if (!L->failed) {
        if (csv_fini(&L->p, cb_field, cb_row, L) != 0 && !L->failed) {
            if (csv_error(&L->p) == CSV_EPARSE)
                fail(L, L->rec_line,
                     "a quoted field opened on this line is never closed (unterminated quote)");
            else
                fail_nomem(L);
        }
    }
    if (!L->failed) {
        if (!L->header_done)
            fail(L, 0, "the file is empty; it needs a header row and one row per study");
        else if (L->d->k == 0)
            fail(L, 0, "no data rows after the header; add one row per study");
    }
    csv_free(&L->p);
    for (size_t i = 0; i < L->ncols; i++)
        free(L->hdr[i]);
    free(L->hdr);
    for (size_t s = 0; s < L->nslots; s++)
        free(L->slot[s].s);
    free(L->slot);
    free(L->slot_of);
    free(L->col_of_slot);
    if (L->failed) {
        msc_dataset_free(L->d);
        *out = NULL;
        return L->nomem ? MSC_ERR_NOMEM : MSC_ERR_INPUT;
    }
    *out = L->d;
    return MSC_OK;
}

static const char *skip_bom(const char *buf, size_t *len)
{
    if (*len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        *len -= 3;
        return buf + 3;
    }
    return buf;
}

/* UTF-16 text (Excel's "Unicode Text" export) starts with its byte order
 * mark: say what it is instead of reporting a header of U+FFFD. */
static void refuse_utf16(loader *L, const char *buf, size_t len)
{
    if (len >= 2 && ((buf[0] == '\xFF' && buf[1] == '\xFE') ||
                     (buf[0] == '\xFE' && buf[1] == '\xFF')))
        fail(L, 1, "the file is UTF-16 text; save it as UTF-8 (Excel: \"CSV UTF-8\")");
}

/* Lone CRs (old Mac exports) end lines when the text has no LF at all. */
static char line_end(const char *buf, size_t len)
{
    if (memchr(buf, '\n', len))
        return '\n';
    return memchr(buf, '\r', len) ? '\r' : '\n';
}

/* Reads the start of the input (at least the header line): skips a UTF-8
 * byte order mark (moving *buf and *len past it), refuses UTF-16, sets
 * the delimiter (given, or detected from the header). Returns the line
 * end. */
static char start_input(loader *L, const char **buf, size_t *len, char delimiter)
{
    *buf = skip_bom(*buf, len);
    refuse_utf16(L, *buf, *len);
    L->delim = detect_delim(*buf, *len, delimiter);
    csv_set_delim(&L->p, (unsigned char)L->delim);
    return line_end(*buf, *len);
}

msc_status msc_dataset_load_buffer(const char *buf, size_t len, const char *name,
                            const msc_load_options *opt, msc_dataset **out, char *err,
                            size_t errlen)
{
    loader L;
    *out = NULL;
    int rc = setup(&L, name, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    char eol = start_input(&L, &buf, &len, opt->delimiter);
    feed(&L, buf, len, eol);
    return finish(&L, out);
}

#define CHUNK 65536

msc_status msc_dataset_load(FILE *fp, const char *name, const msc_load_options *opt, msc_dataset **out,
                     char *err, size_t errlen)
{
    loader L;
    *out = NULL;
    int rc = setup(&L, name, opt, err, errlen);
    if (rc != MSC_OK)
        return rc;
    /* The first chunk must hold the header line, to detect the delimiter. */
    size_t cap = CHUNK, len = 0;
    char *buf = malloc(cap);
    int first = 1;
    char eol = '\n';
    if (!buf) {
        fail_nomem(&L);
        return finish(&L, out);
    }
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (ferror(fp)) {
            fail(&L, 0, "cannot read: %s", strerror(errno ? errno : EIO));
            break;
        }
        int eof = feof(fp);
        if (first) {
            if (!eof && !memchr(buf, '\n', len) && !memchr(buf, '\r', len) &&
                len < MSC_MAX_RECORD_BYTES) {
                if (len == cap) {
                    char *nb = realloc(buf, cap * 2);
                    if (!nb) {
                        fail_nomem(&L);
                        break;
                    }
                    buf = nb;
                    cap *= 2;
                }
                continue; /* keep reading until the header line is complete */
            }
            first = 0;
            size_t l = len;
            const char *b = buf;
            eol = start_input(&L, &b, &l, opt->delimiter);
            feed(&L, b, l, eol);
        } else {
            feed(&L, buf, len, eol);
        }
        len = 0;
        if (eof || L.failed)
            break;
    }
    free(buf);
    return finish(&L, out);
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
    free(d->group_col);
    free(d->source);
    msc_warnings_clear(&d->warnings);
    free(d);
}
