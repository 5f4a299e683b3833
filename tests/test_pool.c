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


#define TOL 1e-6
#define TOL_QP 1e-5
#define FLOOR 1e-12 /* absolute slack for tau^2-like values at a boundary 0 */

/* Data sets with reference files (tests/reference/README.md): the CSV has
 * columns study, events, n (and the group column named here). Those with
 * an .extra.json also have level-0.90 fits, uncapped Q-profile bounds,
 * continuity-correction variants and (with a group) every subgroup fit. */
static const struct {
    const char *name, *group;
    int extra;
} DATASETS[] = {
    {"pritz1997", NULL, 0},        {"debruin2009", "ethnicity", 0},
    {"zeros_mixed_n", "route", 1}, {"events_eq_n", NULL, 1},
    {"k2_pair", NULL, 1},          {"k3_trio", NULL, 1},
    {"strong_het", "disease", 1},  {"homogeneous", "site", 1},
    {"large_n", NULL, 1},          {"tiny_and_large_n", NULL, 1},
    {"all_zero", NULL, 1},         {"many_studies", "indication", 1},
};

static char what[512];

static void near(double got, double want, double rel, double abs_, const char *ctx, const char *key)
{
    snprintf(what, sizeof what, "%s %s", ctx, key);
    if (!isnan(want) && !isnan(got) && fabs(got - want) <= abs_)
        return;
    assert_close_msg(got, want, rel, what);
}
#define NEAR(got, obj, key, rel, abs_) near((got), ref_get((obj), (key)), (rel), (abs_), ctx, (key))

static msc_analysis *run(const msc_dataset *d, msc_measure m, msc_method meth, msc_test t,
                         msc_pi pi)
{
    msc_settings s;
    msc_settings_default(&s);
    s.measure = m;
    s.method = meth;
    s.test = t;
    s.pi = pi;
    return run_analysis(d, &s);
}

static void settings_of(const json_t *f, msc_settings *s)
{
    msc_settings_default(s);
    s->measure = (msc_measure)msc_measure_parse(json_string_value(json_object_get(f, "measure")));
    s->method = (msc_method)msc_method_parse(json_string_value(json_object_get(f, "method")));
    s->test = (msc_test)msc_test_parse(json_string_value(json_object_get(f, "test")));
}

/* The pooled numbers every fit record has (est ... prop_ci_ub). */
static void check_pooled(const msc_fit *fit, const json_t *f, const char *ctx)
{
    int fe = fit->method == MSC_METHOD_FE;
    const msc_estimate *e = fe ? &fit->common : &fit->random;
    const msc_heterogeneity *h = &fit->het;
    NEAR(e->yi, f, "est", TOL, 0);
    NEAR(e->se, f, "se", TOL, 0);
    NEAR(e->ci_lo_yi, f, "ci_lb", TOL, 0);
    NEAR(e->ci_hi_yi, f, "ci_ub", TOL, 0);
    NEAR(e->stat, f, "zval", TOL, 0);
    NEAR(e->p, f, "pval", TOL, 0);
    NEAR(h->tau2, f, "tau2", TOL, FLOOR);
    NEAR(h->I2, f, "I2", TOL, 1e-8);
    NEAR(h->H2, f, "H2", TOL, 0);
    NEAR(h->Q, f, "Q", TOL, 1e-12);
    NEAR(h->Q_p, f, "Qp", TOL, 0);
    NEAR(e->est, f, "prop", TOL, 0);
    NEAR(e->ci_lo, f, "prop_ci_lb", TOL, 0);
    NEAR(e->ci_hi, f, "prop_ci_ub", TOL, 0);
}

