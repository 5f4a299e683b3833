# An independent DerSimonian-Laird computation for bench/ and the large-k
# test: logit proportions with 0.5 added to studies with 0 or n events, then
# the textbook DL formulas (DerSimonian & Laird 1986), written separately
# from mscmeta's code. Prints tau2, the pooled logit and its SE.
BEGIN { FS = "," }
NR == 1 { next }
{
    x = $3 + 0; n = $2 + 0
    if (x == 0 || x == n) { x += 0.5; m = n - $3 + 0.5 } else { m = n - x }
    y[NR] = log(x / m); v[NR] = 1 / x + 1 / m
    k++
}
END {
    for (i in y) { w = 1 / v[i]; sw += w; sw2 += w * w; swy += w * y[i] }
    mean = swy / sw
    for (i in y) { w = 1 / v[i]; q += w * (y[i] - mean) ^ 2 }
    tau2 = (q - (k - 1)) / (sw - sw2 / sw); if (tau2 < 0) tau2 = 0
    for (i in y) { w = 1 / (v[i] + tau2); rw += w; rwy += w * y[i] }
    printf "%.17g %.17g %.17g\n", tau2, rwy / rw, sqrt(1 / rw)
}
