//! Shared helpers for the tests that run the real `ccfgen` binary against an emulator over
//! loopback: a `ccfgen emulate` child process, an in-process emulator on its own runtime,
//! an HTTPS client trusting the emulator's CA, and bounded command runs.
#![allow(dead_code)]

pub mod browser;
pub mod corpus;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Upper bound of any single command run by a test.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The `ccfgen` binary, with a clean logging environment.
pub fn ccfgen() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ccfgen"));
    for var in [
        "RUST_LOG",
        "CI",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_AUTHORITY_HOST",
        "CCFGEN_DCE_URI",
        "CCFGEN_DCR_IMMUTABLE_ID",
        "CCFGEN_STREAM_NAME",
        "CCFGEN_CA_CERT",
    ] {
        cmd.env_remove(var);
    }
    cmd.arg("--color=never");
    cmd
}

/// `ccfgen push INPUT --config CONFIG --state-dir STATE`, to which a test adds options.
pub fn push_cmd(input: impl AsRef<std::ffi::OsStr>, config: &Path, state: &Path) -> Command {
    let mut cmd = ccfgen();
    cmd.arg("push")
        .arg(input)
        .arg("--config")
        .arg(config)
        .arg("--state-dir")
        .arg(state);
    cmd
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Runs `cmd` to completion within [`COMMAND_TIMEOUT`] (killed and failed otherwise).
pub fn run(cmd: &mut Command) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ccfgen starts");
    wait_output(child, COMMAND_TIMEOUT)
}

/// Waits for `child` (stdout and stderr piped) at most `limit`, collecting its output.
pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    let out = spawn_reader(child.stdout.take().expect("stdout piped"));
    let err = spawn_reader(child.stderr.take().expect("stderr piped"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "command did not finish within {limit:?}; stderr so far:\n{}",
                err.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The readers end when the pipes close.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&out) > 1 || Arc::strong_count(&err) > 1 {
        assert!(Instant::now() < deadline, "output pipes stay open");
        std::thread::sleep(Duration::from_millis(5));
    }
    let take = |s: Arc<Mutex<String>>| s.lock().unwrap().clone().into_bytes();
    Output {
        status,
        stdout: take(out),
        stderr: take(err),
    }
}

/// Collects a pipe on a thread; the thread drops its handle on EOF.
pub fn spawn_reader(pipe: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let shared = Arc::clone(&text);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = String::new();
        while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            shared.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    text
}

/// The JSON values of an NDJSON text, one a line.
pub fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON line"))
        .collect()
}

