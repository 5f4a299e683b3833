/*
 * Out of memory, everywhere (issue 9): the analysis is run again and
 * again, with the 1st, 2nd, 3rd ... allocation failing, until it needs no
 * more than it got. Every run must end in MSC_ERR_NOMEM or in the complete
 * result: never in MSC_OK with a warning silently missing. The failing
 * allocation is injected by wrapping malloc, calloc and realloc at link
 * time (-Wl,--wrap), so the library carries no test hook.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);

static long countdown = -1; /* allocations left before one fails; -1: none fails */

static int fail_now(void)
{
    if (countdown < 0)
        return 0;
    return countdown-- == 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

/* Every warning of an analysis, outcome and subgroup ones included (a
 * subgroup's through msc_group_fit, which fails only for memory). */
static size_t warnings_of(const msc_analysis *a)
{
    size_t n = 0;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        n += a->outcome[j].warnings.n;
        for (size_t g = 0; g < a->outcome[j].n_groups; g++) {
            msc_fit f;
            msc_warnings w = {0};
            if (msc_group_fit(a, &a->outcome[j], g, &f, &w) != MSC_OK)
                n += 1000000; /* counts as a mismatch */
            n += w.n;
            msc_warnings_clear(&w);
        }
    }
    return n;
}

static void sweep(const char *path, const char *subgroup, msc_method method)
{
    msc_dataset *d = load_file(path, NULL, subgroup);
    msc_settings s;
    msc_settings_default(&s);
    s.method = method;
    char err[MSC_ERRBUF];
    msc_analysis *a = NULL;
    assert_int_equal(msc_analysis_run(d, &s, 0, &a, err, sizeof err), MSC_OK);
    size_t want = warnings_of(a);
    assert_true(want > 0); /* the data were chosen to have warnings */
    msc_analysis_free(a);
    long fail;
    for (fail = 0;; fail++) {
        countdown = fail;
        msc_status st = msc_analysis_run(d, &s, 0, &a, err, sizeof err);
        int exhausted = countdown >= 0; /* the run needed fewer allocations */
        countdown = -1;
        if (st == MSC_OK) {
            size_t got = warnings_of(a);
            msc_analysis_free(a);
            if (got != want) {
                print_error("%s: allocation %ld failed: MSC_OK with %zu of %zu warnings\n", path,
                            fail + 1, got, want);
                fail();
            }
        } else {
            assert_int_equal(st, MSC_ERR_NOMEM);
            assert_null(a);
        }
        if (exhausted)
            break;
    }
    assert_true(fail > 0); /* the allocator wrap took effect */
    msc_dataset_free(d);
}

static void analysis_keeps_every_warning(void **state)
{
    (void)state;
    sweep("../data/msc_autoimmune.csv", "disease", MSC_METHOD_REML);
    sweep("../data/msc_autoimmune.csv", "disease", MSC_METHOD_GLMM);
    sweep("reference/zeros_mixed_n.csv", "route", MSC_METHOD_DL);
}

/* Every warning of the sensitivity analyses, subgroups included. */
static size_t sens_warnings(const msc_sens *s)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_outcomes; j++) {
        n += s->outcome[j].all.warnings.n;
        for (size_t g = 0; g < s->outcome[j].n_groups; g++)
            n += s->outcome[j].group[g].warnings.n;
    }
    return n;
}

/* The sensitivity analyses (issue 11), all of them, on every outcome and
 * subgroup: the complete result or out of memory, at every allocation. */
static void sensitivity_keeps_every_warning(void **state)
{
    (void)state;
    const msc_method methods[] = {MSC_METHOD_REML, MSC_METHOD_GLMM};
    for (int m = 0; m < 2; m++) {
        msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, "disease");
        msc_settings s;
        msc_settings_default(&s);
        s.method = methods[m];
        s.threads = 1; /* the same allocations in the same order each run */
        char err[MSC_ERRBUF];
        msc_analysis *a = NULL;
        assert_int_equal(msc_analysis_run(d, &s, 0, &a, err, sizeof err), MSC_OK);
        msc_sens_options o;
        msc_sens_options_default(&o);
        o.leave_one_out = o.cumulative = o.influence = o.bias_tests = 1;
        o.flags = MSC_SENS_FAST; /* the updating scheme too, at these few studies */
        msc_sens *sens = NULL;
        assert_int_equal(msc_sens_run(a, &o, &sens, err, sizeof err), MSC_OK);
        size_t want = sens_warnings(sens);
        assert_true(want > 0);
        msc_sens_free(sens);
        long fail;
        for (fail = 0;; fail++) {
            countdown = fail;
            msc_status st = msc_sens_run(a, &o, &sens, err, sizeof err);
            int exhausted = countdown >= 0;
            countdown = -1;
            if (st == MSC_OK) {
                size_t got = sens_warnings(sens);
                msc_sens_free(sens);
                if (got != want) {
                    print_error("sensitivity, %s: allocation %ld failed: MSC_OK with %zu of %zu "
                                "warnings\n",
                                msc_method_name(s.method), fail + 1, got, want);
                    fail();
                }
            } else {
                assert_int_equal(st, MSC_ERR_NOMEM);
                assert_null(sens);
            }
            if (exhausted)
                break;
        }
        assert_true(fail > 0); /* the allocator wrap took effect */
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
}

/* Loads csv with options o with the 1st, 2nd, ... allocation failing until
 * the load needs no more than it got: each load has its `want` warnings or
 * fails with out of memory, and at least one load met a failed allocation. */
static void load_sweep(const char *csv, size_t len, const msc_load_options *o, size_t want)
{
    char err[MSC_ERRBUF];
    long fail;
    for (fail = 0;; fail++) {
        msc_dataset *d = NULL;
        countdown = fail;
        msc_status st = msc_dataset_load_buffer(csv, len, "x.csv", o, &d, err, sizeof err);
        int exhausted = countdown >= 0;
        countdown = -1;
        if (st == MSC_OK) {
            assert_int_equal(d->warnings.n, want);
            msc_dataset_free(d);
        } else {
            assert_int_equal(st, MSC_ERR_NOMEM);
            assert_null(d);
        }
        if (exhausted)
            break;
    }
    assert_true(fail > 0); /* the allocator wrap took effect */
}

/* The loader: its warning (invalid UTF-8 replaced) is kept, or the load
 * fails with out of memory. */
static void loader_keeps_its_warning(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events\nA\xff,10,3\nB,20,4\n";
    msc_load_options o;
    msc_load_options_default(&o);
    load_sweep(csv, sizeof csv - 1, &o, 1);
}

/* The loader's issue-14 paths (custom missing tokens, an n_<outcome>
 * falling back to n, duplicate labels, case variants of a subgroup) under
 * every allocation failure: the load succeeds with its 3 warnings or fails
 * with out of memory, leaking nothing (valgrind, ASan). */
static void loader_reviewer_warnings(void **state)
{
    (void)state;
    static const char csv[] = "Author,N,Responders,n_responders,g\nA,10,3,,SLE\nA,12,5,11,sle\n"
                              "B,20,4,NR,MS\nC,9,x,9,MS\n";
    msc_load_options o;
    msc_load_options_default(&o);
    o.na = "NR, x";
    o.subgroup_col = "g";
    load_sweep(csv, sizeof csv - 1, &o, 3);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(analysis_keeps_every_warning),
        cmocka_unit_test(loader_keeps_its_warning),
        cmocka_unit_test(sensitivity_keeps_every_warning),
        cmocka_unit_test(loader_reviewer_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
