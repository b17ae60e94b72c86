#!/usr/bin/env bash
# Push benchmark: `ccfgen push` vs Microsoft's Python SDK (azure-monitor-ingestion +
# azure-identity), both against `ccfgen emulate` running as a separate process on loopback
# HTTPS. Callable from a clean clone; installs what it needs (release build, a Python venv
# with the SDK) under target/bench/. Prints records/s, client CPU seconds, requests, wire
# bytes, peak RSS and the ratios, then ccfgen's peak RSS for a small and a large input.
#
#   bench/push.sh                      # 1,000,000 records; memory check with 10k and 10M
#   RECORDS=200000 MEMORY_COUNTS=10000,1000000 bench/push.sh
#
# Needs: cargo, python3 (with venv), network access to crates.io and PyPI on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-1000000}
MEMORY_COUNTS=${MEMORY_COUNTS:-10000,10000000}
SDK_CHUNK=${SDK_CHUNK:-0}
WORK=${BENCH_DIR:-target/bench}
SDK_PACKAGES=("azure-monitor-ingestion==1.1.0" "azure-identity==1.27.0")
mkdir -p "$WORK"

echo "== building ccfgen (release)"
cargo build --release --locked --bin ccfgen
CCFGEN=target/release/ccfgen

echo "== Python SDK venv: ${SDK_PACKAGES[*]}"
if [ ! -x "$WORK/venv/bin/python" ]; then
  if ! python3 -m venv "$WORK/venv"; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && apt-get install -y -qq python3-venv
      python3 -m venv "$WORK/venv"
    else
      echo "python3 -m venv failed: install python3-venv" >&2
      exit 2
    fi
  fi
fi
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "${SDK_PACKAGES[@]}"

INPUT="$WORK/cvebuster-$RECORDS.ndjson"
if [ ! -s "$INPUT" ]; then
  echo "== ccfgen sample examples/cvebuster --count $RECORDS"
  "$CCFGEN" sample examples/cvebuster --count "$RECORDS" --seed 1 \
    --base-time 2026-01-01T00:00:00Z --out "$INPUT.tmp"
  mv "$INPUT.tmp" "$INPUT"
fi

echo "== machine: $(nproc) CPUs, $(uname -sr); ccfgen $(git rev-parse --short HEAD 2>/dev/null || echo '?');" \
  "$("$WORK/venv/bin/python" --version)," \
  "$("$WORK/venv/bin/pip" list 2>/dev/null | awk '/^azure-monitor-ingestion |^azure-identity |^azure-core /{printf "%s %s, ", $1, $2}')"
echo "== input: $INPUT ($(du -h "$INPUT" | cut -f1))"
"$WORK/venv/bin/python" bench/push_bench.py \
  --ccfgen "$CCFGEN" --python "$WORK/venv/bin/python" --spec examples/cvebuster \
  --records "$INPUT" --count "$RECORDS" --work "$WORK" \
  --memory-counts "$MEMORY_COUNTS" --sdk-chunk "$SDK_CHUNK"
