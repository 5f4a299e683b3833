/*
 * Sensitivity analyses and small-study tests (src/stats/sens*.c, bias*.c,
 * issue 11) against metafor 3.8-1: tests/reference/NAME.ref.json, made by
 * `Rscript sens_reference.R NAME.csv NAME.ref.json [year]` (see
 * tests/reference/README.md), for PLO with REML, DL and FE and PFT with
 * REML and DL, each under the z and the Knapp-Hartung test: leave1out()
 * (model and proportion scale), cumul(), influence() with rstudent(),
 * baujat(), regtest() (lm on sei and on 1/n; rma on sei, the default),
 * ranktest() and trimfill() (L0 and R0, automatic side, left and right), to
 * 1e-6 relative. The leave-one-out rows are checked twice: refitted, and by the
 * updating scheme (MSC_SENS_FAST).
 *
 * Without metafor: the updating scheme against plain refits (msc_fit_studies
 * on each subset) on synthetic data sets of 100 to 400 studies, every method,
 * measure and test, to 1e-10; the GLMM's leave-one-out rows against separate
 * fits, bit for bit where refitted and to 1e-8 where they come from the
 * interpolant of the full fit, whatever the number of threads; Kendall's tau against
 * a count of all pairs; the GLMM's influence against its definitions; the
 * cumulative order and the warnings below 10 studies.
 */
#include "test_util.h"

#include "msc_glmm.h"
#include "msc_sens.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6

typedef struct {
    const char *name, *order;
} ref_set;

static const ref_set SETS[] = {
    {"sens_ties", "year"},    {"sens_k60", "year"},      {"sens_rare", "year"},
    {"sens_small", "year"},   {"sens_k150", "year"},     {"pritz1997", NULL},
    {"debruin2009", "year"},  {"bcg_control", "year"},   {"many_studies", NULL},
    {"homogeneous", NULL},    {"zeros_mixed_n", NULL},
};
#define N_SETS (sizeof SETS / sizeof *SETS)

/* got against want to TOL relative; values within 1e-9 of each other
 * pass (tau^2 at its boundary: metafor stops at ~1e-13). */
static void near(double got, double want, const char *what)
{
    if (!isnan(want) && fabs(got - want) <= 1e-9)
        return;
    assert_close_msg(got, want, TOL, what);
}

