//! `serve`: the live preview in a browser. One thread follows the files
//! (`watch`) and keeps the [`Preview`] current; a small HTTP server on
//! loopback answers the page, which learns of every change from a stream of
//! server-sent events and fetches what changed.
//!
//! Safe by default: it binds 127.0.0.1; it answers 403 to a request whose
//! `Host` is not this server (`localhost`, `127.0.0.1` or `[::1]` with its
//! port; DNS rebinding) or whose `Origin`, when sent, is another site; it
//! serves only what it holds in memory — no path from a URL reaches the file
//! system; it sends no CORS headers and forbids caching.

mod http;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use self::http::Request;
use crate::diag::{Diagnostic, Failure};
use crate::preview::Preview;
use crate::session::{BuildReport, BuildRequest, Session};
use crate::watch::{Watcher, settled};

const PAGE: &str = include_str!("page.html");
const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// Ports tried after the one asked for, when it is taken.
const MORE_PORTS: u16 = 10;

/// How the preview is served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on: loopback unless asked otherwise.
    pub host: IpAddr,
    pub port: u16,
    /// Also write every change to the output folder, as `build` does.
    pub build: bool,
    pub data_dir: PathBuf,
    pub templates_dir: Option<PathBuf>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 3000,
            build: false,
            data_dir: PathBuf::from("data"),
            templates_dir: None,
        }
    }
}

/// What happened, for the terminal.
pub enum Event {
    /// The records are checked again after these files changed.
    Changed(Vec<PathBuf>),
    /// The check after a change failed.
    Problems(Failure),
    /// Documents rendered again for the page: name and milliseconds.
    Rendered(Vec<(String, u64)>),
    /// With `--build`: the output folder was written.
    Built(BuildReport),
    /// With `--build`: writing failed.
    BuildFailed(Failure),
}

/// Listens on the first free port from `port`, answering with the preview;
/// follows the files until `stop` is set. `report` hears of every change.
pub fn serve(
    mut session: Session,
    options: &ServeOptions,
    stop: Arc<AtomicBool>,
    on_ready: impl FnOnce(SocketAddr),
    report: impl Fn(Event),
) -> Result<(), Failure> {
    let preview = Preview::new(&mut session)?;
    let (listener, address) = bind(options.host, options.port)?;
    let guard = Guard::new(address);
    {
        let preview = preview.clone();
        std::thread::spawn(move || {
            http::serve(listener, move |request| answer(request, &preview, &guard))
        });
    }
    let mut watcher = Watcher::new(&options.data_dir, options.templates_dir.as_deref())?;
    on_ready(address);
    if options.build {
        write_out(&mut session, &report);
    }
    while let Some(change) = watcher.next(&stop) {
        report(Event::Changed(change.paths().cloned().collect()));
        let templates = if change.templates.is_empty() {
            Ok(())
        } else {
            session.reload_templates()
        };
        match preview.refresh(&mut session, templates) {
            Ok(rendered) => report(Event::Rendered(rendered)),
            Err(failure) => report(Event::Problems(failure)),
        }
        if options.build {
            write_out(&mut session, &report);
        }
    }
    Ok(())
}

/// `--build`: the output folder as `build` leaves it.
fn write_out(session: &mut Session, report: &impl Fn(Event)) {
    match settled(|| session.build(&BuildRequest::default(), true)) {
        Ok(r) => report(Event::Built(r)),
        Err(f) => report(Event::BuildFailed(f)),
    }
}

/// The first free port from `port` on.
fn bind(host: IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), Diagnostic> {
    let mut last = String::new();
    for p in port..=port.saturating_add(MORE_PORTS) {
        match http::bind(SocketAddr::new(host, p)) {
            Ok(bound) => return Ok(bound),
            Err(e) => last = e.to_string(),
        }
    }
    Err(Diagnostic::error(format!(
        "ports {port}–{} on {host} are all taken ({last})",
        port.saturating_add(MORE_PORTS)
    ))
    .note("choose another with --port"))
}

/// Which requests come from this server's own page.
#[derive(Clone)]
pub struct Guard {
    hosts: Vec<String>,
}

impl Guard {
    pub fn new(address: SocketAddr) -> Guard {
        let port = address.port();
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(|h| format!("{h}:{port}"))
            .collect();
        // An address asked for explicitly (`--host`) is the server too.
        if !address.ip().is_loopback() && !address.ip().is_unspecified() {
            hosts.push(match address.ip() {
                IpAddr::V4(ip) => format!("{ip}:{port}"),
                IpAddr::V6(ip) => format!("[{ip}]:{port}"),
            });
        }
        Guard { hosts }
    }

    /// `Host` must name this server; `Origin`, when sent, must be it.
    pub fn allows(&self, host: Option<&str>, origin: Option<&str>) -> bool {
        let ours = |h: &str| self.hosts.iter().any(|x| x.eq_ignore_ascii_case(h));
        let host_ok = host.is_some_and(ours);
        let origin_ok = match origin {
            None => true,
            Some(o) => o.strip_prefix("http://").is_some_and(ours),
        };
        host_ok && origin_ok
    }
}

/// Headers of every answer: no caching, no guessing of types, nothing
/// from elsewhere.
const COMMON: [(&str, &str); 4] = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    ),
];

fn respond(request: Request, status: u16, kind: &str, body: &[u8], extra: &[(&str, &str)]) {
    let mut headers: Vec<(&str, &str)> = COMMON.to_vec();
    headers.push(("Content-Type", kind));
    headers.extend_from_slice(extra);
    request.respond(status, &headers, body);
}

