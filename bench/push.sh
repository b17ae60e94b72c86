#!/usr/bin/env bash
# Push benchmark: `ccfgen push` vs Microsoft's Python SDK (azure-monitor-ingestion +
# azure-identity), both against `ccfgen emulate` running as a separate process on loopback
# HTTPS. Callable from a clean clone; installs what it needs (release build, a Python venv
# with the SDK, GNU time) under target/bench/. Runs every variant once per round, RUNS rounds
# (interleaved), and prints the median and [min-max] of client CPU seconds, records and MB of
# JSON per client CPU second, peak RSS (each client process measured alone under GNU time),
# the emulator's CPU per 1M records, requests and wire bytes, the paired ratios, then ccfgen's
# peak RSS for a small and a large input. See docs/push.md.
#
#   bench/push.sh                      # 1,000,000 records, 3 rounds; memory with 10k and 10M
#   RECORDS=200000 RUNS=5 MEMORY_COUNTS=10000,1000000 SDK_CHUNK=0 bench/push.sh
#
# SDK_CHUNK=N (default 10000) adds the SDK variant that reads NDJSON and uploads every N
# records; 0 runs only the idiomatic one (json.load + one upload()).
#
# Needs: cargo, python3 (with venv), network access to crates.io and PyPI on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-1000000}
MEMORY_COUNTS=${MEMORY_COUNTS:-10000,10000000}
SDK_CHUNK=${SDK_CHUNK:-10000}
RUNS=${RUNS:-3}
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

# GNU time measures each client alone (a child's ru_maxrss under the Python driver would
# include the driver's RSS at fork time).
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq time
  else
    echo "GNU time (/usr/bin/time) is missing: install the 'time' package" >&2
    exit 2
  fi
fi

# The same records twice: NDJSON (what ccfgen streams) and a JSON array (what the SDK's users
# json.load; ccfgen pushes it too).
for FORMAT in ndjson json; do
  INPUT="$WORK/cvebuster-$RECORDS.$FORMAT"
  if [ ! -s "$INPUT" ]; then
    echo "== ccfgen sample examples/cvebuster --count $RECORDS --format $FORMAT"
    "$CCFGEN" sample examples/cvebuster --count "$RECORDS" --seed 1 --format "$FORMAT" \
      --base-time 2026-01-01T00:00:00Z --out "$INPUT.tmp"
    mv "$INPUT.tmp" "$INPUT"
  fi
done

echo "== machine: $(nproc) CPUs, $(uname -sr); ccfgen $(git rev-parse --short HEAD 2>/dev/null || echo '?');" \
  "$("$WORK/venv/bin/python" --version)," \
  "$("$WORK/venv/bin/pip" list 2>/dev/null | awk '/^azure-monitor-ingestion |^azure-identity |^azure-core /{printf "%s %s, ", $1, $2}')"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) (CPU seconds of each process are measured, not wall time)"
python3 bench/push_bench.py \
  --ccfgen "$CCFGEN" --python "$WORK/venv/bin/python" --spec examples/cvebuster \
  --ndjson "$WORK/cvebuster-$RECORDS.ndjson" --array "$WORK/cvebuster-$RECORDS.json" \
  --count "$RECORDS" --work "$WORK" --runs "$RUNS" \
  --memory-counts "$MEMORY_COUNTS" --sdk-chunk "$SDK_CHUNK"
