/*
 * Helpers shared by the report writers (table, JSON, CSV) and the plots.
 */
#ifndef MSC_REPORT_H
#define MSC_REPORT_H

#include <stddef.h>

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

/* Writes s as one RFC 4180 CSV field: quoted, quotes doubled, and text a
 * spreadsheet would run as a formula (=, +, -, @ first) prefixed with '. */
void msc_csv_text(FILE *fp, const char *s);

/* Long names for settings lines: "logit", "Clopper-Pearson", ... */
const char *msc_measure_scale_name(msc_measure m);
const char *msc_method_long_name(msc_method m);
const char *msc_study_ci_long_name(msc_study_ci c);

/* The reason a study is excluded, or the pooled block a test uses. */
const msc_estimate *msc_fit_main_block(const msc_fit *f);

#endif
