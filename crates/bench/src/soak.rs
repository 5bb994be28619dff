//! Soak (issue 15, point 6): the real `jixiao serve` binary, spawned on 127.0.0.1 over a
//! database of its own, driven for a bounded time (or a bounded number of requests) by client
//! threads mixing the reads and writes of a real day across many units — payments,
//! activities, their corrections, surveys; the execution, indicators and evaluation views,
//! the 自评表 as XLSX, the bureau's `GET /api/v1/units`, and the web pages of a unit and of
//! the bureau with a cookie session — while the server's resident memory is sampled from
//! `/proc/<pid>/status` every few seconds. Reports throughput, p50/p99/p99.9 per kind, the
//! errors (any answer but the expected status, any ERROR line in the server's log) and the
//! RSS over time with a verdict: flat once warm, or grown.
//!
//! Setup takes the short way, as the other HTTP workloads do: the units' budgets are appended
//! in-process before the server starts, and tokens are minted with the server's signing key.
//! Every measured request goes through HTTP to the separate server process, which is stopped
//! (SIGKILL; nothing is checked on the file afterwards) at the end.

use crate::generate::Rng;
use crate::http::{PAYMENT_LINE, YEAR, client_event_id, seed_budgets, unit_code};
use crate::serve::{self, Served as Server};
use crate::stats::{Latencies, ms, rate_per_s};
use anyhow::{Context, Result, anyhow, ensure};
use jixiao_api::auth::JwtKeys;
use jixiao_api::{ApiConfig, Secret};
use jixiao_store::users::Role;
use jixiao_store::{Store, StoreOptions};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Most client threads.
pub const CLIENTS_MAX: usize = 256;
/// Most units (each gets a budget and a staff token).
pub const UNITS_MAX: usize = 20_000;
/// Longest soak.
pub const MINUTES_MAX: u64 = 24 * 60;
/// Most requests a count-bounded soak sends.
pub const REQUESTS_MAX: u64 = 100_000_000;
/// Shortest and longest interval between two RSS samples.
pub const SAMPLE_EVERY_RANGE: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(600));
/// The share of the run after which the server counts as warm (every unit-year touched, the
/// caches filled): RSS is judged from the sample at this point on.
pub const WARM_SHARE_PERCENT: u64 = 30;
/// RSS counts as flat once warm when no later sample exceeds the warm sample by more than
/// this share of it …
pub const FLAT_GROWTH_PERCENT: u64 = 10;
/// … or by more than this many MiB, whichever is larger (allocator noise on a small server).
pub const FLAT_GROWTH_MIN_MIB: u64 = 16;
/// Activities each client remembers to correct later (oldest forgotten first).
const ACTIVITIES_REMEMBERED: usize = 64;
/// Error messages kept for the report (the count is exact).
const ERRORS_KEPT: usize = 20;
/// Per-request timeout: a stuck server fails the soak instead of hanging it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a client thread sleeps on nothing: never; the RSS sampler checks for the end this
/// often.
const SAMPLER_TICK: Duration = Duration::from_millis(50);
/// The business "today" the server is told: after the year, inside year-end work, so that
/// payments and activities (2024) and surveys (early 2025) are all in their windows.
const BUSINESS_TODAY: &str = "2025-03-31";
/// The project of the fixture every activity is held under.
const PROJECT: &str = "410800240000000053204";
/// Units per page of the bureau's `GET /api/v1/units`.
const UNITS_PAGE: usize = 50;

/// One kind of request of the day's mix, with its weight (per mille of the requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST …/payments`.
    Payment,
    /// `POST …/activities`.
    Activity,
    /// `POST …/activities/{id}/correction` of an activity recorded earlier.
    Correction,
    /// `POST …/surveys`.
    Survey,
    /// `GET …/execution`.
    Execution,
    /// `GET …/indicators`.
    Indicators,
    /// `GET …/evaluation`.
    Evaluation,
    /// `GET …/forms/selfeval?format=xlsx`.
    FormXlsx,
    /// `GET /api/v1/units?year=…&limit=…` as the finance bureau.
    UnitsList,
    /// `GET /units/{unit}/{year}` (web page, cookie session of the unit's staff).
    WebUnit,
    /// `GET /bureau/{year}` (web page, cookie session of the bureau).
    WebBureau,
}

