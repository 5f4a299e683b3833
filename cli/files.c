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

/* A copy of the folder part of path ("." when it has none); NULL when
 * memory ran out. */
static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

/* Files of more than PROGRESS_FROM records show "250,000 records read"
 * on a terminal while they are read (msc_cli_progress). */
#define PROGRESS_FROM 100000

static void read_progress(void *ctx, size_t records)
{
    (void)ctx;
    if (records <= PROGRESS_FROM)
        return;
    char digits[32], buf[64];
    size_t n = (size_t)snprintf(digits, sizeof digits, "%zu", records), o = 0;
    for (size_t i = 0; i < n; i++) { /* 1234567 -> 1,234,567 */
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    snprintf(buf + o, sizeof buf - o, " records read");
    msc_cli_progress(buf, 0, 0);
}

/* path's folder resolved (links, "..") and its last part: "./p.png",
 * "sub/../p.png" and "/abs/p.png" all read alike. NULL when the folder
 * does not exist or memory ran out. */
static char *normalised(const char *path)
{
    char *folder = dir_of(path);
    char *dir = folder ? realpath(folder, NULL) : NULL;
    free(folder);
    char *copy = strdup(path);
    char *out = NULL;
    if (dir && copy) {
        const char *base = basename(copy);
        size_t n = strlen(dir) + strlen(base) + 2;
        if ((out = malloc(n)))
            snprintf(out, n, "%s/%s", dir, base);
    }
    free(dir);
    free(copy);
    return out;
}

int msc_cli_same_file(const char *input, const char *output)
{
    struct stat a, b;
    if (strcmp(output, "-") == 0) /* standard output, written in place */
        return 0;
    if (strcmp(input, output) == 0)
        return 1;
    if (strcmp(input, "-") == 0) /* the file behind standard input, if one is */
        return fstat(STDIN_FILENO, &a) == 0 && S_ISREG(a.st_mode) && stat(output, &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    if (stat(input, &a) == 0 && stat(output, &b) == 0)
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    char *x = normalised(input), *y = normalised(output);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

static int load(const msc_cli *c, msc_dataset **d)
{
    char err[MSC_LOAD_ERRBUF];
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
    msc_load_options lo = c->load;
    lo.progress = read_progress;
    lo.progress_ctx = NULL;
    int rc = msc_dataset_load(fp, name, &lo, d, err, sizeof err);
    if (fp != stdin)
        fclose(fp);
    if (rc != MSC_OK) {
        /* one line per problem (msc_dataset_load joins them with '\n') */
        for (char *line = err, *nl;; line = nl + 1) {
            if ((nl = strchr(line, '\n')))
                *nl = '\0';
            msc_cli_error("%s", line);
            if (!nl)
                break;
        }
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
    if ((*d)->k > PROGRESS_FROM) {
        char what[64];
        snprintf(what, sizeof what, "pooling %zu studies", (*d)->k);
        msc_cli_progress(what, 0, 0);
    }
    int st = msc_analysis_run(*d, &c->settings, flags, a, err, sizeof err);
    if ((*d)->k > PROGRESS_FROM)
        msc_cli_progress(NULL, 0, 0);
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

/* The descriptor a standard-stream path names: "/dev/stdout" 1,
 * "/dev/stderr" 2, "/dev/fd/N" and "/proc/self/fd/N" N; else -1. Such a
 * path is written through that descriptor: opening it anew would not
 * append where the shell said `>>`, and renaming over it would replace the
 * file behind the redirection. */
static int stream_fd(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return 1;
    if (strcmp(path, "/dev/stderr") == 0)
        return 2;
    const char *num = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0)
        num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0)
        num = path + 14;
    if (!num || *num < '0' || *num > '9' || strlen(num) > 6 || strspn(num, "0123456789") != strlen(num))
        return -1;
    return atoi(num);
}

/* The standard descriptor (1 or 2), open for writing, whose regular file
 * is path's (a link to /dev/stdout, or `-o log.txt >> log.txt`), or -1. */
static int same_as_std(const char *path)
{
    struct stat p, s;
    if (stat(path, &p) != 0 || !S_ISREG(p.st_mode))
        return -1;
    for (int fd = 1; fd <= 2; fd++) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_ACCMODE) != O_RDONLY && fstat(fd, &s) == 0 &&
            s.st_dev == p.st_dev && s.st_ino == p.st_ino)
            return fd;
    }
    return -1;
}

