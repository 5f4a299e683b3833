/*
 * The CSV reader: bytes -> records, through libcsv (RFC 4180 quoting).
 *
 * The input is fed to libcsv one physical line at a time, so that every
 * record knows the line it starts on even when a quoted field spans lines;
 * errors then name "file:line". The reader knows nothing about studies: it
 * hands the header's fields, then each data record's, to a msc_csv_sink
 * (msc_io.h). It keeps one record at a time, in a buffer reused from record
 * to record, so memory does not grow with the number of records. Limits
 * (MSC_MAX_RECORD_BYTES, MSC_MAX_FIELDS) stop hostile input with a clear
 * message instead of unbounded allocation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "mscmeta/data.h"
#include "msc_io.h"

/* Appends "name:line: message" to e->err, on a line of its own after
 * those there. A line that does not fit whole, leaving `keep` bytes free,
 * is not added, unless err is still empty (then it is cut). Returns
 * whether it was added. */
static int add_line(msc_io_error *e, size_t keep, long line, const char *fmt, va_list ap)
{
    if (e->errlen == 0)
        return 0;
    size_t at = e->used ? e->used + 1 : 0;
    if (at >= e->errlen)
        return 0;
    char *p = e->err + at;
    size_t room = e->errlen - at;
    int n = line > 0 ? snprintf(p, room, "%s:%ld: ", e->name, line)
                     : snprintf(p, room, "%s: ", e->name);
    if (n >= 0 && (size_t)n < room)
        n += vsnprintf(p + n, room - (size_t)n, fmt, ap);
    if (n < 0 || (e->used && (size_t)n + keep >= room)) {
        if (e->used)
            e->err[e->used] = '\0'; /* drop the line */
        return 0;
    }
    if (e->used)
        e->err[e->used] = '\n';
    e->used = at + ((size_t)n < room ? (size_t)n : room - 1);
    return 1;
}

void msc_io_fail(msc_io_error *e, long line, const char *fmt, ...)
{
    if (e->failed)
        return;
    e->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    /* With problems not listed, keep msc_io_problem's room for msc_io_end's
     * "... and N more problems", which a long error here would otherwise
     * cut to a stray "." (found by fuzz_load); an error that does not fit
     * is counted there. */
    if (!add_line(e, e->problems > e->shown ? 48 : 0, line, fmt, ap))
        e->problems++; /* not listed: counted in "... and N more problems" */
    va_end(ap);
}

void msc_io_problem(msc_io_error *e, long line, const char *fmt, ...)
{
    if (e->failed)
        return;
    e->problems++;
    if (e->shown == MSC_IO_MAX_PROBLEMS)
        return;
    va_list ap;
    va_start(ap, fmt);
    /* room kept for the "... and N more problems" line */
    e->shown += (size_t)add_line(e, 48, line, fmt, ap);
    va_end(ap);
}

int msc_io_end(msc_io_error *e)
{
    if (e->problems > e->shown && e->used + 1 < e->errlen) {
        char *p = e->err + e->used;
        int n =
            snprintf(p, e->errlen - e->used, "%s... and %zu more problem%s", e->used ? "\n" : "",
                     e->problems - e->shown, e->problems - e->shown == 1 ? "" : "s");
        if (n > 0)
            e->used += (size_t)n < e->errlen - e->used ? (size_t)n : e->errlen - e->used - 1;
        e->shown = e->problems;
    }
    return e->failed || e->problems > 0;
}

void msc_io_fail_nomem(msc_io_error *e)
{
    msc_io_fail(e, 0, "out of memory");
    e->nomem = 1;
}

