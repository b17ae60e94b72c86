//! The fuzz harness of the package zip reader of `ccfgen import`
//! (`ccfgen::import::zip_package::read`), shared by the cargo-fuzz target `import_zip` and the
//! stable test `tests/fuzz_zip.rs`. Arbitrary bytes are read as a zip, in memory: the reader
//! must never panic; what it accepts stays inside the limits and the archive's root, and what
//! it refuses is said in one line whose member names are escaped.

use ccfgen::import::zip_package;
use ccfgen::input::MAX_JSON_BYTES;

/// Reads `data` as a package zip and checks the answer.
pub fn import_zip(data: &[u8]) {
    match zip_package::read(data) {
        Ok(package) => {
            assert!(package.main_template.len() as u64 <= MAX_JSON_BYTES);
            if let Some(ui) = &package.ui_definition {
                assert!(ui.len() as u64 <= MAX_JSON_BYTES);
            }
            assert!(package.ignored.len() < zip_package::MAX_MEMBERS);
            for name in &package.ignored {
                assert!(!name.is_empty(), "an empty member name was accepted");
                assert!(
                    !name.starts_with(['/', '\\']) && !name.split(['/', '\\']).any(|c| c == ".."),
                    "member {name:?} escapes the archive's root"
                );
                assert!(!name.chars().any(char::is_control), "{name:?}");
            }
        }
        Err(problem) => {
            let text = problem.to_string();
            assert!(!text.is_empty());
            assert!(
                !text.chars().any(|c| c.is_control()),
                "a refusal with a control character: {text:?}"
            );
        }
    }
}
