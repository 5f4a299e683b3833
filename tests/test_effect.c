/*
 * Effect sizes and back-transformations (effect.c, settings.c) against
 * metafor 3.8-1. The tables were printed by:
 *
 *   xi <- c(0, 4, 10, 7); ni <- c(10, 6, 10, 20)
 *   for (m in c("PR","PLN","PLO","PAS","PFT")) for (to in c("only0","all","if0all"))
 *     for (add in c(0.5, 0.25)) escalc(measure=m, xi=xi, ni=ni, add=add, to=to)
 *   escalc(measure="PAS"/"PFT", xi=xi, ni=ni)   # default: add = 0 for these
 *   transf.ilogit(c(-2.5, 0, 3.1)); transf.iarcsin(c(-0.1, 0.3, 1.6))
 *   transf.ipft.hm(c(0.05, 0.4, 0.9, 1.5), targs = list(ni = ni)); transf.pft(c(0, .3, 1), 12)
 */
#include "test_util.h"

#include <math.h>


static const double XI[4] = {0, 4, 10, 7}, NI[4] = {10, 6, 10, 20};

static const struct {
    msc_measure m;
    double add;
    msc_cc_mode mode;
    double yi[4], vi[4];
} ESCALC[] = {
    {MSC_PR, 0.5, MSC_CC_ONLY0, {0.045454545454545456, 0.66666666666666663, 0.95454545454545459, 0.34999999999999998}, {0.0039444027047332835, 0.037037037037037042, 0.00394440270473328, 0.011375}},
    {MSC_PR, 0.25, MSC_CC_ONLY0, {0.023809523809523808, 0.66666666666666663, 0.97619047619047616, 0.34999999999999998}, {0.0022135838462369072, 0.037037037037037042, 0.0022135838462369098, 0.011375}},
    {MSC_PR, 0.5, MSC_CC_ALL, {0.045454545454545456, 0.6428571428571429, 0.95454545454545459, 0.35714285714285715}, {0.0039444027047332835, 0.032798833819241979, 0.00394440270473328, 0.010932944606413994}},
    {MSC_PR, 0.25, MSC_CC_ALL, {0.023809523809523808, 0.65384615384615385, 0.97619047619047616, 0.35365853658536583}, {0.0022135838462369072, 0.034820209376422391, 0.0022135838462369098, 0.011150447613934794}},
    {MSC_PR, 0.5, MSC_CC_IF0ALL, {0.045454545454545456, 0.6428571428571429, 0.95454545454545459, 0.35714285714285715}, {0.0039444027047332835, 0.032798833819241979, 0.00394440270473328, 0.010932944606413994}},
    {MSC_PR, 0.25, MSC_CC_IF0ALL, {0.023809523809523808, 0.65384615384615385, 0.97619047619047616, 0.35365853658536583}, {0.0022135838462369072, 0.034820209376422391, 0.0022135838462369098, 0.011150447613934794}},
    {MSC_PLN, 0.5, MSC_CC_ONLY0, {-3.0910424533583156, -0.40546510810816444, -0.046520015634892817, -1.0498221244986778}, {1.9090909090909092, 0.083333333333333343, 0.0043290043290043212, 0.092857142857142846}},
    {MSC_PLN, 0.25, MSC_CC_ONLY0, {-3.7376696182833684, -0.40546510810816444, -0.02409755157906053, -1.0498221244986778}, {3.9047619047619047, 0.083333333333333343, 0.0023228803716608681, 0.092857142857142846}},
    {MSC_PLN, 0.5, MSC_CC_ALL, {-3.0910424533583156, -0.44183275227903918, -0.046520015634892817, -1.0296194171811581}, {1.9090909090909092, 0.079365079365079361, 0.0043290043290043212, 0.085714285714285715}},
    {MSC_PLN, 0.25, MSC_CC_ALL, {-3.7376696182833684, -0.42488319396526597, -0.02409755157906053, -1.0394234172777792}, {3.9047619047619047, 0.081447963800904966, 0.0023228803716608681, 0.089150546677880568}},
    {MSC_PLN, 0.5, MSC_CC_IF0ALL, {-3.0910424533583156, -0.44183275227903918, -0.046520015634892817, -1.0296194171811581}, {1.9090909090909092, 0.079365079365079361, 0.0043290043290043212, 0.085714285714285715}},
    {MSC_PLN, 0.25, MSC_CC_IF0ALL, {-3.7376696182833684, -0.42488319396526597, -0.02409755157906053, -1.0394234172777792}, {3.9047619047619047, 0.081447963800904966, 0.0023228803716608681, 0.089150546677880568}},
    {MSC_PLO, 0.5, MSC_CC_ONLY0, {-3.044522437723423, 0.69314718055994518, 3.0445224377234239, -0.61903920840622351}, {2.0952380952380953, 0.75, 2.0952380952380953, 0.21978021978021978}},
    {MSC_PLO, 0.25, MSC_CC_ONLY0, {-3.713572066704308, 0.69314718055994518, 3.7135720667043066, -0.61903920840622351}, {4.0975609756097562, 0.75, 4.0975609756097562, 0.21978021978021978}},
    {MSC_PLO, 0.5, MSC_CC_ALL, {-3.044522437723423, 0.58778666490211917, 3.0445224377234239, -0.58778666490211895}, {2.0952380952380953, 0.62222222222222223, 2.0952380952380953, 0.2074074074074074}},
    {MSC_PLO, 0.25, MSC_CC_ALL, {-3.713572066704308, 0.63598876671999682, 3.7135720667043066, -0.60299608356564782}, {4.0975609756097562, 0.6797385620915033, 4.0975609756097562, 0.21340273259596615}},
    {MSC_PLO, 0.5, MSC_CC_IF0ALL, {-3.044522437723423, 0.58778666490211917, 3.0445224377234239, -0.58778666490211895}, {2.0952380952380953, 0.62222222222222223, 2.0952380952380953, 0.2074074074074074}},
    {MSC_PLO, 0.25, MSC_CC_IF0ALL, {-3.713572066704308, 0.63598876671999682, 3.7135720667043066, -0.60299608356564782}, {4.0975609756097562, 0.6797385620915033, 4.0975609756097562, 0.21340273259596615}},
    {MSC_PAS, 0.5, MSC_CC_ONLY0, {0.21484983307571226, 0.9553166181245093, 1.3559464937191845, 0.63305183638974949}, {0.022727272727272728, 0.041666666666666664, 0.022727272727272728, 0.012500000000000001}},
    {MSC_PAS, 0.25, MSC_CC_ONLY0, {0.15492231987081348, 0.9553166181245093, 1.4158740069240827, 0.63305183638974949}, {0.023809523809523808, 0.041666666666666664, 0.023809523809523808, 0.012500000000000001}},
    {MSC_PAS, 0.5, MSC_CC_ALL, {0.21484983307571226, 0.93027401411547206, 1.3559464937191845, 0.6405223126794245}, {0.022727272727272728, 0.035714285714285712, 0.022727272727272728, 0.011904761904761904}},
    {MSC_PAS, 0.25, MSC_CC_ALL, {0.15492231987081348, 0.94178152436822071, 1.4158740069240827, 0.63688244768343916}, {0.023809523809523808, 0.038461538461538464, 0.023809523809523808, 0.012195121951219513}},
    {MSC_PAS, 0.5, MSC_CC_IF0ALL, {0.21484983307571226, 0.93027401411547206, 1.3559464937191845, 0.6405223126794245}, {0.022727272727272728, 0.035714285714285712, 0.022727272727272728, 0.011904761904761904}},
    {MSC_PAS, 0.25, MSC_CC_IF0ALL, {0.15492231987081348, 0.94178152436822071, 1.4158740069240827, 0.63688244768343916}, {0.023809523809523808, 0.038461538461538464, 0.023809523809523808, 0.012195121951219513}},
    {MSC_PFT, 0.5, MSC_CC_ONLY0, {0.28346802753394085, 0.93196281664219938, 1.2873282992609556, 0.64033788184160301}, {0.021739130434782608, 0.038461538461538464, 0.021739130434782608, 0.012195121951219513}},
    {MSC_PFT, 0.25, MSC_CC_ONLY0, {0.24197845449837024, 0.93196281664219938, 1.3288178722965265, 0.64033788184160301}, {0.022727272727272728, 0.038461538461538464, 0.022727272727272728, 0.012195121951219513}},
    {MSC_PFT, 0.5, MSC_CC_ALL, {0.28346802753394085, 0.91282931481337437, 1.2873282992609556, 0.64712635877556579}, {0.021739130434782608, 0.033333333333333333, 0.021739130434782608, 0.011627906976744186}},
    {MSC_PFT, 0.25, MSC_CC_ALL, {0.24197845449837024, 0.92171027226680569, 1.3288178722965265, 0.64381474450001441}, {0.022727272727272728, 0.035714285714285712, 0.022727272727272728, 0.011904761904761904}},
    {MSC_PFT, 0.5, MSC_CC_IF0ALL, {0.28346802753394085, 0.91282931481337437, 1.2873282992609556, 0.64712635877556579}, {0.021739130434782608, 0.033333333333333333, 0.021739130434782608, 0.011627906976744186}},
    {MSC_PFT, 0.25, MSC_CC_IF0ALL, {0.24197845449837024, 0.92171027226680569, 1.3288178722965265, 0.64381474450001441}, {0.022727272727272728, 0.035714285714285712, 0.022727272727272728, 0.011904761904761904}},
};

