/*
 * Temporary files that a signal must not leave behind: the output files
 * being written (files.c) and the pictures being drawn (cmd_plot.c) are
 * tracked here, and SIGINT, SIGTERM and SIGHUP remove them before the
 * process ends by that signal; SIGPIPE and SIGXFSZ are ignored, so that
 * a closed pipe or a file-size limit is a write error that is reported.
 * Uses nothing else of the command line.
 *
 * The handler may interrupt the tracking functions anywhere (and run
 * beside them in the library's worker thread), so it reads only what is
 * complete and never changes: each path is copied into a node allocated
 * here, outside the handler, which one atomic store then puts at the head
 * of a list. A node's path and link never change once it is in the list;
 * untracking clears its `live` flag, and tracking the same path again sets
 * it. Nodes are not freed: a run tracks a few paths (one per output file).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Atomics that are not lock-free could take a lock the handler then waits for. */
#if ATOMIC_POINTER_LOCK_FREE != 2 || ATOMIC_INT_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic pointers and ints"
#endif

typedef struct tmp_node {
    struct tmp_node *next; /* set before the node is published */
    atomic_int live;       /* 1: remove the file on a signal */
    char path[];
} tmp_node;

static _Atomic(tmp_node *) g_head; /* the last node published */

/* The node of `path`, or NULL. */
static tmp_node *find(const char *path)
{
    for (tmp_node *n = atomic_load(&g_head); n; n = n->next)
        if (strcmp(n->path, path) == 0)
            return n;
    return NULL;
}

int msc_cli_track_tmp(const char *path)
{
    tmp_node *n = find(path);
    if (n) { /* tracked before, and perhaps untracked since */
        atomic_store(&n->live, 1);
        return 0;
    }
    size_t len = strlen(path) + 1;
    n = malloc(sizeof *n + len);
    if (!n)
        return -1;
    memcpy(n->path, path, len);
    atomic_init(&n->live, 1);
    n->next = atomic_load(&g_head);
    atomic_store(&g_head, n); /* the handler sees the node only now, complete */
    return 0;
}

void msc_cli_untrack_tmp(const char *path)
{
    tmp_node *n = find(path);
    if (n)
        atomic_store(&n->live, 0);
}

/* Removes every live file, then ends the process by the same signal.
 * unlink, signal and raise are async-signal-safe; so are lock-free atomic
 * loads. */
static void on_signal(int sig)
{
    for (tmp_node *n = atomic_load(&g_head); n; n = n->next)
        if (atomic_load(&n->live))
            unlink(n->path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void msc_cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe becomes a write error we report */
    /* A file-size limit (ulimit -f) too: write fails with EFBIG, which is
     * reported (exit 4), where SIGXFSZ would end the process silently and
     * leave its temporary file. gnuplot inherits this, so its writes fail
     * too, and the picture it leaves is refused as incomplete. */
    signal(SIGXFSZ, SIG_IGN);
}
