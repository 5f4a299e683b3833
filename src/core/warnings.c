/*
 * Warnings attached to results. The library never prints: it collects
 * messages here and the report writers decide how to show them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "msc_core.h"

msc_status msc_warnings_add(msc_warnings *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        w->lost = 1;
        return MSC_ERR_NOMEM;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 4;
        char **m = realloc(w->msg, cap * sizeof *m);
        if (!m) {
            w->lost = 1;
            return MSC_ERR_NOMEM;
        }
        w->msg = m;
        w->cap = cap;
    }
    char *s = malloc((size_t)len + 1);
    if (!s) {
        w->lost = 1;
        return MSC_ERR_NOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    w->msg[w->n++] = s;
    return MSC_OK;
}

void msc_warnings_clear(msc_warnings *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->msg[i]);
    free(w->msg);
    w->msg = NULL;
    w->n = w->cap = 0;
    w->lost = 0;
}
