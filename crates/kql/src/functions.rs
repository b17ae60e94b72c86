//! The signature table: built-in scalar functions, aggregates, the two transformation-only
//! functions and the scalar operators, in the shape Kusto.Language uses to resolve calls
//! (parameter kinds, argument kinds, repeatable parameters, result-type rules, result names).
//!
//! The function and aggregate lists live in `check/functions.txt` and `check/aggregates.txt`
//! (one function per unindented line, one signature per indented line); they were dumped from
//! Kusto.Language 12.4.1 with `tests/oracle/dump_functions.js`.

use std::sync::OnceLock;

use crate::ast::{BinOp, ListOp, StrOp, UnaryOp};
use crate::fxhash::FxHashMap;
use crate::types::Ty;

/// What a parameter accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// One of the listed types.
    Declared(Vec<Ty>),
    /// A `typeof(...)` literal.
    TypeLiteral,
    /// Any scalar.
    Scalar,
    /// `int` or `long`.
    Integer,
    /// `real` or `decimal`.
    RealOrDecimal,
    /// `string` or any dynamic.
    StringOrDynamic,
    /// `string` or a dynamic that may hold an array.
    StringOrArray,
    /// An integer or a dynamic that may hold an array.
    IntegerOrArray,
    /// A dynamic that may hold an array.
    DynamicArray,
    /// A dynamic that may hold a bag.
    DynamicBag,
    /// Any number.
    Number,
    /// A number or `bool`.
    NumberOrBool,
    /// Numbers, `datetime`, `timespan`.
    Summable,
    /// Summable types, `bool`, `string`.
    Orderable,
    /// Anything but `real` and `bool`.
    NotRealOrBool,
    /// Anything but `dynamic`.
    NotDynamic,
    /// Anything but `bool`.
    NotBool,
    /// Scalars sharing a common type.
    CommonScalar,
    /// Numbers sharing a common type.
    CommonNumber,
    /// Summables sharing a common type.
    CommonSummable,
    /// Orderables sharing a common type.
    CommonOrderable,
    /// Scalars sharing a common type, or dynamic.
    CommonScalarOrDynamic,
    /// A tabular value.
    Tabular,
    /// Exactly the type of argument 0.
    Parameter0,
    /// Exactly the type of argument 1.
    Parameter1,
}

/// Restrictions on how an argument is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// Any expression.
    Expression,
    /// A constant (literal, constant `let`, constant-foldable call of constants).
    Constant,
    /// A literal.
    Literal,
    /// A non-empty literal string.
    LiteralNotEmpty,
    /// An expression or `*`.
    StarAllowed,
    /// Only `*`.
    StarOnly,
    /// A column reference.
    Column,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub arg: ArgKind,
    pub min: u32,
    pub max: u32,
}

impl Param {
    fn new(name: &str, kind: ParamKind) -> Param {
        Param {
            name: name.to_string(),
            kind,
            arg: ArgKind::Expression,
            min: 1,
            max: 1,
        }
    }

    fn declared(name: &str, ty: Ty) -> Param {
        Param::new(name, ParamKind::Declared(vec![ty]))
    }

    fn many(mut self, max: u32) -> Param {
        self.max = max;
        self
    }

    pub fn is_repeatable(&self) -> bool {
        self.max > 1
    }
}

/// How the result type of a signature is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ret {
    Declared(Ty),
    Parameter0,
    Parameter1,
    ParameterNLiteral,
    Parameter0Promoted,
    Parameter0Array,
    Common,
    CommonNonDynamic,
    Widest,
    /// Function-specific (see [`custom_return`]).
    Custom,
    /// Unary `-`/`+`: the operand type, `int` promoted to `long` unless constant.
    Unary,
}

/// How arguments are assigned to parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Fixed,
    Repeating,
    /// Groups of repeatable parameters (`case`, `bag_pack`).
    Block,
}

/// One signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    pub params: Vec<Param>,
    pub ret: Ret,
    pub layout: Layout,
    pub min_args: u32,
    pub max_args: u32,
}

impl Signature {
    pub(crate) fn new(params: Vec<Param>, ret: Ret, block: bool) -> Signature {
        let min_args = params.iter().map(|p| p.min).sum();
        let max_args = params.iter().map(|p| p.max).fold(0u32, u32::saturating_add);
        let repeating = params.iter().any(Param::is_repeatable);
        let layout = match (repeating, block) {
            (true, true) => Layout::Block,
            (true, false) => Layout::Repeating,
            _ => Layout::Fixed,
        };
        Signature {
            params,
            ret,
            layout,
            min_args,
            max_args,
        }
    }

