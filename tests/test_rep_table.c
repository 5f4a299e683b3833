/*
 * The table emitter (src/report/emit_table.c): lines, grids (header,
 * widths, alignment, optional columns, rows from arrays and objects), one
 * line per element, nested views, and a generator walked twice. Expected
 * text written by hand, column by column.
 */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

typedef struct {
    msc_rep_buf got;
} sink;

static msc_status to_buf(void *ctx, const char *buf, size_t len)
{
    msc_rep_buf_put(&((sink *)ctx)->got, buf, len);
    return MSC_OK;
}

static char outbuf[100];

static msc_rep_node *row(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    static const char *const name[] = {"Alpha", "Beta-long-name",
                                       "\x1b"
                                       "Esc"};
    static const double n[] = {5, 120, 7}, lo[] = {0.1, NAN, 0.05}, hi[] = {0.2, 0.3, 0.5},
                        df[] = {NAN, 3, NAN};
    static const char *const group[] = {"g1", NULL, "grp-long-name"};
    msc_rep_node *r = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, r, "name", name[i]);
    msc_rep_count(b, r, "n", n[i]);
    msc_rep_proportion(b, r, "lo", lo[i]);
    msc_rep_proportion(b, r, "hi", hi[i]);
    msc_rep_number(b, r, "df", df[i], "%g");
    msc_rep_text(b, r, "group", group[i]);
    return r;
}

static msc_rep_node *sub(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    msc_rep_node *s = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, s, "name", i == 0 ? "A" : "B");
    msc_rep_node *w = msc_rep_array(b, s, "warnings");
    if (i == 0)
        msc_rep_text(b, w, NULL, "x");
    msc_rep_each(b, s, "warnings", "  ! {name}: {.}");
    return s;
}

static void test_views(void **state)
{
    (void)state;
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_text(&b, root, "title", "Demo");
    msc_rep_generator(&b, root, "rows", 3, row, NULL);
    msc_rep_node *first = msc_rep_object(&b, root, "first");
    msc_rep_text(&b, first, "label", "one");
    msc_rep_number(&b, first, "v", 1.5, "%.2f");
    msc_rep_node *second = msc_rep_object(&b, root, "second");
    msc_rep_text(&b, second, "label", "two");
    msc_rep_number(&b, second, "v", NAN, "%.2f");
    msc_rep_node *w = msc_rep_array(&b, root, "warnings");
    msc_rep_text(&b, w, NULL, "w1");
    msc_rep_text(&b, w, NULL,
                 "w\x1b"
                 "2");
    msc_rep_generator(&b, root, "subs", 2, sub, NULL);

    static const msc_rep_col cols[] = {
        {"", "Name", "{name:.6}", 6, 0},
        {" ", "N", "{n}", 4, MSC_REP_RIGHT},
        {"  ", "P", "{?[{lo}, {hi}]|NA}", 18, 0},
        {" ", NULL, "{?({df} df)}", 0, 0},
        {"  ", NULL, "{group}", 5, MSC_REP_OPTIONAL},
    };
    static const msc_rep_col pair[] = {
        {"", NULL, "{label}", 8, 0},
        {" ", NULL, "{v}", 6, MSC_REP_RIGHT},
    };
    static const msc_rep_col subs[] = {{"  ", "Sub", "{name}", 4, 0}};
    msc_rep_line(&b, root, "== {title} ==");
    msc_rep_grid(&b, root, "rows", cols, 5, 1);
    msc_rep_line(&b, root, "");
    msc_rep_grid(&b, root, "first,nope,second,title", pair, 2, 0);
    msc_rep_each(&b, root, "warnings", "! {.}");
    msc_rep_grid(&b, root, "subs", subs, 1, 1);
    msc_rep_nested(&b, root, "subs");
    msc_rep_nested(&b, root, "nope");

    sink k;
    memset(&k, 0, sizeof k);
    msc_rep_out out = {to_buf, &k, outbuf, 0, sizeof outbuf, MSC_OK};
    msc_rep_doc d = {root, NULL, "%.4f", 1.0};
    assert_int_equal(msc_rep_emit_table(&b, &d, &out), MSC_OK);
    assert_int_equal(msc_rep_flush(&out), MSC_OK);
    /* clang-format off */
    assert_string_equal(k.got.s,
        "== Demo ==\n"
        /* header: no column for the two without one */
        "Name  " " " "   N" "  " "P                 " "\n"
        "Alpha " " " "   5" "  " "[0.1000, 0.2000]  " " " "" "  " "g1   " "\n"
        /* cut to 6; NA for the interval; no group: no column */
        "Bet..." " " " 120" "  " "NA                " " " "(3 df)" "\n"
        /* ESC as '?'; a value wider than its column */
        "?Esc  " " " "   7" "  " "[0.0500, 0.5000]  " " " "" "  " "grp-long-name" "\n"
        "\n"
        "one     " " " "  1.50" "\n"
        "two     " " " "    NA" "\n"
        "! w1\n"
        "! w?2\n"
        "  " "Sub " "\n"
        "  " "A   " "\n"
        "  " "B   " "\n"
        "  ! A: x\n");
    /* clang-format on */
    msc_rep_buf_free(&k.got);
    msc_rep_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
