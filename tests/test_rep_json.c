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

#define JFLAGS (JSON_ENCODE_ANY | JSON_COMPACT)

static uint64_t rng = 88172645463325252u;
static uint64_t xorshift(void) { return xorshift64(&rng); }

/* A real's JSON text: the shortest round-trip text (test_rep_number checks
 * it against printf) with ".0" where it would read as an integer, and
 * jansson, as an independent JSON reader, reads it back as the same real. */
static void json_real_ok(double v)
{
    char got[40], text[40], doc[64];
    size_t n = msc_rep_json_real(got, v);
    size_t t = msc_rep_number_text(text, v);
    int whole = !strchr(text, '.') && !strchr(text, 'e');
    if (n != t + (whole ? 2 : 0) || memcmp(got, text, t) != 0 ||
        (whole && memcmp(got + t, ".0", 2) != 0))
        fail_msg("%.17g: JSON \"%.*s\", number text \"%s\"", v, (int)n, got, text);
    snprintf(doc, sizeof doc, "[%.*s]", (int)n, got);
    json_error_t err;
    json_t *j = json_loads(doc, 0, &err);
    if (!j || !json_is_real(json_array_get(j, 0)))
        fail_msg("%.17g: jansson does not read \"%.*s\" as a real", v, (int)n, got);
    double back = json_real_value(json_array_get(j, 0));
    if (memcmp(&back, &v, sizeof v) != 0 && !(v == 0.0 && back == 0.0))
        fail_msg("%.17g: jansson reads \"%.*s\" as %.17g", v, (int)n, got, back);
    json_decref(j);
}

static void test_reals(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *json;
    } ex[] = {{0.0, "0.0"},     {-0.0, "-0.0"},      {1.0, "1.0"},    {0.95, "0.95"},
              {100.0, "100.0"}, {1e16, "10000000000000000.0"},          {1e17, "1e17"},
              {1e-5, "1e-5"},   {0.0001, "0.0001"},  {-2.5e-8, "-2.5e-8"},
              {1e21, "1e21"},   {5e-324, "5e-324"}};
    for (size_t i = 0; i < sizeof ex / sizeof *ex; i++) {
        char got[40];
        size_t n = msc_rep_json_real(got, ex[i].v);
        if (n != strlen(ex[i].json) || memcmp(got, ex[i].json, n) != 0)
            fail_msg("%.17g: got \"%.*s\", want \"%s\"", ex[i].v, (int)n, got, ex[i].json);
        json_real_ok(ex[i].v);
    }
    for (int e = -324; e <= 308; e++) { /* powers of ten and their neighbours */
        double v = pow(10.0, e);
        if (isfinite(v) && v > 0) {
            json_real_ok(v);
            json_real_ok(-v);
            json_real_ok(nextafter(v, 0));
            json_real_ok(nextafter(v, INFINITY));
        }
    }
    for (long long k = -2000; k <= 2000; k++) { /* integers and round decimals */
        json_real_ok((double)k);
        json_real_ok((double)k / 1000.0);
        json_real_ok((double)k * 1e13);
    }
    for (int i = 0; i < 50000; i++) { /* random bit patterns */
        uint64_t bits = xorshift();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v))
            json_real_ok(v);
        json_real_ok((double)(xorshift() >> 11) / 9007199254740992.0); /* uniform in [0, 1) */
    }
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
static char *jansson_string(const char *s);

static msc_rep_out out_to(sink *s)
{
    memset(s, 0, sizeof *s);
    msc_rep_buf_put(&s->got, "", 0);
    msc_rep_out o = {to_buf, s, outbuf, 0, sizeof outbuf, MSC_OK};
    return o;
}

/* mscmeta's JSON text for a string: jansson's, after repairing invalid
 * UTF-8 (U+FFFD) with msc_utf8_clean, with the C1 controls U+0080-U+009F
 * escaped as jansson escapes C0 (\u0080 ...), since terminals act on them. */
static char *old_string(const char *s)
{
    char *t = jansson_string(s);
    size_t n = strlen(t), c1 = 0;
    for (size_t i = 0; i < n; i++)
        c1 += (unsigned char)t[i] == 0xC2 && (unsigned char)t[i + 1] >= 0x80 &&
              (unsigned char)t[i + 1] <= 0x9F;
    char *e = malloc(n + 4 * c1 + 1), *w = e;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)t[i + 1];
        if ((unsigned char)t[i] == 0xC2 && b >= 0x80 && b <= 0x9F) {
            w += sprintf(w, "\\u00%c%c", "89"[b >= 0x90], "0123456789abcdef"[b & 15]);
            i++;
        } else {
            *w++ = t[i];
        }
    }
    *w = 0;
    free(t);
    return e;
}

