/*
 * Text measurement, so that plots can be laid out before gnuplot draws
 * them: each character's advance width from the font's metrics, and text
 * fitted to a width.
 *
 * The layout is measured for Liberation Sans (Helvetica's metrics). Where
 * fontconfig resolves that name to another font (the package is missing),
 * msc_plot_font_check says so, and the plots ask for the system's
 * sans-serif font and measure text with wider metrics (WIDE): more space
 * than needed, never overlap.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msc_core.h"
#include "msc_plot.h"

extern char **environ;

/* The metrics this thread's plot measures with: 1 wide, 0 the font's. */
static _Thread_local int wide;

void msc_plot_text_use(int use_wide)
{
    wide = use_wide;
}

int msc_plot_text_wide(void)
{
    return wide;
}

const char *msc_plot_font_name(int bold)
{
    if (wide)
        return bold ? MSC_PLOT_FONT_WIDE_BOLD : MSC_PLOT_FONT_WIDE;
    return bold ? MSC_PLOT_FONT_BOLD : MSC_PLOT_FONT;
}

/* ------------------------------------------------------------ the font */

/* Families with Helvetica's metrics that fontconfig may give for
 * "Liberation Sans" (its metric aliases: Arimo, Arial; Nimbus Sans and
 * TeX Gyre Heros are Helvetica's clones, FreeSans is made from Nimbus). */
static const char *const METRIC_FAMILIES[] = {"Liberation Sans", "Arimo", "Arial", "Helvetica",
                                              "Nimbus Sans", "Nimbus Sans L", "TeX Gyre Heros",
                                              "FreeSans"};

/* The family fontconfig gives for `pattern` ("Liberation Sans:bold"), by
 * running fc-match (fixed arguments, no shell) into out. Returns 0, or -1
 * when fc-match cannot be run or says nothing. */
