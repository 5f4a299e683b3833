/*
 * mscmeta: the command line. Parses the subcommand, hands over to it, and
 * makes sure that a failed write to standard output is an error (exit 4),
 * never a silent truncation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


#include "cli.h"

static void usage_top(FILE *fp)
{
    fprintf(fp,
            "Usage: mscmeta COMMAND FILE.csv [options]\n\n"
            "Meta-analysis of single-arm proportions (responders, adverse events out of n\n"
            "treated), with the numbers of R's metafor.\n\n"
            "Commands:\n"
            "  pool     pooled proportions with confidence and prediction intervals,\n"
            "           heterogeneity, subgroups; table, JSON or CSV\n"
            "  safety   pooled adverse-event rates checked against a limit (exit 3 if exceeded)\n"
            "  forest   forest plots (PNG, SVG, PDF) through gnuplot\n"
            "  funnel   funnel plots\n\n"
            "Start with:\n"
            "  mscmeta pool data/msc_autoimmune.csv\n"
            "  mscmeta pool --help        every option, explained\n\n"
            "  --version   print the version\n"
            "  --help      this text\n");
}

/* A standard descriptor closed at startup (mscmeta ... >&-) would be taken
 * by the next file opened, the input or the temporary output file, which
 * would then receive what goes to stdout or stderr. Each one closed is
 * reopened on /dev/null the way round that keeps it unusable: standard
 * input write-only, standard output and error read-only. Reading or
 * writing it still fails with EBADF as if it were closed, so the messages
 * and exit codes stay those of a closed descriptor. */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (got >= 0 && got != fd) /* not the lowest free descriptor: cannot happen */
            close(got);
    }
}

/* Runs the command; returns its exit code. */
static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage_top(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage_top(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("mscmeta %s\n", MSC_VERSION);
        return EXIT_OK;
    }
    msc_command which;
    if (strcmp(cmd, "pool") == 0)
        which = CMD_POOL;
    else if (strcmp(cmd, "safety") == 0)
        which = CMD_SAFETY;
    else if (strcmp(cmd, "forest") == 0)
        which = CMD_FOREST;
    else if (strcmp(cmd, "funnel") == 0)
        which = CMD_FUNNEL;
    else {
        msc_cli_error("unknown command \"%.60s\"; the commands are pool, safety, forest and "
                      "funnel (see mscmeta --help)",
                      cmd);
        return EXIT_USAGE;
    }
    static msc_cli c; /* large (option lists); keep it off the stack */
    int rc = msc_cli_parse(which, argc - 1, argv + 1, &c);
    if (rc >= 0)
        return rc; /* --help printed (0), or a usage error (2) */
    switch (which) {
    case CMD_POOL:
        return msc_cmd_pool(&c);
    case CMD_SAFETY:
        return msc_cmd_safety(&c);
    default:
        return msc_cmd_plot(&c);
    }
}

int main(int argc, char **argv)
{
    reserve_std_fds();
    msc_init(); /* GSL must return errors, never abort() */
    msc_cli_install_signals();
    int rc = run(argc, argv);
    /* Closing stdout flushes it: a full disk, closed pipe or closed stdout
     * shows up here (--help and --version too). */
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int err = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad && rc == EXIT_OK) {
        fprintf(stderr, "mscmeta: writing to standard output failed: %s\n", strerror(err));
        rc = EXIT_OUTPUT;
    }
    return rc;
}
