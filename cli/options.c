/*
 * Options: one table of every option (its name, short form, argument,
 * group and setter) and the parser that reads a command's argv through it.
 * A command takes the options of the groups its entry in the command
 * table names (commands.c). Usage errors are one line on stderr, exit
 * code 2.
 */
#include <assert.h>
#include <float.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "mscmeta/plot.h"

typedef struct msc_cli_option msc_cli_option;

/* Stores an option's value (arg, NULL for an option without one) in c.
 * Returns MSC_CLI_GO_ON, or the exit code of a usage error it printed. */
typedef int (*msc_cli_setter)(msc_cli *c, const msc_cli_option *o, const char *arg);

struct msc_cli_option {
    const char *name;   /* --name */
    char letter;        /* the short form (-o), or 0 */
    int has_arg;        /* getopt_long's no_argument or required_argument */
    unsigned group;     /* MSC_OPTS_*: the commands that take it; 0 for every command */
    msc_cli_setter set; /* stores the value */
    /* set_flag, set_text, set_path, set_column: the offset in msc_cli of
     * the field they store into (AT); 0 for the other setters */
    size_t at;
};

/* The msc_cli field a table row names (AT(field) in the table). */
#define AT(field) offsetof(msc_cli, field)
#define FIELD(c, o, type) ((type *)((char *)(c) + (o)->at))

/* A usage error of c's command, printed; returns EXIT_USAGE. */
#define usage(c, ...) msc_cli_usage((c)->cmd->name, __VA_ARGS__)

/* ---------------------------------------------------------------- values */

/* Whether s is a number in the grammar of the data file's counts: an
 * optional sign, ASCII digits, an optional fraction and exponent; no
 * spaces, hex, "inf" or "nan" (src/io/dataset.c, number_syntax). */
static int number_syntax(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits > 0 && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        size_t e0 = j;
        while (s[j] >= '0' && s[j] <= '9')
            j++;
        if (j > e0)
            i = j;
    }
    return digits > 0 && s[i] == '\0';
}

/* A whole string that is a finite number (number_syntax). Returns 0, or
 * -1 for anything else. */
static int parse_double(const char *s, double *v)
{
    if (!s || !number_syntax(s))
        return -1;
    *v = strtod(s, NULL);
    return isfinite(*v) ? 0 : -1;
}

/* A path option's value (-o, --forest): not empty, and short enough for
 * the system to open (PATH_MAX); said before any work. */
static int check_path(const msc_cli *c, const msc_cli_option *o, const char *arg)
{
    if (!arg[0])
        return usage(c, "--%s: the path is empty", o->name);
    if (strlen(arg) >= PATH_MAX)
        return usage(c, "--%s: the path is longer than %d bytes", o->name, PATH_MAX - 1);
    return MSC_CLI_GO_ON;
}

/* A column option's value (--study, --n, --events, --subgroup): a name,
 * never empty (that would pick a column with an empty header). */
static int check_column(const msc_cli *c, const msc_cli_option *o, const char *arg)
{
    if (!arg[0])
        return usage(c, "--%s: the column name is empty", o->name);
    return MSC_CLI_GO_ON;
}

/* The usage error for a value that is none of an option's choices. */
static int unknown_value(const msc_cli *c, const msc_cli_option *o, const char *arg,
                         const char *choices)
{
    return usage(c, "--%s: unknown value \"%.40s\"; choose %s", o->name, arg, choices);
}

/* --------------------------------------------------------------- setters */

static int ask_help(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)c, (void)o, (void)arg;
    return MSC_CLI_HELP;
}

/* An option without a value (--log, --influence, ...): the int field at
 * o->at becomes 1. */
static int set_flag(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)arg;
    *FIELD(c, o, int) = 1;
    return MSC_CLI_GO_ON;
}

/* Any text (--title; --na's missing-value tokens, comma-separated, which
 * the loader splits): stored at o->at as given. */
static int set_text(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    *FIELD(c, o, const char *) = arg;
    return MSC_CLI_GO_ON;
}

/* A path (-o, --forest; check_path) stored at o->at. */
static int set_path(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    if (check_path(c, o, arg) != MSC_CLI_GO_ON)
        return EXIT_USAGE;
    return set_text(c, o, arg);
}

/* A column name (--study, --n, --subgroup; check_column) stored at o->at. */
static int set_column(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    if (check_column(c, o, arg) != MSC_CLI_GO_ON)
        return EXIT_USAGE;
    return set_text(c, o, arg);
}

static int add_events(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    if (check_column(c, o, arg) != MSC_CLI_GO_ON)
        return EXIT_USAGE;
    if (c->n_events >= MAX_LIST)
        return usage(c, "--events: at most %d outcomes", MAX_LIST);
    c->events[c->n_events++] = arg;
    return MSC_CLI_GO_ON;
}

/* One character; "\t" and "tab" name the tab. A quote or a line break
 * cannot separate fields. */
