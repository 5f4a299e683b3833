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
#include <stdint.h>
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
    msc_io_arena *text; /* where d's strings live (msc_io_dataset) */
    long line; /* line on which the header or record being built starts */

    /* the header, while it is mapped: trimmed names, valid UTF-8 */
    char **hdr;
    size_t ncols;

    size_t nslots;     /* 3 + 2 per outcome */
    long *col_of_slot; /* per slot: its column, or -1 */
    long *col_of_kept; /* per kept column: its column */
    size_t cap;        /* allocated records */
    int utf8_warned;
    msc_encoding enc; /* the text's encoding: opt->encoding, or what AUTO chose (AUTO: not yet) */
    char delimiter; /* the file's field separator */
    const char **na; /* the missing-value tokens (na_tokens) */
    size_t n_na;
    char *na_buf;        /* opt->na, split */
    const char **na_own; /* ... and its tokens */
    int plain_counts;    /* counts of plain digits take parse_count's strict path */
    int quiet;           /* match_col: an ambiguous name is -1, unreported */
    long col_n;          /* the n column, for empty n_<outcome> cells; -1 */
    size_t *fb_count;    /* per outcome: studies whose n_<outcome> fell back to n */
    char (*fb_lines)[64]; /* ... and their first lines, "3, 5" */
    const char **bad;     /* the columns with a problem in the current record */
    size_t n_bad;         /* ... (a cell read for two outcomes is reported once) */
} builder;

/* A value quoted for an error message: at most 40 bytes of it, control
 * characters and bytes that are not UTF-8 escaped, so that a hostile cell
 * keeps the message on one line and valid UTF-8. It is cut only between
 * characters: a cut inside a multi-byte character would leave invalid
 * UTF-8 in the message (found by fuzz_load and fuzz_pipeline). */
