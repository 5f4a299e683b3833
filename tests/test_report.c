/*
 * Reports (src/report: build_pool.c, build_safety.c and the emitters):
 * the JSON contract of issue 2 (keys, null rules, scales, 17 significant
 * digits), CSV quoting, and hostile labels kept harmless in every format.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Runs the analysis with settings s and one writer into a memory buffer. */
static char *render_with(const msc_dataset *d, const msc_settings *s, msc_report_fn fn,
                         int summary)
{
    msc_analysis *a = run_analysis(d, s);
    const msc_report_options o = {summary, "studies.csv", NULL, NULL};
    char *buf = render_report(fn, a, &o, NULL);
    msc_analysis_free(a);
    return buf;
}

/* The same with default settings but the tau^2 method; fmt 0 JSON, 1 CSV,
 * 2 table. */
static char *render(const msc_dataset *d, msc_method m, int fmt, int summary)
{
    msc_settings s;
    msc_settings_default(&s);
    s.method = m;
    return render_with(d, &s, fmt == 0 ? msc_report_json : fmt == 1 ? msc_report_csv
                                                                   : msc_report_table,
                       summary);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) {
        print_error("invalid JSON: %s at line %d\n", e.text, e.line);
        fail();
    }
    return j;
}

static void has_keys(const json_t *o, const char *const *keys)
{
    for (; *keys; keys++)
        if (!json_object_get(o, *keys)) {
            print_error("missing key \"%s\"\n", *keys);
            fail();
        }
}

static void test_json_contract(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, "disease");
    char *text = render(d, MSC_METHOD_REML, 0, 0);
    json_t *j = parse(text);
    static const char *const top[] = {"tool", "version", "input", "settings", "outcomes", NULL};
    has_keys(j, top);
    assert_string_equal(json_string_value(json_object_get(j, "tool")), "mscmeta");
    json_t *st = json_object_get(j, "settings");
    static const char *const sk[] = {"measure", "method", "test", "level", "study_ci", "pi",
                                     "cc", "cc_mode", NULL};
    has_keys(st, sk);
    assert_string_equal(json_string_value(json_object_get(st, "measure")), "PLO");
    assert_string_equal(json_string_value(json_object_get(st, "pi")), "hts");
    json_t *outs = json_object_get(j, "outcomes");
    assert_int_equal(json_array_size(outs), 3);
    json_t *o = json_array_get(outs, 0);
    static const char *const ok[] = {"outcome", "denominator", "k", "studies", "excluded",
                                     "common", "random", "heterogeneity", "subgroups",
                                     "subgroup_test", "warnings", "events_total", "n_total",
                                     "exact", NULL};
    has_keys(o, ok);
    assert_int_equal(json_integer_value(json_object_get(o, "k")), 9);
    json_t *s0 = json_array_get(json_object_get(o, "studies"), 0);
    static const char *const stk[] = {"study", "row", "events", "n", "proportion", "ci_lower",
                                      "ci_upper", "yi", "vi", "weight_common", "weight_random",
                                      NULL};
    has_keys(s0, stk);
    assert_string_equal(json_string_value(json_object_get(s0, "study")), "Harris 2016");
    assert_int_equal(json_integer_value(json_object_get(s0, "row")), 2);
    /* weights are percentages that sum to 100 */
    double sw = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(o, "studies"), i, s) sw +=
        json_number_value(json_object_get(s, "weight_random"));
    assert_close(sw, 100.0, 1e-12);
    json_t *ex = json_array_get(json_object_get(o, "excluded"), 0);
    assert_string_equal(json_string_value(json_object_get(ex, "reason")), "missing responders");
    assert_int_equal(json_integer_value(json_object_get(ex, "row")), 4);
    /* estimate on the proportion scale, yi on the logit scale */
    json_t *r = json_object_get(o, "random");
    static const char *const rk[] = {"estimate", "ci_lower", "ci_upper", "yi", "se", "statistic",
                                     "p", "df", "pi_lower", "pi_upper", NULL};
    has_keys(r, rk);
    double est = json_number_value(json_object_get(r, "estimate"));
    double yi = json_number_value(json_object_get(r, "yi"));
    assert_close(est, 1.0 / (1.0 + exp(-yi)), 1e-15);
    assert_true(json_is_null(json_object_get(r, "df"))); /* z test */
    json_t *h = json_object_get(o, "heterogeneity");
    static const char *const hk[] = {"tau2", "tau2_ci_lower", "tau2_ci_upper", "tau", "I2",
                                     "I2_ci_lower", "I2_ci_upper", "H2", "H2_ci_lower",
                                     "H2_ci_upper", "Q", "df", "p", NULL};
    has_keys(h, hk);
    assert_true(json_number_value(json_object_get(h, "I2")) > 1.0); /* percent, not fraction */
    json_t *g0 = json_array_get(json_object_get(o, "subgroups"), 0);
    assert_string_equal(json_string_value(json_object_get(g0, "group")), "MS");
    json_t *t = json_object_get(o, "subgroup_test");
    assert_true(json_is_number(json_object_get(t, "Q")));
    /* the documented layout (README) starts with "tool" */
    assert_true(strncmp(text + strspn(text, "{ \t\r\n"), "\"tool\"", 6) == 0);
    /* numbers carry 17 significant digits */
    const char *p = strstr(text, "\"yi\":");
    assert_non_null(p);
    char digits[64];
    sscanf(p + 5, "%63[-0-9.e]", digits);
    size_t nd = 0;
    for (char *c = digits; *c && *c != 'e'; c++)
        nd += (*c >= '0' && *c <= '9');
    assert_true(nd >= 16);
    json_decref(j);
    free(text);
    msc_dataset_free(d);
}