static msc_dataset *load_set(const ref_set *rs)
{
    char path[128];
    snprintf(path, sizeof path, "reference/%s.csv", rs->name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    msc_load_options o;
    msc_load_options_default(&o);
    const char *ev[1] = {"events"}, *keep[1] = {rs->order};
    o.events_cols = ev;
    o.n_events_cols = 1;
    if (rs->order) {
        o.keep_cols = keep;
        o.n_keep_cols = 1;
    }
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    int rc = msc_dataset_load(fp, path, &o, &d, err, sizeof err);
    fclose(fp);
    if (rc != MSC_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, MSC_OK);
    return d;
}

/* SETS[i]'s reference file (NAME.ref.json) and, in *d, its data set. */
static json_t *open_set(size_t i, msc_dataset **d)
{
    char name[64];
    snprintf(name, sizeof name, "%s.ref.json", SETS[i].name);
    *d = load_set(&SETS[i]);
    return ref_load(name);
}

static void settings_of(const json_t *fit, msc_settings *s)
{
    msc_settings_default(s);
    s->measure = (msc_measure)msc_measure_parse(json_string_value(json_object_get(fit, "measure")));
    s->method = (msc_method)msc_method_parse(json_string_value(json_object_get(fit, "method")));
    s->test = (msc_test)msc_test_parse(json_string_value(json_object_get(fit, "test")));
    s->threads = 2;
}

/* One leave-one-out or cumulative series against metafor's. */
static void check_rows(const msc_sens_fit *rows, size_t k, const json_t *ref, const char *what)
{
    char w[256];
    assert_int_equal(json_array_size(json_object_get(ref, "estimate")), k);
    for (size_t i = 0; i < k; i++) {
        const msc_sens_fit *r = &rows[i];
        assert_true(r->ok);
#define C(got, key)                                                                                \
    snprintf(w, sizeof w, "%s, row %zu: %s", what, i + 1, key);                                    \
    near((got), ref_at(ref, key, i), w)
        C(r->e.yi, "estimate");
        C(r->e.se, "se");
        C(r->e.stat, "stat");
        C(r->e.p, "pval");
        C(r->e.ci_lo_yi, "ci_lb");
        C(r->e.ci_hi_yi, "ci_ub");
        C(r->Q, "Q");
        C(r->Q_p, "Qp");
        C(r->tau2, "tau2");
        /* I^2 in percent: metafor's tau^2 of ~1e-13 at the boundary makes ~1e-9 */
        snprintf(w, sizeof w, "%s, row %zu: I2", what, i + 1);
        if (!(fabs(r->I2 - ref_at(ref, "I2", i)) <= 1e-6))
            near(r->I2, ref_at(ref, "I2", i), w);
        C(r->H2, "H2");
        C(r->e.est, "prop");
        C(r->e.ci_lo, "prop_lb");
        C(r->e.ci_hi, "prop_ub");
#undef C
    }
}

static void check_influence(const msc_influence *in, size_t k, const json_t *ref, const json_t *bj,
                            const char *what)
{
    char w[256];
    assert_int_equal(json_array_size(json_object_get(ref, "hat")), k);
    for (size_t i = 0; i < k; i++) {
        const msc_influence *o = &in[i];
#define C(got, obj, key)                                                                           \
    snprintf(w, sizeof w, "%s, study %zu: %s", what, i + 1, key);                                  \
    near((got), ref_at(obj, key, i), w)
        C(o->resid, ref, "rstudent_resid");
        C(o->resid_se, ref, "rstudent_se");
        C(o->rstudent, ref, "rstudent_z");
        C(o->dffits, ref, "dffits");
        C(o->cook_d, ref, "cook_d");
        C(o->cov_r, ref, "cov_r");
        C(o->tau2_del, ref, "tau2_del");
        C(o->Q_del, ref, "QE_del");
        C(o->hat, ref, "hat");
        C(o->weight, ref, "weight");
        C(o->dfbetas, ref, "dfbetas");
        C(o->baujat_x, bj, "x");
        C(o->baujat_y, bj, "y");
#undef C
        const json_t *inf = json_array_get(json_object_get(ref, "inf"), i);
        snprintf(w, sizeof w, "%s, study %zu: influential", what, i + 1);
        if (o->influential != json_is_true(inf))
            print_error("%s: got %d\n", w, o->influential);
        assert_int_equal(o->influential, json_is_true(inf));
    }
}

static void check_regtest(const msc_regtest *r, const json_t *ref, const char *what)
{
    char w[256];
    assert_true(r->ok);
#define C(got, key)                                                                                \
    snprintf(w, sizeof w, "%s: %s", what, key);                                                    \
    near((got), ref_get(ref, key), w)
    C(r->stat, "stat");
    C(r->df, "df");
    C(r->p, "pval");
    C(r->slope, "slope");
    C(r->slope_se, "slope_se");
    C(r->limit_yi, "est");
    C(r->limit_lo, "ci_lb");
    C(r->limit_hi, "ci_ub");
    C(r->limit_est, "prop");
#undef C
}

static void check_trimfill(const msc_trimfill *tf, const json_t *ref, const char *what)
{
    char w[256];
    assert_true(tf->ok);
    assert_string_equal(msc_tf_side_name(tf->side), json_string_value(json_object_get(ref, "side")));
    assert_int_equal(tf->k0, (size_t)ref_get(ref, "k0"));
#define C(got, key)                                                                                \
    snprintf(w, sizeof w, "%s: %s", what, key);                                                    \
    near((got), ref_get(ref, key), w)
    C(tf->e.yi, "estimate");
    C(tf->e.se, "se");
    C(tf->e.ci_lo_yi, "ci_lb");
    C(tf->e.ci_hi_yi, "ci_ub");
    C(tf->tau2, "tau2");
    C(tf->e.est, "prop");
    C(tf->e.ci_lo, "prop_lb");
    C(tf->e.ci_hi, "prop_ub");
#undef C
    assert_int_equal(json_array_size(json_object_get(ref, "filled_yi")), tf->k0);
    for (size_t j = 0; j < tf->k0; j++) {
        snprintf(w, sizeof w, "%s: filled %zu", what, j + 1);
        near(tf->filled_yi[j], ref_at(ref, "filled_yi", j), w);
        near(tf->filled_vi[j], ref_at(ref, "filled_vi", j), w);
    }
}

/* Everything of one fit entry of a reference file. */
static void check_fit(const ref_set *rs, const msc_dataset *d, const json_t *fit,
                      const json_t *order)
{
    msc_settings s;
    settings_of(fit, &s);
    char what[160];
    snprintf(what, sizeof what, "%s %s/%s/%s", rs->name, msc_measure_name(s.measure),
             msc_method_name(s.method), msc_test_name(s.test));
    msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
    const msc_outcome_result *o = &a->outcome[0];
    msc_studies st;
    msc_outcome_studies(o, &st);
    size_t k = st.k;
    msc_sens_fit *rows = calloc(k, sizeof *rows);
    msc_influence *in = calloc(k, sizeof *in);
    msc_warnings w = {0};
    char sub[200];
    const unsigned modes[2] = {0, MSC_SENS_FAST};
    for (int mode = 0; mode < 2; mode++) {
        assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &o->fit, modes[mode], rows, &w),
                         MSC_OK);
        snprintf(sub, sizeof sub, "%s leave-one-out%s", what, mode ? " (updating)" : "");
        check_rows(rows, k, json_object_get(fit, "leave1out"), sub);
        msc_sens_influence(&st, NULL, 0, &s, &o->fit, rows, in);
        snprintf(sub, sizeof sub, "%s influence%s", what, mode ? " (updating)" : "");
        check_influence(in, k, json_object_get(fit, "influence"), json_object_get(fit, "baujat"),
                        sub);
    }
    assert_int_equal(order != NULL, rs->order != NULL); /* no cumulative check skipped */
    if (order) {
        size_t *ord = malloc(k * sizeof *ord);
        for (size_t i = 0; i < k; i++)
            ord[i] = (size_t)json_number_value(json_array_get(order, i)) - 1;
        assert_int_equal(msc_sens_cumulative(&st, ord, k, &s, rows, &w), MSC_OK);
        snprintf(sub, sizeof sub, "%s cumulative", what);
        check_rows(rows, k, json_object_get(fit, "cumul"), sub);
        /* the same order from the column, through msc_sens_run */
        msc_sens_options so;
        msc_sens_options_default(&so);
        so.cumulative = 1;
        so.cumulative_col = rs->order;
        msc_sens *sens;
        char err[MSC_ERRBUF];
        assert_int_equal(msc_sens_run(a, &so, &sens, err, sizeof err), MSC_OK);
        for (size_t i = 0; i < k; i++) {
            assert_int_equal(sens->outcome[0].all.cumul[i].study, ord[i]);
            assert_true(sens->outcome[0].all.cumul[i].e.yi == rows[i].e.yi);
        }
        msc_sens_free(sens);
        free(ord);
    }
    /* small-study tests */
    msc_bias b;
    assert_int_equal(msc_bias_tests(&st, NULL, 0, &s, MSC_TF_L0, &b, &w), MSC_OK);
    const json_t *reg = json_object_get(fit, "regtest");
    snprintf(sub, sizeof sub, "%s Egger (lm)", what);
    check_regtest(&b.egger, json_object_get(reg, "lm_sei"), sub);
    snprintf(sub, sizeof sub, "%s Peters", what);
    check_regtest(&b.peters, json_object_get(reg, "lm_ninv"), sub);
    snprintf(sub, sizeof sub, "%s Egger (rma)", what);
    check_regtest(&b.egger_rma, json_object_get(reg, "rma_sei"), sub);
    msc_bias_free(&b);
    const json_t *tfs = json_object_get(fit, "trimfill");
    size_t checked = 0;
    for (size_t j = 0; j < json_array_size(tfs); j++) {
        const json_t *t = json_array_get(tfs, j);
        const char *side = json_string_value(json_object_get(t, "side_requested"));
        int sd = strcmp(side, "left") == 0 ? MSC_SIDE_LEFT : strcmp(side, "right") == 0 ? MSC_SIDE_RIGHT : -1;
        if (json_object_get(t, "error"))
            continue;
        msc_tf_estimator e = (msc_tf_estimator)msc_tf_estimator_parse(
            json_string_value(json_object_get(t, "estimator")));
        msc_trimfill tf;
        assert_int_equal(msc_trim_fill(&st, NULL, 0, &s, e, sd, &tf, &w), MSC_OK);
        snprintf(sub, sizeof sub, "%s trim and fill %s %s", what, msc_tf_estimator_name(e), side);
        check_trimfill(&tf, t, sub);
        free(tf.filled_yi);
        free(tf.filled_vi);
        checked++;
    }
    assert_true(checked > 0);
    msc_warnings_clear(&w);
    free(rows);
    free(in);
    msc_analysis_free(a);
}

