/*
 * Option parsing for every subcommand, and the --help texts. Usage errors
 * are one line on stderr and exit code 2; --help goes to stdout, exit 0.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "mscmeta/plot.h"

static const char *cmd_name(msc_command c)
{
    static const char *const n[] = {"pool", "safety", "forest", "funnel"};
    return n[c];
}

/* ------------------------------------------------------------------ help */

static const char HELP_INPUT[] =
    "Input: a CSV file with a header row and one row per study (\"-\" reads standard input).\n"
    "  Columns are found by name. Counts are whole numbers; an empty cell, NA or . is\n"
    "  missing: that study is left out of that outcome only, and listed as excluded.\n"
    "  --study COL        study label column (default: study)\n"
    "  --n COL            number of patients (default: n); a column n_<events column>,\n"
    "                     when present, is that outcome's own denominator\n"
    "  --events COL       an events column; repeat it to pool several outcomes. Default:\n"
    "                     %s\n"
    "  --subgroup COL     pool each level of COL separately (own tau^2) and test the\n"
    "                     subgroup differences\n"
    "  --delimiter C      field separator (default: ',', or ';' or tab when the header\n"
    "                     has no comma)\n";

static const char HELP_MODEL[] =
    "Model:\n"
    "  --measure M        PLO logit (default), PFT Freeman-Tukey double arcsine,\n"
    "                     PAS arcsine, PLN log, PR raw proportion\n"
    "  --method M         REML (default), ML, DL, HE, HS, SJ, EB, PM: random effects with\n"
    "                     that tau^2 estimator; FE: common effect only; GLMM: the\n"
    "                     binomial-normal model fitted to the counts (logit scale)\n"
    "  --test T           z (default) or knha (Hartung-Knapp-Sidik-Jonkman, t with k-1 df)\n"
    "  --pi P             prediction interval: hts (default; t with k-2 df, as meta and\n"
    "                     Stata), z (metafor's default), t (t with k-1 df)\n"
    "  --level L          confidence level (default 0.95; 95 works too)\n"
    "  --cc X             continuity correction (default 0.5 for PLO, PLN, PR; none for\n"
    "                     PAS, PFT, which need none)\n"
    "  --cc-mode M        only0 (default: studies with 0 or n events), all, if0all\n"
    "                     (every study when any has 0 or n), none\n"
    "  --study-ci C       per-study intervals: cp Clopper-Pearson (default), wilson,\n"
    "                     jeffreys, ac (Agresti-Coull), wald\n"
    "  --nagq N           GLMM quadrature points (default 7, as lme4 and metafor)\n";

static const char HELP_OUTPUT[] =
    "Output:\n"
    "  --format F         table (default), json or csv\n"
    "  -o, --output FILE  write to FILE (atomically: nothing is left on error) instead\n"
    "                     of standard output\n"
    "  --summary-only     leave out the per-study rows\n";

static const char HELP_PLOT[] =
    "Plot:\n"
    "  -o, --output FILE  the picture: .png, .svg or .pdf (default plots/%s.png);\n"
    "                     several outcomes give FILE-<outcome>.png and so on\n"
    "  --title TEXT       a title above the plot\n"
    "  --width W --height H  size in pixels (png) or points (svg, pdf); default grows\n"
    "                     with the number of studies\n"
    "  --scale 100        show events per 100 patients instead of proportions\n"
    "  --ref P            a vertical reference line at proportion P\n";

static const char HELP_EXIT[] =
    "Exit status: 0 success; 1 bad or unreadable input (the message names file and line);\n"
    "  2 usage error; 3 safety threshold exceeded (safety only); 4 output could not be\n"
    "  written, or gnuplot is missing or failed.\n";

static void default_events_text(msc_command cmd, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < msc_n_default_events; i++) {
        if (cmd == CMD_SAFETY && strcmp(msc_default_events[i], "responders") == 0)
            continue;
        int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", msc_default_events[i]);
        if (n < 0 || (size_t)n >= len - o)
            break;
        o += (size_t)n;
    }
    snprintf(buf + o, len - o, " (those present)");
}

