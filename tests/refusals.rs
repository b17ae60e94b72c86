//! Clear refusals and the crashes they replace (issue 9 §3 and §5), each with the real binary
//! (assert_cmd) on real files in temp dirs: a check with nothing to check, spec errors reported
//! together with "did you mean", an import of a path that does not exist, oversized inputs,
//! `check --explain` on a non-DCR, a single DCR checked with its tables, `infer`'s exit status,
//! the schema's spellings, a duplicate column reported once, ReleaseNotes.md cells, completions
//! and man pages, the deploy line of `build`, `rust_name` validation, Rust name collisions and
//! KQL quoting of derived transforms. The property test at the end: any column name or
//! `rust_name` is refused with a finding or yields valid, distinct Rust identifiers.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use proptest::prelude::*;
use serde_json::Value;

fn ccfgen() -> Command {
    let mut cmd = Command::cargo_bin("ccfgen").expect("the ccfgen binary");
    cmd.env_remove("RUST_LOG").arg("--color=never");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("ccfgen runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// `ccfgen build SPEC --out OUT`.
fn build(spec: impl AsRef<std::ffi::OsStr>, out: impl AsRef<std::ffi::OsStr>) -> Output {
    run(ccfgen().arg("build").arg(spec).arg("--out").arg(out))
}

/// The exit code is `code` and stderr says `needle`.
#[track_caller]
fn assert_refused(out: &Output, code: i32, needle: &str) {
    assert_code(out, code);
    assert!(stderr(out).contains(needle), "{needle}:\n{}", stderr(out));
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The cveBuster example spec, edited by `edit`, written into `dir` (with its logo).
fn cvebuster(dir: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(repo("examples/cvebuster/ccfgen.toml")).unwrap();
    std::fs::copy(repo("examples/cvebuster/logo.svg"), dir.join("logo.svg")).unwrap();
    let path = dir.join("ccfgen.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

/// Adds `columns` (TOML inline tables) after the `VulnId` column of the cveBuster example.
fn with_columns(text: String, columns: &str) -> String {
    let at = text
        .find("  { name = \"VulnTitle\"")
        .expect("VulnTitle column");
    format!("{}{columns}\n{}", &text[..at], &text[at..])
}

/// Rule ids of `ccfgen check SPEC --format json`.
fn check_rules(spec: &Path) -> (Output, Vec<String>) {
    let out = run(ccfgen().arg("check").arg(spec).args(["--format", "json"]));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let rules = json["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["rule"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (out, rules)
}

// --- check with nothing to check --------------------------------------------------------

#[test]
fn check_with_nothing_to_check_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(ccfgen().arg("check").arg(&empty));
    assert_refused(&out, 2, "nothing to check");
    assert!(stderr(&out).contains("no JSON file"), "{}", stderr(&out));

    // JSON files, but none a CCF resource: a mistyped folder of a repository.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("package.json"), r#"{"name": "x"}"#).unwrap();
    std::fs::write(other.join("b.json"), "[1, 2]").unwrap();
    let out = run(ccfgen().arg("check").arg(&other));
    assert_refused(&out, 2, "none of its 2 JSON files is a CCF resource");
    for format in ["json", "sarif"] {
        let out = run(ccfgen().arg("check").arg(&other).args(["--format", format]));
        assert_code(&out, 2);
    }

    let out = run(ccfgen().arg("check").arg(dir.path().join("mistyped")));
    assert_refused(&out, 2, "does not exist");

    let out = run(ccfgen().arg("check").arg(other.join("package.json")));
    assert_refused(&out, 2, "is not a CCF resource nor a package");
    let readme = dir.path().join("README.md");
    std::fs::write(&readme, "# x\n").unwrap();
    let out = run(ccfgen().arg("check").arg(&readme));
    assert_refused(&out, 2, "neither a JSON file nor a ccfgen.toml");
}

#[test]
fn import_of_a_path_that_does_not_exist_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for missing in ["nonexistent.zip", "mainTemplate.json", "Solutions/Mistyped"] {
        let out = run(ccfgen()
            .arg("import")
            .arg(dir.path().join(missing))
            .arg("--out")
            .arg(dir.path().join("out")));
        assert_refused(&out, 2, "does not exist");
        assert!(
            !stderr(&out).contains("neither a solution folder"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
}

// --- spec errors together --------------------------------------------------------------

#[test]
fn spec_errors_are_reported_together_with_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        t.replacen("name = \"cveBuster\"\n", "", 1)
            .replacen("publisher_id = \"yourcompany\"\n", "", 1)
            .replacen("offer_id = \"cvebuster-sentinel-push-connector\"\n", "", 1)
            .replacen(
                "{ name = \"VulnId\", type = \"string\"",
                "{ name = \"VulnId\", typ = \"string\"",
                1,
            )
            .replacen("tier = \"Partner\"", "tier = \"partner\"", 1)
    });
    let (out, rules) = check_rules(&spec);
    assert_code(&out, 1);
    let count = |r: &str| rules.iter().filter(|x| *x == r).count();
    assert_eq!(count("spec-missing-key"), 3, "{rules:?}");
    // `typ` is one finding: unknown, did you mean the required `type`.
    assert_eq!(count("spec-unknown-key"), 1, "{rules:?}");
    assert_eq!(count("spec-type"), 1, "{rules:?}");
    assert_eq!(rules.len(), 5, "{rules:?}");

    let out = build(&spec, dir.path().join("out"));
    assert_code(&out, 1);
    let err = stderr(&out);
    for expected in [
        "`solution` has no `name`",
        "`solution` has no `publisher_id`",
        "`solution` has no `offer_id`",
        "unknown key `typ`",
        "did you mean `type`? It is required",
        "`tier` cannot be `partner`",
        "did you mean `Partner`?",
        "5 errors",
    ] {
        assert!(err.contains(expected), "{expected}:\n{err}");
    }
    assert!(!dir.path().join("out").exists());
}

// --- oversized inputs --------------------------------------------------------------------

/// A sparse file of `size` bytes (instant, takes no disk).
fn sparse(path: &Path, size: u64) {
    std::fs::File::create(path).unwrap().set_len(size).unwrap();
}

#[test]
fn oversized_inputs_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.toml");
    sparse(&spec, 64 << 20);
    for cmd in ["build", "check"] {
        let out = run(ccfgen().arg(cmd).arg(&spec));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("it is 64 MiB, over the 4 MiB limit for a spec"),
            "{cmd}: {}",
            stderr(&out)
        );
    }

    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    sparse(&tree.join("huge.json"), 40 << 20);
    let (out, rules) = check_rules(&tree);
    assert_code(&out, 1);
    assert_eq!(rules, ["file-too-large"]);

    let out = run(ccfgen()
        .arg("check")
        .arg("--explain")
        .arg(tree.join("huge.json")));
    assert_refused(&out, 2, "over the 32 MiB limit");

    let out = run(ccfgen()
        .args(["infer", "--table", "Events_CL"])
        .arg(tree.join("huge.json")));
    assert_refused(&out, 2, "over the 32 MiB limit");
    // Streams are cut at the limit too.
    let out = run(ccfgen()
        .args(["infer", "--table", "Events_CL", "-"])
        .write_stdin(vec![b' '; (32 << 20) + 10]));
    assert_refused(&out, 2, "more than 32 MiB, over the 32 MiB limit");

    let out = run(ccfgen()
        .arg("import")
        .arg(tree.join("huge.json"))
        .arg("--out")
        .arg(dir.path().join("imported.toml")));
    assert_refused(
        &out,
        2,
        "it is 40 MiB, over the 32 MiB limit for a JSON file",
    );
    assert!(!dir.path().join("imported.toml").exists());

    let logo = dir.path().join("logo.svg");
    let spec = cvebuster(dir.path(), |t| t);
    sparse(&logo, 2 << 20);
    let out = build(&spec, dir.path().join("o"));
    assert_refused(&out, 1, "over the 1 MiB limit for a logo");
}

// --- check --explain, single files -------------------------------------------------------

/// Builds the cveBuster example into `dir/out` and returns its connector folder.
fn built_cvebuster(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let built = build(repo("examples/cvebuster"), &out);
    assert_code(&built, 0);
    out.join("Data Connectors/cveBusterPush_ccf")
}

#[test]
fn explain_on_a_file_that_is_not_a_dcr_is_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let folder = built_cvebuster(dir.path());
    let out = run(ccfgen()
        .args(["check", "--explain"])
        .arg(folder.join("table.json")));
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("holds no data collection rule"), "{err}");
    assert!(err.contains("--explain takes a DCR file"), "{err}");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not json\n").unwrap();
    let out = run(ccfgen().args(["check", "--explain"]).arg(&text));
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("notes.txt is not JSON (expected ") && err.contains(" at line 1, column 2)"),
        "{err}"
    );
    assert!(!err.contains('{'), "no debug dump: {err}");

    let out = run(ccfgen()
        .args(["check", "--explain"])
        .arg(folder.join("DCR.json")));
    assert_code(&out, 0);
    let flows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        flows[0]["dataFlow"]["tableFile"]
            .as_str()
            .unwrap()
            .ends_with("table.json")
    );
}