static void show_value(const char *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char *c = (const unsigned char *)s + i;
        size_t n = msc_utf8_seq(c, len - i);
        if (i >= 40 || o + 8 >= outlen) { /* 8: room for a character or "..." */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (n == 0 || (n == 1 && (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\'))) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", *c);
            i++;
        } else {
            memcpy(out + o, c, n);
            o += n;
            i += n;
        }
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

/* The cells that mean "not reported" (msc_load_options.na): extraction
 * sheets write NR, n/a, #N/A or a dash. */
static const char *const NA_DEFAULT[] = {"NA", "N/A", "n/a", "NR", ".", "#N/A", "-",
                                         "\xe2\x80\x93" /* en dash */};

/* Whether the trimmed cell s[0..len) is missing: empty, or one of the
 * builder's missing-value tokens (exactly, case included). With the
 * default tokens, a file that is or may be Windows-1252 writes the en dash
 * as the one byte 0x96 (CP1252.TXT), which is not UTF-8 on its own. */
static int is_missing(const builder *B, const char *s, size_t len)
{
    if (len == 0)
        return 1;
    if (len == 1 && (unsigned char)s[0] == 0x96 && !B->opt->na &&
        (B->enc == MSC_ENCODING_AUTO || B->enc == MSC_ENCODING_CP1252))
        return 1;
    for (size_t i = 0; i < B->n_na; i++)
        if (B->na[i][0] == s[0] && strlen(B->na[i]) == len && memcmp(B->na[i], s, len) == 0)
            return 1;
    return 0;
}

/* The missing-value tokens: opt->na split at commas (each trimmed; an
 * empty one is dropped), or NA_DEFAULT. Returns 0, or -1 out of memory. */
static int na_tokens(builder *B)
{
    const char *list = B->opt->na;
    if (!list) {
        B->na = (const char **)NA_DEFAULT;
        B->n_na = sizeof NA_DEFAULT / sizeof *NA_DEFAULT;
        return 0;
    }
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    B->na_buf = msc_strdup(list);
    B->na_own = malloc(n * sizeof *B->na_own);
    if (!B->na_buf || !B->na_own)
        return -1;
    for (char *p = B->na_buf, *q;; p = q + 1) {
        q = strchr(p, ',');
        if (q)
            *q = '\0';
        const char *t = p;
        size_t len = strlen(t);
        trim(&t, &len);
        ((char *)t)[len] = '\0';
        if (len)
            B->na_own[B->n_na++] = t;
        if (!q)
            break;
    }
    B->na = B->na_own;
    return 0;
}

/* Whether a count of plain digits can skip the full grammar of
 * parse_count: no missing-value token is all digits, and the thousands
 * separator is not a digit. */
static int plain_counts(const builder *B)
{
    char sep = B->opt->thousands;
    if (sep >= '0' && sep <= '9')
        return 0;
    for (size_t i = 0; i < B->n_na; i++) {
        const char *t = B->na[i];
        while (*t >= '0' && *t <= '9')
            t++;
        if (*t == '\0')
            return 0;
    }
    return 1;
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

/* Whether s[0..len) is digits grouped by three with separator sep, after
 * an optional sign: 1.000, 12.500.000 (at least one separator). */
static int grouped(const char *s, size_t len, char sep)
{
    size_t i = len > 0 && (s[0] == '+' || s[0] == '-');
    size_t lead = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && lead < 4) {
        i++;
        lead++;
    }
    if (lead < 1 || lead > 3 || i == len)
        return 0;
    while (i < len) {
        if (s[i] != sep || len - i < 4)
            return 0;
        for (size_t j = 1; j <= 3; j++)
            if (s[i + j] < '0' || s[i + j] > '9')
                return 0;
        i += 4;
    }
    return 1;
}

/* s[0..len) without the thousands separators, into buf (len < size). */
static size_t ungroup(const char *s, size_t len, char sep, char *buf)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != sep)
            buf[o++] = s[i];
    buf[o] = '\0';
    return o;
}

/* Whether the current record's cell of column `col` has no problem
 * reported yet; then it is marked as having one. */
static int first_problem(builder *B, const char *col)
{
    for (size_t i = 0; i < B->n_bad; i++)
        if (strcmp(B->bad[i], col) == 0)
            return 0;
    B->bad[B->n_bad++] = col; /* map_slots: room for every column a record reads */
    return 1;
}

/* A bad cell: reported once per cell (msc_io_problem), and the load goes
 * on so that one run lists them all. */
#define CELL_PROBLEM(B, col, ...)                                                                  \
    do {                                                                                           \
        if (first_problem((B), (col)))                                                             \
            msc_io_problem((B)->e, (B)->line, __VA_ARGS__);                                        \
    } while (0)

/* Reports the count cell s[0..len) of column col, once per cell
 * (CELL_PROBLEM): "column "COL": "CELL" WHY", the cell shown by show_value
 * (built only here, when there is a problem). Returns -1. */
static int bad_count(builder *B, const char *col, const char *s, size_t len, const char *why)
{
    char shown[96];
    show_value(s, len, shown, sizeof shown);
    CELL_PROBLEM(B, col, "column \"%s\": \"%s\" %s", col, shown, why);
    return -1;
}

/* Parses a count. Returns 1 and sets *v, 0 for a missing value (v = NAN),
 * -1 after reporting a problem. Accepted: optional sign, ASCII digits, an
 * optional fraction and exponent, denoting a whole number in [0, 1e15];
 * "12.0" is 12, "-0" is 0. Hex, "inf", "nan" and non-ASCII digits are not
 * numbers here. With a thousands separator (msc_load_options.thousands),
 * digits grouped by it are one number; without one, 1.000 in a ';'- or
 * tab-separated file is refused: it may be a European 1000. */
static int parse_count(builder *B, const char *col, const char *s, size_t len, double *v)
{
    trim(&s, &len);
    if (B->plain_counts && len - 1 < 15) {
        /* The strict path: 1 to 15 ASCII digits are a count below 1e15,
         * summed exactly (below 2^53) as strtod would round it. */
        double x = 0.0;
        size_t i = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            x = 10.0 * x + (s[i] - '0');
        if (i == len) {
            *v = x;
            return 1;
        }
    }
    *v = NAN;
    if (is_missing(B, s, len))
        return 0;
    const char *cell = s; /* as written, for the messages */
    size_t cell_len = len;
    char plain[32];
    char sep = B->opt->thousands;
    if (sep && len < sizeof plain && grouped(s, len, sep)) {
        len = ungroup(s, len, sep, plain);
        s = plain;
    } else if (!sep && (B->delimiter == ';' || B->delimiter == '\t') && grouped(s, len, '.')) {
        return bad_count(B, col, cell, cell_len,
                         B->delimiter == ';'
                             ? "is ambiguous in a ';'-separated file: '.' may separate thousands; "
                               "remove the separators, or give --thousands ."
                             : "is ambiguous in a tab-separated file: '.' may separate thousands; "
                               "remove the separators, or give --thousands .");
    }
    if (!number_syntax(s, len) || (sep && memchr(s, sep, len)))
        return bad_count(B, col, cell, cell_len, "is not a number");
    char buf[128];
    if (len >= sizeof buf)
        return bad_count(B, col, cell, cell_len, "is out of range (counts go up to 1e15)");
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double x = strtod(buf, NULL);
    if (!isfinite(x) || fabs(x) > MSC_MAX_COUNT)
        return bad_count(B, col, cell, cell_len, "is out of range (counts go up to 1e15)");
    if (x != floor(x))
        return bad_count(B, col, cell, cell_len, "is not a whole number");
    if (x < 0)
        return bad_count(B, col, cell, cell_len, "is negative; counts must be 0 or more");
    *v = x + 0.0; /* -0 -> 0 */
    return 1;
}

/* Invalid UTF-8 (or, read as Windows-1252, an undefined byte) in a column
 * name, label or subgroup value was replaced: say so once per file, at the
 * first place it happened. */
static void utf8_warning(builder *B, const char *what)
{
    if (B->utf8_warned)
        return;
    B->utf8_warned = 1;
    msc_status st =
        B->enc == MSC_ENCODING_CP1252
            ? msc_warnings_add(&B->d->warnings,
                               "%s:%ld: a byte Windows-1252 leaves undefined (or a NUL byte) "
                               "in a %s was replaced by U+FFFD; save the file as UTF-8",
                               B->e->name, B->line, what)
            : msc_warnings_add(&B->d->warnings,
                               "%s:%ld: invalid UTF-8 (or NUL bytes) in a %s was replaced by "
                               "U+FFFD; save the file as UTF-8",
                               B->e->name, B->line, what);
    if (st != MSC_OK)
        msc_io_fail_nomem(B->e); /* a data set must not lose its warning */
}

/* Text cell s[0..len) (a column name, label, subgroup or kept cell: `what`)
 * as a NUL-terminated UTF-8 copy in the data set's arena, NULL out of
 * memory. With
 * MSC_ENCODING_AUTO the file is UTF-8 until a cell is not: if that first
 * invalid cell reads as Windows-1252, the file is taken to be Windows-1252
 * from there on (one warning says so), else it stays UTF-8 with U+FFFD.
 * Cells before it were valid UTF-8, so nothing read earlier changes. In a
 * file taken to be Windows-1252, cells that are valid UTF-8 stay as they
 * are (a file of mixed UTF-8 and Windows-1252 cells reads right) and only
 * the others are converted. One pass over the bytes of each cell. */
static char *text_cell(builder *B, const char *s, size_t len, const char *what)
{
    /* ASCII without NULs reads the same in every encoding: copied as is */
    size_t i = 0;
    while (i < len && (unsigned char)s[i] - 1u < 0x7fu)
        i++;
    if (i == len)
        return msc_io_arena_copy(B->text, s, len);
    int fixed = 0;
    char *t;
    if (B->enc == MSC_ENCODING_LATIN1 ||
        (B->enc == MSC_ENCODING_CP1252 && B->opt->encoding == MSC_ENCODING_CP1252)) {
        t = msc_single_byte_decode(s, len, B->enc == MSC_ENCODING_LATIN1, &fixed);
    } else {
        t = msc_utf8_clean(s, len, &fixed);
        if (t && fixed && B->enc == MSC_ENCODING_AUTO) {
            B->enc = msc_cp1252_decodes(s, len) ? MSC_ENCODING_CP1252 : MSC_ENCODING_UTF8;
            if (B->enc == MSC_ENCODING_CP1252 &&
                msc_warnings_add(&B->d->warnings,
                                 "%s:%ld: not UTF-8; read as Windows-1252 (cp1252): give "
                                 "--encoding utf-8 to read it as UTF-8 instead",
                                 B->e->name, B->line) != MSC_OK) {
                free(t);
                msc_io_fail_nomem(B->e);
                return NULL;
            }
        }
        if (t && fixed && B->enc == MSC_ENCODING_CP1252) {
            free(t);
            t = msc_single_byte_decode(s, len, 0, &fixed);
        }
    }
    if (t && fixed)
        utf8_warning(B, what);
    if (!t)
        return NULL;
    char *kept = msc_io_arena_copy(B->text, t, strlen(t));
    free(t);
    return kept;
}

/* ---------------------------------------------------------------- header */

/* Header names other spellings of a column stand for, tried in order when
 * the header has no column of the name itself (README, Input). */
static const char *const STUDY_ALIASES[] = {"author", "study_id", NULL};
static const char *const N_ALIASES[] = {"total", "sample_size", NULL};

/* Whether a and b are equal ignoring ASCII case (names are trimmed). */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* The column of `name`: the header name equal to it, else the one equal
 * to it ignoring ASCII case. -1 when there is none; -2 when two names are
 * equal to it ignoring case and neither exactly (reported, naming both). */
static long match_col(builder *B, const char *name)
{
    long found = -1;
    for (size_t i = 0; i < B->ncols; i++)
        if (strcmp(B->hdr[i], name) == 0)
            return (long)i;
    for (size_t i = 0; i < B->ncols; i++) {
        if (!same_name(B->hdr[i], name))
            continue;
        if (found >= 0 && B->quiet)
            return -1;
        if (found >= 0) {
            char a[96], b[96], n[96];
            show_value(B->hdr[found], strlen(B->hdr[found]), a, sizeof a);
            show_value(B->hdr[i], strlen(B->hdr[i]), b, sizeof b);
            show_value(name, strlen(name), n, sizeof n);
            msc_io_fail(B->e, B->line,
                        "column \"%s\" is ambiguous: the header has \"%s\" (column %ld) and "
                        "\"%s\" (column %zu); rename one of them",
                        n, a, found + 1, b, i + 1);
            return -2;
        }
        found = (long)i;
    }
    return found;
}

/* The column of `name` (match_col), or for the study and n columns by
 * default, of their aliases: study: author, study_id; n: total,
 * sample_size (N matches n, ignoring case). */
static long find_col(builder *B, const char *name)
{
    long c = match_col(B, name);
    if (c != -1)
        return c;
    const char *const *alias = NULL;
    if (strcmp(name, "study") == 0 && strcmp(B->opt->study_col, "study") == 0)
        alias = STUDY_ALIASES;
    else if (strcmp(name, "n") == 0 && strcmp(B->opt->n_col, "n") == 0)
        alias = N_ALIASES;
    for (; alias && *alias && c == -1; alias++)
        c = match_col(B, *alias);
    return c;
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

/* Levenshtein distance of a and b ignoring ASCII case (names up to 63
 * bytes; longer ones count as far). */
static size_t name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[lb];
}

/* A hint for a missing column `name` chosen with `flag`: "; use --n
 * Patients", naming the header name nearest to it (at most a third of its
 * letters apart, at least 1), else the only named column that no other
 * slot reads; "" when there is no such column. */
static void suggest(const builder *B, const char *name, const char *flag, char *out, size_t outlen)
{
    long best = -1, alone = -1;
    size_t bestd = strlen(name) / 3 > 1 ? strlen(name) / 3 : 1, unused = 0;
    out[0] = '\0';
    for (size_t i = 0; i < B->ncols; i++) {
        int used = B->hdr[i][0] == '\0';
        for (size_t s = 0; s < B->nslots && !used; s++)
            used = B->col_of_slot[s] == (long)i;
        if (used)
            continue;
        unused++;
        alone = (long)i;
        size_t d = name_distance(name, B->hdr[i]);
        if (d <= bestd && (best < 0 || d < bestd)) {
            best = (long)i;
            bestd = d;
        }
    }
    if (best < 0 && unused == 1)
        best = alone;
    if (best < 0 || !flag)
        return;
    char shown[96];
    show_value(B->hdr[best], strlen(B->hdr[best]), shown, sizeof shown);
    int quote = strpbrk(shown, " ;,'") != NULL;
    snprintf(out, outlen, "; use %s %s%s%s", flag, quote ? "\"" : "", shown, quote ? "\"" : "");
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
        char *name = text_cell(B, r->field[i], r->len[i], "column name");
        if (!name) {
            msc_io_fail_nomem(B->e);
            return -1;
        }
        B->hdr[B->ncols++] = name;
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
            char shown[96], hint[160];
            show_value(opt->events_cols[j], strlen(opt->events_cols[j]), shown, sizeof shown);
            header_list(B, list, sizeof list);
            suggest(B, opt->events_cols[j], "--events", hint, sizeof hint);
            msc_io_fail(B->e, B->line,
                        "no column \"%s\" (named by --events); the header has: %s%s", shown, list,
                        hint);
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
        if (!need[s].col)
            continue;
        long c = find_col(B, need[s].col);
        if (c < 0) {
            char shown[96], list[512], hint[160];
            show_value(need[s].col, strlen(need[s].col), shown, sizeof shown);
            header_list(B, list, sizeof list);
            suggest(B, need[s].col, need[s].flag, hint, sizeof hint);
            msc_io_fail(B->e, B->line,
                        "no column \"%s\" (name the column with %s); the header has: %s%s", shown,
                        need[s].flag, list, hint);
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
    /* the outcomes first, so that a missing fixed column's hint knows them */
    for (size_t s = 0; s < B->nslots; s++)
        B->col_of_slot[s] = -1;
    for (size_t j = 0; j < B->d->n_outcomes; j++) {
        B->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j] = find_col(B, B->d->outcome[j].name);
        B->col_of_slot[SLOT_FIRST_OUTCOME + 2 * j + 1] = find_col(B, B->d->outcome[j].denom);
    }
    /* an empty n_<outcome> cell takes the n column's value, when there is one */
    B->col_n = -1;
    B->fb_count = calloc(B->d->n_outcomes ? B->d->n_outcomes : 1, sizeof *B->fb_count);
    B->fb_lines = calloc(B->d->n_outcomes ? B->d->n_outcomes : 1, sizeof *B->fb_lines);
    B->bad = malloc((B->nslots + 1) * sizeof *B->bad); /* the slots' columns and n */
    if (!B->fb_count || !B->fb_lines || !B->bad) {
        msc_io_fail_nomem(B->e);
        return -1;
    }
    for (size_t j = 0; j < B->d->n_outcomes; j++)
        if (strcmp(B->d->outcome[j].denom, B->opt->n_col) != 0) {
            B->quiet = 1;
            B->col_n = find_col(B, B->opt->n_col);
            B->quiet = 0;
            break;
        }
    return B->e->failed ? -1 : map_fixed_slots(B);
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
    B->delimiter = r->delimiter;
    if (read_names(B, r) < 0 || check_duplicates(B) < 0)
        return;
    if ((opt->n_events_cols > 0 ? named_outcomes(B) : default_outcomes(B)) < 0 || B->e->failed)
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
    if (d->group_col) /* without a subgroup column there is no array (8 bytes a study) */
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
        int n = snprintf(tmp, sizeof tmp, "line %ld", B->line);
        return msc_io_arena_copy(B->text, tmp, (size_t)n);
    }
    return text_cell(B, ls, ll, "study label");
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
    if (is_missing(B, gs, gl))
        return 0;
    B->d->group[row] = text_cell(B, gs, gl, "subgroup value");
    return B->d->group[row] ? 0 : -1;
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
        if (is_missing(B, v, len))
            continue;
        if (!(*out = text_cell(B, v, len, "cell")))
            return -1;
    }
    return 0;
}

