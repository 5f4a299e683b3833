/*
 * The io layer's private interface, between the CSV reader (csv_reader.c:
 * bytes -> records) and the data-set builder (dataset.c: records ->
 * msc_dataset). The reader knows nothing about studies; the builder knows
 * nothing about quoting, line ends or libcsv. Both report through one
 * msc_io_error, so that the first error of either is the one the caller
 * sees. Not part of the public API.
 */
#ifndef MSC_IO_H
#define MSC_IO_H

#include <stddef.h>
#include <stdio.h>

/* Where a load's first error goes: "name:line: message" in err. */
typedef struct {
    const char *name; /* display name of the input */
    char *err;
    size_t errlen;
    int failed; /* an error was reported; later ones are dropped */
    int nomem;  /* ... and it was running out of memory */
} msc_io_error;

/* Reports an error at `line` (0: none, "name: message") unless one was
 * reported already: the first error wins. */
void msc_io_fail(msc_io_error *e, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reports "out of memory" (as msc_io_fail) and marks the error as such. */
void msc_io_fail_nomem(msc_io_error *e);

/* One CSV record as the reader hands it over: n fields, field i being
 * len[i] bytes at field[i] (NUL-terminated; a field may hold NULs of its
 * own), exactly as written between the delimiters, quotes removed. Valid
 * only during the callback. */
typedef struct {
    size_t n;
    long line;      /* the line the record starts on (1-based) */
    char delimiter; /* the field separator (given or detected) */
    const char *const *field;
    const size_t *len;
} msc_csv_record;

/* What the reader calls: `header` once, with the first record, then
 * `record` for each data record, in order. Data records have exactly as
 * many fields as the header (the reader refuses others) and at least one
 * non-empty field (rows of empty cells, which spreadsheets leave, are
 * skipped). A callback reports a problem through msc_io_fail (the reader's
 * own error sink), after which the reader calls nothing more. */
typedef struct {
    void (*header)(void *ctx, const msc_csv_record *r);
    void (*record)(void *ctx, const msc_csv_record *r);
    void *ctx;
} msc_csv_sink;

/* Reads a whole CSV text from memory, or from `fp` until its end, into
 * `sink`: skips a UTF-8 byte order mark, refuses UTF-16, takes the
 * delimiter given (0: detected from the header line, see csv_reader.c) and
 * the line end used, and stops at the first error (malformed or
 * unterminated quoting, a record beyond MSC_MAX_RECORD_BYTES, a header
 * beyond MSC_MAX_FIELDS, a row of the wrong width, no header, no data
 * record, a read error, out of memory), reported through `e`. Returns 0,
 * or -1 when `e` holds an error (the reader's or a callback's). */
int msc_csv_read_buffer(const char *buf, size_t len, char delimiter, const msc_csv_sink *sink,
                        msc_io_error *e);
int msc_csv_read_file(FILE *fp, char delimiter, const msc_csv_sink *sink, msc_io_error *e);

#endif
