/*
 * The command line's defaults and option ranges against the library's
 * (issue 9, section 5: "the safety default outcome list is kept twice,
 * and so are the plot ranges"). The CLI's parser (msc_cli_parse, from the
 * msc_cli library) is driven directly with the command table's entries;
 * the library's verdict on plot options comes from msc_plot_funnel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static char g_err[1024]; /* what the last parse printed on stderr */

/* Parses the command line `cmd ...` (arguments up to NULL) into c. What
 * it prints on stderr (usage errors) goes to g_err, not the test's
 * output. Returns what msc_cli_parse returns. */
static int parse(msc_cli *c, const char *cmd, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, cmd);
    for (const char *a = cmd; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a; /* getopt_long reorders argv, never writes the strings */
    va_end(ap);
    argv[argc] = NULL;
    const msc_cli_command *command = msc_cli_command_find(cmd);
    assert_non_null(command);
    FILE *err = tmpfile();
    assert_non_null(err);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    dup2(fileno(err), STDERR_FILENO);
    int rc = msc_cli_parse(command, argc, argv, c);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(err);
    size_t n = fread(g_err, 1, sizeof g_err - 1, err);
    g_err[n] = '\0';
    fclose(err);
    return rc;
}

/* --------------------------------------------------------- command table */

/* Every entry has what main.c, help.c and options.c read from it, and a
 * name of its own that fits mscmeta --help's column. */
static void every_command_is_complete(void **state)
{
    (void)state;
    assert_true(msc_cli_n_commands >= 4);
    for (size_t i = 0; i < msc_cli_n_commands; i++) {
        const msc_cli_command *cmd = &msc_cli_commands[i];
        assert_non_null(cmd->name);
        assert_true(strlen(cmd->name) >= 1 && strlen(cmd->name) <= 8);
        assert_ptr_equal(msc_cli_command_find(cmd->name), cmd);
        assert_non_null(cmd->summary);
        assert_non_null(cmd->help);
        assert_non_null(cmd->help_end);
        assert_non_null(cmd->run);
    }
    assert_null(msc_cli_command_find("frobnicate"));
    char names[256];
    msc_cli_command_names(names, sizeof names);
    assert_string_equal(names,
                        "pool, safety, compare, simulate, report, regress, forest, funnel, baujat and "
                        "bubble");
}

/* Which command takes which option (README's option table): an option
 * for some commands only is "not an option of this command" elsewhere;
 * --help and -o go with every command. */
