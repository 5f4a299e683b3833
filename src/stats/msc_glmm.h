/*
 * The GLMM's quadrature engine (glmm_quad.c), for the fit and its policy
 * (glmm.c): the model's distinct (x, n) pairs and quadrature rule, its
 * adaptive Gauss-Hermite log-likelihood, the Newton maximisation over
 * (mu, log tau) and lme4's variance of mu. Private to the stats layer.
 */
#ifndef MSC_GLMM_H
#define MSC_GLMM_H

#include <stddef.h>

#include "msc_stats.h"

#define MSC_GLMM_MAX_NODES 64 /* nodes a rule can hold */

typedef struct {
    double x, n, m; /* events, patients, how many studies share them */
    double zhat;    /* conditional mode, kept as a warm start */
} msc_glmm_pair;

/* One evaluation of the AGQ objective (or of a chunk of its pairs). */
typedef struct {
    double ll;   /* AGQ log-likelihood, up to a constant */
    double g[2]; /* d ll / d(mu, tau) */
    double h[3]; /* Louis approximation: (mu,mu), (mu,tau), (tau,tau) */
} msc_glmm_eval;

typedef struct {
    msc_glmm_pair *u;
    size_t nu;
    int nagq;
    int threads;         /* threads an evaluation may use */
    msc_glmm_eval *part; /* per chunk of pairs (see glmm_quad.c), or NULL */
    /* Gauss-Hermite nodes and log weights (weight e^{-t^2}) */
    double t[MSC_GLMM_MAX_NODES], lw[MSC_GLMM_MAX_NODES];
} msc_glmm_model;

/* The distinct (x, n) pairs of k studies with their multiplicities, a rule
 * of nagq nodes (1 to MSC_GLMM_MAX_NODES), and the threads an evaluation
 * may use (the results are the same for any number). MSC_OK or
 * MSC_ERR_NOMEM. */
msc_status msc_glmm_model_init(msc_glmm_model *M, const double *xi, const double *ni, size_t k,
                               int nagq, int threads);
void msc_glmm_model_free(msc_glmm_model *M);

/* Replaces M's rule with one of nagq nodes (1: the Laplace approximation). */
msc_status msc_glmm_model_rule(msc_glmm_model *M, int nagq);

/* The AGQ log-likelihood at (mu, tau > 0), up to a constant, and at
 * tau = 0 on the same scale (where the rule is exact). */
double msc_glmm_loglik(msc_glmm_model *M, double mu, double tau);
double msc_glmm_loglik_tau0(const msc_glmm_model *M, double mu);

/* Damped Newton on (mu, rho = log tau) from (*mu, *tau), ending on a full
 * step below step_tol in both (1e-9 for the fits; the next step would be
 * about its square). Returns 1 when it converged to an interior maximum
 * (*ll its log-likelihood), 0 when tau fell to the boundary (*tau = 0),
 * -1 when it failed or tau diverged. */
int msc_glmm_maximise(msc_glmm_model *M, double step_tol, double *mu, double *tau, int *iters,
                      double *ll);

/* lme4's variance of mu at (mu, tau): [H^-1]_{mu,mu} from central
 * differences of the exact gradient; NAN if H is not negative definite. */
double msc_glmm_var_mu(msc_glmm_model *M, double mu, double tau);

/* One evaluation at (mu, tau > 0): the AGQ log-likelihood, its exact
 * gradient in (mu, tau) and the Louis Hessian (glmm_quad.c). */
void msc_glmm_evaluate(msc_glmm_model *M, double mu, double tau, msc_glmm_eval *ev);

/* ----------------------------------------- glmm_profile.c: beyond the fit */

/* The maximum over mu of the AGQ log-likelihood at fixed tau >= 0 (tau = 0:
 * logistic regression, closed form). *mu holds the start and receives the
 * argmax; *g_tau, when not NULL, receives d ll / d tau there, which is the
 * derivative of the profile (envelope theorem; NAN at tau = 0). */
double msc_glmm_profile_mu(msc_glmm_model *M, double tau, double *mu, double *g_tau);

/* Profile-likelihood interval for tau^2 at `level` (lme4's
 * confint(method = "profile") for the SD, squared): the tau at which the
 * profile log-likelihood falls chi^2_1(level) / 2 below its maximum at
 * (mu_hat, tau_hat), where at_max is M's evaluation (for tau_hat = 0,
 * only its ll, the logistic fit's, is used); the lower bound is 0 when the profile at tau = 0
 * has not fallen that far. A bound not found is NAN. Without `bounds`,
 * only the search that brackets the upper bound is made and both stay
 * NAN. Returns 0 when the upper bound lies beyond tau = 1e3 (not found),
 * else 1. *close (when not NULL) is set to 1 when a step of that search
 * came so near the cut-off that the answer could change with the model's
 * warm starts (M's modes, which carry the path of earlier evaluations). */
int msc_glmm_tau2_profile_ci(msc_glmm_model *M, double mu_hat, double tau_hat,
                             const msc_glmm_eval *at_max, double level, int bounds, double *lo,
                             double *hi, int *close);

/* The marginal (population-averaged) proportion: the integral of
 * expit(mu + tau z) phi(z) over z, as metafor's transf.ilogit.int
 * (integrated over mu +- 10 tau); expit(mu) at tau2 = 0. */
double msc_glmm_marginal(double mu, double tau2);

/* The extras of a GLMM fit that metafor's rma.glmm does not give, added to
 * f (already fitted to the k studies by msc_glmm_fit, whose model of them
 * is M; its modes are reset and then used): the marginal
 * proportion with its interval, the profile-likelihood interval for tau^2
 * (with I^2 and H^2 from it) and the likelihood-ratio test of tau^2 = 0.
 * With MSC_FIT_NO_TAU2_CI in flags the interval is not computed (NAN), but
 * its warning of an upper bound not found is given as with it; with
 * MSC_FIT_ROW too, no marginal proportion, and that warning exactly as the
 * fit with the interval would give it (see the function). Only for a
 * fit at an interior maximum or at tau^2 = 0; MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_glmm_extras(msc_glmm_model *M, size_t k, const msc_settings *s, unsigned flags,
                           msc_fit *f, msc_warnings *w);

/* ---------------------------------------- glmm_loo.c: leave-one-out */

/* The interpolant of the k studies' objective around their fit (mu_hat,
 * tau_hat > 0), to certify leave-one-out rows. *out is NULL (and MSC_OK
 * returned) when it cannot be built to its check: no row is then
 * certified. MSC_OK or MSC_ERR_NOMEM. */
msc_status msc_glmm_loo_build(const double *xi, const double *ni, size_t k, const msc_settings *s,
                              double mu_hat, double tau_hat, msc_glmm_loo **out);
void msc_glmm_loo_free(msc_glmm_loo *L);

/* 1 when the fit without one study (x events of n), whose exact maximum is
 * (mu, tau > 0), has a profile log-likelihood at 1.5 tau that has fallen
 * past the cut-off of the profile interval for tau^2 by a clear margin:
 * msc_glmm_tau2_profile_ci's search for the upper bound, which visits
 * 1.5 tau unless it has found the bound before, would find it there at the
 * latest. 0 when that is not certain (L may be NULL). */
int msc_glmm_loo_profile_clear(const msc_glmm_loo *L, double x, double n, double mu, double tau);

#endif
