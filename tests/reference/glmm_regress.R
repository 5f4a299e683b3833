# Reference values for mscmeta regress --method GLMM (tests/test_metareg.c,
# test_glmm_regress): metafor 3.8-1's rma.glmm(measure = "PLO", mods = ...,
# method = "ML") (lme4 glmer, nAGQ = 7), written to glmm_regress.json.
# Run from tests/reference: Rscript glmm_regress.R
# Each fit: b, se, zval, pval, ci (Wald, z), tau2, I2, H2, QM (all
# moderators), QE Wald and LRT; pred: predict(fit, newmods = at) (pred, se,
# ci, pi). LRT: the likelihood-ratio test of the moderators against the
# intercept-only GLMM, 2 (logLik(full) - logLik(null)) of lme4's glmer fits
# as rma.glmm makes them (cbind(x, n - x) ~ X - 1 + (1 | study), binomial,
# nAGQ = 7, moderator columns centred and scaled as rma.glmm does), df p - 1. Not from rma.glmm's logLik(): metafor 3.8-1 builds
# it from deviance(glmer), the conditional deviance, so its difference is
# not a likelihood ratio (it comes out negative for bcg ~ ablat).
suppressMessages({library(metafor); library(jsonlite)})
stopifnot(packageVersion("metafor") == "3.8.1")
fits <- list(
  list(set = "bcg_control", mods = "ablat", form = ~ ablat, at = c(30)),
  list(set = "bcg_control", mods = "year", form = ~ year, at = c(1960)),
  list(set = "bcg_control", mods = "alloc", form = ~ alloc, at = c(0, 1)),
  list(set = "bcg_control", mods = c("ablat", "year"), form = ~ ablat + year, at = c(30, 1960)),
  list(set = "bcg_control", mods = c("ablat", "alloc"), form = ~ ablat + alloc, at = c(30, 1, 0)),
  list(set = "debruin2009", mods = "year", form = ~ year, at = c(2004)),
  list(set = "debruin2009", mods = "ethnicity", form = ~ ethnicity, at = c(1)),
  list(set = "glmm_sparse", mods = "dose", form = ~ dose, at = c(3)),
  list(set = "glmm_sparse", mods = c("dose", "route"), form = ~ dose + route, at = c(3, 1)),
  list(set = "glmm_zeros", mods = "route", form = ~ route, at = c(1)),
  list(set = "glmm_zeros", mods = c("dose", "route"), form = ~ dose + route, at = c(2, 0))
)
out <- lapply(fits, function(f) {
  d <- read.csv(paste0(f$set, ".csv"))
  res <- rma.glmm(measure = "PLO", xi = events, ni = n, mods = f$form, data = d, method = "ML")
  null <- rma.glmm(measure = "PLO", xi = events, ni = n, data = d, method = "ML")
  pr <- predict(res, newmods = rbind(f$at))
  X <- model.matrix(f$form, data = d)
  X[, -1] <- scale(X[, -1]) # the same model; lme4 cannot fit raw years
  study <- factor(seq_len(nrow(d)))
  y <- cbind(d$events, d$n - d$events)
  g1 <- suppressMessages(lme4::glmer(y ~ -1 + X + (1 | study), family = binomial, nAGQ = 7))
  g0 <- suppressMessages(lme4::glmer(y ~ 1 + (1 | study), family = binomial, nAGQ = 7))
  lrt <- 2 * (c(logLik(g1)) - c(logLik(g0)))
  # an independent check of the SEs: lme4's vcov inverts a finite-difference
  # Hessian good to ~3e-4; central differences (step 1e-3) of lme4's own
  # deviance function at its optimum, over (theta, beta) with X unscaled
  se_fd <- NULL
  if (identical(f$mods, "alloc")) {
    Xr <- model.matrix(f$form, data = d)
    gr <- suppressMessages(lme4::glmer(y ~ -1 + Xr + (1 | study), family = binomial, nAGQ = 7))
    dev <- suppressMessages(lme4::glmer(y ~ -1 + Xr + (1 | study), family = binomial, nAGQ = 7,
                                        devFunOnly = TRUE))
    th <- c(lme4::getME(gr, "theta"), lme4::fixef(gr)); h <- 1e-3; q <- length(th)
    H <- matrix(0, q, q)
    for (a in 1:q) for (b in 1:q) {
      ea <- eb <- rep(0, q); ea[a] <- h; eb[b] <- h
      H[a, b] <- (dev(th + ea + eb) - dev(th + ea - eb) - dev(th - ea + eb) + dev(th - ea - eb)) / (4 * h^2)
    }
    se_fd <- sqrt(diag(2 * solve(H)))[-1]
  }
  list(set = f$set, mods = f$mods, se_fd = se_fd, coef_names = rownames(res$beta), k = res$k,
       b = c(res$beta), se = res$se, zval = res$zval, pval = res$pval,
       ci_lb = res$ci.lb, ci_ub = res$ci.ub, tau2 = res$tau2, I2 = res$I2, H2 = res$H2,
       QM = res$QM, QMdf = res$QMdf[1], QMp = res$QMp,
       QE_wld = res$QE.Wld, QEp_wld = res$QEp.Wld, QE_lrt = res$QE.LRT, QEp_lrt = res$QEp.LRT,
       QE_df = res$QE.df, tau2_null = null$tau2,
       LRT = lrt, LRT_df = length(res$beta) - 1,
       LRT_p = pchisq(lrt, length(res$beta) - 1, lower.tail = FALSE),
       at = f$at, pred = pr$pred, pred_se = pr$se, pred_ci_lb = pr$ci.lb,
       pred_ci_ub = pr$ci.ub, pred_pi_lb = pr$pi.lb, pred_pi_ub = pr$pi.ub)
})
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "glmm_regress.json")
