//! `ccfgen sample`: realistic records for a stream, streamed to a writer in constant memory.
//!
//! Values come from the column's `examples` when the spec gives them, otherwise from its type
//! and name (an `…Ip` column gets IPv4 addresses, `Severity` gets Critical/High/…, `CVSS` a
//! score from 0 to 10, a guid column a UUID, …). Output is deterministic for a seed and a base
//! time.

use std::io::{self, Write};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::solution::{Column, Table};
use ccfgen_base::ColumnType;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// One JSON array.
    Json,
}

/// How to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of records.
    pub count: u64,
    /// PRNG seed.
    pub seed: u64,
    /// Datetimes fall in the 24 hours before this instant.
    pub base_time: OffsetDateTime,
    /// Output format.
    pub format: Format,
}

/// Writes `options.count` records of `table`'s stream to `out`.
pub fn write_samples(table: &Table, options: &Options, out: &mut impl Write) -> io::Result<()> {
    let mut generator = Generator::new(table, options);
    let mut buf = Vec::with_capacity(1024);
    if options.format == Format::Json {
        out.write_all(b"[")?;
    }
    for i in 0..options.count {
        buf.clear();
        if options.format == Format::Json && i > 0 {
            buf.push(b',');
        }
        if options.format == Format::Json {
            buf.push(b'\n');
        }
        serde_json::to_writer(&mut buf, &generator.record()).map_err(io::Error::other)?;
        if options.format == Format::Ndjson {
            buf.push(b'\n');
        }
        out.write_all(&buf)?;
    }
    if options.format == Format::Json {
        out.write_all(if options.count > 0 { b"\n]\n" } else { b"]\n" })?;
    }
    out.flush()
}

/// `count` records for a stream known only by its declaration (a DCR's `streamDeclarations`):
/// each column is generated from its name and type (with the table column's type as a hint
/// where the table has the column) and always present.
pub fn records_for_stream(
    stream: &str,
    columns: &[(String, ColumnType, Option<ColumnType>)],
    options: &Options,
) -> Vec<Value> {
    let table = Table {
        path: String::new(),
        name: String::new(),
        stream: stream.to_string(),
        file: String::new(),
        settings: crate::solution::TableSettings {
            plan: crate::solution::TablePlan::Default,
            ..Default::default()
        },
        transform: crate::solution::Transform {
            kql: String::new(),
            derived: false,
        },
        schema_extra: Default::default(),
        rust_name: String::new(),
        columns: columns
            .iter()
            .map(|(name, ty, table_type)| Column {
                name: name.clone(),
                stream_type: Some(*ty),
                table_type: *table_type,
                ..Column::default()
            })
            .collect(),
        builtin: None,
        data_flow: true,
    };
    let mut generator = Generator::new(&table, options);
    (0..options.count).map(|_| generator.record()).collect()
}

/// Generates records one at a time.
pub struct Generator<'a> {
    columns: Vec<(&'a Column, ColumnType, Kind)>,
    rng: SplitMix64,
    base_unix: i64,
}

