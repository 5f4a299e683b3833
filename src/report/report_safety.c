/*
 * The safety report: per outcome the verdict against the limit (pooled
 * rate, its interval, the one-sided upper bound), then each study's rate
 * with its exact interval, its exact one-sided upper bound and, for studies
 * with 0 events, the rule of three beside it; signals are studies whose own
 * exact lower bound is above the limit. Rates are shown in percent.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc_report.h"

#define LABEL_W 28

static const char *pct(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "NA");
    else
        snprintf(buf, len, "%.2f%%", 100.0 * v);
    return buf;
}

static void verdict(FILE *fp, const msc_analysis *a, const msc_outcome_result *o,
                    const msc_safety *sf)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const msc_fit *f = &o->fit;
    const msc_estimate *e = f->has_random ? &f->random : &f->common;
    int lv = (int)lround(100.0 * sf->level);
    if (isfinite(sf->threshold))
        fprintf(fp, "Verdict:  %s: the one-sided %d%% upper bound %s %s the limit %s\n",
                sf->exceeded ? "EXCEEDED" : "not exceeded", lv, pct(b1, sizeof b1, sf->upper_bound),
                sf->exceeded ? "is above" : "is not above", pct(b2, sizeof b2, sf->threshold));
    else
        fprintf(fp, "Verdict:  no limit given for this outcome; one-sided %d%% upper bound %s\n",
                lv, pct(b1, sizeof b1, sf->upper_bound));
    fprintf(fp, "Pooled:   %s [%d%% CI %s to %s] by %s%s\n", pct(b3, sizeof b3, e->est), lv,
            pct(b4, sizeof b4, e->ci_lo), pct(b5, sizeof b5, e->ci_hi),
            e->exact ? "the exact proportion (Clopper-Pearson)"
                     : msc_method_long_name(a->settings.method),
            f->has_random && !e->exact ? ", random effects" : "");
    fprintf(fp, "Totals:   %.0f events in %.0f patients; exact pooled %s [%s to %s]\n",
            o->events_total, o->n_total, pct(b1, sizeof b1, o->exact_est),
            pct(b2, sizeof b2, o->exact_lo), pct(b3, sizeof b3, o->exact_hi));
    if (sf->n_signals)
        fprintf(fp, "Signals:  %zu stud%s whose own exact lower bound is above the limit "
                    "(marked !)\n",
                sf->n_signals, sf->n_signals == 1 ? "y" : "ies");
}

static void studies(FILE *fp, const msc_analysis *a, const msc_outcome_result *o,
                    const msc_safety *sf)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    int lv = (int)lround(100.0 * sf->level);
    char h1[32], h2[32];
    snprintf(h1, sizeof h1, "%d%% CI (exact)", lv);
    snprintf(h2, sizeof h2, "%d%% 1-sided", lv);
    msc_text_pad(fp, "Study", LABEL_W, 0);
    fprintf(fp, " %7s %7s %8s  %-20s %10s %9s %s\n", "Events", "N", "Rate", h1, h2, "Rule of 3",
            "Signal");
    for (size_t i = 0; i < o->k; i++) {
        char ci[96];
        snprintf(ci, sizeof ci, "[%s, %s]", pct(b1, sizeof b1, sf->study_lo_exact[i]),
                 pct(b2, sizeof b2, sf->study_hi_exact[i]));
        msc_text_pad(fp, a->data->label[o->row[i]], LABEL_W, 0);
        fprintf(fp, " %7.0f %7.0f %8s  %-20s %10s %9s %s\n", o->xi[i], o->ni[i],
                pct(b3, sizeof b3, o->xi[i] / o->ni[i]), ci,
                pct(b4, sizeof b4, sf->study_upper[i]),
                o->xi[i] == 0 ? pct(b5, sizeof b5, 3.0 / o->ni[i]) : "",
                sf->signal[i] ? "!" : "");
    }
}

msc_status msc_report_safety_table(FILE *fp, const msc_analysis *a, const msc_report_options *opt)
{
    if (!opt || !opt->safety)
        return MSC_ERR_USAGE; /* a pool report has no verdicts to show */
    char in[MSC_DISPLAY_BUF(80)];
    msc_text_display(opt->input_name ? opt->input_name : a->data->source, 80, in, sizeof in);
    fprintf(fp, "mscmeta %s safety check: %s\n", MSC_VERSION, in);
    fprintf(fp, "Pooled by %s; one-sided %d%% upper bounds against the limit.\n",
            msc_method_long_name(a->settings.method), (int)lround(100.0 * a->settings.level));
    msc_text_warnings(fp, "! ", &a->data->warnings);
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        const msc_safety *sf = &opt->safety[j];
        char name[256];
        msc_text_display(o->data->name, 60, name, sizeof name);
        if (o->skipped) {
            fprintf(fp, "\n== %s: no usable study ==\n", name);
            continue;
        }
        fprintf(fp, "\n== %s: %.0f events in %.0f patients, %zu stud%s ==\n", name,
                o->events_total, o->n_total, o->k, o->k == 1 ? "y" : "ies");
        verdict(fp, a, o, sf);
        if (!opt->summary_only) {
            fputc('\n', fp);
            studies(fp, a, o, sf);
        }
        if (o->n_excluded)
            fprintf(fp, "(%zu stud%s without %s counts left out)\n", o->n_excluded,
                    o->n_excluded == 1 ? "y" : "ies", name);
        msc_text_warnings(fp, "  ! ", &o->warnings);
    }
    return ferror(fp) ? MSC_ERR_IO : MSC_OK;
}

