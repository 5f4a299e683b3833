/*
 * The binomial-normal GLMM (glmm.c) against metafor's
 * rma.glmm(measure = "PLO", method = "ML") (lme4 1.1-31, nAGQ = 7): the
 * shared reference files (glmm, glmm_fe), and the three outcomes of
 * data/msc_autoimmune.csv, computed with
 *   d <- read.csv("data/msc_autoimmune.csv"); s <- !is.na(d[[col]])
 *   g <- rma.glmm(measure = "PLO", xi = d[[col]][s], ni = d$n[s], method = "ML")
 * lme4 stops its optimiser at about 1e-6, so the bar is 5e-4 relative on mu,
 * its SE and CI, 1e-3 on tau^2 and the Q statistics (issue 3). Then the
 * cases where the model cannot be fitted: the answer must be the exact
 * pooled proportion with a warning, never nonsense.
 */
#include "test_util.h"

#include <math.h>
#include <string.h>

#include "msc_glmm.h"


static msc_analysis *glmm(const msc_dataset *d, int nagq)
{
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    s.nagq = nagq;
    return run_analysis(d, &s);
}

static void check_against(const msc_fit *f, const json_t *g, const json_t *fe)
{
    assert_false(f->random.exact);
    assert_close(f->random.yi, ref_get(g, "est"), 5e-4);
    assert_close(f->random.se, ref_get(g, "se"), 5e-4);
    assert_close(f->random.ci_lo_yi, ref_get(g, "ci_lb"), 5e-4);
    assert_close(f->random.ci_hi_yi, ref_get(g, "ci_ub"), 5e-4);
    assert_close(f->random.est, ref_get(g, "prop"), 5e-4);
    assert_close(f->het.tau2, ref_get(g, "tau2"), 1e-3);
    assert_close(f->het.I2, ref_get(g, "I2"), 1e-3);
    assert_close(f->het.H2, ref_get(g, "H2"), 1e-3);
    assert_close(f->het.Q, ref_get(g, "QE_wld"), 1e-3);
    assert_close(f->het.Q_p, ref_get(g, "QEp_wld"), 1e-3);
    assert_close(f->het.Q_lrt, ref_get(g, "QE_lrt"), 1e-3);
    assert_close(f->het.Q_lrt_p, ref_get(g, "QEp_lrt"), 1e-3);
    assert_close(f->common.yi, ref_get(fe, "est"), 5e-4);
    assert_close(f->common.se, ref_get(fe, "se"), 5e-4);
    assert_close(f->common.ci_lo_yi, ref_get(fe, "ci_lb"), 5e-4);
    assert_close(f->common.ci_hi_yi, ref_get(fe, "ci_ub"), 5e-4);
}

static void test_reference_sets(void **state)
{
    (void)state;
    const char *sets[] = {"pritz1997", "debruin2009"};
    for (size_t k = 0; k < 2; k++) {
        char path[128];
        msc_dataset *d = load_ref_set(sets[k], NULL);
        snprintf(path, sizeof path, "%s.json", sets[k]);
        json_t *ref = ref_load(path);
        msc_analysis *a = glmm(d, 7);
        check_against(&a->outcome[0].fit, json_object_get(ref, "glmm"),
                      json_object_get(ref, "glmm_fe"));
        assert_int_equal(a->outcome[0].warnings.n, 0);
        msc_analysis_free(a);
        json_decref(ref);
        msc_dataset_free(d);
    }
}

/* The stress sets of tests/reference (extra.json "glmm": nAGQ 1, 7, 15).
 * Where metafor fits the model, the same bars apply at 7 and 15 points.
 * Where its tau^2 is 0, our random block is the exact proportion and the
 * common block (logistic regression) carries metafor's numbers. Where
 * metafor fails ("Cannot fit ML model"), we give the exact proportion.
 * At one point (Laplace) lme4's objective differs from the Laplace
 * likelihood by a few 1e-6 in log-likelihood units at the optimum, up to
 * ~1e-5 beside it (its mode iterations stop early). An R implementation of
 * the Laplace likelihood with exact modes, tests/reference/glmm_checks.R
 * part 1, shows that and agrees with ours on mu to 1e-9 and on tau^2 and
 * the SE to 1e-9 (3e-8 on large_n and tiny_and_large_n, whose likelihood is
 * steep). So the SE there is held to 5e-3 and the estimates to 1e-3. */