static void help(msc_command cmd)
{
    char ev[256];
    default_events_text(cmd, ev, sizeof ev);
    switch (cmd) {
    case CMD_POOL:
        printf("Usage: mscmeta pool FILE.csv [options]\n\n"
               "Pools the proportion of patients with an event (responders, adverse events)\n"
               "across studies, as R's metafor does: per-study proportions with exact intervals,\n"
               "the common-effect and random-effects estimates with confidence and prediction\n"
               "intervals, heterogeneity (tau^2, I^2, H^2 with Q-profile intervals, Q), and\n"
               "everything back-transformed to proportions.\n\n"
               "Examples:\n"
               "  mscmeta pool data/msc_autoimmune.csv\n"
               "  mscmeta pool studies.csv --events responders --subgroup disease\n"
               "  mscmeta pool studies.csv --measure PFT --method DL --test knha\n"
               "  mscmeta pool studies.csv --format json -o results.json\n"
               "  mscmeta pool studies.csv --forest plots/forest.png\n\n");
        printf(HELP_INPUT, ev);
        printf("\n%s\n%s", HELP_MODEL, HELP_OUTPUT);
        printf("  --forest PATH      also draw forest plots (see mscmeta forest --help)\n\n");
        break;
    case CMD_SAFETY:
        printf("Usage: mscmeta safety FILE.csv --max-rate R [options]\n\n"
               "Checks pooled adverse-event rates against a limit. For each adverse-event\n"
               "outcome it reports the pooled rate (binomial-normal GLMM by default) with its\n"
               "interval and one-sided upper bound, each study's rate with its exact interval,\n"
               "the exact upper bound and rule of three for studies with 0 events, and a\n"
               "verdict: \"exceeded\" when the pooled upper bound is above the limit.\n\n"
               "Examples:\n"
               "  mscmeta safety data/msc_autoimmune.csv --max-rate 0.05\n"
               "  mscmeta safety s.csv --max-rate serious_adverse_events=0.02 \\\n"
               "                       --max-rate adverse_events=0.5\n\n"
               "  --max-rate R       the limit for every outcome (a proportion: 0.05 is 5%%)\n"
               "  --max-rate COL=R   the limit for one outcome (repeatable)\n\n");
        printf(HELP_INPUT, ev);
        printf("\n%s\n%s\n", HELP_MODEL, HELP_OUTPUT);
        printf("Exit status 3 when any limit is exceeded, so pipelines can gate on it.\n\n");
        break;
    case CMD_FOREST:
    case CMD_FUNNEL:
        if (cmd == CMD_FOREST)
            printf("Usage: mscmeta forest FILE.csv [options] -o plots/forest.png\n\n"
                   "Draws a forest plot per outcome through gnuplot: study label, events and n,\n"
                   "each study's proportion with its interval (squares sized by weight), the\n"
                   "common- and random-effects diamonds, the prediction interval, proportion\n"
                   "[CI] and weight columns, and heterogeneity in the footer. --subgroup adds a\n"
                   "heading, diamond and heterogeneity line per group and the test for\n"
                   "subgroup differences.\n\n");
        else
            printf("Usage: mscmeta funnel FILE.csv [options] -o plots/funnel.png\n\n"
                   "Draws a funnel plot per outcome: each study's effect on the model scale\n"
                   "against its standard error (inverted axis), the pooled line and the 95%%\n"
                   "pseudo-confidence region.\n\n");
        printf(HELP_PLOT, cmd == CMD_FOREST ? "forest" : "funnel");
        printf("\n");
        printf(HELP_INPUT, ev);
        printf("\n%s\n", HELP_MODEL);
        printf("Needs gnuplot (Debian: apt-get install gnuplot-nox).\n\n");
        break;
    }
    printf("%s", HELP_EXIT);
}

/* ---------------------------------------------------------------- values */

/* A usage error of `cmd`, printed; returns EXIT_USAGE. */
#define usage(cmd, ...) msc_cli_usage(cmd_name(cmd), __VA_ARGS__)

static int parse_double(const char *s, double *v)
{
    char *end;
    if (!s || !*s)
        return -1;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v) ? 0 : -1;
}

static int enum_value(msc_command cmd, const char *opt, const char *arg, int v,
                      const char *choices, int *out)
{
    if (v < 0)
        return usage(cmd, "%s: unknown value \"%.40s\"; choose %s", opt, arg, choices);
    *out = v;
    return -1;
}

