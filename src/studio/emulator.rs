//! "Use the local emulator": the studio points the push form at a `ccfgen emulate` that is
//! already serving the shown solution (found through the connector config it writes in its
//! default state folder), or starts one itself — same state folder, same persisted tenant,
//! application and DCR ids as `ccfgen emulate` would use — and keeps it until the studio
//! stops. The emulator the studio runs also feeds the preview's status, "last data
//! received" and chart.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use ccfgen_emulator::{Emulator, Identity};
use ccfgen_push::connector_file::ConnectorFile;

use super::render::Live;
use crate::emulation::{self, Model, Paths};
use crate::scan::streams::Streams;

/// The emulator the studio started, if any.
#[derive(Default)]
pub struct StudioEmulator {
    running: Option<(Emulator, Model)>,
}

/// Whether something accepts TCP connections at the URL's host and port.
fn answers(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    addrs.iter().any(|a| {
        a.ip().is_loopback() && TcpStream::connect_timeout(a, Duration::from_millis(500)).is_ok()
    })
}

/// The connector config a `ccfgen emulate` left in `path`, when that emulator still answers.
fn running_emulate(path: &Path) -> Option<ConnectorFile> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let file = ConnectorFile {
        tenant_id: s("tenant_id")?,
        application_id: s("application_id")?,
        application_secret: s("application_secret")?,
        dce_endpoint: s("dce_endpoint")?,
        dcr_immutable_id: s("dcr_immutable_id")?,
        stream_name: s("stream_name")?,
        authority_host: s("authority_host"),
        ca_file: s("ca_file"),
        cloud: s("cloud"),
        allow_http_loopback: v
            .get("allow_http_loopback")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    };
    answers(&file.dce_endpoint).then_some(file)
}

impl StudioEmulator {
    /// The connector config to use for `streams` and what was done: the running studio
    /// emulator's, a running `ccfgen emulate`'s, or a newly started emulator's.
    pub async fn use_for(&mut self, streams: &Streams) -> Result<(ConnectorFile, String), String> {
        let model = emulation::Model::from_streams(streams.clone());
        if let Some((emulator, running_model)) = &self.running {
            if *running_model == model {
                return Ok((
                    file_of(emulator),
                    format!("the studio's emulator answers at {}", emulator.base_url()),
                ));
            }
            // The files changed: serve the new streams.
            if let Some((old, _)) = self.running.take() {
                old.shutdown().await;
            }
        }
        let paths = Paths::new(&model.solution, None, None, None);
        if let Some(file) = running_emulate(&paths.config) {
            return Ok((
                file.clone(),
                format!(
                    "pointed at the running `ccfgen emulate` at {} (its values from {})",
                    file.dce_endpoint,
                    paths.config.display()
                ),
            ));
        }
        if model.dcrs.is_empty() {
            return Err("no DCR with stream declarations to emulate".into());
        }
        if let Some(dir) = paths.state.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let identity =
            Identity::load_or_create(&paths.identity, model.dcrs.iter().map(|d| d.name.as_str()))
                .map_err(|e| e.to_string())?;
        let config = emulation::config(&model, &identity, &paths, &emulation::Settings::default());
        let emulator = ccfgen_emulator::start(config)
            .await
            .map_err(|e| format!("starting the emulator: {e}"))?;
        let file = file_of(&emulator);
        let message = format!(
            "started an emulator at {} for {} (state in {}; it stops with the studio)",
            emulator.base_url(),
            model.solution,
            paths.state.display()
        );
        self.running = Some((emulator, model));
        Ok((file, message))
    }

    /// The preview's status and data for the data types of a page, from the rows the
    /// studio's emulator stored in those tables (`None` when it runs none): the rows the data
    /// flows' transformations made, as the portal's connectivity query counts them — not the
    /// records the streams received (a `where` drops some, a flow may feed another table).
    pub fn live(&self, data_types: &[String], days: &[(String, u64)]) -> Option<Live> {
        let (emulator, model) = self.running.as_ref()?;
        let now = time::OffsetDateTime::now_utc();
        let mut live = Live {
            days: days.to_vec(),
            ..Live::default()
        };
        let tables = emulator.tables();
        let (mut total, mut received) = (0u64, 0u64);
        let mut newest: Option<time::OffsetDateTime> = None;
        for name in data_types {
            let bare = name.strip_prefix("Custom-").unwrap_or(name);
            received += model
                .streams_into(name)
                .iter()
                .map(|stream| emulator.row_count(stream))
                .sum::<u64>();
            let Some(table) = tables.iter().find(|t| t.eq_ignore_ascii_case(bare)) else {
                continue;
            };
            if emulator.table_row_count(table) > 50_000 {
                continue;
            }
            let mut last: Option<time::OffsetDateTime> = None;
            for row in emulator.table_rows(table) {
                let Some(at) = row
                    .get("_ccfgen_received_at")
                    .and_then(|v| v.as_str())
                    .and_then(|t| {
                        time::OffsetDateTime::parse(
                            t,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .ok()
                    })
                else {
                    continue;
                };
                total += 1;
                last = last.max(Some(at));
                let back = (now.date() - at.date()).whole_days();
                if let Ok(back) = usize::try_from(back)
                    && back < live.days.len()
                {
                    let i = live.days.len() - 1 - back;
                    live.days[i].1 += 1;
                }
            }
            if let Some(at) = last {
                live.last_by_type.push((name.clone(), format_time(at)));
            }
            newest = newest.max(last);
        }
        live.last_received = newest.map(format_time);
        live.connected = newest.is_some_and(|t| now - t < time::Duration::days(7));
        live.status_source = format!(
            "From the studio's emulator at {}: {total} rows stored in these tables by the data flows' transformations ({received} records received by their streams; the portal runs the connectivity query on the workspace)",
            emulator.base_url()
        );
        Some(live)
    }

    /// Stops the emulator the studio started.
    pub async fn shutdown(&mut self) {
        if let Some((emulator, _)) = self.running.take() {
            emulator.shutdown().await;
        }
    }
}

fn format_time(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The connector config for the emulator's first stream, trusting its CA file.
fn file_of(emulator: &Emulator) -> ConnectorFile {
    let ca = emulator
        .config()
        .ca_path
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    emulator.connection().file(ca.as_deref())
}
