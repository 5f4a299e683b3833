/*
 * Meta-regression of a data set: the moderators from the CSV's kept
 * columns (numeric or factor, treatment coding with the reference level
 * first), each outcome's studies (those with every moderator; the others
 * excluded with the reason, as for missing counts), the design matrix, the
 * fit (regress_fit.c), the predictions and the permutation test.
 *
 * Coefficients come in the order the issue fixes: the intercept, then each
 * moderator in the order given, a factor's levels in order (reference
 * first, left out, then the others in byte order). Names: "intercept",
 * "COL", "COL=LEVEL".
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msc_regress.h"

/* The regression with the storage behind its public pointers. */
typedef struct {
    msc_regression pub;
    msc_analysis analysis;
    msc_outcome_store *store;
    char **reason_missing;       /* per moderator: "missing COL" */
    const msc_kept_column **col; /* per moderator: its column */
    const size_t *rows;          /* the records analysed (NULL: every record of the data set) */
    size_t nrows;                /* their number */
    uint32_t **level_of;         /* per factor moderator: the level of each record analysed, by
                                  * its position in rows (NO_LEVEL: missing) */
    msc_warnings mod_warnings;   /* about the moderators, given to every outcome */
} regression_impl;

static regression_impl *impl_of(msc_regression *r)
{
    return (regression_impl *)((char *)r - offsetof(regression_impl, pub));
}

/* ---------------------------------------------------------- moderators */

#define NO_LEVEL UINT32_MAX

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The distinct strings of a column, by open addressing. */
typedef struct {
    const char **key; /* cap slots, NULL: empty */
    uint32_t *level;  /* the level of each slot's key */
    size_t cap, n;
} str_set;

static size_t set_slot(const str_set *t, const char *s)
{
    size_t h = (size_t)str_hash(s) & (t->cap - 1);
    while (t->key[h] && strcmp(t->key[h], s) != 0)
        h = (h + 1) & (t->cap - 1);
    return h;
}

/* Adds s; returns -1 out of memory. */
static int set_add(str_set *t, const char *s)
{
    if (2 * (t->n + 1) > t->cap) {
        str_set g = {calloc(2 * t->cap, sizeof *g.key), NULL, 2 * t->cap, 0};
        if (!g.key)
            return -1;
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i])
                g.key[set_slot(&g, t->key[i])] = t->key[i], g.n++;
        free(t->key);
        *t = g;
    }
    size_t h = set_slot(t, s);
    if (!t->key[h])
        t->key[h] = s, t->n++;
    return 0;
}

/* A whole string that is a finite number (the loader trimmed it). Plain
 * decimals ("1998", "-2.75") of at most 15 digits take Clinger's fast
 * path: the digits as an integer m < 2^53 and m / 10^e or m * 10^e with
 * |e| <= 22, both exact in a double, so the one rounding gives strtod's
 * correctly rounded value; anything else goes to strtod. */
