#!/usr/bin/env bash
# Speed of `ccfgen check` against its floor (reading and parsing the same JSON files with
# serde_json, nothing else), on a large synthetic Solutions tree: the real corpus
# (../shared/corpus) replicated COPIES times into a temp dir.
#
#   bench/check.sh [COPIES] [RUNS]      (defaults: 90 copies ≈ 2,000 connectors, best of 5)
#
# Release builds of `ccfgen` and of the floor program (bench/json_floor.rs) are used. Each
# figure is the best of RUNS runs after one warm-up run (files in the page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-90}
RUNS=${2:-5}
CORPUS=../shared/corpus
[ -d "$CORPUS" ] || { echo "bench/check.sh: $CORPUS is missing" >&2; exit 2; }

cargo build --release --quiet --bin ccfgen --example json_floor
CCFGEN=target/release/ccfgen
FLOOR=target/release/examples/json_floor
THREADS=$(nproc)

TREE=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-bench.XXXXXX")
trap 'rm -rf "$TREE"' EXIT
for i in $(seq 1 "$COPIES"); do
  mkdir -p "$TREE/Solutions/copy$i"
  cp -r "$CORPUS"/. "$TREE/Solutions/copy$i/"
done

# seconds of the fastest of RUNS runs of a command (after one warm-up run)
best() {
  "$@" >/dev/null 2>&1 || true
  local best=""
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1 s
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
  done
  echo "$best"
}

read -r FILES BYTES _ < <("$FLOOR" "$TREE/Solutions" 1 2>/dev/null)
CONNECTORS=$({ "$CCFGEN" check "$TREE/Solutions" --format json 2>/dev/null || true; } | sed -n 's/.*"connectors": \([0-9]*\).*/\1/p' | head -n 1)

T_CHECK=$(best "$CCFGEN" check "$TREE/Solutions" --format json)
T_CHECK1=$(best "$CCFGEN" check "$TREE/Solutions" --format json --threads 1)
T_FLOOR1=$(best "$FLOOR" "$TREE/Solutions" 1)
T_FLOORN=$(best "$FLOOR" "$TREE/Solutions" "$THREADS")

MB=$(echo "$BYTES / 1000000" | bc -l)
printf 'tree: %d copies of the corpus, %d JSON files, %.1f MB, %d connectors; %d cores\n' "$COPIES" "$FILES" "$MB" "$CONNECTORS" "$THREADS"
row() { # label seconds
  printf '%-38s %7.3f s  %8.0f connectors/s  %7.1f MB/s\n' "$1" "$2" "$(echo "$CONNECTORS / $2" | bc -l)" "$(echo "$MB / $2" | bc -l)"
}
row "ccfgen check ($THREADS threads)" "$T_CHECK"
row "ccfgen check (1 thread)" "$T_CHECK1"
row "floor: read + serde_json (1 thread)" "$T_FLOOR1"
row "floor: read + serde_json ($THREADS threads)" "$T_FLOORN"
printf 'ratio check/floor, same threads (%d): %.2f\n' "$THREADS" "$(echo "$T_CHECK / $T_FLOORN" | bc -l)"
printf 'ratio check/floor, 1 thread each:   %.2f\n' "$(echo "$T_CHECK1 / $T_FLOOR1" | bc -l)"
