/*
 * What the GLMM gives beyond rma.glmm (glmm_profile.c), against
 * tests/reference/glmm_extras.json (made by glmm_extras.R there):
 *   - the marginal proportion against metafor's transf.ilogit.int: the
 *     integral itself at fixed (mu, tau^2) points and at rma.glmm's own
 *     estimate and CI bounds, 1e-6; the fitted one at mscmeta's estimates
 *     against the same integral at metafor's, 5e-4 (the GLMM bar: the two
 *     fits differ by lme4's tolerances);
 *   - the profile-likelihood interval for tau^2 against lme4's
 *     confint(method = "profile"), squared, 1e-3 relative; and against the
 *     exact root on lme4's own deviance function, 1e-5 (where lme4's spline
 *     through its profile is far from the root, k2_pair's lower bound, only
 *     the latter holds: lme4 reports 0.114, the profile crosses at 0.0109);
 *   - the likelihood-ratio test of tau^2 = 0 against twice the difference
 *     of the marginal log-likelihood maximised with R's integrate() and
 *     optim() and glm()'s logistic log-likelihood: 1e-4 relative (7-point
 *     quadrature against the exact integral), and 1e-9 at 31 points;
 *   - at 5,000 studies with n up to 50,000 (the log-likelihood about 1e8,
 *     where rounding limits what the search can resolve), the interval
 *     against its definition: plain bisection on the profile, each point
 *     maximised over mu from a fresh model, 1e-7 relative.
 */
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msc_glmm.h"

static msc_analysis *fit(const char *set, int nagq)
{
    msc_dataset *d = load_ref_set(set, NULL);
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    s.nagq = nagq;
    msc_analysis *a = run_analysis(d, &s);
    /* the analysis keeps a pointer to d: free_analysis_and_data frees both */
    return a;
}

static void test_marginal_integral(void **state)
{
    (void)state;
    json_t *ref = ref_load("glmm_extras.json");
    json_t *pts = json_object_get(ref, "points");
    size_t i;
    json_t *p;
    assert_true(json_array_size(pts) > 30);
    json_array_foreach(pts, i, p)
    {
        assert_close(msc_glmm_marginal(ref_get(p, "mu"), ref_get(p, "tau2")),
                     ref_get(p, "marginal"), 1e-6);
    }
    /* tau^2 = 0: expit(mu) */
    assert_close(msc_glmm_marginal(-2.0, 0.0), 1.0 / (1.0 + exp(2.0)), 1e-15);
    json_t *sets = json_object_get(ref, "sets"), *s;
    size_t checked = 0;
    json_array_foreach(sets, i, s)
    {
        json_t *m = json_object_get(s, "marginal");
        if (json_is_null(m)) /* tau^2 = 0 there: expit(mu), checked above */
            continue;
        checked++;
        double t2 = ref_get(m, "tau2");
        assert_close(msc_glmm_marginal(ref_get(m, "mu"), t2), ref_get(m, "estimate"), 1e-6);
        assert_close(msc_glmm_marginal(ref_get(m, "ci_lb"), t2), ref_get(m, "ci_lower"), 1e-6);
        assert_close(msc_glmm_marginal(ref_get(m, "ci_ub"), t2), ref_get(m, "ci_upper"), 1e-6);
        /* the fit's own marginal: the same integral at its own estimates */
        msc_analysis *a = fit(json_string_value(json_object_get(s, "set")), 7);
        const msc_fit *f = &a->outcome[0].fit;
        assert_close(f->random.marg_est, msc_glmm_marginal(f->random.yi, f->het.tau2), 1e-15);
        assert_close(f->random.marg_lo, msc_glmm_marginal(f->random.ci_lo_yi, f->het.tau2), 1e-15);
        assert_close(f->random.marg_est, ref_get(m, "estimate"), 5e-4);
        assert_close(f->random.marg_lo, ref_get(m, "ci_lower"), 5e-4);
        assert_close(f->random.marg_hi, ref_get(m, "ci_upper"), 5e-4);
        /* the mean rate lies between the median study's rate and 1/2 */
        assert_true((f->random.marg_est - f->random.est) * (0.5 - f->random.est) >= 0);
        free_analysis_and_data(a);
    }
    assert_int_equal(checked, 9);
    json_decref(ref);
}