static int parse_number(const char *s, double *v)
{
    static const double P10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (!s || !*s)
        return 0;
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t m = 0;
    int digits = 0, frac = 0, dot = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            m = 10 * m + (uint64_t)(*p - '0');
            digits++;
            frac += dot;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (!*p && digits > 0 && digits <= 15) {
        double x = (double)m / P10[frac];
        *v = neg ? -x : x;
        return 1;
    }
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int name_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* The moderator whose name, followed by '=', begins spec (the longest such
 * name), or SIZE_MAX. */
static size_t mod_prefix(const msc_regression *r, const char *spec)
{
    size_t best = SIZE_MAX, len = 0;
    for (size_t j = 0; j < r->n_mods; j++) {
        size_t l = strlen(r->mod[j].name);
        if (strncmp(spec, r->mod[j].name, l) == 0 && spec[l] == '=' &&
            (best == SIZE_MAX || l > len))
            best = j, len = l;
    }
    return best;
}

static size_t find_level(const msc_moderator *md, const char *s)
{
    for (size_t l = 0; l < md->n_levels; l++)
        if (strcmp(md->level[l], s) == 0)
            return l;
    return SIZE_MAX;
}

/* A display copy of user text for a message. */
static const char *shown(const char *s, char *buf, size_t len)
{
    msc_text_display(s, 60, buf, len);
    return buf;
}

/* The record at position i of the records analysed. */
#define ROW(impl, i) ((impl)->rows ? (impl)->rows[i] : (i))

/* The levels of a factor column among the records analysed: its distinct
 * values in byte order, with the reference (ref, or the first) moved to
 * the front, and each record's level in *level_of, by position (NO_LEVEL
 * where missing). O(K) with a hash set. */
static msc_status factor_levels(msc_moderator *md, const msc_kept_column *col,
                                const regression_impl *impl, const char *ref, uint32_t **level_of,
                                char *err, size_t errlen)
{
    size_t K = impl->nrows;
    str_set t = {calloc(16, sizeof *t.key), NULL, 16, 0};
    const char **v = NULL;
    msc_status st = MSC_ERR_NOMEM;
    if (!t.key)
        return MSC_ERR_NOMEM;
    for (size_t i = 0; i < K; i++) {
        const char *v = col->value[ROW(impl, i)];
        if (v && set_add(&t, v) != 0)
            goto out;
    }
    size_t u = 0;
    v = malloc((t.n ? t.n : 1) * sizeof *v);
    t.level = malloc(t.cap * sizeof *t.level);
    *level_of = malloc((K ? K : 1) * sizeof **level_of);
    md->level = calloc(t.n ? t.n : 1, sizeof *md->level);
    if (!v || !t.level || !*level_of || !md->level)
        goto out;
    for (size_t i = 0; i < t.cap; i++)
        if (t.key[i])
            v[u++] = t.key[i];
    qsort(v, u, sizeof *v, cmp_str);
    size_t first = 0;
    if (ref) {
        first = SIZE_MAX;
        for (size_t i = 0; i < u; i++)
            if (strcmp(v[i], ref) == 0)
                first = i;
        if (first == SIZE_MAX) {
            char a[256], b[256], list[512] = "";
            for (size_t i = 0; i < u && i < 10; i++)
                msc_text_append(list, sizeof list, i ? ", " : "", shown(v[i], b, sizeof b));
            snprintf(err, errlen,
                     "reference level \"%s\" of \"%s\": no such level; the levels are %s%s",
                     shown(ref, a, sizeof a), md->name, list, u > 10 ? ", ..." : "");
            st = MSC_ERR_USAGE;
            goto out;
        }
    }
    md->n_levels = u;
    for (size_t i = 0, l = 1; i < u; i++) {
        size_t lv = i == first ? 0 : l++;
        t.level[set_slot(&t, v[i])] = (uint32_t)lv;
        if (!(md->level[lv] = msc_strdup(v[i])))
            goto out;
    }
    for (size_t i = 0; i < K; i++) {
        const char *v = col->value[ROW(impl, i)];
        (*level_of)[i] = v ? t.level[set_slot(&t, v)] : NO_LEVEL;
    }
    st = MSC_OK;
out:
    free(t.key);
    free(t.level);
    free(v);
    return st;
}

/* The reference level o->refs names for column `name`, or NULL; -1 in *bad
 * when a --ref names a column that is no moderator. */
static const char *ref_for(const msc_regression *r, const msc_regress_options *o, size_t j)
{
    const char *ref = NULL;
    for (size_t i = 0; i < o->n_refs; i++)
        if (mod_prefix(r, o->refs[i]) == j)
            ref = o->refs[i] + strlen(r->mod[j].name) + 1;
    return ref;
}

static msc_status setup_moderators(msc_regression *r, const msc_dataset *d,
                                   const msc_regress_options *o, char *err, size_t errlen)
{
    char a[256], b[256];
    if (o->n_mods == 0) {
        snprintf(err, errlen, "a meta-regression needs at least one moderator");
        return MSC_ERR_USAGE;
    }
    regression_impl *impl = impl_of(r);
    r->mod = calloc(o->n_mods, sizeof *r->mod);
    impl->col = calloc(o->n_mods, sizeof *impl->col);
    impl->level_of = calloc(o->n_mods, sizeof *impl->level_of);
    if (!r->mod || !impl->col || !impl->level_of)
        return MSC_ERR_NOMEM;
    r->n_mods = o->n_mods;
    for (size_t j = 0; j < o->n_mods; j++) {
        msc_moderator *md = &r->mod[j];
        md->name = o->mods[j];
        for (size_t i = 0; i < j; i++)
            if (strcmp(o->mods[i], md->name) == 0) {
                snprintf(err, errlen, "moderator \"%s\" is named twice",
                         shown(md->name, a, sizeof a));
                return MSC_ERR_USAGE;
            }
        if (!(impl->col[j] = msc_dataset_kept(d, md->name))) {
            snprintf(err, errlen, "%s: no column \"%s\" was kept for a moderator", d->source,
                     shown(md->name, a, sizeof a));
            return MSC_ERR_USAGE;
        }
    }
    for (size_t i = 0; i < o->n_factors; i++)
        if (!name_in(o->factors[i], o->mods, o->n_mods)) {
            snprintf(err, errlen, "factor \"%s\" is not one of the moderators",
                     shown(o->factors[i], a, sizeof a));
            return MSC_ERR_USAGE;
        }
    for (size_t i = 0; i < o->n_refs; i++)
        if (mod_prefix(r, o->refs[i]) == SIZE_MAX) {
            snprintf(err, errlen,
                     "reference \"%s\" should be COLUMN=LEVEL, COLUMN one of the moderators",
                     shown(o->refs[i], a, sizeof a));
            return MSC_ERR_USAGE;
        }
    size_t coef = 1;
    for (size_t j = 0; j < r->n_mods; j++) {
        msc_moderator *md = &r->mod[j];
        const msc_kept_column *col = impl->col[j];
        int numeric = !name_in(md->name, o->factors, o->n_factors);
        for (size_t i = 0; i < impl->nrows && numeric; i++) {
            const char *s = col->value[ROW(impl, i)];
            double v;
            if (s && !parse_number(s, &v))
                numeric = 0;
        }
        const char *ref = ref_for(r, o, j);
        if (numeric && ref) {
            snprintf(err, errlen,
                     "moderator \"%s\" is numeric, so it has no reference level \"%s\"; treat it "
                     "as a factor to choose one",
                     shown(md->name, a, sizeof a), shown(ref, b, sizeof b));
            return MSC_ERR_USAGE;
        }
        md->factor = !numeric;
        md->first = coef;
        if (md->factor) {
            msc_status st = factor_levels(md, col, impl, ref, &impl->level_of[j], err, errlen);
            if (st != MSC_OK)
                return st;
            md->n_coef = md->n_levels > 1 ? md->n_levels - 1 : 0;
            if (md->n_levels > MSC_REGRESS_MANY_LEVELS)
                msc_warnings_add(&impl->mod_warnings,
                                 "moderator \"%s\" has %zu levels, so the model has %zu "
                                 "coefficients for it: is it meant to be a factor?",
                                 shown(md->name, a, sizeof a), md->n_levels, md->n_coef);
        } else {
            md->n_coef = 1;
        }
        coef += md->n_coef;
    }
    r->m = coef - 1;
    return MSC_OK;
}

/* "intercept", "COL", "COL=LEVEL", and each coefficient's moderator. */
static msc_status coefficient_names(msc_regression *r)
{
    size_t p = r->m + 1;
    r->coef_name = calloc(p, sizeof *r->coef_name);
    r->coef_mod = malloc(p * sizeof *r->coef_mod);
    if (!r->coef_name || !r->coef_mod)
        return MSC_ERR_NOMEM;
    r->coef_name[0] = msc_strdup("intercept");
    r->coef_mod[0] = SIZE_MAX;
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_moderator *md = &r->mod[j];
        for (size_t c = 0; c < md->n_coef; c++) {
            size_t i = md->first + c;
            r->coef_mod[i] = j;
            if (!md->factor) {
                r->coef_name[i] = msc_strdup(md->name);
            } else {
                size_t len = strlen(md->name) + strlen(md->level[c + 1]) + 2;
                r->coef_name[i] = malloc(len);
                if (r->coef_name[i])
                    snprintf(r->coef_name[i], len, "%s=%s", md->name, md->level[c + 1]);
            }
        }
    }
    for (size_t i = 0; i < p; i++)
        if (!r->coef_name[i])
            return MSC_ERR_NOMEM;
    return MSC_OK;
}

