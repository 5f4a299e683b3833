/*
 * Helpers shared by the report writers and plots: safe display of user text,
 * number formats and the long names of settings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_report.h"

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
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) {
            fputc('?', fp); /* C1 (U+0080..U+009F, CSI among them), as msc_text_display */
            p++;
        } else {
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
        }
    }
}

void msc_text_warnings(FILE *fp, const char *prefix, const msc_warnings *w)
{
    for (size_t i = 0; i < w->n; i++) {
        fputs(prefix, fp);
        msc_text_print(fp, w->msg[i]);
        fputc('\n', fp);
    }
}

msc_status msc_report_string(msc_report_fn fn, const msc_analysis *a,
                             const msc_report_options *o, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    *out = NULL;
    if (len)
        *len = 0;
    FILE *fp = open_memstream(&buf, &n);
    if (!fp)
        return MSC_ERR_NOMEM;
    msc_status st = fn(fp, a, o);
    if (fclose(fp) != 0 && st == MSC_OK)
        st = MSC_ERR_NOMEM; /* a memory stream fails only for want of memory */
    if (st != MSC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    if (len)
        *len = n;
    return MSC_OK;
}
