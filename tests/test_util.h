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

/* Loads a file from tests/; fails the test on error. */
msc_dataset *load_file(const char *path, const char *events, const char *subgroup);

#endif
