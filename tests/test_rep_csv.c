/*
 * The CSV emitter (src/report/emit_csv.c): the header, one line per row
 * object, cells placed by column name (own, then inherited), aliases,
 * formats that hide a cell, quoting and the formula guard. Expected text
 * written by hand.
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

static char outbuf[64]; /* small: the rows cross many flushes */

static msc_rep_node *study(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    msc_rep_node *s = msc_rep_flag(msc_rep_object(b, NULL, NULL), MSC_REP_ROW);
    msc_rep_only(msc_rep_text(b, s, "type", "study"), MSC_REP_CSV);
    msc_rep_text(b, s, "study", i == 0 ? "=cmd()" : "plain");
    msc_rep_text(b, s, "group", NULL);
    msc_rep_count(b, s, "n", (double)(10 + i));
    msc_rep_column(msc_rep_proportion(b, s, "proportion", i == 0 ? 0.5 : 0.1), "p");
    msc_rep_number(b, s, "yi", 1.0, NULL); /* not a column */
    return s;
}

static void test_rows(void **state)
{
    (void)state;
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_text(&b, root, "tool", "x"); /* not in a row: never written */
    msc_rep_node *outs = msc_rep_array(&b, root, "outcomes");
    msc_rep_node *o = msc_rep_object(&b, outs, NULL);
    msc_rep_flag(msc_rep_text(&b, o, "outcome", "resp"), MSC_REP_INHERIT);
    msc_rep_count(&b, o, "n", 5); /* not inherited: no flag */
    msc_rep_generator(&b, o, "studies", 2, study, NULL);
    msc_rep_node *ex = msc_rep_array(&b, o, "excluded");
    msc_rep_node *e = msc_rep_flag(msc_rep_object(&b, ex, NULL), MSC_REP_ROW);
    msc_rep_flag(msc_rep_only(msc_rep_text(&b, e, "type", "excluded"), MSC_REP_CSV), MSC_REP_BARE);
    msc_rep_text(&b, e, "study", "q\"x, y");
    msc_rep_bool(&b, e, "flag", 1);
    msc_rep_node *pooled = msc_rep_flag(msc_rep_object(&b, o, "pooled"), MSC_REP_ROW);
    msc_rep_flag(msc_rep_text(&b, pooled, "type", "pooled"), MSC_REP_BARE);
    msc_rep_only(msc_rep_count(&b, pooled, "n", 99), MSC_REP_JSON); /* hidden here */
    msc_rep_column(msc_rep_proportion(&b, pooled, "estimate", NAN), "p");
    msc_rep_bool(&b, pooled, "flag", 0);
    msc_rep_node *sub = msc_rep_object(&b, o, "subgroup");
    msc_rep_flag(msc_rep_text(&b, sub, "group", "g1"), MSC_REP_INHERIT);
    msc_rep_node *r1 = msc_rep_flag(msc_rep_object(&b, sub, "common"), MSC_REP_ROW);
    msc_rep_text(&b, r1, "type", "common");
    msc_rep_number(&b, r1, "p", 1e-7, NULL);
    msc_rep_node *r2 = msc_rep_flag(msc_rep_object(&b, sub, "own"), MSC_REP_ROW);
    msc_rep_text(&b, r2, "type", "-own");
    msc_rep_text(&b, r2, "group", "@mine"); /* its own value beats the inherited one */
    msc_rep_int(&b, r2, "n", -3);
    msc_rep_node *hidden = msc_rep_only(msc_rep_object(&b, o, "json"), MSC_REP_JSON);
    msc_rep_flag(hidden, MSC_REP_ROW); /* a row JSON alone shows: not written */
    msc_rep_text(&b, hidden, "type", "never");

    sink k;
    memset(&k, 0, sizeof k);
    msc_rep_out out = {to_buf, &k, outbuf, 0, sizeof outbuf, MSC_OK};
    msc_rep_doc d = {root, "outcome,type,group,study,n,p,flag", NULL, 1.0};
    assert_int_equal(msc_rep_emit_csv(&b, &d, &out), MSC_OK);
    assert_int_equal(msc_rep_flush(&out), MSC_OK);
    assert_string_equal(k.got.s, "outcome,type,group,study,n,p,flag\n"
                                 "\"resp\",\"study\",,\"'=cmd()\",10,0.5,\n"
                                 "\"resp\",\"study\",,\"plain\",11,0.1,\n"
                                 "\"resp\",excluded,,\"q\"\"x, y\",,,true\n"
                                 "\"resp\",pooled,,,,,false\n"
                                 "\"resp\",\"common\",\"g1\",,,1e-7,\n"
                                 "\"resp\",\"'-own\",\"'@mine\",,-3,,\n");
    msc_rep_buf_free(&k.got);
    msc_rep_release(&b);
}

static void test_encodings(void **state)
{
    (void)state;
    sink k;
    memset(&k, 0, sizeof k);
    msc_rep_out out = {to_buf, &k, outbuf, 0, sizeof outbuf, MSC_OK};
    msc_rep_csv_text(&out, "");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "+1");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\"\"");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "a\nb");
    msc_rep_putc(&out, '|');
    /* OWASP's list: tab and CR first, and the full-width = + - @ */
    msc_rep_csv_text(&out, "\t=1");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\r@x");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\xEF\xBC\x9D" "1+1");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\xEF\xBC\x8B" "\xEF\xBC\x8D" "\xEF\xBC\xA0");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\xEF\xBC\x8D");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\xEF\xBC\xA0" "x");
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, "\xEF\xBC\xA1" "x"); /* U+FF21, a full-width A: no guard */
    msc_rep_putc(&out, '|');
    msc_rep_csv_text(&out, " =1"); /* not first */
    msc_rep_putc(&out, '|');
    /* control characters as the table shows them: ESC, BEL, DEL, U+009B
     * (CSI) and U+0085; tab, LF, CR, U+00A0 and U+00E9 kept */
    msc_rep_csv_text(&out, "x\x1b[2J\x07\x7f\xC2\x9B\xC2\x85\"y\tz\n\r\xC2\xA0\xC3\xA9");
    msc_rep_putc(&out, '|');
    msc_rep_csv_number(&out, NAN);
    msc_rep_putc(&out, '|');
    msc_rep_csv_number(&out, -INFINITY);
    msc_rep_putc(&out, '|');
    msc_rep_csv_number(&out, 0.1);
    msc_rep_putc(&out, '|');
    msc_rep_csv_number(&out, -0.0);
    msc_rep_putc(&out, '|');
    msc_rep_csv_number(&out, 1e21);
    msc_rep_flush(&out);
    assert_string_equal(k.got.s, "\"\"|\"'+1\"|\"\"\"\"\"\"|\"a\nb\"|"
                                 "\"'\t=1\"|\"'\r@x\"|\"'\xEF\xBC\x9D" "1+1\"|"
                                 "\"'\xEF\xBC\x8B\xEF\xBC\x8D\xEF\xBC\xA0\"|"
                                 "\"'\xEF\xBC\x8D\"|\"'\xEF\xBC\xA0" "x\"|"
                                 "\"\xEF\xBC\xA1" "x\"|\" =1\"|"
                                 "\"x?[2J????\"\"y\tz\n\r\xC2\xA0\xC3\xA9\"||"
                                 "|0.1|-0|1e21");
    msc_rep_buf_free(&k.got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
