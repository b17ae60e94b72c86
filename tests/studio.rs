//! `ccfgen studio` in a real browser (headless Chromium through chromedriver): the connector
//! page preview of every example and of every connector definition of the corpus, live
//! updates, and the push configuration form against `ccfgen emulate`. Expected values are
//! read from the JSON files by this test's own walker, not by ccfgen. Screenshots go to
//! `target/studio-screenshots/` for review; nothing is asserted on them.
//!
//! Without Chromium the browser tests skip with a loud message; `.ci/run` installs it and
//! sets `CCFGEN_REQUIRE_BROWSER=1`, which turns a missing browser into a failure.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::browser::{Browser, screenshot_dir};
use support::{CONNECTION_KEYS, EmulateProcess, ccfgen, repo};

const WAIT: Duration = Duration::from_secs(60);

/// A `ccfgen studio` child process.
struct StudioProcess {
    child: Child,
    url: String,
    base: String,
    token: String,
}

impl StudioProcess {
    fn start(source: &Path, config: &Path) -> StudioProcess {
        StudioProcess::start_in(source, config, config.parent().unwrap())
    }

    /// Starts it with `cwd` as the working directory (where `.ccfgen/` state goes).
    fn start_in(source: &Path, config: &Path, cwd: &Path) -> StudioProcess {
        let source = std::path::absolute(source).unwrap();
        let mut child = ccfgen()
            .current_dir(cwd)
            .arg("studio")
            .arg(source)
            .arg("--config")
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("ccfgen studio ended before printing its URL")
                .unwrap();
            if let Some(url) = line.trim().strip_prefix("http://") {
                break format!("http://{url}");
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let (base, token) = url.split_once("/?token=").unwrap();
        StudioProcess {
            child,
            base: base.to_string(),
            token: token.to_string(),
            url,
        }
    }

    fn http(&self) -> reqwest::blocking::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    /// The text of a GET with the session token.
    fn api_get(&self, path: &str) -> String {
        self.http()
            .get(format!("{}{path}", self.base))
            .header("X-Ccfgen-Token", &self.token)
            .send()
            .unwrap()
            .text()
            .unwrap()
    }
}

impl Drop for StudioProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a connector page must show, read from a `connectorUiConfig` object.
#[derive(Debug)]
struct Expected {
    title: String,
    step_titles: Vec<Option<String>>,
    instructions: usize,
    data_types: Vec<String>,
    placeholders: Vec<String>,
}

fn count_instructions(steps: &Value) -> usize {
    steps
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let own = s["instructions"].as_array().map_or(0, |is| {
                        is.iter()
                            .map(|i| 1 + count_instructions(&i["parameters"]["instructionSteps"]))
                            .sum()
                    });
                    own + count_instructions(&s["innerSteps"])
                })
                .sum()
        })
        .unwrap_or(0)
}

fn placeholders(steps: &Value, out: &mut Vec<String>) {
    for s in steps.as_array().into_iter().flatten() {
        for i in s["instructions"].as_array().into_iter().flatten() {
            if i["type"] == "CopyableLabel"
                && let Some(p) = i["parameters"]["placeholder"].as_str()
            {
                out.push(p.to_string());
            }
            placeholders(&i["parameters"]["instructionSteps"], out);
        }
        placeholders(&s["innerSteps"], out);
    }
}

