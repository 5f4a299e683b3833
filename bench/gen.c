/*
 * bench/gen: writes a synthetic single-arm data set as CSV for benchmarks
 * and large-scale tests. Study i has n_i patients (uniform in [nmin, nmax])
 * and x_i ~ Binomial(n_i, expit(mu + tau z_i)), z_i ~ N(0, 1). The
 * generator is a fixed xorshift, so the same arguments give the same file.
 *
 *   gen K [SEED [NMIN NMAX [MU TAU [G]]]]   (defaults: 1, 5, 200, -1, 0.8)
 *
 * With G, a first column "ma" names one of G meta-analyses, m1 ... mG,
 * in turn (study i belongs to m(i mod G + 1)), so that each meta-analysis's
 * rows are spread over the whole file (mscmeta pool --by ma).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static double unif(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return ((state >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2.0 * log(unif())) * cos(6.283185307179586 * unif());
}

static long binomial(long n, double p)
{
    if (n <= 500) {
        long x = 0;
        for (long i = 0; i < n; i++)
            x += unif() < p;
        return x;
    }
    long x = lround(n * p + sqrt(n * p * (1 - p)) * normal()); /* large n: normal */
    return x < 0 ? 0 : x > n ? n : x;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen K [SEED [NMIN NMAX [MU TAU [G]]]]\n");
        return 2;
    }
    long k = atol(argv[1]);
    state = 0x9E3779B97F4A7C15ull ^ (uint64_t)(argc > 2 ? atol(argv[2]) : 1);
    long nmin = argc > 4 ? atol(argv[3]) : 5, nmax = argc > 4 ? atol(argv[4]) : 200;
    double mu = argc > 6 ? atof(argv[5]) : -1.0, tau = argc > 6 ? atof(argv[6]) : 0.8;
    long groups = argc > 7 ? atol(argv[7]) : 0;
    printf(groups > 0 ? "ma,study,n,events\n" : "study,n,events\n");
    for (long i = 0; i < k; i++) {
        long n = nmin + (long)(unif() * (double)(nmax - nmin + 1));
        double p = 1.0 / (1.0 + exp(-(mu + tau * normal())));
        if (groups > 0)
            printf("m%ld,", i % groups + 1);
        printf("s%ld,%ld,%ld\n", i + 1, n, binomial(n, p));
    }
    return ferror(stdout) ? 1 : 0;
}
