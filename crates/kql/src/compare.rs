//! Comparing a transformation's output columns with the destination table's columns, with the
//! oracle's rules: names are case-sensitive, a `guid` table column accepts `string` output, and
//! table columns that are never produced are listed separately.

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
/// when some output column has no exact match.
pub fn compare_with_table(output: &[Column], table: &[(String, String)]) -> TableComparison {
    let mut result = TableComparison::default();
    // Later duplicates of a name replace earlier ones (like the oracle's Map), order kept.
    let mut cols: Vec<(&str, &str, Option<ScalarType>)> = Vec::with_capacity(table.len());
    let mut exact: FxHashMap<&str, usize> = FxHashMap::default();
    exact.reserve(table.len());
    for (name, ty) in table {
        let kusto = ScalarType::from_table_api_name(ty);
        if kusto.is_none() {
            result.table_problems.push(TableProblem {
                column: name.clone(),
                ty: ty.clone(),
                message: format!("unknown Tables API type '{ty}'"),
            });
        }
        match exact.get(name.as_str()) {
            Some(&i) => cols[i] = (name, ty, kusto),
            None => {
                exact.insert(name, cols.len());
                cols.push((name, ty, kusto));
            }
        }
    }
    // the oracle's lower-case index keeps the last table column of each lower-case name
    let mut lower: Option<FxHashMap<String, usize>> = None;
    let mut produced = vec![false; cols.len()];
    for o in output {
        match exact.get(o.name.as_str()) {
            Some(&i) => {
                produced[i] = true;
                let (_, table_type, kusto) = cols[i];
                let Some(kusto) = kusto else { continue };
                let same = o.ty == kusto || kusto == ScalarType::Guid && o.ty == ScalarType::String;
                if !same {
                    result.mismatch.push(Mismatch::TypeDiffers {
                        name: o.name.clone(),
                        output_type: o.ty,
                        table_type: table_type.to_string(),
                        table_type_as_kusto: kusto,
                    });
                }
            }
            None => {
                let lower = lower.get_or_insert_with(|| {
                    let mut m = FxHashMap::default();
                    m.reserve(cols.len());
                    for (i, c) in cols.iter().enumerate() {
                        m.insert(c.0.to_lowercase(), i);
                    }
                    m
                });
                match lower.get(&o.name.to_lowercase()) {
                    Some(&i) => {
                        produced[i] = true;
                        result.mismatch.push(Mismatch::CaseDiffers {
                            name: o.name.clone(),
                            output_type: o.ty,
                            table_name: cols[i].0.to_string(),
                        });
                    }
                    None => result.mismatch.push(Mismatch::MissingInTable {
                        name: o.name.clone(),
                        output_type: o.ty,
                    }),
                }
            }
        }
    }
    result.table_columns_not_in_output = cols
        .iter()
        .zip(&produced)
        .filter(|(_, p)| !**p)
        .map(|(c, _)| c.0.to_string())
        .collect();
    result
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
        // every column found exactly: no mismatch, nothing left over
        let exact = compare_with_table(&[col("Dup", ScalarType::Long)], &table(&[("Dup", "long")]));
        assert!(exact.mismatch.is_empty() && exact.table_columns_not_in_output.is_empty());
    }
}
