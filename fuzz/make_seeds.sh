#!/usr/bin/env bash
# Regenerates fuzz/seeds/ from the project's own examples (never from ../shared/corpus,
# which is not copied into the project; fuzz/README.md says how to add it when fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
ccfgen() { cargo run -q --locked -- "$@"; }
seeds=fuzz/seeds
# yaml_spans' seeds are hand-written (a rule, a hunting query, a parser, a workbook and edge
# cases) and kept.
rm -rf "$seeds"/{spec_loader,import_package,import_folder,json_spans}
mkdir -p "$seeds"/{spec_loader,import_package,import_folder,json_spans}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in examples/*/ccfgen.toml tests/broken/*.toml; do
  name=$(echo "$spec" | tr '/' '_')
  cp "$spec" "$seeds/spec_loader/$name"
done
for example in examples/*/; do
  e=$(basename "$example")
  for compat in ccfgen official; do
    out="$tmp/$e-$compat"
    ccfgen build "$example" --out "$out" --compat "$compat" 2>/dev/null
    { cat "$out/Package/mainTemplate.json"; printf '\n@@ui\n'; cat "$out/Package/createUiDefinition.json"; } \
      > "$seeds/import_package/$e-$compat"
  done
  out="$tmp/$e-ccfgen"
  (
    cd "$out"
    for f in Data/*.json SolutionMetadata.json ReleaseNotes.md "Data Connectors"/*/*.json; do
      printf '@@ %s\n' "$f"; cat "$f"; printf '\n'
    done
  ) > "$seeds/import_folder/$e"
  for f in "$out/Data Connectors"/*/*.json; do
    cp "$f" "$seeds/json_spans/$e-$(basename "$f")"
  done
done
# cveBuster with every kind of solution content: its analytic rule, hunting query and workbook,
# and a starter parser and watchlist (`ccfgen new`; their ids are random): the import of content
# and watchlists, from the folder and from the package.
cp -r examples/cvebuster "$tmp/content"
rm -rf "$tmp/content/client"
ccfgen new parser --spec "$tmp/content" >/dev/null
ccfgen new watchlist --spec "$tmp/content" >/dev/null
out="$tmp/content-out"
ccfgen build "$tmp/content" --out "$out" 2>/dev/null
{ cat "$out/Package/mainTemplate.json"; printf '\n@@ui\n'; cat "$out/Package/createUiDefinition.json"; } \
  > "$seeds/import_package/cvebuster-content-ccfgen"
(
  cd "$out"
  for f in Data/*.json SolutionMetadata.json ReleaseNotes.md "Data Connectors"/*/*.json \
    "Analytic Rules"/* "Hunting Queries"/* Workbooks/* Parsers/* Watchlists/*; do
    printf '@@ %s\n' "$f"; cat "$f"; printf '\n'
  done
) > "$seeds/import_folder/cvebuster-content"
# Hand-made JSON edge cases for the span parser.
printf '%s' '{"a":[1,{"b":"x\"y\\u00e9\ud83d\ude00"}],"":null,"c d":{"e":-1.5e3,"f":[[],{}]}}' > "$seeds/json_spans/escapes.json"
printf '%s' '[{"type":"Microsoft.Insights/dataCollectionRules","properties":{"dataFlows":[{"transformKql":"source"}]}}]' > "$seeds/json_spans/array.json"
printf '\xef\xbb\xbf%s' '{"bom":true}' > "$seeds/json_spans/bom.json"
printf '%s' '{"a":1,"a":2}' > "$seeds/json_spans/duplicate.json"
printf '%s' '{"truncated": [1, 2' > "$seeds/json_spans/truncated.json"
echo "seeds in $seeds: $(find "$seeds" -type f | wc -l) files, $(du -sh "$seeds" | cut -f1)"
