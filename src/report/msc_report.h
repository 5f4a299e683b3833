/*
 * Helpers shared by the report writers (table, JSON, CSV). Not part of the
 * public API.
 */
#ifndef MSC_REPORT_H
#define MSC_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "msc_core.h"

/* Bytes an output buffer of msc_text_display needs for `w` display
 * characters: up to 4 bytes each, "..." and the NUL, with the function's
 * margin of 8. A smaller buffer cuts the text short without "...". */
#define MSC_DISPLAY_BUF(w) (4 * (w) + 8 + 1)

/* Prints `width` columns of s (display width as msc_text_display), padded with spaces
 * on the right, or on the left when right_align is set. */
void msc_text_pad(FILE *fp, const char *s, size_t width, int right_align);

/* Prints s whole, with control characters (C0, DEL and C1, as
 * msc_text_display) replaced by '?'. */
void msc_text_print(FILE *fp, const char *s);

/* Prints each warning of w on its own line after `prefix` ("! "), with
 * control characters replaced by '?'. */
void msc_text_warnings(FILE *fp, const char *prefix, const msc_warnings *w);

/* Writes s as one RFC 4180 CSV field: quoted, quotes doubled, and text a
 * spreadsheet would run as a formula (=, +, -, @ first) prefixed with '. */
void msc_csv_text(FILE *fp, const char *s);

/* Writes v as a CSV number with 17 significant digits (%.17g, enough to
 * read back the same double); nothing, an empty cell, when v is NaN or
 * infinite. */
void msc_csv_num(FILE *fp, double v);

#endif
