/*
 * Numerical robustness (issue 5, part 5), through the library:
 *  - the same input gives byte-identical reports, run after run;
 *  - n up to 1e9 and extreme proportions (1 event in 1e9) give finite,
 *    ordered results for every measure and tau^2 method, and match
 *    metafor where metafor computes them;
 *  - k up to 1e6 studies (MSC_NUMERIC_K to change it; 1e7 was measured
 *    by hand) pools to finite results; the time taken is printed, not
 *    asserted (speed is measured by bench/, not by the unit tests);
 *  - no NaN or Inf reaches a result without a warning that explains it.
 */
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* ------------------------------------------------------------ helpers */

static uint64_t rng = 88172645463325252ull;

static double unif(void) /* xorshift64: the same data on every platform */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

/* CSV text of k studies, n uniform in [nmin, nmax], x/n near p0 (varied). */
static char *make_csv(size_t k, double nmin, double nmax, double p0, size_t *len)
{
    size_t cap = 64 + k * 48, o = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    o += (size_t)snprintf(s, cap, "study,n,events\n");
    for (size_t i = 0; i < k; i++) {
        double n = floor(nmin + (nmax - nmin) * unif());
        double p = p0 * (0.5 + unif());
        double x = floor(n * (p < 1.0 ? p : 1.0));
        o += (size_t)snprintf(s + o, cap - o, "s%zu,%.0f,%.0f\n", i + 1, n, x);
        assert_true(o < cap);
    }
    *len = o;
    return s;
}

static msc_settings settings(msc_measure m, msc_method meth)
{
    msc_settings s;
    msc_settings_default(&s);
    s.measure = m;
    s.method = meth;
    return s;
}

static int bounded(msc_measure m) { return m == MSC_PLO || m == MSC_PAS || m == MSC_PFT; }

/* A pooled block: finite and ordered, or a warning explains it. */
static void check_estimate(const msc_estimate *e, msc_measure m, const msc_warnings *w,
                           const char *what)
{
    int ok = isfinite(e->yi) && isfinite(e->se) && isfinite(e->est) && isfinite(e->ci_lo) &&
             isfinite(e->ci_hi);
    if (!ok && w->n == 0) {
        print_error("%s: a pooled value is not finite and no warning says why\n", what);
        fail();
    }
    if (!ok)
        return;
    assert_true(e->se >= 0.0);
    assert_true(e->ci_lo <= e->est && e->est <= e->ci_hi);
    if (bounded(m))
        assert_true(e->ci_lo >= 0.0 && e->ci_hi <= 1.0);
}

static void check_outcome(const msc_outcome_result *o, msc_measure m, const char *what)
{
    assert_false(o->skipped);
    const msc_fit *f = &o->fit;
    check_estimate(&f->common, m, &o->warnings, what);
    if (f->has_random) {
        check_estimate(&f->random, m, &o->warnings, what);
        assert_true(isfinite(f->het.tau2) && f->het.tau2 >= 0.0);
        assert_true(f->het.I2 >= 0.0 && f->het.I2 <= 100.0);
        assert_true(f->het.H2 >= 1.0);
    }
    assert_true(isfinite(f->het.Q) && f->het.Q >= 0.0);
    assert_true(o->exact_lo <= o->exact_est && o->exact_est <= o->exact_hi);
    for (size_t i = 0; i < o->k; i++)
        assert_true(isfinite(o->yi[i]) && isfinite(o->vi[i]) && o->vi[i] > 0.0);
    /* per-study intervals: absent with MSC_RUN_NO_STUDY_CI */
    for (size_t i = 0; o->ci_lo && i < o->k; i++)
        assert_true(o->ci_lo[i] <= o->xi[i] / o->ni[i] && o->xi[i] / o->ni[i] <= o->ci_hi[i]);
}

/* A report in memory. */
static char *render(msc_report_fn fn, const msc_analysis *a, size_t *len)
{
    const msc_report_options ro = {0, "gen.csv", NULL, NULL};
    return render_report(fn, a, &ro, len);
}

static const msc_method METHODS[] = {MSC_METHOD_FE, MSC_METHOD_DL, MSC_METHOD_HE,
                                     MSC_METHOD_HS, MSC_METHOD_SJ, MSC_METHOD_ML,
                                     MSC_METHOD_REML, MSC_METHOD_EB, MSC_METHOD_PM};
