/*
 * The library as a caller outside mscmeta sees it (src/core/library.c,
 * src/stats/init.c, src/io/counts.c, msc_report_string): start-up,
 * version, status texts, a data set built from counts in memory, and a
 * report written to a string. The reference numbers are metafor's, from
 * tests/reference/pritz1997.json (PLO, REML, test z), which the same
 * counts as a CSV file must reproduce too.
 */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void version_and_status(void **state)
{
    (void)state;
    assert_int_equal(msc_init(), MSC_OK);
    assert_string_equal(msc_version(), MSC_VERSION);
    assert_string_equal(msc_strerror(MSC_OK), "success");
    assert_string_equal(msc_strerror(MSC_ERR_NOMEM), "out of memory");
    assert_string_equal(msc_strerror((msc_status)99), "unknown status");
}

/* pritz1997: the counts of tests/reference/pritz1997.csv */
static const double PRITZ_X[] = {16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6};
static const double PRITZ_N[] = {17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10};

static void counts_match_the_csv(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    msc_dataset *mem = NULL;
    assert_int_equal(
        msc_dataset_from_counts(NULL, PRITZ_X, PRITZ_N, 14, NULL, &mem, err, sizeof err), MSC_OK);
    assert_string_equal(mem->label[0], "study 1");
    assert_string_equal(mem->outcome[0].name, "events");
    msc_dataset *csv = load_file("reference/pritz1997.csv", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(mem, &s), *b = run_analysis(csv, &s);
    const msc_fit *fa = &a->outcome[0].fit, *fb = &b->outcome[0].fit;
    assert_true(fa->random.yi == fb->random.yi && fa->random.se == fb->random.se);
    assert_true(fa->het.tau2 == fb->het.tau2);
    /* and metafor's REML estimate for these counts */
    json_t *ref = ref_load("pritz1997.json");
    json_t *fits = json_object_get(ref, "fits");
    for (size_t i = 0; i < json_array_size(fits); i++) {
        json_t *f = json_array_get(fits, i);
        if (strcmp(json_string_value(json_object_get(f, "measure")), "PLO") ||
            strcmp(json_string_value(json_object_get(f, "method")), "REML") ||
            strcmp(json_string_value(json_object_get(f, "test")), "z"))
            continue;
        assert_close(fa->random.yi, ref_get(f, "est"), 1e-6);
        assert_close(fa->het.tau2, ref_get(f, "tau2"), 1e-6);
    }
    json_decref(ref);
    msc_analysis_free(a);
    msc_analysis_free(b);
    msc_dataset_free(mem);
    msc_dataset_free(csv);
}

static void counts_are_checked(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    const char *lab[] = {"A", "B"};
    double x[] = {3, 11}, n[] = {10, 10};
    assert_int_equal(msc_dataset_from_counts(lab, x, n, 2, "sae", &d, err, sizeof err),
                     MSC_ERR_INPUT);
    assert_null(d);
    assert_string_equal(err, "study 2: 11 events but only 10 patients");
    x[1] = 2.5;
    assert_int_equal(msc_dataset_from_counts(lab, x, n, 2, "sae", &d, err, sizeof err),
                     MSC_ERR_INPUT);
    assert_string_equal(err, "study 2: counts must be whole numbers from 0 to 1e15");
    x[1] = NAN; /* missing: accepted, the analysis leaves it out */
    assert_int_equal(msc_dataset_from_counts(lab, x, n, 2, "sae", &d, err, sizeof err), MSC_OK);
    assert_string_equal(d->label[1], "B");
    assert_true(isnan(d->outcome[0].events[1]));
    msc_dataset_free(d);
    assert_int_equal(msc_dataset_from_counts(lab, x, n, 0, "sae", &d, err, sizeof err),
                     MSC_ERR_USAGE);
}

static void report_to_string(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    assert_int_equal(msc_dataset_from_counts(NULL, PRITZ_X, PRITZ_N, 14, NULL, &d, err, sizeof err),
                     MSC_OK);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    msc_report_options ro = {0, "mem", NULL, NULL};
    char *js = NULL;
    size_t len = 0;
    assert_int_equal(msc_report_string(msc_report_json, a, &ro, &js, &len), MSC_OK);
    assert_int_equal(strlen(js), len);
    json_error_t e;
    json_t *j = json_loads(js, 0, &e);
    assert_non_null(j);
    json_t *o = json_array_get(json_object_get(j, "outcomes"), 0);
    assert_true(json_real_value(json_object_get(json_object_get(o, "random"), "yi")) ==
                a->outcome[0].fit.random.yi);
    json_decref(j);
    msc_free(js);
    /* the same bytes as the FILE* writer */
    char *viafile = render_report(msc_report_json, a, &ro, &len);
    assert_non_null(msc_report_string(msc_report_json, a, &ro, &js, NULL) == MSC_OK ? js : NULL);
    assert_string_equal(js, viafile);
    msc_free(js);
    free(viafile);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* Settings are checked where they enter the library (issue 9): a GLMM
 * with more quadrature points than the engine's rule holds wrote past a
 * 64-entry stack array, and an enum out of range read past a name table. */
static void settings_are_checked(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    assert_int_equal(msc_dataset_from_counts(NULL, PRITZ_X, PRITZ_N, 14, NULL, &d, err,
                                             sizeof err),
                     MSC_OK);
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    s.nagq = 100;
    msc_analysis *a = NULL;
    assert_int_equal(msc_analysis_run(d, &s, 0, &a, err, sizeof err), MSC_ERR_USAGE);
    assert_null(a);
    assert_non_null(strstr(err, "nagq"));
    assert_null(strstr(err, "--")); /* neutral: no command-line flag */

    /* the same through the fit of a subset */
    msc_settings_default(&s);
    assert_int_equal(msc_analysis_run(d, &s, 0, &a, err, sizeof err), MSC_OK);
    msc_studies st;
    msc_outcome_studies(&a->outcome[0], &st);
    msc_fit f;
    msc_warnings w = {0};
    s.method = MSC_METHOD_GLMM;
    s.nagq = 65;
    assert_int_equal(msc_fit_studies(&st, NULL, 0, &s, 0, &f, &w), MSC_ERR_USAGE);
    s.nagq = 0;
    assert_int_equal(msc_glmm_fit(st.xi, st.ni, st.vi, st.k, &s, &f, &w), MSC_ERR_USAGE);
    msc_settings_default(&s);
    s.measure = (msc_measure)99;
    assert_int_equal(msc_pool_fit(st.yi, st.vi, st.ni, st.k, &s, &f, &w), MSC_ERR_USAGE);
    msc_warnings_clear(&w);
    msc_analysis_free(a);

    /* each field out of range */
    msc_settings_default(&s);
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_OK);
    s.level = 1.0;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    assert_non_null(strstr(err, "level"));
    msc_settings_default(&s);
    s.cc = -0.5;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    assert_non_null(strstr(err, "cc"));
    msc_settings_default(&s);
    s.cc_mode = 7;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    msc_settings_default(&s);
    s.test = (msc_test)2;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    msc_settings_default(&s);
    s.pi = (msc_pi)-1;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    msc_settings_default(&s);
    s.study_ci = (msc_study_ci)5;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    msc_settings_default(&s);
    s.threads = 0;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    assert_non_null(strstr(err, "threads"));
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    s.measure = MSC_PFT;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    assert_string_equal(msc_measure_name((msc_measure)99), "?");
    assert_string_equal(msc_method_name((msc_method)-3), "?");
    assert_string_equal(msc_study_ci_name((msc_study_ci)5), "?");
    msc_dataset_free(d);
}

/* msc_group_fit gives exactly the fit msc_fit_studies makes of a
 * subgroup's studies, and its warnings, whether the analysis kept the fit
 * (MS: 8 studies) or makes it again (RA: 2, SLE: 3). */
static void group_fit_is_the_subgroup_fit(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, "disease");
    const msc_method methods[] = {MSC_METHOD_DL, MSC_METHOD_REML, MSC_METHOD_GLMM, MSC_METHOD_BB};
    for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
        msc_settings s;
        msc_settings_default(&s);
        s.method = methods[m];
        char err[MSC_ERRBUF];
        msc_analysis *a = NULL;
        assert_int_equal(msc_analysis_run(d, &s, 0, &a, err, sizeof err), MSC_OK);
        for (size_t j = 0; j < a->n_outcomes; j++) {
            const msc_outcome_result *o = &a->outcome[j];
            if (o->skipped)
                continue;
            assert_true(o->n_groups >= 2);
            msc_studies st;
            msc_outcome_studies(o, &st);
            for (size_t g = 0; g < o->n_groups; g++) {
                msc_fit got, want;
                msc_warnings wg = {0}, ww = {0};
                memset(&got, 0, sizeof got);
                memset(&want, 0, sizeof want);
                assert_int_equal(msc_group_fit(a, o, g, &got, &wg), MSC_OK);
                assert_int_equal(msc_fit_studies(&st, o->group[g].study, o->group[g].k, &s, 0,
                                                 &want, &ww),
                                 MSC_OK);
                assert_memory_equal(&got, &want, sizeof got);
                assert_int_equal(wg.n, ww.n);
                for (size_t i = 0; i < wg.n; i++)
                    assert_string_equal(wg.msg[i], ww.msg[i]);
                msc_warnings_clear(&wg);
                msc_warnings_clear(&ww);
            }
            msc_fit f;
            msc_warnings w = {0};
            assert_int_equal(msc_group_fit(a, o, o->n_groups, &f, &w), MSC_ERR_USAGE);
            assert_int_equal(msc_group_fit(NULL, o, 0, &f, &w), MSC_ERR_USAGE);
        }
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_and_status),
        cmocka_unit_test(counts_match_the_csv),
        cmocka_unit_test(counts_are_checked),
        cmocka_unit_test(report_to_string),
        cmocka_unit_test(settings_are_checked),
        cmocka_unit_test(group_fit_is_the_subgroup_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
