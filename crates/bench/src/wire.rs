//! A minimal HTTP/1.1 client for the HTTP workloads: one keep-alive TCP connection
//! (`TCP_NODELAY`), requests written as bytes prepared before the clock starts, answers read
//! with their status and body (`Content-Length` or chunked). It is what a load generator on
//! another machine would cost the server, and little else: the W2 clients share the two cores
//! with the server, and the in-process W2 the server is compared with has no client at all.
//! `ureq` (the [`crate::http`] default before) formats headers, parses the URL and serialises
//! the JSON body on every request; `--client ureq` keeps it for comparison.

use anyhow::{Context, Result, anyhow, ensure};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Longest answer head accepted.
const HEAD_BYTES_MAX: usize = 64 * 1024;
/// Largest answer body accepted.
const BODY_BYTES_MAX: usize = 64 * 1024 * 1024;
/// A stuck server fails the run instead of hanging it.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// The client used by the HTTP workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// The prepared-bytes client of this module.
    Raw,
    /// `ureq` with keep-alive, the JSON body serialised per request.
    Ureq,
}

/// `POST path` with a JSON body and a bearer token, as bytes.
pub fn post_request(address: SocketAddr, path: &str, token: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// `GET path` with a bearer token, as bytes.
pub fn get_request(address: SocketAddr, path: &str, token: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\r\n")
        .into_bytes()
}

/// One keep-alive connection; reconnects when the server closed it.
pub struct Conn {
    address: SocketAddr,
    reader: Option<BufReader<TcpStream>>,
    line: String,
    /// The last answer's body.
    pub body: Vec<u8>,
}

impl Conn {
    /// A client of `address` (connects on the first request).
    pub fn new(address: SocketAddr) -> Self {
        Conn {
            address,
            reader: None,
            line: String::new(),
            body: Vec::new(),
        }
    }

    fn open(address: SocketAddr) -> Result<BufReader<TcpStream>> {
        let stream = TcpStream::connect(address).context("连接失败 (connect)")?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(BufReader::with_capacity(16 * 1024, stream))
    }

    /// Sends one prepared request and reads its answer; the status (the body is in `body`).
    /// A connection the server closed before answering is opened again once.
    pub fn send(&mut self, request: &[u8]) -> Result<u16> {
        match self.exchange(request) {
            Ok(status) => Ok(status),
            Err(_) if self.reader.is_none() => self.exchange(request),
            Err(e) => Err(e),
        }
    }

    fn exchange(&mut self, request: &[u8]) -> Result<u16> {
        let result = self.exchange_once(request);
        if result.is_err() {
            self.reader = None;
        }
        result
    }

    fn exchange_once(&mut self, request: &[u8]) -> Result<u16> {
        if self.reader.is_none() {
            self.reader = Some(Self::open(self.address)?);
        }
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| anyhow!("没有连接 (no connection)"))?;
        reader
            .get_mut()
            .write_all(request)
            .context("发送失败 (write)")?;
        let line = &mut self.line;
        let mut head = 0usize;
        let mut status = None;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        loop {
            line.clear();
            let n = reader.read_line(line).context("读取失败 (read)")?;
            ensure!(n > 0, "服务器关闭了连接 (connection closed)");
            head += n;
            ensure!(head <= HEAD_BYTES_MAX, "应答头过长 (answer head too long)");
            let text = line.trim_end();
            if status.is_none() {
                let code = text
                    .split_whitespace()
                    .nth(1)
                    .and_then(|c| c.parse::<u16>().ok())
                    .ok_or_else(|| anyhow!("应答行无效 (bad status line) {text:?}"))?;
                status = Some(code);
                continue;
            }
            if text.is_empty() {
                break;
            }
            if let Some((name, value)) = text.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.parse::<usize>().context("content-length")?);
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        self.body.clear();
        if chunked {
            loop {
                line.clear();
                reader.read_line(line)?;
                let size_hex = line.trim_end().split(';').next().unwrap_or("");
                let size = usize::from_str_radix(size_hex, 16).context("chunk size")?;
                ensure!(
                    self.body.len() + size <= BODY_BYTES_MAX,
                    "应答过长 (answer too long)"
                );
                let start = self.body.len();
                self.body.resize(start + size + 2, 0);
                reader.read_exact(&mut self.body[start..])?;
                self.body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            ensure!(n <= BODY_BYTES_MAX, "应答过长 (answer too long)");
            self.body.resize(n, 0);
            reader.read_exact(&mut self.body)?;
        } else {
            close = true;
            reader.read_to_end(&mut self.body)?;
        }
        if close {
            self.reader = None;
        }
        status.ok_or_else(|| anyhow!("没有应答行 (no status line)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Answers each request on one connection with the given canned answers, in turn.
    fn serve(answers: Vec<&'static [u8]>) -> SocketAddr {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (conn, _) = listener.accept().unwrap();
            let mut writer = conn.try_clone().unwrap();
            let mut reader = BufReader::new(conn);
            for answer in answers {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line.trim_end().is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                writer.write_all(answer).unwrap();
            }
        });
        address
    }

    #[test]
    fn reads_sized_and_chunked_answers_on_one_connection() {
        let address = serve(vec![
            b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 5\r\n\r\nwrong",
        ]);
        let mut c = Conn::new(address);
        let post = post_request(address, "/p", "t", b"{\"a\":1}");
        assert!(String::from_utf8_lossy(&post).ends_with("content-length: 7\r\n\r\n{\"a\":1}"));
        assert_eq!(c.send(&post).unwrap(), 201);
        assert_eq!(c.body, b"{}");
        assert_eq!(c.send(&get_request(address, "/g", "t")).unwrap(), 200);
        assert_eq!(c.body, b"abcde");
        assert_eq!(c.send(&post).unwrap(), 422);
        assert_eq!(c.body, b"wrong");
    }
}
