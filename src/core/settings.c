/*
 * Settings: defaults, the names the CLI and reports use, and the continuity
 * correction rule. Defaults follow metafor (escalc, rma) except the
 * prediction interval, which follows meta and Stata (Higgins-Thompson-
 * Spiegelhalter, t with k-2 df).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msc_core.h"

void msc_settings_default(msc_settings *s)
{
    s->measure = MSC_PLO;
    s->cc = NAN;
    s->cc_mode = -1;
    s->method = MSC_METHOD_REML;
    s->test = MSC_TEST_Z;
    s->pi = MSC_PI_HTS;
    s->study_ci = MSC_SCI_CP;
    s->level = 0.95;
    s->nagq = 7;
    s->threads = 1;
    s->null_prop = NAN;
    s->method_default = 0;
}

msc_method msc_method_default(msc_measure measure, msc_test test)
{
    return measure == MSC_PLO && test == MSC_TEST_Z ? MSC_METHOD_GLMM : MSC_METHOD_REML;
}

int msc_method_uses_counts(msc_method m) { return m == MSC_METHOD_GLMM || m == MSC_METHOD_BB; }

/* escalc(): add = 1/2, to = "only0" by default; for PAS and PFT `add`
 * defaults to 0 (the transforms are finite at 0 and n), so a correction
 * happens there only when the user asks for one with --cc. */
void msc_settings_effective_cc(const msc_settings *s, double *cc, msc_cc_mode *mode)
{
    int arcsine = s->measure == MSC_PAS || s->measure == MSC_PFT;
    double add = !isnan(s->cc) ? s->cc : (arcsine ? 0.0 : 0.5);
    msc_cc_mode m = s->cc_mode >= 0 ? (msc_cc_mode)s->cc_mode : MSC_CC_ONLY0;
    if (add == 0.0)
        m = MSC_CC_NONE;
    if (m == MSC_CC_NONE)
        add = 0.0;
    *cc = add;
    *mode = m;
}

static const char *const measure_names[] = {"PR", "PLN", "PLO", "PAS", "PFT"};
static const char *const method_names[] = {"FE",   "DL", "HE", "HS",   "SJ", "ML",
                                           "REML", "EB", "PM", "GLMM", "BB"};
static const char *const test_names[] = {"z", "knha"};
static const char *const pi_names[] = {"hts", "z", "t"};
static const char *const sci_names[] = {"cp", "wilson", "jeffreys", "ac", "wald"};
static const char *const cc_names[] = {"only0", "all", "if0all", "none"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const char *const *names, size_t n, const char *s, int fold)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (fold ? strcasecmp(names[i], s) == 0 : strcmp(names[i], s) == 0)
            return (int)i;
    }
    return -1;
}

/* names[v], or "?" for a value outside the table (a caller's bad enum
 * must not read past it) */
static const char *name_of(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "?";
}

const char *msc_measure_name(msc_measure m)
{
    return name_of(measure_names, N_OF(measure_names), (int)m);
}
const char *msc_method_name(msc_method m)
{
    return name_of(method_names, N_OF(method_names), (int)m);
}
const char *msc_test_name(msc_test t) { return name_of(test_names, N_OF(test_names), (int)t); }
const char *msc_pi_name(msc_pi p) { return name_of(pi_names, N_OF(pi_names), (int)p); }
const char *msc_study_ci_name(msc_study_ci c)
{
    return name_of(sci_names, N_OF(sci_names), (int)c);
}
const char *msc_cc_mode_name(msc_cc_mode m) { return name_of(cc_names, N_OF(cc_names), (int)m); }

static int in_range(int v, size_t n) { return v >= 0 && (size_t)v < n; }

