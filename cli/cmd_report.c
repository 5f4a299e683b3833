/*
 * `mscmeta report`: the whole analysis in one file. It runs pool's
 * analysis with every sensitivity analysis, the method comparison and,
 * with --mod, the meta-regression; draws the forest, funnel and Baujat
 * plots as SVG; and composes them (the library's msc_page_* pieces and
 * its reports as HTML or Markdown) into one self-contained HTML file, or
 * a Markdown file with the pictures beside it. Written atomically, as
 * every report: nothing is left behind on failure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mscmeta/compare.h"

/* ------------------------------------------------------------ pictures */

enum { PIC_FOREST, PIC_FUNNEL, PIC_BAUJAT, N_PICS };
static const char *const pic_name[N_PICS] = {"forest", "funnel", "baujat"};
static const char *const pic_caption[N_PICS] = {
    "Forest plot", "Funnel plot", "Baujat plot (contribution to heterogeneity against influence)"};

typedef struct {
    char *path; /* the drawn SVG: a private temporary file (HTML), or beside the report (md) */
    char *rel;  /* md: the name the report links to */
    char *note; /* why it was not drawn, or NULL */
    int placed; /* md: path is the picture's final name */
} picture;

typedef struct {
    msc_cli *c;
    const msc_analysis *a;
    const msc_sens *sens;
    const msc_compare *cmp;
    const char *cmp_err;
    const msc_regression *reg;
    picture *pic; /* [outcome * N_PICS + kind] */
    const char *sha256;
    long long size;
    char date[32];
    char *cmdline;
} report;

/* "dir/r.md" -> "dir/"; "" without a folder. */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path + 1) : 0;
}

/* An outcome name as a file-name part: [A-Za-z0-9._-], at most 40 bytes. */
static void name_part(const char *name, size_t j, char *out, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 1 < len && n < 40; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '_' || *p == '-';
        out[n++] = ok ? (char)*p : '_';
    }
    out[n] = '\0';
    if (!n)
        snprintf(out, len, "outcome%zu", j + 1);
}

static msc_status draw(const report *r, int kind, size_t j, const char *path,
                       const msc_plot_options *po, char *err, size_t errlen)
{
    switch (kind) {
    case PIC_FOREST:
        return msc_plot_forest(r->a, j, path, po, err, errlen);
    case PIC_FUNNEL:
        return msc_plot_funnel(r->a, j, path, po, err, errlen);
    default:
        return msc_plot_baujat(r->a, j, path, po, err, errlen);
    }
}

/* Draws picture `kind` of outcome j. A picture that cannot be drawn (too
 * few studies, gnuplot missing) becomes a note in the report; only memory
 * and files stop it. Returns an exit code. */
static int draw_picture(report *r, int kind, size_t j, picture *p)
{
    msc_cli *c = r->c;
    char err[MSC_ERRBUF], part[48];
    msc_plot_options po = c->plot;
    po.format = MSC_PLOT_SVG;
    po.sens = r->sens;
    name_part(r->a->outcome[j].data->name, j, part, sizeof part);
    int fd;
    size_t len;
    if (c->format == MSC_FORMAT_MD) {
        /* beside the report: "dir/report-forest-responders.svg", drawn
         * into a temporary name there and renamed when whole */
        const char *out = c->output;
        size_t d = dir_len(out);
        const char *base = out + d, *dot = strrchr(base, '.');
        size_t blen = dot ? (size_t)(dot - base) : strlen(base);
        len = strlen(out) + strlen(part) + 64;
        p->rel = malloc(len);
        p->path = malloc(len + 16);
        if (!p->rel || !p->path)
            return msc_cli_error("out of memory"), EXIT_OUTPUT;
        snprintf(p->rel, len, "%.*s-%s-%s-%zu.svg", (int)blen, base, pic_name[kind], part, j + 1);
        snprintf(p->path, len + 16, "%.*s.%s.XXXXXX", (int)d, out, p->rel);
    } else {
        const char *dir = getenv("TMPDIR");
        if (!dir || !dir[0])
            dir = "/tmp";
        len = strlen(dir) + 32;
        if (!(p->path = malloc(len)))
            return msc_cli_error("out of memory"), EXIT_OUTPUT;
        snprintf(p->path, len, "%s/.mscmeta-XXXXXX", dir);
    }
    if ((fd = mkstemp(p->path)) < 0) {
        msc_cli_error("%s: cannot create a temporary file: %s", p->path, strerror(errno));
        free(p->path);
        p->path = NULL;
        return EXIT_OUTPUT;
    }
    close(fd);
    if (msc_cli_track_tmp(p->path) != 0) {
        unlink(p->path);
        return msc_cli_error("out of memory"), EXIT_OUTPUT;
    }
    msc_status st = draw(r, kind, j, p->path, &po, err, sizeof err);
    if (st == MSC_ERR_NOMEM)
        return msc_cli_error("out of memory"), EXIT_OUTPUT;
    if (st != MSC_OK) {
        size_t n = strlen(err) + 64;
        p->note = malloc(n);
        if (!p->note)
            return msc_cli_error("out of memory"), EXIT_OUTPUT;
        snprintf(p->note, n, "%s plot not drawn: %s", pic_name[kind], err);
    }
    return EXIT_OK;
}

