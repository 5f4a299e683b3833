/*
 * Pooling (pool.c, tau2.c, analysis.c) against metafor. For every data set
 * in tests/reference/ and every measure x method x test fit recorded there
 * (escalc + rma, see tests/reference/README.md), the whole pipeline
 * (CSV -> analysis) must reproduce metafor's per-study yi, vi and weights,
 * the pooled estimate, SE, CI, test statistic and p, tau^2, I^2, H^2, Q and
 * its p, the Q-profile intervals, the prediction intervals (HTS, and
 * metafor's own z / t(k-1) ones) and the back-transformed proportions:
 * 1e-6 relative, 1e-5 for the Q-profile bounds.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#define TOL 1e-6
#define TOL_QP 1e-5

/* Data sets with a reference file; the CSV has columns study, events, n. */
static const char *const DATASETS[] = {"pritz1997", "debruin2009"};

static msc_analysis *run(const msc_dataset *d, msc_measure m, msc_method meth, msc_test t,
                         msc_pi pi)
{
    msc_settings s;
    msc_settings_default(&s);
    s.measure = m;
    s.method = meth;
    s.test = t;
    s.pi = pi;
    msc_analysis *a = NULL;
    char err[MSC_ERRBUF];
    int rc = msc_analysis_run(d, &s, 0, &a, err, sizeof err);
    if (rc != MSC_OK) {
        print_error("analysis failed: %s\n", err);
        fail();
    }
    return a;
}

static void check_fit(const msc_dataset *d, const json_t *f, const char *ds)
{
    msc_measure m = (msc_measure)msc_measure_parse(json_string_value(json_object_get(f, "measure")));
    msc_method meth = (msc_method)msc_method_parse(json_string_value(json_object_get(f, "method")));
    msc_test t = (msc_test)msc_test_parse(json_string_value(json_object_get(f, "test")));
    char what[256];
#define CLOSE(got, key, tol)                                                                      \
    do {                                                                                          \
        snprintf(what, sizeof what, "%s %s/%s/%s %s", ds, msc_measure_name(m),                   \
                 msc_method_name(meth), msc_test_name(t), key);                                  \
        assert_close_msg((got), ref_get(f, key), (tol), what);                                   \
    } while (0)

    msc_analysis *a = run(d, m, meth, t, MSC_PI_HTS);
    const msc_outcome_result *o = &a->outcome[0];
    int fe = meth == MSC_METHOD_FE;
    const msc_estimate *e = fe ? &o->fit.common : &o->fit.random;
    const msc_heterogeneity *h = &o->fit.het;
    assert_int_equal(o->k, (size_t)ref_get(f, "k"));
    for (size_t i = 0; i < o->k; i++) {
        snprintf(what, sizeof what, "%s %s/%s/%s study %zu", ds, msc_measure_name(m),
                 msc_method_name(meth), msc_test_name(t), i + 1);
        assert_close_msg(o->yi[i], ref_at(f, "yi", i), TOL, what);
        assert_close_msg(o->vi[i], ref_at(f, "vi", i), TOL, what);
        assert_close_msg(msc_outcome_weight(o, i, !fe), ref_at(f, "weights_pct", i), TOL, what);
    }
    CLOSE(e->yi, "est", TOL);
    CLOSE(e->se, "se", TOL);
    CLOSE(e->ci_lo_yi, "ci_lb", TOL);
    CLOSE(e->ci_hi_yi, "ci_ub", TOL);
    CLOSE(e->stat, "zval", TOL);
    CLOSE(e->p, "pval", TOL);
    CLOSE(h->tau2, "tau2", TOL);
    CLOSE(h->I2, "I2", TOL);
    CLOSE(h->H2, "H2", TOL);
    CLOSE(h->Q, "Q", TOL);
    CLOSE(h->Q_p, "Qp", TOL);
    CLOSE(e->est, "prop", TOL);
    CLOSE(e->ci_lo, "prop_ci_lb", TOL);
    CLOSE(e->ci_hi, "prop_ci_ub", TOL);
    if (!fe) {
        CLOSE(e->pi_lo_yi, "pi_lb_hts", TOL);
        CLOSE(e->pi_hi_yi, "pi_ub_hts", TOL);
        CLOSE(e->pi_lo, "prop_pi_lb_hts", TOL);
        CLOSE(e->pi_hi, "prop_pi_ub_hts", TOL);
        if (json_object_get(f, "tau2_ci")) {
            snprintf(what, sizeof what, "%s %s/%s/%s Q-profile", ds, msc_measure_name(m),
                     msc_method_name(meth), msc_test_name(t));
            assert_close_msg(h->tau2_lo, ref_at(f, "tau2_ci", 0), TOL_QP, what);
            assert_close_msg(h->tau2_hi, ref_at(f, "tau2_ci", 1), TOL_QP, what);
            assert_close_msg(h->I2_lo, ref_at(f, "I2_ci", 0), TOL_QP, what);
            assert_close_msg(h->I2_hi, ref_at(f, "I2_ci", 1), TOL_QP, what);
            assert_close_msg(h->H2_lo, ref_at(f, "H2_ci", 0), TOL_QP, what);
            assert_close_msg(h->H2_hi, ref_at(f, "H2_ci", 1), TOL_QP, what);
        }
    }
    msc_analysis_free(a);

    /* metafor's own prediction interval: z with test z, t(k-1) with knha */
    if (!fe) {
        a = run(d, m, meth, t, t == MSC_TEST_KNHA ? MSC_PI_T : MSC_PI_Z);
        e = &a->outcome[0].fit.random;
        CLOSE(e->pi_lo_yi, "pi_lb_metafor", TOL);
        CLOSE(e->pi_hi_yi, "pi_ub_metafor", TOL);
        msc_analysis_free(a);
    }
#undef CLOSE
}

