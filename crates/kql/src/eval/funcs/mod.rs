//! The scalar function library: one builder per function name that turns the compiled
//! arguments (with their static types and constant values) into a node. Constant arguments are
//! used at build time (regular expressions and formats are compiled once), and a call whose
//! arguments are all constants is folded to its value unless it reads the clock.

mod datetime;
mod dynamic;
mod general;
mod ip;
mod math;
mod strings;
mod xml;

use std::borrow::Cow;
use std::sync::Arc;

use super::conv;
use super::plan::{Ctx, Func, Node};
use super::value::Value;
use crate::types::Ty;

/// A function of all its arguments.
pub(crate) type FnN = Func;

/// One compiled argument.
pub(crate) struct Arg {
    /// The argument's node.
    pub node: Node,
    /// Its static type.
    pub ty: Ty,
    /// The type named by a `typeof(...)` argument.
    pub type_of: Option<Ty>,
}

impl Arg {
    /// The value when the argument is a constant.
    pub(crate) fn constant(&self) -> Option<&Value> {
        self.node.constant()
    }
}

/// A call being built.
pub(crate) struct Site<'a> {
    /// The function's name (as the analyser resolved it).
    pub name: &'a str,
    /// The arguments.
    pub args: Vec<Arg>,
    /// The call's static type.
    pub ret: Ty,
}

impl Site<'_> {
    /// Takes the nodes of all arguments.
    pub(crate) fn nodes(&mut self) -> Vec<Node> {
        std::mem::take(&mut self.args)
            .into_iter()
            .map(|a| a.node)
            .collect()
    }

    /// Takes argument `i`'s node conformed to type `ty`.
    pub(crate) fn take_as(&mut self, i: usize, ty: Ty) -> Node {
        let a = &mut self.args[i];
        let node = std::mem::replace(&mut a.node, Node::Const(Value::Null));
        conform_node(node, a.ty, ty)
    }

    /// The constant string value of argument `i`.
    pub(crate) fn const_str(&self, i: usize) -> Option<String> {
        self.args
            .get(i)
            .and_then(Arg::constant)
            .map(Value::to_kusto_string)
    }
}

/// The builder of one function.
type Builder = fn(&mut Site) -> Result<Node, String>;

/// Builds the node of a call of a built-in function.
pub(crate) fn build(mut site: Site, warnings: &mut Vec<String>) -> Result<Node, String> {
    let Some(builder) = builder(site.name) else {
        return Err(format!(
            "the function '{}' is not supported by the evaluator",
            site.name
        ));
    };
    if site.name == "geo_location" {
        warnings.push(
            "geo_location() needs Microsoft's IP geolocation data, which is not available \
             offline: the evaluator returns an empty property bag"
                .to_string(),
        );
    }
    builder(&mut site)
}

/// The builder of a function name.
fn builder(name: &str) -> Option<Builder> {
    general::builder(name)
        .or_else(|| strings::builder(name))
        .or_else(|| datetime::builder(name))
        .or_else(|| math::builder(name))
        .or_else(|| dynamic::builder(name))
        .or_else(|| ip::builder(name))
}

/// True when the evaluator implements the function.
pub(crate) fn supported(name: &str) -> bool {
    builder(name).is_some()
}

/// A context for folding constants (never read by foldable functions).
const FOLD_CTX: Ctx = Ctx { now: 0 };

/// A node applying `f` to one argument (folded when the argument is constant).
pub(crate) fn unary(a: Node, f: impl Fn(Value, &Ctx) -> Value + Send + Sync + 'static) -> Node {
    if let Some(v) = a.constant() {
        return Node::Const(f(v.clone(), &FOLD_CTX));
    }
    Node::Unary(Arc::new(f), Box::new(a))
}

