/*
 * The command line (cli/): it parses options, calls the library through
 * the public headers (include/mscmeta/) alone, prints, and maps library
 * statuses to exit codes. Only this part prints or exits; the library
 * never does.
 *
 * The files, each of which calls only the ones listed below it (no cycle):
 *   main.c       glue: the standard descriptors, start-up, the subcommand,
 *                the check that standard output was written
 *   cmd_pool.c   `pool`: load, analyse, report (--forest: cmd_plot.c)
 *   cmd_safety.c `safety`: pooled rates against limits, exit 3 above one
 *   cmd_plot.c   `forest`, `funnel`, pool --forest: one picture per outcome
 *   options.c    option parsing and the --help texts
 *   files.c      the data file in, reports out atomically (temporary file,
 *                then rename)
 *   tmpfiles.c   temporary files removed on SIGINT, SIGTERM and SIGHUP
 *   messages.c   one-line errors on stderr, usage errors, exit codes
 */
#ifndef MSC_CLI_H
#define MSC_CLI_H

#include <stdio.h>

#include "mscmeta/mscmeta.h"

/* Exit codes (documented in README and --help). */
enum {
    EXIT_OK = 0,
    EXIT_INPUT = 1,    /* the data file is malformed, unreadable or unusable */
    EXIT_USAGE = 2,    /* unknown option, bad option value */
    EXIT_SAFETY = 3,   /* `safety`: a threshold was exceeded */
    EXIT_OUTPUT = 4    /* writing output failed, gnuplot missing or failed, out of memory */
};

typedef enum { CMD_POOL, CMD_SAFETY, CMD_FOREST, CMD_FUNNEL } msc_command;

#define MAX_LIST 256

typedef struct {
    const char *col; /* NULL: every outcome */
    double rate;
} msc_threshold;

typedef struct {
    msc_command cmd;
    const char *input;  /* path, or "-" for standard input */
    const char *output; /* -o, or NULL for standard output */
    msc_format format;
    int summary_only;
    msc_settings settings;
    msc_load_options load;
    const char *events[MAX_LIST];
    size_t n_events;
    /* plots */
    const char *forest; /* pool --forest PATH */
    const char *title;
    double width, height; /* pixels (png) or points (pdf, svg); 0 = automatic */
    double scale;         /* 1, or 100 for "per 100 patients" */
    double ref;           /* reference line (proportion), NAN for none */
    /* safety */
    msc_threshold thresholds[MAX_LIST];
    size_t n_thresholds;
} msc_cli;

/* Parses argv for `cmd` (argv[0] is the subcommand's name). Returns -1 when
 * the run should go on, or an exit code (help printed: 0; usage error: 2). */
int msc_cli_parse(msc_command cmd, int argc, char **argv, msc_cli *c);


/* Loads the input named by c->input and runs the analysis with c's
 * settings (flags: MSC_RUN_*). On failure prints the one-line error,
 * returns its exit code and leaves *d and *a NULL; else returns 0 and the
 * caller frees both. */
int msc_cli_analyse(const msc_cli *c, unsigned flags, msc_dataset **d, msc_analysis **a);

/* Output: a FILE* to write the report to. With a path, a temporary file in
 * the target's folder that msc_out_commit renames into place (atomic) and
 * msc_out_abort removes; SIGINT/SIGTERM remove it too. */
typedef struct {
    FILE *fp;
    const char *path; /* NULL for stdout */
    char tmp[4096];
    int direct; /* path is a device, FIFO or socket: written in place, tmp = path */
    char dest[4096]; /* what the rename replaces: path with symbolic links resolved */
} msc_out;

int msc_out_open(msc_out *o, const char *path);
int msc_out_commit(msc_out *o); /* returns an exit code; prints the error */
void msc_out_abort(msc_out *o);


/* Writes a report with `report` to `output` (NULL: standard output) through
 * msc_out: on failure nothing is left behind and the one-line error is
 * printed. Returns an exit code. */
int msc_cli_write(const char *output, msc_report_fn report, const msc_analysis *a,
                  const msc_report_options *opt);


/* Refuses an output path that is the input file (same device and inode, or
 * same name). Returns 1 when they clash. */
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

/* ------------------------------------------------------------- tmpfiles.c */

/* Temporary files to remove if SIGINT, SIGTERM or SIGHUP arrives: the
 * handler msc_cli_install_signals sets up unlinks every tracked path, then
 * ends the process by the same signal. */
void msc_cli_track_tmp(const char *path);
void msc_cli_untrack_tmp(const char *path);
void msc_cli_install_signals(void);

/* ---------------------------------------------------------------- commands */
int msc_cmd_pool(msc_cli *c);
int msc_cmd_safety(msc_cli *c);
int msc_cmd_plot(msc_cli *c);
/* Draws the forest plots of an analysis to c->forest (pool --forest). */
int msc_cli_forest(const msc_cli *c, const msc_analysis *a);

#endif
