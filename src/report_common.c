/*
 * Helpers shared by the report writers and plots: safe display of user text,
 * number formats and the long names of settings.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

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

void msc_text_pad(FILE *fp, const char *s, size_t width, int right_align)
{
    char buf[1024];
    size_t w = width < 200 ? width : 200;
    size_t shown = msc_text_display(s, w, buf, sizeof buf);
    if (right_align)
        for (size_t i = shown; i < width; i++)
            fputc(' ', fp);
    fputs(buf, fp);
    if (!right_align)
        for (size_t i = shown; i < width; i++)
            fputc(' ', fp);
}

void msc_text_print(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
}

void msc_text_warnings(FILE *fp, const char *prefix, const msc_warnings *w)
{
    for (size_t i = 0; i < w->n; i++) {
        fputs(prefix, fp);
        msc_text_print(fp, w->msg[i]);
        fputc('\n', fp);
    }
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

const char *msc_measure_scale_name(msc_measure m)
{
    static const char *const n[] = {"raw proportion", "log", "logit", "arcsine square root",
                                    "Freeman-Tukey double arcsine"};
    return n[m];
}

const char *msc_method_long_name(msc_method m)
{
    static const char *const n[] = {"common effect (inverse variance)",
                                    "DerSimonian-Laird",
                                    "Hedges",
                                    "Hunter-Schmidt",
                                    "Sidik-Jonkman",
                                    "maximum likelihood",
                                    "restricted maximum likelihood (REML)",
                                    "empirical Bayes",
                                    "Paule-Mandel",
                                    "binomial-normal GLMM (ML)"};
    return n[m];
}

const char *msc_study_ci_long_name(msc_study_ci c)
{
    static const char *const n[] = {"Clopper-Pearson", "Wilson", "Jeffreys", "Agresti-Coull",
                                    "Wald"};
    return n[c];
}

const msc_estimate *msc_fit_main_block(const msc_fit *f)
{
    return f->has_random ? &f->random : &f->common;
}

int msc_fit_het_estimable(const msc_fit *f)
{
    /* random.exact is set exactly where the GLMM falls back (exact_fallback) */
    return !(f->random.exact && !(f->het.tau2 == 0.0));
}