static void test_reference_fits(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof DATASETS / sizeof DATASETS[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, "reference/%s.csv", DATASETS[k]);
        msc_dataset *d = load_file(path, "events", NULL);
        snprintf(path, sizeof path, "%s.json", DATASETS[k]);
        json_t *ref = ref_load(path);
        json_t *fits = json_object_get(ref, "fits");
        assert_true(json_array_size(fits) >= 85);
        size_t i;
        json_t *f;
        json_array_foreach(fits, i, f) check_fit(d, f, DATASETS[k]);
        json_decref(ref);
        msc_dataset_free(d);
    }
}

/* Subgroups (debruin2009 by ethnicity, PLO/REML): each group's own fit, and
 * Q_between = sum w_g (y_g - ybar)^2 with w_g = 1/SE_g^2 (reference.R). */
static void test_subgroups(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/debruin2009.csv", "events", "ethnicity");
    json_t *ref = ref_load("debruin2009.json");
    json_t *sg = json_object_get(ref, "subgroups");
    msc_analysis *a = run(d, MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, MSC_PI_HTS);
    const msc_outcome_result *o = &a->outcome[0];
    assert_int_equal(o->n_groups, json_object_size(json_object_get(sg, "groups")));
    for (size_t g = 0; g < o->n_groups; g++) {
        const msc_group_result *gr = &o->group[g];
        json_t *r = json_object_get(json_object_get(sg, "groups"), gr->name);
        assert_non_null(r);
        assert_int_equal(gr->k, (size_t)ref_get(r, "k"));
        assert_close(gr->fit.random.yi, ref_get(r, "est"), TOL);
        assert_close(gr->fit.random.se, ref_get(r, "se"), TOL);
        assert_close(gr->fit.random.ci_lo_yi, ref_get(r, "ci_lb"), TOL);
        assert_close(gr->fit.random.ci_hi_yi, ref_get(r, "ci_ub"), TOL);
        assert_close(gr->fit.het.tau2, ref_get(r, "tau2"), TOL);
        assert_close(gr->fit.het.I2, ref_get(r, "I2"), TOL);
        assert_close(gr->fit.het.Q, ref_get(r, "Q"), TOL);
        assert_close(gr->fit.random.est, ref_get(r, "prop"), TOL);
    }
    assert_close(o->Q_between, ref_get(sg, "Q_between_separate_tau2"), TOL);
    assert_close(o->Q_between_df, ref_get(sg, "df"), 0);
    assert_close(o->Q_between_p, ref_get(sg, "p"), TOL);
    msc_analysis_free(a);
    json_decref(ref);
    msc_dataset_free(d);
}

