/*
 * The readable report: per-study rows, the pooled rows, the prediction
 * interval, heterogeneity, subgroups, the settings used and every warning,
 * laid out like metafor's and meta's print-outs. Study labels are cut to a
 * column and stripped of control characters.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "msc_report.h"

#define LABEL_W 28

/* A number for the table, or "NA". */
static const char *num(char *buf, size_t len, const char *fmt, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "NA");
    else
        snprintf(buf, len, fmt, v);
    return buf;
}

static const char *interval(char *buf, size_t len, double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi))
        snprintf(buf, len, "NA");
    else
        snprintf(buf, len, "[%.4f, %.4f]", lo, hi);
    return buf;
}

static void settings_lines(FILE *fp, const msc_analysis *a)
{
    const msc_settings *s = &a->settings;
    double cc;
    msc_cc_mode mode;
    msc_settings_effective_cc(s, &cc, &mode);
    int pct = (int)lround(100.0 * s->level);
    if (s->method == MSC_METHOD_GLMM) {
        fprintf(fp, "Model:    binomial-normal GLMM (ML, %d-point adaptive Gauss-Hermite), logit "
                    "scale; Wald z test; %d%% level\n",
                s->nagq, pct);
    } else {
        fprintf(fp, "Model:    %s%s; %s scale (%s); %s test; %d%% level\n",
                s->method == MSC_METHOD_FE ? "common effect" : "random effects, tau^2 by ",
                s->method == MSC_METHOD_FE ? "" : msc_method_long_name(s->method),
                msc_measure_scale_name(s->measure), msc_measure_name(s->measure),
                s->test == MSC_TEST_KNHA ? "Hartung-Knapp-Sidik-Jonkman t" : "z", pct);
    }
    fprintf(fp, "Studies:  %s intervals", msc_study_ci_long_name(s->study_ci));
    if (s->method != MSC_METHOD_FE)
        fprintf(fp, "; prediction interval %s",
                s->pi == MSC_PI_HTS ? "Higgins-Thompson-Spiegelhalter (t, k-2 df)"
                : s->pi == MSC_PI_T ? "t with k-1 df"
                                    : "z (metafor's default)");
    fputc('\n', fp);
    if (mode == MSC_CC_NONE)
        fprintf(fp, "Correction: none\n");
    else
        fprintf(fp, "Correction: %g added to events and non-events %s\n", cc,
                mode == MSC_CC_ONLY0    ? "of studies with 0 or n events"
                : mode == MSC_CC_ALL    ? "of every study"
                                        : "of every study, as some have 0 or n events");
}

static int count_width(const msc_outcome_result *o, const double *v)
{
    double mx = 0;
    for (size_t i = 0; i < o->k; i++)
        if (v[i] > mx)
            mx = v[i];
    int w = mx > 0 ? (int)floor(log10(mx)) + 1 : 1;
    return w < 6 ? 6 : w;
}

static void study_rows(FILE *fp, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_dataset *d = a->data;
    char b1[64], b2[64], b3[32];
    int we = count_width(o, o->xi), wn = count_width(o, o->ni);
    int pct = (int)lround(100.0 * a->settings.level);
    int random = o->fit.has_random;
    snprintf(b1, sizeof b1, "%d%% CI", pct);
    msc_text_pad(fp, "Study", LABEL_W, 0);
    fprintf(fp, " %*s %*s  %-8s %-18s %9s", we, "Events", wn, "N", "Prop.", o->ci_lo ? b1 : "",
            "W(common)");
    if (random)
        fprintf(fp, " %9s", "W(random)");
    fputc('\n', fp);
    for (size_t i = 0; i < o->k; i++) {
        msc_text_pad(fp, d->label[o->row[i]], LABEL_W, 0);
        fprintf(fp, " %*.0f %*.0f  %-8.4f %-18s", we, o->xi[i], wn, o->ni[i],
                o->xi[i] / o->ni[i],
                o->ci_lo ? interval(b2, sizeof b2, o->ci_lo[i], o->ci_hi[i]) : "");
        if (o->fit.has_weights) {
            fprintf(fp, " %8s%%", num(b3, sizeof b3, "%.2f", msc_outcome_weight(o, i, 0)));
            if (random)
                fprintf(fp, " %8s%%", num(b3, sizeof b3, "%.2f", msc_outcome_weight(o, i, 1)));
        } else {
            fprintf(fp, " %9s", "--");
            if (random)
                fprintf(fp, " %9s", "--");
        }
        if (d->group_col && d->group[o->row[i]]) {
            fputs("  ", fp);
            msc_text_pad(fp, d->group[o->row[i]], 16, 0);
        }
        fputc('\n', fp);
    }
    if (!o->fit.has_weights)
        fprintf(fp, "(-- the GLMM has no inverse-variance study weights)\n");
}

