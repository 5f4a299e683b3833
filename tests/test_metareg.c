/*
 * The meta-regression engine (regress_fit.c) against metafor 3.8-1.
 *
 * Every `metareg` entry of tests/reference/{bcg_control,debruin2009}.sens.json
 * (sensitivity.R: rma(yi, vi, mods = ~ ..., method, test) for each moderator
 * alone and all together; PLO with every method FE, DL, REML, ML, PM, EB,
 * HE, SJ, HS x test z, knha; PAS and PR with REML x z, knha; 154 fits) is
 * refitted from the CSV: coefficients, SEs, test statistics and CIs to
 * 1e-6 relative, p values to 1e-5, QM, QE and their p values, tau^2, I^2,
 * H^2 and R^2 to 1e-6, and the predictions at the moderator's min, median
 * and max (single numeric moderator) with CI and PI, on the model scale and
 * back-transformed, to 1e-6. Factors are coded as sensitivity.R codes
 * them: treatment contrasts, levels in byte order, the first the reference.
 *
 * The rest checks what metafor has no number for against hand
 * computations: without moderators the engine is the intercept-only
 * pooled model (msc_pool_fit, itself checked against metafor in
 * test_pool.c); a QM of one coefficient is its statistic squared; designs
 * that cannot be fitted say why.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6
#define TOL_P 1e-5
#define FLOOR 1e-10 /* absolute slack for values at a boundary 0 (tau^2, R^2) */

static char what[1024];
static double worst, worst_p; /* the largest relative difference seen (p values apart) */
static size_t compared;

static void near(double got, double want, double rel, const char *ctx, const char *key)
{
    snprintf(what, sizeof what, "%s %s", ctx, key);
    compared++;
    if (!isnan(want) && !isnan(got) && fabs(got - want) <= FLOOR)
        return;
    assert_close_msg(got, want, rel, what);
    if (isfinite(want) && want != 0.0) {
        double d = fabs(got - want) / fabs(want);
        size_t n = strlen(key);
        double *wp = strcmp(key, "pval") == 0 || key[n - 1] == 'p' ? &worst_p : &worst;
        if (d > *wp)
            *wp = d;
    }
}

/* A data set with its moderators as sensitivity.R codes them. */
typedef struct {
    const char *name;
    json_t *ref;
    msc_dataset *d;
} refset;

static refset open_set(const char *name)
{
    refset r = {name, NULL, NULL};
    char path[256];
    snprintf(path, sizeof path, "%s.sens.json", name);
    r.ref = ref_load(path);
    const char *keep[8];
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(r.ref, "moderator_info"), key, v) keep[n++] = key;
    msc_load_options o;
    msc_load_options_default(&o);
    const char *ev[1] = {"events"};
    o.events_cols = ev;
    o.n_events_cols = 1;
    o.keep_cols = keep;
    o.n_keep_cols = n;
    snprintf(path, sizeof path, "reference/%s.csv", name);
    size_t len;
    char *csv = read_file(path, &len);
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, len, path, &o, &r.d, err, sizeof err), MSC_OK);
    free(csv);
    return r;
}

static void close_set(refset *r)
{
    msc_dataset_free(r->d);
    json_decref(r->ref);
}

static const msc_kept_column *kept(const msc_dataset *d, const char *name)
{
    for (size_t j = 0; j < d->n_kept; j++)
        if (strcmp(d->kept[j].name, name) == 0)
            return &d->kept[j];
    fail_msg("no kept column %s", name);
    return NULL;
}

/* The design's moderator columns (k x m) for the studies of o: numeric
 * moderators as numbers, factors as indicators of each level but the
 * reference (the first of moderator_info's levels). */
static double *design(const refset *r, const msc_outcome_result *o, const json_t *mods, size_t *m)
{
    const json_t *info = json_object_get(r->ref, "moderator_info");
    size_t cols = 0;
    for (size_t j = 0; j < json_array_size(mods); j++) {
        const json_t *mi = json_object_get(info, json_string_value(json_array_get(mods, j)));
        cols += strcmp(json_string_value(json_object_get(mi, "type")), "factor") == 0
                    ? json_array_size(json_object_get(mi, "levels")) - 1
                    : 1;
    }
    double *X = calloc(o->k * cols, sizeof *X);
    size_t c = 0;
    for (size_t j = 0; j < json_array_size(mods); j++) {
        const char *name = json_string_value(json_array_get(mods, j));
        const json_t *mi = json_object_get(info, name);
        const msc_kept_column *col = kept(r->d, name);
        if (strcmp(json_string_value(json_object_get(mi, "type")), "factor") == 0) {
            const json_t *lv = json_object_get(mi, "levels");
            for (size_t l = 1; l < json_array_size(lv); l++, c++)
                for (size_t i = 0; i < o->k; i++)
                    X[i * cols + c] = strcmp(col->value[o->row[i]],
                                             json_string_value(json_array_get(lv, l))) == 0;
        } else {
            for (size_t i = 0; i < o->k; i++)
                X[i * cols + c] = strtod(col->value[o->row[i]], NULL);
            c++;
        }
    }
    *m = cols;
    return X;
}

