/*
 * The core layer's private helpers (src/core: settings, warnings, text),
 * shared by every layer above it. Needs only libc. Not part of the public
 * API.
 */
#ifndef MSC_CORE_H
#define MSC_CORE_H

#include <stddef.h>

#include "mscmeta/mscmeta.h"

char *msc_strdup(const char *s);

/* Length of the valid UTF-8 sequence at s (1..4 bytes, at most n), or 0 if
 * it is invalid (NUL, stray continuation byte, overlong, surrogate, beyond
 * U+10FFFF). Stops reading at the first byte that breaks the sequence. */
size_t msc_utf8_seq(const unsigned char *s, size_t n);

/* A NUL-terminated copy of s[0..len) as valid UTF-8: invalid bytes and NULs
 * become U+FFFD; *fixed says whether anything was replaced. NULL if out of
 * memory. */
char *msc_utf8_clean(const char *s, size_t len, int *fixed);

/* Whether s[0..len) reads as Windows-1252 text: no NUL and none of the
 * five bytes the code page leaves undefined (0x81 0x8D 0x8F 0x90 0x9D). */
int msc_cp1252_decodes(const char *s, size_t len);

/* A NUL-terminated UTF-8 copy of s[0..len) read as Windows-1252 (latin1
 * 0) or ISO-8859-1 (latin1 1): NULs and bytes undefined in Windows-1252
 * become U+FFFD; *fixed says whether any did. NULL if out of memory. */
char *msc_single_byte_decode(const char *s, size_t len, int latin1, int *fixed);

/* Appends sep, then s, to the string in buf (size bytes in all), cutting
 * what does not fit: for lists such as "a, b, c" in messages. */
void msc_text_append(char *buf, size_t size, const char *sep, const char *s);

/* A p-value as text with `decimals` decimals (1 to 6), below 10^-decimals
 * as a bound. MSC_P_SHORT for table cells: "0.0685", "<0.0001", "NA";
 * MSC_P_PROSE for running text: "p = 0.0685", "p < 0.0001", "p = NA".
 * Returns buf. */
typedef enum { MSC_P_SHORT, MSC_P_PROSE } msc_p_style;
const char *msc_pvalue_text(char *buf, size_t len, double p, int decimals, msc_p_style style);

/* A confidence level as a percentage with as many decimals as it has
 * (0.95 -> "95", 0.975 -> "97.5", 0.999 -> "99.9"; at most 6), for
 * headers such as "95% CI". Returns buf. */
const char *msc_level_text(char *buf, size_t len, double level);

/* Long names for settings lines: "logit", "Clopper-Pearson", ... */
const char *msc_measure_scale_name(msc_measure m);
const char *msc_method_long_name(msc_method m);
const char *msc_study_ci_long_name(msc_study_ci c);

#endif
