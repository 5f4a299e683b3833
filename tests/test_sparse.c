/*
 * Sparse data answered honestly (issue 10, parts 1 and 6): the test of a
 * proportion the user names (--null) instead of logit = 0; the warning
 * that gives the three rates when a continuity correction was added; the
 * Freeman-Tukey back-transformation at the smallest, harmonic-mean and
 * largest n; and null / NA for heterogeneity where it cannot be estimated,
 * the same in table, JSON and CSV. Expected values are hand formulas on
 * the fit's own estimate and SE (which test_pool and test_glmm hold to
 * metafor), or a separate fit of the same model.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

static const char SPARSE[] = "study,n,events\nA,20,0\nB,30,0\nC,25,2\nD,40,0\nE,50,3\n";

static msc_analysis *run(const char *csv, msc_method m, msc_measure meas, double null, msc_test t)
{
    msc_dataset *d = load_text(csv, "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    s.method = m;
    s.measure = meas;
    s.null_prop = null;
    s.test = t;
    return run_analysis(d, &s);
}

static void release(msc_analysis *a)
{
    const msc_dataset *d = a->data;
    msc_analysis_free(a);
    msc_dataset_free((msc_dataset *)d);
}

static void test_null(void **state)
{
    (void)state;
    /* z: (yi - logit P) / se, two-sided normal p */
    msc_analysis *a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, 0.02, MSC_TEST_Z);
    const msc_estimate *e = &a->outcome[0].fit.random;
    double z = (e->yi - log(0.02 / 0.98)) / e->se;
    assert_close(e->null_prop, 0.02, 0);
    assert_close(e->null_stat, z, 1e-14);
    assert_close(e->null_p, 2 * gsl_cdf_ugaussian_Q(fabs(z)), 1e-12);
    /* metafor's test of 0 stays as it was */
    assert_close(e->stat, e->yi / e->se, 1e-14);
    release(a);
    /* knha: t with k - 1 df */
    a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, 0.1, MSC_TEST_KNHA);
    e = &a->outcome[0].fit.random;
    double t = (e->yi - log(0.1 / 0.9)) / e->se;
    assert_close(e->null_p, 2 * gsl_cdf_tdist_Q(fabs(t), 4), 1e-10);
    release(a);
    /* PR: the null on the raw scale */
    a = run(SPARSE, MSC_METHOD_DL, MSC_PR, 0.05, MSC_TEST_Z);
    e = &a->outcome[0].fit.random;
    assert_close(e->null_stat, (e->yi - 0.05) / e->se, 1e-14);
    release(a);
    /* GLMM: logit; the exact block has no test */
    a = run(SPARSE, MSC_METHOD_GLMM, MSC_PLO, 0.02, MSC_TEST_Z);
    const msc_fit *f = &a->outcome[0].fit;
    assert_close(f->common.null_stat, (f->common.yi - log(0.02 / 0.98)) / f->common.se, 1e-14);
    if (f->random.exact)
        assert_true(isnan(f->random.null_stat));
    /* the JSON block null_test, and no test columns in the table */
    char *js = render_report(msc_report_json, a, NULL, NULL);
    assert_non_null(strstr(js, "\"null_test\":{\"proportion\":0.02,"));
    free(js);
    release(a);
    a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, NAN, MSC_TEST_Z);
    char *tb = render_report(msc_report_table, a, NULL, NULL);
    assert_null(strstr(tb, "        z        p"));
    js = render_report(msc_report_json, a, NULL, NULL);
    assert_null(strstr(js, "null_test"));
    assert_non_null(strstr(js, "\"statistic\":")); /* metafor's test of 0 */
    free(tb);
    free(js);
    release(a);
}

/* The warning's three rates: here, exact, and a GLMM fitted separately. */
static void test_correction_warning(void **state)
{
    (void)state;
    msc_analysis *a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, NAN, MSC_TEST_Z);
    const msc_outcome_result *o = &a->outcome[0];
    msc_settings g;
    msc_settings_default(&g);
    g.method = MSC_METHOD_GLMM;
    msc_studies st;
    msc_outcome_studies(o, &st);
    msc_fit gf;
    msc_warnings w = {0};
    assert_int_equal(msc_fit_studies(&st, NULL, 0, &g, 0, &gf, &w), MSC_OK);
    msc_warnings_clear(&w);
    char want[256];
    snprintf(want, sizeof want,
             "the continuity correction (0.5 added to 3 of 5 studies with 0 or n events) moves "
             "the pooled rate: %#.2g%% here against %#.2g%% exact (sum x / sum n) and %#.2g%% "
             "from the GLMM",
             100 * o->fit.random.est, 100 * 5.0 / 165.0, 100 * gf.random.est);
    assert_has_warning(o, want);
    release(a);
    /* no zero: nothing corrected, no warning; the GLMM itself: none */
    a = run("study,n,events\nA,20,1\nB,30,2\n", MSC_METHOD_REML, MSC_PLO, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "continuity correction"));
    release(a);
    a = run(SPARSE, MSC_METHOD_GLMM, MSC_PLO, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "continuity correction ("));
    release(a);
    /* every study corrected (all 0): the GLMM cannot be fitted */
    a = run("study,n,events\nA,20,0\nB,30,0\n", MSC_METHOD_DL, MSC_PLO, NAN, MSC_TEST_Z);
    assert_has_warning(&a->outcome[0], "0.5 added to all 2 studies");
    assert_has_warning(&a->outcome[0], "from the GLMM, which cannot be fitted here");
    release(a);
}

