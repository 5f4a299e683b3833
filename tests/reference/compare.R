# metafor 3.8-1 reference values for `mscmeta compare` (tests/cli/compare.sh):
# the REML rows (logit with cc 0.5, Freeman-Tukey) on two zero-heavy data sets.
# Run from the repository root: Rscript tests/reference/compare.R > tests/reference/compare.json
suppressMessages({library(metafor); library(jsonlite)})
# REML iterated to convergence, as tests/reference/reference.R (metafor's default threshold,
# 1e-5, leaves tau^2 off by up to 1e-2 relative on zeros_mixed_n's PFT fit)
tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
one <- function(file, col) {
  d <- read.csv(file, check.names = FALSE)
  x <- d[[col]]; n <- d$n
  # REML on the logit, 0.5 added to studies with 0 or n events (metafor's default)
  r <- rma(measure = "PLO", xi = x, ni = n, method = "REML", add = 0.5, to = "only0",
           control = tight)
  pr <- predict(r, transf = transf.ilogit)
  # REML on the Freeman-Tukey scale, back-transformed at the harmonic mean of n
  f <- rma(measure = "PFT", xi = x, ni = n, method = "REML", control = tight)
  pf <- predict(f, transf = transf.ipft.hm, targs = list(ni = n))
  list(file = file, outcome = col,
       reml_cc0.5 = list(estimate = pr$pred, ci_lower = pr$ci.lb, ci_upper = pr$ci.ub,
                         yi = as.numeric(r$beta), se = r$se, tau2 = r$tau2, I2 = r$I2),
       pft_reml = list(estimate = pf$pred, ci_lower = pf$ci.lb, ci_upper = pf$ci.ub,
                       yi = as.numeric(f$beta), se = f$se, tau2 = f$tau2, I2 = f$I2))
}
out <- list(metafor = as.character(packageVersion("metafor")),
            sets = list(one("tests/reference/sparse40.csv", "serious_adverse_events"),
                        one("tests/reference/zeros_mixed_n.csv", "events")))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