static int set_delimiter(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (strcmp(arg, "\\t") == 0 || strcasecmp(arg, "tab") == 0)
        arg = "\t";
    if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n' || arg[0] == '\r')
        return usage(c, "--delimiter: give one character, such as ';' (or tab)");
    c->load.delimiter = arg[0];
    return MSC_CLI_GO_ON;
}

/* The thousands separator of counts: '.', ',', an apostrophe or a space
 * ("space" names it too). */
static int set_thousands(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (strcasecmp(arg, "space") == 0)
        arg = " ";
    if (strlen(arg) != 1 || !strchr(".,' ", arg[0]))
        return usage(c, "--thousands: give the separator: . , ' or space");
    c->load.thousands = arg[0];
    return MSC_CLI_GO_ON;
}

/* The file's encoding (msc_encoding), by its usual names, any case. */
static int set_encoding(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    static const struct {
        const char *name;
        msc_encoding enc;
    } NAMES[] = {{"auto", MSC_ENCODING_AUTO},           {"utf-8", MSC_ENCODING_UTF8},
                 {"utf8", MSC_ENCODING_UTF8},           {"cp1252", MSC_ENCODING_CP1252},
                 {"windows-1252", MSC_ENCODING_CP1252}, {"latin1", MSC_ENCODING_LATIN1},
                 {"latin-1", MSC_ENCODING_LATIN1},      {"iso-8859-1", MSC_ENCODING_LATIN1}};
    for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
        if (strcasecmp(arg, NAMES[i].name) == 0) {
            c->load.encoding = NAMES[i].enc;
            return MSC_CLI_GO_ON;
        }
    return unknown_value(c, o, arg, "utf-8, cp1252, latin1 or auto");
}

static int set_measure(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_measure_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "PLO, PFT, PAS, PLN or PR");
    c->settings.measure = (msc_measure)v;
    return MSC_CLI_GO_ON;
}

static int set_method(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_method_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "REML, ML, DL, HE, HS, SJ, EB, PM, FE, GLMM or BB");
    c->settings.method = (msc_method)v;
    c->method_given = 1;
    return MSC_CLI_GO_ON;
}

static int set_test(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_test_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "z or knha");
    c->settings.test = (msc_test)v;
    return MSC_CLI_GO_ON;
}

static int set_pi(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_pi_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "hts, z or t");
    c->settings.pi = (msc_pi)v;
    return MSC_CLI_GO_ON;
}

/* A fraction (0.95), or a percentage from 50 (95) as metafor allows. */
static int set_level(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || d <= 0.0 || (d >= 1.0 && d < 50.0) || d >= 100.0)
        return usage(c, "--level: \"%.40s\" is not a level such as 0.95 or 95", arg);
    c->settings.level = d >= 50.0 ? d / 100.0 : d;
    return MSC_CLI_GO_ON;
}

/* --null P: the proportion under H0 of the table's test (0 < P < 1). */
static int set_null(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || !(d > 0.0 && d < 1.0))
        return usage(c, "--null: \"%.40s\" is not a proportion between 0 and 1 (5%% is 0.05)", arg);
    c->settings.null_prop = d;
    return MSC_CLI_GO_ON;
}

static int set_cc(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    /* a denormal (1e-310) is no correction: 1/cc overflows */
    if (parse_double(arg, &d) < 0 || d < 0.0 || d > 1e6 || (d > 0.0 && d < DBL_MIN))
        return usage(c, "--cc: \"%.40s\" is not a correction such as 0.5", arg);
    c->settings.cc = d;
    return MSC_CLI_GO_ON;
}

static int set_cc_mode(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_cc_mode_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "only0, all, if0all or none");
    c->settings.cc_mode = v;
    return MSC_CLI_GO_ON;
}

static int set_study_ci(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_study_ci_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "cp, wilson, jeffreys, ac or wald");
    c->settings.study_ci = (msc_study_ci)v;
    return MSC_CLI_GO_ON;
}

static int set_nagq(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || d < 1 || d > MSC_NAGQ_MAX || d != floor(d))
        return usage(c, "--nagq: \"%.40s\" is not a number of points from 1 to %d", arg,
                     MSC_NAGQ_MAX);
    c->settings.nagq = (int)d;
    return MSC_CLI_GO_ON;
}

static int set_format(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_format_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "table, json, csv, jsonl, html or md");
    c->format = (msc_format)v;
    c->format_given = 1;
    return MSC_CLI_GO_ON;
}

/* A picture's width or height (--width, --height) into *size: the
 * library's range (mscmeta/plot.h), without its 0 for automatic, which
 * is what leaving the option out means. */
static int parse_size(const msc_cli *c, const msc_cli_option *o, const char *arg, double *size)
{
    double d;
    if (parse_double(arg, &d) < 0 || d < MSC_PLOT_SIZE_MIN || d > MSC_PLOT_SIZE_MAX)
        return usage(c, "--%s: \"%.40s\" is not a size from %g to %g", o->name, arg,
                     MSC_PLOT_SIZE_MIN, MSC_PLOT_SIZE_MAX);
    *size = d;
    return MSC_CLI_GO_ON;
}

