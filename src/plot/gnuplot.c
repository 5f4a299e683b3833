/*
 * The one place that talks to gnuplot.
 *
 * gnuplot executes text in two places a data file could reach: backquotes
 * inside double-quoted strings (`rm -rf ~`) and system(). So the script is
 * built under one rule: user text (study, subgroup and outcome names,
 * titles, output paths) enters only through msc_gnuplot_quote, as
 * single-quoted pieces; inside single quotes gnuplot expands neither
 * backquotes, nor backslash escapes, nor @macros. Data are numbers.
 *
 * The script goes to a private unlinked temporary file that becomes
 * gnuplot's standard input; gnuplot is started with posix_spawnp and a
 * fixed argument list ("gnuplot -d /dev/stdin": no shell, no user text
 * on the command line; -d skips the user's ~/.gnuplot and the system's
 * init file, so that neither runs inside a plot nor changes it; reading a
 * named file makes gnuplot stop at the first error instead of going on). Its output goes to another private file,
 * so that the library prints nothing and can quote gnuplot's message.
 */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msc_core.h"
#include "msc_plot.h"

extern char **environ;

#define MSC_GP_UNQUOTED 2  /* msc_gp.bad: a format that prints more than numbers */
#define MSC_GP_NONFINITE 3 /* msc_gp.bad: a number that is NaN or infinite */
#define INSTALL_HINT "install it (Debian/Ubuntu: apt-get install gnuplot-nox)"

/* ------------------------------------------------------------- quoting */

/* The quote character as a gnuplot expression. Not '' inside the literal:
 * gnuplot 5.4's scanner reads '' as a quote only after another character
 * (so '''x' and 'a''''b' are syntax errors), and its macro expander flips
 * its "inside single quotes" state at every quote character, so a lone '
 * written any other way (even "'") would expose the rest of the text to
 * @macro expansion. Every piece of our output holds an even number of
 * quote characters, so user text stays inside single quotes for both. */
static const char QUOTE_EXPR[] = "sprintf('%c',39)";

size_t msc_gnuplot_quote(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t need = 0; /* the whole expression, as if out were large */
    int in_text = 0; /* inside a '...' piece (whole expression) */
    size_t pieces = 0;
    size_t o = 0;      /* bytes written: whole characters only */
    int w_in_text = 0; /* inside a '...' piece (what was written) */
    size_t w_pieces = 0;
    int full = outlen < 3; /* room for at least '' and the NUL */
    while (*p) {
        const char *rep; /* what this character becomes */
        size_t rlen, adv;
        char one[2] = {(char)*p, '\0'};
        int quote = 0;
        if (*p < 0x80) {
            adv = 1;
            if (*p == '\n' || *p == '\r' || *p == '\t')
                rep = " ", rlen = 1;
            else if (*p < 0x20 || *p == 0x7F)
                rep = "?", rlen = 1;
            else if (*p == '\'')
                rep = QUOTE_EXPR, rlen = sizeof QUOTE_EXPR - 1, quote = 1;
            else
                rep = one, rlen = 1;
        } else {
            adv = msc_utf8_seq(p, 4); /* stops at the terminating NUL */
            if (adv == 0)
                rep = "\xEF\xBF\xBD", rlen = 3, adv = 1; /* U+FFFD */
            else if (adv == 2 && p[0] == 0xC2 && p[1] < 0xA0)
                rep = "?", rlen = 1; /* C1 control characters */
            else
                rep = (const char *)p, rlen = adv;
        }
        p += adv;
        /* What goes before it: close or open a '...' piece, '.' to join. */
        char pre[3];
        size_t np = 0;
        if (quote) {
            if (in_text)
                pre[np++] = '\'';
            if (pieces)
                pre[np++] = '.';
            pieces++;
            in_text = 0;
        } else if (!in_text) {
            if (pieces)
                pre[np++] = '.';
            pre[np++] = '\'';
            pieces++;
            in_text = 1;
        }
        need += np + rlen;
        if (full)
            continue;
        /* Room for it, a closing quote if it leaves a piece open, the NUL. */
        if (o + np + rlen + (size_t)!quote + 1 > outlen) {
            full = 1; /* stop here: later, shorter characters would leave a gap */
            continue;
        }
        memcpy(out + o, pre, np);
        memcpy(out + o + np, rep, rlen);
        o += np + rlen;
        w_in_text = !quote;
        w_pieces++;
    }
    need += in_text ? 1 : 0;
    if (pieces == 0)
        need = 2; /* '' */
    if (outlen >= 3) {
        if (w_in_text)
            out[o++] = '\'';
        if (w_pieces == 0) {
            out[o++] = '\'';
            out[o++] = '\'';
        }
        out[o] = '\0';
    } else if (outlen > 0) {
        out[0] = '\0';
    }
    return need;
}

/* -------------------------------------------------------------- script */

