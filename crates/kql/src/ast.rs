//! The syntax tree produced by the parser. Every node carries its byte span; expressions and
//! operators carry an id the checker uses to record what it resolved them to.
//!
//! The tree lives in an arena (`bumpalo`) for the duration of one analysis: children are
//! arena references and slices, and names and operator texts borrow from the query text (or
//! from the arena when they had to be decoded), so building the tree allocates nothing per node
//! and dropping it is free.

use std::ops::Range;

use crate::types::Ty;

/// Byte range into the query text.
pub type Span = Range<usize>;

/// A parsed query: its statements in order.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    /// Statements separated by `;` (the last expression statement is the result).
    pub statements: &'a [Stmt<'a>],
    /// Number of expression/operator ids handed out (for side tables in the checker).
    pub node_count: u32,
    /// The syntax is nested deeper than [`crate::parser::MAX_DEPTH`]: the parser stopped
    /// (KS245 reported) and the tree must not be analysed.
    pub too_deep: bool,
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
pub struct Name<'a> {
    /// The name's value (brackets and quotes removed).
    pub text: &'a str,
    /// Span of the whole name (including brackets).
    pub span: Span,
    /// How it was written.
    pub kind: NameKind,
}

/// A scalar type as written in a declaration (`x:int`, `datatable(a:string)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName<'a> {
    /// The resolved type (`Unknown` if the name is not a Kusto type).
    pub ty: Ty,
    /// The text as written.
    pub text: &'a str,
    /// Span of the type name.
    pub span: Span,
}

/// Literal values (only what the checker needs: type, and the value where names or constant
/// arguments depend on it).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal<'a> {
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
    String(&'a str),
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
pub struct Expr<'a> {
    /// Node id (index into the checker's side tables).
    pub id: u32,
    /// Syntax depth of the subtree, weighted like Kusto.Language's syntax nodes (a call counts
    /// for its argument list too); bounded by the parser.
    pub depth: u32,
    /// Byte span.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind<'a>,
}

/// Expression kinds, scalar and tabular (KQL does not separate them syntactically).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind<'a> {
    /// Missing expression (the parser reported it).
    Missing,
    /// A name: column, variable, table or zero-argument function.
    Name(Name<'a>),
    /// A literal.
    Literal(Literal<'a>),
    /// `dynamic(...)`
    Dynamic(DynShape),
    /// `typeof(long)`
    TypeOf(Ty),
    /// `( expr )`
    Paren(&'a Expr<'a>),
    /// `*`
    Star,
    /// `-x`, `+x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Span of the operator token.
        op_span: Span,
        /// The operand.
        operand: &'a Expr<'a>,
    },
    /// `a op b`
    Binary {
        /// The operator.
        op: BinOp,
        /// The operator text, whitespace-normalised (`matches regex`, `!contains`).
        op_text: &'a str,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: &'a Expr<'a>,
        /// Right operand.
        right: &'a Expr<'a>,
    },
    /// `a in (x, y)`, `a has_any (...)`
    List {
        /// The operator.
        op: ListOp,
        /// The operator text.
        op_text: &'a str,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: &'a Expr<'a>,
        /// The values (or one tabular expression).
        values: &'a [Expr<'a>],
    },
    /// `a between (x .. y)`, `a !between (x .. y)`
    Between {
        /// True for `!between`.
        negated: bool,
        /// The operator text.
        op_text: &'a str,
        /// Span of the operator token.
        op_span: Span,
        /// Left operand.
        left: &'a Expr<'a>,
        /// Lower bound.
        low: &'a Expr<'a>,
        /// Upper bound.
        high: &'a Expr<'a>,
    },
    /// `f(args)`
    Call {
        /// The function name.
        name: Name<'a>,
        /// Arguments (may be `Named` or `Star`).
        args: &'a [Expr<'a>],
    },
    /// `name = expr` (projection items, named arguments).
    Named {
        /// The declared name.
        name: Name<'a>,
        /// The value.
        value: &'a Expr<'a>,
    },
    /// `(a, b) = expr`
    NamedTuple {
        /// The declared names.
        names: &'a [Name<'a>],
        /// The value.
        value: &'a Expr<'a>,
    },
    /// `x.y`, `x.['y']`
    Path {
        /// The left side.
        target: &'a Expr<'a>,
        /// The member.
        member: &'a Expr<'a>,
    },
    /// `x[expr]`
    Element {
        /// The left side.
        target: &'a Expr<'a>,
        /// The index or key.
        index: &'a Expr<'a>,
    },
    /// `toscalar(expr)`
    ToScalar(&'a Expr<'a>),
    /// `totable(expr)`
    ToTable(&'a Expr<'a>),
    /// `materialize(expr)`
    Materialize(&'a Expr<'a>),
    /// `source | operator`
    Pipe {
        /// The input.
        source: &'a Expr<'a>,
        /// The operator applied to it.
        op: &'a Operator<'a>,
    },
    /// A query operator that starts a pipeline (`print`, `range`, `union`, `search` ...).
    Source(&'a Operator<'a>),
    /// The implicit input of a subquery that starts with an operator (`mv-apply ... on (where
    /// x > 1 | ...)`, `partition by x (top 3 by y)`, `facet ... with (take 3)`).
    Implicit,
    /// `externaldata (col:type, ...) [urls] with (...)`
    ExternalData {
        /// Declared columns.
        columns: &'a [ColumnDecl<'a>],
    },
    /// `datatable(col:type, ...)[values]`
    DataTable {
        /// Span of the `datatable` keyword.
        kw_span: Span,
        /// Declared columns.
        columns: &'a [ColumnDecl<'a>],
        /// The values.
        values: &'a [Expr<'a>],
        /// Span of the value list (between the brackets).
        values_span: Span,
    },
}

