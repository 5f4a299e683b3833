# Extra reference values from metafor, beyond what reference.R writes.
# Usage: Rscript extra_reference.R studies.csv out.extra.json [group_column]
# The CSV must have columns: study, events, n (and optionally the group column).
#
# Written by the helper that made the stress data sets; same conventions as reference.R
# (rma with control threshold/tol 1e-12, maxiter 10000; confint with tol 1e-12; toJSON digits = NA).
# Sections of the output:
#   level90      every measure (PLO PFT PAS PR PLN) x method (FE DL REML ML PM HE SJ EB HS) x test
#                (z, knha; FE only z) fitted with level = 90: est, se, ci, zval, pval, tau2, I2, H2,
#                Q, Qp, metafor's prediction interval (predict), the HTS interval (t, k-2 df, at 90%),
#                the back-transformed proportions, and the Q-profile intervals at 90% (confint).
#                Q-profile intervals are reported twice: `tau2_ci` etc. as metafor prints them
#                (search capped at tau2.max = max(100, 10 tau2): `tau2_ci_ub_sign` is ">" when the
#                cap was hit) and `tau2_ci_uncapped` etc. with tau2.max = 1e7.
#   qprofile95_uncapped  the same uncapped Q-profile intervals at 95% for every RE fit (reference.R
#                has the capped ones), with the capped sign flags.
#   cc           continuity-correction variants for PLO, PLN, PR: (add 0.25, to "only0"),
#                (add 0.5, to "all"), (add 0.5, to "if0all"), each with REML and DL (test z):
#                yi, vi, est, se, ci, zval, pval, tau2, I2, Q, prop, prop_ci.
#   subgroups    (only with a group column) for every measure x method x test, each group's own
#                rma fit (groups in sort(unique()) order; `group_order` lists it): k, est, se, ci,
#                zval, pval, tau2, I2, H2, Q, Qp, prop, prop_ci, the Q-profile CIs (k >= 2), the HTS
#                prediction interval (k >= 3), plus Q_between = sum w_g (est_g - mean_w)^2 with
#                w_g = 1/se_g^2, df = G - 1 and its upper chi-square p. PFT is back-transformed with
#                the harmonic mean of the group's own n. metafor switches a k = 1 knha fit to z
#                (warning "Setting argument test=\"z\" since k=1."); warnings are recorded per fit.
#   Every rma fit: if Fisher scoring fails to converge at the 1e-12 threshold, the fit is redone with
#   stepadj = 0.5 and `retry` says so (metafor's own remedy; the optimum is the same).
#   glmm         rma.glmm(measure = "PLO", method = "ML") with nAGQ = 1, 7, 15, and method = "FE":
#                est, se, ci, tau2, I2, H2, QE.Wld/QEp.Wld, QE.LRT/QEp.LRT, zval, pval, warnings;
#                on failure the error message.
suppressMessages({ library(metafor); library(jsonlite) })

args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]; out <- args[2]
gcol <- if (length(args) >= 3 && nzchar(args[3])) args[3] else NA
d <- read.csv(csv, stringsAsFactors = FALSE, check.names = FALSE)
xi <- d$events; ni <- d$n; k <- nrow(d)

tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
ci_tight <- list(tol = 1e-12, maxiter = 10000)
ci_uncapped <- list(tol = 1e-12, maxiter = 10000, tau2.max = 1e7)
measures <- c("PLO", "PFT", "PAS", "PR", "PLN")
methods <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS")

backtf <- function(measure, n) switch(measure,
  PLO = function(x) transf.ilogit(x),
  PAS = function(x) transf.iarcsin(x),
  PFT = function(x) transf.ipft.hm(x, targs = list(ni = n)),
  PLN = function(x) exp(x),
  PR  = function(x) x)

# Evaluate expr, collecting warnings; list(value, warnings) or list(error, warnings).
catching <- function(expr) {
  w <- character(0)
  v <- withCallingHandlers(tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "caught_error")),
                           warning = function(c) { w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning") })
  if (inherits(v, "caught_error")) list(error = v$msg, warnings = w) else list(value = v, warnings = w)
}