#define N_METHODS (sizeof METHODS / sizeof METHODS[0])

/* ---------------------------------------------------------- the tests */

/* Every measure x method, twice, through all three reports: same bytes. */
static void test_deterministic(void **state)
{
    (void)state;
    static const char *const files[] = {"../data/msc_autoimmune.csv", "hostile/one_in_a_billion.csv",
                                        "hostile/huge_counts.csv", "hostile/all_zeros.csv",
                                        "hostile/subgroups_hostile.csv"};
    const msc_report_fn reports[] = {msc_report_json, msc_report_table, msc_report_csv};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        msc_dataset *d = load_file(files[f], NULL, strstr(files[f], "subgroups") ? "group" : NULL);
        for (int m = MSC_PR; m <= MSC_PFT; m++)
            for (size_t j = 0; j < N_METHODS; j++) {
                msc_settings s = settings((msc_measure)m, METHODS[j]);
                msc_analysis *a1 = run_analysis(d, &s), *a2 = run_analysis(d, &s);
                for (size_t r = 0; r < 3; r++) {
                    size_t l1, l2;
                    char *b1 = render(reports[r], a1, &l1), *b2 = render(reports[r], a2, &l2);
                    if (l1 != l2 || memcmp(b1, b2, l1) != 0) {
                        print_error("%s %s/%s report %zu differs between runs\n", files[f],
                                    msc_measure_name((msc_measure)m),
                                    msc_method_name(METHODS[j]), r);
                        fail();
                    }
                    free(b1);
                    free(b2);
                }
                msc_analysis_free(a1);
                msc_analysis_free(a2);
            }
        msc_dataset_free(d);
    }
}

/* 1 event in 1e9 (tests/hostile/one_in_a_billion.csv: 1, 3 and 0 events of
 * 1e9) against metafor 3.8.1:
 *   es <- escalc(measure = m, xi = c(1, 3, 0), ni = rep(1e9, 3))
 *   r <- rma(yi, vi, data = es, method = meth,
 *            control = list(threshold = 1e-12, maxiter = 1000))
 *   c(r$b, r$se, r$tau2, transf(c(r$b, r$ci.lb, r$ci.ub)))
 * with transf.ilogit, transf.iarcsin, transf.ipft.hm (ni = n). Where
 * metafor gives exactly 0 (identical(..., 0) is TRUE in R: the PAS and PFT
 * lower bounds, which the back-transform clamps, and the PLO DL tau^2,
 * truncated at 0), mscmeta must give exactly 0 too: assert_close against 0
 * is an absolute bound, here larger than the estimates themselves. */
#define CLOSE_OR_ZERO(got, want, rel)                                                             \
    do {                                                                                          \
        if ((want) == 0)                                                                          \
            assert_true((got) == 0.0);                                                            \
        else                                                                                      \
            assert_close((got), (want), (rel));                                                   \
    } while (0)

