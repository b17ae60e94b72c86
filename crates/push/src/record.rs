//! The contract between generated record structs and the push client.

use std::borrow::Cow;
use std::fmt;

/// A column type in a DCR stream declaration.
///
/// Streams have no `guid` type: a guid table column arrives as [`StreamType::String`] and
/// the transform converts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamType {
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
}

impl StreamType {
    /// The spelling used in DCR `streamDeclarations`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StreamType::String => "string",
            StreamType::Int => "int",
            StreamType::Long => "long",
            StreamType::Real => "real",
            StreamType::Boolean => "boolean",
            StreamType::DateTime => "datetime",
            StreamType::Dynamic => "dynamic",
        }
    }

    /// Parses a stream type name, case-insensitively (`bool` is accepted for `boolean`).
    pub fn parse(name: &str) -> Option<StreamType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => StreamType::String,
            "int" => StreamType::Int,
            "long" => StreamType::Long,
            "real" => StreamType::Real,
            "boolean" | "bool" => StreamType::Boolean,
            "datetime" => StreamType::DateTime,
            "dynamic" => StreamType::Dynamic,
            _ => return None,
        })
    }
}

impl fmt::Display for StreamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of a stream declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column name exactly as declared (the JSON property name on the wire).
    pub name: Cow<'static, str>,
    /// The declared stream type.
    pub ty: StreamType,
    /// Whether every record must carry a non-null value for this column.
    pub required: bool,
}

impl Column {
    /// A column with a static name, usable in `const` context (generated code uses this).
    pub const fn new(name: &'static str, ty: StreamType, required: bool) -> Column {
        Column {
            name: Cow::Borrowed(name),
            ty,
            required,
        }
    }
}

/// A record type that belongs to one DCR stream.
///
/// `ccfgen` generates one struct per stream and implements this trait for it.
pub trait Record: serde::Serialize {
    /// The stream declaration name, e.g. `Custom-cveBusterVulnerabilities`.
    const STREAM: &'static str;
    /// The stream's columns in declaration order.
    const COLUMNS: &'static [Column];
}
