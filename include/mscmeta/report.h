/*
 * mscmeta reports: an analysis as a readable table, JSON or CSV
 * (src/report).
 */
#ifndef MSCMETA_REPORT_H
#define MSCMETA_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/analysis.h"

/* ---------------------------------------------------------------------------
 * Reports (src/report: a builder per report, an emitter per format)
 * ------------------------------------------------------------------------- */
typedef enum { MSC_FORMAT_TABLE, MSC_FORMAT_JSON, MSC_FORMAT_CSV } msc_format;
MSC_API int msc_format_parse(const char *s);

/* Where a report goes: called with consecutive pieces of it, in order;
 * returns MSC_OK, or a status (MSC_ERR_IO) that stops the report. */
typedef msc_status (*msc_write_fn)(void *ctx, const char *buf, size_t len);

typedef struct {
    int summary_only;         /* omit per-study rows */
    const char *input_name;   /* shown in the report */
    const msc_safety *safety; /* per outcome, for `safety` reports; NULL for pool */
} msc_report_options;

/* A report writer; each returns MSC_OK or MSC_ERR_IO if a write failed. */
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

/* Runs a report writer into memory: *out receives a NUL-terminated string
 * (release it with msc_free) and *len its length (len may be NULL), for
 * callers whose output is not a FILE* (R connections, Python objects).
 * Returns the writer's status, or MSC_ERR_NOMEM; *out is NULL on failure. */
MSC_API msc_status msc_report_string(msc_report_fn fn, const msc_analysis *a,
                                     const msc_report_options *o, char **out, size_t *len);

#endif /* MSCMETA_REPORT_H */
