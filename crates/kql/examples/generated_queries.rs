//! Prints the differential fuzzer's generated queries as oracle cases (a JSON array), for
//! `tests/oracle/record.js --generated`:
//! `cargo run -p ccfgen-kql --example generated_queries > /tmp/generated.json`
//! (`-- SEED COUNT` for another batch, to look for new differences without recording them).

#[path = "../tests/support/generate.rs"]
mod generate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seed = args.next().map_or(Ok(generate::SEED), |s| s.parse())?;
    let count = args.next().map_or(Ok(generate::COUNT), |s| s.parse())?;
    let cases = generate::cases(seed, count);
    println!("{}", serde_json::to_string(&cases)?);
    Ok(())
}