/* CSV: one row per study and one pooled row per outcome. */
static void csv_num(FILE *fp, double v)
{
    fputc(',', fp);
    msc_csv_num(fp, v);
}

msc_status msc_report_safety_csv(FILE *fp, const msc_analysis *a, const msc_report_options *opt)
{
    if (!opt || !opt->safety)
        return MSC_ERR_USAGE;
    fputs("outcome,type,study,row,events,n,rate,ci_lower,ci_upper,upper_bound,rule_of_three,"
          "signal,threshold,exceeded\n",
          fp);
    for (size_t j = 0; j < a->n_outcomes; j++) {
        const msc_outcome_result *o = &a->outcome[j];
        const msc_safety *sf = &opt->safety[j];
        if (o->skipped)
            continue;
        const msc_estimate *e = o->fit.has_random ? &o->fit.random : &o->fit.common;
        msc_csv_text(fp, o->data->name);
        fputs(",pooled,,", fp);
        csv_num(fp, o->events_total);
        csv_num(fp, o->n_total);
        csv_num(fp, e->est);
        csv_num(fp, e->ci_lo);
        csv_num(fp, e->ci_hi);
        csv_num(fp, sf->upper_bound);
        fputs(",,", fp);
        csv_num(fp, sf->threshold);
        fprintf(fp, ",%s\n", isfinite(sf->threshold) ? (sf->exceeded ? "true" : "false") : "");
        for (size_t i = 0; !opt->summary_only && i < o->k; i++) {
            msc_csv_text(fp, o->data->name);
            fputs(",study,", fp);
            msc_csv_text(fp, a->data->label[o->row[i]]);
            csv_num(fp, (double)a->data->line[o->row[i]]);
            csv_num(fp, o->xi[i]);
            csv_num(fp, o->ni[i]);
            csv_num(fp, o->xi[i] / o->ni[i]);
            csv_num(fp, sf->study_lo_exact[i]);
            csv_num(fp, sf->study_hi_exact[i]);
            csv_num(fp, sf->study_upper[i]);
            csv_num(fp, o->xi[i] == 0 ? 3.0 / o->ni[i] : NAN);
            fprintf(fp, ",%s", sf->signal[i] ? "true" : "false");
            csv_num(fp, sf->threshold);
            fputs(",\n", fp);
        }
    }
    return ferror(fp) ? MSC_ERR_IO : MSC_OK;
}