static void estimate_row(FILE *fp, const char *name, const msc_estimate *e)
{
    char b1[64], b2[32], b3[32], b4[32], b5[32], b6[32];
    msc_text_pad(fp, name, LABEL_W, 0);
    fprintf(fp, "  %-8s %-18s %9s %8s %8s %8s", num(b6, sizeof b6, "%.4f", e->est),
            interval(b1, sizeof b1, e->ci_lo, e->ci_hi), num(b2, sizeof b2, "%.4f", e->yi),
            num(b3, sizeof b3, "%.4f", e->se), num(b4, sizeof b4, "%.3f", e->stat),
            msc_pvalue_text(b5, sizeof b5, e->p, 4, MSC_P_SHORT));
    if (isfinite(e->df))
        fprintf(fp, "  (t, %g df)", e->df);
    fputc('\n', fp);
}

static void pooled_rows(FILE *fp, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    char b1[64], b2[64];
    int pct = (int)lround(100.0 * a->settings.level);
    snprintf(b1, sizeof b1, "%d%% CI", pct);
    msc_text_pad(fp, "", LABEL_W, 0);
    fprintf(fp, "  %-8s %-18s %9s %8s %8s %8s\n", "Prop.", b1,
            a->settings.method == MSC_METHOD_GLMM ? "logit" : msc_measure_name(a->settings.measure),
            "SE", isfinite(msc_fit_main_block(f)->df) ? "t" : "z", "p");
    estimate_row(fp, f->common.exact ? "Common effect (exact)"
                     : a->settings.method == MSC_METHOD_GLMM ? "Common effect (GLMM)"
                                                             : "Common effect",
                 &f->common);
    if (f->has_random) {
        if (f->random.exact)
            snprintf(b2, sizeof b2, "Random effects: exact*");
        else
            snprintf(b2, sizeof b2, "Random effects (%s)", msc_method_name(f->method));
        estimate_row(fp, b2, &f->random);
        const msc_estimate *r = &f->random;
        msc_text_pad(fp, "Prediction interval", LABEL_W, 0);
        if (isfinite(r->pi_lo))
            fprintf(fp, "  %-8s %-18s %s\n", "", interval(b1, sizeof b1, r->pi_lo, r->pi_hi),
                    isfinite(r->pi_df) ? (snprintf(b2, sizeof b2, "(t, %g df)", r->pi_df), b2)
                                       : "(z)");
        else
            fprintf(fp, "  not available (see warnings)\n");
        if (f->random.exact)
            fprintf(fp, "* the GLMM could not be fitted here (see warnings): the exact pooled "
                        "proportion, Clopper-Pearson interval\n");
    }
    msc_text_pad(fp, "Exact, if homogeneous", LABEL_W, 0);
    fprintf(fp, "  %-8.4f %-18s %.0f events / %.0f patients (Clopper-Pearson)\n", o->exact_est,
            interval(b1, sizeof b1, o->exact_lo, o->exact_hi), o->events_total, o->n_total);
}

