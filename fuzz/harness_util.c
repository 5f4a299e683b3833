/*
 * Helpers shared by the fuzz harnesses: property failure, UTF-8 and
 * one-line checks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_harness.h"

void msc_fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "property failed: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    fflush(stderr);
    abort();
}

/* The same rules as msc_utf8_seq in src/core/text.c (shortest form, no
 * surrogates, at most U+10FFFF, no NUL), written out again on purpose: the
 * harnesses check the library's output with it, so it must be an
 * independent oracle rather than the code under test. Keep the two in step
 * by hand. */
int msc_fuzz_valid_utf8(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n;
        unsigned cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (i + n > len)
            return 0;
        for (size_t j = 1; j < n; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3Fu);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n;
    }
    return 1;
}

int msc_fuzz_one_line(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}
