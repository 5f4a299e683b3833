/*
 * Sparse data answered honestly (issue 10, parts 1 and 6): the test of a
 * proportion the user names (--null) instead of logit = 0; the warning
 * that gives the three rates when a continuity correction was added; the
 * Freeman-Tukey back-transformation at the smallest, harmonic-mean and
 * largest n; and null / NA for heterogeneity where it cannot be estimated,
 * the same in table, JSON and CSV; the test for subgroup differences when
 * a GLMM subgroup falls back to the exact proportion. Expected values are
 * hand formulas on the fit's own estimate and SE (which test_pool and
 * test_glmm hold to metafor), a separate fit of the same model, R
 * (tests/reference/subgroup_test.R: fisher.test, lme4, integrate/optim),
 * or a brute-force enumeration.
 */
#include "test_util.h"

#include "msc_stats.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

static const char SPARSE[] = "study,n,events\nA,20,0\nB,30,0\nC,25,2\nD,40,0\nE,50,3\n";

/* Whether subgroup g's fit is an exact fallback (msc_group_fit). */
static int group_fallback(const msc_analysis *a, const msc_outcome_result *o, size_t g)
{
    msc_fit f;
    msc_warnings w = {0};
    assert_int_equal(msc_group_fit(a, o, g, &f, &w), MSC_OK);
    msc_warnings_clear(&w);
    return f.exact_fallback;
}

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
    free_analysis_and_data(a);
    /* knha: t with k - 1 df */
    a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, 0.1, MSC_TEST_KNHA);
    e = &a->outcome[0].fit.random;
    double t = (e->yi - log(0.1 / 0.9)) / e->se;
    assert_close(e->null_p, 2 * gsl_cdf_tdist_Q(fabs(t), 4), 1e-10);
    free_analysis_and_data(a);
    /* PR: the null on the raw scale */
    a = run(SPARSE, MSC_METHOD_DL, MSC_PR, 0.05, MSC_TEST_Z);
    e = &a->outcome[0].fit.random;
    assert_close(e->null_stat, (e->yi - 0.05) / e->se, 1e-14);
    free_analysis_and_data(a);
    /* GLMM: logit */
    a = run(SPARSE, MSC_METHOD_GLMM, MSC_PLO, 0.02, MSC_TEST_Z);
    const msc_fit *f = &a->outcome[0].fit;
    assert_close(f->common.null_stat, (f->common.yi - log(0.02 / 0.98)) / f->common.se, 1e-14);
    /* the JSON block null_test, and no test columns in the table */
    char *js = render_report(msc_report_json, a, NULL, NULL);
    assert_non_null(strstr(js, "\"null_test\":{\"proportion\":0.02,"));
    free(js);
    free_analysis_and_data(a);
    a = run(SPARSE, MSC_METHOD_REML, MSC_PLO, NAN, MSC_TEST_Z);
    char *tb = render_report(msc_report_table, a, NULL, NULL);
    assert_null(strstr(tb, "        z        p"));
    js = render_report(msc_report_json, a, NULL, NULL);
    assert_null(strstr(js, "null_test"));
    assert_non_null(strstr(js, "\"statistic\":")); /* metafor's test of 0 */
    free(tb);
    free(js);
    free_analysis_and_data(a);
    /* the exact block (the GLMM's fallback with no events) has no test */
    a = run("study,n,events\nA,20,0\nB,30,0\n", MSC_METHOD_GLMM, MSC_PLO, 0.02, MSC_TEST_Z);
    assert_true(a->outcome[0].fit.random.exact);
    assert_true(isnan(a->outcome[0].fit.random.null_stat));
    free_analysis_and_data(a);
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
    free_analysis_and_data(a);
    /* no zero: nothing corrected, no warning; the GLMM itself: none */
    a = run("study,n,events\nA,20,1\nB,30,2\n", MSC_METHOD_REML, MSC_PLO, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "continuity correction"));
    free_analysis_and_data(a);
    a = run(SPARSE, MSC_METHOD_GLMM, MSC_PLO, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "continuity correction ("));
    free_analysis_and_data(a);
    /* every study corrected (all 0): the GLMM cannot be fitted */
    a = run("study,n,events\nA,20,0\nB,30,0\n", MSC_METHOD_DL, MSC_PLO, NAN, MSC_TEST_Z);
    assert_has_warning(&a->outcome[0], "0.5 added to all 2 studies");
    assert_has_warning(&a->outcome[0], "from the GLMM, which cannot be fitted here");
    free_analysis_and_data(a);
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
    free_analysis_and_data(a);
    /* equal n: one back-transformation, no warning */
    a = run("study,n,events\nA,20,1\nB,20,3\nC,20,0\n", MSC_METHOD_REML, MSC_PFT, NAN, MSC_TEST_Z);
    for (size_t i = 0; i < a->outcome[0].warnings.n; i++)
        assert_null(strstr(a->outcome[0].warnings.msg[i], "Freeman-Tukey"));
    free_analysis_and_data(a);
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
        assert_non_null(strstr(tb, "not estimable")); /* "rho not estimable" too */
        assert_null(strstr(tb, "tau^2 = 0 "));
        free(tb);
        free_analysis_and_data(a);
    }
}

