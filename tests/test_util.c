/* Shared test helpers; see test_util.h. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void msc_assert_close(double got, double want, double rel, const char *what, const char *file,
                      int line)
{
    int ok;
    if (isnan(want))
        ok = isnan(got);
    else if (isinf(want))
        ok = got == want;
    else if (fabs(want) < 1e-300)
        ok = fabs(got) <= rel;
    else
        ok = fabs(got - want) <= rel * fabs(want);
    if (!ok) {
        print_error("%s: got %.17g, want %.17g (relative difference %.3g > %.3g)\n", what, got,
                    want, fabs(got - want) / fabs(want), rel);
        _fail(file, line);
    }
}

json_t *ref_load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "reference/%s", name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) {
        print_error("cannot read %s: %s (line %d)\n", path, e.text, e.line);
        fail();
    }
    return j;
}

double ref_num(const json_t *v)
{
    if (!v || json_is_null(v))
        return NAN;
    return json_number_value(v);
}

double ref_get(const json_t *obj, const char *key) { return ref_num(json_object_get(obj, key)); }

double ref_at(const json_t *obj, const char *key, size_t i)
{
    return ref_num(json_array_get(json_object_get(obj, key), i));
}

msc_dataset *load_buffer(const char *csv, size_t len, const char *name, const char *events,
                         const char *subgroup)
{
    msc_load_options o;
    msc_load_options_default(&o);
    const char *ev[1] = {events};
    if (events) {
        o.events_cols = ev;
        o.n_events_cols = 1;
    }
    o.subgroup_col = subgroup;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF] = "";
    int rc = msc_dataset_load_buffer(csv, len, name, &o, &d, err, sizeof err);
    if (rc != MSC_OK) {
        print_error("loading %s failed: %s\n", name, err);
        fail();
    }
    return d;
}

msc_dataset *load_text(const char *csv, const char *events, const char *subgroup)
{
    return load_buffer(csv, strlen(csv), "test.csv", events, subgroup);
}

msc_dataset *load_file(const char *path, const char *events, const char *subgroup)
{
    size_t len;
    char *buf = read_file(path, &len);
    msc_dataset *d = load_buffer(buf, len, path, events, subgroup);
    free(buf);
    return d;
}

msc_dataset *load_ref_set(const char *set, const char *subgroup)
{
    char path[256];
    snprintf(path, sizeof path, "reference/%s.csv", set);
    return load_file(path, "events", subgroup);
}

void free_analysis_and_data(msc_analysis *a)
{
    const msc_dataset *d = a->data;
    msc_analysis_free(a);
    msc_dataset_free((msc_dataset *)d);
}

msc_analysis *run_method(const msc_dataset *d, msc_method m)
{
    msc_settings s;
    msc_settings_default(&s);
    s.method = m;
    return run_analysis(d, &s);
}

msc_analysis *run_analysis_flags(const msc_dataset *d, const msc_settings *s, unsigned flags)
{
    msc_analysis *a = NULL;
    char err[MSC_ERRBUF] = "";
    int rc = msc_analysis_run(d, s, flags, &a, err, sizeof err);
    if (rc != MSC_OK) {
        print_error("analysis failed: %s\n", err);
        fail();
    }
    return a;
}

msc_analysis *run_analysis(const msc_dataset *d, const msc_settings *s)
{
    return run_analysis_flags(d, s, 0);
}

char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        print_error("cannot open %s\n", path);
        fail();
    }
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            assert_non_null(nb);
            buf = nb;
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        print_error("cannot read %s\n", path);
        fail();
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *render_report(msc_report_fn fn, const msc_analysis *a, const msc_report_options *ro,
                    size_t *len)
{
    msc_report_options dflt;
    if (!ro) {
        memset(&dflt, 0, sizeof dflt);
        dflt.input_name = "test.csv";
        ro = &dflt;
    }
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    assert_non_null(fp);
    assert_int_equal(fn(fp, a, ro), MSC_OK);
    assert_int_equal(fclose(fp), 0);
    if (len)
        *len = n;
    return buf;
}

static void print_warnings(const msc_outcome_result *o)
{
    for (size_t i = 0; i < o->warnings.n; i++)
        print_error("  warning %zu: %s\n", i + 1, o->warnings.msg[i]);
}

void msc_assert_one_warning(const msc_outcome_result *o, const char *substr, const char *file,
                            int line)
{
    if (o->warnings.n != 1 || !strstr(o->warnings.msg[0], substr)) {
        print_error("want exactly one warning containing \"%s\", have %zu:\n", substr,
                    o->warnings.n);
        print_warnings(o);
        _fail(file, line);
    }
}

void msc_assert_has_warning(const msc_outcome_result *o, const char *substr, const char *file,
                            int line)
{
    for (size_t i = 0; i < o->warnings.n; i++)
        if (strstr(o->warnings.msg[i], substr))
            return;
    print_error("no warning contains \"%s\"; have %zu:\n", substr, o->warnings.n);
    print_warnings(o);
    _fail(file, line);
}

int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path);
    assert_non_null(copy);
    int found = 0;
    for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char f[4096];
        snprintf(f, sizeof f, "%s/gnuplot", d);
        found = access(f, X_OK) == 0;
    }
    free(copy);
    return found;
}

uint64_t xorshift64(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}