/// The day's mix: per mille of the requests (sums to 1,000).
pub const MIX: [(Kind, u64); 11] = [
    (Kind::Payment, 300),
    (Kind::Activity, 70),
    (Kind::Correction, 30),
    (Kind::Survey, 30),
    (Kind::Execution, 150),
    (Kind::Indicators, 110),
    (Kind::Evaluation, 80),
    (Kind::FormXlsx, 30),
    (Kind::UnitsList, 50),
    (Kind::WebUnit, 100),
    (Kind::WebBureau, 50),
];

impl Kind {
    /// How the report names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Payment => "POST payments",
            Kind::Activity => "POST activities",
            Kind::Correction => "POST activities/{id}/correction",
            Kind::Survey => "POST surveys",
            Kind::Execution => "GET execution",
            Kind::Indicators => "GET indicators",
            Kind::Evaluation => "GET evaluation",
            Kind::FormXlsx => "GET forms/selfeval (XLSX)",
            Kind::UnitsList => "GET /api/v1/units (bureau)",
            Kind::WebUnit => "GET /units/{unit}/{year} (page)",
            Kind::WebBureau => "GET /bureau/{year} (page)",
        }
    }

    /// Whether it appends to the log.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Kind::Payment | Kind::Activity | Kind::Correction | Kind::Survey
        )
    }

    fn index(self) -> usize {
        MIX.iter().position(|(k, _)| *k == self).unwrap_or(0)
    }

    /// The kind a draw in 0..1000 falls on.
    fn pick(draw: u64) -> Kind {
        let mut acc = 0;
        for (kind, weight) in MIX {
            acc += weight;
            if draw < acc {
                return kind;
            }
        }
        Kind::Payment
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Soak {
    /// The `jixiao` binary.
    pub jixiao: PathBuf,
    /// Directory of the database and the server's log.
    pub dir: PathBuf,
    /// Stop after this long …
    pub duration: Option<Duration>,
    /// … or after this many requests (whichever comes first; at least one is set).
    pub requests: Option<u64>,
    /// Units with a budget.
    pub units: usize,
    /// Client threads (each owns the units `c, c + clients, …`).
    pub clients: usize,
    /// Interval between RSS samples.
    pub sample_every: Duration,
    /// Seed of the mix.
    pub seed: u64,
    /// Print the RSS samples as they are taken.
    pub verbose: bool,
    /// Only the reads of the mix (in their proportions): nothing is added to the log, so any
    /// growth of the server's memory once warm is not data.
    pub reads_only: bool,
    /// The server's cache budget in events (`JIXIAO_CACHED_EVENTS`; `None`: its default).
    pub cached_events: Option<u64>,
}

/// One RSS sample of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RssSample {
    /// Since the soak started.
    pub at: Duration,
    /// Resident set size, KiB.
    pub rss_kib: u64,
    /// Requests answered until then.
    pub requests: u64,
    /// Size of the database file and its WAL then, bytes (what SQLite's page caches draw on).
    pub db_bytes: u64,
}

/// Latencies and counts of one kind.
#[derive(Debug, Clone, Default)]
pub struct KindResult {
    /// Requests answered as expected.
    pub ok: u64,
    /// Their latencies.
    pub latency: Latencies,
}

/// What a soak saw.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Per kind, in the order of [`MIX`].
    pub kinds: Vec<(Kind, KindResult)>,
    /// Requests sent.
    pub requests: u64,
    /// Unexpected answers or failed requests (must be 0).
    pub errors: u64,
    /// The first of them.
    pub error_samples: Vec<String>,
    /// ERROR lines in the server's log (must be 0).
    pub server_error_lines: u64,
    /// RSS over time.
    pub rss: Vec<RssSample>,
    /// The server's peak RSS (`VmHWM`), KiB, read at the end.
    pub rss_peak_kib: Option<u64>,
    /// Wall time of the load.
    pub elapsed: Duration,
    /// Events in the log at the start (the units' budgets and targets).
    pub seeded_units: usize,
}