/* Q-profile bounds against tau2_ci/I2_ci/H2_ci-style arrays under `key`. */
static void check_qp(const msc_heterogeneity *h, const json_t *r, const char *sfx, const char *ctx)
{
    char k1[64], k2[64], k3[64];
    snprintf(k1, sizeof k1, "tau2_ci%s", sfx);
    snprintf(k2, sizeof k2, "I2_ci%s", sfx);
    snprintf(k3, sizeof k3, "H2_ci%s", sfx);
    if (!json_object_get(r, k1))
        return;
    near(h->tau2_lo, ref_at(r, k1, 0), TOL_QP, FLOOR, ctx, "tau2_ci lower");
    near(h->tau2_hi, ref_at(r, k1, 1), TOL_QP, FLOOR, ctx, "tau2_ci upper");
    near(h->I2_lo, ref_at(r, k2, 0), TOL_QP, 1e-8, ctx, "I2_ci lower");
    near(h->I2_hi, ref_at(r, k2, 1), TOL_QP, 1e-8, ctx, "I2_ci upper");
    near(h->H2_lo, ref_at(r, k3, 0), TOL_QP, 0, ctx, "H2_ci lower");
    near(h->H2_hi, ref_at(r, k3, 1), TOL_QP, 0, ctx, "H2_ci upper");
}

static const json_t *find_qp(const json_t *extra, const char *measure, const char *method)
{
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(extra, "qprofile95_uncapped"), i, q)
    {
        if (strcmp(json_string_value(json_object_get(q, "measure")), measure) == 0 &&
            strcmp(json_string_value(json_object_get(q, "method")), method) == 0)
            return q;
    }
    return NULL;
}

/* One reference.R fit: per-study values, pooled numbers, Q-profile, the
 * HTS prediction interval and metafor's own (z with z, t(k-1) with knha).
 * metafor caps its Q-profile search at tau^2 = max(100, 10 tau^2); where it
 * did, the uncapped bounds (extra.json) are the reference. */
static void check_fit(const msc_dataset *d, const json_t *f, const json_t *extra, const char *ds)
{
    msc_settings s;
    settings_of(f, &s);
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s %s/%s/%s", ds, msc_measure_name(s.measure),
             msc_method_name(s.method), msc_test_name(s.test));
    msc_analysis *a = run_analysis(d, &s);
    const msc_outcome_result *o = &a->outcome[0];
    int fe = s.method == MSC_METHOD_FE;
    assert_int_equal(o->k, (size_t)ref_get(f, "k"));
    for (size_t i = 0; i < o->k; i++) {
        near(o->yi[i], ref_at(f, "yi", i), TOL, 0, ctx, "yi");
        near(o->vi[i], ref_at(f, "vi", i), TOL, 0, ctx, "vi");
        near(msc_outcome_weight(o, i, !fe), ref_at(f, "weights_pct", i), TOL, 0, ctx, "weight");
    }
    check_pooled(&o->fit, f, ctx);
    if (!fe) {
        const msc_estimate *e = &o->fit.random;
        NEAR(e->pi_lo_yi, f, "pi_lb_hts", TOL, 0);
        NEAR(e->pi_hi_yi, f, "pi_ub_hts", TOL, 0);
        NEAR(e->pi_lo, f, "prop_pi_lb_hts", TOL, 0);
        NEAR(e->pi_hi, f, "prop_pi_ub_hts", TOL, 0);
        const json_t *qp = extra ? find_qp(extra, json_string_value(json_object_get(f, "measure")),
                                           json_string_value(json_object_get(f, "method")))
                                 : NULL;
        if (qp)
            check_qp(&o->fit.het, qp, "_uncapped", ctx);
        else
            check_qp(&o->fit.het, f, "", ctx);
        msc_analysis_free(a);
        s.pi = s.test == MSC_TEST_KNHA ? MSC_PI_T : MSC_PI_Z;
        a = run_analysis(d, &s);
        e = &a->outcome[0].fit.random;
        NEAR(e->pi_lo_yi, f, "pi_lb_metafor", TOL, 0);
        NEAR(e->pi_hi_yi, f, "pi_ub_metafor", TOL, 0);
    }
    msc_analysis_free(a);
}

/* The same at level 0.90 (extra.json "level90"). */
static void check_level90(const msc_dataset *d, const json_t *f, const char *ds)
{
    msc_settings s;
    settings_of(f, &s);
    s.level = 0.90;
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s level 0.90 %s/%s/%s", ds, msc_measure_name(s.measure),
             msc_method_name(s.method), msc_test_name(s.test));
    msc_analysis *a = run_analysis(d, &s);
    check_pooled(&a->outcome[0].fit, f, ctx);
    if (s.method != MSC_METHOD_FE) {
        const msc_estimate *e = &a->outcome[0].fit.random;
        NEAR(e->pi_lo_yi, f, "pi_lb_hts", TOL, 0);
        NEAR(e->pi_hi_yi, f, "pi_ub_hts", TOL, 0);
        check_qp(&a->outcome[0].fit.het, f, "_uncapped", ctx);
    }
    msc_analysis_free(a);
}

