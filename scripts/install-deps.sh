#!/usr/bin/env bash
# Installs the Debian packages mscmeta needs that are not installed yet:
# build (compiler, CMake, GSL, libcsv, jansson), plots (gnuplot; Liberation
# Sans, the font the plots' layout is measured for, metric-compatible with
# Helvetica and Arial; fontconfig's fc-match, which mscmeta asks whether
# that font is there; DejaVu Sans, the sans-serif font of a machine without
# Liberation Sans, which tests/cli/plot_text.sh draws with), and tests (cmocka, clang with libFuzzer for the
# fuzzers and sanitizers, valgrind; python3 and groff for the install test,
# which runs the Python example and renders the man page; poppler-utils,
# whose pdftotext -bbox gives the word boxes the plot tests check;
# libxml2-utils, whose xmllint checks that the SVGs of tests/cli/plots.sh
# and simulate.sh are well-formed (they skip that check without it);
# chromium, ONLY for tests/cli/report.sh, which opens `mscmeta report`'s
# HTML in a headless browser: mscmeta itself never needs a browser).
# Uses sudo when not run as root.
set -eu
PKGS="build-essential cmake pkg-config libgsl-dev libcsv-dev libjansson-dev gnuplot-nox
      fonts-liberation2 fonts-dejavu-core fontconfig
      libcmocka-dev clang libclang-rt-dev valgrind python3 groff-base poppler-utils
      libxml2-utils chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: everything is installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
