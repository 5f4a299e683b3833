# Checks behind three comments in tests/test_glmm.c that compare mscmeta's GLMM with lme4 where
# lme4's own numerical tolerances, not the model, make the difference. Nothing here produces a
# reference file; the script prints what the comments quote.
#
#   Rscript glmm_checks.R [PATH_TO_MSCMETA]      (run from tests/reference; R with lme4,
#                                                 metafor, numDeriv and jsonlite)
#
# 1. Laplace (nAGQ = 1), test_stress_sets: an R implementation of the Laplace log-likelihood of
#    the binomial-normal model, with each study's conditional mode solved to machine precision
#    (uniroot, then Newton), maximised here (optim + nlminb, then Newton steps with numDeriv's
#    Richardson derivatives). It prints its mu, tau^2 and SE (from the Hessian in (mu, tau)),
#    and lme4's Laplace deviance (glmer(..., nAGQ = 1, devFunOnly = TRUE)) minus -2 x ours, in
#    log-likelihood units, at our optimum and at two points beside it: up to ~1e-5 (k2_pair,
#    strong_het, many_studies: a few 1e-6 at the optimum), where lme4's inner iterations stop
#    early. With PATH_TO_MSCMETA it also runs
#    `mscmeta pool SET.csv --events events --method GLMM --nagq 1 --format json` and prints the
#    relative differences: below 1e-9 on mu, and on tau^2 and SE below 1e-9 except where the
#    log-likelihood is steep (large_n, tiny_and_large_n: up to 3e-8).
# 2. test_false_divergence, studies A 12/14 and B 0/9: lme4's deviance function
#    (glmer(..., nAGQ = 7, devFunOnly = TRUE), parameters c(theta = tau, mu)) differenced
#    centrally with step 1e-3 at mscmeta's optimum tau = 3.9630394798, mu = -1.7092517738
#    (mscmeta's output, used only as the point of evaluation): SE = sqrt(solve(H / 2)[2, 2]) =
#    3.45922 (mscmeta 3.45596, metafor 3.459658787).
# 3. test_lme4_tolerance: glmer with the conditional modes solved fully (tolPwrss = 1e-13) and a
#    tight optimiser gives tau^2 23.31467474, mu -4.02887330, SE 2.15603717; metafor's defaults
#    give tau^2 23.3240568677, mu -4.0301525524, SE 2.161197525.
suppressMessages({ library(lme4); library(metafor); library(numDeriv); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
msc <- if (length(args) >= 1) args[1] else NA

# ---- 1. Laplace ---------------------------------------------------------------------------
# Conditional mode of u for one study: the root of x - n plogis(mu + u) - u / s2, which is
# strictly decreasing and lies in [-s2 (n - x), s2 x].
mode1 <- function(x, n, mu, s2) {
  g <- function(u) x - n * plogis(mu + u) - u / s2
  lo <- -s2 * (n - x); hi <- s2 * x
  u <- uniroot(g, c(lo, hi), tol = 1e-300, maxiter = 10000)$root
  for (it in 1:3) { p <- plogis(mu + u); u <- u + g(u) / (n * p * (1 - p) + 1 / s2) }
  u
}
# log L = sum_i log C(n, x) + h(u_i) - 1/2 log(1 + s2 n p (1 - p)), h the penalised log-likelihood
laplace <- function(mu, tau, x, n) {
  s2 <- tau^2; ll <- 0
  for (i in seq_along(x)) {
    u <- mode1(x[i], n[i], mu, s2); eta <- mu + u; p <- plogis(eta)
    ll <- ll + lchoose(n[i], x[i]) + x[i] * plogis(eta, log.p = TRUE) +
      (n[i] - x[i]) * plogis(-eta, log.p = TRUE) - u^2 / (2 * s2) - 0.5 * log1p(s2 * n[i] * p * (1 - p))
  }
  ll
}
cat("1. Laplace (nAGQ = 1): this R implementation vs lme4 (and mscmeta)\n")
for (s in c("events_eq_n", "k2_pair", "k3_trio", "strong_het", "large_n", "tiny_and_large_n",
            "many_studies")) {
  d <- read.csv(paste0(s, ".csv")); d$study <- factor(seq_len(nrow(d)))
  x <- d$events; n <- d$n
  form <- cbind(events, n - events) ~ 1 + (1 | study)
  dev <- glmer(form, data = d, family = binomial, nAGQ = 1, devFunOnly = TRUE)
  g0 <- glmer(form, data = d, family = binomial, nAGQ = 1)
  nl <- function(q) -laplace(q[1], exp(q[2]), x, n)
  o <- optim(c(fixef(g0), log(getME(g0, "theta"))), nl, method = "BFGS",
             control = list(reltol = 1e-15, maxit = 1000))
  o <- nlminb(o$par, nl, control = list(rel.tol = 1e-15, x.tol = 1e-15))
  f <- function(q) laplace(q[1], q[2], x, n) # q = (mu, tau)
  p <- c(o$par[1], exp(o$par[2]))
  for (it in 1:5) p <- p - solve(hessian(f, p), grad(f, p))
  se <- sqrt(solve(-hessian(f, p))[1, 1])
  pts <- list(c(p[2], p[1]), c(p[2] * 1.1, p[1] + 0.1), c(p[2] * 0.9, p[1] - 0.1)) # c(tau, mu)
  dd <- sapply(pts, function(q) (dev(q) + 2 * laplace(q[2], q[1], x, n)) / 2)
  cat(sprintf("  %-16s mu %.12g tau2 %.12g se %.12g (|gradient| %.1e)\n", s, p[1], p[2]^2, se,
              max(abs(grad(f, p)))))
  cat(sprintf("  %-16s lme4 minus ours, log-likelihood units: %s\n", "",
              paste(sprintf("%.2e", dd), collapse = " ")))
  if (!is.na(msc)) {
    out <- tempfile(fileext = ".json")
    system2(msc, c("pool", paste0(s, ".csv"), "--events", "events", "--method", "GLMM",
                   "--nagq", "1", "--format", "json", "-o", out))
    m <- fromJSON(out, simplifyVector = FALSE)$outcomes[[1]]
    rel <- function(a, b) abs(a / b - 1)
    cat(sprintf("  %-16s mscmeta relative differences: mu %.1e tau2 %.1e se %.1e\n", "",
                rel(m$random$yi, p[1]), rel(m$heterogeneity$tau2, p[2]^2), rel(m$random$se, se)))
  }
}

# ---- 2. lme4's deviance Hessian at mscmeta's optimum, two studies --------------------------
cat("2. A 12/14, B 0/9 (nAGQ = 7)\n")
d2 <- data.frame(study = c("A", "B"), x = c(12, 0), n = c(14, 9))
dev7 <- glmer(cbind(x, n - x) ~ 1 + (1 | study), data = d2, family = binomial, nAGQ = 7,
              devFunOnly = TRUE)
p0 <- c(3.9630394798, -1.7092517738) # c(tau, mu), mscmeta's optimum
h <- 1e-3
H <- matrix(0, 2, 2)
for (i in 1:2) for (j in 1:2) {
  ei <- diag(2)[i, ] * h; ej <- diag(2)[j, ] * h
  H[i, j] <- (dev7(p0 + ei + ej) - dev7(p0 + ei - ej) - dev7(p0 - ei + ej) + dev7(p0 - ei - ej)) /
    (4 * h * h)
}
cat(sprintf("  lme4 deviance, central differences (step 1e-3): SE of mu %.6g\n",
            sqrt(solve(H / 2)[2, 2])))
g2 <- rma.glmm(measure = "PLO", xi = d2$x, ni = d2$n, method = "ML")
cat(sprintf("  metafor: est %.10g se %.10g tau2 %.10g\n", g2$b, g2$se, g2$tau2))

# ---- 3. lme4 with the conditional modes solved fully --------------------------------------
cat("3. A 0/8, B 51/51, C 0/28, D 1/47, E 1/42, F 0/9, G 1/57 (nAGQ = 7)\n")
d3 <- data.frame(study = LETTERS[1:7], x = c(0, 51, 0, 1, 1, 0, 1), n = c(8, 51, 28, 47, 42, 9, 57))
m3 <- glmer(cbind(x, n - x) ~ 1 + (1 | study), data = d3, family = binomial, nAGQ = 7,
            control = glmerControl(tolPwrss = 1e-13, optimizer = "nloptwrap",
                                   optCtrl = list(ftol_abs = 1e-12, xtol_abs = 1e-12)))
cat(sprintf("  glmer tolPwrss = 1e-13: tau2 %.10g mu %.9g se %.9g\n", VarCorr(m3)$study[1],
            fixef(m3), sqrt(vcov(m3)[1, 1])))
g3 <- rma.glmm(measure = "PLO", xi = d3$x, ni = d3$n, method = "ML")
cat(sprintf("  metafor defaults: tau2 %.12g mu %.11g se %.10g\n", g3$tau2, g3$b, g3$se))
