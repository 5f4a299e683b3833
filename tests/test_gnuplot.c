/*
 * msc_gnuplot_quote and the gnuplot runner (gnuplot.c): the one door
 * through which user text reaches a gnuplot script.
 *
 * Hostile strings (backquotes, '; system("..."); ', newlines, backslashes,
 * @macros, quotes at the start and in runs, control characters, invalid
 * UTF-8, 100 000 characters) must come out as a string expression made
 * only of single-quoted pieces and sprintf('%c',39), that
 *  - decodes back to the text (with the documented replacements),
 *  - keeps every character of the text inside single quotes both for
 *    gnuplot's scanner and for its macro expander (which flips state at
 *    every quote character; gnuplot 5.4 misc.c expand_1level_macros),
 *  - stays valid when cut to a short buffer;
 * and, fed to a real gnuplot's `print`, must print the text back and run
 * nothing (the commands they carry would create files; none may appear).
 */
#include "test_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mscmeta/plot.h"
#include "msc_plot.h"

static const char QEXPR[] = "sprintf('%c',39)";

/* Decodes a quoted expression: pieces '...' (no quote inside) and
 * sprintf('%c',39), joined by '.'. Fails the test on anything else.
 * Returns the decoded text (malloc). */
static char *decode(const char *q)
{
    size_t n = strlen(q);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t o = 0, i = 0;
    int first = 1;
    while (i < n) {
        if (!first) {
            if (q[i] != '.') {
                print_error("expected '.' at %zu in %.80s\n", i, q);
                fail();
            }
            i++;
        }
        first = 0;
        if (strncmp(q + i, QEXPR, sizeof QEXPR - 1) == 0) {
            out[o++] = '\'';
            i += sizeof QEXPR - 1;
        } else if (q[i] == '\'') {
            const char *end = strchr(q + i + 1, '\'');
            if (!end) {
                print_error("unterminated piece in %.80s\n", q);
                fail();
            }
            memcpy(out + o, q + i + 1, (size_t)(end - q - i - 1));
            o += (size_t)(end - q - i - 1);
            i = (size_t)(end - q) + 1;
        } else {
            print_error("unexpected '%c' at %zu in %.80s\n", q[i], i, q);
            fail();
        }
    }
    out[o] = '\0';
    return out;
}

/* What the text should read back as: LF, CR, tab -> space; other C0 and
 * DEL -> '?'; C1 (U+0080..U+009F) -> '?'; invalid UTF-8 bytes -> U+FFFD.
 * (Enough of a decoder for the test strings below.) */
static char *cleaned(const char *s)
{
    size_t n = strlen(s);
    char *e = malloc(3 * n + 1);
    assert_non_null(e);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            e[o++] = ' ';
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            e[o++] = '?';
            p++;
        } else if (*p < 0x80) {
            e[o++] = (char)*p++;
        } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) {
            e[o++] = '?';
            p += 2;
        } else if (*p >= 0xC2 && *p <= 0xDF && (p[1] & 0xC0) == 0x80) {
            e[o++] = (char)*p++;
            e[o++] = (char)*p++;
        } else if (*p >= 0xE1 && *p <= 0xEC && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            for (int i = 0; i < 3; i++)
                e[o++] = (char)*p++;
        } else {
            memcpy(e + o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
        }
    }
    e[o] = '\0';
    return e;
}

/* gnuplot's macro expander and scanner view of a line: every '@' and '`'
 * that comes from the text must be inside single quotes. The expander
 * toggles on every quote character; QEXPR holds two, so the toggle state
 * at each text character is "inside" exactly when the structure is right. */
static void assert_inside_quotes(const char *q)
{
    int in_squote = 0;
    for (const char *c = q; *c; c++) {
        if (*c == '\'')
            in_squote = !in_squote;
        else if ((*c == '@' || *c == '`' || *c == ';' || *c == '#') && !in_squote) {
            print_error("'%c' outside single quotes at %zu in %.80s\n", *c, (size_t)(c - q), q);
            fail();
        }
    }
    assert_false(in_squote); /* every piece closed */
}

static char *quote(const char *s)
{
    char probe[3];
    size_t need = msc_gnuplot_quote(s, probe, sizeof probe);
    char *q = malloc(need + 1);
    assert_non_null(q);
    assert_int_equal(msc_gnuplot_quote(s, q, need + 1), need);
    assert_int_equal(strlen(q), need);
    return q;
}

static void check_one(const char *s)
{
    char *q = quote(s);
    for (const unsigned char *c = (const unsigned char *)q; *c; c++)
        assert_true(*c >= 0x20 && *c != 0x7F); /* one line, no control characters */
    assert_inside_quotes(q);
    char *back = decode(q), *want = cleaned(s);
    assert_string_equal(back, want);
    free(back);
    free(want);
    free(q);
}

