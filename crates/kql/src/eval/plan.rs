//! The compiled form of a query: scalar expression trees over row slots, and tabular plans (a
//! row source and the row-by-row stages every transformation operator compiles to).

use std::sync::Arc;

use smallvec::SmallVec;

use regex::Regex;

use super::value::Value;
use crate::types::Ty;

/// What a running query may read besides its rows.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// `now()` for this run, in ticks.
    pub now: i64,
}

/// A function of evaluated arguments.
pub(crate) type Func = Arc<dyn Fn(&[Value], &Ctx) -> Value + Send + Sync>;
/// A function of one argument.
pub(crate) type Func1 = Arc<dyn Fn(Value, &Ctx) -> Value + Send + Sync>;
/// A function of two arguments.
pub(crate) type Func2 = Arc<dyn Fn(Value, Value, &Ctx) -> Value + Send + Sync>;

/// A compiled scalar expression.
#[derive(Clone)]
pub(crate) enum Node {
    /// A constant.
    Const(Value),
    /// A column of the current row.
    Col(usize),
    /// A function of one argument.
    Unary(Func1, Box<Node>),
    /// A function of two arguments.
    Binary(Func2, Box<[Node; 2]>),
    /// A function of any number of arguments.
    Call(Func, Box<[Node]>),
    /// `a and b` with Kusto's null rules (false wins, then null).
    And(Box<[Node; 2]>),
    /// `a or b` (true wins, then null).
    Or(Box<[Node; 2]>),
    /// `iff(c, a, b)`: `b` unless `c` is true.
    Iff(Box<[Node; 3]>),
    /// `case(c1, v1, ..., else)`.
    Case(Box<[(Node, Node)]>, Box<Node>),
    /// `coalesce(a, b, ...)`: the first argument that is not null (nor an empty string).
    Coalesce(Box<[Node]>),
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Const(v) => write!(f, "Const({v:?})"),
            Node::Col(i) => write!(f, "Col({i})"),
            Node::Unary(_, a) => write!(f, "Unary({a:?})"),
            Node::Binary(_, ab) => write!(f, "Binary({:?}, {:?})", ab[0], ab[1]),
            Node::Call(_, args) => write!(f, "Call({args:?})"),
            Node::And(ab) => write!(f, "And({:?}, {:?})", ab[0], ab[1]),
            Node::Or(ab) => write!(f, "Or({:?}, {:?})", ab[0], ab[1]),
            Node::Iff(abc) => write!(f, "Iff({:?}, {:?}, {:?})", abc[0], abc[1], abc[2]),
            Node::Case(arms, e) => write!(f, "Case({arms:?}, {e:?})"),
            Node::Coalesce(args) => write!(f, "Coalesce({args:?})"),
        }
    }
}

/// True for the boolean `true` (null and false are not).
fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

