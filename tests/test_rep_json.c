/*
 * The JSON emitter (src/report/emit_json.c): its numbers and strings
 * against jansson 2.14's (the writer mscmeta's JSON came from, the
 * independent reference here) on many values, and whole documents against
 * strings written by hand: member order, nulls, nested arrays, the
 * newlines of streamed arrays, and memory that stays flat while a million
 * generated elements stream out.
 */
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

#define JFLAGS (JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17))

/* jansson's text for a real */
static void jansson_real(double v, char *out, size_t n)
{
    json_t *j = json_real(v);
    char *s = json_dumps(j, JFLAGS);
    assert_non_null(s);
    snprintf(out, n, "%s", s);
    free(s);
    json_decref(j);
}

static uint64_t rng = 88172645463325252u;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void same_real(double v)
{
    char want[64], got[40];
    jansson_real(v, want, sizeof want);
    size_t n = msc_rep_json_real(got, v, '.');
    if (n != strlen(want) || memcmp(got, want, n) != 0) {
        print_error("%.17g: jansson \"%s\", got \"%.*s\"\n", v, want, (int)n, got);
        fail();
    }
}

static void test_reals_as_jansson(void **state)
{
    (void)state;
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.5,
                                   0.1,
                                   0.94999999999999996,
                                   100.0,
                                   1e15,
                                   1e16,
                                   1e17,
                                   123456789012345678.0,
                                   9007199254740993.0,
                                   1e-4,
                                   1e-5,
                                   1.5e-5,
                                   1e21,
                                   1e22,
                                   1e100,
                                   1e-100,
                                   1e300,
                                   1.7976931348623157e308,
                                   2.2250738585072014e-308,
                                   4.9406564584124654e-324,
                                   -4.9406564584124654e-324,
                                   3.0 / 7.0,
                                   -2.0 / 3.0};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        same_real(fixed[i]);
    for (int e = -324; e <= 308; e++) { /* powers of ten and their neighbours */
        double v = pow(10.0, e);
        if (isfinite(v) && v > 0) {
            same_real(v);
            same_real(-v);
            same_real(nextafter(v, 0));
            same_real(nextafter(v, INFINITY));
        }
    }
    for (long long k = -2000; k <= 2000; k++) { /* integers and round decimals */
        same_real((double)k);
        same_real((double)k / 1000.0);
        same_real((double)k * 1e13);
    }
    for (int i = 0; i < 200000; i++) { /* random bit patterns */
        uint64_t bits = xorshift();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v))
            same_real(v);
        same_real((double)(xorshift() >> 11) / 9007199254740992.0); /* uniform in [0, 1) */
    }
    /* a locale's decimal comma becomes a point, as jansson makes it */
    char got[40];
    size_t n = msc_rep_json_real(got, 0.5, ',');
    assert_int_equal(n, 3);
    assert_memory_equal(got, "0.5", 3);
}

typedef struct {
    msc_rep_buf got;
} sink;

static msc_status to_buf(void *ctx, const char *buf, size_t len)
{
    msc_rep_buf_put(&((sink *)ctx)->got, buf, len);
    return MSC_OK;
}

static char outbuf[4096];

static msc_rep_out out_to(sink *s)
{
    memset(s, 0, sizeof *s);
    msc_rep_buf_put(&s->got, "", 0);
    msc_rep_out o = {to_buf, s, outbuf, 0, sizeof outbuf, MSC_OK};
    return o;
}

/* mscmeta's JSON text for a string before this emitter: jansson's, after
 * repairing invalid UTF-8 (U+FFFD) with msc_utf8_clean. */
static char *old_string(const char *s)
{
    json_t *j = json_string(s);
    if (!j) {
        int fixed;
        char *c = msc_utf8_clean(s, strlen(s), &fixed);
        j = json_string(c);
        free(c);
    }
    char *t = json_dumps(j, JFLAGS);
    json_decref(j);
    return t;
}

static void same_string(const char *s)
{
    sink k;
    msc_rep_out o = out_to(&k);
    msc_rep_json_string(&o, s);
    msc_rep_flush(&o);
    char *want = old_string(s);
    assert_non_null(want);
    if (strcmp(want, k.got.s) != 0) {
        print_error("jansson %s, got %s\n", want, k.got.s);
        fail();
    }
    free(want);
    msc_rep_buf_free(&k.got);
}

static void test_strings_as_jansson(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "",
        "plain",
        "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f",
        "\x01\x02\x1b[31m\x1f\x7f",
        "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80 \xE2\x80\xA8 \xC2\x9B",
        "bad \xFF byte",
        "cut \xE2\x82",
        "overlong \xC0\xAF surrogate \xED\xA0\x80 high \xF4\x90\x80\x80",
        "stray \x80 continuation"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        same_string(fixed[i]);
    /* random strings: ASCII with controls, valid multi-byte, and any bytes */
    static const char *const pieces[] = {"a",
                                         "\"",
                                         "\\",
                                         "\n",
                                         "\x01",
                                         "\x1f",
                                         " ",
                                         "/",
                                         "\xC3\xA9",
                                         "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80",
                                         "\xC2\x85",
                                         "\x7f"};
    char s[64];
    for (int i = 0; i < 20000; i++) {
        size_t n = 0, len = xorshift() % 20;
        for (size_t j = 0; j < len; j++) {
            if (i % 2) {
                const char *p = pieces[xorshift() % (sizeof pieces / sizeof *pieces)];
                size_t l = strlen(p);
                memcpy(s + n, p, l);
                n += l;
            } else {
                s[n++] = (char)(1 + xorshift() % 255);
            }
        }
        s[n] = '\0';
        same_string(s);
    }
}

