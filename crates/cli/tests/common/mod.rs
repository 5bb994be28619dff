//! Helpers shared by the binary's tests that run `jixiao` commands and servers (`ops.rs`,
//! `postgres.rs`): output checks, a child killed when the test ends, and a started server.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Longest wait for a server to print its address.
pub const WAIT_MAX: Duration = Duration::from_secs(60);

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// Kills and reaps the child when the test ends, however it ends.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `c` (a `jixiao … serve` command) with its stdout read on a thread, and returns it
/// once it printed its address: the guard, the base URL and the lines printed up to it.
pub fn started(
    mut c: Command,
) -> (
    ChildGuard,
    String,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = ChildGuard(child);
    let out = guard.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = String::new();
    let base = loop {
        let line = rx
            .recv_timeout(WAIT_MAX)
            .expect("serve printed no URL in time");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(i) = line.find("http://") {
            break line[i..].trim_end_matches('/').to_string();
        }
    };
    (guard, base, printed, rx)
}
