/*
 * cli/tmpfiles.c: every tracked temporary file is removed when SIGINT,
 * SIGTERM or SIGHUP arrives, however many there are (issue 9: tracking
 * used to stop after 64, and the files past that were left behind), and
 * an untracked one is left alone. Each case makes real files in a
 * private folder; a forked child tracks them, installs the handler and
 * raises the signal; the parent checks that the child died of that signal
 * and which files are left. Built from cli/tmpfiles.c alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define N_FILES 100 /* well past the old limit of 64 */

typedef struct {
    char dir[2048];
    char path[N_FILES][2048 + 32];
} files;

/* Makes N_FILES empty files in a new folder under $TMPDIR or /tmp. */
static void make_files(files *f)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/msc-tmpfiles-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    for (int i = 0; i < N_FILES; i++) {
        snprintf(f->path[i], sizeof f->path[i], "%s/.mscmeta-XXXXXX", f->dir);
        int fd = mkstemp(f->path[i]);
        assert_true(fd >= 0);
        close(fd);
    }
}

/* Removes what is left of the files and their folder. */
static void remove_files(files *f)
{
    for (int i = 0; i < N_FILES; i++)
        unlink(f->path[i]);
    assert_int_equal(rmdir(f->dir), 0);
}

/* In a child: tracks every file, untracks those with keep[i], and raises
 * sig with the handler installed. Returns the child's wait status. */
static int signal_child(const files *f, const int *keep, int sig)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        msc_cli_install_signals();
        for (int i = 0; i < N_FILES; i++)
            msc_cli_track_tmp(f->path[i]);
        for (int i = 0; i < N_FILES; i++)
            if (keep && keep[i])
                msc_cli_untrack_tmp(f->path[i]);
        raise(sig);
        _exit(99); /* the handler should have ended the process by sig */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* Every tracked file is gone once sig has ended the child. */
static void all_removed_on(int sig)
{
    files *f = calloc(1, sizeof *f);
    assert_non_null(f);
    make_files(f);
    int status = signal_child(f, NULL, sig);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), sig);
    int left = 0;
    for (int i = 0; i < N_FILES; i++)
        if (access(f->path[i], F_OK) == 0) {
            print_message("left behind: file %d of %d, %s\n", i + 1, N_FILES, f->path[i]);
            left++;
        }
    remove_files(f);
    free(f);
    assert_int_equal(left, 0);
}

static void removed_on_sigterm(void **state)
{
    (void)state;
    all_removed_on(SIGTERM);
}

static void removed_on_sigint(void **state)
{
    (void)state;
    all_removed_on(SIGINT);
}

static void removed_on_sighup(void **state)
{
    (void)state;
    all_removed_on(SIGHUP);
}

/* Files untracked again (written and renamed, say) stay; the others go. */
static void untracked_files_stay(void **state)
{
    (void)state;
    files *f = calloc(1, sizeof *f);
    int keep[N_FILES];
    assert_non_null(f);
    make_files(f);
    for (int i = 0; i < N_FILES; i++)
        keep[i] = i % 3 == 0; /* 0, 3, ..., 99: before and after the 64th */
    int status = signal_child(f, keep, SIGTERM);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    int wrong = 0;
    for (int i = 0; i < N_FILES; i++) {
        int exists = access(f->path[i], F_OK) == 0;
        if (exists != keep[i]) {
            print_message("file %d: %s, want %s\n", i + 1, exists ? "left" : "removed",
                          keep[i] ? "left" : "removed");
            wrong++;
        }
    }
    remove_files(f);
    free(f);
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(removed_on_sigterm),
        cmocka_unit_test(removed_on_sigint),
        cmocka_unit_test(removed_on_sighup),
        cmocka_unit_test(untracked_files_stay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
