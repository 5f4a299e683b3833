/*
 * Table templates (msc_rep.h): "  tau^2 = {tau2}{?  [{level}% CI {lo}, {hi|NA}]}"
 * rendered with the cells around a node. Values show as the table shows
 * them: numbers by their printf format or their type's, "NA" when not
 * finite, p values with 4 decimals, user text with control characters
 * replaced so that a label cannot drive a terminal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"

size_t msc_rep_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80; /* not a continuation byte */
    return w;
}

void msc_rep_safe_text(msc_rep_buf *out, const char *s, size_t cut)
{
    if (cut) { /* msc_text_display's rules, with room for 4-byte characters */
        char small[1024], *buf = small;
        size_t need = 4 * cut + 16;
        if (need > sizeof small && !(buf = malloc(need))) {
            out->nomem = 1;
            return;
        }
        msc_text_display(s, cut, buf, need > sizeof small ? need : sizeof small);
        msc_rep_buf_put(out, buf, strlen(buf));
        if (buf != small)
            free(buf);
        return;
    }
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        int c1 = p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0;
        if (c1 || *p < 0x20 || *p == 0x7f) {
            msc_rep_buf_put(out, (const char *)run, (size_t)(p - run));
            msc_rep_buf_put(out, "?", 1);
            p += c1;
            run = p + 1;
        }
    }
    msc_rep_buf_put(out, (const char *)run, (size_t)(p - run));
}

static int is_real(int t) { return t >= MSC_REP_COUNT && t <= MSC_REP_PVALUE; }

/* A number that rounds to zero shows without its sign: "-0.0000", "-0"
 * and "-0.00%" (a pooled logit of -1e-17) become "0.0000", "0", "0.00%". */
static void unsigned_zero(char *buf)
{
    if (buf[0] != '-')
        return;
    for (const char *p = buf + 1; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '1' && *p <= '9')
            return;
    memmove(buf, buf + 1, strlen(buf));
}

/* v with `sig` significant digits in fixed notation, zeros kept: 6.000,
 * 14.55, 0.3837; whole numbers of more digits as they are (31215), values
 * below 1e-6 with an exponent. */
static void sig_fixed(char *buf, size_t len, double v, int sig)
{
    if (v == 0.0) {
        snprintf(buf, len, "0");
        return;
    }
    char e[32];
    snprintf(e, sizeof e, "%.*e", sig - 1, v); /* the exponent after rounding */
    int x = atoi(strchr(e, 'e') + 1);
    if (x < -6) {
        snprintf(buf, len, "%s", e);
        return;
    }
    int decimals = sig - 1 - x;
    snprintf(buf, len, "%.*f", decimals > 0 ? decimals : 0, v);
}

/* A value as the table shows it. */
static void value(msc_rep_buf *out, const msc_rep_node *n, const char *spec, size_t speclen,
                  const msc_rep_doc *doc)
{
    char buf[64];
    const char *fmt = n->fmt;
    double v = n->v.num;
    int prose = speclen == 5 && memcmp(spec, "prose", 5) == 0;
    switch (n->type) {
    case MSC_REP_TEXT: {
        size_t cut = speclen > 1 && spec[0] == '.' && !out->whole
                         ? strtoul(spec + 1, NULL, 10)
                         : 0;
        msc_rep_safe_text(out, n->v.text, cut);
        return;
    }
    case MSC_REP_BOOL:
        msc_rep_buf_put(out, n->v.b ? "true" : "false", n->v.b ? 4 : 5);
        return;
    case MSC_REP_INT:
        snprintf(buf, sizeof buf, "%lld", n->v.i);
        break;
    case MSC_REP_PVALUE:
        msc_pvalue_text(buf, sizeof buf, v, 4, prose ? MSC_P_PROSE : MSC_P_SHORT);
        break;
    default:
        if (!is_real(n->type))
            return; /* NULL, containers: nothing to show */
        if (!isfinite(v)) {
            snprintf(buf, sizeof buf, "NA");
            break;
        }
        if (!fmt && n->type == MSC_REP_PROPORTION && doc && doc->prop_fmt) {
            fmt = doc->prop_fmt;
            v *= doc->prop_scale;
        }
        if (!fmt)
            fmt = n->type == MSC_REP_COUNT        ? "%.0f"
                  : n->type == MSC_REP_PERCENT    ? "%.1f"
                  : n->type == MSC_REP_PROPORTION ? "%.4f"
                                                  : "%g";
        if (strcmp(fmt, MSC_REP_SIG4) == 0)
            sig_fixed(buf, sizeof buf, v, 4);
        else
            snprintf(buf, sizeof buf, fmt, v);
        unsigned_zero(buf);
    }
    msc_rep_buf_put(out, buf, strlen(buf));
}

