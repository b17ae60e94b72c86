#!/usr/bin/env bash
# Speed of `ccfgen check` against its floor — walking the same tree and reading and parsing
# the same JSON files with serde_json, nothing else (bench/json_floor.rs) — on a large
# synthetic Solutions tree: the real corpus (../shared/corpus) replicated COPIES times.
#
#   bench/check.sh [COPIES] [RUNS]      (defaults: 90 copies ≈ 2,000 connectors, 5 rounds)
#   CCFGEN=… FLOOR=… bench/check.sh     (binaries already built: no cargo build)
#
# Two trees are measured:
#   replicated — exact copies; `ccfgen check` analyses each distinct transform once (memo);
#   unique     — the same tree with `// copy N` prepended to every transformKql, so every
#                transform is analysed (the worst case: no two transforms alike).
# Release builds are used. After one warm-up run of each command (files in the page cache),
# RUNS rounds run every command once, in a rotated order (interleaved). Each process is measured
# alone under GNU time: CPU seconds (user+sys, all its threads) are the figure, because the
# development machine is shared (2 cores, other jobs): wall time is printed for information.
# Figures are the median and [min-max] over the rounds; ratios are check/floor CPU seconds,
# paired by round, at equal thread counts.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${1:-90}
RUNS=${2:-5}
CORPUS=../shared/corpus
[ -d "$CORPUS" ] || { echo "bench/check.sh: $CORPUS is missing" >&2; exit 2; }
/usr/bin/time -f %U true >/dev/null 2>&1 || { echo "bench/check.sh: GNU time (/usr/bin/time) is missing: install the 'time' package" >&2; exit 2; }

if [ -z "${CCFGEN:-}" ] || [ -z "${FLOOR:-}" ]; then
  cargo build --release --locked --quiet --bin ccfgen --example json_floor
fi
CCFGEN=${CCFGEN:-target/release/ccfgen}
FLOOR=${FLOOR:-target/release/examples/json_floor}
THREADS=$(nproc)
[ "$THREADS" -ge 2 ] || THREADS=2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 "$COPIES"); do
  mkdir -p "$WORK/replicated/copy$i" "$WORK/unique/copy$i"
  cp -r "$CORPUS"/. "$WORK/replicated/copy$i/"
  cp -r "$CORPUS"/. "$WORK/unique/copy$i/"
  grep -rlZ --include='*.json' '"transformKql"' "$WORK/unique/copy$i" |
    xargs -0 sed -i "s|\"transformKql\": *\"|&// copy $i\\\\n|"
done

# "cpu wall" of one run of a command, measured by GNU time (the process alone)
measure() {
  local out
  out=$(mktemp "$WORK/time.XXXXXX")
  /usr/bin/time -f '%U %S %e' -o "$out" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$out" | awk '{printf "%.3f %.3f\n", $1 + $2, $3}'
  rm -f "$out"
}

# median [min-max] of the numbers on stdin
spread() {
  sort -g | awk '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
    printf "%.3f [%.3f-%.3f]", m, v[1], v[NR] }'
}

for tree in replicated unique; do
  T="$WORK/$tree"
  read -r FILES BYTES _ < <("$FLOOR" "$T" 1 2>/dev/null)
  CONNECTORS=$({ "$CCFGEN" check "$T" --format json 2>/dev/null || true; } |
    sed -n 's/.*"connectors": \([0-9]*\).*/\1/p' | head -n 1)
  MB=$(echo "$BYTES / 1000000" | bc -l)
  declare -A CMD=(
    [c1]="$CCFGEN check $T --format json --threads 1"
    [f1]="$FLOOR $T 1"
    [cn]="$CCFGEN check $T --format json --threads $THREADS"
    [fn]="$FLOOR $T $THREADS"
  )
  KEYS=(c1 f1 cn fn)
  declare -A CPU=() WALL=()
  for k in "${KEYS[@]}"; do measure ${CMD[$k]} >/dev/null; done # warm-up
  for r in $(seq 0 $((RUNS - 1))); do
    for j in 0 1 2 3; do
      k=${KEYS[$(((j + r) % 4))]}
      read -r cpu wall < <(measure ${CMD[$k]})
      CPU[$k]="${CPU[$k]:-} $cpu"
      WALL[$k]="${WALL[$k]:-} $wall"
    done
  done
  printf '%s tree: %d copies of the corpus, %d JSON files, %.1f MB, %d connectors; %d rounds, median [min-max]\n' \
    "$tree" "$COPIES" "$FILES" "$MB" "$CONNECTORS" "$RUNS"
  row() { # label key
    local med
    med=$(tr ' ' '\n' <<<"${CPU[$2]}" | grep . | spread)
    printf '  %-42s CPU s %-22s %6.0f MB per CPU s   wall s %s\n' "$1" "$med" \
      "$(echo "$MB / ${med%% *}" | bc -l)" "$(tr ' ' '\n' <<<"${WALL[$2]}" | grep . | spread)"
  }
  row "ccfgen check --format json (1 thread)" c1
  row "floor: read + serde_json (1 thread)" f1
  row "ccfgen check --format json ($THREADS threads)" cn
  row "floor: read + serde_json ($THREADS threads)" fn
  ratio() { # check-key floor-key: paired ratios
    paste <(tr ' ' '\n' <<<"${CPU[$1]}" | grep .) <(tr ' ' '\n' <<<"${CPU[$2]}" | grep .) |
      awk '{printf "%.4f\n", $1 / $2}' | spread
  }
  printf '  ratio check/floor, CPU s: %s (1 thread), %s (%d threads)\n' \
    "$(ratio c1 f1)" "$(ratio cn fn)" "$THREADS"
  unset CMD CPU WALL
done
