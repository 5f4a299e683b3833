# Reference values from metafor 3.8-1 for mscmeta's sensitivity analyses and small-study tests
# (issue 11), for every fit the tests check: leave1out(), cumul(), influence(), rstudent(),
# baujat(), regtest(), ranktest() and trimfill().
#
# Usage: Rscript sens_reference.R FILE.csv OUT.json [ORDER_COLUMN]
# The CSV has columns study, events, n (and ORDER_COLUMN when given).
#
# Output (jsonlite, 15 significant digits; NA/NaN/Inf as null; arrays in file order):
#   file, k, studies, events, n, order_column, order_index (1-based, ascending, ties in file order)
#   fits[]: one per measure x method x test, for PLO (escalc's default continuity correction) with
#     REML, DL, FE and PFT (no correction) with REML, DL, each with test "z" and "knha":
#     measure, method, test, yi[], vi[],
#     full {est, se, tau2, I2, Q}: the fit of all studies,
#     leave1out {estimate, se, stat, pval, ci_lb, ci_ub, Q, Qp, tau2, I2, H2} (model scale) and
#       prop, prop_lb, prop_ub: estimate and CI back-transformed (PLO: transf.ilogit; PFT:
#       transf.ipft.hm with the harmonic mean of the n of the studies in that fit),
#     cumul {... the same} when ORDER_COLUMN is given (entry j: the first j studies of the order),
#     influence {rstudent_resid, rstudent_se, rstudent_z (rstudent()), dffits, cook_d, cov_r,
#       tau2_del, QE_del, hat, weight, dfbetas, inf (influence()$is.infl)},
#     baujat {x, y},
#     regtest {lm_sei, lm_ninv, rma_sei}: each {stat, df, pval, slope, slope_se, est, ci_lb, ci_ub,
#       prop} (prop: est back-transformed; PFT with the harmonic mean of all n); rma_sei is
#       regtest()'s default (model "rma", predictor "sei", the fit's method and test),
#     trimfill[]: estimator L0/R0 x side auto/left/right: {estimator, side_requested, side, k0, k,
#       estimate, se, ci_lb, ci_ub, tau2, prop, prop_lb, prop_ub, filled_yi, filled_vi}.
#   ranktest {PLO, PFT}: {tau, pval (metafor's: exact whenever there are no ties), pval_exact_rule
#     (cor.test's own default: exact only below 50 studies without ties), pval_normal, ties}
#   messages[]: every warning or error, {section, message}.
# Every rma() fit uses control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000).
suppressMessages({ library(metafor); library(jsonlite) })

args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, check.names = FALSE)
out <- args[2]
ocol <- if (length(args) >= 3 && nzchar(args[3])) args[3] else NA
xi <- d$events; ni <- d$n; k <- nrow(d); study <- as.character(d$study)
tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
arr <- function(x) I(as.numeric(x))
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)[1]

messages <- list()
quiet <- function(section, expr) withCallingHandlers(expr, warning = function(w) {
  messages[[length(messages) + 1]] <<- list(section = section, message = conditionMessage(w))
  invokeRestart("muffleWarning")
})

ord <- if (is.na(ocol)) NULL else order(d[[ocol]], seq_len(k))

bt <- function(measure, x, n) {
  if (measure == "PLO") transf.ilogit(x) else sapply(x, function(v) transf.ipft.hm(v, targs = list(ni = n)))
}

series <- function(r, measure, nsets) {
  r <- unclass(r)
  stat <- if (!is.null(r$zval)) r$zval else r$tval
  o <- list(estimate = arr(r$estimate), se = arr(r$se), stat = arr(stat), pval = arr(r$pval),
            ci_lb = arr(r$ci.lb), ci_ub = arr(r$ci.ub), Q = arr(r$Q), Qp = arr(r$Qp),
            tau2 = arr(if (is.null(r$tau2)) rep(0, length(r$estimate)) else r$tau2),
            I2 = arr(r$I2), H2 = arr(r$H2))
  o$prop <- arr(mapply(function(e, s) bt(measure, e, ni[s]), r$estimate, nsets))
  o$prop_lb <- arr(mapply(function(e, s) bt(measure, e, ni[s]), r$ci.lb, nsets))
  o$prop_ub <- arr(mapply(function(e, s) bt(measure, e, ni[s]), r$ci.ub, nsets))
  o
}

reg <- function(fit, model, predictor, measure, sec) {
  e <- tryCatch(quiet(sec, regtest(fit, model = model, predictor = predictor)),
                error = function(err) NULL)
  if (is.null(e)) return(list(error = TRUE))
  if (model == "rma") { slope <- e$fit$beta[2]; slope_se <- e$fit$se[2] }
  else { cf <- coef(summary(e$fit)); slope <- cf[2, 1]; slope_se <- cf[2, 2] }
  list(stat = num(e$zval), df = num(e$dfs), pval = num(e$pval), slope = num(slope),
       slope_se = num(slope_se), est = num(e$est), ci_lb = num(e$ci.lb), ci_ub = num(e$ci.ub),
       prop = num(bt(measure, num(e$est), ni)))
}

