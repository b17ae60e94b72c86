//! Signature matching: which parameter each argument binds to, how well it matches, which
//! overload wins, the argument checks, and the result type — the rules Kusto.Language uses for
//! built-in functions and operators.

use std::cell::RefCell;

use smallvec::SmallVec;

use crate::ast::Span;
use crate::diag::codes;
use crate::functions::{ArgKind, Layout, Param, ParamKind, Ret, Signature, custom_return};
use crate::fxhash::FxHashMap;
use crate::types::Ty;

use super::{Checker, Info};

/// How well an argument matches a parameter (ordered: a later variant is a better match).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Match {
    None,
    Unknown,
    Dynamic,
    Compatible,
    Promoted,
    NotType,
    OneOfMany,
    Scalar,
    Summable,
    Orderable,
    Number,
    Integer,
    Tabular,
    Exact,
}

/// Allowed implicit conversions, in order of permissiveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Conversion {
    None,
    Promotable,
    Dynamic,
    Compatible,
}

/// The parameter each argument binds to (`None`: an extra argument). Calls rarely have more
/// than eight arguments, so the lists of overload resolution live on the stack.
pub(crate) type Bound<'s> = SmallVec<[Option<&'s Param>; 8]>;

/// The argument types of a call.
type Types = SmallVec<[Ty; 8]>;

/// Indices of candidate signatures.
pub(crate) type Candidates = SmallVec<[usize; 4]>;

fn types_of(args: &[Arg<'_>]) -> Types {
    args.iter().map(Arg::ty).collect()
}

/// One argument as seen by overload resolution.
pub(crate) struct Arg<'a> {
    pub info: &'a Info,
    pub span: Span,
}

impl Arg<'_> {
    fn ty(&self) -> Ty {
        self.info.arg_type()
    }
}

/// `source` can be assigned to `target` with the allowed conversion (Kusto's `AreAssignable`).
pub(crate) fn assignable(target: Ty, source: Ty, conv: Conversion) -> bool {
    if target == source {
        return true;
    }
    if source == Ty::UNKNOWN && target.is_scalar() || target == Ty::UNKNOWN && source.is_scalar() {
        return true;
    }
    if target == Ty::DYNAMIC
        && (source.is_dynamic() || source.is_scalar() && conv >= Conversion::Dynamic)
    {
        return true;
    }
    // a plain `dynamic` value may be promoted to `string` (Kusto: string is wider than dynamic)
    if !target.is_primitive() || !(source.is_primitive() || source == Ty::DYNAMIC) {
        return false;
    }
    match conv {
        Conversion::Promotable => source.promotable_to(target),
        Conversion::Compatible => source.promotable_to(target) || target.promotable_to(source),
        _ => false,
    }
}

/// Kusto's `TryGetCommonType`.
pub(crate) fn common_type(a: Option<Ty>, b: Ty, allowed: Conversion) -> Result<Ty, ()> {
    let Some(a) = a else { return Ok(b) };
    if a == b {
        return Ok(a);
    }
    if a == Ty::UNKNOWN || b == Ty::UNKNOWN {
        return Ok(Ty::UNKNOWN);
    }
    if a == Ty::DYNAMIC || b == Ty::DYNAMIC {
        return Ok(Ty::DYNAMIC);
    }
    if allowed >= Conversion::Promotable {
        if a.promotable_to(b) {
            return Ok(b);
        }
        if b.promotable_to(a) {
            return Ok(a);
        }
    }
    if a.is_dynamic() && b.is_dynamic() {
        return Ok(Ty::DYNAMIC);
    }
    if a.is_scalar() && b.is_scalar() && allowed >= Conversion::Dynamic {
        return Ok(Ty::DYNAMIC);
    }
    Err(())
}