qprofile <- function(res, level, control) {
  r <- catching(confint(res, level = level, control = control))
  if (!is.null(r$error)) return(list(error = r$error))
  ci <- r$value
  list(tau2 = as.numeric(ci$random["tau^2", 2:3]), I2 = as.numeric(ci$random["I^2(%)", 2:3]),
       H2 = as.numeric(ci$random["H^2", 2:3]), lb_sign = ci$lb.sign, ub_sign = ci$ub.sign,
       warnings = I(r$warnings))
}

# One rma fit summarised; lev in percent; n = the n's used for the PFT back-transform.
summarise_fit <- function(measure, method, test, yi, vi, n, lev = 95, qprof = TRUE, uncapped = FALSE) {
  f <- catching(rma(yi, vi, method = method, test = test, level = lev, control = tight))
  retry <- NULL
  if (!is.null(f$error)) {
    # Fisher scoring can oscillate at the 1e-12 threshold; metafor's documented remedy is stepadj.
    retry <- paste0("first attempt failed (", f$error, "); refitted with stepadj = 0.5")
    f <- catching(rma(yi, vi, method = method, test = test, level = lev, control = c(tight, list(stepadj = 0.5))))
  }
  if (!is.null(f$error)) return(list(measure = measure, method = method, test = test, error = f$error, warnings = I(f$warnings)))
  res <- f$value; kk <- res$k
  bt <- backtf(measure, n)
  pr <- predict(res, level = lev)
  alpha <- 1 - lev / 100
  hts <- if (method != "FE" && kk >= 3) {
    s <- sqrt(res$tau2 + res$se^2); q <- qt(1 - alpha / 2, kk - 2)
    c(as.numeric(res$b) - q * s, as.numeric(res$b) + q * s)
  } else c(NA, NA)
  r <- list(measure = measure, method = method, test = test, test_used = res$test, k = kk,
            est = as.numeric(res$b), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
            zval = as.numeric(res$zval), pval = res$pval, df = if (res$test != "z") res$ddf else NA,
            tau2 = res$tau2, I2 = res$I2, H2 = res$H2, Q = res$QE, Qp = res$QEp,
            pi_lb_metafor = pr$pi.lb, pi_ub_metafor = pr$pi.ub,
            pi_lb_hts = hts[1], pi_ub_hts = hts[2],
            prop = bt(as.numeric(res$b)), prop_ci_lb = bt(res$ci.lb), prop_ci_ub = bt(res$ci.ub),
            prop_pi_lb_hts = bt(hts[1]), prop_pi_ub_hts = bt(hts[2]),
            warnings = I(f$warnings))
  if (!is.null(retry)) r$retry <- retry
  if (qprof && method != "FE" && kk >= 2) {
    q1 <- qprofile(res, lev, ci_tight)
    if (is.null(q1$error)) {
      r$tau2_ci <- q1$tau2; r$I2_ci <- q1$I2; r$H2_ci <- q1$H2
      r$tau2_ci_lb_sign <- q1$lb_sign; r$tau2_ci_ub_sign <- q1$ub_sign
      if (length(q1$warnings)) r$qprofile_warnings <- I(q1$warnings)
    } else r$qprofile_error <- q1$error
    if (uncapped) {
      q2 <- qprofile(res, lev, ci_uncapped)
      if (is.null(q2$error)) { r$tau2_ci_uncapped <- q2$tau2; r$I2_ci_uncapped <- q2$I2; r$H2_ci_uncapped <- q2$H2 }
    }
  }
  r
}

# ---- level 0.90 and uncapped Q-profile at 0.95 -------------------------------------------------
level90 <- list(); qp95 <- list()
for (measure in measures) {
  es <- escalc(measure = measure, xi = xi, ni = ni)
  for (method in methods) for (test in c("z", "knha")) {
    if (method == "FE" && test == "knha") next
    level90[[length(level90) + 1]] <- summarise_fit(measure, method, test, es$yi, es$vi, ni, lev = 90, uncapped = TRUE)
    if (method != "FE" && test == "z") {
      res <- rma(es$yi, es$vi, method = method, control = tight)
      q1 <- qprofile(res, 95, ci_tight); q2 <- qprofile(res, 95, ci_uncapped)
      qp95[[length(qp95) + 1]] <- list(measure = measure, method = method,
        tau2_ci = q1$tau2, I2_ci = q1$I2, H2_ci = q1$H2, lb_sign = q1$lb_sign, ub_sign = q1$ub_sign,
        tau2_ci_uncapped = q2$tau2, I2_ci_uncapped = q2$I2, H2_ci_uncapped = q2$H2)
    }
  }
}