/* Record r's events and n per outcome. Every bad cell is reported
 * (msc_io_problem); an outcome with one keeps NAN. */
static void set_counts(builder *B, const msc_csv_record *r, size_t row)
{
    for (size_t j = 0; j < B->d->n_outcomes; j++) {
        msc_outcome_data *o = &B->d->outcome[j];
        size_t el = 0, nl = 0;
        const char *ev = slot_value(B, r, SLOT_FIRST_OUTCOME + 2 * j, &el);
        const char *nn = slot_value(B, r, SLOT_FIRST_OUTCOME + 2 * j + 1, &nl);
        double x, n;
        int rn = parse_count(B, o->denom, nn, nl, &n), rx = parse_count(B, o->name, ev, el, &x);
        if (rn < 0 || rx < 0)
            continue;
        const char *den = o->denom;
        if (isnan(n) && B->col_n >= 0 && strcmp(o->denom, B->opt->n_col) != 0) {
            /* an empty n_<outcome>: the study's n, with a warning (builder_finish) */
            den = B->opt->n_col;
            if (parse_count(B, den, r->field[B->col_n], r->len[B->col_n], &n) < 0)
                continue;
            if (!isnan(n)) {
                char l[24];
                snprintf(l, sizeof l, "%ld", B->line);
                if (B->fb_count[j]++ < 5)
                    msc_text_append(B->fb_lines[j], sizeof B->fb_lines[j],
                                    B->fb_count[j] > 1 ? ", " : "", l);
            }
        }
        if (n == 0.0) {
            CELL_PROBLEM(B, den, "column \"%s\": n is 0; every study needs at least 1 patient",
                         den);
            continue;
        }
        if (!isnan(x) && !isnan(n) && x > n) {
            CELL_PROBLEM(B, o->name, "column \"%s\": %.0f events but only %.0f patients in \"%s\"",
                         o->name, x, n, den);
            continue;
        }
        o->events[row] = x;
        o->n[row] = n;
    }
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
    if (d->group)
        d->group[row] = NULL;
    for (size_t j = 0; j < d->n_outcomes; j++)
        d->outcome[j].events[row] = d->outcome[j].n[row] = NAN;
    for (size_t j = 0; j < d->n_kept; j++)
        d->kept[j].value[row] = NULL;
    d->k++; /* from here on, free() sees the row */
    B->n_bad = 0;
    if (set_group(B, r, row) < 0 || set_kept(B, r, row) < 0) {
        msc_io_fail_nomem(B->e);
        return;
    }
    set_counts(B, r, row);
    /* the caller's progress indicator (msc_load_options.progress) */
    if (B->opt->progress && d->k % MSC_LOAD_PROGRESS_EVERY == 0)
        B->opt->progress(B->opt->progress_ctx, d->k);
}