/* ------------------------------------------------------------- strings */

/* The commands in these name PWNED_AT; the gnuplot round trip aims them
 * at a file in a private folder instead (aimed) and checks that nothing
 * appears there. */
#define PWNED_AT "/tmp/msc_pwned"
static const char *const HOSTILE[] = {
    "",
    "plain",
    "O'Brien 2010",
    "'t Hart 2019",
    "ends with '",
    "'",
    "''",
    "a''''b",
    "'''x'''",
    "x`touch " PWNED_AT "`y",
    "\"x`touch " PWNED_AT "`y\"",
    "'; system(\"touch " PWNED_AT "\"); '",
    "''; system(\"touch " PWNED_AT "\"); ''",
    "'''''';system(\"touch " PWNED_AT "\");'''''",
    "\"; system(\"touch " PWNED_AT "\"); \"",
    "line one\nline two\r\nthree\tfour",
    "back\\slash\\",
    "\\",
    "trailing backslash \\",
    "@macro @GPVAL_PWD @@ x@y",
    "'@GPVAL_PWD'",
    "# not a comment ; not a separator",
    "$data << EOD",
    "^_{} & <b> </text> &amp;",
    "ctrl \x01\x02\x1b[31m red \x7f",
    "C1 \xC2\x85 next line",
    "bad \xFF\xFE utf8 \xC3",
    "caf\xC3\xA9 \xE2\x80\x94 \xCF\x84\xC2\xB2",
};

static void test_quote_known(void **state)
{
    (void)state;
    char buf[256];
    msc_gnuplot_quote("abc", buf, sizeof buf);
    assert_string_equal(buf, "'abc'");
    msc_gnuplot_quote("", buf, sizeof buf);
    assert_string_equal(buf, "''");
    msc_gnuplot_quote(NULL, buf, sizeof buf);
    assert_string_equal(buf, "''");
    msc_gnuplot_quote("O'Brien", buf, sizeof buf);
    assert_string_equal(buf, "'O'.sprintf('%c',39).'Brien'");
    msc_gnuplot_quote("'", buf, sizeof buf);
    assert_string_equal(buf, "sprintf('%c',39)");
    msc_gnuplot_quote("a`b`\"c\"\\", buf, sizeof buf);
    assert_string_equal(buf, "'a`b`\"c\"\\'");
    msc_gnuplot_quote("x\ny", buf, sizeof buf);
    assert_string_equal(buf, "'x y'");
}

static void test_quote_hostile(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++)
        check_one(HOSTILE[i]);
}

/* 100 000 characters with quotes, backquotes and newlines all through. */
static char *long_string(size_t n)
{
    static const char unit[] = "ab'`@\n\\x;''#\xC3\xA9";
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t o = 0;
    while (o + sizeof unit - 1 <= n) {
        memcpy(s + o, unit, sizeof unit - 1);
        o += sizeof unit - 1;
    }
    s[o] = '\0';
    return s;
}

static void test_quote_long(void **state)
{
    (void)state;
    char *s = long_string(100000);
    check_one(s);
    free(s);
}

/* Cut to every small buffer size: still one valid expression that decodes
 * to a prefix of the text, cut at a character boundary. */
static void test_quote_truncated(void **state)
{
    (void)state;
    const char *s = "O'Brien `x` ''caf\xC3\xA9'";
    char *want = cleaned(s);
    char probe[3];
    size_t need = msc_gnuplot_quote(s, probe, sizeof probe);
    for (size_t len = 3; len <= need + 1; len++) {
        char *out = malloc(len);
        assert_non_null(out);
        assert_int_equal(msc_gnuplot_quote(s, out, len), need);
        assert_true(strlen(out) < len);
        assert_inside_quotes(out);
        char *back = decode(out);
        size_t b = strlen(back);
        assert_true(b <= strlen(want));
        assert_memory_equal(back, want, b);
        assert_true(want[b] == '\0' || ((unsigned char)want[b] & 0xC0) != 0x80);
        if (len > need)
            assert_string_equal(back, want);
        free(back);
        free(out);
    }
    char tiny[2] = "x";
    msc_gnuplot_quote(s, tiny, sizeof tiny); /* below the minimum: empty, no overflow */
    assert_string_equal(tiny, "");
    free(want);
}

/* ------------------------------------------------------ real gnuplot */