static void matches_metafor(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SETS; i++) {
        msc_dataset *d;
        json_t *ref = open_set(i, &d);
        const json_t *fits = json_object_get(ref, "fits"), *order = json_object_get(ref, "order_index");
        assert_true(json_array_size(fits) > 0);
        for (size_t f = 0; f < json_array_size(fits); f++)
            check_fit(&SETS[i], d, json_array_get(fits, f), order);
        msc_dataset_free(d);
        json_decref(ref);
    }
}

/* Begg's test: tau and the p value by R's cor.test rule (exact below 50
 * studies without ties, else the normal approximation). */
static void begg_matches_cor_test(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SETS; i++) {
        msc_dataset *d;
        json_t *ref = open_set(i, &d);
        const char *ms[2] = {"PLO", "PFT"};
        for (int m = 0; m < 2; m++) {
            msc_settings s;
            msc_settings_default(&s);
            s.measure = (msc_measure)msc_measure_parse(ms[m]);
            msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
            msc_studies st;
            msc_outcome_studies(&a->outcome[0], &st);
            msc_bias b;
            msc_warnings w = {0};
            assert_int_equal(msc_bias_tests(&st, NULL, 0, &s, MSC_TF_L0, &b, &w), MSC_OK);
            const json_t *rk = json_object_get(json_object_get(ref, "ranktest"), ms[m]);
            char what[128];
            snprintf(what, sizeof what, "%s %s Begg tau", SETS[i].name, ms[m]);
            near(b.begg.tau, ref_get(rk, "tau"), what);
            snprintf(what, sizeof what, "%s %s Begg p", SETS[i].name, ms[m]);
            near(b.begg.p, ref_get(rk, "pval_exact_rule"), what);
            assert_int_equal(b.begg.ties, json_is_true(json_object_get(rk, "ties")));
            assert_int_equal(b.begg.exact, !b.begg.ties && st.k < 50);
            msc_bias_free(&b);
            msc_warnings_clear(&w);
            msc_analysis_free(a);
        }
        msc_dataset_free(d);
        json_decref(ref);
    }
}

