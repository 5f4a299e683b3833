/*
 * The plot library (plot_common.c, plot_forest.c, plot_funnel.c): format
 * from the extension, axis ticks, text fitting, option and outcome checks,
 * and forest/funnel plots drawn to SVG whose text is then read back:
 * every study label, the subgroup headings, the model rows; the GLMM's
 * missing weights ("—" and a footnote, faked here with has_weights = 0)
 * and the exact-proportion fallback (faked with exact_fallback = 1); a
 * funnel without per-study intervals; a picture drawn into a FIFO.
 * Drawing needs gnuplot on PATH; those cases are skipped without it.
 */
#include "test_util.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mscmeta/plot.h"
#include "mscmeta/simulate.h"
#include "msc_plot.h"

static const char CSV[] = "study,disease,n,responders\n"
                          "Harris 2016,MS,6,4\n"
                          "Harris 2018,MS,20,7\n"
                          "Karussis 2010,MS,15,11\n"
                          "Liang & Sun <2010>,SLE,15,15\n"
                          "Wang 2014,SLE,40,24\n"
                          "O'Brien 2017,RA,50,30\n"
                          "'t Hart 2019,RA,30,12\n";
static const char *const LABELS[] = {
    "Harris 2016", "Harris 2018",  "Karussis 2010", "Liang &amp; Sun &lt;2010>",
    "Wang 2014",   "O'Brien 2017", "'t Hart 2019"};

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/msc_test_plot_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The SVG holds <text>t</text> (t already XML-escaped as gnuplot does). */
static void assert_svg_text(const char *svg, const char *t)
{
    char want[512];
    snprintf(want, sizeof want, "<text>%s</text>", t);
    if (!strstr(svg, want)) {
        print_error("the SVG has no text \"%s\"\n", t);
        fail();
    }
}

static char *draw(const msc_analysis *a, int funnel, const char *name)
{
    char path[256], err[MSC_ERRBUF];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    msc_plot_options o;
    msc_plot_options_default(&o);
    o.format = MSC_PLOT_SVG;
    int rc = funnel ? msc_plot_funnel(a, 0, path, &o, err, sizeof err)
                    : msc_plot_forest(a, 0, path, &o, err, sizeof err);
    if (rc != MSC_OK)
        print_error("plot: %s\n", err);
    assert_int_equal(rc, MSC_OK);
    return read_file(path, NULL);
}

/* --------------------------------------------------------------- pieces */

static void test_format_from_path(void **state)
{
    (void)state;
    assert_int_equal(msc_plot_format_from_path("plots/forest.png"), MSC_PLOT_PNG);
    assert_int_equal(msc_plot_format_from_path("a.PNG"), MSC_PLOT_PNG);
    assert_int_equal(msc_plot_format_from_path("a.svg"), MSC_PLOT_SVG);
    assert_int_equal(msc_plot_format_from_path("x/a.b.pdf"), MSC_PLOT_PDF);
    assert_int_equal(msc_plot_format_from_path("a.jpg"), -1);
    assert_int_equal(msc_plot_format_from_path("forest"), -1);
    assert_int_equal(msc_plot_format_from_path("dir.png/forest"), -1);
    assert_int_equal(msc_plot_format_from_path(".png/"), -1);
}

static void test_ticks(void **state)
{
    (void)state;
    msc_plot_axis ax;
    msc_plot_ticks(0.0, 0.459, &ax);
    assert_close(ax.from, 0.0, 1e-12);
    assert_close(ax.to, 0.5, 1e-12);
    assert_close(ax.step, 0.1, 1e-12);
    assert_int_equal(ax.decimals, 1);
    msc_plot_ticks(0.0, 1.0, &ax);
    assert_close(ax.to, 1.0, 1e-12);
    assert_close(ax.step, 0.2, 1e-12);
    msc_plot_ticks(0.0, 45.9, &ax);
    assert_close(ax.to, 50.0, 1e-12);
    assert_close(ax.step, 10.0, 1e-12);
    assert_int_equal(ax.decimals, 0);
    msc_plot_ticks(-4.4, 3.3, &ax);
    assert_true(ax.from <= -4.4 && ax.to >= 3.3 && (ax.to - ax.from) / ax.step <= 8.0);
    msc_plot_ticks(0.25, 0.25, &ax); /* a single value */
    assert_true(ax.from <= 0.25 && ax.to > ax.from);
}

