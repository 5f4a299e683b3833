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

static void grid_row(void *ctx, const msc_rep_item *it, const msc_rep_node *row)
{
    tw *w = ctx;
    for (size_t j = 0; j < it->ncols; j++) {
        const msc_rep_col *c = &it->cols[j];
        if (render(w, c->cell, row) && (c->flags & MSC_REP_OPTIONAL))
            continue;
        msc_rep_puts(w->out, c->sep);
        padded(w, c->width, c->flags & MSC_REP_RIGHT);
    }
    msc_rep_putc(w->out, '\n');
}

static void each_line(void *ctx, const msc_rep_item *it, const msc_rep_node *e)
{
    tw *w = ctx;
    line(w, it->tmpl, e);
}

static void each_view(void *ctx, const msc_rep_item *it, const msc_rep_node *e)
{
    (void)it;
    view(ctx, e);
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
            msc_rep_each_source(w->b, obj, it->source, it, &w->out->err, grid_row, w);
            break;
        case MSC_REP_EACH:
            msc_rep_each_source(w->b, obj, it->source, it, &w->out->err, each_line, w);
            break;
        case MSC_REP_NESTED:
            msc_rep_each_source(w->b, obj, it->source, it, &w->out->err, each_view, w);
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