typedef struct {
    msc_io_error *e;
    const msc_csv_sink *sink;
    struct csv_parser p;

    long line;     /* physical line being fed (1-based) */
    long rec_line; /* line on which the current record started */
    int between;   /* no byte of a record fed since the last record ended */
    size_t rec_bytes;

    int header_done;
    size_t ncols;   /* the header's fields */
    size_t records; /* data records handed to the sink */

    /* The current record: the header's fields, or the first ncols of a
     * data record's (a wider record is refused at its end). */
    size_t field; /* fields seen so far */
    int nonempty; /* any field with content (data records) */
    char *bytes;  /* the fields kept, each NUL-terminated */
    size_t used, bytes_cap;
    size_t *off, *len; /* per field kept: offset in bytes, length */
    const char **ptr;  /* per field kept: its text, set at the record's end */
    size_t fcap;
} reader;

/* ---------------------------------------------------------------- records */

/* Room for field i and len more bytes. Returns 0, or -1 out of memory. */
static int reserve(reader *R, size_t i, size_t len)
{
    if (i >= R->fcap) {
        size_t cap = R->fcap ? 2 * R->fcap : 16;
        size_t *off = realloc(R->off, cap * sizeof *off);
        if (off)
            R->off = off;
        size_t *ln = realloc(R->len, cap * sizeof *ln);
        if (ln)
            R->len = ln;
        const char **ptr = realloc(R->ptr, cap * sizeof *ptr);
        if (ptr)
            R->ptr = ptr;
        if (!off || !ln || !ptr)
            return -1;
        R->fcap = cap;
    }
    if (R->used + len + 1 > R->bytes_cap) {
        size_t cap = R->bytes_cap ? R->bytes_cap : 256;
        while (cap < R->used + len + 1)
            cap *= 2;
        char *b = realloc(R->bytes, cap);
        if (!b)
            return -1;
        R->bytes = b;
        R->bytes_cap = cap;
    }
    return 0;
}

/* Keeps s[0..len) as field i of the current record. */
static int keep_field(reader *R, size_t i, const char *s, size_t len)
{
    if (reserve(R, i, len) < 0)
        return -1;
    memcpy(R->bytes + R->used, s, len);
    R->bytes[R->used + len] = '\0';
    R->off[i] = R->used;
    R->len[i] = len;
    R->used += len + 1;
    return 0;
}

/* The current record's first n fields, then ready for the next record. */
static msc_csv_record take_record(reader *R, size_t n)
{
    for (size_t i = 0; i < n; i++)
        R->ptr[i] = R->bytes + R->off[i];
    msc_csv_record r = {n, R->rec_line, (char)csv_get_delim(&R->p), R->ptr, R->len};
    R->field = 0;
    R->used = 0;
    return r;
}

static void cb_field(void *s, size_t len, void *data)
{
    reader *R = data;
    if (R->e->failed)
        return;
    size_t i = R->field++;
    if (!R->header_done) {
        if (i >= MSC_MAX_FIELDS) {
            msc_io_fail(R->e, R->rec_line, "the header has more than %u columns (the limit)",
                        MSC_MAX_FIELDS);
            return;
        }
    } else {
        if (len > 0)
            R->nonempty = 1;
        if (i >= R->ncols)
            return; /* counted only: the row is refused at its end */
    }
    if (keep_field(R, i, s, len) < 0)
        msc_io_fail_nomem(R->e);
}

static void cb_row(int c, void *data)
{
    (void)c;
    reader *R = data;
    if (R->e->failed)
        return;
    R->between = 1;
    if (!R->header_done) {
        R->header_done = 1;
        R->ncols = R->field;
        msc_csv_record r = take_record(R, R->ncols);
        R->sink->header(R->sink->ctx, &r);
        return;
    }
    size_t nf = R->field;
    if (!R->nonempty) {
        take_record(R, 0);
        return; /* a row of empty cells (",,,,"): spreadsheets leave these; skip */
    }
    R->nonempty = 0;
    if (nf != R->ncols) {
        msc_io_fail(R->e, R->rec_line, "this row has %zu fields but the header has %zu%s", nf,
                    R->ncols,
                    nf > R->ncols ? " (an unquoted comma in a label? quote the label)" : "");
        return;
    }
    msc_csv_record r = take_record(R, nf);
    R->records++;
    R->sink->record(R->sink->ctx, &r);
}

/* ---------------------------------------------------------------- feeding */

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