/* Removes the pictures, but those placed beside a report when keep. */
static void free_pictures(report *r, int keep)
{
    if (!r->pic)
        return;
    for (size_t i = 0; i < r->a->n_outcomes * N_PICS; i++) {
        picture *p = &r->pic[i];
        if (p->path) {
            if (!(keep && p->placed))
                unlink(p->path);
            msc_cli_untrack_tmp(p->path);
        }
        free(p->path);
        free(p->rel);
        free(p->note);
    }
    free(r->pic);
    r->pic = NULL;
}

/* md: the pictures renamed to their names beside the report (before the
 * report is written: should that fail, they are removed again). */
static int commit_pictures(report *r)
{
    size_t d = dir_len(r->c->output);
    for (size_t i = 0; i < r->a->n_outcomes * N_PICS; i++) {
        picture *p = &r->pic[i];
        if (!p->path || p->note)
            continue;
        size_t len = d + strlen(p->rel) + 1;
        char *dest = malloc(len);
        if (!dest)
            return msc_cli_error("out of memory"), EXIT_OUTPUT;
        snprintf(dest, len, "%.*s%s", (int)d, r->c->output, p->rel);
        if (rename(p->path, dest) != 0) {
            msc_cli_error("%s: %s", dest, strerror(errno));
            free(dest);
            return EXIT_OUTPUT;
        }
        msc_cli_untrack_tmp(p->path);
        free(p->path);
        p->path = dest;
        p->placed = 1;
        if (msc_cli_track_tmp(dest) != 0) /* removed on a signal until the report is whole */
            return msc_cli_error("out of memory"), EXIT_OUTPUT;
    }
    return EXIT_OK;
}

/* ---------------------------------------------------------- the page */

static msc_status to_fp(void *ctx, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, ctx) == len ? MSC_OK : MSC_ERR_IO;
}

/* The picture's SVG into the page (HTML), or a link to it (md). */
static msc_status put_picture(FILE *fp, const report *r, const picture *p, int kind)
{
    msc_format f = r->c->format;
    if (p->note)
        return msc_page_note(f, p->note, to_fp, fp);
    if (f == MSC_FORMAT_MD)
        return msc_page_svg(f, NULL, 0, pic_caption[kind], p->rel, to_fp, fp);
    FILE *in = fopen(p->path, "rb");
    if (!in)
        return MSC_ERR_IO;
    char *svg = NULL;
    size_t len = 0, cap = 0, got;
    msc_status st = MSC_OK;
    do {
        if (len + 65536 > cap) {
            char *m = realloc(svg, cap = len + 65536 + cap);
            if (!m) {
                st = MSC_ERR_NOMEM;
                break;
            }
            svg = m;
        }
        got = fread(svg + len, 1, cap - len, in);
        len += got;
    } while (got > 0);
    if (st == MSC_OK && ferror(in))
        st = MSC_ERR_IO;
    fclose(in);
    if (st == MSC_OK)
        st = msc_page_svg(f, svg, len, pic_caption[kind], NULL, to_fp, fp);
    free(svg);
    if (st == MSC_ERR_INPUT) /* gnuplot wrote markup the page does not pass on */
        st = msc_page_note(f,
                           "plot left out: its SVG holds an element or attribute a report "
                           "does not pass on",
                           to_fp, fp);
    return st;
}