/// The RSS verdict: the warm sample, the largest after it and whether that stayed within
/// [`FLAT_GROWTH_PERCENT`] / [`FLAT_GROWTH_MIN_MIB`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RssVerdict {
    /// The sample at [`WARM_SHARE_PERCENT`] of the run.
    pub warm: RssSample,
    /// The largest sample after it.
    pub max_after: RssSample,
    /// The last sample.
    pub last: RssSample,
    /// Whether RSS stayed flat once warm.
    pub flat: bool,
}

/// The verdict over `samples` (None with fewer than two).
pub fn rss_verdict(samples: &[RssSample]) -> Option<RssVerdict> {
    if samples.len() < 2 {
        return None;
    }
    let end = samples.last()?.at;
    let warm_at = end.mul_f64(WARM_SHARE_PERCENT as f64 / 100.0);
    let warm_index = samples
        .iter()
        .position(|s| s.at >= warm_at)
        .unwrap_or(samples.len() - 1);
    let warm = samples[warm_index];
    let max_after = *samples[warm_index..].iter().max_by_key(|s| s.rss_kib)?;
    let allowed_kib = (warm.rss_kib * FLAT_GROWTH_PERCENT / 100).max(FLAT_GROWTH_MIN_MIB * 1024);
    Some(RssVerdict {
        warm,
        max_after,
        last: *samples.last()?,
        flat: max_after.rss_kib <= warm.rss_kib + allowed_kib,
    })
}

fn mib(kib: u64) -> String {
    format!("{}.{}", kib / 1024, (kib % 1024) * 10 / 1024)
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

impl Outcome {
    /// Per-kind latencies, errors, RSS over time and the verdict, as Markdown.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let secs = self.elapsed.as_secs_f64();
        s.push_str(&format!(
            "{} requests in {:.1} s = {:.1} requests/s over {} units; errors: {}; ERROR lines in the server's log: {}\n\n",
            self.requests,
            secs,
            rate_per_s(self.requests, self.elapsed),
            self.seeded_units,
            self.errors,
            self.server_error_lines
        ));
        s.push_str("| kind | requests | per s | p50 ms | p99 ms | p99.9 ms | max ms |\n");
        s.push_str("|---|---|---|---|---|---|---|\n");
        for (kind, r) in &self.kinds {
            let Some(sum) = r.latency.summary() else {
                continue;
            };
            let p999 = r.latency.percentile_per_mille(999).unwrap_or(0);
            s.push_str(&format!(
                "| {} | {} | {:.1} | {} | {} | {} | {} |\n",
                kind.label(),
                r.ok,
                rate_per_s(r.ok, self.elapsed),
                ms(sum.p50_us),
                ms(sum.p99_us),
                ms(p999),
                ms(sum.max_us)
            ));
        }
        for e in &self.error_samples {
            s.push_str(&format!("\nerror: {e}"));
        }
        s.push_str(
            "\n\n| time | server RSS MiB | requests answered | database + WAL MiB |\n|---|---|---|---|\n",
        );
        for r in &self.rss {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                clock(r.at),
                mib(r.rss_kib),
                r.requests,
                mib(r.db_bytes / 1024)
            ));
        }
        if let Some(peak) = self.rss_peak_kib {
            s.push_str(&format!("\npeak RSS (VmHWM): {} MiB\n", mib(peak)));
        }
        match rss_verdict(&self.rss) {
            Some(v) => s.push_str(&format!(
                "\nRSS {}: {} MiB when warm (at {}), at most {} MiB after (at {}), {} MiB at the end (flat = within {}% or {} MiB of the warm sample)\n",
                if v.flat { "flat once warm" } else { "GREW after warm-up" },
                mib(v.warm.rss_kib),
                clock(v.warm.at),
                mib(v.max_after.rss_kib),
                clock(v.max_after.at),
                mib(v.last.rss_kib),
                FLAT_GROWTH_PERCENT,
                FLAT_GROWTH_MIN_MIB
            )),
            None => s.push_str("\nRSS: too few samples for a verdict\n"),
        }
        s
    }
}

