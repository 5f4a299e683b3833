/*
 * Shared helpers for the cmocka test programs: relative comparison of
 * doubles (Debian's cmocka 1.1.5 has no assert_double_equal), reading the
 * metafor reference files in tests/reference/, and loading a CSV held in a
 * string.
 */
#ifndef MSC_TEST_UTIL_H
#define MSC_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "mscmeta/mscmeta.h"

/* Fails unless got and want agree to `rel` relative (absolute below 1e-300
 * or when want is 0); NaN matches only NaN. `what` names the quantity. */
void msc_assert_close(double got, double want, double rel, const char *what, const char *file,
                      int line);
#define assert_close(got, want, rel) msc_assert_close((got), (want), (rel), #got, __FILE__, __LINE__)
#define assert_close_msg(got, want, rel, what)                                                    \
    msc_assert_close((got), (want), (rel), (what), __FILE__, __LINE__)

/* Parses tests/reference/NAME (the tests run in tests/). Fails the test if
 * it cannot be read. Release with json_decref. */
json_t *ref_load(const char *name);
/* A number from a JSON value; null -> NAN. */
double ref_num(const json_t *v);
double ref_get(const json_t *obj, const char *key);
double ref_at(const json_t *obj, const char *key, size_t i);

/* Loads CSV text (columns as given) with default options plus the given
 * events column and subgroup; fails the test on error. */
msc_dataset *load_text(const char *csv, const char *events, const char *subgroup);
/* Runs the analysis with settings s (flags 0); fails the test on error. */
msc_analysis *run_analysis(const msc_dataset *d, const msc_settings *s);
/* Runs the analysis with default settings but method m; fails the test on
 * error. */
msc_analysis *run_method(const msc_dataset *d, msc_method m);
/* The same with msc_analysis_run flags (MSC_RUN_NO_STUDY_CI). */
msc_analysis *run_analysis_flags(const msc_dataset *d, const msc_settings *s, unsigned flags);

/* Loads a file from tests/; fails the test on error. */
msc_dataset *load_file(const char *path, const char *events, const char *subgroup);
/* Loads tests/reference/SET.csv with the events column "events" and the
 * given subgroup (NULL: none); fails the test on error. */
msc_dataset *load_ref_set(const char *set, const char *subgroup);
/* Frees a and the data set it was run on (a->data). */
void free_analysis_and_data(msc_analysis *a);
/* Loads CSV bytes (not necessarily NUL-terminated) as file `name`, default
 * columns, with the given events column (NULL: the defaults) and subgroup
 * (NULL: none); fails the test on error. */
msc_dataset *load_buffer(const char *csv, size_t len, const char *name, const char *events,
                         const char *subgroup);

/* The whole file, NUL-terminated (the NUL not counted in *len; len may be
 * NULL), in malloc'd memory the caller frees. Fails the test if the file
 * cannot be read. */
char *read_file(const char *path, size_t *len);

/* One report writer (msc_report_json, _csv, _table, ...) run on `a` into
 * memory: a NUL-terminated malloc'd buffer, its length in *len (len may be
 * NULL). ro NULL means all fields 0 except input_name "test.csv". Fails the
 * test unless the writer returns MSC_OK. */
char *render_report(msc_report_fn fn, const msc_analysis *a, const msc_report_options *ro,
                    size_t *len);

/* Fails unless outcome o has exactly one warning and it contains substr. */
void msc_assert_one_warning(const msc_outcome_result *o, const char *substr, const char *file,
                            int line);
#define assert_one_warning(o, substr) msc_assert_one_warning((o), (substr), __FILE__, __LINE__)
/* Fails unless some warning of outcome o contains substr. */
void msc_assert_has_warning(const msc_outcome_result *o, const char *substr, const char *file,
                            int line);
#define assert_has_warning(o, substr) msc_assert_has_warning((o), (substr), __FILE__, __LINE__)

/* Marsaglia's xorshift64 (13, 7, 17): advances *state (never 0) and
 * returns it; the tests' reproducible pseudo-random numbers. */
uint64_t xorshift64(uint64_t *state);

/* 1 if an executable gnuplot is on PATH (tests that need it skip()). */
int have_gnuplot(void);

#endif