#[test]
fn a_single_dcr_file_is_checked_with_the_tables_next_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = built_cvebuster(dir.path());
    let (out, rules) = check_rules(&folder.join("DCR.json"));
    assert_code(&out, 0);
    assert!(rules.is_empty(), "{rules:?}");
    let out = run(ccfgen().arg("check").arg(folder.join("DCR.json")));
    assert!(
        stderr(&out).contains("checked 1 JSON file"),
        "{}",
        stderr(&out)
    );

    // A finding in the DCR is still found; the table's own problems are not reported.
    let dcr = std::fs::read_to_string(folder.join("DCR.json")).unwrap();
    std::fs::write(
        folder.join("DCR.json"),
        dcr.replace("\"name\": \"CVSS\"", "\"name\": \"Cvss\""),
    )
    .unwrap();
    let (out, rules) = check_rules(&folder.join("DCR.json"));
    assert_code(&out, 1);
    assert!(
        !rules.is_empty() && !rules.contains(&"output-table-missing".to_string()),
        "{rules:?}"
    );
}

// --- infer ---------------------------------------------------------------------------------

#[test]
fn infer_exits_1_when_it_reports_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.json");
    std::fs::write(&events, r#"{"Computer": "a", "Count": 1}"#).unwrap();
    let out = run(ccfgen()
        .arg("infer")
        .arg(&events)
        .args(["--table", "events"]));
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("[[connectors.tables]]"),
        "the proposal is still printed"
    );
    assert!(
        stderr(&out).contains("error[table-name]"),
        "{}",
        stderr(&out)
    );
    let out = run(ccfgen()
        .arg("infer")
        .arg(&events)
        .args(["--table", "Events_CL"]));
    assert_code(&out, 0);
    assert_eq!(stderr(&out), "");
}

