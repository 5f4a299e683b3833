# Reference values for the test for subgroup differences when a subgroup's
# GLMM estimate is an exact fallback (issue 10, section 6): run from the
# repository root as `Rscript tests/reference/subgroup_test.R > tests/reference/subgroup_test.json`.
#
# For each data set and grouping column (rows with a missing count or group
# dropped), with x events of n patients in study i of group g:
# - `fisher_p`: fisher.test() on the pooled 2 x G table (events and non-events
#   by group), the Freeman-Halton extension of Fisher's exact test;
# - `lrt_glmer`: 2 (logLik(full) - logLik(null)) of lme4's glmer() fits,
#   nAGQ = 7 (as rma.glmm): full cbind(x, n - x) ~ 0 + group + (1 | study),
#   null ~ 1 + (1 | study); both on lme4's own AGQ scale, which is the same
#   for the two fits of the same data; the models' tau^2 as `tau2_full_glmer`,
#   `tau2_null_glmer`;
# - `lrt_exact`: the same test from the marginal log-likelihood computed by
#   integrate() (no quadrature rule) and maximised by optim() over (beta, log
#   tau) from glmer's estimates, and by glm() at tau = 0 (the logistic model);
#   the larger of the two is the maximum; `tau2_full`, `tau2_null` its argmax
#   (0 when the logistic model wins). Independent of lme4's likelihood.
# The LRT is given only where every group has events and non-events (else
# a group's log-odds has no finite estimate); `separated` lists such groups.
suppressMessages({ library(lme4); library(jsonlite) })

sets <- list(
  list(name = "msc_responders", file = "data/msc_autoimmune.csv", x = "responders", n = "n", g = "disease"),
  list(name = "msc_adverse", file = "data/msc_autoimmune.csv", x = "adverse_events", n = "n", g = "disease"),
  list(name = "msc_serious", file = "data/msc_autoimmune.csv", x = "serious_adverse_events", n = "n", g = "disease"),
  list(name = "strong_het", file = "tests/reference/strong_het.csv", x = "events", n = "n", g = "disease"),
  list(name = "many_studies", file = "tests/reference/many_studies.csv", x = "events", n = "n", g = "indication"),
  list(name = "homogeneous", file = "tests/reference/homogeneous.csv", x = "events", n = "n", g = "site"),
  list(name = "zeros_mixed_n", file = "tests/reference/zeros_mixed_n.csv", x = "events", n = "n", g = "route"),
  list(name = "subgroup_sparse", file = "tests/reference/subgroup_sparse.csv", x = "events", n = "n", g = "source"),
  list(name = "subgroup_big", file = "tests/reference/subgroup_big.csv", x = "events", n = "n", g = "arm")
)

# The marginal log-likelihood of study (x, n) at eta = b + tau z, z ~ N(0, 1).
mll1 <- function(x, n, b, tau) {
  if (tau == 0) return(dbinom(x, n, plogis(b), log = TRUE))
  m <- optimize(function(z) dbinom(x, n, plogis(b + tau * z), log = TRUE) + dnorm(z, log = TRUE),
                c(-40, 40), maximum = TRUE)
  f <- function(z) exp(dbinom(x, n, plogis(b + tau * z), log = TRUE) + dnorm(z, log = TRUE) - m$objective)
  log(integrate(f, -Inf, Inf, rel.tol = 1e-12, abs.tol = 0)$value) + m$objective
}
mll <- function(x, n, gi, beta, tau) sum(mapply(function(xx, nn, gg) mll1(xx, nn, beta[gg], tau), x, n, gi))

fit_exact <- function(x, n, gi, G, start_beta, start_tau) {
  # logistic model (tau = 0): closed form per group
  bl <- sapply(1:G, function(g) qlogis(sum(x[gi == g]) / sum(n[gi == g])))
  ll0 <- mll(x, n, gi, bl, 0)
  best <- list(ll = ll0, tau2 = 0)
  st <- c(start_beta, log(max(start_tau, 0.05)))
  o <- optim(st, function(p) -mll(x, n, gi, p[1:G], exp(p[G + 1])), method = "BFGS",
             control = list(reltol = 1e-14, maxit = 500))
  o <- optim(o$par, function(p) -mll(x, n, gi, p[1:G], exp(p[G + 1])), method = "Nelder-Mead",
             control = list(reltol = 1e-15, maxit = 5000))
  if (-o$value > best$ll) best <- list(ll = -o$value, tau2 = exp(2 * o$par[G + 1]))
  best
}

out <- list()
for (s in sets) {
  d <- read.csv(s$file, na.strings = c("NA", ""), check.names = FALSE)
  d <- d[!is.na(d[[s$x]]) & !is.na(d[[s$n]]) & !is.na(d[[s$g]]), ]
  x <- d[[s$x]]; n <- d[[s$n]]
  lev <- unique(d[[s$g]])
  gi <- match(d[[s$g]], lev); G <- length(lev)
  tab <- rbind(tapply(x, gi, sum), tapply(n - x, gi, sum))
  fp <- fisher.test(tab, workspace = 2e8)$p.value
  sx <- tapply(x, gi, sum); sn <- tapply(n, gi, sum)
  sep <- lev[sx == 0 | sx == sn]
  r <- list(name = s$name, file = s$file, events = s$x, group = s$g, levels = lev,
            events_by_group = as.numeric(sx), n_by_group = as.numeric(sn),
            fisher_p = fp, separated = sep)
  if (length(sep) == 0) {
    study <- factor(seq_along(x)); grp <- factor(gi)
    ctl <- glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
    quiet <- function(e) tryCatch(suppressWarnings(suppressMessages(e)), error = function(err) NULL)
    ff <- quiet(glmer(cbind(x, n - x) ~ 0 + grp + (1 | study), family = binomial, nAGQ = 7, control = ctl))
    f0 <- quiet(glmer(cbind(x, n - x) ~ 1 + (1 | study), family = binomial, nAGQ = 7, control = ctl))
    # glmer cannot fit a model with as many parameters as studies (one study
    # per group): then NA, and the exact computation starts from the logits
    sb <- sapply(1:G, function(g) qlogis(sum(x[gi == g]) / sum(n[gi == g])))
    if (!is.null(ff) && !is.null(f0)) {
      r$lrt_glmer <- 2 * (as.numeric(logLik(ff)) - as.numeric(logLik(f0)))
      r$tau2_full_glmer <- as.numeric(VarCorr(ff)$study)
      r$tau2_null_glmer <- as.numeric(VarCorr(f0)$study)
    } else {
      r$lrt_glmer <- NA
    }
    s1 <- if (!is.null(ff)) list(as.numeric(fixef(ff)), sqrt(as.numeric(VarCorr(ff)$study))) else list(sb, 0.3)
    s0 <- if (!is.null(f0)) list(as.numeric(fixef(f0)), sqrt(as.numeric(VarCorr(f0)$study))) else list(qlogis(sum(x) / sum(n)), 0.3)
    ef <- fit_exact(x, n, gi, G, s1[[1]], s1[[2]])
    e0 <- fit_exact(x, n, rep(1, length(x)), 1, s0[[1]], s0[[2]])
    r$lrt_exact <- 2 * (ef$ll - e0$ll)
    r$tau2_full <- ef$tau2
    r$tau2_null <- e0$tau2
    r$df <- G - 1
    r$lrt_exact_p <- pchisq(r$lrt_exact, G - 1, lower.tail = FALSE)
  }
  out[[length(out) + 1]] <- r
}
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