/* With --method FE, random is null; a t test (knha) sets df. */
static void test_json_fe_and_knha(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/pritz1997.csv", "events", NULL);
    char *text = render(d, MSC_METHOD_FE, 0, 1);
    json_t *j = parse(text);
    json_t *o = json_array_get(json_object_get(j, "outcomes"), 0);
    assert_true(json_is_null(json_object_get(o, "random")));
    assert_true(json_is_object(json_object_get(o, "common")));
    assert_int_equal(json_array_size(json_object_get(o, "studies")), 0); /* summary only */
    json_decref(j);
    free(text);
    msc_settings s;
    msc_settings_default(&s);
    s.test = MSC_TEST_KNHA;
    char *buf = render_with(d, &s, msc_report_json, 0);
    j = parse(buf);
    o = json_array_get(json_object_get(j, "outcomes"), 0);
    assert_close(json_number_value(json_object_get(json_object_get(o, "random"), "df")), 13, 0);
    json_decref(j);
    free(buf);
    msc_dataset_free(d);
}

/* A skipped outcome (no usable study) is reported, not an error. */
static void test_skipped_outcome(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,responders,adverse_events\nA,10,3,NA\nB,8,2,NA\n", NULL,
                               NULL);
    char *text = render(d, MSC_METHOD_REML, 0, 0);
    json_t *j = parse(text);
    json_t *o = json_array_get(json_object_get(j, "outcomes"), 1);
    assert_true(json_is_true(json_object_get(o, "skipped")));
    assert_true(json_is_null(json_object_get(o, "common")));
    assert_int_equal(json_array_size(json_object_get(o, "excluded")), 2);
    assert_true(json_array_size(json_object_get(o, "warnings")) >= 1);
    json_decref(j);
    free(text);
    msc_dataset_free(d);
}

/* Hostile labels: JSON escapes them, the table strips control characters,
 * CSV quotes them and defuses spreadsheet formulas. */
