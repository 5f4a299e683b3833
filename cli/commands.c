/*
 * The command table: each command's name, summary, help, defaults, the
 * option groups it takes, its checks and the function that runs it.
 * main.c looks commands up here, help.c lists them and options.c parses
 * for the entry it is given. A new command is one entry here and its run
 * function (cli/cli.h).
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ------------------------------------------------------------------ pool */

static const char POOL_HELP[] =
    "Usage: mscmeta pool FILE.csv [options]\n\n"
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
    "  mscmeta pool studies.csv --forest plots/forest.png\n\n";

static const char POOL_HELP_END[] =
    "Sensitivity and small-study analyses (each a section of every outcome and\n"
    "subgroup, in table, JSON and CSV):\n"
    "  --leave-one-out    the model refitted without each study in turn\n"
    "  --cumulative [COL] refitted as studies are added in ascending order of COL\n"
    "                     (ties and studies without a value in file order; no COL:\n"
    "                     file order)\n"
    "  --influence        influence diagnostics and Baujat coordinates, as metafor's\n"
    "                     influence(); influential studies first\n"
    "  --bias-tests       Egger's, Peters' and Begg's tests and trim and fill; each\n"
    "                     warns below 10 studies\n"
    "  --trim-fill-estimator E  L0 (default) or R0\n\n"
    "  --forest PATH      also draw forest plots (see mscmeta forest --help)\n\n";

/* ---------------------------------------------------------------- safety */

static const char SAFETY_HELP[] =
    "Usage: mscmeta safety FILE.csv --max-rate R [options]\n\n"
    "Checks pooled adverse-event rates against a limit. For each adverse-event\n"
    "outcome it reports the pooled rate (binomial-normal GLMM by default) with its\n"
    "interval and one-sided upper bound, each study's rate with its exact interval,\n"
    "the exact upper bound and rule of three for studies with 0 events, and a\n"
    "verdict from the one-sided bounds at --level: below (the upper bound is at or\n"
    "under the limit), above (the lower bound is over it) or inconclusive, with the\n"
    "probability that a new study's true rate exceeds the limit. With --subgroup,\n"
    "each subgroup's verdict too (reported; the exit status follows the overall\n"
    "ones). The model is the binomial-normal GLMM unless --method says otherwise\n"
    "(REML for measures other than PLO).\n\n"
    "Examples:\n"
    "  mscmeta safety data/msc_autoimmune.csv --max-rate 0.05\n"
    "  mscmeta safety s.csv --max-rate serious_adverse_events=0.02 \\\n"
    "                       --max-rate adverse_events=0.5\n\n"
    "  --max-rate R       the limit for every outcome (a proportion: 0.05 is 5%)\n"
    "  --max-rate COL=R   the limit for one outcome (repeatable)\n\n";

/* Safety checks harms: its default outcomes are the library's
 * (msc_default_events) but responders, which measure efficacy. */
static void safety_default_events(msc_load_options *load)
{
    static const char *events[MAX_LIST];
    size_t n = 0;
    assert(msc_n_default_events <= MAX_LIST); /* the library names a handful */
    for (size_t i = 0; i < msc_n_default_events && n < MAX_LIST; i++)
        if (strcmp(msc_default_events[i], "responders") != 0)
            events[n++] = msc_default_events[i];
    load->default_events = events;
    load->n_default_events = n;
}

/* Safety pools adverse events; its model is every command's default, the
 * GLMM for PLO (options.c), which suits rare events. */
static void safety_defaults(msc_cli *c) { safety_default_events(&c->load); }

/* A safety check needs a limit to check against, and one-sided bounds at
 * a level above 0.5: at 0.05 the "upper bound" lies below the estimate
 * (the usual mix-up of alpha and the level). */
static int safety_check(const msc_cli *c)
{
    if (c->n_thresholds == 0)
        return msc_cli_usage(c->cmd->name,
                             "--max-rate is required: the limit to check, such as 0.05");
    if (!(c->settings.level > 0.5))
        return msc_cli_usage(c->cmd->name,
                             "--level %g: the bounds need a level above 0.5; the level is "
                             "1 - alpha (0.95 for alpha = 0.05)",
                             c->settings.level);
    return MSC_CLI_GO_ON;
}

/* --------------------------------------------------------------- regress */

