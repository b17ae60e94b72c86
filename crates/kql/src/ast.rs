//! The syntax tree produced by the parser. Every node carries its byte span; expressions and
//! operators carry an id the checker uses to record what it resolved them to.

use std::ops::Range;

use crate::types::Ty;

/// Byte range into the query text.
pub type Span = Range<usize>;

/// A parsed query: its statements in order.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Statements separated by `;` (the last expression statement is the result).
    pub statements: Vec<Stmt>,
    /// Number of expression/operator ids handed out (for side tables in the checker).
    pub node_count: u32,
}

/// How a name was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `Computer`
    Plain,
    /// `['my col']` / `["x"]`
    Bracketed,
    /// A keyword used where a name belongs; the parser already reported it (KS228).
    Keyword,
    /// Absent (the parser reported a missing name).
    Missing,
}

/// A name as written in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name's value (brackets and quotes removed).
    pub text: String,
    /// Span of the whole name (including brackets).
    pub span: Span,
    /// How it was written.
    pub kind: NameKind,
}

/// A scalar type as written in a declaration (`x:int`, `datatable(a:string)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// The resolved type (`Unknown` if the name is not a Kusto type).
    pub ty: Ty,
    /// The text as written.
    pub text: String,
    /// Span of the type name.
    pub span: Span,
}

/// Literal values (only what the checker needs: type, and the value where names or constant
/// arguments depend on it).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true`, `bool(x)`
    Bool,
    /// `int(1)`
    Int,
    /// `1`, `0x10`, `long(1)`; the value when it is a plain number.
    Long(Option<i64>),
    /// `1.5`
    Real,
    /// `decimal(1)`
    Decimal,
    /// `datetime(...)`
    DateTime,
    /// `1d`, `time(...)`
    TimeSpan,
    /// `guid(...)`
    Guid,
    /// String literal(s); adjacent literals are concatenated.
    String(String),
}

/// Shape of a `dynamic(...)` literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynShape {
    /// `dynamic([...])`
    Array,
    /// `dynamic({...})`
    Bag,
    /// `dynamic(1)`, `dynamic("x")`
    Scalar,
    /// `dynamic(null)`
    Null,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Minus,
    /// `+x`
    Plus,
}

/// Binary operators (arithmetic, comparison, logical and string operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=` / `<>`
    Ne,
    /// `and`
    And,
    /// `or`
    Or,
    /// `=~`, `!~`, `has`, `contains`, `matches regex`, `like` ... (the operator text says which)
    Str(StrOp),
}

/// String operators, which all share the same signatures apart from the right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrOp {
    /// `has`-family: the right operand must be a string (not dynamic).
    StringRhs,
    /// `contains`, `startswith`, `=~`, `matches regex`, `like` ...: string or dynamic operands.
    Any,
}

/// `in`-style list operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    /// `in`
    In,
    /// `!in`
    NotIn,
    /// `in~`
    InCi,
    /// `!in~`
    NotInCi,
    /// `has_any`
    HasAny,
    /// `has_all`
    HasAll,
}

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Node id (index into the checker's side tables).
    pub id: u32,
    /// Byte span.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind,
}

/// Expression kinds, scalar and tabular (KQL does not separate them syntactically).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// Missing expression (the parser reported it).
    Missing,
    /// A name: column, variable, table or zero-argument function.
    Name(Name),
    /// A literal.
    Literal(Literal),
    /// `dynamic(...)`
    Dynamic(DynShape),
    /// `typeof(long)`
    TypeOf(Ty),
    /// `( expr )`
    Paren(Box<Expr>),
    /// `*`
    Star,
    /// `-x`, `+x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Span of the operator token.
        op_span: Span,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a op b`
    Binary {
        /// The operator.
        op: BinOp,
        /// The operator text, whitespace-normalised (`matches regex`, `!contains`).
        op_text: String,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `a in (x, y)`, `a has_any (...)`
    List {
        /// The operator.
        op: ListOp,
        /// The operator text.
        op_text: String,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: Box<Expr>,
        /// The values (or one tabular expression).
        values: Vec<Expr>,
    },
    /// `a between (x .. y)`, `a !between (x .. y)`
    Between {
        /// True for `!between`.
        negated: bool,
        /// The operator text.
        op_text: String,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
    },
    /// `f(args)`
    Call {
        /// The function name.
        name: Name,
        /// Arguments (may be `Named` or `Star`).
        args: Vec<Expr>,
    },
    /// `name = expr` (projection items, named arguments).
    Named {
        /// The declared name.
        name: Name,
        /// The value.
        value: Box<Expr>,
    },
    /// `(a, b) = expr`
    NamedTuple {
        /// The declared names.
        names: Vec<Name>,
        /// The value.
        value: Box<Expr>,
    },
    /// `x.y`, `x.['y']`
    Path {
        /// The left side.
        target: Box<Expr>,
        /// The member.
        member: Box<Expr>,
    },
    /// `x[expr]`
    Element {
        /// The left side.
        target: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
    },
    /// `toscalar(expr)`
    ToScalar(Box<Expr>),
    /// `totable(expr)`
    ToTable(Box<Expr>),
    /// `materialize(expr)`
    Materialize(Box<Expr>),
    /// `source | operator`
    Pipe {
        /// The input.
        source: Box<Expr>,
        /// The operator applied to it.
        op: Box<Operator>,
    },
    /// A query operator that starts a pipeline (`print`, `range`).
    Source(Box<Operator>),
    /// `datatable(col:type, ...)[values]`
    DataTable {
        /// Span of the `datatable` keyword.
        kw_span: Span,
        /// Declared columns.
        columns: Vec<ColumnDecl>,
        /// The values.
        values: Vec<Expr>,
        /// Span of the value list (between the brackets).
        values_span: Span,
    },
}

/// A column declared with a type (`datatable`, tabular parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// The column name.
    pub name: Name,
    /// Its type.
    pub ty: TypeName,
}

/// A tabular query operator (`| extend ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// Node id.
    pub id: u32,
    /// Span of the whole operator.
    pub span: Span,
    /// The first token's text in lower case (`extend`, `mv-expand`, `order`), or empty when the
    /// operator is missing.
    pub keyword: String,
    /// Span of the first token.
    pub kw_span: Span,
    /// What it does.
    pub kind: OpKind,
}

