/*
 * Temporary files that a signal must not leave behind: the output files
 * being written (files.c) and the pictures being drawn (cmd_plot.c) are
 * tracked here, and SIGINT, SIGTERM and SIGHUP remove them before the
 * process ends by that signal. Uses nothing else of the command line.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_TMP 64
static char g_tmp[MAX_TMP][4096];
static volatile sig_atomic_t g_tmp_used[MAX_TMP];

void msc_cli_track_tmp(const char *path)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (!g_tmp_used[i]) {
            snprintf(g_tmp[i], sizeof g_tmp[i], "%s", path);
            g_tmp_used[i] = 1;
            return;
        }
}

void msc_cli_untrack_tmp(const char *path)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (g_tmp_used[i] && strcmp(g_tmp[i], path) == 0)
            g_tmp_used[i] = 0;
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TMP; i++)
        if (g_tmp_used[i])
            unlink(g_tmp[i]); /* async-signal-safe */
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
}