/* ------------------------------------------------- updating vs refitting */

static uint64_t rng;
static double unif(void) { return ((xorshift64(&rng) >> 11) + 0.5) / 9007199254740992.0; }
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

/* A synthetic outcome of k studies: n in [nmin, nmax] (one of them `giant`
 * when > 0), logit-normal rates around mu with SD tau, an outlier or two. */
static msc_dataset *synth(size_t k, double nmin, double nmax, double mu, double tau, double giant)
{
    double *x = malloc(k * sizeof *x), *n = malloc(k * sizeof *n);
    for (size_t i = 0; i < k; i++) {
        n[i] = floor(nmin + unif() * (nmax - nmin + 1));
        double p = 1 / (1 + exp(-(mu + tau * gauss() + (i % 97 == 5 ? 3.0 : 0.0))));
        double c = 0;
        for (double j = 0; j < n[i]; j++)
            c += unif() < p;
        x[i] = c;
    }
    if (giant > 0) {
        n[k / 2] = giant;
        x[k / 2] = floor(giant / (1 + exp(-mu)));
    }
    msc_dataset *d;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_from_counts(NULL, x, n, k, "events", &d, err, sizeof err), MSC_OK);
    free(x);
    free(n);
    return d;
}

/* a and b agree to 1e-10 relative to the larger of them and `scale`. */
static void same(double a, double b, double scale, const char *field, const char *what, size_t i)
{
    if (isnan(a) && isnan(b))
        return;
    double m = fmax(fmax(fabs(a), fabs(b)), scale);
    if (!(fabs(a - b) <= 1e-10 * m)) {
        print_error("%s, row %zu: %s: updating %.17g, refit %.17g\n", what, i + 1, field, a, b);
        fail();
    }
}

