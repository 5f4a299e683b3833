/*
 * The JSON emitter: writes a report model as one compact JSON document,
 * streaming generated arrays one element at a time, so that memory stays
 * O(1) beyond the analysis however many studies there are.
 *
 * Reals are the shortest decimal that reads back as the same double
 * (emit_number.c: 0.95, not jansson's %.17g 0.94999999999999996), with
 * ".0" when they look like integers and exponents without '+' or leading
 * zeros, as jansson writes them; strings are encoded by jansson itself
 * (text that needs no escaping, such as member names, is written as it
 * is). The elements of
 * arrays marked MSC_REP_NL_ITEMS start on a new line, and the document
 * ends with a newline.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "msc_rep.h"

size_t msc_rep_json_real(char *buf, double v)
{
    size_t len = msc_rep_number_text(buf, v);
    if (!memchr(buf, '.', len) && !memchr(buf, 'e', len)) {
        memcpy(buf + len, ".0", 3); /* still a real when read back */
        len += 2;
    }
    return len;
}

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = msc_utf8_seq((const unsigned char *)s + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* Whether s needs no escaping: printable ASCII without '"' or '\' (keys,
 * keywords, most numbers as text). */
static int plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}

/* jansson's encoding of a string, with the C1 control characters U+0080
 * to U+009F (a Latin-1 file's bytes 0x80-0x9F) as \u0080 ... \u009f:
 * jansson escapes only C0, and a terminal may act on C1 (U+009B is CSI).
 * In UTF-8 they are C2 80 ... C2 9F, and C2 only ever starts a sequence. */
static void put_c1_escaped(msc_rep_out *o, const char *buf, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char c = (unsigned char)buf[i], d = (unsigned char)buf[i + 1];
        if (c == 0xC2 && d >= 0x80 && d < 0xA0) {
            char esc[8];
            msc_rep_put(o, buf + run, i - run);
            snprintf(esc, sizeof esc, "\\u%04x", d);
            msc_rep_put(o, esc, 6);
            run = i + 2;
            i++;
        }
    }
    msc_rep_put(o, buf + run, n - run);
}

/* s (valid UTF-8) as a JSON string, encoded by jansson. */
static void encoded(msc_rep_out *o, const char *s, size_t n)
{
    json_t *j = json_stringn_nocheck(s, n);
    char stack[512], *buf = stack;
    size_t need = j ? json_dumpb(j, stack, sizeof stack, JSON_ENCODE_ANY) : 0;
    if (need > sizeof stack) {
        buf = malloc(need);
        if (buf)
            need = json_dumpb(j, buf, need, JSON_ENCODE_ANY);
    }
    if (j && buf && need > 0)
        put_c1_escaped(o, buf, need);
    else
        msc_rep_puts(o, "null"); /* out of memory, as jansson's writer did */
    if (buf != stack)
        free(buf);
    json_decref(j);
}

void msc_rep_json_string(msc_rep_out *o, const char *s)
{
    size_t n = strlen(s);
    if (plain(s, n)) {
        msc_rep_putc(o, '"');
        msc_rep_put(o, s, n);
        msc_rep_putc(o, '"');
        return;
    }
    if (valid_utf8(s, n)) {
        encoded(o, s, n);
        return;
    }
    int fixed; /* a file name from the command line may be any bytes */
    char *c = msc_utf8_clean(s, n, &fixed);
    if (c)
        encoded(o, c, strlen(c));
    else
        msc_rep_puts(o, "null"); /* as jansson's writer did without memory */
    free(c);
}

typedef struct {
    msc_rep *b;
    msc_rep_out *out;
} jw;

static void node(jw *w, msc_rep_node *n);

static void real(jw *w, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        msc_rep_put(w->out, "null", 4);
        return;
    }
    msc_rep_put(w->out, buf, msc_rep_json_real(buf, v));
}

static void integer(jw *w, long long v)
{
    char buf[32];
    msc_rep_put(w->out, buf, msc_rep_int_text(buf, v));
}

static void object(jw *w, msc_rep_node *o)
{
    int first = 1;
    msc_rep_putc(w->out, '{');
    for (msc_rep_node *m = o->v.c.first; m && !w->out->err; m = m->next) {
        if (!(m->show & MSC_REP_JSON))
            continue;
        if (!first)
            msc_rep_putc(w->out, ',');
        first = 0;
        msc_rep_json_string(w->out, m->key);
        msc_rep_putc(w->out, ':');
        node(w, m);
    }
    msc_rep_putc(w->out, '}');
}

static void array(jw *w, msc_rep_node *a)
{
    msc_rep_iter it;
    msc_rep_node *e;
    int first = 1;
    msc_rep_putc(w->out, '[');
    msc_rep_iter_begin(&it, w->b, a);
    while ((e = msc_rep_iter_next(&it)) && !w->out->err) {
        if (!(e->show & MSC_REP_JSON))
            continue;
        if (!first)
            msc_rep_putc(w->out, ',');
        if (a->flags & MSC_REP_NL_ITEMS)
            msc_rep_putc(w->out, '\n');
        first = 0;
        node(w, e);
    }
    if (a->flags & MSC_REP_NL_CLOSE)
        msc_rep_putc(w->out, '\n');
    msc_rep_putc(w->out, ']');
}

static void node(jw *w, msc_rep_node *n)
{
    switch (n->type) {
    case MSC_REP_BOOL:
        msc_rep_puts(w->out, n->v.b ? "true" : "false");
        break;
    case MSC_REP_TEXT:
        msc_rep_json_string(w->out, n->v.text);
        break;
    case MSC_REP_INT:
        integer(w, n->v.i);
        break;
    case MSC_REP_COUNT: /* an integer, as counts were written */
        if (isfinite(n->v.num))
            integer(w, (long long)n->v.num);
        else
            msc_rep_put(w->out, "null", 4);
        break;
    case MSC_REP_NUMBER:
    case MSC_REP_PROPORTION:
    case MSC_REP_PERCENT:
    case MSC_REP_PVALUE:
        real(w, n->v.num);
        break;
    case MSC_REP_OBJECT:
        object(w, n);
        break;
    case MSC_REP_ARRAY:
        array(w, n);
        break;
    default: /* NULL; a reference is the table's and never shown here */
        msc_rep_put(w->out, "null", 4);
    }
}

msc_status msc_rep_emit_json(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    jw w = {b, out};
    node(&w, d->root);
    msc_rep_putc(out, '\n');
    return b->err ? b->err : out->err;
}
