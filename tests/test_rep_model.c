/*
 * The report model (src/report/model.c): the arena and its rewinds, node
 * constructors, lookups by key and by template path, generated arrays and
 * the buffered output.
 */
#include "test_util.h"

#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

/* Rewinding to a mark releases what came after it, and the space is used
 * again: a million generated elements need no more chunks than one. */
static void test_arena_rewind(void **state)
{
    (void)state;
    msc_rep b;
    assert_int_equal(msc_rep_init(&b), MSC_OK);
    char *keep = msc_rep_alloc(&b, 10);
    strcpy(keep, "kept");
    msc_rep_mark m = msc_rep_here(&b);
    char *first = msc_rep_alloc(&b, 100);
    msc_rep_back(&b, m);
    assert_ptr_equal(msc_rep_alloc(&b, 100), first);
    msc_rep_back(&b, m);
    /* more than a chunk at a time, then back: the chunks stay for reuse */
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 50; i++)
            assert_non_null(msc_rep_alloc(&b, 1000));
        msc_rep_back(&b, m);
    }
    assert_true(msc_rep_footprint(&b) < 5 * 16500); /* 50 kB in 16 kB chunks, and the first */
    assert_string_equal(keep, "kept");
    /* one request larger than a chunk */
    char *big = msc_rep_alloc(&b, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_int_equal(b.err, MSC_OK);
    assert_string_equal(msc_rep_printf(&b, "%d%% CI", 95), "95% CI");
    msc_rep_release(&b);
}

static void test_nodes_and_lookup(void **state)
{
    (void)state;
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_text(&b, root, "name", "all");
    msc_rep_node *st = msc_rep_object(&b, root, "settings");
    msc_rep_int(&b, st, "level_pct", 95);
    msc_rep_node *o = msc_rep_object(&b, root, "outcome");
    msc_rep_node *common = msc_rep_object(&b, o, "common");
    msc_rep_proportion(&b, common, "estimate", 0.25);
    msc_rep_null(&b, o, "random");
    msc_rep_only(msc_rep_text(&b, o, "label", "table only"), MSC_REP_TABLE);
    msc_rep_text(&b, o, "nothing", NULL);
    msc_rep_ref(&b, o, "main", common);

    /* member order is insertion order */
    const char *order[] = {"common", "random", "label", "nothing", "main"};
    size_t i = 0;
    for (msc_rep_node *m = o->v.c.first; m; m = m->next, i++)
        assert_string_equal(m->key, order[i]);
    assert_int_equal(i, 5);
    assert_int_equal(msc_rep_get(o, "nothing", MSC_REP_ALL)->type, MSC_REP_NULL);

    /* visibility: a table-only member is not there for JSON */
    assert_non_null(msc_rep_get(o, "label", MSC_REP_TABLE));
    assert_null(msc_rep_get(o, "label", MSC_REP_JSON));
    assert_null(msc_rep_get(o, "main", MSC_REP_JSON)); /* references are the table's */

    /* paths: own members, then the ancestors' (nearest first), then members */
    assert_ptr_equal(msc_rep_find(common, "estimate", 8, MSC_REP_TABLE),
                     msc_rep_get(common, "estimate", MSC_REP_ALL));
    assert_int_equal(msc_rep_find(common, "settings.level_pct", 18, MSC_REP_TABLE)->v.i, 95);
    assert_string_equal(msc_rep_find(common, "name", 4, MSC_REP_TABLE)->v.text, "all");
    assert_ptr_equal(msc_rep_find(o, "main.estimate", 13, MSC_REP_TABLE),
                     msc_rep_get(common, "estimate", MSC_REP_ALL));
    assert_ptr_equal(msc_rep_find(o, ".", 1, MSC_REP_TABLE), o);
    assert_null(msc_rep_find(o, "settings.nope", 13, MSC_REP_TABLE));
    assert_null(msc_rep_find(o, "common.estimate.x", 17, MSC_REP_TABLE));
    /* a length shorter than the string: only that much of the path counts */
    assert_string_equal(msc_rep_find(o, "name}", 4, MSC_REP_TABLE)->v.text, "all");

    /* insert before a member; a shadowing member closer to the context wins */
    msc_rep_node *first = msc_rep_text(&b, NULL, "name", "outcome's");
    msc_rep_insert(&b, o, o->v.c.first, first);
    assert_ptr_equal(o->v.c.first, first);
    assert_ptr_equal(first->parent, o);
    assert_string_equal(msc_rep_find(common, "name", 4, MSC_REP_TABLE)->v.text, "outcome's");
    msc_rep_node *last = msc_rep_int(&b, NULL, "last", 1);
    msc_rep_insert(&b, o, NULL, last);
    assert_ptr_equal(o->v.c.last, last);

    /* setters */
    msc_rep_node *n =
        msc_rep_flag(msc_rep_column(msc_rep_count(&b, o, "x", 3), "events"), MSC_REP_INHERIT);
    assert_string_equal(n->csv, "events");
    assert_int_equal(n->flags, MSC_REP_INHERIT);
    assert_int_equal(b.err, MSC_OK);
    msc_rep_release(&b);
}

