#!/usr/bin/env bash
# Cost of validating packages against Microsoft's published schemas (docs/schemas.md, "Cost"):
# bench/schema_validate.rs (release) on every mainTemplate.json and createUiDefinition.json of
# the corpora, per file the median thread CPU time of validating it beside parsing it (the
# floor), over ROUNDS repetitions in one process; and the one-off compile of the schemas. The
# program runs RUNS times (separate processes); each figure is the median [min–max] over the
# runs.
#
#   bench/schemas.sh [RUNS] [ROUNDS]      (defaults: 5 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
ROUNDS=${2:-20}
SHARED=${CCFGEN_SHARED_DIR:-../shared}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
# Both corpora in one tree (the content corpus repeats three solutions with their content).
cp -r "$SHARED/corpus" "$DIR/corpus"
cp -r "$SHARED/corpus-content" "$DIR/corpus-content"
cargo build -q --release --example schema_validate
BIN=target/release/examples/schema_validate
for i in $(seq "$RUNS"); do
  "$BIN" "$DIR" "$ROUNDS" > "$DIR/run$i.txt"
done
python3 - "$DIR" "$RUNS" <<'PY'
import re, sys, statistics
d, runs = sys.argv[1], int(sys.argv[2])
keys = ["compile_cpu_ms", "parse_cpu_ms", "validate_cpu_ms", "per_template_ms", "per_ui_ms"]
vals = {k: [] for k in keys}
files = None
for i in range(1, runs + 1):
    text = open(f"{d}/run{i}.txt").read()
    vals["compile_cpu_ms"].append(float(re.search(r"compile_cpu_ms=([\d.]+)", text).group(1)))
    total = re.search(r"^TOTAL .*$", text, re.M).group(0)
    files = re.search(r"files=(\d+)", total).group(1)
    for k in keys[1:]:
        vals[k].append(float(re.search(k + r"=([\d.]+)", total).group(1)))
print(f"{runs} runs x {files} package files, median [min-max], thread CPU ms")
for k in keys:
    v = vals[k]
    label = {"parse_cpu_ms": "parse all files (serde_json)", "validate_cpu_ms": "validate all files",
             "compile_cpu_ms": "compile the schemas (once)", "per_template_ms": "per mainTemplate.json",
             "per_ui_ms": "per createUiDefinition.json"}[k]
    print(f"  {label:32s} {statistics.median(v):8.2f} [{min(v):.2f}-{max(v):.2f}]")
PY
