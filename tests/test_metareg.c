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
#include <stdint.h>
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

/* CSV text (len bytes, file `name`) with the outcome "events" and the
 * moderators kept; fails the test on error. */
static msc_dataset *load_with_mods(const char *csv, size_t len, const char *name,
                                   const char *const *mods, size_t n_mods)
{
    msc_load_options o;
    msc_load_options_default(&o);
    const char *ev[1] = {"events"};
    o.events_cols = ev;
    o.n_events_cols = 1;
    o.keep_cols = mods;
    o.n_keep_cols = n_mods;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    if (msc_dataset_load_buffer(csv, len, name, &o, &d, err, sizeof err) != MSC_OK)
        fail_msg("%s", err);
    return d;
}

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
    snprintf(path, sizeof path, "reference/%s.csv", name);
    size_t len;
    char *csv = read_file(path, &len);
    r.d = load_with_mods(csv, len, path, keep, n);
    free(csv);
    return r;
}

static void close_set(refset *r)
{
    msc_dataset_free(r->d);
    json_decref(r->ref);
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
        const msc_kept_column *col = msc_dataset_kept(r->d, name);
        assert_non_null(col);
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

/* Checks metafor's predictions at each point of pr's "at"; returns how many. */
static size_t check_predict(const msc_regress_model *r, const json_t *pr, msc_measure m,
                            const char *ctx)
{
    const json_t *tf = json_object_get(pr, "transf");
    size_t i;
    for (i = 0; i < json_array_size(json_object_get(pr, "at")); i++) {
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
    return i;
}

static void run_set(const char *name)
{
    refset r = open_set(name);
    const json_t *list = json_object_get(r.ref, "metareg");
    size_t checked = 0, predicted = 0;
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
            predicted += check_predict(&fit, pr, s.measure, ctx);
        /* metafor's only warning here: knha with FE */
        assert_int_equal(w.n, s.method == MSC_METHOD_FE && s.test == MSC_TEST_KNHA);
        msc_warnings_clear(&w);
        msc_regress_model_free(&fit);
        free(X);
        msc_analysis_free(a);
        checked++;
    }
    assert_true(checked >= 66);
    assert_true(predicted > 0);
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

/* ------------------------------------------------ the data set's regression */

/* A regression of CSV text (one outcome "events") on the moderators named. */
static msc_regression *regress_text(const char *csv, const char *const *mods, size_t n_mods,
                                    const msc_regress_options *extra, const msc_settings *s,
                                    msc_status want, char *err)
{
    msc_dataset *d = load_with_mods(csv, strlen(csv), "t.csv", mods, n_mods);
    msc_regress_options o;
    if (extra)
        o = *extra;
    else
        msc_regress_options_default(&o);
    o.mods = mods;
    o.n_mods = n_mods;
    msc_settings def;
    msc_settings_default(&def);
    msc_regression *r = NULL;
    msc_status st = msc_regress_run(d, s ? s : &def, &o, &r, err, MSC_ERRBUF);
    if (st != want)
        fail_msg("msc_regress_run returned %d, want %d: %s", st, want, err);
    if (!r)
        msc_dataset_free(d);
    return r;
}

static void regression_free(msc_regression *r)
{
    if (!r)
        return;
    msc_dataset *d = (msc_dataset *)r->a->data;
    msc_regression_free(r);
    msc_dataset_free(d);
}

/* Coding of the moderators: numeric, factor with the first level in byte
 * order as reference, coefficient names and order; the whole pipeline
 * against metafor's rma(mods = ~ ablat + year + alloc). */
static void test_run_coding(void **state)
{
    (void)state;
    char *csv = read_file("reference/bcg_control.csv", NULL);
    const char *mods[3] = {"ablat", "year", "alloc"};
    char err[MSC_ERRBUF];
    msc_regression *r = regress_text(csv, mods, 3, NULL, NULL, MSC_OK, err);
    assert_int_equal(r->m, 4);
    static const char *const names[] = {"intercept", "ablat", "year", "alloc=random",
                                        "alloc=systematic"};
    for (size_t c = 0; c < 5; c++)
        assert_string_equal(r->coef_name[c], names[c]);
    assert_int_equal(r->mod[2].factor, 1);
    assert_string_equal(r->mod[2].level[0], "alternate");
    assert_int_equal(r->mod[0].factor, 0);
    json_t *ref = ref_load("bcg_control.sens.json");
    const json_t *e = NULL, *list = json_object_get(ref, "metareg");
    for (size_t n = 0; n < json_array_size(list) && !e; n++) {
        const json_t *x = json_array_get(list, n);
        if (json_array_size(json_object_get(x, "moderators")) == 3 &&
            strcmp(json_string_value(json_object_get(x, "method")), "REML") == 0 &&
            strcmp(json_string_value(json_object_get(x, "measure")), "PLO") == 0 &&
            strcmp(json_string_value(json_object_get(x, "test")), "z") == 0)
            e = x;
    }
    assert_non_null(e);
    assert_true(r->outcome[0].fitted);
    check_fit(&r->outcome[0].fit, e, "run ablat+year+alloc REML");
    json_decref(ref);
    regression_free(r);
    free(csv);
}

/* --ref: the same model with another reference level; its coefficients
 * follow from metafor's by hand: intercept + b_random, -b_random,
 * b_systematic - b_random; QM, QE, tau^2 unchanged. */
static void test_run_reference(void **state)
{
    (void)state;
    char *csv = read_file("reference/bcg_control.csv", NULL);
    const char *mods[1] = {"alloc"};
    const char *refs[1] = {"alloc=random"};
    msc_regress_options o;
    msc_regress_options_default(&o);
    o.refs = refs;
    o.n_refs = 1;
    char err[MSC_ERRBUF];
    msc_regression *r = regress_text(csv, mods, 1, &o, NULL, MSC_OK, err);
    assert_string_equal(r->coef_name[1], "alloc=alternate");
    assert_string_equal(r->coef_name[2], "alloc=systematic");
    json_t *ref = ref_load("bcg_control.sens.json");
    const json_t *e = NULL, *list = json_object_get(ref, "metareg");
    for (size_t n = 0; n < json_array_size(list) && !e; n++) {
        const json_t *x = json_array_get(list, n);
        const json_t *mo = json_object_get(x, "moderators");
        if (json_array_size(mo) == 1 &&
            strcmp(json_string_value(json_array_get(mo, 0)), "alloc") == 0 &&
            strcmp(json_string_value(json_object_get(x, "method")), "REML") == 0 &&
            strcmp(json_string_value(json_object_get(x, "measure")), "PLO") == 0 &&
            strcmp(json_string_value(json_object_get(x, "test")), "z") == 0)
            e = x;
    }
    assert_non_null(e);
    const msc_regress_model *f = &r->outcome[0].fit;
    double b0 = ref_at(e, "b", 0), br = ref_at(e, "b", 1), bs = ref_at(e, "b", 2);
    assert_close(f->beta[0], b0 + br, TOL);
    assert_close(f->beta[1], -br, TOL);
    assert_close(f->beta[2], bs - br, TOL);
    assert_close(f->se[1], ref_at(e, "se", 1), TOL); /* the same contrast, sign apart */
    assert_close(f->QM, ref_get(e, "QM"), TOL);
    assert_close(f->QE, ref_get(e, "QE"), TOL);
    assert_close(f->tau2, ref_get(e, "tau2"), TOL);
    json_decref(ref);
    regression_free(r);
    /* a level that does not exist, a numeric column given a reference */
    refs[0] = "alloc=nope";
    assert_null(regress_text(csv, mods, 1, &o, NULL, MSC_ERR_USAGE, err));
    assert_non_null(strstr(err, "\"nope\""));
    assert_non_null(strstr(err, "alternate, random, systematic"));
    const char *num[1] = {"ablat"};
    refs[0] = "ablat=13";
    assert_null(regress_text(csv, num, 1, &o, NULL, MSC_ERR_USAGE, err));
    assert_non_null(strstr(err, "numeric"));
    free(csv);
}

/* A study with a missing moderator is excluded with the reason, in record
 * order with the missing counts; --factor makes a numeric column a factor
 * whose levels sort as bytes. */
static const char SMALL[] = "study,events,n,dose,site\n"
                            "A,2,10,10,x\n"
                            "B,3,12,NA,y\n"
                            "C,NA,15,5,x\n"
                            "D,5,20,20,y\n"
                            "E,1,9,5,\n"
                            "F,4,11,10,x\n"
                            "G,6,14,20,y\n"
                            "H,2,13,5,x\n";

static void test_run_missing_and_factor(void **state)
{
    (void)state;
    const char *mods[2] = {"dose", "site"};
    char err[MSC_ERRBUF];
    msc_regression *r = regress_text(SMALL, mods, 2, NULL, NULL, MSC_OK, err);
    const msc_outcome_result *o = r->outcome[0].o;
    assert_int_equal(o->k, 5);
    assert_int_equal(o->n_excluded, 3);
    assert_int_equal(r->a->data->line[o->excluded_row[0]], 3);
    assert_string_equal(o->excluded_reason[0], "missing dose");
    assert_int_equal(r->a->data->line[o->excluded_row[1]], 4);
    assert_string_equal(o->excluded_reason[1], "missing events");
    assert_int_equal(r->a->data->line[o->excluded_row[2]], 6);
    assert_string_equal(o->excluded_reason[2], "missing site");
    regression_free(r);
    /* dose as a factor: levels "10", "20", "5" in byte order, "10" the reference */
    const char *fac[1] = {"dose"};
    msc_regress_options opt;
    msc_regress_options_default(&opt);
    opt.factors = fac;
    opt.n_factors = 1;
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_FE;
    r = regress_text(SMALL, mods, 1, &opt, &s, MSC_OK, err);
    assert_int_equal(r->m, 2);
    assert_string_equal(r->coef_name[1], "dose=20");
    assert_string_equal(r->coef_name[2], "dose=5");
    regression_free(r);
}

/* Designs that cannot be fitted: one outcome, so an error that names the
 * columns. */
static void test_run_errors(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    const char *mods[2] = {"x1", "x2"};
    const char collinear[] = "study,events,n,x1,x2\nA,2,10,1,2\nB,3,12,2,4\nC,4,15,3,6\n"
                             "D,5,20,4,8\nE,1,9,5,10\nF,4,11,6,12\n";
    assert_null(regress_text(collinear, mods, 2, NULL, NULL, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "rank-deficient: x2 is a linear combination of intercept, x1"));
    /* a level no study of the outcome has (its events are all missing) */
    const char *site[1] = {"site"};
    const char nolevel[] = "study,events,n,site\nA,2,10,a\nB,3,12,b\nC,NA,15,c\nD,5,20,a\n"
                           "E,1,9,b\nF,4,11,a\n";
    assert_null(regress_text(nolevel, site, 1, NULL, NULL, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "no study with site=c is left"));
    /* too few studies */
    const char few[] = "study,events,n,x1,x2\nA,2,10,1,5\nB,3,12,2,3\nC,4,15,3,9\n";
    assert_null(regress_text(few, mods, 2, NULL, NULL, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "3 coefficients need at least 4 studies"));
    /* a moderator named twice, a factor that is no moderator */
    const char *twice[2] = {"x1", "x1"};
    assert_null(regress_text(collinear, twice, 2, NULL, NULL, MSC_ERR_USAGE, err));
    const char *fac[1] = {"x3"};
    msc_regress_options o;
    msc_regress_options_default(&o);
    o.factors = fac;
    o.n_factors = 1;
    assert_null(regress_text(collinear, mods, 1, &o, NULL, MSC_ERR_USAGE, err));
}

/* Two outcomes, one of which cannot be fitted: it is skipped with the
 * reason, the other fitted. More than 50 levels: a warning. */
static void test_run_partial_and_levels(void **state)
{
    (void)state;
    char csv[8192] = "study,events,n,site\n";
    for (int i = 0; i < 60; i++) {
        size_t l = strlen(csv);
        snprintf(csv + l, sizeof csv - l, "S%d,%d,%d,L%02d\n", i, 1 + i % 7, 20 + i % 5, i % 52);
    }
    const char *site[1] = {"site"};
    char err[MSC_ERRBUF];
    msc_regression *r = regress_text(csv, site, 1, NULL, NULL, MSC_OK, err);
    assert_int_equal(r->mod[0].n_levels, 52);
    assert_has_warning(r->outcome[0].o, "52 levels");
    regression_free(r);

    msc_load_options lo;
    msc_load_options_default(&lo);
    const char *ev[2] = {"a", "b"};
    lo.events_cols = ev;
    lo.n_events_cols = 2;
    const char *mods[1] = {"g"};
    lo.keep_cols = mods;
    lo.n_keep_cols = 1;
    const char two[] = "study,n,a,b,g\nA,10,2,1,p\nB,12,3,NA,q\nC,15,4,2,p\nD,20,5,NA,q\n"
                       "E,9,1,1,p\nF,11,4,NA,q\n";
    msc_dataset *d;
    assert_int_equal(msc_dataset_load_buffer(two, strlen(two), "t.csv", &lo, &d, err, sizeof err),
                     MSC_OK);
    msc_regress_options o;
    msc_regress_options_default(&o);
    o.mods = mods;
    o.n_mods = 1;
    msc_settings s;
    msc_settings_default(&s);
    assert_int_equal(msc_regress_run(d, &s, &o, &r, err, sizeof err), MSC_OK);
    assert_true(r->outcome[0].fitted);
    assert_false(r->outcome[1].fitted);
    assert_has_warning(r->outcome[1].o, "no study with g=q is left");
    msc_regression_free(r);
    msc_dataset_free(d);
}

/* --btt by name, moderator, number and list; --at by value and level. */
static void test_run_btt_at(void **state)
{
    (void)state;
    char *csv = read_file("reference/bcg_control.csv", NULL);
    const char *mods[2] = {"ablat", "alloc"};
    const char *btt[2] = {"1,alloc=random", "ablat"};
    const char *at[2] = {"ablat=20,alloc=random", "alloc=systematic,ablat=50"};
    msc_regress_options o;
    msc_regress_options_default(&o);
    o.btt = btt;
    o.n_btt = 2;
    o.at = at;
    o.n_at = 2;
    char err[MSC_ERRBUF];
    msc_regression *r = regress_text(csv, mods, 2, &o, NULL, MSC_OK, err);
    assert_int_equal(r->n_btt, 3);
    assert_int_equal(r->btt[0], 0);
    assert_int_equal(r->btt[1], 1);
    assert_int_equal(r->btt[2], 2);
    assert_string_equal(r->at[1].label, "ablat=50, alloc=systematic");
    /* metafor 3.8-1, on escalc("PLO", xi = events, ni = n,
     * data = read.csv("reference/bcg_control.csv")):
     * predict(rma(yi, vi, mods = ~ ablat + factor(alloc), data = es),
     * newmods = rbind(c(20, 1, 0), c(50, 0, 1))) */
    const msc_estimate *p = r->outcome[0].pred;
    assert_close(p[0].yi, -4.850951754281, 1e-9);
    assert_close(p[0].se, 0.550776486685, 1e-9);
    assert_close(p[0].pi_lo_yi, -7.234485560176, 1e-9);
    assert_close(p[1].yi, -4.002147200753, 1e-9);
    assert_close(p[1].ci_hi_yi, -2.631279638807, 1e-9);
    assert_close(p[1].pi_hi_yi, -1.473276594918, 1e-9);
    regression_free(r);
    const char *bad_at[1] = {"ablat=20"};
    o.at = bad_at;
    o.n_at = 1;
    o.n_btt = 0;
    assert_null(regress_text(csv, mods, 2, &o, NULL, MSC_ERR_USAGE, err));
    assert_non_null(strstr(err, "\"alloc\" is missing"));
    bad_at[0] = "ablat=x,alloc=random";
    assert_null(regress_text(csv, mods, 2, &o, NULL, MSC_ERR_USAGE, err));
    bad_at[0] = "ablat=1,alloc=other";
    assert_null(regress_text(csv, mods, 2, &o, NULL, MSC_ERR_USAGE, err));
    o.n_at = 0;
    const char *bad_btt[1] = {"6"};
    o.btt = bad_btt;
    o.n_btt = 1;
    assert_null(regress_text(csv, mods, 2, &o, NULL, MSC_ERR_USAGE, err));
    free(csv);
}

/* The permutation test against metafor's permutest (reference/permutest.R,
 * permutest.json): exact tests (every arrangement of the moderators) to
 * rounding; approximate ones (10,000 permutations each, different random
 * numbers) within Monte Carlo error: the difference of two independent
 * estimates of p has sd sqrt(2 p (1 - p) / N); allowed 4.5 sd + 1/N. The
 * p values must not depend on the number of threads, and a seed must give
 * the same p values each time. */
static void test_permutest(void **state)
{
    (void)state;
    json_t *ref = ref_load("permutest.json");
    const json_t *tests = json_object_get(ref, "tests");
    assert_true(json_array_size(tests) >= 5);
    for (size_t n = 0; n < json_array_size(tests); n++) {
        const json_t *t = json_array_get(tests, n);
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *file = json_string_value(json_object_get(t, "file"));
        /* "~ablat + alloc" */
        const char *f = json_string_value(json_object_get(t, "mods"));
        const char *mods[4];
        char buf[128];
        size_t nm = 0;
        snprintf(buf, sizeof buf, "%s", f + 1);
        for (char *tok = strtok(buf, " +"); tok && nm < 4; tok = strtok(NULL, " +"))
            mods[nm++] = tok;
        char path[256];
        snprintf(path, sizeof path, "reference/%s", file);
        char *csv = read_file(path, NULL);
        msc_settings s;
        msc_settings_default(&s);
        s.method = (msc_method)msc_method_parse(json_string_value(json_object_get(t, "method")));
        s.test = (msc_test)msc_test_parse(json_string_value(json_object_get(t, "test")));
        msc_regress_options o;
        msc_regress_options_default(&o);
        o.permutations = 10000;
        o.seed = 20240101;
        char err[MSC_ERRBUF];
        s.threads = 1;
        msc_regression *r1 = regress_text(csv, mods, nm, &o, &s, MSC_OK, err);
        s.threads = 2;
        msc_regression *r2 = regress_text(csv, mods, nm, &o, &s, MSC_OK, err);
        const msc_regress_perm *p1 = &r1->outcome[0].perm, *p2 = &r2->outcome[0].perm;
        int exact = json_is_true(json_object_get(t, "exact"));
        assert_int_equal(p1->exact, exact);
        assert_int_equal(p1->iter, (size_t)json_integer_value(json_object_get(t, "iter")));
        double N = (double)p1->iter;
        size_t p = r1->m + 1;
        for (size_t j = 0; j <= p; j++) {
            double got = j < p ? p1->pval[j] : p1->QM_p;
            double want = j < p ? ref_at(t, "pval", j) : ref_get(t, "QMp");
            /* threads change nothing */
            assert_true(got == (j < p ? p2->pval[j] : p2->QM_p));
            snprintf(what, sizeof what, "%s permutation p %zu", name, j);
            if (exact) {
                assert_close_msg(got, want, 1e-12, what);
            } else {
                double sd = sqrt(2.0 * want * (1.0 - want) / N);
                if (!(fabs(got - want) <= 4.5 * sd + 1.0 / N))
                    fail_msg("%s: got %g, metafor %g: beyond Monte Carlo error (sd %g)", what, got,
                             want, sd);
                print_message("%s: %.4f (metafor %.4f, %.1f sd)\n", what, got, want,
                              sd > 0 ? fabs(got - want) / sd : 0.0);
            }
        }
        regression_free(r1);
        regression_free(r2);
        free(csv);
    }
    json_decref(ref);
}

/* A fit's numbers do not depend on the threads its passes use: chunks of
 * rows are summed alike and added in order (k above the parallel limit). */
static void test_threads(void **state)
{
    (void)state;
    size_t k = 150000, m = 2;
    double *y = malloc(k * sizeof *y), *v = malloc(k * sizeof *v), *X = malloc(k * m * sizeof *X);
    assert_non_null(y);
    assert_non_null(v);
    assert_non_null(X);
    uint64_t st = 42;
    for (size_t i = 0; i < k; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        double u1 = (double)(st >> 11) / 9007199254740992.0;
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        double u2 = (double)(st >> 11) / 9007199254740992.0;
        X[i * m] = 1990.0 + (double)(i % 31);
        X[i * m + 1] = u1;
        v[i] = 0.05 + 0.5 * u2;
        y[i] = -1.0 + 0.02 * (X[i * m] - 2000.0) + 0.5 * u1 + (u2 - 0.5);
    }
    msc_settings s;
    msc_settings_default(&s);
    msc_regress_model a, b;
    s.threads = 1;
    assert_int_equal(msc_regress_fit(y, v, k, X, m, &s, NULL, 0, 0, &a, NULL), MSC_OK);
    s.threads = 2;
    assert_int_equal(msc_regress_fit(y, v, k, X, m, &s, NULL, 0, 0, &b, NULL), MSC_OK);
    assert_true(a.tau2 == b.tau2 && a.QM == b.QM && a.QE == b.QE && a.R2 == b.R2);
    for (size_t j = 0; j <= m; j++)
        assert_true(a.beta[j] == b.beta[j] && a.se[j] == b.se[j]);
    msc_regress_model_free(&a);
    msc_regress_model_free(&b);
    free(y);
    free(v);
    free(X);
}

/* ------------------------------------------------------------ the GLMM */

/* Element i of key, a JSON array or (jsonlite's auto_unbox) one value. */
static double ref_elem(const json_t *e, const char *key, size_t i)
{
    const json_t *v = json_object_get(e, key);
    return ref_num(json_is_array(v) ? json_array_get(v, i) : i == 0 ? v : NULL);
}

/* |got - want| within rel of |want|, or within rel of `scale` (an interval
 * bound near 0 is compared on the scale of its SE). */
static void near_scaled(double got, double want, double rel, double scale, const char *ctx,
                        const char *key)
{
    snprintf(what, sizeof what, "%s %s", ctx, key);
    if (!(fabs(got - want) <= rel * fmax(fabs(want), fabs(scale))))
        fail_msg("%s: got %.10g, want %.10g (tolerance %g of %g)", what, got, want, rel,
                 fmax(fabs(want), fabs(scale)));
}

/* tests/reference/glmm_regress.json (glmm_regress.R: metafor 3.8-1's
 * rma.glmm(measure = "PLO", mods, method = "ML") and lme4's glmer for the
 * LRT): numeric moderators, a factor, a numeric + factor mix, two numeric,
 * a raw calendar year, a sparse zero-heavy set whose tau^2 is at 0, a set
 * with zero-event studies and tau^2 > 0.
 * Coefficients, SEs and the prediction within 5e-4, tau^2 within 1e-3
 * (absolute 1e-6 at 0), QM, the LRT and the QE tests within 1e-3 (the
 * issue's bar; lme4's optimizer stops at ~1e-6 and its finite-difference
 * Hessian, from which its SEs come, is good to ~3e-4: for bcg ~ alloc the
 * reference also holds se_fd, the SEs from a central-difference Hessian of
 * lme4's own deviance function at its optimum, which mscmeta's match to
 * 1e-5 where rma.glmm's differ by 2.9e-4). */
static void test_glmm_reference(void **state)
{
    (void)state;
    json_t *ref = ref_load("glmm_regress.json");
    for (size_t n = 0; n < json_array_size(ref); n++) {
        const json_t *e = json_array_get(ref, n);
        const char *set = json_string_value(json_object_get(e, "set"));
        const json_t *mj = json_object_get(e, "mods");
        const char *mods[4];
        size_t nm = json_is_array(mj) ? json_array_size(mj) : 1;
        for (size_t j = 0; j < nm; j++)
            mods[j] = json_string_value(json_is_array(mj) ? json_array_get(mj, j) : mj);
        char ctx[128], path[128];
        snprintf(ctx, sizeof ctx, "GLMM %s ~ %s%s", set, mods[0], nm > 1 ? " + ..." : "");
        snprintf(path, sizeof path, "reference/%s.csv", set);
        char *csv = read_file(path, NULL);
        msc_settings s;
        msc_settings_default(&s);
        s.method = MSC_METHOD_GLMM;
        char err[MSC_ERRBUF];
        msc_regression *r = regress_text(csv, mods, nm, NULL, &s, MSC_OK, err);
        free(csv);
        const msc_regress_outcome *ro = &r->outcome[0];
        const msc_regress_model *f = &ro->fit;
        assert_true(ro->fitted);
        assert_int_equal(f->k, (size_t)ref_get(e, "k"));
        for (size_t j = 0; j < f->p; j++) {
            double se = ref_elem(e, "se", j);
            near_scaled(f->beta[j], ref_elem(e, "b", j), 5e-4, se, ctx, "b");
            near(f->se[j], se, 5e-4, ctx, "se");
            near_scaled(f->ci_lo[j], ref_elem(e, "ci_lb", j), 1e-3, se, ctx, "ci_lb");
            near_scaled(f->ci_hi[j], ref_elem(e, "ci_ub", j), 1e-3, se, ctx, "ci_ub");
        }
        const json_t *fd = json_object_get(e, "se_fd");
        for (size_t j = 0; json_is_array(fd) && j < f->p; j++)
            near(f->se[j], ref_num(json_array_get(fd, j)), 1e-5, ctx, "se_fd");
        near_scaled(f->tau2, ref_get(e, "tau2"), 1e-3, 1e-3, ctx, "tau2");
        near_scaled(f->tau2_null, ref_get(e, "tau2_null"), 1e-3, 1e-3, ctx, "tau2_null");
        near(f->QM, ref_get(e, "QM"), 1e-3, ctx, "QM");
        near(f->QM_df, ref_get(e, "QMdf"), 0, ctx, "QMdf");
        near(f->QE, ref_get(e, "QE_wld"), 1e-3, ctx, "QE_wld");
        near(f->QE_lrt, ref_get(e, "QE_lrt"), 1e-3, ctx, "QE_lrt");
        near(f->QE_df, ref_get(e, "QE_df"), 0, ctx, "QE_df");
        near(f->LRT, ref_get(e, "LRT"), 1e-3, ctx, "LRT");
        near(f->LRT_df, ref_get(e, "LRT_df"), 0, ctx, "LRT_df");
        near(f->LRT_p, ref_get(e, "LRT_p"), 1e-3, ctx, "LRT_p");
        near_scaled(f->I2, ref_get(e, "I2"), 1e-3, 1e-3, ctx, "I2");
        near(f->H2, ref_get(e, "H2"), 1e-3, ctx, "H2");
        assert_true(isnan(f->R2));
        /* predict(fit, newmods = at): at is the design row */
        double x0[8];
        for (size_t j = 0; j < f->m; j++)
            x0[j] = ref_elem(e, "at", j);
        msc_estimate pe;
        msc_regress_predict(f, x0, MSC_PLO, ro->nhm, &pe);
        double pse = ref_get(e, "pred_se");
        near_scaled(pe.yi, ref_get(e, "pred"), 5e-4, pse, ctx, "pred");
        near(pe.se, pse, 5e-4, ctx, "pred_se");
        near_scaled(pe.ci_lo_yi, ref_get(e, "pred_ci_lb"), 5e-4, pse, ctx, "pred_ci_lb");
        near_scaled(pe.ci_hi_yi, ref_get(e, "pred_ci_ub"), 5e-4, pse, ctx, "pred_ci_ub");
        near_scaled(pe.pi_lo_yi, ref_get(e, "pred_pi_lb"), 1e-3, pse, ctx, "pred_pi_lb");
        near_scaled(pe.pi_hi_yi, ref_get(e, "pred_pi_ub"), 1e-3, pse, ctx, "pred_pi_ub");
        if (f->tau2 == 0.0)
            msc_assert_has_warning(ro->o, "boundary of 0", __FILE__, __LINE__);
        regression_free(r);
    }
    json_decref(ref);
}

/* Without moderators the GLMM regression is the intercept-only GLMM
 * (msc_glmm_fit, checked against rma.glmm in test_glmm.c): same mu, SE and
 * tau^2 to the fits' accuracy. */
static void test_glmm_intercept_only(void **state)
{
    (void)state;
    char *csv = read_file("reference/debruin2009.csv", NULL);
    msc_dataset *d = load_with_mods(csv, strlen(csv), "d.csv", NULL, 0);
    free(csv);
    const msc_outcome_data *oc = &d->outcome[0];
    size_t k = d->k;
    double *yi = malloc(4 * k * sizeof *yi), *vi = yi + k, *xi = vi + k, *ni = xi + k;
    for (size_t i = 0; i < k; i++) {
        xi[i] = oc->events[i];
        ni[i] = oc->n[i];
        msc_effect_compute(MSC_PLO, xi[i], ni[i], 0.5, MSC_CC_ONLY0, 0, &yi[i], &vi[i]);
    }
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    msc_regress_model r;
    msc_warnings w = {0};
    assert_int_equal(msc_regress_fit_glmm(xi, ni, yi, vi, k, NULL, 0, &s, NULL, 0, &r, &w), MSC_OK);
    msc_fit f;
    msc_warnings w2 = {0};
    assert_int_equal(msc_glmm_fit(xi, ni, vi, k, &s, &f, &w2), MSC_OK);
    assert_close_msg(r.beta[0], f.random.yi, 1e-7, "GLMM intercept-only mu");
    assert_close_msg(r.se[0], f.random.se, 1e-5, "GLMM intercept-only se");
    assert_close_msg(r.tau2, f.het.tau2, 1e-6, "GLMM intercept-only tau2");
    assert_close_msg(r.I2, f.het.I2, 1e-6, "GLMM intercept-only I2");
    assert_true(isnan(r.LRT));
    msc_regress_model_free(&r);
    msc_warnings_clear(&w);
    msc_warnings_clear(&w2);
    free(yi);
    msc_dataset_free(d);
}

/* What the GLMM cannot fit says why, naming the moderator; options it
 * does not take are usage errors. */
static void test_glmm_failures(void **state)
{
    (void)state;
    char err[MSC_ERRBUF];
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    /* every study of level b has 0 events: its coefficient runs off */
    const char *site[1] = {"site"};
    const char sep[] = "study,events,n,site\nA,2,10,a\nB,0,12,b\nC,4,15,a\nD,0,20,b\n"
                       "E,3,9,a\nF,0,11,b\nG,5,14,a\n";
    assert_null(regress_text(sep, site, 1, NULL, &s, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "site=b runs off to infinity"));
    /* a numeric moderator that separates the events */
    const char *dose[1] = {"dose"};
    const char sep2[] = "study,events,n,dose\nA,0,10,1\nB,0,12,2\nC,0,15,3\nD,9,20,4\n"
                        "E,9,9,5\nF,11,11,6\n";
    assert_null(regress_text(sep2, dose, 1, NULL, &s, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "dose runs off to infinity"));
    /* no events at all */
    const char none[] = "study,events,n,dose\nA,0,10,1\nB,0,12,2\nC,0,15,3\nD,0,20,4\n";
    assert_null(regress_text(none, dose, 1, NULL, &s, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "every study has 0 events"));
    /* p coefficients and tau^2 need p + 1 studies */
    const char few[] = "study,events,n,dose\nA,2,10,1\nB,3,12,2\n";
    assert_null(regress_text(few, dose, 1, NULL, &s, MSC_ERR_INPUT, err));
    assert_non_null(strstr(err, "2 coefficients need at least 3 studies with the GLMM"));
    /* the permutation test refits inverse-variance models */
    const char ok[] = "study,events,n,dose\nA,2,10,1\nB,3,12,2\nC,4,15,3\nD,6,20,4\n";
    msc_regress_options o;
    msc_regress_options_default(&o);
    o.permutations = 100;
    assert_null(regress_text(ok, dose, 1, &o, &s, MSC_ERR_USAGE, err));
    assert_non_null(strstr(err, "not available with --method GLMM"));
    s.test = MSC_TEST_KNHA;
    assert_null(regress_text(ok, dose, 1, NULL, &s, MSC_ERR_USAGE, err));
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcg_control),
        cmocka_unit_test(test_debruin2009),
        cmocka_unit_test(test_intercept_only),
        cmocka_unit_test(test_btt_single),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_run_coding),
        cmocka_unit_test(test_run_reference),
        cmocka_unit_test(test_run_missing_and_factor),
        cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_run_partial_and_levels),
        cmocka_unit_test(test_run_btt_at),
        cmocka_unit_test(test_permutest),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_glmm_reference),
        cmocka_unit_test(test_glmm_intercept_only),
        cmocka_unit_test(test_glmm_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
