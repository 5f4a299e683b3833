/*
 * `mscmeta forest`, `mscmeta funnel` and `pool --forest`: one picture per
 * outcome, each written atomically (a temporary file in the target's
 * folder that gnuplot draws into, renamed into place only when gnuplot
 * succeeded; removed on failure or on SIGINT/SIGTERM).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mscmeta/plot.h"

typedef msc_status (*draw_fn)(const msc_analysis *, size_t, const char *, const msc_plot_options *, char *,
                       size_t);

/* An outcome name as a file-name part: letters, digits, '.', '-' and '_'
 * kept, anything else (/, spaces, quotes, non-ASCII) as '_'; never
 * starting with '.' or '-'; at most 64 bytes; "outcome<j+1>" when no
 * letter or digit is left. */
static void file_part(const char *name, size_t j, char *out, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < len && n < 64; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '_' || ((*p == '.' || *p == '-') && n > 0);
        char ch = ok ? (char)*p : '_';
        if (ch == '_' && n > 0 && out[n - 1] == '_')
            continue; /* one '_' for a run of odd characters */
        out[n++] = ch;
    }
    out[n] = '\0';
    if (strcspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n)
        snprintf(out, len, "outcome%zu", j + 1); /* nothing left to recognise it by */
}

/* Makes parts[j] differ from parts[0..j-1] (two names that clean up
 * alike): its first 60 bytes and "_<n>", n from j + 1 up until the name is
 * free (a suffixed name may be another outcome's own: "a b", "a?b",
 * "a_b_3"). */
static void unique_part(char (*parts)[72], size_t j)
{
    char base[61];
    snprintf(base, sizeof base, "%s", parts[j]);
    for (unsigned n = (unsigned)j + 1;; n++) {
        size_t i = 0;
        while (i < j && strcmp(parts[i], parts[j]) != 0)
            i++;
        if (i == j)
            return;
        snprintf(parts[j], sizeof parts[j], "%s_%u", base, n);
    }
}

/* "dir/forest.png" + "responders" -> "dir/forest-responders.png". */
static int outcome_path(const char *path, const char *part, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash))
        dot = path + strlen(path);
    int n = snprintf(out, len, "%.*s-%s%s", (int)(dot - path), path, part, dot);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* Draws outcome j into out, a device, FIFO or socket (a named pipe, a link
 * to /dev/stdout), through a private temporary file whose bytes are then
 * copied there. gnuplot must not open such a path itself: /dev/stdout
 * would be its own standard output, where its messages are captured, and
 * the picture would be lost. Returns an exit code. */
static int draw_copied(msc_out *out, const msc_analysis *a, size_t j, const msc_plot_options *po,
                       draw_fn draw)
{
    char err[MSC_ERRBUF], tmp[4096];
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    int n = snprintf(tmp, sizeof tmp, "%s/.mscmeta-XXXXXX", dir);
    int fd = n > 0 && (size_t)n < sizeof tmp ? mkstemp(tmp) : (errno = ENAMETOOLONG, -1);
    if (fd < 0) {
        msc_cli_error("%s: cannot create a temporary file in %s: %s", out->path, dir,
                      strerror(errno));
        msc_out_abort(out);
        return EXIT_OUTPUT;
    }
    if (msc_cli_track_tmp(tmp) != 0) { /* a signal would leave it behind */
        close(fd);
        unlink(tmp);
        msc_cli_error("out of memory");
        msc_out_abort(out);
        return EXIT_OUTPUT;
    }
    int rc = EXIT_OK;
    int st = draw(a, j, tmp, po, err, sizeof err);
    if (st != MSC_OK) {
        msc_cli_error("%s: %s", out->path, err);
        rc = msc_cli_exit_code(st);
    } else {
        char buf[65536];
        ssize_t got;
        while ((got = read(fd, buf, sizeof buf)) > 0)
            if (fwrite(buf, 1, (size_t)got, out->fp) != (size_t)got)
                break; /* msc_out_commit reports it */
        if (got < 0) {
            msc_cli_error("%s: cannot read the picture back: %s", out->path, strerror(errno));
            rc = EXIT_OUTPUT;
        }
    }
    close(fd);
    unlink(tmp);
    msc_cli_untrack_tmp(tmp);
    if (rc != EXIT_OK) {
        msc_out_abort(out);
        return rc;
    }
    return msc_out_commit(out);
}