static void test_pft_warning(void **state)
{
    (void)state;
    msc_analysis *a = run(SPARSE, MSC_METHOD_REML, MSC_PFT, NAN, MSC_TEST_Z);
    const msc_outcome_result *o = &a->outcome[0];
    double y = o->fit.random.yi, hm = 5.0 / (1 / 20.0 + 1 / 30.0 + 1 / 25.0 + 1 / 40.0 + 1 / 50.0);
    assert_close(o->fit.nhm, hm, 1e-14);
    char want[300];
    snprintf(want, sizeof want,
             "the pooled value %.4f is %#.2g%% at the smallest n (20), %#.2g%% at the harmonic "
             "mean (%.4g, used here) and %#.2g%% at the largest n (50)",
             y, 100 * msc_effect_backtransform(MSC_PFT, y, 20),
             100 * msc_effect_backtransform(MSC_PFT, y, hm), hm,
             100 * msc_effect_backtransform(MSC_PFT, y, 50));
    assert_has_warning(o, want);
    assert_has_warning(o, "Schwarzer et al. 2019");
    release(a);
    /* equal n: one back-transformation, no warning */
    a = run("study,n,events\nA,20,1\nB,20,3\nC,20,0\n", MSC_METHOD_REML, MSC_PFT, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "Freeman-Tukey"));
    release(a);
}

/* k = 1 (inverse variance and GLMM) and the GLMM's fallbacks: tau^2, I^2,
 * Q and its p are null in JSON, empty in CSV, and the table says so. */
static void test_formats_agree_on_null(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        msc_method m;
    } cases[] = {
        {"study,n,events\nA,20,3\n", MSC_METHOD_REML},
        {"study,n,events\nA,20,3\n", MSC_METHOD_GLMM},
        {"study,n,events\nA,20,0\nB,30,0\n", MSC_METHOD_GLMM},
        {"study,n,events\nA,20,0\nB,30,30\n", MSC_METHOD_GLMM},
        {"study,n,events\nA,20,0\nB,30,0\n", MSC_METHOD_BB},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        msc_analysis *a = run(cases[t].csv, cases[t].m, MSC_PLO, NAN, MSC_TEST_Z);
        char *js = render_report(msc_report_json, a, NULL, NULL);
        json_error_t e;
        json_t *j = json_loads(js, 0, &e);
        assert_non_null(j);
        json_t *h =
            json_object_get(json_array_get(json_object_get(j, "outcomes"), 0), "heterogeneity");
        const char *keys[] = {"tau2", "I2", "H2", "Q", "p", "tau2_ci_lower", "tau2_ci_upper"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            assert_true(json_is_null(json_object_get(h, keys[k])));
        json_decref(j);
        free(js);
        /* CSV: the tau2, I2, Q and Q_p cells of the pooled rows are empty */
        char *cs = render_report(msc_report_csv, a, NULL, NULL);
        char *line = strtok(cs, "\n"); /* header */
        int rows = 0;
        while ((line = strtok(NULL, "\n"))) {
            if (!strstr(line, ",common,") && !strstr(line, ",random,"))
                continue; /* the type keyword is written bare (as the CSV contract says) */
            /* columns 22-26 (1-based): tau2, I2, Q, Q_df, Q_p */
            const char *p = line;
            for (int c = 1; c < 22; c++)
                p = strchr(p, ',') + 1;
            assert_true(p[0] == ','); /* tau2 */
            assert_true(p[1] == ','); /* I2 */
            assert_true(p[2] == ','); /* Q */
            rows++;
        }
        assert_true(rows >= 1);
        free(cs);
        char *tb = render_report(msc_report_table, a, NULL, NULL);
        assert_true(strstr(tb, "not estimable") != NULL || strstr(tb, "rho not estimable"));
        assert_null(strstr(tb, "tau^2 = 0 "));
        free(tb);
        release(a);
    }
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_correction_warning),
        cmocka_unit_test(test_pft_warning),
        cmocka_unit_test(test_formats_agree_on_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