static void test_escalc_modes(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof ESCALC / sizeof ESCALC[0]; c++)
        for (int i = 0; i < 4; i++) {
            double y, v;
            msc_effect_compute(ESCALC[c].m, XI[i], NI[i], ESCALC[c].add, ESCALC[c].mode, 1, &y,
                               &v);
            assert_close(y, ESCALC[c].yi[i], 1e-12);
            assert_close(v, ESCALC[c].vi[i], 1e-12);
        }
}

/* metafor's defaults: 0.5 to studies with 0 or n events for PR/PLN/PLO; no
 * correction for PAS and PFT (escalc sets add = 0 for them). */
static void test_default_correction(void **state)
{
    (void)state;
    msc_settings s;
    msc_settings_default(&s);
    double add;
    msc_cc_mode mode;
    msc_settings_effective_cc(&s, &add, &mode);
    assert_close(add, 0.5, 0);
    assert_int_equal(mode, MSC_CC_ONLY0);
    static const double pas_y[4] = {0, 0.9553166181245093, 1.5707963267948966, 0.63305183638974949};
    static const double pas_v[4] = {0.025000000000000001, 0.041666666666666664,
                                    0.025000000000000001, 0.012500000000000001};
    static const double pft_y[4] = {0.15313868458483473, 0.93196281664219938, 1.417657642210062,
                                    0.64033788184160301};
    static const double pft_v[4] = {0.023809523809523808, 0.038461538461538464,
                                    0.023809523809523808, 0.012195121951219513};
    for (int m = MSC_PAS; m <= MSC_PFT; m++) {
        s.measure = (msc_measure)m;
        msc_settings_effective_cc(&s, &add, &mode);
        assert_int_equal(mode, MSC_CC_NONE);
        for (int i = 0; i < 4; i++) {
            double y, v;
            msc_effect_compute(s.measure, XI[i], NI[i], add, mode, 1, &y, &v);
            assert_close(y, m == MSC_PAS ? pas_y[i] : pft_y[i], 1e-14);
            assert_close(v, m == MSC_PAS ? pas_v[i] : pft_v[i], 1e-14);
        }
    }
    /* asking for a correction with PFT applies it, as escalc(add = 0.5) does */
    s.cc = 0.5;
    msc_settings_effective_cc(&s, &add, &mode);
    assert_close(add, 0.5, 0);
    assert_int_equal(mode, MSC_CC_ONLY0);
}

