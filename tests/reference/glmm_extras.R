# Reference values for what mscmeta's GLMM gives beyond rma.glmm (issue 10, part 2):
#   Rscript glmm_extras.R > glmm_extras.json          (run from tests/reference; R with metafor,
#                                                      lme4 and jsonlite)
# For each reference set with tau^2 > 0 under rma.glmm(measure = "PLO", method = "ML", nAGQ = 7),
# and for the two where lme4's fit is singular (tau^2 = 0):
#   tau2_ci_lme4   lme4's confint(glmer(..., nAGQ = 7), method = "profile", parm = "theta_"),
#                  squared: the profile-likelihood interval for tau^2 as lme4 reports it. lme4
#                  interpolates the profile with a spline through ~20 points; where the profile is
#                  nearly flat near tau = 0 (k2_pair) that interpolation is far from the root.
#   tau2_ci_root   the same interval solved exactly on lme4's own deviance function (devFunOnly,
#                  nAGQ = 7): the deviance minimised over mu at fixed tau (optimize), and the tau
#                  where it has risen qchisq(0.95, 1) above its minimum (uniroot, tol 1e-12); null
#                  where lme4's inner iterations fail far out (large_n).
#   lrt            the likelihood-ratio test of tau^2 = 0, computed independently of lme4: the
#                  marginal log-likelihood sum_i log int dbinom(x_i, n_i, plogis(mu + tau z)) dnorm(z) dz
#                  by integrate() (rel.tol 1e-12), maximised by optim (BFGS, then Nelder-Mead, reltol
#                  1e-15) over (mu, log tau); minus glm()'s logLik of the common-effect logistic model;
#                  times 2. `ll_max`, `mu`, `tau2` are that maximum; `p` = pchisq(stat, 1, lower =
#                  FALSE) / 2 (50:50 mixture of chi^2_0 and chi^2_1).
#   marginal       metafor's transf.ilogit.int at rma.glmm's estimate and CI bounds with its tau^2
#                  (the population-averaged proportion), and at a few fixed (mu, tau2) points
#                  (`points`), for a direct test of the integral.
suppressMessages({ library(metafor); library(lme4); library(jsonlite) })

sets <- c("pritz1997", "debruin2009", "strong_het", "k2_pair", "k3_trio", "events_eq_n",
          "many_studies", "large_n", "tiny_and_large_n", "zeros_mixed_n", "homogeneous")

ll_int <- function(mu, tau, x, n) {
  sum(mapply(function(xi, ni) {
    f <- function(z) dbinom(xi, ni, plogis(mu + tau * z)) * dnorm(z)
    # the integrand's mass lies near the study's own logit; split there so integrate sees it
    c0 <- if (xi > 0 && xi < ni) (qlogis(xi / ni) - mu) / tau else 0
    log(integrate(f, -Inf, c0, rel.tol = 1e-12)$value + integrate(f, c0, Inf, rel.tol = 1e-12)$value)
  }, x, n))
}

one <- function(s) {
  d <- read.csv(paste0(s, ".csv")); d$study <- factor(seq_len(nrow(d)))
  x <- d$events; n <- d$n
  form <- cbind(events, n - events) ~ 1 + (1 | study)
  g <- glmer(form, data = d, family = binomial, nAGQ = 7)
  ci <- suppressWarnings(confint(g, method = "profile", parm = "theta_", level = 0.95, quiet = TRUE))
  dev <- glmer(form, data = d, family = binomial, nAGQ = 7, devFunOnly = TRUE)
  root <- tryCatch({
    prof <- function(th) optimize(function(b) dev(c(th, b)), c(-10, 10), tol = 1e-12)$objective
    o <- optim(c(getME(g, "theta"), fixef(g)), dev, method = "L-BFGS-B", lower = c(0, -Inf),
               control = list(factr = 1, pgtol = 0))
    f <- function(th) prof(th) - o$value - qchisq(0.95, 1)
    th <- o$par[1]
    lo <- if (f(0) <= 0) 0 else uniroot(f, c(0, th), tol = 1e-12)$root
    hi <- uniroot(f, c(max(th, 1e-3), 50), tol = 1e-12)$root
    c(lo, hi)^2
  }, error = function(e) NULL)
  # LRT by integrate
  nll <- function(p) -ll_int(p[1], exp(p[2]), x, n)
  m <- rma.glmm(measure = "PLO", xi = x, ni = n, method = "ML", nAGQ = 7)
  start <- c(m$b[1], log(sqrt(max(m$tau2, 0.01))))
  o1 <- optim(start, nll, method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
  o2 <- optim(o1$par, nll, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000))
  o <- if (o2$value < o1$value) o2 else o1
  l0 <- as.numeric(logLik(glm(cbind(x, n - x) ~ 1, family = binomial)))
  stat <- max(0, 2 * (-o$value - l0))
  # a singular fit (tau -> 0) leaves log tau drifting down: the maximum is at tau = 0
  lrt <- list(stat = stat, p = if (stat > 0) pchisq(stat, 1, lower.tail = FALSE) / 2 else 1,
              ll_max = -o$value, ll_glm = l0, mu = o$par[1], tau2 = exp(2 * o$par[2]))
  marg <- if (m$tau2 > 0) list(
    mu = m$b[1], tau2 = m$tau2, ci_lb = m$ci.lb, ci_ub = m$ci.ub,
    estimate = transf.ilogit.int(m$b[1], targs = list(tau2 = m$tau2)),
    ci_lower = transf.ilogit.int(m$ci.lb, targs = list(tau2 = m$tau2)),
    ci_upper = transf.ilogit.int(m$ci.ub, targs = list(tau2 = m$tau2))) else NULL
  list(set = s, tau2_lme4 = getME(g, "theta")^2, tau2_ci_lme4 = as.numeric(ci)^2,
       tau2_ci_root = root, lrt = lrt, marginal = marg)
}

pts <- expand.grid(mu = c(-6, -3.2, -1, 0, 0.4, 2.5, 5), tau2 = c(0.01, 0.3, 1, 3.7, 12))
points <- lapply(seq_len(nrow(pts)), function(i)
  list(mu = pts$mu[i], tau2 = pts$tau2[i],
       marginal = transf.ilogit.int(pts$mu[i], targs = list(tau2 = pts$tau2[i]))))

res <- list(made_by = "Rscript glmm_extras.R > glmm_extras.json (tests/reference)",
            metafor = as.character(packageVersion("metafor")),
            lme4 = as.character(packageVersion("lme4")),
            sets = lapply(sets, one), points = points)
cat(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "\n")