/* s with every PWNED_AT in it replaced by target (malloc). */
static char *aimed(const char *s, const char *target)
{
    size_t n = 0, lp = strlen(PWNED_AT), lt = strlen(target);
    for (const char *p = strstr(s, PWNED_AT); p; p = strstr(p + lp, PWNED_AT))
        n++;
    char *out = malloc(strlen(s) + n * lt + 1);
    assert_non_null(out);
    char *o = out;
    for (const char *p; (p = strstr(s, PWNED_AT)) != NULL; s = p + lp) {
        memcpy(o, s, (size_t)(p - s));
        o += p - s;
        memcpy(o, target, lt);
        o += lt;
    }
    strcpy(o, s);
    return out;
}

/* Every hostile string, printed by gnuplot, comes back as the cleaned
 * text, one line each; the commands they carry create nothing. */
static void test_roundtrip_gnuplot(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    char dir[] = "/tmp/msc_test_gnuplot_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256], pwned[256];
    snprintf(out, sizeof out, "%s/printed.txt", dir);
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);

    /* the hostile strings, aimed at a file in our private folder */
    enum { N = 8 };
    char attack[N][512];
    snprintf(attack[0], sizeof attack[0], "x`touch %s`y", pwned);
    snprintf(attack[1], sizeof attack[1], "'; system(\"touch %s\"); '", pwned);
    snprintf(attack[2], sizeof attack[2], "''; system(\"touch %s\"); ''", pwned);
    snprintf(attack[3], sizeof attack[3], "'''''';system(\"touch %s\");'''''", pwned);
    snprintf(attack[4], sizeof attack[4], "\"`touch %s`\"", pwned);
    snprintf(attack[5], sizeof attack[5], "@cmd\n!touch %s", pwned);
    snprintf(attack[6], sizeof attack[6], "\\'; system('touch %s') #", pwned);
    snprintf(attack[7], sizeof attack[7], "'@cmd'");

    msc_gp g;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);
    /* a macro that would run the attack if @cmd were ever expanded */
    msc_gp_cmd(&g, "cmd = ");
    char def[512];
    snprintf(def, sizeof def, "x`touch %s`", pwned);
    msc_gp_str(&g, def);
    msc_gp_cmd(&g, "\nset print ");
    msc_gp_str(&g, out);
    msc_gp_cmd(&g, "\n");
    size_t nh = sizeof HOSTILE / sizeof HOSTILE[0];
    char *hostile[sizeof HOSTILE / sizeof HOSTILE[0]];
    for (size_t i = 0; i < nh; i++) {
        hostile[i] = aimed(HOSTILE[i], pwned);
        msc_gp_cmd(&g, "print ");
        msc_gp_str(&g, hostile[i]);
        msc_gp_cmd(&g, "\n");
    }
    for (size_t i = 0; i < N; i++) {
        msc_gp_cmd(&g, "print ");
        msc_gp_str(&g, attack[i]);
        msc_gp_cmd(&g, "\n");
    }
    char *big = long_string(100000);
    msc_gp_cmd(&g, "print ");
    msc_gp_str(&g, big);
    msc_gp_cmd(&g, "\nunset print\n");
    int rc = msc_gp_run(&g, err, sizeof err);
    if (rc != MSC_OK)
        print_error("gnuplot: %s\n", err);
    assert_int_equal(rc, MSC_OK);

    char *printed = read_file(out, NULL);
    char *line = printed;
    for (size_t i = 0; i < nh + N + 1; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        const char *src = i < nh ? hostile[i] : i < nh + N ? attack[i - nh] : big;
        char *want = cleaned(src);
        if (strcmp(line, want) != 0) {
            print_error("string %zu: printed %.120s\nwant %.120s\n", i, line, want);
            fail();
        }
        free(want);
        line = nl + 1;
    }
    assert_string_equal(line, "");
    struct stat st;
    assert_int_equal(stat(pwned, &st), -1); /* nothing ran */
    assert_int_equal(errno, ENOENT);
    free(printed);
    free(big);
    for (size_t i = 0; i < nh; i++)
        free(hostile[i]);
    unlink(out);
    rmdir(dir);
}

/* A failing script is an error that quotes gnuplot's message. */
static void test_run_failure(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    msc_gp g;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);
    msc_gp_cmd(&g, "print 1\nthis is not a command\nprint 2\n");
    assert_int_equal(msc_gp_run(&g, err, sizeof err), MSC_ERR_IO);
    assert_non_null(strstr(err, "gnuplot failed"));
    assert_non_null(strstr(err, "line 2"));
}

/* A format that would pass a string unquoted is refused, in release
 * builds too, whatever its form, and nothing runs. */
