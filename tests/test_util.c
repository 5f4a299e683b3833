/* Shared test helpers; see test_util.h. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

static msc_dataset *load_with(const char *csv, size_t len, const char *name, const char *events,
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
    return load_with(csv, strlen(csv), "test.csv", events, subgroup);
}

msc_dataset *load_file(const char *path, const char *events, const char *subgroup)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        print_error("cannot open %s\n", path);
        fail();
    }
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return load_with(buf, len, path, events, subgroup);
}

msc_analysis *run_analysis(const msc_dataset *d, const msc_settings *s)
{
    msc_analysis *a = NULL;
    char err[MSC_ERRBUF] = "";
    int rc = msc_analysis_run(d, s, 0, &a, err, sizeof err);
    if (rc != MSC_OK) {
        print_error("analysis failed: %s\n", err);
        fail();
    }
    return a;
}
