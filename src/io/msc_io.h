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

#include "mscmeta/data.h"

/* Where a load's errors go, as lines "name:line: message" joined by '\n'
 * in err: the cell problems (msc_io_problem, at most MSC_IO_MAX_PROBLEMS
 * shown), then the error that stopped the load (msc_io_fail), if any. */
typedef struct {
    const char *name; /* display name of the input */
    char *err;
    size_t errlen;
    int failed;      /* an error stopped the load; later ones are dropped */
    int nomem;       /* ... and it was running out of memory */
    size_t problems; /* cell problems reported; the load goes on, then fails */
    size_t shown;    /* ... of which in err */
    size_t used;     /* bytes of err in use */
} msc_io_error;

#define MSC_IO_MAX_PROBLEMS 20 /* cell problems listed before "... and N more" */

/* Reports an error at `line` (0: none, "name: message") unless one was
 * reported already: the first error wins. */
void msc_io_fail(msc_io_error *e, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reports "out of memory" (as msc_io_fail) and marks the error as such. */
void msc_io_fail_nomem(msc_io_error *e);

/* Reports a problem of one cell at `line` that does not stop the load:
 * reading goes on so that one run lists every bad cell; the load fails at
 * its end (msc_io_end). Listed while MSC_IO_MAX_PROBLEMS are not, and the
 * whole line fits in err; the others are counted. */
void msc_io_problem(msc_io_error *e, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Ends the report: adds "... and N more problems" for those not listed.
 * Returns whether the load failed (an error or a cell problem). */
int msc_io_end(msc_io_error *e);

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

/* An arena of NUL-terminated strings (arena.c): the text of a data set's
 * labels, subgroup values and kept cells, freed all at once. Zeroed to
 * start. */
typedef struct msc_io_block msc_io_block;
typedef struct {
    msc_io_block *head;
} msc_io_arena;

/* A NUL-terminated copy of s[0..len) in the arena (s may hold NULs), or
 * NULL out of memory. The copy lives until msc_io_arena_free. */
char *msc_io_arena_copy(msc_io_arena *a, const char *s, size_t len);
void msc_io_arena_free(msc_io_arena *a);

/* Every msc_dataset the io layer makes is the first member of this, so
 * that msc_dataset_free finds the arena its strings live in. */
typedef struct {
    msc_dataset d;
    msc_io_arena text;
} msc_io_dataset;

#endif
