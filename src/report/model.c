/*
 * The report model's nodes and views (msc_rep.h): an arena that builders
 * allocate from and emitters rewind after each generated element, node
 * constructors, lookups by key and path, and the table's view items.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

#define CHUNK 16384

struct msc_rep_chunk {
    msc_rep_chunk *next;
    size_t size, used;
    max_align_t data[];
};

static msc_rep_chunk *chunk_new(size_t size)
{
    msc_rep_chunk *c = malloc(sizeof *c + size);
    if (c) {
        c->next = NULL;
        c->size = size;
        c->used = 0;
    }
    return c;
}

msc_status msc_rep_init(msc_rep *b)
{
    memset(b, 0, sizeof *b);
    b->first = b->cur = chunk_new(CHUNK);
    b->err = b->first ? MSC_OK : MSC_ERR_NOMEM;
    return b->err;
}

void msc_rep_release(msc_rep *b)
{
    for (msc_rep_chunk *c = b->first, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    b->first = b->cur = NULL;
}

/* Bump allocation; a request that does not fit moves on to the next chunk,
 * reusing the ones a rewind left behind when they are large enough. */
void *msc_rep_alloc(msc_rep *b, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (b->err || !b->cur)
        return NULL;
    msc_rep_chunk *c = b->cur;
    if (c->size - c->used < n) {
        msc_rep_chunk *next = c->next;
        if (!next || next->size < n) {
            next = chunk_new(n > CHUNK ? n : CHUNK);
            if (!next) {
                b->err = MSC_ERR_NOMEM;
                return NULL;
            }
            next->next = c->next; /* keep the rest for later reuse */
            c->next = next;
        }
        next->used = 0;
        b->cur = c = next;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

const char *msc_rep_printf(msc_rep *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? msc_rep_alloc(b, (size_t)n + 1) : NULL;
    if (!s)
        return "";
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

size_t msc_rep_footprint(const msc_rep *b)
{
    size_t n = 0;
    for (const msc_rep_chunk *c = b->first; c; c = c->next)
        n += sizeof *c + c->size;
    return n;
}

msc_rep_mark msc_rep_here(const msc_rep *b)
{
    msc_rep_mark m = {b->cur, b->cur ? b->cur->used : 0};
    return m;
}

void msc_rep_back(msc_rep *b, msc_rep_mark m)
{
    if (!m.chunk)
        return;
    b->cur = m.chunk;
    b->cur->used = m.used;
}

/* ------------------------------------------------------------- nodes */

void msc_rep_insert(msc_rep *b, msc_rep_node *parent, msc_rep_node *before, msc_rep_node *n)
{
    if (b->err || n == &b->scratch || parent == &b->scratch)
        return;
    assert(parent->type == MSC_REP_OBJECT || parent->type == MSC_REP_ARRAY);
    assert(!parent->v.c.fill); /* a generator's elements come from its fill */
    n->parent = parent;
    msc_rep_node **link = &parent->v.c.first;
    while (*link && *link != before)
        link = &(*link)->next;
    n->next = *link;
    *link = n;
    if (!n->next)
        parent->v.c.last = n;
}

static msc_rep_node *node(msc_rep *b, msc_rep_node *parent, const char *key, msc_rep_type t)
{
    msc_rep_node *n = msc_rep_alloc(b, sizeof *n);
    if (!n) {
        memset(&b->scratch, 0, sizeof b->scratch);
        return &b->scratch;
    }
    memset(n, 0, sizeof *n);
    n->type = (unsigned char)t;
    n->show = MSC_REP_ALL;
    n->key = key;
    if (parent) {
        /* append: the common case, without a walk */
        if (parent == &b->scratch)
            return n;
        n->parent = parent;
        if (parent->v.c.last)
            parent->v.c.last->next = n;
        else
            parent->v.c.first = n;
        parent->v.c.last = n;
    }
    return n;
}

msc_rep_node *msc_rep_object(msc_rep *b, msc_rep_node *parent, const char *key)
{
    return node(b, parent, key, MSC_REP_OBJECT);
}

msc_rep_node *msc_rep_array(msc_rep *b, msc_rep_node *parent, const char *key)
{
    return node(b, parent, key, MSC_REP_ARRAY);
}

msc_rep_node *msc_rep_generator(msc_rep *b, msc_rep_node *parent, const char *key, size_t count,
                                msc_rep_fill_fn fill, const void *ctx)
{
    msc_rep_node *n = node(b, parent, key, MSC_REP_ARRAY);
    n->v.c.count = count;
    n->v.c.fill = fill;
    n->v.c.ctx = ctx;
    return n;
}

msc_rep_node *msc_rep_null(msc_rep *b, msc_rep_node *parent, const char *key)
{
    return node(b, parent, key, MSC_REP_NULL);
}

msc_rep_node *msc_rep_bool(msc_rep *b, msc_rep_node *parent, const char *key, int v)
{
    msc_rep_node *n = node(b, parent, key, MSC_REP_BOOL);
    n->v.b = v != 0;
    return n;
}

msc_rep_node *msc_rep_text(msc_rep *b, msc_rep_node *parent, const char *key, const char *s)
{
    msc_rep_node *n = node(b, parent, key, s ? MSC_REP_TEXT : MSC_REP_NULL);
    n->v.text = s;
    return n;
}

msc_rep_node *msc_rep_int(msc_rep *b, msc_rep_node *parent, const char *key, long long v)
{
    msc_rep_node *n = node(b, parent, key, MSC_REP_INT);
    n->v.i = v;
    return n;
}

static msc_rep_node *real(msc_rep *b, msc_rep_node *parent, const char *key, msc_rep_type t,
                          double v, const char *fmt)
{
    msc_rep_node *n = node(b, parent, key, t);
    n->v.num = v;
    n->fmt = fmt;
    return n;
}

msc_rep_node *msc_rep_count(msc_rep *b, msc_rep_node *parent, const char *key, double v)
{
    return real(b, parent, key, MSC_REP_COUNT, v, NULL);
}

msc_rep_node *msc_rep_number(msc_rep *b, msc_rep_node *parent, const char *key, double v,
                             const char *fmt)
{
    return real(b, parent, key, MSC_REP_NUMBER, v, fmt);
}

msc_rep_node *msc_rep_proportion(msc_rep *b, msc_rep_node *parent, const char *key, double v)
{
    return real(b, parent, key, MSC_REP_PROPORTION, v, NULL);
}

msc_rep_node *msc_rep_percent(msc_rep *b, msc_rep_node *parent, const char *key, double v,
                              const char *fmt)
{
    return real(b, parent, key, MSC_REP_PERCENT, v, fmt);
}

msc_rep_node *msc_rep_pvalue(msc_rep *b, msc_rep_node *parent, const char *key, double v)
{
    return real(b, parent, key, MSC_REP_PVALUE, v, NULL);
}

msc_rep_node *msc_rep_ref(msc_rep *b, msc_rep_node *parent, const char *key,
                          const msc_rep_node *target)
{
    msc_rep_node *n = node(b, parent, key, MSC_REP_REF);
    n->show = MSC_REP_TABLE;
    n->v.ref = target;
    return n;
}

msc_rep_node *msc_rep_only(msc_rep_node *n, unsigned formats)
{
    if (!n)
        return n; /* a failed lookup after running out of memory */
    n->show = (unsigned char)formats;
    return n;
}

msc_rep_node *msc_rep_column(msc_rep_node *n, const char *col)
{
    if (!n)
        return n; /* a failed lookup after running out of memory */
    n->csv = col;
    return n;
}

msc_rep_node *msc_rep_flag(msc_rep_node *n, unsigned flags)
{
    if (!n)
        return n; /* a failed lookup after running out of memory */
    n->flags |= (unsigned short)flags;
    return n;
}

void msc_rep_iter_begin(msc_rep_iter *it, msc_rep *b, msc_rep_node *arr)
{
    memset(it, 0, sizeof *it);
    it->b = b;
    it->arr = arr && arr->type == MSC_REP_ARRAY ? arr : NULL;
}

msc_rep_node *msc_rep_iter_next(msc_rep_iter *it)
{
    msc_rep_node *arr = it->arr;
    if (!arr)
        return NULL;
    if (!arr->v.c.fill) {
        it->cur = it->cur ? it->cur->next : arr->v.c.first;
        return it->cur;
    }
    if (it->i > 0)
        msc_rep_back(it->b, it->mark); /* the previous element is done */
    if (it->i == arr->v.c.count || it->b->err)
        return NULL;
    it->mark = msc_rep_here(it->b);
    msc_rep_node *e = arr->v.c.fill(it->b, arr->v.c.ctx, it->i++);
    if (it->b->err || !e)
        return NULL;
    e->parent = arr;
    e->next = NULL;
    return it->cur = e;
}

/* ----------------------------------------------------------- lookups */

/* The node behind a reference (the model's nodes are the builder's, so
 * the const a reference holds them by is only a promise of the builder). */
static msc_rep_node *deref(const msc_rep_node *n)
{
    for (int hops = 0; n && n->type == MSC_REP_REF && hops < 8; hops++)
        n = n->v.ref;
    return (msc_rep_node *)n;
}

static msc_rep_node *member(const msc_rep_node *o, const char *key, size_t len, unsigned formats)
{
    if (!o || o->type != MSC_REP_OBJECT)
        return NULL;
    for (msc_rep_node *m = o->v.c.first; m; m = m->next)
        if ((m->show & formats) && m->key && m->key[0] == key[0] &&
            strncmp(m->key, key, len) == 0 && !m->key[len])
            return m;
    return NULL;
}

msc_rep_node *msc_rep_get(const msc_rep_node *o, const char *key, unsigned formats)
{
    return member(o, key, strlen(key), formats);
}

msc_rep_node *msc_rep_find(const msc_rep_node *ctx, const char *path, size_t len, unsigned formats)
{
    if (len == 1 && path[0] == '.')
        return deref(ctx);
    size_t seg = 0;
    while (seg < len && path[seg] != '.')
        seg++;
    msc_rep_node *n = NULL;
    for (const msc_rep_node *o = ctx; o && !n; o = o->parent)
        n = member(deref(o), path, seg, formats);
    n = deref(n);
    while (n && seg < len) {
        const char *p = path + seg + 1;
        size_t rest = len - seg - 1, s = 0;
        while (s < rest && p[s] != '.')
            s++;
        n = deref(member(n, p, s, formats));
        seg += 1 + s;
    }
    return n;
}

void msc_rep_each_source(msc_rep *b, const msc_rep_node *obj, const char *paths,
                         const msc_rep_item *it, const msc_status *err,
                         void (*fn)(void *ctx, const msc_rep_item *it, const msc_rep_node *n),
                         void *ctx)
{
    for (const char *p = paths; *p && !*err;) {
        size_t len = strcspn(p, ",");
        msc_rep_node *n = msc_rep_find(obj, p, len, MSC_REP_TABLE);
        if (n && n->type == MSC_REP_ARRAY) {
            msc_rep_iter iter;
            msc_rep_node *e;
            msc_rep_iter_begin(&iter, b, n);
            while ((e = msc_rep_iter_next(&iter)) && !*err)
                if (e->show & MSC_REP_TABLE)
                    fn(ctx, it, e);
        } else if (n && n->type == MSC_REP_OBJECT) {
            fn(ctx, it, n);
        }
        p += len + (p[len] == ',');
    }
}

/* ------------------------------------------------------------- views */

static msc_rep_item *item(msc_rep *b, msc_rep_node *obj, msc_rep_item_kind kind)
{
    msc_rep_item *it = obj && obj != &b->scratch ? msc_rep_alloc(b, sizeof *it) : NULL;
    if (!it)
        return NULL;
    assert(obj->type == MSC_REP_OBJECT);
    memset(it, 0, sizeof *it);
    it->kind = kind;
    if (obj->v.c.view_last)
        obj->v.c.view_last->next = it;
    else
        obj->v.c.view = it;
    obj->v.c.view_last = it;
    return it;
}

void msc_rep_line(msc_rep *b, msc_rep_node *obj, const char *tmpl)
{
    msc_rep_item *it = item(b, obj, MSC_REP_LINE);
    if (it)
        it->tmpl = tmpl;
}

void msc_rep_grid(msc_rep *b, msc_rep_node *obj, const char *sources, const msc_rep_col *cols,
                  size_t ncols, int header)
{
    msc_rep_col *copy = obj ? msc_rep_alloc(b, ncols * sizeof *copy) : NULL;
    msc_rep_item *it = copy ? item(b, obj, MSC_REP_GRID) : NULL;
    if (!it)
        return;
    memcpy(copy, cols, ncols * sizeof *copy);
    it->source = sources;
    it->cols = copy;
    it->ncols = ncols;
    it->header = header;
}

void msc_rep_each(msc_rep *b, msc_rep_node *obj, const char *path, const char *tmpl)
{
    msc_rep_item *it = item(b, obj, MSC_REP_EACH);
    if (it) {
        it->source = path;
        it->tmpl = tmpl;
    }
}

void msc_rep_nested(msc_rep *b, msc_rep_node *obj, const char *path)
{
    msc_rep_item *it = item(b, obj, MSC_REP_NESTED);
    if (it)
        it->source = path;
}

/* ------------------------------------------------------------ output */

void msc_rep_put(msc_rep_out *o, const char *s, size_t n)
{
    if (o->err)
        return;
    if (o->n + n > o->cap) {
        if (msc_rep_flush(o) != MSC_OK)
            return;
        if (n > o->cap) { /* larger than the buffer: straight through */
            o->err = o->fn(o->ctx, s, n);
            return;
        }
    }
    memcpy(o->buf + o->n, s, n);
    o->n += n;
}

void msc_rep_puts(msc_rep_out *o, const char *s) { msc_rep_put(o, s, strlen(s)); }

void msc_rep_putc(msc_rep_out *o, char c)
{
    if (o->n < o->cap)
        o->buf[o->n++] = c;
    else
        msc_rep_put(o, &c, 1);
}

msc_status msc_rep_flush(msc_rep_out *o)
{
    if (!o->err && o->n)
        o->err = o->fn(o->ctx, o->buf, o->n);
    o->n = 0;
    return o->err;
}

void msc_rep_buf_put(msc_rep_buf *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *ns = realloc(s->s, cap);
        if (!ns) {
            s->nomem = 1;
            return;
        }
        s->s = ns;
        s->cap = cap;
    }
    memcpy(s->s + s->len, p, n);
    s->len += n;
    s->s[s->len] = '\0';
}

msc_status msc_rep_buf_write(void *ctx, const char *buf, size_t len)
{
    msc_rep_buf *s = ctx;
    msc_rep_buf_put(s, buf, len);
    return s->nomem ? MSC_ERR_NOMEM : MSC_OK;
}

void msc_rep_buf_free(msc_rep_buf *s)
{
    free(s->s);
    memset(s, 0, sizeof *s);
}
