/*
 * Harness (c): msc_gnuplot_quote, the one door through which user text
 * reaches a gnuplot script.
 *
 * Byte 0 picks the output buffer: 0 one that fits, else that many bytes
 * (1..255) to exercise truncation. The rest, up to the first NUL, is the
 * text. Properties (include/mscmeta/plot.h):
 *  - the result is one gnuplot string expression and nothing else: pieces
 *    joined by '.', each either a single-quoted literal with no quote
 *    inside, or exactly sprintf('%c',39) (a quote character). Inside single
 *    quotes gnuplot expands no backquotes, escapes or macros, so nothing
 *    in it can run;
 *  - no control character (C0, DEL, C1) and only valid UTF-8;
 *  - evaluated (pieces concatenated), it equals the text after the
 *    documented replacements (LF, CR, tab -> space; other controls -> ?;
 *    invalid UTF-8 -> U+FFFD), or, when cut, a prefix of it ending at a
 *    character boundary;
 *  - the return value is the length of the whole expression, like snprintf.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_harness.h"
#include "mscmeta/plot.h"

/* The documented replacements, computed independently of gnuplot.c. */
static char *expected(const char *s, size_t len, size_t *outlen)
{
    char *e = malloc(3 * len + 1);
    FUZZ_CHECK(e != NULL, NULL);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r' || c == '\t') {
            e[o++] = ' ';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            e[o++] = '?';
            i++;
        } else if (c < 0x80) {
            e[o++] = (char)c;
            i++;
        } else {
            size_t n = 0;
            for (size_t l = 2; l <= 4 && i + l <= len && !n; l++)
                if (msc_fuzz_valid_utf8(s + i, l))
                    n = l;
            if (!n) {
                memcpy(e + o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
            } else if (n == 2 && c == 0xC2 && (unsigned char)s[i + 1] < 0xA0) {
                e[o++] = '?'; /* C1 control */
                i += 2;
            } else {
                memcpy(e + o, s + i, n);
                o += n;
                i += n;
            }
        }
    }
    e[o] = '\0';
    *outlen = o;
    return e;
}

int msc_fuzz_quote(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t outlen = data[0];
    size_t len = strnlen((const char *)data + 1, size - 1);
    char *s = malloc(len + 1);
    FUZZ_CHECK(s != NULL, NULL);
    memcpy(s, data + 1, len);
    s[len] = '\0';

    /* The length of the whole expression, then the expression itself. */
    char probe[3];
    size_t need = msc_gnuplot_quote(s, probe, sizeof probe);
    if (outlen == 0)
        outlen = need + 1;
    if (outlen < 3)
        outlen = 3; /* the documented minimum */
    char *out = malloc(outlen);
    FUZZ_CHECK(out != NULL, NULL);
    FUZZ_CHECK(msc_gnuplot_quote(s, out, outlen) == need, "the return value does not change");
    size_t olen = strlen(out);
    FUZZ_CHECK(olen < outlen, "fits the buffer");
    FUZZ_CHECK(need >= outlen || olen == need, "the return value is the expression's length");

    /* One expression: piece ('.' piece)*, a piece being '...' without a
     * quote inside, or the quote character as sprintf('%c',39). */
    FUZZ_CHECK(olen >= 2, out);
    FUZZ_CHECK(msc_fuzz_valid_utf8(out, olen), out);
    static const char QUOTE[] = "sprintf('%c',39)";
    char *back = malloc(olen + 1);
    FUZZ_CHECK(back != NULL, NULL);
    size_t b = 0;
    for (size_t i = 0;;) {
        if (out[i] == '\'') {
            const char *end = strchr(out + i + 1, '\'');
            FUZZ_CHECK(end != NULL, "an unclosed literal");
            for (const char *c = out + i + 1; c < end; c++) {
                unsigned char u = (unsigned char)*c;
                FUZZ_CHECK(u >= 0x20 && u != 0x7f, "no control characters");
                FUZZ_CHECK(!(u == 0xC2 && (unsigned char)c[1] < 0xA0), "no C1 controls");
                back[b++] = *c;
            }
            i = (size_t)(end - out) + 1;
        } else {
            FUZZ_CHECK(strncmp(out + i, QUOTE, sizeof QUOTE - 1) == 0,
                       "text outside the quotes that is not sprintf('%c',39)");
            back[b++] = '\'';
            i += sizeof QUOTE - 1;
        }
        if (i == olen)
            break;
        FUZZ_CHECK(out[i] == '.' && i + 1 < olen, "pieces are joined by '.'");
        i++;
    }

    size_t elen;
    char *want = expected(s, len, &elen);
    if (need < outlen) {
        FUZZ_CHECK(b == elen && memcmp(back, want, b) == 0, "reads back as the cleaned text");
    } else {
        FUZZ_CHECK(b <= elen && memcmp(back, want, b) == 0, "a cut expression is a prefix");
        FUZZ_CHECK(b == elen || ((unsigned char)want[b] & 0xC0) != 0x80,
                   "cut at a character boundary");
    }
    free(want);
    free(back);
    free(out);
    free(s);
    return 0;
}
