//! The differential fuzzer's query generator: random full queries over a fixed database,
//! built from the operators of the full language (joins of every kind, lookups, unions,
//! make-series, mv-apply, top-nested, plug-ins, parse, window functions, lets ...). The same
//! seed gives the same queries; `tests/fixtures/generated.json` holds Kusto.Language's answers
//! for them (`cargo run -p ccfgen-kql --example generated_queries` then `record.js
//! --generated`), and the acceptance test compares the analyser with those answers.

use ccfgen_kql::{Case, CaseDatabase, CaseFunction, CaseOptions, CaseTableColumn};

/// The seed and number of queries the recorded fixtures were generated with.
pub const SEED: u64 = 0x6b71_6c2d_6675_6c6c;
/// How many queries are generated and recorded.
pub const COUNT: usize = 1000;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

type Cols = Vec<(&'static str, &'static str)>;

fn tables() -> Vec<(&'static str, Cols)> {
    vec![
        (
            "Logins",
            vec![
                ("TimeGenerated", "datetime"),
                ("User", "string"),
                ("IPAddress", "string"),
                ("ResultType", "string"),
                ("Location", "string"),
                ("Count", "long"),
                ("Props", "dynamic"),
            ],
        ),
        (
            "Alerts",
            vec![
                ("TimeGenerated", "datetime"),
                ("User", "string"),
                ("Account", "string"),
                ("IPAddress", "string"),
                ("Score", "int"),
                ("Props", "dynamic"),
            ],
        ),
        (
            "Events_CL",
            vec![
                ("TimeGenerated", "datetime"),
                ("Computer", "string"),
                ("EventID", "int"),
                ("Score", "real"),
                ("Data", "dynamic"),
            ],
        ),
        (
            "Events2_CL",
            vec![
                ("TimeGenerated", "datetime"),
                ("Computer", "string"),
                ("EventID", "long"),
                ("Extra", "string"),
            ],
        ),
    ]
}

/// The database every generated query runs against.
pub fn database() -> CaseDatabase {
    let mut db = CaseDatabase::default();
    for (name, cols) in tables() {
        db.tables.insert(
            name.to_string(),
            cols.iter()
                .map(|(n, t)| CaseTableColumn {
                    name: n.to_string(),
                    ty: t.to_string(),
                })
                .collect(),
        );
    }
    db.functions.push(CaseFunction {
        name: "LoginsParser".into(),
        parameters: String::new(),
        body:
            "Logins | project TimeGenerated, UserName = User, IPAddress, Failed = ResultType != '0'"
                .into(),
    });
    db.functions.push(CaseFunction {
        name: "AlertsBy".into(),
        parameters: "(minScore:int, user:string='')".into(),
        body: "Alerts | where Score >= minScore | project TimeGenerated, User, Score".into(),
    });
    db
}

/// The columns a generated pipeline probably has at this point (names only: the generator
/// does not need to be right, wrong guesses make invalid queries, which are tested too).
struct State {
    cols: Vec<&'static str>,
    /// Types of the columns known for sure (name, Kusto type).
    typed: Vec<(&'static str, &'static str)>,
}

impl State {
    fn set(&mut self, cols: &[(&'static str, &'static str)]) {
        self.typed = cols.to_vec();
        self.cols = cols.iter().map(|c| c.0).collect();
    }
}

/// A predicate on a column of the current rows, fitting its type.
fn typed_predicate(r: &mut Rng, s: &State) -> String {
    if s.typed.is_empty() || r.chance(25) {
        return r.pick(PREDICATES).to_string();
    }
    let (c, t) = *r.pick(&s.typed);
    match t {
        "string" => match r.below(4) {
            0 => format!("{c} has 'a'"),
            1 => format!("isnotempty({c})"),
            2 => format!("{c} in~ ('x', 'y')"),
            _ => format!("{c} startswith 'x'"),
        },
        "int" | "long" | "real" => format!("{c} > {}", r.below(10)),
        "datetime" => format!("{c} > ago({}d)", 1 + r.below(7)),
        "dynamic" => match r.below(3) {
            0 => format!("isnotnull({c})"),
            1 => format!("{c}.a == 1"),
            _ => format!("array_length({c}) > 0"),
        },
        _ => format!("isnotnull({c})"),
    }
}

/// An expression over a column of the current rows, fitting its type.
fn typed_expr(r: &mut Rng, s: &State) -> String {
    if s.typed.is_empty() || r.chance(25) {
        return r.pick(SCALAR_EXPRS).to_string();
    }
    let (c, t) = *r.pick(&s.typed);
    match t {
        "string" => match r.below(4) {
            0 => format!("tolower({c})"),
            1 => format!("strlen({c})"),
            2 => format!("split({c}, '.')"),
            _ => format!("strcat({c}, '-')"),
        },
        "int" | "long" | "real" => match r.below(3) {
            0 => format!("{c} * 2"),
            1 => format!("round({c}, 1)"),
            _ => format!("tostring({c})"),
        },
        "datetime" => match r.below(3) {
            0 => format!("bin({c}, 1h)"),
            1 => format!("dayofweek({c})"),
            _ => format!("now() - {c}"),
        },
        "dynamic" => match r.below(3) {
            0 => format!("tostring({c}.a)"),
            1 => format!("{c}[0]"),
            _ => format!("bag_keys({c})"),
        },
        _ => format!("tostring({c})"),
    }
}