static void test_hostile_labels(void **state)
{
    (void)state;
    const char csv[] = "study,n,events\n"
                       "\"=HYPERLINK(\"\"http://x\"\")\",10,2\n"
                       "\"a\x1b[31mred\",12,3\n"
                       "\"quote \"\" and, comma\",9,1\n";
    msc_dataset *d = load_text(csv, "events", NULL);
    char *js = render(d, MSC_METHOD_DL, 0, 0);
    json_t *j = parse(js);
    json_t *studies = json_object_get(json_array_get(json_object_get(j, "outcomes"), 0), "studies");
    assert_string_equal(json_string_value(json_object_get(json_array_get(studies, 1), "study")),
                        "a\x1b[31mred"); /* exact text survives in JSON, escaped */
    assert_null(strchr(js, '\x1b'));
    json_decref(j);
    char *tab = render(d, MSC_METHOD_DL, 2, 0);
    assert_null(strchr(tab, '\x1b'));
    assert_non_null(strstr(tab, "a?[31mred"));
    char *cv = render(d, MSC_METHOD_DL, 1, 0);
    assert_non_null(strstr(cv, "\"'=HYPERLINK(\"\"http://x\"\")\""));
    assert_non_null(strstr(cv, "\"quote \"\" and, comma\""));
    free(js);
    free(tab);
    free(cv);
    msc_dataset_free(d);
}

/* Write errors are reported, not ignored. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, NULL);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    msc_report_options o = {0, "x", NULL, NULL};
    setvbuf(full, NULL, _IONBF, 0);
    assert_int_equal(msc_report_json(full, a, &o), MSC_ERR_IO);
    fclose(full);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* C1 control characters (U+0080..U+009F) drive terminals like C0 ones
 * (U+009B is CSI, ESC [): every line of the table shows them as '?', the
 * warnings and exclusion reasons that quote a column name included. */
static void test_c1_controls_in_table(void **state)
{
    (void)state;
    const char csv[] = "study,n,ev\xC2\x9Bx,g\xC2\x9Bp\n"
                       "A,10,2,a\nB,12,NA,a\nC,9,3,\nD,8,1,b\n";
    msc_dataset *d = load_text(csv, "ev\xC2\x9Bx", "g\xC2\x9Bp");
    char *tab = render(d, MSC_METHOD_DL, 2, 0);
    assert_null(strstr(tab, "\xC2\x9B"));
    assert_non_null(strstr(tab, "== ev?x (k = 3 studies"));                  /* heading */
    assert_non_null(strstr(tab, "  B (line 3): missing ev?x\n"));           /* reason */
    assert_non_null(strstr(tab, "  ! 1 study with no \"g?p\" value is in")); /* warning */
    free(tab);
    msc_dataset_free(d);
}

/* Names are cut by display width, never by the bytes a buffer holds: 70
 * four-byte characters (U+1F600) fit the 80 columns of the input name,
 * and 35 fit the 40 of a subgroup named in a warning. */
