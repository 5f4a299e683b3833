/*
 * A report writer run into memory (msc_report_string).
 */
#include <stdio.h>
#include <stdlib.h>

#include "msc_rep.h"

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
