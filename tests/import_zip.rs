//! `ccfgen import` of a package zip (`Package/<version>.zip`), with the real binary and temp
//! dirs: the zip `ccfgen build` writes for the cveBuster example imports to the very files its
//! Package folder imports to; a Package folder holding only version zips is read from the
//! highest version (numerically) and says so; a member that is not part of a package is
//! noted. Hostile zips, built here with the `zip` crate and patched byte by byte, are refused
//! with exit 2 and a message naming the zip and the member, and nothing is written: a member
//! name that climbs out (`..`, with `/` or `\`) or is absolute, a member twice (exactly or by
//! case), an encrypted member, an unsupported compression method, a member that decompresses
//! past the limit (declared, or lying about its size), a file that is not a zip, a zip without
//! `mainTemplate.json`.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use support::{assert_code, ccfgen, repo, run, text};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn import(input: &Path, spec: &Path) -> std::process::Output {
    run(ccfgen().arg("import").arg(input).arg("--out").arg(spec))
}

/// Every file under `dir` with its bytes, by relative path, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = support::walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Builds the cveBuster example (`--compat official`) into `out`; returns its Package folder.
fn build_example(out: &Path) -> PathBuf {
    assert_code(
        &run(ccfgen()
            .arg("build")
            .arg(repo("examples/cvebuster/ccfgen.toml"))
            .arg("--out")
            .arg(out)
            .args(["--compat", "official"])),
        0,
    );
    out.join("Package")
}

/// The one `<version>.zip` of a built Package folder.
fn the_zip(package: &Path) -> PathBuf {
    let zips: Vec<PathBuf> = std::fs::read_dir(package)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    assert_eq!(zips.len(), 1, "{zips:?}");
    zips[0].clone()
}

#[test]
fn a_built_package_zip_imports_like_its_package_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let package = build_example(&tmp.path().join("out"));
    let zip = the_zip(&package);

    let from_folder = tmp.path().join("from-folder");
    let o = import(&package, &from_folder.join("ccfgen.toml"));
    assert_code(&o, 0);
    let from_zip = tmp.path().join("from-zip");
    let o = import(&zip, &from_zip.join("ccfgen.toml"));
    assert_code(&o, 0);
    let expected = tree(&from_folder);
    assert!(
        expected.iter().any(|(f, _)| f == "ccfgen.toml")
            && expected
                .iter()
                .any(|(f, _)| f.starts_with("Analytic Rules/")),
        "{:?}",
        expected.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    assert_eq!(tree(&from_zip), expected);
    // The release notes beside Package/ are read for a zip as for mainTemplate.json.
    let spec = std::fs::read_to_string(from_zip.join("ccfgen.toml")).unwrap();
    assert!(spec.contains("[[solution.release_notes]]"), "{spec}");
}

#[test]
fn a_package_folder_of_zips_is_read_from_the_highest_version() {
    let tmp = tempfile::tempdir().unwrap();
    let package = build_example(&tmp.path().join("out"));
    let zip = the_zip(&package);
    let from_folder = tmp.path().join("from-folder");
    assert_code(&import(&package, &from_folder.join("ccfgen.toml")), 0);

    // Only zips left: the real one as 10.0.0.zip; 9.0.0.zip (higher if compared as text)
    // is not a zip at all, so reading it would fail.
    for f in ["mainTemplate.json", "createUiDefinition.json"] {
        std::fs::remove_file(package.join(f)).unwrap();
    }
    std::fs::rename(&zip, package.join("10.0.0.zip")).unwrap();
    std::fs::write(package.join("9.0.0.zip"), "not a zip").unwrap();
    let from_zips = tmp.path().join("from-zips");
    let o = import(&package, &from_zips.join("ccfgen.toml"));
    assert_code(&o, 0);
    let err = text(&o.stderr);
    assert!(
        err.contains("holds no mainTemplate.json: read the package from 10.0.0.zip, the highest version of its 2 version zip(s) (9.0.0.zip, 10.0.0.zip)"),
        "{err}"
    );
    assert_eq!(tree(&from_zips), tree(&from_folder));
}

#[test]
fn a_member_that_is_not_part_of_a_package_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let package = build_example(&tmp.path().join("out"));
    let zip = members(&[
        (
            "mainTemplate.json",
            &std::fs::read(package.join("mainTemplate.json")).unwrap(),
        ),
        (
            "createUiDefinition.json",
            &std::fs::read(package.join("createUiDefinition.json")).unwrap(),
        ),
        ("notes/README.md", b"hello"),
    ]);
    let path = package.join("3.0.0.zip");
    std::fs::write(&path, zip).unwrap();
    let o = import(&path, &tmp.path().join("imported/ccfgen.toml"));
    assert_code(&o, 0);
    let err = text(&o.stderr);
    assert!(
        err.contains("ignored: notes/README.md $: a member of 3.0.0.zip that is not part of a package (mainTemplate.json, createUiDefinition.json): not read"),
        "{err}"
    );
}

// ---- hostile zips

const TEMPLATE: &[u8] = br#"{"resources": []}"#;

