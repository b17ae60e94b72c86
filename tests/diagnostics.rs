//! Snapshots of the rendered findings for broken specs (`tests/broken/*.toml`): every problem
//! of a file is reported, each with file:line:col, an excerpt with a caret, a rule id and a
//! fix hint.

use std::path::Path;

use ccfgen::diagnostic::render::render_all;
use ccfgen::spec::{self, LoadError};

fn findings(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    // Show a stable, relative file name in the snapshot.
    let shown = Path::new("tests/broken").join(path.file_name().unwrap());
    let result = spec::parse(&shown, text).and_then(ccfgen::load::finish);
    match result {
        Err(LoadError::Invalid { diagnostics, file }) => {
            assert!(diagnostics.has_errors());
            for d in diagnostics.iter() {
                let loc = d.location.as_ref().expect("every finding is located");
                assert!(loc.line >= 1 && loc.column >= 1);
                assert!(d.hint.is_some(), "finding without a hint: {d}");
            }
            render_all(diagnostics, &[&file], false)
        }
        Err(e) => panic!("{}: unexpected error {e}", path.display()),
        Ok(_) => panic!("{} is accepted but should be rejected", path.display()),
    }
}

#[test]
fn broken_specs_are_reported_precisely() {
    insta::glob!("broken/*.toml", |path| {
        insta::assert_snapshot!(findings(path));
    });
}
