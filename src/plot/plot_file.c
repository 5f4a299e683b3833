/*
 * The picture after gnuplot has written it. gnuplot exits 0 even when its
 * writes failed (a full disk, a file-size limit), so a picture is accepted
 * only when it is whole: a PNG ends with its IEND chunk, a PDF with %%EOF,
 * an SVG with </svg>. A caller that renames the file into place only on
 * success (the CLI does) then never keeps a truncated picture.
 *
 * Then what gnuplot cannot be asked for is written into the file: a PDF's
 * creation date, which cairo 1.16 takes from the clock, becomes
 * SOURCE_DATE_EPOCH's (reproducible-builds.org) or none, so that the same
 * input gives the same bytes; an SVG's <title>, "Gnuplot" otherwise,
 * becomes the plot's title, and its font, one name, a list of fonts with
 * the metrics the layout was measured for (gnuplot takes one name only).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "msc_core.h"
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

/* The PDF's dates (/CreationDate, /ModDate (D:...)) as SOURCE_DATE_EPOCH
 * gives it, or blanked out (spaces are white space between a dictionary's
 * entries): the same length, so the cross-reference offsets hold. Returns
 * whether b changed. */
static int pdf_dates(unsigned char *b, size_t n)
{
    char date[32] = "";
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde && strspn(sde, "0123456789") == strlen(sde) && strlen(sde) < 15) {
        time_t t = (time_t)strtoll(sde, NULL, 10);
        struct tm tm;
        if (gmtime_r(&t, &tm) && !strftime(date, sizeof date, "(D:%Y%m%d%H%M%SZ)", &tm))
            date[0] = '\0';
    }
    static const char *const KEYS[] = {"/CreationDate", "/ModDate"};
    int changed = 0;
    for (size_t k = 0; k < 2; k++) {
        size_t kl = strlen(KEYS[k]);
        for (size_t i = 0; i + kl < n; i++) {
            if (b[i] != '/' || memcmp(b + i, KEYS[k], kl) != 0)
                continue;
            size_t j = i + kl;
            while (j < n && b[j] == ' ')
                j++;
            if (j + 3 >= n || memcmp(b + j, "(D:", 3) != 0)
                continue;
            size_t e = j;
            while (e < n && b[e] != ')' && b[e] != '\n')
                e++;
            if (e >= n || b[e] != ')')
                continue;
            size_t dl = strlen(date);
            if (dl && dl <= e + 1 - j) { /* keep the key, the new date, spaces */
                memcpy(b + j, date, dl);
                memset(b + j + dl, ' ', e + 1 - j - dl);
            } else {
                memset(b + i, ' ', e + 1 - i);
            }
            changed = 1;
            i = e;
        }
    }
    return changed;
}

/* Writes b (n bytes) over the file path. Returns 0, or -1 with errno. */
static int write_back(const char *path, const unsigned char *b, size_t n)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, b + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

/* A growing byte buffer. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + n)
            cap *= 2;
        unsigned char *nb = realloc(o->b, cap);
        if (!nb) {
            o->oom = 1;
            return;
        }
        o->b = nb;
        o->cap = cap;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

/* s as XML character data: & < > " escaped, control characters as '?',
 * invalid UTF-8 as U+FFFD. */
static void put_xml_text(buf *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = *p < 0x80 ? 1 : msc_utf8_seq(p, 4);
        if (len == 0) {
            put(o, "\xEF\xBF\xBD", 3);
            p++;
            continue;
        }
        if (*p == '&')
            put(o, "&amp;", 5);
        else if (*p == '<')
            put(o, "&lt;", 4);
        else if (*p == '>')
            put(o, "&gt;", 4);
        else if (*p == '"')
            put(o, "&quot;", 6);
        else if (*p < 0x20 || *p == 0x7F || (len == 2 && p[0] == 0xC2 && p[1] < 0xA0))
            put(o, "?", 1);
        else
            put(o, p, len);
        p += len;
    }
}

/* The SVG b (n bytes) with its first <title> set to `title` (NULL: as it
 * is) and every font-family="MSC_PLOT_FONT" naming MSC_PLOT_SVG_FONTS,
 * into o. */
