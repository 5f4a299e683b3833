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

/* ---------------------------------------------------------------- safety */

static const char SAFETY_HELP[] =
    "Usage: mscmeta safety FILE.csv --max-rate R [options]\n\n"
    "Checks pooled adverse-event rates against a limit. For each adverse-event\n"
    "outcome it reports the pooled rate (binomial-normal GLMM by default) with its\n"
    "interval and one-sided upper bound, each study's rate with its exact interval,\n"
    "the exact upper bound and rule of three for studies with 0 events, and a\n"
    "verdict: \"exceeded\" when the pooled upper bound is above the limit.\n\n"
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

/* Safety pools adverse events with the GLMM, which suits rare events. */
static void safety_defaults(msc_cli *c)
{
    c->settings.method = MSC_METHOD_GLMM;
    safety_default_events(&c->load);
}

/* A safety check needs a limit to check against. */
static int safety_check(const msc_cli *c)
{
    if (c->n_thresholds == 0)
        return msc_cli_usage(c->cmd->name,
                             "--max-rate is required: the limit to check, such as 0.05");
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
    "subgroup differences.\n\n";

static const char FUNNEL_HELP[] =
    "Usage: mscmeta funnel FILE.csv [options] -o plots/funnel.png\n\n"
    "Draws a funnel plot per outcome: each study's effect on the model scale\n"
    "against its standard error (inverted axis), the pooled line and the 95%\n"
    "pseudo-confidence region.\n\n";

static const char PLOT_HELP_END[] = "\nNeeds gnuplot (Debian: apt-get install gnuplot-nox).\n\n";

/* ----------------------------------------------------------------- table */

const msc_cli_command msc_cli_commands[] = {
    {
        .name = "pool",
        .summary = "pooled proportions with confidence and prediction intervals,\n"
                   "heterogeneity, subgroups; table, JSON or CSV",
        .help = POOL_HELP,
        .help_end = "  --forest PATH      also draw forest plots (see mscmeta forest --help)\n\n",
        .options =
            MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_PLOT | MSC_OPTS_FOREST |
            MSC_OPTS_BY,
        .run = msc_cmd_pool,
    },
    {
        .name = "safety",
        .summary = "pooled adverse-event rates checked against a limit (exit 3 if exceeded)",
        .help = SAFETY_HELP,
        .help_end = "\nExit status 3 when any limit is exceeded, so pipelines can gate on it.\n\n",
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_REPORT | MSC_OPTS_SAFETY | MSC_OPTS_BY,
        .defaults = safety_defaults,
        .check = safety_check,
        .run = msc_cmd_safety,
    },
    {
        .name = "forest",
        .summary = "forest plots (PNG, SVG, PDF) through gnuplot",
        .help = FOREST_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT,
        .draws = 1,
        .run = msc_cmd_forest,
    },
    {
        .name = "funnel",
        .summary = "funnel plots",
        .help = FUNNEL_HELP,
        .help_end = PLOT_HELP_END,
        .options = MSC_OPTS_INPUT | MSC_OPTS_MODEL | MSC_OPTS_PLOT,
        .draws = 1,
        .run = msc_cmd_funnel,
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