static void test_text_fit(void **state)
{
    (void)state;
    /* Helvetica: "Study" is 0.667+0.278+0.556+0.556+0.5 em */
    assert_close(msc_plot_text_width("Study", 10.0, 0), 25.57, 1e-9);
    char out[256];
    const char *s = "A very long study label from the multicentre trial group (extension)";
    double w = msc_plot_text_fit(s, 160.0, 10.0, 0, out, sizeof out);
    assert_true(w <= 160.0);
    /* cut in the middle with an ellipsis: the start and the last word (up
     * to 40% of the width) stay */
    assert_true(strncmp(out, "A very", 6) == 0);
    assert_non_null(strstr(out, "\xE2\x80\xA6 (extension)"));
    assert_close(w, msc_plot_text_width(out, 10.0, 0), 1e-9);
    w = msc_plot_text_fit("short\x1b[1m", 100.0, 10.0, 0, out, sizeof out);
    assert_string_equal(out, "short?[1m"); /* control characters shown as '?' */
    /* beyond ASCII, by code point: a combining accent takes nothing, a CJK
     * character (U+4E2D) a full em, other letters 0.65 em; an invalid byte
     * is drawn as U+FFFD, 0.75 em in Liberation Sans (its hmtx table) */
    assert_close(msc_plot_text_width("e\xCC\x81", 10.0, 0), 5.56, 1e-9);
    assert_close(msc_plot_text_width("\xE4\xB8\xAD", 10.0, 0), 10.0, 1e-9);
    assert_close(msc_plot_text_width("\xC3\xA9\xF0\x9F\x98\x80", 10.0, 0), 6.5 + 10.0, 1e-9);
    assert_close(msc_plot_text_width("\xFF", 10.0, 0), 7.5, 1e-9);
}

/* Long labels wrap to two lines; what still does not fit is cut in the
 * middle of the second, so that labels that differ only at their end (the
 * year) stay apart. */
static void test_text_wrap(void **state)
{
    (void)state;
    msc_plot_lines l;
    double maxw = 240.0; /* 24 em at 10 pt, the forest's label column */
    assert_int_equal(msc_plot_text_wrap("Harris 2016", maxw, 10.0, 0, 2, &l), 1);
    assert_string_equal(l.line[0], "Harris 2016");
    const char *a = "Papadopoulos-Konstantinidou A, Athens Cell Therapy Consortium 2019";
    assert_int_equal(msc_plot_text_wrap(a, maxw, 10.0, 0, 2, &l), 2);
    assert_string_equal(l.line[0], "Papadopoulos-Konstantinidou A, Athens Cell Therapy");
    assert_string_equal(l.line[1], "Consortium 2019");
    assert_true(l.w <= maxw);
    const char *z = "Zhang, Li, Chen, Wang, Liu, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Hu, "
                    "Guo, He, Lin, Luo, Zheng, Liang, Xie, Song, Tang 2021";
    assert_int_equal(msc_plot_text_wrap(z, maxw, 10.0, 0, 2, &l), 2);
    assert_string_equal(l.line[0], "Zhang, Li, Chen, Wang, Liu, Yang, Huang, Zhao, Wu,");
    assert_true(strncmp(l.line[1], "Zhou, Xu", 8) == 0);
    size_t n = strlen(l.line[1]);
    assert_true(n > 8 && strcmp(l.line[1] + n - 8, "\xE2\x80\xA6 2021") == 0);
    assert_true(msc_plot_text_width(l.line[1], 10.0, 0) <= maxw);
    /* one word longer than a line: broken where the line is full */
    assert_int_equal(msc_plot_text_wrap("Supercalifragilisticexpialidociousandmoreandmoreandmore"
                                        "andmoreandmore 2019",
                                        maxw, 10.0, 0, 2, &l),
                     2);
    assert_true(msc_plot_text_width(l.line[0], 10.0, 0) <= maxw);
    assert_string_equal(l.line[1] + strlen(l.line[1]) - 4, "2019");
    /* an empty label is one empty line */
    assert_int_equal(msc_plot_text_wrap("", maxw, 10.0, 0, 2, &l), 1);
    assert_string_equal(l.line[0], "");
}

