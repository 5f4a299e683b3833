/*
 * The command line's defaults and option ranges against the library's
 * (issue 9, section 5: "the safety default outcome list is kept twice,
 * and so are the plot ranges"). The CLI's parser (msc_cli_parse, from the
 * msc_cli library) is driven directly with the command table's entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Parses the command line `cmd ...` (arguments up to NULL) into c, with
 * the usage errors it prints kept off the test's output. Returns what
 * msc_cli_parse returns. */
static int parse(msc_cli *c, const char *cmd, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, cmd);
    for (const char *a = cmd; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a; /* getopt_long reorders argv, never writes the strings */
    va_end(ap);
    argv[argc] = NULL;
    const msc_cli_command *command = msc_cli_command_find(cmd);
    assert_non_null(command);
    fflush(stderr);
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    assert_true(saved >= 0 && null >= 0);
    dup2(null, STDERR_FILENO);
    int rc = msc_cli_parse(command, argc, argv, c);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(null);
    return rc;
}

/* ------------------------------------------------------ default outcomes */

/* safety pools, by default, every default outcome of the library but
 * responders, in the library's order (README: "for safety: all but
 * responders"). */
static void safety_outcomes_are_the_library_defaults_but_responders(void **state)
{
    (void)state;
    static msc_cli c;
    assert_int_equal(parse(&c, "safety", "x.csv", "--max-rate", "0.05", NULL), MSC_CLI_GO_ON);
    size_t j = 0;
    for (size_t i = 0; i < msc_n_default_events; i++) {
        if (strcmp(msc_default_events[i], "responders") == 0)
            continue;
        assert_true(j < c.load.n_default_events);
        assert_string_equal(c.load.default_events[j], msc_default_events[i]);
        j++;
    }
    assert_int_equal(c.load.n_default_events, j);
}

/* Every other command pools the library's default outcomes. */
static void other_commands_pool_the_library_defaults(void **state)
{
    (void)state;
    static msc_cli c;
    const char *names[] = {"pool", "forest", "funnel"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        assert_int_equal(parse(&c, names[k], "x.csv", NULL), MSC_CLI_GO_ON);
        assert_int_equal(c.load.n_default_events, msc_n_default_events);
        for (size_t i = 0; i < msc_n_default_events; i++)
            assert_string_equal(c.load.default_events[i], msc_default_events[i]);
    }
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety_outcomes_are_the_library_defaults_but_responders),
        cmocka_unit_test(other_commands_pool_the_library_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