static msc_status emit_page(FILE *fp, const void *ctx)
{
    const report *r = ctx;
    const msc_cli *c = r->c;
    msc_format f = c->format;
    msc_status st;
    char title[512];
    if (c->plot.title)
        snprintf(title, sizeof title, "%s", c->plot.title);
    else
        snprintf(title, sizeof title, "Meta-analysis of %s", r->a->data->source);
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((st = (x)) != MSC_OK)                                                                  \
            return st;                                                                             \
    } while (0)
    TRY(msc_page_begin(f, title, to_fp, fp));
    TRY(msc_page_heading(f, 2, "Results", to_fp, fp));
    msc_report_options ro = {c->summary_only, NULL, NULL, r->sens};
    TRY(msc_report_write(r->a, &ro, f, to_fp, fp));
    TRY(msc_page_heading(f, 2, "Figures", to_fp, fp));
    for (size_t j = 0; j < r->a->n_outcomes; j++) {
        if (r->a->outcome[j].skipped)
            continue;
        TRY(msc_page_heading(f, 3, r->a->outcome[j].data->name, to_fp, fp));
        for (int k = 0; k < N_PICS; k++)
            TRY(put_picture(fp, r, &r->pic[j * N_PICS + (size_t)k], k));
    }
    TRY(msc_page_heading(f, 2, "Method comparison", to_fp, fp));
    if (r->cmp) {
        msc_report_options co = {c->summary_only, NULL, NULL, NULL};
        TRY(msc_report_compare_write(r->cmp, &co, f, to_fp, fp));
    } else {
        TRY(msc_page_note(f, r->cmp_err, to_fp, fp));
    }
    if (r->reg) {
        TRY(msc_page_heading(f, 2, "Meta-regression", to_fp, fp));
        msc_report_options go = {c->summary_only, NULL, NULL, NULL};
        TRY(msc_report_regress_write(r->reg, &go, f, to_fp, fp));
    }
    TRY(msc_page_heading(f, 2, "Methods", to_fp, fp));
    unsigned parts =
        MSC_PAGE_SENS | (r->cmp ? MSC_PAGE_COMPARE : 0u) | (r->reg ? MSC_PAGE_REGRESS : 0u);
    TRY(msc_page_methods(f, r->a, parts, to_fp, fp));
    TRY(msc_page_heading(f, 2, "Reproducibility", to_fp, fp));
    msc_page_info info = {r->cmdline, r->a->data->source, r->size, r->sha256, r->date};
    TRY(msc_page_repro(f, r->a, &info, to_fp, fp));
    TRY(msc_page_end(f, to_fp, fp));
#undef TRY
    return ferror(fp) ? MSC_ERR_IO : MSC_OK;
}

/* ------------------------------------------------- reproducibility */

/* The command line as a shell would read it back: words of safe
 * characters as they are, others in single quotes. */
static char *command_line(const msc_cli *c)
{
    size_t len = 16;
    for (int i = 0; i < c->argc; i++)
        len += 4 * strlen(c->argv[i]) + 3;
    char *s = malloc(len), *o = s;
    if (!s)
        return NULL;
    o += sprintf(o, "mscmeta");
    for (int i = 0; i < c->argc; i++) {
        const char *w = c->argv[i];
        *o++ = ' ';
        if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                            "_-+=./,:@%") == strlen(w)) {
            o += sprintf(o, "%s", w);
            continue;
        }
        *o++ = '\'';
        for (; *w; w++)
            o += *w == '\'' ? sprintf(o, "'\\''") : sprintf(o, "%c", *w);
        *o++ = '\'';
    }
    *o = '\0';
    return s;
}

/* The input's SHA-256 and size; "-" (read already) has neither. */
static int input_digest(const char *path, char hex[65], long long *size)
{
    *size = -1;
    if (strcmp(path, "-") == 0)
        return 0;
    FILE *in = fopen(path, "rb");
    if (!in)
        return 0;
    msc_sha256 h;
    msc_sha256_init(&h);
    char buf[65536];
    size_t got;
    long long n = 0;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
        msc_sha256_update(&h, buf, got);
        n += (long long)got;
    }
    int ok = !ferror(in);
    fclose(in);
    if (!ok)
        return 0;
    msc_sha256_hex(&h, hex);
    *size = n;
    return 1;
}

