# The two data sets made for the subgroup test (subgroup_test.R), seeded:
# run from the repository root as `Rscript tests/reference/subgroup_datasets.R`.
set.seed(20261201)
# 24 rare-event series from four cell sources; "cord" with no event
k <- 24; src <- rep(c("marrow", "adipose", "cord", "dental"), each = 6)
n <- sample(6:50, k, replace = TRUE)
p <- c(marrow = 0.04, adipose = 0.08, cord = 0, dental = 0.02)[src]
x <- rbinom(k, n, p)
write.csv(data.frame(study = sprintf("S%02d", 1:k), source = src, n = n, events = x), "tests/reference/subgroup_sparse.csv", row.names = FALSE, quote = FALSE)
# 12 response series in three arms, larger counts; arm "C" responds in every patient
arm <- rep(c("A", "B", "C"), each = 4)
n <- c(sample(40:120, 8, replace = TRUE), 8, 12, 6, 10)
p <- c(A = 0.55, B = 0.7, C = 1)[arm]
x <- rbinom(12, n, plogis(qlogis(pmin(p, 0.999)) + rnorm(12, 0, 0.3)))
x[arm == "C"] <- n[arm == "C"]
write.csv(data.frame(study = sprintf("R%02d", 1:12), arm = arm, n = n, events = x), "tests/reference/subgroup_big.csv", row.names = FALSE, quote = FALSE)
