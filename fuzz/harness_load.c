/*
 * Harness (a): the CSV loader with column mapping.
 *
 * Option bytes:
 *   0  delimiter: 0 auto, 1 ',', 2 ';', 3 tab, 4 '|', 5 ' ', else the byte
 *      itself (as --delimiter would take it; '"', CR and LF are refused there)
 *   1  events columns: &3 = 0 defaults, 1 one name, 2 two names, 3 one name
 *      twice; names from NAMES by the upper bits
 *   2  subgroup: bit 0 on, name from the upper bits
 *   3  bit 0: --study from the upper bits; bit 7: --n from bits 1-4
 * Properties: the in-memory and the FILE* loaders agree on everything; an
 * error is one line starting "fuzz.csv" and leaves no data set; a data set
 * has k >= 1 rows with valid UTF-8 labels, strictly increasing lines, and
 * counts that are whole numbers in [0, 1e15] with n >= 1 and events <= n.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_harness.h"
#include "mscmeta/mscmeta.h"

static const char *const NAMES[] = {"events", "responders", "adverse_events", "n",
                                    "study",  "disease",    "x",              "",
                                    "n_events", "serious_adverse_events", "N", "group"};
#define N_NAMES (sizeof NAMES / sizeof NAMES[0])

static const char *name_of(unsigned v) { return NAMES[v % N_NAMES]; }

/* Fills o from the option bytes; evs must hold 2 names. */
static void options(const uint8_t *b, msc_load_options *o, const char **evs)
{
    msc_load_options_default(o);
    static const char delims[] = {0, ',', ';', '\t', '|', ' '};
    if (b[0] < sizeof delims)
        o->delimiter = delims[b[0]];
    else if (b[0] != '"' && b[0] != '\n' && b[0] != '\r')
        o->delimiter = (char)b[0];
    switch (b[1] & 3) {
    case 1:
        evs[0] = name_of(b[1] >> 2);
        o->n_events_cols = 1;
        break;
    case 2:
        evs[0] = name_of(b[1] >> 2);
        evs[1] = name_of(b[1] >> 5);
        o->n_events_cols = 2;
        break;
    case 3:
        evs[0] = evs[1] = name_of(b[1] >> 2);
        o->n_events_cols = 2;
        break;
    default:
        break;
    }
    if (o->n_events_cols)
        o->events_cols = evs;
    if (b[2] & 1)
        o->subgroup_col = name_of(b[2] >> 1);
    if (b[3] & 1)
        o->study_col = name_of(b[3] >> 1);
    if (b[3] & 0x80)
        o->n_col = name_of((b[3] >> 1) & 0x0f);
    o->encoding = (msc_encoding)((b[2] >> 5) & 3); /* auto, utf-8, cp1252, latin1 */
}

static int is_count(double v)
{
    return isfinite(v) && v >= 0.0 && v <= MSC_MAX_COUNT && v == floor(v) && !signbit(v);
}

static void check_dataset(const msc_dataset *d, const msc_load_options *o)
{
    FUZZ_CHECK(d->k >= 1, NULL);
    FUZZ_CHECK(d->n_outcomes >= 1, NULL);
    FUZZ_CHECK(strcmp(d->source, "fuzz.csv") == 0, d->source);
    FUZZ_CHECK((d->group_col != NULL) == (o->subgroup_col != NULL), NULL);
    /* the subgroup array exists exactly when there is a subgroup column
     * (and a record to hold) */
    FUZZ_CHECK(!d->group || d->group_col, "a subgroup array without a subgroup column");
    FUZZ_CHECK(!d->group_col || d->k == 0 || d->group, "a subgroup column without its array");
    for (size_t i = 0; i < d->k; i++) {
        FUZZ_CHECK(d->label[i] && d->label[i][0], NULL);
        FUZZ_CHECK(msc_fuzz_valid_utf8(d->label[i], strlen(d->label[i])), d->label[i]);
        FUZZ_CHECK(d->line[i] >= 1, NULL);
        FUZZ_CHECK(i == 0 || d->line[i] >= d->line[i - 1], "lines must not go back");
        if (d->group && d->group[i]) {
            FUZZ_CHECK(d->group_col != NULL, NULL);
            FUZZ_CHECK(msc_fuzz_valid_utf8(d->group[i], strlen(d->group[i])), d->group[i]);
        }
    }
    for (size_t j = 0; j < d->n_outcomes; j++) {
        const msc_outcome_data *od = &d->outcome[j];
        FUZZ_CHECK(od->name && od->denom, NULL);
        for (size_t k = 0; k < j; k++)
            FUZZ_CHECK(strcmp(od->name, d->outcome[k].name) != 0, "outcome named twice");
        for (size_t i = 0; i < d->k; i++) {
            double x = od->events[i], n = od->n[i];
            FUZZ_CHECK(isnan(x) || is_count(x), od->name);
            FUZZ_CHECK(isnan(n) || (is_count(n) && n >= 1.0), od->denom);
            FUZZ_CHECK(isnan(x) || isnan(n) || x <= n, "events <= n");
        }
    }
    for (size_t i = 0; i < d->warnings.n; i++) {
        FUZZ_CHECK(msc_fuzz_one_line(d->warnings.msg[i]), d->warnings.msg[i]);
        FUZZ_CHECK(msc_fuzz_valid_utf8(d->warnings.msg[i], strlen(d->warnings.msg[i])),
                   d->warnings.msg[i]);
    }
}

