#!/bin/sh
# Renders a run's report.html in headless Chromium (Debian's chromium package) to a PNG, to
# look at it without a browser:  sh examples/report_screenshot.sh runs/mlp [runs/mlp/report.png]
set -eu
run=${1:?usage: report_screenshot.sh RUN_DIR [OUT.png]}
out=${2:-$run/report.png}
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1200,2400 --screenshot="$(realpath "$out")" "file://$(realpath "$run/report.html")" 2>/dev/null
echo "$out"