static const char REGRESS_HELP[] =
    "Usage: mscmeta regress FILE.csv --mod COL [--mod COL ...] [options]\n\n"
    "Meta-regression of the proportions on study-level moderators, as metafor's\n"
    "rma(yi, vi, mods = ...): per outcome the coefficients with SE, test and CI,\n"
    "the omnibus test of the moderators (QM), residual heterogeneity (QE, tau^2,\n"
    "I^2, H^2), R^2, and predictions. (--method GLMM is not available yet.)\n\n"
    "Examples:\n"
    "  mscmeta regress data/msc_autoimmune.csv --mod year --events responders\n"
    "  mscmeta regress s.csv --mod dose --mod route --ref route=intravenous\n"
    "  mscmeta regress s.csv --mod year --at year=2010 --at year=2020 --test knha\n"
    "  mscmeta regress s.csv --mod dose --permutations 10000 --seed 7\n\n";

static const char REGRESS_HELP_END[] =
    "\nModerators:\n"
    "  --mod COL          a moderator column (repeatable; coefficients in this order)\n"
    "                     A column whose values all read as numbers is numeric, any\n"
    "                     other a factor (treatment contrasts); a study missing a\n"
    "                     moderator is left out, with the reason.\n"
    "  --factor COL       treat COL as a factor even if numeric (a year as categories)\n"
    "  --ref COL=LEVEL    the reference level of factor COL (default: the first in\n"
    "                     byte order)\n"
    "\nRegression:\n"
    "  --btt LIST         the coefficients QM tests: names (intercept, dose,\n"
    "                     route=oral), moderators or numbers (1 is the intercept),\n"
    "                     comma-separated or repeated (default: every moderator)\n"
    "  --at COL=V[,COL=V...]  predict at these moderator values (repeatable; every\n"
    "                     moderator once); CI and prediction interval use z, or t\n"
    "                     with k-p df under --test knha (metafor's predict)\n"
    "  --permutations N   permutation test with N iterations (metafor's permutest;\n"
    "                     exact when the moderators have at most N arrangements)\n"
    "  --seed S           its random numbers (default 1): same seed, same p values\n"
    "\n--test knha gives t tests with k-p df and QM as an F test; --pi does not apply\n"
    "(the prediction intervals are metafor's).\n\n";

/* Predictions follow metafor's predict(): z, or t(k-p) under knha. */
static void regress_defaults(msc_cli *c) { c->settings.pi = MSC_PI_Z; }

static int regress_check(const msc_cli *c)
{
    const char *cmd = c->cmd->name;
    if (c->regress.n_mods == 0)
        return msc_cli_usage(cmd, "--mod is required: the moderator column(s) to regress on");
    if (c->load.subgroup_col)
        return msc_cli_usage(cmd,
                             "--subgroup does not apply; a factor moderator (--mod %.60s) "
                             "tests the differences between its levels",
                             c->load.subgroup_col);
    if (c->settings.pi != MSC_PI_Z)
        return msc_cli_usage(cmd, "--pi does not apply: the prediction intervals are metafor's "
                                  "(z, or t with k-p df under --test knha)");
    if (c->regress.permutations && c->settings.method == MSC_METHOD_GLMM)
        return msc_cli_usage(cmd, "--permutations applies to the inverse-variance models, not "
                                  "--method GLMM (as metafor's permutest)");
    return MSC_CLI_GO_ON;
}

/* ------------------------------------------------------- forest, funnel */

static const char FOREST_HELP[] =
    "Usage: mscmeta forest FILE.csv [options] -o plots/forest.png\n\n"
    "Draws a forest plot per outcome through gnuplot: study label, events and n,\n"
    "each study's proportion with its interval (squares sized by weight), the\n"
    "common- and random-effects diamonds, the prediction interval, proportion\n"
    "[CI] and weight columns, and heterogeneity in the footer. --subgroup adds a\n"
    "heading, diamond and heterogeneity line per group and the test for\n"
    "subgroup differences.\n\n"
    "  --leave-one-out    instead, one row per study left out: the estimate\n"
    "                     without it, the full estimate as a reference line\n"
    "  --cumulative [COL] one row per study added, in ascending order of COL\n\n";

static const char BAUJAT_HELP[] =
    "Usage: mscmeta baujat FILE.csv [options] -o plots/baujat.svg\n\n"
    "Draws a Baujat plot per outcome (Baujat et al. 2002): each study's\n"
    "contribution to the heterogeneity statistic Q (x) against its influence on\n"
    "the pooled estimate (y: the squared change when it is left out, over the\n"
    "variance of the estimate without it), with study labels placed so that none\n"
    "overlaps; metafor's baujat() coordinates.\n\n";

/* Forest plots show one kind of rows. */
static int forest_check(const msc_cli *c)
{
    if (c->sens.leave_one_out && c->sens.cumulative)
        return msc_cli_usage(c->cmd->name, "--leave-one-out and --cumulative draw different "
                                           "plots: give one of them");
    return MSC_CLI_GO_ON;
}