static void each_command_takes_its_options(void **state)
{
    (void)state;
    static msc_cli c;
    static const struct {
        const char *option, *value;
        const char *takes; /* the commands that take it */
    } cases[] = {
        {"--format", "json", " pool safety regress "},
        {"--summary-only", NULL, " pool safety regress "},
        {"--forest", "f.png", " pool "},
        {"--title", "T", " pool forest funnel baujat bubble "},
        {"--width", "500", " pool forest funnel baujat bubble "},
        {"--height", "500", " pool forest funnel baujat bubble "},
        {"--scale", "100", " pool forest funnel baujat bubble "},
        {"--ref", "0.5", " pool forest funnel baujat bubble "},
        {"--max-rate", "e=0.05", " safety "}, /* beside the general --max-rate=0.1 */
        {"--events", "e", " pool safety regress forest funnel baujat bubble "},
        {"--method", "DL", " pool safety regress forest funnel baujat bubble "},
        {"-o", "out.png", " pool safety regress forest funnel baujat bubble "},
        {"--leave-one-out", NULL, " pool forest "},
        {"--cumulative=year", NULL, " pool forest "},
        {"--influence", NULL, " pool "},
        {"--bias-tests", NULL, " pool "},
        {"--trim-fill-estimator", "R0", " pool funnel "},
        {"--trim-fill", NULL, " funnel "},
        {"--mod", "a", " regress "},
        {"--factor", "m", " regress bubble "},
        {"--ref", "a=b", " regress bubble "},
        {"--at", "a=1", " regress "},
        {"--btt", "a", " regress "},
        {"--permutations", "100", " regress "},
        {"--seed", "7", " regress "},
    };
    const char *names[] = {"pool", "safety", "regress", "forest", "funnel", "baujat", "bubble"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (size_t j = 0; j < 7; j++) {
            char padded[16];
            snprintf(padded, sizeof padded, " %s ", names[j]);
            int takes = strstr(cases[k].takes, padded) != NULL;
            /* --ref takes a proportion or, where there are moderators,
             * COL=LEVEL: each command refuses the other with its own
             * message */
            if (strcmp(cases[k].option, "--ref") == 0 &&
                (strchr(cases[k].value, '=') ? strstr(" pool forest funnel baujat ", padded) != NULL
                                             : strcmp(names[j], "regress") == 0))
                continue;
            /* bubble takes --mod, once: the one every case here gives */
            if (strcmp(cases[k].option, "--mod") == 0 && strcmp(names[j], "bubble") == 0)
                continue;
            /* safety needs a limit, regress and bubble a moderator (the
             * option's value may be NULL: last) */
            int mods = strcmp(names[j], "regress") == 0 || strcmp(names[j], "bubble") == 0;
            int rc =
                strcmp(names[j], "safety") == 0 ? parse(&c, names[j], "x.csv", "--max-rate=0.1",
                                                        cases[k].option, cases[k].value, NULL)
                : mods
                    ? parse(&c, names[j], "x.csv", "--mod=m", cases[k].option, cases[k].value, NULL)
                    : parse(&c, names[j], "x.csv", cases[k].option, cases[k].value, NULL);
            if (takes != (rc == MSC_CLI_GO_ON))
                print_message("%s %s: %s", names[j], cases[k].option, g_err);
            assert_int_equal(rc, takes ? MSC_CLI_GO_ON : EXIT_USAGE);
            if (!takes)
                assert_non_null(strstr(g_err, "is not an option of this command"));
        }
    for (size_t j = 0; j < 7; j++)
        assert_int_equal(parse(&c, names[j], "--help", NULL), MSC_CLI_HELP);
}

/* --cumulative takes its column as --cumulative=COL, or as the next word
 * when another word is the input file; alone, file order. */
static void cumulative_column(void **state)
{
    (void)state;
    static msc_cli c;
    assert_int_equal(parse(&c, "pool", "x.csv", "--cumulative", "year", NULL), MSC_CLI_GO_ON);
    assert_string_equal(c.input, "x.csv");
    assert_string_equal(c.sens.cumulative_col, "year");
    assert_int_equal(c.load.n_keep_cols, 1);
    assert_string_equal(c.load.keep_cols[0], "year");
    assert_int_equal(parse(&c, "pool", "--cumulative", "year", "x.csv", NULL), MSC_CLI_GO_ON);
    assert_string_equal(c.input, "x.csv");
    assert_string_equal(c.sens.cumulative_col, "year");
    assert_int_equal(parse(&c, "pool", "--cumulative", "x.csv", NULL), MSC_CLI_GO_ON);
    assert_string_equal(c.input, "x.csv");
    assert_true(c.sens.cumulative && !c.sens.cumulative_col);
    assert_int_equal(parse(&c, "pool", "x.csv", "--cumulative", "--influence", NULL),
                     MSC_CLI_GO_ON);
    assert_true(c.sens.cumulative && !c.sens.cumulative_col && c.sens.influence);
    assert_int_equal(parse(&c, "pool", "x.csv", "--cumulative=when", NULL), MSC_CLI_GO_ON);
    assert_string_equal(c.sens.cumulative_col, "when");
    assert_int_equal(parse(&c, "forest", "x.csv", "--cumulative", "--leave-one-out", NULL),
                     EXIT_USAGE);
    assert_int_equal(parse(&c, "pool", "x.csv", "--trim-fill-estimator", "Q0", NULL), EXIT_USAGE);
}

/* ------------------------------------------------------ default outcomes */

/* safety pools, by default, every default outcome of the library but
 * responders, in the library's order (README: "for safety: all but
 * responders"). */
static void safety_outcomes_are_the_library_defaults_but_responders(void **state)
{
    (void)state;
    static msc_cli c;
    assert_int_equal(parse(&c, "safety", "x.csv", "--max-rate", "0.05", NULL), MSC_CLI_GO_ON);
    size_t j = 0;
    for (size_t i = 0; i < msc_n_default_events; i++) {
        if (strcmp(msc_default_events[i], "responders") == 0)
            continue;
        assert_true(j < c.load.n_default_events);
        assert_string_equal(c.load.default_events[j], msc_default_events[i]);
        j++;
    }
    assert_int_equal(c.load.n_default_events, j);
}

/* Every other command pools the library's default outcomes. */
static void other_commands_pool_the_library_defaults(void **state)
{
    (void)state;
    static msc_cli c;
    const char *names[] = {"pool", "forest", "funnel"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        assert_int_equal(parse(&c, names[k], "x.csv", NULL), MSC_CLI_GO_ON);
        assert_int_equal(c.load.n_default_events, msc_n_default_events);
        for (size_t i = 0; i < msc_n_default_events; i++)
            assert_string_equal(c.load.default_events[i], msc_default_events[i]);
    }
}

/* ----------------------------------------------------------- plot ranges */

/* Two outcomes, the second with no usable study. msc_plot_funnel checks
 * the options first (mscmeta/plot.h): one out of range gives
 * MSC_ERR_USAGE; all in range go on to the outcome, which has nothing to
 * plot (MSC_ERR_INPUT), so gnuplot never starts. */
static msc_dataset *g_data;
static msc_analysis *g_analysis;

static int load_analysis(void **state)
{
    (void)state;
    static const char csv[] = "study,n,a,b\nS1,10,2,NA\nS2,12,3,NA\nS3,9,1,NA\n";
    const char *events[] = {"a", "b"};
    msc_load_options lo;
    msc_settings s;
    char err[MSC_ERRBUF];
    msc_load_options_default(&lo);
    lo.events_cols = events;
    lo.n_events_cols = 2;
    msc_settings_default(&s);
    if (msc_dataset_load_buffer(csv, sizeof csv - 1, "t.csv", &lo, &g_data, err, sizeof err) !=
            MSC_OK ||
        msc_analysis_run(g_data, &s, 0, &g_analysis, err, sizeof err) != MSC_OK) {
        print_message("cannot set up: %s\n", err);
        return -1;
    }
    return g_analysis->n_outcomes == 2 && g_analysis->outcome[1].skipped ? 0 : -1;
}

static int free_analysis(void **state)
{
    (void)state;
    msc_analysis_free(g_analysis);
    msc_dataset_free(g_data);
    return 0;
}

/* The library's verdict on o: 1 when its plots accept the options. */
static int library_accepts(const msc_plot_options *o)
{
    char err[MSC_ERRBUF];
    msc_status st = msc_plot_funnel(g_analysis, 1, "never.png", o, err, sizeof err);
    assert_true(st == MSC_ERR_USAGE || st == MSC_ERR_INPUT);
    return st == MSC_ERR_INPUT;
}

/* The CLI's verdict on `forest x.csv --NAME v` (v written so that it reads
 * back exactly): 1 when it accepts it. *got: the plot options parsed. */
static int cli_accepts(const char *name, double v, msc_plot_options *got)
{
    static msc_cli c;
    char opt[32], val[40];
    snprintf(opt, sizeof opt, "--%s", name);
    snprintf(val, sizeof val, "%.17g", v);
    int rc = parse(&c, "forest", "x.csv", opt, val, NULL);
    assert_true(rc == MSC_CLI_GO_ON || rc == EXIT_USAGE);
    *got = c.plot;
    return rc == MSC_CLI_GO_ON;
}

/* Values of an option to try: the ones the specification names and their
 * neighbours, and the library's own limits and their neighbours. */
typedef struct {
    double v[32];
    int n;
} candidates;

static void add(candidates *c, double v)
{
    assert_true(c->n + 3 <= 32);
    c->v[c->n++] = v;
    c->v[c->n++] = nextafter(v, -INFINITY);
    c->v[c->n++] = nextafter(v, INFINITY);
}

/* For --NAME: the CLI accepts a value exactly when the library accepts it
 * as the option's field (set by `field`), and then passes it on as is. */
static void cli_agrees_with_library(const char *name, const candidates *c,
                                    double *(*field)(msc_plot_options *))
{
    for (int i = 0; i < c->n; i++) {
        msc_plot_options want, got;
        msc_plot_options_default(&want);
        *field(&want) = c->v[i];
        int cli = cli_accepts(name, c->v[i], &got);
        if (cli != library_accepts(&want))
            print_message("--%s %.17g: the CLI %s it, the library does not\n", name, c->v[i],
                          cli ? "accepts" : "refuses");
        assert_int_equal(cli, library_accepts(&want));
        if (cli)
            assert_true(*field(&got) == c->v[i]);
    }
}

static double *width_of(msc_plot_options *o) { return &o->width; }
static double *height_of(msc_plot_options *o) { return &o->height; }
static double *scale_of(msc_plot_options *o) { return &o->scale; }
static double *ref_of(msc_plot_options *o) { return &o->ref; }

/* --width and --height: 100 to 20000 (issue 9), as the library. */
static void sizes_match_the_library(void **state)
{
    (void)state;
    msc_plot_options got;
    candidates c = {{0}, 0};
    add(&c, 100.0);
    add(&c, 20000.0);
    add(&c, MSC_PLOT_SIZE_MIN);
    add(&c, MSC_PLOT_SIZE_MAX);
    add(&c, 640.0);
    cli_agrees_with_library("width", &c, width_of);
    cli_agrees_with_library("height", &c, height_of);
    assert_true(cli_accepts("width", 100.0, &got) && cli_accepts("width", 20000.0, &got));
    assert_false(cli_accepts("width", nextafter(100.0, 0), &got));
    assert_false(cli_accepts("height", nextafter(20000.0, INFINITY), &got));
}

/* --scale: 1, 100 or 1000 (issue 9), as the library. */
static void scales_match_the_library(void **state)
{
    (void)state;
    msc_plot_options got;
    candidates c = {{0}, 0};
    add(&c, 1.0);
    add(&c, 100.0);
    add(&c, 1000.0);
    add(&c, 10.0);
    add(&c, 0.0);
    for (size_t i = 0; i < msc_n_plot_scales; i++)
        add(&c, msc_plot_scales[i]);
    cli_agrees_with_library("scale", &c, scale_of);
    assert_true(cli_accepts("scale", 1.0, &got) && cli_accepts("scale", 100.0, &got) &&
                cli_accepts("scale", 1000.0, &got));
    assert_false(cli_accepts("scale", 10.0, &got));
}

/* --ref: a proportion, 0 to 1 (issue 9), as the library. */
static void refs_match_the_library(void **state)
{
    (void)state;
    msc_plot_options got;
    candidates c = {{0}, 0};
    add(&c, 0.0);
    add(&c, 1.0);
    add(&c, 0.05);
    add(&c, MSC_PLOT_REF_MIN);
    add(&c, MSC_PLOT_REF_MAX);
    cli_agrees_with_library("ref", &c, ref_of);
    assert_true(cli_accepts("ref", 0.0, &got) && cli_accepts("ref", 1.0, &got));
    assert_false(cli_accepts("ref", nextafter(1.0, 2.0), &got));
}

/* Leaving the plot options out gives the library's defaults. */
static void plot_defaults_are_the_library_defaults(void **state)
{
    (void)state;
    static msc_cli c;
    msc_plot_options want;
    msc_plot_options_default(&want);
    assert_int_equal(parse(&c, "funnel", "x.csv", NULL), MSC_CLI_GO_ON);
    assert_null(c.plot.title);
    assert_true(c.plot.width == want.width && c.plot.height == want.height);
    assert_true(c.plot.scale == want.scale);
    assert_true(isnan(c.plot.ref) && isnan(want.ref));
}

/* The messages name the ranges as they did when they were written out
 * (the output corpus holds them too). */
static void range_messages(void **state)
{
    (void)state;
    static msc_cli c;
    char err[MSC_ERRBUF];
    msc_plot_options o;
    assert_int_equal(parse(&c, "forest", "x.csv", "--width", "99", NULL), EXIT_USAGE);
    assert_string_equal(g_err, "mscmeta: forest: --width: \"99\" is not a size from 100 to 20000 "
                               "(see mscmeta forest --help)\n");
    assert_int_equal(parse(&c, "pool", "x.csv", "--scale", "10", NULL), EXIT_USAGE);
    assert_string_equal(g_err, "mscmeta: pool: --scale: use 1 (proportions), 100 or 1000 (per "
                               "100 or 1000 patients) (see mscmeta pool --help)\n");
    assert_int_equal(parse(&c, "funnel", "x.csv", "--ref", "2", NULL), EXIT_USAGE);
    assert_string_equal(g_err, "mscmeta: funnel: --ref: \"2\" is not a proportion between 0 and "
                               "1 (see mscmeta funnel --help)\n");
    msc_plot_options_default(&o);
    o.scale = 10.0;
    assert_int_equal(msc_plot_funnel(g_analysis, 1, "never.png", &o, err, sizeof err),
                     MSC_ERR_USAGE);
    assert_string_equal(err, "plot options out of range (scale 1, 100 or 1000; sizes 100 to "
                             "20000; reference line a proportion)");
    /* the axis options of issue 13 have a message of their own */
    msc_plot_options_default(&o);
    o.dpi = 50.0;
    assert_int_equal(msc_plot_funnel(g_analysis, 1, "never.png", &o, err, sizeof err),
                     MSC_ERR_USAGE);
    assert_string_equal(err, "plot options out of range (x limits LO < HI, LO > 0 on a log axis; "
                             "dpi 72 to 1200; a sort column named)");
    msc_plot_options_default(&o);
    o.log_x = 1;
    o.xlim_lo = 0.0;
    o.xlim_hi = 0.5;
    assert_int_equal(msc_plot_forest(g_analysis, 1, "never.png", &o, err, sizeof err),
                     MSC_ERR_USAGE);
}

/* ------------------------------------------- option grammar (issue 15) */

/* Numeric options take the data file's count grammar (sign, digits,
 * fraction, exponent) and nothing else: no hex, no spaces, no inf/nan;
 * --cc no denormal; column options no empty name; -o and --forest no
 * empty or over-long path; --events no denominator, study or subgroup
 * column; --max-rate one limit per outcome. Each refused with exit 2 and
 * a message naming the option. */
static void option_values_are_refused(void **state)
{
    (void)state;
    static msc_cli c;
    static const struct {
        const char *cmd, *opt, *val, *want;
    } bad[] = {
        {"pool", "--cc", "1e-310", "--cc: \"1e-310\" is not a correction"},
        {"pool", "--cc", "4.9e-324", "--cc: \"4.9e-324\""},
        {"pool", "--cc", "0x1p-1", "--cc: \"0x1p-1\""},
        {"pool", "--cc", " 0.5", "--cc: \" 0.5\""},
        {"pool", "--cc", "0.5 ", "--cc: \"0.5 \""},
        {"pool", "--cc", "nan", "--cc: \"nan\""},
        {"pool", "--cc", "inf", "--cc: \"inf\""},
        {"pool", "--cc", ".", "--cc: \".\""},
        {"pool", "--level", "0x0.F3p0", "--level: \"0x0.F3p0\""},
        {"pool", "--level", " 0.95", "--level: \" 0.95\""},
        {"pool", "--level", "0.95\n", "--level: \"0.95?\""},
        {"pool", "--nagq", " 3", "--nagq: \" 3\""},
        {"pool", "--nagq", "0x3", "--nagq: \"0x3\""},
        {"forest", "--width", "0x200", "--width: \"0x200\""},
        {"funnel", "--ref", "infinity", "--ref: \"infinity\""},
        {"pool", "--scale", "1e2 ", "--scale: use 1"},
        {"safety", "--max-rate", "0x0.1p0", "--max-rate: \"0x0.1p0\""},
        {"safety", "--max-rate", "ae= 0.1", "--max-rate: \" 0.1\""},
        {"pool", "--study", "", "--study: the column name is empty"},
        {"pool", "--subgroup", "", "--subgroup: the column name is empty"},
        {"pool", "--n", "", "--n: the column name is empty"},
        {"pool", "--events", "", "--events: the column name is empty"},
        {"pool", "-o", "", "--output: the path is empty"},
        {"pool", "--forest", "", "--forest: the path is empty"},
        {"forest", "-o", "", "--output: the path is empty"},
        {"pool", "--events", "n", "--events \"n\" is the denominator (--n)"},
        {"pool", "--events", "study", "--events \"study\" is the study column (--study)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(&c, bad[i].cmd, "x.csv", bad[i].opt, bad[i].val, NULL);
        if (rc != EXIT_USAGE || !strstr(g_err, bad[i].want))
            fail_msg("%s %s \"%s\": exit %d, message %s", bad[i].cmd, bad[i].opt, bad[i].val, rc,
                     g_err);
    }
    /* the same column by other options */
    assert_int_equal(parse(&c, "pool", "x.csv", "--n", "total", "--events", "total", NULL),
                     EXIT_USAGE);
    assert_non_null(strstr(g_err, "--events \"total\" is the denominator (--n)"));
    assert_int_equal(parse(&c, "pool", "x.csv", "--subgroup", "g", "--events", "g", NULL),
                     EXIT_USAGE);
    assert_non_null(strstr(g_err, "is the subgroup column (--subgroup)"));
    /* a path longer than PATH_MAX - 1 bytes */
    static char longpath[5000];
    memset(longpath, 'a', sizeof longpath - 1);
    assert_int_equal(parse(&c, "pool", "x.csv", "-o", longpath, NULL), EXIT_USAGE);
    assert_non_null(strstr(g_err, "--output: the path is longer than 4095 bytes"));
    /* one limit per outcome, one general limit */
    assert_int_equal(parse(&c, "safety", "x.csv", "--max-rate", "ae=0.1", "--max-rate", "ae=0.2",
                           NULL),
                     EXIT_USAGE);
    assert_non_null(strstr(g_err, "--max-rate: two limits for \"ae\"; give one"));
    assert_int_equal(parse(&c, "safety", "x.csv", "--max-rate", "0.1", "--max-rate", "0.2", NULL),
                     EXIT_USAGE);
    assert_non_null(strstr(g_err, "--max-rate: two limits for every outcome; give one"));
}

/* What the grammar accepts: the forms a CSV count may take. */
static void option_values_are_accepted(void **state)
{
    (void)state;
    static msc_cli c;
    assert_int_equal(parse(&c, "pool", "x.csv", "--cc", "0.25", "--level", "+95", NULL),
                     MSC_CLI_GO_ON);
    assert_true(c.settings.cc == 0.25 && c.settings.level == 0.95);
    assert_int_equal(parse(&c, "pool", "x.csv", "--cc", "2.5E-1", "--level", ".9", NULL),
                     MSC_CLI_GO_ON);
    assert_true(c.settings.cc == 0.25 && c.settings.level == 0.9);
    assert_int_equal(parse(&c, "pool", "x.csv", "--cc", "0", "--nagq", "7.0", NULL), MSC_CLI_GO_ON);
    assert_true(c.settings.cc == 0.0 && c.settings.nagq == 7);
    assert_int_equal(parse(&c, "pool", "x.csv", "--cc", "1e-300", NULL), MSC_CLI_GO_ON);
    assert_int_equal(parse(&c, "safety", "x.csv", "--max-rate", "ae=0.1", "--max-rate", "sae=0.2",
                           "--max-rate", "3e-1", NULL),
                     MSC_CLI_GO_ON);
    assert_int_equal((int)c.n_thresholds, 3);
    assert_true(c.thresholds[2].col == NULL && c.thresholds[2].rate == 0.3);
    /* -o - is standard output, also when the input is standard input */
    assert_int_equal(parse(&c, "pool", "-", "-o", "-", NULL), MSC_CLI_GO_ON);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_command_is_complete),
        cmocka_unit_test(each_command_takes_its_options),
        cmocka_unit_test(safety_outcomes_are_the_library_defaults_but_responders),
        cmocka_unit_test(other_commands_pool_the_library_defaults),
        cmocka_unit_test(sizes_match_the_library),
        cmocka_unit_test(scales_match_the_library),
        cmocka_unit_test(refs_match_the_library),
        cmocka_unit_test(plot_defaults_are_the_library_defaults),
        cmocka_unit_test(range_messages),
        cmocka_unit_test(cumulative_column),
        cmocka_unit_test(option_values_are_refused),
        cmocka_unit_test(option_values_are_accepted),
    };
    return cmocka_run_group_tests(tests, load_analysis, free_analysis);
}