/* k = 1: tau^2 = 0, the random-effects result equals the common one, Q = 0
 * (metafor: QE = 0, QEp = 1, I2 = 0, H2 = 1), with a warning. A single
 * study's logit pooled is its own logit: log(4/2), SE sqrt(1/4 + 1/2). */
static void test_single_study(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,6,4\n", "events", NULL);
    msc_analysis *a = run(d, MSC_PLO, MSC_METHOD_REML, MSC_TEST_KNHA, MSC_PI_HTS);
    const msc_outcome_result *o = &a->outcome[0];
    assert_int_equal(o->k, 1);
    assert_close(o->fit.random.yi, log(2.0), 1e-14);
    assert_close(o->fit.random.se, sqrt(0.75), 1e-14);
    assert_close(o->fit.common.yi, o->fit.random.yi, 0);
    assert_close(o->fit.het.tau2, 0, 0);
    assert_close(o->fit.het.Q, 0, 0);
    assert_close(o->fit.het.I2, 0, 0);
    assert_close(o->fit.het.H2, 1, 0);
    assert_true(isnan(o->fit.random.df)); /* knha cannot apply: z is used */
    assert_true(isnan(o->fit.random.pi_lo));
    assert_true(o->warnings.n >= 2);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* All studies with 0 events (or all with n): the 0.5 correction makes every
 * yi finite; identical studies give Q = 0 and tau^2 = 0. With three studies
 * of 0/10 the pooled logit is log(0.5/10.5) exactly. */
static void test_all_zero_and_all_n(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,10,0\nB,10,0\nC,10,0\n", "events", NULL);
    for (int meth = MSC_METHOD_FE; meth <= MSC_METHOD_PM; meth++) {
        msc_analysis *a = run(d, MSC_PLO, (msc_method)meth, MSC_TEST_Z, MSC_PI_HTS);
        const msc_fit *f = &a->outcome[0].fit;
        const msc_estimate *e = f->has_random ? &f->random : &f->common;
        assert_close(e->yi, log(0.5 / 10.5), 1e-12);
        assert_close(f->het.tau2, 0, 0);
        assert_close(f->het.Q, 0, 1e-20);
        assert_true(isfinite(e->ci_lo) && isfinite(e->ci_hi));
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
    d = load_text("study,n,events\nA,8,8\nB,12,12\n", "events", NULL);
    msc_analysis *a = run(d, MSC_PFT, MSC_METHOD_REML, MSC_TEST_Z, MSC_PI_HTS);
    const msc_fit *f = &a->outcome[0].fit;
    assert_close(f->random.est, 1.0, 0); /* Miller's inverse clamps at the top */
    assert_close(a->outcome[0].exact_est, 1.0, 0);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* n in the millions: the proportions are tiny and the variances huge in
 * weight; the logit of 1 in 1e9 must not lose precision. Three identical
 * studies of 7 in 3e6 pool to log(7/(3e6-7)) with SE sqrt((1/7+1/(3e6-7))/3). */
static void test_large_n(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,3000000,7\nB,3000000,7\nC,3000000,7\n"
                               "D,1000000000,1\n",
                               "events", NULL);
    msc_analysis *a = run(d, MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, MSC_PI_HTS);
    const msc_outcome_result *o = &a->outcome[0];
    assert_close(o->yi[3], log(1.0 / 999999999.0), 1e-14);
    assert_close(o->vi[3], 1.0 + 1.0 / 999999999.0, 1e-14);
    assert_true(isfinite(o->fit.random.est) && o->fit.random.est > 0);
    msc_analysis_free(a);
    msc_dataset_free(d);
    d = load_text("study,n,events\nA,3000000,7\nB,3000000,7\nC,3000000,7\n", "events", NULL);
    a = run(d, MSC_PLO, MSC_METHOD_DL, MSC_TEST_Z, MSC_PI_HTS);
    o = &a->outcome[0];
    assert_close(o->fit.random.yi, log(7.0 / (3e6 - 7.0)), 1e-13);
    assert_close(o->fit.random.se, sqrt((1.0 / 7 + 1.0 / (3e6 - 7)) / 3.0), 1e-13);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_fits), cmocka_unit_test(test_subgroups),
        cmocka_unit_test(test_single_study),   cmocka_unit_test(test_all_zero_and_all_n),
        cmocka_unit_test(test_large_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
