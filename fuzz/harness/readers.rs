//! What each fuzz target does with one input, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, nightly) and by `tests/fuzz_seeds.rs`, which runs every seed and
//! every regression input on stable, so CI exercises the targets too.
//!
//! Each function must not panic, hang or allocate without bound on any input; where a
//! property can be checked cheaply (a spec written as TOML reads back equal, a located JSON
//! span holds the value at its path), it is asserted.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

/// The spec loader: parse, resolve and validate any text as a `ccfgen.toml`; a loaded spec
/// written back as TOML (serde and the import writer) reads back equal; a valid spec renders
/// its connector artifacts and package.
pub fn spec_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = ccfgen::spec::parse(Path::new("fuzz/ccfgen.toml"), text.to_string()) else {
        return;
    };
    toml_round_trip(&loaded.spec);
    if let Ok((solution, _, _)) = ccfgen::load::finish(loaded) {
        let _ = ccfgen::artifacts::render_connector_artifacts(&solution);
        let _ = ccfgen::package::build(&solution, solution.compat);
    }
}

/// The package reader: any JSON as a `mainTemplate.json` (an input holding `\n@@ui\n` is split
/// there into mainTemplate and createUiDefinition), then what `ccfgen import` does with it.
pub fn import_package(data: &[u8]) {
    let (main, ui) = split_once(data, b"\n@@ui\n");
    let Ok(template) = serde_json::from_slice::<Value>(main) else {
        return;
    };
    let ui = ui.and_then(|u| serde_json::from_slice::<Value>(u).ok());
    if let Ok(imported) = ccfgen::import::import_package(template, ui) {
        after_import(&imported);
    }
}

/// The solution folder reader: the input is a folder as `@@ <relative path>\n<content>`
/// sections (data file, metadata, release notes, connector files), read in memory, then what
/// `ccfgen import` does with it.
pub fn import_folder(data: &[u8]) {
    let folder = ccfgen::scan::SolutionFolder::from_files("Fuzz", folder_files(data));
    if let Ok(imported) = ccfgen::import::import_folder(&folder) {
        after_import(&imported);
    }
}

/// The JSON span parser of `ccfgen check`: for valid JSON without duplicate member names,
/// every path of the document is found exactly and its span parses to the value at that
/// path; a missing path resolves to its deepest existing ancestor; any text is scanned
/// without a panic and every span lies inside the text.
pub fn json_spans(data: &[u8]) {
    use ccfgen::json_spans::{JsonPath, locate, string_offset};
    let text = String::from_utf8_lossy(data);
    let parsed = serde_json::from_str::<Value>(&text).ok();
    let mut paths: Vec<(JsonPath, Option<&Value>)> = Vec::new();
    match &parsed {
        // Each checked path parses its span again: fewer paths for large documents.
        Some(v) => collect_paths(
            v,
            JsonPath::root(),
            &mut paths,
            if text.len() > 16_384 { 48 } else { 256 },
        ),
        None => paths.push((JsonPath::root(), None)),
    }
    // Paths that do not exist, below every collected one and at the root.
    let existing: Vec<JsonPath> = paths.iter().map(|(p, _)| p.clone()).collect();
    for p in existing.iter().take(32) {
        paths.push((p.key("\u{0}missing"), None));
        paths.push((p.index(1 << 30), None));
    }
    paths.push((
        JsonPath::root().keys(&["properties", "dataFlows"]).index(0),
        None,
    ));
    let wanted: Vec<&JsonPath> = paths.iter().map(|(p, _)| p).collect();
    let found = locate(&text, &wanted);
    assert_eq!(found.len(), wanted.len());
    for span in found.iter().flatten() {
        assert!(span.value.start <= span.value.end && span.value.end <= text.len());
        if let Some(k) = &span.key {
            assert!(k.start <= k.end && k.end <= text.len());
        }
    }
    let Some(root) = &parsed else { return };
    if has_duplicate_keys(&text) {
        return;
    }
    for ((path, value), span) in paths.iter().zip(&found) {
        let span = span.as_ref().expect("valid JSON: every path resolves");
        let at: Value = serde_json::from_str(&text[span.value.clone()])
            .unwrap_or_else(|e| panic!("{path}: span {:?} is no JSON value: {e}", span.value));
        match value {
            Some(value) => {
                assert_eq!(span.depth, path.segments().len(), "{path}");
                assert_eq!(&at, *value, "{path}");
                if let Value::String(s) = value {
                    let literal = &text[span.value.clone()];
                    let mut last = 0;
                    let cuts = (0..=s.len().min(256)).chain([s.len()]);
                    for cut in cuts.filter(|i| s.is_char_boundary(*i)) {
                        let raw = string_offset(literal, cut);
                        assert!(raw >= last && raw <= literal.len(), "{path}: {cut}");
                        last = raw;
                    }
                }
            }
            None => {
                let depth = span.depth.min(path.segments().len());
                let mut ancestor = root;
                for seg in &path.segments()[..depth] {
                    ancestor = match seg {
                        ccfgen::json_spans::Segment::Key(k) => &ancestor[k.as_str()],
                        ccfgen::json_spans::Segment::Index(i) => &ancestor[*i],
                    };
                }
                assert_eq!(&at, ancestor, "{path}: ancestor at depth {depth}");
            }
        }
    }
}

