//! The connector page as HTML, laid out like the Microsoft Sentinel portal's connector page:
//! a header (logo, title, status, provider, last log received), a left column (description,
//! data types with their queries, the "Data received" chart) and a right column with the
//! *Instructions* tab (prerequisites, then the configuration steps with every instruction
//! type) and the *Next steps* tab (the sample queries).
//!
//! Every value from the definition is escaped; markdown goes through [`super::html::markdown`].
//! Findings about a part of the definition are shown next to that part.

use std::fmt::Write as _;

use serde::Serialize;

use super::html::{escape, markdown};
use super::page::{ConnectorPage, Instruction, InstructionKind, Step, copyable_text};
use crate::diagnostic::Severity;

/// A finding shown on the page, located by a JSON path relative to the `connectorUiConfig`
/// object (`""`: the page as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InlineFinding {
    /// Relative JSON path (`dataTypes[0].lastDataReceivedQuery`).
    pub path: String,
    /// Severity.
    pub severity: Severity,
    /// Rule id.
    pub rule: String,
    /// Message (with the fix hint when there is one).
    pub message: String,
    /// `file:line:col`.
    pub location: String,
}

/// What the page shows that does not come from the definition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    /// Whether the connector counts as connected (data within its window).
    pub connected: bool,
    /// What the status is based on, for its tooltip.
    pub status_source: String,
    /// Last data received over all data types (display text).
    pub last_received: Option<String>,
    /// Last data received per data type name.
    pub last_by_type: Vec<(String, String)>,
    /// The chart's days, oldest first: (label, records).
    pub days: Vec<(String, u64)>,
}

/// Inputs of [`render`] besides the page.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The logo's URL (the studio serves the definition's logo or a default one).
    pub logo_url: &'a str,
    /// Findings about this page.
    pub findings: &'a [InlineFinding],
    /// Status and data.
    pub live: &'a Live,
}

/// What the portal fills into a `CopyableLabel` for each `fillWith` name: the value known
/// before *Deploy* (tenant and workspace facts), or only after it. Example values: the
/// preview has no workspace.
fn fill(name: &str) -> (Option<&'static str>, &'static str) {
    match name.to_ascii_lowercase().as_str() {
        "tenantid" => (
            Some("00000000-0000-0000-0000-0000000000a1"),
            "00000000-0000-0000-0000-0000000000a1",
        ),
        "workspaceid" => (
            Some("00000000-0000-0000-0000-0000000000b2"),
            "00000000-0000-0000-0000-0000000000b2",
        ),
        "workspacename" => (Some("example-workspace"), "example-workspace"),
        "subscriptionid" => (
            Some("00000000-0000-0000-0000-0000000000c3"),
            "00000000-0000-0000-0000-0000000000c3",
        ),
        "primarykey" => (Some("example-primary-key=="), "example-primary-key=="),
        "microsoftawsaccount" => (Some("197857026523"), "197857026523"),
        "applicationid" => (None, "00000000-0000-0000-0000-0000000000d4"),
        "applicationsecret" => (None, "example~application~secret~shown~once"),
        "datacollectionendpoint" => (
            None,
            "https://example-dce-a1b2.westeurope-1.ingest.monitor.azure.com",
        ),
        "datacollectionruleid" => (None, "dcr-00000000000000000000000000000000"),
        _ => (None, ""),
    }
}

/// The connector page as an HTML fragment (an `<article>`).
pub fn render(page: &ConnectorPage, ctx: &Context<'_>) -> String {
    let mut r = Renderer {
        out: String::with_capacity(16 * 1024),
        next_id: 0,
        findings: ctx.findings,
    };
    r.page(page, ctx);
    r.out
}

struct Renderer<'a> {
    out: String,
    next_id: usize,
    findings: &'a [InlineFinding],
}