fn expected(ui: &Value, template: bool) -> Expected {
    let unescape = |s: &str| {
        if template && s.starts_with("[[") {
            s[1..].to_string()
        } else {
            s.to_string()
        }
    };
    let table = ui["graphQueriesTableName"].as_str().map(&unescape);
    let sub = |s: &str| {
        let s = unescape(s);
        match &table {
            Some(t) => s.replace("{{graphQueriesTableName}}", t),
            None => s,
        }
    };
    let mut ph = Vec::new();
    placeholders(&ui["instructionSteps"], &mut ph);
    Expected {
        title: ui["title"]
            .as_str()
            .map(&unescape)
            .unwrap_or_else(|| "(untitled connector)".into()),
        step_titles: ui["instructionSteps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["title"].as_str().map(&unescape))
            .collect(),
        instructions: count_instructions(&ui["instructionSteps"]),
        data_types: ui["dataTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| sub(d["name"].as_str().unwrap_or_default()))
            .collect(),
        placeholders: ph.iter().map(|p| unescape(p)).collect(),
    }
}

/// Every `connectorUiConfig` object in a JSON value, in document order (not inside another).
fn ui_configs<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k.eq_ignore_ascii_case("connectorUiConfig") && child.is_object() {
                    out.push(child);
                } else {
                    ui_configs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| ui_configs(i, out)),
        _ => {}
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// Expected pages of every JSON file under `dir`, by file path.
fn expected_pages(dir: &Path) -> Vec<(PathBuf, Expected)> {
    let mut files = Vec::new();
    json_files(dir, &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let Ok(v) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) else {
            continue;
        };
        let template = v.get("resources").is_some()
            && (v.get("$schema").is_some() || v.get("contentVersion").is_some());
        let mut uis = Vec::new();
        ui_configs(&v, &mut uis);
        for ui in uis {
            out.push((f.clone(), expected(ui, template)));
        }
    }
    out
}

/// The page the browser shows now, as the DOM has it.
fn shown(b: &Browser) -> Value {
    b.execute(
        r#"
        const f = document.getElementById('page-frame');
        const panel = f.querySelector('#cp-panel-instructions');
        const top = panel ? Array.from(panel.querySelector(':scope > ol.cp-steps')?.children || []) : [];
        return {
          title: f.querySelector('#cp-title')?.textContent,
          publisher: f.querySelector('.cp-publisher')?.textContent,
          steps: top.map(li => li.querySelector(':scope > .cp-step-title')?.textContent ?? null),
          instructions: f.querySelectorAll('.cp-instruction').length,
          dataTypes: Array.from(f.querySelectorAll('.cp-data-type')).map(r => r.dataset.name),
          placeholders: Array.from(f.querySelectorAll('.cp-instruction[data-type=CopyableLabel] input, .cp-instruction[data-type=CopyableLabel] textarea')).map(i => i.placeholder).filter(p => p),
          source: document.getElementById('page-source').textContent,
        };"#,
        vec![],
    )
}

fn assert_page(b: &Browser, want: &Expected, what: &str) {
    let got = shown(b);
    assert_eq!(got["title"], want.title.as_str(), "{what}: title");
    let steps: Vec<Option<String>> = got["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect();
    assert_eq!(steps, want.step_titles, "{what}: instruction steps");
    assert_eq!(
        got["instructions"].as_u64().unwrap() as usize,
        want.instructions,
        "{what}: every instruction is rendered"
    );
    let types: Vec<String> = got["dataTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types, want.data_types, "{what}: data types");
    let ph: Vec<String> = got["placeholders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ph, want.placeholders, "{what}: CopyableLabel placeholders");
    // The logo loads after the page is in place: wait for it (a failed load stays at 0).
    let logo = b.wait_for(
        &format!("{what}: the logo to load"),
        "const i = document.getElementById('page-frame').querySelector('.cp-logo'); return i && i.complete ? (i.naturalWidth || -1) : 0;",
        WAIT,
    );
    assert!(logo.as_i64().unwrap() > 0, "{what}: the logo loads");
}

/// A JSON array of strings.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Opens the studio page and waits for the first page to render.
fn open(b: &Browser, studio: &StudioProcess) {
    b.goto(&studio.url);
    b.wait_for(
        "the first render",
        "const f = document.getElementById('page-frame'); return f && f.getAttribute('aria-busy') === 'false' && f.dataset.version !== undefined;",
        WAIT,
    );
}

fn select_page(b: &Browser, index: usize) {
    b.execute(
        "const s = document.getElementById('page-select'); s.value = String(arguments[0]); s.dispatchEvent(new Event('change'));",
        vec![Value::from(index)],
    );
    b.wait_for(
        "the page to render",
        &format!("const f = document.getElementById('page-frame'); return f.dataset.page === '{index}' && f.getAttribute('aria-busy') === 'false';"),
        WAIT,
    );
}

#[test]
fn the_preview_renders_every_example() {
    let Some(b) = Browser::start() else { return };
    let shots = screenshot_dir();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("ccfgen.toml").is_file())
        .collect();
    examples.sort();
    assert!(examples.len() >= 3);
    for example in examples {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let status = ccfgen()
            .arg("build")
            .arg(&example)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let want = expected_pages(&out.join("Data Connectors"));
        assert!(
            !want.is_empty(),
            "{name}: no connector definition was built"
        );
        let studio = StudioProcess::start(&example, &tmp.path().join("connector_config.json"));
        open(&b, &studio);
        let count = b.execute(
            "return document.getElementById('page-select').options.length",
            vec![],
        );
        assert_eq!(
            count.as_u64().unwrap() as usize,
            want.len(),
            "{name}: pages"
        );
        for (i, (file, page)) in want.iter().enumerate() {
            if i > 0 {
                select_page(&b, i);
            }
            assert_page(&b, page, &format!("{name} ({})", file.display()));
            b.screenshot(&shots.join(format!("example-{name}-{i}.png")));
        }
        // Deploy fills the fields the portal fills after deployment.
        let deploy = b.execute(
            "const d = document.querySelector('.deploy-btn'); if (!d) return null; d.click(); \
             return Array.from(document.querySelectorAll('[data-after-deploy]')).every(f => f.value === f.dataset.afterDeploy && f.value !== '');",
            vec![],
        );
        assert_eq!(
            deploy,
            Value::Bool(true),
            "{name}: Deploy fills every field"
        );
        let problems = b.execute(
            "return document.getElementById('problems').dataset.errors",
            vec![],
        );
        assert_eq!(problems, "0", "{name}: the example has no findings");
    }
}

#[test]
fn the_preview_renders_every_corpus_definition() {
    let Some(corpus) = support::corpus::corpus() else {
        return;
    };
    let Some(b) = Browser::start() else { return };
    let want = expected_pages(&corpus);
    assert!(
        want.len() >= 20,
        "the corpus has {} connector pages",
        want.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let studio = StudioProcess::start(&corpus, &tmp.path().join("connector_config.json"));
    open(&b, &studio);
    let state: Value = serde_json::from_str(&studio.api_get("/api/state")).unwrap();
    let pages = state["pages"].as_array().unwrap();
    assert_eq!(
        pages.len(),
        want.len(),
        "every connectorUiConfig of the corpus is a page: {:#?}",
        pages.iter().map(|p| &p["rel"]).collect::<Vec<_>>()
    );
    // Match the studio's pages to the files' connectorUiConfig objects in document order.
    let mut seen: Vec<(String, usize)> = Vec::new();
    let shots = screenshot_dir();
    for (i, page) in pages.iter().enumerate() {
        let rel = page["rel"].as_str().unwrap();
        let nth = seen.iter().filter(|(r, _)| r == rel).count();
        seen.push((rel.to_string(), i));
        let file = corpus.join(rel);
        let (_, page_want) = want
            .iter()
            .filter(|(f, _)| *f == file)
            .nth(nth)
            .unwrap_or_else(|| panic!("{rel}: no connectorUiConfig #{nth} in the file"));
        select_page(&b, i);
        assert_page(&b, page_want, rel);
        b.screenshot(&shots.join(format!("corpus-{i:02}.png")));
    }
}

#[test]
fn the_preview_follows_the_spec_on_disk() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("ccfgen.toml");
    let original = std::fs::read_to_string(repo("examples/contoso/ccfgen.toml"))
        .unwrap()
        .replace("#:schema ../../schema/ccfgen.schema.json", "");
    std::fs::write(&spec, &original).unwrap();
    let studio = StudioProcess::start(&spec, &tmp.path().join("connector_config.json"));
    open(&b, &studio);
    assert_eq!(
        shown(&b)["title"],
        "Contoso Security Alerts (Push)",
        "the spec's title"
    );
    // An edit shows without reloading the page.
    std::fs::write(
        &spec,
        original.replace("Contoso Security Alerts (Push)", "Contoso Alerts, edited"),
    )
    .unwrap();
    b.wait_for(
        "the edited title",
        "return document.getElementById('cp-title')?.textContent === 'Contoso Alerts, edited';",
        WAIT,
    );
    // A broken spec keeps the last page and shows why, inline.
    std::fs::write(
        &spec,
        original.replace("[solution]", "[solution]\nbogus_key = 1"),
    )
    .unwrap();
    let problems = b.wait_for(
        "the findings of the broken spec",
        "const l = document.querySelectorAll('#problem-list li'); return l.length ? Array.from(l).map(x => x.textContent).join('\\n') : null;",
        WAIT,
    );
    assert!(
        problems.as_str().unwrap().contains("bogus_key"),
        "{problems}"
    );
    let banner = b.execute(
        "const b = document.getElementById('banner'); return b.hidden ? null : b.textContent;",
        vec![],
    );
    assert!(
        banner.as_str().is_some_and(|t| t.contains("last valid")),
        "{banner}"
    );
    assert_eq!(
        shown(&b)["title"],
        "Contoso Alerts, edited",
        "the last valid page stays"
    );
    b.screenshot(&screenshot_dir().join("live-broken-spec.png"));
    std::fs::write(&spec, &original).unwrap();
    b.wait_for(
        "the fixed spec",
        "return document.getElementById('banner').hidden && document.getElementById('cp-title')?.textContent === 'Contoso Security Alerts (Push)';",
        WAIT,
    );
}

#[test]
fn the_page_is_keyboard_usable_and_has_a_dark_mode() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let studio = StudioProcess::start(
        &repo("examples/cvebuster"),
        &tmp.path().join("connector_config.json"),
    );
    open(&b, &studio);
    // The connector page's tabs: focus, arrow right, the Next steps panel shows.
    b.execute(
        "document.getElementById('cp-tab-instructions').focus()",
        vec![],
    );
    b.keys("\u{E014}");
    let next = b.execute(
        "return [document.activeElement.id, document.getElementById('cp-panel-next').hidden, document.getElementById('cp-panel-instructions').hidden]",
        vec![],
    );
    assert_eq!(next, serde_json::json!(["cp-tab-next", false, true]));
    // The studio's own tabs the same way.
    b.execute("document.getElementById('tab-preview').focus()", vec![]);
    b.keys("\u{E014}");
    let push = b.execute(
        "return [document.activeElement.id, document.getElementById('view-push').hidden]",
        vec![],
    );
    assert_eq!(push, serde_json::json!(["tab-push", false]));
    b.keys("\u{E012}");
    // Every form control has a label; every image an alt.
    let unlabelled = b.execute(
        "return Array.from(document.querySelectorAll('input, select, textarea')).filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id || e.outerHTML)",
        vec![],
    );
    assert_eq!(
        unlabelled,
        serde_json::json!([]),
        "controls without a label"
    );
    let no_alt = b.execute(
        "return document.querySelectorAll('img:not([alt])').length",
        vec![],
    );
    assert_eq!(no_alt, 0);
    // Dark mode: the page background turns dark, text light.
    let light = b.execute(
        "return getComputedStyle(document.body).backgroundColor",
        vec![],
    );
    b.execute(
        "const t = document.getElementById('theme'); t.value = 'dark'; t.dispatchEvent(new Event('change'));",
        vec![],
    );
    let dark = b.execute("return [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]", vec![]);
    assert_ne!(light, dark[0]);
    assert_eq!(
        dark,
        serde_json::json!(["rgb(27, 26, 25)", "rgb(243, 242, 241)"])
    );
    b.screenshot(&screenshot_dir().join("dark-mode.png"));
}

#[test]
fn the_server_refuses_requests_without_the_session() {
    let tmp = tempfile::tempdir().unwrap();
    let studio = StudioProcess::start(
        &repo("examples/cvebuster"),
        &tmp.path().join("connector_config.json"),
    );
    let http = studio.http();
    let get = |path: &str| http.get(format!("{}{path}", studio.base)).send().unwrap();
    assert_eq!(get("/").status(), 403, "the page needs the token");
    assert_eq!(get("/api/state").status(), 403);
    assert_eq!(get("/api/pages/0").status(), 403);
    assert_eq!(get("/api/transform").status(), 403);
    let page = http.get(&studio.url).send().unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // Another host name (DNS rebinding) is refused even with the token.
    let rebound = http
        .get(format!("{}/api/state", studio.base))
        .header("Host", "attacker.example:80")
        .header("X-Ccfgen-Token", &studio.token)
        .send()
        .unwrap();
    assert_eq!(rebound.status(), 421);
    // A state change needs the token in the header and no foreign origin; the cookie alone
    // (what a cross-site form would carry) is not enough.
    let cookie_only = http
        .post(format!("{}/api/config", studio.base))
        .header("Cookie", cookie.split(';').next().unwrap())
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(cookie_only.status(), 403);
    let foreign = http
        .post(format!("{}/api/config", studio.base))
        .header("X-Ccfgen-Token", &studio.token)
        .header("Origin", "https://attacker.example")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(foreign.status(), 403);
    // The transform preview: a flow that is not there, too many records, too large a body.
    let run = |body: String| {
        http.post(format!("{}/api/transform/run", studio.base))
            .header("X-Ccfgen-Token", &studio.token)
            .body(body)
            .send()
            .unwrap()
    };
    let flows: Value = serde_json::from_str(&studio.api_get("/api/transform")).unwrap();
    let flow = &flows["flows"][0];
    assert_eq!(flow["stream"], "Custom-cveBusterVulnerabilities", "{flows}");
    let gone = run(serde_json::json!({"origin": "../../etc/passwd", "stream": "x", "table": "y", "records": "{}"}).to_string());
    assert_eq!(gone.status(), 409);
    let many = "{}\n".repeat(10_001);
    let too_many = run(serde_json::json!({"origin": flow["origin"], "stream": flow["stream"], "table": flow["table"], "records": many}).to_string());
    assert_eq!(too_many.status(), 422);
    assert!(too_many.text().unwrap().contains("at most 10000"));
    let huge = run(format!("{{\"records\": \"{}\"}}", "x".repeat(5 << 20)));
    assert_eq!(huge.status(), 413);
    // It listens on loopback only.
    assert!(
        studio.base.starts_with("http://127.0.0.1:"),
        "{}",
        studio.base
    );
}

fn open_push_tab(b: &Browser) {
    b.click(&b.find("#tab-push"));
    b.wait_for(
        "the push form",
        "return !document.getElementById('view-push').hidden && document.getElementById('config-path').textContent !== '';",
        WAIT,
    );
}

fn set_field(b: &Browser, name: &str, value: &str) {
    let el = b.find(&format!("#f-{name}"));
    b.clear(&el);
    b.type_text(&el, value);
}

/// The field errors the page shows, after the last check of what was typed.
fn field_errors(b: &Browser) -> Value {
    std::thread::sleep(Duration::from_millis(400));
    b.execute(
        "const o = {}; document.querySelectorAll('#config-form .error').forEach(e => { if (e.textContent) o[e.id.slice(2)] = e.textContent; }); return o;",
        vec![],
    )
}

fn click_and_wait(b: &Browser, button: &str, done: &str, what: &str) {
    b.execute(
        &format!("document.querySelector('{done}').dataset.done = 'pending';"),
        vec![],
    );
    b.click(&b.find(button));
    b.wait_for(
        what,
        &format!("return document.querySelector('{done}').dataset.done === 'true';"),
        WAIT,
    );
}

/// The checks the page shows: (name, status, detail).
fn checks(b: &Browser) -> Vec<(String, String, String)> {
    let v = b.execute(
        "return Array.from(document.querySelectorAll('#checks li')).map(li => [li.dataset.check, li.className, li.querySelector('.detail').textContent]);",
        vec![],
    );
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap().to_string(),
                c[1].as_str().unwrap().to_string(),
                c[2].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn page_text_and_values(b: &Browser) -> String {
    b.execute(
        "return document.documentElement.outerHTML + '\\n' + Array.from(document.querySelectorAll('input, textarea')).map(i => i.value).join('\\n');",
        vec![],
    )
    .as_str()
    .unwrap()
    .to_string()
}

fn summary_row(b: &Browser, label: &str) -> String {
    let status = b.execute(
        "return document.getElementById('config-status').textContent",
        vec![],
    );
    eprintln!("status: {status}");
    b.execute(
        "const r = Array.from(document.querySelectorAll('#push-summary tr')).find(tr => tr.firstChild.textContent === arguments[0]); return r ? r.lastChild.textContent : null;",
        vec![Value::from(label)],
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn the_push_form_saves_what_the_cli_writes_and_tests_the_connection() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let emu_dir = tmp.path().join("emulator");
    std::fs::create_dir_all(&emu_dir).unwrap();
    let emu = EmulateProcess::start(&repo("examples/cvebuster"), &emu_dir, &[]);
    let cli_text = std::fs::read_to_string(&emu.config).unwrap();
    let cli: Value = serde_json::from_str(&cli_text).unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let saved = work.join("connector_config.json");
    let studio = StudioProcess::start_in(&repo("examples/cvebuster"), &saved, &work);
    open(&b, &studio);
    open_push_tab(&b);

    // Typing shows what is wrong, field by field.
    set_field(&b, "dcr_immutable_id", "myDcr");
    set_field(
        &b,
        "application_secret",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
    );
    let errors = field_errors(&b);
    assert!(
        errors["dcr_immutable_id"]
            .as_str()
            .unwrap()
            .contains("dcr-"),
        "{errors}"
    );
    assert!(
        errors["application_secret"]
            .as_str()
            .unwrap()
            .contains("secret's ID"),
        "{errors}"
    );
    b.screenshot(&screenshot_dir().join("push-form-errors.png"));

    // The CLI's values, typed in, save the CLI's bytes.
    for name in CONNECTION_KEYS {
        set_field(&b, name, cli[name].as_str().unwrap());
    }
    assert_eq!(
        field_errors(&b),
        serde_json::json!({}),
        "the emulator's values are valid"
    );
    b.click(&b.find("#save-config"));
    b.wait_for(
        "the save",
        "return document.getElementById('config-status').textContent.startsWith('Saved');",
        WAIT,
    );
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        cli_text,
        "the studio writes the file `ccfgen emulate` writes"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the file holds a secret");
    }
    // The secret is gone from the page, and the server never sends it.
    let secret = cli["application_secret"].as_str().unwrap();
    assert!(
        !page_text_and_values(&b).contains(secret),
        "the secret is still in the page"
    );
    let api = studio.api_get("/api/config");
    assert!(!api.contains(secret), "{api}");
    assert!(api.contains("\"secret_saved\":true"), "{api}");

    // Test connection: every doctor check is green against the emulator.
    click_and_wait(&b, "#test-connection", "#checks", "the connection checks");
    let found = checks(&b);
    let names: Vec<&str> = found.iter().map(|c| c.0.as_str()).collect();
    for want in ["config", "permissions", "dns", "tls", "token", "stream"] {
        assert!(names.contains(&want), "{want} missing: {found:?}");
    }
    assert!(found.iter().all(|c| c.1 == "ok"), "{found:#?}");
    b.screenshot(&screenshot_dir().join("push-test-connection-ok.png"));
    assert!(!page_text_and_values(&b).contains(secret));

    // Send sample records: the push summary, and the emulator has them.
    let count = b.find("#sample-count");
    b.clear(&count);
    b.type_text(&count, "25");
    click_and_wait(&b, "#send-samples", "#push-summary", "the push summary");
    assert_eq!(summary_row(&b, "delivered"), "25");
    assert!(
        summary_row(&b, "dead-lettered").starts_with('0'),
        "{}",
        summary_row(&b, "dead-lettered")
    );
    let stored = emu.control("streams/Custom-cveBusterVulnerabilities/count");
    assert_eq!(stored["count"], 25);
    b.screenshot(&screenshot_dir().join("push-samples.png"));

    // A wrong secret: the token check fails with the AADSTS code and its fix.
    set_field(
        &b,
        "application_secret",
        "Wrong8Q~secretvalue0000000000000000000000",
    );
    b.click(&b.find("#save-config"));
    b.wait_for(
        "the second save",
        "return document.getElementById('config-status').textContent.startsWith('Saved') && document.getElementById('f-application_secret').value === '';",
        WAIT,
    );
    click_and_wait(&b, "#test-connection", "#checks", "the failing checks");
    let found = checks(&b);
    let token = found
        .iter()
        .find(|c| c.0 == "token")
        .expect("a token check");
    assert_eq!(token.1, "fail", "{found:#?}");
    assert!(
        token.2.contains("AADSTS7000215") && token.2.contains("Value"),
        "the fix for a wrong secret: {}",
        token.2
    );
    b.screenshot(&screenshot_dir().join("push-test-connection-wrong-secret.png"));
    drop(emu);
}

#[test]
fn use_the_local_emulator_fills_the_form_and_the_page_shows_the_data() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let saved = tmp.path().join("connector_config.json");
    let studio = StudioProcess::start_in(&repo("examples/contoso"), &saved, tmp.path());
    open(&b, &studio);
    assert_eq!(shown(&b)["title"], "Contoso Security Alerts (Push)");
    let status = b.execute(
        "return document.querySelector('.cp-status').textContent",
        vec![],
    );
    assert_eq!(status, "Not connected");
    open_push_tab(&b);
    b.click(&b.find("#use-emulator"));
    b.wait_for(
        "the emulator",
        "return document.getElementById('config-status').textContent.includes('emulator at');",
        WAIT,
    );
    let form = b.execute(
        "return ['tenant_id','application_id','dce_endpoint','dcr_immutable_id','stream_name','ca_file','application_secret'].map(n => document.getElementById('f-' + n).value)",
        vec![],
    );
    let form = strings(&form);
    assert!(form[..6].iter().all(|v| !v.is_empty()), "{form:?}");
    assert_eq!(form[4], "Custom-ContosoSecurityAlerts");
    assert_eq!(form[6], "", "the secret is not sent to the page");
    let hint = b.execute(
        "return document.getElementById('h-application_secret').textContent",
        vec![],
    );
    assert!(hint.as_str().unwrap().contains("secret is saved"), "{hint}");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(!page_text_and_values(&b).contains(file["application_secret"].as_str().unwrap()));
    assert!(
        tmp.path()
            .join(".ccfgen/emulator/ContosoSecurityAlerts/state.sqlite")
            .is_file()
    );

    click_and_wait(&b, "#test-connection", "#checks", "the connection checks");
    let found = checks(&b);
    assert!(found.iter().all(|c| c.1 == "ok"), "{found:#?}");

    click_and_wait(&b, "#send-samples", "#push-summary", "the push summary");
    assert_eq!(summary_row(&b, "delivered"), "10");

    // The preview's status follows the emulator's rows.
    b.click(&b.find("#tab-preview"));
    b.wait_for(
        "Connected",
        "return document.querySelector('.cp-status')?.textContent === 'Connected';",
        WAIT,
    );
    let last = b.execute(
        "return document.querySelector('.cp-data-type td').textContent",
        vec![],
    );
    assert!(last.as_str().unwrap().ends_with("UTC"), "{last}");
    b.screenshot(&screenshot_dir().join("preview-connected.png"));
}

/// The preview's status counts the rows the table stores, not the records the stream
/// received: with a transformation that keeps none of the samples, ten records arrive and the
/// connector stays "Not connected", as the portal's connectivity query on the table would say.
#[test]
fn the_preview_status_counts_table_rows_not_stream_records() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(repo("examples/contoso/ccfgen.toml")).unwrap();
    let table = "stream = \"Custom-ContosoSecurityAlerts\"\n";
    assert!(spec.contains(table));
    let spec = spec.replacen(
        table,
        &format!("{table}transform = \"source | where EventSeverity == 'none of the samples' | extend TimeGenerated = now()\"\n"),
        1,
    );
    let source = tmp.path().join("contoso");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(source.join("ccfgen.toml"), spec).unwrap();
    let saved = tmp.path().join("connector_config.json");
    let studio = StudioProcess::start_in(&source, &saved, tmp.path());
    open(&b, &studio);
    open_push_tab(&b);
    b.click(&b.find("#use-emulator"));
    b.wait_for(
        "the emulator",
        "return document.getElementById('config-status').textContent.includes('emulator at');",
        WAIT,
    );
    click_and_wait(&b, "#send-samples", "#push-summary", "the push summary");
    assert_eq!(summary_row(&b, "delivered"), "10");
    b.click(&b.find("#tab-preview"));
    b.wait_for(
        "the status from the emulator",
        "return (document.querySelector('.cp-status')?.title || '').includes('10 records received');",
        WAIT,
    );
    let (status, title) = (
        b.execute(
            "return document.querySelector('.cp-status').textContent",
            vec![],
        ),
        b.execute("return document.querySelector('.cp-status').title", vec![]),
    );
    assert_eq!(status, "Not connected", "{title}");
    assert!(
        title.as_str().unwrap().contains(": 0 rows stored"),
        "{title}"
    );
}

fn open_transform_tab(b: &Browser) {
    b.click(&b.find("#tab-transform"));
    b.wait_for(
        "the first transform preview",
        "const o = document.getElementById('transform-output'); return !document.getElementById('view-transform').hidden && o.dataset.done === 'true' && o.dataset.outcome;",
        WAIT,
    );
}

/// Puts `records` in the records box and runs the preview.
fn preview_records(b: &Browser, records: &str) {
    b.execute(
        "document.getElementById('records-input').value = arguments[0];",
        vec![Value::from(records)],
    );
    click_and_wait(
        b,
        "#run-transform",
        "#transform-output",
        "the transform preview",
    );
}

/// The rows table the page shows: column names, then the cells (JSON text; `null` for null).
fn shown_rows(b: &Browser) -> (Vec<String>, Vec<Vec<String>>) {
    let v = b.execute(
        "const t = document.querySelector('#transform-output table'); if (!t) return null; \
         return { columns: Array.from(t.querySelectorAll('thead th')).map(th => th.dataset.column), \
                  rows: Array.from(t.querySelectorAll('tbody tr')).map(tr => Array.from(tr.children).map(td => td.textContent)) };",
        vec![],
    );
    (
        strings(&v["columns"]),
        v["rows"].as_array().unwrap().iter().map(strings).collect(),
    )
}

fn shown_notes(b: &Browser) -> Vec<String> {
    strings(&b.execute(
        "return Array.from(document.querySelectorAll('#transform-notes li')).map(li => li.textContent);",
        vec![],
    ))
}

/// A cell as the page shows it: strings as they are, everything else as JSON text.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_transform_preview_shows_what_ccfgen_preview_prints() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("ccfgen.toml");
    let original = std::fs::read_to_string(repo("examples/fabrikam/ccfgen.toml"))
        .unwrap()
        .replace("#:schema ../../schema/ccfgen.schema.json", "");
    // A transformation that leaves a table column out (a note on that column).
    let without_ip = original.replace(
        "| project-away EventEpoch\"",
        "| project-away EventEpoch, ClientIp\"",
    );
    assert_ne!(without_ip, original);
    std::fs::write(&spec, &without_ip).unwrap();
    let studio = StudioProcess::start(&spec, &tmp.path().join("connector_config.json"));
    open(&b, &studio);
    open_transform_tab(&b);

    // Both tables' data flows; the first one is previewed on generated samples at once.
    let flows = b.execute(
        "return Array.from(document.querySelectorAll('#flow-select option')).map(o => o.textContent);",
        vec![],
    );
    let flows = strings(&flows);
    assert_eq!(flows.len(), 2, "{flows:?}");
    assert!(
        flows[0].starts_with("Custom-FabrikamAlerts \u{2192} FabrikamAlerts_CL"),
        "{flows:?}"
    );
    assert!(flows[1].starts_with("Custom-FabrikamAudit \u{2192} FabrikamAudit_CL"));
    let generated = b.execute(
        "return document.getElementById('records-input').value",
        vec![],
    );
    assert_eq!(
        generated.as_str().unwrap().lines().count(),
        5,
        "five sample records fill the box"
    );
    let (columns, rows) = shown_rows(&b);
    assert_eq!(rows.len(), 5);
    assert_eq!(columns[0], "TimeGenerated");
    assert!(!columns.contains(&"EventEpoch".to_string()), "{columns:?}");

    // The user's records: the rows and the notes are those of `ccfgen preview`.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let records = format!(
        "{{\"EventEpoch\": {}, \"AlertId\": \"6f9619ff-8b86-d011-b42d-00c04fc964ff\", \"UserPrincipalName\": \"ann@fabrikam.example\", \"RiskLevel\": \"high\", \"RiskScore\": \"very\", \"ClientIp\": \"10.1.2.3\", \"Debug\": true}}\n\
         {{\"EventEpoch\": {}, \"AlertId\": \"not-a-guid\", \"UserPrincipalName\": \"bob@fabrikam.example\", \"RiskLevel\": \"low\", \"RiskScore\": 12, \"ClientIp\": \"10.1.2.4\", \"Location\": {{\"city\": \"Oslo\"}}, \"Remediated\": false}}\n",
        now - 120,
        now - 60
    );
    let file = tmp.path().join("records.ndjson");
    std::fs::write(&file, &records).unwrap();
    preview_records(&b, &records);
    b.screenshot(&screenshot_dir().join("transform-preview.png"));
    let out = support::run(ccfgen().arg("preview").arg(&spec).arg(&file).args([
        "--table",
        "FabrikamAlerts_CL",
        "--format",
        "json",
    ]));
    support::assert_code(&out, 0);
    let cli_rows: Vec<serde_json::Map<String, Value>> =
        serde_json::from_slice(&out.stdout).unwrap();
    let (columns, rows) = shown_rows(&b);
    let cli_columns: Vec<String> = cli_rows[0].keys().cloned().collect();
    assert_eq!(columns, cli_columns);
    let cli_cells: Vec<Vec<String>> = cli_rows
        .iter()
        .map(|r| r.values().map(cell).collect())
        .collect();
    assert_eq!(rows, cli_cells, "the page's rows are ccfgen preview's");
    let cli_notes: Vec<String> = support::text(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("  - "))
        .map(str::to_string)
        .collect();
    let notes = shown_notes(&b);
    assert_eq!(notes, cli_notes, "the page's notes are ccfgen preview's");
    assert!(
        notes.iter().any(|n| n.contains("RiskScore"))
            && notes.iter().any(|n| n.contains("Debug"))
            && notes.iter().any(|n| n.contains("ClientIp")),
        "{notes:#?}"
    );
    // The notes are also on the columns they are about.
    let noted = b.execute(
        "return Array.from(document.querySelectorAll('#transform-output th.noted')).map(th => th.dataset.column);",
        vec![],
    );
    assert_eq!(noted, serde_json::json!(["ClientIp"]), "{notes:#?}");

    // Records that are not JSON: where, in the box.
    preview_records(&b, "{\"EventEpoch\": 1}\n{oops}\n");
    let error = b.execute(
        "return document.getElementById('records-error').textContent",
        vec![],
    );
    assert!(error.as_str().unwrap().starts_with("line 2:"), "{error}");

    // The transformation changes on disk: a broken one is shown where it breaks, then fixed.
    preview_records(&b, &records);
    let broken = original.replace(
        "| project-away EventEpoch\"",
        "| project-away EventEpoch | where NoSuchColumn > 1\"",
    );
    assert_ne!(broken, original);
    assert!(
        rows.iter().all(|r| r[5] == "null"),
        "ClientIp is not output: {rows:?}"
    );
    std::fs::write(&spec, &broken).unwrap();
    // The spec does not load: its error, with where in ccfgen.toml, in place of the rows.
    let problems = b.wait_for(
        "the broken transformation",
        "const l = document.querySelectorAll('#flow-problems li'); return !document.getElementById('flow-banner').hidden && l.length ? Array.from(l).map(x => x.textContent).join('\\n') : null;",
        WAIT,
    );
    let problems = problems.as_str().unwrap();
    assert!(
        problems.contains("NoSuchColumn") && problems.contains("ccfgen.toml:44:"),
        "{problems}"
    );
    assert_eq!(
        b.execute(
            "return document.querySelectorAll('#transform-output tr').length",
            vec![]
        ),
        0
    );
    // Fixed (and ClientIp output again): the same records' rows, without the note.
    std::fs::write(&spec, &original).unwrap();
    b.wait_for(
        "the fixed transformation",
        "return document.getElementById('flow-banner').hidden && document.querySelectorAll('#flow-problems li').length === 0 && document.querySelectorAll('#transform-output tbody tr').length === 2;",
        WAIT,
    );
    let (_, rows) = shown_rows(&b);
    assert_eq!(rows[0][5], "10.1.2.3");
    assert!(!shown_notes(&b).iter().any(|n| n.contains("ClientIp")));
}

