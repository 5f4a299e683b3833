/*
 * The HTML and Markdown emitters: the table's view (msc_rep_item) as a
 * document a browser or a Markdown renderer shows. A GRID becomes a real
 * table (<table> with <th> headers; a Markdown pipe table), so that it
 * pastes into a word processor with its structure; a LINE or an EACH line
 * becomes a paragraph, and a "== name ==" line a heading. Every piece of
 * text, the user's labels included, goes through msc_rep_html_text, the
 * one escaping function: a label can show as text, never act as markup.
 */
#include <stdio.h>
#include <string.h>

#include "msc_rep.h"

/* Whether the UTF-8 sequence at p is a bidirectional formatting character
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), returning its
 * code point, or 0. An override (U+202E) would reverse the text after it,
 * so that a label reads as something it is not (Unicode TR36, 2.2). */
static unsigned bidi_control(const unsigned char *p, size_t avail)
{
    if (avail >= 2 && p[0] == 0xD8 && p[1] == 0x9C)
        return 0x061C;
    if (avail < 3 || p[0] != 0xE2 || (p[1] != 0x80 && p[1] != 0x81))
        return 0;
    unsigned cp = 0x2000u | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3Fu);
    if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069))
        return cp;
    return 0;
}

void msc_rep_html_text(msc_rep_out *o, const char *s, size_t n, int md)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    for (; p < end; p++) {
        const char *rep = NULL;
        char buf[16];
        size_t skip = 0;
        unsigned cp;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '#':
        case '~':
            if (md) { /* Markdown's own characters, as written */
                buf[0] = '\\';
                buf[1] = (char)*p;
                buf[2] = '\0';
                rep = buf;
            }
            break;
        default:
            if (*p < 0x20 || *p == 0x7F ||
                (p[0] == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] < 0xA0)) {
                rep = "?"; /* control characters, as the table shows them */
                skip = *p == 0xC2;
            } else if ((cp = bidi_control(p, (size_t)(end - p))) != 0) {
                snprintf(buf, sizeof buf, "[U+%04X]", cp); /* shown, not obeyed */
                rep = buf;
                skip = cp == 0x061C ? 1 : 2;
            }
        }
        if (!rep)
            continue;
        msc_rep_put(o, (const char *)run, (size_t)(p - run));
        msc_rep_puts(o, rep);
        p += skip;
        run = p + 1;
    }
    msc_rep_put(o, (const char *)run, (size_t)(end - run));
}

typedef struct {
    msc_rep *b;
    msc_rep_out *out;
    const msc_rep_doc *doc;
    msc_rep_buf buf;
    int md;
} hw;

static void view(hw *w, const msc_rep_node *obj);

static int render(hw *w, const char *tmpl, const msc_rep_node *ctx)
{
    w->buf.len = 0;
    return msc_rep_render(&w->buf, tmpl, ctx, w->doc);
}

/* buf's text without the spaces the table aligns by at its ends. */
static void trimmed(hw *w, const char **s, size_t *n)
{
    const char *p = w->buf.s ? w->buf.s : "";
    size_t len = w->buf.len;
    while (len && *p == ' ')
        p++, len--;
    while (len && p[len - 1] == ' ')
        len--;
    *s = p;
    *n = len;
}

static void text(hw *w, const char *s, size_t n) { msc_rep_html_text(w->out, s, n, w->md); }

/* One line of text: a heading when it reads "== name ==", else a
 * paragraph; an empty line is the table's spacing and is left out. */
static void one_line(hw *w, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    if (!n)
        return;
    int head = n > 6 && !strncmp(s, "== ", 3) && !strncmp(s + n - 3, " ==", 3);
    if (head) {
        s += 3;
        n -= 6;
    }
    msc_rep_puts(w->out, head ? (w->md ? "\n### " : "<h3>") : (w->md ? "" : "<p>"));
    text(w, s, n);
    msc_rep_puts(w->out, head ? (w->md ? "\n\n" : "</h3>\n") : (w->md ? "  \n" : "</p>\n"));
}

