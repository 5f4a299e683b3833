/*
 * msc_init: what the library needs of the process before it runs. GSL's
 * default error handler calls abort() when a special function fails (a beta
 * quantile that does not converge, say); the statistics check every GSL
 * return value themselves, so the handler must be off. It is a
 * process-wide setting, so the caller asks for it rather than having any
 * other call change it behind their back.
 */
#include <gsl/gsl_errno.h>

#include "msc_stats.h"

msc_status msc_init(void)
{
    gsl_set_error_handler_off();
    return MSC_OK;
}