// --- the schema accepts what the README documents ----------------------------------------

#[test]
fn schema_accepts_every_documented_type_spelling() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let sentence = readme
        .lines()
        .skip_while(|l| !l.starts_with("A column `type` is one of"))
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = &sentence[..sentence.find("are accepted").expect("the aliases")];
    let spellings: Vec<&str> = sentence
        .split('`')
        .skip(3)
        .step_by(2)
        .flat_map(|s| s.split_whitespace())
        .collect();
    assert!(
        spellings.contains(&"bool")
            && spellings.contains(&"dateTime")
            && spellings.contains(&"guid"),
        "{spellings:?}"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("schema/ccfgen.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let text = std::fs::read_to_string(repo("examples/cvebuster/ccfgen.toml")).unwrap();
    let mut spec: Value =
        serde_json::to_value(toml::from_str::<toml::Value>(&text).unwrap()).unwrap();
    // TOML dates become strings, as editors see them.
    spec["solution"]["first_publish_date"] = "2025-11-06".into();
    spec["solution"]["last_publish_date"] = "2025-11-06".into();
    spec["solution"]["release_notes"][0]["date"] = "2025-11-06".into();
    assert!(
        validator.is_valid(&spec),
        "{:?}",
        validator
            .iter_errors(&spec)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    for ty in &spellings {
        let mut s = spec.clone();
        s["connectors"][0]["tables"][0]["columns"][1]["type"] = (*ty).into();
        assert!(
            validator.is_valid(&s),
            "type = {ty} is documented but the schema refuses it"
        );
    }
    // And the binary accepts them too.
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        with_columns(
            t,
            "  { name = \"Flag\", type = \"bool\" },\n  { name = \"Seen\", type = \"dateTime\" },",
        )
    });
    let out = run(ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("o"))
        .arg("--deny-warnings"));
    assert_code(&out, 0);
}

