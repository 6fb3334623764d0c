#!/usr/bin/env bash
# Whole-process cost of CI: a fresh clone of this checkout's HEAD, then what `.ci/run` runs, each step timed:
# `make test` (creates .venv from nothing, lint, the fast tests, the notebooks) and `make test-slow` (the paper
# profile's dry run). Writes reports/benchmarks/make_test.md.  Usage: benchmarks/bench_make_test.sh [OUT.md]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/reports/benchmarks/make_test.md}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# ../shared must sit beside the clone, as beside the checkout
ln -s "$(cd "$here/.." && pwd)/shared" "$work/shared"
git clone -q "$here" "$work/main"
cd "$work/main"
export ARSR_REQUIRE_SHARED=1
start=$(date +%s)
make test > "$work/test.log" 2>&1 || { tail -40 "$work/test.log"; exit 1; }
fast=$(( $(date +%s) - start ))
start=$(date +%s)
make test-slow > "$work/slow.log" 2>&1 || { tail -40 "$work/slow.log"; exit 1; }
slow=$(( $(date +%s) - start ))
tests=$(grep -E '^[0-9]+ passed' "$work/test.log" | head -1)
cells=$(grep -E '^[0-9]+ passed' "$work/test.log" | tail -1)
dry=$(grep -E '^[0-9]+ passed' "$work/slow.log" | tail -1)
{
  echo "CI's steps from a fresh clone of $(git rev-parse --short HEAD), creating .venv from nothing"
  echo "($(uname -m), $(nproc) cores, $(python3 --version 2>&1); Chromium $(command -v chromium >/dev/null && echo present || echo absent))."
  echo
  echo "| what | result |"
  echo "|---|---|"
  echo "| \`make test\` wall time (venv, lint, tests, notebooks) | $((fast / 60)) min $((fast % 60)) s |"
  echo "| pytest tests/ (-m 'not dryrun') | $tests |"
  echo "| pytest --nbval-lax (notebook cells) | $cells |"
  echo "| \`make test-slow\` wall time (the paper dry run) | $((slow / 60)) min $((slow % 60)) s |"
  echo "| pytest -m dryrun | $dry |"
  echo "| CI in all (\`.ci/run\`) | $(( (fast + slow) / 60 )) min $(( (fast + slow) % 60 )) s |"
  echo
  echo "The slowest tests of \`make test\` (pytest --durations=5):"
  echo
  echo '```'
  sed -n '/slowest 5 durations/,/passed/p' "$work/test.log" | grep -E '^[0-9.]+s ' || true
  echo '```'
} > "$out"
cat "$out"
