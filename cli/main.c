/*
 * mscmeta: the command line. Finds the command in the command table,
 * parses its options and runs it, and makes sure that a failed write to
 * standard output is an error (exit 4), never a silent truncation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

/* Runs the command argv[1] names, through the command table; returns its
 * exit code. */
static int run(int argc, char **argv)
{
    if (argc < 2) {
        msc_cli_help_top(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        msc_cli_help_top(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("mscmeta %s\n", MSC_VERSION);
        return EXIT_OK;
    }
    const msc_cli_command *cmd = msc_cli_command_find(name);
    if (!cmd) {
        char names[256];
        msc_cli_command_names(names, sizeof names);
        msc_cli_error("unknown command \"%.60s\"; the commands are %s (see mscmeta --help)", name,
                      names);
        return EXIT_USAGE;
    }
    static msc_cli c; /* large (option lists); keep it off the stack */
    /* the words as given, for report's record: getopt reorders argv */
    char **words = malloc((size_t)argc * sizeof *words);
    if (!words) {
        msc_cli_error("out of memory");
        return EXIT_OUTPUT;
    }
    memcpy(words, argv + 1, (size_t)(argc - 1) * sizeof *words);
    int rc = msc_cli_parse(cmd, argc - 1, argv + 1, &c);
    c.argc = argc - 1;
    c.argv = words;
    if (rc == MSC_CLI_HELP) {
        msc_cli_help(cmd);
        rc = EXIT_OK;
    } else if (rc == MSC_CLI_GO_ON) {
        rc = cmd->run(&c);
    } /* else a usage error, printed */
    free(words);
    return rc;
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