static void heterogeneity(FILE *fp, const msc_analysis *a, const msc_outcome_result *o)
{
    const msc_fit *f = &o->fit;
    const msc_heterogeneity *h = &f->het;
    char b1[32], b2[32], b3[32], b4[32];
    int pct = (int)lround(100.0 * a->settings.level);
    fprintf(fp, "Heterogeneity\n");
    if (o->k < 2) {
        fprintf(fp, "  not estimable from a single study\n");
        return;
    }
    if (!msc_fit_het_estimable(f)) {
        fprintf(fp, "  not estimable (see warnings)\n");
        return;
    }
    if (f->has_random) {
        fprintf(fp, "  tau^2 = %s", num(b1, sizeof b1, "%.4g", h->tau2));
        if (isfinite(h->tau2_lo))
            fprintf(fp, "  [%d%% CI %s, %s]", pct, num(b2, sizeof b2, "%.4g", h->tau2_lo),
                    num(b3, sizeof b3, "%.4g", h->tau2_hi));
        fprintf(fp, "   tau = %s\n", num(b4, sizeof b4, "%.4g", h->tau));
    }
    fprintf(fp, "  I^2 = %s%%", num(b1, sizeof b1, "%.1f", h->I2));
    if (isfinite(h->I2_lo))
        fprintf(fp, "  [%s%%, %s%%]", num(b2, sizeof b2, "%.1f", h->I2_lo),
                num(b3, sizeof b3, "%.1f", h->I2_hi));
    fprintf(fp, "   H^2 = %s", num(b4, sizeof b4, "%.3g", h->H2));
    if (isfinite(h->H2_lo))
        fprintf(fp, "  [%s, %s]", num(b2, sizeof b2, "%.3g", h->H2_lo),
                num(b3, sizeof b3, "%.3g", h->H2_hi));
    fputc('\n', fp);
    if (f->method == MSC_METHOD_GLMM) {
        fprintf(fp, "  Wald Q = %s, df = %g, %s", num(b1, sizeof b1, "%.4g", h->Q), h->df,
                msc_pvalue_text(b2, sizeof b2, h->Q_p, 4, MSC_P_PROSE));
        fprintf(fp, ";  likelihood-ratio Q = %s, %s\n", num(b3, sizeof b3, "%.4g", h->Q_lrt),
                msc_pvalue_text(b4, sizeof b4, h->Q_lrt_p, 4, MSC_P_PROSE));
    } else {
        fprintf(fp, "  Q = %s, df = %g, %s\n", num(b1, sizeof b1, "%.4g", h->Q), h->df,
                msc_pvalue_text(b2, sizeof b2, h->Q_p, 4, MSC_P_PROSE));
    }
}

