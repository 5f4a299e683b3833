/*
 * The report entry points (mscmeta/report.h): a builder per report, an
 * emitter per format, and the output: a write callback, a FILE* or a
 * string in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_rep.h"
#include "mscmeta/compare.h"
#include "mscmeta/simulate.h"

#define OUT_BUF 65536

/* The emitter of each format. */
static msc_status (*const emitter[])(msc_rep *, const msc_rep_doc *, msc_rep_out *) = {
    [MSC_FORMAT_TABLE] = msc_rep_emit_table,
    [MSC_FORMAT_JSON] = msc_rep_emit_json,
    [MSC_FORMAT_CSV] = msc_rep_emit_csv,
    [MSC_FORMAT_JSONL] = NULL,
    [MSC_FORMAT_HTML] = msc_rep_emit_html,
    [MSC_FORMAT_MD] = msc_rep_emit_md,
};

/* Builds a report of a with `build` and writes it in format f to fn. */
static msc_status emit(msc_rep_build_fn build, const msc_analysis *a, const msc_report_options *o,
                       msc_format f, msc_write_fn fn, void *ctx)
{
    static const msc_report_options none = {0, NULL, NULL, NULL};
    if (!a || !fn || (unsigned)f >= sizeof emitter / sizeof *emitter || !emitter[f])
        return MSC_ERR_USAGE;
    if (!o)
        o = &none;
    msc_rep b;
    msc_rep_doc doc;
    msc_rep_out out = {fn, ctx, malloc(OUT_BUF), 0, OUT_BUF, MSC_OK};
    msc_status st = msc_rep_init(&b);
    if (st == MSC_OK && !out.buf)
        st = MSC_ERR_NOMEM;
    if (st == MSC_OK)
        st = build(&b, a, o, &doc);
    if (st == MSC_OK)
        st = emitter[f](&b, &doc, &out);
    if (st == MSC_OK)
        st = msc_rep_flush(&out);
    free(out.buf);
    msc_rep_release(&b);
    return st;
}

msc_status msc_report_write(const msc_analysis *a, const msc_report_options *o, msc_format f,
                            msc_write_fn fn, void *ctx)
{
    return emit(o && o->safety ? msc_rep_build_safety : msc_rep_build_pool, a, o, f, fn, ctx);
}

/* ------------------------------------------------------------- FILE* */

static msc_status to_file(void *ctx, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, ctx) == len ? MSC_OK : MSC_ERR_IO;
}

static msc_status to_fp(FILE *fp, msc_rep_build_fn build, const msc_analysis *a,
                        const msc_report_options *o, msc_format f)
{
    if (!fp)
        return MSC_ERR_USAGE;
    msc_status st = emit(build, a, o, f, to_file, fp);
    return st == MSC_OK && ferror(fp) ? MSC_ERR_IO : st;
}

msc_status msc_report_table(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    return to_fp(fp, msc_rep_build_pool, a, o, MSC_FORMAT_TABLE);
}

msc_status msc_report_csv(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    return to_fp(fp, msc_rep_build_pool, a, o, MSC_FORMAT_CSV);
}

/* JSON has one document for both: the pool's, with the safety results
 * when there are some. */
msc_status msc_report_json(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    return to_fp(fp, o && o->safety ? msc_rep_build_safety : msc_rep_build_pool, a, o,
                 MSC_FORMAT_JSON);
}

msc_status msc_report_safety_table(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    return to_fp(fp, msc_rep_build_safety, a, o, MSC_FORMAT_TABLE);
}

msc_status msc_report_safety_csv(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    return to_fp(fp, msc_rep_build_safety, a, o, MSC_FORMAT_CSV);
}

/* ----------------------------------------------------------- regress */

msc_status msc_report_regress_write(const msc_regression *r, const msc_report_options *o,
                                    msc_format f, msc_write_fn fn, void *ctx)
{
    if (!r)
        return MSC_ERR_USAGE;
    msc_rep_regress_options ro;
    memset(&ro, 0, sizeof ro);
    if (o)
        ro.pub = *o;
    ro.pub.safety = NULL;
    ro.regression = r;
    return emit(msc_rep_build_regress, r->a, &ro.pub, f, fn, ctx);
}

