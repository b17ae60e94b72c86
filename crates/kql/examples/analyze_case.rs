//! Reads one oracle case (or a JSON array of cases) from stdin and prints `analyze_case`'s
//! answer(s), in the same format as `node oracle.js` for side-by-side diffs:
//! `cargo run -p ccfgen-kql --example analyze_case < case.json`.

use std::io::Read;

use ccfgen_kql::{Case, analyze_case};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let value: serde_json::Value = serde_json::from_str(&text)?;
    let answer = match value {
        serde_json::Value::Array(items) => {
            let cases: Vec<Case> = items
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<_, _>>()?;
            serde_json::Value::Array(cases.iter().map(analyze_case).collect())
        }
        single => analyze_case(&serde_json::from_value(single)?),
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
