//! The derived DCR transform: what `transformKql` is when the spec does not write one.
//!
//! - `source` when the stream already carries every table column with the table's type;
//! - otherwise `source | extend …` adding `TimeGenerated = now()` when the stream lacks it and
//!   converting columns whose stream type differs from the table type (a `guid` table column
//!   arrives as `string` and becomes `toguid(x)`);
//! - then `| project-away …` of the columns that are only in the stream.

use crate::solution::Table;
use ccfgen_base::ColumnType;

/// The transform for `table` derived from its columns, reading a stream with the declared
/// `stream` columns (the table's own stream columns, or those of the earlier table that
/// declares a shared stream).
pub fn derive(table: &Table, stream: &[(String, ColumnType)]) -> String {
    let mut extend = Vec::new();
    let stream_type = |name: &str| stream.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
    let in_table = |name: &str| table.table_columns().any(|(c, _)| c.name == name);
    for (column, table_type) in table.table_columns() {
        match stream_type(&column.name) {
            None if column.name == "TimeGenerated" => {
                extend.push("TimeGenerated = now()".to_string());
            }
            Some(stream_type)
                if table_type == ColumnType::Guid || table_type.stream_type() != stream_type =>
            {
                let name = quote_identifier(&column.name);
                extend.push(format!("{name} = {}({name})", conversion(table_type)));
            }
            _ => {}
        }
    }
    let away: Vec<String> = stream
        .iter()
        .filter(|(name, _)| !in_table(name))
        .map(|(name, _)| quote_identifier(name))
        .collect();
    let mut kql = String::from("source");
    if !extend.is_empty() {
        kql.push_str(" | extend ");
        kql.push_str(&extend.join(", "));
    }
    if !away.is_empty() {
        kql.push_str(" | project-away ");
        kql.push_str(&away.join(", "));
    }
    kql
}

/// The KQL conversion function producing a table type.
pub fn conversion(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::String => "tostring",
        ColumnType::Int => "toint",
        ColumnType::Long => "tolong",
        ColumnType::Real => "toreal",
        ColumnType::Boolean => "tobool",
        ColumnType::DateTime => "todatetime",
        ColumnType::Dynamic => "parse_json",
        ColumnType::Guid => "toguid",
    }
}

/// A column name as KQL text: bare when the analyser's lexer and keyword tables accept it
/// as a plain name, bracket-quoted otherwise (`['my-field']`, `['startswith']`).
pub fn quote_identifier(name: &str) -> String {
    ccfgen_kql::names::quote_name(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_quoted() {
        assert_eq!(quote_identifier("startswith"), "['startswith']");
        assert_eq!(quote_identifier("first"), "['first']");
        assert_eq!(quote_identifier("date"), "['date']");
        assert_eq!(quote_identifier("time"), "['time']");
        assert_eq!(quote_identifier("Time"), "Time");
        assert_eq!(quote_identifier("_raw"), "_raw");
        assert_eq!(quote_identifier("my-field"), "['my-field']");
        assert_eq!(quote_identifier("it's"), r"['it\'s']");
    }
}