static void test_cmd_refuses_strings(void **state)
{
    (void)state;
    char dir[] = "/tmp/msc_test_gnuplot_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char never[256], hostile[512];
    snprintf(never, sizeof never, "%s/never", dir);
    snprintf(hostile, sizeof hostile, "`touch %s`", never);
    /* through a pointer: these formats are wrong on purpose, unchecked */
    void (*cmd)(msc_gp *, const char *, ...) = msc_gp_cmd;
    msc_gp g;
    char err[MSC_ERRBUF];
    int n = 0;
#define REFUSED(...)                                                                               \
    do {                                                                                           \
        assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);                                \
        cmd(&g, "print %d\n", 1);                                                                  \
        cmd(&g, __VA_ARGS__);                                                                      \
        assert_int_equal(msc_gp_run(&g, err, sizeof err), MSC_ERR_IO);                             \
        assert_non_null(strstr(err, "unquoted"));                                                  \
    } while (0)
    REFUSED("set label %s\n", hostile);
    REFUSED("set label %.*s\n", 40, hostile);
    REFUSED("set label %10s\n", hostile);
    REFUSED("set label %-3s\n", hostile);
    REFUSED("set label %.100s\n", hostile);
    REFUSED("set label %ls\n", L"`x`");
    REFUSED("set label %c\n", '`');
    REFUSED("set label %5c\n", '`');
    REFUSED("set label %%%s\n", hostile);
    REFUSED("print %d %n\n", 1, &n);
    REFUSED("print %p\n", (void *)&n);
    REFUSED("print %1$d\n", 1);
    REFUSED("print %.*2$f\n", 1.0, 3);
    REFUSED("print 1 %");
#undef REFUSED
    assert_int_equal(n, 0); /* %n wrote nothing */
    struct stat st;
    assert_int_equal(stat(never, &st), -1); /* nothing ran */
    assert_int_equal(errno, ENOENT);
    rmdir(dir);
}

/* Every numeric conversion passes, with its flags, width, precision and
 * length modifier, and "%%". */
static void test_cmd_numbers(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    char dir[] = "/tmp/msc_test_gnuplot_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[256], err[MSC_ERRBUF];
    snprintf(out, sizeof out, "%s/printed.txt", dir);
    msc_gp g;
    assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);
    msc_gp_cmd(&g, "set print ");
    msc_gp_str(&g, out);
    msc_gp_cmd(&g, "\nprint %d, %zu, %5.1f, %.10g, %*d, %-4ld, %lld, %hhd, %Lg, %u, %e\n", -1,
               (size_t)2, 3.25, 0.1, 3, 4, 5L, 6LL, (signed char)7, 8.5L, 9u, 1e-3);
    msc_gp_cmd(&g, "print 7 %% 4\nunset print\n");
    int rc = msc_gp_run(&g, err, sizeof err);
    if (rc != MSC_OK)
        print_error("gnuplot: %s\n", err);
    assert_int_equal(rc, MSC_OK);
    char *printed = read_file(out, NULL);
    assert_string_equal(printed, "-1 2 3.2 0.1 4 5 6 7 8.5 9 0.001\n3\n"); /* %*d: width 3 */
    free(printed);
    unlink(out);
    rmdir(dir);
}

/* A number that is not finite is refused too: gnuplot would take "nan"
 * or "inf" for a variable's name. The arguments before it are skipped by
 * their types, '*' widths included. */
static void test_cmd_refuses_nonfinite(void **state)
{
    (void)state;
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msc_gp g;
        char err[MSC_ERRBUF];
        assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);
        msc_gp_cmd(&g, "print %*d, %zu, %lld, %Lg, %.3f\n", 3, 4, (size_t)5, 6LL, 7.0L, bad[i]);
        assert_int_equal(msc_gp_run(&g, err, sizeof err), MSC_ERR_IO);
        assert_non_null(strstr(err, "not finite"));
    }
}

/* No gnuplot on PATH: a clear error naming the package. */
static void test_run_missing(void **state)
{
    (void)state;
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent-msc-dir", 1);
    msc_gp g;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_gp_open(&g, err, sizeof err), MSC_OK);
    msc_gp_cmd(&g, "print 1\n");
    int rc = msc_gp_run(&g, err, sizeof err);
    if (old) {
        setenv("PATH", old, 1);
        free(old);
    } else {
        unsetenv("PATH");
    }
    assert_int_equal(rc, MSC_ERR_IO);
    assert_non_null(strstr(err, "gnuplot is not installed"));
    assert_non_null(strstr(err, "gnuplot-nox"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_known),       cmocka_unit_test(test_quote_hostile),
        cmocka_unit_test(test_quote_long),        cmocka_unit_test(test_quote_truncated),
        cmocka_unit_test(test_roundtrip_gnuplot), cmocka_unit_test(test_run_failure),
        cmocka_unit_test(test_run_missing),       cmocka_unit_test(test_cmd_refuses_strings),
        cmocka_unit_test(test_cmd_numbers),       cmocka_unit_test(test_cmd_refuses_nonfinite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