/* Fisher's exact test (Freeman-Halton) by brute force over every 2 x 3
 * table with the observed margins, against the network algorithm. */
static double lchoose3(double n, double x)
{
    return lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1);
}

static double fisher_brute(const double *x, const double *n)
{
    double X = x[0] + x[1] + x[2], N = n[0] + n[1] + n[2];
    double obs = lchoose3(n[0], x[0]) + lchoose3(n[1], x[1]) + lchoose3(n[2], x[2]);
    double p = 0;
    for (double a = 0; a <= n[0]; a++)
        for (double b = 0; b <= n[1]; b++) {
            double c = X - a - b;
            if (c < 0 || c > n[2])
                continue;
            double s = lchoose3(n[0], a) + lchoose3(n[1], b) + lchoose3(n[2], c);
            if (s <= obs + 1e-7)
                p += exp(s - lchoose3(N, X));
        }
    return p;
}

static void test_fisher_exact(void **state)
{
    (void)state;
    uint64_t seed = 20261201;
    for (int rep = 0; rep < 300; rep++) {
        double x[3], n[3];
        for (int g = 0; g < 3; g++) {
            n[g] = 1 + (double)(xorshift64(&seed) % 40);
            x[g] = (double)(xorshift64(&seed) % ((uint64_t)n[g] + 1));
            if (rep % 3 == 0 && g == 0)
                x[g] = 0; /* a group with no events, as in safety data */
        }
        double p;
        assert_int_equal(msc_subgroup_fisher(x, n, 3, 1e8, &p), MSC_OK);
        assert_close(p, fisher_brute(x, n), 1e-9);
    }
    /* R: fisher.test(rbind(c(0, 3, 1), c(105, 37, 95)))$p.value, the
     * example's serious adverse events by disease */
    double xs[] = {0, 3, 1}, ns[] = {105, 40, 96}, p;
    assert_int_equal(msc_subgroup_fisher(xs, ns, 3, 1e8, &p), MSC_OK);
    assert_close(p, 0.00758555127809922, 1e-9);
    /* 2 x 2: R fisher.test(rbind(c(2, 9), c(18, 6)))$p.value */
    double x2[] = {2, 9}, n2[] = {20, 15};
    assert_int_equal(msc_subgroup_fisher(x2, n2, 2, 1e8, &p), MSC_OK);
    assert_close(p, 0.00282900701993812, 1e-9);
    /* no events at all: every table is the observed one */
    double x0[] = {0, 0}, n0[] = {5, 7};
    assert_int_equal(msc_subgroup_fisher(x0, n0, 2, 1e8, &p), MSC_OK);
    assert_close(p, 1.0, 0);
    /* more work than allowed: no p value, not a wrong one */
    double xb[] = {200, 300, 250, 100}, nb[] = {1000, 1000, 1000, 1000};
    assert_int_equal(msc_subgroup_fisher(xb, nb, 4, 1e4, &p), MSC_OK);
    assert_true(isnan(p));
}

