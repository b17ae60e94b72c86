#!/usr/bin/env node
'use strict';
/*
 * Re-records the expected answers of the ccfgen-kql oracle fixtures with Microsoft's
 * Kusto.Language (shared/tools/kql-oracle). See crates/kql/README.md; normally run through
 * record.sh, which installs the oracle in a temporary directory first.
 *
 *   node record.js --oracle DIR [--corpus DIR] [--fixtures DIR] [--emit-cases FILE]
 *
 * --oracle      a copy of shared/tools/kql-oracle with node_modules installed (npm ci)
 * --corpus      shared/corpus (default: ../../../../../shared/corpus from this file)
 * --fixtures    crates/kql/tests/fixtures (default: ../fixtures from this file)
 * --emit-cases  also write every case (hand-written and corpus, with the oracle's answers)
 *               to FILE, for ad-hoc diffs
 * --only        re-record only this file of fixtures/hand (e.g. 12-join.json)
 * --generated   record the differential fuzzer's cases instead: FILE is the output of
 *               `cargo run -p ccfgen-kql --example generated_queries`; fixtures/generated.json
 *               keeps each query and the essentials of the oracle's answer (verdict, schema,
 *               error codes)
 * --queries     record the query corpus instead: FILE is the output of
 *               `cargo run -p ccfgen-kql --example corpus_queries` (cases rebuilt from
 *               shared/corpus-content); fixtures/queries.json keeps only the id, the query's
 *               sha256 and the oracle's answer (notes and divergences are kept by id)
 *
 * Hand-written fixtures (fixtures/hand/*.json) are arrays of
 *   {"name", "note"?, "case": {input, query, table?, options?}, "divergence"?, "oracle"}
 * and only their "oracle" member is rewritten.
 *
 * Corpus fixtures (fixtures/corpus.json) are regenerated from a walk of the corpus: every
 * resource of type Microsoft.Insights/dataCollectionRules (at any depth of any *.json file,
 * including JSON arrays and templates) and every one of its dataFlows with a transformKql.
 * Only references are stored (file path relative to the corpus, JSON pointer, flow index,
 * sha256 of the query, and the destination table's file/pointer when the solution folder has a
 * table named like the flow's outputStream minus "Custom-"); never the corpus text itself.
 * Existing "note"/"divergence" members of corpus fixtures are kept (matched by id).
 */

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const oracleDir = arg('--oracle');
if (!oracleDir) {
  process.stderr.write('usage: node record.js --oracle DIR [--corpus DIR] [--fixtures DIR] [--emit-cases FILE]\n');
  process.exit(2);
}
const corpusDir = path.resolve(arg('--corpus', path.join(__dirname, '..', '..', '..', '..', '..', 'shared', 'corpus')));
const fixturesDir = path.resolve(arg('--fixtures', path.join(__dirname, '..', 'fixtures')));
const emit = arg('--emit-cases');
const only = arg('--only');
const { analyze: analyzeRaw } = require(path.resolve(oracleDir, 'oracle.js'));

// The bundled catalogue (crates/kql/catalog/catalog.json): a case with database.catalog = true
// gets every catalogue table and function declared, exactly as the analyser declares them.
const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'catalog', 'catalog.json'), 'utf8'));
function schemaBody(cols) {
  return 'datatable(' + cols.map(([n, t]) => `['${n}']:${t}`).join(', ') + ')[]';
}
function withCatalog(c) {
  if (!c.database || !c.database.catalog) return c;
  // declared tables first, then the catalogue's (the order wildcards match in)
  const tables = Object.assign({}, c.database.tables || {});
  for (const t of catalog.tables) if (!(t.name in tables)) tables[t.name] = t.columns.map(([name, type]) => ({ name, type }));
  const schemas = new Map(catalog.schemas.map((s) => [s.name, s.columns]));
  for (const t of catalog.tables) schemas.set(t.name, t.columns);
  const declared = new Set((c.database.functions || []).map((f) => f.name));
  const functions = catalog.functions
    .filter((f) => !declared.has(f.name))
    .map((f) => ({ name: f.name, parameters: f.parameters, body: f.body || schemaBody(schemas.get(f.schema)) }))
    .concat(c.database.functions || []);
  const database = Object.assign({}, c.database, { tables, functions });
  delete database.catalog;
  return Object.assign({}, c, { database });
}
const analyze = (c) => analyzeRaw(withCatalog(c));

const DCR_TYPE = 'microsoft.insights/datacollectionrules';
const sha256 = (s) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const pointerEscape = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8').replace(/^\uFEFF/, ''));
const writeJson = (p, v) => fs.writeFileSync(p, JSON.stringify(v, null, 2) + '\n');

function walkFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

// Every object in a JSON value with its JSON pointer.
function walkObjects(v, pointer, visit) {
  if (Array.isArray(v)) v.forEach((x, i) => walkObjects(x, `${pointer}/${i}`, visit));
  else if (v && typeof v === 'object') {
    visit(v, pointer);
    for (const k of Object.keys(v)) walkObjects(v[k], `${pointer}/${pointerEscape(k)}`, visit);
  }
}

// azure-sentinel/<Solution>/..., azure-sentinel-pull/<Solution>/..., otherwise the first folder.
function solutionOf(rel) {
  const parts = rel.split('/');
  return parts[0].startsWith('azure-sentinel') ? parts.slice(0, 2).join('/') : parts[0];
}