/* Marks the coefficients item s names (a coefficient's name, a
 * moderator's, or a 1-based number). Returns 0 when it names none. */
static int mark_btt(const msc_regression *r, const char *s, size_t len, unsigned char *in)
{
    size_t p = r->m + 1;
    int found = 0;
    for (size_t c = 0; c < p; c++)
        if (strlen(r->coef_name[c]) == len && strncmp(r->coef_name[c], s, len) == 0)
            in[c] = 1, found = 1;
    for (size_t j = 0; j < r->n_mods && !found; j++)
        if (strlen(r->mod[j].name) == len && strncmp(r->mod[j].name, s, len) == 0 &&
            r->mod[j].n_coef > 0) {
            for (size_t c = 0; c < r->mod[j].n_coef; c++)
                in[r->mod[j].first + c] = 1;
            found = 1;
        }
    if (!found && len > 0 && len < 20) {
        char num[20];
        memcpy(num, s, len);
        num[len] = '\0';
        char *end;
        unsigned long long n = strtoull(num, &end, 10);
        if (num[0] >= '0' && num[0] <= '9' && *end == '\0' && n >= 1 && n <= p)
            in[n - 1] = 1, found = 1;
    }
    return found;
}

/* The coefficients QM tests: each item names some (mark_btt), or is a
 * comma-separated list of such names. */