static void test_c1_escaped(void **state)
{
    (void)state;
    sink k;
    msc_rep_out o = out_to(&k);
    /* U+009B (CSI), U+0085 (NEL), U+0080, U+009F; U+00A0 and U+00E9 stay */
    msc_rep_json_string(&o, "a\xC2\x9B[2Jb\xC2\x85\xC2\x80\xC2\x9F\xC2\xA0\xC3\xA9");
    msc_rep_flush(&o);
    assert_string_equal(k.got.s, "\"a\\u009b[2Jb\\u0085\\u0080\\u009f\xC2\xA0\xC3\xA9\"");
    json_t *j = json_loads(k.got.s, JSON_DECODE_ANY, NULL); /* and reads back the same */
    assert_non_null(j);
    assert_string_equal(json_string_value(j),
                        "a\xC2\x9B[2Jb\xC2\x85\xC2\x80\xC2\x9F\xC2\xA0\xC3\xA9");
    json_decref(j);
    msc_rep_buf_free(&k.got);
}

static char *jansson_string(const char *s)
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

/* ----------------------------------------- every number of a report */

/* The numbers the JSON of a model holds, in document order: the value of
 * every JSON-visible INT, COUNT and finite real (non-finite reals are
 * written as null). */
typedef struct {
    double *v;
    size_t n, cap;
} numbers;

static void push(numbers *ns, double v)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 1024;
        ns->v = realloc(ns->v, ns->cap * sizeof *ns->v);
        assert_non_null(ns->v);
    }
    ns->v[ns->n++] = v;
}

static void collect(msc_rep *b, msc_rep_node *n, numbers *ns)
{
    if (!(n->show & MSC_REP_JSON))
        return;
    if (n->type == MSC_REP_INT)
        push(ns, (double)n->v.i);
    else if (n->type >= MSC_REP_COUNT && n->type <= MSC_REP_PVALUE && isfinite(n->v.num))
        push(ns, n->v.num);
    else if (n->type == MSC_REP_OBJECT)
        for (msc_rep_node *m = n->v.c.first; m; m = m->next)
            collect(b, m, ns);
    else if (n->type == MSC_REP_ARRAY) {
        msc_rep_iter it;
        msc_rep_node *e;
        msc_rep_iter_begin(&it, b, n);
        while ((e = msc_rep_iter_next(&it)))
            collect(b, e, ns);
    }
}

/* The number tokens of JSON text, in order, read back with strtod. */
static void scan(const char *s, numbers *ns)
{
    while (*s) {
        if (*s == '"') { /* a string: skip it, escapes included */
            for (s++; *s && *s != '"'; s++)
                if (*s == '\\' && s[1])
                    s++;
            if (*s)
                s++;
        } else if (*s == '-' || (*s >= '0' && *s <= '9')) {
            char *end;
            push(ns, strtod(s, &end));
            s = end;
        } else {
            s++;
        }
    }
}

/* Issue 14: for every number of the reports of the reference data sets,
 * under several models, the JSON text reads back (strtod) as the double
 * the report holds, bit for bit. */
static void test_reference_numbers_round_trip(void **state)
{
    (void)state;
    static const char *const files[] = {
        "all_zero",  "bcg_control", "debruin2009",   "events_eq_n",      "homogeneous",
        "k2_pair",   "k3_trio",     "large_n",       "many_studies",     "pritz1997",
        "strong_het", "tiny_and_large_n", "zeros_mixed_n"};
    static const msc_method methods[] = {MSC_METHOD_REML, MSC_METHOD_DL, MSC_METHOD_FE,
                                         MSC_METHOD_GLMM};
    size_t total = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        msc_dataset *d = load_ref_set(files[f], NULL);
        for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
            msc_analysis *a = run_method(d, methods[m]);
            msc_report_options ro = {0, "test.csv", NULL, NULL};
            char *json = render_report(msc_report_json, a, &ro, NULL);
            msc_rep b;
            msc_rep_doc doc;
            assert_int_equal(msc_rep_init(&b), MSC_OK);
            assert_int_equal(msc_rep_build_pool(&b, a, &ro, &doc), MSC_OK);
            numbers want = {0}, got = {0};
            collect(&b, doc.root, &want);
            scan(json, &got);
            if (got.n != want.n)
                fail_msg("%s, method %d: %zu numbers in the JSON, %zu in the report", files[f],
                         (int)methods[m], got.n, want.n);
            for (size_t i = 0; i < want.n; i++)
                if (memcmp(&got.v[i], &want.v[i], sizeof(double)) != 0 &&
                    !(got.v[i] == 0.0 && want.v[i] == 0.0))
                    fail_msg("%s, method %d, number %zu: JSON %.17g, report %.17g", files[f],
                             (int)methods[m], i, got.v[i], want.v[i]);
            total += want.n;
            free(want.v);
            free(got.v);
            msc_rep_release(&b);
            free(json);
            msc_analysis_free(a);
        }
        msc_dataset_free(d);
    }
    print_message("%zu numbers read back exactly\n", total);
}

int main(void)
{
    msc_init(); /* the analyses below: GSL must return errors */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reals),
        cmocka_unit_test(test_reference_numbers_round_trip),
        cmocka_unit_test(test_strings_as_jansson),
        cmocka_unit_test(test_c1_escaped),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_streams_in_constant_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