/// A node applying `f` to two arguments (folded when both are constant).
pub(crate) fn binary(
    a: Node,
    b: Node,
    f: impl Fn(Value, Value, &Ctx) -> Value + Send + Sync + 'static,
) -> Node {
    if let (Some(x), Some(y)) = (a.constant(), b.constant()) {
        return Node::Const(f(x.clone(), y.clone(), &FOLD_CTX));
    }
    Node::Binary(Arc::new(f), Box::new([a, b]))
}

/// A node applying `f` to all arguments (folded when all are constant).
pub(crate) fn call(f: FnN, args: Vec<Node>) -> Node {
    if args.iter().all(|a| a.constant().is_some()) {
        let values: Vec<Value> = args.iter().filter_map(|a| a.constant().cloned()).collect();
        return Node::Const(f(&values, &FOLD_CTX));
    }
    Node::Call(f, args.into_boxed_slice())
}

/// A node that reads the clock (never folded).
pub(crate) fn clock(args: Vec<Node>, f: FnN) -> Node {
    Node::Call(f, args.into_boxed_slice())
}

/// Wraps a node with a conversion from its static type `from` to `to` where needed.
pub(crate) fn conform_node(node: Node, from: Ty, to: Ty) -> Node {
    if matches!(to, Ty::UNKNOWN | Ty::Error | Ty::TypeOf) || to.is_dynamic() {
        return node;
    }
    if from != Ty::UNKNOWN && !conv::needs_conform(from, to) {
        return node;
    }
    unary(node, move |v, _| conv::conform(v, to))
}

/// The text of a value for string functions (`tostring` semantics; null is empty).
pub(crate) fn text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_kusto_string()),
    }
}

/// `bag.key`: the property, null when absent or not a bag.
pub(crate) fn property(v: &Value, key: &str) -> Value {
    match v {
        Value::Bag(bag) => bag.get(key).cloned().unwrap_or_default(),
        _ => Value::Null,
    }
}

/// `x[i]` / `x["key"]`: array elements (negative indexes count from the end) and properties.
pub(crate) fn element(v: &Value, index: &Value) -> Value {
    match (v, index) {
        (Value::Array(items), Value::Int(_) | Value::Long(_)) => {
            let i = conv::long_of(index).unwrap_or(0);
            let len = items.len() as i64;
            let i = if i < 0 { len + i } else { i };
            if (0..len).contains(&i) {
                items[i as usize].clone()
            } else {
                Value::Null
            }
        }
        (Value::Bag(bag), Value::String(k)) => bag.get(k).cloned().unwrap_or_default(),
        _ => Value::Null,
    }
}

/// The static type's name for `gettype` of a null.
pub(crate) fn type_name(ty: Ty) -> &'static str {
    match ty {
        t if t.is_dynamic() => "null",
        Ty::DECIMAL => "decimal",
        t => t.name(),
    }
}

/// Builds a node from a one-argument function on values with the argument conformed to `ty`.
pub(crate) fn map1(
    site: &mut Site,
    ty: Ty,
    f: impl Fn(Value) -> Value + Send + Sync + 'static,
) -> Node {
    let a = site.take_as(0, ty);
    unary(a, move |v, _| f(v))
}

/// Builds a node from a function of all arguments conformed to the given types (the last
/// type repeats).
pub(crate) fn map_n(
    site: &mut Site,
    types: &[Ty],
    f: impl Fn(&[Value]) -> Value + Send + Sync + 'static,
) -> Node {
    let n = site.args.len();
    let nodes: Vec<Node> = (0..n)
        .map(|i| {
            let ty = types
                .get(i)
                .or(types.last())
                .copied()
                .unwrap_or(Ty::UNKNOWN);
            site.take_as(i, ty)
        })
        .collect();
    call(Arc::new(move |args: &[Value], _: &Ctx| f(args)), nodes)
}

/// The number of arguments, checked against a range.
pub(crate) fn arity(site: &Site, min: usize, max: usize) -> Result<(), String> {
    let n = site.args.len();
    if n < min || n > max {
        return Err(format!(
            "{}() takes {} argument(s), not {n}",
            site.name,
            if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            }
        ));
    }
    Ok(())
}
