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

/// The checker's type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `real`
    Real,
    /// `decimal`
    Decimal,
    /// `string`
    String,
    /// `datetime`
    DateTime,
    /// `timespan`
    TimeSpan,
    /// `guid`
    Guid,
    /// `dynamic` (shape unknown)
    Dynamic,
    /// `dynamic` known to hold an array
    DynArray,
    /// `dynamic` known to hold a property bag
    DynBag,
    /// `dynamic` known to hold a scalar (`dynamic(1)`)
    DynPrim,
    /// The type is not known (no error reported for it).
    #[default]
    Unknown,
    /// The expression is in error (already reported); suppresses follow-up diagnostics.
    Error,
    /// A `typeof(...)` literal (not a value).
    TypeOf,
    /// A tabular value (not a scalar).
    Table,
}

impl Ty {
    /// Parses a Kusto type name or alias.
    pub fn from_kusto_name(name: &str) -> Option<Ty> {
        ScalarType::from_kusto_name(name).map(Ty::from_public)
    }

    /// The public type (dynamic shapes collapse to `dynamic`, errors to `unknown`).
    pub fn public(self) -> ScalarType {
        match self {
            Ty::Bool => ScalarType::Bool,
            Ty::Int => ScalarType::Int,
            Ty::Long => ScalarType::Long,
            Ty::Real => ScalarType::Real,
            Ty::Decimal => ScalarType::Decimal,
            Ty::String => ScalarType::String,
            Ty::DateTime => ScalarType::DateTime,
            Ty::TimeSpan => ScalarType::TimeSpan,
            Ty::Guid => ScalarType::Guid,
            Ty::Dynamic | Ty::DynArray | Ty::DynBag | Ty::DynPrim => ScalarType::Dynamic,
            Ty::Unknown | Ty::Error | Ty::TypeOf | Ty::Table => ScalarType::Unknown,
        }
    }

    /// The internal type of a public one.
    pub fn from_public(t: ScalarType) -> Ty {
        match t {
            ScalarType::Bool => Ty::Bool,
            ScalarType::Int => Ty::Int,
            ScalarType::Long => Ty::Long,
            ScalarType::Real => Ty::Real,
            ScalarType::Decimal => Ty::Decimal,
            ScalarType::String => Ty::String,
            ScalarType::DateTime => Ty::DateTime,
            ScalarType::TimeSpan => Ty::TimeSpan,
            ScalarType::Guid => Ty::Guid,
            ScalarType::Dynamic => Ty::Dynamic,
            ScalarType::Unknown => Ty::Unknown,
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
        matches!(self, Ty::Dynamic | Ty::DynArray | Ty::DynBag | Ty::DynPrim)
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
        matches!(self, Ty::Int | Ty::Long | Ty::Unknown)
    }

    /// `int`, `long`, `real`, `decimal` (and `unknown`).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Ty::Int | Ty::Long | Ty::Real | Ty::Decimal | Ty::Unknown
        )
    }

    /// Numbers, `datetime`, `timespan` (and `unknown`).
    pub fn is_summable(self) -> bool {
        self.is_numeric() || matches!(self, Ty::DateTime | Ty::TimeSpan)
    }

    /// Summable types plus `bool` and `string`.
    pub fn is_orderable(self) -> bool {
        self.is_summable() || matches!(self, Ty::Bool | Ty::String)
    }

    /// True if `self` is strictly wider than `other` (Kusto's promotion order).
    pub fn is_wider_than(self, other: Ty) -> bool {
        match self {
            Ty::Long => other == Ty::Int,
            Ty::Real => matches!(other, Ty::Int | Ty::Long),
            Ty::Decimal => matches!(other, Ty::Int | Ty::Long | Ty::Real),
            Ty::String => other == Ty::Dynamic,
            _ => false,
        }
    }

    /// `self` can be promoted to `target` (int→long→real→decimal; array/bag→dynamic).
    pub fn promotable_to(self, target: Ty) -> bool {
        target.is_wider_than(self)
            || matches!(self, Ty::DynArray | Ty::DynBag) && target == Ty::Dynamic
    }

    /// `int` becomes `long` (Kusto's arithmetic result promotion).
    pub fn promote_to_long(self) -> Ty {
        if self == Ty::Int { Ty::Long } else { self }
    }
}
