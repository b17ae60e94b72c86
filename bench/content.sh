#!/usr/bin/env bash
# What checking solution content adds to `ccfgen check`: the connector corpus
# (../shared/corpus) plus the content corpus (../shared/corpus-content: its three solutions with
# their rules, parsers and workbooks, and its 81-query corpus laid out as one solution
# `QueryCorpus` — each query in `Analytic Rules/` or `Hunting Queries/` as its repository path
# says, the custom-table schemas of `tables/` as table resources, the solutions' parsers) —
# checked with content, and the same tree with the content folders removed.
#
#   bench/content.sh [RUNS] [--findings]    (defaults: 5 runs; --findings lists the content
#                                            findings of the content corpus instead)
#
# Figures are CPU seconds (user + system) of the measured `ccfgen check --format json` process
# alone, from /usr/bin/time: median and min–max of RUNS interleaved runs (without, with,
# without, with ...), release build, one thread and all threads, files in the page cache after
# a warm-up run (CCFGEN=… overrides the binary). The tree is built in a temp dir; nothing is copied into the project.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
MODE=${2:-}
CORPUS=../shared/corpus
CONTENT=../shared/corpus-content
[ -d "$CORPUS" ] && [ -d "$CONTENT" ] || { echo "bench/content.sh: $CORPUS or $CONTENT is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/content.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }
# CCFGEN=path/to/ccfgen measures that binary instead (e.g. a debug build) without building.
if [ -z "${CCFGEN:-}" ]; then
  cargo build --release --quiet --bin ccfgen
  CCFGEN=target/release/ccfgen
fi
THREADS=$(nproc)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccfgen-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
WITH="$WORK/with"
mkdir -p "$WITH/corpus" "$WITH/content"
cp -r "$CORPUS"/. "$WITH/corpus/"
cp -r "$CONTENT/azure-sentinel"/. "$WITH/content/"
python3 - "$CONTENT" "$WITH/content/QueryCorpus" <<'PY'
import json, os, re, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
# the repository path of each query copy, from the MANIFEST's file table
repo = {}
for line in open(os.path.join(src, "MANIFEST.md"), encoding="utf-8"):
    m = re.match(r"\| `(queries/[^`]+)` \| `([^`]+)` \|", line)
    if m:
        repo[m.group(1)] = m.group(2)
for sol in sorted(os.listdir(os.path.join(src, "queries"))):
    for f in sorted(os.listdir(os.path.join(src, "queries", sol))):
        rel = f"queries/{sol}/{f}"
        folder = "Hunting Queries" if "/Hunting Queries/" in repo.get(rel, "") else "Analytic Rules"
        os.makedirs(os.path.join(dst, folder), exist_ok=True)
        shutil.copy(os.path.join(src, rel), os.path.join(dst, folder, f"{sol} - {f}"))
os.makedirs(os.path.join(dst, "Data Connectors", "tables"), exist_ok=True)
for f in sorted(os.listdir(os.path.join(src, "tables"))):
    t = json.load(open(os.path.join(src, "tables", f), encoding="utf-8-sig"))
    name = t.get("Name") or t.get("name")
    cols = [{"name": p.get("Name") or p.get("name"), "type": p.get("Type") or p.get("type")}
            for p in t.get("Properties") or t.get("properties") or []]
    cols = [c for c in cols if c["name"] != "TenantId"]
    table = {"name": name, "type": "Microsoft.OperationalInsights/workspaces/tables",
             "apiVersion": "2022-10-01", "properties": {"schema": {"name": name, "columns": cols}}}
    json.dump(table, open(os.path.join(dst, "Data Connectors", "tables", f), "w"), indent=2)
os.makedirs(os.path.join(dst, "Parsers"), exist_ok=True)
for sol in sorted(os.listdir(os.path.join(src, "azure-sentinel"))):
    p = os.path.join(src, "azure-sentinel", sol, "Parsers")
    for f in sorted(os.listdir(p)) if os.path.isdir(p) else []:
        shutil.copy(os.path.join(p, f), os.path.join(dst, "Parsers", f))
PY
WITHOUT="$WORK/without"
cp -r "$WITH" "$WITHOUT"
find "$WITHOUT" -depth -type d \( -name 'Analytic Rules' -o -name 'Hunting Queries' -o -name 'Parsers' -o -name 'Workbooks' \) -exec rm -rf {} +

if [ "$MODE" = "--findings" ]; then
  { "$CCFGEN" check "$WITH/content" --format json || true; } | python3 -c '
import json, sys
r = json.load(sys.stdin)
for f in r["findings"]:
    rule = f["rule"]
    if rule.split("-")[0] in ("content", "rule", "parser", "workbook"):
        path = f["file"].split("/content/", 1)[-1]
        print("| %s | `%s` | %s:%s:%s | %s |" % (f["severity"], rule, path, f["line"], f["column"], f["message"]))
print("content files:", r["stats"]["content"], file=sys.stderr)'
  exit 0
fi

cpu() { # tree threads → CPU seconds of one run
  /usr/bin/time -f '%U %S' -o "$WORK/t" "$CCFGEN" check "$1" --format json --threads "$2" > "$WORK/out" || true
  tail -n 1 "$WORK/t" | awk '{ printf "%.3f\n", $1 + $2 }'
}
stats() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f %.3f %.3f\n", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
count() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["stats"]; print(s["files"], s["content"], s["connectors"])' "$WORK/out"; }

"$CCFGEN" check "$WITHOUT" --format json > "$WORK/out" || true
read -r FILES _ CONNECTORS < <(count)
"$CCFGEN" check "$WITH" --format json > "$WORK/out" || true
read -r _ CONTENT_FILES _ < <(count)
echo "tree: $FILES JSON files, $CONNECTORS connectors; with content: + $CONTENT_FILES content files; $RUNS runs, CPU seconds"
for threads in 1 "$THREADS"; do
  without=(); with=()
  for _ in $(seq 1 "$RUNS"); do
    without+=("$(cpu "$WITHOUT" "$threads")")
    with+=("$(cpu "$WITH" "$threads")")
  done
  read -r wm wmin wmax < <(stats "${without[@]}")
  read -r cm cmin cmax < <(stats "${with[@]}")
  printf '  %-32s median %6.3f s (%.3f–%.3f)\n' "without content ($threads thread(s))" "$wm" "$wmin" "$wmax"
  printf '  %-32s median %6.3f s (%.3f–%.3f)\n' "with content ($threads thread(s))" "$cm" "$cmin" "$cmax"
  printf '  ratio with/without: %.2f\n' "$(echo "$cm / $wm" | bc -l)"
done