enum {
    O_STUDY = 256, O_N, O_EVENTS, O_SUBGROUP, O_DELIM, O_MEASURE, O_METHOD, O_TEST, O_PI,
    O_LEVEL, O_CC, O_CCMODE, O_STUDYCI, O_NAGQ, O_FORMAT, O_SUMMARY, O_FOREST, O_TITLE,
    O_WIDTH, O_HEIGHT, O_SCALE, O_REF, O_MAXRATE
};

static const struct option LONG_OPTS[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"study", required_argument, NULL, O_STUDY},
    {"n", required_argument, NULL, O_N},
    {"events", required_argument, NULL, O_EVENTS},
    {"subgroup", required_argument, NULL, O_SUBGROUP},
    {"delimiter", required_argument, NULL, O_DELIM},
    {"measure", required_argument, NULL, O_MEASURE},
    {"method", required_argument, NULL, O_METHOD},
    {"test", required_argument, NULL, O_TEST},
    {"pi", required_argument, NULL, O_PI},
    {"level", required_argument, NULL, O_LEVEL},
    {"cc", required_argument, NULL, O_CC},
    {"cc-mode", required_argument, NULL, O_CCMODE},
    {"study-ci", required_argument, NULL, O_STUDYCI},
    {"nagq", required_argument, NULL, O_NAGQ},
    {"format", required_argument, NULL, O_FORMAT},
    {"summary-only", no_argument, NULL, O_SUMMARY},
    {"forest", required_argument, NULL, O_FOREST},
    {"title", required_argument, NULL, O_TITLE},
    {"width", required_argument, NULL, O_WIDTH},
    {"height", required_argument, NULL, O_HEIGHT},
    {"scale", required_argument, NULL, O_SCALE},
    {"ref", required_argument, NULL, O_REF},
    {"max-rate", required_argument, NULL, O_MAXRATE},
    {NULL, 0, NULL, 0}};

/* Options that only some commands take. */
static int allowed(msc_command cmd, int opt)
{
    switch (opt) {
    case O_FORMAT:
    case O_SUMMARY:
        return cmd == CMD_POOL || cmd == CMD_SAFETY;
    case O_FOREST:
        return cmd == CMD_POOL;
    case O_TITLE:
    case O_WIDTH:
    case O_HEIGHT:
    case O_SCALE:
    case O_REF:
        return cmd == CMD_FOREST || cmd == CMD_FUNNEL || cmd == CMD_POOL;
    case O_MAXRATE:
        return cmd == CMD_SAFETY;
    default:
        return 1;
    }
}

static const struct option *find_opt(int opt)
{
    for (const struct option *o = LONG_OPTS; o->name; o++)
        if (o->val == opt)
            return o;
    return NULL;
}

static const char *opt_name(int opt)
{
    const struct option *o = find_opt(opt);
    return o ? o->name : "?";
}

static int parse_threshold(msc_cli *c, const char *arg)
{
    if (c->n_thresholds >= MAX_LIST)
        return usage(c->cmd, "--max-rate: at most %d limits", MAX_LIST);
    msc_threshold *t = &c->thresholds[c->n_thresholds];
    const char *eq = strrchr(arg, '=');
    double v;
    if (eq) {
        static char cols[MAX_LIST][256];
        size_t l = (size_t)(eq - arg);
        if (l == 0 || l >= sizeof cols[0])
            return usage(c->cmd, "--max-rate: \"%.40s\" should be COLUMN=RATE or RATE", arg);
        memcpy(cols[c->n_thresholds], arg, l);
        cols[c->n_thresholds][l] = '\0';
        t->col = cols[c->n_thresholds];
        arg = eq + 1;
    } else {
        t->col = NULL;
    }
    if (parse_double(arg, &v) < 0 || v <= 0.0 || v >= 1.0)
        return usage(c->cmd,
                     "--max-rate: \"%.40s\" is not a rate between 0 and 1 (5%% is 0.05)", arg);
    t->rate = v;
    c->n_thresholds++;
    return -1;
}

