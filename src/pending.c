/*
 * Placeholder for the GLMM (issue 3), which is not built yet: it fails with
 * a message that says so. This file goes away when glmm.c lands.
 */
#include <stdio.h>

#include "mscmeta/mscmeta.h"

int msc_glmm_fit(const double *xi, const double *ni, const double *vi, size_t k,
                 const msc_settings *s, msc_fit *f, msc_warnings *w)
{
    (void)xi, (void)ni, (void)vi, (void)k, (void)s, (void)f;
    msc_warnings_add(w, "--method GLMM is not built yet");
    return MSC_ERR_USAGE;
}
