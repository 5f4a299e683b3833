/*
 * The library as a whole: its version, the meaning of a status, and the
 * release of memory it handed to a caller.
 */
#include <stdlib.h>

#include "msc_core.h"

const char *msc_version(void) { return MSC_VERSION; }

const char *msc_strerror(msc_status s)
{
    switch (s) {
    case MSC_OK:
        return "success";
    case MSC_ERR_INPUT:
        return "invalid or unusable input data";
    case MSC_ERR_USAGE:
        return "invalid setting or argument";
    case MSC_ERR_IO:
        return "output could not be written";
    case MSC_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown status";
}

void msc_free(void *p) { free(p); }
