//! Hostile and careless input, run through the real binary: no spec value, package, solution
//! folder or bookkeeping file makes ccfgen read, write or remove anything outside the root it
//! was given (issue 9 §1), `import` refuses what it must (§3), and walking a tree survives
//! symbolic-link loops and unreadable folders (§5).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::{ccfgen, repo};

/// A sandbox: `root/work` holds the spec, `root/work/out` is the output; anything written
/// outside `root/work` is an escape.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let work = root.join("a/b/c/work");
        fs::create_dir_all(&work).unwrap();
        Sandbox {
            _dir: dir,
            root,
            work,
        }
    }

    /// The cveBuster example with `edit` applied, written as `work/ccfgen.toml`.
    fn spec(&self, edit: impl FnOnce(String) -> String) -> PathBuf {
        let text = fs::read_to_string(repo("examples/cvebuster/ccfgen.toml")).unwrap();
        fs::copy(
            repo("examples/cvebuster/logo.svg"),
            self.work.join("logo.svg"),
        )
        .unwrap();
        let path = self.work.join("ccfgen.toml");
        fs::write(&path, edit(text)).unwrap();
        path
    }

    fn build(&self) -> Output {
        ccfgen()
            .arg("build")
            .arg(self.work.join("ccfgen.toml"))
            .arg("--out")
            .arg(self.work.join("out"))
            .output()
            .unwrap()
    }

    /// Every file under the sandbox that is not under `work/` (the spec's folder).
    fn escaped(&self) -> Vec<PathBuf> {
        support::walk(&self.root)
            .into_iter()
            .filter(|p| !p.starts_with(&self.work))
            .collect()
    }

    fn out_files(&self) -> Vec<PathBuf> {
        let out = self.work.join("out");
        if out.exists() {
            support::walk(&out)
        } else {
            Vec::new()
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Inserts `line` after the first line equal to `after`.
fn insert_after(text: &str, after: &str, line: &str) -> String {
    let at = text
        .find(&format!("{after}\n"))
        .unwrap_or_else(|| panic!("no `{after}` line"));
    let end = at + after.len() + 1;
    format!("{}{line}\n{}", &text[..end], &text[end..])
}

/// A change to the example spec.
type Edit = Box<dyn Fn(String) -> String>;

const CONNECTOR: &str = "[[connectors]]";
const TABLE: &str = "name = \"cveBusterVulnerabilities_CL\"";

#[test]
fn spec_values_cannot_write_outside_the_output() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "folder with ..",
            Box::new(|t| insert_after(&t, CONNECTOR, "folder = \"../../../x\"")),
        ),
        (
            "absolute folder",
            Box::new(|t| insert_after(&t, CONNECTOR, "folder = \"/tmp/ccfgen-hostile-abs\"")),
        ),
        (
            "drive letter folder",
            Box::new(|t| insert_after(&t, CONNECTOR, "folder = 'C:\\x'")),
        ),
        (
            "table file with ..",
            Box::new(|t| insert_after(&t, TABLE, "file = \"../../../../y.json\"")),
        ),
        (
            "absolute table file",
            Box::new(|t| insert_after(&t, TABLE, "file = \"/tmp/ccfgen-hostile.json\"")),
        ),
        (
            "dcr file in a subfolder",
            Box::new(|t| insert_after(&t, CONNECTOR, "dcr_file = \"a/DCR.json\"")),
        ),
        (
            "definition file with ..",
            Box::new(|t| insert_after(&t, CONNECTOR, "definition_file = \"..\"")),
        ),
        (
            "data connector file is a device",
            Box::new(|t| insert_after(&t, CONNECTOR, "data_connector_file = \"NUL.json\"")),
        ),
        (
            "solution name with /",
            Box::new(|t| t.replace("name = \"cveBuster\"", "name = \"Acme/EDR\"")),
        ),
        (
            "solution name with ..",
            Box::new(|t| t.replace("name = \"cveBuster\"", "name = \"../../escaped\"")),
        ),
        (
            "empty solution name",
            Box::new(|t| t.replace("name = \"cveBuster\"", "name = \"\"")),
        ),
        (
            "solution name of spaces (an empty file stem)",
            Box::new(|t| t.replace("name = \"cveBuster\"", "name = \"   \"")),
        ),
        (
            "solution name with a control character",
            Box::new(|t| t.replace("name = \"cveBuster\"", "name = \"cve\\u001bBuster\"")),
        ),
        (
            "two connectors in one folder",
            Box::new(|t| {
                let second = "\n[[connectors]]\nid = \"Other\"\nfolder = \"cveBusterPush_ccf\"\n\n[[connectors.tables]]\nname = \"Other_CL\"\ncolumns = [{ name = \"TimeGenerated\", type = \"datetime\" }, { name = \"Value\", type = \"string\" }]\n";
                format!("{t}{second}")
            }),
        ),
        (
            "logo outside the spec folder",
            Box::new(|t| t.replace("logo = \"logo.svg\"", "logo = \"../outside.svg\"")),
        ),
        (
            "absolute logo",
            Box::new(|t| t.replace("logo = \"logo.svg\"", "logo = \"/etc/hostile.svg\"")),
        ),
        (
            "extra content outside the spec folder",
            Box::new(|t| format!("{t}\n[package]\nextra_content = \"../../extra.json\"\n")),
        ),
    ];
    for (what, edit) in cases {
        let sandbox = Sandbox::new();
        // Files a read escape would find.
        fs::write(
            sandbox.work.parent().unwrap().join("outside.svg"),
            "<svg>secret</svg>",
        )
        .unwrap();
        fs::write(
            sandbox.work.join("../../extra.json"),
            r#"{"resources": []}"#,
        )
        .unwrap();
        sandbox.spec(edit);
        let o = sandbox.build();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("error[unsafe-path]"), "{what}: {err}");
        assert!(err.contains("ccfgen.toml:"), "{what}: located: {err}");
        assert!(!err.contains('\u{1b}'), "{what}: no raw control characters");
        assert_eq!(sandbox.out_files(), Vec::<PathBuf>::new(), "{what}");
        let escaped: Vec<PathBuf> = sandbox
            .escaped()
            .into_iter()
            .filter(|p| !p.ends_with("outside.svg") && !p.ends_with("extra.json"))
            .collect();
        assert_eq!(escaped, Vec::<PathBuf>::new(), "{what}");
    }
    assert!(!Path::new("/tmp/ccfgen-hostile-abs").exists());
    assert!(!Path::new("/tmp/ccfgen-hostile.json").exists());
}