    pub(crate) fn has_repeatable(&self) -> bool {
        self.params.iter().any(Param::is_repeatable)
    }

    /// Kusto's argument-count check (block layouts need whole groups).
    pub(crate) fn valid_arg_count(&self, n: u32) -> bool {
        if n < self.min_args || n > self.max_args {
            return false;
        }
        if self.layout == Layout::Block {
            let first = self
                .params
                .iter()
                .position(Param::is_repeatable)
                .unwrap_or(0) as u32;
            let last = self
                .params
                .iter()
                .rposition(Param::is_repeatable)
                .unwrap_or(0) as u32;
            let group = last - first + 1;
            let fixed = self.params.len() as u32 - group;
            return (n - fixed).is_multiple_of(group);
        }
        true
    }
}

/// How a projection names an unnamed call of this function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultName {
    None,
    NameAndFirstArgument,
    NameAndOnlyArgument,
    PrefixAndFirstArgument,
    PrefixAndOnlyArgument,
    FirstArgumentValueIfColumn,
    PrefixOnly,
    FirstArgument,
    OnlyArgument,
}

/// A function (built-in, aggregate or transformation-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FunctionDef {
    pub name: String,
    pub result_name: ResultName,
    pub prefix: Option<String>,
    pub signatures: Vec<Signature>,
    /// Constant-foldable: a call with constant arguments is a constant.
    pub foldable: bool,
    pub aggregate: bool,
    /// Repeatable parameters come in groups (`case`, `bag_pack`).
    pub block: bool,
}

impl FunctionDef {
    pub(crate) fn min_args(&self) -> u32 {
        self.signatures
            .iter()
            .map(|s| s.min_args)
            .min()
            .unwrap_or(0)
    }

    pub(crate) fn max_args(&self) -> u32 {
        self.signatures
            .iter()
            .map(|s| s.max_args)
            .max()
            .unwrap_or(0)
    }
}

/// All the tables, built once.
pub(crate) struct Builtins {
    functions: FxHashMap<String, FunctionDef>,
    aggregates: FxHashMap<String, FunctionDef>,
    dcr: FxHashMap<String, FunctionDef>,
}

/// The shared built-in tables.
pub(crate) fn builtins() -> &'static Builtins {
    static TABLES: OnceLock<Builtins> = OnceLock::new();
    TABLES.get_or_init(|| Builtins {
        functions: parse_table(include_str!("check/functions.txt"), false),
        aggregates: parse_table(include_str!("check/aggregates.txt"), true),
        dcr: dcr_functions(),
    })
}

impl Builtins {
    /// A scalar built-in, including the transformation-only ones when `dcr` is set.
    pub(crate) fn function(&self, name: &str, dcr: bool) -> Option<&FunctionDef> {
        self.functions
            .get(name)
            .or_else(|| if dcr { self.dcr.get(name) } else { None })
    }

    /// An aggregate function.
    pub(crate) fn aggregate(&self, name: &str) -> Option<&FunctionDef> {
        self.aggregates.get(name)
    }
}

fn dcr_functions() -> FxHashMap<String, FunctionDef> {
    let one = |name: &str, param: &str| FunctionDef {
        name: name.to_string(),
        result_name: ResultName::None,
        prefix: None,
        signatures: vec![Signature::new(
            vec![Param::declared(param, Ty::STRING)],
            Ret::Declared(Ty::DYNAMIC),
            false,
        )],
        foldable: false,
        aggregate: false,
        block: false,
    };
    [
        one("parse_cef_dictionary", "message"),
        one("geo_location", "ipAddress"),
    ]
    .into_iter()
    .map(|f| (f.name.clone(), f))
    .collect()
}

