//! Comparing a transformation's output columns with the destination table's columns, with the
//! oracle's rules: names are case-sensitive, a `guid` table column accepts `string` output, and
//! table columns that are never produced are listed separately.

use std::sync::OnceLock;

use serde::Serialize;

use crate::Column;
use crate::fxhash::FxHashMap;
use crate::types::ScalarType;

/// How an output column disagrees with the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// No table column of that name (not even with different case).
    MissingInTable {
        /// Output column name.
        name: String,
        /// Output column type.
        #[serde(rename = "outputType")]
        output_type: ScalarType,
    },
    /// A table column has the same name in a different letter case.
    CaseDiffers {
        /// Output column name.
        name: String,
        /// Output column type.
        #[serde(rename = "outputType")]
        output_type: ScalarType,
        /// The table column's name.
        #[serde(rename = "tableName")]
        table_name: String,
    },
    /// Same name, different Kusto type.
    TypeDiffers {
        /// Column name.
        name: String,
        /// Output column type.
        #[serde(rename = "outputType")]
        output_type: ScalarType,
        /// The table column type as written.
        #[serde(rename = "tableType")]
        table_type: String,
        /// The table column type as a Kusto type.
        #[serde(rename = "tableTypeAsKusto")]
        table_type_as_kusto: ScalarType,
    },
}

impl Mismatch {
    /// The output column concerned.
    pub fn name(&self) -> &str {
        match self {
            Mismatch::MissingInTable { name, .. }
            | Mismatch::CaseDiffers { name, .. }
            | Mismatch::TypeDiffers { name, .. } => name,
        }
    }
}

/// A table column whose Tables API type is not known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableProblem {
    /// Column name.
    pub column: String,
    /// The type as written.
    #[serde(rename = "type")]
    pub ty: String,
    /// Explanation.
    pub message: String,
}

/// Result of [`compare_with_table`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableComparison {
    /// Output columns that do not match the table, in output order.
    pub mismatch: Vec<Mismatch>,
    /// Table columns the output does not produce, in table order.
    #[serde(rename = "tableColumnsNotInOutput")]
    pub table_columns_not_in_output: Vec<String>,
    /// Table columns with an unknown type.
    #[serde(rename = "tableProblems", skip_serializing_if = "Vec::is_empty")]
    pub table_problems: Vec<TableProblem>,
}

/// Compares output columns with a table's `(name, Tables API type)` columns.
///
/// Names are looked up in hash maps (a built-in destination has hundreds of columns, and a
/// stream routed to it may carry as many that it lacks); the lower-case index is built only
/// when some output column has no exact match. To compare many outputs with one table, prepare
/// it once: [`DestinationTable::compare`].
pub fn compare_with_table(output: &[Column], table: &[(String, String)]) -> TableComparison {
    DestinationTable::new(table.to_vec()).compare(output)
}

/// A destination table's `(name, Tables API type)` columns, prepared for comparisons with
/// many outputs: its name index is built on the first comparison and kept, and the
/// lower-case one on the first output column without an exact match. Shareable between
/// threads.
#[derive(Debug, Default)]
pub struct DestinationTable {
    columns: Vec<(String, String)>,
    index: OnceLock<Index>,
    lower: OnceLock<FxHashMap<Box<[u8]>, u32>>,
}

/// The distinct names of a table (later duplicates of a name replace earlier ones, like the
/// oracle's Map, in the place of the first).
#[derive(Debug)]
struct Index {
    /// Per distinct name, in order of first appearance: the column that counts (the last of
    /// that name), the first column of that name, and its Kusto type (`None`: unknown).
    cols: Vec<(u32, u32, Option<ScalarType>)>,
    /// Name → position in `cols`.
    exact: FxHashMap<String, u32>,
    /// Columns with an unknown type, in table order.
    problems: Vec<TableProblem>,
}

/// How an output column disagrees with the table, by index ([`Mismatch`] without names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnMismatch {
    /// No table column of that name (not even with different case).
    MissingInTable,
    /// A table column has the same name in a different letter case.
    CaseDiffers {
        /// The table column's index in [`DestinationTable::columns`].
        table_column: usize,
    },
    /// Same name, different Kusto type.
    TypeDiffers {
        /// The table column's index in [`DestinationTable::columns`] (of a name written
        /// several times, the last one, whose type counts).
        table_column: usize,
        /// The table column type as a Kusto type.
        table_type_as_kusto: ScalarType,
    },
}

/// The result of [`DestinationTable::compare_indexed`]: [`TableComparison`] with columns named
/// by their indexes (nothing copied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedComparison {
    /// Output columns that do not match the table, in output order: the output column's
    /// index and how it disagrees.
    pub mismatch: Vec<(usize, ColumnMismatch)>,
    /// Table columns the output does not produce, in table order: per distinct name, the
    /// index of its first column in [`DestinationTable::columns`].
    pub not_in_output: Vec<usize>,
}

