//! Faults, repeatable: the real `jixiao serve` process under concurrent writers, killed with
//! SIGKILL at random moments and restarted, then (optionally) starved of disk space and made
//! read-only while it runs; afterwards the log is checked offline.
//!
//! The writers send single payments (`POST …/payments`) and batches (`POST …/payments/batch`,
//! all or nothing) to several units; a request that got no answer (the server died under it,
//! a timeout) or a refusal by the disk is *uncertain* and is sent again later, byte for byte
//! with the same event ids — during the next cycle's load, or at the final restart. A kill
//! happens after a seeded random number of acknowledged requests (0 included: a kill while
//! the server is still catching up), with the other writers' requests in flight.
//!
//! What is checked at the end, on the database file after the last SIGKILL:
//! - every acknowledged event id is in the log exactly once, and the log holds no payment that
//!   was not acknowledged (every uncertain request was finally acknowledged);
//! - positions are 1..n with no gap; the hash chain verifies; SQLite's integrity check is ok;
//! - the read models, caught up at open, equal a rebuild from position 0.
//!
//! Disk full: the server runs under `prlimit --fsize` (RLIMIT_FSIZE; SIGXFSZ ignored by the
//! shell that execs it, so a write past the limit fails with EFBIG instead of killing the
//! process). Writes must then be refused with a 503 problem+json naming the storage fault,
//! reads must keep working, and after `prlimit --pid` lifts the limit the refused requests,
//! sent again, must succeed without a restart. Read-only: `chattr +i` on the database and its
//! WAL (an immutable file refuses writes even through descriptors already open; root and an
//! ext4/xfs/btrfs filesystem needed); the same checks, recovered by `chattr -i`.
//!
//! Bounded: every wait polls with a deadline, every request has a timeout, the number of
//! requests per phase is capped; servers listen on 127.0.0.1 only and are killed on drop.

use crate::generate::Rng;
use crate::http::{PAYMENT_LINE, YEAR, agent, import_events_for, seed_budgets, unit_code};
use crate::serve::{self, Served as Server};
use anyhow::{Context, Result, anyhow, bail, ensure};
use jixiao_api::auth::JwtKeys;
use jixiao_api::{ApiConfig, Secret};
use jixiao_store::users::Role;
use jixiao_store::{ReadFilter, Store, StoreOptions};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Most kills one run may ask for.
pub const KILLS_MAX: u32 = 100_000;
/// Most concurrent writer threads.
pub const WRITERS_MAX: usize = 64;
/// Most units written to.
pub const UNITS_MAX: usize = 100;
/// Most payments in one batch request.
pub const BATCH_ITEMS_MAX: u64 = 20;
/// A kill comes after at most this many acknowledged requests of a cycle.
pub const KILL_AFTER_MAX: u64 = 40;
/// Longest a cycle may take to reach its kill point (no progress fails the run).
const CYCLE_MAX: Duration = Duration::from_secs(60);
/// Per-request timeout: a request that does not answer is uncertain, not a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the harness looks at a counter it waits for.
const POLL: Duration = Duration::from_millis(1);
/// Share (per mille) of requests that resend an uncertain one while others are new.
const RETRY_PER_MILLE: u64 = 150;
/// Share (per mille) of new requests that are batches.
const BATCH_PER_MILLE: u64 = 250;
/// The file-size limit of the disk-full phase: the WAL may grow to this many bytes (and no
/// page past it in the database file can be written), then writes fail.
pub const DISK_FULL_FSIZE_BYTES: u64 = 256 * 1024;
/// Refusals by the disk each storage phase waits for before restoring the disk.
const STORAGE_REFUSALS: u64 = 12;
/// Most requests a storage phase sends while waiting for its refusals.
const STORAGE_REQUESTS_MAX: u64 = 20_000;
/// The shell line that runs the server under a file-size limit: `trap '' XFSZ` makes SIGXFSZ
/// ignored, which survives `exec`, so a write past the limit returns EFBIG.
const FSIZE_WRAPPER: &str = "trap '' XFSZ; exec prlimit --fsize=\"$0\":unlimited -- \"$@\"";
/// The stored type of the events the writers record.
const PAYMENT_EVENT_TYPE: &str = "payment_recorded";
/// The business "today" the server is told (payments are dated in 2024).
const BUSINESS_TODAY: &str = "2024-12-31";