static int set_width(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    return parse_size(c, o, arg, &c->plot.width);
}

static int set_height(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    return parse_size(c, o, arg, &c->plot.height);
}

/* Writes msc_plot_scales[from...] as "100 or 1000" to buf. */
static void join_scales(size_t from, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = from; i < msc_n_plot_scales && o < len; i++) {
        const char *sep = i == from ? "" : i + 1 == msc_n_plot_scales ? " or " : ", ";
        int n = snprintf(buf + o, len - o, "%s%g", sep, msc_plot_scales[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* One of the library's scales (mscmeta/plot.h): the first, 1, shows
 * proportions; the others, events per that many patients. */
static int set_scale(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) == 0)
        for (size_t i = 0; i < msc_n_plot_scales; i++)
            if (d == msc_plot_scales[i]) {
                c->plot.scale = d;
                return MSC_CLI_GO_ON;
            }
    char per[64];
    join_scales(1, per, sizeof per);
    return usage(c, "--scale: use %g (proportions), %s (per %s patients)", msc_plot_scales[0], per,
                 per);
}

/* --ref COL=LEVEL: the reference level of a factor moderator (commands
 * with moderators); a proportion contains no '=' */
static int add_ref_level(msc_cli *c, const char *arg)
{
    if (c->regress.n_refs >= MAX_LIST)
        return usage(c, "--ref: at most %d reference levels", MAX_LIST);
    c->refs[c->regress.n_refs++] = arg;
    c->regress.refs = c->refs;
    return MSC_CLI_GO_ON;
}

/* A proportion in the library's range (mscmeta/plot.h), or, with '=', a
 * factor's reference level. */
static int set_ref(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (strchr(arg, '=') && (c->cmd->options & MSC_OPTS_MODS))
        return add_ref_level(c, arg);
    if (!(c->cmd->options & MSC_OPTS_PLOT))
        return usage(c, "--ref: \"%.40s\" should be COLUMN=LEVEL, the reference level of a "
                        "factor moderator",
                     arg);
    double d;
    if (parse_double(arg, &d) < 0 || d < MSC_PLOT_REF_MIN || d > MSC_PLOT_REF_MAX)
        return usage(c, "--ref: \"%.40s\" is not a proportion between %g and %g", arg,
                     MSC_PLOT_REF_MIN, MSC_PLOT_REF_MAX);
    c->plot.ref = d;
    return MSC_CLI_GO_ON;
}

/* --cumulative=COL, or --cumulative [COL] (see take_input), or file order. */
static int set_cumulative(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    c->sens.cumulative = 1;
    if (arg) {
        if (!*arg)
            return usage(c, "--cumulative=: name the column to order by, or leave out the =");
        c->sens.cumulative_col = arg;
    } else {
        c->cumulative_next = c->optional_next;
    }
    return MSC_CLI_GO_ON;
}

/* --xlim LO,HI: the x axis' range, in the axis' units (LO < HI). */
static int set_xlim(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    const char *comma = strchr(arg, ',');
    char lo[64];
    double a, b;
    size_t l = comma ? (size_t)(comma - arg) : 0;
    if (comma && l < sizeof lo) {
        memcpy(lo, arg, l);
        lo[l] = '\0';
    }
    if (!comma || l >= sizeof lo || parse_double(lo, &a) < 0 || parse_double(comma + 1, &b) < 0 ||
        !(a < b))
        return usage(c, "--xlim: \"%.40s\" is not LO,HI with LO < HI (say 0,0.2)", arg);
    c->plot.xlim_lo = a;
    c->plot.xlim_hi = b;
    return MSC_CLI_GO_ON;
}

/* --sort estimate, n, or a column of the file (kept by the loader). */
static int set_sort(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (!arg[0])
        return usage(c, "--sort: give estimate, n or a column name");
    c->plot.sort_col = NULL;
    if (strcmp(arg, "estimate") == 0) {
        c->plot.sort = MSC_PLOT_SORT_ESTIMATE;
    } else if (strcmp(arg, "n") == 0) {
        c->plot.sort = MSC_PLOT_SORT_N;
    } else {
        c->plot.sort = MSC_PLOT_SORT_COLUMN;
        c->plot.sort_col = arg;
    }
    return MSC_CLI_GO_ON;
}

static int set_tf_estimator(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    int v = msc_tf_estimator_parse(arg);
    if (v < 0)
        return unknown_value(c, o, arg, "L0 or R0");
    c->sens.trim_fill_estimator = (msc_tf_estimator)v;
    return MSC_CLI_GO_ON;
}

/* --dpi N: a PNG's resolution, in the library's range. */
static int set_dpi(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || d < MSC_PLOT_DPI_MIN || d > MSC_PLOT_DPI_MAX)
        return usage(c, "--dpi: \"%.40s\" is not a resolution from %g to %g", arg, MSC_PLOT_DPI_MIN,
                     MSC_PLOT_DPI_MAX);
    c->plot.dpi = d;
    return MSC_CLI_GO_ON;
}

