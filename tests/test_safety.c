/*
 * The safety check (safety.c): one-sided upper bounds against closed forms
 * and R, verdicts around the limit, signals.
 */
#include "test_util.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

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
        assert_int_equal(
            msc_analysis_run(d, &s, way == 1 ? MSC_RUN_NO_STUDY_CI : 0u, &a, err, sizeof err),
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

/* Issue 10's hand-made cases, one study each (the exact one-sided
 * Clopper-Pearson bounds): 0/20 against 10% is inconclusive (upper bound
 * 1 - 0.05^(1/20) = 13.9%), 0/2000 against 1% below (0.15%), 40/100
 * against 10% above (lower bound qbeta(0.05, 40, 61) = 0.3175); R:
 * 1 - 0.05^(1/20), 1 - 0.05^(1/2000) and binom.test(..., alternative =
 * "less" | "greater")$conf.int give the same. */
static void test_three_verdicts(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        double limit;
        msc_verdict v;
        double lo, hi;
    } cases[] = {
        {"study,n,events\nA,20,0\n", 0.10, MSC_VERDICT_INCONCLUSIVE, 0.0, 0.13910834066826516},
        {"study,n,events\nA,2000,0\n", 0.01, MSC_VERDICT_BELOW, 0.0, 0.0014967448951882512},
        {"study,n,events\nA,100,40\n", 0.10, MSC_VERDICT_ABOVE, 0.31752601523649954, NAN},
    };
    for (size_t t = 0; t < 3; t++) {
        msc_dataset *d = load_text(cases[t].csv, "events", NULL);
        for (int m = 0; m < 2; m++) { /* GLMM and REML: one study, the exact bounds */
            msc_analysis *a = run(d, m ? MSC_METHOD_GLMM : MSC_METHOD_REML);
            msc_safety *s = NULL;
            assert_int_equal(msc_safety_evaluate(a, &cases[t].limit, &s), MSC_OK);
            if (m) {
                assert_int_equal(s[0].verdict, cases[t].v);
                assert_true(s[0].exact);
                assert_close(s[0].lower_bound, cases[t].lo, 1e-9);
                if (!isnan(cases[t].hi))
                    assert_close(s[0].upper_bound, cases[t].hi, 1e-9);
                assert_true(isnan(s[0].prob_new_above)); /* k = 1: no tau^2 */
            }
            assert_int_equal(s[0].exceeded, s[0].verdict != MSC_VERDICT_BELOW);
            msc_safety_free(s, 1);
            msc_analysis_free(a);
        }
        msc_dataset_free(d);
    }
    assert_string_equal(msc_verdict_name(MSC_VERDICT_INCONCLUSIVE), "inconclusive");
    assert_null(msc_verdict_name(MSC_VERDICT_NONE));
}

/* prob_new_above = 1 - Phi((g(L) - mu) / sqrt(tau^2 + SE^2)), against the
 * formula on the fit's own numbers, 1e-9: the GLMM (logit), REML on PFT
 * (Freeman-Tukey at the harmonic-mean n), and per subgroup; null where tau^2
 * cannot be estimated. */
static void test_prob_new_above(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", "responders", "disease");
    double L = 0.5;
    for (int v = 0; v < 2; v++) {
        msc_settings st;
        msc_settings_default(&st);
        st.method = v ? MSC_METHOD_REML : MSC_METHOD_GLMM;
        st.measure = v ? MSC_PFT : MSC_PLO;
        msc_analysis *a = run_analysis(d, &st);
        msc_safety *s = NULL;
        assert_int_equal(msc_safety_evaluate(a, &L, &s), MSC_OK);
        const msc_fit *f = &a->outcome[0].fit;
        double g = v ? msc_effect_transform(MSC_PFT, L, f->nhm) : log(L / (1 - L));
        double want = gsl_cdf_ugaussian_Q((g - f->random.yi) /
                                          sqrt(f->het.tau2 + f->random.se * f->random.se));
        assert_close(s[0].prob_new_above, want, 1e-9);
        assert_int_equal(s[0].n_groups, a->outcome[0].n_groups);
        for (size_t k = 0; k < s[0].n_groups; k++) {
            msc_fit gfit;
            msc_warnings gw = {0};
            assert_int_equal(msc_group_fit(a, &a->outcome[0], k, &gfit, &gw), MSC_OK);
            msc_warnings_clear(&gw);
            const msc_fit *gf = &gfit;
            if (gf->k < 2 || gf->random.exact) {
                assert_true(isnan(s[0].group[k].prob_new_above) || gf->het.tau2 == 0.0);
                continue;
            }
            double gg = v ? msc_effect_transform(MSC_PFT, L, gf->nhm) : g;
            double w = gsl_cdf_ugaussian_Q((gg - gf->random.yi) /
                                           sqrt(gf->het.tau2 + gf->random.se * gf->random.se));
            assert_close(s[0].group[k].prob_new_above, w, 1e-9);
        }
        msc_safety_free(s, 1);
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
}

/* A level at or below 0.5 gives no upper bound: refused. An outcome with a
 * limit and no usable study: no_data, no verdict. */
static void test_level_and_no_data(void **state)
{
    (void)state;
    msc_dataset *d = load_text(
        "study,n,adverse_events,serious_adverse_events\nA,10,NA,0\nB,12,NA,1\n", NULL, NULL);
    msc_settings st;
    msc_settings_default(&st);
    st.method = MSC_METHOD_GLMM;
    msc_analysis *a = run_analysis(d, &st);
    msc_safety *s = NULL;
    double t[2] = {0.3, 0.3};
    assert_int_equal(a->n_outcomes, 2);
    assert_int_equal(msc_safety_evaluate(a, t, &s), MSC_OK);
    assert_true(s[0].no_data && s[0].verdict == MSC_VERDICT_NONE);
    assert_false(s[1].no_data);
    msc_safety_free(s, 2);
    msc_analysis_free(a);
    st.level = 0.05;
    a = run_analysis(d, &st);
    assert_int_equal(msc_safety_evaluate(a, t, &s), MSC_ERR_USAGE);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_events_verdict),  cmocka_unit_test(test_glmm_bound),
        cmocka_unit_test(test_signals_and_no_limit), cmocka_unit_test(test_study_bounds_every_way),
        cmocka_unit_test(test_three_verdicts),       cmocka_unit_test(test_prob_new_above),
        cmocka_unit_test(test_level_and_no_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