static msc_status resolve_btt(msc_regression *r, const msc_regress_options *o, char *err,
                              size_t errlen)
{
    size_t p = r->m + 1;
    unsigned char *in = calloc(p, 1);
    r->btt = malloc(p * sizeof *r->btt);
    if (!in || !r->btt) {
        free(in);
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < o->n_btt; i++) {
        const char *s = o->btt[i], *bad = NULL;
        size_t badlen = 0;
        if (!mark_btt(r, s, strlen(s), in)) {
            for (const char *q = s;; q++) {
                const char *e = strchr(q, ',');
                size_t len = e ? (size_t)(e - q) : strlen(q);
                if (!mark_btt(r, q, len, in) && !bad)
                    bad = q, badlen = len;
                if (!e)
                    break;
                q = e;
            }
        }
        if (bad) {
            char a[256], piece[256], list[512] = "";
            snprintf(piece, sizeof piece, "%.*s", (int)(badlen < 200 ? badlen : 200), bad);
            for (size_t c = 0; c < p && c < 12; c++)
                msc_text_append(list, sizeof list, c ? ", " : "", r->coef_name[c]);
            snprintf(err, errlen,
                     "coefficient \"%s\" to test: no such coefficient or moderator; the "
                     "coefficients are %s%s (or their numbers, 1 to %zu)",
                     shown(piece, a, sizeof a), list, p > 12 ? ", ..." : "", p);
            free(in);
            return MSC_ERR_USAGE;
        }
    }
    r->n_btt = 0;
    for (size_t c = 0; c < p; c++)
        if (o->n_btt ? in[c] : c > 0)
            r->btt[r->n_btt++] = c;
    free(in);
    return MSC_OK;
}

/* One --at spec: its design row, values and label. */
static msc_status parse_at(const msc_regression *r, const char *spec, msc_regress_point *pr,
                           char *err, size_t errlen)
{
    char a[256], b[256];
    size_t nm = r->n_mods;
    pr->x = calloc(r->m ? r->m : 1, sizeof *pr->x);
    pr->value = malloc(nm * sizeof *pr->value);
    unsigned char *seen = calloc(nm, 1);
    size_t cap = strlen(spec) + 16 * nm + 1;
    pr->label = malloc(cap);
    char *val = malloc(strlen(spec) + 1);
    msc_status st = MSC_ERR_NOMEM;
    if (!pr->x || !pr->value || !seen || !pr->label || !val)
        goto out;
    pr->label[0] = '\0';
    st = MSC_ERR_USAGE;
    const char *p = spec;
    while (*p) {
        size_t j = mod_prefix(r, p);
        if (j == SIZE_MAX) {
            snprintf(err, errlen,
                     "prediction \"%s\": \"%s\" should be COLUMN=VALUE, COLUMN one of the "
                     "moderators",
                     shown(spec, a, sizeof a), shown(p, b, sizeof b));
            goto out;
        }
        const msc_moderator *md = &r->mod[j];
        const char *v = p + strlen(md->name) + 1, *end = v;
        /* the value runs to the next ",MOD=" */
        for (; *end; end++)
            if (*end == ',' && mod_prefix(r, end + 1) != SIZE_MAX)
                break;
        memcpy(val, v, (size_t)(end - v));
        val[end - v] = '\0';
        if (seen[j]) {
            snprintf(err, errlen, "prediction \"%s\": \"%s\" is given twice",
                     shown(spec, a, sizeof a), md->name);
            goto out;
        }
        seen[j] = 1;
        if (md->factor) {
            size_t l = find_level(md, val);
            if (l == SIZE_MAX) {
                snprintf(err, errlen, "prediction \"%s\": \"%s\" is not a level of \"%s\"",
                         shown(spec, a, sizeof a), shown(val, b, sizeof b), md->name);
                goto out;
            }
            pr->value[j] = (double)l;
            if (l > 0)
                pr->x[md->first - 1 + l - 1] = 1.0;
        } else {
            double x;
            if (!parse_number(val, &x)) {
                snprintf(err, errlen,
                         "prediction \"%s\": \"%s\" is not a number (\"%s\" is numeric)",
                         shown(spec, a, sizeof a), shown(val, b, sizeof b), md->name);
                goto out;
            }
            pr->value[j] = x;
            pr->x[md->first - 1] = x;
        }
        p = *end ? end + 1 : end;
    }
    for (size_t j = 0; j < nm; j++)
        if (!seen[j]) {
            snprintf(err, errlen,
                     "prediction \"%s\": give a value for every moderator; \"%s\" is missing",
                     shown(spec, a, sizeof a), r->mod[j].name);
            goto out;
        }
    /* the label, moderators in order */
    for (size_t j = 0; j < nm; j++) {
        const msc_moderator *md = &r->mod[j];
        size_t len = strlen(pr->label);
        if (md->factor)
            snprintf(pr->label + len, cap - len, "%s%s=%s", j ? ", " : "", md->name,
                     md->level[(size_t)pr->value[j]]);
        else
            snprintf(pr->label + len, cap - len, "%s%s=%.10g", j ? ", " : "", md->name,
                     pr->value[j]);
    }
    st = MSC_OK;
out:
    free(seen);
    free(val);
    return st;
}