/* Whether following the symbolic link `link` is what the kernel's
 * protected_symlinks forbids: the link sits in a sticky, world-writable
 * folder (/tmp) and belongs neither to us nor to the folder's owner.
 * Another user could have planted it there to make us overwrite a file of
 * ours. */
static int unsafe_link(const char *link, const struct stat *lst)
{
    char *dir = dir_of(link);
    struct stat ds;
    int bad = dir && stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH) &&
              lst->st_uid != geteuid() && lst->st_uid != ds.st_uid;
    free(dir);
    return bad;
}

/* Checks every symbolic link among the leading parts of path ("a", "a/b",
 * ... "a/b/c") with unsafe_link. Returns 0, or -1 (printed, exit 2). */
static int check_links(const char *shown, const char *path)
{
    char *p = strdup(path);
    if (!p)
        return 0; /* the next allocation reports it */
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char end = *s;
        *s = '\0';
        struct stat lst;
        if (lstat(p, &lst) == 0 && S_ISLNK(lst.st_mode) && unsafe_link(p, &lst)) {
            msc_cli_error("%s: refusing to follow the symbolic link %s: it is in a shared sticky "
                          "folder and belongs to another user (choose another output path)",
                          shown, p);
            rc = -1;
        }
        *s = end;
        if (rc || end == '\0')
            break;
    }
    free(p);
    return rc;
}

/* The file a write to path ends up in, allocated: the final target of a
 * chain of symbolic links (existing or not: a dangling link is written
 * through, creating its target), with the folders' links resolved; or, in
 * *sfd, the descriptor of a standard-stream path the chain reaches (a link
 * to /dev/stdout), *dest then NULL. Returns EXIT_OK, or an exit code after
 * printing the error (a loop of links, an unsafe link, no memory). */
static int resolve_dest(const char *path, char **dest, int *sfd)
{
    *dest = NULL;
    *sfd = -1;
    char *cur = strdup(path);
    if (!cur)
        goto nomem;
    for (int hops = 0;; hops++) {
        if ((*sfd = stream_fd(cur)) >= 0) { /* /proc's links name no file */
            free(cur);
            return EXIT_OK;
        }
        if (check_links(path, cur) != 0) {
            free(cur);
            return EXIT_USAGE;
        }
        struct stat lst;
        if (lstat(cur, &lst) != 0 || !S_ISLNK(lst.st_mode))
            break;
        if (hops == 40) { /* the kernel's limit (MAXSYMLINKS) */
            free(cur);
            msc_cli_error("%s: cannot write: a loop of symbolic links", path);
            return EXIT_OUTPUT;
        }
        size_t cap = (size_t)lst.st_size + 2;
        char *target = malloc(cap);
        ssize_t len = target ? readlink(cur, target, cap) : -1;
        if (len < 0 || (size_t)len >= cap) { /* it changed under us */
            free(target);
            if (!target)
                goto nomem;
            break;
        }
        target[len] = '\0';
        if (target[0] != '/') { /* relative to the link's folder */
            char *dir = dir_of(cur);
            size_t n = (dir ? strlen(dir) : 0) + (size_t)len + 2;
            char *joined = dir ? malloc(n) : NULL;
            if (joined)
                snprintf(joined, n, "%s/%s", dir, target);
            free(dir);
            free(target);
            target = joined;
            if (!target)
                goto nomem;
        }
        free(cur);
        cur = target;
    }
    /* The folder's links resolved (rename works on the real name); the
     * name itself may not exist yet. */
    char *real = realpath(cur, NULL);
    if (real) {
        free(cur);
        *dest = real;
        return EXIT_OK;
    }
    *dest = cur;
    return EXIT_OK;
nomem:
    free(cur);
    msc_cli_error("out of memory");
    return EXIT_OUTPUT;
}

/* Opens a standard stream's descriptor fd for o (written in place). */
static int open_stream(msc_out *o, int fd)
{
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0 || !(o->fp = fdopen(copy, "w"))) {
        int e = errno;
        if (copy >= 0)
            close(copy);
        msc_cli_error("%s: cannot write: %s", o->path, strerror(e));
        return EXIT_OUTPUT;
    }
    o->direct = 1;
    return EXIT_OK;
}