/* The loader's error: lines joined by '\n' (data.h), each naming the file
 * but a last "... and N more problems". */
static void check_error(const char *err)
{
    FUZZ_CHECK(strlen(err) < MSC_ERRBUF, err);
    char copy[MSC_ERRBUF];
    memcpy(copy, err, strlen(err) + 1);
    for (char *line = copy, *nl;; line = nl + 1) {
        if ((nl = strchr(line, '\n')))
            *nl = '\0';
        FUZZ_CHECK(strncmp(line, "fuzz.csv", 8) == 0 ||
                       (!nl && strncmp(line, "... and ", 8) == 0 && line != copy),
                   err);
        FUZZ_CHECK(msc_fuzz_one_line(line), err);
        if (!nl)
            break;
    }
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The two loaders must produce identical data sets. */
static void check_same(const msc_dataset *a, const msc_dataset *b)
{
    FUZZ_CHECK(a->k == b->k && a->n_outcomes == b->n_outcomes, "k / outcomes differ");
    FUZZ_CHECK(same_str(a->group_col, b->group_col), NULL);
    FUZZ_CHECK(a->warnings.n == b->warnings.n, "warnings differ");
    for (size_t i = 0; i < a->warnings.n; i++)
        FUZZ_CHECK(strcmp(a->warnings.msg[i], b->warnings.msg[i]) == 0, a->warnings.msg[i]);
    for (size_t i = 0; i < a->k; i++) {
        FUZZ_CHECK(strcmp(a->label[i], b->label[i]) == 0, "labels differ");
        FUZZ_CHECK(a->line[i] == b->line[i], "lines differ");
        FUZZ_CHECK((a->group == NULL) == (b->group == NULL), "group arrays differ");
        FUZZ_CHECK(!a->group || same_str(a->group[i], b->group[i]), "groups differ");
    }
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_data *x = &a->outcome[j], *y = &b->outcome[j];
        FUZZ_CHECK(strcmp(x->name, y->name) == 0 && strcmp(x->denom, y->denom) == 0, NULL);
        for (size_t i = 0; i < a->k; i++)
            FUZZ_CHECK(same_double(x->events[i], y->events[i]) && same_double(x->n[i], y->n[i]),
                       "counts differ");
    }
}

int msc_fuzz_load(const uint8_t *data, size_t size)
{
    if (size < MSC_FUZZ_LOAD_PREFIX)
        return 0;
    msc_load_options o;
    const char *evs[2] = {NULL, NULL};
    options(data, &o, evs);
    const char *csv = (const char *)data + MSC_FUZZ_LOAD_PREFIX;
    size_t len = size - MSC_FUZZ_LOAD_PREFIX;

    char e1[MSC_ERRBUF], e2[MSC_ERRBUF];
    msc_dataset *d1 = NULL, *d2 = NULL;
    e1[0] = e2[0] = '\0';
    int rc1 = msc_dataset_load_buffer(csv, len, "fuzz.csv", &o, &d1, e1, sizeof e1);
    FUZZ_CHECK(rc1 == MSC_OK || rc1 == MSC_ERR_INPUT, e1);
    if (rc1 == MSC_OK) {
        FUZZ_CHECK(d1 != NULL, NULL);
        check_dataset(d1, &o);
    } else {
        FUZZ_CHECK(d1 == NULL, NULL);
        check_error(e1);
    }

    /* The streaming loader reads the same bytes through a FILE*. */
    FILE *fp = len ? fmemopen((void *)csv, len, "rb") : fopen("/dev/null", "rb");
    FUZZ_CHECK(fp != NULL, "fmemopen");
    int rc2 = msc_dataset_load(fp, "fuzz.csv", &o, &d2, e2, sizeof e2);
    fclose(fp);
    FUZZ_CHECK(rc1 == rc2, e2);
    FUZZ_CHECK(strcmp(e1, e2) == 0, e2);
    if (rc1 == MSC_OK)
        check_same(d1, d2);
    msc_dataset_free(d1);
    msc_dataset_free(d2);
    return 0;
}
