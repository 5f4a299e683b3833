/*
 * Numbers as JSON and CSV write them (src/report/emit_number.c): every
 * double reads back as itself, and its text is the shortest that does.
 * Checked against an independent method, printf and strtod: the fewest
 * significant digits N for which "%.{N-1}e" reads back as the double, and
 * the digits printf writes at that N. Inputs: hand-picked values, every
 * power of two (the uneven rounding interval), the neighbours of powers of
 * ten, proportions x/n, short decimals, and random bit patterns over the
 * whole range, subnormals included.
 */
#include "test_util.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next(void) { return xorshift64(&rng); }

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static int same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* The significant digits of a number's text (sign, point, exponent and
 * leading zeros dropped) into out; returns their count. */
static int sig_digits(const char *s, char *out)
{
    int n = 0, lead = 1;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (lead && *s == '0')
            continue;
        lead = 0;
        out[n++] = *s;
    }
    while (n > 1 && out[n - 1] == '0') /* trailing zeros of a whole number */
        n--;
    out[n] = '\0';
    return n;
}

/* The independent answer: the fewest digits N with which printf's
 * correctly rounded "%.{N-1}e" reads back as v, its digits in want and its
 * decimal exponent in *x. */
static int brute(double v, char *want, int *x)
{
    char buf[64];
    for (int n = 1; n <= 17; n++) {
        snprintf(buf, sizeof buf, "%.*e", n - 1, v);
        if (same_double(strtod(buf, NULL), v)) {
            *x = atoi(strchr(buf, 'e') + 1);
            return sig_digits(buf, want);
        }
    }
    fail_msg("%.17g: no %%e form reads back", v);
    return 0;
}

static long shorter; /* texts shorter than printf's shortest (see check) */

/* How many of n: all, or n / MSC_NUMBER_DIVISOR under valgrind
 * (tests/valgrind.sh), which is ~30 times slower. */
static long scaled(long n)
{
    const char *d = getenv("MSC_NUMBER_DIVISOR");
    long div = d ? atol(d) : 1;
    return div > 1 ? n / div : n;
}

/* Checks one double (finite). */
static void check(double v)
{
    char got[40], gd[24], want[24];
    size_t len = msc_rep_number_text(got, v);
    assert_int_equal(len, strlen(got));
    char *end;
    double back = strtod(got, &end);
    if (*end != '\0' || !same_double(back, v))
        fail_msg("%.17g: \"%s\" reads back as %.17g", v, got, back);
    if (v == 0.0) {
        assert_string_equal(got, signbit(v) ? "-0" : "0");
        return;
    }
    int x;
    int n = brute(v, want, &x), ng = sig_digits(got, gd);
    /* printf's correctly rounded N digits are the nearest N-digit decimal;
     * at a power of two, whose interval reaches further above than below,
     * a shorter decimal may read back while the nearest of its length does
     * not: then the text is shorter still, which the first check allows */
    if (ng > n)
        fail_msg("%.17g: \"%s\" has %d digits; %d read back (%s)", v, got, ng, n, want);
    if (ng == n && strcmp(gd, want) != 0)
        fail_msg("%.17g: \"%s\", but printf's nearest %d digits are %s", v, got, n, want);
    if (ng < n)
        shorter++;
    /* %.17g's layout: an exponent below -4 or from 17 up */
    int has_e = strchr(got, 'e') != NULL;
    if (ng == n && has_e != (x < -4 || x >= 17))
        fail_msg("%.17g: \"%s\" is not laid out as %%.17g (exponent %d)", v, got, x);
}