static int fc_family(const char *pattern, char *out, size_t outlen)
{
    FILE *cap = tmpfile();
    if (!cap)
        return -1;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    posix_spawn_file_actions_t fa;
    int rc = -1;
    if (null >= 0 && posix_spawn_file_actions_init(&fa) == 0) {
        int sr = posix_spawn_file_actions_adddup2(&fa, null, STDIN_FILENO);
        if (sr == 0)
            sr = posix_spawn_file_actions_adddup2(&fa, fileno(cap), STDOUT_FILENO);
        if (sr == 0)
            sr = posix_spawn_file_actions_adddup2(&fa, null, STDERR_FILENO);
        pid_t pid;
        char *const argv[] = {"fc-match", "-f", "%{family[0]}", (char *)pattern, NULL};
        if (sr == 0 && posix_spawnp(&pid, "fc-match", &fa, NULL, argv, environ) == 0) {
            int status;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            rewind(cap);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fgets(out, (int)outlen, cap)) {
                out[strcspn(out, "\r\n")] = '\0';
                rc = out[0] ? 0 : -1;
            }
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    if (null >= 0)
        close(null);
    fclose(cap);
    return rc;
}

static int metric_family(const char *f)
{
    for (size_t i = 0; i < sizeof METRIC_FAMILIES / sizeof METRIC_FAMILIES[0]; i++)
        if (strcmp(f, METRIC_FAMILIES[i]) == 0)
            return 1;
    return 0;
}

int msc_plot_font_check(char *msg, size_t msglen)
{
    static const char *const ASK[] = {MSC_PLOT_FONT, MSC_PLOT_FONT ":bold"};
    for (size_t i = 0; i < 2; i++) {
        char fam[256];
        if (fc_family(ASK[i], fam, sizeof fam) != 0) {
            snprintf(msg, msglen,
                     "fc-match (fontconfig) could not be run to find the font \"%s\"",
                     MSC_PLOT_FONT);
            return 0;
        }
        if (!metric_family(fam)) {
            char shown[128];
            msc_text_display(fam, 60, shown, sizeof shown);
            snprintf(msg, msglen, "fontconfig gives \"%s\" for \"%s\"%s", shown, ASK[i],
                     i ? "" : ", a font with other metrics");
            return 0;
        }
    }
    snprintf(msg, msglen, "%s", "");
    return 1;
}

/* -------------------------------------------------------- text widths */

/* Advance widths of ASCII 32..126 in 1/1000 em, from Adobe's Helvetica
 * and Helvetica-Bold AFM files. Liberation Sans (checked against its
 * hmtx table), Nimbus Sans and Arial share these metrics. */
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
/* Wider metrics, for a font that is not Liberation Sans: per character
 * the widest of Liberation Sans, DejaVu Sans (Debian's default) and DejaVu
 * Math TeX Gyre (which fontconfig gives for "Liberation Sans" when only
 * DejaVu's fonts are there), bold also of the regular faces, plus 5% for
 * other fonts; from the fonts' hmtx tables. */
static const short WIDE[95] = {
    /*  !"#$%&' */  334,  422,  483,  880,  669,  998,  935,  289,
    /* ()*+,-./ */  446,  446,  525,  880,  334,  379,  334,  475,
    /* 01234567 */  669,  669,  669,  669,  669,  669,  669,  669,
    /* 89:;<=>? */  669,  669,  354,  354,  880,  880,  880,  584,
    /* @ABCDEFG */ 1066,  759,  771,  804,  842,  766,  728,  838,
    /* HIJKLMNO */  916,  415,  525,  785,  698, 1075,  919,  860,
    /* PQRSTUVW */  706,  860,  790,  720,  700,  885,  759, 1079,
    /* XYZ[\]^_ */  747,  701,  729,  440,  475,  440,  880,  584,
    /* `abcdefg */  525,  644,  672,  588,  672,  646,  389,  672,
    /* hijklmno */  677,  335,  326,  636,  335, 1023,  677,  643,
    /* pqrstuvw */  672,  672,  502,  548,  422,  677,  622,  898,
    /* xyz{|}~  */  622,  622,  553,  669,  354,  669,  880
};
static const short WIDE_BOLD[95] = {
    /*  !"#$%&' */  366,  479,  548,  880,  731, 1053,  935,  322,
    /* ()*+,-./ */  480,  480,  550,  880,  399,  436,  399,  475,
    /* 01234567 */  731,  731,  731,  731,  731,  731,  731,  731,
    /* 89:;<=>? */  731,  731,  420,  420,  880,  880,  880,  642,
    /* @ABCDEFG */ 1050,  813,  801,  804,  872,  766,  728,  862,
    /* HIJKLMNO */  916,  415,  584,  814,  698, 1075,  919,  893,
    /* PQRSTUVW */  770,  893,  809,  757,  717,  885,  813, 1159,
    /* XYZ[\]^_ */  810,  761,  762,  480,  475,  480,  880,  584,
    /* `abcdefg */  525,  709,  752,  623,  752,  713,  457,  752,
    /* hijklmno */  748,  360,  360,  699,  360, 1095,  748,  722,
    /* pqrstuvw */  752,  752,  518,  625,  502,  748,  685,  971,
    /* xyz{|}~  */  678,  685,  612,  748,  384,  748,  880
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
        return (wide ? (bold ? WIDE_BOLD : WIDE) : (bold ? HELV_BOLD : HELV))[cp - 32];
    /* the few we draw ourselves: em dash, ellipsis, superscript two, tau,
     * U+FFFD (the widest of the fonts above) */
    if (cp == 0x2014 || cp == 0x2026)
        return wide ? 1050 : 1000;
    if (cp == 0x00B2)
        return wide ? 460 : 333;
    if (cp == 0x03C4)
        return wide ? 670 : (bold ? 446 : 395);
    if (cp == 0xFFFD)
        return wide ? 1170 : 750;
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFE0F)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || cp >= 0x20000)
        return wide ? 1050 : 1000;
    if (wide)
        return bold ? 900 : 820;
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

/* Copies the characters of s from *p while they fit in `budget` points
 * (stopping before `stop`, NULL: the end) into out at *o, control
 * characters as '?'; leaves room for `reserve` more bytes. Advances *p and
 * *o; returns the width copied. */
static double copy_fitting(const unsigned char **p, const unsigned char *stop, double budget,
                           double size, int bold, char *out, size_t *o, size_t outlen,
                           size_t reserve)
{
    double w = 0;
    while (**p && (!stop || *p < stop)) {
        unsigned cp;
        size_t len = decode(*p, &cp);
        double cw = char_width(cp, bold) * size / 1000.0;
        if (w + cw > budget + 1e-9 || *o + len + reserve + 1 > outlen)
            break;
        if (cp < 0x20 || cp == 0x7F)
            out[(*o)++] = '?';
        else
            memcpy(out + *o, *p, len), *o += len;
        w += cw;
        *p += len;
    }
    return w;
}

/* Drops trailing spaces from out (*o bytes); returns the width dropped. */
static double trim_end(char *out, size_t *o, double size, int bold)
{
    double w = 0;
    while (*o > 0 && out[*o - 1] == ' ') {
        (*o)--;
        w += char_width(' ', bold) * size / 1000.0;
    }
    return w;
}

