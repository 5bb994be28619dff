//! The server's HTTP/1 pipeline: actix-web's application behind actix-http's HTTP/1 service
//! on actix-server — what `actix_web::HttpServer` assembles, with one difference: every
//! connection's socket is wrapped in [`ProblemIo`], so the answers actix-http writes by itself,
//! before any service exists for the request, are problem+json like every other error.
//!
//! actix-http answers a request line or header it cannot parse with a bare
//! `400 Bad Request` (`431` for an oversized head, `408` for a head that did not arrive in
//! time), `content-length: 0`, and closes the connection; it offers no hook for that answer.
//! The application never answers with an empty error body (every error of the API and the web
//! pages is problem+json or a page), so an error status with `content-length: 0` at the start of
//! a write is actix-http's own: [`ProblemIo`] writes the same head with a problem+json body
//! instead (`code` `unreadable_request`, `request_head_too_large` or `request_timeout`), keeping
//! every other header (`connection: close`, `date`).

use crate::error::{ApiError, PROBLEM_JSON};
use actix_codec::{AsyncRead, AsyncWrite, ReadBuf};
use actix_http::HttpService;
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use actix_web::{App, Error};
use std::future::ready;
use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How the server accepts and keeps connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// actix worker threads (None: one per core).
    pub workers: Option<usize>,
    /// Open connections each worker accepts at most.
    pub max_connections_per_worker: usize,
    /// Idle time before a keep-alive connection is closed.
    pub keep_alive: Duration,
    /// Longest a client may take to send a request head.
    pub client_request_timeout: Duration,
    /// Longest the server waits for a client to acknowledge a close.
    pub client_disconnect_timeout: Duration,
}

/// Serves the application made by `app` on `listener` (running once awaited), as
/// `HttpServer::new(app).listen(listener)?.run()` would, with actix-http's own error answers
/// in problem+json.
pub(crate) fn serve<F, T, B>(app: F, listener: TcpListener, s: Settings) -> io::Result<Server>
where
    F: Fn() -> App<T> + Send + Clone + 'static,
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let address = listener.local_addr()?;
    let mut builder = Server::build().max_concurrent_connections(s.max_connections_per_worker);
    if let Some(n) = s.workers {
        builder = builder.workers(n.max(1));
    }
    // Idle keep-alive connections close at once on a graceful stop (as HttpServer does).
    let shutdown = builder.graceful_shutdown_signal();
    builder
        .listen("jixiao-http", listener, move || {
            let shutdown = shutdown.clone();
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .keep_alive(s.keep_alive)
                .client_request_timeout(s.client_request_timeout)
                .client_disconnect_timeout(s.client_disconnect_timeout)
                .local_addr(address)
                .h1(map_config(
                    app().into_factory().map_err(|e: Error| e.error_response()),
                    |_| AppConfig::default(),
                ));
            fn_service(|io: TcpStream| {
                let peer = io.peer_addr().ok();
                ready(Ok((ProblemIo::new(io), peer)))
            })
            .and_then(http)
        })
        .map(|b| b.run())
}

/// A connection's socket that turns actix-http's bare error answers into problem+json (see the
/// module doc); reads and every other write pass through.
pub(crate) struct ProblemIo<T> {
    inner: T,
    /// The answer written instead of a bare one: its bytes, how many are written, and how many
    /// bytes of the caller's buffer it stands for.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<T> ProblemIo<T> {
    pub(crate) fn new(inner: T) -> Self {
        ProblemIo {
            inner,
            pending: None,
        }
    }
}

