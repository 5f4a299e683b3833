# An independent simulation of the coverage that `mscmeta simulate` reports
# (issue 16 section 2), written with metafor 3.8-1 and R's own random numbers.
#
# Design: k = 5 studies of n = 20 patients each; the binomial-normal model
# theta_i ~ N(logit(0.2), 0.1), x_i ~ Binomial(20, expit(theta_i)); the target
# is expit(mu) = 0.2 (the median of the true rates). Each of R = 10,000 data
# sets is analysed as `mscmeta pool` would, on measure PLO (escalc's default
# add = 1/2 to = "only0"):
#   dl       rma(method = "DL")                   (mscmeta compare's row dl)
#   pm_knha  rma(method = "PM", test = "knha")     (row pm_knha, HKSJ)
#   dl_knha  rma(method = "DL", test = "knha")     (HKSJ with DL's tau^2; for reference)
#   reml     rma(method = "REML")                 (row reml_cc0.5)
# and the CI (predict(transf = transf.ilogit)) checked against 0.2; a fit that
# fails is left out and counted. Coverage c, its Monte Carlo SE sqrt(c(1-c)/R).
#
# Usage, from the repository root (about 3 minutes of CPU):
#   Rscript tests/reference/simulate.R > tests/reference/simulate.json
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
set.seed(20261201)
k <- 5; n <- rep(20, k); mu <- 0.2; tau2 <- 0.1; R <- 10000; level <- 0.95
fits <- list(dl = list(method = "DL", test = "z"),
             pm_knha = list(method = "PM", test = "knha"),
             dl_knha = list(method = "DL", test = "knha"),
             reml = list(method = "REML", test = "z"))
cov <- matrix(NA, R, length(fits), dimnames = list(NULL, names(fits)))
est <- cov
for (r in seq_len(R)) {
  theta <- rnorm(k, qlogis(mu), sqrt(tau2))
  x <- rbinom(k, n, plogis(theta))
  dat <- escalc(measure = "PLO", xi = x, ni = n)
  for (m in names(fits)) {
    f <- tryCatch(rma(yi, vi, data = dat, method = fits[[m]]$method, test = fits[[m]]$test,
                      level = 100 * level, control = list(stepadj = 0.5, maxiter = 1000)),
                  error = function(e) NULL)
    if (is.null(f)) next
    p <- predict(f, transf = transf.ilogit)
    cov[r, m] <- p$ci.lb <= mu && mu <= p$ci.ub
    est[r, m] <- p$pred
  }
}
out <- list(
  call = "tests/reference/simulate.R (seed 20261201)",
  metafor = as.character(packageVersion("metafor")),
  design = list(k = k, n = n, mu = mu, tau2 = tau2, reps = R, level = level, measure = "PLO"),
  methods = lapply(setNames(names(fits), names(fits)), function(m) {
    ok <- !is.na(cov[, m]); c <- mean(cov[ok, m])
    list(method = fits[[m]]$method, test = fits[[m]]$test, n = sum(ok), failed = sum(!ok),
         coverage = c, mcse = sqrt(c * (1 - c) / sum(ok)),
         bias = mean(est[ok, m] - mu), rmse = sqrt(mean((est[ok, m] - mu)^2)))
  }))
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