/* ------------------------------------------------------------------- API */

static int builder_init(builder *B, msc_io_error *e, const char *name, const msc_load_options *opt,
                        char *err, size_t errlen)
{
    memset(B, 0, sizeof *B);
    if ((unsigned)opt->encoding > MSC_ENCODING_LATIN1) { /* the caller may not be our CLI */
        snprintf(err, errlen, "%s: unknown encoding %d in msc_load_options", name,
                 (int)opt->encoding);
        return MSC_ERR_USAGE;
    }
    *e = (msc_io_error){.name = name, .err = err, .errlen = errlen};
    B->e = e;
    B->opt = opt;
    B->enc = opt->encoding;
    msc_io_dataset *x = calloc(1, sizeof *x);
    B->d = x ? &x->d : NULL;
    B->text = x ? &x->text : NULL;
    if (!B->d || !(B->d->source = msc_strdup(name)) || na_tokens(B) < 0) {
        free(B->na_buf);
        free(B->na_own);
        if (B->d)
            free(B->d->source);
        snprintf(err, errlen, "%s: out of memory", name);
        free(B->d);
        return MSC_ERR_NOMEM;
    }
    B->plain_counts = plain_counts(B);
    return MSC_OK;
}

/* ------------------------------------------------- reviewer warnings */

