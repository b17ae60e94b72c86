//! Every column type name ccfgen reads or writes, in one place: the Tables API and DCR stream
//! vocabulary ([`ColumnType`], table [`COLUMN_SPELLINGS`]) and the Kusto vocabulary
//! ([`ScalarType`], table [`KUSTO_SPELLINGS`]).
//!
//! The spec model, `ccfgen check`, the KQL analyser, the push client and the emulator all
//! parse and print type names through these two tables; none of them spells a type name
//! itself.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A column type of a Log Analytics table (Tables API) or of a DCR stream declaration.
///
/// Streams have no `guid` type: a guid table column arrives as [`ColumnType::String`] and
/// the transform converts it ([`ColumnType::stream_type`]); [`ColumnType::parse_stream`]
/// refuses `guid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnType {
    /// `string`
    String,
    /// `int` (32-bit)
    Int,
    /// `long` (64-bit)
    Long,
    /// `real` (64-bit float)
    Real,
    /// `boolean`
    Boolean,
    /// `datetime` (sent as an RFC 3339 string)
    DateTime,
    /// `dynamic` (any JSON value)
    Dynamic,
    /// `guid` (tables only)
    Guid,
}

/// How a spelling in [`COLUMN_SPELLINGS`] is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// The spelling ccfgen writes (lowercase, `boolean`, as existing packages use).
    Written,
    /// The Tables API documentation's own spelling where it differs (`dateTime`).
    TablesApi,
    /// Accepted and common in existing packages, but neither of the above (`bool`).
    Alias,
}

/// The column type names: the first row of each type (in [`ColumnType`] order) is the
/// spelling ccfgen writes. Names are matched ignoring ASCII case when parsing.
pub const COLUMN_SPELLINGS: [(&str, ColumnType, Spelling); 10] = [
    ("string", ColumnType::String, Spelling::Written),
    ("int", ColumnType::Int, Spelling::Written),
    ("long", ColumnType::Long, Spelling::Written),
    ("real", ColumnType::Real, Spelling::Written),
    ("boolean", ColumnType::Boolean, Spelling::Written),
    ("datetime", ColumnType::DateTime, Spelling::Written),
    ("dynamic", ColumnType::Dynamic, Spelling::Written),
    ("guid", ColumnType::Guid, Spelling::Written),
    ("dateTime", ColumnType::DateTime, Spelling::TablesApi),
    ("bool", ColumnType::Boolean, Spelling::Alias),
];

impl ColumnType {
    /// Every table column type, in documentation order.
    pub const ALL: [ColumnType; 8] = [
        ColumnType::String,
        ColumnType::Int,
        ColumnType::Long,
        ColumnType::Real,
        ColumnType::Boolean,
        ColumnType::DateTime,
        ColumnType::Dynamic,
        ColumnType::Guid,
    ];

    /// Every stream column type (all but `guid`, which [`Self::ALL`] lists last), in
    /// documentation order.
    pub const STREAM: &[ColumnType] = ColumnType::ALL.split_at(7).0;