static void test_one_in_a_billion(void **state)
{
    (void)state;
    static const struct {
        msc_measure m;
        msc_method meth;
        double b, se, tau2, est, lo, hi;
    } REF[] = {
        {MSC_PLO, MSC_METHOD_REML, -20.134321751248528, 0.52763439271433188, 0.11636607872649389,
         1.8020845603107617e-09, 6.406959179016139e-10, 5.0687208470279551e-09},
        {MSC_PLO, MSC_METHOD_DL, -20.067873996395768, 0.47140452132790905, 0,
         1.9258970103829088e-09, 7.6449175066683615e-10, 4.8516930167294499e-09},
        {MSC_PAS, MSC_METHOD_REML, 2.8798344128285659e-05, 1.5874330063238555e-05,
         5.0598306486991845e-10, 8.2934462430189428e-10, 0, 3.5893829548676808e-09},
        {MSC_PAS, MSC_METHOD_DL, 2.8798344128285666e-05, 1.5874330063238558e-05,
         5.0598306486991856e-10, 8.293446243018947e-10, 0, 3.5893829548676824e-09},
        {MSC_PFT, MSC_METHOD_REML, 3.7664120281542177e-05, 1.2472634837758808e-05,
         2.166998595132241e-10, 9.6264390903044728e-10, 0, 3.3738580262898665e-09},
        {MSC_PFT, MSC_METHOD_DL, 3.766412028154217e-05, 1.247263483775881e-05,
         2.1669985951322425e-10, 9.6264390903044728e-10, 0, 3.3738580262898665e-09},
    };
    msc_dataset *d = load_file("hostile/one_in_a_billion.csv", NULL, NULL);
    for (size_t i = 0; i < sizeof REF / sizeof REF[0]; i++) {
        msc_settings s = settings(REF[i].m, REF[i].meth);
        msc_analysis *a = run_analysis(d, &s);
        const msc_fit *f = &a->outcome[0].fit;
        const msc_estimate *e = &f->random;
        assert_close(e->yi, REF[i].b, 1e-9);
        assert_close(e->se, REF[i].se, 1e-9);
        CLOSE_OR_ZERO(f->het.tau2, REF[i].tau2, 1e-6);
        assert_close(e->est, REF[i].est, 1e-9);
        CLOSE_OR_ZERO(e->ci_lo, REF[i].lo, 1e-9);
        assert_close(e->ci_hi, REF[i].hi, 1e-9);
        check_outcome(&a->outcome[0], REF[i].m, "one in a billion");
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
}

/* Exact (Clopper-Pearson) intervals at n = 2.001e15, where the beta
 * quantile once stepped below double spacing and bisected off to 1 (found
 * by the pipeline fuzzer). R 4: qbeta(0.025, x, n - x + 1) and
 * qbeta(0.975, x + 1, n - x). */
static void test_exact_interval_huge_n(void **state)
{
    (void)state;
    static const double n = 2.001e15;
    static const double REF[][3] = {
        {500000000000, 0.00024987436995016704, 0.00024987575498880985},
        {1000000000000, 0.00049974914569053902, 0.00049975110418596844},
        {2000000000000, 0.0009994988653567482, 0.00099950163439482039},
        {10000000000000, 0.0049974981596987199, 0.0049975043390533356},
        {100000000000000, 0.049975002946718486, 0.049975022040789074},
    };
    for (size_t i = 0; i < sizeof REF / sizeof REF[0]; i++) {
        double lo, hi;
        msc_study_ci_compute(MSC_SCI_CP, REF[i][0], n, 0.95, &lo, &hi);
        assert_close(lo, REF[i][1], 1e-9);
        assert_close(hi, REF[i][2], 1e-9);
    }
}

/* n from 1e8 to 1e9, proportions from 1e-8 to 0.5: every measure and
 * tau^2 method gives finite, ordered results. */
static void test_large_n(void **state)
{
    (void)state;
    static const double P0[] = {1e-8, 1e-5, 0.01, 0.3};
    for (size_t p = 0; p < sizeof P0 / sizeof P0[0]; p++) {
        size_t len;
        char *csv = make_csv(200, 1e8, 1e9, P0[p], &len);
        msc_dataset *d = load_buffer(csv, len, "gen.csv", NULL, NULL);
        for (int m = MSC_PR; m <= MSC_PFT; m++)
            for (size_t j = 0; j < N_METHODS; j++) {
                msc_settings s = settings((msc_measure)m, METHODS[j]);
                msc_analysis *a = run_analysis(d, &s);
                char what[128];
                snprintf(what, sizeof what, "p0 %g %s/%s", P0[p], msc_measure_name((msc_measure)m),
                         msc_method_name(METHODS[j]));
                check_outcome(&a->outcome[0], (msc_measure)m, what);
                msc_analysis_free(a);
            }
        msc_dataset_free(d);
        free(csv);
    }
}

/* k studies (default 1e6; MSC_NUMERIC_K): the loader and the closed-form and
 * iterative estimators stay finite. The load and analysis times are printed
 * for information only; nothing here asserts a time limit. */
static void test_large_k(void **state)
{
    (void)state;
    const char *env = getenv("MSC_NUMERIC_K");
    size_t k = env ? (size_t)strtoul(env, NULL, 10) : 1000000;
    size_t len;
    char *csv = make_csv(k, 5, 200, 0.2, &len);
    clock_t t0 = clock();
    msc_dataset *d = load_buffer(csv, len, "gen.csv", NULL, NULL);
    assert_int_equal(d->k, k);
    double t_load = (double)(clock() - t0) / CLOCKS_PER_SEC;
    static const msc_method M[] = {MSC_METHOD_DL, MSC_METHOD_REML, MSC_METHOD_PM};
    for (size_t j = 0; j < 3; j++) {
        msc_settings s = settings(MSC_PLO, M[j]);
        t0 = clock();
        msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
        double t = (double)(clock() - t0) / CLOCKS_PER_SEC;
        const msc_outcome_result *o = &a->outcome[0];
        assert_int_equal(o->k, k);
        check_outcome(o, MSC_PLO, msc_method_name(M[j]));
        print_message("k = %zu, %s: load %.2f s, analysis %.2f s, estimate %.6f, tau2 %.6g\n", k,
                      msc_method_name(M[j]), t_load, t, o->fit.random.est, o->fit.het.tau2);
        msc_analysis_free(a);
    }
    msc_dataset_free(d);
    free(csv);
}

/* The Q-profile interval at 10^4 to 10^7 studies (issue 15): GSL's chi^2
 * quantile drifted above ~30,000 df (a lower bound of tau^2 0.506 for
 * 0.605 at k = 31,949) and returned NaN at 10^6. Checked here against an
 * independent computation: a plain bisection of Q(tau^2) (summed in this
 * test) on R's qchisq values, copied below:
 *   sprintf("%.17g", qchisq(0.025, k - 1, lower.tail = FALSE)), and
 *   qchisq(0.025, k - 1). MSC_QPROFILE_KMAX limits k (valgrind: 10^4). */
static const double QCHISQ_K[][3] = {
    {10000, 10278.056320256948, 9723.7322370149905},
    {100000, 100877.4109230342, 99124.377683278668},
    {1000000, 1002772.7000820216, 997229.08852919447},
    {10000000, 10008766.119119551, 9991235.6694921553},
};

static double q_of(const double *y, const double *v, size_t k, double tau2)
{
    double sw = 0, swy = 0, q = 0;
    for (size_t i = 0; i < k; i++) {
        sw += 1.0 / (v[i] + tau2);
        swy += y[i] / (v[i] + tau2);
    }
    double m = swy / sw;
    for (size_t i = 0; i < k; i++)
        q += (y[i] - m) * (y[i] - m) / (v[i] + tau2);
    return q;
}

/* tau^2 with Q(tau^2) = target, by bisection (Q falls as tau^2 grows). */
static double bisect(const double *y, const double *v, size_t k, double target)
{
    double lo = 0, hi = 1;
    if (q_of(y, v, k, 0) <= target)
        return 0;
    while (q_of(y, v, k, hi) > target)
        hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (q_of(y, v, k, mid) > target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void test_qprofile_large_k(void **state)
{
    (void)state;
    const char *env = getenv("MSC_QPROFILE_KMAX");
    double kmax = env ? strtod(env, NULL) : 1e7;
    for (size_t r = 0; r < sizeof QCHISQ_K / sizeof *QCHISQ_K; r++) {
        size_t k = (size_t)QCHISQ_K[r][0];
        if ((double)k > kmax)
            break;
        double *y = malloc(k * sizeof *y), *v = malloc(k * sizeof *v);
        for (size_t i = 0; i < k; i++) { /* tau^2 about 0.6, as in the audit */
            v[i] = 0.02 + 0.3 * unif();
            y[i] = -1.0 + sqrt(0.6) * (2.0 * unif() - 1.0) * 1.7320508 + sqrt(v[i]) * (unif() - 0.5);
        }
        /* Paule-Mandel: Q(tau^2) = k - 1, so it lies inside the interval */
        msc_settings s = settings(MSC_PLO, MSC_METHOD_PM);
        msc_fit f;
        msc_warnings w = {0};
        assert_int_equal(msc_pool_fit(y, v, NULL, k, &s, &f, &w), MSC_OK);
        const msc_heterogeneity *h = &f.het;
        double lo = bisect(y, v, k, QCHISQ_K[r][1]), hi = bisect(y, v, k, QCHISQ_K[r][2]);
        char what[64];
        snprintf(what, sizeof what, "k = %zu: tau2 lower bound", k);
        assert_close_msg(h->tau2_lo, lo, 1e-6, what);
        snprintf(what, sizeof what, "k = %zu: tau2 upper bound", k);
        assert_close_msg(h->tau2_hi, hi, 1e-6, what);
        assert_true(h->tau2_lo <= h->tau2 && h->tau2 <= h->tau2_hi);
        /* I^2 and H^2 bounds from metafor's typical variance, summed here */
        double sw = 0, sw2 = 0;
        for (size_t i = 0; i < k; i++) {
            sw += 1.0 / v[i];
            sw2 += 1.0 / (v[i] * v[i]);
        }
        double vt = ((double)k - 1.0) / (sw - sw2 / sw);
        assert_close_msg(h->I2_lo, 100.0 * lo / (vt + lo), 1e-6, "I2 lower bound");
        assert_close_msg(h->I2_hi, 100.0 * hi / (vt + hi), 1e-6, "I2 upper bound");
        assert_close_msg(h->H2_lo, lo / vt + 1.0, 1e-6, "H2 lower bound");
        assert_close_msg(h->H2_hi, hi / vt + 1.0, 1e-6, "H2 upper bound");
        msc_warnings_clear(&w);
        free(y);
        free(v);
    }
}

/* REML on rare events in few iterations (issue 17): Fisher scoring
 * oscillated there (each step about -0.8 times the last) and ran 1,000
 * iterations without meeting its tolerance. At most 30 evaluations now, on
 * the reference sets and on 10^5 generated studies with rates about 1%;
 * and the estimate is the root of the REML equation, sum w^2 r^2 = tr P
 * (Viechtbauer 2005), found here by a plain bisection. */
static double reml_score(const double *y, const double *v, size_t k, double t)
{
    double sw = 0, swy = 0, sw2 = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (v[i] + t);
        sw += w;
        swy += w * y[i];
        sw2 += w * w;
    }
    double m = swy / sw, q2 = 0;
    for (size_t i = 0; i < k; i++) {
        double w = 1.0 / (v[i] + t);
        q2 += w * w * (y[i] - m) * (y[i] - m);
    }
    return q2 - (sw - sw2 / sw);
}

static void test_reml_rare_events(void **state)
{
    (void)state;
    static const char *const sets[] = {"reference/large_n.csv", "reference/tiny_and_large_n.csv",
                                       "reference/zeros_mixed_n.csv", "reference/all_zero.csv",
                                       "reference/many_studies.csv"};
    msc_settings s = settings(MSC_PLO, MSC_METHOD_REML);
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        msc_dataset *d = load_file(sets[i], "events", NULL);
        msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
        assert_true(a->outcome[0].fit.iterations <= 30);
        msc_analysis_free(a);
        msc_dataset_free(d);
    }
    /* 10^5 studies of 5 to 200 patients, x ~ Bin(n, expit(-4.6 + 0.5 z)) */
    size_t len = 0, k = 100000, cap = 64 + k * 40;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "study,n,events\n");
    for (size_t i = 0; i < k; i++) {
        double n = floor(5 + 196 * unif());
        double z = sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
        double p = 1.0 / (1.0 + exp(4.6 - 0.5 * z)), x = 0;
        for (int j = 0; j < (int)n; j++)
            x += unif() < p;
        len += (size_t)snprintf(csv + len, cap - len, "s%zu,%.0f,%.0f\n", i, n, x);
    }
    msc_dataset *d = load_buffer(csv, len, "rare.csv", NULL, NULL);
    msc_analysis *a = run_analysis_flags(d, &s, MSC_RUN_NO_STUDY_CI);
    const msc_outcome_result *o = &a->outcome[0];
    print_message("REML, %zu rare-event studies: %d iterations, tau2 %.17g\n", o->k,
                  o->fit.iterations, o->fit.het.tau2);
    assert_true(o->fit.converged);
    assert_true(o->fit.iterations <= 30);
    double lo = 0, hi = 1, t = o->fit.het.tau2;
    assert_true(t > 0 && reml_score(o->yi, o->vi, o->k, lo) > 0);
    while (reml_score(o->yi, o->vi, o->k, hi) > 0)
        hi *= 2;
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (reml_score(o->yi, o->vi, o->k, mid) > 0)
            lo = mid;
        else
            hi = mid;
    }
    assert_close(t, 0.5 * (lo + hi), 1e-10);
    msc_analysis_free(a);
    msc_dataset_free(d);
    free(csv);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_one_in_a_billion),
        cmocka_unit_test(test_exact_interval_huge_n),
        cmocka_unit_test(test_large_n),
        cmocka_unit_test(test_large_k),
        cmocka_unit_test(test_qprofile_large_k),
        cmocka_unit_test(test_reml_rare_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