#define MAX_LISTED 10 /* warnings of one kind before "and N more" */

typedef struct {
    const char *s;
    long line;
} labelled;

/* ASCII case-insensitive order, then byte order, then line. */
static int cmp_fold(const void *a, const void *b)
{
    const labelled *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->s, *q = (const unsigned char *)y->s;
    for (; *p && tolower(*p) == tolower(*q); p++, q++)
        ;
    int c = tolower(*p) - tolower(*q);
    if (!c)
        c = strcmp(x->s, y->s);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int folded_equal(const char *a, const char *b)
{
    for (; *a && tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++)
        ;
    return tolower((unsigned char)*a) == tolower((unsigned char)*b);
}

/* Whether s holds an ASCII letter: only such values can differ from
 * another in case alone. */
static int has_letter(const char *s)
{
    for (; *s; s++)
        if (isalpha((unsigned char)*s) && (unsigned char)*s < 0x80)
            return 1;
    return 0;
}

/* Sorts the n values of v (NULL ones left out, and with letters_only
 * those without an ASCII letter) by cmp_fold; returns how many there are,
 * or (size_t)-1 out of memory. */
static size_t sorted_values(char *const *v, const long *line, size_t n, int letters_only,
                            labelled **out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i] && (!letters_only || has_letter(v[i]));
    labelled *a = malloc((m ? m : 1) * sizeof *a);
    if (!a)
        return (size_t)-1;
    *out = a;
    if (m == 0)
        return 0; /* a numeric column: nothing to list, no second scan */
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] && (!letters_only || has_letter(v[i])))
            a[m++] = (labelled){v[i], line[i]};
    qsort(a, m, sizeof *a, cmp_fold);
    return m;
}