static void test_wide_names_whole(void **state)
{
    (void)state;
    char input[70 * 4 + 1] = "", group[35 * 4 + 1] = "", csv[512], want[256];
    for (int i = 0; i < 70; i++)
        strcat(input, "\xF0\x9F\x98\x80");
    memcpy(group, input, 35 * 4);
    group[35 * 4] = '\0';
    snprintf(csv, sizeof csv, "study,n,events,g\nA,10,2,%s\nB,12,3,b\nC,9,4,b\n", group);
    msc_dataset *d = load_text(csv, "events", "g");
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    const msc_report_options o = {0, input, NULL, NULL};
    char *tab = render_report(msc_report_table, a, &o, NULL);
    snprintf(want, sizeof want, "proportions, %s\n", input);
    assert_non_null(strstr(tab, want));
    snprintf(want, sizeof want, "  ! %s: k = 1", group);
    assert_non_null(strstr(tab, want));
    free(tab);
    msc_safety *sf = NULL;
    double t = 0.5;
    assert_int_equal(msc_safety_evaluate(a, &t, &sf), MSC_OK);
    const msc_report_options so = {0, input, sf, NULL};
    tab = render_report(msc_report_safety_table, a, &so, NULL);
    snprintf(want, sizeof want, "safety check: %s\n", input);
    assert_non_null(strstr(tab, want));
    free(tab);
    msc_safety_free(sf, a->n_outcomes);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* The safety writers need the safety results: without them (no options,
 * or options without `safety`) they refuse with MSC_ERR_USAGE and write
 * nothing, instead of following a NULL pointer. */
static void test_safety_without_safety(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/pritz1997.csv", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    const msc_report_options no_safety = {0, "x", NULL, NULL};
    const msc_report_fn fns[] = {msc_report_safety_table, msc_report_safety_csv};
    for (size_t i = 0; i < 2; i++) {
        char *buf = NULL;
        size_t n = 0;
        FILE *fp = open_memstream(&buf, &n);
        assert_non_null(fp);
        assert_int_equal(fns[i](fp, a, &no_safety), MSC_ERR_USAGE);
        assert_int_equal(fns[i](fp, a, NULL), MSC_ERR_USAGE);
        assert_int_equal(fclose(fp), 0);
        assert_int_equal(n, 0);
        free(buf);
    }
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* Pieces of a report handed to a callback. */
typedef struct {
    char *text;
    size_t len, calls, largest;
    int fail_at; /* the call that fails with MSC_ERR_IO; 0: none */
} collected;

static msc_status collect(void *ctx, const char *buf, size_t len)
{
    collected *c = ctx;
    if (++c->calls == (size_t)c->fail_at)
        return MSC_ERR_IO;
    c->text = realloc(c->text, c->len + len + 1);
    assert_non_null(c->text);
    memcpy(c->text + c->len, buf, len);
    c->len += len;
    c->text[c->len] = '\0';
    if (len > c->largest)
        c->largest = len;
    return MSC_OK;
}

/* msc_report_write: the report of each format to a callback, the same
 * bytes as through a FILE*; o->safety chooses the safety report. */
static void test_write_to_callback(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, "disease");
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    msc_safety *sf = NULL;
    double t[3] = {0.05, 0.05, 0.05};
    assert_int_equal(msc_safety_evaluate(a, t, &sf), MSC_OK);
    const msc_report_options pool = {0, "x.csv", NULL, NULL}, safety = {0, "x.csv", sf, NULL};
    const struct {
        msc_format f;
        const msc_report_options *o;
        msc_report_fn fn;
        const char *start;
    } cases[] = {
        {MSC_FORMAT_TABLE, &pool, msc_report_table, "mscmeta " MSC_VERSION ": meta-analysis"},
        {MSC_FORMAT_JSON, &pool, msc_report_json, "{\"tool\":\"mscmeta\",\"command\":\"pool\""},
        {MSC_FORMAT_CSV, &pool, msc_report_csv, "outcome,type,group,study,row,events,n,"},
        {MSC_FORMAT_TABLE, &safety, msc_report_safety_table, "mscmeta " MSC_VERSION " safety"},
        {MSC_FORMAT_JSON, &safety, msc_report_json, "{\"tool\":\"mscmeta\",\"command\":\"safety\""},
        {MSC_FORMAT_CSV, &safety, msc_report_safety_csv, "outcome,type,group,study,row,events,n,rate,"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        collected c = {0};
        assert_int_equal(msc_report_write(a, cases[i].o, cases[i].f, collect, &c), MSC_OK);
        assert_non_null(c.text);
        assert_true(strncmp(c.text, cases[i].start, strlen(cases[i].start)) == 0);
        size_t n;
        char *viafile = render_report(cases[i].fn, a, cases[i].o, &n);
        assert_int_equal(c.len, n);
        assert_memory_equal(c.text, viafile, n);
        char *str = NULL;
        size_t slen = 0;
        assert_int_equal(msc_report_string(cases[i].fn, a, cases[i].o, &str, &slen), MSC_OK);
        assert_int_equal(slen, n);
        assert_string_equal(str, viafile);
        msc_free(str);
        free(viafile);
        free(c.text);
    }
    /* the pool writers ignore safety results */
    char *tab = render_report(msc_report_table, a, &safety, NULL);
    assert_true(strncmp(tab, cases[0].start, strlen(cases[0].start)) == 0);
    free(tab);
    msc_safety_free(sf, a->n_outcomes);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* A large report comes in pieces of at most 64 KiB; the first failure of
 * the callback stops it and is returned; bad arguments write nothing. */
static void test_write_pieces_and_failures(void **state)
{
    (void)state;
    enum { K = 5000 };
    double *x = malloc(K * sizeof *x), *n = malloc(K * sizeof *n);
    for (int i = 0; i < K; i++) {
        x[i] = i % 7;
        n[i] = 20 + i % 13;
    }
    char err[MSC_ERRBUF];
    msc_dataset *d = NULL;
    assert_int_equal(msc_dataset_from_counts(NULL, x, n, K, NULL, &d, err, sizeof err), MSC_OK);
    msc_analysis *a = run_method(d, MSC_METHOD_DL);
    collected c = {0};
    assert_int_equal(msc_report_write(a, NULL, MSC_FORMAT_JSON, collect, &c), MSC_OK);
    assert_true(c.len > 4 * 65536); /* 5,000 studies of ~250 bytes */
    assert_true(c.calls >= 4);
    assert_true(c.largest <= 65536);
    assert_int_equal(c.text[c.len - 1], '\n');
    json_error_t e;
    json_t *j = json_loads(c.text, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(j, "outcomes"), 0),
                                                     "studies")),
                     K);
    json_decref(j);
    free(c.text);

    collected f = {0};
    f.fail_at = 2;
    assert_int_equal(msc_report_write(a, NULL, MSC_FORMAT_CSV, collect, &f), MSC_ERR_IO);
    assert_int_equal(f.calls, 2); /* not called after the failure */
    free(f.text);

    collected u = {0};
    assert_int_equal(msc_report_write(NULL, NULL, MSC_FORMAT_JSON, collect, &u), MSC_ERR_USAGE);
    assert_int_equal(msc_report_write(a, NULL, MSC_FORMAT_JSON, NULL, &u), MSC_ERR_USAGE);
    assert_int_equal(msc_report_write(a, NULL, (msc_format)7, collect, &u), MSC_ERR_USAGE);
    assert_int_equal(u.calls, 0);
    char *str = (char *)"untouched";
    assert_int_equal(msc_report_string(NULL, a, NULL, &str, NULL), MSC_ERR_USAGE);
    assert_null(str);
    msc_analysis_free(a);
    msc_dataset_free(d);
    free(x);
    free(n);
}

