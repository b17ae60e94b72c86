//! Typing of expressions: names, literals, operators, calls, member access, nested queries.

use std::rc::Rc;

use super::overload::{Arg, best_signatures_of, common_return_type, result_type};
use super::{CallTarget, Checker, Info, Symbol, Table};
use crate::ast::{BinOp, DynShape, Expr, ExprKind, Literal, Name, NameKind, StrOp};
use crate::diag::codes;
use crate::functions::{
    FunctionDef, Signature, between_operator, binary_operator, builtins, list_operator,
    unary_operator,
};
use crate::types::Ty;
use smallvec::SmallVec;

/// Conversion functions whose call on a column of the target type is a no-op (the projection
/// then treats the call as the column itself).
fn is_conversion(name: &str) -> bool {
    matches!(
        name,
        "tobool"
            | "todatetime"
            | "todecimal"
            | "todouble"
            | "todynamic"
            | "toguid"
            | "toint"
            | "tolong"
            | "toreal"
            | "tostring"
            | "totime"
            | "totimespan"
    )
}

impl<'q> Checker<'q> {
    /// Types an expression (and records its type by node id).
    pub(crate) fn expr(&mut self, e: &'q Expr<'q>) -> Info {
        use crate::parser::{STACK_RED_ZONE, STACK_SEGMENT};
        let info = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.expr_inner(e));
        self.record(e, &info);
        info
    }

    fn expr_inner(&mut self, e: &'q Expr<'q>) -> Info {
        match &e.kind {
            ExprKind::Missing => Info::scalar(Ty::Error),
            ExprKind::Name(n) => self.name(n),
            ExprKind::Literal(l) => {
                let mut info = literal(l);
                if let Literal::String(text) = l {
                    info.string_value = Some(self.sym(*text));
                }
                info
            }
            ExprKind::Dynamic(shape) => Info {
                ty: match shape {
                    DynShape::Array => Ty::DynArray,
                    DynShape::Bag => Ty::DynBag,
                    DynShape::Scalar => Ty::DynPrim,
                    DynShape::Null => Ty::DYNAMIC,
                },
                literal: true,
                constant: true,
                ..Info::default()
            },
            ExprKind::TypeOf(t) => Info {
                ty: Ty::TypeOf,
                type_of: Some(*t),
                literal: true,
                constant: true,
                ..Info::default()
            },
            ExprKind::Paren(inner) => {
                let i = self.expr(inner);
                Info {
                    referenced_column: None,
                    literal: false,
                    ..i
                }
            }
            ExprKind::Star => Info {
                star: true,
                ..Info::scalar(Ty::UNKNOWN)
            },
            ExprKind::Unary {
                operand, op_span, ..
            } => {
                let o = self.expr(operand);
                let args = [Arg {
                    info: &o,
                    span: operand.span.clone(),
                }];
                let text = &self.src[op_span.clone()];
                self.operator(
                    text,
                    unary_operator(crate::ast::UnaryOp::Minus),
                    &args,
                    op_span.clone(),
                    true,
                )
            }
            ExprKind::Binary {
                op,
                op_text,
                op_span,
                left,
                right,
            } => {
                let l = self.expr(left);
                let r = self.expr(right);
                let args = [
                    Arg {
                        info: &l,
                        span: left.span.clone(),
                    },
                    Arg {
                        info: &r,
                        span: right.span.clone(),
                    },
                ];
                let sigs = binary_operator(match op {
                    BinOp::Str(StrOp::StringRhs) => BinOp::Str(StrOp::StringRhs),
                    BinOp::Str(_) => BinOp::Str(StrOp::Any),
                    other => *other,
                });
                self.operator(op_text, sigs, &args, op_span.clone(), true)
            }
            ExprKind::List {
                op,
                op_text,
                op_span,
                left,
                values,
            } => {
                let l = self.expr(left);
                let vs: Vec<Info> = values.iter().map(|v| self.expr(v)).collect();
                if vs.len() == 1 && vs[0].table.is_some() {
                    self.check_scalar(&l, left.span.clone());
                    return Info {
                        constant: false,
                        ..Info::scalar(Ty::BOOL)
                    };
                }
                let mut args = vec![Arg {
                    info: &l,
                    span: left.span.clone(),
                }];
                args.extend(vs.iter().zip(values.iter()).map(|(i, v)| Arg {
                    info: i,
                    span: v.span.clone(),
                }));
                self.operator(op_text, list_operator(*op), &args, op_span.clone(), true)
            }
            ExprKind::Between {
                op_text,
                op_span,
                left,
                low,
                high,
                ..
            } => {
                let l = self.expr(left);
                let lo = self.expr(low);
                let hi = self.expr(high);
                let args = [
                    Arg {
                        info: &l,
                        span: left.span.clone(),
                    },
                    Arg {
                        info: &lo,
                        span: low.span.clone(),
                    },
                    Arg {
                        info: &hi,
                        span: high.span.clone(),
                    },
                ];
                self.operator(op_text, between_operator(), &args, op_span.clone(), true)
            }
            ExprKind::Call { name, args } => self.call(e, name, args),
            ExprKind::Named { value, .. } | ExprKind::NamedTuple { value, .. } => self.expr(value),
            ExprKind::Path { target, member } => self.path(target, member),
            ExprKind::Element { target, index } => {
                let t = self.expr(target);
                let i = self.expr(index);
                self.element(t.ty, &i, index, target.span.end..e.span.end)
            }
            ExprKind::ToScalar(inner) => {
                let i = self.expr(inner);
                match &i.table {
                    Some(t) => Info::scalar(t.cols.first().map_or(Ty::UNKNOWN, |c| c.ty)),
                    None => Info::scalar(i.ty),
                }
            }
            ExprKind::ToTable(inner) | ExprKind::Materialize(inner) => {
                let t = self.tabular(inner);
                Info::table(t)
            }
            ExprKind::Pipe { source, op } => {
                let input = self.tabular(source);
                self.query_operator(op, input)
            }
            ExprKind::Source(op) => match &op.kind {
                crate::ast::OpKind::Union { parameters, tables } => {
                    let saved = self.row.take();
                    let info = self.union(parameters, tables, None);
                    self.row = saved;
                    info
                }
                crate::ast::OpKind::Search {
                    find,
                    parameters,
                    tables,
                    predicate,
                    project,
                } => {
                    let saved = self.row.take();
                    let info = self.search(*find, parameters, *tables, predicate, *project, None);
                    self.row = saved;
                    info
                }
                _ => self.query_operator(op, Rc::new(Table::default())),
            },
            ExprKind::Implicit => Info::table(self.implicit.clone().unwrap_or_else(|| {
                Rc::new(Table {
                    open: true,
                    ..Table::default()
                })
            })),
            ExprKind::ExternalData { columns } => self.externaldata(columns),
            ExprKind::DataTable {
                columns,
                values,
                values_span,
                ..
            } => {
                let saved = self.row.take();
                for v in values.iter() {
                    let i = self.expr(v);
                    self.check_scalar(&i, v.span.clone());
                }
                self.row = saved;
                if !columns.is_empty() && values.len() % columns.len() != 0 {
                    self.error(
                        codes::DATATABLE_VALUES,
                        format!("Incorrect number of data values. The values should appear in multiples of {}.", columns.len()),
                        values_span.clone(),
                    );
                }
                let cols = columns
                    .iter()
                    .map(|c| self.named_col(c.name.text, c.ty.ty))
                    .collect();
                Info::table(Rc::new(Table {
                    cols,
                    ..Table::default()
                }))
            }
        }
    }

    /// Resolves an operator application with Kusto's overload rules.
    fn operator(
        &mut self,
        op_text: &str,
        sigs: &'static [Signature],
        args: &[Arg<'_>],
        location: crate::ast::Span,
        require_all: bool,
    ) -> Info {
        let constant = args.iter().all(|a| a.info.constant);
        let mut best = best_signatures_of(sigs, args, require_all, false);
        if best.len() == 1 {
            let sig = &sigs[best[0]];
            self.check_signature(op_text, sig, args, location, false);
            return Info {
                constant,
                ..Info::scalar(result_type(op_text, sig, args))
            };
        }
        if best.is_empty() && require_all {
            best = best_signatures_of(sigs, args, false, false);
        }
        if !args
            .iter()
            .any(|a| matches!(a.info.ty, Ty::Error | Ty::UNKNOWN))
        {
            let types: Vec<&str> = args.iter().map(|a| a.info.ty.name()).collect();
            let msg = if types.len() == 1 {
                format!(
                    "The operator '{op_text}' is not defined for the operand type {}.",
                    types[0]
                )
            } else {
                format!(
                    "The operator '{op_text}' is not defined for the operand types {}.",
                    types.join(" and ")
                )
            };
            self.error(codes::OPERATOR_NOT_DEFINED, msg, location);
        }
        let cands: Vec<&Signature> = best.iter().map(|&i| &sigs[i]).collect();
        Info::scalar(common_return_type(op_text, &cands, args))
    }

    /// A name in expression position.
    fn name(&mut self, n: &'q Name<'q>) -> Info {
        if n.kind == NameKind::Missing {
            return Info::scalar(Ty::Error);
        }
        if !self.aggregate_scope
            && let Some(c) = self.row_lookup(n.text)
        {
            return Info {
                ty: c.ty,
                referenced_column: Some(c),
                result_column: Some(c),
                ..Info::default()
            };
        }
        match self.lookup_local(n.text).cloned() {
            Some(Symbol::Scalar {
                ty,
                constant,
                empty_string,
                value,
            }) => {
                return Info {
                    ty,
                    constant,
                    empty_string,
                    string_value: value,
                    ..Info::default()
                };
            }
            Some(Symbol::Table(t)) => return Info::table(t),
            Some(Symbol::Function(f)) => {
                if f.decl.params.iter().all(|p| p.default.is_some()) {
                    return self.call_user(&f, &[], &[]);
                }
                self.error(
                    codes::ARGUMENT_LIST_REQUIRED,
                    format!("The function '{}' requires an argument list.", n.text),
                    n.span.clone(),
                );
                return Info::scalar(Ty::Error);
            }
            None => {}
        }
        if let Some(f) = self.stored_function(n.text) {
            if !f.decl.params.iter().all(|p| p.default.is_some()) {
                // Kusto reports it and still uses the function's result
                self.error(
                    codes::ARGUMENT_LIST_REQUIRED,
                    format!("The function '{}' requires an argument list.", n.text),
                    n.span.clone(),
                );
            }
            return self.call_user(&f, &[], &[]);
        }
        if let Some(t) = self.global_table(n.text) {
            return Info::table(t);
        }
        if let Some(f) = builtins().function(n.text, self.dcr_functions) {
            self.error(
                codes::ARGUMENT_LIST_REQUIRED,
                format!("The function '{}' requires an argument list.", n.text),
                n.span.clone(),
            );
            let sigs: Vec<&Signature> = f.signatures.iter().collect();
            return Info::scalar(common_return_type(&f.name, &sigs, &[]));
        }
        if self.row.as_ref().is_some_and(|r| r.open) && !self.aggregate_scope {
            // an open table: the name is an inferred column of unknown type
            let c = self.named_col(n.text, Ty::UNKNOWN);
            self.inferred.push(c);
            return Info {
                ty: Ty::UNKNOWN,
                referenced_column: Some(c),
                result_column: Some(c),
                ..Info::default()
            };
        }
        if self.aggregate_scope && self.row_lookup(n.text).is_some() {
            self.error(
                codes::NOT_AN_AGGREGATE,
                format!(
                    "The name '{}' is not an aggregate or scalar function.",
                    n.text
                ),
                n.span.clone(),
            );
            return Info::scalar(Ty::Error);
        }
        self.unknown_name(n.text, n.span.clone());
        Info::scalar(Ty::Error)
    }

    /// `collection[index]` (Kusto's element access rules).
    fn element(
        &mut self,
        collection: Ty,
        index: &Info,
        index_expr: &Expr,
        bracket: crate::ast::Span,
    ) -> Info {
        if index.ty == Ty::Error || collection == Ty::Error {
            return Info::scalar(Ty::Error);
        }
        let integer = index.ty.is_integer() || index.ty == Ty::DYNAMIC;
        let string = index.ty == Ty::STRING || index.ty.is_dynamic();
        let (ok, expected) = match collection {
            Ty::DynArray => (integer, "one of the types: int or long"),
            Ty::DynBag => (string, "the type string"),
            Ty::DYNAMIC => (integer || string, "one of the types: int, long or string"),
            Ty::UNKNOWN => return Info::scalar(Ty::UNKNOWN),
            _ => {
                let start = self.src[bracket.clone()]
                    .find('[')
                    .map_or(bracket.start, |i| bracket.start + i);
                self.error(
                    codes::ELEMENT_ACCESS,
                    "The element access operator [] is not allowed in this context.",
                    start..bracket.end,
                );
                return Info::scalar(Ty::Error);
            }
        };
        if !ok {
            self.error(
                codes::EXPRESSION_TYPE,
                format!("The expression must have {expected}."),
                index_expr.span.clone(),
            );
        }
        Info::scalar(Ty::DYNAMIC)
    }

    fn path(&mut self, target: &'q Expr<'q>, member: &'q Expr<'q>) -> Info {
        if let (ExprKind::Name(side), ExprKind::Name(col)) = (&target.kind, &member.kind)
            && matches!(side.text, "$left" | "$right")
            && self.right_row.is_some()
        {
            // `$left.c` / `$right.c` inside a join or lookup
            let table = if side.text == "$left" {
                self.row.clone()
            } else {
                self.right_row.clone()
            };
            let Some(table) = table else {
                return Info::scalar(Ty::Error);
            };
            let c = self
                .find_in(&table, col.text)
                .or_else(|| table.open.then(|| self.named_col(col.text, Ty::UNKNOWN)));
            return match c {
                Some(c) => {
                    let info = Info {
                        ty: c.ty,
                        referenced_column: Some(c),
                        result_column: Some(c),
                        ..Info::default()
                    };
                    self.record(member, &info);
                    info
                }
                None => {
                    self.unknown_name(col.text, col.span.clone());
                    Info::scalar(Ty::Error)
                }
            };
        }
        if let (ExprKind::Name(step), ExprKind::Name(col)) = (&target.kind, &member.kind)
            && let Some(table) = self
                .scan_steps
                .iter()
                .rev()
                .find(|(n, _)| *n == step.text)
                .map(|(_, t)| t.clone())
        {
            return match self.find_in(&table, col.text) {
                Some(c) => {
                    let info = Info::scalar(c.ty);
                    self.record(member, &info);
                    info
                }
                None => {
                    self.unknown_name(col.text, col.span.clone());
                    Info::scalar(Ty::Error)
                }
            };
        }
        let t = self.expr(target);
        let info = match (&member.kind, t.ty) {
            (ExprKind::Call { .. }, _) => {
                self.expr(member);
                self.error(
                    codes::UNSUPPORTED,
                    "Method-style calls (x.f()) are not supported by this analyser.",
                    member.span.clone(),
                );
                Info::scalar(Ty::Error)
            }
            (ExprKind::Name(_), ty) if ty.is_dynamic() => Info::scalar(Ty::DYNAMIC),
            (ExprKind::Name(_), Ty::UNKNOWN) => Info::scalar(Ty::UNKNOWN),
            (ExprKind::Name(_), Ty::Error) => Info::scalar(Ty::Error),
            (ExprKind::Name(n), _) => {
                if n.kind != NameKind::Missing {
                    self.unknown_name(n.text, n.span.clone());
                }
                Info::scalar(Ty::Error)
            }
            (_, ty) => {
                // `x.[index]`: treated like `x[index]`
                let i = self.expr(member);
                self.element(ty, &i, member, member.span.clone())
            }
        };
        self.record(member, &info);
        info
    }

    /// `f(args)`
    fn call(&mut self, e: &'q Expr<'q>, name: &'q Name<'q>, args: &'q [Expr<'q>]) -> Info {
        if name.text == "table"
            && let [arg] = args
            && self.lookup_local(name.text).is_none()
        {
            // `table('name')` / `table(parameter)`: the table (or tabular variable) named
            self.set_call(e, CallTarget::User);
            let info = self.expr(arg);
            let named = info.string_value.map(|s| self.names.text(s));
            let Some(t) = named else {
                // a name only known when the query runs: any columns
                return Info::table(Rc::new(Table {
                    open: true,
                    ..Table::default()
                }));
            };
            if let Some(Symbol::Table(t)) = self.lookup_local(t).cloned() {
                return Info::table(t);
            }
            if let Some(table) = self.global_table(t) {
                return Info::table(table);
            }
            self.error(
                codes::UNKNOWN_TABLE,
                format!("The name '{t}' does not refer to any known table, tabular variable or function."),
                arg.span.clone(),
            );
            return Info::table(Rc::new(Table {
                open: true,
                ..Table::default()
            }));
        }
        let in_aggregate = self.aggregate_scope;
        let b = builtins();
        let user = match self.lookup_local(name.text) {
            Some(Symbol::Function(f)) => Some(f.clone()),
            _ if b.function(name.text, self.dcr_functions).is_none()
                && !(in_aggregate && b.aggregate(name.text).is_some()) =>
            {
                self.stored_function(name.text)
            }
            _ => None,
        };
        let def = if user.is_some() {
            None
        } else if in_aggregate {
            b.aggregate(name.text)
                .or_else(|| b.function(name.text, self.dcr_functions))
        } else {
            b.function(name.text, self.dcr_functions)
        };
        // aggregate arguments are bound in normal scope; other calls keep the outer scope
        self.aggregate_scope = in_aggregate && !def.is_some_and(|d| d.aggregate);
        let infos: SmallVec<[Info; 4]> = args.iter().map(|a| self.expr(a)).collect();
        self.aggregate_scope = in_aggregate;
        let arg_list: SmallVec<[Arg<'_>; 4]> = infos
            .iter()
            .zip(args)
            .map(|(i, a)| Arg {
                info: i,
                span: a.span.clone(),
            })
            .collect();

        if let Some(f) = user {
            self.set_call(e, CallTarget::User);
            self.check_user_arguments(&f, name, args);
            return self.call_user(&f, args, &infos);
        }
        if let Some(def) = def {
            self.set_call(e, CallTarget::Builtin(def));
            return self.call_builtin(def, name, args, &arg_list);
        }
        if b.aggregate(name.text).is_some() {
            self.set_call(e, CallTarget::Unresolved);
            self.error(
                codes::AGGREGATE_CONTEXT,
                format!(
                    "The aggregate function '{}' is not allowed in this context.",
                    name.text
                ),
                name.span.clone(),
            );
            return Info::scalar(Ty::Error);
        }
        self.set_call(e, CallTarget::Unresolved);
        if name.text.starts_with("__") {
            return Info::scalar(Ty::UNKNOWN);
        }
        self.error(
            codes::UNKNOWN_FUNCTION,
            format!(
                "The name '{}' does not refer to any known function.",
                name.text
            ),
            name.span.clone(),
        );
        Info::scalar(Ty::Error)
    }

    fn call_builtin(
        &mut self,
        def: &'static FunctionDef,
        name: &Name,
        exprs: &'q [Expr<'q>],
        args: &[Arg<'_>],
    ) -> Info {
        let constant = def.foldable && args.iter().all(|a| a.info.constant);
        let best = best_signatures_of(&def.signatures, args, false, false);
        let ty = if best.len() == 1 {
            let sig = &def.signatures[best[0]];
            self.check_signature(&def.name, sig, args, name.span.clone(), false);
            result_type(&def.name, sig, args)
        } else {
            if args.is_empty() && def.min_args() > 0 {
                self.error(
                    codes::ARGUMENT_COUNT_RANGE,
                    format!(
                        "The function '{}' expects between {} and {} arguments.",
                        def.name,
                        def.min_args(),
                        def.max_args()
                    ),
                    name.span.clone(),
                );
            } else if !args
                .iter()
                .any(|a| matches!(a.info.ty, Ty::Error | Ty::UNKNOWN))
            {
                let types: Vec<&str> = args.iter().map(|a| a.info.ty.name()).collect();
                self.error(
                    codes::FUNCTION_NOT_DEFINED_WITH_ARGS,
                    format!(
                        "The function '{}' is not compatible with arguments ({})",
                        def.name,
                        types.join(", ")
                    ),
                    name.span.clone(),
                );
            }
            let cands: Vec<&Signature> = best.iter().map(|&i| &def.signatures[i]).collect();
            common_return_type(&def.name, &cands, args)
        };
        let mut info = Info {
            constant,
            ..Info::scalar(ty)
        };
        if is_conversion(&def.name)
            && args.len() == 1
            && let Some(c) = args[0].info.referenced_column
            && c.ty == ty
        {
            info.result_column = Some(c);
        }
        if def.aggregate {
            info.tuple = self.aggregate_tuple(def, exprs, args);
        } else if let Some(cols) = self.scalar_tuple(&def.name, exprs) {
            info.tuple = Some(cols);
        }
        info
    }

    /// Argument count and names of a call to a user or stored function (named arguments
    /// `f(x=1)` bind by parameter name).
    fn check_user_arguments(
        &mut self,
        f: &Rc<super::UserFunction<'q>>,
        name: &Name<'q>,
        args: &'q [Expr<'q>],
    ) {
        let params = f.decl.params;
        let mut given = vec![false; params.len()];
        let mut position = 0;
        let mut bad = false;
        for a in args {
            match &a.kind {
                ExprKind::Named { name: n, .. } => {
                    match params.iter().position(|p| p.name.text == n.text) {
                        Some(i) => given[i] = true,
                        None => {
                            bad = true;
                            self.error(
                                codes::UNKNOWN_PARAMETER,
                                format!(
                                    "The parameter '{}' is not defined by the function '{}'.",
                                    n.text, name.text
                                ),
                                n.span.clone(),
                            );
                        }
                    }
                }
                _ => {
                    if position < given.len() {
                        given[position] = true;
                    } else {
                        bad = true;
                    }
                    position += 1;
                }
            }
        }
        let missing = params
            .iter()
            .zip(&given)
            .any(|(p, g)| !g && p.default.is_none());
        if missing || bad && position > params.len() {
            self.error(
                codes::ARGUMENT_COUNT,
                format!(
                    "The function '{}' expects {} argument(s).",
                    name.text,
                    params.len()
                ),
                name.span.clone(),
            );
        }
    }

    /// `T | invoke f(args)`: `f`'s first (tabular) parameter takes the input.
    pub(crate) fn invoke(&mut self, call: &'q Expr<'q>, input: &Rc<Table>) -> Info {
        let ExprKind::Call { name, args } = &call.kind else {
            let info = self.expr(call);
            if info.ty != Ty::Error {
                self.error(
                    codes::EXPECTED,
                    "Function call expected.",
                    call.span.clone(),
                );
            }
            return Info::scalar(Ty::Error);
        };
        let f = match self.lookup_local(name.text) {
            Some(Symbol::Function(f)) => Some(f.clone()),
            _ => self.stored_function(name.text),
        };
        let Some(f) = f else {
            self.error(
                codes::UNKNOWN_FUNCTION,
                format!(
                    "The name '{}' does not refer to any known function.",
                    name.text
                ),
                name.span.clone(),
            );
            return Info::scalar(Ty::Error);
        };
        self.set_call(call, CallTarget::User);
        let mut infos: SmallVec<[Info; 4]> = SmallVec::new();
        infos.push(Info::table(input.clone()));
        infos.extend(args.iter().map(|a| self.expr(a)));
        let result = self.call_user_positional(&f, &infos);
        self.record(call, &result);
        result
    }

    /// Calls a user function: binds its body with the parameters (scalar parameters keep their
    /// declared types, tabular parameters take the argument's table).
    fn call_user(
        &mut self,
        f: &Rc<super::UserFunction<'q>>,
        args: &'q [Expr<'q>],
        infos: &[Info],
    ) -> Info {
        // arguments in parameter order (named ones by name)
        let mut ordered: Vec<Info> = vec![Info::default(); f.decl.params.len()];
        let mut position = 0;
        for (a, info) in args.iter().zip(infos) {
            let slot = match &a.kind {
                ExprKind::Named { name, .. } => {
                    f.decl.params.iter().position(|p| p.name.text == name.text)
                }
                _ => {
                    position += 1;
                    Some(position - 1)
                }
            };
            if let Some(s) = slot.filter(|&s| s < ordered.len()) {
                ordered[s] = info.clone();
            }
        }
        self.call_user_positional(f, &ordered)
    }

    fn call_user_positional(&mut self, f: &Rc<super::UserFunction<'q>>, args: &[Info]) -> Info {
        let params = f
            .decl
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| match &p.ty {
                crate::ast::ParamType::Scalar(t) => Symbol::Scalar {
                    ty: t.ty,
                    constant: false,
                    empty_string: false,
                    // a constant string argument is known inside (for `table(name)`)
                    value: args.get(i).and_then(|a| a.string_value),
                },
                crate::ast::ParamType::Tabular(_) => Symbol::Table(
                    args.get(i)
                        .and_then(|a| a.table.clone())
                        .unwrap_or_else(|| {
                            Rc::new(Table {
                                open: true,
                                ..Table::default()
                            })
                        }),
                ),
            })
            .collect();
        self.silent += 1;
        let result = self.bind_body(f.decl, f.scope_len, f.src, params);
        self.silent -= 1;
        Info {
            referenced_column: None,
            result_column: None,
            literal: false,
            ..result
        }
    }
}

fn literal(l: &Literal) -> Info {
    let ty = match l {
        Literal::Bool => Ty::BOOL,
        Literal::Int => Ty::INT,
        Literal::Long(_) => Ty::LONG,
        Literal::Real => Ty::REAL,
        Literal::Decimal => Ty::DECIMAL,
        Literal::DateTime => Ty::DATETIME,
        Literal::TimeSpan => Ty::TIMESPAN,
        Literal::Guid => Ty::GUID,
        Literal::String(_) => Ty::STRING,
    };
    Info {
        ty,
        literal: true,
        constant: true,
        empty_string: matches!(l, Literal::String(s) if s.is_empty()),
        ..Info::default()
    }
}