/// Whether `path` is `prefix` or inside it.
fn within(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.starts_with(prefix)
            && matches!(path.as_bytes().get(prefix.len()), Some(b'.') | Some(b'[')))
}

impl Renderer<'_> {
    fn id(&mut self, what: &str) -> String {
        self.next_id += 1;
        format!("cp-{what}-{}", self.next_id)
    }

    /// The findings located at `path` exactly or inside it, but not inside any of `deeper`.
    fn findings_at<'f>(
        findings: &'f [InlineFinding],
        path: &str,
        deeper: &[String],
    ) -> Vec<&'f InlineFinding> {
        findings
            .iter()
            .filter(|f| within(&f.path, path) && !deeper.iter().any(|d| within(&f.path, d)))
            .collect()
    }

    fn badges(&mut self, path: &str, deeper: &[String]) {
        let found = Self::findings_at(self.findings, path, deeper);
        if found.is_empty() {
            return;
        }
        self.out.push_str("<ul class=\"cp-findings\">");
        for f in found {
            let _ = write!(
                self.out,
                "<li class=\"finding {sev}\"><span class=\"sev\">{sev}</span> <code>{rule}</code> {msg} <span class=\"loc\">{loc}</span></li>",
                sev = f.severity,
                rule = escape(&f.rule),
                msg = escape(&f.message),
                loc = escape(&f.location),
            );
        }
        self.out.push_str("</ul>");
    }

    fn page(&mut self, page: &ConnectorPage, ctx: &Context<'_>) {
        let live = ctx.live;
        let _ = write!(
            self.out,
            "<article class=\"connector-page\" aria-labelledby=\"cp-title\">\
             <header class=\"cp-header\">\
             <img class=\"cp-logo\" src=\"{logo}\" alt=\"\" width=\"56\" height=\"56\">\
             <div class=\"cp-heading\"><h2 id=\"cp-title\" class=\"cp-title\">{title}</h2>{preview}\
             <dl class=\"cp-facts\">\
             <div><dt>Status</dt><dd class=\"cp-status {status_class}\" title=\"{status_source}\">{status}</dd></div>\
             <div><dt>Provider</dt><dd class=\"cp-publisher\">{publisher}</dd></div>\
             <div><dt>Last Log Received</dt><dd class=\"cp-last\">{last}</dd></div>\
             </dl></div></header>",
            logo = escape(ctx.logo_url),
            title = escape(&page.title),
            preview = if page.is_preview {
                "<span class=\"cp-badge\">Preview</span>"
            } else {
                ""
            },
            status_class = if live.connected {
                "connected"
            } else {
                "not-connected"
            },
            status = if live.connected {
                "Connected"
            } else {
                "Not connected"
            },
            status_source = escape(&live.status_source),
            publisher = escape(page.publisher.as_deref().unwrap_or("")),
            last = escape(live.last_received.as_deref().unwrap_or("\u{2014}")),
        );
        let deeper: Vec<String> = [
            "descriptionMarkdown",
            "dataTypes",
            "graphQueries",
            "sampleQueries",
            "permissions",
            "instructionSteps",
            "connectivityCriteria",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        self.badges("", &deeper);
        self.out
            .push_str("<div class=\"cp-body\"><section class=\"cp-left\" aria-label=\"Overview\">");
        self.out.push_str("<h3>Description</h3>");
        self.badges("descriptionMarkdown", &[]);
        let _ = write!(
            self.out,
            "<div class=\"md cp-description\">{}</div>",
            markdown(&page.description)
        );
        self.data_types(page, live);
        self.graph(page, live);
        self.connectivity(page);
        self.out.push_str("</section>");
        self.tabs(page);
        self.out.push_str("</div></article>");
    }

    fn data_types(&mut self, page: &ConnectorPage, live: &Live) {
        self.out.push_str("<h3>Data types</h3>");
        self.badges(
            "dataTypes",
            &page
                .data_types
                .iter()
                .map(|d| d.path.to_string())
                .collect::<Vec<_>>(),
        );
        if page.data_types.is_empty() {
            self.out
                .push_str("<p class=\"cp-empty\">No data types.</p>");
            return;
        }
        self.out.push_str(
            "<table class=\"cp-data-types\"><thead><tr><th scope=\"col\">Data type</th>\
             <th scope=\"col\">Last data received</th></tr></thead><tbody>",
        );
        for d in &page.data_types {
            let last = live
                .last_by_type
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&d.name))
                .map_or("\u{2014}", |(_, t)| t.as_str());
            let path = d.path.to_string();
            let _ = write!(
                self.out,
                "<tr class=\"cp-data-type\" data-name=\"{name_attr}\" data-path=\"{path}\"><th scope=\"row\">{name}\
                 <details class=\"cp-query\"><summary>Last data received query</summary><pre><code>{query}</code></pre></details>",
                name_attr = escape(&d.name),
                path = escape(&path),
                name = escape(&d.name),
                query = escape(&d.last_data_received_query),
            );
            self.badges(&path, &[]);
            let _ = write!(self.out, "</th><td>{}</td></tr>", escape(last));
        }
        self.out.push_str("</tbody></table>");
    }

    fn graph(&mut self, page: &ConnectorPage, live: &Live) {
        self.out
            .push_str("<h3>Data received</h3><figure class=\"cp-graph\">");
        let max = live.days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let total: u64 = live.days.iter().map(|(_, n)| *n).sum();
        let width = 28 * live.days.len().max(1);
        let _ = write!(
            self.out,
            "<svg class=\"cp-chart\" viewBox=\"0 0 {w} 110\" role=\"img\" aria-label=\"Records received per day over the last {n} days: {total} in all\">\
             <line x1=\"0\" y1=\"90\" x2=\"{w}\" y2=\"90\" class=\"axis\"/>",
            w = width,
            n = live.days.len(),
        );
        for (i, (label, count)) in live.days.iter().enumerate() {
            let h = (*count as f64 / max as f64 * 80.0).round() as u64;
            let x = i * 28 + 6;
            let _ = write!(
                self.out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"16\" height=\"{h}\" class=\"bar\"><title>{label}: {count}</title></rect>",
                y = 90 - h,
                label = escape(label),
            );
            if i % 2 == 0 {
                let _ = write!(
                    self.out,
                    "<text x=\"{tx}\" y=\"104\" class=\"tick\">{label}</text>",
                    tx = x,
                    label = escape(label)
                );
            }
        }
        self.out.push_str("</svg><figcaption>");
        if page.graph_queries.is_empty() {
            self.out
                .push_str("<p class=\"cp-empty\">No graph queries: the portal draws no chart.</p>");
        }
        self.badges(
            "graphQueries",
            &page
                .graph_queries
                .iter()
                .map(|g| g.path.to_string())
                .collect::<Vec<_>>(),
        );
        self.out.push_str("<ul class=\"cp-legend\">");
        for g in &page.graph_queries {
            let path = g.path.to_string();
            let _ = write!(
                self.out,
                "<li class=\"cp-series\" data-path=\"{path}\"><span class=\"swatch\" aria-hidden=\"true\"></span>\
                 <span class=\"metric\">{metric}</span> \u{2014} <span class=\"legend\">{legend}</span>\
                 <details class=\"cp-query\"><summary>Query</summary><pre><code>{query}</code></pre></details>",
                path = escape(&path),
                metric = escape(&g.metric_name),
                legend = escape(&g.legend),
                query = escape(&g.base_query),
            );
            self.badges(&path, &[]);
            self.out.push_str("</li>");
        }
        self.out.push_str("</ul></figcaption></figure>");
    }

    fn connectivity(&mut self, page: &ConnectorPage) {
        if page.connectivity.is_empty() {
            return;
        }
        self.out
            .push_str("<details class=\"cp-connectivity\"><summary>Connected when</summary><ul>");
        for c in &page.connectivity {
            let path = c.path.to_string();
            let _ = write!(
                self.out,
                "<li data-path=\"{}\"><code>{}</code>",
                escape(&path),
                escape(&c.kind)
            );
            for q in &c.queries {
                let _ = write!(self.out, "<pre><code>{}</code></pre>", escape(q));
            }
            self.badges(&path, &[]);
            self.out.push_str("</li>");
        }
        self.out.push_str("</ul></details>");
    }

    fn tabs(&mut self, page: &ConnectorPage) {
        self.out.push_str(
            "<section class=\"cp-right\" aria-label=\"Connector instructions\">\
             <div class=\"cp-tabs\" role=\"tablist\" aria-label=\"Connector page tabs\">\
             <button type=\"button\" role=\"tab\" id=\"cp-tab-instructions\" aria-controls=\"cp-panel-instructions\" aria-selected=\"true\" tabindex=\"0\">Instructions</button>\
             <button type=\"button\" role=\"tab\" id=\"cp-tab-next\" aria-controls=\"cp-panel-next\" aria-selected=\"false\" tabindex=\"-1\">Next steps</button>\
             </div>\
             <div class=\"cp-panel\" role=\"tabpanel\" id=\"cp-panel-instructions\" aria-labelledby=\"cp-tab-instructions\">",
        );
        self.prerequisites(page);
        self.out.push_str("<h3>Configuration</h3>");
        self.badges(
            "instructionSteps",
            &page
                .steps
                .iter()
                .map(|s| s.path.to_string())
                .collect::<Vec<_>>(),
        );
        self.steps(&page.steps, 0);
        self.out.push_str(
            "</div><div class=\"cp-panel\" role=\"tabpanel\" id=\"cp-panel-next\" aria-labelledby=\"cp-tab-next\" hidden>\
             <h3>Query samples</h3>",
        );
        self.badges(
            "sampleQueries",
            &page
                .sample_queries
                .iter()
                .map(|q| q.path.to_string())
                .collect::<Vec<_>>(),
        );
        if page.sample_queries.is_empty() {
            self.out
                .push_str("<p class=\"cp-empty\">No sample queries.</p>");
        }
        self.out.push_str("<ul class=\"cp-samples\">");
        for q in &page.sample_queries {
            let path = q.path.to_string();
            let id = self.id("sample");
            let _ = write!(
                self.out,
                "<li class=\"cp-sample\" data-path=\"{path}\"><p class=\"cp-sample-title\">{desc}</p>\
                 <div class=\"copy-row\"><pre id=\"{id}\"><code>{query}</code></pre>\
                 <button type=\"button\" class=\"copy-btn\" data-copy=\"{id}\" aria-label=\"Copy query: {desc}\">Copy</button></div>",
                path = escape(&path),
                desc = escape(&q.description),
                query = escape(&q.query),
            );
            self.badges(&path, &[]);
            self.out.push_str("</li>");
        }
        self.out.push_str("</ul></div></section>");
    }

    fn prerequisites(&mut self, page: &ConnectorPage) {
        let p = &page.permissions;
        self.out.push_str("<h3>Prerequisites</h3>");
        let mut deeper: Vec<String> = p
            .resource_providers
            .iter()
            .map(|r| r.path.to_string())
            .collect();
        deeper.extend(p.customs.iter().map(|c| c.path.to_string()));
        self.badges("permissions", &deeper);
        if p.is_empty() {
            self.out
                .push_str("<p class=\"cp-empty\">No prerequisites listed.</p>");
            return;
        }
        let _ = write!(
            self.out,
            "<p>To integrate with {} make sure you have:</p><ul class=\"cp-prereqs\">",
            escape(&page.title)
        );
        for rp in &p.resource_providers {
            let path = rp.path.to_string();
            let _ = write!(
                self.out,
                "<li class=\"cp-prereq provider\" data-path=\"{path}\"><span class=\"icon ok\" aria-hidden=\"true\">\u{2713}</span> \
                 <strong>{name}</strong>: {text}",
                path = escape(&path),
                name = escape(&rp.display_name),
                text = escape(&rp.text),
            );
            if !rp.required.is_empty() || rp.scope.is_some() {
                let _ = write!(
                    self.out,
                    " <span class=\"cp-muted\">({}{}{})</span>",
                    escape(&rp.required.join(", ")),
                    if rp.required.is_empty() || rp.scope.is_none() {
                        ""
                    } else {
                        " on "
                    },
                    escape(rp.scope.as_deref().unwrap_or("")),
                );
            }
            self.badges(&path, &[]);
            self.out.push_str("</li>");
        }
        for c in &p.customs {
            let path = c.path.to_string();
            let _ = write!(
                self.out,
                "<li class=\"cp-prereq custom\" data-path=\"{path}\"><span class=\"icon info\" aria-hidden=\"true\">i</span> \
                 <strong>{name}</strong>: <span class=\"md md-inline\">{desc}</span>",
                path = escape(&path),
                name = escape(&c.name),
                desc = markdown(&c.description),
            );
            self.badges(&path, &[]);
            self.out.push_str("</li>");
        }
        for license in &p.licenses {
            let _ = write!(
                self.out,
                "<li class=\"cp-prereq license\"><span class=\"icon info\" aria-hidden=\"true\">i</span> <strong>License</strong>: Required {}</li>",
                escape(&license_name(license))
            );
        }
        if !p.tenant.is_empty() {
            let roles: Vec<String> = p.tenant.iter().map(|t| tenant_role(t)).collect();
            let _ = write!(
                self.out,
                "<li class=\"cp-prereq tenant\"><span class=\"icon info\" aria-hidden=\"true\">i</span> <strong>Tenant Permissions</strong>: \
                 Requires {} on the workspace's tenant</li>",
                escape(&roles.join(" or "))
            );
        }
        self.out.push_str("</ul>");
    }

    fn steps(&mut self, steps: &[Step], depth: usize) {
        if steps.is_empty() {
            return;
        }
        let _ = write!(self.out, "<ol class=\"cp-steps depth-{}\">", depth.min(4));
        for step in steps {
            let path = step.path.to_string();
            let mut deeper: Vec<String> = step
                .instructions
                .iter()
                .map(|i| i.path.to_string())
                .collect();
            deeper.extend(step.inner_steps.iter().map(|s| s.path.to_string()));
            let _ = write!(
                self.out,
                "<li class=\"cp-step\" data-path=\"{}\">",
                escape(&path)
            );
            if let Some(title) = &step.title {
                let _ = write!(
                    self.out,
                    "<h4 class=\"cp-step-title\">{}</h4>",
                    escape(title)
                );
            }
            self.badges(&path, &deeper);
            if let Some(d) = &step.description {
                let _ = write!(
                    self.out,
                    "<div class=\"md cp-step-description\">{}</div>",
                    markdown(d)
                );
            }
            self.out.push_str("<div class=\"cp-instructions\">");
            for i in &step.instructions {
                self.instruction(i, depth);
            }
            self.out.push_str("</div>");
            self.steps(&step.inner_steps, depth + 1);
            self.out.push_str("</li>");
        }
        self.out.push_str("</ol>");
    }

    fn instruction(&mut self, i: &Instruction, depth: usize) {
        let path = i.path.to_string();
        let _ = write!(
            self.out,
            "<div class=\"cp-instruction\" data-type=\"{}\" data-path=\"{}\">",
            escape(i.kind.type_name()),
            escape(&path)
        );
        let nested: Vec<String> = match &i.kind {
            InstructionKind::InstructionStepsGroup { steps, .. }
            | InstructionKind::ContextPane { steps, .. } => {
                steps.iter().map(|s| s.path.to_string()).collect()
            }
            _ => Vec::new(),
        };
        self.badges(&path, &nested);
        match &i.kind {
            InstructionKind::Markdown { content } => {
                let _ = write!(self.out, "<div class=\"md\">{}</div>", markdown(content));
            }
            InstructionKind::CopyableLabel {
                label,
                value,
                fill_with,
                placeholder,
                rows,
            } => self.copyable(
                label,
                value.as_deref(),
                fill_with,
                placeholder.as_deref(),
                *rows,
            ),
            InstructionKind::DeployPushConnectorButton {
                label,
                application_display_name,
                ..
            } => {
                let _ = write!(
                    self.out,
                    "<button type=\"button\" class=\"primary deploy-btn\" data-application=\"{app}\">{label}</button>\
                     <p class=\"cp-deploy-status\" role=\"status\" aria-live=\"polite\"></p>",
                    app = escape(application_display_name.as_deref().unwrap_or("")),
                    label = escape(label),
                );
            }
            InstructionKind::InfoMessage {
                text,
                inline,
                visible,
            } => {
                if *visible {
                    let _ = write!(
                        self.out,
                        "<div class=\"cp-info {}\" role=\"note\"><span class=\"icon info\" aria-hidden=\"true\">i</span> <span class=\"md md-inline\">{}</span></div>",
                        if *inline { "inline" } else { "boxed" },
                        markdown(text)
                    );
                }
            }
            InstructionKind::InstructionStepsGroup {
                title,
                description,
                collapsible,
                expanded,
                steps,
            } => {
                let open = *expanded || !*collapsible;
                let _ = write!(
                    self.out,
                    "<details class=\"cp-group\"{}><summary>{}</summary>",
                    if open { " open" } else { "" },
                    escape(title)
                );
                if let Some(d) = description {
                    let _ = write!(self.out, "<div class=\"md\">{}</div>", markdown(d));
                }
                self.steps(steps, depth + 1);
                self.out.push_str("</details>");
            }
            InstructionKind::InstallAgent { link_type, text } => {
                let _ = write!(
                    self.out,
                    "<a class=\"cp-link portal-link\" href=\"#\" data-link-type=\"{lt}\" \
                     title=\"In the portal this opens the {lt} blade\">{text}</a>",
                    lt = escape(link_type),
                    text = escape(text),
                );
            }
            InstructionKind::Textbox {
                label,
                placeholder,
                input_type,
                name,
            } => {
                let id = self.id("textbox");
                let kind = match input_type.to_ascii_lowercase().as_str() {
                    t @ ("password" | "number" | "email") => t.to_string(),
                    _ => "text".to_string(),
                };
                let _ = write!(
                    self.out,
                    "<label for=\"{id}\">{label}</label><input id=\"{id}\" type=\"{kind}\" name=\"{name}\" placeholder=\"{ph}\" autocomplete=\"off\">",
                    label = escape(label),
                    name = escape(name.as_deref().unwrap_or("")),
                    ph = escape(placeholder.as_deref().unwrap_or("")),
                );
            }
            InstructionKind::ConnectionToggleButton {
                connect_label,
                disconnect_label,
            } => {
                let _ = write!(
                    self.out,
                    "<button type=\"button\" class=\"primary toggle-btn\" aria-pressed=\"false\" data-on=\"{off}\" data-off=\"{on}\">{on}</button>",
                    on = escape(connect_label),
                    off = escape(disconnect_label),
                );
            }
            InstructionKind::OAuthForm {
                client_id_label,
                client_secret_label,
                connect_label,
            } => {
                let a = self.id("oauth");
                let b = self.id("oauth");
                let _ = write!(
                    self.out,
                    "<div class=\"cp-oauth\"><label for=\"{a}\">{cid}</label><input id=\"{a}\" type=\"text\" autocomplete=\"off\">\
                     <label for=\"{b}\">{cs}</label><input id=\"{b}\" type=\"password\" autocomplete=\"off\">\
                     <button type=\"button\" class=\"primary\">{connect}</button></div>",
                    cid = escape(client_id_label),
                    cs = escape(client_secret_label),
                    connect = escape(connect_label),
                );
            }
            InstructionKind::Dropdown {
                label,
                options,
                placeholder,
                multiple,
            } => {
                let id = self.id("dropdown");
                let _ = write!(
                    self.out,
                    "<label for=\"{id}\">{}</label><select id=\"{id}\"{}>",
                    escape(label),
                    if *multiple { " multiple" } else { "" }
                );
                if let Some(ph) = placeholder {
                    let _ = write!(self.out, "<option value=\"\">{}</option>", escape(ph));
                }
                for o in options {
                    let _ = write!(self.out, "<option>{}</option>", escape(o));
                }
                self.out.push_str("</select>");
            }
            InstructionKind::DataConnectorsGrid {
                columns,
                menu_items,
            } => {
                self.out.push_str("<table class=\"cp-grid\"><thead><tr>");
                for c in columns {
                    let _ = write!(self.out, "<th scope=\"col\">{}</th>", escape(c));
                }
                if !menu_items.is_empty() {
                    self.out.push_str("<th scope=\"col\">Actions</th>");
                }
                let _ = write!(
                    self.out,
                    "</tr></thead><tbody><tr><td colspan=\"{}\" class=\"cp-empty\">No connections yet.</td></tr></tbody></table>",
                    columns.len() + usize::from(!menu_items.is_empty())
                );
            }
            InstructionKind::ContextPane {
                label,
                title,
                steps,
            } => {
                let _ = write!(
                    self.out,
                    "<details class=\"cp-group cp-context-pane\"><summary>{}</summary>",
                    escape(label)
                );
                if !title.is_empty() {
                    let _ = write!(self.out, "<h5>{}</h5>", escape(title));
                }
                self.steps(steps, depth + 1);
                self.out.push_str("</details>");
            }
            InstructionKind::Unknown {
                type_name,
                parameters,
            } => {
                let _ = write!(
                    self.out,
                    "<div class=\"cp-unknown\" role=\"note\"><strong>{}</strong>: the portal shows nothing for this instruction type.\
                     <details><summary>Parameters</summary><pre><code>{}</code></pre></details></div>",
                    escape(if type_name.is_empty() {
                        "(no type)"
                    } else {
                        type_name
                    }),
                    escape(parameters)
                );
            }
        }
        self.out.push_str("</div>");
    }

    fn copyable(
        &mut self,
        label: &str,
        value: Option<&str>,
        fill_with: &[String],
        placeholder: Option<&str>,
        rows: u32,
    ) {
        let before: Option<Vec<String>> = fill_with
            .iter()
            .map(|f| fill(f).0.map(str::to_string))
            .collect();
        let after: Vec<String> = fill_with
            .iter()
            .map(|f| match fill(f) {
                (_, "") => format!("<{f}>"),
                (_, v) => v.to_string(),
            })
            .collect();
        let after_text = copyable_text(value, &after);
        let now = before.map(|b| copyable_text(value, &b));
        let id = self.id("copy");
        let _ = write!(
            self.out,
            "<label for=\"{id}\">{}</label><div class=\"copy-row\">",
            escape(label)
        );
        let ph = escape(placeholder.unwrap_or(""));
        let after_attr = escape(&after_text);
        let now_text = now.unwrap_or_default();
        if rows > 1 {
            let _ = write!(
                self.out,
                "<textarea id=\"{id}\" readonly rows=\"{rows}\" placeholder=\"{ph}\" data-after-deploy=\"{after_attr}\">{}</textarea>",
                escape(&now_text)
            );
        } else {
            let _ = write!(
                self.out,
                "<input id=\"{id}\" type=\"text\" readonly value=\"{}\" placeholder=\"{ph}\" data-after-deploy=\"{after_attr}\">",
                escape(&now_text)
            );
        }
        let _ = write!(
            self.out,
            "<button type=\"button\" class=\"copy-btn\" data-copy=\"{id}\" aria-label=\"Copy {}\">Copy</button></div>",
            escape(label)
        );
    }
}

