//! The HTTP exchange of the preview server: a thread per connection, one
//! request per connection (every answer closes it), the request head parsed
//! by httparse. The page asks for a handful of small things at a time and
//! keeps one connection open for events, so nothing more is needed — and
//! nothing is pooled that a burst of connections could wait behind.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// Longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request: its method, target and headers, and the connection to answer on.
pub struct Request {
    pub method: String,
    /// The request target as sent: `/api/doc/order-1064-a.pdf?v=3`.
    pub target: String,
    headers: Vec<(String, String)>,
    stream: TcpStream,
}

impl Request {
    /// A header's value (the first of that name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Answers with a body of known length and closes the connection.
    pub fn respond(mut self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!(
            "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            reason(status),
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let body = if self.method == "HEAD" { &[][..] } else { body };
        let _ = self
            .stream
            .write_all(head.as_bytes())
            .and_then(|()| self.stream.write_all(body))
            .and_then(|()| self.stream.flush());
    }

    /// Starts an answer of unknown length (an event stream): the head is
    /// written and the connection handed over.
    pub fn stream(mut self, headers: &[(&str, &str)]) -> Option<TcpStream> {
        let mut head = String::from("HTTP/1.1 200 OK\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.stream.write_all(head.as_bytes()).ok()?;
        self.stream.flush().ok()?;
        Some(self.stream)
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// Binds the address (port 0: any free port).
pub fn bind(address: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address)?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// Accepts connections for ever, each answered by `handle` on a thread of
/// its own.
pub fn serve<H>(listener: TcpListener, handle: H)
where
    H: Fn(Request) + Clone + Send + 'static,
{
    for stream in listener.incoming().flatten() {
        let handle = handle.clone();
        std::thread::spawn(move || {
            if let Some(request) = read_request(stream) {
                handle(request);
            }
        });
    }
}

/// Reads and parses the request head; a malformed one is answered 400.
fn read_request(mut stream: TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                let method = parsed.method.unwrap_or("").to_owned();
                let target = parsed.path.unwrap_or("").to_owned();
                let headers = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                return Some(Request {
                    method,
                    target,
                    headers,
                    stream,
                });
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => {
                let _ = stream.write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                return None;
            }
        }
    }
}
