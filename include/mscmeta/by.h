/*
 * mscmeta by group: many meta-analyses in one pass. The records of a data
 * set are grouped by the value of one column (src/stats/by.c); each group
 * is a separate meta-analysis with every setting applied
 * (msc_analysis_run_rows), and the report writes one record per group and
 * outcome, computed on several threads and written in group order, so that
 * the output is the same for any number of threads (src/report/build_by.c).
 * There is no overall pool and no test between groups: that is a subgroup
 * analysis (msc_load_options.subgroup_col).
 */
#ifndef MSCMETA_BY_H
#define MSCMETA_BY_H

#include <stddef.h>

#include "mscmeta/analysis.h"
#include "mscmeta/regress.h"
#include "mscmeta/report.h"

/* ---------------------------------------------------------------------------
 * Groups (src/stats/by.c)
 * ------------------------------------------------------------------------- */

/* The records of a data set by the value of one kept column. */
typedef struct msc_by msc_by;

/* Groups d's records by the kept column `col` (msc_load_options.keep_cols
 * must have named it): one group per distinct value, in the order of each
 * value's first record; each group's records in file order. Records whose
 * value is missing are in no group (msc_by_missing counts them). Time and
 * memory O(records). MSC_ERR_USAGE (col not kept), MSC_ERR_NOMEM. */
MSC_API msc_status msc_by_group(const msc_dataset *d, const char *col, msc_by **out, char *err,
                                size_t errlen);
MSC_API void msc_by_free(msc_by *g);
MSC_API size_t msc_by_count(const msc_by *g);
/* The column's name; group i's value (valid while d lives); its records
 * (indices into d's, ascending) and their number in *n. */
MSC_API const char *msc_by_column(const msc_by *g);
MSC_API const char *msc_by_value(const msc_by *g, size_t i);
MSC_API const size_t *msc_by_rows(const msc_by *g, size_t i, size_t *n);
/* Records with no value in the column. */
MSC_API size_t msc_by_missing(const msc_by *g);

/* ---------------------------------------------------------------------------
 * The report of every group (src/report/build_by.c)
 * ------------------------------------------------------------------------- */

/* The analysis each group gets. */
typedef enum {
    MSC_BY_POOL,  /* msc_analysis_run_rows: pooled estimates, heterogeneity */
    MSC_BY_SAFETY, /* and msc_safety_evaluate against thresholds */
    MSC_BY_REGRESS /* msc_regress_run_rows on the moderators of msc_by_options.regress */
} msc_by_kind;

typedef struct {
    msc_by_kind kind;
    int summary_only;         /* JSON Lines: leave each group's studies out */
    const char *input_name;   /* shown in the table's title; NULL: the data set's source */
    const double *thresholds; /* MSC_BY_SAFETY: the limit of each outcome (NAN: none) */
    int threads;              /* groups computed at once, 1 to MSC_THREADS_MAX */
    const msc_regress_options *regress; /* MSC_BY_REGRESS: the moderators (keep_cols must
                                         * have kept them) */
} msc_by_options;

/* What the groups came to, for the caller's exit status. */
typedef struct {
    size_t groups;        /* meta-analyses written */
    size_t with_warnings; /* group and outcome records that carry a warning */
    size_t skipped;       /* records of an outcome with no usable study */
    size_t not_below;     /* MSC_BY_SAFETY: records with a limit whose upper bound is not
                           * shown below it (exceeded, or no bound) */
} msc_by_summary;

/* Writes the analysis of every group of g (records of d) with settings s
 * in format f (table: one line per group and outcome, with its warnings
 * below it; CSV: one row per group and outcome; JSON Lines: one object
 * per group and outcome, the members of that outcome in the pool (or
 * safety, or regress) JSON after "by", the group's value) to fn(ctx, ...),
 * in group order, o->threads groups at a time. A group's failure (no
 * usable study, a fit that falls back, a design its rows cannot fit) is in
 * its own record and warnings; only running out of memory or a failed
 * write stops the report. MSC_FORMAT_JSON is not a format of this report
 * (MSC_ERR_USAGE). Regress: the CSV row has the model's summary and, for
 * each coefficient slot up to the most the whole file's design could
 * have, coefK_name, coefK_estimate ... (a group with fewer coefficients
 * leaves the rest empty); options the whole file's design cannot take
 * (msc_regress_run_rows with MSC_REGRESS_RUN_DESIGN) are MSC_ERR_USAGE.
 * sum may be NULL. */
MSC_API msc_status msc_report_by(const msc_dataset *d, const msc_by *g, const msc_settings *s,
                                 const msc_by_options *o, msc_format f, msc_write_fn fn, void *ctx,
                                 msc_by_summary *sum);

#endif /* MSCMETA_BY_H */