/// What to run.
#[derive(Debug, Clone)]
pub struct Faults {
    /// The `jixiao` binary.
    pub jixiao: PathBuf,
    /// A directory for the database and the server logs (kept by the caller).
    pub dir: PathBuf,
    /// SIGKILLs.
    pub kills: u32,
    /// Seed of the kill points and the requests.
    pub seed: u64,
    /// Concurrent writer threads.
    pub writers: usize,
    /// Units written to.
    pub units: usize,
    /// Run the disk-full phase.
    pub disk_full: bool,
    /// Run the read-only phase.
    pub read_only: bool,
}

/// What a storage phase saw.
#[derive(Debug, Clone, Default)]
pub struct StoragePhase {
    /// Writes acknowledged before the disk refused.
    pub acknowledged_before: u64,
    /// Writes refused with a storage problem (503).
    pub refused: u64,
    /// The problem codes seen (`storage_io`, `storage_full`, …).
    pub codes: Vec<String>,
    /// Reads answered 200 while writes were refused.
    pub reads_ok: u64,
    /// Refused requests acknowledged when sent again after the disk was restored, without
    /// a restart.
    pub recovered: u64,
}

/// What a run saw and checked.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// SIGKILLs sent.
    pub kills: u32,
    /// Requests sent (retries included).
    pub requests: u64,
    /// Requests answered 201.
    pub created: u64,
    /// Requests answered 200 (a retry of a write already committed).
    pub replayed: u64,
    /// Requests with no answer (connection refused or reset, timeout), sent again later.
    pub unanswered: u64,
    /// Payments acknowledged, each found exactly once in the log.
    pub acknowledged_events: u64,
    /// Events in the log at the end.
    pub log_events: u64,
    /// The disk-full phase, when run.
    pub disk_full: Option<StoragePhase>,
    /// The read-only phase, when run.
    pub read_only: Option<StoragePhase>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Outcome {
    /// A Markdown summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "| kills | requests | 201 | 200 (replays) | unanswered → resent | payments acknowledged = in the log once | log events | time |\n\
             |---|---|---|---|---|---|---|---|\n\
             | {} | {} | {} | {} | {} | {} | {} | {:.1} s |\n",
            self.kills,
            self.requests,
            self.created,
            self.replayed,
            self.unanswered,
            self.acknowledged_events,
            self.log_events,
            self.elapsed.as_secs_f64()
        );
        for (name, phase) in [
            ("disk full", &self.disk_full),
            ("read-only", &self.read_only),
        ] {
            if let Some(p) = phase {
                s.push_str(&format!(
                    "\n{name}: {} writes acknowledged before, {} refused ({}), {} reads ok meanwhile, {} refused writes acknowledged after the disk was restored (no restart)\n",
                    p.acknowledged_before,
                    p.refused,
                    p.codes.join(", "),
                    p.reads_ok,
                    p.recovered
                ));
            }
        }
        s
    }
}

/// One request as sent, kept to be sent again byte for byte.
#[derive(Debug, Clone)]
struct Req {
    unit: usize,
    batch: bool,
    body: Value,
    ids: Vec<Uuid>,
}

/// How a request ended.
enum Answer {
    /// 200 or 201: acknowledged.
    Ack(u16),
    /// No answer: the server died or did not reply in time.
    None,
    /// 503 with a storage problem code.
    Storage(String),
    /// Anything else: a failure of the run.
    Unexpected(u16, String),
}

/// What every writer shares.
#[derive(Default)]
struct Ledger {
    acknowledged: Mutex<HashSet<Uuid>>,
    uncertain: Mutex<Vec<Req>>,
    unexpected: Mutex<Vec<String>>,
    requests: AtomicU64,
    created: AtomicU64,
    replayed: AtomicU64,
    unanswered: AtomicU64,
    refused: AtomicU64,
    refusal_codes: Mutex<HashSet<String>>,
}

