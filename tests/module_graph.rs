//! The module graph of every crate in the workspace has no cycle, so that layers stay layers
//! (docs/architecture.md).
//!
//! Rule: at every level of a crate's module tree, the children of one module depend on each
//! other without a cycle. "Depends" means a file inside one child names (in a `use` or in an
//! inline path, through `crate::`, `super::` or `self::`) a module inside another child. A
//! module's own file (`mod.rs`, `lib.rs`) may use its children and they may use its items:
//! that is one module, not two. Test modules (`#[cfg(test)] mod …`) are not read.
//!
//! The check reads the sources as text (no compiler): it parses `use` trees and
//! `crate::a::b` paths, which is what this codebase writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside one crate (`["check", "model"]`; the crate root is `[]`).
type ModPath = Vec<String>;

#[test]
fn no_crate_has_a_module_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates = vec![root.join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.join("lib.rs").is_file() {
            crates.push(src);
        }
    }
    crates.sort();
    let mut problems = Vec::new();
    for src in &crates {
        let graph = Graph::read(src);
        assert!(
            graph.modules.contains(&ModPath::new()),
            "{}: no crate root found",
            src.display()
        );
        let name = src
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .trim_end_matches("/src")
            .to_string();
        for cycle in graph.sibling_cycles() {
            problems.push(format!("{name}: {cycle}"));
        }
    }
    assert!(
        problems.is_empty(),
        "module cycles (break them: move the shared item down a layer):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_sees_cycles() {
    let dir = tempfile_dir();
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write("a/mod.rs", "mod x;\nmod y;\nuse crate::{b::Thing, c};\n");
    write("a/x.rs", "use super::y::Y;\n");
    write("a/y.rs", "pub fn f() { super::x::g(); }\n");
    write("b.rs", "use crate::a::x;\n");
    write(
        "c.rs",
        "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::a::y;\n}\n",
    );
    let graph = Graph::read(&dir);
    let cycles = graph.sibling_cycles();
    assert_eq!(
        cycles,
        ["a -> b -> a", "a::x -> a::y -> a::x"],
        "{graph:#?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccfgen-module-graph-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every module file of a crate and the modules it names.
#[derive(Debug)]
struct Graph {
    /// Every module of the crate.
    modules: BTreeSet<ModPath>,
    /// Module file → the module paths it names (resolved to the longest known module).
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

impl Graph {
    fn read(src: &Path) -> Graph {
        let mut files = Vec::new();
        collect(src, src, &mut files);
        let modules: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
        let mut edges = BTreeMap::new();
        for (module, path) in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let here: ModPath = module.clone();
            // `super` of a file module is its parent; of a directory module, the parent too.
            let parent: ModPath = here[..here.len().saturating_sub(1)].to_vec();
            let mut named = BTreeSet::new();
            for raw in paths_in(&strip_tests(&text)) {
                let mut segs: Vec<&str> = raw.split("::").collect();
                let mut base = match segs.first().copied() {
                    Some("crate") => Vec::new(),
                    Some("super") => parent.clone(),
                    Some("self") => here.clone(),
                    _ => continue,
                };
                segs.remove(0);
                while segs.first() == Some(&"super") {
                    base.pop();
                    segs.remove(0);
                }
                base.extend(segs.iter().map(|s| s.to_string()));
                // The longest prefix that is a module of this crate.
                while !base.is_empty() && !modules.contains(&base) {
                    base.pop();
                }
                named.insert(base);
            }
            edges.insert(here, named);
        }
        Graph { modules, edges }
    }

    /// The cycles among the children of each module, as `a -> b -> a` (full paths).
    fn sibling_cycles(&self) -> Vec<String> {
        // parent → (child → children it depends on)
        let mut levels: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for (from, targets) in &self.edges {
            for to in targets {
                let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
                // One is inside the other: a module and its own children.
                if common == from.len() || common == to.len() {
                    continue;
                }
                levels
                    .entry(from[..common].to_vec())
                    .or_default()
                    .entry(from[common].clone())
                    .or_default()
                    .insert(to[common].clone());
            }
        }
        let mut cycles = Vec::new();
        for (parent, deps) in &levels {
            for cycle in find_cycles(deps) {
                let full = |c: &String| {
                    parent
                        .iter()
                        .chain(std::iter::once(c))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("::")
                };
                cycles.push(cycle.iter().map(full).collect::<Vec<_>>().join(" -> "));
            }
        }
        cycles
    }
}

/// One cycle through each strongly connected component of more than one node (or a node
/// naming itself), starting and ending at its smallest node.
fn find_cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut cycles = Vec::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for start in deps.keys() {
        if reported.contains(start) {
            continue;
        }
        // Shortest path back to `start` (breadth first, so the report is short).
        let mut prev: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut found = None;
        while let Some(node) = queue.pop_front() {
            for next in deps.get(node).into_iter().flatten() {
                if next == start {
                    found = Some(node);
                    break;
                }
                if !prev.contains_key(next) && next != start {
                    prev.insert(next, node);
                    queue.push_back(next);
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(mut node) = found {
            let mut cycle = vec![start.clone()];
            let mut back = vec![node.clone()];
            while node != start {
                node = prev[node];
                if node != start {
                    back.push(node.clone());
                }
            }
            back.reverse();
            cycle.extend(back);
            cycle.push(start.clone());
            reported.extend(cycle.iter().cloned());
            cycles.push(cycle);
        }
    }
    cycles
}

/// `(module path, file)` for every `.rs` file below `src`.
fn collect(src: &Path, dir: &Path, out: &mut Vec<(ModPath, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap();
        let mut module: ModPath = rel
            .iter()
            .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let last = module.last().cloned().unwrap_or_default();
        if matches!(last.as_str(), "mod" | "lib" | "main") {
            module.pop();
        }
        // `main.rs` and `bin/` are separate crates that use the library by name.
        if last == "main" || module.first().is_some_and(|m| m == "bin") {
            continue;
        }
        out.push((module, path));
    }
}

/// The text without `#[cfg(test)]` modules (brace-matched) and without comments.
fn strip_tests(text: &str) -> String {
    let text: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = rest[i + "#[cfg(test)]".len()..].trim_start();
        let is_mod = after.starts_with("mod ") || after.starts_with("pub(crate) mod ");
        let open = after.find(['{', ';']);
        match (is_mod, open) {
            (true, Some(o)) if after.as_bytes()[o] == b'{' => {
                rest = &after[closing_brace(after, o).map_or(after.len(), |c| c + 1)..];
            }
            _ => {
                out.push_str("#[cfg(test)]");
                rest = &rest[i + "#[cfg(test)]".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every path starting with `crate`, `super` or `self` that the text names, with `use` trees
/// (`use crate::{a::{b, c}, d}`) expanded into one path per leaf.
fn paths_in(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !is_ident(bytes[i - 1]);
        let start = ["crate::", "super::", "self::"]
            .iter()
            .find(|p| at_word && bytes[i..].starts_with(p.as_bytes()));
        let Some(_) = start else {
            i += 1;
            continue;
        };
        // Read a path, possibly ending in a `{…}` group.
        let mut j = i;
        while j < bytes.len() && (is_ident(bytes[j]) || bytes[j] == b':') {
            j += 1;
        }
        let prefix = text[i..j].trim_end_matches(':').to_string();
        if j < bytes.len() && bytes[j] == b'{' && text[i..j].ends_with("::") {
            let end = closing_brace(text, j).unwrap_or(text.len() - 1);
            for leaf in expand(&text[j + 1..end]) {
                paths.push(if leaf == "self" {
                    prefix.clone()
                } else {
                    format!("{prefix}::{leaf}")
                });
            }
            i = end + 1;
        } else {
            paths.push(prefix);
            i = j.max(i + 1);
        }
    }
    paths
}

/// The index of the `}` that closes the `{` at `open`.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The leaves of a `use` group body: `a::{b, c as d}, e` → `a::b`, `a::c`, `e`.
fn expand(group: &str) -> Vec<String> {
    let mut leaves = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut items = Vec::new();
    for (k, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let Some(open) = item.find('{') {
            let head = item[..open].trim().trim_end_matches("::");
            let inner = &item[open + 1..item.rfind('}').unwrap_or(item.len())];
            for leaf in expand(inner) {
                leaves.push(if leaf == "self" {
                    head.to_string()
                } else {
                    format!("{head}::{leaf}")
                });
            }
        } else {
            let path = item.split(" as ").next().unwrap_or(item).trim();
            leaves.push(path.to_string());
        }
    }
    leaves
}