fn parse_table(text: &str, aggregate: bool) -> FxHashMap<String, FunctionDef> {
    let mut map: FxHashMap<String, FunctionDef> = FxHashMap::default();
    let mut current: Option<FunctionDef> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(sig) = line.strip_prefix("   ") {
            let def = current
                .as_mut()
                .expect("signature line before a function line");
            let sig = parse_signature(sig.trim(), def.block);
            def.signatures.push(sig);
            continue;
        }
        if let Some(done) = current.take() {
            map.insert(done.name.clone(), done);
        }
        let mut words = line.split(' ');
        let name = words.next().unwrap_or_default().to_string();
        let naming = words.next().unwrap_or("name=None");
        let flags: Vec<&str> = words.collect();
        let naming = naming.trim_start_matches("name=");
        let (kind, prefix) = match naming.split_once('(') {
            Some((k, p)) => (k, Some(p.trim_end_matches(')').to_string())),
            None => (naming, None),
        };
        let result_name = match kind {
            "NameAndFirstArgument" => ResultName::NameAndFirstArgument,
            "NameAndOnlyArgument" => ResultName::NameAndOnlyArgument,
            "PrefixAndFirstArgument" => ResultName::PrefixAndFirstArgument,
            "PrefixAndOnlyArgument" => ResultName::PrefixAndOnlyArgument,
            "FirstArgumentValueIfColumn" => ResultName::FirstArgumentValueIfColumn,
            "PrefixOnly" => ResultName::PrefixOnly,
            "FirstArgument" => ResultName::FirstArgument,
            "OnlyArgument" => ResultName::OnlyArgument,
            _ => ResultName::None,
        };
        current = Some(FunctionDef {
            name,
            result_name,
            prefix,
            signatures: Vec::new(),
            foldable: flags.contains(&"fold"),
            aggregate,
            block: flags.contains(&"block"),
        });
    }
    if let Some(done) = current.take() {
        map.insert(done.name.clone(), done);
    }
    map
}

/// Parses `(a:string, b:Integer[Constant]?, c:Scalar*64) -> long`.
fn parse_signature(text: &str, block: bool) -> Signature {
    let (params_text, ret_text) = text.rsplit_once(" -> ").expect("signature without return");
    let ret_text = ret_text.trim_end_matches(" [hidden]");
    let inner = params_text.trim_start_matches('(').trim_end_matches(')');
    let params = inner
        .split(", ")
        .filter(|p| !p.is_empty())
        .map(parse_param)
        .collect();
    let ret = match ret_text {
        "Parameter0" => Ret::Parameter0,
        "Parameter1" => Ret::Parameter1,
        "ParameterNLiteral" => Ret::ParameterNLiteral,
        "Parameter0Promoted" => Ret::Parameter0Promoted,
        "Parameter0Array" => Ret::Parameter0Array,
        "Common" => Ret::Common,
        "CommonNonDynamic" => Ret::CommonNonDynamic,
        "Widest" => Ret::Widest,
        "Custom" => Ret::Custom,
        "dynamic(array)" => Ret::Declared(Ty::DynArray),
        "dynamic(bag)" => Ret::Declared(Ty::DynBag),
        "dynamic(value)" => Ret::Declared(Ty::DynPrim),
        t => Ret::Declared(Ty::from_kusto_name(t).unwrap_or(Ty::UNKNOWN)),
    };
    Signature::new(params, ret, block)
}