/// Sort direction and null placement of an ordering key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The expression.
    pub expr: Expr,
}

/// One part of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A string literal.
    Text(Span),
    /// `*`
    Star(Span),
    /// `name` or `name:type`
    Column {
        /// The column name.
        name: Name,
        /// The declared type, if any.
        ty: Option<TypeName>,
        /// Span of the whole part.
        span: Span,
    },
}

/// Operator kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// `extend a = ..., ...`
    Extend(Vec<Expr>),
    /// `project a, b = ...`
    Project(Vec<Expr>),
    /// `project-away a, b*`
    ProjectAway(Vec<Expr>),
    /// `project-keep a, b*`
    ProjectKeep(Vec<Expr>),
    /// `project-rename new = old`
    ProjectRename(Vec<Expr>),
    /// `project-reorder a, b*`
    ProjectReorder(Vec<Expr>),
    /// `where cond` / `filter cond`
    Where(Expr),
    /// `parse [kind=...] expr with pattern`
    Parse {
        /// `name=value` parameters before the expression (`kind=regex`, `flags=i`).
        parameters: Vec<(String, String)>,
        /// The parsed expression.
        source: Expr,
        /// The pattern.
        parts: Vec<ParsePart>,
    },
    /// `summarize aggs by keys`
    Summarize {
        /// Aggregates.
        aggregates: Vec<Expr>,
        /// Group-by keys.
        by: Vec<Expr>,
    },
    /// `take n` / `limit n` / `sample n`
    Take(Expr),
    /// `sort by ...` / `order by ...`
    Sort(Vec<SortKey>),
    /// `top n by expr`
    Top {
        /// Row count.
        count: Expr,
        /// Ordering key.
        by: SortKey,
    },
    /// `distinct a, b` / `distinct *`
    Distinct(Vec<Expr>),
    /// `mv-expand [with_itemindex=name] a, b = c to typeof(long)`
    MvExpand {
        /// `name=value` parameters.
        parameters: Vec<(String, String)>,
        /// Expanded expressions.
        items: Vec<MvExpandItem>,
    },
    /// `count [as name]`
    Count(Option<Name>),
    /// `serialize [a = ...]`
    Serialize(Vec<Expr>),
    /// `as name`
    As(Name),
    /// `print a, b = ...`
    Print(Vec<Expr>),
    /// `getschema`
    GetSchema,
    /// `render ...` (does not change the data)
    Render,
    /// Missing or unknown operator (KS176 already reported).
    Bad,
    /// A Kusto operator this analyser does not model (reported as unsupported).
    Unsupported,
}

/// One expansion in `mv-expand`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandItem {
    /// The expanded expression (possibly `name = expr`).
    pub expr: Expr,
    /// `to typeof(t)`
    pub to_type: Option<Ty>,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `let name = value`
    Let {
        /// Span of the statement.
        span: Span,
        /// The declared name.
        name: Name,
        /// The value.
        value: LetValue,
    },
    /// A tabular or scalar expression.
    Expr(Expr),
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression.
    Expr(Expr),
    /// A user-defined function.
    Function(FunctionDecl),
}

/// `(params) { body }`
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDecl {
    /// Parameters.
    pub params: Vec<Param>,
    /// Body statements; the last expression statement is the result.
    pub body: Vec<Stmt>,
    /// Span of the whole declaration.
    pub span: Span,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: Name,
    /// Its type.
    pub ty: ParamType,
    /// Default value (`x:long = 1`).
    pub default: Option<Expr>,
    /// Span of the whole parameter.
    pub span: Span,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// `x:string`
    Scalar(TypeName),
    /// `t:(*)`, `t:(a:string, *)`
    Tabular(Vec<ColumnDecl>),
}

impl Expr {
    /// The expression with parentheses and `name =` removed.
    pub fn underlying(&self) -> &Expr {
        match &self.kind {
            ExprKind::Paren(e) => e.underlying(),
            _ => self,
        }
    }
}
