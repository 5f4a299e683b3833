/*
 * Table templates (src/report/template.c): placeholders and their formats,
 * optional parts and their alternatives, missing values, escapes, and user
 * text made safe for a terminal. Expected strings written by hand.
 */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

static msc_rep b;
static msc_rep_node *root, *het;
static msc_rep_buf out;

static int setup(void **state)
{
    (void)state;
    msc_rep_init(&b);
    root = msc_rep_object(&b, NULL, NULL);
    msc_rep_node *st = msc_rep_object(&b, root, "settings");
    msc_rep_int(&b, st, "level_pct", 95);
    het = msc_rep_object(&b, root, "heterogeneity");
    msc_rep_number(&b, het, "tau2", 0.11590812580752184, "%.4g");
    msc_rep_number(&b, het, "tau2_ci_lower", 0.0, "%.4g");
    msc_rep_number(&b, het, "tau2_ci_upper", 3.7649, "%.4g");
    msc_rep_number(&b, het, "tau", 0.34051, "%.4g");
    msc_rep_number(&b, het, "nan", NAN, "%.4g");
    msc_rep_pvalue(&b, het, "p", 0.06849);
    msc_rep_pvalue(&b, het, "tiny", 0.00001);
    msc_rep_pvalue(&b, het, "pnan", NAN);
    msc_rep_null(&b, het, "none");
    msc_rep_proportion(&b, het, "lo", 0.22277809550351224);
    msc_rep_proportion(&b, het, "hi", 0.95672813170725834);
    msc_rep_proportion(&b, het, "lonan", NAN);
    msc_rep_count(&b, het, "events", 115);
    msc_rep_int(&b, het, "k", 9);
    msc_rep_percent(&b, het, "I2", 32.966617401462806, NULL);
    msc_rep_percent(&b, het, "w", 3.2140615191462651, "%.2f");
    msc_rep_bool(&b, het, "yes", 1);
    msc_rep_number(&b, het, "negzero", -1.2e-17, "%.4f");
    msc_rep_number(&b, het, "negsmall", -0.00004, "%.4g");
    msc_rep_percent(&b, het, "I2nan", NAN, "%.1f");
    msc_rep_number(&b, het, "Q6", 6.0, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Q14", 14.5478, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Qbig", 31214.7, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Q999", 9.99996, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Qsmall", 0.00038371, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Qtiny", 1.5e-9, MSC_REP_SIG4);
    msc_rep_number(&b, het, "Q0", 0.0, MSC_REP_SIG4);
    msc_rep_text(&b, het, "label", "a\x1b[31mred\xC2\x9Bx\x7fz");
    msc_rep_text(&b, het, "long", "abcdefgh");
    msc_rep_text(&b, het, "wide", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    memset(&out, 0, sizeof out);
    return b.err;
}

static int teardown(void **state)
{
    (void)state;
    msc_rep_buf_free(&out);
    msc_rep_release(&b);
    return 0;
}

/* Renders tmpl with ctx (het when NULL), returning the text; *miss gets
 * the count of missing values. */
static const char *r(const char *tmpl, const msc_rep_doc *doc, int *miss)
{
    out.len = 0;
    msc_rep_buf_put(&out, "", 0); /* a valid empty string */
    int m = msc_rep_render(&out, tmpl, het, doc);
    if (miss)
        *miss = m;
    return out.s;
}

static void test_values(void **state)
{
    (void)state;
    int miss;
    assert_string_equal(r("tau^2 = {tau2}, tau = {tau}", NULL, &miss),
                        "tau^2 = 0.1159, tau = 0.3405");
    assert_int_equal(miss, 0);
    assert_string_equal(r("{events} / {k}: {I2}% {w}% {yes}", NULL, NULL),
                        "115 / 9: 33.0% 3.21% true");
    assert_string_equal(r("[{lo}, {hi}]", NULL, NULL), "[0.2228, 0.9567]");
    assert_string_equal(r("{p} {tiny} {p:prose}, {tiny:prose}", NULL, NULL),
                        "0.0685 <0.0001 p = 0.0685, p < 0.0001");
    /* ancestors and member paths */
    assert_string_equal(r("{settings.level_pct}% CI", NULL, NULL), "95% CI");
    /* proportions as the document says: here in percent */
    msc_rep_doc pct = {root, NULL, "%.2f%%", 100.0};
    assert_string_equal(r("{lo} to {hi}", &pct, NULL), "22.28% to 95.67%");
}

/* issue 15: a value that rounds to 0 prints without its sign, a small one
 * keeps it; a missing percentage is "NA", not "NA%" */
static void test_signs_and_percent(void **state)
{
    (void)state;
    assert_string_equal(r("{negzero} {negsmall}", NULL, NULL), "0.0000 -4e-05");
    msc_rep_doc pct = {root, NULL, "%.2f%%", 100.0};
    msc_rep_get(het, "lo", MSC_REP_ALL)->v.num = -1e-9;
    assert_string_equal(r("{lo}", &pct, NULL), "0.00%");
    assert_string_equal(r("{?{I2nan}%|NA} {?{I2}%|NA}", NULL, NULL), "NA 33.0%");
}

/* issue 14: Q with 4 significant digits, zeros kept, no exponent for large
 * values */
static void test_sig4(void **state)
{
    (void)state;
    assert_string_equal(r("{Q6} {Q14} {Qbig} {Q999} {Qsmall} {Qtiny} {Q0}", NULL, NULL),
                        "6.000 14.55 31215 10.00 0.0003837 1.500e-09 0");
}

static void test_missing(void **state)
{
    (void)state;
    int miss;
    /* outside an optional part: "NA" for a number, nothing for NULL or absent */
    assert_string_equal(r("<{nan}|{none}|{absent}|{lonan}>", NULL, &miss), "<NA|||NA>");
    assert_int_equal(miss, 4);
    assert_string_equal(r("{pnan} {pnan:prose}", NULL, &miss), "NA p = NA");
    assert_int_equal(miss, 2);
    /* an alternative text instead, and then nothing is missing */
    assert_string_equal(r("{nan|--} {none|n/a} {absent|}", NULL, &miss), "-- n/a ");
    assert_int_equal(miss, 0);
}

static void test_optional_parts(void **state)
{
    (void)state;
    const char *tau2 = "  tau^2 = {tau2}{?  [{settings.level_pct}% CI {tau2_ci_lower}, "
                       "{tau2_ci_upper|NA}]}   tau = {tau}";
    assert_string_equal(r(tau2, NULL, NULL), "  tau^2 = 0.1159  [95% CI 0, 3.765]   tau = 0.3405");
    /* the part goes when a value in it (without |alt) is missing ... */
    msc_rep_get(het, "tau2_ci_lower", MSC_REP_ALL)->v.num = NAN;
    int miss;
    assert_string_equal(r(tau2, NULL, &miss), "  tau^2 = 0.1159   tau = 0.3405");
    assert_int_equal(miss, 0); /* not counted: the part was optional */
    /* ... and stays when only a value with an alternative is */
    msc_rep_get(het, "tau2_ci_lower", MSC_REP_ALL)->v.num = 0.0;
    msc_rep_get(het, "tau2_ci_upper", MSC_REP_ALL)->v.num = NAN;
    assert_string_equal(r(tau2, NULL, NULL), "  tau^2 = 0.1159  [95% CI 0, NA]   tau = 0.3405");
    msc_rep_get(het, "tau2_ci_upper", MSC_REP_ALL)->v.num = 3.7649;

    /* an interval, or NA as a whole */
    assert_string_equal(r("{?[{lo}, {hi}]|NA}", NULL, NULL), "[0.2228, 0.9567]");
    assert_string_equal(r("{?[{lonan}, {hi}]|NA}", NULL, NULL), "NA");
    assert_string_equal(r("x{?  (t, {nan} df)}y", NULL, NULL), "xy");
    assert_string_equal(r("x{?  (t, {k} df)}y", NULL, NULL), "x  (t, 9 df)y");

    /* nesting: an inner part goes alone; a failed alternative takes the outer one */
    assert_string_equal(r("{?a{?b{nan}}c}", NULL, NULL), "ac");
    assert_string_equal(r("{?a{?b{nan}|B}c}", NULL, NULL), "aBc");
    assert_string_equal(r("{?a{?{nan}|{none}}c|Z}", NULL, NULL), "Z");
    assert_string_equal(r("{?a{?{nan}|{none}}c}", NULL, NULL), "");
    /* an alternative with a value of its own */
    assert_string_equal(r("{?(t, {nan} df)|({k})}", NULL, NULL), "(9)");
}

static void test_text_and_escapes(void **state)
{
    (void)state;
    /* C0 (ESC), C1 (U+009B, CSI) and DEL each become one '?' */
    assert_string_equal(r("{label}", NULL, NULL), "a?[31mred?x?z");
    /* cut to N display characters, "..." included */
    assert_string_equal(r("{long:.5}|{long:.8}|{long:.20}", NULL, NULL), "ab...|abcdefgh|abcdefgh");
    assert_string_equal(r("{wide:.2}", NULL, NULL), "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    assert_string_equal(r("{label:.40}", NULL, NULL), "a?[31mred?x?z");
    /* escapes, and '|' and '}' as text outside a part */
    assert_string_equal(r("\\{k\\} = {k}, a\\|b | c}", NULL, NULL), "{k} = 9, a|b | c}");
    assert_string_equal(r("{?\\{{k}\\|\\}}", NULL, NULL), "{9|}");
    /* unterminated: the rest is the placeholder, no read past the end */
    assert_string_equal(r("k = {k", NULL, NULL), "k = 9");
    assert_string_equal(r("{?k = {k}", NULL, NULL), "k = 9");
    /* "." is the context itself */
    msc_rep_node *t = msc_rep_text(&b, NULL, NULL, "warning\n");
    out.len = 0;
    msc_rep_render(&out, "  ! {.}", t, NULL);
    assert_string_equal(out.s, "  ! warning?");
}

static void test_width(void **state)
{
    (void)state;
    const char *s = "e\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"; /* e, é, €, U+1F600 */
    assert_int_equal(msc_rep_width(s, strlen(s)), 4);
    assert_int_equal(msc_rep_width("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signs_and_percent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sig4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optional_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_and_escapes, setup, teardown),
        cmocka_unit_test(test_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