static int option(msc_cli *c, int opt, const char *arg)
{
    msc_command cmd = c->cmd;
    msc_settings *s = &c->settings;
    int v = 0;
    double d;
    if (!allowed(cmd, opt))
        return usage(cmd, "--%s is not an option of this command", opt_name(opt));
    switch (opt) {
    case 'o':
        c->output = arg;
        return -1;
    case O_STUDY:
        c->load.study_col = arg;
        return -1;
    case O_N:
        c->load.n_col = arg;
        return -1;
    case O_EVENTS:
        if (c->n_events >= MAX_LIST)
            return usage(cmd, "--events: at most %d outcomes", MAX_LIST);
        c->events[c->n_events++] = arg;
        return -1;
    case O_SUBGROUP:
        c->load.subgroup_col = arg;
        return -1;
    case O_DELIM:
        if (strcmp(arg, "\\t") == 0 || strcasecmp(arg, "tab") == 0)
            arg = "\t";
        if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n' || arg[0] == '\r')
            return usage(cmd, "--delimiter: give one character, such as ';' (or tab)");
        c->load.delimiter = arg[0];
        return -1;
    case O_MEASURE:
        if (enum_value(cmd, "--measure", arg, msc_measure_parse(arg), "PLO, PFT, PAS, PLN or PR",
                       &v) >= 0)
            return EXIT_USAGE;
        s->measure = (msc_measure)v;
        return -1;
    case O_METHOD:
        if (enum_value(cmd, "--method", arg, msc_method_parse(arg),
                       "REML, ML, DL, HE, HS, SJ, EB, PM, FE or GLMM", &v) >= 0)
            return EXIT_USAGE;
        s->method = (msc_method)v;
        return -1;
    case O_TEST:
        if (enum_value(cmd, "--test", arg, msc_test_parse(arg), "z or knha", &v) >= 0)
            return EXIT_USAGE;
        s->test = (msc_test)v;
        return -1;
    case O_PI:
        if (enum_value(cmd, "--pi", arg, msc_pi_parse(arg), "hts, z or t", &v) >= 0)
            return EXIT_USAGE;
        s->pi = (msc_pi)v;
        return -1;
    case O_STUDYCI:
        if (enum_value(cmd, "--study-ci", arg, msc_study_ci_parse(arg),
                       "cp, wilson, jeffreys, ac or wald", &v) >= 0)
            return EXIT_USAGE;
        s->study_ci = (msc_study_ci)v;
        return -1;
    case O_CCMODE:
        if (enum_value(cmd, "--cc-mode", arg, msc_cc_mode_parse(arg), "only0, all, if0all or none",
                       &v) >= 0)
            return EXIT_USAGE;
        s->cc_mode = v;
        return -1;
    case O_FORMAT:
        if (enum_value(cmd, "--format", arg, msc_format_parse(arg), "table, json or csv", &v) >= 0)
            return EXIT_USAGE;
        c->format = (msc_format)v;
        return -1;
    case O_LEVEL:
        /* a fraction (0.95), or a percentage from 50 (95) as metafor allows */
        if (parse_double(arg, &d) < 0 || d <= 0.0 || (d >= 1.0 && d < 50.0) || d >= 100.0)
            return usage(cmd, "--level: \"%.40s\" is not a level such as 0.95 or 95", arg);
        s->level = d >= 50.0 ? d / 100.0 : d;
        return -1;
    case O_CC:
        if (parse_double(arg, &d) < 0 || d < 0.0 || d > 1e6)
            return usage(cmd, "--cc: \"%.40s\" is not a correction such as 0.5", arg);
        s->cc = d;
        return -1;
    case O_NAGQ:
        if (parse_double(arg, &d) < 0 || d < 1 || d > 50 || d != floor(d))
            return usage(cmd, "--nagq: \"%.40s\" is not a number of points from 1 to 50", arg);
        s->nagq = (int)d;
        return -1;
    case O_SUMMARY:
        c->summary_only = 1;
        return -1;
    case O_FOREST:
        c->forest = arg;
        return -1;
    case O_TITLE:
        c->title = arg;
        return -1;
    case O_WIDTH:
    case O_HEIGHT:
        if (parse_double(arg, &d) < 0 || d < 100 || d > 20000)
            return usage(cmd, "--%s: \"%.40s\" is not a size from 100 to 20000", opt_name(opt),
                         arg);
        if (opt == O_WIDTH)
            c->width = d;
        else
            c->height = d;
        return -1;
    case O_SCALE:
        if (parse_double(arg, &d) < 0 || (d != 1.0 && d != 100.0 && d != 1000.0))
            return usage(cmd, "--scale: use 1 (proportions), 100 or 1000 (per 100 or 1000 "
                              "patients)");
        c->scale = d;
        return -1;
    case O_REF:
        if (parse_double(arg, &d) < 0 || d < 0.0 || d > 1.0)
            return usage(cmd, "--ref: \"%.40s\" is not a proportion between 0 and 1", arg);
        c->ref = d;
        return -1;
    case O_MAXRATE:
        return parse_threshold(c, arg);
    }
    return usage(cmd, "unknown option");
}

