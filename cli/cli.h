/*
 * The command line (cli/): it parses options, calls the library through
 * the public headers (include/mscmeta/) alone, prints, and maps library
 * statuses to exit codes. Only this part prints or exits; the library
 * never does.
 *
 * The files, each of which calls only the ones listed below it (no cycle):
 *   main.c       glue: the standard descriptors, start-up, the command
 *                looked up in the command table, the check that standard
 *                output was written
 *   help.c       mscmeta --help (the table's summaries) and each
 *                command's --help (its entry's texts and its defaults)
 *   commands.c   the command table: name, summary, help, defaults,
 *                option groups, checks and run function of each command
 *   cmd_pool.c   `pool`: load, analyse, report (--forest: cmd_plot.c)
 *   cmd_safety.c `safety`: pooled rates against limits, exit 3 above one
 *   cmd_by.c     pool --by, safety --by: a meta-analysis per group of rows
 *   cmd_plot.c   `forest`, `funnel`, `baujat`, pool --forest: one picture
 *                per outcome; `bubble`, a meta-regression's bubble plots
 *   cmd_regress.c `regress`: meta-regression on moderators
 *   cmd_compare.c `compare`: every defensible model side by side
 *   cmd_simulate.c `simulate`: every model of compare on simulated data
 *                sets of the outcome's own design
 *   cmd_report.c `report`: the whole analysis as one HTML (or Markdown) file
 *   options.c    the option table and the parser that reads a command's
 *                argv through it into an msc_cli; it knows the command
 *                only through the table entry it is given
 *   files.c      the data file in, reports out atomically (temporary file,
 *                then rename)
 *   tmpfiles.c   temporary files removed on SIGINT, SIGTERM and SIGHUP
 *   messages.c   one-line errors on stderr, usage errors, exit codes
 *
 * Adding a command: an entry in msc_cli_commands (commands.c) and its run
 * function, msc_cmd_<name> in cmd_<name>.c (declared below). New options
 * go in the option table (options.c), in a group (MSC_OPTS_*) that the
 * commands taking them name.
 */
#ifndef MSC_CLI_H
#define MSC_CLI_H

#include <stdio.h>

#include "mscmeta/mscmeta.h"
#include "mscmeta/plot.h"

/* Exit codes (documented in README and --help). */
enum {
    EXIT_OK = 0,
    EXIT_INPUT = 1,  /* the data file is malformed, unreadable or unusable */
    EXIT_USAGE = 2,  /* unknown option, bad option value */
    EXIT_SAFETY = 3, /* `safety`: a rate not shown to be below its limit (inconclusive, above) */
    EXIT_OUTPUT = 4, /* writing output failed, gnuplot missing or failed, out of memory */
    EXIT_NO_DATA = 5 /* `safety`: an outcome with a limit has no usable study */
};

/* What the parser and its parts return when there is no exit code yet. */
enum {
    MSC_CLI_GO_ON = -1, /* parsed: run the command */
    MSC_CLI_HELP = -2   /* --help: print the command's help and exit 0 */
};

/* Option groups. Each option belongs to one (options.c) and a command
 * takes the groups its table entry names; --help and -o belong to none,
 * and every command takes them. */
enum {
    MSC_OPTS_INPUT = 1u << 0,  /* --study, --n, --events, --subgroup, --delimiter */
    MSC_OPTS_MODEL = 1u << 1,  /* --measure, --method, --test, --pi, --level, --cc, ... */
    MSC_OPTS_REPORT = 1u << 2, /* --format, --summary-only: a table, JSON or CSV report */
    MSC_OPTS_PLOT = 1u << 3,   /* --title, --width, --height, --scale, --ref, --xlim, --log,
                                  --sort, --dpi */
    MSC_OPTS_FOREST = 1u << 4, /* --forest: draw forest plots besides the report */
    MSC_OPTS_SAFETY = 1u << 5, /* --max-rate */
    /* sensitivity analyses (issue 11) */
    MSC_OPTS_SENS_ROWS = 1u << 10, /* --leave-one-out, --cumulative [COL]: pool and forest */
    MSC_OPTS_SENS = 1u << 11,      /* --influence, --bias-tests */
    MSC_OPTS_TF_EST = 1u << 12,    /* --trim-fill-estimator */
    MSC_OPTS_TF_PLOT = 1u << 13,   /* --trim-fill (funnel) */
    MSC_OPTS_MODS = 1u << 6,   /* --mod, --factor, --ref COL=LEVEL: moderators */
    MSC_OPTS_REGRESS = 1u << 7, /* --at, --btt, --permutations, --seed */
    MSC_OPTS_BY = 1u << 14,     /* --by: a meta-analysis per value of a column */
    MSC_OPTS_SIM = 1u << 15     /* --reps, --mu, --tau2 (simulate; --seed too) */
};