static void test_stress_sets(void **state)
{
    (void)state;
    static const char *const sets[] = {"zeros_mixed_n", "events_eq_n", "k2_pair",
                                       "k3_trio",       "strong_het",  "homogeneous",
                                       "large_n",       "tiny_and_large_n", "all_zero",
                                       "many_studies"};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        char path[128];
        msc_dataset *d = load_ref_set(sets[k], NULL);
        snprintf(path, sizeof path, "%s.extra.json", sets[k]);
        json_t *ref = ref_load(path);
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(ref, "glmm"), i, g)
        {
            const char *method = json_string_value(json_object_get(g, "method"));
            if (!method || strcmp(method, "ML") != 0)
                continue;
            int q = (int)ref_get(g, "nAGQ");
            msc_analysis *a = glmm(d, q);
            const msc_outcome_result *o = &a->outcome[0];
            const msc_fit *f = &o->fit;
            double rel = q == 1 ? 1e-3 : 5e-4, rel_se = q == 1 ? 5e-3 : 5e-4;
            if (json_object_get(g, "error")) {
                assert_true(f->random.exact && o->warnings.n >= 1);
            } else if (ref_get(g, "tau2") == 0) {
                assert_true(f->random.exact && o->warnings.n >= 1);
                assert_close(f->common.yi, ref_get(g, "est"), rel);
                assert_close(f->common.se, ref_get(g, "se"), rel_se);
                assert_close(f->het.Q, ref_get(g, "QE_wld"), 1e-3);
                assert_close(f->het.Q_lrt, ref_get(g, "QE_lrt"), 1e-3);
            } else {
                assert_false(f->random.exact);
                assert_close(f->random.yi, ref_get(g, "est"), rel);
                assert_close(f->random.se, ref_get(g, "se"), rel_se);
                /* bounds near 0 make relative error meaningless: measure them
                 * against the interval's scale, 2 SE */
                double slack = 2.0 * rel_se * ref_get(g, "se");
                assert_true(fabs(f->random.ci_lo_yi - ref_get(g, "ci_lb")) <= slack);
                assert_true(fabs(f->random.ci_hi_yi - ref_get(g, "ci_ub")) <= slack);
                assert_close(f->het.tau2, ref_get(g, "tau2"), 1e-3);
                assert_close(f->het.I2, ref_get(g, "I2"), 1e-3);
                assert_close(f->het.Q, ref_get(g, "QE_wld"), 1e-3);
                assert_close(f->het.Q_lrt, ref_get(g, "QE_lrt"), 1e-3);
                assert_close(f->het.Q_lrt_p, ref_get(g, "QEp_lrt"), 1e-3);
            }
            msc_analysis_free(a);
        }
        json_decref(ref);
        msc_dataset_free(d);
    }
}

