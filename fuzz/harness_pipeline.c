/*
 * Harness (b): the whole pool pipeline, bytes -> data set -> analysis ->
 * JSON, table and CSV reports written to memory.
 *
 * Option bytes:
 *   0  measure (PR PLN PLO PAS PFT)
 *   1  method (FE DL HE HS SJ ML REML EB PM GLMM)
 *   2  bit 0 test knha; bits 1-2 pi; bits 3-5 study CI; bit 6 summary only;
 *      bit 7 subgroup (column named by byte 7's upper bits)
 *   3  level, 4 continuity correction, 5 cc mode (&7) and a safety limit
 *      (>>3, in 32nds; 0 = no safety stage), 6 GLMM points
 *   7  events: &3 = 0 the defaults, else one column named by the upper bits
 * Properties: no crash, leak or undefined behaviour; an error is one line;
 * the JSON parses and every number that should be there is there, or the
 * outcome carries a warning that explains why not; proportions, p-values,
 * tau^2, I^2 and weights are in range; the CSV has 26 fields on every row;
 * the table has no control characters; all three are valid UTF-8; and a
 * second run gives byte-identical JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

#include "fuzz_harness.h"
#include "mscmeta/mscmeta.h"

static const char *const NAMES[] = {"events", "responders", "adverse_events", "n",
                                    "study",  "disease",    "x",              "group"};
#define N_NAMES (sizeof NAMES / sizeof NAMES[0])

typedef struct {
    msc_settings s;
    msc_load_options load;
    const char *ev[1];
    int summary_only;
    double max_rate; /* NAN: no safety check */
} fuzz_opts;

static void options(const uint8_t *b, fuzz_opts *f)
{
    static const double levels[] = {0.95, 0.9, 0.99, 0.5, 0.999999, 1e-6, 0.8, 0.95};
    static const double ccs[] = {NAN, 0.0, 0.5, 1.0, 1e-9, 1e6, 0.25, 1e-300};
    msc_settings *s = &f->s;
    msc_settings_default(s);
    s->measure = (msc_measure)(b[0] % 5);
    s->method = (msc_method)(b[1] % 10);
    s->test = (b[2] & 1) ? MSC_TEST_KNHA : MSC_TEST_Z;
    s->pi = (msc_pi)(((unsigned)b[2] >> 1 & 3) % 3);
    s->study_ci = (msc_study_ci)(((unsigned)b[2] >> 3 & 7) % 5);
    f->summary_only = (b[2] >> 6) & 1;
    s->level = levels[b[3] & 7];
    s->cc = ccs[b[4] & 7];
    s->cc_mode = (int)((b[5] & 7) % 5) - 1;
    f->max_rate = (b[5] >> 3) ? (double)(b[5] >> 3) / 32.0 : NAN;
    s->nagq = 1 + b[6] % 50;
    /* The CLI refuses these combinations; keep them out as it does. */
    if (s->method == MSC_METHOD_GLMM) {
        s->measure = MSC_PLO;
        s->test = MSC_TEST_Z;
    }
    msc_load_options_default(&f->load);
    if (b[7] & 3) {
        f->ev[0] = NAMES[(b[7] >> 2) % N_NAMES];
        f->load.events_cols = f->ev;
        f->load.n_events_cols = 1;
    }
    if (b[2] & 0x80)
        f->load.subgroup_col = NAMES[(b[7] >> 5) % N_NAMES];
}

/* ------------------------------------------------------------ outputs */

typedef struct {
    char *buf;
    size_t len;
} membuf;

static membuf render(msc_report_fn fn, const msc_analysis *a, const msc_report_options *ro)
{
    membuf m = {NULL, 0};
    FILE *fp = open_memstream(&m.buf, &m.len);
    FUZZ_CHECK(fp != NULL, "open_memstream");
    int rc = fn(fp, a, ro);
    FUZZ_CHECK(fclose(fp) == 0, NULL);
    FUZZ_CHECK(rc == MSC_OK, "a report to memory failed");
    return m;
}

/* ------------------------------------------------------- JSON properties */

#define TOL 1e-9

static int warned(const json_t *obj)
{
    const json_t *w = json_object_get(obj, "warnings");
    return json_is_array(w) && json_array_size(w) > 0;
}

