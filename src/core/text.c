/*
 * Text helpers every layer uses: UTF-8 repair for text read from files and
 * command lines, so that labels and names can go into JSON, tables and
 * plots without surprises; safe display of user text; p values as text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"

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

/* Windows-1252 bytes 0x80-0x9F as Unicode code points, 0 where the code
 * page leaves the byte undefined; every other byte b is U+00b, as in
 * ISO-8859-1. From the Unicode Consortium's mapping table
 * https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT
 * (the code chart of Microsoft's "Windows 1252" page). */
static const unsigned short CP1252_80[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80-87 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,      /* 88-8F */
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90-97 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178, /* 98-9F */
};

int msc_cp1252_decodes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || (c >= 0x80 && c < 0xA0 && CP1252_80[c - 0x80] == 0))
            return 0;
    }
    return 1;
}

/* The code point of byte c in Windows-1252 (latin1: Latin-1), or U+FFFD
 * for a NUL or a byte Windows-1252 leaves undefined. */
static unsigned single_byte_cp(unsigned char c, int latin1)
{
    unsigned cp = c >= 0x80 && c < 0xA0 && !latin1 ? CP1252_80[c - 0x80] : c;
    return cp == 0 ? 0xFFFD : cp;
}

char *msc_single_byte_decode(const char *s, size_t len, int latin1, int *fixed)
{
    /* sized exactly (a byte becomes 1 to 3: U+20AC, U+FFFD), so that a
     * million converted labels take no more than their text */
    size_t size = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned c = single_byte_cp((unsigned char)s[i], latin1);
        size += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    char *out = malloc(size);
    if (!out)
        return NULL;
    size_t o = 0;
    int bad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = single_byte_cp((unsigned char)s[i], latin1);
        bad |= c == 0xFFFD;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    *fixed = bad;
    return out;
}

char *msc_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Bytes in the UTF-8 sequence that starts with c (the loader made the text
 * valid UTF-8, so this only has to read lead bytes). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

size_t msc_text_display(const char *s, size_t width, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t total = 0; /* code points, counted up to width + 1 */
    for (const unsigned char *q = p; *q && total <= width; total++)
        for (size_t i = seq_len(*q); i > 0 && *q; i--)
            q++;
    int cut = total > width;
    size_t keep = cut ? (width >= 3 ? width - 3 : width) : total;
    size_t o = 0, shown = 0;
    while (*p && shown < keep && o + 8 < outlen) {
        size_t len = seq_len(*p);
        if ((len == 1 && (*p < 0x20 || *p == 0x7f)) || (len == 2 && p[0] == 0xC2 && p[1] < 0xA0)) {
            out[o++] = '?'; /* C0 and C1 control characters */
            p += len == 2 && p[1] ? 2 : 1;
        } else {
            for (size_t i = 0; i < len && *p; i++)
                out[o++] = (char)*p++;
        }
        shown++;
    }
    if (cut && width >= 3 && o + 4 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
        shown += 3;
    }
    out[o] = '\0';
    return shown;
}

void msc_text_append(char *buf, size_t size, const char *sep, const char *s)
{
    strncat(buf, sep, size - strlen(buf) - 1);
    strncat(buf, s, size - strlen(buf) - 1);
}

const char *msc_pvalue_text(char *buf, size_t len, double p, int decimals, msc_p_style style)
{
    /* 10^-decimals, exactly as the literals 0.1, 0.01, ... */
    static const double bound[] = {1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6};
    int d = decimals < 1 ? 1 : decimals > 6 ? 6 : decimals;
    int prose = style == MSC_P_PROSE;
    if (!isfinite(p))
        snprintf(buf, len, "%s", prose ? "p = NA" : "NA");
    else if (p < bound[d - 1])
        snprintf(buf, len, "%s%.*f", prose ? "p < " : "<", d, bound[d - 1]);
    else
        snprintf(buf, len, "%s%.*f", prose ? "p = " : "", d, p);
    return buf;
}

const char *msc_level_text(char *buf, size_t len, double level)
{
    /* the fewest decimals that give 100 level back to 1e-9: 97.5, not the
     * 97.499999999999986 that 100 * 0.975 is in binary */
    double pct = 100.0 * level;
    for (int d = 0; d <= 6; d++) {
        snprintf(buf, len, "%.*f", d, pct);
        if (fabs(strtod(buf, NULL) - pct) <= 1e-9 * fabs(pct))
            return buf;
    }
    return buf;
}
