/*
 * `mscmeta forest`, `mscmeta funnel` and `pool --forest`: one picture per
 * outcome, each written atomically (a temporary file in the target's
 * folder that gnuplot draws into through a descriptor mscmeta holds,
 * renamed into place only when gnuplot succeeded and the picture is whole;
 * removed on failure or on SIGINT/SIGTERM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mscmeta/compare.h"
#include "mscmeta/plot.h"
#include "mscmeta/simulate.h"

typedef msc_status (*draw_fn)(const msc_analysis *, size_t, const char *, const msc_plot_options *, char *,
                       size_t);

/* What the pictures are drawn from: an analysis and the library call that
 * draws one of its outcomes (forest, funnel, baujat), or a meta-regression
 * (bubble: r, whose analysis is a). */
typedef struct {
    const msc_analysis *a;
    draw_fn draw;            /* r == NULL */
    const msc_regression *r; /* bubble; NULL otherwise */
    const msc_compare *cmp;  /* compare --forest (a: its first row's); NULL otherwise */
    const msc_simulation *sim; /* simulate --plot (a NULL); NULL otherwise */
} plot_src;

/* The number of outcomes, outcome j's name and whether it has nothing to
 * draw, of whatever s draws from. */
static size_t n_outcomes(const plot_src *s)
{
    return s->sim ? s->sim->n_outcomes : s->a->n_outcomes;
}
static const char *outcome_name(const plot_src *s, size_t j)
{
    return s->sim ? s->sim->outcome[j].data->name : s->a->outcome[j].data->name;
}
static int outcome_skipped(const plot_src *s, size_t j)
{
    return s->sim ? s->sim->outcome[j].skipped : s->a->outcome[j].skipped;
}

/* Draws outcome j of s into path. */
static msc_status draw(const plot_src *s, size_t j, const char *path, const msc_plot_options *po,
                       char *err, size_t errlen)
{
    if (s->r)
        return msc_plot_bubble(s->r, j, path, po, err, errlen);
    if (s->cmp)
        return msc_plot_compare_forest(s->cmp, j, path, po, err, errlen);
    if (s->sim)
        return msc_plot_simulate(s->sim, j, path, po, err, errlen);
    return s->draw(s->a, j, path, po, err, errlen);
}

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

/* The name gnuplot is to write the temporary file `tmp`, open in mscmeta
 * as descriptor fd, by: /proc/self/fd/<fd> where the system has it
 * (Linux). gnuplot inherits the descriptor (made inheritable here), and
 * opening that name opens the same file, even once a signal handler has
 * removed its name: a gnuplot left running after SIGTERM to mscmeta alone
 * writes into the removed file and can never create the temporary file
 * again, as it would by name. Else `tmp` itself. Returns buf or tmp. */
