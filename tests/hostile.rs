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

// ---------------------------------------------------------------------------------------
// `ccfgen import` (issue 9 §1 and §3)
// ---------------------------------------------------------------------------------------

/// A solution folder built by ccfgen from the cveBuster example (spec edited by `edit`):
/// `root/Solution` holds what `build` writes.
fn built_solution(sandbox: &Sandbox, edit: impl FnOnce(String) -> String) -> PathBuf {
    sandbox.spec(edit);
    let out = sandbox.root.join("Solution");
    let o = ccfgen()
        .arg("build")
        .arg(sandbox.work.join("ccfgen.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    fs::remove_file(out.join(".ccfgen-manifest")).unwrap();
    out
}

fn import(input: &Path, out: &Path, extra: &[&str]) -> Output {
    ccfgen()
        .arg("import")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Rewrites a JSON file.
fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn import_never_overwrites_a_spec_without_force() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    let spec = sandbox.root.join("imported/ccfgen.toml");
    fs::create_dir_all(spec.parent().unwrap()).unwrap();
    fs::write(&spec, "# my work\n").unwrap();
    let o = import(&solution, &spec, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&spec).unwrap(), "# my work\n");
    // The logo it would write beside the spec is protected too.
    let other = sandbox.root.join("other/ccfgen.toml");
    fs::create_dir_all(other.parent().unwrap()).unwrap();
    fs::write(other.with_file_name("logo.svg"), "<svg>mine</svg>").unwrap();
    let o = import(&solution, &other, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!other.exists());
    let o = import(&solution, &spec, &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(&spec).unwrap().contains("[solution]"));
}

#[test]
fn import_keeps_the_release_notes() {
    let sandbox = Sandbox::new();
    let change = "Initial release of the cveBuster (Push) connector | with a pipe";
    let solution = built_solution(&sandbox, |t| {
        t.replace(
            "change = \"Initial Solution Release\"",
            &format!("change = \"{change}\"\n\n[[solution.release_notes]]\nversion = \"1.0.0\"\ndate = 2024-01-09\nchange = \"Preview\""),
        )
    });
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(&spec).unwrap();
    let parsed: ccfgen::spec::Spec = toml::from_str(&text).unwrap();
    let notes: Vec<(&str, &str, &str)> = parsed
        .solution
        .release_notes
        .iter()
        .map(|n| (n.version.as_str(), n.date.as_str(), n.change.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            ("3.0.0", "2025-11-06", change),
            ("1.0.0", "2024-01-09", "Preview")
        ]
    );
    // Built again, the release notes are the ones read.
    let out = sandbox.root.join("rebuilt");
    let o = ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(out.join("ReleaseNotes.md")).unwrap(),
        fs::read_to_string(solution.join("ReleaseNotes.md")).unwrap()
    );
}

#[test]
fn import_exits_1_on_unexplained_differences() {
    let sandbox = Sandbox::new();
    // The official packager's bytes: what `import` compares a package with.
    let solution = built_solution(&sandbox, |t| {
        format!("{t}\n[package]\ncompat = \"official\"\n")
    });
    let spec = sandbox.root.join("clean/ccfgen.toml");
    let o = import(&solution.join("Package"), &spec, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A hand edit of the package that the spec cannot carry.
    edit_json(&solution.join("Package/mainTemplate.json"), |v| {
        let resources = v["resources"].as_array_mut().unwrap();
        let package = resources
            .iter_mut()
            .find(|r| r["type"].as_str().unwrap().ends_with("contentPackages"))
            .unwrap();
        package["properties"]["hand"] = "edited".into();
    });
    let spec = sandbox.root.join("edited/ccfgen.toml");
    let o = import(&solution.join("Package"), &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("differs: mainTemplate.json"), "{err}");
    assert!(err.contains("1 unexplained"), "{err}");
}

#[test]
fn import_exits_1_when_the_spec_it_wrote_breaks_the_rules() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    // A table column renamed by hand to a name the rules refuse, in the table and the stream.
    let dir = solution.join("Data Connectors/cveBusterPush_ccf");
    for file in ["table.json", "DCR.json"] {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("\"MachineName\"", "\"Machine-Name\"")).unwrap();
    }
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("breaks ccfgen's rules"), "{err}");
    assert!(err.contains("error[column-name]"), "{err}");
    assert!(spec.exists(), "the spec is written, to be fixed");
}