/* The wider metrics (another font than Liberation Sans): never narrower
 * than DejaVu Sans, the font a plain Debian gives instead, nor than
 * Liberation Sans. DejaVu Sans' advance widths (1/1000 em, from the hmtx
 * table of DejaVuSans.ttf and DejaVuSans-Bold.ttf 2.37), for "0.667 [0.223,":
 * 8 digits, 2 periods, a space, '[' and ','; regular 636, 318, 318, 390,
 * 318; bold 696, 380, 348, 457, 380. */
static void test_text_wide(void **state)
{
    (void)state;
    const char *s = "0.667 [0.223,";
    double dejavu = (8 * 636 + 2 * 318 + 318 + 390 + 318) / 100.0; /* at 10 pt */
    double dejavu_bold = (8 * 696 + 2 * 380 + 348 + 457 + 380) / 100.0;
    double metric = msc_plot_text_width(s, 10.0, 0);
    msc_plot_text_use(1);
    assert_true(msc_plot_text_wide());
    assert_string_equal(msc_plot_font_name(0), "sans-serif");
    double w = msc_plot_text_width(s, 10.0, 0), wb = msc_plot_text_width(s, 10.0, 1);
    msc_plot_text_use(0);
    assert_string_equal(msc_plot_font_name(1), "Liberation Sans Bold");
    assert_true(w >= dejavu && w >= metric);
    assert_true(wb >= dejavu_bold);
    assert_true(w <= 1.1 * dejavu); /* wider, not absurdly */
}

