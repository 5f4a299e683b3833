/*
 * The CSV emitter: the document's header line, then one line per object
 * marked MSC_REP_ROW, in document order. A row's cells are its own values
 * and the MSC_REP_INHERIT values of the objects around it (the outcome's
 * name, a subgroup's), each under the column its name (node->csv, else its
 * key) gives; columns without a value stay empty. Text is quoted per RFC
 * 4180, control characters but tab, LF and CR become '?' (as in the
 * table), and text a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR or a full-width =, +, -, @ first) gets an apostrophe in front;
 * numbers are the shortest decimal that reads back as the same double
 * (emit_number.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

/* Whether a spreadsheet could read text s as a formula: it starts with one
 * of the characters OWASP's CSV injection page lists (=, +, -, @, tab,
 * carriage return) or their full-width forms (U+FF1D, U+FF0B, U+FF0D,
 * U+FF20), which some spreadsheets take for them. */
static int formula_like(const char *s)
{
    static const char first[] = "=+-@\t\r";
    if (s[0] && strchr(first, s[0]))
        return 1;
    const unsigned char *u = (const unsigned char *)s;
    return u[0] == 0xEF && u[1] == 0xBC &&
           (u[2] == 0x9D || u[2] == 0x8B || u[2] == 0x8D || u[2] == 0xA0);
}

/* The bytes of a control character at s other than tab, line feed and
 * carriage return (which a quoted field may hold): C0, DEL, and C1
 * (U+0080-U+009F, C2 80 ... C2 9F in UTF-8); 0 for anything else. */
static size_t control_len(const unsigned char *s)
{
    if ((*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') || *s == 0x7f)
        return 1;
    return s[0] == 0xC2 && s[1] >= 0x80 && s[1] < 0xA0 ? 2 : 0;
}

void msc_rep_csv_text(msc_rep_out *o, const char *s)
{
    msc_rep_putc(o, '"');
    if (formula_like(s))
        msc_rep_putc(o, '\''); /* CSV injection guard */
    for (const char *run = s;; s++) {
        size_t c = *s ? control_len((const unsigned char *)s) : 0;
        if (*s == '"' || !*s || c) {
            /* the text so far; a quote doubled; a control character as the
             * table shows it, '?': a CSV printed to a terminal must not
             * move its cursor or retitle it */
            msc_rep_put(o, run, (size_t)(s - run + (*s == '"')));
            if (!*s)
                break;
            if (c) {
                msc_rep_putc(o, '?');
                s += c - 1;
                run = s + 1;
            } else {
                run = s;
            }
        }
    }
    msc_rep_putc(o, '"');
}

void msc_rep_csv_number(msc_rep_out *o, double v)
{
    char buf[32];
    if (isfinite(v))
        msc_rep_put(o, buf, msc_rep_number_text(buf, v));
}

#define CACHE 64 /* the column of a key, by the key's address (keys are mostly literals) */

typedef struct {
    msc_rep *b;
    msc_rep_out *out;
    const char **col; /* column names */
    size_t ncol;
    const msc_rep_node **cell;
    struct {
        const char *key;
        long col;
    } cache[CACHE];
} cw;

static long column(cw *w, const char *name)
{
    size_t h = ((uintptr_t)name >> 4) % CACHE;
    long c = w->cache[h].col;
    if (w->cache[h].key == name && c >= 0 && strcmp(w->col[c], name) == 0)
        return c; /* checked: an arena string may reuse an address */
    long j = -1;
    for (size_t i = 0; i < w->ncol && j < 0; i++)
        if (strcmp(w->col[i], name) == 0)
            j = (long)i;
    w->cache[h].key = name;
    w->cache[h].col = j;
    return j;
}

/* Places the values of object o (all of them, or only the inherited ones)
 * in the row's empty cells. */
static void place(cw *w, const msc_rep_node *o, unsigned need)
{
    for (const msc_rep_node *m = o->v.c.first; m; m = m->next) {
        if (!(m->show & MSC_REP_CSV) || (m->flags & need) != need || m->type >= MSC_REP_OBJECT)
            continue;
        long j = column(w, m->csv ? m->csv : m->key);
        if (j >= 0 && !w->cell[j])
            w->cell[j] = m;
    }
}

static void cell(cw *w, const msc_rep_node *n)
{
    switch (n->type) {
    case MSC_REP_TEXT:
        if (n->flags & MSC_REP_BARE)
            msc_rep_puts(w->out, n->v.text);
        else
            msc_rep_csv_text(w->out, n->v.text);
        break;
    case MSC_REP_BOOL:
        msc_rep_puts(w->out, n->v.b ? "true" : "false");
        break;
    case MSC_REP_INT: {
        char buf[32];
        msc_rep_put(w->out, buf, msc_rep_int_text(buf, n->v.i));
        break;
    }
    case MSC_REP_NULL:
        break;
    default:
        msc_rep_csv_number(w->out, n->v.num);
    }
}

static void row(cw *w, const msc_rep_node *o)
{
    memset(w->cell, 0, w->ncol * sizeof *w->cell);
    place(w, o, 0);
    for (const msc_rep_node *p = o->parent; p; p = p->parent)
        if (p->type == MSC_REP_OBJECT)
            place(w, p, MSC_REP_INHERIT);
    for (size_t j = 0; j < w->ncol; j++) {
        if (j)
            msc_rep_putc(w->out, ',');
        if (w->cell[j])
            cell(w, w->cell[j]);
    }
    msc_rep_putc(w->out, '\n');
}

static void walk(cw *w, msc_rep_node *n)
{
    if (!(n->show & MSC_REP_CSV) || w->out->err)
        return;
    if (n->type == MSC_REP_OBJECT) {
        if (n->flags & MSC_REP_ROW)
            row(w, n);
        for (msc_rep_node *m = n->v.c.first; m; m = m->next)
            if (m->type == MSC_REP_OBJECT || m->type == MSC_REP_ARRAY)
                walk(w, m);
    } else if (n->type == MSC_REP_ARRAY) {
        msc_rep_iter it;
        msc_rep_node *e;
        msc_rep_iter_begin(&it, w->b, n);
        while ((e = msc_rep_iter_next(&it)) && !w->out->err)
            walk(w, e);
    }
}

static msc_status emit(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out, int header)
{
    cw w;
    memset(&w, 0, sizeof w);
    w.b = b;
    w.out = out;
    const char *h = d->csv_columns ? d->csv_columns : "";
    size_t n = 1;
    for (const char *p = h; *p; p++)
        n += *p == ',';
    /* the names, split in the arena */
    char *names = msc_rep_alloc(b, strlen(h) + 1);
    w.col = msc_rep_alloc(b, n * sizeof *w.col);
    w.cell = msc_rep_alloc(b, n * sizeof *w.cell);
    if (!names || !w.col || !w.cell)
        return b->err;
    strcpy(names, h);
    for (char *p = names, *q;; p = q + 1) {
        w.col[w.ncol++] = p;
        if (!(q = strchr(p, ',')))
            break;
        *q = '\0';
    }
    if (header) {
        msc_rep_puts(out, h);
        msc_rep_putc(out, '\n');
    }
    walk(&w, d->root);
    return b->err ? b->err : out->err;
}

msc_status msc_rep_emit_csv(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    return emit(b, d, out, 1);
}

msc_status msc_rep_emit_csv_rows(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    return emit(b, d, out, 0);
}
