#!/usr/bin/env bash
# Speed of running DCR transformations (docs/transform.md, "Speed"):
#
#  1. the evaluator, records per CPU second on one thread (= per core), on every distinct data
#     flow of the corpus (../shared/corpus) with `ccfgen sample` records generated for its
#     stream (bench/transform_eval.rs: `flow` = JSON record → stored row, what `ccfgen preview`
#     runs; `transform` = the transformation alone on typed stream rows);
#  2. the emulator's ingest CPU with data flows against without: `ccfgen emulate` (release,
#     plain HTTP) on the cveBuster solution as `ccfgen build` writes it — its data flow runs
#     `source | extend TimeGenerated = now()` into cveBusterVulnerabilities_CL — and on the same
#     files with the DCR's `dataFlows` removed (the stream's rows only), each fed the same
#     RECORDS sample records by `ccfgen push` (another process, not measured). The emulator
#     process is measured alone by /usr/bin/time -v (user+sys CPU seconds, peak RSS); `idle` is
#     an emulator started and stopped without records (its fixed cost). Every run's stored
#     stream and table rows are counted.
#
# RUNS rounds (at least 3), interleaved: evaluator, emulator without, emulator with, idle.
# Figures: median and min–max over the rounds.
#
#   bench/transform.sh [RECORDS] [RUNS] [EVAL_RECORDS]    (defaults: 200000 3 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-200000}
RUNS=${2:-3}
EVAL_RECORDS=${3:-20000}
CORPUS=../shared/corpus
[ -d "$CORPUS" ] || { echo "bench/transform.sh: $CORPUS is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/transform.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ "$RUNS" -ge 3 ] || { echo "bench/transform.sh: RUNS must be at least 3" >&2; exit 2; }

cargo build --release --quiet --locked --bin ccfgen --example transform_eval
CCFGEN=$PWD/target/release/ccfgen
EVAL=$PWD/target/release/examples/transform_eval
STREAM=Custom-cveBusterVulnerabilities
TABLE=cveBusterVulnerabilities_CL

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-transform-bench.XXXXXX")
TIME_PID=""
cleanup() {
  if [ -n "$TIME_PID" ]; then
    kill -TERM $(pgrep -P "$TIME_PID") 2>/dev/null || true
    wait "$TIME_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$CCFGEN" build --out "$WORK/with" examples/cvebuster >/dev/null
cp -r "$WORK/with" "$WORK/without"
python3 - "$WORK/without" <<'EOF'
import json, pathlib, sys
for path in pathlib.Path(sys.argv[1], "Data Connectors").rglob("*.json"):
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    items = doc if isinstance(doc, list) else [doc]
    changed = False
    for item in items:
        if isinstance(item, dict) and "dataFlows" in item.get("properties", {}):
            item["properties"]["dataFlows"] = []
            changed = True
    if changed:
        path.write_text(json.dumps(doc, indent=2))
EOF
"$CCFGEN" sample examples/cvebuster --count "$RECORDS" --seed 1 > "$WORK/records.ndjson"

# emulate MODE DIR PUSH → "cpu_seconds peak_rss_kb" of the emulator process
emulate() {
  local mode=$1 dir=$2 push=$3 run=$4
  local state="$WORK/state-$mode-$run"
  mkdir -p "$state"
  /usr/bin/time -v -o "$state/time.txt" "$CCFGEN" emulate "$dir" --port 0 --plain-http \
    --state "$state/state.sqlite" --config-out "$state/config.json" \
    >"$state/page.txt" 2>"$state/stderr.txt" &
  TIME_PID=$!
  for _ in $(seq 1 600); do
    grep -q "Serving until Ctrl-C" "$state/page.txt" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "Serving until Ctrl-C" "$state/page.txt" || { cat "$state/stderr.txt" >&2; exit 1; }
  if [ "$push" = 1 ]; then
    "$CCFGEN" push "$WORK/records.ndjson" --config "$state/config.json" \
      --state-dir "$state/push" >/dev/null 2>&1
    local base
    base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dce_endpoint"])' "$state/config.json")
    local rows tables
    rows=$(curl -s "$base/_emulator/streams/$STREAM/count")
    [ "$rows" = "{\"count\":$RECORDS}" ] || { echo "$mode: stream rows $rows" >&2; exit 1; }
    tables=$(curl -s "$base/_emulator/tables/$TABLE/count" || true)
    case "$mode" in
      with) [ "$tables" = "{\"count\":$RECORDS}" ] || { echo "$mode: table rows $tables" >&2; exit 1; } ;;
      without) case "$tables" in *NotFound*) ;; *) echo "$mode: table $tables" >&2; exit 1 ;; esac ;;
    esac
  fi
  kill -TERM "$(pgrep -P "$TIME_PID")"
  wait "$TIME_PID"
  TIME_PID=""
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
              END {printf "%.3f %d\n", u + s, r}' "$state/time.txt"
  rm -rf "$state"
}

