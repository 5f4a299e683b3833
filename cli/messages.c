/*
 * What the user sees of a failure: one line on standard error that begins
 * "mscmeta: ", and the exit code of a library status. Every other file of
 * the command line reports through here; this one uses nothing of them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void msc_cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("mscmeta: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int msc_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mscmeta: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see mscmeta %s --help)\n", cmd);
    return EXIT_USAGE;
}

int msc_cli_exit_code(int status)
{
    switch (status) {
    case MSC_OK:
        return EXIT_OK;
    case MSC_ERR_INPUT:
        return EXIT_INPUT;
    case MSC_ERR_USAGE:
        return EXIT_USAGE;
    default:
        return EXIT_OUTPUT; /* write errors, out of memory */
    }
}
