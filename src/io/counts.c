/*
 * A data set from counts held in memory, for programs that embed the
 * library (examples/): the same checks as the CSV loader applies to a
 * cell, with "study i" in place of "file:line".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_core.h"
#include "msc_io.h"

/* A count as the loader accepts it: a whole number from 0 to
 * MSC_MAX_COUNT, or NAN for a missing one. */
static int bad_count(double v)
{
    return !isnan(v) && !(v >= 0.0 && v <= MSC_MAX_COUNT && v == floor(v));
}

msc_status msc_dataset_from_counts(const char *const *labels, const double *events, const double *n,
                                   size_t k, const char *outcome, msc_dataset **out, char *err,
                                   size_t errlen)
{
    *out = NULL;
    if (!events || !n || k == 0) {
        snprintf(err, errlen, "no studies: give events and n for at least one study");
        return MSC_ERR_USAGE;
    }
    for (size_t i = 0; i < k; i++) {
        if (bad_count(events[i]) || bad_count(n[i])) {
            snprintf(err, errlen, "study %zu: counts must be whole numbers from 0 to 1e15", i + 1);
            return MSC_ERR_INPUT;
        }
        if (n[i] == 0.0) {
            snprintf(err, errlen, "study %zu: n is 0; every study needs at least 1 patient", i + 1);
            return MSC_ERR_INPUT;
        }
        if (events[i] > n[i]) {
            snprintf(err, errlen, "study %zu: %.0f events but only %.0f patients", i + 1, events[i],
                     n[i]);
            return MSC_ERR_INPUT;
        }
    }
    msc_io_dataset *x = calloc(1, sizeof *x); /* msc_dataset_free finds the arena */
    msc_dataset *d = x ? &x->d : NULL;
    if (!d)
        goto nomem;
    d->source = msc_strdup("<memory>");
    d->label = calloc(k, sizeof *d->label);
    d->line = malloc(k * sizeof *d->line);
    d->group = NULL; /* no subgroup column */
    d->outcome = calloc(1, sizeof *d->outcome);
    if (!d->source || !d->label || !d->line || !d->outcome)
        goto nomem;
    d->k = k;
    d->n_outcomes = 1;
    msc_outcome_data *o = d->outcome;
    o->name = msc_strdup(outcome ? outcome : "events");
    o->denom = msc_strdup("n");
    o->events = malloc(k * sizeof *o->events);
    o->n = malloc(k * sizeof *o->n);
    if (!o->name || !o->denom || !o->events || !o->n)
        goto nomem;
    for (size_t i = 0; i < k; i++) {
        char tmp[48];
        const char *lab = labels && labels[i] && labels[i][0] ? labels[i] : NULL;
        if (!lab) {
            snprintf(tmp, sizeof tmp, "study %zu", i + 1);
            lab = tmp;
        }
        int fixed;
        char *clean = msc_utf8_clean(lab, strlen(lab), &fixed);
        d->label[i] = clean ? msc_io_arena_copy(&x->text, clean, strlen(clean)) : NULL;
        free(clean);
        if (!d->label[i])
            goto nomem;
        d->line[i] = (long)i + 1;
        o->events[i] = events[i] + 0.0; /* -0 -> 0 */
        o->n[i] = n[i] + 0.0;
    }
    *out = d;
    return MSC_OK;
nomem:
    msc_dataset_free(d);
    snprintf(err, errlen, "out of memory");
    return MSC_ERR_NOMEM;
}
