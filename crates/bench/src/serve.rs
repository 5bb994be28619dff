//! A real `jixiao serve` process started by a benchmark (`faults`, `soak`, `servers`): the
//! environment every one gets (development mode, the bench's signing key, the business date,
//! WARN logs; no `JIXIAO_*` inherited from the caller), its stdout read to the end on a thread
//! so it never blocks on a full pipe, and the wait for the line naming its address.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for a server to listen.
pub const START_MAX: Duration = Duration::from_secs(60);

/// A running server; SIGKILLed on drop.
pub struct Served {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Served {
    /// SIGKILLs the server and reaps it.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill().context("SIGKILL 失败 (kill)")?;
        self.child.wait().context("回收进程失败 (wait)")?;
        Ok(())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The address it listens on.
    pub fn address(&self) -> Result<SocketAddr> {
        self.base
            .trim_start_matches("http://")
            .parse()
            .with_context(|| format!("服务地址无法解析 (address): {}", self.base))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` with no `JIXIAO_*` variable of the caller's environment.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIXIAO_") {
            c.env_remove(k);
        }
    }
    c
}

/// Spawns `c` (a `jixiao … serve --bind 127.0.0.1:0` command from [`command`]) with the bench's
/// environment (`today` its business date), its stderr to `log` (named `log_path` in errors),
/// and waits until it listens.
pub fn spawn(
    mut c: Command,
    secret: &str,
    today: &str,
    log: std::fs::File,
    log_path: &Path,
) -> Result<Served> {
    c.env("JIXIAO_MODE", "development")
        .env("JIXIAO_JWT_SECRET", secret)
        .env("JIXIAO_BUSINESS_TODAY", today)
        .env("JIXIAO_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = c.spawn().context("无法启动 jixiao serve (spawn)")?;
    let out = child.stdout.take().context("no stdout")?;
    let mut server = Served {
        child,
        base: String::new(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Reads to the end, so the server never blocks on a full pipe.
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + START_MAX;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(i) = line.find("http://") {
                    server.base = line[i..].trim_end_matches('/').to_string();
                    return Ok(server);
                }
            }
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                bail!(
                    "服务未能启动 (server did not start; exit {status:?}); see {}",
                    log_path.display()
                );
            }
        }
    }
}