function tableName(resource) {
  const n = String(resource.name || '');
  return n.replace(/['")\]]+$/, '').split('/').pop();
}

function recordCorpus() {
  if (!fs.existsSync(corpusDir)) {
    process.stderr.write(`record: corpus not found at ${corpusDir}; corpus fixtures left unchanged\n`);
    return null;
  }
  const dcrs = [];
  const tables = [];
  for (const file of walkFiles(corpusDir)) {
    const rel = path.relative(corpusDir, file).split(path.sep).join('/');
    let json;
    try { json = readJson(file); } catch (e) { continue; }
    walkObjects(json, '', (o, pointer) => {
      const type = String(o.type || '').toLowerCase();
      if (type === DCR_TYPE) dcrs.push({ rel, pointer, resource: o });
      if (type.endsWith('workspaces/tables')) tables.push({ rel, pointer, resource: o });
    });
  }
  const previous = new Map();
  const corpusFile = path.join(fixturesDir, 'corpus.json');
  if (fs.existsSync(corpusFile)) for (const f of readJson(corpusFile)) previous.set(f.id, f);
  const fixtures = [];
  for (const d of dcrs) {
    const props = d.resource.properties || {};
    const decls = props.streamDeclarations || {};
    (props.dataFlows || []).forEach((flow, i) => {
      if (typeof flow.transformKql !== 'string') return;
      const stream = (flow.streams || [])[0];
      const input = ((decls[stream] || {}).columns || []).map((c) => ({ name: c.name, type: c.type }));
      const out = String(flow.outputStream || '');
      const ref = { file: d.rel, pointer: d.pointer, flow: i, querySha256: sha256(flow.transformKql) };
      const caseObj = { input, query: flow.transformKql };
      if (out.startsWith('Custom-')) {
        const want = out.slice('Custom-'.length);
        const candidates = tables
          .filter((t) => solutionOf(t.rel) === solutionOf(d.rel) && tableName(t.resource) === want)
          .sort((a, b) => rank(a) - rank(b) || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
        function rank(t) {
          if (t.rel === d.rel) return 0;
          if (path.dirname(t.rel) === path.dirname(d.rel)) return 1;
          return 2;
        }
        if (candidates.length) {
          const t = candidates[0];
          ref.table = { file: t.rel, pointer: t.pointer };
          caseObj.table = (((t.resource.properties || {}).schema || {}).columns || []).map((c) => ({ name: c.name, type: c.type }));
        }
      }
      const id = `${d.rel}#${d.pointer}/dataFlows/${i}`;
      const prev = previous.get(id) || {};
      const fixture = { id };
      if (prev.note) fixture.note = prev.note;
      fixture.ref = ref;
      if (prev.divergence) fixture.divergence = prev.divergence;
      fixture.oracle = analyze(caseObj);
      fixtures.push(fixture);
      if (emit) emitted.push({ name: id, case: caseObj, oracle: fixture.oracle });
    });
  }
  writeJson(corpusFile, fixtures);
  return fixtures.length;
}

function recordHand() {
  const dir = path.join(fixturesDir, 'hand');
  let n = 0;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json') && (!only || x === only)).sort()) {
    const file = path.join(dir, f);
    const fixtures = readJson(file);
    for (const fx of fixtures) {
      fx.oracle = analyze(fx.case);
      if (emit) emitted.push({ name: `${f}:${fx.name}`, case: fx.case, oracle: fx.oracle });
      n++;
    }
    writeJson(file, fixtures);
  }
  return n;
}

function recordQueries(file) {
  const items = readJson(file);
  const out = path.join(fixturesDir, 'queries.json');
  const previous = new Map();
  if (fs.existsSync(out)) for (const f of readJson(out)) previous.set(f.id, f);
  const fixtures = items.map((it) => {
    const prev = previous.get(it.id) || {};
    const fx = { id: it.id };
    if (prev.note) fx.note = prev.note;
    fx.querySha256 = it.querySha256;
    if (prev.divergence) fx.divergence = prev.divergence;
    fx.oracle = analyze(it.case);
    return fx;
  });
  writeJson(out, fixtures);
  return fixtures.length;
}

function recordGenerated(file) {
  const cases = readJson(file);
  const fixtures = cases.map((c) => {
    const a = analyze(c);
    return {
      query: c.query,
      ok: a.ok,
      output: a.output ? a.output.map((o) => [o.name, o.type]) : null,
      errors: [...new Set(a.diagnostics.filter((d) => d.severity === 'Error').map((d) => d.code))].sort(),
    };
  });
  const out = path.join(fixturesDir, 'generated.json');
  fs.writeFileSync(out, '[\n' + fixtures.map((f) => JSON.stringify(f)).join(',\n') + '\n]\n');
  return fixtures.length;
}

const generatedFile = arg('--generated');
if (generatedFile) {
  process.stdout.write(`recorded ${recordGenerated(generatedFile)} generated fixtures\n`);
  process.exit(0);
}
const queriesFile = arg('--queries');
if (queriesFile) {
  process.stdout.write(`recorded ${recordQueries(queriesFile)} query corpus fixtures\n`);
  process.exit(0);
}
const emitted = [];
const hand = recordHand();
const corpus = only ? null : recordCorpus();
if (emit) writeJson(emit, emitted);
process.stdout.write(`recorded ${hand} hand-written and ${corpus === null ? 'no (corpus missing)' : corpus} corpus fixtures\n`);
