//! The contract between generated record structs and the push client.

use std::borrow::Cow;

/// A column type in a DCR stream declaration: the workspace's one [`ColumnType`] under the
/// name generated record structs use.
///
/// Streams have no `guid` type: a guid table column arrives as [`StreamType::String`] and
/// the transform converts it; [`ColumnType::parse_stream`] refuses `guid`, and the push
/// client checks a `guid` value as a string.
///
/// [`ColumnType`]: ccfgen_base::ColumnType
/// [`ColumnType::parse_stream`]: ccfgen_base::ColumnType::parse_stream
pub use ccfgen_base::ColumnType as StreamType;

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
