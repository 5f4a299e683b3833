/*
 * mscmeta core: status codes, start-up, version, warnings, settings, and
 * safe display of user text. Every other public header includes this one.
 *
 * Conventions: every function that can fail returns an msc_status and,
 * where it says so, fills a caller's error buffer (MSC_ERRBUF bytes) with
 * a one-line message naming the file and line ("studies.csv:7: ..."). The
 * library never prints and never exits. NAN marks "not applicable / not
 * available"; every _free accepts NULL; counts are doubles (exact to 2^53).
 */
#ifndef MSCMETA_CORE_H
#define MSCMETA_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "mscmeta/version.h"

/* Marks the library's public functions: the shared library is built with
 * -fvisibility=hidden, so only these are exported. */
#if defined(__GNUC__) || defined(__clang__)
#define MSC_API __attribute__((visibility("default")))
#define MSC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MSC_API
#define MSC_PRINTF(f, a)
#endif

#define MSC_ERRBUF 1024 /* size of the error buffers callers pass in */

/* Status codes. The command line maps them to exit codes (see README). */
typedef enum {
    MSC_OK = 0,
    MSC_ERR_INPUT = 1, /* the data are malformed, unreadable or unusable */
    MSC_ERR_USAGE = 2, /* a setting or argument the library cannot accept */
    MSC_ERR_IO = 4,    /* writing output failed */
    MSC_ERR_NOMEM = 5  /* an allocation failed */
} msc_status;

/* Call once before anything else (it is cheap and may be called again):
 * turns GSL's abort-on-error handler off, process-wide, because the
 * library checks GSL's return values itself and must not abort its
 * caller. Returns MSC_OK. */
MSC_API msc_status msc_init(void);

/* The library's version, "MAJOR.MINOR.PATCH" (the same as MSC_VERSION of
 * the headers it was built with). */
MSC_API const char *msc_version(void);

/* A short English description of a status ("invalid input", ...). */
MSC_API const char *msc_strerror(msc_status s);

/* Releases memory the library allocated for the caller (report strings). */
MSC_API void msc_free(void *p);

/* SHA-256 (FIPS 180-4) of a byte stream, as sha256sum prints it: init,
 * update with the bytes in any pieces, then hex writes the 64 lowercase
 * hex digits and a NUL to out (the state is used up). */
typedef struct {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
} msc_sha256;
MSC_API void msc_sha256_init(msc_sha256 *c);
MSC_API void msc_sha256_update(msc_sha256 *c, const void *data, size_t len);
MSC_API void msc_sha256_hex(msc_sha256 *c, char out[65]);

/* ---------------------------------------------------------------------------
 * Warnings: messages attached to a result, for the report to show.
 * ------------------------------------------------------------------------- */
typedef struct {
    char **msg;
    size_t n, cap;
    int lost; /* a message could not be stored (out of memory) */
} msc_warnings;

/* Appends a printf-formatted message; returns MSC_ERR_NOMEM, and sets
 * w->lost, when it cannot be stored. A result whose warnings lost one is
 * incomplete: the functions that fill warnings then fail with
 * MSC_ERR_NOMEM rather than return it. */
MSC_API msc_status msc_warnings_add(msc_warnings *w, const char *fmt, ...) MSC_PRINTF(2, 3);
MSC_API void msc_warnings_clear(msc_warnings *w);

/* ---------------------------------------------------------------------------
 * Settings
 * ------------------------------------------------------------------------- */
typedef enum { MSC_PR, MSC_PLN, MSC_PLO, MSC_PAS, MSC_PFT } msc_measure;
typedef enum { MSC_CC_ONLY0, MSC_CC_ALL, MSC_CC_IF0ALL, MSC_CC_NONE } msc_cc_mode;
typedef enum {
    MSC_METHOD_FE,
    MSC_METHOD_DL,
    MSC_METHOD_HE,
    MSC_METHOD_HS,
    MSC_METHOD_SJ,
    MSC_METHOD_ML,
    MSC_METHOD_REML,
    MSC_METHOD_EB,
    MSC_METHOD_PM,
    MSC_METHOD_GLMM,
    MSC_METHOD_BB /* beta-binomial, common rho (Mathes & Kuss 2018) */
} msc_method;
typedef enum { MSC_TEST_Z, MSC_TEST_KNHA } msc_test;
typedef enum { MSC_PI_HTS, MSC_PI_Z, MSC_PI_T } msc_pi;
typedef enum {
    MSC_SCI_CP,
    MSC_SCI_WILSON,
    MSC_SCI_JEFFREYS,
    MSC_SCI_AC,
    MSC_SCI_WALD
} msc_study_ci;