#define MAX_LIST 256

typedef struct {
    const char *col; /* NULL: every outcome */
    double rate;
} msc_threshold;

typedef struct msc_cli_command msc_cli_command;

/* A command line, parsed: the command and every option's value. */
typedef struct {
    const msc_cli_command *cmd;
    /* the command's words as given (argv[0] its name; main.c sets them, as
     * getopt reorders argv), for `report`'s record; NULL: not known */
    int argc;
    char **argv;
    const char *input;  /* path, or "-" for standard input */
    const char *output; /* -o, or NULL for standard output */
    msc_format format;
    int format_given; /* --format was given (else -o's extension may choose) */
    int summary_only;
    msc_settings settings;
    int method_given; /* --method was on the command line */
    msc_load_options load;
    const char *events[MAX_LIST];
    size_t n_events;
    /* plots */
    const char *forest; /* pool --forest PATH */
    const char *sim_plot; /* simulate --plot PATH */
    /* title, size, scale and reference line, from the library's defaults;
     * the format comes from each picture's path when it is drawn */
    msc_plot_options plot;
    /* safety */
    msc_threshold thresholds[MAX_LIST];
    size_t n_thresholds;
    /* sensitivity analyses; trim_fill: funnel --trim-fill */
    msc_sens_options sens;
    int trim_fill;
    /* the word after a bare --cumulative: its column when another word is
     * the input file (getopt takes an optional value only as --cumulative=COL) */
    const char *cumulative_next;
    const char *optional_next; /* the word after an option whose value is optional */
    /* regress, bubble: moderators and the regression's options (the lists
     * point into argv) */
    const char *mods[MAX_LIST], *factors[MAX_LIST], *refs[MAX_LIST], *at[MAX_LIST],
        *btt[MAX_LIST];
    msc_regress_options regress;
    /* --by COL: one meta-analysis per value of COL (cmd_by.c) */
    const char *by;
    /* the columns the loader keeps (load.keep_cols) and the option naming
     * each: --cumulative, --sort, every --mod, --by (options.c) */
    const char *keep[MAX_LIST + 3], *keep_why[MAX_LIST + 3];
    /* simulate: replicates, seed (--seed sets it and regress.seed), truth */
    msc_simulate_options sim;
} msc_cli;

/* A command: one entry of the command table. */
struct msc_cli_command {
    const char *name;    /* mscmeta NAME FILE.csv [options]; up to 8 characters */
    const char *summary; /* its lines in mscmeta --help; a "\n" starts another */
    /* NAME --help: `help` (usage, what it does, examples); the Plot options
     * when it draws; the Input and Model options; the Output options when
     * it takes MSC_OPTS_REPORT; `help_end`; the exit statuses. */
    const char *help;
    const char *help_end;
    unsigned options; /* the option groups it takes (MSC_OPTS_*) */
    int draws;        /* -o is a picture, whose extension gives the format */
    int page;         /* writes a page: --format html (default) or md, not a report's */
    /* 1: without --method the model is REML for every measure (the GLMM
     * takes no moderators yet), not msc_method_default's GLMM for PLO. */
    int reml_default;
    /* Its own defaults over the library's (settings, load options), or NULL. */
    void (*defaults)(msc_cli *c);
    /* Checks the parsed options (after the model's, before the output
     * files'). Returns MSC_CLI_GO_ON, or the exit code of a usage error it
     * printed. NULL: nothing to check. */
    int (*check)(const msc_cli *c);
    int (*run)(msc_cli *c); /* runs the command; returns its exit code */
};