/* metafor on the example data (see the file comment for the call). */
static void test_example_data(void **state)
{
    (void)state;
    static const struct {
        double est, se, tau2, I2, QW, QL;
    } want[3] = {
        {0.5283753955, 0.3048146028, 0.5043135983, 68.15068094, 9.704367495, 26.56194373},
        {-0.08349688436, 1.201588063, 2.716053333, 93.98920032, 31.21001186, 42.85067654},
        {-4.758252212, 1.185072751, 1.187347601, 45.13675298, 1.211762025, 9.775118696},
    };
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, NULL);
    msc_analysis *a = glmm(d, 7);
    assert_int_equal(a->n_outcomes, 3);
    for (size_t j = 0; j < 3; j++) {
        const msc_fit *f = &a->outcome[j].fit;
        assert_close(f->random.yi, want[j].est, 5e-4);
        assert_close(f->random.se, want[j].se, 5e-4);
        assert_close(f->het.tau2, want[j].tau2, 1e-3);
        assert_close(f->het.I2, want[j].I2, 1e-3);
        assert_close(f->het.Q, want[j].QW, 1e-3);
        assert_close(f->het.Q_lrt, want[j].QL, 1e-3);
    }
    /* metafor's predict(g) on that fit: the z prediction interval for serious
     * adverse events, pi.lb -7.913578152793178, pi.ub -1.602926271950553 */
    msc_analysis_free(a);
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    s.pi = MSC_PI_Z;
    a = run_analysis(d, &s);
    assert_close(a->outcome[2].fit.random.pi_lo_yi, -7.913578152793178, 5e-4);
    assert_close(a->outcome[2].fit.random.pi_hi_yi, -1.602926271950553, 5e-4);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* All 0 events: metafor stops ("Cannot fit ML model"); lme4 alone gives
 * mu = -26, SE 40,000. We give 0 of 50 with its exact interval,
 * [0, 1 - 0.025^(1/50)], and a warning; no model-scale numbers. */