impl Node {
    /// Evaluates the expression on a row.
    pub(crate) fn eval(&self, row: &[Value], ctx: &Ctx) -> Value {
        match self {
            Node::Const(v) => v.clone(),
            Node::Col(i) => row.get(*i).cloned().unwrap_or_default(),
            Node::Unary(f, a) => f(a.eval(row, ctx), ctx),
            Node::Binary(f, ab) => f(ab[0].eval(row, ctx), ab[1].eval(row, ctx), ctx),
            Node::Call(f, args) => {
                let values: SmallVec<[Value; 4]> = args.iter().map(|a| a.eval(row, ctx)).collect();
                f(&values, ctx)
            }
            Node::And(ab) => match ab[0].eval(row, ctx) {
                Value::Bool(false) => Value::Bool(false),
                left => match (left, ab[1].eval(row, ctx)) {
                    (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                },
            },
            Node::Or(ab) => match ab[0].eval(row, ctx) {
                Value::Bool(true) => Value::Bool(true),
                left => match (left, ab[1].eval(row, ctx)) {
                    (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                },
            },
            Node::Iff(abc) => {
                if is_true(&abc[0].eval(row, ctx)) {
                    abc[1].eval(row, ctx)
                } else {
                    abc[2].eval(row, ctx)
                }
            }
            Node::Case(arms, otherwise) => {
                for (cond, value) in arms.iter() {
                    if is_true(&cond.eval(row, ctx)) {
                        return value.eval(row, ctx);
                    }
                }
                otherwise.eval(row, ctx)
            }
            Node::Coalesce(args) => {
                let mut last = Value::Null;
                for a in args.iter() {
                    let v = a.eval(row, ctx);
                    let empty = match &v {
                        Value::Null => true,
                        Value::String(s) => s.is_empty(),
                        _ => false,
                    };
                    if !empty {
                        return v;
                    }
                    last = v;
                }
                last
            }
        }
    }

    /// The depth of the expression tree (evaluation recurses this deep).
    pub(crate) fn depth(&self) -> usize {
        let max =
            |nodes: &mut dyn Iterator<Item = &Node>| nodes.map(Node::depth).max().unwrap_or(0);
        1 + match self {
            Node::Const(_) | Node::Col(_) => 0,
            Node::Unary(_, a) => a.depth(),
            Node::Binary(_, ab) | Node::And(ab) | Node::Or(ab) => max(&mut ab.iter()),
            Node::Call(_, args) | Node::Coalesce(args) => max(&mut args.iter()),
            Node::Iff(abc) => max(&mut abc.iter()),
            Node::Case(arms, e) => max(&mut arms
                .iter()
                .flat_map(|(c, v)| [c, v])
                .chain(std::iter::once(&**e))),
        }
    }

    /// Calls `f` with every row column the expression reads.
    pub(crate) fn for_each_column(&self, f: &mut dyn FnMut(usize)) {
        match self {
            Node::Const(_) => {}
            Node::Col(i) => f(*i),
            Node::Unary(_, a) => a.for_each_column(f),
            Node::Binary(_, ab) | Node::And(ab) | Node::Or(ab) => {
                ab.iter().for_each(|n| n.for_each_column(f));
            }
            Node::Call(_, args) | Node::Coalesce(args) => {
                args.iter().for_each(|n| n.for_each_column(f));
            }
            Node::Iff(abc) => abc.iter().for_each(|n| n.for_each_column(f)),
            Node::Case(arms, otherwise) => {
                for (cond, value) in arms.iter() {
                    cond.for_each_column(f);
                    value.for_each_column(f);
                }
                otherwise.for_each_column(f);
            }
        }
    }

    /// The value when the node is a constant.
    pub(crate) fn constant(&self) -> Option<&Value> {
        match self {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }
}

/// Where a tabular plan's rows come from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The transformation's input records (`source`).
    Input,
    /// Constant rows (`datatable`, `print` of constants are folded here too).
    Rows(Arc<Vec<Vec<Value>>>),
    /// One row computed from expressions (`print`).
    Print(Vec<Node>),
    /// Another plan (a `let` table used as a pipe input).
    Plan(Arc<TablePlan>),
}

/// One row-by-row stage.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    /// `extend`: each value is computed on the row as extended so far and stored in its slot
    /// (an existing column replaced in place, or a new one appended).
    Extend(Vec<(usize, Node)>),
    /// `where`: rows whose predicate is not `true` are dropped.
    Where(Node),
    /// `project`: a new row of computed values.
    Project(Vec<Node>),
    /// `project-away`, `project-rename`, `project-reorder`, `project-keep`: the columns at
    /// these positions, in this order.
    Select(Vec<usize>),
    /// `parse` / `parse-where`: the pattern's columns, stored in their slots.
    Parse(Box<ParsePlan>),
}

/// A tabular expression: a source and its stages.
#[derive(Debug, Clone)]
pub(crate) struct TablePlan {
    pub source: Source,
    pub stages: Vec<Stage>,
}

impl TablePlan {
    /// Runs the plan; `input` holds the rows of `source`. Each result row goes to `emit`.
    pub(crate) fn run(&self, input: &[Vec<Value>], ctx: &Ctx, emit: &mut dyn FnMut(Vec<Value>)) {
        let mut stage_emit = |row: Vec<Value>| {
            if let Some(row) = self.apply(row, ctx) {
                emit(row);
            }
        };
        match &self.source {
            Source::Input => input.iter().for_each(|r| stage_emit(r.clone())),
            Source::Rows(rows) => rows.iter().for_each(|r| stage_emit(r.clone())),
            Source::Print(items) => {
                let row = items.iter().map(|n| n.eval(&[], ctx)).collect();
                stage_emit(row);
            }
            Source::Plan(plan) => plan.run(input, ctx, &mut stage_emit),
        }
    }

    /// Runs the stages on one row; `None` when a `where` drops it.
    pub(crate) fn apply(&self, mut row: Vec<Value>, ctx: &Ctx) -> Option<Vec<Value>> {
        for stage in &self.stages {
            match stage {
                Stage::Extend(items) => {
                    for (slot, node) in items {
                        let v = node.eval(&row, ctx);
                        if *slot < row.len() {
                            row[*slot] = v;
                        } else {
                            row.push(v);
                        }
                    }
                }
                Stage::Where(cond) => {
                    if !is_true(&cond.eval(&row, ctx)) {
                        return None;
                    }
                }
                Stage::Project(items) => {
                    row = items.iter().map(|n| n.eval(&row, ctx)).collect();
                }
                Stage::Select(positions) => {
                    let mut old: Vec<Option<Value>> = row.into_iter().map(Some).collect();
                    row = positions
                        .iter()
                        .map(|&i| old.get_mut(i).and_then(Option::take).unwrap_or_default())
                        .collect();
                }
                Stage::Parse(plan) => {
                    if !plan.apply(&mut row, ctx) {
                        return None;
                    }
                }
            }
        }
        Some(row)
    }

