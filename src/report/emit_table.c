/*
 * The table emitter: the readable report. It renders the root's view (see
 * msc_rep_item): template lines, grids whose columns are padded to their
 * width, one line per element of an array, and the views of nested
 * objects. Arrays may be walked more than once (a grid of subgroups, then
 * their warnings): generators build the same elements each time.
 */
#include <string.h>

#include "msc_rep.h"

typedef struct {
    msc_rep *b;
    msc_rep_out *out;
    const msc_rep_doc *doc;
    msc_rep_buf buf;
} tw;

static void view(tw *w, const msc_rep_node *obj);

static void spaces(tw *w, size_t n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        msc_rep_put(w->out, sp, k);
        n -= k;
    }
}

/* buf's text padded to `width` display characters. */
static void padded(tw *w, int width, int right)
{
    size_t shown = msc_rep_width(w->buf.s ? w->buf.s : "", w->buf.len);
    size_t pad = width > 0 && (size_t)width > shown ? (size_t)width - shown : 0;
    if (right)
        spaces(w, pad);
    msc_rep_put(w->out, w->buf.s ? w->buf.s : "", w->buf.len);
    if (!right)
        spaces(w, pad);
}

static int render(tw *w, const char *tmpl, const msc_rep_node *ctx)
{
    w->buf.len = 0;
    return msc_rep_render(&w->buf, tmpl, ctx, w->doc);
}

static void line(tw *w, const char *tmpl, const msc_rep_node *ctx)
{
    render(w, tmpl, ctx);
    msc_rep_put(w->out, w->buf.s ? w->buf.s : "", w->buf.len);
    msc_rep_putc(w->out, '\n');
}

static void grid_header(tw *w, const msc_rep_item *it)
{
    for (size_t j = 0; j < it->ncols; j++) {
        const msc_rep_col *c = &it->cols[j];
        if (!c->head)
            continue;
        msc_rep_puts(w->out, c->sep);
        w->buf.len = 0;
        msc_rep_safe_text(&w->buf, c->head, 0);
        padded(w, c->width, c->flags & MSC_REP_RIGHT);
    }
    msc_rep_putc(w->out, '\n');
}

static void grid_row(tw *w, const msc_rep_item *it, const msc_rep_node *row)
{
    for (size_t j = 0; j < it->ncols; j++) {
        const msc_rep_col *c = &it->cols[j];
        if (render(w, c->cell, row) && (c->flags & MSC_REP_OPTIONAL))
            continue;
        msc_rep_puts(w->out, c->sep);
        padded(w, c->width, c->flags & MSC_REP_RIGHT);
    }
    msc_rep_putc(w->out, '\n');
}

/* Calls fn for the node at each comma-separated path of `paths`: for each
 * element when it is an array, for itself when it is an object. */
static void each(tw *w, const msc_rep_node *obj, const char *paths,
                 void (*fn)(tw *, const msc_rep_item *, const msc_rep_node *),
                 const msc_rep_item *it)
{
    for (const char *p = paths; *p && !w->out->err;) {
        size_t len = strcspn(p, ",");
        msc_rep_node *n = msc_rep_find(obj, p, len, MSC_REP_TABLE);
        if (n && n->type == MSC_REP_ARRAY) {
            msc_rep_iter iter;
            msc_rep_node *e;
            msc_rep_iter_begin(&iter, w->b, n);
            while ((e = msc_rep_iter_next(&iter)) && !w->out->err)
                if (e->show & MSC_REP_TABLE)
                    fn(w, it, e);
        } else if (n && n->type == MSC_REP_OBJECT) {
            fn(w, it, n);
        }
        p += len + (p[len] == ',');
    }
}

static void each_line(tw *w, const msc_rep_item *it, const msc_rep_node *e)
{
    line(w, it->tmpl, e);
}

static void each_view(tw *w, const msc_rep_item *it, const msc_rep_node *e)
{
    (void)it;
    view(w, e);
}

static void view(tw *w, const msc_rep_node *obj)
{
    if (obj->type != MSC_REP_OBJECT)
        return;
    for (const msc_rep_item *it = obj->v.c.view; it && !w->out->err; it = it->next) {
        switch (it->kind) {
        case MSC_REP_LINE:
            line(w, it->tmpl, obj);
            break;
        case MSC_REP_GRID:
            if (it->header)
                grid_header(w, it);
            each(w, obj, it->source, grid_row, it);
            break;
        case MSC_REP_EACH:
            each(w, obj, it->source, each_line, it);
            break;
        case MSC_REP_NESTED:
            each(w, obj, it->source, each_view, it);
            break;
        }
    }
}

msc_status msc_rep_emit_table(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    tw w = {b, out, d, {0}};
    view(&w, d->root);
    int nomem = w.buf.nomem;
    msc_rep_buf_free(&w.buf);
    if (b->err)
        return b->err;
    return nomem ? MSC_ERR_NOMEM : out->err;
}