    /// The spelling ccfgen writes (in tables, stream declarations and messages).
    pub const fn as_str(self) -> &'static str {
        COLUMN_SPELLINGS[self as usize].0
    }

    /// The Tables API documentation's spelling (`dateTime`; the others as [`Self::as_str`]).
    pub fn table_api_name(self) -> &'static str {
        COLUMN_SPELLINGS
            .iter()
            .find(|(_, t, s)| *t == self && *s == Spelling::TablesApi)
            .map_or(self.as_str(), |(name, _, _)| name)
    }

    /// Every spelling of this type in [`COLUMN_SPELLINGS`], the written one first.
    pub fn spellings(self) -> impl Iterator<Item = &'static str> {
        COLUMN_SPELLINGS
            .iter()
            .filter(move |(_, t, _)| *t == self)
            .map(|(name, _, _)| *name)
    }

    /// Parses a table column type, ignoring ASCII case (`bool` → boolean, `dateTime` →
    /// datetime).
    pub fn parse_table(name: &str) -> Option<ColumnType> {
        COLUMN_SPELLINGS
            .iter()
            .find(|(spelling, _, _)| spelling.eq_ignore_ascii_case(name))
            .map(|(_, t, _)| *t)
    }

    /// Parses a stream declaration type, ignoring ASCII case: a table type but `guid`.
    pub fn parse_stream(name: &str) -> Option<ColumnType> {
        ColumnType::parse_table(name).filter(|t| t.is_stream_type())
    }

    /// Whether `name` is spelled exactly as ccfgen, the Tables API or existing packages
    /// usually write it (`bool` and `dateTime` included; `String` is not).
    pub fn is_usual_spelling(name: &str) -> bool {
        COLUMN_SPELLINGS
            .iter()
            .any(|(spelling, _, _)| *spelling == name)
    }

    /// Whether a stream declaration may carry this type (every type but `guid`).
    pub const fn is_stream_type(self) -> bool {
        !matches!(self, ColumnType::Guid)
    }

    /// The stream type a sender uses for this table type (streams have no guid: string).
    pub const fn stream_type(self) -> ColumnType {
        match self {
            ColumnType::Guid => ColumnType::String,
            t => t,
        }
    }

    /// The Kusto type a column of this type has in queries.
    pub const fn scalar(self) -> ScalarType {
        match self {
            ColumnType::String => ScalarType::String,
            ColumnType::Int => ScalarType::Int,
            ColumnType::Long => ScalarType::Long,
            ColumnType::Real => ScalarType::Real,
            ColumnType::Boolean => ScalarType::Bool,
            ColumnType::DateTime => ScalarType::DateTime,
            ColumnType::Dynamic => ScalarType::Dynamic,
            ColumnType::Guid => ScalarType::Guid,
        }
    }

    /// The written spellings of `types` for a message: separated by `, `, the last one by
    /// `last` (`", "` or `" or "`).
    pub fn list(types: &[ColumnType], last: &str) -> String {
        let mut out = String::new();
        for (i, t) in types.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == types.len() { last } else { ", " });
            }
            out.push_str(t.as_str());
        }
        out
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Kusto scalar type, as the KQL analyser reports it for output columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScalarType {
    /// `bool` (Tables API `boolean`)
    Bool,
    /// `int` (32-bit)
    Int,
    /// `long` (64-bit)
    Long,
    /// `real` (double)
    Real,
    /// `decimal`
    Decimal,
    /// `string`
    String,
    /// `datetime` (Tables API `dateTime`)
    #[serde(rename = "datetime")]
    DateTime,
    /// `timespan`
    #[serde(rename = "timespan")]
    TimeSpan,
    /// `guid`
    Guid,
    /// `dynamic`
    Dynamic,
    /// The analyser could not determine the type (an error elsewhere).
    Unknown,
}

/// The Kusto type names and aliases: the first ten rows (in [`ScalarType`] order) are the
/// names Kusto reports; the rest are aliases it accepts. Matched exactly (Kusto is case
/// sensitive). `unknown` is not a type name and has no row.
pub const KUSTO_SPELLINGS: [(&str, ScalarType); 27] = [
    ("bool", ScalarType::Bool),
    ("int", ScalarType::Int),
    ("long", ScalarType::Long),
    ("real", ScalarType::Real),
    ("decimal", ScalarType::Decimal),
    ("string", ScalarType::String),
    ("datetime", ScalarType::DateTime),
    ("timespan", ScalarType::TimeSpan),
    ("guid", ScalarType::Guid),
    ("dynamic", ScalarType::Dynamic),
    ("boolean", ScalarType::Bool),
    ("int32", ScalarType::Int),
    ("uint", ScalarType::Int),
    ("uint32", ScalarType::Int),
    ("int8", ScalarType::Int),
    ("uint8", ScalarType::Int),
    ("int16", ScalarType::Int),
    ("uint16", ScalarType::Int),
    ("int64", ScalarType::Long),
    ("ulong", ScalarType::Long),
    ("uint64", ScalarType::Long),
    ("double", ScalarType::Real),
    ("float", ScalarType::Real),
    ("date", ScalarType::DateTime),
    ("time", ScalarType::TimeSpan),
    ("uuid", ScalarType::Guid),
    ("uniqueid", ScalarType::Guid),
];

