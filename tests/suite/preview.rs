//! The live preview: `serve` over plain HTTP (who may ask, what it serves,
//! what its events say), in a real browser (Debian's Chromium through
//! chromedriver), and `build --watch` in the terminal.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::common::{bin, run, sample_copy, snapshot, stderr};

const ORDER: &str = "data/primorsky/orders/1064-a.yaml";

/// A `clusterdoc` command running in the background in a copy of the
/// sample data; stopped with Ctrl-C (SIGINT) when dropped.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(bin())
            .current_dir(dir)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("clusterdoc runs");
        let (tx, lines) = channel();
        let out: ChildStdout = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("stderr: {l}"));
            }
        });
        Running { child, lines }
    }

    /// Lines printed until one satisfies `want` (all of them, that one last).
    fn until(&self, what: &str, want: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let done = want(&l);
                seen.push(l);
                if done {
                    return seen;
                }
            }
        }
        panic!("no {what} within a minute; printed:\n{}", seen.join("\n"));
    }

    /// Lines printed within `wait`.
    fn drain(&self, wait: Duration) -> Vec<String> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if let Ok(l) = self.lines.recv_timeout(left) {
                seen.push(l);
            }
        }
        seen
    }

    fn interrupt(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "Ctrl-C did not stop clusterdoc");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `serve` on a free port; its port.
fn serve(dir: &Path) -> (Running, u16) {
    let server = Running::start(dir, &["serve", "--port", "0"]);
    let lines = server.until("address", |l| l.starts_with("preview at "));
    let url = lines.last().unwrap();
    let port = url
        .trim_end_matches(" (Ctrl-C stops)")
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (server, port)
}

/// A raw HTTP/1.1 exchange: status, headers, body.
fn http(port: u16, target: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("GET {target} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn get(port: u16, target: &str) -> (u16, String, Vec<u8>) {
    let host = format!("localhost:{port}");
    http(port, target, &[("Host", &host)])
}

/// The event stream, as a channel of the versions it announces.
fn events(port: u16) -> Receiver<u64> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET /events HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if let Some(v) = line.strip_prefix("data: ")
                && tx.send(v.parse().unwrap()).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Announcements within `wait`.
fn announced(rx: &Receiver<u64>, wait: Duration) -> Vec<u64> {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(v) = rx.recv_timeout(left) {
            seen.push(v);
        }
    }
    seen
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has «{from}»", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn only_its_own_page_may_ask_and_only_what_it_holds_is_served() {
    let dir = sample_copy();
    let (_server, port) = serve(dir.path());
    let host = format!("localhost:{port}");
    let (status, head, body) = http(port, "/", &[("Host", &host)]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("/app.js"));
    assert!(head.contains("Cache-Control: no-store"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("access-control"),
        "{head}"
    );
    for (h, o) in [
        ("evil.example", None),
        (&format!("evil.example:{port}")[..], None),
        (&format!("localhost:{}", port + 1)[..], None),
        (&host[..], Some("http://evil.example")),
        (&host[..], Some("null")),
    ] {
        let mut headers = vec![("Host", h)];
        if let Some(o) = o {
            headers.push(("Origin", o));
        }
        assert_eq!(http(port, "/api/state", &headers).0, 403, "{h} {o:?}");
    }
    assert_eq!(http(port, "/api/state", &[]).0, 403, "no Host");
    let own = format!("http://127.0.0.1:{port}");
    assert_eq!(
        http(port, "/api/state", &[("Host", &host), ("Origin", &own)]).0,
        200
    );
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/doc/..%2F..%2Fetc%2Fpasswd",
        "/api/doc/%2e%2e/page/1.svg",
        "/etc/passwd",
        "//etc/passwd",
        "/api/doc/order-1064-a/../../Cargo.toml",
        "/data/primorsky/orders/1064-a.yaml",
        "/api/doc/no-such-document",
    ] {
        assert_eq!(get(port, target).0, 404, "{target}");
    }
}

#[test]
fn the_event_stream_announces_each_change_once() {
    let dir = sample_copy();
    let (server, port) = serve(dir.path());
    let rx = events(port);
    assert_eq!(
        announced(&rx, Duration::from_millis(300)).len(),
        1,
        "the version on connecting"
    );
    let order = dir.path().join(ORDER);
    edit(&order, "Контроль за исполнением", "Контроль исполнения");
    let after_edit = announced(&rx, Duration::from_millis(2000));
    assert_eq!(
        after_edit.len(),
        1,
        "one announcement per change: {after_edit:?}"
    );
    server.drain(Duration::from_millis(10));
    // A save that leaves the bytes as they were.
    let bytes = std::fs::read(&order).unwrap();
    std::fs::write(&order, &bytes).unwrap();
    assert_eq!(
        announced(&rx, Duration::from_millis(1500)),
        Vec::<u64>::new()
    );
    // Two saves in quick succession: one rebuild.
    edit(&order, "Контроль исполнения", "Контроль за исполнением");
    std::thread::sleep(Duration::from_millis(20));
    edit(
        &order,
        "приказа возложить",
        "приказа оставляю за собой, возложить",
    );
    assert_eq!(announced(&rx, Duration::from_millis(2000)).len(), 1);
}

