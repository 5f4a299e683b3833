# Reference values for mscmeta's beta-binomial model (--method BB, issue 10, part 3), by an
# independent maximisation of the same likelihood in R:
#   Rscript betabin.R > betabin.json          (run from tests/reference; R with jsonlite)
# The model: x_i ~ BetaBinomial(n_i, a, b) with a common mu = a / (a + b) and rho = 1 / (a + b + 1),
# log-likelihood sum_i lchoose(n_i, x_i) + lbeta(x_i + a, n_i - x_i + b) - lbeta(a, b), written
# here with R's lbeta (mscmeta uses log Pochhammer symbols and its own Newton steps). It is
# maximised over (logit mu, logit rho) by optim (BFGS, then Nelder-Mead, reltol 1e-15), then
# polished by Newton steps on a numerical gradient and Hessian (central differences at steps h and
# h/2, Richardson-extrapolated, written below) until the step is below 1e-12. SEs: the inverse of
# that Hessian of -loglik at the maximum. Fields per set:
#   logit_mu, logit_rho, mu, rho, se_logit_mu, se_logit_rho, ll (with the binomial coefficients),
#   ci_lower / ci_upper (Wald on logit mu at 95%, back-transformed), rho_ci_lower / rho_ci_upper
#   (Wald on logit rho).
# Sets: the reference sets where rho is interior, and the three outcomes of the example data.
suppressMessages({ library(jsonlite) })

# Central differences at h and h/2, extrapolated (error O(h^4)).
rich <- function(d, h) (4 * d(h / 2) - d(h)) / 3
grad <- function(f, p) sapply(seq_along(p), function(i) rich(function(h) {
  e <- replace(numeric(length(p)), i, h); (f(p + e) - f(p - e)) / (2 * h) }, 1e-3))
hessian <- function(f, p) {
  m <- length(p); H <- matrix(0, m, m)
  for (i in 1:m) for (j in 1:m) H[i, j] <- rich(function(h) {
    ei <- replace(numeric(m), i, h); ej <- replace(numeric(m), j, h)
    (f(p + ei + ej) - f(p + ei - ej) - f(p - ei + ej) + f(p - ei - ej)) / (4 * h * h) }, 1e-3)
  (H + t(H)) / 2
}

fit <- function(name, x, n) {
  nll <- function(p) {
    mu <- plogis(p[1]); rho <- plogis(p[2])
    a <- mu * (1 - rho) / rho; b <- (1 - mu) * (1 - rho) / rho
    -sum(lchoose(n, x) + lbeta(x + a, n - x + b) - lbeta(a, b))
  }
  p0 <- c(qlogis(sum(x) / sum(n)), qlogis(0.05))
  o <- optim(p0, nll, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
  o <- optim(o$par, nll, method = "Nelder-Mead", control = list(reltol = 1e-15, maxit = 10000))
  p <- o$par
  for (it in 1:50) {
    g <- grad(nll, p); H <- hessian(nll, p)
    step <- solve(H, g)
    p <- p - step
    if (max(abs(step)) < 1e-12) break
  }
  V <- solve(hessian(nll, p)); se <- sqrt(diag(V)); z <- qnorm(0.975)
  list(set = name, k = length(x), logit_mu = p[1], logit_rho = p[2], mu = plogis(p[1]),
       rho = plogis(p[2]), se_logit_mu = se[1], se_logit_rho = se[2], ll = -nll(p),
       ci_lower = plogis(p[1] - z * se[1]), ci_upper = plogis(p[1] + z * se[1]),
       rho_ci_lower = plogis(p[2] - z * se[2]), rho_ci_upper = plogis(p[2] + z * se[2]))
}

sets <- list()
for (s in c("pritz1997", "debruin2009", "strong_het", "k2_pair", "k3_trio", "events_eq_n",
            "many_studies", "large_n", "tiny_and_large_n")) {
  d <- read.csv(paste0(s, ".csv"))
  sets[[length(sets) + 1]] <- fit(s, d$events, d$n)
}
ex <- read.csv("../../data/msc_autoimmune.csv")
for (col in c("responders", "adverse_events", "serious_adverse_events")) {
  u <- !is.na(ex[[col]]) & !is.na(ex$n)
  sets[[length(sets) + 1]] <- fit(paste0("msc_autoimmune:", col), ex[[col]][u], ex$n[u])
}
cat(toJSON(list(made_by = "Rscript betabin.R > betabin.json (tests/reference)", sets = sets),
           auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