/* Whether any two of the n labels are the same string: a hash set of
 * them, O(n), so that the sort that lists duplicates (O(n log n) by a
 * case-folding compare) runs only when there is one to list. 1, 0, or -1
 * out of memory. */
static int any_duplicate(char *const *v, size_t n)
{
    if (n >= UINT32_MAX)
        return 1; /* too many for the table's row numbers: let the sort decide */
    /* a load factor of at most 2/3 keeps linear probing short (about two
     * probes a miss; Knuth, TAOCP 3, 6.4) at a third less memory than 1/2:
     * at 10^7 labels the table is 134 MB, not 268 MB, of pages touched
     * and cleared once */
    size_t cap = 16;
    while (cap < n + n / 2)
        cap *= 2;
    /* a slot: the hash's high 32 bits, then row + 1 (0: empty), so that
     * only labels of the same hash are compared as strings */
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    int dup = 0;
    enum { BATCH = 32 };
    uint64_t hb[BATCH];
    for (size_t i = 0; i < n && !dup; i++) {
        if (i % BATCH == 0) {
            /* hash a batch ahead and ask for its slots: the table is far
             * larger than the caches, and the misses then overlap */
            for (size_t b = 0; b < BATCH && i + b < n; b++) {
                uint64_t h = 1469598103934665603ull; /* FNV-1a */
                for (const unsigned char *c = (const unsigned char *)v[i + b]; c && *c; c++)
                    h = (h ^ *c) * 1099511628211ull;
                hb[b] = h;
#if defined(__GNUC__)
                __builtin_prefetch(&t[(size_t)h & (cap - 1)], 1);
#endif
            }
        }
        if (!v[i])
            continue;
        uint64_t h = hb[i % BATCH];
        uint64_t tag = h & 0xffffffff00000000ull;
        size_t j = (size_t)h & (cap - 1);
        while (t[j] && ((t[j] & 0xffffffff00000000ull) != tag ||
                        strcmp(v[(t[j] & 0xffffffffu) - 1], v[i]) != 0))
            j = (j + 1) & (cap - 1);
        if (t[j])
            dup = 1;
        t[j] = tag | ((uint64_t)i + 1);
    }
    free(t);
    return dup;
}