static void updating_equals_refitting(void **state)
{
    (void)state;
    rng = 0x2545F4914F6CDD1Dull;
    const struct {
        size_t k;
        double nmin, nmax, mu, tau, giant;
    } shapes[] = {
        {100, 5, 200, -1, 0.8, 0},   {150, 5, 5000, -0.2, 0.3, 0}, {400, 10, 60, -3.5, 0.6, 0},
        {120, 20, 400, 0.5, 0.05, 0}, {200, 5, 100, -1, 0.7, 1e6},  {130, 30, 40, 0, 0, 0},
    };
    const msc_method methods[] = {MSC_METHOD_DL, MSC_METHOD_REML, MSC_METHOD_ML, MSC_METHOD_EB,
                                  MSC_METHOD_PM, MSC_METHOD_HE,   MSC_METHOD_HS, MSC_METHOD_FE,
                                  MSC_METHOD_SJ};
    const msc_measure measures[] = {MSC_PLO, MSC_PFT, MSC_PAS, MSC_PR, MSC_PLN};
    for (size_t sh = 0; sh < sizeof shapes / sizeof *shapes; sh++) {
        msc_dataset *d = synth(shapes[sh].k, shapes[sh].nmin, shapes[sh].nmax, shapes[sh].mu,
                               shapes[sh].tau, shapes[sh].giant);
        for (size_t me = 0; me < sizeof methods / sizeof *methods; me++)
            for (size_t ms = 0; ms < sizeof measures / sizeof *measures; ms++)
                for (int t = 0; t < 2; t++) {
                    if (ms > 1 && (me > 1 || t)) /* PAS, PR, PLN: DL and REML with z */
                        continue;
                    msc_settings s;
                    msc_settings_default(&s);
                    s.method = methods[me];
                    s.measure = measures[ms];
                    s.test = t ? MSC_TEST_KNHA : MSC_TEST_Z;
                    msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
                    msc_studies st;
                    msc_outcome_studies(&a->outcome[0], &st);
                    size_t k = st.k;
                    msc_sens_fit *f = calloc(k, sizeof *f), *p = calloc(k, sizeof *p);
                    msc_warnings w1 = {0}, w2 = {0};
                    assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &a->outcome[0].fit,
                                                            MSC_SENS_FAST, f, &w1),
                                     MSC_OK);
                    assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &a->outcome[0].fit,
                                                            MSC_SENS_PLAIN, p, &w2),
                                     MSC_OK);
                    char what[128];
                    snprintf(what, sizeof what, "shape %zu %s/%s/%s", sh,
                             msc_measure_name(s.measure), msc_method_name(s.method),
                             msc_test_name(s.test));
                    for (size_t i = 0; i < k; i++) {
                        double se = p[i].e.se;
                        assert_int_equal(f[i].study, p[i].study);
                        assert_int_equal(f[i].k, p[i].k);
                        same(f[i].e.yi, p[i].e.yi, se, "e.yi", what, i);
                        same(f[i].e.se, p[i].e.se, 0, "e.se", what, i);
                        same(f[i].e.stat, p[i].e.stat, 1e-3, "e.stat", what, i);
                        /* p = 2 Q(|z|): its relative error is z^2 times z's */
                        double z2 = fmax(1.0, p[i].e.stat * p[i].e.stat);
                        if (!(fabs(f[i].e.p - p[i].e.p) <= 1e-10 * z2 * fabs(p[i].e.p)))
                            same(f[i].e.p, p[i].e.p, 0, "e.p", what, i);
                        same(f[i].e.ci_lo_yi, p[i].e.ci_lo_yi, se, "e.ci_lo_yi", what, i);
                        same(f[i].e.ci_hi_yi, p[i].e.ci_hi_yi, se, "e.ci_hi_yi", what, i);
                        same(f[i].e.est, p[i].e.est, 1e-6, "e.est", what, i);
                        same(f[i].e.ci_lo, p[i].e.ci_lo, 1e-6, "e.ci_lo", what, i);
                        same(f[i].e.ci_hi, p[i].e.ci_hi, 1e-6, "e.ci_hi", what, i);
                        /* the refits converge to 1e-12 in tau^2 (tau2.c), the
                         * updating scheme to machine precision: tau^2 and I^2
                         * (percent) agree to 1e-12 and 1e-8 absolute there */
                        same(f[i].tau2, p[i].tau2, 1e-2, "tau2", what, i);
                        same(f[i].I2, p[i].I2, 100.0, "I2", what, i);
                        same(f[i].H2, p[i].H2, 0, "H2", what, i);
                        same(f[i].Q, p[i].Q, 0, "Q", what, i);
                        same(f[i].Q_p, p[i].Q_p, 0, "Q_p", what, i);
                        same(f[i].sw, p[i].sw, 0, "sw", what, i);
                        same(f[i].s2w, p[i].s2w, 0, "s2w", what, i);
                    }
                    /* the same warnings, once each */
                    assert_int_equal(w1.n, w2.n);
                    for (size_t j = 0; j < w1.n; j++)
                        assert_string_equal(w1.msg[j], w2.msg[j]);
                    msc_warnings_clear(&w1);
                    msc_warnings_clear(&w2);
                    free(f);
                    free(p);
                    msc_analysis_free(a);
                }
        msc_dataset_free(d);
    }
}