static void test_profile_ci(void **state)
{
    (void)state;
    json_t *ref = ref_load("glmm_extras.json");
    json_t *sets = json_object_get(ref, "sets"), *s;
    size_t i;
    int n = 0, roots = 0;
    json_array_foreach(sets, i, s)
    {
        const char *name = json_string_value(json_object_get(s, "set"));
        msc_analysis *a = fit(name, 7);
        const msc_heterogeneity *h = &a->outcome[0].fit.het;
        assert_int_equal(h->tau2_ci_profile, 1);
        json_t *lme4 = json_object_get(s, "tau2_ci_lme4"),
               *root = json_object_get(s, "tau2_ci_root");
        double lo = ref_num(json_array_get(lme4, 0)), hi = ref_num(json_array_get(lme4, 1));
        if (strcmp(name, "k2_pair") != 0)
            assert_close_msg(h->tau2_lo, lo, 1e-3, name);
        assert_close_msg(h->tau2_hi, hi, 1e-3, name);
        if (!json_is_null(root)) {
            assert_close_msg(h->tau2_lo, ref_num(json_array_get(root, 0)), 1e-5, name);
            assert_close_msg(h->tau2_hi, ref_num(json_array_get(root, 1)), 1e-5, name);
            roots++;
        }
        assert_true(h->tau2_lo <= h->tau2 && h->tau2 <= h->tau2_hi);
        assert_close(h->I2_lo, 100.0 * h->tau2_lo / (h->vt + h->tau2_lo), 1e-15);
        n++;
        free_analysis_and_data(a);
    }
    assert_int_equal(n, 11);
    assert_int_equal(roots, 10);
    json_decref(ref);
}

/* The interval's definition, checked by brute force at a size where the
 * searches' shortcuts matter (one evaluation per profile point, the stop
 * at rounding's level): the bound is where 2 (ll_max - prof(tau)) crosses
 * chi^2_1(0.95), found here by 60 bisection steps, each profile point
 * maximised over mu by msc_glmm_profile_mu from a model with no warm
 * starts. */
static double deviance_rise(const double *x, const double *n, size_t k, double mu, double tau,
                            double ll_max)
{
    msc_glmm_model M;
    assert_int_equal(msc_glmm_model_init(&M, x, n, k, 7, 1), MSC_OK);
    double m = mu, p = msc_glmm_profile_mu(&M, tau, &m, NULL);
    msc_glmm_model_free(&M);
    return 2.0 * (ll_max - p);
}

static void test_profile_ci_large(void **state)
{
    (void)state;
    enum { K = 5000 };
    double *x = malloc(3 * K * sizeof *x), *n = x + K, *v = x + 2 * K;
    assert_non_null(x);
    uint64_t r = 12345;
    for (size_t i = 0; i < K; i++) { /* n 5 to 50,000; logits uniform, mean -1, SD 0.8 */
        r = r * 6364136223846793005u + 1442695040888963407u;
        double u1 = ((r >> 11) + 0.5) / 9007199254740992.0;
        r = r * 6364136223846793005u + 1442695040888963407u;
        double u2 = ((r >> 11) + 0.5) / 9007199254740992.0;
        n[i] = 5.0 + floor(u1 * 49996.0);
        double p = 1.0 / (1.0 + exp(1.0 - 0.8 * (2.0 * u2 - 1.0) * 1.7320508));
        x[i] = floor(p * n[i] + 0.5);
        v[i] = 1.0 / (x[i] + 0.5) + 1.0 / (n[i] - x[i] + 0.5);
    }
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    msc_fit f;
    msc_warnings w = {0};
    assert_int_equal(msc_glmm_fit(x, n, v, K, &s, &f, &w), MSC_OK);
    msc_warnings_clear(&w);
    assert_false(f.random.exact);
    const msc_heterogeneity *h = &f.het;
    msc_glmm_model M;
    assert_int_equal(msc_glmm_model_init(&M, x, n, K, 7, 1), MSC_OK);
    double ll_max = msc_glmm_loglik(&M, f.random.yi, h->tau);
    msc_glmm_model_free(&M);
    assert_true(fabs(ll_max) > 1e7); /* the scale this test is about */
    double crit = msc_qchisq(0.05, 1.0, 1);
    for (int side = 0; side < 2; side++) {
        double a = side ? h->tau : 0.5 * h->tau, b = side ? 2.0 * h->tau : h->tau;
        double fa = deviance_rise(x, n, K, f.random.yi, a, ll_max) - crit;
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (a + b),
                   fm = deviance_rise(x, n, K, f.random.yi, mid, ll_max) - crit;
            if ((fm < 0.0) == (fa < 0.0)) {
                a = mid;
                fa = fm;
            } else {
                b = mid;
            }
        }
        double t = 0.5 * (a + b);
        assert_close_msg(side ? h->tau2_hi : h->tau2_lo, t * t, 1e-7,
                         side ? "upper bound" : "lower bound");
    }
    free(x);
}

/* At large tau, few studies of 1 or 2 patients make the 9-point likelihood
 * in mu two-peaked: a profile search that follows the argmax along its
 * tangent found the lower peak and put the upper bound at 718 and 4038
 * (review of 2026-12-01). The bound is checked here against its
 * definition with the profile taken over 81 starts of mu (-60 to 20), and
 * against lme4: the same root solved on glmer's own deviance function
 * (nAGQ = 9, modes solved to tolPwrss 1e-13, the profile over the
 * intercept from a grid and optimize; tests/reference/glmm_two_peaks.R),
 * tau^2 = 8416.127806 and 5200.152093. */