/* The date in UTC, or SOURCE_DATE_EPOCH's (reproducible builds' variable)
 * when it is set, so that a report can be made byte for byte again. */
static void report_date(char *buf, size_t len)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    char *end;
    time_t t = time(NULL);
    if (e && *e) {
        long long v = strtoll(e, &end, 10);
        if (!*end && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, len, "unknown");
}

/* ------------------------------------------------------------- report */

int msc_cmd_report(msc_cli *c)
{
    msc_dataset *d;
    msc_analysis *a;
    char err[MSC_ERRBUF], hex[65];
    report r;
    memset(&r, 0, sizeof r);
    r.c = c;
    msc_cli_progress("report: reading and fitting", 0, 0);
    int rc = msc_cli_analyse(c, 0, &d, &a);
    if (rc != EXIT_OK) {
        msc_cli_progress(NULL, 0, 0);
        return rc;
    }
    r.a = a;
    msc_sens *sens = NULL;
    msc_compare *cmp = NULL;
    msc_dataset *rd = NULL;
    msc_regression *reg = NULL;
    msc_sens_options so = c->sens;
    so.leave_one_out = so.influence = so.bias_tests = 1;
    msc_cli_progress("report: sensitivity analyses", 0, 0);
    msc_status st = msc_sens_run(a, &so, &sens, err, sizeof err);
    if (st != MSC_OK) {
        msc_cli_error("%s", err);
        rc = msc_cli_exit_code(st);
        goto done;
    }
    r.sens = sens;
    /* the comparison sets each model's measure, method, test and cc */
    msc_cli_progress("report: method comparison", 0, 0);
    msc_settings base = c->settings;
    base.measure = MSC_PLO;
    base.test = MSC_TEST_Z;
    base.cc = NAN;
    st = msc_compare_run(d, &base, MSC_RUN_NO_STUDY_CI, &cmp, err, sizeof err);
    if (st == MSC_ERR_NOMEM) {
        rc = msc_cli_exit_code(st);
        msc_cli_error("out of memory");
        goto done;
    }
    r.cmp = st == MSC_OK ? cmp : NULL;
    r.cmp_err = st == MSC_OK ? NULL : err;
    if (c->regress.n_mods) {
        msc_cli_progress("report: meta-regression", 0, 0);
        if ((rc = msc_cli_regress(c, &rd, &reg)) != EXIT_OK)
            goto done;
        r.reg = reg;
    }
    r.pic = calloc(a->n_outcomes * N_PICS + 1, sizeof *r.pic);
    if (!r.pic) {
        msc_cli_error("out of memory");
        rc = EXIT_OUTPUT;
        goto done;
    }
    size_t total = 0, done = 0;
    for (size_t j = 0; j < a->n_outcomes; j++)
        total += a->outcome[j].skipped ? 0 : N_PICS;
    for (size_t j = 0; j < a->n_outcomes && rc == EXIT_OK; j++)
        for (int k = 0; k < N_PICS && rc == EXIT_OK && !a->outcome[j].skipped; k++) {
            msc_cli_progress("report: plots", ++done, total);
            rc = draw_picture(&r, k, j, &r.pic[j * N_PICS + (size_t)k]);
        }
    if (rc != EXIT_OK)
        goto done;
    msc_cli_progress("report: writing", 0, 0);
    r.sha256 = input_digest(c->input, hex, &r.size) ? hex : NULL;
    report_date(r.date, sizeof r.date);
    if (!(r.cmdline = command_line(c))) {
        msc_cli_error("out of memory");
        rc = EXIT_OUTPUT;
        goto done;
    }
    if (c->format == MSC_FORMAT_MD)
        rc = commit_pictures(&r);
    if (rc == EXIT_OK)
        rc = msc_cli_emit(c->output, emit_page, &r);
done:
    msc_cli_progress(NULL, 0, 0);
    free_pictures(&r, rc == EXIT_OK);
    free(r.cmdline);
    msc_regression_free(reg);
    msc_dataset_free(rd);
    msc_compare_free(cmp);
    msc_sens_free(sens);
    msc_cli_done(d, a);
    return rc;
}