/* ------------------------------------------------------------------ GLMM */

/* Each GLMM leave-one-out row is exactly the separate fit of its subset
 * (what `pool --method GLMM` on the remaining studies gives), with one
 * thread or several. */
static void glmm_rows_are_separate_fits(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/debruin2009.csv", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    s.method = MSC_METHOD_GLMM;
    msc_analysis *a = run_analysis(d, &s);
    const msc_outcome_result *o = &a->outcome[0];
    msc_studies st;
    msc_outcome_studies(o, &st);
    size_t k = st.k, *idx = malloc(k * sizeof *idx);
    msc_sens_fit *r1 = calloc(k, sizeof *r1), *r2 = calloc(k, sizeof *r2);
    msc_warnings w = {0};
    s.threads = 1;
    assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &o->fit, 0, r1, &w), MSC_OK);
    s.threads = 3;
    assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &o->fit, 0, r2, &w), MSC_OK);
    for (size_t i = 0; i < k; i++) {
        size_t m = 0;
        for (size_t j = 0; j < k; j++)
            if (j != i)
                idx[m++] = j;
        msc_fit f;
        assert_int_equal(msc_fit_studies(&st, idx, m, &s, 0, &f, &w), MSC_OK);
        const msc_estimate *e = &f.random;
        assert_true(memcmp(&r1[i].e, &r2[i].e, offsetof(msc_estimate, pi_lo_yi)) == 0);
        assert_true(r1[i].e.yi == e->yi && r1[i].e.se == e->se && r1[i].e.p == e->p);
        assert_true(r1[i].e.est == e->est && r1[i].e.ci_lo == e->ci_lo && r1[i].e.ci_hi == e->ci_hi);
        assert_true(r1[i].tau2 == f.het.tau2 && r1[i].I2 == f.het.I2 && r1[i].Q == f.het.Q);
    }
    /* influence from these rows, by its definitions for the GLMM */
    msc_influence *in = calloc(k, sizeof *in);
    msc_sens_influence(&st, NULL, 0, &s, &o->fit, r1, in);
    double mu = o->fit.random.yi, se = o->fit.random.se;
    for (size_t i = 0; i < k; i++) {
        double diff = mu - r1[i].e.yi;
        assert_close(in[i].cook_d, diff * diff / (se * se), 1e-15);
        assert_close(in[i].dffits, diff / r1[i].e.se, 1e-15);
        assert_true(isnan(in[i].hat) && isnan(in[i].weight) && isnan(in[i].dfbetas));
        assert_close(in[i].baujat_y, diff * diff / (r1[i].e.se * r1[i].e.se), 1e-15);
        assert_close(in[i].tau2_del, r1[i].tau2, 1e-15);
    }
    free(in);
    msc_warnings_clear(&w);
    free(idx);
    free(r1);
    free(r2);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* From 100 studies on (or with MSC_SENS_FAST), a GLMM's leave-one-out rows
 * skip the profile search behind the warning of a tau^2 upper bound not
 * found where glmm_loo.c's interpolant certifies that the search would find
 * the bound at once. The rows are still the separate fits of their subsets
 * bit for bit, with one thread or two; every certified row's separate fit
 * gives no such warning. sens_k150 and sens_k60 certify every row;
 * sens_rare none: with 25 studies, few events and weak heterogeneity, one
 * study moves the fit too far for the interpolant's box, which is then not
 * built, and every row searches. */