/// The resident set (`VmRSS`) or its peak (`VmHWM`) of process `pid`, in KiB.
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Bytes of the database file and its WAL.
fn db_bytes(db: &std::path::Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).ok().map(|m| m.len())
        })
        .sum()
}

fn start_server(s: &Soak, db: &std::path::Path, secret: &str) -> Result<Server> {
    let log_path = s.dir.join("server.log");
    let log = std::fs::File::create(&log_path).context("无法创建服务日志")?;
    let mut c = serve::command(&s.jixiao);
    c.arg("--database")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"]);
    if let Some(events) = s.cached_events {
        c.env("JIXIAO_CACHED_EVENTS", events.to_string());
    }
    serve::spawn(c, secret, BUSINESS_TODAY, log, &log_path)
}

/// What every client shares.
struct Shared<'a> {
    base: &'a str,
    finance: &'a str,
    sent: AtomicU64,
    answered: AtomicU64,
    errors: AtomicU64,
    error_samples: Mutex<Vec<String>>,
    stop: AtomicBool,
    deadline: Option<Instant>,
    limit: u64,
}

impl Shared<'_> {
    /// Claims the next request, or None when the soak is over.
    fn next(&self) -> Option<u64> {
        if self.stop.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        (n < self.limit).then_some(n)
    }

    fn error(&self, message: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut kept = self
            .error_samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() < ERRORS_KEPT {
            kept.push(message);
        }
    }
}

/// A request's method, path, credentials and expected status.
struct Planned {
    kind: Kind,
    post: Option<Value>,
    path: String,
    cookie: bool,
    token_is_finance: bool,
    expect: u16,
    /// An activity to remember once recorded: (unit index, id).
    remember: Option<(usize, uuid::Uuid)>,
}