static char *emit(msc_rep *b, msc_rep_node *root)
{
    sink k;
    msc_rep_out o = out_to(&k);
    msc_rep_doc d = {root, NULL, NULL, 1.0};
    assert_int_equal(msc_rep_emit_json(b, &d, &o), MSC_OK);
    assert_int_equal(msc_rep_flush(&o), MSC_OK);
    return k.got.s;
}

static msc_rep_node *item(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    msc_rep_node *e = msc_rep_object(b, NULL, NULL);
    msc_rep_int(b, e, "i", (long long)i);
    msc_rep_proportion(b, e, "p", (double)i / 4);
    return e;
}

static void test_document(void **state)
{
    (void)state;
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_int(&b, root, "a", -12);
    msc_rep_text(&b, root, "b", "x\"y");
    msc_rep_text(&b, root, "c", NULL);
    msc_rep_node *d = msc_rep_array(&b, root, "d");
    msc_rep_bool(&b, d, NULL, 1);
    msc_rep_bool(&b, d, NULL, 0);
    msc_rep_array(&b, root, "none");
    msc_rep_node *e = msc_rep_object(&b, root, "e");
    msc_rep_number(&b, e, "f", 0.5, "%.4f");
    msc_rep_number(&b, e, "g", NAN, NULL);
    msc_rep_count(&b, e, "h", 3);
    msc_rep_percent(&b, e, "w", 100, NULL);
    msc_rep_pvalue(&b, e, "p", INFINITY);
    msc_rep_object(&b, e, "empty");
    msc_rep_flag(msc_rep_generator(&b, root, "items", 3, item, NULL),
                 MSC_REP_NL_ITEMS | MSC_REP_NL_CLOSE);
    msc_rep_flag(msc_rep_generator(&b, root, "zero", 0, item, NULL), MSC_REP_NL_ITEMS);
    msc_rep_node *nl = msc_rep_flag(msc_rep_array(&b, root, "nl"), MSC_REP_NL_ITEMS);
    msc_rep_text(&b, nl, NULL, "one");
    msc_rep_only(msc_rep_text(&b, nl, NULL, "csv only"), MSC_REP_CSV);
    msc_rep_text(&b, nl, NULL, "two");
    msc_rep_only(msc_rep_int(&b, root, "table", 1), MSC_REP_TABLE);
    msc_rep_ref(&b, root, "main", e);
    msc_rep_text(&b, root, "k\xC3\xA9y", "last");
    char *got = emit(&b, root);
    assert_string_equal(got,
                        "{\"a\":-12,\"b\":\"x\\\"y\",\"c\":null,\"d\":[true,false],\"none\":[],"
                        "\"e\":{\"f\":0.5,\"g\":null,\"h\":3,\"w\":100.0,\"p\":null,"
                        "\"empty\":{}},"
                        "\"items\":[\n{\"i\":0,\"p\":0.0},\n{\"i\":1,\"p\":0.25},\n"
                        "{\"i\":2,\"p\":0.5}\n],\"zero\":[],"
                        "\"nl\":[\n\"one\",\n\"two\"],\"k\xC3\xA9y\":\"last\"}\n");
    free(got);
    /* what jansson reads back is what was built */
    assert_int_equal(b.err, MSC_OK);
    msc_rep_release(&b);
}

static msc_rep_node *study(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    msc_rep_node *e = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, e, "study", "Study with a name");
    msc_rep_int(b, e, "row", (long long)i + 2);
    msc_rep_count(b, e, "events", 3);
    msc_rep_count(b, e, "n", 10);
    for (int k = 0; k < 8; k++)
        msc_rep_number(b, e, "x", 0.1 * k, NULL);
    return e;
}

static msc_status count_only(void *ctx, const char *buf, size_t len)
{
    (void)buf;
    *(size_t *)ctx += len;
    return MSC_OK;
}

/* A million generated elements stream through: the arena ends no larger
 * than after ten. */
static void test_streams_in_constant_memory(void **state)
{
    (void)state;
    size_t foot[2], bytes[2];
    const size_t count[2] = {10, 1000000};
    for (int run = 0; run < 2; run++) {
        msc_rep b;
        msc_rep_init(&b);
        msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
        msc_rep_flag(msc_rep_generator(&b, root, "studies", count[run], study, NULL),
                     MSC_REP_NL_ITEMS);
        bytes[run] = 0;
        msc_rep_out o = {count_only, &bytes[run], outbuf, 0, sizeof outbuf, MSC_OK};
        msc_rep_doc d = {root, NULL, NULL, 1.0};
        assert_int_equal(msc_rep_emit_json(&b, &d, &o), MSC_OK);
        msc_rep_flush(&o);
        foot[run] = msc_rep_footprint(&b);
        msc_rep_release(&b);
    }
    assert_int_equal(foot[0], foot[1]);
    assert_true(bytes[1] > 100 * 1000000); /* the elements were written */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reals_as_jansson),
        cmocka_unit_test(test_strings_as_jansson),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_streams_in_constant_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