/* --max-rate R (every outcome) or COL=R (outcome COL; the last '=' splits,
 * so a column name may hold one). The column names are kept here: arg
 * points into argv, which must not be written. */
static int add_max_rate(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (c->n_thresholds >= MAX_LIST)
        return usage(c, "--max-rate: at most %d limits", MAX_LIST);
    msc_threshold *t = &c->thresholds[c->n_thresholds];
    const char *eq = strrchr(arg, '=');
    double v;
    if (eq) {
        static char cols[MAX_LIST][256];
        size_t l = (size_t)(eq - arg);
        if (l == 0 || l >= sizeof cols[0])
            return usage(c, "--max-rate: \"%.40s\" should be COLUMN=RATE or RATE", arg);
        memcpy(cols[c->n_thresholds], arg, l);
        cols[c->n_thresholds][l] = '\0';
        t->col = cols[c->n_thresholds];
        arg = eq + 1;
    } else {
        t->col = NULL;
    }
    if (parse_double(arg, &v) < 0 || v <= 0.0 || v >= 1.0)
        return usage(c, "--max-rate: \"%.40s\" is not a rate between 0 and 1 (5%% is 0.05)", arg);
    /* one limit per outcome: which of two would win is not for us to guess */
    for (size_t i = 0; i < c->n_thresholds; i++) {
        const char *was = c->thresholds[i].col;
        if ((!was && !t->col) || (was && t->col && strcmp(was, t->col) == 0))
            return usage(c, "--max-rate: two limits for %s%.60s%s; give one",
                         t->col ? "\"" : "", t->col ? t->col : "every outcome",
                         t->col ? "\"" : "");
    }
    t->rate = v;
    c->n_thresholds++;
    return MSC_CLI_GO_ON;
}

/* --by COL: one meta-analysis per value of COL (cmd_by.c). */
static int set_by(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    if (!*arg)
        return usage(c, "--by: give the name of the column whose values make the groups");
    c->by = arg;
    return MSC_CLI_GO_ON;
}

/* --threads N: the threads a computation may use (groups of --by, the
 * GLMM's quadrature); the output is the same for any number. */
static int set_threads(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || d < 1 || d > MSC_THREADS_MAX || d != floor(d))
        return usage(c, "--threads: \"%.40s\" is not a number of threads from 1 to %d", arg,
                     MSC_THREADS_MAX);
    c->settings.threads = (int)d;
    return MSC_CLI_GO_ON;
}

/* Appends arg to one of the moderator lists (at most MAX_LIST). */
static int add_to(msc_cli *c, const msc_cli_option *o, const char *arg, const char **list,
                  size_t *n)
{
    if (*n >= MAX_LIST)
        return usage(c, "--%s: at most %d", o->name, MAX_LIST);
    list[(*n)++] = arg;
    return MSC_CLI_GO_ON;
}

static int add_mod(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    c->regress.mods = c->mods;
    return add_to(c, o, arg, c->mods, &c->regress.n_mods);
}

static int add_factor(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    c->regress.factors = c->factors;
    return add_to(c, o, arg, c->factors, &c->regress.n_factors);
}

static int add_at(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    c->regress.at = c->at;
    return add_to(c, o, arg, c->at, &c->regress.n_at);
}

static int add_btt(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    c->regress.btt = c->btt;
    return add_to(c, o, arg, c->btt, &c->regress.n_btt);
}

/* A whole number from lo to hi (decimal digits only). */
static int parse_count(const char *s, unsigned long long lo, unsigned long long hi,
                       unsigned long long *v)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return *end == '\0' && errno == 0 && *v >= lo && *v <= hi ? 0 : -1;
}

static int set_permutations(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    unsigned long long v;
    if (parse_count(arg, 2, 1000000000ull, &v) < 0)
        return usage(c, "--permutations: \"%.40s\" is not a number of permutations from 2 to "
                        "10^9",
                     arg);
    c->regress.permutations = (size_t)v;
    return MSC_CLI_GO_ON;
}

static int set_seed(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    unsigned long long v;
    /* up to 2^53 - 1, so that the JSON's readers (doubles) get it exactly */
    if (parse_count(arg, 0, 9007199254740991ull, &v) < 0)
        return usage(c, "--seed: \"%.40s\" is not a whole number from 0 to 2^53 - 1", arg);
    c->regress.seed = v;
    c->sim.seed = v;
    return MSC_CLI_GO_ON;
}

/* simulate --reps N: data sets per outcome. */
static int set_reps(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    unsigned long long v;
    if (parse_count(arg, 1, MSC_SIMULATE_REPS_MAX, &v) < 0)
        return usage(c, "--reps: \"%.40s\" is not a number of data sets from 1 to %llu", arg,
                     (unsigned long long)MSC_SIMULATE_REPS_MAX);
    c->sim.reps = (size_t)v;
    return MSC_CLI_GO_ON;
}