/* if0all applies to all studies only when some study has 0 or n events. */
static void test_if0all_without_zeros(void **state)
{
    (void)state;
    double y, v;
    msc_effect_compute(MSC_PLO, 4, 6, 0.5, MSC_CC_IF0ALL, 0, &y, &v);
    assert_close(y, log(4.0 / 2.0), 1e-15);
    assert_close(v, 1.0 / 4 + 1.0 / 2, 1e-15);
}

static void test_backtransforms(void **state)
{
    (void)state;
    assert_close(msc_effect_backtransform(MSC_PLO, -2.5, NAN), 0.075858180021243546, 1e-14);
    assert_close(msc_effect_backtransform(MSC_PLO, 0, NAN), 0.5, 0);
    assert_close(msc_effect_backtransform(MSC_PLO, 3.1, NAN), 0.95689274505891386, 1e-14);
    assert_close(msc_effect_backtransform(MSC_PAS, -0.1, NAN), 0, 0);
    assert_close(msc_effect_backtransform(MSC_PAS, 0.3, NAN), 0.087332192545160836, 1e-14);
    assert_close(msc_effect_backtransform(MSC_PAS, 1.6, NAN), 1, 0);
    double nhm = 4.0 / (1.0 / 10 + 1.0 / 6 + 1.0 / 10 + 1.0 / 20); /* harmonic mean of ni */
    assert_close(msc_effect_backtransform(MSC_PFT, 0.05, nhm), 0, 0);
    assert_close(msc_effect_backtransform(MSC_PFT, 0.4, nhm), 0.11870050612775929, 1e-13);
    assert_close(msc_effect_backtransform(MSC_PFT, 0.9, nhm), 0.62484453908034687, 1e-13);
    assert_close(msc_effect_backtransform(MSC_PFT, 1.5, nhm), 1, 0);
    assert_close(msc_effect_transform(MSC_PFT, 0.3, 12), 0.59562262340849248, 1e-14);
    assert_close(msc_effect_transform(MSC_PFT, 0, 12), 0.14051745075140681, 1e-14);
    assert_close(msc_effect_transform(MSC_PFT, 1, 12), 1.4302788760434899, 1e-14);
    assert_close(msc_effect_backtransform(MSC_PLN, log(0.25), NAN), 0.25, 1e-15);
    assert_close(msc_effect_backtransform(MSC_PR, 0.3, NAN), 0.3, 0);
    assert_true(isnan(msc_effect_backtransform(MSC_PLO, NAN, NAN)));
}

