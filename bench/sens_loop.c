/*
 * bench/sens_loop: the leave-one-out analysis of a CSV (column events,
 * n) timed in the library, by the updating scheme (what `pool
 * --leave-one-out` does) and by refitting every subset from scratch (the
 * plain loop over msc_fit_studies it replaces), with the largest relative
 * difference between the two over the estimates, SEs and tau^2.
 *
 *   sens_loop FILE METHOD [THREADS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mscmeta/mscmeta.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sens_loop FILE METHOD [THREADS]\n");
        return 2;
    }
    msc_init();
    char err[MSC_ERRBUF];
    msc_load_options lo;
    msc_load_options_default(&lo);
    const char *ev[1] = {"events"};
    lo.events_cols = ev;
    lo.n_events_cols = 1;
    FILE *fp = fopen(argv[1], "rb");
    msc_dataset *d = NULL;
    if (!fp || msc_dataset_load(fp, argv[1], &lo, &d, err, sizeof err) != MSC_OK) {
        fprintf(stderr, "sens_loop: cannot load %s %s\n", argv[1], fp ? err : "");
        return 1;
    }
    fclose(fp);
    msc_settings s;
    msc_settings_default(&s);
    s.method = (msc_method)msc_method_parse(argv[2]);
    s.threads = argc > 3 ? atoi(argv[3]) : 1;
    msc_analysis *a;
    if (msc_analysis_run(d, &s, MSC_RUN_NO_STUDY_CI, &a, err, sizeof err) != MSC_OK) {
        fprintf(stderr, "sens_loop: %s\n", err);
        return 1;
    }
    msc_studies st;
    msc_outcome_studies(&a->outcome[0], &st);
    size_t k = st.k;
    msc_sens_fit *f = calloc(k, sizeof *f), *p = calloc(k, sizeof *p);
    msc_warnings w = {0};
    double t0 = now();
    msc_sens_leave_one_out(&st, NULL, 0, &s, &a->outcome[0].fit, 0, f, &w);
    double t1 = now();
    msc_sens_leave_one_out(&st, NULL, 0, &s, &a->outcome[0].fit, MSC_SENS_PLAIN, p, &w);
    double t2 = now(), dmax = 0;
    for (size_t i = 0; i < k; i++) {
        double sc = p[i].e.se, d1 = fabs(f[i].e.yi - p[i].e.yi) / fmax(fabs(p[i].e.yi), sc);
        double d2 = fabs(f[i].e.se - p[i].e.se) / p[i].e.se;
        double d3 = fabs(f[i].tau2 - p[i].tau2) / fmax(p[i].tau2, 1e-2);
        dmax = fmax(dmax, fmax(d1, fmax(d2, d3)));
    }
    printf("| %zu | %s | %.3f | %.3f | %.0f | %.1e |\n", k, argv[2], t1 - t0, t2 - t1,
           (t2 - t1) / (t1 - t0), dmax);
    free(f);
    free(p);
    msc_warnings_clear(&w);
    msc_analysis_free(a);
    msc_dataset_free(d);
    return 0;
}
