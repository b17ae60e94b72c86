#!/usr/bin/env bash
# Speed of the KQL analyser on full queries: every analytic rule and hunting query of the
# query corpus (../shared/corpus-content/queries, 81 files), read and extracted from its YAML
# (the floor) and then also analysed against the corpus database (custom tables, parsers and
# the bundled catalogue of 151 built-in tables), ROUNDS times over, in one process each.
#
#   bench/queries.sh [ROUNDS] [RUNS]       (defaults: 100 rounds = 8,100 queries, 5 runs)
#
# Figures are CPU seconds (user + system) of the measured process alone, from /usr/bin/time:
# median and min–max of RUNS interleaved runs (floor, analyse, floor, analyse ...), release
# build, files in the page cache after a warm-up run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-100}
RUNS=${2:-5}
[ -d ../shared/corpus-content/queries ] || { echo "bench/queries.sh: ../shared/corpus-content/queries is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/queries.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
cargo build --release --quiet -p ccfgen-kql --example bench_queries
BIN=target/release/examples/bench_queries

cpu() { # mode → CPU seconds of one run
  /usr/bin/time -f '%U %S' -o "$WORK/t" "$BIN" "$1" "$ROUNDS" > "$WORK/out"
  awk '{ printf "%.3f\n", $1 + $2 }' "$WORK/t"
}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$BIN" floor 1 >/dev/null; "$BIN" analyse 1 >/dev/null   # warm-up
floor=(); analyse=()
for _ in $(seq 1 "$RUNS"); do
  floor+=("$(cpu floor)")
  analyse+=("$(cpu analyse)")
done
read -r QUERIES _ < "$WORK/out"
stats() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f %.3f %.3f\n", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
read -r fm fmin fmax < <(stats "${floor[@]}")
read -r am amin amax < <(stats "${analyse[@]}")
echo "query corpus: $QUERIES queries per run ($ROUNDS rounds of the corpus), $RUNS runs, CPU seconds"
printf '  %-34s median %6.3f s (%.3f–%.3f)  %8.0f queries/s\n' "floor: read + YAML + extract" "$fm" "$fmin" "$fmax" "$(echo "$QUERIES / $fm" | bc -l)"
printf '  %-34s median %6.3f s (%.3f–%.3f)  %8.0f queries/s\n' "floor + analyse (full queries)" "$am" "$amin" "$amax" "$(echo "$QUERIES / $am" | bc -l)"
printf '  ratio analyse/floor: %.2f;  analysis alone: %.0f queries/s\n' "$(echo "$am / $fm" | bc -l)" "$(echo "$QUERIES / ($am - $fm)" | bc -l)"