#define MSC_NAGQ_MAX 64      /* quadrature points the GLMM accepts */
#define MSC_THREADS_MAX 1024 /* threads a computation may use */

typedef struct {
    msc_measure measure;   /* default PLO */
    double cc;             /* continuity correction; NAN = metafor's default for the measure */
    int cc_mode;           /* msc_cc_mode, or -1 = metafor's default for the measure */
    msc_method method;     /* default REML */
    msc_test test;         /* default z */
    msc_pi pi;             /* default HTS */
    msc_study_ci study_ci; /* default Clopper-Pearson */
    double level;          /* confidence level in (0,1), default 0.95 */
    int nagq;              /* GLMM quadrature nodes, 1 to MSC_NAGQ_MAX, default 7 */
    int threads;           /* threads a fit may use, 1 to MSC_THREADS_MAX, default 1; the
                            * results are the same for any number */
    double null_prop;      /* H0 proportion of the extra test of each pooled estimate on the
                            * model scale (--null); NAN (default): none */
    int method_default;    /* 1: `method` is msc_method_default(measure), not the user's
                            * choice (reports say why it was used); default 0 */
} msc_settings;

MSC_API void msc_settings_default(msc_settings *s);

/* Checks every field: enums in range, 0 < level < 1, cc NAN or finite and
 * >= 0, cc_mode -1 or in range, nagq from 1 to MSC_NAGQ_MAX, threads from
 * 1 to MSC_THREADS_MAX, null_prop NAN or in (0, 1), and the GLMM
 * only with PLO and the z test. Returns MSC_OK, or MSC_ERR_USAGE with a
 * message in err naming the field (not a command-line flag). Every
 * function that takes settings calls it first. */
MSC_API msc_status msc_settings_check(const msc_settings *s, char *err, size_t errlen);

/* The model mscmeta uses when none is named: for PLO (the default
 * measure) the binomial-normal GLMM, as meta's metaprop since 4.9-5
 * (Stijnen, Hamza & Ozdemir 2010; Schwarzer et al. 2019), unless `test` is
 * knha, which applies to inverse-variance models; REML otherwise, as
 * metafor. (msc_settings_default keeps REML, metafor's default.) */
MSC_API msc_method msc_method_default(msc_measure measure, msc_test test);

/* 1 for the models fitted to the counts themselves (GLMM, BB): they model
 * the logit of the proportion whatever the measure, and no continuity
 * correction enters their fit. */
MSC_API int msc_method_uses_counts(msc_method m);

/* The correction actually applied: metafor adds 0.5 to studies with 0 or n
 * events for PR/PLN/PLO and nothing for PAS/PFT unless asked. */
MSC_API void msc_settings_effective_cc(const msc_settings *s, double *cc, msc_cc_mode *mode);

/* Names <-> enums ("PLO", "REML", "knha", "hts", "cp", "only0"); the name of
 * a value out of range is "?"; parse returns -1 if unknown. */
MSC_API const char *msc_measure_name(msc_measure m);
MSC_API const char *msc_method_name(msc_method m);
MSC_API const char *msc_test_name(msc_test t);
MSC_API const char *msc_pi_name(msc_pi p);
MSC_API const char *msc_study_ci_name(msc_study_ci c);
MSC_API const char *msc_cc_mode_name(msc_cc_mode m);
MSC_API int msc_measure_parse(const char *s);
MSC_API int msc_method_parse(const char *s);
MSC_API int msc_test_parse(const char *s);
MSC_API int msc_pi_parse(const char *s);
MSC_API int msc_study_ci_parse(const char *s);
MSC_API int msc_cc_mode_parse(const char *s);

/* Copies at most `width` display characters (UTF-8 code points) of s into
 * out, replacing control characters (ESC, CR, C1 ...) by '?' so that a
 * label cannot drive a terminal, and ending with "..." when cut. Returns
 * the number of display characters written. For showing names from a data
 * file in messages. */
MSC_API size_t msc_text_display(const char *s, size_t width, char *out, size_t outlen);

#endif /* MSCMETA_CORE_H */