fn parse_param(text: &str) -> Param {
    let (name, rest) = text.split_once(':').expect("parameter without type");
    let mut rest = rest;
    let mut max = 1;
    if let Some((r, m)) = rest.split_once('*') {
        rest = r;
        max = m.parse().unwrap_or(1);
    }
    let mut min = 1;
    if let Some((r, m)) = rest.split_once('+') {
        rest = r;
        min = m.parse().unwrap_or(1);
    }
    let optional = rest.ends_with('?');
    rest = rest.trim_end_matches('?');
    let mut arg = ArgKind::Expression;
    if let Some((r, a)) = rest.split_once('[') {
        rest = r;
        arg = match a.trim_end_matches(']') {
            "Constant" => ArgKind::Constant,
            "Literal" => ArgKind::Literal,
            "LiteralNotEmpty" => ArgKind::LiteralNotEmpty,
            "StarAllowed" => ArgKind::StarAllowed,
            "StarOnly" => ArgKind::StarOnly,
            "Column" => ArgKind::Column,
            _ => ArgKind::Expression,
        };
    }
    let kind = match rest {
        "Scalar" => ParamKind::Scalar,
        "Integer" => ParamKind::Integer,
        "RealOrDecimal" => ParamKind::RealOrDecimal,
        "StringOrDynamic" => ParamKind::StringOrDynamic,
        "StringOrArray" => ParamKind::StringOrArray,
        "IntegerOrArray" => ParamKind::IntegerOrArray,
        "DynamicArray" => ParamKind::DynamicArray,
        "DynamicBag" => ParamKind::DynamicBag,
        "Number" => ParamKind::Number,
        "NumberOrBool" => ParamKind::NumberOrBool,
        "Summable" => ParamKind::Summable,
        "Orderable" => ParamKind::Orderable,
        "NotRealOrBool" => ParamKind::NotRealOrBool,
        "NotDynamic" => ParamKind::NotDynamic,
        "NotBool" => ParamKind::NotBool,
        "CommonScalar" => ParamKind::CommonScalar,
        "CommonNumber" => ParamKind::CommonNumber,
        "CommonSummable" => ParamKind::CommonSummable,
        "CommonOrderable" => ParamKind::CommonOrderable,
        "CommonScalarOrDynamic" => ParamKind::CommonScalarOrDynamic,
        "Tabular" => ParamKind::Tabular,
        "type" => ParamKind::TypeLiteral,
        types => ParamKind::Declared(
            types
                .split('|')
                .map(|t| Ty::from_kusto_name(t).unwrap_or(Ty::UNKNOWN))
                .collect(),
        ),
    };
    Param {
        name: name.to_string(),
        kind,
        arg,
        min: if optional { 0 } else { min },
        max: max.max(1),
    }
}

/// Result type of functions whose rule is "custom" in Kusto.Language.
pub(crate) fn custom_return(name: &str) -> Ty {
    match name {
        "array_concat" | "array_iff" | "array_iif" | "array_sort_asc" | "array_sort_desc"
        | "pack_array" | "set_union" | "set_intersect" | "set_difference" => Ty::DynArray,
        "bag_merge" | "bag_pack" | "bag_pack_columns" | "bag_remove_keys" | "bag_set_key"
        | "pack" | "pack_all" | "pack_dictionary" => Ty::DynBag,
        _ => Ty::DYNAMIC,
    }
}

/// The signatures of a binary operator.
pub(crate) fn binary_operator(op: BinOp) -> &'static [Signature] {
    static TABLE: OnceLock<FxHashMap<BinOp, Vec<Signature>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            [
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
                BinOp::Mod,
                BinOp::Lt,
                BinOp::Le,
                BinOp::Gt,
                BinOp::Ge,
                BinOp::Eq,
                BinOp::Ne,
                BinOp::And,
                BinOp::Or,
                BinOp::Str(StrOp::Any),
                BinOp::Str(StrOp::StringRhs),
            ]
            .into_iter()
            .map(|op| (op, build_binary(op)))
            .collect()
        })
        .get(&op)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The signatures of a unary operator.
pub(crate) fn unary_operator(_op: UnaryOp) -> &'static [Signature] {
    static TABLE: OnceLock<Vec<Signature>> = OnceLock::new();
    TABLE.get_or_init(|| {
        vec![
            Signature::new(
                vec![Param::new("operand", ParamKind::Summable)],
                Ret::Unary,
                false,
            ),
            Signature::new(
                vec![Param::declared("operand", Ty::DYNAMIC)],
                Ret::Declared(Ty::DYNAMIC),
                false,
            ),
        ]
    })
}

/// The signatures of a list operator (`in`, `has_any` ...), without the tabular forms.
pub(crate) fn list_operator(op: ListOp) -> &'static [Signature] {
    static TABLE: OnceLock<(Vec<Signature>, Vec<Signature>)> = OnceLock::new();
    let (not_bool, string_or_dynamic) = TABLE.get_or_init(|| {
        let values = || Param::new("value", ParamKind::Scalar).many(u32::from(u16::MAX >> 1));
        (
            vec![
                Signature::new(
                    vec![Param::declared("value", Ty::BOOL), values()],
                    Ret::Declared(Ty::BOOL),
                    false,
                ),
                Signature::new(
                    vec![Param::new("value", ParamKind::NotBool), values()],
                    Ret::Declared(Ty::BOOL),
                    false,
                ),
            ],
            vec![Signature::new(
                vec![
                    Param::new("value", ParamKind::Declared(vec![Ty::STRING, Ty::DYNAMIC])),
                    values(),
                ],
                Ret::Declared(Ty::BOOL),
                false,
            )],
        )
    });
    match op {
        ListOp::In | ListOp::NotIn => not_bool,
        ListOp::InCi | ListOp::NotInCi | ListOp::HasAny | ListOp::HasAll => string_or_dynamic,
    }
}