/* Warns of study labels used more than once, naming the lines. O(k log k).
 * Returns 0, or -1 out of memory. */
static int warn_duplicate_labels(builder *B)
{
    msc_dataset *d = B->d;
    int any = any_duplicate(d->label, d->k);
    if (any <= 0)
        return any;
    labelled *a;
    size_t m = sorted_values(d->label, d->line, d->k, 0, &a), more = 0, listed = 0;
    if (m == (size_t)-1)
        return -1;
    int rc = 0;
    for (size_t i = 0, j; i < m && rc == 0; i = j) {
        for (j = i + 1; j < m && strcmp(a[j].s, a[i].s) == 0; j++)
            ;
        if (j - i < 2)
            continue;
        if (listed == MAX_LISTED) {
            more++;
            continue;
        }
        listed++;
        char lines[96] = "", l[24], shown[96];
        for (size_t t = i; t < j && t < i + 6; t++) {
            snprintf(l, sizeof l, "%ld", a[t].line);
            msc_text_append(lines, sizeof lines, t > i ? ", " : "", t < i + 5 ? l : "...");
        }
        show_value(a[i].s, strlen(a[i].s), shown, sizeof shown);
        rc = msc_warnings_add(&d->warnings, "%s: the study label \"%s\" is used %zu times (lines %s)",
                              B->e->name, shown, j - i, lines) == MSC_OK ? 0 : -1;
    }
    if (rc == 0 && more)
        rc = msc_warnings_add(&d->warnings, "%s: and %zu more study labels used more than once",
                              B->e->name, more) == MSC_OK ? 0 : -1;
    free(a);
    return rc;
}