/* Draws outcome j to `path` through a temporary file. Returns an exit code. */
static int draw_one(const msc_cli *c, const msc_analysis *a, size_t j, const char *path,
                    const msc_plot_options *po, draw_fn draw)
{
    char err[MSC_ERRBUF];
    if (strcmp(c->input, "-") != 0 && msc_cli_same_file(c->input, path)) {
        msc_cli_error("%s is the input file; choose another output name", path);
        return EXIT_USAGE;
    }
    msc_out out;
    int rc = msc_out_open(&out, path);
    if (rc != EXIT_OK)
        return rc;
    if (out.direct)
        return draw_copied(&out, a, j, po, draw);
    int st = draw(a, j, out.tmp, po, err, sizeof err);
    if (st != MSC_OK) {
        msc_out_abort(&out);
        msc_cli_error("%s: %s", path, err);
        return msc_cli_exit_code(st);
    }
    return msc_out_commit(&out);
}

/* Whether path is where standard output goes (a link to /dev/stdout):
 * the picture went there, so its name is not listed after it. */
static int is_stdout(const char *path)
{
    struct stat a, b;
    return fstat(STDOUT_FILENO, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Draws every outcome of `a` to `path` (one outcome: path as given;
 * several: the outcome's name before the extension). `list` prints each
 * file written. Returns an exit code. */
static int draw_all(const msc_cli *c, const msc_analysis *a, const char *path, draw_fn draw,
                    int list)
{
    msc_plot_options po = c->plot;
    /* msc_cli_parse checked the extension of -o and --forest */
    po.format = (msc_plot_format)msc_plot_format_from_path(path);
    size_t len = strlen(path) + 80;
    char *name = malloc(len);
    char(*parts)[72] = calloc(a->n_outcomes ? a->n_outcomes : 1, sizeof *parts);
    int rc = EXIT_OK;
    if (!name || !parts) {
        msc_cli_error("out of memory");
        rc = EXIT_OUTPUT;
        goto out;
    }
    for (size_t j = 0; j < a->n_outcomes && rc == EXIT_OK; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        char shown[128];
        msc_text_display(o->data->name, 60, shown, sizeof shown);
        const char *target = path;
        if (a->n_outcomes > 1) {
            file_part(o->data->name, j, parts[j], sizeof parts[j]);
            unique_part(parts, j);
            if (outcome_path(path, parts[j], name, len) < 0) {
                msc_cli_error("%s: the path is too long", path);
                rc = EXIT_OUTPUT;
                break;
            }
            target = name;
        }
        if (o->skipped) {
            msc_cli_error("%s: no usable study, so no plot", shown);
            continue;
        }
        rc = draw_one(c, a, j, target, &po, draw);
        if (rc == EXIT_OK && list && !is_stdout(target))
            printf("%s\n", target);
    }
out:
    free(name);
    free(parts);
    return rc;
}

int msc_cli_forest(const msc_cli *c, const msc_analysis *a)
{
    return draw_all(c, a, c->forest, msc_plot_forest, 0);
}

/* `forest` or `funnel` (funnel: 1): every outcome of the analysis drawn
 * to -o, by default into the folder plots/. Returns an exit code. */
static int plot_command(msc_cli *c, int funnel)
{
    const char *path = c->output;
    if (!path)
        path = funnel ? "plots/funnel.png" : "plots/forest.png";
    msc_dataset *d;
    msc_analysis *a;
    /* the funnel shows no per-study interval */
    int rc = msc_cli_analyse(c, funnel ? MSC_RUN_NO_STUDY_CI : 0u, &d, &a);
    if (rc != EXIT_OK)
        return rc;
    /* The default folder is made when needed; a folder the user names must exist. */
    if (!c->output && mkdir("plots", 0777) != 0 && errno != EEXIST) {
        msc_cli_error("plots: cannot create the folder: %s", strerror(errno));
        rc = EXIT_OUTPUT;
    } else {
        rc = draw_all(c, a, path, funnel ? msc_plot_funnel : msc_plot_forest, 1);
    }
    msc_cli_done(d, a);
    return rc;
}

int msc_cmd_forest(msc_cli *c) { return plot_command(c, 0); }

int msc_cmd_funnel(msc_cli *c) { return plot_command(c, 1); }