// --- duplicate column, release notes ------------------------------------------------------

#[test]
fn a_duplicate_column_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        with_columns(t, "  { name = \"vulnid\", type = \"string\" },")
    });
    let (out, rules) = check_rules(&spec);
    assert_code(&out, 1);
    assert_eq!(rules, ["column-duplicate"]);
    let out = build(&spec, dir.path().join("o"));
    assert!(
        stderr(&out).contains("appears in the table and the stream of"),
        "{}",
        stderr(&out)
    );
}

/// Every table row of a markdown file has no empty cell.
fn assert_no_empty_cells(markdown: &str) {
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        assert!(
            cells.iter().all(|c| !c.trim().is_empty()),
            "empty cell in {line:?}"
        );
    }
}

#[test]
fn release_notes_have_no_empty_cells() {
    for example in ["cvebuster", "contoso", "fabrikam"] {
        let dir = tempfile::tempdir().unwrap();
        let out = build(repo(&format!("examples/{example}")), dir.path());
        assert_code(&out, 0);
        assert_no_empty_cells(
            &std::fs::read_to_string(dir.path().join("ReleaseNotes.md")).unwrap(),
        );
    }
    let strip_notes = |t: String| {
        let start = t.find("[[solution.release_notes]]").unwrap();
        let end = t.find("[[connectors]]").unwrap();
        format!("{}{}", &t[..start], &t[end..])
    };
    // No release notes: the row is dated by the publish date.
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        strip_notes(t).replacen("last_publish_date = 2025-11-06\n", "", 1)
    });
    let out = build(&spec, dir.path().join("o"));
    assert_code(&out, 0);
    let notes = std::fs::read_to_string(dir.path().join("o/ReleaseNotes.md")).unwrap();
    assert!(
        notes.contains("| 3.0.0 | 06-11-2025 | Initial Solution Release |"),
        "{notes}"
    );
    assert_no_empty_cells(&notes);
    // No date at all, or an empty change: refused, not an empty cell.
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        strip_notes(t)
            .replacen("first_publish_date = 2025-11-06\n", "", 1)
            .replacen("last_publish_date = 2025-11-06\n", "", 1)
    });
    let (out, rules) = check_rules(&spec);
    assert_code(&out, 1);
    assert_eq!(rules, ["release-notes"]);
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        t.replacen("change = \"Initial Solution Release\"", "change = \" \"", 1)
    });
    let (out, rules) = check_rules(&spec);
    assert_code(&out, 1);
    assert_eq!(rules, ["release-notes"]);
}

// --- completions and man pages ------------------------------------------------------------

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(ccfgen().args(["completions", shell]));
        assert_code(&out, 0);
        let script = stdout(&out);
        for word in ["ccfgen", "build", "check", "deny-warnings", "push"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = run(ccfgen().args(["completions", "tcsh"]));
    assert_code(&out, 2);
    // bash loads the script and registers the completion.
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_ok()
    {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("ccfgen.bash");
        std::fs::write(&script, run(ccfgen().args(["completions", "bash"])).stdout).unwrap();
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && complete -p ccfgen && COMP_WORDS=(ccfgen ch); COMP_CWORD=1; _ccfgen ccfgen ch ccfgen && echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("-F _ccfgen ccfgen"), "{text}");
        assert!(
            text.lines()
                .last()
                .unwrap()
                .split(' ')
                .any(|w| w == "check"),
            "{text}"
        );
    }
}

