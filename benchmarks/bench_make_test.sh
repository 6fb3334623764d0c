#!/usr/bin/env bash
# Whole-process cost of CI: a fresh clone of this checkout's HEAD, then `.ci/run` (creates .venv from nothing
# and runs `make test`). Writes reports/benchmarks/make_test.md.  Usage: benchmarks/bench_make_test.sh [OUT.md]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/reports/benchmarks/make_test.md}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ../shared must sit beside the clone, as beside the checkout
ln -s "$(cd "$here/.." && pwd)/shared" "$work/shared"
git clone -q "$here" "$work/main"
cd "$work/main"
start=$(date +%s)
.ci/run > "$work/ci.log" 2>&1 || { tail -40 "$work/ci.log"; exit 1; }
total=$(( $(date +%s) - start ))
tests=$(grep -E '^[0-9]+ passed' "$work/ci.log" | head -1)
cells=$(grep -E '^[0-9]+ passed' "$work/ci.log" | tail -1)
{
  echo "\`.ci/run\` from a fresh clone of $(git rev-parse --short HEAD), creating .venv from nothing"
  echo "($(uname -m), $(nproc) cores, $(python3 --version 2>&1); Chromium $(command -v chromium >/dev/null && echo present || echo absent))."
  echo
  echo "| what | result |"
  echo "|---|---|"
  echo "| wall time | $((total / 60)) min $((total % 60)) s |"
  echo "| pytest tests/ | $tests |"
  echo "| pytest --nbval-lax (notebook cells) | $cells |"
  echo
  echo "The slowest tests (pytest --durations=5):"
  echo
  echo '```'
  sed -n '/slowest 5 durations/,/passed in/p' "$work/ci.log" | grep -E '^[0-9.]+s ' 
  echo '```'
} > "$out"
cat "$out"