msc_status msc_report_regress(FILE *fp, const msc_regression *r, msc_format f,
                              const msc_report_options *o)
{
    if (!fp || !r)
        return MSC_ERR_USAGE;
    msc_status st = msc_report_regress_write(r, o, f, to_file, fp);
    return st == MSC_OK && ferror(fp) ? MSC_ERR_IO : st;
}

/* ----------------------------------------------------------- compare */

msc_status msc_report_compare_write(const msc_compare *c, const msc_report_options *o,
                                    msc_format f, msc_write_fn fn, void *ctx)
{
    if (!c || !c->n_rows)
        return MSC_ERR_USAGE;
    msc_rep_compare_options co;
    memset(&co, 0, sizeof co);
    if (o)
        co.pub = *o;
    co.pub.safety = NULL;
    co.pub.sens = NULL;
    co.compare = c;
    return emit(msc_rep_build_compare, c->row[0].a, &co.pub, f, fn, ctx);
}

msc_status msc_report_compare(FILE *fp, const msc_compare *c, msc_format f,
                              const msc_report_options *o)
{
    if (!fp || !c)
        return MSC_ERR_USAGE;
    msc_status st = msc_report_compare_write(c, o, f, to_file, fp);
    return st == MSC_OK && ferror(fp) ? MSC_ERR_IO : st;
}

/* ---------------------------------------------------------- simulate */

msc_status msc_report_simulate_write(const msc_simulation *s, const msc_report_options *o,
                                     msc_format f, msc_write_fn fn, void *ctx)
{
    if (!s || !s->data)
        return MSC_ERR_USAGE;
    msc_rep_simulate_options so;
    memset(&so, 0, sizeof so);
    if (o)
        so.pub = *o;
    so.pub.safety = NULL;
    so.pub.sens = NULL;
    so.simulation = s;
    /* the builders take an analysis: this one only names the data set */
    msc_analysis a = {s->data, s->base, 0, NULL};
    return emit(msc_rep_build_simulate, &a, &so.pub, f, fn, ctx);
}

msc_status msc_report_simulate(FILE *fp, const msc_simulation *s, msc_format f,
                               const msc_report_options *o)
{
    if (!fp || !s)
        return MSC_ERR_USAGE;
    msc_status st = msc_report_simulate_write(s, o, f, to_file, fp);
    return st == MSC_OK && ferror(fp) ? MSC_ERR_IO : st;
}

/* ------------------------------------------------------------ memory */

/* A writer of another kind (the caller's own), run on a memory stream. */
static msc_status via_stream(msc_report_fn fn, const msc_analysis *a, const msc_report_options *o,
                             msc_rep_buf *m)
{
    FILE *fp = open_memstream(&m->s, &m->len);
    if (!fp)
        return MSC_ERR_NOMEM;
    msc_status st = fn(fp, a, o);
    if (fclose(fp) != 0 && st == MSC_OK)
        st = MSC_ERR_NOMEM; /* a memory stream fails only for want of memory */
    return st;
}

msc_status msc_report_string(msc_report_fn fn, const msc_analysis *a, const msc_report_options *o,
                             char **out, size_t *len)
{
    msc_rep_buf m = {0};
    msc_status st;
    if (!out)
        return MSC_ERR_USAGE;
    *out = NULL;
    if (len)
        *len = 0;
    if (!fn)
        return MSC_ERR_USAGE;
    /* the library's writers go straight to memory, without a FILE */
    if (fn == msc_report_table || fn == msc_report_csv)
        st = emit(msc_rep_build_pool, a, o,
                  fn == msc_report_csv ? MSC_FORMAT_CSV : MSC_FORMAT_TABLE, msc_rep_buf_write, &m);
    else if (fn == msc_report_json)
        st = msc_report_write(a, o, MSC_FORMAT_JSON, msc_rep_buf_write, &m);
    else if (fn == msc_report_safety_table || fn == msc_report_safety_csv)
        st = emit(msc_rep_build_safety, a, o,
                  fn == msc_report_safety_csv ? MSC_FORMAT_CSV : MSC_FORMAT_TABLE,
                  msc_rep_buf_write, &m);
    else
        st = via_stream(fn, a, o, &m);
    if (st == MSC_OK && !m.s)
        st = msc_rep_buf_write(&m, "", 0); /* an empty report: still a string */
    if (st != MSC_OK) {
        free(m.s);
        return st;
    }
    *out = m.s; /* NUL-terminated by msc_rep_buf_put and by the memory stream */
    if (len)
        *len = m.len;
    return MSC_OK;
}
