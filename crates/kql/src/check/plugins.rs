//! `evaluate` plug-ins (the schema each returns, after Kusto.Language's `PlugIns`), and the
//! operators with several result tables (`fork`, `facet`).

use std::rc::Rc;

use super::{Checker, Col, Info, Table};
use crate::ast::{ColumnDecl, Expr, ExprKind, Operator};
use crate::diag::codes;
use crate::types::Ty;

/// The plug-ins Kusto.Language knows (`PlugIns.All`); those not modelled here are reported.
const KNOWN_PLUGINS: &[&str] = &[
    "active_users_count",
    "activity_counts_metrics",
    "activity_engagement",
    "activity_metrics",
    "azure_digital_twins_query_request",
    "autocluster",
    "bag_unpack",
    "basket",
    "cosmosdb_sql_request",
    "csharp",
    "dcount_intersect",
    "diffpatterns",
    "estimate_rows_count",
    "execute_show_command",
    "execute_query",
    "external_datatable",
    "funnel_sequence",
    "funnel_sequence_completion",
    "http_request",
    "http_request_post",
    "identity",
    "identity_v3",
    "infer_storage_schema",
    "infer_storage_schema_with_suggestions",
    "geo_polygon_lookup",
    "geo_line_lookup",
    "ipv4_lookup",
    "ipv6_lookup",
    "narrow",
    "new_activity_metrics",
    "pivot",
    "preview",
    "python",
    "r",
    "rolling_percentile",
    "rows_near",
    "session_count",
    "sequence_detect",
    "sliding_window_counts",
    "sql_request",
    "mysql_request",
    "postgresql_request",
    "dax_request",
    "ai_embed_text",
    "ai_chat_completion",
    "ai_chat_completion_prompt",
    "ai_embeddings",
];

