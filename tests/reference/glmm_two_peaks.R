# The upper bound of the profile-likelihood interval for tau^2 (95%) on two
# data sets whose 9-point likelihood in mu is two-peaked at large tau
# (tests/test_glmm_extras.c, test_profile_ci_two_peaks), solved on lme4's own
# deviance function (glmer with nAGQ = 9, devFunOnly, tolPwrss = 1e-13 so that
# its modes are solved fully): the profile over the intercept takes the best
# of a grid from -80 to 20 (step 0.25) and then optimize() near it, and the
# bound is the uniroot (tol 1e-10) where it has risen qchisq(0.95, 1) above
# the minimum. A development aid: the tests never run R.
#
#   Rscript tests/reference/glmm_two_peaks.R
# prints, 2026-12-01 with lme4 from Debian's r-cran-lme4:
#   theta_hat 1.150080071  tau2_hat 1.32268417  upper tau2 8416.127806
#   theta_hat 3.584844164  tau2_hat 12.85110768  upper tau2 5200.152093
suppressMessages(library(lme4))
sets <- list(
  list(x = c(1,0,0,0,0,1,0,0,0,1,0,0,0,0,0,1,0,1,0,0), n = c(1,1,1,1,1,2,2,1,1,1,1,2,1,1,2,1,2,1,2,1)),
  list(x = c(0,0,0,0,0,1,2,0), n = c(4,1,4,3,4,4,2,1)))
for (s in sets) {
  d <- data.frame(events = s$x, n = s$n, study = factor(seq_along(s$x)))
  form <- cbind(events, n - events) ~ 1 + (1 | study)
  dev0 <- glmer(form, data = d, family = binomial, nAGQ = 9, devFunOnly = TRUE, control = glmerControl(tolPwrss = 1e-13))
  dev <- function(p) tryCatch(dev0(p), error = function(e) Inf)
  # the profile over the intercept: a grid for the global minimum, then optimize near it
  prof <- function(th) {
    b <- seq(-80, 20, by = 0.25)
    v <- sapply(b, function(bb) dev(c(th, bb)))
    b0 <- b[which.min(v)]
    optimize(function(bb) dev(c(th, bb)), c(b0 - 0.5, b0 + 0.5), tol = 1e-12)$objective
  }
  o <- optim(c(1, -1), dev, method = "L-BFGS-B", lower = c(1e-6, -Inf), control = list(factr = 1, pgtol = 0))
  o2 <- optim(o$par, dev, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 5000))
  if (o2$value < o$value) o <- o2
  f <- function(th) prof(th) - o$value - qchisq(0.95, 1)
  hi <- uniroot(f, c(o$par[1] * 1.5, 300), tol = 1e-10)$root
  cat(sprintf("theta_hat %.10g  tau2_hat %.10g  upper tau2 %.10g\n", o$par[1], o$par[1]^2, hi^2))
}
