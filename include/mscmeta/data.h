/*
 * mscmeta data: the data set a CSV file (or a caller) provides, and the
 * loader that reads it (src/io).
 */
#ifndef MSCMETA_DATA_H
#define MSCMETA_DATA_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/core.h"

/* ---------------------------------------------------------------------------
 * Data set: the loader's output (src/io: csv_reader.c reads, dataset.c builds)
 * ------------------------------------------------------------------------- */

/* Documented input limits; past them the loader stops with a clear error. */
#define MSC_MAX_RECORD_BYTES (32u * 1024u * 1024u) /* one CSV record */
#define MSC_MAX_FIELDS 1000000u                    /* fields in one record */
#define MSC_MAX_COUNT 1e15                         /* largest count accepted */

typedef struct {
    char *name;     /* the events column's header */
    char *denom;    /* the denominator column's header ("n" or "n_<name>") */
    double *events; /* per record; NAN where missing */
    double *n;      /* per record; NAN where missing */
} msc_outcome_data;

/* A column kept as text (moderators, an order or a grouping column): each
 * record's cell, trimmed and made valid UTF-8, or NULL where it is missing
 * (empty or a missing-value token, msc_load_options.na). */
typedef struct {
    char *name;
    char **value; /* per record */
} msc_kept_column;

typedef struct {
    char *source;    /* file name used in messages ("-" shown as "<stdin>") */
    size_t k;        /* data records */
    char **label;    /* study label per record */
    long *line;      /* line where each record starts */
    char **group;    /* subgroup value per record (NULL if missing); the array itself is
                        NULL when group_col is (no --subgroup) */
    char *group_col; /* the subgroup column's header, or NULL */
    size_t n_outcomes;
    msc_outcome_data *outcome;
    size_t n_kept;
    msc_kept_column *kept; /* the columns msc_load_options.keep_cols named, in that order */
    msc_warnings warnings; /* things the loader fixed up (e.g. invalid UTF-8) */
} msc_dataset;

/* The character encoding of a CSV file's text cells (msc_load_options).
 * AUTO reads UTF-8, and reads a file as Windows-1252 when its first text
 * cell that is not valid UTF-8 decodes as Windows-1252 (README, Input). */
typedef enum {
    MSC_ENCODING_AUTO = 0,
    MSC_ENCODING_UTF8,   /* invalid bytes become U+FFFD, with a warning */
    MSC_ENCODING_CP1252, /* Windows-1252; its 5 undefined bytes become U+FFFD */
    MSC_ENCODING_LATIN1  /* ISO-8859-1: byte b is U+00b (0x80-0x9F: C1 controls) */
} msc_encoding;

typedef struct {
    const char *study_col;          /* default "study" */
    const char *n_col;              /* default "n" */
    const char *const *events_cols; /* explicit outcomes, or NULL */
    size_t n_events_cols;
    const char *const *default_events; /* used when events_cols is empty: those present, in order */
    size_t n_default_events;
    const char *subgroup_col; /* NULL for none */
    char delimiter;           /* 0: ',' unless the header has ';' and no ',' */
    /* Further columns to keep as text (msc_dataset.kept), each of which
     * must be in the header; keep_why[j] says what column j is for in the
     * message that names a missing one ("no column \"dose\" (named by
     * --mod)"); keep_why may be NULL. A name given twice is kept once. */
    const char *const *keep_cols;
    const char *const *keep_why;
    size_t n_keep_cols;
    /* The thousands separator of counts ('.', ',', '\'' or ' '), removed
     * where it groups digits by three (1.000.000); 0 for none. Without one,
     * a count such as 1.000 in a ';'- or tab-separated file is refused as
     * ambiguous, since European spreadsheets write thousands so. */
    char thousands;
    /* The cells that mean "missing", comma-separated ("NR,-"), replacing
     * the default list: NA, N/A, n/a, NR, ., #N/A, - and an en dash. An
     * empty cell is always missing. Matched exactly, after trimming spaces. */
    const char *na;
    /* The encoding of the file's text (header names, labels, subgroup and
     * kept cells), converted to UTF-8; default MSC_ENCODING_AUTO. */
    msc_encoding encoding;
    /* Progress: called with the records read so far after every
     * MSC_LOAD_PROGRESS_EVERY of them, and progress_ctx (the library never
     * prints: a program shows it as it likes). NULL (default): not called.
     * It must not call the loader. */
    void (*progress)(void *ctx, size_t records);
    void *progress_ctx;
} msc_load_options;

#define MSC_LOAD_PROGRESS_EVERY 50000

/* The default outcomes of `pool`: responders, adverse_events, serious_adverse_events, events. */
MSC_API extern const char *const msc_default_events[];
MSC_API extern const size_t msc_n_default_events;

MSC_API void msc_load_options_default(msc_load_options *o);

/* Reads a CSV from `fp` (display name `name`). On error returns MSC_ERR_INPUT
 * (or MSC_ERR_NOMEM) with "name:line: ..." in err, and *out stays NULL.
 * Bad cells (not a number, negative, n of 0, more events than n) do not
 * stop the reading: err then holds every such problem, up to 20, one per
 * line, the lines joined by '\n' (no final newline), then
 * "... and N more problems" for the rest (and for lines that did not fit
 * in errlen; MSC_LOAD_ERRBUF bytes hold 20 lines of usual length). An
 * error of the file's structure (a missing column, a bad header or row,
 * not a CSV file) stops the reading at once: it is the last line. */
#define MSC_LOAD_ERRBUF 8192
MSC_API msc_status msc_dataset_load(FILE *fp, const char *name, const msc_load_options *opt,
                                    msc_dataset **out, char *err, size_t errlen);
/* Parses an in-memory buffer the same way (for tests and fuzzing). */
MSC_API msc_status msc_dataset_load_buffer(const char *buf, size_t len, const char *name,
                                           const msc_load_options *opt, msc_dataset **out,
                                           char *err, size_t errlen);
/* Builds a data set of one outcome from counts in memory, for programs
 * that embed the library: k studies with labels[i] (NULL, or labels NULL:
 * "study i"), events[i] of n[i] patients (NAN: missing), the outcome named
 * `outcome` ("events" when NULL) with denominator "n", source "<memory>",
 * and study i's "line" i + 1. Counts are checked as the CSV loader checks
 * them (MSC_ERR_INPUT, "study i: ..." in err). */
MSC_API msc_status msc_dataset_from_counts(const char *const *labels, const double *events,
                                           const double *n, size_t k, const char *outcome,
                                           msc_dataset **out, char *err, size_t errlen);
/* Frees a data set made by msc_dataset_load, msc_dataset_load_buffer or
 * msc_dataset_from_counts, and
 * only such a one: its text (labels, values, names) lives in one block the
 * data set owns, so a hand-built msc_dataset, or one whose strings were
 * replaced, must not be passed here. NULL is a no-op. */
MSC_API void msc_dataset_free(msc_dataset *d);

/* The kept column named `name` (msc_load_options.keep_cols), or NULL. */
MSC_API const msc_kept_column *msc_dataset_kept(const msc_dataset *d, const char *name);

#endif /* MSCMETA_DATA_H */