static void check_fit(const msc_regress_model *r, const json_t *e, const char *ctx)
{
    int knha = strcmp(json_string_value(json_object_get(e, "test")), "knha") == 0;
    assert_int_equal(r->p, (size_t)json_integer_value(json_object_get(e, "p")));
    assert_int_equal(r->k, (size_t)json_integer_value(json_object_get(e, "k")));
    const char *stat = knha ? "tval" : "zval";
    for (size_t j = 0; j < r->p; j++) {
        char c[600];
        snprintf(c, sizeof c, "%s coef %zu", ctx, j);
        near(r->beta[j], ref_at(e, "b", j), TOL, c, "b");
        near(r->se[j], ref_at(e, "se", j), TOL, c, "se");
        near(r->stat[j], ref_at(e, stat, j), TOL, c, stat);
        near(r->pval[j], ref_at(e, "pval", j), TOL_P, c, "pval");
        near(r->ci_lo[j], ref_at(e, "ci_lb", j), TOL, c, "ci_lb");
        near(r->ci_hi[j], ref_at(e, "ci_ub", j), TOL, c, "ci_ub");
    }
    if (knha)
        near(r->df, ref_get(e, "ddf"), 0, ctx, "ddf");
    else
        assert_true(isnan(r->df));
    near(r->QM, ref_get(e, "QM"), TOL, ctx, "QM");
    near(r->QM_df, ref_at(e, "QMdf", 0), 0, ctx, "QMdf[0]");
    near(r->QM_df2, ref_at(e, "QMdf", 1), 0, ctx, "QMdf[1]");
    near(r->QM_p, ref_get(e, "QMp"), TOL_P, ctx, "QMp");
    near(r->QE, ref_get(e, "QE"), TOL, ctx, "QE");
    near(r->QE_df, ref_get(e, "QEdf"), 0, ctx, "QEdf");
    near(r->QE_p, ref_get(e, "QEp"), TOL_P, ctx, "QEp");
    near(r->tau2, ref_get(e, "tau2"), TOL, ctx, "tau2");
    near(r->I2, ref_get(e, "I2"), TOL, ctx, "I2");
    near(r->H2, ref_get(e, "H2"), TOL, ctx, "H2");
    near(r->R2, ref_get(e, "R2"), TOL, ctx, "R2");
}

static void check_predict(const msc_regress_model *r, const json_t *pr, msc_measure m,
                          const char *ctx)
{
    const json_t *tf = json_object_get(pr, "transf");
    for (size_t i = 0; i < json_array_size(json_object_get(pr, "at")); i++) {
        char c[600];
        double at = ref_at(pr, "at", i);
        snprintf(c, sizeof c, "%s predict at %g", ctx, at);
        msc_estimate e;
        msc_regress_predict(r, &at, m, NAN, &e);
        near(e.yi, ref_at(pr, "pred", i), TOL, c, "pred");
        near(e.se, ref_at(pr, "se", i), TOL, c, "se");
        near(e.ci_lo_yi, ref_at(pr, "ci_lb", i), TOL, c, "ci_lb");
        near(e.ci_hi_yi, ref_at(pr, "ci_ub", i), TOL, c, "ci_ub");
        near(e.pi_lo_yi, ref_at(pr, "pi_lb", i), TOL, c, "pi_lb");
        near(e.pi_hi_yi, ref_at(pr, "pi_ub", i), TOL, c, "pi_ub");
        near(e.est, ref_at(tf, "pred", i), TOL, c, "transf.pred");
        near(e.ci_lo, ref_at(tf, "ci_lb", i), TOL, c, "transf.ci_lb");
        near(e.ci_hi, ref_at(tf, "ci_ub", i), TOL, c, "transf.ci_ub");
        near(e.pi_lo, ref_at(tf, "pi_lb", i), TOL, c, "transf.pi_lb");
        near(e.pi_hi, ref_at(tf, "pi_ub", i), TOL, c, "transf.pi_ub");
    }
}