static void svg_rewrite(const unsigned char *b, size_t n, const char *title, buf *o)
{
    static const char TITLE[] = "<title>";
    static const char FONT[] = "font-family=\"" MSC_PLOT_FONT "\"";
    static const char FONT_WIDE[] = "font-family=\"" MSC_PLOT_FONT_WIDE "\"";
    static const char FONTS[] = "font-family=\"" MSC_PLOT_SVG_FONTS "\"";
    int titled = title == NULL;
    for (size_t i = 0; i < n;) {
        if (!titled && n - i >= sizeof TITLE - 1 && memcmp(b + i, TITLE, sizeof TITLE - 1) == 0) {
            size_t j = i + sizeof TITLE - 1;
            while (j < n && b[j] != '<')
                j++;
            put(o, TITLE, sizeof TITLE - 1);
            put_xml_text(o, title);
            titled = 1;
            i = j; /* the closing tag follows as it was */
            continue;
        }
        if (n - i >= sizeof FONT - 1 && memcmp(b + i, FONT, sizeof FONT - 1) == 0) {
            put(o, FONTS, sizeof FONTS - 1);
            i += sizeof FONT - 1;
            continue;
        }
        if (n - i >= sizeof FONT_WIDE - 1 && memcmp(b + i, FONT_WIDE, sizeof FONT_WIDE - 1) == 0) {
            put(o, FONTS, sizeof FONTS - 1);
            i += sizeof FONT_WIDE - 1;
            continue;
        }
        /* up to the next byte that may start either */
        size_t j = i + 1;
        while (j < n && b[j] != '<' && b[j] != 'f')
            j++;
        put(o, b + i, j - i);
        i = j;
    }
}

/* CRC-32 (ISO 3309, as PNG uses it) of b (n bytes), continuing from crc. */
static unsigned long crc32_update(unsigned long crc, const unsigned char *b, size_t n)
{
    crc ^= 0xFFFFFFFFUL;
    for (size_t i = 0; i < n; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320UL & (0UL - (crc & 1UL)));
    }
    return crc ^ 0xFFFFFFFFUL;
}

static void put_u32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The PNG b (n bytes, whole) with a pHYs chunk (pixels per metre, the
 * PNG's unit, for `dpi`) after its IHDR chunk, into o; one it has is
 * replaced. cairo writes none, so a viewer would take 72 or 96 dpi. */
static void png_phys(const unsigned char *b, size_t n, double dpi, buf *o)
{
    size_t ihdr_end = 8 + 8 + 13 + 4; /* signature, IHDR length+type, data, CRC */
    put(o, b, ihdr_end);
    unsigned char c[21];
    unsigned long ppm = (unsigned long)floor(dpi / 0.0254 + 0.5);
    put_u32(c, 9);
    memcpy(c + 4, "pHYs", 4);
    put_u32(c + 8, ppm);
    put_u32(c + 12, ppm);
    c[16] = 1; /* unit: the metre */
    put_u32(c + 17, crc32_update(0, c + 4, 13));
    put(o, c, sizeof c);
    for (size_t i = ihdr_end; i + 12 <= n;) { /* the other chunks, without a pHYs */
        size_t len =
            ((size_t)b[i] << 24) | ((size_t)b[i + 1] << 16) | ((size_t)b[i + 2] << 8) | b[i + 3];
        if (len > n - i - 12)
            len = n - i - 12; /* never: the PNG was checked whole */
        if (memcmp(b + i + 4, "pHYs", 4) != 0)
            put(o, b + i, len + 12);
        i += len + 12;
    }
}

int msc_plot_file_finish(const char *path, msc_plot_format f, const char *title, double dpi,
                         char *err, size_t errlen)
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
    if (why) {
        free(b);
        snprintf(err, errlen,
                 "the picture is incomplete (%s): gnuplot could not write all of it "
                 "(a full disk or a file-size limit?)",
                 why);
        return MSC_ERR_IO;
    }
    int changed = f == MSC_PLOT_PDF && pdf_dates(b, n);
    int png = f == MSC_PLOT_PNG && dpi > 0 && n > 33 && memcmp(b + 12, "IHDR", 4) == 0;
    if (f == MSC_PLOT_SVG || png) {
        buf o = {NULL, 0, 0, 0};
        if (png)
            png_phys(b, n, dpi, &o);
        else
            svg_rewrite(b, n, title, &o);
        free(b);
        if (o.oom) {
            free(o.b);
            snprintf(err, errlen, "out of memory");
            return MSC_ERR_NOMEM;
        }
        b = o.b;
        n = o.n;
        changed = 1;
    }
    int rc = MSC_OK;
    if (changed && write_back(path, b, n) != 0) {
        snprintf(err, errlen, "writing the picture failed: %s", strerror(errno));
        rc = MSC_ERR_IO;
    }
    free(b);
    return rc;
}
