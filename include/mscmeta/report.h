/*
 * mscmeta reports: an analysis as a readable table, JSON or CSV
 * (src/report).
 */
#ifndef MSCMETA_REPORT_H
#define MSCMETA_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/analysis.h"
#include "mscmeta/regress.h"

/* ---------------------------------------------------------------------------
 * Reports (src/report: a builder per report, an emitter per format)
 * ------------------------------------------------------------------------- */
typedef enum {
    MSC_FORMAT_TABLE,
    MSC_FORMAT_JSON,
    MSC_FORMAT_CSV,
    MSC_FORMAT_JSONL, /* JSON Lines: the report by group alone (mscmeta/by.h) */
    MSC_FORMAT_HTML,  /* an HTML fragment: the table's sections as <table>s (msc_page_* for a page) */
    MSC_FORMAT_MD     /* the same as Markdown */
} msc_format;
MSC_API int msc_format_parse(const char *s);

/* Where a report goes: called with consecutive pieces of it, in order;
 * returns MSC_OK, or a status (MSC_ERR_IO) that stops the report. */
typedef msc_status (*msc_write_fn)(void *ctx, const char *buf, size_t len);

typedef struct {
    int summary_only;         /* omit per-study rows */
    const char *input_name;   /* shown in the report */
    const msc_safety *safety; /* per outcome, for `safety` reports; NULL for pool */
    const struct msc_sens *sens; /* sensitivity analyses (msc_sens_run) to add, or NULL */
} msc_report_options;

/* A report writer to a FILE* (msc_report_write underneath); each returns
 * MSC_OK, MSC_ERR_IO if a write failed, MSC_ERR_NOMEM, or MSC_ERR_USAGE
 * when fp or a is NULL. o NULL means all options 0. msc_report_table and
 * msc_report_csv write the pool report even with o->safety. */
typedef msc_status (*msc_report_fn)(FILE *fp, const msc_analysis *a, const msc_report_options *o);
MSC_API msc_status msc_report_table(FILE *fp, const msc_analysis *a, const msc_report_options *o);
MSC_API msc_status msc_report_json(FILE *fp, const msc_analysis *a, const msc_report_options *o);
MSC_API msc_status msc_report_csv(FILE *fp, const msc_analysis *a, const msc_report_options *o);
/* The safety verdicts as a table or CSV (JSON: msc_report_json with o->safety).
 * MSC_ERR_USAGE, with nothing written, when o or o->safety is NULL. */
MSC_API msc_status msc_report_safety_table(FILE *fp, const msc_analysis *a,
                                           const msc_report_options *o);
MSC_API msc_status msc_report_safety_csv(FILE *fp, const msc_analysis *a,
                                         const msc_report_options *o);

/* Writes the report of `a` in format f to fn(ctx, ...), in pieces of at
 * most 64 KiB, for callers whose output is not a FILE* (R connections,
 * Python objects). With o->safety it is the safety report (the verdicts
 * as a table or CSV; in JSON the pool document with the safety results),
 * else the pool report; o NULL means all options 0. Memory beyond the
 * analysis stays bounded however many studies there are. Returns MSC_OK,
 * MSC_ERR_USAGE (a or fn NULL, f not a format), MSC_ERR_NOMEM, or the
 * first status other than MSC_OK that fn returned, after which fn is not
 * called again. */
MSC_API msc_status msc_report_write(const msc_analysis *a, const msc_report_options *o,
                                    msc_format f, msc_write_fn fn, void *ctx);

/* Runs a report writer into memory: *out receives a NUL-terminated string
 * (release it with msc_free) and *len its length (len may be NULL). The
 * library's writers go through msc_report_write; any other writer through
 * a memory stream. Returns the writer's status, MSC_ERR_NOMEM, or
 * MSC_ERR_USAGE (fn or out NULL); *out is NULL on failure. */
MSC_API msc_status msc_report_string(msc_report_fn fn, const msc_analysis *a,
                                     const msc_report_options *o, char **out, size_t *len);

/* The meta-regression report of r (msc_regress_run), in format f: per
 * outcome the coefficients, the test of the moderators, residual
 * heterogeneity, R^2 and the predictions (JSON: the `regression` object;
 * CSV: a row per study, exclusion, coefficient, model and prediction).
 * o may be NULL (all options 0); o->safety is ignored. Returns as
 * msc_report_write (MSC_ERR_USAGE when fp or r is NULL). */
MSC_API msc_status msc_report_regress(FILE *fp, const msc_regression *r, msc_format f,
                                      const msc_report_options *o);
MSC_API msc_status msc_report_regress_write(const msc_regression *r, const msc_report_options *o,
                                            msc_format f, msc_write_fn fn, void *ctx);

/* ---------------------------------------------------------------------------
 * A report page (mscmeta report): one self-contained HTML file, or
 * Markdown, composed of these pieces in order: msc_page_begin, headings,
 * notes, the reports above written with f (MSC_FORMAT_HTML or
 * MSC_FORMAT_MD: their sections as tables), pictures, the Methods
 * paragraph, the Reproducibility block, msc_page_end. The HTML runs no
 * script and fetches nothing (a Content-Security-Policy forbids both);
 * every string given, and every label of the data, is escaped. Each
 * returns MSC_OK, the first status fn returned, or MSC_ERR_USAGE (f not
 * HTML or Markdown, an argument NULL).
 * ------------------------------------------------------------------------- */
MSC_API msc_status msc_page_begin(msc_format f, const char *title, msc_write_fn fn, void *ctx);
/* A heading of level 2 to 4 (the title is level 1). */
MSC_API msc_status msc_page_heading(msc_format f, int level, const char *text, msc_write_fn fn,
                                    void *ctx);
/* A paragraph of text. */
MSC_API msc_status msc_page_note(msc_format f, const char *text, msc_write_fn fn, void *ctx);
/* A picture with its caption: HTML inlines svg[0..len) (from its <svg>
 * element on), refusing with MSC_ERR_INPUT one without <svg> or with
 * anything that could run or fetch (script, foreignObject, image,
 * javascript:, an http link, an entity); Markdown links to `file`, a
 * relative path the caller wrote the picture to. */
MSC_API msc_status msc_page_svg(msc_format f, const char *svg, size_t len, const char *caption,
                                const char *file, msc_write_fn fn, void *ctx);
/* The parts of a report the Methods paragraph describes besides the
 * model. */
enum { MSC_PAGE_SENS = 1, MSC_PAGE_COMPARE = 2, MSC_PAGE_REGRESS = 4 };
/* A Methods paragraph from a's settings, ready to paste into a
 * manuscript, and its references. */
MSC_API msc_status msc_page_methods(msc_format f, const msc_analysis *a, unsigned parts,
                                    msc_write_fn fn, void *ctx);
/* What the Reproducibility block names; NULL members (and input_size -1)
 * are left out. */
typedef struct {
    const char *command_line;
    const char *input_name;
    long long input_size; /* bytes */
    const char *sha256;   /* the input's, 64 hex digits (msc_sha256_hex) */
    const char *date;
} msc_page_info;
/* The Reproducibility block: the version, info's members, and every
 * setting of a (as the JSON report's "settings"). */
MSC_API msc_status msc_page_repro(msc_format f, const msc_analysis *a, const msc_page_info *info,
                                  msc_write_fn fn, void *ctx);
MSC_API msc_status msc_page_end(msc_format f, msc_write_fn fn, void *ctx);

#endif /* MSCMETA_REPORT_H */