static void run_set(const char *name)
{
    refset r = open_set(name);
    const json_t *list = json_object_get(r.ref, "metareg");
    size_t checked = 0;
    worst = worst_p = 0;
    compared = 0;
    for (size_t n = 0; n < json_array_size(list); n++) {
        const json_t *e = json_array_get(list, n);
        assert_null(json_object_get(e, "error"));
        msc_settings s;
        msc_settings_default(&s);
        s.measure =
            (msc_measure)msc_measure_parse(json_string_value(json_object_get(e, "measure")));
        s.method = (msc_method)msc_method_parse(json_string_value(json_object_get(e, "method")));
        s.test = (msc_test)msc_test_parse(json_string_value(json_object_get(e, "test")));
        msc_analysis *a = run_analysis_flags(r.d, &s, MSC_RUN_NO_STUDY_CI);
        const msc_outcome_result *o = &a->outcome[0];
        const json_t *mods = json_object_get(e, "moderators");
        char ctx[400];
        int off = snprintf(ctx, sizeof ctx, "%s [", name);
        for (size_t j = 0; j < json_array_size(mods); j++)
            off += snprintf(ctx + off, sizeof ctx - (size_t)off, "%s%s", j ? "+" : "",
                            json_string_value(json_array_get(mods, j)));
        snprintf(ctx + off, sizeof ctx - (size_t)off, "|%s|%s|%s]", msc_measure_name(s.measure),
                 msc_method_name(s.method), msc_test_name(s.test));
        size_t m;
        double *X = design(&r, o, mods, &m);
        msc_regress_model fit;
        msc_warnings w = {0};
        assert_int_equal(msc_regress_fit(o->yi, o->vi, o->k, X, m, &s, NULL, 0, 0, &fit, &w),
                         MSC_OK);
        check_fit(&fit, e, ctx);
        const json_t *pr = json_object_get(e, "predict");
        if (pr && !json_is_null(pr))
            check_predict(&fit, pr, s.measure, ctx);
        /* metafor's only warning here: knha with FE */
        assert_int_equal(w.n, s.method == MSC_METHOD_FE && s.test == MSC_TEST_KNHA);
        msc_warnings_clear(&w);
        msc_regress_model_free(&fit);
        free(X);
        msc_analysis_free(a);
        checked++;
    }
    assert_true(checked >= 66);
    print_message("%s: %zu fits, %zu numbers; largest relative difference %.2g (p values "
                  "%.2g)\n",
                  name, checked, compared, worst, worst_p);
    close_set(&r);
}

static void test_bcg_control(void **state)
{
    (void)state;
    run_set("bcg_control");
}

static void test_debruin2009(void **state)
{
    (void)state;
    run_set("debruin2009");
}

/* Without moderators the engine fits the intercept-only model: the same
 * numbers as msc_pool_fit (checked against metafor in test_pool.c). */
static void test_intercept_only(void **state)
{
    (void)state;
    static const msc_method methods[] = {MSC_METHOD_FE,   MSC_METHOD_DL, MSC_METHOD_HE,
                                         MSC_METHOD_HS,   MSC_METHOD_SJ, MSC_METHOD_ML,
                                         MSC_METHOD_REML, MSC_METHOD_EB, MSC_METHOD_PM};
    refset r = open_set("bcg_control");
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        for (int t = 0; t < 2; t++) {
            msc_settings s;
            msc_settings_default(&s);
            s.method = methods[i];
            s.test = t ? MSC_TEST_KNHA : MSC_TEST_Z;
            msc_analysis *a = run_analysis_flags(r.d, &s, MSC_RUN_NO_STUDY_CI);
            const msc_outcome_result *o = &a->outcome[0];
            const msc_fit *f = &o->fit;
            const msc_estimate *e = msc_fit_main_block(f);
            msc_regress_model fit;
            msc_warnings w = {0};
            assert_int_equal(msc_regress_fit(o->yi, o->vi, o->k, NULL, 0, &s, NULL, 0, 0, &fit, &w),
                             MSC_OK);
            snprintf(what, sizeof what, "intercept-only %s %s", msc_method_name(s.method),
                     msc_test_name(s.test));
            assert_close_msg(fit.beta[0], e->yi, 1e-9, what);
            assert_close_msg(fit.se[0], e->se, 1e-9, what);
            assert_close_msg(fit.ci_lo[0], e->ci_lo_yi, 1e-9, what);
            assert_close_msg(fit.pval[0], e->p, 1e-8, what);
            assert_close_msg(fit.tau2, f->het.tau2, 1e-9, what);
            assert_close_msg(fit.QE, f->het.Q, 1e-9, what);
            assert_close_msg(fit.I2, f->het.I2, 1e-9, what);
            assert_close_msg(fit.H2, f->het.H2, 1e-9, what);
            assert_int_equal(fit.m_btt, 0);
            msc_warnings_clear(&w);
            msc_regress_model_free(&fit);
            msc_analysis_free(a);
        }
    close_set(&r);
}

/* QM of a single coefficient is its statistic squared (z), or its t
 * statistic squared as F(1, k - p) with the t test's p value (knha). */
