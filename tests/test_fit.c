/*
 * msc_fit_studies (src/stats/fit.c): a fit of any subset of an outcome's
 * studies. A leave-one-out analysis written as a plain loop over it must
 * reproduce metafor 3.8-1's leave1out() on the three data sets of
 * tests/reference/NAME.sens.json (made by sensitivity.R there): PLO/REML with
 * the z test and with knha, and PFT/DL with z; every field to 1e-6
 * relative (estimate, SE, statistic, p, CI on the model scale, Q and its p,
 * tau^2, I^2, H^2).
 */
#include "test_util.h"

#include "msc_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6

static const char *const SETS[] = {"pritz1997", "debruin2009", "bcg_control"};

static void near(double got, const json_t *arr, size_t i, const char *what)
{
    double want = ref_num(json_array_get(arr, i));
    /* tau^2 and I^2 at their boundary 0: metafor stops at ~1e-13 */
    if (fabs(want) < 1e-10 && fabs(got) < 1e-10)
        return;
    assert_close_msg(got, want, TOL, what);
}

static void leave_one_out(const char *set, msc_measure m, msc_method meth, msc_test t,
                          const json_t *ref)
{
    msc_dataset *d = load_ref_set(set, NULL);
    msc_settings s;
    msc_settings_default(&s);
    s.measure = m;
    s.method = meth;
    s.test = t;
    msc_analysis *a = run_analysis(d, &s);
    const msc_outcome_result *o = &a->outcome[0];
    msc_studies st;
    msc_outcome_studies(o, &st);
    size_t k = st.k, *idx = malloc(k * sizeof *idx);
    const char *stat = t == MSC_TEST_KNHA ? "tval" : "zval";
    for (size_t i = 0; i < k; i++) {
        size_t m2 = 0;
        for (size_t j = 0; j < k; j++)
            if (j != i)
                idx[m2++] = j;
        msc_fit f;
        msc_warnings w = {0};
        assert_int_equal(msc_fit_studies(&st, idx, m2, &s, MSC_FIT_NO_TAU2_CI, &f, &w), MSC_OK);
        const msc_estimate *e = msc_fit_main_block(&f);
        char what[160];
#define CHECK(got, key)                                                                            \
    snprintf(what, sizeof what, "%s %s/%s/%s without study %zu: %s", set, msc_measure_name(m),     \
             msc_method_name(meth), msc_test_name(t), i + 1, key);                                 \
    near((got), json_object_get(ref, key), i, what)
        CHECK(e->yi, "estimate");
        CHECK(e->se, "se");
        CHECK(e->stat, stat);
        CHECK(e->p, "pval");
        CHECK(e->ci_lo_yi, "ci_lb");
        CHECK(e->ci_hi_yi, "ci_ub");
        CHECK(f.het.Q, "Q");
        CHECK(f.het.Q_p, "Qp");
        CHECK(f.het.tau2, "tau2");
        CHECK(f.het.I2, "I2");
        CHECK(f.het.H2, "H2");
#undef CHECK
        assert_true(isnan(f.het.tau2_lo)); /* MSC_FIT_NO_TAU2_CI */
        msc_warnings_clear(&w);
    }
    free(idx);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

static void leave1out_matches_metafor(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.sens.json", SETS[i]);
        json_t *ref = ref_load(name);
        json_t *l1 = json_object_get(ref, "leave1out");
        leave_one_out(SETS[i], MSC_PLO, MSC_METHOD_REML, MSC_TEST_Z, json_object_get(l1, "z"));
        leave_one_out(SETS[i], MSC_PLO, MSC_METHOD_REML, MSC_TEST_KNHA,
                      json_object_get(l1, "knha"));
        leave_one_out(SETS[i], MSC_PFT, MSC_METHOD_DL, MSC_TEST_Z,
                      json_object_get(ref, "leave1out_pft_dl"));
        json_decref(ref);
    }
}

/* The whole outcome's fit is msc_fit_studies on all studies (idx NULL),
 * and on the identity index list: the same numbers, bit for bit. */
static void subsets_and_whole_agree(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/debruin2009.csv", "events", NULL);
    const msc_method methods[] = {MSC_METHOD_REML, MSC_METHOD_DL, MSC_METHOD_GLMM};
    for (size_t mi = 0; mi < 3; mi++) {
        msc_settings s;
        msc_settings_default(&s);
        s.method = methods[mi];
        msc_analysis *a = run_analysis(d, &s);
        const msc_outcome_result *o = &a->outcome[0];
        msc_studies st;
        msc_outcome_studies(o, &st);
        size_t *idx = malloc(st.k * sizeof *idx);
        for (size_t i = 0; i < st.k; i++)
            idx[i] = i;
        msc_fit f1, f2;
        msc_warnings w = {0};
        assert_int_equal(msc_fit_studies(&st, NULL, 0, &s, 0, &f1, &w), MSC_OK);
        assert_int_equal(msc_fit_studies(&st, idx, st.k, &s, 0, &f2, &w), MSC_OK);
        const msc_estimate *e0 = msc_fit_main_block(&o->fit), *e1 = msc_fit_main_block(&f1),
                           *e2 = msc_fit_main_block(&f2);
        assert_true(e0->yi == e1->yi && e1->yi == e2->yi);
        assert_true(e0->se == e1->se && e1->se == e2->se);
        assert_true(o->fit.het.tau2 == f2.het.tau2);
        msc_warnings_clear(&w);
        free(idx);
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
}

/* No reversed interval is ever shown (issue 15): one that comes out with
 * its lower bound above the upper (a Q-profile bound at 10^6 studies did,
 * from a wrong chi^2 quantile) becomes missing, with a warning that says
 * it is a bug. The fit here is made by hand: no input reaches it now. */
static void reversed_intervals_are_caught(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/pritz1997.csv", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    msc_fit f = a->outcome[0].fit;
    msc_warnings w = {0};
    assert_int_equal(msc_fit_check(&f, &w), 0); /* a real fit passes */
    assert_int_equal(w.n, 0);
    double tau2 = f.het.tau2;
    f.het.tau2_lo = 1.247; /* the audit's "tau^2 [95% CI 1.247, 0]" */
    f.het.tau2_hi = 0.0;
    f.random.ci_lo = 0.9;
    assert_int_equal(msc_fit_check(&f, &w), 2);
    assert_true(isnan(f.het.tau2_lo) && isnan(f.het.tau2_hi));
    assert_true(isnan(f.random.ci_lo) && isnan(f.random.ci_hi));
    assert_true(f.het.tau2 == tau2); /* the rest is left alone */
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.msg[0], "2 intervals came out reversed"));
    msc_warnings_clear(&w);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leave1out_matches_metafor),
        cmocka_unit_test(subsets_and_whole_agree),
        cmocka_unit_test(reversed_intervals_are_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