# ---- continuity-correction variants ------------------------------------------------------------
ccv <- list()
for (measure in c("PLO", "PLN", "PR"))
  for (v in list(list(0.25, "only0"), list(0.5, "all"), list(0.5, "if0all")))
    for (method in c("REML", "DL")) {
      es <- escalc(measure = measure, xi = xi, ni = ni, add = v[[1]], to = v[[2]])
      s <- summarise_fit(measure, method, "z", es$yi, es$vi, ni, qprof = FALSE)
      ccv[[length(ccv) + 1]] <- c(list(add = v[[1]], to = v[[2]], yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
                                  s[c("measure", "method", "test", "k", "est", "se", "ci_lb", "ci_ub", "zval", "pval",
                                      "tau2", "I2", "H2", "Q", "Qp", "prop", "prop_ci_lb", "prop_ci_ub", "warnings", "retry", "error")])
      ccv[[length(ccv)]] <- Filter(Negate(is.null), ccv[[length(ccv)]])
    }

# ---- subgroups ---------------------------------------------------------------------------------
subgroups <- NULL
if (!is.na(gcol)) {
  g <- d[[gcol]]; lv <- sort(unique(g)); fits <- list()
  for (measure in measures) {
    es <- escalc(measure = measure, xi = xi, ni = ni)
    for (method in methods) for (test in c("z", "knha")) {
      if (method == "FE" && test == "knha") next
      groups <- list()
      for (l in lv) {
        sel <- g == l
        groups[[as.character(l)]] <- summarise_fit(measure, method, test, es$yi[sel], es$vi[sel], ni[sel])
      }
      est <- sapply(groups, `[[`, "est"); se <- sapply(groups, `[[`, "se")
      w <- 1 / se^2; m <- sum(w * est) / sum(w); qb <- sum(w * (est - m)^2)
      fits[[length(fits) + 1]] <- list(measure = measure, method = method, test = test, groups = groups,
        Q_between = qb, df = length(lv) - 1, p = pchisq(qb, length(lv) - 1, lower.tail = FALSE))
    }
  }
  subgroups <- list(column = gcol, group_order = as.character(lv), fits = fits)
}

# ---- GLMM --------------------------------------------------------------------------------------
glmm_one <- function(method, nagq) {
  r <- catching(rma.glmm(measure = "PLO", xi = xi, ni = ni, method = method, nAGQ = nagq))
  if (!is.null(r$error)) return(list(method = method, nAGQ = nagq, error = r$error, warnings = I(r$warnings)))
  g <- r$value
  list(method = method, nAGQ = nagq, est = as.numeric(g$b), se = g$se, ci_lb = g$ci.lb, ci_ub = g$ci.ub,
       tau2 = g$tau2, I2 = g$I2, H2 = g$H2, QE_wld = g$QE.Wld, QEp_wld = g$QEp.Wld,
       QE_lrt = g$QE.LRT, QEp_lrt = g$QEp.LRT, zval = as.numeric(g$zval), pval = g$pval,
       prop = transf.ilogit(as.numeric(g$b)), prop_ci_lb = transf.ilogit(g$ci.lb), prop_ci_ub = transf.ilogit(g$ci.ub),
       warnings = I(r$warnings))
}
glmm <- list(glmm_one("ML", 1), glmm_one("ML", 7), glmm_one("ML", 15), glmm_one("FE", 7))

result <- list(file = basename(csv), k = k, metafor = as.character(packageVersion("metafor")),
               lme4 = as.character(packageVersion("lme4")),
               level90 = level90, qprofile95_uncapped = qp95, cc = ccv, subgroups = subgroups, glmm = glmm)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE), out)
