/*
 * bench/pair: paired, interleaved timing of whole processes. Each command is
 * started the same way (fork, execvp, standard input from /dev/null, standard
 * output to /dev/null, wait4), in rounds A, B, C, A, B, C, ... after one
 * untimed warm-up round, so that a change in machine load touches every
 * command alike. For each command it prints one line:
 *
 *   median_s min_s max_s peak_rss_kb median_ratio
 *
 * where median_ratio is the median over rounds of (this command's time / the
 * first command's time in the same round): the paired ratio. Peak RSS is the
 * largest ru_maxrss over the runs (wait4).
 *
 *   pair [-n ROUNDS] [-w WARMUP] CMD1 ARGS... [:: CMD2 ARGS... [:: ...]]
 *
 * A command that exits non-zero stops the measurement with exit 1, its
 * status on standard error: a failing command's time means nothing.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CMDS = 16, MAX_ROUNDS = 1000 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs argv once; returns the wall time in seconds, or -1 on failure. */
static double run(char **argv, long *rss_kb)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    double t = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pair: %s failed (status %d)\n", argv[0], status);
        return -1;
    }
    if (ru.ru_maxrss > *rss_kb)
        *rss_kb = ru.ru_maxrss;
    return t;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    int rounds = 11, warmup = 1, i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-w") == 0)
            warmup = atoi(argv[i + 1]);
        else
            break;
    }
    if (i >= argc || rounds < 1 || rounds > MAX_ROUNDS || warmup < 0) {
        fprintf(stderr, "usage: pair [-n ROUNDS] [-w WARMUP] CMD ARGS... [:: CMD ARGS...]...\n");
        return 2;
    }
    char **cmd[MAX_CMDS];
    int ncmd = 0;
    cmd[ncmd++] = argv + i;
    for (int j = i; j < argc; j++)
        if (strcmp(argv[j], "::") == 0) {
            if (ncmd == MAX_CMDS || j + 1 >= argc) {
                fprintf(stderr, "pair: at most %d commands, none empty\n", MAX_CMDS);
                return 2;
            }
            argv[j] = NULL; /* ends the previous command's argv */
            cmd[ncmd++] = argv + j + 1;
        }
    static double t[MAX_CMDS][MAX_ROUNDS], ratio[MAX_CMDS][MAX_ROUNDS];
    long rss[MAX_CMDS] = {0}, ignored = 0;
    for (int r = 0; r < warmup; r++)
        for (int c = 0; c < ncmd; c++)
            if (run(cmd[c], &ignored) < 0)
                return 1;
    for (int r = 0; r < rounds; r++)
        for (int c = 0; c < ncmd; c++)
            if ((t[c][r] = run(cmd[c], &rss[c])) < 0)
                return 1;
    for (int c = 0; c < ncmd; c++)
        for (int r = 0; r < rounds; r++)
            ratio[c][r] = t[c][r] / t[0][r];
    for (int c = 0; c < ncmd; c++) {
        double med = median(t[c], rounds); /* sorts t[c] */
        printf("%.6f %.6f %.6f %ld %.6f\n", med, t[c][0], t[c][rounds - 1], rss[c],
               median(ratio[c], rounds));
    }
    return ferror(stdout) ? 1 : 0;
}
