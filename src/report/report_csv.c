/*
 * The CSV report, for spreadsheets: one row per study and one per pooled
 * estimate (common, random, prediction interval, exact, subgroups, the
 * subgroup test), all in one table with a `type` column. Text is quoted per
 * RFC 4180; text that a spreadsheet would run as a formula (=, +, -, @ at
 * the start) is prefixed with an apostrophe.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc_report.h"

static const char *const COLUMNS =
    "outcome,type,group,study,row,events,n,proportion,estimate,ci_lower,ci_upper,"
    "yi,vi,se,statistic,p,df,pi_lower,pi_upper,weight_common,weight_random,"
    "tau2,I2,Q,Q_df,Q_p\n";

enum { C_OUTCOME, C_TYPE, C_GROUP, C_STUDY, C_ROW, C_EVENTS, C_N, C_PROP, C_EST, C_LO, C_HI,
       C_YI, C_VI, C_SE, C_STAT, C_P, C_DF, C_PILO, C_PIHI, C_WC, C_WR, C_TAU2, C_I2, C_Q,
       C_QDF, C_QP, NCOL };

typedef struct {
    const char *text[NCOL]; /* text cells, or NULL */
    double v[NCOL];         /* numeric cells (NAN = empty) */
} row;

static void row_init(row *r)
{
    for (int i = 0; i < NCOL; i++) {
        r->text[i] = NULL;
        r->v[i] = NAN;
    }
}

void msc_csv_text(FILE *fp, const char *s)
{
    fputc('"', fp);
    if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
        fputc('\'', fp); /* CSV injection guard */
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', fp);
        fputc(*p, fp);
    }
    fputc('"', fp);
}

void msc_csv_num(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.17g", v);
}

static void row_write(FILE *fp, const row *r)
{
    for (int i = 0; i < NCOL; i++) {
        if (i)
            fputc(',', fp);
        if (r->text[i])
            msc_csv_text(fp, r->text[i]);
        else
            msc_csv_num(fp, r->v[i]);
    }
    fputc('\n', fp);
}

static void estimate_cells(row *r, const msc_estimate *e)
{
    r->v[C_EST] = e->est;
    r->v[C_LO] = e->ci_lo;
    r->v[C_HI] = e->ci_hi;
    r->v[C_YI] = e->yi;
    r->v[C_SE] = e->se;
    r->v[C_STAT] = e->stat;
    r->v[C_P] = e->p;
    r->v[C_DF] = e->df;
}

static void het_cells(row *r, const msc_fit *f)
{
    r->v[C_TAU2] = f->het.tau2;
    r->v[C_I2] = f->het.I2;
    r->v[C_Q] = f->het.Q;
    r->v[C_QDF] = f->het.df;
    r->v[C_QP] = f->het.Q_p;
}

/* The pooled rows of a fit (the whole outcome, or one subgroup). */
static void fit_rows(FILE *fp, const char *outcome, const char *group, const msc_fit *f)
{
    row r;
    if (f->k == 0)
        return;
    row_init(&r);
    r.text[C_OUTCOME] = outcome;
    r.text[C_GROUP] = group;
    r.text[C_TYPE] = f->common.exact ? "common_exact" : "common";
    estimate_cells(&r, &f->common);
    het_cells(&r, f);
    row_write(fp, &r);
    if (f->has_random) {
        r.text[C_TYPE] = f->random.exact ? "random_exact" : "random";
        estimate_cells(&r, &f->random);
        r.v[C_PILO] = f->random.pi_lo;
        r.v[C_PIHI] = f->random.pi_hi;
        row_write(fp, &r);
    }
}

msc_status msc_report_csv(FILE *fp, const msc_analysis *a, const msc_report_options *opt)
{
    const msc_dataset *d = a->data;
    fputs(COLUMNS, fp);
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        const char *name = o->data->name;
        row r;
        if (!opt->summary_only && !o->skipped)
            for (size_t i = 0; i < o->k; i++) {
                size_t rr = o->row[i];
                row_init(&r);
                r.text[C_OUTCOME] = name;
                r.text[C_TYPE] = "study";
                r.text[C_GROUP] = d->group_col ? d->group[rr] : NULL;
                r.text[C_STUDY] = d->label[rr];
                r.v[C_ROW] = (double)d->line[rr];
                r.v[C_EVENTS] = o->xi[i];
                r.v[C_N] = o->ni[i];
                r.v[C_PROP] = o->xi[i] / o->ni[i];
                r.v[C_EST] = r.v[C_PROP];
                if (o->ci_lo) {
                    r.v[C_LO] = o->ci_lo[i];
                    r.v[C_HI] = o->ci_hi[i];
                }
                r.v[C_YI] = o->yi[i];
                r.v[C_VI] = o->vi[i];
                r.v[C_WC] = msc_outcome_weight(o, i, 0);
                r.v[C_WR] = msc_outcome_weight(o, i, 1);
                row_write(fp, &r);
            }
        for (size_t i = 0; i < o->n_excluded; i++) {
            size_t rr = o->excluded_row[i];
            row_init(&r);
            r.text[C_OUTCOME] = name;
            r.text[C_TYPE] = "excluded";
            r.text[C_STUDY] = d->label[rr];
            r.v[C_ROW] = (double)d->line[rr];
            row_write(fp, &r);
        }
        if (o->skipped)
            continue;
        fit_rows(fp, name, NULL, &o->fit);
        row_init(&r);
        r.text[C_OUTCOME] = name;
        r.text[C_TYPE] = "exact";
        r.v[C_EVENTS] = o->events_total;
        r.v[C_N] = o->n_total;
        r.v[C_PROP] = r.v[C_EST] = o->exact_est;
        r.v[C_LO] = o->exact_lo;
        r.v[C_HI] = o->exact_hi;
        row_write(fp, &r);
        for (size_t g = 0; g < o->n_groups; g++)
            fit_rows(fp, name, o->group[g].name, &o->group[g].fit);
        if (o->n_groups) {
            row_init(&r);
            r.text[C_OUTCOME] = name;
            r.text[C_TYPE] = "subgroup_test";
            r.v[C_Q] = o->Q_between;
            r.v[C_QDF] = o->Q_between_df;
            r.v[C_QP] = o->Q_between_p;
            row_write(fp, &r);
        }
    }
    return ferror(fp) ? MSC_ERR_IO : MSC_OK;
}
