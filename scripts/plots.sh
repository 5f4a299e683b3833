#!/usr/bin/env bash
# Remakes the README's example plots in plots/ (tracked files): the forest
# plots of the example data by disease, as PNG and SVG. Run it on purpose,
# after a change to the plots, on a machine with the font the layout is
# made for (Liberation Sans: scripts/install-deps.sh), and commit the
# result. The quick start never writes here (it writes to out/).
# Usage: scripts/plots.sh [PATH/TO/mscmeta]   (default: build/mscmeta)
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/mscmeta}
[ -x "$bin" ] || { echo "plots.sh: $bin not found: build first (cmake --build build)" >&2; exit 2; }
fam=$(fc-match -f '%{family[0]}' 'Liberation Sans' 2>/dev/null || true)
if [ "$fam" != "Liberation Sans" ]; then
    echo "plots.sh: fontconfig gives \"$fam\" for Liberation Sans; install fonts-liberation2" \
        "(scripts/install-deps.sh) so that the README's plots show the intended layout" >&2
    exit 2
fi
export SOURCE_DATE_EPOCH=0 # nothing in the files depends on the clock
for ext in png svg; do
    "$bin" forest data/msc_autoimmune.csv --subgroup disease -o "plots/forest.$ext"
done
