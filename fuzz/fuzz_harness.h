/*
 * The fuzz harnesses as plain functions, so that libFuzzer (fuzz/entry.c)
 * and the regression replay (tests/test_regress.c) run exactly the same
 * code. Each takes arbitrary bytes, draws its options from the first few,
 * runs the library on the rest and checks properties; a violated property
 * prints "property failed: ..." and aborts, which both libFuzzer and ctest
 * report as a failure. Every harness returns 0.
 */
#ifndef MSC_FUZZ_HARNESS_H
#define MSC_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* (a) CSV loader with column mapping: 4 option bytes, then the CSV. The
 * in-memory loader and the FILE* loader must agree byte for byte. */
int msc_fuzz_load(const uint8_t *data, size_t size);

/* (b) bytes -> data set -> analysis -> JSON, table, CSV: 8 option bytes
 * (measure, method, test, pi, study CI, level, cc, cc mode, ...), then the CSV. */
int msc_fuzz_pipeline(const uint8_t *data, size_t size);

/* (c) msc_gnuplot_quote: byte 0 the output buffer size (0: large enough),
 * then the text. The string expression evaluates to the cleaned text;
 * outside its single-quoted pieces there is only '.' and sprintf('%c',39). */
int msc_fuzz_quote(const uint8_t *data, size_t size);

/* Option-prefix lengths (the corpus script prepends this many bytes). */
#define MSC_FUZZ_LOAD_PREFIX 4
#define MSC_FUZZ_PIPELINE_PREFIX 8

/* Shared by the harnesses (fuzz/harness_util.c). */
void msc_fuzz_fail(const char *what, const char *detail) __attribute__((noreturn));
#define FUZZ_CHECK(cond, detail)                                                                  \
    do {                                                                                          \
        if (!(cond))                                                                              \
            msc_fuzz_fail(#cond, (detail));                                                       \
    } while (0)
/* 1 if s[0..len) is valid UTF-8 without NUL bytes. */
int msc_fuzz_valid_utf8(const char *s, size_t len);
/* 1 if s is one line: no byte below 0x20 and no DEL. */
int msc_fuzz_one_line(const char *s);

#endif