static const char FUNNEL_HELP[] =
    "Usage: mscmeta funnel FILE.csv [options] -o plots/funnel.png\n\n"
    "Draws a funnel plot per outcome: each study's effect on the model scale\n"
    "against its standard error (inverted axis), the pooled line and the 95%\n"
    "pseudo-confidence region.\n\n"
    "  --trim-fill        add the studies trim and fill imputes (open circles) and\n"
    "                     its adjusted estimate\n"
    "  --trim-fill-estimator E  L0 (default) or R0\n"
    "  --contours         shade where a study's two-sided p against H0: proportion\n"
    "                     = --ref P (required) is in (0.05, 0.1], (0.01, 0.05] and\n"
    "                     below 0.01 (contour-enhanced funnel), in place of the\n"
    "                     pseudo-confidence region\n\n";

static const char BUBBLE_HELP[] =
    "Usage: mscmeta bubble FILE.csv --mod COL [options] -o plots/bubble.png\n\n"
    "Draws the bubble plot of a meta-regression on one moderator, per outcome:\n"
    "each study's proportion against the moderator, bubbles sized by the study's\n"
    "weight in the model (by its number of patients with --method GLMM), and the\n"
    "fitted proportion with its confidence band; for a factor moderator, the\n"
    "studies of each level beside the level's fitted proportion and interval.\n\n"
    "  --mod COL          the moderator (once)\n"
    "  --factor COL       treat it as a factor even if numeric\n"
    "  --ref COL=LEVEL    the factor's reference level (--ref P: a reference line)\n\n";

/* A bubble plot has one moderator on its x axis. */
static int bubble_check(const msc_cli *c)
{
    if (c->regress.n_mods != 1)
        return msc_cli_usage(c->cmd->name, "give --mod once: a bubble plot shows one moderator");
    if (c->load.subgroup_col)
        return msc_cli_usage(c->cmd->name, "--subgroup does not apply; use a factor moderator");
    return MSC_CLI_GO_ON;
}

static const char PLOT_HELP_END[] = "\nNeeds gnuplot (Debian: apt-get install gnuplot-nox).\n\n";

/* --------------------------------------------------------------- compare */

static const char COMPARE_HELP[] =
    "Usage: mscmeta compare FILE.csv [options]\n\n"
    "How much does the method matter? Pools each outcome under every defensible\n"
    "model and shows the estimates side by side, one row per model: the\n"
    "binomial-normal GLMM (conditional: the median study's rate; marginal: the mean\n"
    "rate across studies), the beta-binomial model, the exact pooled proportion\n"
    "(sum x / sum n, Clopper-Pearson), REML on the logit with continuity\n"
    "corrections 0.1, 0.5 and 1, REML on the Freeman-Tukey and arcsine scales,\n"
    "DerSimonian-Laird, and Paule-Mandel with Knapp-Hartung tests. Each row is\n"
    "exactly what `mscmeta pool` gives with the options in its last column.\n"
    "When the rows disagree (zero events, a few small studies), the model choice\n"
    "drives the answer: report the comparison, as Schwarzer et al. (2019) and the\n"
    "Cochrane Handbook ask.\n\n"
    "Examples:\n"
    "  mscmeta compare data/msc_autoimmune.csv\n"
    "  mscmeta compare studies.csv --events serious_adverse_events --format csv\n"
    "  mscmeta compare studies.csv --level 0.9 --format json -o compare.json\n"
    "  mscmeta compare studies.csv --forest plots/compare.svg\n\n";

static const char COMPARE_HELP_END[] =
    "--method, --measure, --test and --cc do not apply (each row sets its own);\n"
    "--subgroup is refused: compare one subgroup's rows as a file of their own.\n"
    "--level, --pi, --cc-mode, --nagq and --null apply to every row.\n\n"
    "  --forest PATH      also draw a forest plot per outcome (PNG, SVG or PDF by\n"
    "                     extension): a row per model, the exact Clopper-Pearson\n"
    "                     interval as a shaded band; --title, --width, --height,\n"
    "                     --scale, --ref, --xlim, --log and --dpi as for forest\n\n";

/* -------------------------------------------------------------- simulate */

