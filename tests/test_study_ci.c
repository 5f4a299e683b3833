/*
 * Per-study intervals (study_ci.c) against R: Clopper-Pearson = binom.test,
 * Wilson = prop.test(correct = FALSE), Jeffreys = qbeta(x+1/2, n-x+1/2),
 * from the files in tests/reference/; Agresti-Coull and Wald computed by their
 * formulas in R (values pasted below with the R call), one-sided exact
 * bounds = binom.test(alternative = "less").
 */
#include "test_util.h"

#include <math.h>
#include <string.h>


static void check_reference(const char *file)
{
    json_t *ref = ref_load(file);
    json_t *studies = json_object_get(ref, "studies");
    static const struct {
        msc_study_ci m;
        const char *key;
    } kinds[] = {{MSC_SCI_CP, "cp"}, {MSC_SCI_WILSON, "wilson"}, {MSC_SCI_JEFFREYS, "jeffreys"}};
    size_t i;
    json_t *s;
    json_array_foreach(studies, i, s)
    {
        double x = ref_get(s, "events"), n = ref_get(s, "n");
        for (size_t k = 0; k < 3; k++) {
            double lo, hi;
            msc_study_ci_compute(kinds[k].m, x, n, 0.95, &lo, &hi);
            double wlo = ref_at(s, kinds[k].key, 0), whi = ref_at(s, kinds[k].key, 1);
            /* the bar: 1e-9 against R */
            assert_true(fabs(lo - wlo) <= 1e-9);
            assert_true(fabs(hi - whi) <= 1e-9);
        }
    }
    json_decref(ref);
}

static void test_reference_pritz(void **state)
{
    (void)state;
    check_reference("pritz1997.json");
}

static void test_reference_debruin(void **state)
{
    (void)state;
    check_reference("debruin2009.json");
}

/* R: ac <- function(x,n,level=0.95){z<-qnorm(1-(1-level)/2); nt<-n+z^2;
 *   pt<-(x+z^2/2)/nt; h<-z*sqrt(pt*(1-pt)/nt); c(max(0,pt-h),min(1,pt+h))}
 * and wald likewise with p = x/n. */
static void test_agresti_coull_and_wald(void **state)
{
    (void)state;
    static const struct {
        double x, n, level, ac_lo, ac_hi, wald_lo, wald_hi;
    } c[] = {
        {4, 6, 0.95, 0.2957458605912372, 0.90747604344137434, 0.28947142197460946, 1},
        {0, 10, 0.95, 0, 0.32088730575054569, 0, 0},
        {10, 10, 0.95, 0.6791126942494542, 1, 1, 1},
        {43, 58, 0.95, 0.61527322304201792, 0.83749746726760832, 0.62868916007992948,
         0.85406946060972577},
        {1, 46, 0.95, 0, 0.12380676800228751, 0, 0.063881368911892833},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double lo, hi;
        msc_study_ci_compute(MSC_SCI_AC, c[i].x, c[i].n, c[i].level, &lo, &hi);
        assert_close(lo, c[i].ac_lo, 1e-12);
        assert_close(hi, c[i].ac_hi, 1e-12);
        msc_study_ci_compute(MSC_SCI_WALD, c[i].x, c[i].n, c[i].level, &lo, &hi);
        assert_close(lo, c[i].wald_lo, 1e-12);
        assert_close(hi, c[i].wald_hi, 1e-12);
    }
    double lo, hi;
    msc_study_ci_compute(MSC_SCI_AC, 7, 20, 0.90, &lo, &hi); /* ac(7, 20, 0.9) */
    assert_close(lo, 0.20141263689081404, 1e-12);
    assert_close(hi, 0.53433471431747537, 1e-12);
}

/* Other levels and extreme counts, R:
 * binom.test(7, 20, conf.level = 0.99); prop.test(7, 20, correct = FALSE,
 * conf.level = 0.9); qbeta(c(.05, .95), 7.5, 13.5); binom.test(1, 1e6);
 * binom.test(5e5, 1e9). */