static void glmm_certified_rows(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        unsigned flags;
        int all; /* every row certified (1) or none (0) */
    } sets[] = {
        {"reference/sens_k150.csv", 0, 1},
        {"reference/sens_k60.csv", MSC_SENS_FAST, 1},
        {"reference/sens_rare.csv", MSC_SENS_FAST, 0},
    };
    for (size_t q = 0; q < sizeof sets / sizeof *sets; q++) {
        msc_dataset *d = load_file(sets[q].file, "events", NULL);
        msc_settings s;
        msc_settings_default(&s);
        s.method = MSC_METHOD_GLMM;
        msc_analysis *a = run_analysis(d, &s);
        const msc_outcome_result *o = &a->outcome[0];
        msc_studies st;
        msc_outcome_studies(o, &st);
        size_t k = st.k, *idx = malloc(k * sizeof *idx);
        msc_sens_fit *r1 = calloc(k, sizeof *r1), *r2 = calloc(k, sizeof *r2);
        msc_warnings w = {0};
        s.threads = 1;
        assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, &o->fit, sets[q].flags, r1, &w),
                         MSC_OK);
        s.threads = 2;
        assert_int_equal(msc_sens_leave_one_out(&st, NULL, 0, &s, NULL, sets[q].flags, r2, &w),
                         MSC_OK);
        msc_warnings_clear(&w);
        msc_glmm_loo *L = NULL;
        assert_int_equal(
            msc_glmm_loo_build(st.xi, st.ni, k, &s, o->fit.random.yi, o->fit.het.tau, &L), MSC_OK);
        size_t certified = 0;
        for (size_t i = 0; i < k; i++) {
            size_t m = 0;
            for (size_t j = 0; j < k; j++)
                if (j != i)
                    idx[m++] = j;
            msc_fit f;
            assert_int_equal(msc_fit_studies(&st, idx, m, &s, 0, &f, &w), MSC_OK);
            const msc_estimate *e = &f.random, *g = &r1[i].e;
            assert_true(memcmp(&r1[i].e, &r2[i].e, offsetof(msc_estimate, pi_lo_yi)) == 0);
            assert_true(g->yi == e->yi && g->se == e->se && g->stat == e->stat && g->p == e->p);
            assert_true(g->est == e->est && g->ci_lo == e->ci_lo && g->ci_hi == e->ci_hi);
            assert_true(g->ci_lo_yi == e->ci_lo_yi && g->ci_hi_yi == e->ci_hi_yi);
            assert_true(r1[i].tau2 == f.het.tau2 && r1[i].I2 == f.het.I2 && r1[i].H2 == f.het.H2);
            assert_true(r1[i].Q == f.het.Q && r1[i].Q_p == f.het.Q_p);
            if (!e->exact &&
                msc_glmm_loo_profile_clear(L, st.xi[i], st.ni[i], e->yi, f.het.tau)) {
                certified++;
                for (size_t j = 0; j < w.n; j++)
                    assert_null(strstr(w.msg[j], "upper bound for tau^2"));
            }
            msc_warnings_clear(&w);
        }
        msc_glmm_loo_free(L);
        assert_int_equal(certified, sets[q].all ? k : 0);
        free(idx);
        free(r1);
        free(r2);
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
}

/* ------------------------------------------------------------- Kendall */