/* simulate --mu P: the true pooled proportion (not its logit). */
static int set_sim_mu(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || !(d > 0.0 && d < 1.0))
        return usage(c, "--mu: \"%.40s\" is not a proportion strictly between 0 and 1 (it is "
                        "the pooled rate, not its logit)",
                     arg);
    c->sim.mu = d;
    return MSC_CLI_GO_ON;
}

/* simulate --tau2 T: the true tau^2 on the logit scale. */
static int set_sim_tau2(msc_cli *c, const msc_cli_option *o, const char *arg)
{
    (void)o;
    double d;
    if (parse_double(arg, &d) < 0 || !(d >= 0.0 && d <= 100.0))
        return usage(c, "--tau2: \"%.40s\" is not a between-study variance from 0 to 100 on "
                        "the logit scale",
                     arg);
    c->sim.tau2 = d;
    return MSC_CLI_GO_ON;
}

/* ----------------------------------------------------------------- table */

/* Every option. The order is getopt_long's, which resolves abbreviations
 * (--sum is --summary-only; --s is ambiguous, so unknown). */
static const msc_cli_option OPTIONS[] = {
    {"help", 'h', no_argument, 0, ask_help, 0},
    {"output", 'o', required_argument, 0, set_path, AT(output)},
    {"study", 0, required_argument, MSC_OPTS_INPUT, set_column, AT(load.study_col)},
    {"n", 0, required_argument, MSC_OPTS_INPUT, set_column, AT(load.n_col)},
    {"events", 0, required_argument, MSC_OPTS_INPUT, add_events, 0},
    {"subgroup", 0, required_argument, MSC_OPTS_INPUT, set_column, AT(load.subgroup_col)},
    {"delimiter", 0, required_argument, MSC_OPTS_INPUT, set_delimiter, 0},
    {"thousands", 0, required_argument, MSC_OPTS_INPUT, set_thousands, 0},
    {"na", 0, required_argument, MSC_OPTS_INPUT, set_text, AT(load.na)},
    {"encoding", 0, required_argument, MSC_OPTS_INPUT, set_encoding, 0},
    {"measure", 0, required_argument, MSC_OPTS_MODEL, set_measure, 0},
    {"method", 0, required_argument, MSC_OPTS_MODEL, set_method, 0},
    {"test", 0, required_argument, MSC_OPTS_MODEL, set_test, 0},
    {"pi", 0, required_argument, MSC_OPTS_MODEL, set_pi, 0},
    {"level", 0, required_argument, MSC_OPTS_MODEL, set_level, 0},
    {"cc", 0, required_argument, MSC_OPTS_MODEL, set_cc, 0},
    {"cc-mode", 0, required_argument, MSC_OPTS_MODEL, set_cc_mode, 0},
    {"study-ci", 0, required_argument, MSC_OPTS_MODEL, set_study_ci, 0},
    {"nagq", 0, required_argument, MSC_OPTS_MODEL, set_nagq, 0},
    {"null", 0, required_argument, MSC_OPTS_MODEL, set_null, 0},
    {"format", 0, required_argument, MSC_OPTS_REPORT, set_format, 0},
    {"summary-only", 0, no_argument, MSC_OPTS_REPORT, set_flag, AT(summary_only)},
    {"forest", 0, required_argument, MSC_OPTS_FOREST, set_path, AT(forest)},
    {"title", 0, required_argument, MSC_OPTS_PLOT, set_text, AT(plot.title)},
    {"width", 0, required_argument, MSC_OPTS_PLOT, set_width, 0},
    {"height", 0, required_argument, MSC_OPTS_PLOT, set_height, 0},
    {"scale", 0, required_argument, MSC_OPTS_PLOT, set_scale, 0},
    {"ref", 0, required_argument, MSC_OPTS_PLOT | MSC_OPTS_MODS, set_ref, 0},
    {"xlim", 0, required_argument, MSC_OPTS_PLOT, set_xlim, 0},
    {"log", 0, no_argument, MSC_OPTS_PLOT, set_flag, AT(plot.log_x)},
    {"sort", 0, required_argument, MSC_OPTS_PLOT, set_sort, 0},
    {"dpi", 0, required_argument, MSC_OPTS_PLOT, set_dpi, 0},
    {"max-rate", 0, required_argument, MSC_OPTS_SAFETY, add_max_rate, 0},
    {"leave-one-out", 0, no_argument, MSC_OPTS_SENS_ROWS, set_flag, AT(sens.leave_one_out)},
    {"cumulative", 0, optional_argument, MSC_OPTS_SENS_ROWS, set_cumulative, 0},
    {"influence", 0, no_argument, MSC_OPTS_SENS, set_flag, AT(sens.influence)},
    {"bias-tests", 0, no_argument, MSC_OPTS_SENS, set_flag, AT(sens.bias_tests)},
    {"trim-fill-estimator", 0, required_argument, MSC_OPTS_TF_EST, set_tf_estimator, 0},
    {"trim-fill", 0, no_argument, MSC_OPTS_TF_PLOT, set_flag, AT(trim_fill)},
    {"contours", 0, no_argument, MSC_OPTS_TF_PLOT, set_flag, AT(plot.contours)},
    {"mod", 0, required_argument, MSC_OPTS_MODS, add_mod, 0},
    {"factor", 0, required_argument, MSC_OPTS_MODS, add_factor, 0},
    {"at", 0, required_argument, MSC_OPTS_REGRESS, add_at, 0},
    {"btt", 0, required_argument, MSC_OPTS_REGRESS, add_btt, 0},
    {"permutations", 0, required_argument, MSC_OPTS_REGRESS, set_permutations, 0},
    {"seed", 0, required_argument, MSC_OPTS_REGRESS | MSC_OPTS_SIM, set_seed, 0},
    {"by", 0, required_argument, MSC_OPTS_BY, set_by, 0},
    {"threads", 0, required_argument, MSC_OPTS_MODEL, set_threads, 0},
    {"reps", 0, required_argument, MSC_OPTS_SIM, set_reps, 0},
    {"mu", 0, required_argument, MSC_OPTS_SIM, set_sim_mu, 0},
    {"tau2", 0, required_argument, MSC_OPTS_SIM, set_sim_tau2, 0},
    {"plot", 0, required_argument, MSC_OPTS_SIM, set_path, AT(sim_plot)},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

/* What getopt_long returns for option i: its letter, else 256 + i. */
static int option_value(size_t i) { return OPTIONS[i].letter ? OPTIONS[i].letter : 256 + (int)i; }

/* The option getopt_long returned as `value`, or NULL. */
static const msc_cli_option *find_option(int value)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (option_value(i) == value)
            return &OPTIONS[i];
    return NULL;
}