/// A column declared with a type (`datatable`, tabular parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl<'a> {
    /// The column name.
    pub name: Name<'a>,
    /// Its type.
    pub ty: TypeName<'a>,
}

/// A tabular query operator (`| extend ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Operator<'a> {
    /// Node id.
    pub id: u32,
    /// Syntax depth of the operator and its expressions (see [`Expr::depth`]).
    pub depth: u32,
    /// Span of the whole operator.
    pub span: Span,
    /// The first token's text in lower case (`extend`, `mv-expand`, `order`), or empty when the
    /// operator is missing.
    pub keyword: &'a str,
    /// Span of the first token.
    pub kw_span: Span,
    /// What it does.
    pub kind: OpKind<'a>,
}

/// Sort direction and null placement of an ordering key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey<'a> {
    /// The expression.
    pub expr: Expr<'a>,
}

/// One part of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart<'a> {
    /// A string literal.
    Text(Span),
    /// `*`
    Star(Span),
    /// `name` or `name:type`
    Column {
        /// The column name.
        name: Name<'a>,
        /// The declared type, if any.
        ty: Option<TypeName<'a>>,
        /// Span of the whole part.
        span: Span,
    },
}

/// Operator kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind<'a> {
    /// `extend a = ..., ...`
    Extend(&'a [Expr<'a>]),
    /// `project a, b = ...`
    Project(&'a [Expr<'a>]),
    /// `project-away a, b*`
    ProjectAway(&'a [Expr<'a>]),
    /// `project-keep a, b*`
    ProjectKeep(&'a [Expr<'a>]),
    /// `project-rename new = old`
    ProjectRename(&'a [Expr<'a>]),
    /// `project-reorder a, b*`
    ProjectReorder(&'a [Expr<'a>]),
    /// `where cond` / `filter cond`
    Where(Expr<'a>),
    /// `parse [kind=...] expr with pattern`
    Parse {
        /// `name=value` parameters before the expression (`kind=regex`, `flags=i`).
        parameters: &'a [(&'a str, &'a str)],
        /// The parsed expression.
        source: Expr<'a>,
        /// The pattern.
        parts: &'a [ParsePart<'a>],
    },
    /// `summarize aggs by keys`
    Summarize {
        /// Aggregates.
        aggregates: &'a [Expr<'a>],
        /// Group-by keys.
        by: &'a [Expr<'a>],
    },
    /// `take n` / `limit n` / `sample n`
    Take(Expr<'a>),
    /// `sort by ...` / `order by ...`
    Sort(&'a [SortKey<'a>]),
    /// `top n by expr`
    Top {
        /// Row count.
        count: Expr<'a>,
        /// Ordering key.
        by: SortKey<'a>,
    },
    /// `distinct a, b` / `distinct *`
    Distinct(&'a [Expr<'a>]),
    /// `mv-expand [with_itemindex=name] a, b = c to typeof(long)`
    MvExpand {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// Expanded expressions.
        items: &'a [MvExpandItem<'a>],
    },
    /// `count [as name]`
    Count(Option<Name<'a>>),
    /// `serialize [a = ...]`
    Serialize(&'a [Expr<'a>]),
    /// `as name`
    As(Name<'a>),
    /// `print a, b = ...`
    Print(&'a [Expr<'a>]),
    /// `getschema`
    GetSchema,
    /// `render ...` (does not change the data)
    Render,
    /// `join [kind=...] right on keys` / `lookup ...`
    Join {
        /// `name=value` parameters (`kind`, `hint.*`).
        parameters: &'a [(&'a str, &'a str)],
        /// `lookup` instead of `join`.
        lookup: bool,
        /// The right side.
        right: Expr<'a>,
        /// The condition.
        on: JoinCondition<'a>,
    },
    /// `union [params] a, b*, (query)` (also first in a pipe)
    Union {
        /// `name=value` parameters (`kind`, `withsource`, `isfuzzy`).
        parameters: &'a [(&'a str, &'a str)],
        /// The tables (names, wildcard names, subqueries, calls).
        tables: &'a [Expr<'a>],
    },
    /// `make-series [params] aggs on axis from a to b step c by keys`
    MakeSeries {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// Aggregates, each with its optional `default = value`.
        aggregates: &'a [(Expr<'a>, Option<Expr<'a>>)],
        /// The axis column.
        on: Expr<'a>,
        /// `from`, `to`, `step` (or the three arguments of `in range(...)`).
        range: [Option<Expr<'a>>; 3],
        /// `in range(...)` instead of `from ... to ... step`.
        in_range: bool,
        /// Group-by keys.
        by: &'a [Expr<'a>],
    },
    /// `mv-apply [params] items [limit n] on (subquery)`
    MvApply {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// Expanded expressions.
        items: &'a [MvExpandItem<'a>],
        /// `limit n`
        limit: Option<Expr<'a>>,
        /// The subquery (its source is [`ExprKind::Implicit`] when it starts with an operator).
        subquery: Expr<'a>,
    },
    /// `range name from a to b step c` (first in a pipe)
    Range {
        /// The column name.
        name: Name<'a>,
        /// `from`
        from: Expr<'a>,
        /// `to`
        to: Expr<'a>,
        /// `step`
        step: Expr<'a>,
    },
    /// `evaluate [params] plugin(args) [: (schema)]`
    Evaluate {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// The plugin call (an [`ExprKind::Call`], or missing).
        call: Expr<'a>,
        /// The declared output schema and whether it starts with `*`.
        schema: Option<(&'a [ColumnDecl<'a>], bool)>,
    },
    /// `invoke function(args)`
    Invoke(Expr<'a>),
    /// `top-nested [n] of expr [with others = v] by agg [asc|desc], ...`
    TopNested(&'a [TopNestedClause<'a>]),
    /// `partition [params] by column (subquery)` / `{ query }`
    Partition {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// The partition key.
        by: Expr<'a>,
        /// The subquery.
        subquery: Expr<'a>,
    },
    /// `scan [with_match_id=..] [declare (cols)] with (step ...)`
    Scan {
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// Declared columns with their optional defaults.
        declare: &'a [(ColumnDecl<'a>, Option<Expr<'a>>)],
        /// Steps.
        steps: &'a [ScanStep<'a>],
    },
    /// `search [params] [in (tables)] predicate` / `find [params] [in (tables)] where predicate
    /// [project ...]`
    Search {
        /// `find` instead of `search`.
        find: bool,
        /// `name=value` parameters.
        parameters: &'a [(&'a str, &'a str)],
        /// `in (tables)`, when given.
        tables: Option<&'a [Expr<'a>]>,
        /// The predicate.
        predicate: Expr<'a>,
        /// `find ... project a, b` (`None` without a project clause).
        project: Option<&'a [Expr<'a>]>,
    },
    /// `parse-kv expr as (cols) with (...)`
    ParseKv {
        /// The parsed expression.
        source: Expr<'a>,
        /// The extracted columns.
        columns: &'a [ColumnDecl<'a>],
    },
    /// `sample-distinct n of expr` / `top-hitters n of expr [by expr]`
    OfOperator {
        /// `top-hitters` instead of `sample-distinct`.
        top_hitters: bool,
        /// The count.
        count: Expr<'a>,
        /// The values.
        of: Expr<'a>,
        /// `by` (top-hitters).
        by: Option<Expr<'a>>,
    },
    /// `reduce [kind=..] by expr [with ...]`
    Reduce(Expr<'a>),
    /// `fork (q) (q) ...` / `facet by cols [with (...)]`: several result tables.
    MultipleResults {
        /// The subqueries (fork) or facet columns.
        items: &'a [Expr<'a>],
    },
    /// `consume`, `assert-schema`, `project-by-names` and other operators that keep their input
    /// (or whose output this analyser reports as the input).
    PassThrough,
    /// Missing or unknown operator (KS176 already reported).
    Bad,
    /// A Kusto operator this analyser does not model (reported as unsupported).
    Unsupported,
}