/* A template's lines (a template may hold "\n"). */
static void line(hw *w, const char *tmpl, const msc_rep_node *ctx)
{
    render(w, tmpl, ctx);
    const char *s = w->buf.s ? w->buf.s : "";
    size_t n = w->buf.len;
    while (n) {
        size_t k = 0;
        while (k < n && s[k] != '\n')
            k++;
        one_line(w, s, k);
        k += k < n;
        s += k;
        n -= k;
    }
}

static void grid_head(hw *w, const msc_rep_item *it)
{
    if (!w->md && !it->header) {
        msc_rep_puts(w->out, "<table>\n<tbody>\n");
        return;
    }
    msc_rep_puts(w->out, w->md ? "\n|" : "<table>\n<thead><tr>");
    for (size_t j = 0; j < it->ncols; j++) {
        const msc_rep_col *c = &it->cols[j];
        const char *h = it->header && c->head ? c->head : "";
        size_t n = strlen(h);
        while (n && h[n - 1] == ' ')
            n--;
        while (n && *h == ' ')
            h++, n--;
        msc_rep_puts(w->out, w->md ? " " : c->flags & MSC_REP_RIGHT ? "<th class=\"r\">" : "<th>");
        text(w, h, n);
        msc_rep_puts(w->out, w->md ? " |" : "</th>");
    }
    if (w->md) {
        msc_rep_puts(w->out, "\n|");
        for (size_t j = 0; j < it->ncols; j++)
            msc_rep_puts(w->out, it->cols[j].flags & MSC_REP_RIGHT ? "---:|" : "---|");
        msc_rep_putc(w->out, '\n');
    } else {
        msc_rep_puts(w->out, "</tr></thead>\n<tbody>\n");
    }
}

static void grid_row(void *ctx, const msc_rep_item *it, const msc_rep_node *row)
{
    hw *w = ctx;
    msc_rep_puts(w->out, w->md ? "|" : "<tr>");
    for (size_t j = 0; j < it->ncols; j++) {
        const msc_rep_col *c = &it->cols[j];
        const char *s;
        size_t n;
        int missing = render(w, c->cell, row);
        trimmed(w, &s, &n);
        if (missing && (c->flags & MSC_REP_OPTIONAL))
            n = 0; /* the table leaves the column out; here it stays, empty */
        msc_rep_puts(w->out, w->md ? " " : c->flags & MSC_REP_RIGHT ? "<td class=\"r\">" : "<td>");
        text(w, s, n);
        msc_rep_puts(w->out, w->md ? " |" : "</td>");
    }
    msc_rep_puts(w->out, w->md ? "\n" : "</tr>\n");
}

static void each_line(void *ctx, const msc_rep_item *it, const msc_rep_node *e)
{
    hw *w = ctx;
    line(w, it->tmpl, e);
}

static void each_view(void *ctx, const msc_rep_item *it, const msc_rep_node *e)
{
    (void)it;
    view(ctx, e);
}

static void view(hw *w, const msc_rep_node *obj)
{
    if (obj->type != MSC_REP_OBJECT)
        return;
    for (const msc_rep_item *it = obj->v.c.view; it && !w->out->err; it = it->next) {
        switch (it->kind) {
        case MSC_REP_LINE:
            line(w, it->tmpl, obj);
            break;
        case MSC_REP_GRID:
            grid_head(w, it);
            msc_rep_each_source(w->b, obj, it->source, it, &w->out->err, grid_row, w);
            msc_rep_puts(w->out, w->md ? "\n" : "</tbody>\n</table>\n");
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

static msc_status emit(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out, int md)
{
    hw w = {b, out, d, {0}, md};
    w.buf.whole = 1; /* a table cell wraps: labels whole, not cut as the table's */
    msc_rep_puts(out, md ? "" : "<div class=\"report\">\n");
    view(&w, d->root);
    msc_rep_puts(out, md ? "\n" : "</div>\n");
    int nomem = w.buf.nomem;
    msc_rep_buf_free(&w.buf);
    if (b->err)
        return b->err;
    return nomem ? MSC_ERR_NOMEM : out->err;
}

msc_status msc_rep_emit_html(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    return emit(b, d, out, 0);
}

msc_status msc_rep_emit_md(msc_rep *b, const msc_rep_doc *d, msc_rep_out *out)
{
    return emit(b, d, out, 1);
}