const SCALAR_EXPRS: &[&str] = &[
    "tolower(User)",
    "strlen(IPAddress)",
    "Count * 2",
    "Score + 1",
    "bin(TimeGenerated, 1h)",
    "tostring(Props.a)",
    "Props['b']",
    "iff(Count > 1, 'a', 'b')",
    "case(Score > 5, 'high', 'low')",
    "coalesce(User, Account)",
    "now() - TimeGenerated",
    "ipv4_is_private(IPAddress)",
    "parse_json(Location)",
    "strcat(User, '@', Location)",
    "toint(EventID)",
    "datetime_diff('minute', now(), TimeGenerated)",
    "array_length(Props)",
    "bag_keys(Props)",
    "extract('([0-9]+)', 1, IPAddress)",
    "split(User, '@')[0]",
    "hash_sha256(User)",
    "todynamic(Extra)",
];

const PREDICATES: &[&str] = &[
    "Count > 1",
    "User has 'admin'",
    "ResultType != '0'",
    "Score >= 5",
    "TimeGenerated > ago(1d)",
    "isnotempty(IPAddress)",
    "Location in ('US', 'FR')",
    "User !in~ ('a', 'b')",
    "EventID == 4625",
    "Computer startswith 'srv'",
    "Props.a == 1",
    "IPAddress has_any (dynamic(['10.', '192.']))",
    "TimeGenerated between (ago(7d) .. now())",
    "Score > 1 and User != ''",
];

const AGGREGATES: &[&str] = &[
    "count()",
    "dcount(IPAddress)",
    "make_set(Location)",
    "make_list(User, 10)",
    "min(TimeGenerated)",
    "max(TimeGenerated)",
    "avg(Score)",
    "sum(Count)",
    "countif(Score > 1)",
    "arg_max(TimeGenerated, *)",
    "arg_min(TimeGenerated, User, IPAddress)",
    "take_any(*)",
    "percentiles(Count, 50, 95)",
    "make_bag(Props)",
    "stdev(Score)",
];

fn source(r: &mut Rng, s: &mut State) -> String {
    let all = tables();
    match r.below(10) {
        0 => {
            s.set(&[
                ("TimeGenerated", "datetime"),
                ("UserName", "string"),
                ("IPAddress", "string"),
                ("Failed", "bool"),
            ]);
            "LoginsParser".into()
        }
        1 => {
            s.set(&[
                ("TimeGenerated", "datetime"),
                ("User", "string"),
                ("Score", "int"),
            ]);
            "AlertsBy(3)".into()
        }
        2 => {
            s.set(&[("x", "long")]);
            "range x from 1 to 10 step 1".into()
        }
        3 => {
            let a = r.pick(&all);
            let b = r.pick(&all);
            s.cols = a.1.iter().chain(b.1.iter()).map(|c| c.0).collect();
            s.typed.clear();
            let params = *r.pick(&["", "withsource=T ", "isfuzzy=true ", "kind=inner "]);
            format!("union {params}{}, {}", a.0, b.0)
        }
        4 => {
            s.set(&[("User", "string"), ("Level", "int")]);
            "datatable(User:string, Level:int)['a', 1, 'b', 2]".into()
        }
        _ => {
            let t = r.pick(&all);
            s.set(&t.1);
            t.0.into()
        }
    }
}

fn col(r: &mut Rng, s: &State) -> &'static str {
    if s.cols.is_empty() || r.chance(4) {
        const GUESSES: [&str; 5] = ["User", "Score", "Nope", "Count", "IPAddress"];
        GUESSES[r.below(GUESSES.len())]
    } else {
        s.cols[r.below(s.cols.len())]
    }
}