/// The condition of a `join` or `lookup`.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition<'a> {
    /// `on a, $left.b == $right.c`
    On(&'a [Expr<'a>]),
    /// `where predicate`
    Where(Expr<'a>),
    /// No condition (reported).
    Missing,
}

/// One clause of `top-nested`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedClause<'a> {
    /// The row count (`top-nested 3 of ...`).
    pub count: Option<Expr<'a>>,
    /// `of expr`
    pub of: Expr<'a>,
    /// `with others = value`
    pub others: Option<Expr<'a>>,
    /// `by aggregate`
    pub by: Expr<'a>,
}

/// One `step` of `scan`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep<'a> {
    /// The step name.
    pub name: Name<'a>,
    /// The condition.
    pub condition: Expr<'a>,
    /// `=> a = x, b = y`
    pub assignments: &'a [Expr<'a>],
}

/// One expansion in `mv-expand`.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandItem<'a> {
    /// The expanded expression (possibly `name = expr`).
    pub expr: Expr<'a>,
    /// `to typeof(t)`
    pub to_type: Option<Ty>,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt<'a> {
    /// `let name = value`
    Let {
        /// Span of the statement.
        span: Span,
        /// The declared name.
        name: Name<'a>,
        /// The value.
        value: LetValue<'a>,
    },
    /// A tabular or scalar expression.
    Expr(Expr<'a>),
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue<'a> {
    /// A scalar or tabular expression.
    Expr(Expr<'a>),
    /// A user-defined function.
    Function(FunctionDecl<'a>),
}

/// `(params) { body }`
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDecl<'a> {
    /// Parameters.
    pub params: &'a [Param<'a>],
    /// Body statements; the last expression statement is the result.
    pub body: &'a [Stmt<'a>],
    /// Span of the whole declaration.
    pub span: Span,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param<'a> {
    /// Its name.
    pub name: Name<'a>,
    /// Its type.
    pub ty: ParamType<'a>,
    /// Default value (`x:long = 1`).
    pub default: Option<Expr<'a>>,
    /// Span of the whole parameter.
    pub span: Span,
}