/* A writer of the caller's own still runs into a string. */
static msc_status own_writer(FILE *fp, const msc_analysis *a, const msc_report_options *o)
{
    (void)o;
    return fprintf(fp, "%zu outcome(s)", a->n_outcomes) > 0 ? MSC_OK : MSC_ERR_IO;
}

static void test_string_of_own_writer(void **state)
{
    (void)state;
    msc_dataset *d = load_file("reference/pritz1997.csv", "events", NULL);
    msc_settings s;
    msc_settings_default(&s);
    msc_analysis *a = run_analysis(d, &s);
    char *str = NULL;
    size_t len = 0;
    assert_int_equal(msc_report_string(own_writer, a, NULL, &str, &len), MSC_OK);
    assert_string_equal(str, "1 outcome(s)");
    assert_int_equal(len, 12);
    msc_free(str);
    msc_analysis_free(a);
    msc_dataset_free(d);
}

/* ------------------------------------- the CSV holds what the table shows */

/* A CSV parsed into rows of cells (RFC 4180 quotes; the reports write no
 * line breaks in these data sets). */
typedef struct {
    char ***cell;
    size_t rows, cols;
} csv_doc;

static csv_doc csv_parse_text(const char *text)
{
    csv_doc c = {NULL, 0, 0};
    for (const char *p = text; *p;) {
        char **row = calloc(64, sizeof *row);
        size_t n = 0;
        for (;;) {
            char *cellv = malloc(strlen(p) + 1), *o = cellv;
            if (*p == '"') {
                for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
                    if (*p == '"')
                        p++;
                    *o++ = *p;
                }
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != '\n')
                    *o++ = *p++;
            }
            *o = '\0';
            assert_true(n < 64);
            row[n++] = cellv;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\n')
                p++;
            break;
        }
        if (c.rows == 0)
            c.cols = n;
        assert_int_equal(n, c.cols); /* every row as wide as the header */
        c.cell = realloc(c.cell, (c.rows + 1) * sizeof *c.cell);
        c.cell[c.rows++] = row;
    }
    return c;
}