/* The logit of 1 event in 10^9 keeps full precision (log(x/(n-x)), not
 * log(p/(1-p)) after rounding 1-p), and extreme logits back-transform
 * without overflow. */
static void test_extreme_proportions(void **state)
{
    (void)state;
    double y, v;
    msc_effect_compute(MSC_PLO, 1, 1e9, 0.5, MSC_CC_ONLY0, 0, &y, &v);
    assert_close(y, -20.72326583594641, 1e-14); /* R: log(1/(1e9-1)) */
    assert_close(msc_effect_backtransform(MSC_PLO, -800, NAN), 0, 1e-300);
    assert_close(msc_effect_backtransform(MSC_PLO, 800, NAN), 1, 0);
    assert_close(msc_effect_backtransform(MSC_PLO, -40, NAN), 4.2483542552915889e-18, 1e-14); /* R: plogis(-40) */
}

/* Per-study yi and vi of every measure in the shared reference files. */
static void test_reference_yi_vi(void **state)
{
    (void)state;
    const char *files[] = {"pritz1997.json", "debruin2009.json"};
    for (size_t k = 0; k < 2; k++) {
        json_t *ref = ref_load(files[k]);
        json_t *studies = json_object_get(ref, "studies");
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(ref, "fits"), i, f)
        {
            msc_settings s;
            msc_settings_default(&s);
            s.measure = (msc_measure)msc_measure_parse(json_string_value(json_object_get(f, "measure")));
            double add;
            msc_cc_mode mode;
            msc_settings_effective_cc(&s, &add, &mode);
            for (size_t j = 0; j < json_array_size(studies); j++) {
                json_t *st = json_array_get(studies, j);
                double y, v;
                msc_effect_compute(s.measure, ref_get(st, "events"), ref_get(st, "n"), add, mode,
                                   1, &y, &v);
                assert_close(y, ref_at(f, "yi", j), 1e-12);
                assert_close(v, ref_at(f, "vi", j), 1e-12);
            }
        }
        json_decref(ref);
    }
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escalc_modes),       cmocka_unit_test(test_default_correction),
        cmocka_unit_test(test_if0all_without_zeros), cmocka_unit_test(test_backtransforms),
        cmocka_unit_test(test_extreme_proportions), cmocka_unit_test(test_reference_yi_vi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