/* Continuity-correction variants (extra.json "cc"). */
static void check_cc(const msc_dataset *d, const json_t *f, const char *ds)
{
    msc_settings s;
    settings_of(f, &s);
    s.cc = ref_get(f, "add");
    s.cc_mode = msc_cc_mode_parse(json_string_value(json_object_get(f, "to")));
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s cc %g %s %s/%s", ds, s.cc, msc_cc_mode_name(s.cc_mode),
             msc_measure_name(s.measure), msc_method_name(s.method));
    msc_analysis *a = run_analysis(d, &s);
    const msc_outcome_result *o = &a->outcome[0];
    for (size_t i = 0; i < o->k; i++) {
        near(o->yi[i], ref_at(f, "yi", i), TOL, 0, ctx, "yi");
        near(o->vi[i], ref_at(f, "vi", i), TOL, 0, ctx, "vi");
    }
    check_pooled(&o->fit, f, ctx);
    msc_analysis_free(a);
}

/* Every subgroup fit (extra.json "subgroups"): each group's own fit, its
 * HTS prediction interval (k >= 3) and Q-profile (where metafor's search
 * was not capped), and the test for subgroup differences. Where metafor's
 * Q_between is NaN (a group with se = 0 under knha: w = 1/se^2 is Inf in
 * extra_reference.R), mscmeta leaves that group out of the test and must
 * say so; its Q_between is then extra_reference.R's formula, sum w_g (est_g
 * - mean_w)^2 with w_g = 1/se_g^2, over the groups whose metafor se is
 * finite and positive, with df = (those groups) - 1. */
static void check_subgroups(const msc_dataset *d, const json_t *sf, const char *ds)
{
    msc_settings s;
    settings_of(sf, &s);
    char ctx[256];
    msc_analysis *a = run_analysis(d, &s);
    const msc_outcome_result *o = &a->outcome[0];
    json_t *groups = json_object_get(sf, "groups");
    assert_int_equal(o->n_groups, json_object_size(groups));
    for (size_t g = 0; g < o->n_groups; g++) {
        const msc_group_result *gr = &o->group[g];
        json_t *r = json_object_get(groups, gr->name);
        snprintf(ctx, sizeof ctx, "%s group %s %s/%s/%s", ds, gr->name,
                 msc_measure_name(s.measure), msc_method_name(s.method), msc_test_name(s.test));
        assert_non_null(r);
        assert_int_equal(gr->k, (size_t)ref_get(r, "k"));
        msc_fit gfit;
        msc_warnings gw = {0};
        assert_int_equal(msc_group_fit(a, o, g, &gfit, &gw), MSC_OK);
        msc_warnings_clear(&gw);
        check_pooled(&gfit, r, ctx);
        if (s.method != MSC_METHOD_FE && gr->k >= 3) {
            NEAR(gfit.random.pi_lo_yi, r, "pi_lb_hts", TOL, 0);
            NEAR(gfit.random.pi_hi_yi, r, "pi_ub_hts", TOL, 0);
        }
        const json_t *sign = json_object_get(r, "tau2_ci_ub_sign");
        if (json_object_get(r, "tau2_ci") && !(sign && strcmp(json_string_value(sign), ">") == 0))
            check_qp(&gfit.het, r, "", ctx);
    }
    snprintf(ctx, sizeof ctx, "%s subgroup test %s/%s/%s", ds, msc_measure_name(s.measure),
             msc_method_name(s.method), msc_test_name(s.test));
    if (json_is_null(json_object_get(sf, "Q_between"))) {
        double sw = 0, swy = 0, q = 0;
        size_t used = 0;
        const char *name;
        json_t *r;
        json_object_foreach(groups, name, r)
        {
            double se = ref_get(r, "se"), w = 1.0 / (se * se);
            if (se > 0 && isfinite(se)) {
                sw += w;
                swy += w * ref_get(r, "est");
                used++;
            }
        }
        assert_true(used >= 2 && used < o->n_groups);
        json_object_foreach(groups, name, r)
        {
            double se = ref_get(r, "se"), dy = ref_get(r, "est") - swy / sw;
            if (se > 0 && isfinite(se))
                q += dy * dy / (se * se);
        }
        near(o->Q_between, q, TOL, 1e-12, ctx, "Q_between (groups with se > 0)");
        near(o->Q_between_df, (double)used - 1.0, 0, 0, ctx, "df (groups with se > 0)");
        assert_has_warning(o, "left out of the test for subgroup differences");
    } else {
        NEAR(o->Q_between, sf, "Q_between", TOL, 1e-12);
        NEAR(o->Q_between_df, sf, "df", 0, 0);
        NEAR(o->Q_between_p, sf, "p", TOL, 0);
    }
    msc_analysis_free(a);
}

