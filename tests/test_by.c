/*
 * Many meta-analyses by group (issue 16), through the library: the
 * grouping (order of first appearance, rows in file order, missing values
 * in no group), an analysis of some rows equal to the analysis of a file
 * holding just those rows, and the report by group the same bytes for
 * any number of threads. The expected values are the separate analysis
 * of each group, which the metafor tests check elsewhere.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* Groups B, A, C in order of first row; one row with no group. */
static const char CSV[] = "study,ma,n,events\n"
                          "b1,B,30,3\n"
                          "a1,A,20,5\n"
                          "b2,B,40,9\n"
                          "x1,,10,1\n"
                          "a2,A,25,8\n"
                          "c1,C,12,\n"
                          "a3,A,30,12\n"
                          "b3,B,35,2\n";

static msc_dataset *load_by(const char *csv)
{
    static const char *keep[] = {"ma"};
    msc_load_options o;
    msc_load_options_default(&o);
    o.keep_cols = keep;
    o.n_keep_cols = 1;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, strlen(csv), "by.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    return d;
}

static void test_grouping(void **state)
{
    (void)state;
    msc_dataset *d = load_by(CSV);
    msc_by *g = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_by_group(d, "ma", &g, err, sizeof err), MSC_OK);
    assert_int_equal(msc_by_count(g), 3);
    assert_string_equal(msc_by_column(g), "ma");
    assert_int_equal(msc_by_missing(g), 1);
    const char *names[] = {"B", "A", "C"};
    const size_t want[3][3] = {{0, 2, 7}, {1, 4, 6}, {5}};
    const size_t sizes[] = {3, 3, 1};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        const size_t *rows = msc_by_rows(g, i, &n);
        assert_string_equal(msc_by_value(g, i), names[i]);
        assert_int_equal(n, sizes[i]);
        for (size_t j = 0; j < n; j++)
            assert_int_equal(rows[j], want[i][j]);
    }
    assert_null(msc_by_value(g, 3));
    /* a column that was not kept */
    msc_by *none = NULL;
    assert_int_equal(msc_by_group(d, "study", &none, err, sizeof err), MSC_ERR_USAGE);
    assert_null(none);
    msc_by_free(g);
    msc_by_free(NULL);
    msc_dataset_free(d);
}

/* Group A analysed within the file equals the file of A's rows alone. */
static void test_rows_equal_separate(void **state)
{
    (void)state;
    msc_dataset *d = load_by(CSV);
    msc_dataset *alone = load_by("study,ma,n,events\na1,A,20,5\na2,A,25,8\na3,A,30,12\n");
    msc_by *g = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_by_group(d, "ma", &g, err, sizeof err), MSC_OK);
    msc_method methods[] = {MSC_METHOD_REML, MSC_METHOD_DL, MSC_METHOD_GLMM};
    for (size_t m = 0; m < 3; m++) {
        msc_settings s;
        msc_settings_default(&s);
        s.method = methods[m];
        size_t n;
        const size_t *rows = msc_by_rows(g, 1, &n);
        msc_analysis *a = NULL, *b = run_analysis(alone, &s);
        assert_int_equal(msc_analysis_run_rows(d, rows, n, &s, 0, &a, err, sizeof err), MSC_OK);
        const msc_outcome_result *x = &a->outcome[0], *y = &b->outcome[0];
        assert_int_equal(x->k, 3);
        /* the same computation on the same numbers: equal to the bit */
        assert_true(memcmp(&x->fit, &y->fit, sizeof x->fit) == 0);
        assert_true(x->exact_lo == y->exact_lo && x->exact_hi == y->exact_hi);
        for (size_t i = 0; i < 3; i++)
            assert_true(x->ci_lo[i] == y->ci_lo[i] && x->ci_hi[i] == y->ci_hi[i]);
        assert_int_equal(x->row[2], 6); /* the row in d, not in the file alone */
        msc_analysis_free(a);
        msc_analysis_free(b);
    }
    msc_by_free(g);
    msc_dataset_free(d);
    msc_dataset_free(alone);
}