/* ------------------------------------------------------------ outcomes */

/* Leaves out of o the studies with a missing moderator, with the reason
 * (the first missing one in moderator order); the exclusions stay in
 * record order. */
static msc_status drop_missing(msc_outcome_result *o, msc_regression *r)
{
    char *const *reason = impl_of(r)->reason_missing;
    const msc_kept_column *const *col = impl_of(r)->col;
    size_t k = 0, n_new = 0, n_miss = 0;
    for (size_t i = 0; i < o->k; i++)
        for (size_t j = 0; j < r->n_mods; j++)
            if (!col[j]->value[o->row[i]]) {
                n_miss++;
                break;
            }
    if (n_miss == 0)
        return MSC_OK;
    size_t *new_row = malloc(n_miss * sizeof *new_row);
    const char **new_reason = malloc(n_miss * sizeof *new_reason);
    if (!new_row || !new_reason) {
        free(new_row);
        free(new_reason);
        return MSC_ERR_NOMEM;
    }
    for (size_t i = 0; i < o->k; i++) {
        size_t row = o->row[i], miss = SIZE_MAX;
        for (size_t j = 0; j < r->n_mods && miss == SIZE_MAX; j++)
            if (!col[j]->value[row])
                miss = j;
        if (miss != SIZE_MAX) {
            new_row[n_new] = row;
            new_reason[n_new++] = reason[miss];
            continue;
        }
        o->row[k] = o->row[i];
        o->xi[k] = o->xi[i];
        o->ni[k] = o->ni[i];
        o->yi[k] = o->yi[i];
        o->vi[k] = o->vi[i];
        k++;
    }
    o->k = k;
    if (n_new) {
        /* merge two lists in record order, the new at the end of the arrays */
        size_t n_old = o->n_excluded, i = n_old, j = n_new, out = n_old + n_new;
        while (j > 0) {
            if (i > 0 && o->excluded_row[i - 1] > new_row[j - 1]) {
                out--, i--;
                o->excluded_row[out] = o->excluded_row[i];
                o->excluded_reason[out] = o->excluded_reason[i];
            } else {
                out--, j--;
                o->excluded_row[out] = new_row[j];
                o->excluded_reason[out] = new_reason[j];
            }
        }
        o->n_excluded = n_old + n_new;
    }
    free(new_row);
    free(new_reason);
    return MSC_OK;
}

/* The design's moderator columns for o's studies (k x m). o's records are
 * some of the records analysed, in their order, so one walk along both
 * finds each study's position (for its factor levels). */
static double *design_of(msc_regression *r, const msc_outcome_result *o)
{
    size_t m = r->m;
    const regression_impl *impl = impl_of(r);
    double *X = calloc((o->k ? o->k : 1) * (m ? m : 1), sizeof *X);
    size_t *pos = malloc((o->k ? o->k : 1) * sizeof *pos);
    if (!X || !pos) {
        free(X);
        free(pos);
        return NULL;
    }
    for (size_t i = 0, q = 0; i < o->k; i++) {
        while (ROW(impl, q) != o->row[i])
            q++;
        pos[i] = q;
    }
    for (size_t j = 0; j < r->n_mods; j++) {
        const msc_moderator *md = &r->mod[j];
        const msc_kept_column *col = impl->col[j];
        const uint32_t *lv = impl->level_of[j];
        for (size_t i = 0; i < o->k; i++) {
            if (!md->factor)
                parse_number(col->value[o->row[i]], &X[i * m + md->first - 1]);
            else if (lv[pos[i]] > 0) /* the reference level has no column */
                X[i * m + md->first - 1 + lv[pos[i]] - 1] = 1.0;
        }
    }
    free(pos);
    return X;
}