impl Ledger {
    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        // A writer that panicked holding it leaves plain data; keep going.
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record(&self, req: Req, answer: Answer) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match answer {
            Answer::Ack(status) => {
                if status == 201 {
                    self.created.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.replayed.fetch_add(1, Ordering::Relaxed);
                }
                Ledger::lock(&self.acknowledged).extend(req.ids);
            }
            Answer::None => {
                self.unanswered.fetch_add(1, Ordering::Relaxed);
                Ledger::lock(&self.uncertain).push(req);
            }
            Answer::Storage(code) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Ledger::lock(&self.refusal_codes).insert(code);
                Ledger::lock(&self.uncertain).push(req);
            }
            Answer::Unexpected(status, text) => {
                Ledger::lock(&self.unexpected).push(format!("{status}: {text}"));
            }
        }
    }

    fn acknowledged_count(&self) -> u64 {
        self.created.load(Ordering::Relaxed) + self.replayed.load(Ordering::Relaxed)
    }
}

/// The run's fixed context.
struct Ctx<'a> {
    f: &'a Faults,
    db: PathBuf,
    secret: String,
    tokens: Vec<(String, String)>,
}

impl Ctx<'_> {
    /// Starts `jixiao serve` on 127.0.0.1:0 (under a file-size limit when given).
    fn start(&self, fsize_limit: Option<u64>, log_name: &str) -> Result<Server> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.f.dir.join(log_name))
            .context("无法打开服务日志 (server log)")?;
        let serve_args = ["serve", "--bind", "127.0.0.1:0"];
        let c = match fsize_limit {
            None => {
                let mut c = serve::command(&self.f.jixiao);
                c.arg("--database").arg(&self.db).args(serve_args);
                c
            }
            Some(bytes) => {
                let mut c = serve::command("sh");
                c.arg("-c")
                    .arg(FSIZE_WRAPPER)
                    .arg(bytes.to_string())
                    .arg(&self.f.jixiao)
                    .arg("--database")
                    .arg(&self.db)
                    .args(serve_args);
                c
            }
        };
        let log_path = self.f.dir.join(log_name);
        serve::spawn(c, &self.secret, BUSINESS_TODAY, log, &log_path)
    }

    fn url(&self, server_base: &str, unit: usize, batch: bool) -> String {
        let tail = if batch { "payments/batch" } else { "payments" };
        format!(
            "{server_base}/api/v1/units/{}/years/{YEAR}/{tail}",
            self.tokens[unit].0
        )
    }
}

/// A new request: one payment or a batch, to a random unit, with seeded event ids.
fn new_request(rng: &mut Rng, units: usize) -> Req {
    let unit = rng.below(units as u64) as usize;
    let batch = rng.below(1000) < BATCH_PER_MILLE;
    let n = if batch {
        2 + rng.below(BATCH_ITEMS_MAX - 1)
    } else {
        1
    };
    let mut ids = Vec::new();
    let mut items = Vec::new();
    for _ in 0..n {
        let id = Uuid::from_u64_pair(rng.next_u64(), rng.next_u64());
        let month = 1 + rng.below(12);
        let day = 1 + rng.below(28);
        ids.push(id);
        items.push(json!({
            "event_id": id,
            "paid_on": format!("{YEAR}-{month:02}-{day:02}"),
            "line_id": PAYMENT_LINE,
            "amount_yuan": "1.00",
            "summary": "故障测试 (faults)",
        }));
    }
    let body = if batch {
        json!({ "items": items })
    } else {
        items.pop().unwrap_or(Value::Null)
    };
    Req {
        unit,
        batch,
        body,
        ids,
    }
}