/* No usable study is no error: the outcome is skipped with its warning. */
static void test_rows_skipped(void **state)
{
    (void)state;
    msc_dataset *d = load_by(CSV);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = NULL;
    char err[MSC_ERRBUF];
    size_t c1 = 5, bad = 99;
    assert_int_equal(msc_analysis_run_rows(d, &c1, 1, &s, 0, &a, err, sizeof err), MSC_OK);
    assert_true(a->outcome[0].skipped);
    assert_int_equal(a->outcome[0].n_excluded, 1);
    assert_true(a->outcome[0].warnings.n >= 1);
    msc_analysis_free(a);
    assert_int_equal(msc_analysis_run_rows(d, &bad, 1, &s, 0, &a, err, sizeof err), MSC_ERR_USAGE);
    assert_null(a);
    /* no rows at all: every outcome skipped */
    assert_int_equal(msc_analysis_run_rows(d, NULL, 0, &s, 0, &a, err, sizeof err), MSC_OK);
    assert_true(a->outcome[0].skipped);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

typedef struct {
    char *s;
    size_t n;
} sink;

static msc_status to_sink(void *ctx, const char *buf, size_t len)
{
    sink *k = ctx;
    char *s = realloc(k->s, k->n + len + 1);
    if (!s)
        return MSC_ERR_NOMEM;
    memcpy(s + k->n, buf, len);
    k->n += len;
    s[k->n] = '\0';
    k->s = s;
    return MSC_OK;
}

/* The same bytes for 1, 2 and 5 threads, in every format; safety counts
 * the groups not shown below their limit. */
static void test_report_threads(void **state)
{
    (void)state;
    /* enough groups for several batches */
    size_t len = 1u << 20, o = 0;
    char *csv = malloc(len);
    o += (size_t)snprintf(csv + o, len - o, "study,ma,n,events\n");
    for (int i = 0; i < 3000; i++)
        o += (size_t)snprintf(csv + o, len - o, "s%d,g%d,%d,%d\n", i, i % 1100, 10 + i % 37,
                              i % 7 == 0 ? 0 : 1 + i % 9);
    msc_dataset *d = load_by(csv);
    free(csv);
    msc_by *g = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_by_group(d, "ma", &g, err, sizeof err), MSC_OK);
    assert_int_equal(msc_by_count(g), 1100);
    msc_settings s;
    msc_settings_default(&s);
    double limit = 0.2;
    msc_format fmts[] = {MSC_FORMAT_JSONL, MSC_FORMAT_CSV, MSC_FORMAT_TABLE};
    for (int kind = 0; kind < 2; kind++)
        for (size_t f = 0; f < 3; f++) {
            sink first = {0};
            msc_by_summary sum1 = {0, 0, 0, 0};
            int threads[] = {1, 2, 5};
            for (size_t t = 0; t < 3; t++) {
                msc_by_options bo = {kind ? MSC_BY_SAFETY : MSC_BY_POOL, 1, NULL, &limit,
                                     threads[t], NULL};
                sink k = {0};
                msc_by_summary sum;
                assert_int_equal(msc_report_by(d, g, &s, &bo, fmts[f], to_sink, &k, &sum), MSC_OK);
                assert_int_equal(sum.groups, 1100);
                if (t == 0) {
                    first = k;
                    sum1 = sum;
                } else {
                    assert_int_equal(k.n, first.n);
                    assert_true(memcmp(k.s, first.s, k.n) == 0);
                    assert_int_equal(sum.not_below, sum1.not_below);
                    free(k.s);
                }
            }
            assert_true(first.n > 0);          /* equal bytes, and not because there are none */
            if (fmts[f] == MSC_FORMAT_JSONL) { /* one line per group */
                size_t lines = 0;
                for (size_t i = 0; i < first.n; i++)
                    lines += first.s[i] == '\n';
                assert_int_equal(lines, 1100);
            }
            if (kind)
                assert_true(sum1.not_below > 0 && sum1.not_below < 1100);
            free(first.s);
        }
    /* not a format of this report; bad threads */
    msc_by_options bo = {MSC_BY_POOL, 1, NULL, NULL, 1, NULL};
    sink k = {0};
    assert_int_equal(msc_report_by(d, g, &s, &bo, MSC_FORMAT_JSON, to_sink, &k, NULL),
                     MSC_ERR_USAGE);
    bo.threads = 0;
    assert_int_equal(msc_report_by(d, g, &s, &bo, MSC_FORMAT_CSV, to_sink, &k, NULL),
                     MSC_ERR_USAGE);
    bo = (msc_by_options){MSC_BY_SAFETY, 1, NULL, NULL, 1, NULL}; /* no limits */
    assert_int_equal(msc_report_by(d, g, &s, &bo, MSC_FORMAT_CSV, to_sink, &k, NULL),
                     MSC_ERR_USAGE);
    free(k.s);
    msc_by_free(g);
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_rows_equal_separate),
        cmocka_unit_test(test_rows_skipped),
        cmocka_unit_test(test_report_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