/* Why the design of o cannot be fitted, in words that name the columns. */
static void explain_failure(const msc_regression *r, const msc_regress_outcome *ro,
                            const msc_settings *s, char *buf, size_t len)
{
    const msc_regress_model *f = &ro->fit;
    const msc_outcome_result *o = ro->o;
    char a[256];
    size_t p = r->m + 1;
    int fe = s->method == MSC_METHOD_FE;
    if (f->failure == MSC_REGRESS_TOO_FEW) {
        snprintf(buf, len,
                 "outcome \"%s\": %zu coefficients need at least %zu studies with %s, and only "
                 "%zu stud%s the counts and every moderator",
                 shown(o->data->name, a, sizeof a), p, p + (fe ? 0 : 1),
                 fe                             ? "the common-effect model"
                 : s->method == MSC_METHOD_GLMM ? "the GLMM"
                                                : "a tau^2 estimator",
                 o->k, o->k == 1 ? "y has" : "ies have");
        return;
    }
    if (f->failure == MSC_REGRESS_NO_VARIATION) {
        snprintf(buf, len, "outcome \"%s\": every study has %s, so the GLMM has no finite estimate",
                 shown(o->data->name, a, sizeof a), o->xi[0] == 0 ? "0 events" : "n events");
        return;
    }
    if ((f->failure == MSC_REGRESS_SEPARATION || f->failure == MSC_REGRESS_NOT_CONVERGED) &&
        f->dependent < p) {
        if (f->failure == MSC_REGRESS_SEPARATION)
            snprintf(buf, len,
                     "outcome \"%s\": the coefficient of %s runs off to infinity (separation: "
                     "%s predicts the studies with 0 or n events exactly), so the GLMM has no "
                     "finite estimate; combine levels or drop the moderator",
                     shown(o->data->name, a, sizeof a), r->coef_name[f->dependent],
                     f->dependent ? r->mod[r->coef_mod[f->dependent]].name : "the intercept");
        else
            snprintf(buf, len,
                     "outcome \"%s\": the GLMM did not converge (tau^2 or the coefficient of "
                     "%s grows without bound); consider another --method",
                     shown(o->data->name, a, sizeof a), r->coef_name[f->dependent]);
        return;
    }
    if (f->failure == MSC_REGRESS_RANK && f->dependent >= 1 && f->dependent < p) {
        size_t c = f->dependent, j = r->coef_mod[c];
        const msc_moderator *md = &r->mod[j];
        /* an indicator or a number that is the same in every study */
        double first = ro->X[c - 1];
        int constant = 1;
        for (size_t i = 1; i < o->k; i++)
            constant &= ro->X[i * r->m + c - 1] == first;
        if (constant && md->factor && first == 0.0)
            snprintf(buf, len,
                     "outcome \"%s\": no study with %s is left, so the design is rank-deficient "
                     "(%s cannot be estimated)",
                     shown(o->data->name, a, sizeof a), r->coef_name[c], r->coef_name[c]);
        else if (constant && md->factor)
            snprintf(buf, len,
                     "outcome \"%s\": every study has %s, so the design is rank-deficient (%s "
                     "is the intercept again)",
                     shown(o->data->name, a, sizeof a), r->coef_name[c], r->coef_name[c]);
        else if (constant)
            snprintf(buf, len,
                     "outcome \"%s\": \"%s\" has the same value in every study, so the design is "
                     "rank-deficient (it is the intercept again)",
                     shown(o->data->name, a, sizeof a), md->name);
        else {
            char list[512] = "";
            for (size_t i = 0; i < c; i++)
                msc_text_append(list, sizeof list, i ? ", " : "", r->coef_name[i]);
            snprintf(buf, len,
                     "outcome \"%s\": the design is rank-deficient: %s is a linear combination "
                     "of %s (collinear moderators)",
                     shown(o->data->name, a, sizeof a), r->coef_name[c], list);
        }
        return;
    }
    if (f->failure == MSC_REGRESS_NOT_FINITE) {
        snprintf(buf, len,
                 "outcome \"%s\": an effect size or its variance is not finite, so the model "
                 "cannot be fitted",
                 shown(o->data->name, a, sizeof a));
        return;
    }
    snprintf(buf, len,
             "outcome \"%s\": the design is rank-deficient (the weighted model "
             "matrix is singular)",
             shown(o->data->name, a, sizeof a));
}