static void test_examples(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } ex[] = {
        {0.95, "0.95"},
        {0.1, "0.1"},
        {-0.0, "-0"},
        {0.0, "0"},
        {1.0, "1"},
        {100000.0, "100000"},
        {1e16, "10000000000000000"},
        {1e17, "1e17"},
        {1.5e17, "1.5e17"},
        {123456789012345678.0, "1.2345678901234568e17"}, /* 18 digits: %.17g's exponent */
        {0.0001, "0.0001"},
        {0.00001, "1e-5"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {-2.5e-8, "-2.5e-8"},
        {5e-324, "5e-324"},
        {1e-323, "1e-323"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e308"},
        {9007199254740993.0, "9007199254740992"},
        {1e23, "1e23"},
        {5.0e-5, "5e-5"},
        {123.456, "123.456"},
        {4.35, "4.35"},
        {0.3, "0.3"},
        {2.0 / 7.0, "0.2857142857142857"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        msc_rep_number_text(buf, ex[i].v);
        if (strcmp(buf, ex[i].text) != 0)
            fail_msg("%.17g: got \"%s\", want \"%s\"", ex[i].v, buf, ex[i].text);
        check(ex[i].v);
    }
}

static void test_powers(void **state)
{
    (void)state;
    for (int e = -1074; e <= 1023; e++) {
        check(ldexp(1.0, e));
        check(-ldexp(1.0, e));
        check(nextafter(ldexp(1.0, e), 0.0));
        check(nextafter(ldexp(1.0, e), INFINITY));
    }
    for (int e = -323; e <= 308; e++) {
        char buf[16];
        snprintf(buf, sizeof buf, "1e%d", e);
        double p = strtod(buf, NULL);
        check(p);
        check(nextafter(p, 0.0));
        check(nextafter(p, INFINITY));
    }
}

static void test_typical(void **state)
{
    (void)state;
    /* proportions and their logits, as a report has them */
    for (int n = 1; n <= scaled(400); n++)
        for (int x = 0; x <= n; x++) {
            check((double)x / n);
            if (x > 0 && x < n)
                check(log((double)x / (n - x)));
        }
    /* short decimals: what people type */
    for (long i = 0; i < scaled(20000); i++) {
        static const long long pow10[] = {10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL,
                                          10000000LL, 100000000LL, 1000000000LL,
                                          10000000000LL, 100000000000LL, 1000000000000LL,
                                          10000000000000LL, 100000000000000LL,
                                          1000000000000000LL};
        long long m = (long long)(next() % (uint64_t)pow10[next() % 15]);
        int e = (int)(next() % 40) - 20;
        char buf[48];
        snprintf(buf, sizeof buf, "%llde%d", m, e);
        check(strtod(buf, NULL));
    }
}

static void test_random_bits(void **state)
{
    (void)state;
    long done = 0;
    while (done < scaled(150000)) {
        double v = from_bits(next());
        if (!isfinite(v))
            continue;
        check(v);
        done++;
    }
    /* subnormals */
    for (long i = 0; i < scaled(10000); i++)
        check(from_bits(next() & ((UINT64_C(1) << 52) - 1)));
    print_message("texts shorter than printf's shortest: %ld\n", shorter);
}

/* msc_rep_int_text against printf's "%lld" (the independent method): the
 * ends of the range, every power of ten and its neighbours, and random
 * bit patterns. */
static void int_check(long long v)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%lld", v);
    size_t n = msc_rep_int_text(got, v);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void test_integers(void **state)
{
    (void)state;
    int_check(0);
    int_check(LLONG_MAX);
    int_check(LLONG_MIN);
    int_check(LLONG_MIN + 1);
    long long p = 1;
    for (int i = 0; i < 19; i++) { /* 10^0 .. 10^18, and each one's neighbours */
        for (long long d = -1; d <= 1; d++) {
            int_check(p + d);
            int_check(-(p + d));
        }
        if (i < 18)
            p *= 10; /* 10^19 would overflow */
    }
    for (long i = 0; i < scaled(100000); i++) {
        uint64_t b = next();
        int_check((long long)(b >> (b % 64)));
        int_check((long long)b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_powers),
        cmocka_unit_test(test_typical),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_integers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