static void csv_doc_free(csv_doc *c)
{
    for (size_t r = 0; r < c->rows; r++) {
        for (size_t j = 0; j < c->cols; j++)
            free(c->cell[r][j]);
        free(c->cell[r]);
    }
    free(c->cell);
}

static size_t csv_col(const csv_doc *c, const char *name)
{
    for (size_t j = 0; j < c->cols; j++)
        if (strcmp(c->cell[0][j], name) == 0)
            return j;
    fail_msg("no CSV column \"%s\"", name);
    return 0;
}

/* Whether the CSV has a row whose columns names[i] hold values[i] ("" for
 * empty, NULL for any). */
static int csv_has(const csv_doc *c, const char *const *names, const char *const *values,
                   size_t n)
{
    for (size_t r = 1; r < c->rows; r++) {
        size_t i = 0;
        while (i < n && (!values[i] || strcmp(c->cell[r][csv_col(c, names[i])], values[i]) == 0))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* How many of each check_csv_has_table compared: the data set's warnings,
 * outcomes' warnings, subgroups' warnings, exclusions. */
static size_t compared[4];

/* Every exclusion and every warning of the analysis (the data set's, each
 * outcome's, each subgroup's) is in the table and is a row of the CSV,
 * with its outcome, group, study, line and reason or message. */
static void check_csv_has_table(const msc_analysis *a, const char *csv_text, const char *table)
{
    csv_doc c = csv_parse_text(csv_text);
    static const char *const wcols[] = {"type", "outcome", "group", "message"};
    static const char *const ecols[] = {"type", "outcome", "study", "row", "reason"};
    for (size_t i = 0; i < a->data->warnings.n; i++) {
        const char *msg = a->data->warnings.msg[i];
        const char *v[] = {"warning", "", "", msg};
        if (!csv_has(&c, wcols, v, 4))
            fail_msg("no CSV row for the data set's warning \"%s\"", msg);
        assert_non_null(strstr(table, msg));
        compared[0]++;
    }
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        const char *name = o->data->name;
        for (size_t i = 0; i < o->warnings.n; i++) {
            const char *v[] = {"warning", name, "", o->warnings.msg[i]};
            if (!csv_has(&c, wcols, v, 4))
                fail_msg("%s: no CSV row for the warning \"%s\"", name, o->warnings.msg[i]);
            assert_non_null(strstr(table, o->warnings.msg[i]));
            compared[1]++;
        }
        for (size_t g = 0; g < o->n_groups; g++) {
            msc_fit gf;
            msc_warnings gw = {0};
            assert_int_equal(msc_group_fit(a, o, g, &gf, &gw), MSC_OK);
            for (size_t i = 0; i < gw.n; i++) {
                const char *msg = gw.msg[i];
                const char *v[] = {"warning", name, o->group[g].name, msg};
                if (!csv_has(&c, wcols, v, 4))
                    fail_msg("%s, %s: no CSV row for the warning \"%s\"", name, o->group[g].name,
                             msg);
                assert_non_null(strstr(table, msg));
                compared[2]++;
            }
            msc_warnings_clear(&gw);
        }
        for (size_t i = 0; i < o->n_excluded; i++) {
            size_t r = o->excluded_row[i];
            char line[32];
            snprintf(line, sizeof line, "%ld", a->data->line[r]);
            const char *v[] = {"excluded", name, a->data->label[r], line, o->excluded_reason[i]};
            if (!csv_has(&c, ecols, v, 5))
                fail_msg("%s: no CSV row for excluded %s", name, a->data->label[r]);
            assert_non_null(strstr(table, a->data->label[r]));
            assert_non_null(strstr(table, o->excluded_reason[i]));
            compared[3]++;
        }
    }
    csv_doc_free(&c);
}

static void test_csv_has_what_the_table_shows(void **state)
{
    (void)state;
    static const msc_method methods[] = {MSC_METHOD_REML, MSC_METHOD_GLMM, MSC_METHOD_FE};
    static const char *const files[] = {"../data/msc_autoimmune.csv",
                                        "hostile/invalid_utf8.csv", "hostile/excluded_grouped.csv"};
    static const char *const groups[] = {"disease", NULL, "group"};
    for (size_t f = 0; f < 3; f++)
        for (int sub = 0; sub < 2; sub++) {
            msc_dataset *d = load_file(files[f], NULL, sub ? groups[f] : NULL);
            for (size_t m = 0; m < 3; m++) {
                msc_analysis *a = run_method(d, methods[m]);
                msc_report_options ro = {0, "t.csv", NULL, NULL};
                char *csv = render_report(msc_report_csv, a, &ro, NULL);
                char *table = render_report(msc_report_table, a, &ro, NULL);
                check_csv_has_table(a, csv, table);
                free(csv);
                free(table);
                /* and the safety report's CSV */
                double *t = malloc(a->n_outcomes * sizeof *t);
                for (size_t j = 0; j < a->n_outcomes; j++)
                    t[j] = 0.05;
                msc_safety *sf;
                assert_int_equal(msc_safety_evaluate(a, t, &sf), MSC_OK);
                msc_report_options so = {0, "t.csv", sf, NULL};
                csv = render_report(msc_report_safety_csv, a, &so, NULL);
                table = render_report(msc_report_safety_table, a, &so, NULL);
                csv_doc c = csv_parse_text(csv);
                static const char *const ecols[] = {"type", "outcome", "study", "reason"};
                static const char *const wcols[] = {"type", "outcome", "message"};
                for (size_t j = 0; j < a->n_outcomes; j++) {
                    const msc_outcome_result *o = &a->outcome[j];
                    for (size_t i = 0; i < o->n_excluded; i++) {
                        const char *v[] = {"excluded", o->data->name,
                                           a->data->label[o->excluded_row[i]],
                                           o->excluded_reason[i]};
                        assert_true(csv_has(&c, ecols, v, 4));
                    }
                    for (size_t i = 0; i < o->warnings.n; i++) {
                        const char *v[] = {"warning", o->data->name, o->warnings.msg[i]};
                        assert_true(csv_has(&c, wcols, v, 3));
                        assert_non_null(strstr(table, o->warnings.msg[i]));
                    }
                }
                csv_doc_free(&c);
                free(csv);
                free(table);
                msc_safety_free(sf, a->n_outcomes);
                free(t);
                msc_analysis_free(a);
            }
            msc_dataset_free(d);
        }
    /* the files were chosen to have every kind */
    for (size_t i = 0; i < 4; i++)
        assert_true(compared[i] > 0);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_contract),   cmocka_unit_test(test_json_fe_and_knha),
        cmocka_unit_test(test_skipped_outcome), cmocka_unit_test(test_hostile_labels),
        cmocka_unit_test(test_write_error),     cmocka_unit_test(test_safety_without_safety),
        cmocka_unit_test(test_c1_controls_in_table), cmocka_unit_test(test_wide_names_whole),
        cmocka_unit_test(test_write_to_callback),    cmocka_unit_test(test_write_pieces_and_failures),
        cmocka_unit_test(test_string_of_own_writer),
        cmocka_unit_test(test_csv_has_what_the_table_shows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