static void test_all_zero(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,10,0\nB,20,0\nC,15,0\nD,5,0\n", "events", NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_outcome_result *o = &a->outcome[0];
    assert_true(o->fit.exact_fallback && o->fit.random.exact && o->fit.common.exact);
    assert_close(o->fit.random.est, 0, 0);
    assert_close(o->fit.random.ci_lo, 0, 0);
    assert_close(o->fit.random.ci_hi, 1 - pow(0.025, 1.0 / 50), 1e-12);
    assert_true(isnan(o->fit.random.yi) && isnan(o->fit.random.se));
    assert_true(isnan(o->fit.het.tau2));
    assert_one_warning(o, "every study has 0");
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* All events = n: 30 of 30, lower bound 0.025^(1/30). */
static void test_all_n(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,10,10\nB,20,20\n", "events", NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_fit *f = &a->outcome[0].fit;
    assert_true(f->random.exact);
    assert_close(f->random.est, 1, 0);
    assert_close(f->random.ci_lo, pow(0.025, 1.0 / 30), 1e-12);
    assert_close(f->random.ci_hi, 1, 0);
    assert_one_warning(&a->outcome[0], "every study has n");
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* Studies with 0 and studies with n events: complete separation. lme4
 * returns mu = -14.7, SE 7.2, tau^2 = 32778 (metafor passes them on). The
 * fit must not converge to such numbers: exact estimate and a warning.
 * The likelihood-ratio Q needs no model: the deviance of the common
 * proportion p = 32/57 against each study's own, 2 sum x log(x / (n p)) +
 * (n - x) log((n - x) / (n (1 - p))) with 0 log 0 = 0 (R gives
 * 78.15695551054618 for it; metafor, rma.glmm(measure = "PLO", xi = c(0,
 * 20, 0, 12), ni = c(10, 20, 15, 12), method = "ML")$QE.LRT, gives
 * 78.15695551017204 through lme4's fits). */
static double xlogx_over(double x, double y) { return x == 0 ? 0 : x * log(x / y); }

static void test_separation(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,10,0\nB,20,20\nC,15,0\nD,12,12\n", "events",
                               NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_fit *f = &a->outcome[0].fit;
    assert_true(f->random.exact);
    assert_close(f->random.est, 32.0 / 57.0, 1e-15);
    assert_true(isnan(f->random.se));
    static const double x[] = {0, 20, 0, 12}, n[] = {10, 20, 15, 12};
    double p = 32.0 / 57.0, q = 0;
    for (size_t i = 0; i < 4; i++)
        q += 2 * (xlogx_over(x[i], n[i] * p) + xlogx_over(n[i] - x[i], n[i] * (1 - p)));
    assert_close(f->het.Q_lrt, q, 1e-12);
    assert_close(f->het.Q_lrt, 78.15695551017204, 1e-10); /* metafor */
    assert_one_warning(&a->outcome[0], "0 or n events");
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* Data sets from a randomised sweep against metafor that mscmeta once
 * wrongly called non-convergent. In the first, the conditional mode of the
 * study with 5 of 2755 was found by plain Newton, which cycled; the
 * likelihood jumped and the line search stalled. metafor (rma.glmm, nAGQ 7):
 * est -4.893340789, se 1.053735241, tau^2 4.868960081, I^2 93.99712276,
 * QE.Wld 41.53985102, QE.LRT 33.17326815. */
static void test_false_divergence(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,1604,13\nB,2166,2\nC,2755,5\nD,138,1\nE,4,2\n",
                               "events", NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_fit *f = &a->outcome[0].fit;
    assert_false(f->random.exact);
    assert_close(f->random.yi, -4.893340789, 5e-4);
    assert_close(f->random.se, 1.053735241, 5e-4);
    assert_close(f->het.tau2, 4.868960081, 1e-3);
    assert_close(f->het.I2, 93.99712276, 1e-3);
    assert_close(f->het.Q, 41.53985102, 1e-3);
    assert_close(f->het.Q_lrt, 33.17326815, 1e-3);
    assert_int_equal(a->outcome[0].warnings.n, 0);
    msc_analysis_free(a);
    msc_dataset_free(d);

    /* Two studies, one at 0: the Louis Hessian overshot around the maximum
     * for 200 steps. metafor: est -1.709563483, se 3.459658787, tau^2
     * 15.70822516. The likelihood is so flat here that lme4's deviance,
     * which carries ~1e-8 of noise from its inner iterations, moves its
     * optimum and its finite-difference Hessian: lme4's own deviance
     * function differenced at our optimum gives SE 3.45922, ours is
     * 3.45596 (tests/reference/glmm_checks.R part 2: glmer(..., nAGQ = 7,
     * devFunOnly = TRUE), central differences with step 1e-3 at tau =
     * 3.9630394798, mu = -1.7092517738, SE = sqrt(solve(H / 2)[2, 2])).
     * The SE is held to 2e-3 for that reason. */
    d = load_text("study,n,events\nA,14,12\nB,9,0\n", "events", NULL);
    a = glmm(d, 7);
    f = &a->outcome[0].fit;
    assert_false(f->random.exact);
    assert_close(f->random.yi, -1.709563483, 5e-4);
    assert_close(f->random.se, 3.459658787, 2e-3);
    assert_close(f->het.tau2, 15.70822516, 1e-3);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* Studies at 0 and at n with a large tau^2 (23): lme4 stops its inner
 * iterations for the conditional modes at a relative change of 1e-7 in the
 * penalised deviance (tolPwrss), which leaves its AGQ deviance off by up to
 * ~1e-4 here, and metafor's SE 2.1611975 off by 2.4e-3. With the modes
 * solved fully, glmer(..., nAGQ = 7, control = glmerControl(tolPwrss =
 * 1e-13, optimizer = "nloptwrap", optCtrl = list(ftol_abs = 1e-12,
 * xtol_abs = 1e-12))) gives tau^2 23.31467474, mu -4.02887330, SE
 * 2.15603717; mscmeta solves the modes exactly and must agree with that
 * (tests/reference/glmm_checks.R part 3 makes both fits). */
static void test_lme4_tolerance(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,8,0\nB,51,51\nC,28,0\nD,47,1\nE,42,1\n"
                               "F,9,0\nG,57,1\n",
                               "events", NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_fit *f = &a->outcome[0].fit;
    assert_false(f->random.exact);
    assert_close(f->random.yi, -4.02887330, 1e-5);
    assert_close(f->random.se, 2.15603717, 1e-5);
    assert_close(f->het.tau2, 23.31467474, 1e-5);
    /* and metafor's defaults within the bar for mu and tau^2 */
    assert_close(f->random.yi, -4.0301525524, 5e-4);
    assert_close(f->het.tau2, 23.3240568677, 1e-3);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* 0 of 2, 2 of 2 and 2 of 4: by symmetry mu = 0, and the likelihood there
 * is flat in tau to within the error of the 7-point rule, which alone shows a
 * spurious maximum no higher than tau = 0 beyond that error. lme4 warns
 * "Hessian is numerically singular: parameters are not uniquely
 * determined" and stops at tau^2 = 6e-8. The answer is the exact 4/8 with
 * a warning. (0/1 with 1/1 is flat too, but every study there is at 0 or n,
 * which has its own warning: see test_separation.)
 *
 * The exact likelihood at mu = 0 falls from tau = 0 only at sixth order,
 * ll(tau) - ll(0) = -0.062 tau^6 (R's integrate at tau = 0.05 to 0.4), so
 * near tau = 0 its gradient is below rounding: a change in the last bits
 * of the quadrature can move where the search stops (at ae2a696 the
 * 9-point search stopped at the boundary tau^2 = 0, "singular fit",
 * instead). Both say why and give the exact 4/8. */
static void test_flat(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,2,0\nB,2,2\nC,4,2\n", "events", NULL);
    for (int nagq = 7; nagq <= 9; nagq += 2) {
        msc_analysis *a = glmm(d, nagq);
        const msc_fit *f = &a->outcome[0].fit;
        assert_true(f->random.exact);
        assert_close(f->random.est, 0.5, 0);
        assert_true(isnan(f->het.tau2));
        assert_one_warning(&a->outcome[0], "flat");
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
}

/* Homogeneous studies: tau^2 = 0 (metafor: 0). The common block is
 * logistic regression, closed form logit(0.1) and 1/sqrt(400 * 0.1 * 0.9)
 * (metafor: est -2.19722, se 0.166667); the random block is the exact
 * proportion with a warning that heterogeneity cannot be estimated.
 * metafor, rma.glmm(measure = "PLO", xi = c(10, 11, 9, 10), ni = rep(100,
 * 4), method = "ML"): QE.Wld 0.2217714397749097, QE.LRT 0.2225573533464491
 * (the closed-form deviance 2 sum x log(x / (n 0.1)) + (n - x) log((n - x)
 * / (n 0.9)) is 0.2225573533464498 in R). */
static void test_boundary(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,100,10\nB,100,11\nC,100,9\nD,100,10\n", "events",
                               NULL);
    msc_analysis *a = glmm(d, 7);
    const msc_fit *f = &a->outcome[0].fit;
    assert_close(f->het.tau2, 0, 0);
    assert_close(f->common.yi, -2.1972245773362191, 1e-12);
    assert_close(f->common.se, 0.16666666666666666, 1e-12);
    assert_close(f->het.Q, 0.2217714397749097, 1e-6);     /* metafor QE.Wld */
    assert_close(f->het.Q_lrt, 0.2225573533464491, 1e-6); /* metafor QE.LRT */
    assert_true(f->random.exact);
    assert_close(f->random.est, 0.1, 1e-15);
    assert_one_warning(&a->outcome[0], "boundary");
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* One study, two studies, a study with n = 1: answers, not failures. */
static void test_small(void **state)
{
    (void)state;
    const char *cases[] = {"study,n,events\nA,10,3\n", "study,n,events\nA,10,3\nB,30,9\n",
                           "study,n,events\nA,1,1\nB,10,2\nC,20,5\nD,1,0\n",
                           "study,n,events\nA,1,0\nB,12,7\nC,20,5\nD,8,8\nE,40,4\n"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msc_dataset *d = load_text(cases[i], "events", NULL);
        msc_analysis *a = glmm(d, 7);
        const msc_fit *f = &a->outcome[0].fit;
        const msc_estimate *e = &f->random;
        assert_true(isfinite(e->est) && e->est > 0 && e->est < 1);
        assert_true(e->ci_lo <= e->est && e->est <= e->ci_hi);
        assert_true(isfinite(f->common.yi) && isfinite(f->common.se));
        if (e->exact)
            assert_true(a->outcome[0].warnings.n >= 1);
        else
            assert_true(isfinite(e->se) && e->se < 10);
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
}

/* More quadrature points converge to the same fit (the AGQ error is small
 * at 7 points already). */
static void test_nagq(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/pritz1997.csv", "events", NULL);
    msc_analysis *a7 = glmm(d, 7), *a25 = glmm(d, 25);
    assert_close(a25->outcome[0].fit.random.yi, a7->outcome[0].fit.random.yi, 1e-4);
    assert_close(a25->outcome[0].fit.het.tau2, a7->outcome[0].fit.het.tau2, 1e-3);
    msc_analysis_free(a7);
    msc_analysis_free(a25);
    msc_dataset_free(d);
}

/* Threads are a setting (issue 9), and the results do not depend on it:
 * 30,000 studies with distinct (x, n) pairs, past the size at which an
 * evaluation is split between threads, give the same bits with 1, 2 and 3
 * threads. */
static void test_threads(void **state)
{
    (void)state;
    size_t k = 30000;
    double *x = malloc(k * sizeof *x), *n = malloc(k * sizeof *n), *v = malloc(k * sizeof *v);
    for (size_t i = 0; i < k; i++) {
        n[i] = 20.0 + (double)i;
        double p = 1.0 / (1.0 + exp(1.0 - 0.8 * sin(0.7 * (double)i)));
        x[i] = floor(n[i] * p);
        msc_effect_compute(MSC_PLO, x[i], n[i], 0.5, MSC_CC_ONLY0, 0, &v[i], &v[i]);
    }
    msc_fit f[3];
    for (int t = 0; t < 3; t++) {
        msc_settings s;
        msc_settings_default(&s);
        s.method = MSC_METHOD_GLMM;
        s.threads = t + 1;
        msc_warnings w = {0};
        assert_int_equal(msc_glmm_fit(x, n, v, k, &s, &f[t], &w), MSC_OK);
        assert_false(f[t].random.exact);
        msc_warnings_clear(&w);
    }
    for (int t = 1; t < 3; t++) {
        assert_true(f[t].random.yi == f[0].random.yi);
        assert_true(f[t].random.se == f[0].random.se);
        assert_true(f[t].het.tau2 == f[0].het.tau2);
    }
    free(x);
    free(n);
    free(v);
}

/* The conditional mode of one study, h'(z) = tau (x - n expit(mu + tau z))
 * - z = 0, found from any start in its bracket [tau (x - n), tau x]. From
 * the left end, x = 8 of n = 82 at mu = -1, tau = 0.689 once cycled between
 * the two flat arms of h' (Newton from each lands just inside the other
 * end) and stopped after 200 steps at -10.10; the root, by bisection here,
 * is -1.406. A grid of (mu, tau) and three starts each, every one against
 * bisection. */
static double mode_bisect(double x, double n, double mu, double tau)
{
    double lo = tau * (x - n), hi = tau * x;
    for (int it = 0; it < 200 && hi - lo > 1e-14 * (1.0 + fabs(lo)); it++) {
        double z = 0.5 * (lo + hi), h1 = tau * (x - n / (1.0 + exp(-(mu + tau * z)))) - z;
        if (h1 > 0.0)
            lo = z;
        else
            hi = z;
    }
    return 0.5 * (lo + hi);
}

static void test_mode_from_any_start(void **state)
{
    (void)state;
    const double pairs[][2] = {{8, 82}, {0, 40}, {40, 40}, {1, 1000}, {500, 1000}, {3, 5}};
    size_t bad = 0, tried = 0;
    for (size_t q = 0; q < sizeof pairs / sizeof *pairs; q++)
        for (double mu = -6.0; mu <= 3.0; mu += 0.25)
            for (double tau = 0.05; tau <= 6.0; tau *= 1.3)
                for (int from = 0; from < 3; from++) {
                    double x = pairs[q][0], n = pairs[q][1];
                    double start = from == 0 ? tau * (x - n) : from == 1 ? 0.0 : tau * x;
                    msc_glmm_model M;
                    assert_int_equal(msc_glmm_model_init(&M, &x, &n, 1, 7, 1), MSC_OK);
                    M.u[0].zhat = start;
                    msc_glmm_eval ev;
                    msc_glmm_evaluate(&M, mu, tau, &ev);
                    double want = mode_bisect(x, n, mu, tau);
                    if (!(fabs(M.u[0].zhat - want) <= 1e-9 * (1.0 + fabs(want)))) {
                        if (bad < 5)
                            print_message("mode of %g/%g at mu %g tau %g from %g: %.10g, "
                                          "bisection %.10g\n",
                                          x, n, mu, tau, start, M.u[0].zhat, want);
                        bad++;
                    }
                    tried++;
                    msc_glmm_model_free(&M);
                }
    assert_true(tried > 1000);
    assert_int_equal(bad, 0);
}

/* msc_glmm_fit_estimate (the GLMM beside a continuity-corrected pool)
 * must find msc_glmm_fit's maximum from any start it is given; the full
 * fit is the reference here (it is checked against lme4 above). Sparse
 * data with tau^2 well above 0, where an inverse-variance fit can give a
 * tiny tau: from tau = 1e-7 or 1e-6 Newton used to stop at the boundary
 * tau = 0 (mu -2.405 for -3.276), from 1e-5 it failed. And data at the
 * boundary stay there from a start inside. */
static void test_estimate_start(void **state)
{
    (void)state;
    const double xi[] = {0, 0, 1, 0, 5, 0, 0, 2, 0, 9, 0, 1};
    const double ni[] = {20, 15, 30, 25, 22, 40, 18, 35, 12, 30, 28, 16};
    enum { K = 12 };
    double vi[K];
    for (int i = 0; i < K; i++)
        vi[i] = 1.0 / (xi[i] + 0.5) + 1.0 / (ni[i] - xi[i] + 0.5);
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    msc_fit full, f;
    msc_warnings w = {0};
    assert_int_equal(msc_glmm_fit(xi, ni, vi, K, &s, &full, &w), MSC_OK);
    msc_warnings_clear(&w);
    assert_false(full.random.exact);
    assert_true(full.het.tau2 > 0.5);
    const double taus[] = {1e-7, 1e-6, 1e-5, 3e-5, 1e-2, 0.3, 1.0, 5.0};
    const double dmu[] = {-0.3, 0.0, 1.0};
    for (size_t a = 0; a < sizeof taus / sizeof *taus; a++)
        for (size_t b = 0; b < sizeof dmu / sizeof *dmu; b++) {
            assert_int_equal(
                msc_glmm_fit_estimate(xi, ni, vi, K, &s, full.random.yi + dmu[b], taus[a], &f, &w),
                MSC_OK);
            msc_warnings_clear(&w);
            assert_false(f.random.exact);
            /* its Newton search ends on a step of 1e-6 (MSC_FIT_ESTIMATE_ROUGH) */
            assert_close(f.random.yi, full.random.yi, 1e-7);
            assert_close(f.het.tau2, full.het.tau2, 1e-6);
        }
    /* at the boundary (test_boundary's data): the exact fallback, as the full fit */
    const double bx[] = {10, 11, 9, 10}, bn[] = {100, 100, 100, 100};
    double bv[4];
    for (int i = 0; i < 4; i++)
        bv[i] = 1.0 / bx[i] + 1.0 / (bn[i] - bx[i]);
    assert_int_equal(msc_glmm_fit_estimate(bx, bn, bv, 4, &s, -2.2, 0.5, &f, &w), MSC_OK);
    msc_warnings_clear(&w);
    assert_true(f.random.exact);
    assert_close(f.random.est, 0.1, 1e-15);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_sets), cmocka_unit_test(test_stress_sets),
        cmocka_unit_test(test_example_data),   cmocka_unit_test(test_all_zero),
        cmocka_unit_test(test_all_n),          cmocka_unit_test(test_separation),
        cmocka_unit_test(test_boundary),       cmocka_unit_test(test_small),
        cmocka_unit_test(test_nagq),           cmocka_unit_test(test_false_divergence),
        cmocka_unit_test(test_flat),           cmocka_unit_test(test_lme4_tolerance),
        cmocka_unit_test(test_threads),        cmocka_unit_test(test_mode_from_any_start),
        cmocka_unit_test(test_estimate_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
