#!/usr/bin/env bash
# Quick start: install what is missing, build, and run mscmeta on the example
# data (13 MSC studies): pooled responders, adverse events and serious
# adverse events by disease, with forest plots in out/ (untracked: the
# README's own plots in plots/ are made by scripts/plots.sh). Prints the
# paths it wrote.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# RelWithDebInfo, as scripts/test.sh builds build/: running one after the
# other does not rebuild everything.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p out
./build/mscmeta pool data/msc_autoimmune.csv --subgroup disease --forest out/forest.png
echo
echo "Forest plots written:"
for f in out/forest-*.png; do echo "  $f"; done