/* ------------------------------------------------------------- commands.c */

/* The commands, in the order mscmeta --help lists them. */
extern const msc_cli_command msc_cli_commands[];
extern const size_t msc_cli_n_commands;

/* The command called `name`, or NULL when there is none. */
const msc_cli_command *msc_cli_command_find(const char *name);

/* Writes "pool, safety, forest and funnel" (every command's name) to buf. */
void msc_cli_command_names(char *buf, size_t len);

/* ----------------------------------------------------------------- help.c */

/* Writes mscmeta's own usage (every command's summary) to fp. */
void msc_cli_help_top(FILE *fp);

/* Writes cmd's --help text to standard output. */
void msc_cli_help(const msc_cli_command *cmd);

/* -------------------------------------------------------------- options.c */

/* Sets c to cmd's defaults: no options, the library's settings and load
 * options, then the command's own (cmd->defaults). */
void msc_cli_defaults(const msc_cli_command *cmd, msc_cli *c);

/* Parses argv for cmd (argv[0] is the command's name) into c, which it
 * first sets to cmd's defaults. Returns MSC_CLI_GO_ON when the command
 * should run, MSC_CLI_HELP when --help came before any error, or the exit
 * code of a usage error it printed (EXIT_USAGE). */
int msc_cli_parse(const msc_cli_command *cmd, int argc, char **argv, msc_cli *c);

/* ---------------------------------------------------------------- files.c */

/* Loads the input named by c->input with c's load options. On failure
 * prints the one-line error, returns its exit code and leaves *d NULL. */
int msc_cli_load(const msc_cli *c, msc_dataset **d);

/* Loads the input named by c->input and runs the analysis with c's
 * settings (flags: MSC_RUN_*). On failure prints the one-line error,
 * returns its exit code and leaves *d and *a NULL; else returns 0 and the
 * caller ends with msc_cli_done(d, a). */
int msc_cli_analyse(const msc_cli *c, unsigned flags, msc_dataset **d, msc_analysis **a);

/* The end of a command's data set and analysis. The process exits next and
 * the system takes all its memory back at once, where freeing a million
 * studies object by object takes tens of milliseconds (issue 17): so they
 * are kept, reachable from a static (valgrind counts them as in use, not as
 * a leak). AddressSanitizer builds free them, so that the free paths stay
 * checked on every command-line test. */
void msc_cli_done(msc_dataset *d, msc_analysis *a);

/* Output: a FILE* to write the report to. With a path, a temporary file in
 * the target's folder that msc_out_commit renames into place (atomic) and
 * msc_out_abort removes; SIGINT/SIGTERM remove it too. Paths of any length
 * (allocated; msc_out_commit and msc_out_abort free them). */
typedef struct {
    FILE *fp;
    const char *path; /* NULL for stdout (no path, or "-") */
    char *tmp;        /* the temporary file; a direct output's path */
    /* path is a device, FIFO or socket, or a standard stream (/dev/stdout,
     * /dev/fd/N, the file behind stdout or stderr): written in place */
    int direct;
    char *dest; /* what the rename replaces: path with symbolic links resolved */
} msc_out;

/* Opens path (NULL or "-": standard output). Returns an exit code after
 * printing the error: 2 for a link that protected_symlinks would refuse
 * (in a shared sticky folder, owned by another user), 4 for the rest. */
int msc_out_open(msc_out *o, const char *path);
int msc_out_commit(msc_out *o); /* returns an exit code; prints the error */
void msc_out_abort(msc_out *o);

/* Writes what emit(fp, ctx) writes to `output` (NULL: standard output)
 * through msc_out: on failure nothing is left behind and the one-line error
 * is printed. Returns an exit code. */
typedef msc_status (*msc_cli_emit_fn)(FILE *fp, const void *ctx);
int msc_cli_emit(const char *output, msc_cli_emit_fn emit, const void *ctx);

/* msc_cli_emit of an analysis's report written by `report`. */
int msc_cli_write(const char *output, msc_report_fn report, const msc_analysis *a,
                  const msc_report_options *opt);