/* A value that should be a number: a finite number, or null explained by a
 * warning. Returns the number, or NAN. */
static double want_num(const json_t *obj, const char *key, int explained)
{
    const json_t *v = json_object_get(obj, key);
    FUZZ_CHECK(v != NULL, key);
    if (json_is_null(v)) {
        FUZZ_CHECK(explained, key);
        return NAN;
    }
    FUZZ_CHECK(json_is_number(v), key);
    double d = json_number_value(v);
    FUZZ_CHECK(isfinite(d), key);
    return d;
}

/* A value that may be null (not applicable) but is otherwise finite. */
static double opt_num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NAN;
    FUZZ_CHECK(json_is_number(v), key);
    return json_number_value(v);
}

static void in_range(double v, double lo, double hi, const char *what)
{
    if (isnan(v))
        return;
    FUZZ_CHECK(v >= lo - TOL && v <= hi + TOL, what);
}

static void ordered(double lo, double mid, double hi, const char *what)
{
    if (isnan(lo) || isnan(mid) || isnan(hi))
        return;
    double tol = TOL * fmax(1.0, fmax(fabs(lo), fabs(hi)));
    FUZZ_CHECK(lo <= mid + tol && mid <= hi + tol, what);
}

static void check_block(const json_t *b, int explained, int bounded)
{
    if (json_is_null(b))
        return;
    FUZZ_CHECK(json_is_object(b), NULL);
    double est = want_num(b, "estimate", explained);
    double lo = want_num(b, "ci_lower", explained);
    double hi = want_num(b, "ci_upper", explained);
    want_num(b, "yi", explained);
    want_num(b, "se", explained);
    in_range(opt_num(b, "p"), 0.0, 1.0, "p");
    if (bounded) {
        in_range(est, 0.0, 1.0, "estimate");
        in_range(lo, 0.0, 1.0, "ci_lower");
        in_range(hi, 0.0, 1.0, "ci_upper");
        ordered(lo, est, hi, "pooled interval order");
    }
}

static void check_het(const json_t *h, int explained)
{
    if (json_is_null(h))
        return;
    in_range(want_num(h, "tau2", explained), 0.0, INFINITY, "tau2");
    in_range(want_num(h, "I2", explained), 0.0, 100.0, "I2");
    in_range(want_num(h, "H2", explained), 0.0, INFINITY, "H2"); /* FE: Q/df, may be < 1 */
    in_range(want_num(h, "Q", explained), 0.0, INFINITY, "Q");
    in_range(opt_num(h, "p"), 0.0, 1.0, "Q p");
}

static void check_fit(const json_t *o, int explained, int bounded, int fe)
{
    const json_t *c = json_object_get(o, "common"), *r = json_object_get(o, "random");
    FUZZ_CHECK(c && r, NULL);
    if (fe)
        FUZZ_CHECK(json_is_null(r), "FE has no random block");
    check_block(c, explained, bounded);
    check_block(r, explained, bounded);
    check_het(json_object_get(o, "heterogeneity"), explained);
}

/* with_ci: the studies have intervals; contains: the interval type always
 * contains x/n (Clopper-Pearson, Wilson, Wald; Jeffreys and Agresti-Coull
 * need not, at low levels). */
static void check_studies(const json_t *o, int explained, int with_ci, int contains)
{
    const json_t *st = json_object_get(o, "studies");
    FUZZ_CHECK(json_is_array(st), NULL);
    int weights = json_is_true(json_object_get(o, "weights"));
    int random = json_is_object(json_object_get(o, "random"));
    double sw_c = 0, sw_r = 0;
    size_t n = json_array_size(st);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(st, i);
        double p = want_num(s, "proportion", 0);
        in_range(p, 0.0, 1.0, "study proportion");
        want_num(s, "yi", explained);
        want_num(s, "vi", explained);
        if (with_ci) {
            double lo = want_num(s, "ci_lower", 0), hi = want_num(s, "ci_upper", 0);
            in_range(lo, 0.0, 1.0, "study ci_lower");
            in_range(hi, 0.0, 1.0, "study ci_upper");
            if (contains)
                ordered(lo, p, hi, "study interval order");
        }
        if (weights) {
            sw_c += want_num(s, "weight_common", explained);
            if (random)
                sw_r += want_num(s, "weight_random", explained);
        }
    }
    if (weights && n > 0 && !explained) {
        FUZZ_CHECK(fabs(sw_c - 100.0) < 1e-6, "common weights sum to 100");
        if (random)
            FUZZ_CHECK(fabs(sw_r - 100.0) < 1e-6, "random weights sum to 100");
    }
}