#[test]
fn the_transform_preview_runs_the_data_flows_of_solution_files() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    support::assert_code(
        &support::run(
            ccfgen()
                .arg("build")
                .arg(repo("examples/cvebuster"))
                .arg("--out")
                .arg(&out_dir),
        ),
        0,
    );
    let studio = StudioProcess::start(&out_dir, &tmp.path().join("connector_config.json"));
    open(&b, &studio);
    open_transform_tab(&b);
    let flow = b.execute(
        "return document.getElementById('flow-select').selectedOptions[0].textContent",
        vec![],
    );
    assert!(
        flow.as_str()
            .unwrap()
            .contains("Custom-cveBusterVulnerabilities")
            && flow.as_str().unwrap().contains("DCR.json"),
        "{flow}"
    );
    // The sample generator follows the stream declaration; the rows have the table's columns.
    b.execute(
        "document.getElementById('transform-sample-count').value = '12';",
        vec![],
    );
    click_and_wait(
        &b,
        "#generate-records",
        "#transform-output",
        "the samples' rows",
    );
    let (columns, rows) = shown_rows(&b);
    assert_eq!(rows.len(), 12);
    let table: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("Data Connectors/cveBusterPush_ccf/table.json"))
            .unwrap(),
    )
    .unwrap();
    let want: Vec<String> = table["properties"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for name in &want {
        assert!(columns.contains(name), "{name} missing from {columns:?}");
    }

    // A transformation the evaluator cannot run: where, marked in the transformation.
    let dcr_file = out_dir.join("Data Connectors/cveBusterPush_ccf/DCR.json");
    let mut dcr: Value =
        serde_json::from_str(&std::fs::read_to_string(&dcr_file).unwrap()).unwrap();
    let kql = &mut dcr["properties"]["dataFlows"][0]["transformKql"];
    let broken = format!("{}\n| where NoSuchColumn > 1", kql.as_str().unwrap());
    *kql = Value::from(broken.as_str());
    std::fs::write(&dcr_file, serde_json::to_string_pretty(&dcr).unwrap()).unwrap();
    let banner = b.wait_for(
        "the broken transformation",
        "const b = document.getElementById('flow-banner'); return !b.hidden && b.textContent.includes('NoSuchColumn') ? b.textContent : null;",
        WAIT,
    );
    let line = broken.lines().count();
    assert!(
        banner
            .as_str()
            .unwrap()
            .contains(&format!("line {line}, column 9")),
        "{banner}"
    );
    let marked = b.execute(
        "const m = document.querySelector('#flow-transform mark'); return m ? m.textContent : null;",
        vec![],
    );
    assert_eq!(
        marked, "NoSuchColumn",
        "the error is marked in the transformation"
    );
    b.screenshot(&screenshot_dir().join("transform-error.png"));
}