msc_status msc_settings_check(const msc_settings *s, char *err, size_t errlen)
{
    const char *why = NULL;
    if (!in_range((int)s->measure, N_OF(measure_names)))
        why = "measure: not one of PR, PLN, PLO, PAS, PFT";
    else if (!in_range((int)s->method, N_OF(method_names)))
        why = "method: not one of FE, DL, HE, HS, SJ, ML, REML, EB, PM, GLMM, BB";
    else if (!in_range((int)s->test, N_OF(test_names)))
        why = "test: not z or knha";
    else if (!in_range((int)s->pi, N_OF(pi_names)))
        why = "pi: not hts, z or t";
    else if (!in_range((int)s->study_ci, N_OF(sci_names)))
        why = "study_ci: not one of cp, wilson, jeffreys, ac, wald";
    else if (s->cc_mode != -1 && !in_range(s->cc_mode, N_OF(cc_names)))
        why = "cc_mode: not -1 (the default) or one of only0, all, if0all, none";
    else if (!isnan(s->cc) && !(s->cc >= 0.0 && isfinite(s->cc)))
        why = "cc: the continuity correction must be NAN (the default) or a finite number >= 0";
    else if (!(s->level > 0.0 && s->level < 1.0))
        why = "level: the confidence level must be between 0 and 1, for example 0.95";
    else if (!isnan(s->null_prop) && !(s->null_prop > 0.0 && s->null_prop < 1.0))
        why = "null_prop: the proportion under the null hypothesis must be NAN (none) or between "
              "0 and 1";
    else if (!(s->threads >= 1 && s->threads <= MSC_THREADS_MAX))
        why = "threads: from 1 to 1024";
    else if (s->method == MSC_METHOD_GLMM && !(s->nagq >= 1 && s->nagq <= MSC_NAGQ_MAX))
        why = "nagq: the GLMM takes 1 to 64 quadrature points";
    else if (s->method == MSC_METHOD_GLMM && s->measure != MSC_PLO)
        why = "method GLMM models the logit of the proportion: the measure must be PLO";
    else if (s->method == MSC_METHOD_GLMM && s->test != MSC_TEST_Z)
        why = "test knha applies to inverse-variance models, not to the GLMM";
    else if (s->method == MSC_METHOD_BB && s->measure != MSC_PLO)
        why = "method BB models the proportion on the logit scale: the measure must be PLO";
    else if (s->method == MSC_METHOD_BB && s->test != MSC_TEST_Z)
        why = "test knha applies to inverse-variance models, not to the beta-binomial";
    if (!why)
        return MSC_OK;
    if (err && errlen)
        snprintf(err, errlen, "settings: %s", why);
    return MSC_ERR_USAGE;
}

/* Measures and methods are conventionally upper case, tests and interval
 * types lower case; accept either spelling. "EE"/"CE" are metafor's newer
 * names for the common-effect model; "hk"/"hksj" are meta's for knha. */
int msc_measure_parse(const char *s) { return lookup(measure_names, N_OF(measure_names), s, 1); }

int msc_method_parse(const char *s)
{
    if (s && (strcasecmp(s, "EE") == 0 || strcasecmp(s, "CE") == 0))
        return MSC_METHOD_FE;
    return lookup(method_names, N_OF(method_names), s, 1);
}

int msc_test_parse(const char *s)
{
    if (s && (strcasecmp(s, "hk") == 0 || strcasecmp(s, "hksj") == 0))
        return MSC_TEST_KNHA;
    return lookup(test_names, N_OF(test_names), s, 1);
}

int msc_pi_parse(const char *s) { return lookup(pi_names, N_OF(pi_names), s, 1); }
int msc_study_ci_parse(const char *s) { return lookup(sci_names, N_OF(sci_names), s, 1); }
int msc_cc_mode_parse(const char *s) { return lookup(cc_names, N_OF(cc_names), s, 1); }

int msc_format_parse(const char *s)
{
    static const char *const names[] = {"table", "json", "csv", "jsonl", "html", "md"};
    return lookup(names, N_OF(names), s, 1);
}

const char *msc_measure_scale_name(msc_measure m)
{
    static const char *const n[] = {"raw proportion", "log", "logit", "arcsine square root",
                                    "Freeman-Tukey double arcsine"};
    return n[m];
}

const char *msc_method_long_name(msc_method m)
{
    static const char *const n[] = {"common effect (inverse variance)",
                                    "DerSimonian-Laird",
                                    "Hedges",
                                    "Hunter-Schmidt",
                                    "Sidik-Jonkman",
                                    "maximum likelihood",
                                    "restricted maximum likelihood (REML)",
                                    "empirical Bayes",
                                    "Paule-Mandel",
                                    "binomial-normal GLMM (ML)",
                                    "beta-binomial (ML, common rho)"};
    return n[m];
}

const char *msc_study_ci_long_name(msc_study_ci c)
{
    static const char *const n[] = {"Clopper-Pearson", "Wilson", "Jeffreys", "Agresti-Coull",
                                    "Wald"};
    return n[c];
}