#[cfg(unix)]
#[test]
fn a_logo_symlinked_out_of_the_spec_folder_is_not_read() {
    let sandbox = Sandbox::new();
    sandbox.spec(|t| t);
    let secret = sandbox.root.join("secret.svg");
    fs::write(&secret, "<svg>secret</svg>").unwrap();
    fs::remove_file(sandbox.work.join("logo.svg")).unwrap();
    std::os::unix::fs::symlink(&secret, sandbox.work.join("logo.svg")).unwrap();
    let o = sandbox.build();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[unsafe-path]"), "{err}");
    assert!(err.contains("ccfgen.toml:15:8"), "located: {err}");
    assert!(!err.contains("secret</"), "{err}");
    assert_eq!(sandbox.out_files(), Vec::<PathBuf>::new());
}

#[test]
fn init_refuses_a_name_that_is_not_a_plain_name() {
    for name in ["../../escaped", "Acme/EDR", "", "C:evil", "x\u{7}"] {
        let dir = tempfile::tempdir().unwrap();
        let o = ccfgen()
            .args(["init", "--name", name, "--dir"])
            .arg(dir.path().join("s"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--name"), "{}", stderr(&o));
        assert!(!dir.path().join("s").exists(), "{name:?}: nothing written");
    }
}

#[test]
fn a_name_init_accepts_builds() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s");
    let o = ccfgen()
        .args(["init", "--name", "Acme EDR (v2)", "--dir"])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.path()
            .join("out/Data/Solution_AcmeEDR(v2).json")
            .is_file()
    );
}