/* Releases a script without running it. Accepts a closed script. */
static void discard(msc_gp *g)
{
    if (g->fp)
        fclose(g->fp);
    g->fp = NULL;
}

int msc_gp_open(msc_gp *g, char *err, size_t errlen)
{
    g->bad = 0;
    g->errnum = 0;
    g->format = -1;
    g->tag = 1 << 30;
    g->dpi = 0;
    g->fp = tmpfile(); /* private and already unlinked: nothing to clean up */
    if (!g->fp) {
        snprintf(err, errlen, "cannot create a temporary file for the gnuplot script: %s",
                 strerror(errno));
        return MSC_ERR_IO;
    }
    return MSC_OK;
}

/* One conversion of a printf format. */
typedef struct {
    int stars; /* '*' width and precision: int arguments before the value */
    char len;  /* length modifier: 0, 'H' (hh), 'h', 'l', 'q' (ll), 'j', 'z', 't', 'L' */
    char conv; /* the conversion letter */
} conversion;

/* Reads the next conversion of the format at *fmt ("%%" is none) and moves
 * *fmt past it. Returns 1, 0 at the end of the format, or -1 when it does
 * not print a number: %s and %c in every form (%.*s, %10s, %ls, %lc),
 * %n, %p, %m, positional arguments (%1$d), a format that ends inside one. */
static int next_conversion(const char **fmt, conversion *c)
{
    const char *p = *fmt;
    for (;;) {
        p = strchr(p, '%');
        if (!p)
            return 0;
        if (p[1] != '%')
            break;
        p += 2;
    }
    p++;
    c->stars = 0;
    p += strspn(p, "-+ #0'"); /* flags */
    if (*p == '*')            /* width */
        c->stars++, p++;
    p += strspn(p, "0123456789");
    if (*p == '.') { /* precision */
        p++;
        if (*p == '*')
            c->stars++, p++;
        p += strspn(p, "0123456789");
    }
    if (*p == '$') /* %1$d, %*2$d, %.*3$f */
        return -1;
    c->len = 0;
    if (p[0] == 'h' && p[1] == 'h')
        c->len = 'H', p += 2;
    else if (p[0] == 'l' && p[1] == 'l')
        c->len = 'q', p += 2;
    else if (*p && strchr("hljztL", *p))
        c->len = *p++;
    c->conv = *p;
    if (!*p || !strchr("diouxXeEfFgGaA", *p))
        return -1;
    *fmt = p + 1;
    return 1;
}

/* Whether every floating-point argument of a numbers-only format is
 * finite. Consumes ap, the caller's copy of its arguments. */
static int all_finite(const char *fmt, va_list ap)
{
    conversion c;
    for (const char *p = fmt; next_conversion(&p, &c) > 0;) {
        for (int i = 0; i < c.stars; i++)
            (void)va_arg(ap, int);
        if (strchr("eEfFgGaA", c.conv)) {
            if (c.len == 'L' ? !isfinite(va_arg(ap, long double)) : !isfinite(va_arg(ap, double)))
                return 0;
        } else if (c.len == 'l') {
            (void)va_arg(ap, long);
        } else if (c.len == 'q') {
            (void)va_arg(ap, long long);
        } else if (c.len == 'j') {
            (void)va_arg(ap, intmax_t);
        } else if (c.len == 'z') {
            (void)va_arg(ap, size_t);
        } else if (c.len == 't') {
            (void)va_arg(ap, ptrdiff_t);
        } else {
            (void)va_arg(ap, int); /* int, and char and short promoted */
        }
    }
    return 1;
}

void msc_gp_cmd(msc_gp *g, const char *fmt, ...)
{
    if (!g->fp || g->bad)
        return;
    /* Strings must be quoted: only msc_gp_str may add them. Checked at run
     * time (not assert, which release builds drop); the script then fails. */
    conversion c;
    int r;
    for (const char *p = fmt; (r = next_conversion(&p, &c)) != 0;)
        if (r < 0) {
            g->bad = MSC_GP_UNQUOTED;
            return;
        }
    va_list ap, aq;
    va_start(ap, fmt);
    /* gnuplot would read "nan" or "inf" as a variable's name */
    va_copy(aq, ap);
    int finite = all_finite(fmt, aq);
    va_end(aq);
    if (!finite)
        g->bad = MSC_GP_NONFINITE;
    else if (vfprintf(g->fp, fmt, ap) < 0)
        g->bad = 1, g->errnum = errno;
    va_end(ap);
}

int msc_gp_tag(msc_gp *g)
{
    return g->tag > 1 ? g->tag-- : 1; /* 2^30 tags: the row cap keeps far below */
}

void msc_gp_str(msc_gp *g, const char *s)
{
    char small[512];
    if (!g->fp || g->bad)
        return;
    size_t need = msc_gnuplot_quote(s, small, sizeof small);
    if (need < sizeof small) {
        if (fputs(small, g->fp) == EOF)
            g->bad = 1, g->errnum = errno;
        return;
    }
    char *big = malloc(need + 1);
    if (!big) {
        g->bad = 1, g->errnum = ENOMEM;
        return;
    }
    msc_gnuplot_quote(s, big, need + 1);
    if (fputs(big, g->fp) == EOF)
        g->bad = 1, g->errnum = errno;
    free(big);
}

