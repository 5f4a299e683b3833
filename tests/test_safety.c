/*
 * The safety check (safety.c): one-sided upper bounds against closed forms
 * and R, verdicts around the limit, signals.
 */
#include "test_util.h"

#include <math.h>


static msc_analysis *run(const msc_dataset *d, msc_method m)
{
    msc_settings s;
    msc_settings_default(&s);
    s.method = m;
    return run_analysis(d, &s);
}

/* Issue 3: 0 events in 50 patients over 4 studies: the one-sided 95% upper
 * bound is 1 - 0.05^(1/50) = 0.0582 (R: binom.test(0, 50, alternative =
 * "less")). Exceeded at 0.05, not at 0.06. */
static void test_zero_events_verdict(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,10,0\nB,20,0\nC,15,0\nD,5,0\n", "events", NULL);
    msc_analysis *a = run(d, MSC_METHOD_GLMM);
    msc_safety *s = NULL;
    double t = 0.05;
    assert_int_equal(msc_safety_evaluate(a, &t, &s), MSC_OK);
    assert_close(s[0].upper_bound, 0.058155079116972264, 1e-12);
    assert_true(s[0].exact);
    assert_true(s[0].exceeded);
    msc_safety_free(s, 1);
    t = 0.06;
    assert_int_equal(msc_safety_evaluate(a, &t, &s), MSC_OK);
    assert_false(s[0].exceeded);
    /* per study: 1 - 0.05^(1/n) for 0 events */
    for (size_t i = 0; i < a->outcome[0].k; i++)
        assert_close(s[0].study_upper[i], 1 - pow(0.05, 1.0 / a->outcome[0].ni[i]), 1e-12);
    assert_int_equal(s[0].n_signals, 0);
    msc_safety_free(s, 1);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* A modelled bound: expit(mu + z_0.95 SE) with metafor's GLMM estimate for
 * the example's serious adverse events; R: plogis(-4.758252212 +
 * qnorm(0.95) * 1.185072751) = 0.056840784680890925. */
static void test_glmm_bound(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", "serious_adverse_events", NULL);
    msc_analysis *a = run(d, MSC_METHOD_GLMM);
    msc_safety *s = NULL;
    double t = 0.05;
    assert_int_equal(msc_safety_evaluate(a, &t, &s), MSC_OK);
    assert_close(s[0].upper_bound, 0.056840784680890925, 1e-3);
    assert_false(s[0].exact);
    assert_true(s[0].exceeded);
    msc_safety_free(s, 1);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* A study whose own exact lower bound is above the limit is a signal: 10 of
 * 20 has the interval [0.2720, 0.7280] (R: binom.test(10, 20)); no limit, no
 * verdict. */
static void test_signals_and_no_limit(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,20,10\nB,50,1\nC,40,0\n", "events", NULL);
    msc_analysis *a = run(d, MSC_METHOD_REML);
    msc_safety *s = NULL;
    double t = 0.25;
    assert_int_equal(msc_safety_evaluate(a, &t, &s), MSC_OK);
    assert_close(s[0].study_lo_exact[0], 0.27195784956079183, 1e-12);
    assert_close(s[0].study_hi_exact[0], 0.72804215043920817, 1e-12);
    assert_int_equal(s[0].n_signals, 1);
    assert_true(s[0].signal[0] && !s[0].signal[1] && !s[0].signal[2]);
    msc_safety_free(s, 1);
    t = NAN;
    assert_int_equal(msc_safety_evaluate(a, &t, &s), MSC_OK);
    assert_false(s[0].exceeded);
    assert_true(isfinite(s[0].upper_bound));
    msc_safety_free(s, 1);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* The per-study exact bounds are the same whether they are copied from the
 * analysis (Clopper-Pearson study intervals) or computed (no study
 * intervals, or another kind), and for repeated counts. */
static void test_study_bounds_every_way(void **state)
{
    (void)state;
    msc_dataset *d =
        load_text("study,n,events\nA,20,10\nB,50,1\nC,40,0\nD,20,10\n", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    double t = 0.25;
    msc_safety *ref = NULL;
    for (int way = 0; way < 3; way++) {
        s.study_ci = way == 2 ? MSC_SCI_WILSON : MSC_SCI_CP;
        msc_analysis *a = NULL;
        char err[MSC_ERRBUF];
        assert_int_equal(msc_analysis_run(d, &s, way == 1 ? MSC_RUN_NO_STUDY_CI : 0u, &a, err,
                                          sizeof err),
                         MSC_OK);
        msc_safety *sf = NULL;
        assert_int_equal(msc_safety_evaluate(a, &t, &sf), MSC_OK);
        assert_close(sf[0].study_lo_exact[3], 0.27195784956079183, 1e-12);
        if (!ref) {
            ref = sf;
        } else {
            for (size_t i = 0; i < a->outcome[0].k; i++) {
                assert_true(sf[0].study_lo_exact[i] == ref[0].study_lo_exact[i]);
                assert_true(sf[0].study_hi_exact[i] == ref[0].study_hi_exact[i]);
                assert_true(sf[0].study_upper[i] == ref[0].study_upper[i]);
                assert_int_equal(sf[0].signal[i], ref[0].signal[i]);
            }
            msc_safety_free(sf, 1);
        }
        msc_analysis_free(a);
    }
    msc_safety_free(ref, 1);
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_events_verdict),
        cmocka_unit_test(test_glmm_bound),
        cmocka_unit_test(test_signals_and_no_limit),
        cmocka_unit_test(test_study_bounds_every_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