/// The build's bookkeeping file is edited between two builds: entries that name files
/// outside the output, files the build never wrote, files changed since, or files behind a
/// symbolic link are all kept (and reported), never removed.
#[test]
fn a_tampered_manifest_never_removes_what_the_build_did_not_write() {
    let sandbox = Sandbox::new();
    sandbox.spec(|t| t);
    let o = sandbox.build();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = sandbox.work.join("out");
    let manifest_path = out.join(".ccfgen-manifest");
    let manifest = fs::read_to_string(&manifest_path).unwrap();
    let line = |rel: &str| {
        manifest
            .lines()
            .find(|l| l.ends_with(&format!(" {rel}")))
            .unwrap_or_else(|| panic!("no {rel} in {manifest}"))
            .to_string()
    };
    // Victims: a file beside the output, one far away, a user file inside it, and the
    // user's copy of a generated file under a name the build does not write.
    let beside = sandbox.work.join("victim.txt");
    let far = sandbox.root.join("far.txt");
    fs::write(&beside, "victim").unwrap();
    fs::write(&far, "far").unwrap();
    fs::write(out.join("notes.md"), "mine").unwrap();
    let release = line("ReleaseNotes.md");
    let sha = release.split(' ').next().unwrap();
    fs::copy(
        out.join("ReleaseNotes.md"),
        out.join("ReleaseNotes copy.md"),
    )
    .unwrap();
    let tampered = format!(
        "{manifest}{sha} - ../victim.txt\n{sha} - {}\n{sha} - notes.md\n{sha} 1:1 ReleaseNotes copy.md\n../../../../far.txt\n{sha} - Data/../../victim.txt\n",
        far.display()
    );
    fs::write(&manifest_path, tampered).unwrap();
    // A generated file the next build no longer writes, edited by hand: kept.
    let data = out.join("Data/Solution_cveBuster.json");
    fs::write(&data, "{\"edited\": true}").unwrap();
    // Renamed, the solution's data file and Rust module become stale.
    sandbox.spec(|t| t.replace("name = \"cveBuster\"", "name = \"cveBuster2\""));
    let o = sandbox.build();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(beside.exists() && far.exists(), "{err}");
    assert!(out.join("notes.md").exists(), "{err}");
    assert!(out.join("ReleaseNotes copy.md").exists(), "{err}");
    assert!(err.contains("kept: ../victim.txt"), "{err}");
    assert!(data.exists(), "edited by hand: {err}");
    assert!(
        err.contains("kept: Data/Solution_cveBuster.json (changed since"),
        "{err}"
    );
    // The stale file the build did write is removed.
    assert!(!out.join("Rust/cve_buster.rs").exists(), "{err}");
    assert!(out.join("Rust/cve_buster2.rs").exists(), "{err}");
    assert!(err.contains("stale removed"), "{err}");
}

/// Manifest entries behind a symbolic link (a folder of the output replaced by a link to
/// elsewhere) are not followed.
#[cfg(unix)]
#[test]
fn stale_cleanup_does_not_follow_links() {
    let sandbox = Sandbox::new();
    sandbox.spec(|t| t);
    assert!(sandbox.build().status.success());
    let out = sandbox.work.join("out");
    // Move the generated Rust folder away and link it back: its files now live outside.
    let away = sandbox.root.join("away");
    fs::rename(out.join("Rust"), &away).unwrap();
    std::os::unix::fs::symlink(&away, out.join("Rust")).unwrap();
    sandbox.spec(|t| t.replace("name = \"cveBuster\"", "name = \"cveBuster2\""));
    let o = sandbox.build();
    let err = stderr(&o);
    // Writing Rust/cve_buster2.rs would go through the link: refused, nothing written.
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(away.join("cve_buster.rs").exists(), "{err}");
    assert!(!away.join("cve_buster2.rs").exists(), "{err}");
    assert!(!out.join("Data/Solution_cveBuster2.json").exists(), "{err}");
}