static void test_profile_ci_two_peaks(void **state)
{
    (void)state;
    static const double x1[] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0};
    static const double n1[] = {1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 1, 1, 2, 1, 2, 1, 2, 1};
    static const double x2[] = {0, 0, 0, 0, 0, 1, 2, 0};
    static const double n2[] = {4, 1, 4, 3, 4, 4, 2, 1};
    const struct {
        const double *x, *n;
        size_t k;
        double hi;
    } sets[] = {{x1, n1, 20, 8416.127806}, {x2, n2, 8, 5200.152093}};
    double crit = msc_qchisq(0.05, 1.0, 1);
    for (size_t t = 0; t < 2; t++) {
        size_t k = sets[t].k;
        double v[20];
        for (size_t i = 0; i < k; i++)
            v[i] = 1.0 / (sets[t].x[i] + 0.5) + 1.0 / (sets[t].n[i] - sets[t].x[i] + 0.5);
        msc_settings s;
        msc_settings_default(&s);
        s.method = MSC_METHOD_GLMM;
        s.nagq = 9;
        msc_fit f;
        msc_warnings w = {0};
        assert_int_equal(msc_glmm_fit(sets[t].x, sets[t].n, v, k, &s, &f, &w), MSC_OK);
        msc_warnings_clear(&w);
        assert_false(f.random.exact);
        assert_close(f.het.tau2_hi, sets[t].hi, 1e-6);
        msc_glmm_model M;
        assert_int_equal(msc_glmm_model_init(&M, sets[t].x, sets[t].n, k, 9, 1), MSC_OK);
        double ll_max = msc_glmm_loglik(&M, f.random.yi, f.het.tau), prof = -INFINITY;
        for (int j = -60; j <= 20; j++) {
            double m = j;
            double p = msc_glmm_profile_mu(&M, sqrt(f.het.tau2_hi), &m, NULL);
            if (p > prof)
                prof = p;
        }
        msc_glmm_model_free(&M);
        assert_true(fabs(2.0 * (ll_max - prof) - crit) < 1e-6);
    }
}

static void test_lrt(void **state)
{
    (void)state;
    json_t *ref = ref_load("glmm_extras.json");
    json_t *sets = json_object_get(ref, "sets"), *s;
    size_t i, positive = 0;
    json_array_foreach(sets, i, s)
    {
        const char *name = json_string_value(json_object_get(s, "set"));
        json_t *l = json_object_get(s, "lrt");
        positive += ref_get(l, "stat") > 0.0;
        double want = ref_get(l, "stat");
        for (int nagq = 7; nagq <= 31; nagq += 24) {
            msc_analysis *a = fit(name, nagq);
            const msc_heterogeneity *h = &a->outcome[0].fit.het;
            if (want == 0.0) { /* lme4 and we: tau^2 at 0 */
                assert_true(h->tau2 == 0.0 && h->lrt_tau2 == 0.0 && h->lrt_tau2_p == 1.0);
            } else {
                assert_close_msg(h->lrt_tau2, want, nagq == 7 ? 1e-4 : 1e-9, name);
                assert_close_msg(h->lrt_tau2_p, ref_get(l, "p"), nagq == 7 ? 2e-3 : 1e-8, name);
                /* the 50:50 mixture: half the chi^2_1 tail */
                assert_close(h->lrt_tau2_p, 0.5 * msc_pchisq(h->lrt_tau2, 1, 1), 1e-15);
            }
            free_analysis_and_data(a);
        }
    }
    assert_int_equal(i, 11);
    assert_int_equal(positive, 9); /* the rest: tau^2 at 0 */
    json_decref(ref);
}

/* Where the model could not be fitted there is nothing to profile. */
static void test_none_where_unfitted(void **state)
{
    (void)state;
    const char *csv[] = {"study,n,events\nA,10,0\nB,20,0\n",          /* all 0 */
                         "study,n,events\nA,10,3\n",                  /* k = 1 */
                         "study,n,events\nA,10,0\nB,20,20\nC,9,0\n"}; /* separated */
    for (size_t t = 0; t < 3; t++) {
        msc_dataset *d = load_text(csv[t], "events", NULL);
        msc_analysis *a = run_method(d, MSC_METHOD_GLMM);
        const msc_fit *f = &a->outcome[0].fit;
        assert_true(isnan(f->het.tau2_lo) && isnan(f->het.tau2_hi));
        assert_true(isnan(f->het.lrt_tau2) && isnan(f->random.marg_est));
        assert_int_equal(f->het.tau2_ci_profile, 0);
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marginal_integral),
        cmocka_unit_test(test_profile_ci),
        cmocka_unit_test(test_profile_ci_large),
        cmocka_unit_test(test_profile_ci_two_peaks),
        cmocka_unit_test(test_lrt),
        cmocka_unit_test(test_none_where_unfitted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