static const char *draw_path(int fd, const char *tmp, char *buf, size_t len)
{
    struct stat a, b;
    int n = snprintf(buf, len, "/proc/self/fd/%d", fd);
    int fl = fcntl(fd, F_GETFD);
    if (n < 0 || (size_t)n >= len || fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) != 0 ||
        stat(buf, &a) != 0 || fstat(fd, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
        return tmp;
    return buf;
}

/* Draws outcome j into out, a device, FIFO or socket (a named pipe, a link
 * to /dev/stdout), through a private temporary file whose bytes are then
 * copied there. gnuplot must not open such a path itself: /dev/stdout
 * would be its own standard output, where its messages are captured, and
 * the picture would be lost. Returns an exit code. */
static int draw_copied(msc_out *out, const plot_src *s, size_t j, const msc_plot_options *po)
{
    char err[MSC_ERRBUF];
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    size_t len = strlen(dir) + sizeof "/.mscmeta-XXXXXX";
    char *tmp = malloc(len);
    if (tmp)
        snprintf(tmp, len, "%s/.mscmeta-XXXXXX", dir);
    int fd = tmp ? mkstemp(tmp) : (errno = ENOMEM, -1);
    if (fd < 0) {
        msc_cli_error("%s: cannot create a temporary file in %s: %s", out->path, dir,
                      strerror(errno));
        free(tmp);
        msc_out_abort(out);
        return EXIT_OUTPUT;
    }
    if (msc_cli_track_tmp(tmp) != 0) { /* a signal would leave it behind */
        close(fd);
        unlink(tmp);
        free(tmp);
        msc_cli_error("out of memory");
        msc_out_abort(out);
        return EXIT_OUTPUT;
    }
    int rc = EXIT_OK;
    char fdpath[64];
    int st = draw(s, j, draw_path(fd, tmp, fdpath, sizeof fdpath), po, err, sizeof err);
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
    free(tmp);
    if (rc != EXIT_OK) {
        msc_out_abort(out);
        return rc;
    }
    return msc_out_commit(out);
}

/* Draws outcome j to `path` through a temporary file. Returns an exit code. */
static int draw_one(const msc_cli *c, const plot_src *s, size_t j, const char *path,
                    const msc_plot_options *po)
{
    char err[MSC_ERRBUF];
    if (msc_cli_same_file(c->input, path)) {
        msc_cli_error("%s is the input file; choose another output name", path);
        return EXIT_USAGE;
    }
    /* pool -o r.png --forest r.png, or a name made for an outcome
     * (--forest f.png makes f-events.png) that is the report's */
    const char *extra = c->forest ? c->forest : c->sim_plot;
    if (extra && c->output && strcmp(c->output, "-") != 0 && msc_cli_same_file(c->output, path)) {
        msc_cli_error("%s is also the report's output (-o); choose another name", path);
        return EXIT_USAGE;
    }
    msc_out out;
    int rc = msc_out_open(&out, path);
    if (rc != EXIT_OK)
        return rc;
    if (out.direct)
        return draw_copied(&out, s, j, po);
    char fdpath[64];
    int st =
        draw(s, j, draw_path(fileno(out.fp), out.tmp, fdpath, sizeof fdpath), po, err, sizeof err);
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

/* Prints a picture's name on standard output, shown as labels are
 * (msc_text_display): an ESC in a path must not reach the terminal. */
static void list_name(const char *path)
{
    size_t len = strlen(path);
    char *shown = malloc(len + 16);
    if (shown)
        msc_text_display(path, len, shown, len + 16);
    printf("%s\n", shown ? shown : path);
    free(shown);
}

/* Draws every outcome of `a` to `path` (one outcome: path as given;
 * several: the outcome's name before the extension). `list` prints each
 * file written. Returns an exit code. */
static int draw_all(const msc_cli *c, const plot_src *s, const char *path, int list)
{
    size_t n = n_outcomes(s);
    msc_plot_options po = c->plot;
    /* msc_cli_parse checked the extension of -o and --forest */
    po.format = (msc_plot_format)msc_plot_format_from_path(path);
    if (po.metrics == MSC_PLOT_METRICS_CHECK) { /* once, not at every outcome */
        char msg[256];
        po.metrics = msc_plot_font_check(msg, sizeof msg) ? MSC_PLOT_METRICS_FONT
                                                           : MSC_PLOT_METRICS_WIDE;
        if (po.metrics == MSC_PLOT_METRICS_WIDE)
            msc_cli_error("warning: %s; text is spaced for a wider font. Install Liberation "
                          "Sans (Debian: fonts-liberation2) for the layout the plots are made "
                          "for",
                          msg);
    }
    size_t len = strlen(path) + 80;
    char *name = malloc(len);
    char(*parts)[72] = calloc(n ? n : 1, sizeof *parts);
    int rc = EXIT_OK;
    if (!name || !parts) {
        msc_cli_error("out of memory");
        rc = EXIT_OUTPUT;
        goto out;
    }
    for (size_t j = 0; j < n && rc == EXIT_OK; j++) {
        char shown[128];
        msc_text_display(outcome_name(s, j), 60, shown, sizeof shown);
        const char *target = path;
        if (n > 1) {
            file_part(outcome_name(s, j), j, parts[j], sizeof parts[j]);
            unique_part(parts, j);
            if (outcome_path(path, parts[j], name, len) < 0) {
                msc_cli_error("%s: the path is too long", path);
                rc = EXIT_OUTPUT;
                break;
            }
            target = name;
        }
        if (outcome_skipped(s, j)) {
            msc_cli_error("%s: no usable study, so no plot", shown);
            continue;
        }
        rc = draw_one(c, s, j, target, &po);
        if (rc == EXIT_OK && list && !is_stdout(target))
            list_name(target);
    }
out:
    free(name);
    free(parts);
    return rc;
}

int msc_cli_forest(const msc_cli *c, const msc_analysis *a)
{
    plot_src s = {a, msc_plot_forest, NULL, NULL, NULL};
    return draw_all(c, &s, c->forest, 0);
}

int msc_cli_compare_forest(const msc_cli *c, const msc_compare *cmp)
{
    plot_src s = {cmp->row[0].a, NULL, NULL, cmp, NULL};
    return draw_all(c, &s, c->forest, 0);
}

int msc_cli_simulate_plot(const msc_cli *c, const msc_simulation *sim)
{
    plot_src s = {NULL, NULL, NULL, NULL, sim};
    return draw_all(c, &s, c->sim_plot, 0);
}

/* The plots a command draws. */
enum { PLOT_FOREST, PLOT_FUNNEL, PLOT_BAUJAT };

/* The sensitivity analyses a plot command needs (sets *sens; NULL when
 * none): Baujat's influence diagnostics, funnel --trim-fill's bias tests.
 * Returns an exit code. */
static int plot_sens(msc_cli *c, int kind, const msc_analysis *a, msc_sens **sens)
{
    msc_sens_options so = c->sens;
    *sens = NULL;
    if (kind == PLOT_BAUJAT)
        so.influence = 1;
    else if (kind == PLOT_FUNNEL && c->trim_fill)
        so.bias_tests = 1;
    if (!(so.leave_one_out || so.cumulative || so.influence || so.bias_tests))
        return EXIT_OK;
    char err[MSC_ERRBUF];
    int st = msc_sens_run(a, &so, sens, err, sizeof err);
    if (st != MSC_OK) {
        msc_cli_error("%s", err);
        return msc_cli_exit_code(st);
    }
    return EXIT_OK;
}

/* `forest`, `funnel` or `baujat`: every outcome of the analysis drawn to
 * -o, by default into the folder plots/. Returns an exit code. */
static int plot_command(msc_cli *c, int kind)
{
    static const char *const def[] = {"plots/forest.png", "plots/funnel.png", "plots/baujat.png"};
    const char *path = c->output ? c->output : def[kind];
    msc_dataset *d;
    msc_analysis *a;
    /* only the forest plot shows per-study intervals */
    int rc = msc_cli_analyse(c, kind != PLOT_FOREST ? MSC_RUN_NO_STUDY_CI : 0u, &d, &a);
    if (rc != EXIT_OK)
        return rc;
    msc_sens *sens = NULL;
    rc = plot_sens(c, kind, a, &sens);
    c->plot.sens = sens;
    plot_src s = {a,
                  kind == PLOT_FUNNEL   ? msc_plot_funnel
                  : kind == PLOT_BAUJAT ? msc_plot_baujat
                                        : msc_plot_forest,
                  NULL, NULL, NULL};
    /* The default folder is made when needed; a folder the user names must exist. */
    if (rc != EXIT_OK) {
        /* said */
    } else if (!c->output && mkdir("plots", 0777) != 0 && errno != EEXIST) {
        msc_cli_error("plots: cannot create the folder: %s", strerror(errno));
        rc = EXIT_OUTPUT;
    } else {
        rc = draw_all(c, &s, path, 1);
    }
    c->plot.sens = NULL;
    msc_sens_free(sens);
    msc_cli_done(d, a);
    return rc;
}

int msc_cmd_forest(msc_cli *c) { return plot_command(c, PLOT_FOREST); }

int msc_cmd_funnel(msc_cli *c) { return plot_command(c, PLOT_FUNNEL); }

int msc_cmd_baujat(msc_cli *c) { return plot_command(c, PLOT_BAUJAT); }

/* ----------------------------------------------------------------- bubble */

int msc_cmd_bubble(msc_cli *c)
{
    const char *path = c->output ? c->output : "plots/bubble.png";
    msc_dataset *d;
    msc_regression *r;
    int rc = msc_cli_regress(c, &d, &r);
    if (rc != EXIT_OK)
        return rc;
    if (!c->output && mkdir("plots", 0777) != 0 && errno != EEXIST) {
        msc_cli_error("plots: cannot create the folder: %s", strerror(errno));
        rc = EXIT_OUTPUT;
    } else {
        plot_src s = {r->a, NULL, r, NULL, NULL};
        rc = draw_all(c, &s, path, 1);
    }
    msc_regression_free(r);
    msc_dataset_free(d);
    return rc;
}
