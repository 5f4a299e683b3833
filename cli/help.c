/*
 * The help texts: mscmeta --help, which lists the command table, and each
 * command's --help, made of its table entry's own texts around the option
 * sections it takes. Everything goes to standard output, except the usage
 * that a bare `mscmeta` prints to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char HELP_INPUT[] =
    "Input: a CSV file with a header row and one row per study (\"-\" reads standard input).\n"
    "  Columns are found by name, ignoring case and surrounding spaces (an exact match\n"
    "  wins). Counts are whole numbers; an empty cell, NA, N/A, n/a, NR, ., #N/A, - or\n"
    "  an en dash is missing: that study is left out of that outcome only, and listed\n"
    "  as excluded.\n"
    "  --study COL        study label column (default: study, else author or study_id)\n"
    "  --n COL            number of patients (default: n, else total or sample_size); a\n"
    "                     column n_<events column>, when present, is that outcome's own\n"
    "                     denominator\n"
    "  --events COL       an events column; repeat it to pool several outcomes. Default:\n"
    "                     %s\n"
    "  --subgroup COL     pool each level of COL separately (own tau^2) and test the\n"
    "                     subgroup differences\n"
    "  --delimiter C      field separator (default: ',', or ';' or tab when the header\n"
    "                     has no comma)\n"
    "  --thousands C      the thousands separator of counts (. , ' or space): 1.000 is\n"
    "                     1000; without it 1.000 in a ';' or tab file is refused\n"
    "  --na LIST          the cells that mean missing, comma-separated, instead of the\n"
    "                     list above (an empty cell is always missing)\n"
    "  --encoding E       the file's text: utf-8, cp1252 (Windows-1252) or latin1\n"
    "                     (ISO-8859-1). Default auto: UTF-8, or cp1252 when the file\n"
    "                     is not UTF-8 but reads as cp1252 (with a warning)\n";

static const char HELP_MODEL[] =
    "Model:\n"
    "  --measure M        PLO logit (default), PFT Freeman-Tukey double arcsine,\n"
    "                     PAS arcsine, PLN log, PR raw proportion\n"
    "  --method M         GLMM: the binomial-normal model fitted to the counts (logit\n"
    "                     scale), the default with --measure PLO, as meta's metaprop:\n"
    "                     right with zero events, no continuity correction;\n"
    "                     REML (the default with other measures or --test knha), ML,\n"
    "                     DL, HE, HS, SJ, EB, PM: inverse-variance random effects with\n"
    "                     that tau^2 estimator (--method REML: metafor's default);\n"
    "                     FE: common effect only; BB: the beta-binomial model with a\n"
    "                     common rho (logit scale)\n"
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
    "  --nagq N           GLMM quadrature points (default 7, as lme4 and metafor)\n"
    "  --null P           test H0: proportion = P for each pooled estimate, on the model\n"
    "                     scale (the table shows no test without it; JSON always has the\n"
    "                     test of 0 on the model scale, metafor's, as statistic and p)\n"
    "  --threads N        threads to use (default: the online CPUs); the output is the\n"
    "                     same for any number\n";

static const char HELP_OUTPUT[] =
    "Output:\n"
    "  --format F         table (default), json or csv; jsonl with --by\n"
    "  -o, --output FILE  write to FILE (atomically: nothing is left on error) instead\n"
    "                     of standard output; FILE ending in .json, .csv, .txt or .md\n"
    "                     (table) sets the format\n"
    "  --summary-only     leave out the per-study rows\n";

/* A page's (report): its formats are its own. */
static const char HELP_PAGE[] =
    "Output:\n"
    "  --format F         html (default) or md: Markdown, the plots as SVG files\n"
    "                     beside it (needs -o)\n"
    "  -o, --output FILE  write to FILE (atomically: nothing is left on error) instead\n"
    "                     of standard output; FILE ending in .html or .md sets the\n"
    "                     format\n"
    "  --summary-only     leave out the per-study rows\n";