int msc_cli_parse(msc_command cmd, int argc, char **argv, msc_cli *c)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->format = MSC_FORMAT_TABLE;
    c->scale = 1.0;
    c->ref = NAN;
    msc_settings_default(&c->settings);
    if (cmd == CMD_SAFETY)
        c->settings.method = MSC_METHOD_GLMM;
    msc_load_options_default(&c->load);
    if (cmd == CMD_SAFETY) {
        /* safety checks adverse events: every default column but responders */
        static const char *const safety_events[] = {"adverse_events", "serious_adverse_events",
                                                    "events"};
        c->load.default_events = safety_events;
        c->load.n_default_events = 3;
    }

    opterr = 0;
    optind = 1;
    int opt, longidx;
    /* GNU getopt permutes: options may come before or after the file. */
    while ((opt = getopt_long(argc, argv, "ho:", LONG_OPTS, &longidx)) != -1) {
        if (opt == 'h') {
            help(cmd);
            return EXIT_OK;
        }
        if (opt == '?') {
            const char *bad = argv[optind - 1];
            if (optopt == 'o')
                return usage(cmd, "-o needs a value");
            const struct option *o = optopt ? find_opt(optopt) : NULL;
            if (o && o->has_arg == required_argument)
                return usage(cmd, "--%s needs a value", o->name);
            return usage(cmd, "unknown option \"%.60s\"", bad);
        }
        int rc = option(c, opt, optarg);
        if (rc >= 0)
            return rc;
    }
    for (; optind < argc; optind++) {
        if (c->input)
            return usage(cmd, "one input file at a time (got \"%.60s\" and \"%.60s\")", c->input,
                         argv[optind]);
        c->input = argv[optind];
    }
    if (!c->input)
        return usage(cmd, "no input file given (use - for standard input)");
    if (c->settings.method == MSC_METHOD_GLMM && c->settings.measure != MSC_PLO)
        return usage(cmd, "--method GLMM models the logit: use it with --measure PLO (the "
                          "default)");
    if (c->settings.method == MSC_METHOD_GLMM && c->settings.test == MSC_TEST_KNHA)
        return usage(cmd, "--test knha applies to inverse-variance models, not --method GLMM");
    if (cmd == CMD_SAFETY && c->n_thresholds == 0)
        return usage(cmd, "--max-rate is required: the limit to check, such as 0.05");
    if (c->output && strcmp(c->input, "-") != 0 && msc_cli_same_file(c->input, c->output))
        return usage(cmd, "-o \"%.60s\" is the input file; choose another name", c->output);
    if (c->forest && strcmp(c->input, "-") != 0 && msc_cli_same_file(c->input, c->forest))
        return usage(cmd, "--forest \"%.60s\" is the input file; choose another name",
                     c->forest);
    /* plots: the format comes from the extension; say so before any work */
    const char *pic = c->forest ? c->forest : cmd == CMD_FOREST || cmd == CMD_FUNNEL ? c->output
                                                                                     : NULL;
    if (pic && msc_plot_format_from_path(pic) < 0)
        return usage(cmd, "\"%.60s\": a picture's format comes from its extension: use .png, "
                          ".svg or .pdf", pic);
    c->load.events_cols = c->events;
    c->load.n_events_cols = c->n_events;
    return -1;
}