static void check_json(const membuf *m, const msc_analysis *a, int summary_only)
{
    json_error_t je;
    json_t *root = json_loadb(m->buf, m->len, 0, &je);
    FUZZ_CHECK(root != NULL, je.text);
    const json_t *outs = json_object_get(root, "outcomes");
    FUZZ_CHECK(json_array_size(outs) == a->n_outcomes, NULL);
    const msc_settings *s = &a->settings;
    msc_measure meas = s->method == MSC_METHOD_GLMM ? MSC_PLO : s->measure;
    int bounded = meas == MSC_PLO || meas == MSC_PAS || meas == MSC_PFT;
    int fe = s->method == MSC_METHOD_FE;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const json_t *o = json_array_get(outs, j);
        int w = warned(o);
        if (json_is_true(json_object_get(o, "skipped"))) {
            FUZZ_CHECK(w, "a skipped outcome says why");
            continue;
        }
        check_fit(o, w, bounded, fe);
        check_studies(o, w, !summary_only,
                      s->study_ci != MSC_SCI_JEFFREYS && s->study_ci != MSC_SCI_AC);
        const json_t *e = json_object_get(o, "exact");
        double est = want_num(e, "estimate", 0);
        double lo = want_num(e, "ci_lower", 0), hi = want_num(e, "ci_upper", 0);
        ordered(lo, est, hi, "exact interval order");
        const json_t *groups = json_object_get(o, "subgroups");
        for (size_t g = 0; g < json_array_size(groups); g++) {
            const json_t *go = json_array_get(groups, g);
            check_fit(go, w || warned(go), bounded, fe);
        }
    }
    json_decref(root);
}

/* -------------------------------------------------- table and CSV properties */

static void check_table(const membuf *m)
{
    FUZZ_CHECK(msc_fuzz_valid_utf8(m->buf, m->len), "table is UTF-8");
    for (size_t i = 0; i < m->len; i++) {
        unsigned char c = (unsigned char)m->buf[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f), "table has a control character");
    }
}

typedef struct {
    size_t fields, rows, want; /* want: fields per row, 0 = as the header */
    int bad;
} csv_count;

static void cb_field(void *s, size_t len, void *p)
{
    (void)s, (void)len;
    ((csv_count *)p)->fields++;
}

static void cb_row(int c, void *p)
{
    (void)c;
    csv_count *k = p;
    if (!k->want)
        k->want = k->fields;
    if (k->fields != k->want)
        k->bad = 1;
    k->fields = 0;
    k->rows++;
}

static void check_csv(const membuf *m, size_t fields)
{
    FUZZ_CHECK(msc_fuzz_valid_utf8(m->buf, m->len), "CSV is UTF-8");
    struct csv_parser p;
    FUZZ_CHECK(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) == 0, NULL);
    csv_count k = {0, 0, fields, 0};
    FUZZ_CHECK(csv_parse(&p, m->buf, m->len, cb_field, cb_row, &k) == m->len, "CSV parses");
    FUZZ_CHECK(csv_fini(&p, cb_field, cb_row, &k) == 0, "CSV parses");
    csv_free(&p);
    FUZZ_CHECK(!k.bad, "every CSV row has as many fields as the header");
    FUZZ_CHECK(k.rows >= 1, NULL);
}

/* ------------------------------------------------------------- safety */

/* `safety`: verdicts against one limit for every outcome, in all three
 * formats; the JSON parses, the table and CSV are clean. */
