//! What a full query (analytic rule, hunting query, workbook query, parser body, connector page
//! query) can reference: named tables with their columns and stored functions (parsers), plus
//! optionally the bundled catalogue of built-in tables and ASIM functions ([`crate::catalog`]).

use std::collections::HashMap;

use crate::Column;
use crate::stored_function::StoredFunction;

/// Tables and stored functions for [`crate::analyze_query`]. Names are case-sensitive, like
/// Kusto's. With [`Database::with_catalog`], names not declared here are looked up in the
/// bundled catalogue of built-in tables and ASIM functions.
#[derive(Debug, Clone, Default)]
pub struct Database {
    tables: Vec<(String, Vec<Column>)>,
    table_index: HashMap<String, usize>,
    functions: Vec<StoredFunction>,
    function_index: HashMap<String, usize>,
    catalog: bool,
}

impl Database {
    /// An empty database (no catalogue).
    pub fn new() -> Database {
        Database::default()
    }

    /// An empty database that falls back to the bundled catalogue ([`crate::catalog`]).
    pub fn with_catalog() -> Database {
        Database {
            catalog: true,
            ..Database::default()
        }
    }

    /// Whether names not declared here are looked up in the catalogue.
    pub fn uses_catalog(&self) -> bool {
        self.catalog
    }

    /// Declares (or replaces) a table.
    pub fn add_table(&mut self, name: impl Into<String>, columns: Vec<Column>) {
        let name = name.into();
        match self.table_index.get(&name) {
            Some(&i) => self.tables[i].1 = columns,
            None => {
                self.table_index.insert(name.clone(), self.tables.len());
                self.tables.push((name, columns));
            }
        }
    }

    /// Declares (or replaces) a stored function.
    pub fn add_function(&mut self, function: StoredFunction) {
        match self.function_index.get(&function.name) {
            Some(&i) => self.functions[i] = function,
            None => {
                self.function_index
                    .insert(function.name.clone(), self.functions.len());
                self.functions.push(function);
            }
        }
    }

    /// The columns of a table declared here or, with the catalogue, built in.
    pub fn table(&self, name: &str) -> Option<&[Column]> {
        match self.table_index.get(name) {
            Some(&i) => Some(&self.tables[i].1),
            None if self.catalog => crate::catalog::builtin().table(name),
            None => None,
        }
    }

    /// A stored function declared here or, with the catalogue, built in.
    pub fn function(&self, name: &str) -> Option<&StoredFunction> {
        match self.function_index.get(name) {
            Some(&i) => Some(&self.functions[i]),
            None if self.catalog => crate::catalog::builtin().function(name),
            None => None,
        }
    }

    /// The tables declared here (not the catalogue's), in declaration order.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &[Column])> {
        self.tables.iter().map(|(n, c)| (n.as_str(), c.as_slice()))
    }

    /// The functions declared here (not the catalogue's), in declaration order.
    pub fn functions(&self) -> impl Iterator<Item = &StoredFunction> {
        self.functions.iter()
    }

    /// True if `name` is a table or function of this database (or the catalogue).
    pub fn knows(&self, name: &str) -> bool {
        self.table(name).is_some() || self.function(name).is_some()
    }

    /// Every table name visible (declared and catalogue), for wildcard `union`/`search`.
    pub(crate) fn all_table_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tables.iter().map(|(n, _)| n.as_str()).collect();
        if self.catalog {
            for n in crate::catalog::builtin().table_names() {
                if !self.table_index.contains_key(n) {
                    names.push(n);
                }
            }
        }
        names
    }
}