static const char SIMULATE_HELP[] =
    "Usage: mscmeta simulate FILE.csv [options]\n\n"
    "Which interval keeps its promise for these studies? For each outcome, draws\n"
    "--reps data sets with the outcome's own design (its k and each study's n) from\n"
    "the binomial-normal model: true study logits theta_i ~ N(mu, tau^2), events\n"
    "x_i ~ Binomial(n_i, expit(theta_i)), with mu and tau^2 the GLMM's fit of the\n"
    "data (as pool --method GLMM) unless --mu and --tau2 give them. Each data set\n"
    "is analysed with every model of `mscmeta compare`, exactly as pool would.\n"
    "Per model: how often its CI covers the true rate expit(mu) (the median of the\n"
    "true study rates; every model is judged against it, also those whose estimate\n"
    "targets the mean rate: the GLMM's marginal row, beta-binomial, PFT, PAS,\n"
    "exact), with its Monte Carlo SE sqrt(c (1 - c) / R); bias and RMSE of the\n"
    "pooled proportion; the median CI width; how often the prediction interval\n"
    "covers a new study's true rate; fallbacks (counted in) and failures (left\n"
    "out, counted). A 95% CI that covers 0.90 of the time on your design is a 90%\n"
    "CI: with few small studies DerSimonian-Laird under-covers and Knapp-Hartung\n"
    "(HKSJ) keeps near the nominal level (IntHout et al. 2014).\n\n"
    "Examples:\n"
    "  mscmeta simulate data/msc_autoimmune.csv --reps 2000\n"
    "  mscmeta simulate studies.csv --mu 0.2 --tau2 0.1 --seed 7 --format csv\n"
    "  mscmeta simulate studies.csv --threads 1 --format json -o sim.json\n"
    "  mscmeta simulate studies.csv --reps 2000 --plot coverage.svg\n\n";

static const char SIMULATE_HELP_END[] =
    "\nSimulation:\n"
    "  --reps N           data sets per outcome (default 10000; 1 to 1000000)\n"
    "  --seed S           random seed (default 1; 0 to 2^53 - 1): the same seed gives\n"
    "                     the same output for any --threads\n"
    "  --mu P             the true pooled proportion, a rate in (0, 1), not its\n"
    "                     logit (default: the GLMM's estimate, back-transformed)\n"
    "  --tau2 T           the true between-study variance on the logit scale\n"
    "                     (default: the GLMM's estimate)\n"
    "  --plot PATH        also draw each outcome's CI coverage per model, with Monte\n"
    "                     Carlo error bars, against the nominal level (.png, .svg or\n"
    "                     .pdf; several outcomes: PATH-<outcome>.ext)\n\n"
    "--method, --measure, --test and --cc do not apply (each model sets its own);\n"
    "--level, --pi, --cc-mode and --nagq apply to every model. An outcome whose\n"
    "GLMM falls back (all 0 or all n events) needs --mu and --tau2.\n\n";

/* ---------------------------------------------------------------- report */

static const char REPORT_HELP[] =
    "Usage: mscmeta report FILE.csv [options] -o report.html\n\n"
    "The whole analysis in one file to hand to co-authors, journals and guideline\n"
    "panels: per outcome the pooled table, heterogeneity and the exact pooled\n"
    "proportion, leave-one-out, influence diagnostics and small-study tests (as\n"
    "pool --leave-one-out --influence --bias-tests), the forest, funnel and\n"
    "Baujat plots, the method comparison (as compare) and, with --mod, the\n"
    "meta-regression (as regress); then a Methods paragraph with references,\n"
    "ready to paste into a manuscript, and a Reproducibility block (version,\n"
    "command line, the input's name, size and SHA-256, date, every setting).\n\n"
    "The HTML file is self-contained: tables are <table>s, plots inline SVG, the\n"
    "fonts the system's; it runs no script and fetches nothing (a\n"
    "Content-Security-Policy forbids both), and prints on A4. Every label from\n"
    "the data is escaped. --format md writes Markdown with the plots as SVG\n"
    "files beside it (REPORT-forest-OUTCOME-1.svg ...). On a terminal, progress\n"
    "is shown on stderr. The date is SOURCE_DATE_EPOCH's when that is set.\n\n"
    "Examples:\n"
    "  mscmeta report data/msc_autoimmune.csv --subgroup disease -o report.html\n"
    "  mscmeta report studies.csv --method REML --mod year -o report.html\n"
    "  mscmeta report studies.csv --format md -o out/report.md\n\n";

static const char REPORT_HELP_END[] =
    "\n  --title T          the report's title, also drawn on its plots (default:\n"
    "                     \"Meta-analysis of FILE\", the plots untitled)\n"
    "  --mod COL          add the meta-regression on COL (repeatable; --factor and\n"
    "                     --ref COL=LEVEL as for regress)\n\n"
    "Plot options (--width, --scale, --xlim, --log, --sort ...) apply to every plot.\n"
    "Needs gnuplot for the plots; a plot that cannot be drawn is a note in the\n"
    "report.\n\n";