/* Parses one piece of input (at most a line: see feed), growing libcsv's
 * field buffer geometrically. Returns 0, or -1 after reporting an error. */
static int parse_piece(reader *R, const char *p, size_t seg)
{
    /* libcsv grows a field's buffer by a fixed block (128 bytes), which
     * makes a long field cost O(n^2) in copying: set the block to the
     * buffer's size before each piece of at most 64 KiB, so the buffer
     * at least doubles each time it grows. */
    for (size_t off = 0, piece; off < seg && !R->e->failed; off += piece) {
        piece = seg - off < 65536 ? seg - off : 65536;
        size_t bs = csv_get_buffer_size(&R->p);
        csv_set_blk_size(&R->p, bs > 128 ? bs : 128);
        if (csv_parse(&R->p, p + off, piece, cb_field, cb_row, R) != piece && !R->e->failed) {
            if (csv_error(&R->p) == CSV_ENOMEM)
                msc_io_fail_nomem(R->e);
            else
                msc_io_fail(R->e, R->line,
                            "malformed quoting: a quote inside an unquoted field, or text after "
                            "a closing quote (double a quote inside a quoted field: \"\")");
            return -1;
        }
    }
    return 0;
}

/* Feeds bytes to libcsv a physical line at a time (see the file comment).
 * Pieces end at every CR and LF, not only at `eol`: libcsv ends a record at
 * a lone CR too, and the record after it must start a new piece to get its
 * own line number. Only `eol` counts lines. */
static void feed(reader *R, const char *buf, size_t len, char eol)
{
    const char *p = buf, *end = buf + len;
    while (p < end && !R->e->failed) {
        const char *nl = line_break(p, end);
        const char *seg_end = nl ? nl + 1 : end;
        size_t seg = (size_t)(seg_end - p);
        if (R->between) {
            R->rec_bytes = 0;
            if (!blank(p, seg)) {
                R->rec_line = R->line;
                R->between = 0;
            }
        }
        R->rec_bytes += seg;
        if (R->rec_bytes > MSC_MAX_RECORD_BYTES) {
            msc_io_fail(R->e, R->rec_line,
                        "a record longer than %u MiB (the limit); is this a CSV file?",
                        MSC_MAX_RECORD_BYTES / (1024u * 1024u));
            return;
        }
        if (parse_piece(R, p, seg) < 0)
            return;
        if (nl && *nl == eol)
            R->line++;
        p = seg_end;
    }
}

/* ----------------------------------------------------- start and end */

static const char *skip_bom(const char *buf, size_t *len)
{
    if (*len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        *len -= 3;
        return buf + 3;
    }
    return buf;
}

/* Whether the text starts as ASCII in UTF-16 without a byte order mark:
 * in its first (up to 32) pairs of bytes, one byte of every pair is NUL and
 * the other is not, the NUL always on the same side. */
static int utf16_without_bom(const unsigned char *b, size_t len)
{
    size_t pairs = len / 2 < 32 ? len / 2 : 32;
    int le = 1, be = 1;
    for (size_t i = 0; i < pairs; i++) {
        le &= b[2 * i] != 0 && b[2 * i + 1] == 0;
        be &= b[2 * i] == 0 && b[2 * i + 1] != 0;
    }
    return pairs >= 2 && (le || be);
}

/* UTF-16 text (Excel's "Unicode Text" export) starts with its byte order
 * mark, or else shows as ASCII with NULs between the letters: say what it
 * is instead of reporting a header of U+FFFD. */
static void refuse_utf16(reader *R, const char *buf, size_t len)
{
    if (len >= 2 &&
        ((buf[0] == '\xFF' && buf[1] == '\xFE') || (buf[0] == '\xFE' && buf[1] == '\xFF')))
        msc_io_fail(R->e, 1, "the file is UTF-16 text; save it as UTF-8 (Excel: \"CSV UTF-8\")");
    else if (utf16_without_bom((const unsigned char *)buf, len))
        msc_io_fail(R->e, 1,
                    "the file is UTF-16 text (without a byte order mark); save it as UTF-8 "
                    "(Excel: \"CSV UTF-8\")");
}

