# The exact coverage of the Clopper-Pearson interval of sum x / sum n when
# tau^2 = 0 (every study's rate is mu, so sum x ~ Binomial(N, mu)): an
# independent check of `mscmeta simulate`'s "exact" row, computed, not
# simulated. Designs: N = 100 (simulate_k5.csv) at mu = 0.2 and 0.05, 95 %.
# Usage, from the repository root:
#   Rscript tests/reference/simulate_exact.R > tests/reference/simulate_exact.json
suppressPackageStartupMessages(library(jsonlite))
cover <- function(N, mu, level = 0.95) {
  s <- 0:N
  lo <- ifelse(s == 0, 0, qbeta((1 - level) / 2, s, N - s + 1))
  hi <- ifelse(s == N, 1, qbeta(1 - (1 - level) / 2, s + 1, N - s))
  sum(dbinom(s, N, mu) * (lo <= mu & mu <= hi))
}
out <- lapply(c(0.2, 0.05), function(mu) list(N = 100, mu = mu, level = 0.95,
                                             coverage = cover(100, mu)))
cat(toJSON(list(call = "tests/reference/simulate_exact.R", designs = out),
           auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