/// Kusto's `GetCommonArgumentType` over the arguments bound to `Common*` parameters.
pub(crate) fn common_argument_type(
    params: &[Option<&Param>],
    types: &[Ty],
    ignore_dynamic: bool,
) -> Option<Ty> {
    let mut common = None;
    for (p, &t) in params.iter().zip(types) {
        let Some(p) = p else { continue };
        if ignore_dynamic && t.is_dynamic() {
            continue;
        }
        let conv = match p.kind {
            ParamKind::CommonScalar if t.is_scalar() => Conversion::Promotable,
            ParamKind::CommonNumber if t.is_numeric() => Conversion::Promotable,
            ParamKind::CommonSummable if t.is_summable() => Conversion::Promotable,
            ParamKind::CommonOrderable if t.is_orderable() => Conversion::Promotable,
            ParamKind::CommonScalarOrDynamic if t.is_scalar() => Conversion::Dynamic,
            _ => continue,
        };
        common = Some(common_type(common, t, conv).ok()?);
    }
    if common.is_none() && ignore_dynamic {
        return common_argument_type(params, types, false);
    }
    common
}

fn widest(types: &[Ty]) -> Option<Ty> {
    let mut widest: Option<Ty> = None;
    for &t in types {
        if t.is_numeric() && Some(t) != widest && widest.is_none_or(|w| t.is_wider_than(w)) {
            widest = Some(t);
        }
    }
    widest
}

/// Which parameter each argument binds to (`None`: no parameter, an extra argument).
pub(crate) fn argument_parameters<'s>(sig: &'s Signature, args: &[Arg<'_>]) -> Bound<'s> {
    match sig.layout {
        Layout::Fixed => (0..args.len()).map(|i| sig.params.get(i)).collect(),
        Layout::Block => block_layout(sig, args.len()),
        Layout::Repeating => repeating_layout(sig, args),
    }
}

fn block_layout(sig: &Signature, n: usize) -> Bound<'_> {
    let params = &sig.params;
    let first = params.iter().position(Param::is_repeatable).unwrap_or(0);
    let last = params.iter().rposition(Param::is_repeatable).unwrap_or(0);
    let group = last - first + 1;
    let min_repeats = params[first].min as usize;
    let max_repeats = params[first].max as usize;
    let after = params.len() - last - 1;
    let possible = n as isize - first as isize - after as isize;
    let expected = (possible.max((group * min_repeats) as isize) as usize).min(group * max_repeats);
    let groups = expected.div_ceil(group);
    let last_repeating = first as isize + (groups * group) as isize - 1;
    (0..n)
        .map(|i| {
            if i < first {
                params.get(i)
            } else if (i as isize) <= last_repeating {
                params.get(first + (i - first) % group)
            } else {
                params.get((last as isize + (i as isize - last_repeating)) as usize)
            }
        })
        .collect()
}