fn text(request: Request, status: u16, message: &str) {
    respond(
        request,
        status,
        "text/plain; charset=utf-8",
        message.as_bytes(),
        &[],
    );
}

fn json(request: Request, value: &impl serde::Serialize) {
    let body = serde_json::to_vec(value).expect("the answer serialises");
    respond(request, 200, "application/json", &body, &[]);
}

/// One request, answered from memory.
fn answer(request: Request, preview: &Preview, guard: &Guard) {
    if !guard.allows(request.header("Host"), request.header("Origin")) {
        return text(
            request,
            403,
            "forbidden: this preview answers only its own page\n",
        );
    }
    if request.method != "GET" && request.method != "HEAD" {
        return text(request, 405, "the preview only reads\n");
    }
    let target = request.target.clone();
    let path = target.split(['?', '#']).next().unwrap_or("");
    match path {
        "/" => respond(
            request,
            200,
            "text/html; charset=utf-8",
            PAGE.as_bytes(),
            &[],
        ),
        "/app.js" => respond(
            request,
            200,
            "text/javascript; charset=utf-8",
            SCRIPT.as_bytes(),
            &[],
        ),
        "/app.css" => respond(
            request,
            200,
            "text/css; charset=utf-8",
            STYLE.as_bytes(),
            &[],
        ),
        "/events" => events(request, preview),
        "/api/state" => json(request, &preview.overview()),
        _ => document(request, path, preview),
    }
}

/// `/api/doc/NAME`, `/api/doc/NAME/page/N.svg`, `/api/doc/NAME.pdf`,
/// `/api/doc/NAME.docx`; a name is a document the records yield, or 404.
fn document(request: Request, path: &str, preview: &Preview) {
    let Some(rest) = path.strip_prefix("/api/doc/") else {
        return text(request, 404, "not found\n");
    };
    let (name, what) = match rest.split_once('/') {
        Some((name, what)) => (name, what),
        None => match rest.rsplit_once('.') {
            Some((name, ext @ ("pdf" | "docx"))) => (name, ext),
            _ => (rest, ""),
        },
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !plain(name) {
        return text(request, 404, "not found\n");
    }
    let Some(doc) = preview.document(name) else {
        let overview = preview.overview();
        return match overview.documents.iter().find(|d| d.name == name) {
            Some(d) => json(
                request,
                &serde_json::json!({
                    "name": name,
                    "version": d.version,
                    "pages": 0,
                    "problem": d.problem,
                }),
            ),
            None => text(request, 404, "not found\n"),
        };
    };
    let attachment = |ext: &str| format!("attachment; filename=\"{name}.{ext}\"");
    match what {
        "" => {
            let texts: Vec<&str> = doc.pages.iter().map(|p| p.text.as_str()).collect();
            json(
                request,
                &serde_json::json!({
                    "name": name,
                    "version": doc.version,
                    "pages": doc.pages.len(),
                    "texts": texts,
                    "problem": null,
                }),
            )
        }
        "pdf" | "docx" => {
            let (bytes, kind) = if what == "pdf" {
                (preview.pdf(&doc), "application/pdf")
            } else {
                (
                    preview.docx(&doc),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            };
            match bytes {
                Ok(bytes) => respond(
                    request,
                    200,
                    kind,
                    &bytes,
                    &[("Content-Disposition", &attachment(what))],
                ),
                Err(message) => text(request, 500, &format!("{message}\n")),
            }
        }
        page => {
            let n = page
                .strip_prefix("page/")
                .and_then(|p| p.strip_suffix(".svg"))
                .and_then(|n| n.parse::<usize>().ok());
            match n.and_then(|n| doc.pages.get(n.wrapping_sub(1))) {
                Some(page) => respond(request, 200, "image/svg+xml", page.svg.as_bytes(), &[]),
                None => text(request, 404, "not found\n"),
            }
        }
    }
}

/// `/events`: a server-sent event with the preview's version after every
/// change, and a comment now and then to keep the connection.
fn events(request: Request, preview: &Preview) {
    let mut headers: Vec<(&str, &str)> = COMMON.to_vec();
    headers.push(("Content-Type", "text/event-stream; charset=utf-8"));
    let Some(mut stream) = request.stream(&headers) else {
        return;
    };
    let (tx, rx) = channel();
    preview.subscribe(tx);
    loop {
        let chunk = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(version) => format!("event: update\ndata: {version}\n\n"),
            Err(RecvTimeoutError::Timeout) => ": still here\n\n".to_owned(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if stream
            .write_all(chunk.as_bytes())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_own_page_is_answered() {
        let g = Guard::new("127.0.0.1:3007".parse().unwrap());
        assert!(g.allows(Some("localhost:3007"), None));
        assert!(g.allows(Some("127.0.0.1:3007"), Some("http://127.0.0.1:3007")));
        assert!(g.allows(Some("[::1]:3007"), Some("http://localhost:3007")));
        assert!(!g.allows(None, None));
        assert!(!g.allows(Some("evil.example:3007"), None));
        assert!(!g.allows(Some("localhost:3008"), None));
        assert!(!g.allows(Some("localhost:3007"), Some("http://evil.example")));
        assert!(!g.allows(Some("localhost:3007"), Some("null")));
        let wide = Guard::new("192.168.1.5:3000".parse().unwrap());
        assert!(wide.allows(Some("192.168.1.5:3000"), None));
    }
}