#[test]
fn man_pages() {
    let out = run(ccfgen().arg("man"));
    assert_code(&out, 0);
    let page = stdout(&out);
    assert!(page.contains(".TH ccfgen 1"), "{page}");
    for command in ["build", "check", "push", "completions"] {
        assert!(page.contains(command), "{command}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(ccfgen().arg("man").arg("--out").arg(dir.path()));
    assert_code(&out, 0);
    let build = std::fs::read_to_string(dir.path().join("ccfgen-build.1")).unwrap();
    assert!(build.contains(".TH ccfgen-build 1"), "{build}");
    assert!(build.contains("deny\\-warnings"), "{build}");
    assert!(dir.path().join("ccfgen.1").is_file());
    assert!(dir.path().join("ccfgen-check.1").is_file());
}

// --- deployment -----------------------------------------------------------------------------

#[test]
fn build_ends_with_the_deploy_command_of_its_template() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(repo("examples/fabrikam"), dir.path());
    assert_code(&out, 0);
    let err = stderr(&out);
    let last = err.lines().last().unwrap();
    assert!(
        last.trim_start()
            .starts_with("az deployment group create --resource-group"),
        "{err}"
    );
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("Package/mainTemplate.json")).unwrap(),
    )
    .unwrap();
    let parameters = template["parameters"].as_object().unwrap();
    let named: Vec<&str> = last
        .split_whitespace()
        .skip_while(|w| *w != "--parameters")
        .skip(1)
        .map(|w| w.split('=').next().unwrap())
        .collect();
    assert_eq!(named, ["workspace-location", "workspace"]);
    for name in &named {
        assert!(
            parameters.contains_key(*name),
            "{name} is not a parameter of mainTemplate.json"
        );
    }
    for (name, p) in parameters {
        let needs_value = p["defaultValue"] == "";
        assert_eq!(needs_value, named.contains(&name.as_str()), "{name}");
    }
    assert!(
        last.contains(
            &dir.path()
                .join("Package")
                .join("mainTemplate.json")
                .display()
                .to_string()
        )
    );
    // The README documents the same command.
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(
        readme.contains(
            "--parameters workspace=<workspace-name> workspace-location=<workspace-region>"
        )
    );
}

// --- rust_name, collisions, quoting -------------------------------------------------------

#[test]
fn bad_rust_names_are_findings_not_panics() {
    for (name, expected) in [
        ("1x", "does not start with an uppercase ASCII letter"),
        ("Foo Bar", "contains ` `"),
        ("struct", "does not start with an uppercase ASCII letter"),
        ("Self", "would shadow"),
        ("String", "would shadow"),
        ("", "is empty"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let spec = cvebuster(dir.path(), |t| {
            t.replacen(
                "name = \"cveBusterVulnerabilities_CL\"",
                &format!("name = \"cveBusterVulnerabilities_CL\"\nrust_name = \"{name}\""),
                1,
            )
        });
        for cmd in ["build", "check"] {
            let out = run(ccfgen().arg(cmd).arg(&spec));
            assert_code(&out, 1);
            let err = stderr(&out);
            assert!(
                err.contains("error[rust-name]") && err.contains(expected),
                "{name:?} {cmd}: {err}"
            );
            assert!(
                err.contains("ccfgen.toml:33:13"),
                "located at the value: {err}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        with_columns(
            t,
            "  { name = \"Kind\", type = \"string\", rust_name = \"type\" },",
        )
    });
    let (out, rules) = check_rules(&spec);
    assert_code(&out, 1);
    assert_eq!(rules, ["rust-name"]);
}

#[test]
fn rust_name_collisions_are_located_with_a_rust_name_hint() {
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        with_columns(t, "  { name = \"Vuln_Id\", type = \"string\" },")
    });
    let out = build(&spec, dir.path().join("o"));
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("columns `VulnId` and `Vuln_Id` both become the field `vuln_id`"),
        "{err}"
    );
    assert!(err.contains("set `rust_name = \"vuln_id2\"`"), "{err}");
    assert!(err.contains("ccfgen.toml:36:12"), "{err}");
    // The hint works.
    let spec = cvebuster(dir.path(), |t| {
        with_columns(
            t,
            "  { name = \"Vuln_Id\", type = \"string\", rust_name = \"vuln_id2\" },",
        )
    });
    let out = build(&spec, dir.path().join("o"));
    assert_code(&out, 0);
    let rust = std::fs::read_to_string(dir.path().join("o/Rust/cve_buster.rs")).unwrap();
    assert!(rust.contains("pub vuln_id2: String"), "{rust}");

    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        let table = t[t.find("[[connectors.tables]]").unwrap()..].to_string();
        format!(
            "{t}\n{}",
            table.replace("cveBusterVulnerabilities_CL", "cveBusterVulnerability_CL")
        )
    });
    let out = run(ccfgen().arg("check").arg(&spec));
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("tables `cveBusterVulnerabilities_CL` and `cveBusterVulnerability_CL` both become the Rust struct `CveBusterVulnerability`"),
        "{err}"
    );
    assert!(
        err.contains("rust_name = \"CveBusterVulnerability2\""),
        "{err}"
    );
}

