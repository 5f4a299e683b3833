# Reference values for the permutation test of mscmeta regress
# (tests/test_metareg.c): metafor 3.8-1's permutest() on rma() fits of
# the reference data sets, written to permutest.json.
#   Rscript permutest.R            (from tests/reference/; a few minutes)
# Approximate tests use iter = 10000 with set.seed-style seeds given to
# permutest (its `seed` argument); their p values carry Monte Carlo error,
# so mscmeta's, from its own random numbers, are compared within it. Exact
# tests (exact = TRUE: every distinct arrangement of the moderators) must
# agree to rounding.
suppressMessages({library(metafor); library(jsonlite)})
ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
fit <- function(file, mods, method, test, measure = "PLO") {
  d <- read.csv(file)
  es <- escalc(measure, xi = events, ni = n, data = d)
  rma(yi, vi, mods = mods, data = es, method = method, test = test, control = ctl)
}
one <- function(name, file, mods, method, test, exact, iter = 10000, seed = 20240101) {
  r <- fit(file, mods, method, test)
  p <- permutest(r, exact = exact, iter = iter, progbar = FALSE, seed = seed)
  list(name = name, file = file, mods = deparse(mods), method = method, test = test,
       exact = exact, iter = if (exact) nrow(p$zval.perm) else iter, seed = if (exact) NULL else seed,
       coef_names = rownames(r$beta), pval = unname(p$pval), QMp = p$QMp,
       pval_model = unname(r$pval), QMp_model = r$QMp)
}
out <- list(
  one("bcg_ablat_reml_z", "bcg_control.csv", ~ ablat, "REML", "z", FALSE),
  one("bcg_ablat_alloc_reml_knha", "bcg_control.csv", ~ ablat + alloc, "REML", "knha", FALSE),
  one("bcg_year_dl_z", "bcg_control.csv", ~ year, "DL", "z", FALSE),
  one("debruin_ethnicity_reml_z_exact", "debruin2009.csv", ~ ethnicity, "REML", "z", TRUE),
  one("debruin_ethnicity_fe_knha_exact", "debruin2009.csv", ~ ethnicity, "FE", "knha", TRUE))
out <- c(list(versions = list(R = R.version.string,
                              metafor = as.character(packageVersion("metafor")))), list(tests = out))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           "permutest.json")