static void test_btt_single(void **state)
{
    (void)state;
    refset r = open_set("bcg_control");
    const json_t *mods = json_pack("[sss]", "ablat", "year", "alloc");
    for (int t = 0; t < 2; t++) {
        msc_settings s;
        msc_settings_default(&s);
        s.test = t ? MSC_TEST_KNHA : MSC_TEST_Z;
        msc_analysis *a = run_analysis_flags(r.d, &s, MSC_RUN_NO_STUDY_CI);
        const msc_outcome_result *o = &a->outcome[0];
        size_t m;
        double *X = design(&r, o, mods, &m);
        for (size_t j = 0; j <= m; j++) {
            msc_regress_model fit;
            assert_int_equal(msc_regress_fit(o->yi, o->vi, o->k, X, m, &s, &j, 1, 0, &fit, NULL),
                             MSC_OK);
            assert_close(fit.QM, fit.stat[j] * fit.stat[j], 1e-9);
            assert_close(fit.QM_p, fit.pval[j], 1e-8);
            msc_regress_model_free(&fit);
        }
        free(X);
        msc_analysis_free(a);
    }
    json_decref((json_t *)mods);
    close_set(&r);
}

/* Designs that cannot be fitted, each with its reason. */
static void test_failures(void **state)
{
    (void)state;
    const double y[5] = {0.1, 0.4, -0.2, 0.3, 0.0}, v[5] = {0.1, 0.2, 0.1, 0.3, 0.2};
    msc_settings s;
    msc_settings_default(&s);
    msc_regress_model fit;
    /* the second column is twice the first */
    const double X2[10] = {1, 2, 2, 4, 3, 6, 4, 8, 5, 10};
    assert_int_equal(msc_regress_fit(y, v, 5, X2, 2, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_INPUT);
    assert_int_equal(fit.failure, MSC_REGRESS_RANK);
    assert_int_equal(fit.dependent, 2);
    msc_regress_model_free(&fit);
    /* a constant column is the intercept again */
    const double X1[10] = {1, 3, 2, 3, 3, 3, 4, 3, 5, 3};
    assert_int_equal(msc_regress_fit(y, v, 5, X1, 2, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_INPUT);
    assert_int_equal(fit.failure, MSC_REGRESS_RANK);
    assert_int_equal(fit.dependent, 2);
    msc_regress_model_free(&fit);
    /* an indicator of every level of a factor and the intercept: the last
     * indicator is 1 minus the others */
    const double y6[6] = {0.1, 0.4, -0.2, 0.3, 0.0, 0.2}, v6[6] = {0.1, 0.2, 0.1, 0.3, 0.2, 0.1};
    const double X4L[24] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0};
    assert_int_equal(msc_regress_fit(y6, v6, 6, X4L, 4, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_INPUT);
    assert_int_equal(fit.failure, MSC_REGRESS_RANK);
    assert_int_equal(fit.dependent, 4);
    msc_regress_model_free(&fit);
    /* 4 coefficients need 5 studies with tau^2, 4 with FE (metafor's rule) */
    const double X4[15] = {1, 0, 3, 2, 1, 1, 3, 1, 0, 4, 2, 2, 5, 0, 1};
    assert_int_equal(msc_regress_fit(y, v, 4, X4, 3, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_INPUT);
    assert_int_equal(fit.failure, MSC_REGRESS_TOO_FEW);
    msc_regress_model_free(&fit);
    s.method = MSC_METHOD_FE;
    assert_int_equal(msc_regress_fit(y, v, 4, X4, 3, &s, NULL, 0, 0, &fit, NULL), MSC_OK);
    assert_close(fit.QE, 0.0, 1e-12); /* k = p: a perfect fit */
    assert_close(fit.QE_p, 1.0, 0);
    msc_regress_model_free(&fit);
    /* a moderator that is not a number */
    double Xn[5] = {1, 2, NAN, 4, 5};
    s.method = MSC_METHOD_REML;
    assert_int_equal(msc_regress_fit(y, v, 5, Xn, 1, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_INPUT);
    assert_int_equal(fit.failure, MSC_REGRESS_NOT_FINITE);
    msc_regress_model_free(&fit);
    /* btt out of range, and the GLMM, are usage errors */
    size_t bad = 2;
    assert_int_equal(msc_regress_fit(y, v, 5, X2, 1, &s, &bad, 1, 0, &fit, NULL), MSC_ERR_USAGE);
    msc_regress_model_free(&fit);
    s.method = MSC_METHOD_GLMM;
    assert_int_equal(msc_regress_fit(y, v, 5, X2, 1, &s, NULL, 0, 0, &fit, NULL), MSC_ERR_USAGE);
    msc_regress_model_free(&fit);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcg_control),    cmocka_unit_test(test_debruin2009),
        cmocka_unit_test(test_intercept_only), cmocka_unit_test(test_btt_single),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