/* getopt_long's view of the table: the long options (longs has
 * N_OPTIONS + 1 entries) and the short ones ("ho:"). */
static void getopt_tables(struct option *longs, char *shorts)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        longs[i] = (struct option){OPTIONS[i].name, OPTIONS[i].has_arg, NULL, option_value(i)};
        if (OPTIONS[i].letter) {
            *shorts++ = OPTIONS[i].letter;
            if (OPTIONS[i].has_arg == required_argument)
                *shorts++ = ':';
        }
    }
    longs[N_OPTIONS] = (struct option){NULL, 0, NULL, 0};
    *shorts = '\0';
}

int msc_cli_wants_sens(const msc_cli *c)
{
    return c->sens.leave_one_out || c->sens.cumulative || c->sens.influence || c->sens.bias_tests;
}

/* --------------------------------------------------------------- parsing */

void msc_cli_defaults(const msc_cli_command *cmd, msc_cli *c)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->format = MSC_FORMAT_TABLE;
    msc_settings_default(&c->settings);
    /* the GLMM may use every core; its results do not depend on it */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->settings.threads = cpus < 1 ? 1 : cpus > MSC_THREADS_MAX ? MSC_THREADS_MAX : (int)cpus;
    msc_load_options_default(&c->load);
    msc_plot_options_default(&c->plot);
    msc_sens_options_default(&c->sens);
    msc_regress_options_default(&c->regress);
    if (cmd->defaults)
        cmd->defaults(c);
}

/* The usage error for what getopt_long refused (it returned '?'): an
 * option without its value, or an unknown option (argv[optind - 1]). */
static int refused(const msc_cli *c, char **argv)
{
    const msc_cli_option *o = optopt ? find_option(optopt) : NULL;
    if (o && o->has_arg == required_argument && o->letter == optopt)
        return usage(c, "-%c needs a value", o->letter);
    if (o && o->has_arg == required_argument)
        return usage(c, "--%s needs a value", o->name);
    return usage(c, "unknown option \"%.60s\"", argv[optind - 1]);
}

/* Reads the options, in order, up to the first error or --help. GNU
 * getopt permutes: options may come before or after the file, which is
 * left at argv[optind...]. */
static int read_options(msc_cli *c, int argc, char **argv)
{
    static struct option longs[N_OPTIONS + 1];
    static char shorts[2 * N_OPTIONS + 1];
    getopt_tables(longs, shorts);
    opterr = 0;
    optind = 0; /* glibc: start afresh, also when called again (tests do) */
    int value;
    while ((value = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (value == '?')
            return refused(c, argv);
        const msc_cli_option *o = find_option(value);
        assert(o); /* getopt_long returns the table's values, or '?' */
        if (o->group && !(c->cmd->options & o->group))
            return usage(c, "--%s is not an option of this command", o->name);
        c->optional_next = o->has_arg == optional_argument && !optarg && optind < argc &&
                                   argv[optind][0] != '-'
                               ? argv[optind]
                               : NULL;
        int rc = o->set(c, o, optarg);
        if (rc != MSC_CLI_GO_ON)
            return rc;
    }
    return MSC_CLI_GO_ON;
}

/* The one input file: what is left once the options are read. A bare
 * --cumulative followed by a word takes it as its column when another word
 * is left for the input file. */
static int take_input(msc_cli *c, int argc, char **argv)
{
    if (c->cumulative_next && argc - optind >= 2)
        for (int i = optind; i < argc; i++)
            if (argv[i] == c->cumulative_next) {
                c->sens.cumulative_col = argv[i];
                memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof *argv);
                argc--;
                break;
            }
    for (; optind < argc; optind++) {
        if (c->input)
            return usage(c, "one input file at a time (got \"%.60s\" and \"%.60s\")", c->input,
                         argv[optind]);
        c->input = argv[optind];
    }
    if (!c->input)
        return usage(c, "no input file given (use - for standard input)");
    return MSC_CLI_GO_ON;
}

