//! `ccfgen check --sample N`: each data flow's transformation run by the evaluator on N
//! generated records for its stream (`ccfgen sample`'s generator, fixed seed and time), with
//! the table's storage rules, and the runtime defects reported as findings: a table column
//! always null, values nulled because their type does not fit, `TimeGenerated` replaced by the
//! received time for every record, every record dropped by a `where`.

use ccfgen_kql::eval::{Ctx, Flow, Summary, store};
use ccfgen_kql::{Column, ScalarType};

use crate::diagnostic::{Diagnostic, Severity};
use ccfgen_base::ColumnType;

/// The received time of the generated records (fixed, so findings are repeatable):
/// 2025-01-01T12:00:00Z.
const RECEIVED_UNIX: i64 = 1_735_732_800;
/// The generator's seed.
const SEED: u64 = 1;

/// The runtime findings of one data flow (all located at its `transformKql`).
pub(super) fn findings(
    kql: &str,
    stream: &str,
    input: &[Column],
    table: &[(String, String)],
    count: u64,
) -> Vec<Diagnostic> {
    let table: Vec<Column> = table
        .iter()
        .map(|(n, t)| {
            Column::new(
                n.clone(),
                ScalarType::from_table_api_name(t).unwrap_or(ScalarType::Dynamic),
            )
        })
        .collect();
    let flow = match Flow::new(kql, input, &table) {
        Ok(f) => f,
        // KQL errors are the analyser's findings (`transform-kql`)
        Err(e) if e.code.is_some() => return Vec::new(),
        Err(e) => {
            return vec![
                Diagnostic::new(
                    Severity::Note,
                    "runtime-unsupported",
                    format!("--sample: the evaluator cannot run this transformation ({e})"),
                )
                .with_hint("the analyser accepts it but ccfgen cannot run it; its runtime behaviour is not checked"),
            ];
        }
    };
    let records = records(stream, input, &table, count);
    let now = ccfgen_kql::eval::time::UNIX_EPOCH_TICKS
        + RECEIVED_UNIX * ccfgen_kql::eval::time::TICKS_PER_SECOND;
    let ctx = Ctx { now };
    let mut summary = Summary::new(table.len());
    for record in &records {
        if let serde_json::Value::Object(map) = record {
            summary.add(&flow.run_record(map, &ctx));
        }
    }
    // generated dynamic values (and strings a transformation parses as JSON) have no structure
    // the transformation expects, so what reads them is only a hint; with scalar inputs the
    // generator's values are realistic
    let parses_json = ["parse_json(", "parsejson(", "todynamic(", "parse_xml("]
        .iter()
        .any(|f| kql.contains(f));
    let level = if parses_json || input.iter().any(|c| c.ty == ScalarType::Dynamic) {
        Severity::Note
    } else {
        Severity::Warning
    };
    report(&flow, &summary, level)
}

fn records(stream: &str, input: &[Column], table: &[Column], count: u64) -> Vec<serde_json::Value> {
    let columns: Vec<(String, ColumnType, Option<ColumnType>)> = input
        .iter()
        .filter_map(|c| {
            let ty = ColumnType::parse_stream(c.ty.table_api_name()?)?;
            let table_type = table
                .iter()
                .find(|t| t.name == c.name)
                .and_then(|t| t.ty.table_api_name())
                .and_then(ColumnType::parse_table);
            Some((c.name.clone(), ty, table_type))
        })
        .collect();
    let options = crate::sample::Options {
        count,
        seed: SEED,
        base_time: time::OffsetDateTime::from_unix_timestamp(RECEIVED_UNIX)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        format: crate::sample::Format::Ndjson,
    };
    crate::sample::records_for_stream(stream, &columns, &options)
}

fn report(flow: &Flow, s: &Summary, level: Severity) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let n = s.records;
    if n > 0 && s.stored == 0 {
        // generated values rarely match the literals a `where` routes on: a note
        out.push(
            Diagnostic::new(
                Severity::Note,
                "runtime-filtered",
                format!("--sample: all {n} generated records are dropped by the transformation"),
            )
            .with_hint("a `where` rejects every generated record: check the condition, or give the spec's columns `examples` that pass it"),
        );
        return out;
    }
    let columns = flow.writer().table_columns();
    let unproduced = flow.writer().unproduced_columns();
    for (i, c) in columns.iter().enumerate() {
        if unproduced.contains(&c.name) || c.name == store::TIME_GENERATED {
            continue;
        }
        let type_name = c.ty.table_api_name().unwrap_or(c.ty.kusto_name());
        if let Some((bad, kind)) = s.mismatches.get(&i) {
            out.push(
                Diagnostic::warning(
                    "runtime-type-null",
                    format!(
                        "--sample: column `{}` is stored as null in {bad} of {} rows: a {kind} value does not fit a {type_name} column",
                        c.name, s.stored
                    ),
                )
                .with_hint(format!("convert the value (to{}(), tostring() …) or change the column's type", conversion(c.ty))),
            );
        } else if s.nulls.get(i) == Some(&s.stored) {
            out.push(
                Diagnostic::new(
                    level,
                    "runtime-column-null",
                    format!("--sample: column `{}` is null in all {} rows", c.name, s.stored),
                )
                .with_hint("the expression producing it gives null for every generated record: a property path that does not exist, a conversion that fails, a misspelled input column"),
            );
        }
    }
    let fixed: u64 = s.time_fixes.values().sum();
    if s.stored > 0 && fixed == s.stored && !s.time_fixes.contains_key("missing") {
        let why = s
            .time_fixes
            .keys()
            .map(|k| match *k {
                "null" => "null (unparsable)",
                "too old" => "more than 2 days before the received time",
                _ => "more than a day after the received time",
            })
            .collect::<Vec<_>>()
            .join(" or ");
        out.push(
            Diagnostic::new(
                level,
                "runtime-time-generated",
                format!(
                    "--sample: TimeGenerated is {why} in all {} rows; the service stores the received time instead",
                    s.stored
                ),
            )
            .with_hint("check the conversion: todatetime() of a format it reads, the unit of a Unix time (seconds, milliseconds)"),
        );
    }
    out
}

fn conversion(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::Int => "int",
        ScalarType::Long => "long",
        ScalarType::Real | ScalarType::Decimal => "real",
        ScalarType::Bool => "bool",
        ScalarType::DateTime => "datetime",
        ScalarType::Guid => "guid",
        ScalarType::Dynamic => "dynamic",
        _ => "string",
    }
}
