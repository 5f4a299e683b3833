/*
 * The JSON report: the contract other programs (and our own checks) read.
 * Numbers carry 17 significant digits; values that do not apply are null.
 * `estimate`, `ci_*` and `pi_*` are proportions; `yi`, `se`, `statistic`,
 * `p` are on the model scale; weights and I^2 are percentages.
 *
 * jansson encodes every value (escaping, UTF-8, number format); the writer
 * streams the document one study at a time, so a million studies never
 * sit in memory as a JSON tree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "msc_stats.h"
#include "msc_report.h"

#define JFLAGS (JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17))

typedef struct {
    FILE *fp;
    int err;
} jw;

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* A string that may not be valid UTF-8 (a file name from the command line). */
static json_t *str(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    int fixed;
    char *c = msc_utf8_clean(s, strlen(s), &fixed);
    j = c ? json_string(c) : NULL;
    free(c);
    return j ? j : json_null();
}

static void put(jw *w, const char *s)
{
    if (fputs(s, w->fp) < 0)
        w->err = 1;
}

/* Writes v and releases it. Encoding to a string first means one write per
 * value (json_dumpf writes every token separately). */
static void put_json(jw *w, json_t *v)
{
    char *text = v ? json_dumps(v, JFLAGS) : NULL;
    if (!text || fputs(text, w->fp) < 0)
        w->err = 1;
    free(text);
    json_decref(v);
}

enum { OPEN, MEMBERS };

/* Writes object v without its closing brace, so that more members can
 * stream in after it, and releases v. OPEN starts a new object with v's
 * members; MEMBERS adds them, after a comma, to the object being written
 * (nothing when v is empty). Returns -1, with w->err set, when v could not
 * be encoded (nothing written). */
static int put_partial(jw *w, json_t *v, int how)
{
    char *text = v ? json_dumps(v, JFLAGS) : NULL;
    json_decref(v);
    if (!text) {
        w->err = 1;
        return -1;
    }
    text[strlen(text) - 1] = '\0'; /* the closing brace */
    if (how == OPEN) {
        put(w, text);
    } else if (text[1]) { /* "{" alone: no members */
        put(w, ",");
        put(w, text + 1); /* after the opening brace */
    }
    free(text);
    return 0;
}

static void put_key(jw *w, const char *key)
{
    put_json(w, str(key));
    put(w, ":");
}

static json_t *estimate_json(const msc_estimate *e, int with_pi)
{
    json_t *o = json_object();
    json_object_set_new(o, "estimate", num(e->est));
    json_object_set_new(o, "ci_lower", num(e->ci_lo));
    json_object_set_new(o, "ci_upper", num(e->ci_hi));
    json_object_set_new(o, "yi", num(e->yi));
    json_object_set_new(o, "se", num(e->se));
    json_object_set_new(o, "statistic", num(e->stat));
    json_object_set_new(o, "p", num(e->p));
    json_object_set_new(o, "df", num(e->df));
    json_object_set_new(o, "ci_yi_lower", num(e->ci_lo_yi));
    json_object_set_new(o, "ci_yi_upper", num(e->ci_hi_yi));
    if (with_pi) {
        json_object_set_new(o, "pi_lower", num(e->pi_lo));
        json_object_set_new(o, "pi_upper", num(e->pi_hi));
        json_object_set_new(o, "pi_yi_lower", num(e->pi_lo_yi));
        json_object_set_new(o, "pi_yi_upper", num(e->pi_hi_yi));
        json_object_set_new(o, "pi_df", num(e->pi_df));
    }
    json_object_set_new(o, "exact", json_boolean(e->exact));
    return o;
}

static json_t *heterogeneity_json(const msc_fit *f)
{
    const msc_heterogeneity *h = &f->het;
    json_t *o = json_object();
    json_object_set_new(o, "tau2", num(h->tau2));
    json_object_set_new(o, "tau2_ci_lower", num(h->tau2_lo));
    json_object_set_new(o, "tau2_ci_upper", num(h->tau2_hi));
    json_object_set_new(o, "tau", num(h->tau));
    json_object_set_new(o, "I2", num(h->I2));
    json_object_set_new(o, "I2_ci_lower", num(h->I2_lo));
    json_object_set_new(o, "I2_ci_upper", num(h->I2_hi));
    json_object_set_new(o, "H2", num(h->H2));
    json_object_set_new(o, "H2_ci_lower", num(h->H2_lo));
    json_object_set_new(o, "H2_ci_upper", num(h->H2_hi));
    json_object_set_new(o, "Q", num(h->Q));
    json_object_set_new(o, "df", num(h->df));
    json_object_set_new(o, "p", num(h->Q_p));
    if (f->method == MSC_METHOD_GLMM) {
        json_object_set_new(o, "Q_wald", num(h->Q));
        json_object_set_new(o, "Q_wald_p", num(h->Q_p));
        json_object_set_new(o, "Q_lrt", num(h->Q_lrt));
        json_object_set_new(o, "Q_lrt_p", num(h->Q_lrt_p));
    }
    return o;
}

