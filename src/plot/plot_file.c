/*
 * The picture after gnuplot has written it. gnuplot exits 0 even when its
 * writes failed (a full disk, a file-size limit), so a picture is accepted
 * only when it is whole: a PNG ends with its IEND chunk, a PDF with %%EOF,
 * an SVG with </svg>. A caller that renames the file into place only on
 * success (the CLI does) then never keeps a truncated picture.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msc_plot.h"

/* The last 12 bytes of every PNG: an empty IEND chunk and its CRC. */
static const unsigned char PNG_SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
static const unsigned char PNG_IEND[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

/* Whether b (n bytes) ends with `tail` once trailing white space is dropped. */
static int ends_with(const unsigned char *b, size_t n, const char *tail)
{
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ' || b[n - 1] == '\t'))
        n--;
    size_t t = strlen(tail);
    return n >= t && memcmp(b + n - t, tail, t) == 0;
}

/* What is wrong with the picture b (n bytes) of format f, or NULL when it
 * is whole. */
static const char *incomplete(const unsigned char *b, size_t n, msc_plot_format f)
{
    switch (f) {
    case MSC_PLOT_PNG:
        if (n < sizeof PNG_SIG || memcmp(b, PNG_SIG, sizeof PNG_SIG) != 0)
            return "it is not a PNG";
        if (n < sizeof PNG_SIG + sizeof PNG_IEND ||
            memcmp(b + n - sizeof PNG_IEND, PNG_IEND, sizeof PNG_IEND) != 0)
            return "the PNG has no IEND chunk at its end";
        return NULL;
    case MSC_PLOT_PDF:
        if (n < 5 || memcmp(b, "%PDF-", 5) != 0)
            return "it is not a PDF";
        return ends_with(b, n, "%%EOF") ? NULL : "the PDF does not end with %%EOF";
    case MSC_PLOT_SVG:
        return ends_with(b, n, "</svg>") ? NULL : "the SVG does not end with </svg>";
    }
    return "unknown format";
}

/* Reads the whole regular file open on fd into *buf (*n bytes). Returns 0,
 * or -1 with errno set. */
static int read_all(int fd, unsigned char **buf, size_t *n)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
    unsigned char *b = malloc(cap);
    if (!b)
        return -1;
    for (;;) {
        if (len == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -1;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, b + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(b);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    *buf = b;
    *n = len;
    return 0;
}

int msc_plot_file_finish(const char *path, msc_plot_format f, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "gnuplot wrote no picture");
        return MSC_ERR_IO;
    }
    /* A FIFO or a device (a named pipe, /dev/stdout) cannot be read back. */
    if (!S_ISREG(st.st_mode))
        return MSC_OK;
    if (st.st_size == 0) {
        snprintf(err, errlen, "gnuplot wrote no picture");
        return MSC_ERR_IO;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char *b = NULL;
    size_t n = 0;
    if (fd < 0 || read_all(fd, &b, &n) != 0) {
        snprintf(err, errlen, "cannot read the picture back: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return errno == ENOMEM ? MSC_ERR_NOMEM : MSC_ERR_IO;
    }
    close(fd);
    const char *why = incomplete(b, n, f);
    free(b);
    if (why) {
        snprintf(err, errlen,
                 "the picture is incomplete (%s): gnuplot could not write all of it "
                 "(a full disk or a file-size limit?)",
                 why);
        return MSC_ERR_IO;
    }
    return MSC_OK;
}