static void test_bad_options(void **state)
{
    (void)state;
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    msc_plot_options o;
    char err[MSC_ERRBUF], path[256];
    snprintf(path, sizeof path, "%s/never.svg", tmpdir);
    msc_plot_options_default(&o);
    o.scale = 10;
    assert_int_equal(msc_plot_forest(a, 0, path, &o, err, sizeof err), MSC_ERR_USAGE);
    msc_plot_options_default(&o);
    o.ref = 1.5;
    assert_int_equal(msc_plot_funnel(a, 0, path, &o, err, sizeof err), MSC_ERR_USAGE);
    msc_plot_options_default(&o);
    assert_int_equal(msc_plot_forest(a, 7, path, &o, err, sizeof err), MSC_ERR_USAGE);
    assert_int_equal(access(path, F_OK), -1); /* nothing written */
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_skipped_outcome(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,responders,serious_adverse_events\n"
                               "A,10,3,NA\nB,12,5,NA\n",
                               NULL, NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    assert_int_equal(a->n_outcomes, 2);
    assert_true(a->outcome[1].skipped);
    msc_plot_options o;
    msc_plot_options_default(&o);
    char err[MSC_ERRBUF], path[256];
    snprintf(path, sizeof path, "%s/skipped.png", tmpdir);
    assert_int_equal(msc_plot_forest(a, 1, path, &o, err, sizeof err), MSC_ERR_INPUT);
    assert_non_null(strstr(err, "serious_adverse_events"));
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* ------------------------------------------------------------- drawings */

/* simulate --plot: a whole SVG with every model's label and the nominal
 * line; an outcome out of range and options out of range are usage errors
 * that write nothing. */
static void test_simulate(void **state)
{
    (void)state;
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_settings st;
    msc_settings_default(&st);
    msc_simulate_options so;
    msc_simulate_options_default(&so);
    so.reps = 50;
    so.mu = 0.4;
    so.tau2 = 0.2;
    msc_simulation *sim = NULL;
    char err[MSC_ERRBUF], path[256];
    assert_int_equal(msc_simulate_run(d, &st, &so, &sim, err, sizeof err), MSC_OK);
    msc_plot_options o;
    msc_plot_options_default(&o);
    o.format = MSC_PLOT_SVG;
    snprintf(path, sizeof path, "%s/never.svg", tmpdir);
    assert_int_equal(msc_plot_simulate(sim, 1, path, &o, err, sizeof err), MSC_ERR_USAGE);
    assert_int_equal(msc_plot_simulate(NULL, 0, path, &o, err, sizeof err), MSC_ERR_USAGE);
    o.width = 5; /* below MSC_PLOT_SIZE_MIN */
    assert_int_equal(msc_plot_simulate(sim, 0, path, &o, err, sizeof err), MSC_ERR_USAGE);
    assert_int_equal(access(path, F_OK), -1); /* nothing written */
    msc_plot_options_default(&o);
    o.format = MSC_PLOT_SVG;
    snprintf(path, sizeof path, "%s/sim.svg", tmpdir);
    assert_int_equal(msc_plot_simulate(sim, 0, path, &o, err, sizeof err), MSC_OK);
    size_t len;
    char *svg = read_file(path, &len);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "</svg>"));
    for (size_t m = 0; m < sim->outcome[0].n_methods; m++)
        assert_svg_text(svg, sim->outcome[0].method[m].row.label);
    assert_svg_text(svg, "Nominal 95%");
    free(svg);
    msc_simulate_free(sim);
    msc_dataset_free(d);
}

