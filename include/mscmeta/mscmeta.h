/*
 * mscmeta: meta-analysis of single-arm proportions.
 *
 * The public API, in one include. The library reads study counts
 * (mscmeta/data.h), computes per-study effect sizes and intervals and pools
 * them exactly as R's metafor does (mscmeta/stats.h, mscmeta/analysis.h),
 * writes reports (mscmeta/report.h) and draws plots (mscmeta/plot.h). It
 * never prints on its own and never exits: every function that can fail
 * returns an msc_status and, where it says so, fills a caller's error
 * buffer with a one-line message naming the file and line
 * ("studies.csv:7: ...").
 *
 * One thing the caller must do: call gsl_set_error_handler_off() once before
 * using the library (cli/main.c and every test program do). GSL's default
 * handler abort()s on a failed special function (for example a beta quantile
 * that does not converge), and the library handles those returns itself; it
 * does not change the process-wide handler on the caller's behalf.
 */
#ifndef MSCMETA_H
#define MSCMETA_H

#include "mscmeta/core.h"
#include "mscmeta/data.h"
#include "mscmeta/stats.h"
#include "mscmeta/analysis.h"
#include "mscmeta/report.h"

#endif /* MSCMETA_H */