/* Whether two paths name one file: the same name, the same device and
 * inode where both exist, else the same name once the folders are
 * resolved ("./p.png", "sub/../p.png"). "-" is the file behind standard
 * input (a regular file only). Used to refuse an output that is the input,
 * and two outputs with one path. */
int msc_cli_same_file(const char *input, const char *output);

/* ------------------------------------------------------------- messages.c */

/* Prints "mscmeta: " + message to stderr (one line). */
void msc_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints a usage error of command `cmd` to stderr, one line:
 * "mscmeta: CMD: message (see mscmeta CMD --help)". Returns EXIT_USAGE. */
int msc_cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The exit code for a library status (msc_status). */
int msc_cli_exit_code(int status);

/* A one-line progress indicator on stderr, only when stderr is a terminal:
 * "what done/total" (total 0: "what" alone), each call overwriting the
 * last; what NULL clears the line. */
void msc_cli_progress(const char *what, size_t done, size_t total);

/* ------------------------------------------------------------- tmpfiles.c */

/* Temporary files to remove if SIGINT, SIGTERM or SIGHUP arrives: the
 * handler msc_cli_install_signals sets up unlinks every tracked path, then
 * ends the process by the same signal. Any number of paths can be tracked;
 * call these from one thread. msc_cli_track_tmp returns 0, or -1 when
 * memory ran out (the path is then not tracked). */
int msc_cli_track_tmp(const char *path);
void msc_cli_untrack_tmp(const char *path);
void msc_cli_install_signals(void);

/* ------------------------------------------------------ the run functions */

/* Each runs its command on the parsed c and returns the exit code. */
int msc_cmd_pool(msc_cli *c);
int msc_cmd_safety(msc_cli *c);
int msc_cmd_forest(msc_cli *c);
int msc_cmd_funnel(msc_cli *c);
int msc_cmd_baujat(msc_cli *c);

/* Whether c asks for a sensitivity analysis (pool, forest). */
int msc_cli_wants_sens(const msc_cli *c);
int msc_cmd_regress(msc_cli *c);
int msc_cmd_bubble(msc_cli *c);
/* `report` (cmd_report.c): the whole analysis as one HTML or Markdown file. */
int msc_cmd_report(msc_cli *c);

/* `compare` (cmd_compare.c) and its check of the parsed options. */
int msc_cmd_compare(msc_cli *c);
int msc_cli_compare_check(const msc_cli *c);

/* `simulate` (cmd_simulate.c), its defaults and its check. */
int msc_cmd_simulate(msc_cli *c);
void msc_cli_simulate_defaults(msc_cli *c);
int msc_cli_simulate_check(const msc_cli *c);

/* Loads c's input and fits its meta-regression (c->regress). On failure
 * prints the one-line error and returns its exit code, *d and *r NULL;
 * else returns 0 and the caller frees both (cmd_regress.c). */
int msc_cli_regress(const msc_cli *c, msc_dataset **d, msc_regression **r);

/* The limit of each of d's outcomes from c's --max-rate options (NAN:
 * none) into *t[0 .. d->n_outcomes), allocated (the caller frees it, also
 * after an error); a COL that is not an outcome is a usage error, out of
 * memory an output error, both printed (cmd_by.c, which safety with and
 * without --by uses). Returns an exit code. */
int msc_cli_thresholds(const msc_cli *c, const msc_dataset *d, double **t);

/* pool --by, safety --by: a meta-analysis per value of c->by (cmd_by.c).
 * Returns the exit code; safety's is 3 when any group with a limit is not
 * shown below it. */
int msc_cli_by(msc_cli *c);

/* Draws the forest plots of an analysis to c->forest (pool --forest). */
int msc_cli_forest(const msc_cli *c, const msc_analysis *a);
/* Draws the comparison's forest plots to c->forest (compare --forest). */
struct msc_compare;
int msc_cli_compare_forest(const msc_cli *c, const struct msc_compare *cmp);
/* Draws the simulation's coverage plots to c->sim_plot (simulate --plot). */
struct msc_simulation;
int msc_cli_simulate_plot(const msc_cli *c, const struct msc_simulation *sim);

#endif