/* Frees what msc_out_open allocated. */
static void out_free(msc_out *o)
{
    free(o->tmp);
    free(o->dest);
    o->tmp = o->dest = NULL;
}

int msc_out_open(msc_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return EXIT_OK;
    }
    o->path = path;
    if (!path[0]) { /* msc_cli_parse refuses it; a caller of its own might not */
        msc_cli_error("an empty output path");
        return EXIT_USAGE;
    }
    o->tmp = strdup(path); /* plots draw to o->tmp; a direct output's is the path */
    if (!o->tmp) {
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    int sfd;
    int rc = resolve_dest(path, &o->dest, &sfd);
    if (rc == EXIT_OK && sfd < 0)
        sfd = same_as_std(o->dest);
    if (rc == EXIT_OK && sfd >= 0)
        rc = open_stream(o, sfd);
    if (rc != EXIT_OK || sfd >= 0) {
        if (rc != EXIT_OK)
            out_free(o);
        return rc;
    }
    /* A device, FIFO or socket (-o /dev/null, a named pipe) is written in
     * place: renaming a file over it would replace the device node itself
     * (as root, /dev/null would become a regular file). */
    struct stat st;
    int exists = stat(o->dest, &st) == 0;
    if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        int fd = open(o->dest, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || !(o->fp = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            msc_cli_error("%s: cannot write: %s", path, strerror(e));
            out_free(o);
            return EXIT_OUTPUT;
        }
        o->direct = 1;
        return EXIT_OK;
    }
    /* The temporary file goes in the target's folder so rename is atomic. */
    char *dn = dir_of(o->dest);
    size_t len = dn ? strlen(dn) + sizeof "/.mscmeta-XXXXXX" : 0;
    char *tmp = dn ? malloc(len) : NULL;
    if (!tmp) {
        free(dn);
        out_free(o);
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    snprintf(tmp, len, "%s/.mscmeta-XXXXXX", dn);
    free(o->tmp);
    o->tmp = tmp;
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        msc_cli_error("%s: cannot create a file in %s: %s", path, dn, strerror(errno));
        free(dn);
        out_free(o);
        return EXIT_OUTPUT;
    }
    free(dn);
    if (msc_cli_track_tmp(o->tmp) != 0) { /* a signal would leave it behind */
        close(fd);
        unlink(o->tmp);
        out_free(o);
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    /* mkstemp makes 0600. A replaced file keeps its mode (a private report
     * stays private); a new one is an ordinary file, 0666 less the umask. */
    mode_t mode;
    if (exists && S_ISREG(st.st_mode)) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    fchmod(fd, mode);
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        msc_cli_untrack_tmp(o->tmp);
        out_free(o);
        msc_cli_error("%s: cannot write: %s", path, strerror(e));
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
    out_free(o);
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
    if (!o->direct) {
        if (bad)
            unlink(o->tmp);
        msc_cli_untrack_tmp(o->tmp);
    }
    out_free(o);
    if (bad) {
        msc_cli_error("%s: writing failed: %s", o->path, strerror(err));
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

int msc_cli_emit(const char *output, msc_cli_emit_fn emit, const void *ctx)
{
    msc_out out;
    int rc = msc_out_open(&out, output);
    if (rc != EXIT_OK)
        return rc;
    if (emit(out.fp, ctx) != MSC_OK) {
        int e = errno; /* the write's error: closing and unlinking may change errno */
        msc_out_abort(&out);
        msc_cli_error("writing to %s failed: %s", output ? output : "standard output",
                      strerror(e));
        return EXIT_OUTPUT;
    }
    return msc_out_commit(&out);
}

typedef struct {
    msc_report_fn report;
    const msc_analysis *a;
    const msc_report_options *opt;
} analysis_report;

static msc_status emit_analysis(FILE *fp, const void *ctx)
{
    const analysis_report *r = ctx;
    return r->report(fp, r->a, r->opt);
}

int msc_cli_write(const char *output, msc_report_fn report, const msc_analysis *a,
                  const msc_report_options *opt)
{
    analysis_report r = {report, a, opt};
    return msc_cli_emit(output, emit_analysis, &r);
}