/// The YAML tree of solution content files (`ccfgen::yaml_spans`): any text parses or fails
/// without a panic; in a parsed tree every span lies in the text and its line:column is the
/// place of its start, every scalar's decoded offsets map monotonically to character
/// boundaries inside the node's text (an alias's: the anchored node's), and a visible character
/// of a value is written at its mapped place (or, in double quotes, an escape is); a text that is valid JSON and valid YAML gives the same value.
pub fn yaml_spans(data: &[u8]) {
    use ccfgen::yaml_spans::{Document, Node, Style};
    let text = String::from_utf8_lossy(data);
    let Ok(doc) = Document::parse(&text) else {
        return;
    };
    let mut stack: Vec<&Node> = vec![&doc.root];
    let mut checked = 0usize;
    while let Some(node) = stack.pop() {
        assert!(node.span.start <= node.span.end && node.span.end <= text.len());
        assert!(text.is_char_boundary(node.span.start) && text.is_char_boundary(node.span.end));
        assert_eq!(doc.pos(node.span.start), node.pos, "{:?}", node.span);
        // An alias is written `*name`; its value where the anchored node is.
        let written = match &node.alias_of {
            Some(anchored) => {
                assert!(text[node.span.clone()].starts_with('*'), "{:?}", node.span);
                assert!(anchored.start <= anchored.end && anchored.end <= text.len());
                anchored.clone()
            }
            None => node.span.clone(),
        };
        if let Some(s) = node.scalar() {
            let mut last = written.start;
            for (i, c) in s.value.char_indices().take(512) {
                let at = doc.scalar_offset(node, i);
                assert!(at >= last && at <= written.end, "{i} in {:?}", s.value);
                assert!(text.is_char_boundary(at));
                last = at;
                if !c.is_whitespace() && checked < 20_000 {
                    checked += 1;
                    let written = &text[at..];
                    let ok = written.starts_with(c)
                        || (s.style == Style::DoubleQuoted && written.starts_with('\\'));
                    assert!(
                        ok,
                        "{c:?} (byte {i} of {:?}) written as {:?}",
                        s.value,
                        written.chars().take(8).collect::<String>()
                    );
                }
            }
            let end = doc.scalar_offset(node, s.value.len());
            assert!(end >= last && end <= written.end);
        }
        stack.extend(node.items());
        for e in node.entries() {
            stack.push(&e.key);
            stack.push(&e.value);
        }
    }
    let yaml = doc.root.to_json();
    if let Ok(json) = serde_json::from_str::<Value>(&text)
        && !has_duplicate_keys(&text)
    {
        assert!(same_json(&yaml, &json), "YAML {yaml} != JSON {json}");
    }
}

/// Equal JSON values, numbers compared as numbers (`1.0` and `1`, last-bit float rounding).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || ((x - y) / x.abs().max(y.abs())).abs() < 1e-12,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_json(vx, vy))
        }
        _ => a == b,
    }
}

/// The folder files of an [`import_folder`] input.
pub fn folder_files(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut rest = data;
    while let Some(start) = find(rest, b"@@ ") {
        let after = &rest[start + 3..];
        let (name, body) = split_once(after, b"\n");
        let body = body.unwrap_or_default();
        let end = find(body, b"\n@@ ").map_or(body.len(), |e| e);
        files.push((
            String::from_utf8_lossy(name).trim().to_string(),
            body[..end].to_vec(),
        ));
        rest = &body[end..];
        if rest.is_empty() {
            break;
        }
    }
    files
}

/// What `ccfgen import` does after reading: verify by building again, write the spec as TOML
/// (which must read back equal) and load it as `build` would.
fn after_import(imported: &ccfgen::import::Imported) {
    let _ = ccfgen::import::verify::connector_artifacts(imported);
    let _ = ccfgen::import::verify::package(imported, ccfgen::solution::Compat::Official);
    let spec = imported.spec_for_output();
    let text = toml_round_trip(&spec);
    if let Ok(loaded) = ccfgen::spec::parse(Path::new("fuzz/ccfgen.toml"), text) {
        let _ = ccfgen::load::finish(loaded);
    }
}

/// The import writer's TOML of `spec` reads back as the same spec; returns the text.
fn toml_round_trip(spec: &ccfgen::spec::Spec) -> String {
    let text = ccfgen::import::toml_writer::write(spec);
    let back: ccfgen::spec::Spec = toml::from_str(&text)
        .unwrap_or_else(|e| panic!("the written spec does not read back: {e}\n{text}"));
    // Compared as TOML text: NaN in examples is not equal to itself.
    assert_eq!(
        toml::to_string(&back).ok(),
        toml::to_string(spec).ok(),
        "the written spec reads back different:\n{text}"
    );
    text
}

fn collect_paths<'v>(
    value: &'v Value,
    path: ccfgen::json_spans::JsonPath,
    out: &mut Vec<(ccfgen::json_spans::JsonPath, Option<&'v Value>)>,
    limit: usize,
) {
    if out.len() >= limit {
        return;
    }
    out.push((path.clone(), Some(value)));
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_paths(v, path.key(k.as_str()), out, limit);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_paths(v, path.index(i), out, limit);
            }
        }
        _ => {}
    }
}

/// Whether an object of the (valid) JSON text names a member twice: serde_json keeps the
/// last, a text scan may point at the first.
fn has_duplicate_keys(text: &str) -> bool {
    struct Dup(bool);
    impl<'de> serde::de::DeserializeSeed<'de> for &mut Dup {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> serde::de::Visitor<'de> for &mut Dup {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::HashSet::new();
            while let Some(k) = map.next_key::<String>()? {
                if !keys.insert(k) {
                    self.0 = true;
                }
                map.next_value_seed(&mut *self)?;
            }
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(&mut *self)?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut dup = Dup(false);
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = serde::de::DeserializeSeed::deserialize(&mut dup, &mut de);
    dup.0
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_once<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
    match find(data, sep) {
        Some(i) => (&data[..i], Some(&data[i + sep.len()..])),
        None => (data, None),
    }
}