/// A zip of `files` (name, bytes), deflated, in the given order.
fn members(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The central directory entries of a zip without comment: (offset of the central header,
/// offset of the local header).
fn headers(zip: &[u8]) -> Vec<(usize, usize)> {
    let u16_at = |p: usize| usize::from(u16::from_le_bytes([zip[p], zip[p + 1]]));
    let u32_at = |p: usize| u32::from_le_bytes(zip[p..p + 4].try_into().unwrap()) as usize;
    let eocd = zip.len() - 22;
    assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06");
    let mut at = u32_at(eocd + 16);
    let mut out = Vec::new();
    for _ in 0..u16_at(eocd + 10) {
        assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
        let local = u32_at(at + 42);
        assert_eq!(&zip[local..local + 4], b"PK\x03\x04");
        out.push((at, local));
        at += 46 + u16_at(at + 28) + u16_at(at + 30) + u16_at(at + 32);
    }
    out
}

/// Writes `zip` as `name` in a fresh folder, imports it and checks the refusal: exit 2, the
/// message names the zip, the member (if any) and says `what`; nothing is written.
fn refused(name: &str, zip: &[u8], member: Option<&str>, what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    std::fs::write(&path, zip).unwrap();
    let out = tmp.path().join("imported");
    let o = import(&path, &out.join("ccfgen.toml"));
    assert_code(&o, 2);
    let err = text(&o.stderr);
    let head = format!("ccfgen: error: {}: ", path.display());
    assert!(err.contains(&head), "{head} not in {err}");
    if let Some(member) = member {
        let quoted = format!("member \"{}\": ", member.escape_debug());
        assert!(err.contains(&quoted), "{quoted} not in {err}");
    }
    assert!(err.contains(what), "{what} not in {err}");
    assert!(err.contains("nothing read, nothing written"), "{err}");
    assert!(!out.exists(), "{} written", out.display());
}

#[test]
fn member_names_that_climb_out_or_are_absolute_are_refused() {
    let ui: &[u8] = b"{}";
    for (bad, what) in [
        ("../mainTemplate.json", "a `..` component"),
        ("Package/../../evil.json", "a `..` component"),
        ("..\\evil.json", "a `..` component"),
        ("/etc/mainTemplate.json", "an absolute name"),
        ("\\temp\\x.json", "an absolute name"),
        ("C:/x.json", "a drive"),
    ] {
        let zip = members(&[
            ("mainTemplate.json", TEMPLATE),
            ("createUiDefinition.json", ui),
            (bad, b"x"),
        ]);
        refused("3.0.0.zip", &zip, Some(bad), what);
    }
}

#[test]
fn a_member_twice_is_refused() {
    // The zip writer refuses duplicates: write a second name of the same length, then give
    // it the first's name in both its headers.
    let mut zip = members(&[
        ("mainTemplate.json", TEMPLATE),
        ("mainTemplatX.json", b"{\"evil\": 1}"),
    ]);
    for (central, local) in headers(&zip).into_iter().skip(1) {
        zip[central + 46..central + 46 + 17].copy_from_slice(b"mainTemplate.json");
        zip[local + 30..local + 30 + 17].copy_from_slice(b"mainTemplate.json");
    }
    refused(
        "3.0.0.zip",
        &zip,
        Some("mainTemplate.json"),
        "appears twice in the archive",
    );
    let zip = members(&[
        ("mainTemplate.json", TEMPLATE),
        ("MainTemplate.JSON", b"{\"evil\": 1}"),
    ]);
    refused(
        "3.0.0.zip",
        &zip,
        Some("MainTemplate.JSON"),
        "also as \"mainTemplate.json\"; names differ only in case",
    );
}

#[test]
fn encrypted_and_unsupported_members_are_refused() {
    // General purpose flag bit 0: encrypted.
    let mut zip = members(&[("mainTemplate.json", TEMPLATE), ("a.json", b"{}")]);
    let (central, local) = headers(&zip)[1];
    zip[central + 8] |= 1;
    zip[local + 6] |= 1;
    refused("3.0.0.zip", &zip, Some("a.json"), "is encrypted");

    // Compression method 12 (bzip2), which the packager never writes.
    let mut zip = members(&[("mainTemplate.json", TEMPLATE)]);
    let (central, local) = headers(&zip)[0];
    zip[central + 10] = 12;
    zip[local + 8] = 12;
    refused(
        "3.0.0.zip",
        &zip,
        Some("mainTemplate.json"),
        "is compressed with method Bzip2: ccfgen reads stored and deflate members only",
    );
}

#[test]
fn a_zip_bomb_is_refused_at_the_limit() {
    // 33 MiB of spaces deflate to a few tens of KiB.
    let big = vec![b' '; 33 << 20];
    let zip = members(&[("mainTemplate.json", &big)]);
    assert!(zip.len() < 1 << 20, "{}", zip.len());
    refused(
        "3.0.0.zip",
        &zip,
        Some("mainTemplate.json"),
        "decompresses to 34603008 bytes (as declared), over the 32 MiB limit for a JSON file",
    );
    // The same member declaring 17 bytes in both headers: the read stops at the declared
    // size (and in any case at the limit), never past it.
    let mut zip = zip;
    for (central, local) in headers(&zip) {
        zip[central + 24..central + 28].copy_from_slice(&17u32.to_le_bytes());
        zip[local + 22..local + 26].copy_from_slice(&17u32.to_le_bytes());
    }
    refused(
        "3.0.0.zip",
        &zip,
        Some("mainTemplate.json"),
        "cannot be decompressed",
    );
}

#[test]
fn what_is_not_a_package_zip_is_refused() {
    refused(
        "3.0.0.zip",
        b"PK\x03\x04 this is not a zip",
        None,
        "not a readable zip archive",
    );
    let zip = members(&[("Package/mainTemplate.json", TEMPLATE), ("b.txt", b"")]);
    refused(
        "3.0.0.zip",
        &zip,
        None,
        "holds no mainTemplate.json at its root (it holds \"Package/mainTemplate.json\", \"b.txt\"): not a package zip",
    );
    let zip = members(&[("mainTemplate.json", b"{ not json")]);
    refused("3.0.0.zip", &zip, Some("mainTemplate.json"), "is not JSON");
}
