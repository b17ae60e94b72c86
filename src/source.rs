//! Input text kept for diagnostics: byte offset → line:column, and for TOML specs the span
//! of every key path (`connectors[0].tables[1].columns[2].type`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// One input file: its path as shown to the user and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Keeps `text` read from `path`.
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        // memchr's vectorised search: `ccfgen check` indexes every file it reports on, and
        // `match_indices('\n')` was ~3 % of its instructions on a large tree.
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        (line as u32 + 1, column as u32)
    }
}

/// Where each key and value of a TOML document is, by key path.
#[derive(Debug, Clone, Default)]
pub struct TomlSpans {
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    key: Option<Range<usize>>,
    value: Range<usize>,
}

impl TomlSpans {
    /// Indexes a TOML document (the caller has already parsed it successfully).
    pub fn index(text: &str) -> Result<TomlSpans, toml::de::Error> {
        let root = DeTable::parse(text)?;
        let mut spans = TomlSpans::default();
        spans.entries.insert(
            String::new(),
            Entry {
                key: None,
                value: root.span(),
            },
        );
        spans.walk_table(String::new(), root.get_ref());
        Ok(spans)
    }

    fn walk_table(&mut self, prefix: String, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.entries.insert(
                path.clone(),
                Entry {
                    key: Some(key.span()),
                    value: value.span(),
                },
            );
            self.walk_value(path, value.get_ref());
        }
    }

    fn walk_value(&mut self, path: String, value: &DeValue<'_>) {
        match value {
            DeValue::Table(table) => self.walk_table(path, table),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    self.entries.insert(
                        item_path.clone(),
                        Entry {
                            key: None,
                            value: item.span(),
                        },
                    );
                    self.walk_value(item_path, item.get_ref());
                }
            }
            _ => {}
        }
    }

    /// The span of the value at `path`, or of the closest ancestor that exists (a default that
    /// was never written points at the table it belongs to).
    pub fn value_span(&self, path: &str) -> Range<usize> {
        self.find(path).map(|e| e.value.clone()).unwrap_or(0..0)
    }

    /// The span of the key at `path` (falling back like [`TomlSpans::value_span`]).
    pub fn key_span(&self, path: &str) -> Range<usize> {
        self.find(path)
            .map(|e| e.key.clone().unwrap_or_else(|| e.value.clone()))
            .unwrap_or(0..0)
    }

    /// Whether `path` was written in the document.
    pub fn contains(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    fn find(&self, path: &str) -> Option<&Entry> {
        let mut path = path;
        loop {
            if let Some(e) = self.entries.get(path) {
                return Some(e);
            }
            path = parent(path)?;
        }
    }
}

/// The parent of a key path: `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("x", "ab\nčd\n".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the two-byte 'č'
    }

    #[test]
    fn spans_by_path_with_fallback() {
        let text = "[solution]\nname = \"x\"\n[[connectors]]\n[[connectors.tables]]\nname = \"T_CL\"\ncolumns = [{ name = \"A\", type = \"string\" }]\n";
        let spans = TomlSpans::index(text).unwrap();
        assert_eq!(&text[spans.value_span("solution.name")], "\"x\"");
        assert_eq!(
            &text[spans.key_span("connectors[0].tables[0].name")],
            "name"
        );
        assert_eq!(
            &text[spans.value_span("connectors[0].tables[0].columns[0].type")],
            "\"string\""
        );
        // A default that is not written falls back to its table's header.
        let s = spans.value_span("connectors[0].tables[0].stream");
        assert_eq!(&text[s], "[[connectors.tables]]");
        assert!(spans.contains("connectors[0].tables[0].columns[0]"));
        assert_eq!(parent("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent("a"), Some(""));
    }
}