static void test_levels_and_extremes(void **state)
{
    (void)state;
    double lo, hi;
    msc_study_ci_compute(MSC_SCI_CP, 7, 20, 0.99, &lo, &hi);
    assert_close(lo, 0.11387976326673221, 1e-9);
    assert_close(hi, 0.65656858423192133, 1e-9);
    msc_study_ci_compute(MSC_SCI_WILSON, 7, 20, 0.90, &lo, &hi);
    assert_close(lo, 0.20226004005676107, 1e-12);
    assert_close(hi, 0.53348731115152825, 1e-12);
    msc_study_ci_compute(MSC_SCI_JEFFREYS, 7, 20, 0.90, &lo, &hi);
    assert_close(lo, 0.19695270513240817, 1e-9);
    assert_close(hi, 0.53316532123433968, 1e-9);
    msc_study_ci_compute(MSC_SCI_CP, 1, 1e6, 0.95, &lo, &hi);
    assert_close(lo, 2.5317807663794211e-08, 1e-8);
    assert_close(hi, 5.5716306551722366e-06, 1e-8);
    msc_study_ci_compute(MSC_SCI_CP, 5e5, 1e9, 0.95, &lo, &hi);
    assert_close(lo, 0.00049861538864571196, 1e-8);
    assert_close(hi, 0.00050138750415044996, 1e-8);
}

/* Large counts, where GSL's own beta quantile fails (NaN, hangs or 1e-5
 * errors past a + b of about 1e6), against R's binom.test(x, n)$conf.int. */
static void test_large_counts(void **state)
{
    (void)state;
    static const double c[][4] = {
        {5e8, 1e9, 0.49996900974842229, 0.50003099025157771},
        {1e6, 2e6, 0.49930679850754905, 0.500693201492451},
        {5e6, 1e7, 0.49969005252137105, 0.500309947478629},
        {1, 1e9, 2.5317807983969421e-11, 5.5716433782031108e-09},
        {5e5, 1e9, 0.00049861538864571196, 0.00050138750415044996},
        {1e9, 1e9 + 5, 0.99999998833166803, 0.99999999837651365},
        {7, 3e6, 9.3812151525926098e-07, 4.8075525064115934e-06},
        {123456, 654321, 0.18773064622905047, 0.18962817924834774},
        {3e7, 1e8, 0.29991018395683017, 0.30008982762124858},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double lo, hi;
        msc_study_ci_compute(MSC_SCI_CP, c[i][0], c[i][1], 0.95, &lo, &hi);
        /* relative 1e-7 binds on the tiny bounds (2.5e-11: 2.5e-18), absolute
         * 1e-12 on those near 0.5 and 1 */
        assert_close(lo, c[i][2], 1e-7);
        assert_close(hi, c[i][3], 1e-7);
        assert_true(fabs(lo - c[i][2]) < 1e-12 && fabs(hi - c[i][3]) < 1e-12);
    }
}

/* One-sided exact upper bounds: binom.test(x, n, alternative = "less");
 * for x = 0 the closed form 1 - (1 - level)^(1/n). */
static void test_upper_exact(void **state)
{
    (void)state;
    assert_close(msc_study_ci_upper_exact(0, 50, 0.95), 0.058155079116972264, 1e-12);
    assert_close(msc_study_ci_upper_exact(0, 50, 0.95), 1 - pow(0.05, 1.0 / 50), 1e-14);
    assert_close(msc_study_ci_upper_exact(0, 6, 0.95), 0.39303776899708265, 1e-12);
    assert_close(msc_study_ci_upper_exact(0, 200, 0.95), 0.014867039231272083, 1e-12);
    assert_close(msc_study_ci_upper_exact(0, 20, 0.90), 0.10874906186625444, 1e-12);
    assert_close(msc_study_ci_upper_exact(3, 40, 0.95), 0.18258685001590125, 1e-9);
    assert_close(msc_study_ci_upper_exact(1, 46, 0.95), 0.099024316819897984, 1e-9);
    assert_close(msc_study_ci_upper_exact(9, 9, 0.95), 1.0, 0);
}

/* Every interval stays inside [0, 1] and contains x/n, whatever x and n. */
static void test_bounds_hold(void **state)
{
    (void)state;
    const double ns[] = {1, 2, 6, 20, 1000, 1e9};
    for (int m = MSC_SCI_CP; m <= MSC_SCI_WALD; m++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            double n = ns[j];
            const double xs[] = {0, 1, floor(n / 2), n - 1, n};
            for (size_t i = 0; i < 5; i++) {
                double x = xs[i] < 0 ? 0 : xs[i], lo, hi;
                msc_study_ci_compute((msc_study_ci)m, x, n, 0.95, &lo, &hi);
                assert_true(lo >= 0.0 && hi <= 1.0 && lo <= hi);
                if (m != MSC_SCI_WALD)
                    assert_true(lo <= x / n + 1e-15 && x / n <= hi + 1e-15);
            }
        }
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_pritz),     cmocka_unit_test(test_reference_debruin),
        cmocka_unit_test(test_agresti_coull_and_wald), cmocka_unit_test(test_levels_and_extremes),
        cmocka_unit_test(test_large_counts),        cmocka_unit_test(test_upper_exact),         cmocka_unit_test(test_bounds_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
