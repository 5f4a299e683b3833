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
 * One thing the caller must do: call msc_init() once before using the
 * library. It turns GSL's abort-on-error handler off, process-wide: the
 * library checks GSL's return values itself (a beta quantile that does not
 * converge, say), and must not abort its caller.
 */
#ifndef MSCMETA_H
#define MSCMETA_H

#include "mscmeta/core.h"
#include "mscmeta/data.h"
#include "mscmeta/stats.h"
#include "mscmeta/regress.h"
#include "mscmeta/analysis.h"
#include "mscmeta/report.h"
#include "mscmeta/sens.h"
#include "mscmeta/by.h"
#include "mscmeta/compare.h"
#include "mscmeta/simulate.h"

#endif /* MSCMETA_H */