    /// The deepest expression of the plan (and of the plans it reads).
    pub(crate) fn depth(&self) -> usize {
        let stage = |st: &Stage| match st {
            Stage::Extend(items) => items.iter().map(|(_, n)| n.depth()).max().unwrap_or(0),
            Stage::Where(n) => n.depth(),
            Stage::Project(items) => items.iter().map(Node::depth).max().unwrap_or(0),
            Stage::Select(_) => 0,
            Stage::Parse(p) => p.source.depth(),
        };
        let source = match &self.source {
            Source::Print(items) => items.iter().map(Node::depth).max().unwrap_or(0),
            Source::Plan(p) => p.depth(),
            Source::Input | Source::Rows(_) => 0,
        };
        self.stages.iter().map(stage).max().unwrap_or(0).max(source)
    }

    /// Where the values of a plan run row by row on `inputs` input columns come from: per
    /// output column, the input column whose value it is, unchanged (moved by `project`,
    /// `project-rename`, `extend X = Y` … but not computed); and per input column, whether an
    /// expression (`extend`, `where`, `project`, `parse`) reads it. `None` when the rows do not
    /// come straight from the input (a `let` table, `datatable`, `print`).
    pub(crate) fn lineage(&self, inputs: usize) -> Option<Lineage> {
        if !matches!(self.source, Source::Input) {
            return None;
        }
        let mut slots: Vec<Option<usize>> = (0..inputs).map(Some).collect();
        let mut read = vec![false; inputs];
        // an expression reads the input columns its row columns hold
        let mark = |node: &Node, slots: &[Option<usize>], read: &mut [bool]| {
            node.for_each_column(&mut |i| {
                if let Some(Some(input)) = slots.get(i) {
                    read[*input] = true;
                }
            });
        };
        // a value computed from the row, or a row column moved as it is
        let value_of = |node: &Node, slots: &[Option<usize>], read: &mut [bool]| match node {
            Node::Col(i) => slots.get(*i).copied().flatten(),
            _ => {
                mark(node, slots, read);
                None
            }
        };
        let set = |slots: &mut Vec<Option<usize>>, slot: usize, value: Option<usize>| {
            if slot >= slots.len() {
                slots.resize(slot + 1, None);
            }
            slots[slot] = value;
        };
        for stage in &self.stages {
            match stage {
                Stage::Extend(items) => {
                    for (slot, node) in items {
                        let value = value_of(node, &slots, &mut read);
                        set(&mut slots, *slot, value);
                    }
                }
                Stage::Where(cond) => mark(cond, &slots, &mut read),
                Stage::Project(items) => {
                    slots = items
                        .iter()
                        .map(|n| value_of(n, &slots, &mut read))
                        .collect();
                }
                Stage::Select(positions) => {
                    // each position is taken once: a repeated one is null
                    let mut old = slots;
                    slots = positions
                        .iter()
                        .map(|&i| old.get_mut(i).and_then(Option::take))
                        .collect();
                }
                Stage::Parse(plan) => {
                    mark(&plan.source, &slots, &mut read);
                    for (slot, _, _) in &plan.columns {
                        set(&mut slots, *slot, None);
                    }
                }
            }
        }
        Some(Lineage {
            output: slots,
            read,
        })
    }

    /// True when the plan reads the transformation's input (directly or through a `let`).
    pub(crate) fn reads_input(&self) -> bool {
        match &self.source {
            Source::Input => true,
            Source::Plan(p) => p.reads_input(),
            Source::Rows(_) | Source::Print(_) => false,
        }
    }
}

/// Where a plan's output values come from (see [`TablePlan::lineage`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lineage {
    /// Per output column: the input column whose value it holds unchanged.
    pub output: Vec<Option<usize>>,
    /// Per input column: whether an expression reads it.
    pub read: Vec<bool>,
}

/// A compiled `parse`.
#[derive(Debug, Clone)]
pub(crate) struct ParsePlan {
    /// The parsed expression.
    pub source: Node,
    /// The pattern.
    pub regex: Arc<Regex>,
    /// Each column: its slot in the row, its type and its capture group index.
    pub columns: Vec<(usize, Ty, usize)>,
    /// Strict or relaxed conversion.
    pub relaxed: bool,
    /// `parse-where`: rows that do not match are dropped.
    pub filter: bool,
}