/// The signatures of `between`.
pub(crate) fn between_operator() -> &'static [Signature] {
    static TABLE: OnceLock<Vec<Signature>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let p = |n: &str, k: ParamKind| Param::new(n, k);
        let bool_ret = Ret::Declared(Ty::BOOL);
        vec![
            Signature::new(
                vec![
                    p("value", ParamKind::Number),
                    p("start", ParamKind::Number),
                    p("end", ParamKind::Number),
                ],
                bool_ret,
                false,
            ),
            Signature::new(
                vec![
                    p("value", ParamKind::Summable),
                    p("start", ParamKind::Parameter0),
                    p("end", ParamKind::Parameter0),
                ],
                bool_ret,
                false,
            ),
            Signature::new(
                vec![
                    Param::declared("value", Ty::DATETIME),
                    Param::declared("start", Ty::DATETIME),
                    Param::declared("end", Ty::TIMESPAN),
                ],
                bool_ret,
                false,
            ),
            Signature::new(
                vec![
                    p("value", ParamKind::Number),
                    Param::declared("start", Ty::DYNAMIC),
                    p("end", ParamKind::Parameter1),
                ],
                bool_ret,
                false,
            ),
            Signature::new(
                vec![
                    Param::declared("value", Ty::DYNAMIC),
                    p("start", ParamKind::Number),
                    p("end", ParamKind::Parameter1),
                ],
                bool_ret,
                false,
            ),
        ]
    })
}

/// The `* op x` form of a signature (the left operand must be `*`).
fn star_left(mut s: Signature) -> Signature {
    s.params[0].arg = ArgKind::StarOnly;
    s
}