/// Sends `req`; how it ended.
fn send(agent: &ureq::Agent, ctx: &Ctx<'_>, base: &str, req: &Req) -> Answer {
    let url = ctx.url(base, req.unit, req.batch);
    let token = &ctx.tokens[req.unit].1;
    let res = agent
        .post(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(&req.body);
    let mut res = match res {
        Ok(r) => r,
        Err(_) => return Answer::None,
    };
    let status = res.status().as_u16();
    let text = match res.body_mut().read_to_string() {
        Ok(t) => t,
        // The server died while answering: the write may or may not be committed.
        Err(_) => return Answer::None,
    };
    match status {
        200 | 201 => Answer::Ack(status),
        503 => {
            let code = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            if code.starts_with("storage_") {
                Answer::Storage(code)
            } else {
                Answer::Unexpected(status, text)
            }
        }
        _ => Answer::Unexpected(status, text),
    }
}

/// Writers against `base` until `stop`; each either resends an uncertain request or sends a
/// new one.
fn load(ctx: &Ctx<'_>, base: &str, ledger: &Ledger, stop: &AtomicBool, seed: u64, cap: u64) {
    std::thread::scope(|s| {
        for w in 0..ctx.f.writers {
            s.spawn(move || {
                let mut rng = Rng::new(seed ^ ((w as u64 + 1) << 32));
                let agent = client();
                while !stop.load(Ordering::Relaxed) && ledger.requests.load(Ordering::Relaxed) < cap
                {
                    let retry = if rng.below(1000) < RETRY_PER_MILLE {
                        Ledger::lock(&ledger.uncertain).pop()
                    } else {
                        None
                    };
                    let req = retry.unwrap_or_else(|| new_request(&mut rng, ctx.f.units));
                    let answer = send(&agent, ctx, base, &req);
                    ledger.record(req, answer);
                }
            });
        }
    });
}

fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into()
}

/// Polls `done` until it holds or `max` passes.
fn wait_until(max: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + max;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(POLL);
    }
    done()
}

/// Sends every uncertain request again, one at a time; true when each was acknowledged (one
/// that was not goes back to the uncertain list).
fn settle(ctx: &Ctx<'_>, base: &str, ledger: &Ledger) -> bool {
    let agent = agent();
    let pending: Vec<Req> = std::mem::take(&mut *Ledger::lock(&ledger.uncertain));
    let mut all = true;
    for req in pending {
        let answer = send(&agent, ctx, base, &req);
        all &= matches!(answer, Answer::Ack(_));
        ledger.record(req, answer);
    }
    all
}

/// Builds the database: the budgets of `units` units, appended in-process.
fn prepare(f: &Faults) -> Result<Ctx<'_>> {
    ensure!(
        (1..=KILLS_MAX).contains(&f.kills) || (f.kills == 0 && (f.disk_full || f.read_only)),
        "kills 应在 1 到 {KILLS_MAX} 之间 (kills out of range)"
    );
    ensure!(
        (1..=WRITERS_MAX).contains(&f.writers),
        "writers 应在 1 到 {WRITERS_MAX} 之间"
    );
    ensure!(
        (1..=UNITS_MAX).contains(&f.units),
        "units 应在 1 到 {UNITS_MAX} 之间"
    );
    ensure!(f.jixiao.is_file(), "找不到 jixiao: {}", f.jixiao.display());
    let db = f.dir.join("faults.db");
    ensure!(!db.exists(), "数据库已存在 (exists): {}", db.display());
    let codes: Vec<String> = (0..f.units).map(unit_code).collect();
    {
        let store = Store::open(StoreOptions::new(&db)).context("打开事件库失败 (open)")?;
        seed_budgets(&store, &codes, f.seed)?;
    }
    let mut rng = Rng::new(f.seed ^ 0x5EC2E7);
    let secret = format!(
        "{:016x}{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64()
    );
    let config = ApiConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), Secret::new(&secret));
    let keys = JwtKeys::new(&config.jwt);
    let tokens = codes
        .iter()
        .map(|c| {
            let t = keys
                .mint(&format!("faults{c}"), Role::Staff, Some(c.as_str()))
                .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))?;
            Ok((c.clone(), t))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Ctx {
        f,
        db,
        secret,
        tokens,
    })
}