impl<'a> Generator<'a> {
    /// A generator for `table`'s stream.
    pub fn new(table: &'a Table, options: &Options) -> Generator<'a> {
        let columns = table
            .stream_columns()
            .map(|(c, ty)| (c, ty, Kind::of(c, ty)))
            .collect();
        Generator {
            columns,
            rng: SplitMix64(options.seed),
            base_unix: options.base_time.unix_timestamp(),
        }
    }

    /// The next record.
    pub fn record(&mut self) -> Value {
        let mut obj = Map::with_capacity(self.columns.len());
        for i in 0..self.columns.len() {
            let (column, ty, kind) = self.columns[i];
            if column.optional && self.rng.below(5) == 0 {
                continue;
            }
            let value = if column.examples.is_empty() {
                self.value(kind, ty)
            } else {
                column.examples[self.rng.below(column.examples.len() as u64) as usize].clone()
            };
            obj.insert(column.name.clone(), value);
        }
        Value::Object(obj)
    }

    fn value(&mut self, kind: Kind, ty: ColumnType) -> Value {
        let r = &mut self.rng;
        match kind {
            Kind::Ip => json!(format!(
                "10.{}.{}.{}",
                r.below(256),
                r.below(256),
                1 + r.below(254)
            )),
            Kind::Cve => json!(format!(
                "CVE-{}-{:05}",
                2015 + r.below(11),
                1000 + r.below(60000)
            )),
            Kind::Severity => json!(pick(
                r,
                &["Critical", "High", "Medium", "Low", "Informational"]
            )),
            Kind::Status => json!(pick(r, &["Open", "In Progress", "Resolved", "Closed"])),
            Kind::Host => json!(format!(
                "{}-{:03}",
                pick(r, &["srv-web", "srv-db", "ws-fin", "ws-eng", "vm-app"]),
                r.below(1000)
            )),
            Kind::User => json!(format!(
                "{}@contoso.com",
                pick(r, &["alice", "bob", "carol", "dave", "erin", "frank"])
            )),
            Kind::Url => json!(format!(
                "https://{}/{}",
                pick(
                    r,
                    &["portal.contoso.com", "api.fabrikam.net", "cdn.example.org"]
                ),
                r.below(100000)
            )),
            Kind::Hash64 => json!(hex(r, 64)),
            Kind::Hash32 => json!(hex(r, 32)),
            Kind::Guid => json!(uuid(r)),
            Kind::Id => json!(format!("evt-{}", hex(r, 12))),
            Kind::Country => json!(pick(r, &["US", "DE", "GB", "FR", "JP", "BR", "IN", "NL"])),
            Kind::Version => json!(format!(
                "{}.{}.{}",
                1 + r.below(5),
                r.below(20),
                r.below(50)
            )),
            Kind::Text => json!(format!(
                "{} {} {}",
                pick(
                    r,
                    &["Suspicious", "Unexpected", "Repeated", "New", "Blocked"]
                ),
                pick(
                    r,
                    &[
                        "login",
                        "connection",
                        "file access",
                        "policy change",
                        "process"
                    ]
                ),
                pick(
                    r,
                    &["detected", "observed", "reported", "allowed", "denied"]
                )
            )),
            Kind::Word => json!(pick(
                r,
                &["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
            )),
            Kind::Port => json!(1 + r.below(65535)),
            Kind::Count => json!(r.below(1_000_000)),
            Kind::Small => json!(r.below(10_000)),
            Kind::Score => json!((r.below(101) as f64) / 10.0),
            Kind::Percent => json!((r.below(10001) as f64) / 100.0),
            Kind::Real => json!((r.below(100_000) as f64) / 100.0),
            Kind::Bool => json!(r.below(2) == 1),
            Kind::Time => {
                let t = self.base_unix - r.below(86_400) as i64;
                let dt =
                    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
                json!(dt.format(&Rfc3339).unwrap_or_default())
            }
            Kind::Epoch => json!(self.base_unix - r.below(86_400) as i64),
            Kind::EpochMs => {
                json!((self.base_unix - r.below(86_400) as i64) * 1000 + r.below(1000) as i64)
            }
            Kind::Dynamic => {
                json!({"source": pick(r, &["agent", "api", "scanner"]), "tags": [pick(r, &["prod", "dev"]), pick(r, &["eu", "us"])], "score": r.below(100)})
            }
            Kind::Default => match ty {
                ColumnType::String | ColumnType::Guid => {
                    json!(pick(r, &["alpha", "bravo", "charlie", "delta"]))
                }
                ColumnType::Int | ColumnType::Long => json!(r.below(10_000)),
                ColumnType::Real => json!((r.below(100_000) as f64) / 100.0),
                ColumnType::Boolean => json!(r.below(2) == 1),
                ColumnType::DateTime | ColumnType::Dynamic => Value::Null,
            },
        }
    }
}

/// What kind of value a column holds, guessed from its type and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ip,
    Cve,
    Severity,
    Status,
    Host,
    User,
    Url,
    Hash64,
    Hash32,
    Guid,
    Id,
    Country,
    Version,
    Text,
    Word,
    Port,
    Count,
    Small,
    Score,
    Percent,
    Real,
    Bool,
    Time,
    /// Unix time in seconds (`EpochMs`: milliseconds) in the 24 hours before the base time.
    Epoch,
    EpochMs,
    Dynamic,
    Default,
}

impl Kind {
    fn of(column: &Column, ty: ColumnType) -> Kind {
        let words = words(&column.name);
        let has = |w: &str| words.iter().any(|x| x == w);
        let contains = |w: &str| column.name.to_ascii_lowercase().contains(w);
        match ty {
            ColumnType::Boolean => Kind::Bool,
            ColumnType::DateTime => Kind::Time,
            ColumnType::Dynamic => Kind::Dynamic,
            // A stream carries a guid as a string (`ty` is the stream type: never guid).
            ColumnType::Guid => Kind::Guid,
            ColumnType::Long | ColumnType::Real
                if has("epoch") || has("time") || has("timestamp") || has("ts") =>
            {
                if has("ms") || has("millis") || has("milliseconds") {
                    Kind::EpochMs
                } else {
                    Kind::Epoch
                }
            }
            ColumnType::Int | ColumnType::Long => {
                if has("port") {
                    Kind::Port
                } else if has("count") || has("bytes") || has("size") || has("total") {
                    Kind::Count
                } else {
                    Kind::Small
                }
            }
            ColumnType::Real => {
                if has("cvss") || has("score") || has("risk") {
                    Kind::Score
                } else if has("percent") || has("pct") || has("ratio") {
                    Kind::Percent
                } else {
                    Kind::Real
                }
            }
            ColumnType::String => {
                if column.table_type == Some(ColumnType::Guid)
                    || column.data_type_hint.as_deref() == Some("guid")
                    || has("guid")
                    || has("uuid")
                {
                    Kind::Guid
                } else if column.data_type_hint.as_deref() == Some("ip")
                    || has("ip")
                    || contains("ipaddress")
                {
                    Kind::Ip
                } else if column.data_type_hint.as_deref() == Some("uri")
                    || has("url")
                    || has("uri")
                {
                    Kind::Url
                } else if has("cve") || (has("vuln") && has("id")) {
                    Kind::Cve
                } else if has("severity") || has("priority") || has("criticality") {
                    Kind::Severity
                } else if has("status") || has("state") {
                    Kind::Status
                } else if has("host")
                    || has("machine")
                    || has("computer")
                    || has("device")
                    || has("hostname")
                {
                    Kind::Host
                } else if has("user") || has("account") || has("email") || has("mail") || has("upn")
                {
                    Kind::User
                } else if has("sha256") || has("hash") {
                    Kind::Hash64
                } else if has("md5") {
                    Kind::Hash32
                } else if has("id") {
                    Kind::Id
                } else if has("country") {
                    Kind::Country
                } else if has("version") {
                    Kind::Version
                } else if has("title")
                    || has("message")
                    || has("description")
                    || has("summary")
                    || has("reason")
                {
                    Kind::Text
                } else if has("type") || has("name") || has("category") || has("action") {
                    Kind::Word
                } else {
                    Kind::Default
                }
            }
        }
    }
}

/// Lowercase words of a column name (`SourceIPAddress` → source, ip, address).
fn words(name: &str) -> Vec<String> {
    crate::rust_names::field_name(name)
        .trim_end_matches('_')
        .split('_')
        .map(str::to_string)
        .collect()
}

fn pick<'s>(r: &mut SplitMix64, options: &[&'s str]) -> &'s str {
    options[r.below(options.len() as u64) as usize]
}

fn hex(r: &mut SplitMix64, n: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..n)
        .map(|_| DIGITS[r.below(16) as usize] as char)
        .collect()
}

fn uuid(r: &mut SplitMix64) -> String {
    let h = hex(r, 32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// SplitMix64: a small, fast, deterministic PRNG (not for secrets).
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}