static json_t *warnings_json(const msc_warnings *w)
{
    json_t *a = json_array();
    for (size_t i = 0; i < w->n; i++)
        json_array_append_new(a, str(w->msg[i]));
    return a;
}

/* The blocks every fit has: common, random (null for FE), heterogeneity.
 * A block marked "exact" holds the exact pooled proportion (GLMM fallback). */
static void fit_members(json_t *o, const msc_fit *f)
{
    json_object_set_new(o, "common", estimate_json(&f->common, 0));
    json_object_set_new(o, "random", f->has_random ? estimate_json(&f->random, 1) : json_null());
    json_object_set_new(o, "heterogeneity", f->k > 0 ? heterogeneity_json(f) : json_null());
}

static json_t *study_json(const msc_analysis *a, const msc_outcome_result *o, size_t i,
                          const msc_safety *sf)
{
    const msc_dataset *d = a->data;
    size_t r = o->row[i];
    json_t *s = json_object();
    json_object_set_new(s, "study", str(d->label[r]));
    json_object_set_new(s, "row", json_integer(d->line[r]));
    if (d->group_col)
        json_object_set_new(s, "group", d->group[r] ? str(d->group[r]) : json_null());
    json_object_set_new(s, "events", json_integer((json_int_t)o->xi[i]));
    json_object_set_new(s, "n", json_integer((json_int_t)o->ni[i]));
    json_object_set_new(s, "proportion", num(o->xi[i] / o->ni[i]));
    json_object_set_new(s, "ci_lower", o->ci_lo ? num(o->ci_lo[i]) : json_null());
    json_object_set_new(s, "ci_upper", o->ci_hi ? num(o->ci_hi[i]) : json_null());
    json_object_set_new(s, "yi", num(o->yi[i]));
    json_object_set_new(s, "vi", num(o->vi[i]));
    json_object_set_new(s, "weight_common", num(msc_outcome_weight(o, i, 0)));
    json_object_set_new(s, "weight_random", num(msc_outcome_weight(o, i, 1)));
    if (sf) { /* msc_safety_evaluate fills study_upper for every outcome pooled */
        json_object_set_new(s, "upper_bound", num(sf->study_upper[i]));
        json_object_set_new(s, "rule_of_three", o->xi[i] == 0 ? num(3.0 / o->ni[i]) : json_null());
        json_object_set_new(s, "signal", json_boolean(sf->signal[i]));
    }
    return s;
}

static json_t *safety_json(const msc_analysis *a, const msc_safety *sf)
{
    json_t *o = json_object();
    json_object_set_new(o, "threshold", num(sf->threshold));
    json_object_set_new(o, "upper_bound", num(sf->upper_bound));
    json_object_set_new(o, "level", num(sf->level));
    json_object_set_new(o, "exceeded",
                        isfinite(sf->threshold) ? json_boolean(sf->exceeded) : json_null());
    json_object_set_new(o, "method", json_string(msc_method_name(a->settings.method)));
    json_object_set_new(o, "bound", json_string(sf->exact ? "exact (Clopper-Pearson, one-sided)"
                                                          : "one-sided Wald on the model scale"));
    json_object_set_new(o, "signals", json_integer((json_int_t)sf->n_signals));
    return o;
}