static void test_reference_fits(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof DATASETS / sizeof DATASETS[0]; k++) {
        char path[256];
        const char *ds = DATASETS[k].name;
        msc_dataset *d = load_ref_set(ds, DATASETS[k].group);
        snprintf(path, sizeof path, "%s.json", ds);
        json_t *ref = ref_load(path);
        json_t *extra = NULL;
        if (DATASETS[k].extra) {
            snprintf(path, sizeof path, "%s.extra.json", ds);
            extra = ref_load(path);
        }
        json_t *fits = json_object_get(ref, "fits");
        assert_true(json_array_size(fits) >= 85);
        size_t i;
        json_t *f;
        json_array_foreach(fits, i, f) check_fit(d, f, extra, ds);
        if (extra) {
            json_array_foreach(json_object_get(extra, "level90"), i, f) check_level90(d, f, ds);
            json_array_foreach(json_object_get(extra, "cc"), i, f) check_cc(d, f, ds);
            json_t *sg = json_object_get(extra, "subgroups");
            if (sg)
                json_array_foreach(json_object_get(sg, "fits"), i, f) check_subgroups(d, f, ds);
        }
        json_decref(extra);
        json_decref(ref);
        msc_dataset_free(d);
    }
}

/* Subgroups as reference.R records them (debruin2009 by ethnicity,
 * PLO/REML): Q_between = sum w_g (y_g - ybar)^2 with w_g = 1/SE_g^2. */
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
        msc_fit f;
        msc_warnings gw = {0};
        assert_int_equal(msc_group_fit(a, o, g, &f, &gw), MSC_OK);
        msc_warnings_clear(&gw);
        assert_close(f.random.yi, ref_get(r, "est"), TOL);
        assert_close(f.random.se, ref_get(r, "se"), TOL);
        assert_close(f.random.ci_lo_yi, ref_get(r, "ci_lb"), TOL);
        assert_close(f.random.ci_hi_yi, ref_get(r, "ci_ub"), TOL);
        assert_close(f.het.tau2, ref_get(r, "tau2"), TOL);
        assert_close(f.het.I2, ref_get(r, "I2"), TOL);
        assert_close(f.het.Q, ref_get(r, "Q"), TOL);
        assert_close(f.random.est, ref_get(r, "prop"), TOL);
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

/* A tau^2 estimator that does not converge: the warning says tau^2 is set
 * to 0, and so it must be (issue 9: the last Fisher iterate, here
 * infinite, was kept). Estimates of +-1e308 overflow every sum. */
static void test_not_converged_is_zero(void **state)
{
    (void)state;
    double y[] = {1e308, -1e308, 0, 5}, v[] = {1, 1, 1, 1};
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_EB;
    msc_fit f;
    msc_warnings w = {0};
    assert_int_equal(msc_pool_fit(y, v, NULL, 4, &s, &f, &w), MSC_OK);
    assert_int_equal(f.converged, 0);
    assert_true(f.het.tau2 == 0.0);
    int said = 0;
    for (size_t i = 0; i < w.n; i++)
        said |= strstr(w.msg[i], "did not converge; tau^2 is set to 0") != NULL;
    assert_true(said);
    msc_warnings_clear(&w);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_fits), cmocka_unit_test(test_subgroups),
        cmocka_unit_test(test_single_study),   cmocka_unit_test(test_all_zero_and_all_n),
        cmocka_unit_test(test_large_n),
        cmocka_unit_test(test_not_converged_is_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