impl DestinationTable {
    /// A table with these `(name, Tables API type)` columns.
    pub fn new(columns: Vec<(String, String)>) -> DestinationTable {
        DestinationTable {
            columns,
            ..DestinationTable::default()
        }
    }

    /// The columns as given.
    pub fn columns(&self) -> &[(String, String)] {
        &self.columns
    }

    /// Whether a column has exactly this name.
    pub fn has_column(&self, name: &str) -> bool {
        self.index().exact.contains_key(name)
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index {
                cols: Vec::with_capacity(self.columns.len()),
                exact: FxHashMap::default(),
                problems: Vec::new(),
            };
            index.exact.reserve(self.columns.len());
            for (i, (name, ty)) in self.columns.iter().enumerate() {
                let kusto = ScalarType::from_table_api_name(ty);
                if kusto.is_none() {
                    index.problems.push(TableProblem {
                        column: name.clone(),
                        ty: ty.clone(),
                        message: format!("unknown Tables API type '{ty}'"),
                    });
                }
                match index.exact.get(name.as_str()) {
                    Some(&c) => {
                        let first = index.cols[c as usize].1;
                        index.cols[c as usize] = (i as u32, first, kusto);
                    }
                    None => {
                        index.exact.insert(name.clone(), index.cols.len() as u32);
                        index.cols.push((i as u32, i as u32, kusto));
                    }
                }
            }
            index
        })
    }

    /// The oracle's lower-case index: the last distinct name of each lower-case name.
    fn lower(&self, index: &Index) -> &FxHashMap<Box<[u8]>, u32> {
        self.lower.get_or_init(|| {
            let mut m = FxHashMap::default();
            m.reserve(index.cols.len());
            for (c, &(i, _, _)) in index.cols.iter().enumerate() {
                let lower = self.columns[i as usize].0.to_lowercase();
                m.insert(lower.into_bytes().into_boxed_slice(), c as u32);
            }
            m
        })
    }

    /// Compares output columns with the table ([`compare_with_table`]).
    pub fn compare(&self, output: &[Column]) -> TableComparison {
        let (mismatch, produced) = self.matches(output);
        let index = self.index();
        let mismatch = mismatch
            .into_iter()
            .map(|(o, m)| {
                let (name, output_type) = (output[o].name.clone(), output[o].ty);
                match m {
                    ColumnMismatch::MissingInTable => {
                        Mismatch::MissingInTable { name, output_type }
                    }
                    ColumnMismatch::CaseDiffers { table_column } => Mismatch::CaseDiffers {
                        name,
                        output_type,
                        table_name: self.columns[table_column].0.clone(),
                    },
                    ColumnMismatch::TypeDiffers {
                        table_column,
                        table_type_as_kusto,
                    } => Mismatch::TypeDiffers {
                        name,
                        output_type,
                        table_type: self.columns[table_column].1.clone(),
                        table_type_as_kusto,
                    },
                }
            })
            .collect();
        TableComparison {
            mismatch,
            table_columns_not_in_output: index
                .cols
                .iter()
                .zip(&produced)
                .filter(|(_, p)| !**p)
                .map(|(&(i, _, _), _)| self.columns[i as usize].0.clone())
                .collect(),
            table_problems: index.problems.clone(),
        }
    }

    /// Compares output columns with the table, naming the table columns not produced by
    /// their index (no table problems: see [`DestinationTable::compare`]).
    pub fn compare_indexed(&self, output: &[Column]) -> IndexedComparison {
        let (mismatch, produced) = self.matches(output);
        IndexedComparison {
            mismatch,
            not_in_output: self
                .index()
                .cols
                .iter()
                .zip(&produced)
                .filter(|(_, p)| !**p)
                .map(|(&(_, first, _), _)| first as usize)
                .collect(),
        }
    }

    /// The mismatches, and per distinct table name whether the output produces it.
    fn matches(&self, output: &[Column]) -> (Vec<(usize, ColumnMismatch)>, Vec<bool>) {
        let index = self.index();
        let mut mismatch = Vec::new();
        let mut produced = vec![false; index.cols.len()];
        for (n, o) in output.iter().enumerate() {
            match index.exact.get(o.name.as_str()) {
                Some(&c) => {
                    produced[c as usize] = true;
                    let (i, _, kusto) = index.cols[c as usize];
                    let Some(kusto) = kusto else { continue };
                    let same =
                        o.ty == kusto || kusto == ScalarType::Guid && o.ty == ScalarType::String;
                    if !same {
                        mismatch.push((
                            n,
                            ColumnMismatch::TypeDiffers {
                                table_column: i as usize,
                                table_type_as_kusto: kusto,
                            },
                        ));
                    }
                }
                None => match lower_get(self.lower(index), &o.name) {
                    Some(c) => {
                        produced[c as usize] = true;
                        let i = index.cols[c as usize].0;
                        mismatch.push((
                            n,
                            ColumnMismatch::CaseDiffers {
                                table_column: i as usize,
                            },
                        ));
                    }
                    None => mismatch.push((n, ColumnMismatch::MissingInTable)),
                },
            }
        }
        (mismatch, produced)
    }
}