/// A parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType<'a> {
    /// `x:string`
    Scalar(TypeName<'a>),
    /// `t:(*)`, `t:(a:string, *)`
    Tabular(&'a [ColumnDecl<'a>]),
}

impl<'a> Expr<'a> {
    /// The expression with parentheses removed.
    pub fn underlying(&self) -> &Expr<'a> {
        match &self.kind {
            ExprKind::Paren(e) => e.underlying(),
            _ => self,
        }
    }
}

impl<'a> OpKind<'a> {
    /// Calls `f` on each expression directly inside the operator, in source order.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr<'a>)) {
        match self {
            OpKind::Extend(items)
            | OpKind::Project(items)
            | OpKind::ProjectAway(items)
            | OpKind::ProjectKeep(items)
            | OpKind::ProjectRename(items)
            | OpKind::ProjectReorder(items)
            | OpKind::Distinct(items)
            | OpKind::Serialize(items)
            | OpKind::Print(items)
            | OpKind::MultipleResults { items } => items.iter().for_each(f),
            OpKind::Where(e)
            | OpKind::Take(e)
            | OpKind::Invoke(e)
            | OpKind::Reduce(e)
            | OpKind::Evaluate { call: e, .. } => f(e),
            OpKind::Parse { source, .. } | OpKind::ParseKv { source, .. } => f(source),
            OpKind::Summarize { aggregates, by } => {
                aggregates.iter().for_each(&mut *f);
                by.iter().for_each(f);
            }
            OpKind::Sort(keys) => keys.iter().for_each(|k| f(&k.expr)),
            OpKind::Top { count, by } => {
                f(count);
                f(&by.expr);
            }
            OpKind::MvExpand { items, .. } => items.iter().for_each(|i| f(&i.expr)),
            OpKind::Join { right, on, .. } => {
                f(right);
                match on {
                    JoinCondition::On(conds) => conds.iter().for_each(f),
                    JoinCondition::Where(e) => f(e),
                    JoinCondition::Missing => {}
                }
            }
            OpKind::Union { tables, .. } => tables.iter().for_each(f),
            OpKind::MakeSeries {
                aggregates,
                on,
                range,
                by,
                ..
            } => {
                for (agg, default) in aggregates.iter() {
                    f(agg);
                    if let Some(d) = default {
                        f(d);
                    }
                }
                f(on);
                range.iter().flatten().for_each(&mut *f);
                by.iter().for_each(f);
            }
            OpKind::MvApply {
                items,
                limit,
                subquery,
                ..
            } => {
                items.iter().for_each(|i| f(&i.expr));
                if let Some(l) = limit {
                    f(l);
                }
                f(subquery);
            }
            OpKind::Range { from, to, step, .. } => {
                f(from);
                f(to);
                f(step);
            }
            OpKind::TopNested(clauses) => {
                for c in clauses.iter() {
                    if let Some(n) = &c.count {
                        f(n);
                    }
                    f(&c.of);
                    if let Some(o) = &c.others {
                        f(o);
                    }
                    f(&c.by);
                }
            }
            OpKind::Partition { by, subquery, .. } => {
                f(by);
                f(subquery);
            }
            OpKind::Scan { declare, steps, .. } => {
                declare
                    .iter()
                    .filter_map(|(_, d)| d.as_ref())
                    .for_each(&mut *f);
                for s in steps.iter() {
                    f(&s.condition);
                    s.assignments.iter().for_each(&mut *f);
                }
            }
            OpKind::Search {
                tables,
                predicate,
                project,
                ..
            } => {
                tables.iter().flat_map(|t| t.iter()).for_each(&mut *f);
                f(predicate);
                project.iter().flat_map(|p| p.iter()).for_each(f);
            }
            OpKind::OfOperator { count, of, by, .. } => {
                f(count);
                f(of);
                if let Some(b) = by {
                    f(b);
                }
            }
            OpKind::Count(_)
            | OpKind::As(_)
            | OpKind::GetSchema
            | OpKind::Render
            | OpKind::PassThrough
            | OpKind::Bad
            | OpKind::Unsupported => {}
        }
    }
}
