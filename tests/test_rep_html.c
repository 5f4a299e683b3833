/*
 * The HTML and Markdown emitters (src/report/emit_html.c) and their one
 * escaping function, msc_rep_html_text: hostile labels (<script>, an
 * attribute breakout, a right-to-left override, control characters,
 * Markdown's own characters) come out as text; a grid becomes a <table>
 * (a pipe table), a "== x ==" line a heading. Expected text written by
 * hand from the HTML and CommonMark rules.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

static msc_status to_buf(void *ctx, const char *buf, size_t len)
{
    msc_rep_buf_put(ctx, buf, len);
    return MSC_OK;
}

/* s through msc_rep_html_text, as a string (free it). */
static char *escaped(const char *s, size_t n, int md)
{
    msc_rep_buf got = {0};
    char buf[8]; /* smaller than the output: flushes on the way */
    msc_rep_out o = {to_buf, &got, buf, 0, sizeof buf, MSC_OK};
    msc_rep_html_text(&o, s, n, md);
    assert_int_equal(msc_rep_flush(&o), MSC_OK);
    msc_rep_buf_put(&got, "", 0);
    return got.s;
}

#define ESC(in, md, want)                                                                          \
    do {                                                                                           \
        char *g = escaped(in, sizeof in - 1, md);                                                  \
        assert_string_equal(g, want);                                                              \
        free(g);                                                                                   \
    } while (0)

static void test_escape(void **state)
{
    (void)state;
    ESC("", 0, "");
    ESC("Smith 2001", 0, "Smith 2001");
    ESC("<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;");
    ESC("\"><img src=x onerror=alert(2)>", 0, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    ESC("O'Brien & Co", 0, "O&#39;Brien &amp; Co");
    ESC("&amp;", 0, "&amp;amp;");
    /* U+202E (right-to-left override), U+2066 (isolate), U+200F, U+061C */
    ESC("evil\xE2\x80\xAEgnp.exe", 0, "evil[U+202E]gnp.exe");
    ESC("a\xE2\x81\xA6"
        "b\xE2\x80\x8F"
        "c\xD8\x9C",
        0, "a[U+2066]b[U+200F]c[U+061C]");
    /* other characters of those ranges are kept: U+2013, U+2026, U+2069's neighbour U+206A */
    ESC("a\xE2\x80\x93"
        "b\xE2\x80\xA6"
        "c\xE2\x81\xAA",
        0,
        "a\xE2\x80\x93"
        "b\xE2\x80\xA6"
        "c\xE2\x81\xAA");
    /* control characters (ESC, BEL, DEL, C1 NEL) as '?' */
    ESC("\x1b[2J\x07"
        "x\x7f\xC2\x85"
        "y",
        0, "?[2J?x??y");
    /* non-ASCII text as it is */
    ESC("\xC3\x81lvaro-Garc\xC3\xAD"
        "a",
        0,
        "\xC3\x81lvaro-Garc\xC3\xAD"
        "a");
    /* Markdown: its characters escaped too, HTML's as entities */
    ESC("`a` *b* _c_ [d](e) | f # g ~h \\", 1,
        "\\`a\\` \\*b\\* \\_c\\_ \\[d\\](e) \\| f \\# g \\~h \\\\");
    ESC("<b>", 1, "&lt;b&gt;");
    /* n bytes, not the string's end; a cut sequence at the end is not read past */
    ESC("ab\xE2\x80", 0, "ab\xE2\x80");
    char *g = escaped("<b>rest", 3, 0);
    assert_string_equal(g, "&lt;b&gt;");
    free(g);
}

static msc_rep_node *row(msc_rep *b, const void *ctx, size_t i)
{
    (void)ctx;
    static const char *const name[] = {"<script>x</script>", "Beta | \xE2\x80\xAE"};
    msc_rep_node *r = msc_rep_object(b, NULL, NULL);
    msc_rep_text(b, r, "name", name[i]);
    msc_rep_count(b, r, "n", i ? 120 : 5);
    msc_rep_proportion(b, r, "p", i ? 0.25 : 0.5);
    return r;
}

static char *emit(int md)
{
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_text(&b, root, "title", "a<b>");
    msc_rep_generator(&b, root, "rows", 2, row, NULL);
    static const msc_rep_col cols[] = {
        {"", "Study", "{name:.6}", 12, 0}, /* the table cuts it; a page shows it whole */
        {" ", "N", "{n}", 4, MSC_REP_RIGHT},
        {"  ", "Prop.", "{p}", 6, 0},
    };
    msc_rep_line(&b, root, "\n== {title} ==");
    msc_rep_line(&b, root, "");
    msc_rep_grid(&b, root, "rows", cols, 3, 1);
    msc_rep_each(&b, root, "rows", "  ! {name}");
    msc_rep_buf got = {0};
    char buf[64];
    msc_rep_out out = {to_buf, &got, buf, 0, sizeof buf, MSC_OK};
    msc_rep_doc d = {root, NULL, "%.4f", 1.0};
    assert_int_equal(md ? msc_rep_emit_md(&b, &d, &out) : msc_rep_emit_html(&b, &d, &out), MSC_OK);
    assert_int_equal(msc_rep_flush(&out), MSC_OK);
    msc_rep_release(&b);
    return got.s;
}

static void test_html(void **state)
{
    (void)state;
    char *g = emit(0);
    /* clang-format off */
    assert_string_equal(g,
        "<div class=\"report\">\n"
        "<h3>a&lt;b&gt;</h3>\n"
        "<table>\n"
        "<thead><tr><th>Study</th><th class=\"r\">N</th><th>Prop.</th></tr></thead>\n"
        "<tbody>\n"
        "<tr><td>&lt;script&gt;x&lt;/script&gt;</td><td class=\"r\">5</td><td>0.5000</td></tr>\n"
        "<tr><td>Beta | [U+202E]</td><td class=\"r\">120</td><td>0.2500</td></tr>\n"
        "</tbody>\n"
        "</table>\n"
        "<p>! &lt;script&gt;x&lt;/script&gt;</p>\n"
        "<p>! Beta | [U+202E]</p>\n"
        "</div>\n");
    /* clang-format on */
    free(g);
}

static void test_md(void **state)
{
    (void)state;
    char *g = emit(1);
    /* clang-format off */
    assert_string_equal(g,
        "\n### a&lt;b&gt;\n\n"
        "\n| Study | N | Prop. |\n"
        "|---|---:|---|\n"
        "| &lt;script&gt;x&lt;/script&gt; | 5 | 0.5000 |\n"
        "| Beta \\| [U+202E] | 120 | 0.2500 |\n"
        "\n"
        "! &lt;script&gt;x&lt;/script&gt;  \n"
        "! Beta \\| [U+202E]  \n"
        "\n");
    /* clang-format on */
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_md),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
