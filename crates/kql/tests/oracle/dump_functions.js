#!/usr/bin/env node
'use strict';
/*
 * Regenerates crates/kql/src/check/functions.txt and aggregates.txt (the signature tables of
 * ccfgen-kql) from Kusto.Language itself.
 *
 *   node dump_functions.js --oracle DIR     (DIR: an installed copy of shared/tools/kql-oracle)
 *
 * Format: one function per unindented line `name ResultNameKind[(prefix)] [fold] [block]`,
 * then one signature per line indented by three spaces:
 * `(param:Kind[ArgumentKind]?+min*max, ...) -> ReturnKind`. `fold` marks constant-foldable
 * functions, `block` a block-repeating parameter layout (case, bag_pack).
 */
const fs = require('fs');
const path = require('path');

const i = process.argv.indexOf('--oracle');
if (i < 0) {
  process.stderr.write('usage: node dump_functions.js --oracle DIR\n');
  process.exit(2);
}
const PKG = path.join(path.resolve(process.argv[i + 1]), 'node_modules', '@kusto', 'language-service-next');
require(path.join(PKG, 'bridge.js'));
require(path.join(PKG, 'Kusto.Language.Bridge.js'));
/* global Kusto, Bridge */
const K = Kusto.Language;
const S = K.Symbols;
const enumName = (E, v) => Object.keys(E).find((k) => E[k] === v && typeof v === 'number') || String(v);
// tabular/graph/cluster functions and lambdas that a DCR analyser never needs
const DROP = new Set(['cluster', 'database', 'table', 'external_table', 'materialized_view', 'entity_group',
  'stored_query_result', 'graph', 'all', 'any', 'map', 'inner_nodes', 'node_id', 'node_degree_in',
  'node_degree_out', 'labels', '__invoke', '__cast', 'column_names_of', 'bin_auto']);

function returnText(s) {
  const rk = enumName(S.ReturnTypeKind, s.ReturnKind);
  if (rk !== 'Declared') return rk;
  const t = s.GetReturnType(K.GlobalState.Default);
  const cls = (t.constructor && t.constructor.$$name) || '';
  if (/DynamicArray/.test(cls)) return 'dynamic(array)';
  if (/DynamicBag/.test(cls)) return 'dynamic(bag)';
  if (/DynamicPrimitive/.test(cls)) return 'dynamic(value)';
  return t.Name;
}

function paramText(p) {
  const kind = enumName(S.ParameterTypeKind, p.TypeKind);
  const types = Bridge.toArray(p.DeclaredTypes).map((t) => t.Name).join('|');
  const arg = enumName(S.ArgumentKind, p.ArgumentKind);
  return `${p.Name}:${kind === 'Declared' ? types : kind}${arg !== 'Expression' ? `[${arg}]` : ''}` +
    `${p.MinOccurring === 0 ? '?' : ''}${p.MinOccurring > 1 ? `+${p.MinOccurring}` : ''}${p.MaxOccurring > 1 ? `*${p.MaxOccurring}` : ''}`;
}

function dump(list, aggregates) {
  const lines = [];
  for (const f of Bridge.toArray(list)) {
    if (!aggregates && DROP.has(f.Name)) continue;
    const sigs = Bridge.toArray(f.Signatures);
    const flags = [];
    if (f.IsConstantFoldable) flags.push('fold');
    if (sigs.some((s) => s.Layout === S.ParameterLayouts.BlockRepeating)) flags.push('block');
    const rn = enumName(S.ResultNameKind, f.ResultNameKind);
    lines.push(`${f.Name} ${rn}${f.ResultNamePrefix ? `(${f.ResultNamePrefix})` : ''}${flags.length ? ' ' + flags.join(' ') : ''}`);
    for (const s of sigs) lines.push(`   (${Bridge.toArray(s.Parameters).map(paramText).join(', ')}) -> ${returnText(s)}${s.IsHidden ? ' [hidden]' : ''}`);
  }
  return lines.join('\n') + '\n';
}

const out = path.join(__dirname, '..', '..', 'src', 'check');
fs.writeFileSync(path.join(out, 'functions.txt'), dump(K.Functions.All, false));
fs.writeFileSync(path.join(out, 'aggregates.txt'), dump(K.Aggregates.All, true));
process.stdout.write(`wrote ${out}/functions.txt and aggregates.txt\n`);