/// The JSON values of an NDJSON file, one a line; a missing file has none.
pub fn read_ndjson(path: &Path) -> Vec<Value> {
    ndjson(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The members of a connection file (`ccfgen emulate`'s `--config`, the studio's form), in
/// the order they are written and shown.
pub const CONNECTION_KEYS: [&str; 8] = [
    "tenant_id",
    "application_id",
    "application_secret",
    "dce_endpoint",
    "dcr_immutable_id",
    "stream_name",
    "authority_host",
    "ca_file",
];

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit code, with the output in the message when it is not the expected one.
#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A running `ccfgen emulate`; killed on drop.
pub struct EmulateProcess {
    child: Option<Child>,
    pub stdout: Arc<Mutex<String>>,
    pub stderr: Arc<Mutex<String>>,
    /// The connector config it wrote (for its first stream).
    pub config: PathBuf,
    /// The CA certificate it wrote.
    pub ca: PathBuf,
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
}

impl EmulateProcess {
    /// Starts `ccfgen emulate SOURCE --port 0` with its files in `dir`, and waits until the
    /// connector config is written (the server listens by then).
    pub fn start(source: &Path, dir: &Path, extra: &[&str]) -> EmulateProcess {
        let config = dir.join("connector_config.json");
        let ca = dir.join("ca.pem");
        let _ = std::fs::remove_file(&config);
        let mut child = ccfgen()
            .arg("emulate")
            .arg(source)
            .args(["--port", "0", "--state"])
            .arg(dir.join("state.sqlite"))
            .arg("--config-out")
            .arg(&config)
            .arg("--ca-out")
            .arg(&ca)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ccfgen emulate starts");
        let stdout = spawn_reader(child.stdout.take().unwrap());
        let stderr = spawn_reader(child.stderr.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(60);
        let base_url = loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "ccfgen emulate exited with {status}:\n{}\n{}",
                    stdout.lock().unwrap(),
                    stderr.lock().unwrap()
                );
            }
            // The page is printed after every file is written.
            if stdout.lock().unwrap().contains("Serving until Ctrl-C") {
                let json: Value =
                    serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
                break json["dce_endpoint"].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "ccfgen emulate did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        EmulateProcess {
            child: Some(child),
            stdout,
            stderr,
            config,
            ca,
            base_url,
        }
    }

    /// The config file written for `stream` (the first stream's is [`EmulateProcess::config`]).
    pub fn config_for(&self, stream: &str) -> PathBuf {
        let first: Value =
            serde_json::from_str(&std::fs::read_to_string(&self.config).unwrap()).unwrap();
        if first["stream_name"] == stream {
            return self.config.clone();
        }
        self.config
            .with_file_name(format!("connector_config.{stream}.json"))
    }

    /// An HTTPS client trusting the emulator's CA.
    pub fn http(&self) -> reqwest::blocking::Client {
        https_client(&std::fs::read(&self.ca).unwrap())
    }

    /// `GET /_emulator/...` as JSON.
    pub fn control(&self, path: &str) -> Value {
        let resp = self
            .http()
            .get(format!("{}/_emulator/{path}", self.base_url))
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        serde_json::from_str(&resp.text().unwrap()).unwrap()
    }

    /// Stops it with SIGTERM and waits (bounded) for a graceful exit.
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("ccfgen emulate ignored SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl EmulateProcess {
    /// Kills it with SIGKILL (no chance to flush or clean up) and reaps it.
    pub fn kill(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for EmulateProcess {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A reqwest client trusting `ca_pem`.
pub fn https_client(ca_pem: &[u8]) -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .tls_certs_merge(reqwest::Certificate::from_pem_bundle(ca_pem).unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// An emulator in this process, served by its own runtime.
pub struct InProcess {
    pub emulator: ccfgen_emulator::Emulator,
    _runtime: tokio::runtime::Runtime,
}

impl InProcess {
    pub fn start(config: ccfgen_emulator::Config) -> InProcess {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(30), ccfgen_emulator::start(config)).await
            })
            .expect("emulator starts in time")
            .expect("emulator starts");
        InProcess {
            emulator,
            _runtime: runtime,
        }
    }

    /// Writes the connector config (and the CA beside it) into `dir`; returns its path.
    pub fn write_config(&self, dir: &Path) -> PathBuf {
        let path = dir.join("connector_config.json");
        self.emulator.write_connection_file(&path).unwrap();
        path
    }
}

/// The stream declaration of a table of an example spec, with its data flow into the table.
pub fn stream_decl(example: &str, table: &str) -> ccfgen_emulator::StreamDecl {
    let (solution, _, _) =
        ccfgen::load::solution(&repo(&format!("examples/{example}"))).expect("example loads");
    let (_, table) = solution
        .tables()
        .find(|(_, t)| t.name == table)
        .expect("table exists");
    ccfgen_emulator::StreamDecl::new(
        table.stream.clone(),
        table
            .stream_columns()
            .map(|(c, ty)| ccfgen_emulator::StreamColumn::new(c.name.clone(), ty.as_str()))
            .collect(),
    )
    .with_flow(ccfgen_emulator::DataFlow::new(
        table.transform.kql.clone(),
        format!("Custom-{}", table.name),
        Some(
            table
                .table_columns()
                .map(|(c, ty)| ccfgen_emulator::StreamColumn::new(c.name.clone(), ty.as_str()))
                .collect(),
        ),
    ))
}

/// Every example directory holding a spec, sorted.
pub fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("ccfgen.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// `ccfgen sample` output, deterministic for `seed`.
pub fn sample(spec: &Path, table: &str, count: u64, seed: u64) -> String {
    let out = run(ccfgen()
        .arg("sample")
        .arg(spec)
        .args(["--table", table, "--count"])
        .arg(count.to_string())
        .args(["--seed"])
        .arg(seed.to_string())
        .args(["--base-time", "2026-01-01T00:00:00Z"]));
    assert_code(&out, 0);
    text(&out.stdout)
}

/// The JSON summary `ccfgen push --log-format json` prints on stdout.
pub fn summary(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON summary in:\n{stdout}\n{}", text(&out.stderr)));
    serde_json::from_str(line).unwrap()
}
