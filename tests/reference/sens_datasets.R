# Writes the data sets made for the sensitivity tests (issue 11); run from tests/reference/:
#   Rscript sens_datasets.R
set.seed(20261130)
w <- function(d, f) write.csv(d, f, row.names = FALSE, quote = FALSE)
# ties: 20 studies, several with the same counts (tied yi and vi, tied ranks in Begg's test)
n <- c(10, 10, 20, 20, 20, 30, 30, 40, 40, 50, 10, 20, 30, 40, 50, 60, 80, 100, 10, 20)
x <- c(3, 3, 7, 7, 7, 12, 12, 15, 16, 21, 4, 9, 11, 15, 25, 20, 35, 41, 3, 7)
w(data.frame(study = sprintf("T%02d", 1:20), n = n, events = x, year = 2000 + (1:20) %% 7), "sens_ties.csv")
# 60 studies without ties (Begg's normal approximation by cor.test's rule), asymmetric
k <- 60; n <- sample(8:400, k); p <- plogis(-0.8 + rnorm(k, 0, 0.6) + 6 / sqrt(n))
w(data.frame(study = sprintf("S%02d", 1:k), n = n, events = rbinom(k, n, p),
             year = sample(1990:2020, k, replace = TRUE)), "sens_k60.csv")
# rare events: 25 series, many with 0 events
k <- 25; n <- sample(c(6, 10, 12, 20, 25, 40, 60, 100), k, replace = TRUE)
w(data.frame(study = sprintf("R%02d", 1:k), n = n, events = rbinom(k, n, plogis(-3.5 + rnorm(k, 0, 0.7))),
             year = 2001:2025), "sens_rare.csv")
# 6 studies (below the Cochrane minimum of 10 for the bias tests)
w(data.frame(study = paste("Small", 1:6), n = c(12, 25, 40, 18, 60, 33), events = c(4, 11, 13, 9, 30, 8),
             year = c(2010, 2008, 2012, 2010, 2015, 2009)), "sens_small.csv")
# 150 studies: leave-one-out by the updating scheme (from 100 studies) against metafor
k <- 150; n <- sample(5:300, k, replace = TRUE)
w(data.frame(study = sprintf("L%03d", 1:k), n = n, events = rbinom(k, n, plogis(-0.5 + rnorm(k, 0, 0.8))),
             year = sample(1980:2024, k, replace = TRUE)), "sens_k150.csv")