fn build_binary(op: BinOp) -> Vec<Signature> {
    use ParamKind::*;
    let d = |t: Ty| Declared(vec![t]);
    let sig = |l: ParamKind, r: ParamKind, ret: Ret| {
        Signature::new(
            vec![Param::new("left", l), Param::new("right", r)],
            ret,
            false,
        )
    };
    let decl = Ret::Declared;
    let date_or_span = || Declared(vec![Ty::DATETIME, Ty::TIMESPAN]);
    let dyn_addable = || {
        Declared(vec![
            Ty::INT,
            Ty::LONG,
            Ty::REAL,
            Ty::DECIMAL,
            Ty::TIMESPAN,
            Ty::DATETIME,
        ])
    };
    let dynamic_tail = |right_number: bool| {
        let addable = if right_number { Number } else { dyn_addable() };
        let addable2 = if right_number { Number } else { dyn_addable() };
        vec![
            sig(d(Ty::DYNAMIC), d(Ty::DYNAMIC), decl(Ty::DYNAMIC)),
            sig(d(Ty::DYNAMIC), d(Ty::INT), decl(Ty::LONG)),
            sig(d(Ty::INT), d(Ty::DYNAMIC), decl(Ty::LONG)),
            sig(d(Ty::DYNAMIC), addable, Ret::Parameter1),
            sig(addable2, d(Ty::DYNAMIC), Ret::Parameter0),
        ]
    };
    let comparison = || {
        vec![
            sig(d(Ty::BOOL), NumberOrBool, decl(Ty::BOOL)),
            sig(Number, NumberOrBool, decl(Ty::BOOL)),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::BOOL)),
            sig(d(Ty::DATETIME), d(Ty::DATETIME), decl(Ty::BOOL)),
            sig(d(Ty::DYNAMIC), d(Ty::DYNAMIC), decl(Ty::BOOL)),
            sig(d(Ty::DYNAMIC), Number, decl(Ty::BOOL)),
            sig(Number, d(Ty::DYNAMIC), decl(Ty::BOOL)),
        ]
    };
    let logical = || {
        vec![
            sig(d(Ty::BOOL), d(Ty::BOOL), decl(Ty::BOOL)),
            sig(d(Ty::DYNAMIC), d(Ty::BOOL), decl(Ty::BOOL)),
            sig(d(Ty::BOOL), d(Ty::DYNAMIC), decl(Ty::BOOL)),
            sig(d(Ty::DYNAMIC), d(Ty::DYNAMIC), decl(Ty::BOOL)),
        ]
    };
    let mut sigs = match op {
        BinOp::Add => vec![
            sig(Number, Number, Ret::Widest),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(date_or_span(), date_or_span(), decl(Ty::DATETIME)),
        ],
        BinOp::Sub => vec![
            sig(Number, Number, Ret::Widest),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::DATETIME), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::DYNAMIC), decl(Ty::TIMESPAN)),
            sig(d(Ty::DYNAMIC), d(Ty::DATETIME), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::TIMESPAN), decl(Ty::DATETIME)),
            sig(d(Ty::TIMESPAN), d(Ty::DATETIME), decl(Ty::DATETIME)),
        ],
        BinOp::Mul => vec![
            sig(Number, Number, Ret::Widest),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(d(Ty::TIMESPAN), Number, decl(Ty::TIMESPAN)),
            sig(Number, d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), Number, decl(Ty::DATETIME)),
            sig(Number, d(Ty::DATETIME), decl(Ty::DATETIME)),
        ],
        BinOp::Div => vec![
            sig(Number, Number, Ret::Widest),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::REAL)),
            sig(d(Ty::TIMESPAN), Number, decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::DATETIME), decl(Ty::REAL)),
            sig(d(Ty::DATETIME), d(Ty::TIMESPAN), decl(Ty::REAL)),
            sig(d(Ty::DATETIME), Number, decl(Ty::DATETIME)),
        ],
        BinOp::Mod => vec![
            sig(Number, Number, Ret::Widest),
            sig(d(Ty::TIMESPAN), d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(d(Ty::TIMESPAN), Number, decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::DATETIME), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), d(Ty::TIMESPAN), decl(Ty::TIMESPAN)),
            sig(d(Ty::DATETIME), Number, decl(Ty::DATETIME)),
        ],
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => comparison(),
        BinOp::Eq => vec![
            sig(d(Ty::BOOL), Scalar, decl(Ty::BOOL)),
            sig(NotBool, Scalar, decl(Ty::BOOL)),
            star_left(sig(NotBool, Scalar, decl(Ty::BOOL))),
        ],
        BinOp::Ne => vec![
            sig(d(Ty::BOOL), Scalar, decl(Ty::BOOL)),
            sig(NotBool, Scalar, decl(Ty::BOOL)),
        ],
        BinOp::And | BinOp::Or => logical(),
        BinOp::Str(StrOp::Any) => vec![
            sig(StringOrDynamic, StringOrDynamic, decl(Ty::BOOL)),
            star_left(sig(StringOrDynamic, StringOrDynamic, decl(Ty::BOOL))),
        ],
        BinOp::Str(StrOp::StringRhs) => vec![
            sig(StringOrDynamic, d(Ty::STRING), decl(Ty::BOOL)),
            star_left(sig(StringOrDynamic, d(Ty::STRING), decl(Ty::BOOL))),
        ],
    };
    match op {
        BinOp::Add | BinOp::Sub => sigs.extend(dynamic_tail(false)),
        BinOp::Mul | BinOp::Div | BinOp::Mod => sigs.extend(dynamic_tail(true)),
        _ => {}
    }
    sigs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_known_functions() {
        let b = builtins();
        let strcat = b.function("strcat", false).expect("strcat");
        assert_eq!(strcat.signatures[0].params[0].max, 64);
        let case = b.function("case", false).expect("case");
        assert_eq!(case.signatures[0].layout, Layout::Block);
        assert!(case.signatures[0].valid_arg_count(3));
        assert!(!case.signatures[0].valid_arg_count(4));
        let extract = b.function("extract", false).expect("extract");
        assert_eq!(extract.signatures.len(), 2);
        assert_eq!(extract.signatures[0].params[0].arg, ArgKind::Constant);
        assert!(b.function("geo_location", true).is_some());
        assert!(b.function("geo_location", false).is_none());
        assert!(b.aggregate("count").is_some());
        assert_eq!(
            b.function("tostring", false).map(|f| &f.result_name),
            Some(&ResultName::FirstArgument)
        );
        let pack = b.function("bag_pack", false).expect("bag_pack");
        assert_eq!(pack.signatures[0].layout, Layout::Block);
        let pack_array = b.function("pack_array", false).expect("pack_array");
        assert_eq!(pack_array.signatures[0].layout, Layout::Repeating);
    }
}
