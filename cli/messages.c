/*
 * What the user sees of a failure: one line on standard error that begins
 * "mscmeta: ", and the exit code of a library status. Every other file of
 * the command line reports through here; this one uses nothing of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"

/* Prints prefix, the formatted message and suffix as one line on stderr,
 * the message shown as labels are (msc_text_display): file names and
 * option values come from the user, and an ESC or CR in them must not
 * drive the terminal. */
/* A progress line is on the terminal (msc_cli_progress): an error
 * clears it first, so that the message starts a line of its own. */
static int progress_shown;

static void print_line(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    char small[1024], shown_small[sizeof small + 16];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    char *msg = small, *shown = shown_small;
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)))
        vsnprintf(msg, (size_t)n + 1, fmt, again);
    va_end(again);
    if (!msg) /* out of memory: the first part will do */
        msg = small;
    size_t len = n < 0 ? 0 : strlen(msg);
    if (len + 16 > sizeof shown_small && !(shown = malloc(len + 16)))
        shown = NULL;
    if (shown)
        msc_text_display(msg, len, shown, len + 16);
    fprintf(stderr, "mscmeta: %s%s%s\n", prefix, shown ? shown : "(a message too long to show)",
            suffix);
    if (shown != shown_small)
        free(shown);
    if (msg != small)
        free(msg);
}

void msc_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_line("", "", fmt, ap);
    va_end(ap);
}

int msc_cli_usage(const char *cmd, const char *fmt, ...)
{
    char prefix[64], suffix[80];
    snprintf(prefix, sizeof prefix, "%s: ", cmd);
    snprintf(suffix, sizeof suffix, " (see mscmeta %s --help)", cmd);
    va_list ap;
    va_start(ap, fmt);
    print_line(prefix, suffix, fmt, ap);
    va_end(ap);
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

/* The indicator is shown only when stderr is a terminal: a log file or
 * a pipe gets nothing. */
void msc_cli_progress(const char *what, size_t done, size_t total)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (!tty || (!what && !progress_shown))
        return;
    if (!what) /* the end: clear the line */
        fputs("\r\033[K", stderr);
    else if (total)
        fprintf(stderr, "\r\033[K%s %zu/%zu", what, done, total);
    else
        fprintf(stderr, "\r\033[K%s", what);
    progress_shown = what != NULL;
    fflush(stderr);
}