/// The entry of `name`'s lower-case form (`str::to_lowercase`; a short ASCII name is lowered
/// on the stack).
fn lower_get(lower: &FxHashMap<Box<[u8]>, u32>, name: &str) -> Option<u32> {
    let mut buf = [0u8; 64];
    match buf.get_mut(..name.len()) {
        Some(short) if name.is_ascii() => {
            short.copy_from_slice(name.as_bytes());
            short.make_ascii_lowercase();
            lower.get(&*short).copied()
        }
        _ => lower.get(name.to_lowercase().as_bytes()).copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: ScalarType) -> Column {
        Column {
            name: name.into(),
            ty,
        }
    }

    fn table(cols: &[(&str, &str)]) -> Vec<(String, String)> {
        cols.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn kinds_of_mismatch() {
        let out = [
            col("TimeGenerated", ScalarType::DateTime),
            col("code", ScalarType::Int),
            col("Id", ScalarType::String),
            col("Extra", ScalarType::Dynamic),
            col("Elapsed", ScalarType::TimeSpan),
        ];
        let t = table(&[
            ("TimeGenerated", "dateTime"),
            ("Code", "int"),
            ("Id", "guid"),
            ("Elapsed", "string"),
            ("Severity", "string"),
            ("Odd", "float"),
        ]);
        let r = compare_with_table(&out, &t);
        assert_eq!(
            r.mismatch,
            vec![
                Mismatch::CaseDiffers {
                    name: "code".into(),
                    output_type: ScalarType::Int,
                    table_name: "Code".into()
                },
                Mismatch::MissingInTable {
                    name: "Extra".into(),
                    output_type: ScalarType::Dynamic
                },
                Mismatch::TypeDiffers {
                    name: "Elapsed".into(),
                    output_type: ScalarType::TimeSpan,
                    table_type: "string".into(),
                    table_type_as_kusto: ScalarType::String
                },
            ]
        );
        assert_eq!(
            r.table_columns_not_in_output,
            vec!["Severity".to_string(), "Odd".to_string()]
        );
        assert_eq!(r.table_problems.len(), 1);
    }

    #[test]
    fn duplicates_and_case_follow_the_oracle() {
        // a duplicate table column keeps its place and takes the later type; of two columns
        // differing only in case, a case-insensitive match names the later one
        let out = [
            col("Dup", ScalarType::Long),
            col("code", ScalarType::Int),
            col("NoSuch", ScalarType::String),
        ];
        let t = table(&[
            ("Dup", "int"),
            ("Code", "int"),
            ("CODE", "int"),
            ("Dup", "long"),
            ("Last", "string"),
        ]);
        let r = compare_with_table(&out, &t);
        assert_eq!(
            r.mismatch,
            vec![
                Mismatch::CaseDiffers {
                    name: "code".into(),
                    output_type: ScalarType::Int,
                    table_name: "CODE".into()
                },
                Mismatch::MissingInTable {
                    name: "NoSuch".into(),
                    output_type: ScalarType::String
                },
            ]
        );
        assert_eq!(
            r.table_columns_not_in_output,
            vec!["Code".to_string(), "Last".to_string()]
        );
        // the same with indexes: the first column of each name not produced
        let prepared = DestinationTable::new(t.clone());
        let indexed = prepared.compare_indexed(&out);
        assert_eq!(
            indexed.mismatch,
            vec![
                (1, ColumnMismatch::CaseDiffers { table_column: 2 }),
                (2, ColumnMismatch::MissingInTable)
            ]
        );
        assert_eq!(indexed.not_in_output, vec![1, 4]);
        assert_eq!(prepared.compare(&out), r);
        assert!(prepared.has_column("Dup") && !prepared.has_column("dup"));
        // lower case beyond ASCII, and names longer than the stack buffer
        let long = "A".repeat(70);
        let r = compare_with_table(
            &[
                col("ÉTAT", ScalarType::String),
                col(&long, ScalarType::String),
            ],
            &table(&[("état", "string"), (&long.to_lowercase(), "string")]),
        );
        assert_eq!(
            r.mismatch,
            vec![
                Mismatch::CaseDiffers {
                    name: "ÉTAT".into(),
                    output_type: ScalarType::String,
                    table_name: "état".into()
                },
                Mismatch::CaseDiffers {
                    name: long.clone(),
                    output_type: ScalarType::String,
                    table_name: long.to_lowercase()
                },
            ]
        );
        // every column found exactly: no mismatch, nothing left over
        let exact = compare_with_table(&[col("Dup", ScalarType::Long)], &table(&[("Dup", "long")]));
        assert!(exact.mismatch.is_empty() && exact.table_columns_not_in_output.is_empty());
    }
}
