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
#include <sys/auxv.h>
#include <sys/stat.h>
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

/* Large inputs run about a fifth faster when glibc's malloc backs its
 * memory with transparent huge pages: a run over 10^6 studies spends a
 * quarter of its time in first-touch page faults and TLB misses. glibc
 * (2.35 on) does that only under the tunable glibc.malloc.hugetlb=1, read
 * from GLIBC_TUNABLES when the process starts, and the kernel's default
 * THP mode ("madvise") does it for no one else. So, when an argument names
 * a regular file of at least HUGE_INPUT bytes (about 300,000 studies), the
 * process re-executes itself once with the tunable added; the exec costs
 * about a millisecond, under 1% of such a run. Nothing has been read or
 * written yet (only a closed standard descriptor may have been reopened on
 * /dev/null, which the new process finds as it is), so it starts the same
 * command from the same state. Never more than once: the new process finds
 * REEXEC_MARK (and removes it, so that gnuplot does not inherit it), since
 * glibc may rewrite GLIBC_TUNABLES. Left alone: a GLIBC_TUNABLES that
 * already names the tunable (the user's choice: hugetlb=0 turns this off),
 * a setuid or otherwise secure process (AT_SECURE: glibc ignores the
 * tunable there), and a failed exec, after which the run goes on here with
 * the environment as it was. The program is found through the
 * /proc/self/exe link's target, which valgrind and emulators report as the
 * program they run. Measured (bench/results.md): REML at 10^6 studies
 * 0.64 -> 0.51 s; 10^7 studies 6.3 -> 4.9 s. */
#define HUGE_INPUT (4L << 20)
#define HUGETLB "glibc.malloc.hugetlb"
#define REEXEC_MARK "MSCMETA_REEXECUTED"

/* The target of /proc/self/exe, allocated; NULL if there is none. */
static char *self_path(void)
{
    for (size_t cap = 256; cap <= ((size_t)1 << 20); cap *= 2) {
        char *p = malloc(cap);
        if (!p)
            return NULL;
        ssize_t n = readlink("/proc/self/exe", p, cap);
        if (n >= 0 && (size_t)n < cap) {
            p[n] = '\0';
            return p;
        }
        free(p);
        if (n < 0)
            return NULL;
    }
    return NULL;
}

static void reexec_for_large_input(char **argv)
{
    if (getenv(REEXEC_MARK)) {
        unsetenv(REEXEC_MARK);
        return;
    }
    const char *old = getenv("GLIBC_TUNABLES");
    if ((old && strstr(old, HUGETLB)) || getauxval(AT_SECURE))
        return;
    int large = 0;
    for (int i = 2; argv[1] && argv[i] && !large; i++) {
        struct stat st;
        large = stat(argv[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= HUGE_INPUT;
    }
    if (!large)
        return;
    int had = old && *old;
    size_t n = (had ? strlen(old) + 1 : 0) + sizeof HUGETLB "=1";
    char *val = malloc(n), *keep = old ? strdup(old) : NULL, *self = self_path();
    if (val && (!old || keep) && self) {
        snprintf(val, n, "%s%s" HUGETLB "=1", had ? old : "", had ? ":" : "");
        if (setenv("GLIBC_TUNABLES", val, 1) == 0 && setenv(REEXEC_MARK, "1", 1) == 0)
            execv(self, argv);
        /* no exec: run here, with the environment as it was */
        unsetenv(REEXEC_MARK);
        if (keep)
            setenv("GLIBC_TUNABLES", keep, 1);
        else
            unsetenv("GLIBC_TUNABLES");
    }
    free(self);
    free(keep);
    free(val);
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
    reexec_for_large_input(argv);
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
