//! Scalar types: the checker's internal [`Ty`] (which also knows dynamic arrays/bags,
//! `unknown` and the error type) over the public [`ScalarType`], and how a DCR stream
//! declaration's type name maps to Kusto. Type names themselves are spelled only in
//! [`ccfgen_base::types`].

pub use ccfgen_base::{ColumnType, ScalarType};

/// How a DCR stream declaration type name maps to Kusto (mirrors the oracle's rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamType {
    /// One of the documented stream types (`string int long real boolean dynamic datetime`,
    /// case-insensitive, also `bool`).
    Documented(ScalarType),
    /// `guid`: mapped to Kusto `guid` but not a documented stream type.
    Undocumented(ScalarType),
    /// Another Kusto type name (`timespan`, `decimal`, `double` ...): accepted but not a stream type.
    KustoOnly(ScalarType),
    /// Not a type name: the column is declared `dynamic`.
    Unknown,
}

impl StreamType {
    /// Classifies a stream declaration type name.
    pub fn parse(name: &str) -> StreamType {
        match ColumnType::parse_table(name) {
            Some(t) if t.is_stream_type() && name.eq_ignore_ascii_case(t.as_str()) => {
                StreamType::Documented(t.scalar())
            }
            Some(t) => StreamType::Undocumented(t.scalar()),
            None => match ScalarType::from_kusto_name(&name.to_ascii_lowercase()) {
                Some(t) => StreamType::KustoOnly(t),
                None => StreamType::Unknown,
            },
        }
    }

    /// The Kusto type the column gets.
    pub fn scalar(&self) -> ScalarType {
        match self {
            StreamType::Documented(t) | StreamType::Undocumented(t) | StreamType::KustoOnly(t) => {
                *t
            }
            StreamType::Unknown => ScalarType::Dynamic,
        }
    }
}

/// The checker's type of an expression: a public [`ScalarType`] or one of the shapes only
/// the checker knows (dynamic arrays, bags and scalars, errors, `typeof` literals, tables).
/// The scalar types are spelled as constants ([`Ty::BOOL`] ... [`Ty::UNKNOWN`]), usable in
/// patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A public scalar type (`dynamic` with its shape unknown, `unknown` included).
    Scalar(ScalarType),
    /// `dynamic` known to hold an array
    DynArray,
    /// `dynamic` known to hold a property bag
    DynBag,
    /// `dynamic` known to hold a scalar (`dynamic(1)`)
    DynPrim,
    /// The expression is in error (already reported); suppresses follow-up diagnostics.
    Error,
    /// A `typeof(...)` literal (not a value).
    TypeOf,
    /// A tabular value (not a scalar).
    Table,
}

impl Default for Ty {
    /// [`Ty::UNKNOWN`].
    fn default() -> Ty {
        Ty::UNKNOWN
    }
}

impl Ty {
    /// `bool`
    pub const BOOL: Ty = Ty::Scalar(ScalarType::Bool);
    /// `int`
    pub const INT: Ty = Ty::Scalar(ScalarType::Int);
    /// `long`
    pub const LONG: Ty = Ty::Scalar(ScalarType::Long);
    /// `real`
    pub const REAL: Ty = Ty::Scalar(ScalarType::Real);
    /// `decimal`
    pub const DECIMAL: Ty = Ty::Scalar(ScalarType::Decimal);
    /// `string`
    pub const STRING: Ty = Ty::Scalar(ScalarType::String);
    /// `datetime`
    pub const DATETIME: Ty = Ty::Scalar(ScalarType::DateTime);
    /// `timespan`
    pub const TIMESPAN: Ty = Ty::Scalar(ScalarType::TimeSpan);
    /// `guid`
    pub const GUID: Ty = Ty::Scalar(ScalarType::Guid);
    /// `dynamic` (shape unknown)
    pub const DYNAMIC: Ty = Ty::Scalar(ScalarType::Dynamic);
    /// The type is not known (no error reported for it).
    pub const UNKNOWN: Ty = Ty::Scalar(ScalarType::Unknown);

    /// Parses a Kusto type name or alias.
    pub fn from_kusto_name(name: &str) -> Option<Ty> {
        ScalarType::from_kusto_name(name).map(Ty::Scalar)
    }

    /// The public type (dynamic shapes collapse to `dynamic`, errors to `unknown`).
    pub fn public(self) -> ScalarType {
        match self {
            Ty::Scalar(t) => t,
            Ty::DynArray | Ty::DynBag | Ty::DynPrim => ScalarType::Dynamic,
            Ty::Error | Ty::TypeOf | Ty::Table => ScalarType::Unknown,
        }
    }

    /// Kusto's display name, used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Error => "error",
            Ty::TypeOf => "type",
            Ty::Table => "table",
            t => t.public().kusto_name(),
        }
    }

    /// Any of the dynamic shapes.
    pub fn is_dynamic(self) -> bool {
        matches!(self, Ty::DYNAMIC | Ty::DynArray | Ty::DynBag | Ty::DynPrim)
    }

    /// A scalar value (everything but errors and tables; Kusto's `type` is a scalar too).
    pub fn is_scalar(self) -> bool {
        !matches!(self, Ty::Error | Ty::Table)
    }

    /// A non-dynamic scalar (Kusto's primitive symbols, `unknown` included).
    pub fn is_primitive(self) -> bool {
        self.is_scalar() && !self.is_dynamic()
    }

    /// `int` or `long` (and `unknown`, which Kusto treats as any type).
    pub fn is_integer(self) -> bool {
        matches!(self, Ty::INT | Ty::LONG | Ty::UNKNOWN)
    }

    /// `int`, `long`, `real`, `decimal` (and `unknown`).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Ty::INT | Ty::LONG | Ty::REAL | Ty::DECIMAL | Ty::UNKNOWN
        )
    }

    /// Numbers, `datetime`, `timespan` (and `unknown`).
    pub fn is_summable(self) -> bool {
        self.is_numeric() || matches!(self, Ty::DATETIME | Ty::TIMESPAN)
    }

    /// Summable types plus `bool` and `string`.
    pub fn is_orderable(self) -> bool {
        self.is_summable() || matches!(self, Ty::BOOL | Ty::STRING)
    }

    /// True if `self` is strictly wider than `other` (Kusto's promotion order).
    pub fn is_wider_than(self, other: Ty) -> bool {
        match self {
            Ty::LONG => other == Ty::INT,
            Ty::REAL => matches!(other, Ty::INT | Ty::LONG),
            Ty::DECIMAL => matches!(other, Ty::INT | Ty::LONG | Ty::REAL),
            Ty::STRING => other == Ty::DYNAMIC,
            _ => false,
        }
    }

    /// `self` can be promoted to `target` (int→long→real→decimal; array/bag→dynamic).
    pub fn promotable_to(self, target: Ty) -> bool {
        target.is_wider_than(self)
            || matches!(self, Ty::DynArray | Ty::DynBag) && target == Ty::DYNAMIC
    }

    /// `int` becomes `long` (Kusto's arithmetic result promotion).
    pub fn promote_to_long(self) -> Ty {
        if self == Ty::INT { Ty::LONG } else { self }
    }
}