static void kendall_counts_pairs(void **state)
{
    (void)state;
    rng = 0x9E3779B97F4A7C15ull;
    for (int rep = 0; rep < 200; rep++) {
        size_t n = 2 + (size_t)(unif() * 60);
        double x[64], y[64];
        int levels = rep % 3 == 0 ? 4 : 1000; /* many ties, or almost none */
        for (size_t i = 0; i < n; i++) {
            x[i] = floor(unif() * levels);
            y[i] = floor(unif() * levels) + 0.5 * x[i];
        }
        double c = 0, dd = 0, tx = 0, ty = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double a = (x[i] - x[j]) * (y[i] - y[j]);
                c += a > 0;
                dd += a < 0;
                tx += x[i] == x[j];
                ty += y[i] == y[j];
            }
        double n0 = n * (n - 1) / 2.0, want = (c - dd) / sqrt((n0 - tx) * (n0 - ty));
        double tau, S, var;
        int ties;
        assert_int_equal(msc_kendall_tau(x, y, n, &tau, &S, &var, &ties), MSC_OK);
        if (isfinite(want)) {
            assert_close(tau, want, 1e-13);
            assert_close(S, c - dd, 1e-15);
        } else {
            assert_true(isnan(tau));
        }
        assert_int_equal(ties, tx > 0 || ty > 0);
    }
    /* the exact distribution: 3 pairs have 6 orders, 1 2 2 1 inversions */
    assert_close(msc_kendall_cdf(0, 3), 1.0 / 6, 1e-15);
    assert_close(msc_kendall_cdf(1, 3), 3.0 / 6, 1e-15);
    assert_close(msc_kendall_cdf(2, 3), 5.0 / 6, 1e-15);
    assert_close(msc_kendall_cdf(3, 3), 1.0, 1e-15);
}

/* ------------------------------------------------------- the whole run */

static void run_orders_and_warns(void **state)
{
    (void)state;
    const char *csv = "study,n,events,when,g\n"
                      "A,20,5,2010,x\nB,30,9,,x\nC,25,4,2008,y\nD,40,20,2012,y\n"
                      "E,15,3,2008,x\nF,50,11,2009,y\n";
    msc_load_options lo;
    msc_load_options_default(&lo);
    const char *ev[1] = {"events"}, *keep[1] = {"when"};
    lo.events_cols = ev;
    lo.n_events_cols = 1;
    lo.keep_cols = keep;
    lo.n_keep_cols = 1;
    lo.subgroup_col = "g";
    msc_dataset *d;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, strlen(csv), "t.csv", &lo, &d, err, sizeof err),
                     MSC_OK);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    msc_sens_options so;
    msc_sens_options_default(&so);
    so.cumulative = 1;
    so.cumulative_col = "when";
    so.bias_tests = so.leave_one_out = so.influence = 1;
    msc_sens *sens;
    assert_int_equal(msc_sens_run(a, &so, &sens, err, sizeof err), MSC_OK);
    const msc_sens_block *b = &sens->outcome[0].all;
    /* 2008 (C, E in file order), 2009, 2010, 2012, then B without a value */
    const size_t want[6] = {2, 4, 5, 0, 3, 1};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(b->cumul[i].study, want[i]);
        assert_int_equal(b->cumul[i].k, i + 1);
    }
    int small = 0, last = 0;
    for (size_t i = 0; i < b->warnings.n; i++) {
        small |= strstr(b->warnings.msg[i], "at least 10 studies") != NULL;
        last |= strstr(b->warnings.msg[i], "added last") != NULL;
    }
    assert_true(small && last);
    assert_non_null(b->bias);
    assert_true(b->bias->egger.ok && b->bias->begg.ok); /* the result is still given */
    /* subgroups: x = A, B, E; y = C, D, F; cumulative within each */
    assert_int_equal(sens->outcome[0].n_groups, 2);
    const msc_sens_block *gx = &sens->outcome[0].group[0];
    assert_int_equal(gx->k, 3);
    assert_int_equal(gx->cumul[0].study, 4);
    assert_int_equal(gx->cumul[1].study, 0);
    assert_int_equal(gx->cumul[2].study, 1);
    assert_non_null(gx->loo);
    assert_non_null(gx->infl);
    msc_sens_free(sens);
    /* a column the data set did not keep */
    so.cumulative_col = "year";
    assert_int_equal(msc_sens_run(a, &so, &sens, err, sizeof err), MSC_ERR_USAGE);
    assert_non_null(strstr(err, "\"year\""));
    msc_analysis_free(a);
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_metafor),           cmocka_unit_test(begg_matches_cor_test),
        cmocka_unit_test(updating_equals_refitting), cmocka_unit_test(glmm_rows_are_separate_fits),
        cmocka_unit_test(glmm_certified_rows),     cmocka_unit_test(kendall_counts_pairs),
        cmocka_unit_test(run_orders_and_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