#[test]
fn derived_transforms_quote_keywords_and_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        with_columns(
            t,
            "  { name = \"startswith\", type = \"guid\" },\n  { name = \"first\", type = \"guid\" },\n  { name = \"date\", type = \"guid\" },\n  { name = \"where\", type = \"long\", stream_type = \"string\" },",
        )
    });
    let out_dir = dir.path().join("out");
    let out = run(ccfgen()
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(&out_dir)
        .arg("--deny-warnings"));
    assert_code(&out, 0);
    let dcr = std::fs::read_to_string(out_dir.join("Data Connectors/cveBusterPush_ccf/DCR.json"))
        .unwrap();
    assert!(
        dcr.contains("['startswith'] = toguid(['startswith'])"),
        "{dcr}"
    );
    assert!(dcr.contains("['where'] = tolong(['where'])"), "{dcr}");
    let out = run(ccfgen().arg("check").arg(&out_dir).arg("--deny-warnings"));
    assert_code(&out, 0);
}

// --- property: any name is refused or yields valid, distinct Rust identifiers ---------------

/// A minimal spec with one table whose columns are `columns` (name, rust_name) and whose
/// struct is `rust_name`.
fn spec_text(table_rust_name: Option<&str>, columns: &[(String, Option<String>)]) -> String {
    let mut cols = vec![toml::Value::Table(
        [
            ("name", "TimeGenerated"),
            ("type", "datetime"),
            ("in", "table"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
        .collect(),
    )];
    for (name, rust_name) in columns {
        let mut c = toml::Table::new();
        c.insert("name".into(), name.clone().into());
        c.insert("type".into(), "string".into());
        if let Some(r) = rust_name {
            c.insert("rust_name".into(), r.clone().into());
        }
        cols.push(c.into());
    }
    let mut table = toml::Table::new();
    table.insert("name".into(), "Events_CL".into());
    if let Some(r) = table_rust_name {
        table.insert("rust_name".into(), r.into());
    }
    table.insert("columns".into(), toml::Value::Array(cols));
    let mut connector = toml::Table::new();
    connector.insert("tables".into(), toml::Value::Array(vec![table.into()]));
    let base = "[solution]\nname = \"Prop\"\nversion = \"3.0.0\"\npublisher_id = \"p\"\noffer_id = \"o\"\n\
                description = \"d\"\nauthor = { name = \"A\" }\nsupport = { name = \"S\", email = \"s@x.co\", tier = \"Partner\" }\n\
                categories = { domains = [\"Security - Threat Protection\"] }\nlast_publish_date = 2025-01-01\n";
    let mut doc = toml::Table::new();
    doc.insert(
        "connectors".into(),
        toml::Value::Array(vec![connector.into()]),
    );
    format!("{base}{}", toml::to_string(&doc).unwrap())
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9_]{0,12}",
        "[a-z_]{1,6}",
        prop::sample::select(vec![
            "type",
            "struct",
            "self",
            "Self",
            "crate",
            "super",
            "fn",
            "r#type",
            "_",
            "__",
            "1x",
            "Foo Bar",
            "é",
            "String",
            "Option",
            "VulnId",
            "Vuln_Id",
            "vuln_id",
            "TimeGenerated",
            "",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_name_is_refused_or_yields_valid_distinct_identifiers(
        table_rust_name in prop::option::of(name_strategy()),
        columns in prop::collection::vec((name_strategy(), prop::option::of(name_strategy())), 1..6),
    ) {
        let text = spec_text(table_rust_name.as_deref(), &columns);
        let parsed = ccfgen::spec::parse(Path::new("prop.toml"), text)
            .and_then(ccfgen::load::finish);
        let (solution, _, _) = match parsed {
            // Refused: every refusal is a located finding, never a panic.
            Err(ccfgen::spec::LoadError::Invalid { diagnostics, .. }) => {
                prop_assert!(!diagnostics.is_empty());
                return Ok(());
            }
            Err(e) => panic!("unexpected error: {e}"),
            Ok(ok) => ok,
        };
        let module = ccfgen::codegen::records_module(
            &solution,
            &ccfgen::codegen::ModuleOptions { source: "prop.toml".into() },
        );
        let file = syn::parse_file(&module).expect("the generated module parses");
        let mut structs = std::collections::BTreeSet::new();
        for item in &file.items {
            if let syn::Item::Struct(s) = item {
                let name = s.ident.to_string();
                prop_assert!(!ccfgen::rust_names::RESERVED_TYPE_NAMES.contains(&name.as_str()), "{name}");
                prop_assert!(ccfgen::rust_names::check_struct_name(&name).is_empty(), "{name}");
                prop_assert!(structs.insert(name.clone()), "struct {name} twice");
                let mut fields = std::collections::BTreeSet::new();
                for f in &s.fields {
                    let field = f.ident.as_ref().unwrap().to_string();
                    prop_assert!(!field.starts_with("r#"), "{field}");
                    prop_assert!(ccfgen::rust_names::check_field_name(&field).is_empty(), "{field}");
                    prop_assert!(fields.insert(field.clone()), "field {field} twice in {name}");
                }
            }
        }
        prop_assert_eq!(structs.len(), 1);
    }

    #[test]
    fn default_rust_names_are_always_valid(name in name_strategy()) {
        let field = ccfgen::rust_names::field_name(&name);
        prop_assert!(ccfgen::rust_names::check_field_name(&field).is_empty(), "{} → {}", name, field);
        prop_assert!(syn::parse_str::<syn::Ident>(&field).is_ok(), "{}", field);
        let ty = ccfgen::rust_names::struct_name(&name);
        prop_assert!(ccfgen::rust_names::check_struct_name(&ty).is_empty(), "{} → {}", name, ty);
        prop_assert!(syn::parse_str::<syn::Ident>(&ty).is_ok(), "{}", ty);
    }
}

#[test]
fn rust_name_on_a_table_without_a_struct_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let spec = cvebuster(dir.path(), |t| {
        format!(
            "{t}\n[[connectors.tables]]\nname = \"cveBusterCopies_CL\"\nstream = \"Custom-cveBusterVulnerabilities\"\n\
             rust_name = \"Copy\"\n\
             columns = [\n  {{ name = \"TimeGenerated\", type = \"datetime\", in = \"table\" }},\n  \
             {{ name = \"VulnId\", type = \"string\", in = \"table\" }},\n]\n"
        )
    });
    // (Validation refuses a second declaration of the stream today; the warning is there for
    // when shared streams are accepted.)
    let (_, rules) = check_rules(&spec);
    assert!(rules.contains(&"rust-name".to_string()), "{rules:?}");
    let out = run(ccfgen().arg("check").arg(&spec));
    assert!(
        stderr(&out).contains("warning[rust-name]: `rust_name` has no effect"),
        "{}",
        stderr(&out)
    );
}