#[test]
fn import_writes_legacy_name_for_reserved_names_of_existing_tables() {
    let sandbox = Sandbox::new();
    // An existing table with an `id` column (as shipped packages have).
    let solution = built_solution(&sandbox, |t| {
        t.replace(
            "{ name = \"VulnId\", type = \"string\"",
            "{ name = \"id\", type = \"string\", legacy_name = true",
        )
    });
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let text = fs::read_to_string(&spec).unwrap();
    assert!(
        text.contains("{ name = \"id\", type = \"string\", description = \"CVE identifier, e.g. CVE-2024-12345.\", legacy_name = true }"),
        "{text}"
    );
    // It builds (a warning, not an error) and builds the same files again.
    let out = sandbox.root.join("rebuilt");
    let o = ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning[column-reserved]"), "{err}");
    assert!(err.contains("legacy_name"), "{err}");
    for file in ["table.json", "DCR.json"] {
        let rel = format!("Data Connectors/cveBusterPush_ccf/{file}");
        assert_eq!(
            fs::read(out.join(&rel)).unwrap(),
            fs::read(solution.join(&rel)).unwrap(),
            "{rel}"
        );
    }
    // Without the acknowledgement the reserved name stays an error.
    let stripped = text.replace(", legacy_name = true", "");
    fs::write(&spec, stripped).unwrap();
    let o = ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[column-reserved]"));
}

/// Names and paths read from a solution folder or a package that would leave the output are
/// refused with the file and JSON path they came from; nothing is written.
#[test]
fn import_refuses_unsafe_names_from_its_input() {
    type Tamper = fn(&Path);
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "solution name with ..",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Name"] = "../../evil".into()
                })
            },
            "Data/Solution_cveBuster.json $.Name",
        ),
        (
            "solution name with /",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Name"] = "Acme/EDR".into()
                })
            },
            "Data/Solution_cveBuster.json $.Name",
        ),
        (
            "empty solution name",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Name"] = "".into()
                })
            },
            "Data/Solution_cveBuster.json $.Name",
        ),
        (
            "absolute solution name",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Name"] = "/etc".into()
                })
            },
            "Data/Solution_cveBuster.json $.Name",
        ),
        (
            "metadata file outside the folder",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Metadata"] = "../../../../etc/hostname".into()
                })
            },
            "Data/Solution_cveBuster.json $.Metadata",
        ),
        (
            "version with a separator",
            |s| {
                edit_json(&s.join("Data/Solution_cveBuster.json"), |v| {
                    v["Version"] = "../3.0.0".into()
                })
            },
            "Data/Solution_cveBuster.json $.Version",
        ),
        (
            "connector folder with a drive letter",
            |s| {
                fs::rename(
                    s.join("Data Connectors/cveBusterPush_ccf"),
                    s.join("Data Connectors/C:x"),
                )
                .unwrap()
            },
            "Data Connectors/C:x/connectorDefinition.json $",
        ),
    ];
    for (what, tamper, location) in cases {
        let sandbox = Sandbox::new();
        let solution = built_solution(&sandbox, |t| t);
        tamper(&solution);
        let spec = sandbox.root.join("imported/ccfgen.toml");
        let o = import(&solution, &spec, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("refused"), "{what}: {err}");
        assert!(err.contains(location), "{what}: {err}");
        assert!(err.contains("nothing written"), "{what}: {err}");
        assert!(!spec.parent().unwrap().exists(), "{what}: nothing written");
    }
}

#[test]
fn import_refuses_unsafe_names_from_a_package() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    let main = solution.join("Package/mainTemplate.json");
    edit_json(&main, |v| {
        v["variables"]["_solutionName"] = "..\\..\\evil".into();
    });
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution.join("Package"), &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("mainTemplate.json $.variables._solutionName"),
        "{err}"
    );
    assert!(!spec.parent().unwrap().exists());
}

// ---------------------------------------------------------------------------------------
// Walking (issue 9 §5): loops, links out of the root, unreadable folders
// ---------------------------------------------------------------------------------------

fn check(path: &Path) -> Output {
    ccfgen()
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .unwrap()
}

fn findings(o: &Output) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_walked_once() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    std::os::unix::fs::symlink("..", solution.join("Data Connectors/loop")).unwrap();
    let started = std::time::Instant::now();
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("imported 1 connector(s)"), "{err}");
    assert!(err.contains("Data Connectors/loop"), "noted: {err}");
    let o = check(&solution);
    let f = findings(&o);
    assert_eq!(o.status.code(), Some(0), "{f:?}");
    assert!(
        f.iter().any(|(rule, sev, file)| rule == "symlink-skipped"
            && sev == "warning"
            && file.ends_with("Data Connectors/loop")),
        "{f:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_root_is_not_followed() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    // Outside the solution: a broken DCR that check would report, were it read.
    let outside = sandbox.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("DCR.json"), "{ not json").unwrap();
    std::os::unix::fs::symlink(&outside, solution.join("Data Connectors/ext")).unwrap();
    let o = check(&solution);
    let f = findings(&o);
    assert_eq!(o.status.code(), Some(1), "{f:?}");
    assert!(
        f.iter().any(|(rule, sev, file)| rule == "symlink-skipped"
            && sev == "error"
            && file.ends_with("Data Connectors/ext")),
        "{f:?}"
    );
    assert!(
        !f.iter().any(|(rule, _, _)| rule == "json-invalid"),
        "{f:?}"
    );
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not read: Data Connectors/ext"), "{err}");
    assert!(err.contains("imported 1 connector(s)"), "{err}");
}