static msc_rep_node *square(msc_rep *b, const void *ctx, size_t i)
{
    const int *calls = ctx;
    (void)calls;
    msc_rep_node *e = msc_rep_object(b, NULL, NULL);
    msc_rep_int(b, e, "i", (long long)i);
    msc_rep_int(b, e, "sq", (long long)(i * i));
    return e;
}

/* A generator builds each element when asked, hangs it under the array
 * (for lookups), and releases it before the next. */
static void test_iterate(void **state)
{
    (void)state;
    msc_rep b;
    msc_rep_init(&b);
    msc_rep_node *root = msc_rep_object(&b, NULL, NULL);
    msc_rep_text(&b, root, "who", "root");
    msc_rep_node *gen = msc_rep_generator(&b, root, "squares", 100000, square, NULL);
    msc_rep_node *arr = msc_rep_array(&b, root, "list");
    msc_rep_int(&b, arr, NULL, 7);
    msc_rep_int(&b, arr, NULL, 8);

    msc_rep_iter it;
    msc_rep_node *e;
    size_t n = 0;
    msc_rep_mark before = msc_rep_here(&b);
    msc_rep_iter_begin(&it, &b, gen);
    while ((e = msc_rep_iter_next(&it))) {
        assert_ptr_equal(e->parent, gen);
        assert_int_equal(msc_rep_get(e, "sq", MSC_REP_ALL)->v.i, (long long)(n * n));
        assert_string_equal(msc_rep_find(e, "who", 3, MSC_REP_TABLE)->v.text, "root");
        n++;
    }
    assert_int_equal(n, 100000);
    msc_rep_mark after = msc_rep_here(&b);
    assert_ptr_equal(after.chunk, before.chunk); /* all released */
    assert_int_equal(after.used, before.used);

    long long sum = 0;
    msc_rep_iter_begin(&it, &b, arr);
    while ((e = msc_rep_iter_next(&it)))
        sum += e->v.i;
    assert_int_equal(sum, 15);
    msc_rep_iter_begin(&it, &b, root); /* not an array: nothing */
    assert_null(msc_rep_iter_next(&it));
    msc_rep_release(&b);
}

typedef struct {
    msc_rep_buf got;
    int calls, fail_at;
} sink;

static msc_status to_sink(void *ctx, const char *buf, size_t len)
{
    sink *s = ctx;
    if (++s->calls == s->fail_at)
        return MSC_ERR_IO;
    msc_rep_buf_put(&s->got, buf, len);
    return MSC_OK;
}

/* The output buffers, hands pieces over in order, passes writes larger
 * than its buffer straight through, and stops at the first failure. */
static void test_output(void **state)
{
    (void)state;
    sink s;
    memset(&s, 0, sizeof s);
    char buf[8];
    msc_rep_out o = {to_sink, &s, buf, 0, sizeof buf, MSC_OK};
    msc_rep_puts(&o, "abc");
    msc_rep_putc(&o, 'd');
    assert_int_equal(s.calls, 0);
    msc_rep_puts(&o, "efghij"); /* over 8: flush "abcd", keep "efghij" */
    assert_int_equal(s.calls, 1);
    msc_rep_puts(&o, "0123456789ABCDEF"); /* larger than the buffer */
    msc_rep_putc(&o, '!');
    assert_int_equal(msc_rep_flush(&o), MSC_OK);
    assert_string_equal(s.got.s, "abcdefghij0123456789ABCDEF!");
    msc_rep_buf_free(&s.got);

    memset(&s, 0, sizeof s);
    s.fail_at = 2;
    msc_rep_out f = {to_sink, &s, buf, 0, sizeof buf, MSC_OK};
    msc_rep_puts(&f, "12345678");
    msc_rep_puts(&f, "x"); /* first flush: fine */
    msc_rep_puts(&f, "12345678");
    assert_int_equal(f.err, MSC_ERR_IO); /* second: fails */
    msc_rep_puts(&f, "more");
    assert_int_equal(msc_rep_flush(&f), MSC_ERR_IO);
    assert_int_equal(s.calls, 2); /* nothing after the failure */
    assert_string_equal(s.got.s, "12345678");
    msc_rep_buf_free(&s.got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_rewind),
        cmocka_unit_test(test_nodes_and_lookup),
        cmocka_unit_test(test_iterate),
        cmocka_unit_test(test_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
