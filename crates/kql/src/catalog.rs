//! The bundled catalogue of built-in Log Analytics / Microsoft Sentinel tables (name → columns
//! with their types) and ASIM parser functions (name → parameters and normalized schema).
//!
//! The data is one versioned file, `crates/kql/catalog/catalog.json`, compiled into the
//! library: every table records where its schema comes from (document or repository path and
//! commit) and when it was taken. It serves the query analyser ([`crate::Database::with_catalog`])
//! and anything else that needs a built-in table's schema (for example comparing a transform's
//! output with a `Microsoft-<Table>` destination): [`builtin`]`().table("Syslog")`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::stored_function::StoredFunction;
use crate::{Column, ScalarType};

/// The catalogue file, as bundled.
const CATALOG_JSON: &str = include_str!("../catalog/catalog.json");

/// One built-in table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogTable {
    /// Table name (`Syslog`).
    pub name: String,
    /// Columns in the documented order.
    pub columns: Vec<Column>,
    /// Where the schema comes from (repository path and commit, or document address).
    pub source: String,
    /// When it was taken (`YYYY-MM-DD`).
    pub retrieved: String,
}

/// One built-in function (an ASIM parser or a Sentinel workspace function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFunction {
    /// The declaration the analyser uses: name, parameters and a body producing the schema.
    pub function: StoredFunction,
    /// The ASIM schema it returns, or the table whose schema it has.
    pub schema: String,
    /// Where its parameters and schema come from.
    pub source: String,
}

/// The catalogue: built-in tables and functions, with the data's version.
#[derive(Debug)]
pub struct Catalog {
    /// Version of the bundled data (`YYYY.MM.N`), bumped on every change of `catalog.json`.
    pub version: String,
    tables: Vec<CatalogTable>,
    table_index: HashMap<String, usize>,
    functions: Vec<CatalogFunction>,
    function_index: HashMap<String, usize>,
}

impl Catalog {
    /// A built-in table's columns.
    pub fn table(&self, name: &str) -> Option<&[Column]> {
        self.table_entry(name).map(|t| t.columns.as_slice())
    }

    /// A built-in table with its provenance.
    pub fn table_entry(&self, name: &str) -> Option<&CatalogTable> {
        self.table_index.get(name).map(|&i| &self.tables[i])
    }

    /// A built-in function.
    pub fn function(&self, name: &str) -> Option<&StoredFunction> {
        self.function_entry(name).map(|f| &f.function)
    }

    /// A built-in function with its schema name and provenance.
    pub fn function_entry(&self, name: &str) -> Option<&CatalogFunction> {
        self.function_index.get(name).map(|&i| &self.functions[i])
    }

    /// Every table, in the file's (alphabetical) order.
    pub fn tables(&self) -> &[CatalogTable] {
        &self.tables
    }

    /// Every function, in the file's order.
    pub fn functions(&self) -> &[CatalogFunction] {
        &self.functions
    }

    /// Every table name.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.iter().map(|t| t.name.as_str())
    }
}

#[derive(Deserialize)]
struct FileTable {
    name: String,
    source: String,
    retrieved: String,
    /// `[name, type]` pairs (Kusto type names).
    columns: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct FileFunction {
    name: String,
    parameters: String,
    /// The ASIM schema name, or a table name: the function returns that schema.
    schema: String,
    /// A body of its own (for functions whose result is not just a schema, like
    /// `_GetWatchlist`'s open table); by default an empty table of `schema`.
    #[serde(default)]
    body: Option<String>,
    source: String,
}

#[derive(Deserialize)]
struct FileSchema {
    name: String,
    source: String,
    retrieved: String,
    columns: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct File {
    version: String,
    tables: Vec<FileTable>,
    /// Normalized (ASIM) schemas that functions return.
    #[serde(default)]
    schemas: Vec<FileSchema>,
    functions: Vec<FileFunction>,
}

fn columns(cols: &[(String, String)], what: &str) -> Vec<Column> {
    cols.iter()
        .map(|(n, t)| {
            let ty = ScalarType::from_kusto_name(t)
                .unwrap_or_else(|| panic!("catalog.json: {what}: column {n} has unknown type {t}"));
            Column::new(n.clone(), ty)
        })
        .collect()
}

/// The body of a function returning an empty table of `cols`.
fn schema_body(cols: &[Column]) -> String {
    let decls: Vec<String> = cols
        .iter()
        .map(|c| format!("['{}']:{}", c.name, c.ty.kusto_name()))
        .collect();
    format!("datatable({})[]", decls.join(", "))
}

fn load() -> Catalog {
    let file: File = serde_json::from_str(CATALOG_JSON).expect("catalog.json is valid");
    let mut tables = Vec::new();
    let mut table_index = HashMap::new();
    for t in file.tables {
        let cols = columns(&t.columns, &t.name);
        table_index.insert(t.name.clone(), tables.len());
        tables.push(CatalogTable {
            name: t.name,
            columns: cols,
            source: t.source,
            retrieved: t.retrieved,
        });
    }
    let schemas: HashMap<String, (Vec<Column>, String)> = file
        .schemas
        .into_iter()
        .map(|s| {
            let cols = columns(&s.columns, &s.name);
            (s.name, (cols, format!("{} ({})", s.source, s.retrieved)))
        })
        .collect();
    let mut functions = Vec::new();
    let mut function_index = HashMap::new();
    for f in file.functions {
        let cols = match schemas.get(&f.schema) {
            Some((cols, _)) => cols.as_slice(),
            None => match table_index.get(&f.schema) {
                Some(&i) => tables[i].columns.as_slice(),
                None => panic!(
                    "catalog.json: function {} returns unknown schema {}",
                    f.name, f.schema
                ),
            },
        };
        let body = f.body.clone().unwrap_or_else(|| schema_body(cols));
        function_index.insert(f.name.clone(), functions.len());
        functions.push(CatalogFunction {
            function: StoredFunction::new(f.name, &f.parameters, &body),
            schema: f.schema,
            source: f.source,
        });
    }
    Catalog {
        version: file.version,
        tables,
        table_index,
        functions,
        function_index,
    }
}

/// The bundled catalogue (parsed once per process).
pub fn builtin() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(load)
}