fn repeating_layout<'s>(sig: &'s Signature, args: &[Arg<'_>]) -> Bound<'s> {
    let params = &sig.params;
    let types = types_of(args);
    let mut out = Bound::with_capacity(args.len());
    let mut cur = 0usize;
    let mut count = 0u32;
    for (i, arg) in args.iter().enumerate() {
        if i as u32 >= sig.max_args {
            out.push(None);
            continue;
        }
        if cur < params.len() - 1 && count >= params[cur].max {
            cur += 1;
            count = 0;
        }
        let p = &params[cur];
        if count < p.min || count == 0 && p.min == 0 {
            out.push(Some(p));
            count += 1;
        } else if cur == params.len() - 1 {
            if count < p.max {
                out.push(Some(p));
                count += 1;
            } else {
                out.push(None);
            }
        } else {
            let current = match_kind(&out, &types, Some(p), arg, false);
            let next = &params[cur + 1];
            let next_match = match_kind(&out, &types, Some(next), arg, false);
            if current >= next_match && current != Match::None {
                out.push(Some(p));
                count += 1;
            } else if next_match != Match::None {
                out.push(Some(next));
                cur += 1;
                count = 1;
            } else {
                out.push(Some(p));
                count += 1;
            }
        }
    }
    out
}

/// Kusto's `GetParameterMatchKind`.
pub(crate) fn match_kind(
    params: &[Option<&Param>],
    types: &[Ty],
    param: Option<&Param>,
    arg: &Arg<'_>,
    coercion: bool,
) -> Match {
    let Some(param) = param else {
        return Match::None;
    };
    if arg.info.star {
        return if matches!(param.arg, ArgKind::StarOnly | ArgKind::StarAllowed) {
            Match::Exact
        } else {
            Match::None
        };
    }
    let t = arg.ty();
    if t == Ty::UNKNOWN {
        return Match::Unknown;
    }
    if param.arg == ArgKind::StarOnly {
        return Match::None;
    }
    let yes = |cond: bool, m: Match| if cond { m } else { Match::None };
    match &param.kind {
        ParamKind::Declared(types_) => {
            if types_.iter().any(|&d| assignable(d, t, Conversion::None)) {
                if types_.len() == 1 {
                    Match::Exact
                } else {
                    Match::OneOfMany
                }
            } else if types_
                .iter()
                .any(|&d| assignable(d, t, Conversion::Promotable))
            {
                Match::Promoted
            } else if coercion
                && types_
                    .iter()
                    .any(|&d| assignable(d, t, Conversion::Dynamic))
            {
                Match::Dynamic
            } else if coercion
                && types_
                    .iter()
                    .any(|&d| assignable(d, t, Conversion::Compatible))
            {
                Match::Compatible
            } else {
                Match::None
            }
        }
        ParamKind::TypeLiteral => yes(t == Ty::TypeOf, Match::Exact),
        ParamKind::Scalar => yes(t.is_scalar(), Match::Scalar),
        ParamKind::Integer => yes(t.is_integer(), Match::Integer),
        ParamKind::RealOrDecimal => yes(matches!(t, Ty::REAL | Ty::DECIMAL), Match::OneOfMany),
        ParamKind::StringOrDynamic => yes(t == Ty::STRING || t.is_dynamic(), Match::OneOfMany),
        ParamKind::StringOrArray => yes(
            matches!(t, Ty::STRING | Ty::DYNAMIC | Ty::DynArray),
            Match::OneOfMany,
        ),
        ParamKind::IntegerOrArray => yes(
            t.is_integer() || matches!(t, Ty::DYNAMIC | Ty::DynArray),
            Match::OneOfMany,
        ),
        ParamKind::DynamicArray => yes(matches!(t, Ty::DYNAMIC | Ty::DynArray), Match::OneOfMany),
        ParamKind::DynamicBag => yes(matches!(t, Ty::DYNAMIC | Ty::DynBag), Match::OneOfMany),
        ParamKind::Number => yes(t.is_numeric(), Match::Number),
        ParamKind::NumberOrBool => yes(t.is_numeric() || t == Ty::BOOL, Match::Number),
        ParamKind::Summable => yes(t.is_summable(), Match::Summable),
        ParamKind::Orderable => yes(t.is_orderable(), Match::Orderable),
        ParamKind::Tabular => yes(arg.info.table.is_some(), Match::Tabular),
        ParamKind::NotBool => yes(!assignable(Ty::BOOL, t, Conversion::None), Match::NotType),
        ParamKind::NotRealOrBool => yes(
            !assignable(Ty::REAL, t, Conversion::None)
                && !assignable(Ty::BOOL, t, Conversion::None),
            Match::NotType,
        ),
        ParamKind::NotDynamic => yes(t.is_scalar() && !t.is_dynamic(), Match::NotType),
        ParamKind::Parameter0 | ParamKind::Parameter1 => {
            let i = usize::from(param.kind == ParamKind::Parameter1);
            match params.get(i) {
                Some(p) => match_kind(params, types, *p, arg, coercion),
                None => Match::None,
            }
        }
        ParamKind::CommonScalar
        | ParamKind::CommonNumber
        | ParamKind::CommonSummable
        | ParamKind::CommonOrderable
        | ParamKind::CommonScalarOrDynamic => {
            let Some(common) = common_argument_type(params, types, false) else {
                return Match::None;
            };
            if assignable(common, t, Conversion::None) {
                Match::Exact
            } else if assignable(common, t, Conversion::Promotable) {
                Match::Promoted
            } else if assignable(common, t, Conversion::Dynamic) {
                Match::Dynamic
            } else if coercion && assignable(common, t, Conversion::Compatible) {
                Match::Compatible
            } else if param.kind == ParamKind::CommonScalarOrDynamic
                && assignable(Ty::DYNAMIC, t, Conversion::None)
            {
                Match::Exact
            } else {
                Match::None
            }
        }
    }
}

/// Matching statistics of one signature for a set of arguments.
struct Fit {
    count: usize,
    worst: Match,
    best: Match,
}

fn fit(sig: &Signature, args: &[Arg<'_>], coercion: bool) -> Fit {
    let params = argument_parameters(sig, args);
    let types = types_of(args);
    let mut f = Fit {
        count: 0,
        worst: Match::Exact,
        best: Match::None,
    };
    for (i, arg) in args.iter().enumerate() {
        let m = match_kind(&params, &types, params[i], arg, coercion);
        if m != Match::None {
            f.count += 1;
        }
        f.worst = f.worst.min(m);
        f.best = f.best.max(m);
    }
    f
}

/// What overload resolution sees of a short argument list: for each argument its type,
/// whether it is `*` and whether it is tabular (all [`match_kind`] looks at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ArgShape(Ty, bool, bool);

/// The signature set (by address: the tables are built once), the flags and the shapes of up
/// to three arguments.
type ResolutionKey = (usize, bool, bool, usize, [Option<ArgShape>; 3]);

/// [`best_signatures`] of the built-in signature tables, remembered per thread for argument
/// lists of up to three arguments: transforms apply the same operators and functions to the
/// same types over and over.
pub(crate) fn best_signatures_of(
    sigs: &'static [Signature],
    args: &[Arg<'_>],
    require_all: bool,
    coercion: bool,
) -> Candidates {
    thread_local! {
        static KNOWN: RefCell<FxHashMap<ResolutionKey, Candidates>> = RefCell::default();
    }
    /// At most this many resolutions are kept per thread.
    const MAX: usize = 4096;
    if sigs.len() <= 1 || args.len() > 3 {
        return best_signatures(sigs, args, require_all, coercion);
    }
    let mut shapes = [None; 3];
    for (shape, a) in shapes.iter_mut().zip(args) {
        *shape = Some(ArgShape(a.ty(), a.info.star, a.info.table.is_some()));
    }
    let key = (
        sigs.as_ptr() as usize,
        require_all,
        coercion,
        args.len(),
        shapes,
    );
    if let Some(found) = KNOWN.with_borrow(|known| known.get(&key).cloned()) {
        return found;
    }
    let found = best_signatures(sigs, args, require_all, coercion);
    KNOWN.with_borrow_mut(|known| {
        if known.len() < MAX {
            known.insert(key, found.clone());
        }
    });
    found
}

/// Kusto's `CompareSignatureMatch` (> 0: `a` is better).
fn compare(a: &Fit, b: &Fit, n: usize) -> isize {
    if a.count == n && b.count < n {
        return (a.count - b.count) as isize;
    }
    let c = (a.worst as isize) - (b.worst as isize);
    if c != 0 {
        return c;
    }
    let c = (a.best as isize) - (b.best as isize);
    if c != 0 {
        return c;
    }
    a.count as isize - b.count as isize
}

/// Kusto's `GetBestMatchingSignatures`: indices of the best signatures (one if unambiguous).
pub(crate) fn best_signatures(
    sigs: &[Signature],
    args: &[Arg<'_>],
    require_all: bool,
    coercion: bool,
) -> Candidates {
    if sigs.len() <= 1 {
        return (0..sigs.len()).collect();
    }
    let n = args.len() as u32;
    let mut result: Candidates = (0..sigs.len())
        .filter(|&i| n >= sigs[i].min_args && n <= sigs[i].max_args)
        .collect();
    if result.is_empty() {
        let max = sigs.iter().map(|s| s.max_args).max().unwrap_or(0);
        result = (0..sigs.len())
            .filter(|&i| max >= sigs[i].min_args && max <= sigs[i].max_args)
            .collect();
    }
    if result.len() <= 1 {
        return result;
    }
    let fits: SmallVec<[Fit; 8]> = sigs.iter().map(|s| fit(s, args, coercion)).collect();
    let mut most = result.iter().map(|&i| fits[i].count).max().unwrap_or(0);
    if require_all && most < args.len() {
        most = args.len();
    }
    result.retain(|i| fits[*i].count == most);
    if result.len() <= 1 {
        return result;
    }
    let mut best = result[0];
    for &i in &result[1..] {
        match compare(&fits[i], &fits[best], args.len()) {
            c if c > 0 => best = i,
            0 => return result,
            _ => {}
        }
    }
    if result
        .iter()
        .any(|&i| i != best && compare(&fits[best], &fits[i], args.len()) <= 0)
    {
        return result;
    }
    Candidates::from_slice(&[best])
}

/// The result type of calling `sig` with `args` (Kusto's `GetFunctionCallResult`, minus user
/// functions which the caller handles).
pub(crate) fn result_type(fn_name: &str, sig: &Signature, args: &[Arg<'_>]) -> Ty {
    let params = argument_parameters(sig, args);
    let types = types_of(args);
    let arg_of = |p: &Param| {
        params
            .iter()
            .position(|q| q.is_some_and(|q| std::ptr::eq(q, p)))
    };
    let nth = |i: usize| {
        sig.params
            .get(i)
            .and_then(arg_of)
            .map(|a| types[a])
            .unwrap_or(Ty::Error)
    };
    match sig.ret {
        Ret::Declared(t) => t,
        Ret::Parameter0 => nth(0),
        Ret::Parameter1 => nth(1),
        Ret::Parameter0Promoted => nth(0).promote_to_long(),
        Ret::Parameter0Array => {
            if sig.params.first().and_then(arg_of).is_some() {
                Ty::DynArray
            } else {
                Ty::Error
            }
        }
        Ret::ParameterNLiteral => sig
            .params
            .last()
            .and_then(arg_of)
            .and_then(|a| args[a].info.type_of)
            .unwrap_or(Ty::Error),
        Ret::Common => common_argument_type(&params, &types, false).unwrap_or(Ty::Error),
        Ret::CommonNonDynamic => common_argument_type(&params, &types, true).unwrap_or(Ty::Error),
        Ret::Widest => widest(&types).map_or(Ty::Error, Ty::promote_to_long),
        Ret::Custom => custom_return(fn_name),
        Ret::Unary => {
            let t = types.first().copied().unwrap_or(Ty::Error);
            if t == Ty::INT && !args[0].info.constant {
                Ty::LONG
            } else {
                t
            }
        }
    }
}

/// Kusto's `GetCommonReturnType` for ambiguous or failed resolution.
pub(crate) fn common_return_type(fn_name: &str, sigs: &[&Signature], args: &[Arg<'_>]) -> Ty {
    let Some((first, rest)) = sigs.split_first() else {
        return Ty::Error;
    };
    let t = result_type(fn_name, first, args);
    for s in rest {
        let u = result_type(fn_name, s, args);
        if !assignable(t, u, Conversion::None) {
            return if args
                .iter()
                .any(|a| matches!(a.ty(), Ty::Error | Ty::UNKNOWN))
            {
                Ty::UNKNOWN
            } else {
                Ty::Error
            };
        }
    }
    t
}

fn type_list(types: &[Ty]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

impl Checker<'_> {
    /// Kusto's `CheckSignature`: argument count, common types and per-argument checks.
    pub(crate) fn check_signature(
        &mut self,
        fn_name: &str,
        sig: &Signature,
        args: &[Arg<'_>],
        location: Span,
        coercion: bool,
    ) {
        let n = args.len() as u32;
        let before = self.diag_count();
        if !sig.valid_arg_count(n) {
            if sig.has_repeatable() {
                if n < sig.min_args || n > sig.max_args {
                    self.error(
                        codes::ARGUMENT_COUNT_RANGE,
                        format!(
                            "The function '{fn_name}' expects between {} and {} arguments.",
                            sig.min_args, sig.max_args
                        ),
                        location.clone(),
                    );
                } else {
                    self.error(
                        codes::ARGUMENT_COUNT,
                        "The function has an incorrect number of arguments.",
                        location.clone(),
                    );
                }
            } else if n as usize != sig.params.len() {
                self.error(
                    codes::ARGUMENT_COUNT,
                    format!(
                        "The function '{fn_name}' expects {} argument(s).",
                        sig.params.len()
                    ),
                    location.clone(),
                );
            }
        }
        let params = argument_parameters(sig, args);
        let types = types_of(args);
        if self.diag_count() == before {
            let has_common = params.iter().flatten().any(|p| {
                matches!(
                    p.kind,
                    ParamKind::CommonNumber
                        | ParamKind::CommonSummable
                        | ParamKind::CommonOrderable
                        | ParamKind::CommonScalar
                        | ParamKind::CommonScalarOrDynamic
                )
            });
            if has_common && common_argument_type(&params, &types, false).is_none() {
                self.error(
                    codes::NO_COMMON_TYPE,
                    "No common type can be determined from the arguments.",
                    location.clone(),
                );
            }
        }
        if self.diag_count() == before {
            for (i, arg) in args.iter().enumerate() {
                self.check_argument(&params, &types, i, arg, coercion);
            }
        }
    }

    fn check_argument(
        &mut self,
        params: &[Option<&Param>],
        types: &[Ty],
        i: usize,
        arg: &Arg<'_>,
        coercion: bool,
    ) {
        let Some(param) = params[i] else { return };
        if arg.info.star {
            if !matches!(param.arg, ArgKind::StarOnly | ArgKind::StarAllowed) {
                self.error(
                    codes::STAR_NOT_ALLOWED,
                    "The expression '*' is not allowed in this context.",
                    arg.span.clone(),
                );
            }
            return;
        }
        let t = arg.ty();
        let silent = matches!(t, Ty::Error | Ty::UNKNOWN);
        let span = arg.span.clone();
        let require = |this: &mut Self, ok: bool, code: &'static str, msg: &str| {
            if !ok && !silent {
                this.error(code, msg.to_string(), span.clone());
            }
            ok
        };
        match &param.kind {
            ParamKind::Declared(ds) => {
                let m = match_kind(params, types, Some(param), arg, coercion);
                if matches!(m, Match::Compatible | Match::None) && !coercion {
                    self.error(
                        codes::TYPE_EXPECTED,
                        format!("A value of type {} expected.", type_list(ds)),
                        arg.span.clone(),
                    );
                }
            }
            ParamKind::TypeLiteral => {
                require(
                    self,
                    t == Ty::TypeOf,
                    codes::TYPE_EXPECTED,
                    "A value of type type expected.",
                );
            }
            ParamKind::Scalar => {
                self.check_scalar(arg.info, arg.span.clone());
            }
            ParamKind::Integer => {
                if !t.is_integer() && !silent {
                    self.error(
                        codes::INTEGER_EXPECTED,
                        "The expression value must be an integer.",
                        arg.span.clone(),
                    );
                }
            }
            ParamKind::RealOrDecimal => {
                require(
                    self,
                    matches!(t, Ty::REAL | Ty::DECIMAL),
                    codes::REAL_OR_DECIMAL_EXPECTED,
                    "The expression value must be a real or decimal.",
                );
            }
            ParamKind::StringOrDynamic => {
                require(
                    self,
                    t == Ty::STRING || t.is_dynamic(),
                    codes::EXPRESSION_TYPE,
                    "The expression must have one of the types: string, dynamic.",
                );
            }
            ParamKind::StringOrArray => {
                require(
                    self,
                    matches!(t, Ty::STRING | Ty::DYNAMIC | Ty::DynArray),
                    "KS233",
                    "The expression value must be a string or a dynamic array of strings.",
                );
            }
            ParamKind::IntegerOrArray => {
                require(
                    self,
                    t.is_integer() || matches!(t, Ty::DYNAMIC | Ty::DynArray),
                    codes::INTEGER_OR_ARRAY_EXPECTED,
                    "The expression must be an integer or an array of integers.",
                );
            }
            ParamKind::DynamicArray => {
                require(
                    self,
                    matches!(t, Ty::DYNAMIC | Ty::DynArray),
                    codes::EXPRESSION_TYPE,
                    "The expression must be a dynamic array.",
                );
            }
            ParamKind::DynamicBag => {
                require(
                    self,
                    matches!(t, Ty::DYNAMIC | Ty::DynBag),
                    codes::EXPRESSION_TYPE,
                    "The expression must be a dynamic property bag.",
                );
            }
            ParamKind::Number => {
                require(
                    self,
                    t.is_numeric(),
                    codes::NUMERIC_EXPECTED,
                    "The expression must be a numeric value.",
                );
            }
            ParamKind::NumberOrBool => {
                require(
                    self,
                    t.is_numeric() || t == Ty::BOOL,
                    codes::NUMERIC_EXPECTED,
                    "The expression must be a numeric or bool value.",
                );
            }
            ParamKind::Summable => {
                require(
                    self,
                    t.is_summable(),
                    codes::SUMMABLE_EXPECTED,
                    "The argument value must be summable: a number, timespan or datetime.",
                );
            }
            ParamKind::Orderable => {
                require(
                    self,
                    t.is_orderable(),
                    codes::EXPRESSION_TYPE,
                    "The expression must be an orderable value.",
                );
            }
            ParamKind::NotBool | ParamKind::NotRealOrBool | ParamKind::NotDynamic => {
                if self.check_scalar(arg.info, arg.span.clone()) && !silent {
                    let banned: &[Ty] = match param.kind {
                        ParamKind::NotBool => &[Ty::BOOL],
                        ParamKind::NotRealOrBool => &[Ty::REAL, Ty::BOOL],
                        _ => &[Ty::DYNAMIC],
                    };
                    for &b in banned {
                        let hit = if b == Ty::DYNAMIC {
                            t.is_dynamic()
                        } else {
                            t == b
                        };
                        if hit {
                            self.error(
                                codes::TYPE_NOT_ALLOWED,
                                format!(
                                    "The value of type '{}' is not allowed in this context.",
                                    b.name()
                                ),
                                arg.span.clone(),
                            );
                        }
                    }
                }
            }
            ParamKind::Tabular => {
                if arg.info.table.is_none() && t != Ty::Error {
                    self.error(
                        codes::TABULAR_EXPECTED,
                        "A tabular value expected.",
                        arg.span.clone(),
                    );
                }
            }
            ParamKind::Parameter0 | ParamKind::Parameter1 => {
                let want = types
                    .get(usize::from(param.kind == ParamKind::Parameter1))
                    .copied()
                    .unwrap_or(Ty::Error);
                if t != want && !silent && !matches!(want, Ty::Error | Ty::UNKNOWN) {
                    self.error(
                        codes::EXPRESSION_TYPE,
                        format!("The expression must have the type {}.", want.name()),
                        arg.span.clone(),
                    );
                }
            }
            ParamKind::CommonScalar
            | ParamKind::CommonScalarOrDynamic
            | ParamKind::CommonNumber
            | ParamKind::CommonSummable
            | ParamKind::CommonOrderable => {
                let ok = match param.kind {
                    ParamKind::CommonNumber => require(
                        self,
                        t.is_numeric(),
                        codes::NUMERIC_EXPECTED,
                        "The expression must be a numeric value.",
                    ),
                    ParamKind::CommonSummable => require(
                        self,
                        t.is_summable(),
                        codes::SUMMABLE_EXPECTED,
                        "The argument value must be summable: a number, timespan or datetime.",
                    ),
                    ParamKind::CommonOrderable => require(
                        self,
                        t.is_orderable(),
                        codes::EXPRESSION_TYPE,
                        "The expression must be an orderable value.",
                    ),
                    _ => self.check_scalar(arg.info, arg.span.clone()),
                };
                if ok && let Some(common) = common_argument_type(params, types, false) {
                    let fine = if param.kind == ParamKind::CommonScalarOrDynamic {
                        assignable(common, t, Conversion::Promotable)
                            || assignable(Ty::DYNAMIC, t, Conversion::Dynamic)
                    } else if t == Ty::UNKNOWN {
                        true
                    } else if common == Ty::DYNAMIC {
                        t.is_dynamic()
                    } else {
                        assignable(common, t, Conversion::Promotable)
                    };
                    if !fine && !silent && !matches!(common, Ty::Error | Ty::UNKNOWN) {
                        self.error(
                            codes::EXPRESSION_TYPE,
                            format!("The expression must have the type {}.", common.name()),
                            arg.span.clone(),
                        );
                    }
                }
            }
        }
        // how the argument must be written (errors only when its type is not already an error)
        let form = match param.arg {
            ArgKind::Column => Some((
                arg.info.referenced_column.is_some(),
                codes::COLUMN_EXPECTED,
                "Column name expected.",
            )),
            ArgKind::Constant => Some((
                arg.info.constant,
                codes::CONSTANT_EXPECTED,
                "The expression must be a constant.",
            )),
            ArgKind::Literal | ArgKind::LiteralNotEmpty => Some((
                arg.info.literal,
                codes::LITERAL_EXPECTED,
                "The expression must be a literal.",
            )),
            ArgKind::Expression | ArgKind::StarAllowed | ArgKind::StarOnly => None,
        };
        if let Some((ok, code, message)) = form
            && !ok
            && t != Ty::Error
        {
            self.error(code, message, arg.span.clone());
        }
        if param.arg == ArgKind::LiteralNotEmpty
            && arg.info.literal
            && !silent
            && arg.info.empty_string
        {
            self.error(
                codes::EMPTY_LITERAL,
                "The expression must not be empty.",
                arg.span.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::BinOp;
    use crate::functions::{binary_operator, builtins};

    fn info(ty: Ty) -> Info {
        Info::scalar(ty)
    }

    fn args_of(infos: &[Info]) -> Vec<Arg<'_>> {
        infos
            .iter()
            .map(|i| Arg {
                info: i,
                span: 0..0,
            })
            .collect()
    }

    #[test]
    fn assignability_and_promotion() {
        assert!(assignable(Ty::LONG, Ty::INT, Conversion::Promotable));
        assert!(!assignable(Ty::INT, Ty::LONG, Conversion::Promotable));
        assert!(assignable(Ty::INT, Ty::LONG, Conversion::Compatible));
        // a plain dynamic value may be promoted to string, a dynamic literal may not
        assert!(assignable(Ty::STRING, Ty::DYNAMIC, Conversion::Promotable));
        assert!(!assignable(Ty::STRING, Ty::DynPrim, Conversion::Promotable));
        assert!(assignable(Ty::DYNAMIC, Ty::DynArray, Conversion::None));
        assert!(assignable(Ty::DYNAMIC, Ty::LONG, Conversion::Dynamic));
        assert!(!assignable(Ty::DYNAMIC, Ty::LONG, Conversion::Promotable));
        assert!(assignable(Ty::REAL, Ty::UNKNOWN, Conversion::None));
    }

    #[test]
    fn common_types() {
        assert_eq!(
            common_type(Some(Ty::INT), Ty::REAL, Conversion::Promotable),
            Ok(Ty::REAL)
        );
        assert_eq!(
            common_type(Some(Ty::LONG), Ty::STRING, Conversion::Promotable),
            Err(())
        );
        assert_eq!(
            common_type(Some(Ty::LONG), Ty::STRING, Conversion::Dynamic),
            Ok(Ty::DYNAMIC)
        );
        assert_eq!(
            common_type(Some(Ty::DynArray), Ty::DynBag, Conversion::Promotable),
            Ok(Ty::DYNAMIC)
        );
        assert_eq!(common_type(None, Ty::BOOL, Conversion::None), Ok(Ty::BOOL));
    }

    #[test]
    fn block_layout_pairs_predicates_and_values() {
        let case = &builtins().function("case", false).expect("case").signatures[0];
        let infos = [
            info(Ty::BOOL),
            info(Ty::STRING),
            info(Ty::BOOL),
            info(Ty::STRING),
            info(Ty::STRING),
        ];
        let args = args_of(&infos);
        let names: Vec<&str> = argument_parameters(case, &args)
            .iter()
            .map(|p| p.map_or("-", |p| p.name.as_str()))
            .collect();
        assert_eq!(names, ["predicate", "then", "predicate", "then", "else"]);
    }

    #[test]
    fn failed_resolution_keeps_the_best_candidate() {
        let sigs = binary_operator(BinOp::Add);
        let infos = [info(Ty::STRING), info(Ty::LONG)];
        let args = args_of(&infos);
        assert!(best_signatures(sigs, &args, true, false).is_empty());
        let best = best_signatures(sigs, &args, false, false);
        assert_eq!(best.len(), 1);
        assert_eq!(result_type("+", &sigs[best[0]], &args), Ty::LONG);
    }
}