fn date_2024(rng: &mut Rng) -> String {
    format!("{YEAR}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))
}

/// Plans the `kind` request for unit `u` (index into the client's units).
fn plan(kind: Kind, unit: &str, u: usize, rng: &mut Rng, correct: uuid::Uuid) -> Planned {
    let year_path = |tail: &str| format!("/api/v1/units/{unit}/years/{YEAR}/{tail}");
    let mut p = Planned {
        kind,
        post: None,
        path: String::new(),
        cookie: false,
        token_is_finance: false,
        expect: 200,
        remember: None,
    };
    match kind {
        Kind::Payment => {
            p.path = year_path("payments");
            p.expect = 201;
            p.post = Some(json!({
                "event_id": client_event_id(),
                "paid_on": date_2024(rng),
                "line_id": PAYMENT_LINE,
                "amount_yuan": format!("{}.{:02}", 1 + rng.below(500), rng.below(100)),
                "summary": "浸泡测试 (soak)",
            }));
        }
        Kind::Activity => {
            let id = client_event_id();
            p.path = year_path("activities");
            p.expect = 201;
            let invited = 10 + rng.below(90);
            p.post = Some(json!({
                "event_id": id,
                "project_code": PROJECT,
                "held_on": date_2024(rng),
                "title": "技术交流会（浸泡测试）",
                "invited": invited,
                "participants": invited - rng.below(10),
            }));
            p.remember = Some((u, id));
        }
        Kind::Correction => {
            p.path = year_path(&format!("activities/{correct}/correction"));
            p.expect = 201;
            let invited = 10 + rng.below(90);
            p.post = Some(json!({
                "event_id": client_event_id(),
                "held_on": date_2024(rng),
                "title": "技术交流会（更正）",
                "invited": invited,
                "participants": invited - rng.below(10),
                "reason": "人数登记有误",
            }));
        }
        Kind::Survey => {
            p.path = year_path("surveys");
            p.expect = 201;
            let respondents = 20 + rng.below(80);
            p.post = Some(json!({
                "event_id": client_event_id(),
                "surveyed_on": format!("{}-{:02}-{:02}", YEAR + 1, 1 + rng.below(3), 1 + rng.below(28)),
                "respondent_group": "服务对象",
                "respondents": respondents,
                "satisfied": respondents - rng.below(respondents / 4 + 1),
            }));
        }
        Kind::Execution => p.path = year_path("execution"),
        Kind::Indicators => p.path = year_path("indicators"),
        Kind::Evaluation => p.path = year_path("evaluation"),
        Kind::FormXlsx => p.path = year_path("forms/selfeval?format=xlsx"),
        Kind::UnitsList => {
            p.token_is_finance = true;
            p.path = format!("/api/v1/units?year={YEAR}&limit={UNITS_PAGE}");
        }
        Kind::WebUnit => {
            p.cookie = true;
            p.path = format!("/units/{unit}/{YEAR}");
        }
        Kind::WebBureau => {
            p.cookie = true;
            p.token_is_finance = true;
            p.path = format!("/bureau/{YEAR}");
        }
    }
    p
}

/// One client's run until the soak is over: its own units, a seeded mix.
fn client_run(
    shared: &Shared<'_>,
    units: &[(&str, &str)],
    seed: u64,
    reads_only: bool,
) -> Result<Vec<KindResult>> {
    ensure!(!units.is_empty(), "客户端没有单位 (client without units)");
    // Redirects are not followed: a page that sends the session to /signin is an error here.
    let a: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into();
    let mut rng = Rng::new(seed);
    let mut results = vec![KindResult::default(); MIX.len()];
    let mut activities: VecDeque<(usize, uuid::Uuid)> = VecDeque::new();
    while shared.next().is_some() {
        let mut kind = Kind::pick(rng.below(1000));
        while reads_only && kind.writes() {
            kind = Kind::pick(rng.below(1000));
        }
        if kind == Kind::Correction && activities.is_empty() {
            kind = Kind::Activity;
        }
        // A correction takes the client's oldest remembered activity (in its own unit) and
        // puts it back last, so each is corrected again later.
        let (u, correct) = match (kind, activities.pop_front()) {
            (Kind::Correction, Some((u, id))) => {
                activities.push_back((u, id));
                (u, id)
            }
            (_, front) => {
                if let Some(f) = front {
                    activities.push_front(f);
                }
                (rng.below(units.len() as u64) as usize, uuid::Uuid::nil())
            }
        };
        let (unit, staff) = units[u];
        let p = plan(kind, unit, u, &mut rng, correct);
        let token = if p.token_is_finance {
            shared.finance
        } else {
            staff
        };
        let url = format!("{}{}", shared.base, p.path);
        let t = Instant::now();
        let answer = match &p.post {
            Some(body) => a
                .post(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(body),
            None if p.cookie => a
                .get(&url)
                .header("Cookie", &format!("jixiao_session={token}"))
                .call(),
            None => a
                .get(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        };
        let outcome = answer
            .context("HTTP 请求失败 (request)")
            .and_then(|mut res| {
                let status = res.status().as_u16();
                let mut body = Vec::new();
                res.body_mut()
                    .as_reader()
                    .read_to_end(&mut body)
                    .context("读取应答失败 (response body)")?;
                Ok((status, body))
            });
        let elapsed = t.elapsed();
        shared.answered.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok((status, _)) if status == p.expect => {
                let r = &mut results[p.kind.index()];
                r.ok += 1;
                r.latency.record(elapsed);
                if let Some(remember) = p.remember {
                    if activities.len() >= ACTIVITIES_REMEMBERED {
                        activities.pop_front();
                    }
                    activities.push_back(remember);
                }
            }
            Ok((status, body)) => shared.error(format!(
                "{} {} → {status}: {}",
                p.kind.label(),
                p.path,
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )),
            Err(e) => shared.error(format!("{} {} → {e:#}", p.kind.label(), p.path)),
        }
    }
    Ok(results)
}

/// Runs the soak.
pub fn run(s: &Soak) -> Result<Outcome> {
    ensure!(
        s.duration.is_some() || s.requests.is_some(),
        "需要 --minutes 或 --requests (a bound is needed)"
    );
    if let Some(d) = s.duration {
        ensure!(
            d <= Duration::from_secs(MINUTES_MAX * 60) && !d.is_zero(),
            "时长应在 0 到 {MINUTES_MAX} 分钟之间 (duration out of range)"
        );
    }
    ensure!(
        s.requests.is_none_or(|r| (1..=REQUESTS_MAX).contains(&r)),
        "请求数应在 1 到 {REQUESTS_MAX} 之间 (requests out of range)"
    );
    ensure!(
        (1..=CLIENTS_MAX).contains(&s.clients),
        "客户端数应在 1 到 {CLIENTS_MAX} 之间 (clients out of range)"
    );
    ensure!(
        (1..=UNITS_MAX).contains(&s.units),
        "单位数应在 1 到 {UNITS_MAX} 之间 (units out of range)"
    );
    ensure!(
        (SAMPLE_EVERY_RANGE.0..=SAMPLE_EVERY_RANGE.1).contains(&s.sample_every),
        "采样间隔超出范围 (sample interval out of range)"
    );
    ensure!(s.jixiao.is_file(), "找不到 jixiao: {}", s.jixiao.display());
    let units = s.units.max(s.clients);
    let db = s.dir.join("soak.db");
    ensure!(!db.exists(), "数据库已存在 (exists): {}", db.display());
    let codes: Vec<String> = (0..units).map(unit_code).collect();
    let t = Instant::now();
    {
        let store = Store::open(StoreOptions::new(&db)).context("打开事件库失败 (open)")?;
        seed_budgets(&store, &codes, s.seed)?;
    }
    println!(
        "  setup: budgets of {units} units appended in-process in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut rng = Rng::new(s.seed ^ 0x50A4);
    let secret = format!(
        "{:016x}{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64()
    );
    let config = ApiConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), Secret::new(&secret));
    let keys = JwtKeys::new(&config.jwt);
    let mint = |name: &str, role: Role, unit: Option<&str>| {
        keys.mint(name, role, unit)
            .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))
    };
    let tokens = codes
        .iter()
        .map(|c| Ok((c.clone(), mint(&format!("soak{c}"), Role::Staff, Some(c))?)))
        .collect::<Result<Vec<_>>>()?;
    let finance = mint("soak-finance", Role::Finance, None)?;

    let server = start_server(s, &db, &secret)?;
    let pid = server.child.id();
    let base = server.base.clone();
    let shared = Shared {
        base: &base,
        finance: &finance,
        sent: AtomicU64::new(0),
        answered: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        error_samples: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        deadline: s.duration.map(|d| Instant::now() + d),
        limit: s.requests.unwrap_or(u64::MAX),
    };
    let start = Instant::now();
    let (results, rss) = std::thread::scope(|scope| {
        let shared = &shared;
        let db = db.as_path();
        let sampler = scope.spawn(move || {
            let mut samples = Vec::new();
            let mut next = Instant::now();
            loop {
                if Instant::now() >= next {
                    if let Some(kib) = proc_status_kib(pid, "VmRSS:") {
                        let sample = RssSample {
                            at: start.elapsed(),
                            rss_kib: kib,
                            requests: shared.answered.load(Ordering::Relaxed),
                            db_bytes: db_bytes(db),
                        };
                        if s.verbose {
                            println!(
                                "  {} RSS {} MiB, {} requests, database + WAL {} MiB",
                                clock(sample.at),
                                mib(kib),
                                sample.requests,
                                mib(sample.db_bytes / 1024)
                            );
                        }
                        samples.push(sample);
                    }
                    next += s.sample_every;
                }
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(SAMPLER_TICK);
            }
            // The last sample, at the end of the load.
            if let Some(kib) = proc_status_kib(pid, "VmRSS:") {
                samples.push(RssSample {
                    at: start.elapsed(),
                    rss_kib: kib,
                    requests: shared.answered.load(Ordering::Relaxed),
                    db_bytes: db_bytes(db),
                });
            }
            samples
        });
        let clients: Vec<_> = (0..s.clients)
            .map(|c| {
                let own: Vec<(&str, &str)> = tokens
                    .iter()
                    .skip(c)
                    .step_by(s.clients)
                    .map(|(u, t)| (u.as_str(), t.as_str()))
                    .collect();
                let seed = s.seed ^ ((c as u64 + 1) << 32);
                let reads_only = s.reads_only;
                scope.spawn(move || client_run(shared, &own, seed, reads_only))
            })
            .collect();
        let results: Vec<Result<Vec<KindResult>>> = clients
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("客户端线程崩溃 (client panicked)")))
            })
            .collect();
        shared.stop.store(true, Ordering::Relaxed);
        let rss = sampler.join().unwrap_or_default();
        (results, rss)
    });
    let elapsed = start.elapsed();
    let rss_peak_kib = proc_status_kib(pid, "VmHWM:");
    drop(server);

    let mut kinds: Vec<(Kind, KindResult)> = MIX
        .iter()
        .map(|(k, _)| (*k, KindResult::default()))
        .collect();
    for r in results {
        for (i, k) in r?.into_iter().enumerate() {
            kinds[i].1.ok += k.ok;
            kinds[i].1.latency.merge(k.latency);
        }
    }
    let log = std::fs::read_to_string(s.dir.join("server.log")).unwrap_or_default();
    let server_error_lines = log.lines().filter(|l| l.contains("ERROR")).count() as u64;
    Ok(Outcome {
        kinds,
        requests: shared.answered.load(Ordering::Relaxed),
        errors: shared.errors.load(Ordering::Relaxed),
        error_samples: shared
            .error_samples
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
        server_error_lines,
        rss,
        rss_peak_kib,
        elapsed,
        seeded_units: units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(secs: u64, mib: u64) -> RssSample {
        RssSample {
            at: Duration::from_secs(secs),
            rss_kib: mib * 1024,
            requests: secs,
            db_bytes: 0,
        }
    }

    #[test]
    fn the_mix_adds_up_to_a_thousand_per_mille_and_every_draw_picks_its_kind() {
        assert_eq!(MIX.iter().map(|(_, w)| w).sum::<u64>(), 1000);
        assert_eq!(Kind::pick(0), Kind::Payment);
        assert_eq!(Kind::pick(299), Kind::Payment);
        assert_eq!(Kind::pick(300), Kind::Activity);
        assert_eq!(Kind::pick(999), Kind::WebBureau);
        let mut seen = std::collections::HashSet::new();
        for d in 0..1000 {
            seen.insert(Kind::pick(d).index());
        }
        assert_eq!(seen.len(), MIX.len());
    }

    #[test]
    fn rss_that_levels_off_after_warm_up_is_flat_and_rss_that_keeps_climbing_is_not() {
        let levelling: Vec<_> = [100, 180, 240, 250, 252, 255, 251, 256, 254, 255]
            .iter()
            .enumerate()
            .map(|(i, m)| sample(i as u64 * 60, *m))
            .collect();
        let v = rss_verdict(&levelling).unwrap();
        assert!(v.flat, "{v:?}");
        assert_eq!(v.warm.rss_kib, 250 * 1024);

        let climbing: Vec<_> = (0..10).map(|i| sample(i * 60, 100 + i * 20)).collect();
        let v = rss_verdict(&climbing).unwrap();
        assert!(!v.flat, "{v:?}");
        assert_eq!(v.max_after.rss_kib, 280 * 1024);
        assert!(rss_verdict(&climbing[..1]).is_none());
    }
}
