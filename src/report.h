/*
 * Helpers shared by the report writers (table, JSON, CSV), the plots, the
 * loader's and the command line's messages.
 */
#ifndef MSC_REPORT_H
#define MSC_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "mscmeta/mscmeta.h"

/* Copies at most `width` display characters (UTF-8 code points) of s into
 * out, replacing control characters (ESC, CR, ...) by '?' so that a label
 * cannot drive the terminal, and ending with "..." when cut. Returns the
 * number of display characters written. */
size_t msc_text_display(const char *s, size_t width, char *out, size_t outlen);

/* Prints `width` columns of s (display width as above), padded with spaces
 * on the right, or on the left when right_align is set. */
void msc_text_pad(FILE *fp, const char *s, size_t width, int right_align);

/* Prints s whole, with control characters replaced by '?'. */
void msc_text_print(FILE *fp, const char *s);

/* Prints each warning of w on its own line after `prefix` ("! "), with
 * control characters replaced by '?'. */
void msc_text_warnings(FILE *fp, const char *prefix, const msc_warnings *w);

/* Appends sep, then s, to the string in buf (size bytes in all), cutting
 * what does not fit: for lists such as "a, b, c" in messages. */
void msc_text_append(char *buf, size_t size, const char *sep, const char *s);

/* A p-value as text with `decimals` decimals (1 to 6), below 10^-decimals
 * as a bound. MSC_P_SHORT for table cells: "0.0685", "<0.0001", "NA";
 * MSC_P_PROSE for running text: "p = 0.0685", "p < 0.0001", "p = NA".
 * Returns buf. */
typedef enum { MSC_P_SHORT, MSC_P_PROSE } msc_p_style;
const char *msc_pvalue_text(char *buf, size_t len, double p, int decimals, msc_p_style style);

/* Writes s as one RFC 4180 CSV field: quoted, quotes doubled, and text a
 * spreadsheet would run as a formula (=, +, -, @ first) prefixed with '. */
void msc_csv_text(FILE *fp, const char *s);

/* Writes v as a CSV number with 17 significant digits (%.17g, enough to
 * read back the same double); nothing, an empty cell, when v is NaN or
 * infinite. */
void msc_csv_num(FILE *fp, double v);

/* Long names for settings lines: "logit", "Clopper-Pearson", ... */
const char *msc_measure_scale_name(msc_measure m);
const char *msc_method_long_name(msc_method m);
const char *msc_study_ci_long_name(msc_study_ci c);

/* The reason a study is excluded, or the pooled block a test uses. */
const msc_estimate *msc_fit_main_block(const msc_fit *f);

/* 0 when a fit's heterogeneity could not be estimated: the GLMM fell back
 * to the exact pooled proportion (random.exact) and tau^2 is not 0 (not
 * identified; the fit's warnings say why). A fallback at tau^2 = 0 (one
 * study, a singular fit) is shown as such. One study (k < 2) is for the
 * caller to check first. */
int msc_fit_het_estimable(const msc_fit *f);

#endif
