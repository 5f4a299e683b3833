/*
 * Input and output for the command line: opening the data file without
 * hanging on a FIFO, writing reports atomically (a temporary file, which
 * tmpfiles.c removes on a signal, then a rename), and detecting write
 * errors. Reports failures through messages.c.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ----------------------------------------------------------------- input */

int msc_cli_same_file(const char *input, const char *output)
{
    struct stat a, b;
    if (strcmp(input, output) == 0)
        return 1;
    if (stat(input, &a) == 0 && stat(output, &b) == 0)
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    return 0;
}

static int load(const msc_cli *c, msc_dataset **d)
{
    char err[MSC_ERRBUF];
    FILE *fp;
    const char *name = c->input;
    if (strcmp(c->input, "-") == 0) {
        fp = stdin;
        name = "<stdin>";
    } else {
        /* O_NONBLOCK: opening a FIFO with no writer must not hang; reads
         * then see end of file at once ("the file is empty"). */
        int fd = open(c->input, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            msc_cli_error("%s: cannot open: %s", c->input, strerror(errno));
            return EXIT_INPUT;
        }
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            msc_cli_error("%s: is a directory, not a CSV file", c->input);
            return EXIT_INPUT;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        fp = fdopen(fd, "rb");
        if (!fp) {
            close(fd);
            msc_cli_error("%s: cannot open: %s", c->input, strerror(errno));
            return EXIT_OUTPUT;
        }
    }
    int rc = msc_dataset_load(fp, name, &c->load, d, err, sizeof err);
    if (fp != stdin)
        fclose(fp);
    if (rc != MSC_OK) {
        msc_cli_error("%s", err);
        return msc_cli_exit_code(rc);
    }
    return EXIT_OK;
}

int msc_cli_load(const msc_cli *c, msc_dataset **d)
{
    *d = NULL;
    return load(c, d);
}

int msc_cli_analyse(const msc_cli *c, unsigned flags, msc_dataset **d, msc_analysis **a)
{
    char err[MSC_ERRBUF];
    *d = NULL;
    *a = NULL;
    int rc = load(c, d);
    if (rc != EXIT_OK)
        return rc;
    int st = msc_analysis_run(*d, &c->settings, flags, a, err, sizeof err);
    if (st != MSC_OK) {
        msc_cli_error("%s", err);
        msc_dataset_free(*d);
        *d = NULL;
        return msc_cli_exit_code(st);
    }
    return EXIT_OK;
}

#if defined(__SANITIZE_ADDRESS__)
#define FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FREE_AT_EXIT 1
#endif
#endif

#ifndef FREE_AT_EXIT
static msc_dataset *volatile kept_d; /* volatile: the stores stay */
static msc_analysis *volatile kept_a;
#endif

void msc_cli_done(msc_dataset *d, msc_analysis *a)
{
#ifdef FREE_AT_EXIT
    msc_analysis_free(a);
    msc_dataset_free(d);
#else
    kept_d = d;
    kept_a = a;
#endif
}

/* ---------------------------------------------------------------- output */

int msc_out_open(msc_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    if (!path) {
        o->fp = stdout;
        return EXIT_OK;
    }
    /* Through symbolic links (-o /dev/stdout, a link to a results file):
     * the rename must replace the file a link names, not the link. */
    if (!realpath(path, o->dest))
        snprintf(o->dest, sizeof o->dest, "%s", path); /* does not exist yet */
    /* A device, FIFO or socket (-o /dev/null, /dev/stdout, a named pipe) is
     * written in place: renaming a file over it would replace the device
     * node itself (as root, /dev/null would become a regular file). */
    struct stat st;
    if (stat(o->dest, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || !(o->fp = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            msc_cli_error("%s: cannot write: %s", path, strerror(e));
            return EXIT_OUTPUT;
        }
        snprintf(o->tmp, sizeof o->tmp, "%s", path); /* plots draw to o->tmp */
        o->direct = 1;
        return EXIT_OK;
    }
    /* The temporary file goes in the target's folder so rename is atomic. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->dest);
    char *dn = dirname(dir);
    int n = snprintf(o->tmp, sizeof o->tmp, "%s/.mscmeta-XXXXXX", dn);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        msc_cli_error("%s: the path is too long", path);
        return EXIT_OUTPUT;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        msc_cli_error("%s: cannot create a file in %s: %s", path, dn, strerror(errno));
        return EXIT_OUTPUT;
    }
    if (msc_cli_track_tmp(o->tmp) != 0) { /* a signal would leave it behind */
        close(fd);
        unlink(o->tmp);
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* mkstemp makes 0600; reports are ordinary files */
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp);
        msc_cli_untrack_tmp(o->tmp);
        msc_cli_error("%s: cannot write: %s", path, strerror(errno));
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

void msc_out_abort(msc_out *o)
{
    if (o->path && o->fp) {
        fclose(o->fp);
        if (!o->direct) {
            unlink(o->tmp);
            msc_cli_untrack_tmp(o->tmp);
        }
    }
    o->fp = NULL;
}

int msc_out_commit(msc_out *o)
{
    if (!o->path) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            msc_cli_error("writing to standard output failed: %s", strerror(errno));
            return EXIT_OUTPUT;
        }
        return EXIT_OK;
    }
    int bad = fflush(o->fp) != 0 || ferror(o->fp);
    int err = errno;
    if (!bad && fsync(fileno(o->fp)) != 0 && errno != EINVAL) {
        bad = 1;
        err = errno;
    }
    if (fclose(o->fp) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    o->fp = NULL;
    if (!bad && !o->direct && rename(o->tmp, o->dest) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        if (!o->direct) {
            unlink(o->tmp);
            msc_cli_untrack_tmp(o->tmp);
        }
        msc_cli_error("%s: writing failed: %s", o->path, strerror(err));
        return EXIT_OUTPUT;
    }
    msc_cli_untrack_tmp(o->tmp);
    return EXIT_OK;
}

int msc_cli_write(const char *output, msc_report_fn report, const msc_analysis *a,
                  const msc_report_options *opt)
{
    msc_out out;
    int rc = msc_out_open(&out, output);
    if (rc != EXIT_OK)
        return rc;
    if (report(out.fp, a, opt) != MSC_OK) {
        int e = errno; /* the write's error: closing and unlinking may change errno */
        msc_out_abort(&out);
        msc_cli_error("writing to %s failed: %s", output ? output : "standard output",
                      strerror(e));
        return EXIT_OUTPUT;
    }
    return msc_out_commit(&out);
}
