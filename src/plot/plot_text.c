/*
 * Text measurement, so that plots can be laid out before gnuplot draws
 * them: each character's advance width from the font's metrics, and text
 * fitted to a width.
 */
#include <string.h>

#include "msc_core.h"
#include "msc_plot.h"

/* -------------------------------------------------------- text widths */

/* Advance widths of ASCII 32..126 in 1/1000 em, from Adobe's Helvetica
 * and Helvetica-Bold AFM files. Nimbus Sans, Liberation Sans and Arial,
 * which fontconfig and SVG viewers substitute, share these metrics. */
/* clang-format off */
static const short HELV[95] = {
    /*  !"#$%&' */  278,  278,  355,  556,  556,  889,  667,  191,
    /* ()*+,-./ */  333,  333,  389,  584,  278,  333,  278,  278,
    /* 01234567 */  556,  556,  556,  556,  556,  556,  556,  556,
    /* 89:;<=>? */  556,  556,  278,  278,  584,  584,  584,  556,
    /* @ABCDEFG */ 1015,  667,  667,  722,  722,  667,  611,  778,
    /* HIJKLMNO */  722,  278,  500,  667,  556,  833,  722,  778,
    /* PQRSTUVW */  667,  778,  722,  667,  611,  722,  667,  944,
    /* XYZ[\]^_ */  667,  667,  611,  278,  278,  278,  469,  556,
    /* `abcdefg */  333,  556,  556,  500,  556,  556,  278,  556,
    /* hijklmno */  556,  222,  222,  500,  222,  833,  556,  556,
    /* pqrstuvw */  556,  556,  333,  500,  278,  556,  500,  722,
    /* xyz{|}~  */  500,  500,  500,  334,  260,  334,  584
};
static const short HELV_BOLD[95] = {
    /*  !"#$%&' */  278,  333,  474,  556,  556,  889,  722,  238,
    /* ()*+,-./ */  333,  333,  389,  584,  278,  333,  278,  278,
    /* 01234567 */  556,  556,  556,  556,  556,  556,  556,  556,
    /* 89:;<=>? */  556,  556,  333,  333,  584,  584,  584,  611,
    /* @ABCDEFG */  975,  722,  722,  722,  722,  667,  611,  778,
    /* HIJKLMNO */  722,  278,  556,  722,  611,  833,  722,  778,
    /* PQRSTUVW */  667,  778,  722,  667,  611,  722,  667,  944,
    /* XYZ[\]^_ */  667,  667,  611,  333,  278,  333,  584,  556,
    /* `abcdefg */  333,  556,  611,  556,  611,  556,  333,  611,
    /* hijklmno */  611,  278,  278,  556,  278,  889,  611,  611,
    /* pqrstuvw */  611,  611,  389,  556,  333,  611,  556,  778,
    /* xyz{|}~  */  556,  556,  500,  389,  280,  389,  584
};
/* clang-format on */

/* Decodes one UTF-8 character at p (the loader made labels valid UTF-8;
 * an invalid byte counts as one U+FFFD, as msc_gnuplot_quote draws it).
 * Sets *cp, returns the bytes used. */
static size_t decode(const unsigned char *p, unsigned *cp)
{
    size_t len = msc_utf8_seq(p, 4); /* stops at the terminating NUL */
    if (len == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    unsigned v = len == 1 ? p[0] : p[0] & (0x7Fu >> len); /* the lead byte's payload */
    for (size_t i = 1; i < len; i++)
        v = (v << 6) | (p[i] & 0x3Fu);
    *cp = v;
    return len;
}

/* Width of one character in 1/1000 em. Outside ASCII: combining marks
 * take none, East Asian wide characters a full em, the rest about the
 * width of a wide Latin letter (generous, so columns never collide). */
static double char_width(unsigned cp, int bold)
{
    if (cp < 0x20 || cp == 0x7F)
        cp = '?'; /* control characters are drawn as '?' */
    if (cp < 0x7F)
        return (bold ? HELV_BOLD : HELV)[cp - 32];
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || cp >= 0x20000)
        return 1000;
    return bold ? 700 : 650;
}

double msc_plot_text_width(const char *s, double size, int bold)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp;
        p += decode(p, &cp);
        w += char_width(cp, bold);
    }
    return w * size / 1000.0;
}

double msc_plot_text_fit(const char *s, double maxw, double size, int bold, char *out,
                         size_t outlen)
{
    double full = msc_plot_text_width(s, size, bold);
    double dots = msc_plot_text_width("...", size, bold);
    double budget = full <= maxw ? full : maxw - dots;
    double w = 0;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t len = decode(p, &cp);
        double cw = char_width(cp, bold) * size / 1000.0;
        if (w + cw > budget + 1e-9 || o + len + 4 > outlen)
            break;
        if (cp < 0x20 || cp == 0x7F)
            out[o++] = '?';
        else
            memcpy(out + o, p, len), o += len;
        w += cw;
        p += len;
    }
    if (*p) { /* cut: drop trailing spaces, then "..." */
        while (o > 0 && out[o - 1] == ' ') {
            o--;
            w -= char_width(' ', bold) * size / 1000.0;
        }
        if (o + 4 <= outlen) {
            memcpy(out + o, "...", 3);
            o += 3;
            w += dots;
        }
    }
    out[o] = '\0';
    return w;
}