/* An events column that is also the denominator, study or subgroup
 * column (--events n would pool n/n). */
static int check_columns(const msc_cli *c)
{
    const msc_load_options *l = &c->load;
    for (size_t i = 0; i < c->n_events; i++) {
        const char *e = c->events[i];
        const char *as = l->n_col && strcmp(e, l->n_col) == 0            ? "the denominator (--n)"
                         : l->study_col && strcmp(e, l->study_col) == 0 ? "the study column (--study)"
                         : l->subgroup_col && strcmp(e, l->subgroup_col) == 0
                             ? "the subgroup column (--subgroup)"
                             : NULL;
        if (as)
            return usage(c, "--events \"%.60s\" is %s; name a column of event counts", e, as);
    }
    return MSC_CLI_GO_ON;
}

/* Settings that do not go together. */
static int check_model(const msc_cli *c)
{
    const msc_settings *s = &c->settings;
    if (s->method == MSC_METHOD_GLMM && s->measure != MSC_PLO)
        return usage(c, "--method GLMM models the logit: use it with --measure PLO (the "
                        "default)");
    if (s->method == MSC_METHOD_GLMM && s->test == MSC_TEST_KNHA)
        return usage(c, "--test knha applies to inverse-variance models, not --method GLMM");
    return MSC_CLI_GO_ON;
}

/* The report format -o's extension names: .json, .csv, .txt or .md (a
 * table; `report`'s Markdown), .html, in any case; -1 for another
 * extension. */
static int format_of_path(const char *path)
{
    static const struct {
        const char *ext;
        msc_format f;
    } ext[] = {{".json", MSC_FORMAT_JSON},
               {".csv", MSC_FORMAT_CSV},
               {".txt", MSC_FORMAT_TABLE},
               {".md", MSC_FORMAT_TABLE},
               {".jsonl", MSC_FORMAT_JSONL},
               {".html", MSC_FORMAT_HTML},
               {".htm", MSC_FORMAT_HTML}};
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return -1;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (strcasecmp(dot, ext[i].ext) == 0)
            return (int)ext[i].f;
    return -1;
}

/* A report written with -o takes its format from the file's extension;
 * --format may repeat a .json, .csv or .jsonl extension but not contradict
 * it, and chooses the format of a .txt or .md file. */
static int format_from_output(msc_cli *c)
{
    if (!c->output || c->cmd->draws || !(c->cmd->options & MSC_OPTS_REPORT))
        return MSC_CLI_GO_ON;
    int f = format_of_path(c->output);
    if (f < 0)
        return MSC_CLI_GO_ON;
    if (c->cmd->page && f == MSC_FORMAT_TABLE)
        f = strcasecmp(strrchr(c->output, '.'), ".md") == 0 ? MSC_FORMAT_MD : -1;
    if (f < 0) /* report -o r.txt: --format decides */
        return MSC_CLI_GO_ON;
    if (c->format_given && f == MSC_FORMAT_TABLE)
        return MSC_CLI_GO_ON; /* a .txt or .md file holds any text: --format decides */
    if (c->format_given && (int)c->format != f) {
        static const char *const name[] = {"table", "json", "csv", "jsonl", "html", "md"};
        return usage(c, "-o \"%.60s\" names %s output but --format is %s; drop one of them",
                     c->output, name[f], name[c->format]);
    }
    c->format = (msc_format)f;
    return MSC_CLI_GO_ON;
}

/* A page (report) is HTML or Markdown, and no other command writes one:
 * pool -o r.html is refused, pointing to report, rather than written as
 * a text table or as an HTML fragment without the report's plots. */
static int check_page(const msc_cli *c)
{
    static const char *const name[] = {"table", "json", "csv", "jsonl", "html", "md"};
    int page = c->format == MSC_FORMAT_HTML || c->format == MSC_FORMAT_MD;
    if (c->cmd->page && !page)
        return usage(c, "--format %s: report writes html or md; `mscmeta pool` writes %s",
                     name[c->format], name[c->format]);
    if (!c->cmd->page && page && c->output)
        return usage(c, "-o \"%.60s\": an %s report (tables, plots, Methods, Reproducibility) "
                        "is written by `mscmeta report FILE [options] -o %.60s`",
                     c->output, name[c->format], c->output);
    if (!c->cmd->page && page)
        return usage(c, "--format %s: an %s report is written by `mscmeta report FILE "
                        "[options] -o report.%s`",
                     name[c->format], name[c->format], name[c->format]);
    if (c->cmd->page && c->format == MSC_FORMAT_MD && (!c->output || !strcmp(c->output, "-")))
        return usage(c, "--format md writes the plots as SVG files beside the report: give -o "
                        "FILE.md");
    return MSC_CLI_GO_ON;
}

