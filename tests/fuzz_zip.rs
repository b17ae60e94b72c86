//! The `import_zip` fuzz target's inputs on stable, through the same harness
//! (`fuzz/harness/zip.rs`): every seed (`fuzz/seeds/import_zip/`: the packager's form, stored,
//! zip64, extra members, and the hostile forms `ccfgen import` refuses), every prefix of each
//! seed, and every seed with each byte replaced by `0x00`, `0xff` and itself with the low bit
//! flipped — the reader never panics, accepts nothing outside the limits or the archive's root,
//! and refuses in one clean line. The seeds that must be accepted are, and those that must be
//! refused are refused.

#[path = "../fuzz/harness/zip.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/import_zip");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    files
}

fn survives(data: &[u8], what: &str) {
    let result = std::panic::catch_unwind(|| harness::import_zip(data));
    assert!(result.is_ok(), "import_zip panicked on {what}");
}

#[test]
fn seeds_prefixes_and_byte_changes_never_panic() {
    let mut runs = 0;
    for path in seeds() {
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        survives(&data, &name);
        for len in 0..data.len() {
            survives(&data[..len], &format!("{name}[..{len}]"));
        }
        for at in 0..data.len() {
            for byte in [0x00, 0xff, data[at] ^ 1] {
                let mut changed = data.clone();
                changed[at] = byte;
                survives(&changed, &format!("{name} with byte {at} = {byte:#04x}"));
                runs += 1;
            }
        }
    }
    assert!(runs > 10_000, "{runs}");
}

#[test]
fn the_seeds_are_read_or_refused_as_they_should_be() {
    use ccfgen::import::zip_package::read;
    for path in seeds() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let result = read(&data);
        let accepted = matches!(
            name.as_str(),
            "package.zip" | "stored.zip" | "extra-members.zip" | "zip64.zip" | "not-json.zip"
        );
        assert_eq!(result.is_ok(), accepted, "{name}: {result:?}");
    }
}