/* Where the last line of a cut text starts its end: the last word (after
 * the last space, the year of "Smith et al. 2019") with that space, when
 * it takes at most `most` points; else the last characters that do. */
static const unsigned char *tail_start(const unsigned char *p, double most, double size, int bold)
{
    const unsigned char *end = p + strlen((const char *)p), *space = NULL;
    for (const unsigned char *q = p; *q; q++)
        if (*q == ' ' && q[1] && q[1] != ' ')
            space = q;
    if (space && msc_plot_text_width((const char *)space, size, bold) <= most)
        return space;
    /* the last characters within `most`: walk back over whole characters */
    const unsigned char *t = end;
    double w = 0;
    while (t > p) {
        const unsigned char *c = t - 1;
        while (c > p && (*c & 0xC0) == 0x80)
            c--;
        unsigned cp;
        decode(c, &cp);
        double cw = char_width(cp, bold) * size / 1000.0;
        if (w + cw > most)
            break;
        w += cw;
        t = c;
    }
    return t;
}

/* One line from p that is the whole rest when it fits in maxw, else its
 * start and its end with U+2026 between: the end (tail_start) keeps up
 * to 40% of the line. Returns the width. */
static double middle_cut(const unsigned char *p, double maxw, double size, int bold, char *out,
                         size_t outlen)
{
    size_t o = 0;
    double full = msc_plot_text_width((const char *)p, size, bold);
    if (full <= maxw) {
        double w = copy_fitting(&p, NULL, maxw, size, bold, out, &o, outlen, 0);
        out[o] = '\0';
        if (!*p)
            return w;
        o = 0; /* the buffer is too small for it: cut it after all */
    }
    static const char ELLIPSIS[] = "\xE2\x80\xA6";
    double ew = msc_plot_text_width(ELLIPSIS, size, bold);
    const unsigned char *tail = tail_start(p, 0.4 * maxw, size, bold);
    double tw = msc_plot_text_width((const char *)tail, size, bold);
    size_t tl = strlen((const char *)tail);
    if (tl + 4 >= outlen)
        tail = p + strlen((const char *)p), tw = 0, tl = 0; /* no room for it */
    double w = copy_fitting(&p, tail, maxw - ew - tw, size, bold, out, &o, outlen, 3 + tl);
    w -= trim_end(out, &o, size, bold);
    memcpy(out + o, ELLIPSIS, 3);
    o += 3;
    const unsigned char *q = tail;
    w += ew + copy_fitting(&q, NULL, tw + 1e-6, size, bold, out, &o, outlen, 0);
    out[o] = '\0';
    return w;
}

size_t msc_plot_text_wrap(const char *s, double maxw, double size, int bold, size_t max_lines,
                          msc_plot_lines *out)
{
    const unsigned char *p = (const unsigned char *)s;
    out->n = 0;
    out->w = 0;
    if (max_lines > MSC_PLOT_MAX_LINES)
        max_lines = MSC_PLOT_MAX_LINES;
    while (*p == ' ')
        p++;
    while (out->n < max_lines && (*p || out->n == 0)) {
        char *line = out->line[out->n];
        double w;
        if (out->n + 1 == max_lines ||
            msc_plot_text_width((const char *)p, size, bold) <= maxw) {
            w = middle_cut(p, maxw, size, bold, line, MSC_PLOT_LINE_BYTES);
            p += strlen((const char *)p);
        } else {
            /* the last break that fits: before a space, after '-', '/' or ',' */
            const unsigned char *q = p, *brk = NULL;
            double x = 0;
            while (*q) {
                unsigned cp;
                size_t len = decode(q, &cp);
                x += char_width(cp, bold) * size / 1000.0;
                if (x > maxw + 1e-9)
                    break;
                q += len;
                if (*q == ' ' || cp == '-' || cp == '/' || cp == ',')
                    brk = q;
            }
            if (!brk || brk == p)
                brk = q > p ? q : p + 1; /* one long word: break it where it is full */
            size_t o = 0;
            w = copy_fitting(&p, brk, maxw, size, bold, line, &o, MSC_PLOT_LINE_BYTES, 0);
            w -= trim_end(line, &o, size, bold);
            line[o] = '\0';
            while (*p == ' ')
                p++;
        }
        if (w > out->w)
            out->w = w;
        out->n++;
    }
    return out->n;
}

double msc_plot_text_fit(const char *s, double maxw, double size, int bold, char *out,
                         size_t outlen)
{
    return middle_cut((const unsigned char *)s, maxw, size, bold, out, outlen);
}