static void safety_stage(const fuzz_opts *f, const msc_analysis *a, msc_report_options *ro)
{
    if (isnan(f->max_rate))
        return;
    double *t = malloc((a->n_outcomes ? a->n_outcomes : 1) * sizeof *t);
    FUZZ_CHECK(t != NULL, NULL);
    for (size_t j = 0; j < a->n_outcomes; j++)
        t[j] = f->max_rate;
    msc_safety *sf = NULL;
    if (!(a->settings.level > 0.5)) { /* one-sided bounds need a level above 0.5 */
        FUZZ_CHECK(msc_safety_evaluate(a, t, &sf) == MSC_ERR_USAGE, "safety at level <= 0.5");
        free(t);
        return;
    }
    FUZZ_CHECK(msc_safety_evaluate(a, t, &sf) == MSC_OK, NULL);
    msc_measure m = msc_method_uses_counts(a->settings.method) ? MSC_PLO : a->settings.measure;
    for (size_t j = 0; j < a->n_outcomes; j++) {
        if (m != MSC_PR && m != MSC_PLN) /* their intervals may leave [0, 1], as in metafor */
            in_range(sf[j].upper_bound, 0.0, 1.0, "safety upper bound");
        if (a->outcome[j].skipped) {
            FUZZ_CHECK(sf[j].no_data && !sf[j].exceeded, "no data is no verdict");
            continue;
        }
        /* exceeded: not shown to be below (an upper bound that is missing
         * does not show it) */
        FUZZ_CHECK(sf[j].exceeded == !(sf[j].upper_bound <= f->max_rate), "verdict");
        FUZZ_CHECK(sf[j].verdict != MSC_VERDICT_ABOVE || sf[j].lower_bound > f->max_rate,
                   "verdict above");
    }
    ro->safety = sf;
    membuf js = render(msc_report_json, a, ro);
    json_error_t je;
    json_t *root = json_loadb(js.buf, js.len, 0, &je);
    FUZZ_CHECK(root != NULL, je.text);
    json_decref(root);
    membuf tb = render(msc_report_safety_table, a, ro);
    check_table(&tb);
    membuf cs = render(msc_report_safety_csv, a, ro);
    check_csv(&cs, 0);
    ro->safety = NULL;
    free(js.buf);
    free(tb.buf);
    free(cs.buf);
    msc_safety_free(sf, a->n_outcomes);
    free(t);
}

/* ------------------------------------------------------------------ run */

int msc_fuzz_pipeline(const uint8_t *data, size_t size)
{
    if (size < MSC_FUZZ_PIPELINE_PREFIX)
        return 0;
    fuzz_opts f;
    memset(&f, 0, sizeof f);
    options(data, &f);
    const char *csv = (const char *)data + MSC_FUZZ_PIPELINE_PREFIX;
    size_t len = size - MSC_FUZZ_PIPELINE_PREFIX;

    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    if (msc_dataset_load_buffer(csv, len, "fuzz.csv", &f.load, &d, err, sizeof err) != MSC_OK)
        return 0; /* harness (a) checks the loader's errors */
    unsigned flags = f.summary_only ? MSC_RUN_NO_STUDY_CI : 0u;
    msc_analysis *a = NULL;
    err[0] = '\0';
    int rc = msc_analysis_run(d, &f.s, flags, &a, err, sizeof err);
    if (rc != MSC_OK) {
        FUZZ_CHECK(a == NULL, NULL);
        FUZZ_CHECK(rc == MSC_ERR_INPUT || rc == MSC_ERR_USAGE, err);
        FUZZ_CHECK(err[0] != '\0' && msc_fuzz_one_line(err), err);
        msc_dataset_free(d);
        return 0;
    }
    msc_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.summary_only = f.summary_only;
    ro.input_name = "fuzz.csv";
    membuf js = render(msc_report_json, a, &ro);
    check_json(&js, a, f.summary_only);
    membuf tb = render(msc_report_table, a, &ro);
    check_table(&tb);
    membuf cs = render(msc_report_csv, a, &ro);
    check_csv(&cs, 0); /* as many fields as the header, whatever its columns */
    safety_stage(&f, a, &ro);

    /* Same input, same bytes. */
    msc_analysis *a2 = NULL;
    FUZZ_CHECK(msc_analysis_run(d, &f.s, flags, &a2, err, sizeof err) == MSC_OK, err);
    membuf js2 = render(msc_report_json, a2, &ro);
    FUZZ_CHECK(js.len == js2.len && memcmp(js.buf, js2.buf, js.len) == 0,
               "a second run gives different JSON");

    free(js.buf);
    free(js2.buf);
    free(tb.buf);
    free(cs.buf);
    msc_analysis_free(a2);
    msc_analysis_free(a);
    msc_dataset_free(d);
    return 0;
}
