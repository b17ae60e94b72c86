//! Content scaffolds through the real binary: `ccfgen init` writes a starter analytic rule,
//! hunting query and workbook for its table, `ccfgen new rule|hunting|workbook|parser|watchlist`
//! adds one later; every scaffold builds and checks clean (on a fresh solution and on a copy of the
//! cveBuster example), ids are fresh GUIDs fixed in the files (rebuilds are byte-stable),
//! nothing is overwritten without `--force`, names follow the path rules, and a written
//! `[content]` list gets the new file.

mod support;

use std::path::Path;

use support::{assert_code, ccfgen, repo, run};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn new(dir: &Path, args: &[&str]) -> std::process::Output {
    run(ccfgen().arg("new").args(args).arg("--spec").arg(dir))
}

/// `build --deny-warnings` and `check --deny-warnings` both exit 0; the check's summary line.
fn builds_and_checks_clean(dir: &Path, out: &Path) -> String {
    let built = run(ccfgen()
        .arg("build")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .arg("--deny-warnings"));
    assert_code(&built, 0);
    assert!(!stderr(&built).contains("note["), "{}", stderr(&built));
    let checked = run(ccfgen().arg("check").arg(dir).arg("--deny-warnings"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        stderr(&checked)
    );
    assert_eq!(checked.status.code(), Some(0), "{text}");
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
    assert!(!text.contains("note["), "{text}");
    text
}

fn yaml_id(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().find(|l| l.starts_with("id: ")).unwrap();
    line["id: ".len()..].to_string()
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[test]
fn init_then_new_of_each_kind_builds_and_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    let init = run(ccfgen()
        .args([
            "init",
            "--name",
            "Acme Shield",
            "--date",
            "2026-01-15",
            "--dir",
        ])
        .arg(&dir));
    assert_code(&init, 0);
    let starter = [
        "Analytic Rules/AcmeShieldEventsRule.yaml",
        "Hunting Queries/AcmeShieldEventsHunting.yaml",
        "Workbooks/AcmeShieldEventsWorkbook.json",
        "Workbooks/WorkbooksMetadata.json",
    ];
    for f in starter {
        assert!(dir.join(f).is_file(), "{f}: {}", stderr(&init));
    }
    // The starter queries read the starter table's real columns (a column it lacks would be a
    // `content-query` error below).
    let rule = std::fs::read_to_string(dir.join(starter[0])).unwrap();
    assert!(
        rule.contains("AcmeShieldEvents_CL\n  | where TimeGenerated > ago(1h)"),
        "{rule}"
    );
    assert!(rule.contains("by EventType"), "{rule}");
    let text = builds_and_checks_clean(&dir, &tmp.path().join("out"));
    assert!(text.contains("and 3 content files"), "{text}");

    for (kind, file) in [
        ("rule", "Analytic Rules/Second.yaml"),
        ("hunting", "Hunting Queries/Second.yaml"),
        ("workbook", "Workbooks/Second.json"),
        ("parser", "Parsers/Second.yaml"),
        ("watchlist", "Watchlists/Second.json"),
    ] {
        let added = new(
            &dir,
            &[kind, "--table", "AcmeShieldEvents_CL", "--name", "Second"],
        );
        assert_code(&added, 0);
        assert!(dir.join(file).is_file(), "{file}: {}", stderr(&added));
    }
    let text = builds_and_checks_clean(&dir, &tmp.path().join("out"));
    assert!(text.contains("and 8 content files"), "{text}");

    // Fresh GUIDs, fixed in the files: a second build changes nothing.
    let ids: Vec<String> = [
        starter[0],
        starter[1],
        "Analytic Rules/Second.yaml",
        "Hunting Queries/Second.yaml",
        "Parsers/Second.yaml",
    ]
    .iter()
    .map(|f| yaml_id(&dir.join(f)))
    .collect();
    for id in &ids {
        assert!(is_guid(id), "{id}");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    let again = run(ccfgen()
        .arg("build")
        .arg(&dir)
        .arg("--out")
        .arg(tmp.path().join("out")));
    assert_code(&again, 0);
    assert!(
        stderr(&again).contains(": 0 written,"),
        "{}",
        stderr(&again)
    );

    // The package holds them all.
    let main: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("out/Package/mainTemplate.json")).unwrap(),
    )
    .unwrap();
    let kinds: Vec<&str> = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.pointer("/properties/contentKind")
                .and_then(|k| k.as_str())
        })
        .collect();
    for (kind, n) in [
        ("AnalyticsRule", 2),
        ("HuntingQuery", 2),
        ("Workbook", 2),
        ("Parser", 1),
    ] {
        assert_eq!(
            kinds.iter().filter(|k| **k == kind).count(),
            n,
            "{kind}: {kinds:?}"
        );
    }
    // The watchlist: keyed by a real string column of the table, its alias the name.
    assert_eq!(
        main["parameters"]["watchlist1-id"]["defaultValue"],
        "Second"
    );
    let watchlist = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.OperationalInsights/workspaces/providers/Watchlists")
        .unwrap();
    let key = watchlist["properties"]["itemsSearchKey"].as_str().unwrap();
    assert!(
        watchlist["properties"]["rawContent"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{key},Note\r\n")),
        "{watchlist}"
    );
    let spec_text = std::fs::read_to_string(dir.join("ccfgen.toml")).unwrap();
    assert!(spec_text.contains(&format!("name = \"{key}\"")), "{key}");
}