static msc_status fit_outcome(msc_regression *r, msc_regress_outcome *ro, msc_outcome_result *o,
                              const msc_settings *s, const msc_regress_options *opt, char *why,
                              size_t whylen)
{
    ro->o = o;
    why[0] = '\0';
    if (o->skipped)
        return MSC_OK;
    ro->X = design_of(r, o);
    if (!ro->X)
        return MSC_ERR_NOMEM;
    double sinv = 0;
    for (size_t i = 0; i < o->k; i++)
        sinv += 1.0 / o->ni[i];
    ro->nhm = o->k ? (double)o->k / sinv : NAN;
    msc_status st = s->method == MSC_METHOD_GLMM
                        ? msc_regress_fit_glmm(o->xi, o->ni, o->yi, o->vi, o->k, ro->X, r->m, s,
                                               r->btt, r->n_btt, &ro->fit, &o->warnings)
                        : msc_regress_fit(o->yi, o->vi, o->k, ro->X, r->m, s, r->btt, r->n_btt, 0,
                                          &ro->fit, &o->warnings);
    if (st == MSC_ERR_INPUT) {
        explain_failure(r, ro, s, why, whylen);
        msc_warnings_add(&o->warnings, "not fitted: %s", why);
        return MSC_OK;
    }
    if (st != MSC_OK)
        return st;
    ro->fitted = 1;
    if (r->n_at) {
        ro->pred = calloc(r->n_at, sizeof *ro->pred);
        if (!ro->pred)
            return MSC_ERR_NOMEM;
        for (size_t i = 0; i < r->n_at; i++)
            msc_regress_predict(&ro->fit, r->at[i].x, s->measure, ro->nhm, &ro->pred[i]);
    }
    if (opt->permutations) {
        st = msc_regress_permutest(o->yi, o->vi, o->k, ro->X, r->m, s, &ro->fit, opt->permutations,
                                   opt->seed, &ro->perm);
        if (st != MSC_OK)
            return st;
        if (ro->perm.failed)
            msc_warnings_add(&o->warnings,
                             "permutation test: %zu of the permuted models could not be fitted "
                             "and were drawn again",
                             ro->perm.failed);
    }
    return MSC_OK;
}

void msc_regress_options_default(msc_regress_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
}

static msc_status regress_run(const msc_dataset *d, const size_t *rows, size_t nrows,
                              const msc_settings *s, const msc_regress_options *opt,
                              unsigned flags, msc_regression **out, char *err, size_t errlen)
{
    *out = NULL;
    err[0] = '\0';
    msc_status st = msc_settings_check(s, err, errlen);
    if (st != MSC_OK)
        return st;
    if (s->method == MSC_METHOD_GLMM && opt->permutations) {
        snprintf(err, errlen,
                 "--permutations: the permutation test refits inverse-variance models; it is "
                 "not available with --method GLMM");
        return MSC_ERR_USAGE;
    }
    regression_impl *impl = calloc(1, sizeof *impl);
    if (!impl) {
        snprintf(err, errlen, "%s: out of memory", d->source);
        return MSC_ERR_NOMEM;
    }
    msc_regression *r = &impl->pub;
    msc_analysis *a = &impl->analysis;
    impl->rows = rows;
    impl->nrows = rows ? nrows : d->k;
    a->data = d;
    a->settings = *s;
    r->a = a;
    r->seed = opt->seed;
    r->permutations = opt->permutations;
    if ((st = setup_moderators(r, d, opt, err, errlen)) != MSC_OK ||
        (st = coefficient_names(r)) != MSC_OK || (st = resolve_btt(r, opt, err, errlen)) != MSC_OK)
        goto fail;
    if (opt->n_at) {
        r->at = calloc(opt->n_at, sizeof *r->at);
        if (!r->at) {
            st = MSC_ERR_NOMEM;
            goto fail;
        }
        r->n_at = opt->n_at;
        for (size_t i = 0; i < opt->n_at; i++)
            if ((st = parse_at(r, opt->at[i], &r->at[i], err, errlen)) != MSC_OK)
                goto fail;
    }
    if (flags & MSC_REGRESS_RUN_DESIGN) {
        *out = r;
        return MSC_OK;
    }
    impl->reason_missing = calloc(r->n_mods, sizeof *impl->reason_missing);
    if (!impl->reason_missing) {
        st = MSC_ERR_NOMEM;
        goto fail;
    }
    for (size_t j = 0; j < r->n_mods; j++) {
        size_t len = strlen(r->mod[j].name) + 9;
        if (!(impl->reason_missing[j] = malloc(len))) {
            st = MSC_ERR_NOMEM;
            goto fail;
        }
        snprintf(impl->reason_missing[j], len, "missing %s", r->mod[j].name);
    }
    size_t n_out = d->n_outcomes ? d->n_outcomes : 1;
    a->outcome = calloc(n_out, sizeof *a->outcome);
    impl->store = calloc(n_out, sizeof *impl->store);
    r->outcome = calloc(n_out, sizeof *r->outcome);
    if (!a->outcome || !impl->store || !r->outcome) {
        st = MSC_ERR_NOMEM;
        goto fail;
    }
    a->n_outcomes = r->n_outcomes = d->n_outcomes;
    size_t fitted = 0;
    char first_why[MSC_ERRBUF] = "", why[MSC_ERRBUF];
    for (size_t j = 0; j < d->n_outcomes; j++) {
        msc_outcome_result *o = &a->outcome[j];
        st = msc_select_rows(o, &impl->store[j], d, &d->outcome[j], s, rows, nrows);
        if (st == MSC_OK) /* drop_missing rewrites xi and ni: never the data set's own */
            st = msc_select_own_counts(o, &impl->store[j], impl->nrows);
        if (st == MSC_OK)
            st = drop_missing(o, r);
        for (size_t i = 0; st == MSC_OK && i < impl->mod_warnings.n; i++)
            msc_warnings_add(&o->warnings, "%s", impl->mod_warnings.msg[i]);
        if (st == MSC_OK && o->k == 0 && !o->skipped) {
            o->skipped = 1;
            msc_warnings_add(&o->warnings,
                             "no study has %s counts and every moderator: this "
                             "outcome is skipped",
                             o->data->name);
        }
        if (st == MSC_OK)
            st = fit_outcome(r, &r->outcome[j], o, s, opt, why, sizeof why);
        if (st != MSC_OK)
            goto fail;
        if (o->warnings.lost) {
            st = MSC_ERR_NOMEM;
            goto fail;
        }
        if (r->outcome[j].fitted)
            fitted++;
        else if (!first_why[0] && why[0])
            snprintf(first_why, sizeof first_why, "%s: %s", d->source, why);
    }
    if (impl->mod_warnings.lost) {
        st = MSC_ERR_NOMEM;
        goto fail;
    }
    if (fitted == 0 && !(flags & MSC_REGRESS_RUN_ANY)) {
        if (first_why[0])
            snprintf(err, errlen, "%s", first_why);
        else
            snprintf(err, errlen,
                     "%s: no outcome has a study with its counts and every moderator reported",
                     d->source);
        st = MSC_ERR_INPUT;
        goto fail;
    }
    *out = r;
    return MSC_OK;
fail:
    if (st == MSC_ERR_NOMEM)
        snprintf(err, errlen, "%s: out of memory", d->source);
    msc_regression_free(r);
    return st;
}