/* Warns of values of column `col` that differ only in case ("SLE" and
 * "sle"): they stay apart. Returns 0, or -1 out of memory. */
static int warn_case_variants(builder *B, const char *col, char *const *v)
{
    msc_dataset *d = B->d;
    labelled *a;
    size_t m = sorted_values(v, d->line, d->k, 1, &a), listed = 0, more = 0;
    if (m == (size_t)-1)
        return -1;
    int rc = 0;
    for (size_t i = 0, j; i < m && rc == 0; i = j) {
        size_t distinct = 1;
        for (j = i + 1; j < m && folded_equal(a[j].s, a[i].s); j++)
            distinct += strcmp(a[j].s, a[j - 1].s) != 0;
        if (distinct < 2)
            continue;
        if (listed == MAX_LISTED) {
            more++;
            continue;
        }
        listed++;
        char names[256] = "", shown[100];
        size_t named = 0;
        for (size_t t = i; t < j; t++) {
            if (t > i && strcmp(a[t].s, a[t - 1].s) == 0)
                continue;
            char q[96];
            show_value(a[t].s, strlen(a[t].s), q, sizeof q);
            snprintf(shown, sizeof shown, "\"%s\"", q);
            if (named++ < 4)
                msc_text_append(names, sizeof names, named > 1 ? (named == distinct ? " and " : ", ") : "",
                                named == 4 && distinct > 4 ? "..." : shown);
        }
        rc = msc_warnings_add(&d->warnings,
                              "%s: column \"%s\": the values %s differ only in case; they are kept "
                              "apart (correct the spelling if they are one)",
                              B->e->name, col, names) == MSC_OK ? 0 : -1;
    }
    if (rc == 0 && more)
        rc = msc_warnings_add(&d->warnings,
                              "%s: column \"%s\": and %zu more sets of values differing only in case",
                              B->e->name, col, more) == MSC_OK ? 0 : -1;
    free(a);
    return rc;
}

/* The warnings a reviewer needs once every record is read. */
static void reviewer_warnings(builder *B)
{
    msc_dataset *d = B->d;
    int rc = warn_duplicate_labels(B);
    if (rc == 0 && d->group_col)
        rc = warn_case_variants(B, d->group_col, d->group);
    for (size_t j = 0; rc == 0 && j < d->n_kept; j++)
        rc = warn_case_variants(B, d->kept[j].name, d->kept[j].value);
    if (rc < 0)
        msc_io_fail_nomem(B->e);
}

/* Releases the builder; hands over the data set, or frees it after an
 * error. */
static msc_status builder_finish(builder *B, msc_dataset **out)
{
    free(B->hdr); /* the names are in the data set's arena */
    free(B->col_of_slot);
    free(B->col_of_kept);
    free(B->na_buf);
    free(B->na_own);
    free(B->bad);
    int failed = msc_io_end(B->e);
    for (size_t j = 0; B->fb_count && !failed && j < B->d->n_outcomes; j++) {
        size_t c = B->fb_count[j];
        if (c && msc_warnings_add(&B->d->warnings,
                                  "%s: %zu stud%s with a missing \"%s\" cell took the \"%s\" "
                                  "column as denominator (line%s %s%s)",
                                  B->d->outcome[j].name, c, c == 1 ? "y" : "ies",
                                  B->d->outcome[j].denom, B->opt->n_col, c == 1 ? "" : "s",
                                  B->fb_lines[j], c > 5 ? ", ..." : "") != MSC_OK)
            msc_io_fail_nomem(B->e);
    }
    free(B->fb_count);
    free(B->fb_lines);
    if (!failed && B->d->k > 0)
        reviewer_warnings(B);
    if (B->e->failed || B->e->problems) {
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
    /* the labels, subgroup values and kept cells live in the arena */
    msc_io_arena_free(&((msc_io_dataset *)d)->text);
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