static int missing(const msc_rep_node *n)
{
    return !n || n->type == MSC_REP_NULL || n->type == MSC_REP_OBJECT || n->type == MSC_REP_ARRAY ||
           (is_real(n->type) && !isfinite(n->v.num));
}

/* The end of the construct that starts at p (just after its '{'): the
 * matching '}', or end. In a group, *bar receives its top-level '|'. */
static const char *close_of(const char *p, const char *end, const char **bar)
{
    int group = p < end && *p == '?';
    if (bar)
        *bar = NULL;
    if (group)
        p++;
    while (p < end) {
        if (*p == '\\' && p + 1 < end) {
            p += 2;
        } else if (*p == '{' && group) {
            p = close_of(p + 1, end, NULL);
            if (p < end)
                p++;
        } else if (*p == '|' && group && bar && !*bar) {
            *bar = p++;
        } else if (*p == '}') {
            return p;
        } else {
            p++;
        }
    }
    return end;
}

typedef struct {
    msc_rep_buf *out;
    const msc_rep_node *ctx;
    const msc_rep_doc *doc;
} render_ctx;

static int render(render_ctx *r, const char *p, const char *end, int in_group);

/* {path[:spec][|alt]} between p (after '{') and close. Returns 1 when the
 * value is missing and has no alt. */
static int placeholder(render_ctx *r, const char *p, const char *close, int in_group)
{
    const char *path = p;
    while (p < close && *p != ':' && *p != '|')
        p++;
    size_t plen = (size_t)(p - path);
    const char *spec = p, *alt = NULL;
    size_t slen = 0;
    if (p < close && *p == ':') {
        spec = ++p;
        while (p < close && *p != '|')
            p++;
        slen = (size_t)(p - spec);
    }
    if (p < close && *p == '|')
        alt = p + 1;
    const msc_rep_node *n = msc_rep_find(r->ctx, path, plen, MSC_REP_TABLE);
    if (!missing(n)) {
        value(r->out, n, spec, slen, r->doc);
        return 0;
    }
    if (alt) {
        msc_rep_buf_put(r->out, alt, (size_t)(close - alt));
        return 0;
    }
    if (!in_group && n && is_real(n->type))
        value(r->out, n, spec, slen, r->doc); /* "NA", "p = NA" */
    return 1;
}

/* Renders [p, end); returns the number of missing values. Inside a group
 * the first one ends the rendering. */
static int render(render_ctx *r, const char *p, const char *end, int in_group)
{
    int miss = 0;
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '{' && *p != '\\')
            p++;
        msc_rep_buf_put(r->out, run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p == '\\') {
            if (p + 1 < end)
                msc_rep_buf_put(r->out, p + 1, 1);
            p += 2;
            continue;
        }
        const char *bar, *close = close_of(p + 1, end, &bar);
        if (p[1] == '?') {
            size_t mark = r->out->len;
            const char *body_end = bar ? bar : close;
            if (render(r, p + 2, body_end, 1)) {
                r->out->len = mark;
                if (r->out->s)
                    r->out->s[mark] = '\0';
                if (bar && render(r, bar + 1, close, 1)) {
                    r->out->len = mark;
                    if (r->out->s)
                        r->out->s[mark] = '\0';
                    if (in_group)
                        return 1;
                }
            }
        } else {
            int m = placeholder(r, p + 1, close, in_group);
            if (m && in_group)
                return 1;
            miss += m;
        }
        p = close < end ? close + 1 : end;
    }
    return miss;
}

int msc_rep_render(msc_rep_buf *s, const char *tmpl, const msc_rep_node *ctx,
                   const msc_rep_doc *doc)
{
    render_ctx r = {s, ctx, doc};
    return render(&r, tmpl, tmpl + strlen(tmpl), 0);
}