/* gnuplot's error from its captured output: the last line that says
 * where ("/dev/stdin" line 12: ...; warnings may come before it), without
 * the file name; else the last line with text. */
static void error_message(FILE *cap, char *out, size_t outlen)
{
    char line[512], where[512] = "", last[512] = "";
    rewind(cap);
    while (fgets(line, sizeof line, cap)) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *at = strstr(line, "\" line ");
        if (at)
            snprintf(where, sizeof where, "%s", at + 2);
        else if (line[strspn(line, " ^")] != '\0')
            snprintf(last, sizeof last, "%s", line);
    }
    snprintf(out, outlen, "%s", where[0] ? where : last[0] ? last : "no message");
    /* keep the message one printable line */
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
}

/* Whether an executable file `name` is in a folder of PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    for (const char *p = path;;) {
        size_t len = strcspn(p, ":");
        int n = snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? p : ".", name);
        if (n > 0 && (size_t)n < sizeof buf && access(buf, X_OK) == 0)
            return 1;
        if (!p[len])
            return 0;
        p += len + 1;
    }
}

int msc_gp_run(msc_gp *g, char *err, size_t errlen)
{
    int rc = MSC_ERR_IO;
    FILE *cap = NULL;
    if (!g->fp) {
        snprintf(err, errlen, "no gnuplot script");
        return MSC_ERR_IO;
    }
    if (g->bad == MSC_GP_UNQUOTED) {
        snprintf(err, errlen, "internal error: text was about to reach gnuplot unquoted");
        goto out;
    }
    if (g->bad == MSC_GP_NONFINITE) {
        snprintf(err, errlen, "internal error: a number that is not finite was about to reach "
                              "gnuplot");
        goto out;
    }
    if (!g->bad && (fflush(g->fp) != 0 || ferror(g->fp) || fseek(g->fp, 0, SEEK_SET) != 0))
        g->bad = 1, g->errnum = errno;
    if (g->bad) {
        snprintf(err, errlen, "writing the gnuplot script to a temporary file failed: %s",
                 g->errnum ? strerror(g->errnum) : "out of memory or no space");
        goto out;
    }
    cap = tmpfile();
    if (!cap) {
        snprintf(err, errlen, "cannot create a temporary file for gnuplot's messages: %s",
                 strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(err, errlen, "cannot start gnuplot: out of memory");
        goto out;
    }
    int sr = posix_spawn_file_actions_adddup2(&fa, fileno(g->fp), STDIN_FILENO);
    if (sr == 0)
        sr = posix_spawn_file_actions_adddup2(&fa, fileno(cap), STDOUT_FILENO);
    if (sr == 0)
        sr = posix_spawn_file_actions_adddup2(&fa, fileno(cap), STDERR_FILENO);
    pid_t pid = 0;
    /* fixed: no user text; -d: no init file (~/.gnuplot) */
    char *const argv[] = {"gnuplot", "-d", "/dev/stdin", NULL};
    if (sr == 0)
        sr = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (sr == ENOENT) {
        snprintf(err, errlen, "gnuplot is not installed (not found on PATH): " INSTALL_HINT);
        goto out;
    }
    if (sr != 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(sr));
        goto out;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for gnuplot failed: %s", strerror(errno));
            goto out;
        }
    }
    if (WIFSIGNALED(status)) {
        snprintf(err, errlen, "gnuplot was stopped by signal %d", WTERMSIG(status));
    } else if (!WIFEXITED(status)) {
        snprintf(err, errlen, "gnuplot ended abnormally");
    } else if (WEXITSTATUS(status) == 127) {
        /* 127: the exec failed in the child, where posix_spawnp is a fork
         * (valgrind, some libcs) rather than reporting ENOENT itself; or the
         * dynamic loader could not start it (a memory limit its shared
         * libraries do not fit in), which it says on stderr */
        char msg[256];
        error_message(cap, msg, sizeof msg);
        if (strcmp(msg, "no message") != 0)
            snprintf(err, errlen, "gnuplot could not be started: %s", msg);
        else if (on_path("gnuplot"))
            snprintf(err, errlen, "gnuplot could not be started (exit status 127)");
        else
            snprintf(err, errlen, "gnuplot is not installed (not found on PATH): " INSTALL_HINT);
    } else if (WEXITSTATUS(status) != 0) {
        char msg[256];
        error_message(cap, msg, sizeof msg);
        snprintf(err, errlen, "gnuplot failed (exit status %d): %s", WEXITSTATUS(status), msg);
    } else {
        rc = MSC_OK;
    }
out:
    if (cap)
        fclose(cap);
    discard(g);
    return rc;
}