static void report_defaults(msc_cli *c) { c->format = MSC_FORMAT_HTML; }

/* ----------------------------------------------------------------- table */

const msc_cli_command msc_cli_commands[] = {
    {
        .name = "pool",
        .summary = "pooled proportions with confidence and prediction intervals,\n"
                   "heterogeneity, subgroups; table, JSON or CSV",
        .help = POOL_HELP,
        .help_end = POOL_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_PLOT |
                   MSC_OPTS_FOREST | MSC_OPTS_SENS_ROWS | MSC_OPTS_SENS | MSC_OPTS_TF_EST |
                   MSC_OPTS_BY,
        .run = msc_cmd_pool,
    },
    {
        .name = "safety",
        .summary = "pooled adverse-event rates checked against a limit (exit 3 unless\n"
                   "shown to be below it)",
        .help = SAFETY_HELP,
        .help_end =
            "\nExit status 3 when a rate is not shown to be below its limit (inconclusive or\n"
            "above), so pipelines can gate on it; 5 when an outcome with a limit has no\n"
            "usable study.\n\n",
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_SAFETY | MSC_OPTS_BY,
        .defaults = safety_defaults,
        .check = safety_check,
        .run = msc_cmd_safety,
    },
    {
        .name = "compare",
        .summary = "how much the method matters: each outcome pooled under every\n"
                   "defensible model, side by side; table, JSON or CSV",
        .help = COMPARE_HELP,
        .help_end = COMPARE_HELP_END,
        .options =
            MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_PLOT | MSC_OPTS_FOREST,
        .check = msc_cli_compare_check,
        .run = msc_cmd_compare,
    },
    {
        .name = "simulate",
        .summary = "which interval keeps its promise: every model of compare on data\n"
                   "sets simulated with each outcome's design; coverage, bias, RMSE",
        .help = SIMULATE_HELP,
        .help_end = SIMULATE_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_SIM,
        .defaults = msc_cli_simulate_defaults,
        .check = msc_cli_simulate_check,
        .run = msc_cmd_simulate,
    },
    {
        .name = "report",
        .summary = "the whole analysis as one self-contained HTML file (or Markdown):\n"
                   "tables, plots, sensitivity analyses, Methods, Reproducibility",
        .help = REPORT_HELP,
        .help_end = REPORT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_PLOT |
                   MSC_OPTS_MODS | MSC_OPTS_TF_EST,
        .page = 1,
        .defaults = report_defaults,
        .run = msc_cmd_report,
    },
    {
        .name = "regress",
        .summary = "meta-regression on moderators (numeric or factor), every tau^2\n"
                   "estimator; table, JSON or CSV",
        .help = REGRESS_HELP,
        .help_end = REGRESS_HELP_END,
        .options =
            MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_MODS | MSC_OPTS_REGRESS |
            MSC_OPTS_BY,
        .defaults = regress_defaults,
        .check = regress_check,
        .reml_default = 1,
        .run = msc_cmd_regress,
    },
    {
        .name = "forest",
        .summary = "forest plots (PNG, SVG, PDF) through gnuplot",
        .help = FOREST_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT | MSC_OPTS_SENS_ROWS,
        .draws = 1,
        .check = forest_check,
        .run = msc_cmd_forest,
    },
    {
        .name = "funnel",
        .summary = "funnel plots",
        .help = FUNNEL_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT | MSC_OPTS_TF_PLOT |
                   MSC_OPTS_TF_EST,
        .draws = 1,
        .run = msc_cmd_funnel,
    },
    {
        .name = "baujat",
        .summary = "Baujat plots: each study's contribution to heterogeneity against\n"
                   "its influence on the pooled estimate",
        .help = BAUJAT_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT,
        .draws = 1,
        .run = msc_cmd_baujat,
    },
    {
        .name = "bubble",
        .summary = "bubble plots of a meta-regression on one moderator",
        .help = BUBBLE_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT | MSC_OPTS_MODS,
        .draws = 1,
        .check = bubble_check,
        .reml_default = 1,
        .run = msc_cmd_bubble,
    },
};

const size_t msc_cli_n_commands = sizeof msc_cli_commands / sizeof msc_cli_commands[0];

const msc_cli_command *msc_cli_command_find(const char *name)
{
    for (size_t i = 0; i < msc_cli_n_commands; i++)
        if (strcmp(msc_cli_commands[i].name, name) == 0)
            return &msc_cli_commands[i];
    return NULL;
}

void msc_cli_command_names(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < msc_cli_n_commands && o < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == msc_cli_n_commands ? " and " : ", ";
        int n = snprintf(buf + o, len - o, "%s%s", sep, msc_cli_commands[i].name);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}