tfs <- function(fit, measure, sec) {
  out <- list()
  for (est in c("L0", "R0")) for (side in c("auto", "left", "right")) {
    tf <- tryCatch(quiet(sec, if (side == "auto") trimfill(fit, estimator = est, control = tight)
                              else trimfill(fit, estimator = est, side = side, control = tight)),
                   error = function(err) NULL)
    o <- list(estimator = est, side_requested = side)
    if (is.null(tf)) { out[[length(out) + 1]] <- c(o, list(error = TRUE)); next }
    fill <- if (is.null(tf$fill)) rep(FALSE, length(tf$yi)) else tf$fill
    nall <- if (tf$k0 > 0) tf$ni else ni  # filled studies carry the n of those they mirror
    o <- c(o, list(side = tf$side, k0 = tf$k0, k = tf$k, estimate = num(tf$b), se = num(tf$se),
                   ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2),
                   prop = num(bt(measure, num(tf$b), nall)),
                   prop_lb = num(bt(measure, num(tf$ci.lb), nall)),
                   prop_ub = num(bt(measure, num(tf$ci.ub), nall)),
                   filled_yi = arr(tf$yi[fill]), filled_vi = arr(tf$vi[fill])))
    out[[length(out) + 1]] <- o
  }
  out
}

fits <- list()
for (measure in c("PLO", "PFT")) {
  es <- escalc(measure = measure, xi = xi, ni = ni)
  methods <- if (measure == "PLO") c("REML", "DL", "FE") else c("REML", "DL")
  for (method in methods) for (test in c("z", "knha")) {
    sec <- paste(measure, method, test, sep = "/")
    fit <- quiet(sec, rma(yi, vi, data = es, method = method, test = test, control = tight))
    o <- list(measure = measure, method = method, test = test, yi = arr(es$yi), vi = arr(es$vi),
              full = list(est = num(fit$b), se = num(fit$se), tau2 = num(fit$tau2),
                          I2 = num(fit$I2), Q = num(fit$QE)))
    l1 <- quiet(sec, leave1out(fit))
    o$leave1out <- series(l1, measure, lapply(seq_len(k), function(i) setdiff(seq_len(k), i)))
    if (!is.null(ord)) {
      pos <- integer(k); pos[ord] <- seq_len(k)
      cu <- quiet(sec, cumul(fit, order = pos))
      o$cumul <- series(cu, measure, lapply(seq_len(k), function(j) ord[seq_len(j)]))
    }
    inf <- quiet(sec, influence(fit)); rs <- quiet(sec, rstudent(fit)); ii <- unclass(inf$inf)
    o$influence <- list(rstudent_resid = arr(rs$resid), rstudent_se = arr(rs$se),
                        rstudent_z = arr(rs$z), dffits = arr(ii$dffits), cook_d = arr(ii$cook.d),
                        cov_r = arr(ii$cov.r), tau2_del = arr(ii$tau2.del),
                        QE_del = arr(ii$QE.del), hat = arr(ii$hat), weight = arr(ii$weight),
                        dfbetas = arr(inf$dfbs$intrcpt), inf = I(as.logical(inf$is.infl)))
    pdf(NULL); b <- quiet(sec, baujat(fit)); invisible(dev.off())
    o$baujat <- list(x = arr(b$x), y = arr(b$y))
    o$regtest <- list(lm_sei = reg(fit, "lm", "sei", measure, sec),
                      lm_ninv = reg(fit, "lm", "ninv", measure, sec),
                      rma_sei = reg(fit, "rma", "sei", measure, sec))
    o$trimfill <- tfs(fit, measure, sec)
    fits[[length(fits) + 1]] <- o
  }
}

rank <- function(measure) {
  es <- escalc(measure = measure, xi = xi, ni = ni)
  fit <- rma(yi, vi, data = es, control = tight)
  wi <- 1 / fit$vi; th <- sum(wi * fit$yi) / sum(wi); ys <- (fit$yi - th) / sqrt(fit$vi - 1 / sum(wi))
  sec <- paste("ranktest", measure)
  list(tau = num(quiet(sec, ranktest(fit))$tau), pval = num(quiet(sec, ranktest(fit))$pval),
       pval_exact_rule = num(quiet(sec, cor.test(ys, fit$vi, method = "kendall"))$p.value),
       pval_normal = num(quiet(sec, ranktest(fit, exact = FALSE))$pval),
       ties = anyDuplicated(ys) > 0 || anyDuplicated(fit$vi) > 0)
}

res <- list(file = basename(args[1]), k = k, studies = I(study), events = arr(xi), n = arr(ni),
            order_column = if (is.na(ocol)) NULL else ocol,
            order_index = if (is.null(ord)) NULL else arr(ord),
            fits = fits, ranktest = list(PLO = rank("PLO"), PFT = rank("PFT")),
            versions = list(R = R.version.string, metafor = as.character(packageVersion("metafor"))),
            messages = messages)
res <- res[!sapply(res, is.null)]
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), out)