#[test]
fn watch_rebuilds_exactly_what_an_edit_changes_and_stops_cleanly() {
    let dir = sample_copy();
    let mut watch = Running::start(dir.path(), &["build", "--watch"]);
    watch.until("the first build", |l| l.starts_with("watching "));
    let before = snapshot(&dir.path().join("out"));
    edit(
        &dir.path().join(ORDER),
        "Контроль за исполнением",
        "Контроль исполнения",
    );
    let lines = watch.until("the rebuild", |l| l.starts_with("rebuilt order-1064-a in "));
    watch.drain(Duration::from_millis(500));
    let after = snapshot(&dir.path().join("out"));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        changed,
        [
            "clusterdoc-state.json",
            // The consolidated version reads the order too.
            "orders/order-1064-a-consolidated.docx",
            "orders/order-1064-a-consolidated.pdf",
            "orders/order-1064-a-draft.docx",
            "orders/order-1064-a-draft.pdf",
            "orders/order-1064-a.docx",
            "orders/order-1064-a.pdf"
        ],
        "{lines:?}"
    );

    // Caught half-written: the broken moment is not reported.
    let order = dir.path().join(ORDER);
    let full = std::fs::read_to_string(&order).unwrap();
    std::fs::write(&order, &full.as_bytes()[..full.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(110));
    std::fs::write(
        &order,
        full.replace("Контроль исполнения", "Контроль за исполнением"),
    )
    .unwrap();
    let lines = watch.until("the rebuild", |l| l.starts_with("rebuilt order-1064-a in "));
    let more = watch.drain(Duration::from_millis(800));
    assert!(
        !lines.iter().chain(&more).any(|l| l.contains("error")),
        "{lines:?} {more:?}"
    );

    // Ctrl-C: out/ complete and unlocked.
    let status = watch.interrupt();
    assert!(status.success(), "{status:?}");
    let out = snapshot(&dir.path().join("out"));
    assert!(
        !out.keys().any(|k| k.contains(".clusterdoc-tmp")),
        "{:?}",
        out.keys()
    );
    let again = run(dir.path(), &["build"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("nothing changed since the last build"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

// ----- in the browser ---------------------------------------------------------------

/// chromedriver on a free port with a fresh browser profile; stopped, with
/// every browser process it started, when dropped (also when a test fails).
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is needed: tests/run.sh installs Debian's chromium-driver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            port,
            profile: tempfile::tempdir().unwrap(),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The browser outlives a killed driver: end it by its profile folder.
        let _ = Command::new("pkill")
            .args(["-f", &self.profile.path().display().to_string()])
            .status();
    }
}

async fn browser(driver: &Driver) -> fantoccini::Client {
    let profile = driver.profile.path();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// Evaluates a script in the page until it returns something truthy.
async fn wait_for(
    client: &fantoccini::Client,
    what: &str,
    script: &str,
    within: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let v = client.execute(script, vec![]).await.unwrap();
        let done = match &v {
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::Null => false,
            serde_json::Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if done {
            return v;
        }
        if Instant::now() >= deadline {
            let page = client
                .execute(
                    "return [document.getElementById('main').innerText.slice(0, 800), [...document.querySelectorAll('#pages img')].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]), performance.getEntriesByType('resource').filter(e => e.name.includes('/page/')).map(e => [e.name, Math.round(e.startTime), Math.round(e.duration), e.responseStatus])];",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{what}: not within {within:?}; the page: {page}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// What `build` writes for the same records, by file name.
fn built(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = dir.join("built");
    let o = run(dir, &["--out", out.to_str().unwrap(), "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    snapshot(&out)
        .into_iter()
        .filter_map(|(k, v)| Some((PathBuf::from(&k).file_name()?.to_str()?.to_owned(), v)))
        .collect()
}

#[test]
fn the_page_follows_edits_in_a_real_browser() {
    let dir = sample_copy();
    let expected = built(dir.path());
    let (_server, port) = serve(dir.path());
    let driver = Driver::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = browser(&driver).await;
        client
            .goto(&format!("http://localhost:{port}/"))
            .await
            .unwrap();
        // Every document of the sample data is listed.
        let names = wait_for(
            &client,
            "the list",
            "const a = [...document.querySelectorAll('#documents a')].map(a => a.dataset.name); return a.length ? a : null;",
            Duration::from_secs(10),
        )
        .await;
        let mut listed: Vec<String> = serde_json::from_value(names).unwrap();
        listed.sort();
        let mut want: Vec<String> = expected
            .keys()
            .filter_map(|k| k.strip_suffix(".pdf").map(str::to_owned))
            .collect();
        want.sort();
        assert_eq!(listed, want);

        // Order 1064-а: its 10 pages.
        // (Clicked from the page itself: the list is redrawn on every update.)
        client
            .execute(
                "document.querySelector(\"#documents a[data-name='order-1064-a']\").click(); return true;",
                vec![],
            )
            .await
            .unwrap();
        wait_for(
            &client,
            "10 pages",
            "const i = [...document.querySelectorAll('#pages img')]; return i.length === 10 && i.every(x => x.complete && x.naturalWidth > 0);",
            Duration::from_secs(20),
        )
        .await;
        // Scrolled down to page 3, which must stay in view through updates.
        client
            .execute("document.querySelector('#pages img[data-page=\"3\"]').scrollIntoView(); return document.getElementById('main').scrollTop;", vec![])
            .await
            .unwrap();
        let scrolled = client
            .execute("return document.getElementById('main').scrollTop;", vec![])
            .await
            .unwrap();

        // A new clause appears without navigation, within 2 s.
        let clause = "Провести итоговое совещание с координаторами кластеров до 01.06.2023.";
        edit(
            &dir.path().join(ORDER),
            "  signatory: shamonova",
            &format!("    - {clause}\n  signatory: shamonova"),
        );
        let saved = Instant::now();
        client
            .execute("window.__same_page = true; return true;", vec![])
            .await
            .unwrap();
        let find = format!(
            "return [...document.querySelectorAll('#pages img')].some(i => i.alt.replace(/\\s+/g, ' ').includes({:?}));",
            "Провести итоговое совещание"
        );
        wait_for(&client, "the new clause", &find, Duration::from_secs(2)).await;
        let took = saved.elapsed();
        assert_eq!(
            client.execute("return window.__same_page === true;", vec![]).await.unwrap(),
            serde_json::Value::Bool(true),
            "the page was reloaded"
        );
        let scroll_after = client
            .execute("return document.getElementById('main').scrollTop;", vec![])
            .await
            .unwrap();
        assert_eq!(scroll_after, scrolled, "the scroll position stays");
        eprintln!("the new clause showed {} ms after the save", took.as_millis());

        // Broken YAML: the problem with its file and line above the old pages.
        let order = dir.path().join(ORDER);
        let good = std::fs::read_to_string(&order).unwrap();
        std::fs::write(&order, good.replace("  title: Об организации", "  title: [Об организации")).unwrap();
        let problem = wait_for(
            &client,
            "the problem box",
            "const p = document.getElementById('problems'); return p.hidden ? null : p.textContent;",
            Duration::from_secs(5),
        )
        .await;
        let problem = problem.as_str().unwrap().to_owned();
        assert!(
            problem.contains("invalid YAML") && problem.contains("1064-a.yaml:"),
            "{problem}"
        );
        let pages = client
            .execute("return [...document.querySelectorAll('#pages img')].filter(i => i.alt.includes('Провести итоговое совещание')).length;", vec![])
            .await
            .unwrap();
        assert_eq!(pages, serde_json::json!(1), "the last good pages stay");
        shot(&client, "preview-problem.png").await;

        // Fixed: the box goes, with no reload.
        std::fs::write(&order, &good).unwrap();
        wait_for(
            &client,
            "the problem box to go",
            "return document.getElementById('problems').hidden;",
            Duration::from_secs(5),
        )
        .await;
        client
            .execute("document.getElementById('main').scrollTop = 0; return true;", vec![])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        shot(&client, "preview.png").await;

        // The links download what `build` writes for the same records.
        let expected = built(dir.path());
        for (id, ext) in [("pdf-link", "pdf"), ("docx-link", "docx")] {
            let href = client
                .execute(&format!("return document.getElementById('{id}').getAttribute('href');"), vec![])
                .await
                .unwrap();
            let (status, _, body) = get(port, href.as_str().unwrap());
            assert_eq!(status, 200);
            if body != expected[&format!("order-1064-a.{ext}")] {
                let keep = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
                std::fs::write(keep.join(format!("page.{ext}")), &body).unwrap();
                std::fs::write(keep.join(format!("built.{ext}")), &expected[&format!("order-1064-a.{ext}")]).unwrap();
                panic!("the {ext} of the page differs from what build writes (both kept in {})", keep.display());
            }
        }
        client.close().await.unwrap();
    });
}

/// A screenshot of the page, kept under the target folder.
async fn shot(client: &fantoccini::Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}