/// Runs the kills, then the storage phases, then the offline checks.
pub fn run(f: &Faults) -> Result<Outcome> {
    let started = Instant::now();
    let ctx = prepare(f)?;
    let ledger = Ledger::default();
    let mut rng = Rng::new(f.seed);
    let mut outcome = Outcome::default();
    let seeded_events = ctx.tokens.len() as u64 * import_events_for("000000")?.len() as u64;

    for cycle in 0..f.kills {
        let server = ctx.start(None, "server.log")?;
        let target = rng.below(KILL_AFTER_MAX + 1);
        let before = ledger.acknowledged_count();
        let stop = AtomicBool::new(false);
        let reached = std::thread::scope(|s| -> Result<bool> {
            let base = server.base.clone();
            let (ledger, stop, ctx) = (&ledger, &stop, &ctx);
            let seed = rng.next_u64();
            s.spawn(move || load(ctx, &base, ledger, stop, seed, u64::MAX));
            let reached = wait_until(CYCLE_MAX, || {
                ledger.acknowledged_count() - before >= target
                    || !Ledger::lock(&ledger.unexpected).is_empty()
            });
            // SIGKILL (std's `Child::kill` on Unix) with requests in flight; the writers then
            // see their connections fail.
            let killed = server.kill();
            stop.store(true, Ordering::Relaxed);
            killed.map(|()| reached)
        })?;
        outcome.kills += 1;
        if let Some(e) = Ledger::lock(&ledger.unexpected).first() {
            bail!("第 {cycle} 轮出现意外应答 (unexpected answer): {e}");
        }
        ensure!(
            reached,
            "第 {cycle} 轮在 {CYCLE_MAX:?} 内没有进展 (no progress in cycle {cycle})"
        );
    }

    // The final restart: everything still uncertain is sent again and must be acknowledged.
    let server = ctx.start(None, "server.log")?;
    ensure!(
        settle(&ctx, &server.base, &ledger),
        "重启后重发的请求未被确认 (a resent request was not acknowledged after the restart)"
    );
    server.kill()?;
    check(&ctx, &ledger, seeded_events, &mut outcome)?;

    if f.disk_full {
        outcome.disk_full = Some(storage_phase(&ctx, &ledger, &mut rng, Fault::DiskFull)?);
        check(&ctx, &ledger, seeded_events, &mut outcome)?;
    }
    if f.read_only {
        outcome.read_only = Some(storage_phase(&ctx, &ledger, &mut rng, Fault::ReadOnly)?);
        check(&ctx, &ledger, seeded_events, &mut outcome)?;
    }
    outcome.requests = ledger.requests.load(Ordering::Relaxed);
    outcome.created = ledger.created.load(Ordering::Relaxed);
    outcome.replayed = ledger.replayed.load(Ordering::Relaxed);
    outcome.unanswered = ledger.unanswered.load(Ordering::Relaxed);
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// Which storage fault a phase injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    DiskFull,
    ReadOnly,
}

/// Makes the database and its WAL immutable (`chattr +i`) until dropped.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(files: Vec<PathBuf>) -> Result<Immutable> {
        let mut guard = Immutable(Vec::new());
        for file in files {
            let status = Command::new("chattr")
                .arg("+i")
                .arg(&file)
                .stderr(Stdio::null())
                .status()
                .context("chattr 不可用 (chattr missing)")?;
            ensure!(
                status.success(),
                "无法设置只读（需要 root 与支持 chattr +i 的文件系统） (chattr +i failed on {})",
                file.display()
            );
            guard.0.push(file);
        }
        Ok(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(file).status();
        }
    }
}