#[test]
fn new_on_the_cvebuster_example_builds_and_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cvebuster");
    copy_dir(&repo("examples/cvebuster"), &dir);
    for kind in ["rule", "hunting", "workbook", "parser", "watchlist"] {
        // The spec's only table is the default.
        assert_code(&new(&dir, &[kind]), 0);
    }
    for f in [
        "Analytic Rules/cveBusterVulnerabilitiesRule.yaml",
        "Hunting Queries/cveBusterVulnerabilitiesHunting.yaml",
        "Workbooks/cveBusterVulnerabilitiesWorkbook.json",
        "Parsers/cveBusterVulnerabilitiesParser.yaml",
        "Watchlists/cveBusterVulnerabilitiesWatchlist.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // The existing metadata entry is kept as written; the new one is appended.
    let meta = std::fs::read_to_string(dir.join("Workbooks/WorkbooksMetadata.json")).unwrap();
    let original =
        std::fs::read_to_string(repo("examples/cvebuster/Workbooks/WorkbooksMetadata.json"))
            .unwrap();
    let kept = original.trim_end().trim_end_matches(']').trim_end();
    assert!(meta.starts_with(kept), "{meta}");
    let entries: Vec<serde_json::Value> = serde_json::from_str(&meta).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1]["workbookKey"],
        "cveBusterVulnerabilitiesWorkbook"
    );
    assert_eq!(entries[1]["dataConnectorsDependencies"][0], "cveBusterPush");
    let text = builds_and_checks_clean(&dir, &tmp.path().join("out"));
    assert!(text.contains("and 8 content files"), "{text}");
}

#[test]
fn new_refuses_to_overwrite_bad_names_and_unknown_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cvebuster");
    copy_dir(&repo("examples/cvebuster"), &dir);
    let file = dir.join("Analytic Rules/Mine.yaml");
    assert_code(&new(&dir, &["rule", "--name", "Mine"]), 0);
    let first = std::fs::read(&file).unwrap();
    let again = new(&dir, &["rule", "--name", "Mine"]);
    assert_code(&again, 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&file).unwrap(), first);
    // --force writes a new file (with a new id).
    assert_code(&new(&dir, &["rule", "--name", "Mine", "--force"]), 0);
    assert_ne!(yaml_id(&file), String::from_utf8_lossy(&first)[4..40]);
    // A workbook's metadata entry is refused like its file.
    assert_code(&new(&dir, &["workbook", "--name", "Board"]), 0);
    std::fs::remove_file(dir.join("Workbooks/Board.json")).unwrap();
    let entry = new(&dir, &["workbook", "--name", "Board"]);
    assert_code(&entry, 2);
    assert!(
        stderr(&entry).contains("the entry of workbook `Board`"),
        "{}",
        stderr(&entry)
    );
    assert!(!dir.join("Workbooks/Board.json").exists());

    for (args, says) in [
        (vec!["rule", "--name", "../escape"], "--name `../escape`"),
        (vec!["rule", "--name", "x.yaml"], "no dot"),
        (vec!["parser", "--name", "my parser"], "KQL function name"),
        (
            vec!["watchlist", "--name", "my hosts"],
            "a watchlist's name is its alias",
        ),
        (
            vec!["watchlist", "--name", "../../escape"],
            "--name `../../escape`",
        ),
        (
            vec!["rule", "--table", "Nope_CL"],
            "no table `Nope_CL`; its tables: cveBusterVulnerabilities_CL",
        ),
    ] {
        let out = new(&dir, &args);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert!(!tmp.path().join("escape.yaml").exists());
    assert!(!tmp.path().join("escape.json").exists());
    assert!(!dir.join("Watchlists/my hosts.json").exists());
    assert!(!dir.join("Analytic Rules/x.yaml.yaml").exists());
    assert!(!dir.join("Parsers").exists());
}

#[test]
fn a_written_content_list_gets_the_new_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cvebuster");
    copy_dir(&repo("examples/cvebuster"), &dir);
    let spec = dir.join("ccfgen.toml");
    let mut toml = std::fs::read_to_string(&spec).unwrap();
    toml.push_str(
        "\n[content]\nanalytic_rules = [\"Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml\"]\n",
    );
    std::fs::write(&spec, &toml).unwrap();
    let added = new(&dir, &["rule", "--name", "Listed"]);
    assert_code(&added, 0);
    assert!(
        stderr(&added).contains("to `content.analytic_rules`"),
        "{}",
        stderr(&added)
    );
    let written = std::fs::read_to_string(&spec).unwrap();
    assert!(
        written.ends_with("analytic_rules = [\"Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml\", \"Analytic Rules/Listed.yaml\"]\n"),
        "{written}"
    );
    // Only the list changed.
    assert_eq!(
        written.replace(", \"Analytic Rules/Listed.yaml\"", ""),
        toml
    );
    let text = builds_and_checks_clean(&dir, &tmp.path().join("out"));
    assert!(text.contains("and 4 content files"), "{text}");
}

#[test]
fn init_without_content_writes_only_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let init = run(ccfgen()
        .args(["init", "--name", "Bare", "--no-content", "--dir"])
        .arg(tmp.path()));
    assert_code(&init, 0);
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["ccfgen.schema.json", "ccfgen.toml"]);
}
