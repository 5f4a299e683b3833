/*
 * embed.c: pooling proportions from counts in memory through libmscmeta.
 *
 * The counts are those of metafor's data set dat.pritz1997 (14 studies;
 * the same as tests/reference/pritz1997.csv). The program pools them with
 * the library's defaults (logit, REML, z test) and prints the pooled
 * proportion with its 95% confidence interval, which metafor gives as
 * 0.7575 [0.6605, 0.8337]. See examples/README.md to build and run it.
 */
#include <stdio.h>

#include <mscmeta/mscmeta.h>

#define K 14

static const char *const STUDY[K] = {
    "Giannotta et al.", "Haraguchi and Ebina",  "Swift and Solomon", "Kassell et al.",
    "Tanabe et al.",    "Awad et al.",          "Finn et al.",       "Hadeishi et al.",
    "Otsubo et al.",    "Muizelaar and Becker", "Rosenstein et al.", "Levy et al.",
    "Shimoda et al.",   "Solomon et al."};
static const double EVENTS[K] = {16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6};
static const double N[K] = {17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10};

int main(void)
{
    char err[MSC_ERRBUF]; /* every call that can fail explains itself here */
    msc_dataset *data = NULL;
    msc_analysis *fit = NULL;
    msc_status st;

    /* Once, before anything else: makes GSL return errors instead of
     * aborting the program. */
    msc_init();

    /* A data set of one outcome ("events") from the counts; the library
     * copies them. The counts are checked as the CSV reader checks them. */
    st = msc_dataset_from_counts(STUDY, EVENTS, N, K, NULL, &data, err, sizeof err);
    if (st != MSC_OK) {
        fprintf(stderr, "embed: %s: %s\n", msc_strerror(st), err);
        return 1;
    }

    /* The analysis with the default settings: change any field of s
     * (s.method = MSC_METHOD_DL, s.measure = MSC_PFT, ...) before running. */
    msc_settings s;
    msc_settings_default(&s);
    st = msc_analysis_run(data, &s, 0, &fit, err, sizeof err);
    if (st != MSC_OK) {
        fprintf(stderr, "embed: %s: %s\n", msc_strerror(st), err);
        msc_dataset_free(data);
        return 1;
    }

    /* One result per outcome. msc_fit_main_block gives the estimate that
     * tests and plots use: random effects (the common effect for FE).
     * est, ci_lo and ci_hi are on the proportion scale; yi and se on the
     * model (logit) scale. */
    const msc_outcome_result *o = &fit->outcome[0];
    const msc_estimate *e = msc_fit_main_block(&o->fit);
    printf("mscmeta %s: %zu studies, %s, %s\n", msc_version(), o->k, msc_measure_name(s.measure),
           msc_method_name(s.method));
    printf("pooled proportion: %.9f (%g%% CI %.9f to %.9f)\n", e->est, 100 * s.level, e->ci_lo,
           e->ci_hi);

    /* The analysis points into the data set: free it first. */
    msc_analysis_free(fit);
    msc_dataset_free(data);
    return 0;
}