/// How the portal names a license requirement.
fn license_name(license: &str) -> String {
    match license {
        "OfficeIRM" => "Office Information Rights Management".into(),
        "OfficeATP" => "Office 365 Advanced Threat Protection".into(),
        "Office365" => "Office 365".into(),
        "AadP1P2" => "Azure AD Premium P1 or P2".into(),
        "Mcas" => "Microsoft Cloud App Security".into(),
        "Aatp" => "Azure Advanced Threat Protection".into(),
        "Mdatp" => "Microsoft Defender for Endpoint".into(),
        "Mtp" => "Microsoft 365 Defender".into(),
        "IoT" => "Azure Defender for IoT".into(),
        other => other.to_string(),
    }
}

/// How the portal names a tenant role.
fn tenant_role(role: &str) -> String {
    match role.to_ascii_lowercase().as_str() {
        "globaladmin" => "Global Administrator".into(),
        "securityadmin" => "Security Administrator".into(),
        "securityreader" => "Security Reader".into(),
        "informationprotection" => "Information Protection".into(),
        _ => role.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studio::page;
    use serde_json::json;

    fn html(v: serde_json::Value, findings: &[InlineFinding]) -> String {
        let page = page::read(&v);
        render(
            &page,
            &Context {
                logo_url: "/logo.svg",
                findings,
                live: &Live::default(),
            },
        )
    }

    #[test]
    fn copyable_labels_fill_after_deploy() {
        let out = html(
            json!({"title": "T", "instructionSteps": [{"instructions": [
                {"type": "CopyableLabel", "parameters": {"label": "App", "fillWith": ["ApplicationId"], "placeholder": "Deploy first"}},
                {"type": "CopyableLabel", "parameters": {"label": "Tenant", "fillWith": ["TenantId"]}},
                {"type": "CopyableLabel", "parameters": {"label": "Stream", "value": "Custom-X"}}
            ]}]}),
            &[],
        );
        assert!(out.contains("value=\"\" placeholder=\"Deploy first\" data-after-deploy=\"00000000-0000-0000-0000-0000000000d4\""), "{out}");
        assert!(
            out.contains("value=\"00000000-0000-0000-0000-0000000000a1\""),
            "{out}"
        );
        assert!(out.contains("value=\"Custom-X\""), "{out}");
    }

    #[test]
    fn findings_sit_at_the_deepest_part() {
        let f = |path: &str| InlineFinding {
            path: path.into(),
            severity: Severity::Error,
            rule: "r".into(),
            message: format!("at {path}"),
            location: "f:1:1".into(),
        };
        let out = html(
            json!({"title": "T", "dataTypes": [{"name": "A_CL", "lastDataReceivedQuery": "A_CL"}]}),
            &[f("dataTypes[0].lastDataReceivedQuery"), f("title")],
        );
        let dt = out.find("data-name=\"A_CL\"").unwrap();
        let finding = out.find("at dataTypes[0]").unwrap();
        assert!(finding > dt, "{out}");
        assert_eq!(out.matches("at title").count(), 1, "{out}");
    }

    #[test]
    fn hostile_text_is_escaped() {
        let out = html(
            json!({"title": "<script>x</script>", "publisher": "\"><img>", "dataTypes": [{"name": "<b>"}]}),
            &[],
        );
        assert!(!out.contains("<script>"), "{out}");
        assert!(!out.contains("<img>"), "{out}");
        assert!(!out.contains("<b>"), "{out}");
    }
}