impl<'q> Checker<'q> {
    /// `evaluate plugin(args) [: (schema)]`.
    pub(crate) fn evaluate(
        &mut self,
        call: &'q Expr<'q>,
        schema: Option<(&'q [ColumnDecl<'q>], bool)>,
        input: &Rc<Table>,
    ) -> Info {
        let result = self.plugin(call, input);
        let Some((decls, star)) = schema else {
            return result;
        };
        let mut cols: Vec<Col> = Vec::new();
        if star && let Some(t) = &result.table {
            cols.extend(
                t.cols
                    .iter()
                    .filter(|c| !decls.iter().any(|d| d.name.text == self.names.text(c.name)))
                    .copied(),
            );
        }
        for d in decls {
            cols.push(self.named_col(d.name.text, d.ty.ty));
        }
        Info::table(Rc::new(Table {
            cols,
            ..Table::default()
        }))
    }

    fn plugin(&mut self, call: &'q Expr<'q>, input: &Rc<Table>) -> Info {
        let ExprKind::Call { name, args } = &call.kind else {
            let info = self.expr(call);
            if info.ty != Ty::Error {
                self.error(
                    codes::EXPECTED,
                    "Plug-in function call expected.",
                    call.span.clone(),
                );
            }
            return Info::scalar(Ty::Error);
        };
        let plugin = name.text;
        if !KNOWN_PLUGINS.contains(&plugin) {
            args.iter().for_each(|a| {
                self.expr(a);
            });
            self.error(
                codes::UNKNOWN_PLUGIN,
                format!("The plug-in function '{plugin}' is not defined."),
                name.span.clone(),
            );
            return Info::scalar(Ty::Error);
        }
        let row = input.cols.clone();
        let referenced = |this: &mut Self, i: usize| -> Option<Col> {
            let a = args.get(i)?;
            this.expr(a).referenced_column
        };
        let fixed = |this: &mut Self, cols: &[(&'static str, Ty)]| -> Vec<Col> {
            cols.iter().map(|&(n, t)| this.named_col(n, t)).collect()
        };
        let table = |cols: Vec<Col>, open: bool| {
            Info::table(Rc::new(Table {
                cols,
                open,
                partial: false,
            }))
        };
        match plugin {
            "bag_unpack" => {
                let col = referenced(self, 0);
                args.iter().skip(1).for_each(|a| {
                    self.expr(a);
                });
                let cols = row
                    .into_iter()
                    .filter(|c| col.is_none_or(|k| k.id != c.id))
                    .collect();
                table(cols, true)
            }
            "pivot" => {
                let pivot = referenced(self, 0);
                let aggregate = args.get(1).and_then(|a| {
                    self.aggregate_scope = true;
                    self.expr(a);
                    self.aggregate_scope = false;
                    match &a.kind {
                        ExprKind::Call { args, .. } => {
                            args.first().and_then(|x| self.row_lookup_expr(x))
                        }
                        _ => None,
                    }
                });
                let mut cols: Vec<Col> = (2..args.len())
                    .filter_map(|i| referenced(self, i))
                    .collect();
                if cols.is_empty() {
                    cols = row
                        .into_iter()
                        .filter(|c| {
                            pivot.is_none_or(|p| p.id != c.id)
                                && aggregate.is_none_or(|a| a.id != c.id)
                        })
                        .collect();
                }
                table(cols, true)
            }
            "narrow" => table(
                fixed(
                    self,
                    &[
                        ("Row", Ty::LONG),
                        ("Column", Ty::STRING),
                        ("Value", Ty::STRING),
                    ],
                ),
                false,
            ),
            "ipv4_lookup" | "ipv6_lookup" => {
                let saved = self.row.take();
                let lookup = args.first().map(|a| self.tabular(a));
                self.row = saved;
                if let Some(a) = args.get(1) {
                    self.expr(a);
                }
                // the lookup key and extra keys name columns of the lookup table
                let mut extra = Vec::new();
                for (i, a) in args.iter().enumerate().skip(2) {
                    let is_flag = matches!(&a.kind, ExprKind::Named { .. })
                        || matches!(&a.kind, ExprKind::Literal(crate::ast::Literal::Bool));
                    if is_flag && i == args.len() - 1 {
                        self.expr(a);
                        continue;
                    }
                    let in_lookup = lookup.as_ref().and_then(|t| match &a.kind {
                        ExprKind::Name(n) => self.find_in(t, n.text),
                        _ => None,
                    });
                    match in_lookup {
                        Some(c) => {
                            self.record(a, &Info::scalar(c.ty));
                            if i > 2 {
                                extra.push(c.name);
                            }
                        }
                        None => {
                            self.expr(a);
                        }
                    }
                }
                match lookup {
                    Some(t) => {
                        let mut cols = row;
                        cols.extend(
                            t.cols
                                .iter()
                                .filter(|c| plugin == "ipv6_lookup" || !extra.contains(&c.name))
                                .copied(),
                        );
                        let cols = self.unique_column_names(cols);
                        table(cols, false)
                    }
                    None => Info::table(input.clone()),
                }
            }
            "autocluster" | "basket" => {
                args.iter().for_each(|a| {
                    self.expr(a);
                });
                let mut cols = fixed(
                    self,
                    &[
                        ("SegmentId", Ty::LONG),
                        ("Count", Ty::LONG),
                        ("Percent", Ty::REAL),
                    ],
                );
                cols.extend(row);
                table(cols, input.open)
            }
            "diffpatterns" => {
                args.iter().for_each(|a| {
                    self.expr(a);
                });
                let mut cols = fixed(
                    self,
                    &[
                        ("SegmentId", Ty::LONG),
                        ("CountA", Ty::LONG),
                        ("CountB", Ty::LONG),
                        ("PercentA", Ty::REAL),
                        ("PercentB", Ty::REAL),
                        ("PercentDiffAB", Ty::REAL),
                    ],
                );
                cols.extend(row);
                table(cols, input.open)
            }
            "dcount_intersect" => {
                args.iter().for_each(|a| {
                    self.expr(a);
                });
                let mut cols = row;
                for i in 0..args.len() {
                    cols.push(self.named_col(format!("s{i}"), Ty::LONG));
                }
                table(cols, input.open)
            }
            "schema_merge" => {
                args.iter().for_each(|a| {
                    self.expr(a);
                });
                table(
                    fixed(
                        self,
                        &[
                            ("ColumnName", Ty::STRING),
                            ("ColumnOrdinal", Ty::INT),
                            ("DataType", Ty::STRING),
                            ("ColumnType", Ty::STRING),
                        ],
                    ),
                    false,
                )
            }
            "estimate_rows_count" => table(fixed(self, &[("EstimatedRowsCount", Ty::LONG)]), false),
            "active_users_count" => {
                let mut cols: Vec<Col> = Vec::new();
                let timeline = referenced(self, 1);
                (0..args.len().min(8)).filter(|&i| i != 1).for_each(|i| {
                    self.expr(&args[i]);
                });
                cols.extend(timeline);
                for i in 8..args.len() {
                    cols.extend(referenced(self, i));
                }
                cols.extend(fixed(self, &[("dcount", Ty::LONG)]));
                table(cols, false)
            }
            "activity_counts_metrics" => {
                let mut cols: Vec<Col> = Vec::new();
                let timeline = referenced(self, 1);
                (0..args.len().min(5)).filter(|&i| i != 1).for_each(|i| {
                    self.expr(&args[i]);
                });
                cols.extend(timeline);
                for i in 5..args.len() {
                    cols.extend(referenced(self, i));
                }
                cols.extend(fixed(
                    self,
                    &[
                        ("count", Ty::LONG),
                        ("dcount", Ty::LONG),
                        ("new_dcount", Ty::LONG),
                        ("aggregated_dcount", Ty::LONG),
                    ],
                ));
                table(cols, false)
            }
            other => {
                args.iter().for_each(|a| {
                    self.expr(a);
                });
                self.error(
                    codes::UNSUPPORTED,
                    format!("The '{other}' plug-in is not modelled by this analyser: its output schema is unknown."),
                    name.span.clone(),
                );
                Info::table(Rc::new(Table {
                    cols: Vec::new(),
                    open: true,
                    partial: true,
                }))
            }
        }
    }

    /// The row column a plain name refers to.
    fn row_lookup_expr(&self, e: &Expr) -> Option<Col> {
        match &e.underlying().kind {
            ExprKind::Name(n) => self.row_lookup(n.text),
            _ => None,
        }
    }

    /// `fork` / `facet`: several result tables, no single schema.
    pub(crate) fn multiple_results(
        &mut self,
        op: &'q Operator<'q>,
        items: &'q [Expr<'q>],
        input: &Rc<Table>,
    ) -> Info {
        for item in items {
            if matches!(item.kind, ExprKind::Pipe { .. } | ExprKind::Implicit) {
                self.contextual(item, input.clone());
            } else {
                let info = self.expr(item);
                self.check_scalar(&info, item.span.clone());
            }
        }
        let _ = op;
        Info::scalar(Ty::UNKNOWN)
    }
}