/* Files that are not text at all, known by their first bytes (zip: .xlsx
 * and .ods; OLE2: .xls; PDF; gzip): say what the file is and what to do,
 * instead of a header of binary bytes. */
static void refuse_binary(reader *R, const char *buf, size_t len)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *what;
    } kinds[] = {
        {"PK\x03\x04", 4, "a zip archive"},
        {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "an Excel 97-2003 workbook (.xls)"},
        {"%PDF-", 5, "a PDF document"},
        {"\x1F\x8B", 2, "a gzip-compressed file"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (len < kinds[i].len || memcmp(buf, kinds[i].magic, kinds[i].len) != 0)
            continue;
        const char *what = kinds[i].what;
        /* an OpenDocument zip names its type at the start */
        if (i == 0 && len > 59 && memcmp(buf + 30, "mimetypeapplication/vnd.oasis", 29) == 0)
            what = "an OpenDocument spreadsheet (.ods)";
        else if (i == 0 && len > 49 &&
                 (memcmp(buf + 30, "[Content_Types].xml", 19) == 0 || memcmp(buf + 30, "xl/", 3) == 0 ||
                  memcmp(buf + 30, "_rels/", 6) == 0 || memcmp(buf + 30, "docProps/", 9) == 0))
            what = "an Excel workbook (.xlsx)";
        if (i == 2)
            msc_io_fail(R->e, 1, "this is %s, not a CSV file; give the CSV export of the data", what);
        else if (i == 3)
            msc_io_fail(R->e, 1, "this is %s, not a CSV file; decompress it first (gunzip)", what);
        else
            msc_io_fail(R->e, 1,
                        "this is %s, not a CSV file; save the sheet as CSV (Excel: \"CSV UTF-8\"; "
                        "LibreOffice: File > Save As > Text CSV)",
                        what);
        return;
    }
}

/* The offset of the first CR or LF outside quotes in buf[0..len) (the end
 * of the header record), or len when there is none. A quote toggles the
 * state: a doubled quote inside a quoted field toggles it twice. */
static size_t first_break(const char *buf, size_t len)
{
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        else if (!quoted && (buf[i] == '\n' || buf[i] == '\r'))
            return i;
    }
    return len;
}

/* The line end is that of the header record: LF for LF and CRLF, CR for a
 * lone CR (old Mac exports). It is read outside quotes, so that a line
 * break inside a quoted header name, or an LF inside a quoted field of a
 * CR file, does not decide it. */
static char line_end(const char *buf, size_t len)
{
    size_t b = first_break(buf, len);
    if (b < len && buf[b] == '\r' && (b + 1 == len || buf[b + 1] != '\n'))
        return '\r';
    return '\n';
}

/* The delimiter: as given, else ';' (or a tab) when the header record has
 * no comma but has one, as European spreadsheets export. Only delimiters
 * outside quotes count: a quoted header name may hold a comma. */
static char detect_delim(const char *buf, size_t len, char given)
{
    if (given)
        return given;
    int quoted = 0, semi = 0, tab = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted) {
            if (c == '\n' || c == '\r')
                break;
            if (c == ',')
                return ',';
            semi |= c == ';';
            tab |= c == '\t';
        }
    }
    return semi ? ';' : tab ? '\t' : ',';
}

/* Reads the start of the input (at least the header line): skips a UTF-8
 * byte order mark (moving *buf and *len past it), refuses UTF-16, sets
 * the delimiter (given, or detected from the header). Returns the line
 * end. */
static char start_input(reader *R, const char **buf, size_t *len, char delimiter)
{
    *buf = skip_bom(*buf, len);
    refuse_binary(R, *buf, *len);
    refuse_utf16(R, *buf, *len);
    csv_set_delim(&R->p, (unsigned char)detect_delim(*buf, *len, delimiter));
    return line_end(*buf, *len);
}

