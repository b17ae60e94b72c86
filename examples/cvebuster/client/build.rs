//! Generates the record structs of `../ccfgen.toml` (the cveBuster spec) into `$OUT_DIR`
//! with the build-script API ccfgen offers every push client.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    ccfgen::codegen::Builder::new("../ccfgen.toml").generate()?;
    Ok(())
}