: >"$WORK/results"
for run in $(seq 1 "$RUNS"); do
  "$EVAL" "$CORPUS" "$EVAL_RECORDS" >"$WORK/eval-$run.txt"
  read -r flows flow_rps transform_rps < <(sed -n \
    's/^TOTAL flows=\([0-9]*\) .* flow_rps=\([0-9]*\) transform_rps=\([0-9]*\)$/\1 \2 \3/p' \
    "$WORK/eval-$run.txt")
  # emulate runs in this shell (its output to a file, not a process substitution), so a failed
  # row check's `exit 1` reaches the EXIT trap with TIME_PID set and the emulator is stopped.
  emulate without "$WORK/without" 1 "$run" >"$WORK/cpu"
  read -r without without_rss <"$WORK/cpu"
  emulate with "$WORK/with" 1 "$run" >"$WORK/cpu"
  read -r with with_rss <"$WORK/cpu"
  emulate idle "$WORK/with" 0 "$run" >"$WORK/cpu"
  read -r idle idle_rss <"$WORK/cpu"
  echo "$run $flows $flow_rps $transform_rps $without $without_rss $with $with_rss $idle $idle_rss" \
    | tee -a "$WORK/results" >&2
done

echo "== machine: $(nproc) CPUs, $(uname -sr); ccfgen $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
unsupported=$(grep -c '^UNSUPPORTED' "$WORK/eval-1.txt" || true)
python3 - "$WORK/results" "$RECORDS" "$EVAL_RECORDS" "$unsupported" <<'EOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
records, eval_records, unsupported = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
col = lambda i: [r[i] for r in rows]
def fig(values, fmt="{:,.0f}"):
    return f"{fmt.format(statistics.median(values))}  ({fmt.format(min(values))} – {fmt.format(max(values))})"
flows = int(rows[0][1])
print(f"== evaluator: {flows} distinct corpus data flows ({unsupported} the evaluator cannot run), "
      f"{eval_records:,} sample records each, 1 thread; records per CPU second, median (min – max) of {len(rows)} runs")
print(f"  flow (JSON record -> stored row)     {fig(col(2))}")
print(f"  transformation alone (typed rows)    {fig(col(3))}")
print(f"== emulator: {records:,} cveBuster records pushed over plain HTTP; the emulator process's CPU s (user+sys), median (min – max) of {len(rows)} interleaved runs")
print(f"  without data flows                   {fig(col(4), '{:.2f}')} s   peak RSS {fig([v/1024 for v in col(5)], '{:.0f}')} MB")
print(f"  with data flows (transform + table)  {fig(col(6), '{:.2f}')} s   peak RSS {fig([v/1024 for v in col(7)], '{:.0f}')} MB")
print(f"  idle (start, stop, no records)       {fig(col(8), '{:.2f}')} s")
ratio = [w / wo for w, wo in zip(col(6), col(4))]
net = [(w - i) / (wo - i) for w, wo, i in zip(col(6), col(4), col(8))]
print(f"  with / without                       {fig(ratio, '{:.2f}')}x   (idle subtracted: {fig(net, '{:.2f}')}x)")
print(f"  ingest records per emulator CPU s    without {fig([records / v for v in col(4)])}, with {fig([records / v for v in col(6)])}")
EOF
