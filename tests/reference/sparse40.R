# The issue-10 case: 40 series, 33 with 0 events, 8 events in 1,267 patients (sparse40.csv,
# made by hand). Run from tests/reference: Rscript sparse40.R (metafor 3.8-1, lme4 1.1-31).
# Output (kept in tests/cli/run.sh):
# rma.glmm: b -5.1706435729 se 0.6214243078 tau2 0.2366823875 ci.lb 0.0016777662 ci.ub 0.0188414597
# glmer:    b -5.1706435729 se 0.6214243078 tau2 0.2366823875
# exact 0.0027298169 0.0124032563
# REML: 0.0221967597 [0.0149678864, 0.0328006262]
suppressMessages({library(metafor); library(lme4)})
d <- read.csv("sparse40.csv")
f <- rma.glmm(measure = "PLO", xi = serious_adverse_events, ni = n, data = d, nAGQ = 7)
g <- glmer(cbind(serious_adverse_events, n - serious_adverse_events) ~ 1 + (1 | study), data = d,
           family = binomial, nAGQ = 7)
cat(sprintf("rma.glmm: b %.10f se %.10f tau2 %.10f ci.lb %.10f ci.ub %.10f\n", f$b, f$se, f$tau2,
            transf.ilogit(f$ci.lb), transf.ilogit(f$ci.ub)))
cat(sprintf("glmer:    b %.10f se %.10f tau2 %.10f\n", fixef(g), sqrt(vcov(g)[1,1]), VarCorr(g)$study[1]))
b <- binom.test(sum(d$serious_adverse_events), sum(d$n)); cat(sprintf("exact %.10f %.10f\n", b$conf.int[1], b$conf.int[2]))
r <- rma(measure = "PLO", xi = serious_adverse_events, ni = n, data = d)
cat(sprintf("REML: %.10f [%.10f, %.10f]\n", transf.ilogit(r$b), transf.ilogit(r$ci.lb), transf.ilogit(r$ci.ub)))