static void outcome(jw *w, const msc_analysis *a, const msc_outcome_result *o,
                    const msc_report_options *opt, const msc_safety *sf)
{
    const msc_dataset *d = a->data;
    json_t *head = json_object();
    json_object_set_new(head, "outcome", str(o->data->name));
    json_object_set_new(head, "denominator", str(o->data->denom));
    json_object_set_new(head, "k", json_integer((json_int_t)o->k));
    json_object_set_new(head, "skipped", json_boolean(o->skipped));
    /* Open the object by hand so the study array can stream in. */
    if (put_partial(w, head, OPEN) < 0)
        return;
    put(w, ",");
    put_key(w, "studies");
    put(w, "[");
    if (!opt->summary_only && !o->skipped)
        for (size_t i = 0; i < o->k && !w->err; i++) {
            put(w, i ? ",\n" : "\n");
            put_json(w, study_json(a, o, i, sf));
        }
    put(w, "],");
    put_key(w, "excluded");
    put(w, "[");
    for (size_t i = 0; i < o->n_excluded && !w->err; i++) {
        size_t r = o->excluded_row[i];
        json_t *e = json_object();
        json_object_set_new(e, "study", str(d->label[r]));
        json_object_set_new(e, "row", json_integer(d->line[r]));
        json_object_set_new(e, "reason", str(o->excluded_reason[i]));
        put(w, i ? ",\n" : "\n");
        put_json(w, e);
    }
    put(w, "]");

    json_t *tail = json_object();
    if (o->skipped) {
        json_object_set_new(tail, "common", json_null());
        json_object_set_new(tail, "random", json_null());
        json_object_set_new(tail, "heterogeneity", json_null());
    } else {
        fit_members(tail, &o->fit);
        json_object_set_new(tail, "weights", json_boolean(o->fit.has_weights));
        json_object_set_new(tail, "events_total", num(o->events_total));
        json_object_set_new(tail, "n_total", num(o->n_total));
        json_t *ex = json_object();
        json_object_set_new(ex, "estimate", num(o->exact_est));
        json_object_set_new(ex, "ci_lower", num(o->exact_lo));
        json_object_set_new(ex, "ci_upper", num(o->exact_hi));
        json_object_set_new(ex, "method", json_string("Clopper-Pearson"));
        json_object_set_new(tail, "exact", ex);
        json_object_set_new(tail, "tau2_iterations", json_integer(o->fit.iterations));
        json_object_set_new(tail, "converged", json_boolean(o->fit.converged));
    }
    /* Members so far; the subgroups stream in one at a time after them (a
     * file may have as many levels as studies). */
    put_partial(w, tail, MEMBERS);
    tail = json_object();
    if (d->group_col && !o->skipped) {
        put(w, ",");
        put_key(w, "subgroups");
        put(w, "[");
        for (size_t g = 0; g < o->n_groups && !w->err; g++) {
            const msc_group_result *gr = &o->group[g];
            json_t *go = json_object();
            json_object_set_new(go, "group", str(gr->name));
            json_object_set_new(go, "k", json_integer((json_int_t)gr->k));
            json_object_set_new(go, "events_total", num(gr->events_total));
            json_object_set_new(go, "n_total", num(gr->n_total));
            fit_members(go, &gr->fit);
            json_object_set_new(go, "warnings", warnings_json(&gr->warnings));
            put(w, g ? ",\n" : "\n");
            put_json(w, go);
        }
        put(w, "]");
        json_t *t = json_object();
        json_object_set_new(t, "Q", num(o->Q_between));
        json_object_set_new(t, "df", num(o->Q_between_df));
        json_object_set_new(t, "p", num(o->Q_between_p));
        json_object_set_new(t, "estimates", json_string(o->fit.has_random ? "random" : "common"));
        json_object_set_new(tail, "subgroup_test", t);
        json_object_set_new(tail, "subgroup_missing", json_integer((json_int_t)o->n_group_missing));
    }
    if (sf)
        json_object_set_new(tail, "safety", safety_json(a, sf));
    json_object_set_new(tail, "warnings", warnings_json(&o->warnings));
    put_partial(w, tail, MEMBERS);
    put(w, "}");
}

msc_status msc_report_json(FILE *fp, const msc_analysis *a, const msc_report_options *opt)
{
    jw w = {fp, 0};
    const msc_settings *s = &a->settings;
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);

    json_t *head = json_object();
    json_object_set_new(head, "tool", json_string("mscmeta"));
    json_object_set_new(head, "command", json_string(opt->safety ? "safety" : "pool"));
    json_object_set_new(head, "version", json_string(MSC_VERSION));
    json_object_set_new(head, "input", str(opt->input_name ? opt->input_name : a->data->source));
    json_t *st = json_object();
    json_object_set_new(st, "measure",
                        json_string(msc_measure_name(s->method == MSC_METHOD_GLMM ? MSC_PLO
                                                                                  : s->measure)));
    json_object_set_new(st, "method", json_string(msc_method_name(s->method)));
    json_object_set_new(st, "test", json_string(msc_test_name(s->test)));
    json_object_set_new(st, "level", json_real(s->level));
    json_object_set_new(st, "study_ci", json_string(msc_study_ci_name(s->study_ci)));
    json_object_set_new(st, "pi", json_string(msc_pi_name(s->pi)));
    json_object_set_new(st, "cc", json_real(cc));
    json_object_set_new(st, "cc_mode", json_string(msc_cc_mode_name(mode)));
    if (s->method == MSC_METHOD_GLMM)
        json_object_set_new(st, "nagq", json_integer(s->nagq));
    json_object_set_new(head, "settings", st);
    json_object_set_new(head, "subgroup",
                        a->data->group_col ? str(a->data->group_col) : json_null());
    json_object_set_new(head, "warnings", warnings_json(&a->data->warnings));
    if (put_partial(&w, head, OPEN) < 0)
        return MSC_ERR_NOMEM;
    put(&w, ",");
    put_key(&w, "outcomes");
    put(&w, "[");
    for (size_t j = 0; j < a->n_outcomes && !w.err; j++) {
        put(&w, j ? ",\n" : "\n");
        outcome(&w, a, &a->outcome[j], opt, opt->safety ? &opt->safety[j] : NULL);
    }
    put(&w, "\n]}\n");
    return w.err || ferror(fp) ? MSC_ERR_IO : MSC_OK;
}