static const char HELP_PLOT[] =
    "Plot:\n"
    "  -o, --output FILE  the picture: .png, .svg or .pdf (default plots/%s.png);\n"
    "                     several outcomes give FILE-<outcome>.png and so on\n"
    "  --title TEXT       a title above the plot\n"
    "  --width W --height H  size in pixels (png) or points (svg, pdf); default grows\n"
    "                     with the number of studies\n"
    "  --scale 100        show events per 100 (or 1000) patients instead of proportions\n"
    "  --ref P            a vertical reference line at proportion P\n"
    "  --xlim LO,HI       the x axis from LO to HI, in its units (per --scale patients)\n"
    "  --log              a log x axis (rare events); a funnel keeps its model scale\n"
    "                     and labels it with proportions at 1, 2, 5 per decade\n"
    "  --sort KEY         forest study order: estimate, n, or a column of FILE\n"
    "                     (default: as in FILE)\n"
    "  --dpi N            resolution of a png, recorded in it (default 300)\n";

static const char HELP_BY[] =
    "Many meta-analyses:\n"
    "  --by COL           a separate meta-analysis for each value of COL (rows in any\n"
    "                     order; no overall pool, no test between them): one line per\n"
    "                     value and outcome in the table, a row in CSV, a JSON object\n"
    "                     per line with --format jsonl (\"by\": the value, then the\n"
    "                     outcome's members as in the JSON of one analysis). A group\n"
    "                     that cannot be pooled (or fitted) says so in its own record.\n"
    "                     regress: each group's moderators, levels and reference come\n"
    "                     from its own rows; CSV columns coefK_* per coefficient.\n";

static const char HELP_EXIT[] =
    "Exit status: 0 success; 1 bad or unreadable input (the message names file and line);\n"
    "  2 usage error; 3 a rate not shown to be below its limit (safety only); 4 output\n"
    "  could not be written, or gnuplot is missing or failed; 5 an outcome with a limit\n"
    "  has no usable study (safety only).\n";

/* Writes a command's summary: its name and first line, then each further
 * line indented under the first. */
static void summary(FILE *fp, const msc_cli_command *cmd)
{
    const char *s = cmd->summary;
    fprintf(fp, "  %-8s ", cmd->name);
    for (;;) {
        size_t len = strcspn(s, "\n");
        fprintf(fp, "%.*s\n", (int)len, s);
        if (!s[len])
            return;
        s += len + 1;
        fprintf(fp, "%11s", "");
    }
}

void msc_cli_help_top(FILE *fp)
{
    fputs("Usage: mscmeta COMMAND FILE.csv [options]\n\n"
          "Meta-analysis of single-arm proportions (responders, adverse events out of n\n"
          "treated), with the numbers of R's metafor.\n\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < msc_cli_n_commands; i++)
        summary(fp, &msc_cli_commands[i]);
    fputs("\nStart with:\n"
          "  mscmeta pool data/msc_autoimmune.csv\n"
          "  mscmeta pool --help        every option, explained\n\n"
          "  --version   print the version\n"
          "  --help      this text\n",
          fp);
}

/* "a, b, c (those present)": the outcomes cmd pools when no --events is
 * given, from its defaults. */
static void default_events_text(const msc_cli_command *cmd, char *buf, size_t len)
{
    static msc_cli c; /* large (option lists); keep it off the stack */
    msc_cli_defaults(cmd, &c);
    buf[0] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < c.load.n_default_events; i++) {
        int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", c.load.default_events[i]);
        if (n < 0 || (size_t)n >= len - o)
            break;
        o += (size_t)n;
    }
    snprintf(buf + o, len - o, " (those present)");
}

void msc_cli_help(const msc_cli_command *cmd)
{
    char ev[256];
    default_events_text(cmd, ev, sizeof ev);
    fputs(cmd->help, stdout);
    if (cmd->draws) {
        printf(HELP_PLOT, cmd->name);
        putchar('\n');
    }
    printf(HELP_INPUT, ev);
    printf("\n%s", HELP_MODEL);
    if (cmd->options & MSC_OPTS_REPORT)
        printf("\n%s", cmd->page ? HELP_PAGE : HELP_OUTPUT);
    if (cmd->options & MSC_OPTS_BY)
        printf("\n%s", HELP_BY);
    fputs(cmd->help_end, stdout);
    fputs(HELP_EXIT, stdout);
}
