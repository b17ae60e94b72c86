#!/usr/bin/env bash
# Speed of `ccfgen check` against its floor — walking the same tree and reading and parsing
# the same JSON files with serde_json, nothing else (bench/json_floor.rs) — on a large
# synthetic Solutions tree: the real corpus (../shared/corpus) replicated COPIES times.
#
#   bench/check.sh [COPIES] [RUNS]      (defaults: 90 copies ≈ 2,000 connectors, best of 5)
#
# Two trees are measured:
#   replicated — exact copies; `ccfgen check` analyses each distinct transform once (memo);
#   unique     — the same tree with `// copy N` prepended to every transformKql, so every
#                transform is analysed (the worst case: no two transforms alike).
# Release builds are used; each figure is the best of RUNS runs after a warm-up run (files in
# the page cache). Ratios compare equal thread counts.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-90}
RUNS=${2:-5}
CORPUS=../shared/corpus
[ -d "$CORPUS" ] || { echo "bench/check.sh: $CORPUS is missing" >&2; exit 2; }

cargo build --release --quiet --bin ccfgen --example json_floor 2>/dev/null
CCFGEN=target/release/ccfgen
FLOOR=target/release/examples/json_floor
THREADS=$(nproc)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 "$COPIES"); do
  mkdir -p "$WORK/replicated/copy$i" "$WORK/unique/copy$i"
  cp -r "$CORPUS"/. "$WORK/replicated/copy$i/"
  cp -r "$CORPUS"/. "$WORK/unique/copy$i/"
  grep -rlZ --include='*.json' '"transformKql"' "$WORK/unique/copy$i" |
    xargs -0 sed -i "s|\"transformKql\": *\"|&// copy $i\\\\n|"
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

row() { # label seconds
  printf '  %-40s %7.3f s  %7.0f connectors/s  %6.1f MB/s\n' "$1" "$2" \
    "$(echo "$CONNECTORS / $2" | bc -l)" "$(echo "$MB / $2" | bc -l)"
}

for tree in replicated unique; do
  T="$WORK/$tree"
  read -r FILES BYTES _ < <("$FLOOR" "$T" 1 2>/dev/null)
  CONNECTORS=$({ "$CCFGEN" check "$T" --format json 2>/dev/null || true; } |
    sed -n 's/.*"connectors": \([0-9]*\).*/\1/p' | head -n 1)
  MB=$(echo "$BYTES / 1000000" | bc -l)
  C1=$(best "$CCFGEN" check "$T" --format json --threads 1)
  F1=$(best "$FLOOR" "$T" 1)
  CN=$(best "$CCFGEN" check "$T" --format json --threads "$THREADS")
  FN=$(best "$FLOOR" "$T" "$THREADS")
  printf '%s tree: %d copies of the corpus, %d JSON files, %.1f MB, %d connectors\n' \
    "$tree" "$COPIES" "$FILES" "$MB" "$CONNECTORS"
  row "ccfgen check --format json (1 thread)" "$C1"
  row "floor: read + serde_json (1 thread)" "$F1"
  row "ccfgen check --format json ($THREADS threads)" "$CN"
  row "floor: read + serde_json ($THREADS threads)" "$FN"
  printf '  ratio check/floor: %.2f (1 thread), %.2f (%d threads)\n' \
    "$(echo "$C1 / $F1" | bc -l)" "$(echo "$CN / $FN" | bc -l)" "$THREADS"
done