fn operator(r: &mut Rng, s: &mut State) -> String {
    let all = tables();
    match r.below(24) {
        0 => format!("where {}", typed_predicate(r, s)),
        1 => {
            let e = typed_expr(r, s);
            if r.chance(50) {
                s.cols.push("x");
                format!("extend x = {e}")
            } else {
                format!("extend {e}")
            }
        }
        2 => {
            let a = col(r, s);
            let b = col(r, s);
            s.typed.retain(|c| c.0 == a || c.0 == b);
            s.cols = vec![a, b];
            format!("project {a}, {b}")
        }
        3 => {
            let agg = *r.pick(AGGREGATES);
            let key = col(r, s);
            s.typed.retain(|c| c.0 == key);
            s.cols = vec![key];
            if r.chance(50) {
                format!("summarize {agg} by {key}")
            } else {
                s.cols.push("n");
                format!("summarize n = {agg} by {key}, bin(TimeGenerated, 1h)")
            }
        }
        4..=6 => {
            let (name, cols) = r.pick(&all).clone();
            let kind = *r.pick(&[
                "",
                "kind=inner ",
                "kind=leftouter ",
                "kind=leftanti ",
                "kind=rightanti ",
                "kind=leftsemi ",
                "kind=fullouter ",
                "kind=innerunique ",
            ]);
            let right = if r.chance(40) {
                format!("({name} | where {})", r.pick(PREDICATES))
            } else {
                name.to_string()
            };
            let cond = match r.below(3) {
                0 => col(r, s).to_string(),
                1 => format!(
                    "$left.{} == $right.{}",
                    col(r, s),
                    r.pick(&cols.iter().map(|c| c.0).collect::<Vec<_>>())
                ),
                _ => format!("{}, {}", col(r, s), col(r, s)),
            };
            s.cols.extend(cols.iter().map(|c| c.0));
            s.typed.retain(|c| !cols.iter().any(|x| x.0 == c.0));
            format!("join {kind}{right} on {cond}")
        }
        7 => {
            let (name, cols) = r.pick(&all).clone();
            s.cols.extend(cols.iter().map(|c| c.0));
            format!("lookup {name} on {}", col(r, s))
        }
        8 => {
            let (name, cols) = r.pick(&all).clone();
            s.cols.extend(cols.iter().map(|c| c.0));
            format!("union {name}")
        }
        9 => {
            let a = col(r, s);
            s.typed.retain(|c| c.0 != a);
            format!("mv-expand {a} to typeof(string)")
        }
        10 => format!(
            "mv-apply e = {} on (summarize m = {})",
            col(r, s),
            r.pick(&["count()", "make_list(e)", "max(tostring(e))"])
        ),
        11 => {
            s.cols = vec!["User", "n", "TimeGenerated"];
            s.typed.clear();
            format!(
                "make-series n = {} default = 0 on TimeGenerated from ago(7d) to now() step 1d by {}",
                r.pick(&["count()", "dcount(IPAddress)", "sum(Count)"]),
                col(r, s)
            )
        }
        12 => {
            let a = col(r, s);
            s.typed.clear();
            s.cols = vec![a, "aggregated_x"];
            format!("top-nested 3 of {a} by count()")
        }
        13 => format!("sort by {} desc | take 10", col(r, s)),
        14 => format!("top 5 by {}", col(r, s)),
        15 => {
            let a = col(r, s);
            s.typed.retain(|c| c.0 == a);
            s.cols = vec![a];
            format!("distinct {a}")
        }
        16 => {
            let a = col(r, s);
            s.typed.retain(|c| c.0 != a);
            s.cols.retain(|c| *c != a);
            format!("project-away {a}")
        }
        17 => {
            let a = col(r, s);
            s.typed.retain(|c| c.0 != a);
            format!("project-rename Renamed = {a}")
        }
        18 => {
            s.typed.clear();
            format!(
                "evaluate {}",
                r.pick(&[
                    "bag_unpack(Props)",
                    "narrow()",
                    "pivot(Location)",
                    "bag_unpack(Data)"
                ])
            )
        }
        19 => {
            s.cols.extend(["a", "b"]);
            format!("parse {} with a '-' b:int", col(r, s))
        }
        20 => {
            s.cols.push("prv");
            format!("serialize prv = prev({}), rn = row_number()", col(r, s))
        }
        21 => format!("where {} in ((Alerts | project User))", col(r, s)),
        22 => "as T | join (T) on User".into(),
        _ => {
            s.set(&[("Count", "long")]);
            "count".into()
        }
    }
}

/// One generated query.
pub fn query(r: &mut Rng) -> String {
    let mut s = State {
        cols: Vec::new(),
        typed: Vec::new(),
    };
    let mut q = String::new();
    if r.chance(20) {
        let mut ls = State {
            cols: Vec::new(),
            typed: Vec::new(),
        };
        let inner = source(r, &mut ls);
        let op = operator(r, &mut ls);
        let wrap = *r.pick(&["materialize(", "("]);
        q.push_str(&format!("let t = {wrap}{inner} | {op});\n"));
        s.cols = ls.cols;
        s.typed = ls.typed;
        q.push('t');
    } else {
        q.push_str(&source(r, &mut s));
    }
    for _ in 0..1 + r.below(4) {
        q.push_str(" | ");
        q.push_str(&operator(r, &mut s));
    }
    q
}

/// The generated cases, in order.
pub fn cases(seed: u64, count: usize) -> Vec<Case> {
    let mut r = Rng::new(seed);
    let db = database();
    (0..count)
        .map(|_| Case {
            query: query(&mut r),
            options: CaseOptions {
                dcr_functions: Some(false),
                dcr_check: Some(false),
            },
            database: Some(db.clone()),
            ..Case::default()
        })
        .collect()
}