/* --by and the formats: JSON Lines is the format of many meta-analyses,
 * and one JSON document or a forest plot is not. */
static int check_by(const msc_cli *c)
{
    if (c->format == MSC_FORMAT_JSONL && !c->by)
        return usage(c, "--format jsonl writes a line per meta-analysis of --by COL; without "
                        "--by use --format json");
    if (c->by && c->format == MSC_FORMAT_JSON)
        return usage(c, "--by writes a JSON object per meta-analysis: use --format jsonl");
    if (c->by && c->forest)
        return usage(c, "--forest draws one analysis; it does not go with --by");
    return MSC_CLI_GO_ON;
}

/* Outputs that are the input file; a picture whose extension names no
 * format (said before any work). */
static int check_outputs(const msc_cli *c)
{
    /* "-": the file behind standard input (pool - -o in.csv < in.csv) */
    if (c->output && msc_cli_same_file(c->input, c->output))
        return usage(c, "-o \"%.60s\" is the input file; choose another name", c->output);
    /* a picture besides the report: pool --forest, simulate --plot */
    const char *extra = c->forest ? c->forest : c->sim_plot;
    const char *opt = c->forest ? "--forest" : "--plot";
    if (extra && msc_cli_same_file(c->input, extra))
        return usage(c, "%s \"%.60s\" is the input file; choose another name", opt, extra);
    if (c->output && extra && strcmp(c->output, "-") != 0 && msc_cli_same_file(c->output, extra))
        return usage(c, "-o and %s name one file, \"%.60s\"; choose two names", opt, extra);
    const char *pic = extra ? extra : c->cmd->draws ? c->output : NULL;
    if (pic && msc_plot_format_from_path(pic) < 0)
        return usage(c,
                     "\"%.60s\": a picture's format comes from its extension: use .png, "
                     ".svg or .pdf",
                     pic);
    return MSC_CLI_GO_ON;
}

/* The columns the loader keeps as text, each with the option that names
 * it (for the loader's message): --cumulative's order, --sort's column,
 * the moderators, --by's column. One list, so that options given together
 * each keep theirs; a name given twice is kept once (the loader). */
static void keep_columns(msc_cli *c)
{
    size_t n = 0;
    if (c->sens.cumulative_col) {
        c->keep[n] = c->sens.cumulative_col;
        c->keep_why[n++] = "--cumulative";
    }
    if (c->plot.sort == MSC_PLOT_SORT_COLUMN) {
        c->keep[n] = c->plot.sort_col;
        c->keep_why[n++] = "--sort";
    }
    for (size_t i = 0; i < c->regress.n_mods; i++) {
        c->keep[n] = c->regress.mods[i];
        c->keep_why[n++] = "--mod";
    }
    if (c->by) {
        c->keep[n] = c->by;
        c->keep_why[n++] = "--by";
    }
    assert(n <= sizeof c->keep / sizeof *c->keep);
    c->load.keep_cols = c->keep;
    c->load.keep_why = c->keep_why;
    c->load.n_keep_cols = n;
}

int msc_cli_parse(const msc_cli_command *cmd, int argc, char **argv, msc_cli *c)
{
    msc_cli_defaults(cmd, c);
    int rc = read_options(c, argc, argv);
    if (!c->method_given) { /* the GLMM for PLO, REML otherwise (msc_method_default) */
        c->settings.method = cmd->reml_default
                                 ? MSC_METHOD_REML
                                 : msc_method_default(c->settings.measure, c->settings.test);
        c->settings.method_default = 1;
    }
    if (rc == MSC_CLI_GO_ON)
        rc = take_input(c, argc, argv);
    if (rc == MSC_CLI_GO_ON)
        rc = check_columns(c);
    if (rc == MSC_CLI_GO_ON)
        rc = check_model(c);
    if (rc == MSC_CLI_GO_ON && cmd->check)
        rc = cmd->check(c);
    if (rc == MSC_CLI_GO_ON)
        rc = check_outputs(c);
    if (rc == MSC_CLI_GO_ON)
        rc = format_from_output(c);
    if (rc == MSC_CLI_GO_ON) /* after -o's extension has set the format */
        rc = check_by(c);
    if (rc == MSC_CLI_GO_ON)
        rc = check_page(c);
    c->load.events_cols = c->events;
    c->load.n_events_cols = c->n_events;
    keep_columns(c);
    if (rc == MSC_CLI_GO_ON && c->plot.log_x && isfinite(c->plot.xlim_lo) && c->plot.xlim_lo <= 0)
        rc = usage(c, "--xlim: a log axis (--log) starts above 0");
    return rc;
}