impl ScalarType {
    /// The Kusto name (`bool`, `datetime`, ...; `unknown` for [`ScalarType::Unknown`]).
    pub const fn kusto_name(self) -> &'static str {
        match self {
            ScalarType::Unknown => "unknown",
            t => KUSTO_SPELLINGS[t as usize].0,
        }
    }

    /// Parses a Kusto type name or alias (`boolean`, `double`, `date`, `int64` ...).
    pub fn from_kusto_name(name: &str) -> Option<ScalarType> {
        KUSTO_SPELLINGS
            .iter()
            .find(|(spelling, _)| *spelling == name)
            .map(|(_, t)| *t)
    }

    /// The table column type of this Kusto type, `None` where tables have no such type.
    pub const fn column_type(self) -> Option<ColumnType> {
        Some(match self {
            ScalarType::Bool => ColumnType::Boolean,
            ScalarType::Int => ColumnType::Int,
            ScalarType::Long => ColumnType::Long,
            ScalarType::Real => ColumnType::Real,
            ScalarType::String => ColumnType::String,
            ScalarType::DateTime => ColumnType::DateTime,
            ScalarType::Guid => ColumnType::Guid,
            ScalarType::Dynamic => ColumnType::Dynamic,
            ScalarType::Decimal | ScalarType::TimeSpan | ScalarType::Unknown => return None,
        })
    }

    /// The Tables API spelling, `None` where the Tables API has no such column type.
    pub fn table_api_name(self) -> Option<&'static str> {
        self.column_type().map(ColumnType::table_api_name)
    }

    /// Parses a Tables API column type (ignoring ASCII case: `string int long real boolean
    /// dateTime guid dynamic`, plus `bool`).
    pub fn from_table_api_name(name: &str) -> Option<ScalarType> {
        ColumnType::parse_table(name).map(ColumnType::scalar)
    }
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kusto_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_rows_follow_the_enum_order() {
        for t in ColumnType::ALL {
            assert_eq!(COLUMN_SPELLINGS[t as usize].1, t);
            assert_eq!(COLUMN_SPELLINGS[t as usize].2, Spelling::Written);
            assert_eq!(ColumnType::parse_table(t.as_str()), Some(t));
        }
        assert_eq!(ColumnType::ALL.len(), ColumnType::STREAM.len() + 1);
        assert!(ColumnType::STREAM.iter().all(|t| t.is_stream_type()));
    }

    #[test]
    fn kusto_rows_follow_the_enum_order() {
        let named = [
            ScalarType::Bool,
            ScalarType::Int,
            ScalarType::Long,
            ScalarType::Real,
            ScalarType::Decimal,
            ScalarType::String,
            ScalarType::DateTime,
            ScalarType::TimeSpan,
            ScalarType::Guid,
            ScalarType::Dynamic,
        ];
        for t in named {
            assert_eq!(KUSTO_SPELLINGS[t as usize].1, t);
            assert_eq!(ScalarType::from_kusto_name(t.kusto_name()), Some(t));
        }
        assert_eq!(ScalarType::from_kusto_name("unknown"), None);
    }

    #[test]
    fn spellings() {
        assert_eq!(ColumnType::parse_table("Bool"), Some(ColumnType::Boolean));
        assert_eq!(
            ColumnType::parse_table("DATETIME"),
            Some(ColumnType::DateTime)
        );
        assert_eq!(ColumnType::parse_stream("guid"), None);
        assert_eq!(ColumnType::parse_table("decimal"), None);
        assert_eq!(ColumnType::DateTime.table_api_name(), "dateTime");
        assert_eq!(ColumnType::Boolean.table_api_name(), "boolean");
        assert!(ColumnType::is_usual_spelling("dateTime"));
        assert!(ColumnType::is_usual_spelling("bool"));
        assert!(!ColumnType::is_usual_spelling("String"));
        assert_eq!(ColumnType::Guid.stream_type(), ColumnType::String);
        let spelled: Vec<_> = ColumnType::DateTime.spellings().collect();
        assert_eq!(spelled, ["datetime", "dateTime"]);
        assert_eq!(ScalarType::from_kusto_name("int64"), Some(ScalarType::Long));
        assert_eq!(ScalarType::TimeSpan.table_api_name(), None);
        assert_eq!(
            ScalarType::from_table_api_name("Bool"),
            Some(ScalarType::Bool)
        );
        assert_eq!(
            ColumnType::list(ColumnType::STREAM, " or "),
            "string, int, long, real, boolean, datetime or dynamic"
        );
    }
}