/// Whether `chattr +i` on a file in `dir` refuses a write through a descriptor opened before
/// (root, and a filesystem that enforces the flag on open files: ext4 does, tmpfs does not).
pub fn immutable_supported(dir: &Path) -> bool {
    use std::io::Write as _;
    let probe = dir.join(".chattr-probe");
    let Ok(mut open) = std::fs::File::create(&probe) else {
        return false;
    };
    let refused = match Immutable::set(vec![probe.clone()]) {
        Ok(_guard) => open
            .write_all(b"probe")
            .and_then(|()| open.sync_all())
            .is_err(),
        Err(_) => false,
    };
    let _ = std::fs::remove_file(&probe);
    refused
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// One storage phase: writes until the disk refuses, reads meanwhile, the disk restored
/// without a restart, the refused writes sent again, then a SIGKILL.
fn storage_phase(
    ctx: &Ctx<'_>,
    ledger: &Ledger,
    rng: &mut Rng,
    fault: Fault,
) -> Result<StoragePhase> {
    let mut phase = StoragePhase::default();
    let (server, immutable) = match fault {
        Fault::DiskFull => (
            ctx.start(Some(DISK_FULL_FSIZE_BYTES), "server-disk-full.log")?,
            None,
        ),
        Fault::ReadOnly => {
            let server = ctx.start(None, "server-read-only.log")?;
            // A few writes first, so the WAL exists; then the files turn read-only under it.
            let agent = client();
            for _ in 0..4 {
                let req = new_request(rng, ctx.f.units);
                let answer = send(&agent, ctx, &server.base, &req);
                ensure!(
                    matches!(answer, Answer::Ack(_)),
                    "写入失败 (write before read-only)"
                );
                ledger.record(req, answer);
            }
            let files = vec![ctx.db.clone(), sidecar(&ctx.db, "-wal")];
            (server, Some(Immutable::set(files)?))
        }
    };
    let refused_before = ledger.refused.load(Ordering::Relaxed);
    let acked_before = ledger.acknowledged_count();
    let requests_before = ledger.requests.load(Ordering::Relaxed);
    let stop = AtomicBool::new(false);
    let reads_ok = AtomicU64::new(0);
    let seed = rng.next_u64();
    std::thread::scope(|s| {
        let (base, stop, reads_ok) = (&server.base, &stop, &reads_ok);
        s.spawn(move || {
            load(
                ctx,
                base,
                ledger,
                stop,
                seed,
                requests_before + STORAGE_REQUESTS_MAX,
            )
        });
        s.spawn(move || {
            // A reader of one unit's views while the writes are refused.
            let agent = client();
            let (unit, token) = &ctx.tokens[0];
            let url = format!("{base}/api/v1/units/{unit}/years/{YEAR}/indicators");
            while !stop.load(Ordering::Relaxed) {
                let ok = agent
                    .get(&url)
                    .header("Authorization", &format!("Bearer {token}"))
                    .call()
                    .is_ok_and(|r| r.status().as_u16() == 200);
                if ok {
                    reads_ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        wait_until(CYCLE_MAX, || {
            ledger.refused.load(Ordering::Relaxed) - refused_before >= STORAGE_REFUSALS
                || !Ledger::lock(&ledger.unexpected).is_empty()
                || ledger.requests.load(Ordering::Relaxed) >= requests_before + STORAGE_REQUESTS_MAX
        });
        stop.store(true, Ordering::Relaxed);
    });
    if let Some(e) = Ledger::lock(&ledger.unexpected).first() {
        bail!("{fault:?}: 意外应答 (unexpected answer): {e}");
    }
    phase.refused = ledger.refused.load(Ordering::Relaxed) - refused_before;
    phase.acknowledged_before = ledger.acknowledged_count() - acked_before;
    phase.reads_ok = reads_ok.load(Ordering::Relaxed);
    phase.codes = Ledger::lock(&ledger.refusal_codes)
        .iter()
        .cloned()
        .collect();
    phase.codes.sort();
    ensure!(
        phase.refused >= STORAGE_REFUSALS,
        "{fault:?}: 磁盘未拒绝写入 (the disk never refused: {} refusals in {STORAGE_REQUESTS_MAX} requests)",
        phase.refused
    );
    ensure!(
        phase.reads_ok > 0,
        "{fault:?}: 写入被拒期间读取失败 (reads failed)"
    );

    // The disk comes back, without a restart.
    match fault {
        Fault::DiskFull => {
            let status = Command::new("prlimit")
                .arg("--pid")
                .arg(server.pid().to_string())
                .arg("--fsize=unlimited:unlimited")
                .status()
                .context("prlimit 不可用 (prlimit missing)")?;
            ensure!(
                status.success(),
                "prlimit --pid 失败 (cannot lift the limit)"
            );
        }
        Fault::ReadOnly => drop(immutable),
    }
    let before = ledger.acknowledged_count();
    let recovered = wait_until(CYCLE_MAX, || {
        // The first resends may still meet the fault if the server is mid-retry; keep trying.
        settle(ctx, &server.base, ledger) || !Ledger::lock(&ledger.unexpected).is_empty()
    });
    if let Some(e) = Ledger::lock(&ledger.unexpected).first() {
        bail!("{fault:?}: 恢复时意外应答 (unexpected answer): {e}");
    }
    ensure!(
        recovered,
        "{fault:?}: 恢复后写入仍失败 (writes did not recover)"
    );
    phase.recovered = ledger.acknowledged_count() - before;
    server.kill()?;
    Ok(phase)
}

/// The offline checks on the database file, after a SIGKILL.
fn check(ctx: &Ctx<'_>, ledger: &Ledger, seeded_events: u64, outcome: &mut Outcome) -> Result<()> {
    ensure!(
        Ledger::lock(&ledger.uncertain).is_empty(),
        "仍有未确认的请求 (uncertain requests left)"
    );
    let store = Store::open(StoreOptions::new(&ctx.db)).context("打开事件库失败 (open)")?;
    let head = store.head()?;
    let mut seen: HashMap<Uuid, u32> = HashMap::new();
    let mut next = 1u64;
    let mut payments = 0u64;
    while next <= head.position {
        let page = store.read_all(next, 1000, &ReadFilter::default())?;
        ensure!(
            !page.events.is_empty(),
            "位置 {next} 之后读不到事件 (log ends early)"
        );
        for e in page.events {
            ensure!(
                e.position == next,
                "位置不连续：期望 {next}，读到 {} (gap in positions)",
                e.position
            );
            *seen.entry(e.event_id).or_default() += 1;
            if e.event_type == PAYMENT_EVENT_TYPE {
                payments += 1;
            }
            next += 1;
        }
    }
    let acknowledged = Ledger::lock(&ledger.acknowledged).clone();
    for id in &acknowledged {
        match seen.get(id) {
            Some(1) => {}
            Some(n) => bail!("已确认的事件 {id} 出现 {n} 次 (acknowledged event stored {n} times)"),
            None => bail!("已确认的事件 {id} 丢失 (acknowledged event lost)"),
        }
    }
    ensure!(
        payments == acknowledged.len() as u64,
        "日志中有 {payments} 笔支付，已确认 {} 笔 (the log holds unacknowledged payments)",
        acknowledged.len()
    );
    ensure!(
        head.position == seeded_events + payments,
        "日志有 {} 个事件，应为 {} (unexpected events)",
        head.position,
        seeded_events + payments
    );
    let report = store.verify()?;
    ensure!(
        report.first_broken.is_none(),
        "哈希链在位置 {:?} 断裂 (chain broken)",
        report.first_broken
    );
    ensure!(
        report.events_checked == head.position,
        "校验事件数不符 (verify count)"
    );
    let problems = store.integrity_check()?;
    ensure!(problems.is_empty(), "integrity_check: {problems:?}");
    let caught_up = read_models(&ctx.db)?;
    store.rebuild_read_models(|_, _| {})?;
    let rebuilt = read_models(&ctx.db)?;
    ensure!(
        caught_up == rebuilt,
        "读模型与重建结果不同 (read models differ from a rebuild)"
    );
    drop(store);
    outcome.acknowledged_events = acknowledged.len() as u64;
    outcome.log_events = head.position;
    Ok(())
}

/// Every read-model row (the checkpoint table aside), sorted, as text.
fn read_models(db: &Path) -> Result<Vec<String>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\' AND name <> 'rm_checkpoint' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ensure!(!tables.is_empty(), "没有读模型表 (no read-model tables)");
    let mut rows = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
        let columns = stmt.column_count();
        let mut q = stmt.query([])?;
        let mut these = Vec::new();
        while let Some(r) = q.next()? {
            let values: Vec<String> = (0..columns)
                .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                .collect::<Result<_, _>>()?;
            these.push(format!("{table}: {}", values.join(" | ")));
        }
        these.sort();
        rows.extend(these);
    }
    Ok(rows)
}