static void test_forest_subgroups(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    msc_dataset *d = load_text(CSV, "responders", "disease");
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    char *svg = draw(a, 0, "forest.svg");
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        assert_svg_text(svg, LABELS[i]);
    assert_svg_text(svg, "MS");
    assert_svg_text(svg, "SLE");
    assert_svg_text(svg, "RA");
    assert_svg_text(svg, "Common effect model");
    assert_svg_text(svg, "Random effects model");
    assert_svg_text(svg, "Prediction interval");
    assert_non_null(strstr(svg, "Test for subgroup differences"));
    assert_non_null(strstr(svg, "Random effects, REML, logit; Clopper-Pearson study CIs"));
    /* the totals and a pooled interval, as the report gives them: the
     * overall random-effects estimate of the responders above, metafor
     * 3.8.1: predict(rma(measure = "PLO", xi = c(4, 7, 11, 15, 24, 30, 12),
     * ni = c(6, 20, 15, 15, 40, 50, 30), method = "REML"), transf =
     * transf.ilogit) gives 0.5680715 [0.4428303, 0.6851750] */
    assert_svg_text(svg, "103");
    assert_svg_text(svg, "176");
    assert_svg_text(svg, "0.568");
    assert_svg_text(svg, "[0.443,");
    assert_svg_text(svg, "0.685]");
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_forest_no_weights(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    a->outcome[0].fit.has_weights = 0; /* as the GLMM reports it */
    char *svg = draw(a, 0, "noweights.svg");
    assert_svg_text(svg, "\xE2\x80\x94"); /* the em dash in the weight column */
    assert_non_null(strstr(svg, "no inverse-variance study weights"));
    assert_null(strstr(svg, "%</text>")); /* no weight shown anywhere */
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_forest_exact_fallback(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    /* every study with 0 events: the GLMM has no estimate and falls back */
    msc_dataset *d = load_text("study,n,responders\nA,10,0\nB,20,0\nC,15,0\n", "responders",
                               NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_GLMM);
    assert_true(a->outcome[0].fit.exact_fallback);
    char *svg = draw(a, 0, "fallback.svg");
    assert_svg_text(svg, "Exact pooled proportion");
    assert_null(strstr(svg, "<text>Random effects model</text>"));
    assert_svg_text(svg, "0.079]"); /* upper bound of 0 of 45: 1 - 0.025^(1/45) = 0.0787 */
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_forest_common_effect(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_FE);
    char *svg = draw(a, 0, "fe.svg");
    assert_svg_text(svg, "Common effect model");
    assert_null(strstr(svg, "<text>Random effects model</text>"));
    assert_null(strstr(svg, "<text>Prediction interval</text>"));
    assert_svg_text(svg, "Weight");
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_funnel(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    msc_dataset *d = load_text(CSV, "responders", "disease");
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    char *svg = draw(a, 1, "funnel.svg");
    assert_svg_text(svg, "Standard error");
    assert_svg_text(svg, "Responders (logit proportion)");
    assert_svg_text(svg, "disease");
    assert_svg_text(svg, "SLE");
    /* it reads no per-study interval: the same picture without them */
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *b = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_analysis_run(d, &s, MSC_RUN_NO_STUDY_CI, &b, err, sizeof err), MSC_OK);
    assert_null(b->outcome[0].ci_lo);
    char *svg2 = draw(b, 1, "funnel-noci.svg");
    assert_string_equal(svg2, svg);
    free(svg2);
    msc_analysis_free(b);
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* A picture drawn into a FIFO: gnuplot wrote it, though a FIFO's size is
 * always 0 (not "gnuplot wrote no picture"); a child process reads it. */
static void test_forest_to_fifo(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    char fifo[256], copy[256], err[MSC_ERRBUF];
    snprintf(fifo, sizeof fifo, "%s/pipe.svg", tmpdir);
    snprintf(copy, sizeof copy, "%s/pipe-read.svg", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the reader: the FIFO's bytes into a file */
        FILE *in = fopen(fifo, "rb"), *out = fopen(copy, "wb");
        char buf[4096];
        size_t n;
        while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
        _exit(in && out && fclose(out) == 0 ? 0 : 1);
    }
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    msc_plot_options o;
    msc_plot_options_default(&o);
    o.format = MSC_PLOT_SVG;
    int rc = msc_plot_forest(a, 0, fifo, &o, err, sizeof err);
    /* a reader still waiting for a writer (the plot failed early) gets EOF */
    int fd = open(fifo, O_WRONLY | O_NONBLOCK);
    if (fd >= 0)
        close(fd);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (rc != MSC_OK)
        print_error("plot: %s\n", err);
    assert_int_equal(rc, MSC_OK);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *svg = read_file(copy, NULL);
    assert_svg_text(svg, "Karussis 2010");
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void test_gnuplot_missing(void **state)
{
    (void)state;
    msc_dataset *d = load_text(CSV, "responders", NULL);
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent-msc-dir", 1);
    msc_plot_options o;
    msc_plot_options_default(&o);
    char err[MSC_ERRBUF], path[256];
    snprintf(path, sizeof path, "%s/missing.png", tmpdir);
    int rc = msc_plot_forest(a, 0, path, &o, err, sizeof err);
    setenv("PATH", old, 1);
    free(old);
    assert_int_equal(rc, MSC_ERR_IO);
    assert_non_null(strstr(err, "gnuplot-nox"));
    assert_int_equal(access(path, F_OK), -1);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_from_path),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_text_fit), cmocka_unit_test(test_text_wrap),
        cmocka_unit_test(test_text_wide),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_skipped_outcome),
        cmocka_unit_test(test_forest_subgroups),
        cmocka_unit_test(test_forest_no_weights),
        cmocka_unit_test(test_forest_exact_fallback),
        cmocka_unit_test(test_forest_common_effect),
        cmocka_unit_test(test_funnel),
        cmocka_unit_test(test_forest_to_fifo),
        cmocka_unit_test(test_gnuplot_missing),
        cmocka_unit_test(test_simulate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