msc_status msc_regress_run(const msc_dataset *d, const msc_settings *s,
                           const msc_regress_options *opt, msc_regression **out, char *err,
                           size_t errlen)
{
    return regress_run(d, NULL, 0, s, opt, 0, out, err, errlen);
}

msc_status msc_regress_run_rows(const msc_dataset *d, const size_t *rows, size_t nrows,
                                const msc_settings *s, const msc_regress_options *opt,
                                unsigned flags, msc_regression **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!rows)
        return regress_run(d, NULL, 0, s, opt, flags, out, err, errlen);
    for (size_t i = 0; i < nrows; i++)
        if (rows[i] >= d->k || (i && rows[i] <= rows[i - 1])) {
            snprintf(err, errlen,
                     "msc_regress_run_rows: the rows must be records of %s, ascending",
                     d->source);
            return MSC_ERR_USAGE;
        }
    return regress_run(d, rows, nrows, s, opt, flags, out, err, errlen);
}

void msc_regression_free(msc_regression *r)
{
    if (!r)
        return;
    regression_impl *impl = impl_of(r);
    msc_analysis *a = &impl->analysis;
    for (size_t j = 0; r->outcome && j < r->n_outcomes; j++) {
        msc_regress_outcome *ro = &r->outcome[j];
        free(ro->X);
        free(ro->pred);
        msc_regress_model_free(&ro->fit);
        msc_regress_perm_free(&ro->perm);
    }
    for (size_t j = 0; a->outcome && j < a->n_outcomes; j++)
        msc_outcome_release(&a->outcome[j], impl->store ? &impl->store[j] : NULL);
    free(a->outcome);
    free(impl->store);
    free(r->outcome);
    if (impl->reason_missing)
        for (size_t j = 0; j < r->n_mods; j++)
            free(impl->reason_missing[j]);
    free(impl->reason_missing);
    for (size_t j = 0; impl->level_of && j < r->n_mods; j++)
        free(impl->level_of[j]);
    free(impl->level_of);
    free(impl->col);
    for (size_t i = 0; r->at && i < r->n_at; i++) {
        free(r->at[i].label);
        free(r->at[i].x);
        free(r->at[i].value);
    }
    free(r->at);
    for (size_t j = 0; r->mod && j < r->n_mods; j++) {
        for (size_t l = 0; r->mod[j].level && l < r->mod[j].n_levels; l++)
            free(r->mod[j].level[l]);
        free(r->mod[j].level);
    }
    free(r->mod);
    for (size_t c = 0; r->coef_name && c <= r->m; c++)
        free(r->coef_name[c]);
    free(r->coef_name);
    free(r->coef_mod);
    free(r->btt);
    msc_warnings_clear(&impl->mod_warnings);
    free(impl);
}
