/*
 * UTF-8 repair for text read from files and command lines, so that labels
 * and names can go into JSON, tables and plots without surprises.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* fuzz/harness_util.c (msc_fuzz_valid_utf8) repeats these rules on
 * purpose, as an independent check of the output: change both together. */
size_t msc_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0x01 && c < 0x80)
        return 1;
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0; /* NUL, a stray continuation byte, or never valid */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0; /* overlong, out of range, or a surrogate */
    return len;
}

char *msc_utf8_clean(const char *s, size_t len, int *fixed)
{
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        size_t l = msc_utf8_seq((const unsigned char *)s + i, len - i);
        bad += l == 0;
        i += l ? l : 1;
    }
    char *out = malloc(len + 2 * bad + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t l = msc_utf8_seq((const unsigned char *)s + i, len - i);
        if (l == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
        }
    }
    out[o] = '\0';
    *fixed = bad > 0;
    return out;
}