/// The uid of this process (0: root, whom permissions do not stop).
#[cfg(unix)]
fn uid() -> u32 {
    use std::os::unix::fs::MetadataExt as _;
    fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0)
}

/// `ccfgen …` run so that file permissions apply: as is for a normal user; for root, without
/// the capabilities that override them (`setpriv`), when that tool is there.
#[cfg(unix)]
fn bound_by_permissions() -> Option<std::process::Command> {
    if uid() != 0 {
        return Some(ccfgen());
    }
    let probe = std::process::Command::new("setpriv")
        .args(["--bounding-set=-dac_override,-dac_read_search", "true"])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let base = ccfgen();
    let mut cmd = std::process::Command::new("setpriv");
    cmd.arg("--bounding-set=-dac_override,-dac_read_search")
        .arg(base.get_program())
        .args(base.get_args());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    Some(cmd)
}

/// An unreadable folder is a finding, and the rest is still checked and imported.
#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_a_finding_and_the_walk_goes_on() {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(mut runner) = bound_by_permissions() else {
        // Root without setpriv: permissions cannot be made to apply here; the folder whose
        // path is too long to open (next test) covers the same path through the code.
        eprintln!(
            "note: running as root without setpriv; the permission case is covered by too_long_a_path_is_a_finding"
        );
        return;
    };
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    let locked = solution.join("Data Connectors/locked");
    fs::create_dir_all(&locked).unwrap();
    fs::write(locked.join("x.json"), "{}").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let o = runner
        .args(["check", "--format", "json"])
        .arg(&solution)
        .output()
        .unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let f = findings(&o);
    assert_eq!(o.status.code(), Some(1), "{f:?} {}", stderr(&o));
    assert!(
        f.iter().any(|(rule, sev, file)| rule == "entry-unreadable"
            && sev == "error"
            && file.ends_with("Data Connectors/locked")),
        "{f:?}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["stats"]["resources"].as_u64().unwrap() >= 4,
        "the rest is checked: {v}"
    );
}

/// A folder whose path is longer than the system can open (any user, root included) cannot
/// be read: a finding, and the walk goes on.
#[cfg(target_os = "linux")]
#[test]
fn too_long_a_path_is_a_finding() {
    let sandbox = Sandbox::new();
    let solution = built_solution(&sandbox, |t| t);
    let base = solution.join("Data Connectors/deep");
    fs::create_dir_all(&base).unwrap();
    // 20 levels of 250-byte names (5,000 bytes > PATH_MAX): `mkdir -p` makes them one
    // relative step at a time.
    let deep = format!("{}/", "d".repeat(250)).repeat(20);
    let made = std::process::Command::new("mkdir")
        .arg("-p")
        .arg(&deep)
        .current_dir(&base)
        .status()
        .unwrap();
    assert!(made.success());
    let o = check(&solution);
    let f = findings(&o);
    assert_eq!(o.status.code(), Some(1), "{f:?} {}", stderr(&o));
    assert!(
        f.iter()
            .any(|(rule, sev, _)| rule == "entry-unreadable" && sev == "error"),
        "{f:?}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["stats"]["resources"].as_u64().unwrap() >= 4,
        "the rest is checked: {v}"
    );
    let spec = sandbox.root.join("imported/ccfgen.toml");
    let o = import(&solution, &spec, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not read: Data Connectors/deep/"), "{err}");
    assert!(err.contains("imported 1 connector(s)"), "{err}");
}

#[test]
fn a_built_in_table_name_is_a_plain_table_name() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    fs::create_dir_all(&work).unwrap();
    for f in support::walk(&repo("examples/litware")) {
        let rel = f.strip_prefix(repo("examples/litware")).unwrap();
        fs::create_dir_all(work.join(rel).parent().unwrap()).unwrap();
        fs::copy(&f, work.join(rel)).unwrap();
    }
    let spec = work.join("ccfgen.toml");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replacen("name = \"Syslog\"", "name = \"../../Syslog\"", 1),
    )
    .unwrap();
    let out = ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(work.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("error[builtin-table]"), "{err}");
    assert!(err.contains("ccfgen.toml:52:"), "{err}");
    assert!(!work.join("out").exists());
}
