/*
 * The beta-binomial model (betabin.c, --method BB) against an independent
 * maximisation of the same likelihood in R (tests/reference/betabin.R:
 * optim on the lbeta form over (logit mu, logit rho), polished by Newton
 * steps on Richardson-extrapolated numerical derivatives): mu, rho, the SEs
 * of logit mu and logit rho and the Wald intervals, on nine reference sets
 * and the three outcomes of the example data. The bar is 1e-5
 * relative; the two agree to about 1e-9 (1.4e-7 on one SE), so the test
 * holds 1e-6. Then the cases where rho cannot be estimated: the exact
 * pooled proportion with a warning.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

static msc_analysis *bb(const msc_dataset *d)
{
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_BB;
    return run_analysis(d, &s);
}

static void test_against_r(void **state)
{
    (void)state;
    json_t *ref = ref_load("betabin.json");
    json_t *sets = json_object_get(ref, "sets"), *r;
    size_t i;
    assert_int_equal(json_array_size(sets), 12);
    json_array_foreach(sets, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "set"));
        const char *colon = strchr(name, ':');
        char path[128];
        msc_dataset *d;
        if (colon) {
            d = load_file("../data/msc_autoimmune.csv", colon + 1, NULL);
        } else {
            snprintf(path, sizeof path, "reference/%s.csv", name);
            d = load_file(path, "events", NULL);
        }
        msc_analysis *a = bb(d);
        const msc_fit *f = &a->outcome[0].fit;
        assert_false(f->random.exact);
        assert_int_equal(a->outcome[0].warnings.n, 0);
        assert_close_msg(f->random.yi, ref_get(r, "logit_mu"), 1e-6, name);
        assert_close_msg(f->random.est, ref_get(r, "mu"), 1e-6, name);
        assert_close_msg(f->random.se, ref_get(r, "se_logit_mu"), 1e-6, name);
        assert_close_msg(f->random.ci_lo, ref_get(r, "ci_lower"), 1e-6, name);
        assert_close_msg(f->random.ci_hi, ref_get(r, "ci_upper"), 1e-6, name);
        assert_close_msg(f->het.rho, ref_get(r, "rho"), 1e-6, name);
        assert_close_msg(f->het.rho_lo, ref_get(r, "rho_ci_lower"), 1e-6, name);
        assert_close_msg(f->het.rho_hi, ref_get(r, "rho_ci_upper"), 1e-6, name);
        /* the common block is the binomial model: logit(sum x / sum n) */
        assert_close(f->common.est, a->outcome[0].events_total / a->outcome[0].n_total, 1e-14);
        assert_true(isnan(f->het.tau2) && !f->has_weights);
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
    json_decref(ref);
}

/* Where rho cannot be estimated: exact proportion, Clopper-Pearson, a warning. */
static void test_fallbacks(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *warning;
        double x, n;
    } cases[] = {
        {"study,n,events\nA,10,0\nB,20,0\nC,5,0\n", "every study has 0 events", 0, 35},
        {"study,n,events\nA,10,10\nB,20,20\n", "every study has n events", 30, 30},
        {"study,n,events\nA,10,3\n", "k = 1", 3, 10},
        {"study,n,events\nA,10,0\nB,20,20\nC,9,0\n", "either 0 or n events", 20, 39},
        /* identical proportions: no overdispersion, rho falls to 0 */
        {"study,n,events\nA,10,3\nB,20,6\nC,30,9\nD,40,12\n", "boundary of 0", 30, 100},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        msc_dataset *d = load_text(cases[t].csv, "events", NULL);
        msc_analysis *a = bb(d);
        const msc_outcome_result *o = &a->outcome[0];
        assert_true(o->fit.exact_fallback && o->fit.random.exact);
        assert_close(o->fit.random.est, cases[t].x / cases[t].n, 1e-15);
        double lo, hi;
        msc_study_ci_compute(MSC_SCI_CP, cases[t].x, cases[t].n, 0.95, &lo, &hi);
        assert_close(o->fit.random.ci_lo, lo, 1e-15);
        assert_close(o->fit.random.ci_hi, hi, 1e-15);
        assert_has_warning(o, cases[t].warning);
        if (t == 4)
            assert_true(o->fit.het.rho == 0.0);
        else
            assert_true(isnan(o->fit.het.rho));
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
}

/* BB models the logit: other measures and knha are refused. */
static void test_settings(void **state)
{
    (void)state;
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_BB;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_OK);
    s.measure = MSC_PFT;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    s.measure = MSC_PLO;
    s.test = MSC_TEST_KNHA;
    assert_int_equal(msc_settings_check(&s, err, sizeof err), MSC_ERR_USAGE);
    assert_int_equal(msc_method_parse("bb"), MSC_METHOD_BB);
    assert_string_equal(msc_method_name(MSC_METHOD_BB), "BB");
    assert_true(msc_method_uses_counts(MSC_METHOD_BB) && msc_method_uses_counts(MSC_METHOD_GLMM));
    assert_false(msc_method_uses_counts(MSC_METHOD_REML));
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_r),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