/// The problem of a bare answer of actix-http with this status, if it writes such answers.
fn problem_for(status: StatusCode) -> Option<ApiError> {
    Some(match status {
        StatusCode::BAD_REQUEST => ApiError::bad_request(
            "unreadable_request",
            "请求行或请求头无法解析，连接已关闭 (the request line or a header could not be parsed; the connection is closed)",
            Vec::new(),
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ApiError::with_status(
            status,
            "request_head_too_large",
            "请求头过大，连接已关闭 (the request head is too large; the connection is closed)",
        ),
        StatusCode::REQUEST_TIMEOUT => ApiError::with_status(
            status,
            "request_timeout",
            "请求头未在时限内送达，连接已关闭 (the request head did not arrive in time; the connection is closed)",
        ),
        _ => return None,
    })
}

/// When `buf` starts with a whole bare error answer of actix-http (an error status this module
/// replaces, `content-length: 0`, no content type): the answer to write instead, and the length
/// of the bare one in `buf`.
fn replacement(buf: &[u8]) -> Option<(Vec<u8>, usize)> {
    const PREFIX: &[u8] = b"HTTP/1.";
    if !buf.starts_with(PREFIX) || buf.len() < PREFIX.len() + 5 {
        return None;
    }
    let code = std::str::from_utf8(&buf[PREFIX.len() + 2..PREFIX.len() + 5]).ok()?;
    let status = StatusCode::from_bytes(code.as_bytes()).ok()?;
    if ![
        StatusCode::BAD_REQUEST,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        StatusCode::REQUEST_TIMEOUT,
    ]
    .contains(&status)
    {
        return None;
    }
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines: Vec<&str> = head.trim_end_matches("\r\n").split("\r\n").collect();
    let is = |line: &str, name: &str| {
        line.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    };
    let empty = lines.iter().any(|l| {
        is(l, "content-length") && l.split_once(':').is_some_and(|(_, v)| v.trim() == "0")
    });
    if !empty || lines.iter().any(|l| is(l, "content-type")) {
        return None;
    }
    lines.retain(|l| !is(l, "content-length"));
    let body = serde_json::to_vec(&problem_for(status)?.problem()).ok()?;
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(
        format!(
            "\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&body);
    Some((out, end))
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_none()
            && let Some((bytes, stands_for)) = replacement(buf)
        {
            tracing::debug!(target: "jixiao::http", "bare error answer of actix-http rewritten as problem+json");
            this.pending = Some((bytes, 0, stands_for));
        }
        let Some((bytes, written, stands_for)) = &mut this.pending else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        // The caller retries with the same buffer until we report its bytes written.
        while *written < bytes.len() {
            match Pin::new(&mut this.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let done = *stands_for;
        this.pending = None;
        Poll::Ready(Ok(done))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: &[u8]) -> String {
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn a_bare_400_becomes_problem_json_with_the_other_headers_kept() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Fri, 04 Dec 2026 15:00:00 GMT\r\n\r\n";
        let (out, stands_for) = replacement(bare).unwrap();
        assert_eq!(stands_for, bare.len());
        let out = text(&out);
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(head.contains("\r\ndate: Fri, 04 Dec 2026"), "{head}");
        assert!(head.contains("\r\ncontent-type: application/problem+json"));
        assert!(!head.contains("content-length: 0"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        let p: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(p["status"], 400);
        assert_eq!(p["code"], "unreadable_request");
        assert!(p["detail"].as_str().unwrap().contains("无法解析"));
    }

    #[test]
    fn oversized_and_slow_heads_get_their_own_problems() {
        for (bare, status, code) in [
            (
                &b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n"[..],
                431,
                "request_head_too_large",
            ),
            (
                &b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
                    [..],
                408,
                "request_timeout",
            ),
        ] {
            let (out, _) = replacement(bare).unwrap();
            let out = text(&out);
            let body = out.split_once("\r\n\r\n").unwrap().1;
            let p: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(
                (p["status"].as_u64().unwrap(), p["code"].as_str().unwrap()),
                (status, code)
            );
        }
    }

    #[test]
    fn answers_with_a_body_or_another_status_pass_untouched() {
        for buf in [
            // The application's own 400: problem+json already.
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 2\r\n\r\n{}"[..],
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n"[..],
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            &b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"[..],
            // A write that does not start an answer, or a head not yet whole.
            &b"content-length: 0\r\n\r\n"[..],
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"[..],
            &b"HTTP/1"[..],
        ] {
            assert!(replacement(buf).is_none(), "{}", text(buf));
        }
    }

    /// A socket that takes at most `chunk` bytes per write and is not ready every other call.
    struct Slow {
        written: Vec<u8>,
        chunk: usize,
        ready: bool,
    }

    impl AsyncWrite for Slow {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            this.ready = !this.ready;
            if !this.ready {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = buf.len().min(this.chunk);
            this.written.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Writes `buf` the way actix-http's dispatcher does: the same remaining slice again after
    /// `Pending`, the rest after a partial write.
    fn write_all(io: &mut ProblemIo<Slow>, buf: &[u8]) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut done = 0;
        while done < buf.len() {
            if let Poll::Ready(n) = Pin::new(&mut *io).poll_write(&mut cx, &buf[done..]) {
                done += n.unwrap();
            }
        }
    }

    #[test]
    fn the_replacement_is_written_whole_through_partial_and_pending_writes() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let mut io = ProblemIo::new(Slow {
            written: Vec::new(),
            chunk: 7,
            ready: false,
        });
        write_all(&mut io, bare);
        let (expected, _) = replacement(bare).unwrap();
        assert_eq!(text(&io.inner.written), text(&expected));
        // Ordinary answers after it pass byte for byte.
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
        write_all(&mut io, ok);
        assert_eq!(&io.inner.written[expected.len()..], ok);
    }
}