/* The test for subgroup differences under the GLMM when a subgroup's
 * estimate is an exact fallback, against tests/reference/subgroup_test.json
 * (R): Fisher's exact test (fisher.test) where a subgroup has no events or
 * only events, else the likelihood-ratio test: lme4's glmer (nAGQ = 7, the
 * same rule as mscmeta's) full against null model where lme4 fits both,
 * and in every case the marginal likelihood maximised with integrate() and
 * optim() (no quadrature rule: 1e-3, the tolerance for the LRT). */
static void test_subgroup_test_fallback(void **state)
{
    (void)state;
    json_t *ref = ref_load("subgroup_test.json");
    size_t i;
    json_t *r;
    json_array_foreach(ref, i, r)
    {
        const char *file = json_string_value(json_object_get(r, "file"));
        char path[256];
        if (strncmp(file, "data/", 5) == 0)
            snprintf(path, sizeof path, "../%s", file);
        else
            snprintf(path, sizeof path, "%s", file + strlen("tests/"));
        const char *name = json_string_value(json_object_get(r, "name"));
        msc_dataset *d = load_file(path, json_string_value(json_object_get(r, "events")),
                                   json_string_value(json_object_get(r, "group")));
        msc_settings s;
        msc_settings_default(&s);
        s.method = MSC_METHOD_GLMM;
        msc_analysis *a = run_analysis(d, &s);
        const msc_outcome_result *o = &a->outcome[0];
        size_t G = json_array_size(json_object_get(r, "levels"));
        assert_int_equal(o->n_groups, G);
        int fallback = 0;
        for (size_t g = 0; g < G; g++)
            fallback |= group_fallback(a, o, g);
        assert_true(fallback); /* each set was chosen for one */
        if (json_array_size(json_object_get(r, "separated")) > 0 ||
            json_is_string(json_object_get(r, "separated"))) {
            assert_int_equal(o->sg_test, MSC_SGTEST_FISHER);
            assert_close_msg(o->Q_between_p, ref_get(r, "fisher_p"), 1e-9, name);
            assert_true(isnan(o->Q_between) && isnan(o->Q_between_df));
            assert_has_warning(o, "Fisher's exact test");
        } else {
            assert_int_equal(o->sg_test, MSC_SGTEST_LRT);
            double lrt = o->Q_between;
            if (json_is_number(json_object_get(r, "lrt_glmer"))) {
                assert_true(fabs(lrt - ref_get(r, "lrt_glmer")) < 1e-3);
                double t2 = ref_get(r, "tau2_full_glmer");
                assert_true(fabs(o->sg_tau2 - t2) <= 1e-3 * fmax(t2, 1e-3));
            }
            assert_true(fabs(lrt - ref_get(r, "lrt_exact")) < 1e-3 * fmax(1.0, lrt));
            double t2 = ref_get(r, "tau2_full");
            assert_true(fabs(o->sg_tau2 - t2) <= 5e-3 * fmax(t2, 1e-3));
            assert_close(o->Q_between_df, (double)G - 1, 0);
            assert_close(o->Q_between_p, gsl_cdf_chisq_Q(lrt, (double)G - 1), 1e-12);
            assert_has_warning(o, "likelihood-ratio test");
        }
        free_analysis_and_data(a);
    }
    json_decref(ref);
}

/* Without a fallback, or under an inverse-variance method, the test stays
 * Cochran's Q between the subgroups' estimates. */
static void test_subgroup_test_q_stays(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", "responders", "disease");
    msc_analysis *a = run_method(d, MSC_METHOD_REML);
    assert_int_equal(a->outcome[0].sg_test, MSC_SGTEST_Q);
    free_analysis_and_data(a);
    d = load_ref_set("debruin2009", "ethnicity");
    a = run_method(d, MSC_METHOD_GLMM);
    for (size_t g = 0; g < a->outcome[0].n_groups; g++)
        assert_false(group_fallback(a, &a->outcome[0], g));
    assert_int_equal(a->outcome[0].sg_test, MSC_SGTEST_Q);
    free_analysis_and_data(a);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_correction_warning),
        cmocka_unit_test(test_pft_warning),
        cmocka_unit_test(test_formats_agree_on_null),
        cmocka_unit_test(test_fisher_exact),
        cmocka_unit_test(test_subgroup_test_fallback),
        cmocka_unit_test(test_subgroup_test_q_stays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