static void subgroup_rows(FILE *fp, const msc_analysis *a, const msc_outcome_result *o)
{
    char b1[64], b2[32], b3[32], b4[32], b5[32], b6[32];
    int pct = (int)lround(100.0 * a->settings.level);
    snprintf(b1, sizeof b1, "%d%% CI", pct);
    char col[256];
    msc_text_display(a->data->group_col, 40, col, sizeof col);
    fprintf(fp, "Subgroups by \"%s\"\n", col);
    msc_text_pad(fp, "  Group", LABEL_W, 0);
    fprintf(fp, " %5s  %-8s %-18s %8s %7s %8s %8s\n", "k", "Prop.", b1, "tau^2", "I^2", "Q",
            "p(Q)");
    for (size_t g = 0; g < o->n_groups; g++) {
        const msc_group_result *gr = &o->group[g];
        const msc_estimate *e = msc_fit_main_block(&gr->fit);
        char name[256];
        msc_text_display(gr->name, LABEL_W - 2, name, sizeof name);
        fputs("  ", fp);
        msc_text_pad(fp, name, LABEL_W - 2, 0);
        fprintf(fp, " %5zu  %-8s %-18s %8s %6s%% %8s %8s\n", gr->k,
                num(b5, sizeof b5, "%.4f", e->est), interval(b1, sizeof b1, e->ci_lo, e->ci_hi),
                num(b2, sizeof b2, "%.4g", gr->fit.het.tau2),
                num(b3, sizeof b3, "%.1f", gr->fit.het.I2), num(b4, sizeof b4, "%.4g", gr->fit.het.Q),
                gr->k > 1 ? msc_pvalue_text(b6, sizeof b6, gr->fit.het.Q_p, 4, MSC_P_SHORT)
                          : "NA");
    }
    fprintf(fp, "Test for subgroup differences (%s estimates): Q = %s, df = %s, %s\n",
            o->fit.has_random ? "random-effects" : "common-effect",
            num(b2, sizeof b2, "%.4g", o->Q_between), num(b3, sizeof b3, "%g", o->Q_between_df),
            msc_pvalue_text(b4, sizeof b4, o->Q_between_p, 4, MSC_P_PROSE));
    for (size_t g = 0; g < o->n_groups; g++) {
        char name[MSC_DISPLAY_BUF(40)], prefix[sizeof name + 8];
        msc_text_display(o->group[g].name, 40, name, sizeof name);
        snprintf(prefix, sizeof prefix, "  ! %s: ", name);
        msc_text_warnings(fp, prefix, &o->group[g].warnings);
    }
}

static void excluded_rows(FILE *fp, const msc_analysis *a, const msc_outcome_result *o)
{
    if (o->n_excluded == 0)
        return;
    fprintf(fp, "Excluded (%zu):\n", o->n_excluded);
    for (size_t i = 0; i < o->n_excluded; i++) {
        size_t r = o->excluded_row[i];
        char lab[256];
        msc_text_display(a->data->label[r], 40, lab, sizeof lab);
        fprintf(fp, "  %s (line %ld): ", lab, a->data->line[r]);
        msc_text_print(fp, o->excluded_reason[i]); /* "missing <column name>" */
        fputc('\n', fp);
    }
}

static void outcome_section(FILE *fp, const msc_analysis *a, const msc_outcome_result *o,
                            const msc_report_options *opt)
{
    char name[256], den[256];
    msc_text_display(o->data->name, 60, name, sizeof name);
    msc_text_display(o->data->denom, 60, den, sizeof den);
    fprintf(fp, "\n== %s ", name);
    if (o->skipped) {
        fprintf(fp, "(no usable study) ==\n");
    } else {
        fprintf(fp, "(k = %zu stud%s; denominator \"%s\") ==\n\n", o->k, o->k == 1 ? "y" : "ies",
                den);
        if (!opt->summary_only) {
            study_rows(fp, a, o);
            fputc('\n', fp);
        }
        pooled_rows(fp, a, o);
        fputc('\n', fp);
        heterogeneity(fp, a, o);
        if (o->n_groups > 0) {
            fputc('\n', fp);
            subgroup_rows(fp, a, o);
        }
    }
    if (o->n_excluded) {
        fputc('\n', fp);
        excluded_rows(fp, a, o);
    }
    if (o->warnings.n) {
        fprintf(fp, "\nWarnings:\n");
        msc_text_warnings(fp, "  ! ", &o->warnings);
    }
}

msc_status msc_report_table(FILE *fp, const msc_analysis *a, const msc_report_options *opt)
{
    char in[MSC_DISPLAY_BUF(80)];
    msc_text_display(opt->input_name ? opt->input_name : a->data->source, 80, in, sizeof in);
    fprintf(fp, "mscmeta %s: meta-analysis of proportions, %s\n", MSC_VERSION, in);
    settings_lines(fp, a);
    msc_text_warnings(fp, "! ", &a->data->warnings);
    for (size_t j = 0; j < a->n_outcomes; j++)
        outcome_section(fp, a, &a->outcome[j], opt);
    return ferror(fp) ? MSC_ERR_IO : MSC_OK;
}