/* Returns 0, or -1 after reporting out of memory. */
static int reader_init(reader *R, const msc_csv_sink *sink, msc_io_error *e)
{
    memset(R, 0, sizeof *R);
    R->e = e;
    R->sink = sink;
    R->line = 1;
    R->rec_line = 1;
    R->between = 1;
    if (csv_init(&R->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        msc_io_fail_nomem(e);
        return -1;
    }
    return 0;
}

/* Ends the input: the last record (one without a line end), then the
 * end-of-input checks; releases the reader. Returns 0 or -1 (see
 * msc_csv_read_buffer). */
static int reader_finish(reader *R)
{
    msc_io_error *e = R->e;
    if (!e->failed && csv_fini(&R->p, cb_field, cb_row, R) != 0 && !e->failed) {
        if (csv_error(&R->p) == CSV_EPARSE)
            msc_io_fail(e, R->rec_line,
                        "a quoted field opened on this line is never closed (unterminated quote)");
        else
            msc_io_fail_nomem(e);
    }
    if (!e->failed) {
        if (!R->header_done)
            msc_io_fail(e, 0, "the file is empty; it needs a header row and one row per study");
        else if (R->records == 0)
            msc_io_fail(e, 0, "no data rows after the header; add one row per study");
    }
    csv_free(&R->p);
    free(R->bytes);
    free(R->off);
    free(R->len);
    free(R->ptr);
    return e->failed ? -1 : 0;
}

/* ------------------------------------------------------------------- API */

int msc_csv_read_buffer(const char *buf, size_t len, char delimiter, const msc_csv_sink *sink,
                        msc_io_error *e)
{
    reader R;
    if (reader_init(&R, sink, e) < 0)
        return -1;
    char eol = start_input(&R, &buf, &len, delimiter);
    feed(&R, buf, len, eol);
    return reader_finish(&R);
}

#define CHUNK 65536

/* Reads from fp into *buf (of *cap bytes, grown as needed) until it holds
 * the header record, which the delimiter and line end are detected from:
 * up to a CR or LF outside quotes and the byte after it (a CR may start a
 * CRLF), the end of the input (sets *eof) or MSC_MAX_RECORD_BYTES. Returns
 * the bytes read; on an error, reports it. */
static size_t read_start(reader *R, FILE *fp, char **buf, size_t *cap, int *eof)
{
    size_t len = 0;
    for (;;) {
        len += fread(*buf + len, 1, *cap - len, fp);
        if (ferror(fp)) {
            msc_io_fail(R->e, 0, "cannot read: %s", strerror(errno ? errno : EIO));
            return len;
        }
        *eof = feof(fp);
        if (*eof || first_break(*buf, len) + 1 < len || len >= MSC_MAX_RECORD_BYTES)
            return len;
        if (len == *cap) {
            char *nb = realloc(*buf, *cap * 2);
            if (!nb) {
                msc_io_fail_nomem(R->e);
                return len;
            }
            *buf = nb;
            *cap *= 2;
        }
    }
}

int msc_csv_read_file(FILE *fp, char delimiter, const msc_csv_sink *sink, msc_io_error *e)
{
    reader R;
    if (reader_init(&R, sink, e) < 0)
        return -1;
    size_t cap = CHUNK;
    char *buf = malloc(cap);
    if (!buf) {
        msc_io_fail_nomem(e);
        return reader_finish(&R);
    }
    int eof = 0;
    size_t len = read_start(&R, fp, &buf, &cap, &eof);
    if (!e->failed) {
        const char *b = buf;
        char eol = start_input(&R, &b, &len, delimiter);
        feed(&R, b, len, eol);
        while (!eof && !e->failed) {
            len = fread(buf, 1, cap, fp);
            if (ferror(fp)) {
                msc_io_fail(e, 0, "cannot read: %s", strerror(errno ? errno : EIO));
                break;
            }
            eof = feof(fp);
            feed(&R, buf, len, eol);
        }
    }
    free(buf);
    return reader_finish(&R);
}
