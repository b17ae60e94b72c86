//! Prints the query corpus of `shared/corpus-content` as oracle cases (a JSON array of
//! `{id, querySha256, case}`), for `tests/oracle/record.js --queries`:
//! `cargo run -p ccfgen-kql --example corpus_queries > /tmp/queries.json`.

#[path = "../tests/support/queries.rs"]
mod queries;

use sha2::{Digest, Sha256};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cases = queries::query_cases().ok_or("the query corpus is absent")?;
    let items: Vec<serde_json::Value> = cases
        .iter()
        .map(|q| {
            serde_json::json!({
                "id": q.id,
                "querySha256": format!("{:x}", Sha256::digest(q.case.query.as_bytes())),
                "case": q.case,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&items)?);
    Ok(())
}
