//! Two jixiao servers against one (issue 16, point 5): HTTP W2 — many concurrent clients, one
//! payment per POST, over many units — against one real `jixiao serve` process on a
//! PostgreSQL database, then against two processes sharing one database with the clients split
//! between them, in the same run; each phase on a fresh database seeded alike. The target is
//! that two servers take more writes per second than one.
//!
//! Setup as in [`crate::http`]: budgets appended in-process before the servers start, tokens
//! minted with the servers' shared signing key, every unit-year loaded by the server that
//! writes it (one untimed `GET …/execution` per unit). Client `c` posts to server `c mod n`
//! and to units `c, c + clients, …`, so no two servers write one unit-year (no version
//! conflicts skew the result). Loopback only; the servers are SIGKILLed at the end of each
//! phase (they hold nothing the database does not).

use crate::generate::Rng;
use crate::http::{seed_budgets, unit_code, unit_path, writer_run_units};
use crate::serve::{self, Served};
use crate::stats::{Latencies, ms};
use crate::workloads::{Bench, Measured, Report, Verdict, print_header};
use anyhow::{Context, Result, anyhow, ensure};
use jixiao_api::auth::JwtKeys;
use jixiao_api::{ApiConfig, Secret};
use jixiao_store::Store;
use jixiao_store::users::Role;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Most servers of one phase.
pub const SERVERS_MAX: usize = 8;
/// The business "today" the servers are told (payments of 2024 are in their window).
const BUSINESS_TODAY: &str = "2025-03-31";

/// The shape of the comparison.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The `jixiao` binary.
    pub jixiao: PathBuf,
    /// Concurrent writer clients (split between the servers).
    pub clients: usize,
    /// Payments each client posts.
    pub per_client: u64,
    /// Units with a budget.
    pub units: usize,
    /// Server counts to compare, in order (e.g. `[1, 2]`).
    pub counts: Vec<usize>,
    /// CPU each server may use, in cores (a cgroup v1 `cpu` quota per server process), as when
    /// each runs on its own machine; `None`: the servers share this machine's cores with
    /// PostgreSQL and the clients.
    pub server_cpu: Option<f64>,
}

/// Where the cgroup v1 `cpu` controller is mounted (Linux; writing it needs root).
const CPU_CGROUPS: &str = "/sys/fs/cgroup/cpu";
/// The quota's period: short, so a server over its quota waits at most a few milliseconds.
const CPU_PERIOD_US: u64 = 10_000;

/// A cgroup limiting one server process to a share of the CPU; removed when dropped (after
/// the process it held is gone).
struct CpuLimit {
    dir: PathBuf,
}

impl CpuLimit {
    /// Puts process `pid` (all its threads, and those it starts later) under a quota of
    /// `cores` cores.
    fn new(pid: u32, cores: f64, name: &str) -> Result<Self> {
        let dir = Path::new(CPU_CGROUPS).join(name);
        std::fs::create_dir(&dir).with_context(|| {
            format!(
                "无法创建 cgroup {} (the cgroup v1 cpu controller and root are needed for --server-cpu)",
                dir.display()
            )
        })?;
        let limit = CpuLimit { dir };
        let quota = (cores * CPU_PERIOD_US as f64).round() as u64;
        std::fs::write(
            limit.dir.join("cpu.cfs_period_us"),
            CPU_PERIOD_US.to_string(),
        )?;
        std::fs::write(
            limit.dir.join("cpu.cfs_quota_us"),
            quota.max(1_000).to_string(),
        )?;
        std::fs::write(limit.dir.join("cgroup.procs"), pid.to_string())?;
        Ok(limit)
    }
}

impl Drop for CpuLimit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// CPU seconds (user + system) a process has used so far (Linux `/proc/<pid>/stat`).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU seconds of every `postgres` process on this machine (the server and its backends; other
/// users' sessions included, so an upper bound of this run's share).
fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim_end() == "postgres")
        })
        .filter_map(cpu_seconds)
        .sum()
}

fn start(jixiao: &Path, url: &str, secret: &str, log: &Path, cpu: Option<f64>) -> Result<Process> {
    let log_file = std::fs::File::create(log).context("无法创建服务日志")?;
    let mut c = serve::command(jixiao);
    c.args(["serve", "--bind", "127.0.0.1:0"])
        .env("JIXIAO_DATABASE_URL", url);
    let served = serve::spawn(c, secret, BUSINESS_TODAY, log_file, log)?;
    let address = served.address()?;
    let limit = match cpu {
        Some(cores) => Some(CpuLimit::new(
            served.pid(),
            cores,
            &format!("jixiao-bench-{}-{}", std::process::id(), served.pid()),
        )?),
        None => None,
    };
    Ok(Process {
        served,
        address,
        _limit: limit,
    })
}

/// A server's writer counters from its `/metrics`: (group commits, append requests).
fn writer_counters(agent: &ureq::Agent, address: SocketAddr, token: &str) -> Option<(u64, u64)> {
    let mut res = agent
        .get(format!("http://{address}/metrics"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .ok()?;
    let text = res.body_mut().read_to_string().ok()?;
    let value = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
    };
    Some((
        value("store_group_commits_total")?,
        value("store_append_requests_total")?,
    ))
}

/// A server of the phase and the address it listens on.
struct Process {
    served: Served,
    address: SocketAddr,
    /// Its CPU quota, if any (dropped after the process).
    _limit: Option<CpuLimit>,
}

/// One phase: `n` servers on a fresh database; the clients' line (events = payments).
fn phase(b: &Bench, s: &Servers, n: usize, dir: &Path) -> Result<Measured> {
    let units = s.units.max(s.clients);
    let db = b.db(dir.join(format!("servers-{n}.db")))?;
    let pg = db
        .postgres()
        .ok_or_else(|| anyhow!("servers 需要 --database-url postgres://… (PostgreSQL only)"))?;
    let codes: Vec<String> = (0..units).map(unit_code).collect();
    let t = Instant::now();
    {
        let store = Store::open(db.store_options(b.sync)).context("打开事件库失败 (open)")?;
        seed_budgets(&store, &codes, b.seed)?;
    }
    let mut rng = Rng::new(b.seed ^ 0x5E4E_u64 ^ n as u64);
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
            keys.mint(&format!("bench{c}"), Role::Staff, Some(c))
                .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let finance = keys
        .mint("bench-finance", Role::Finance, None)
        .map_err(|e| anyhow!("签发令牌失败 (mint): {e}"))?;
    let processes = (0..n)
        .map(|i| {
            start(
                &s.jixiao,
                pg.url(),
                &secret,
                &dir.join(format!("server-{n}-{i}.log")),
                s.server_cpu,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    // Unit u is written by client u mod clients, which posts to server (u mod clients) mod n.
    let server_of_unit = |u: usize| processes[(u % s.clients) % n].address;
    // Warm-up (not timed): each unit-year loaded by the server that will write it.
    let urls: Vec<String> = (0..units)
        .map(|u| {
            format!(
                "http://{}{}",
                server_of_unit(u),
                unit_path(&codes[u], "execution")
            )
        })
        .collect();
    crate::http::warm_urls(&urls, &finance)?;
    println!(
        "  {n} server(s): {units} units seeded and warmed in {:.1} s (not timed)",
        t.elapsed().as_secs_f64()
    );
    let cpu_before: Vec<Option<f64>> = processes
        .iter()
        .map(|p| cpu_seconds(p.served.pid()))
        .collect();
    let agent = crate::http::agent();
    let counters = |p: &Process| writer_counters(&agent, p.address, &finance);
    let groups_before: Vec<Option<(u64, u64)>> = processes.iter().map(counters).collect();
    let pg_before = postgres_cpu_seconds();
    let bench_before = cpu_seconds(std::process::id());
    let start_t = Instant::now();
    let results: Vec<Result<Latencies>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..s.clients)
            .map(|c| {
                let own: Vec<(&str, &str)> = (c..units)
                    .step_by(s.clients)
                    .map(|u| (codes[u].as_str(), tokens[u].as_str()))
                    .collect();
                let address = processes[c % n].address;
                let per_client = s.per_client;
                sc.spawn(move || writer_run_units(address, &own, per_client))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("客户端线程崩溃 (client panicked)")))
            })
            .collect()
    });
    let elapsed = start_t.elapsed();
    let share = |seconds: f64| format!("{:.0}%", seconds / elapsed.as_secs_f64() * 100.0);
    let cpu: Vec<String> = processes
        .iter()
        .zip(&cpu_before)
        .map(|(p, before)| match (cpu_seconds(p.served.pid()), before) {
            (Some(after), Some(before)) => share(after - before),
            _ => "?".into(),
        })
        .collect();
    let pg_cpu = share(postgres_cpu_seconds() - pg_before);
    let bench_cpu = match (cpu_seconds(std::process::id()), bench_before) {
        (Some(after), Some(before)) => share(after - before),
        _ => "?".into(),
    };
    let groups: Vec<String> = processes
        .iter()
        .zip(&groups_before)
        .map(|(p, before)| match (counters(p), before) {
            (Some((g, r)), Some((g0, r0))) => format!(
                "{} commits for {} requests ({:.1} per commit)",
                g - g0,
                r - r0,
                (r - r0) as f64 / (g - g0).max(1) as f64
            ),
            _ => "?".into(),
        })
        .collect();
    println!("  writers' group commits: {}", groups.join("; "));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "  CPU over the timed phase (100% = one core): server process(es) {}; PostgreSQL (all its processes) {pg_cpu}; the clients (this process) {bench_cpu}; load {}",
        cpu.join(", "),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    drop(processes);
    let mut lat = Latencies::new();
    for r in results {
        lat.merge(r?);
    }
    Ok(Measured {
        label: format!(
            "{n} jixiao serve process{}, {} clients",
            if n == 1 { "" } else { "es" },
            s.clients
        ),
        events: s.per_client * s.clients as u64,
        elapsed,
        latency: lat.summary(),
    })
}

/// Every phase of `s` in order, then the ratio of the last to the first (the target: > 1).
pub fn servers(b: &Bench, s: &Servers) -> Result<Report> {
    ensure!(
        b.postgres.is_some(),
        "servers 需要 --database-url postgres://… (several servers share a PostgreSQL database)"
    );
    ensure!(s.jixiao.is_file(), "找不到 jixiao: {}", s.jixiao.display());
    ensure!(
        (1..=crate::http::HTTP_CLIENTS_MAX).contains(&s.clients),
        "客户端数应在 1 到 {} 之间 (clients out of range)",
        crate::http::HTTP_CLIENTS_MAX
    );
    ensure!(
        (1..=crate::http::REQUESTS_PER_CLIENT_MAX).contains(&s.per_client),
        "请求数超出范围 (requests out of range)"
    );
    ensure!(
        (1..=crate::http::UNITS_MAX).contains(&s.units),
        "单位数超出范围 (units out of range)"
    );
    ensure!(
        !s.counts.is_empty() && s.counts.iter().all(|n| (1..=SERVERS_MAX).contains(n)),
        "服务进程数应在 1 到 {SERVERS_MAX} 之间 (server counts)"
    );
    ensure!(
        s.server_cpu.is_none_or(|c| (0.1..=64.0).contains(&c)),
        "--server-cpu 应在 0.1 到 64 核之间 (cores per server)"
    );
    print_header(&format!(
        "W2 over HTTP against real `jixiao serve` processes on one PostgreSQL database: {} clients over {} units, one payment per POST, {} each; server counts {:?}, each on a fresh database; {}",
        s.clients,
        s.units,
        s.per_client,
        s.counts,
        match s.server_cpu {
            Some(c) => format!(
                "each server limited to {c} core(s) of CPU (a cgroup quota, as on a machine of its own)"
            ),
            None => "the servers share this machine's cores with PostgreSQL and the clients".into(),
        }
    ));
    let dir = tempfile::tempdir_in(&b.dir)?;
    let mut report = Report::default();
    let mut lines = Vec::new();
    for &n in &s.counts {
        let m = phase(b, s, n, dir.path())?;
        lines.push(report.line(m).clone());
    }
    if let (Some(first), Some(last)) = (lines.first(), lines.last())
        && lines.len() > 1
    {
        let ratio = if first.rate() > 0.0 {
            last.rate() / first.rate()
        } else {
            0.0
        };
        let p99 = |m: &Measured| m.latency.map_or("-".into(), |l| ms(l.p99_us));
        println!(
            "  {} / {}: {:.0} / {:.0} writes/s = {ratio:.2}× (p99 {} / {} ms)",
            last.label,
            first.label,
            last.rate(),
            first.rate(),
            p99(last),
            p99(first)
        );
        report.verdict(Verdict {
            workload: "servers",
            metric: format!(
                "writes/s, {} servers / {} server",
                s.counts[s.counts.len() - 1],
                s.counts[0]
            ),
            value: format!("{ratio:.2}× ({:.0} / {:.0})", last.rate(), first.rate()),
            target: "> 1.00×".into(),
            met: ratio > 1.0,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_time_of_this_process_is_readable() {
        assert!(cpu_seconds(std::process::id()).is_some_and(|s| s >= 0.0));
    }

    #[test]
    fn without_postgres_the_comparison_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bench::for_tests(dir.path());
        let s = Servers {
            jixiao: PathBuf::from("/nonexistent"),
            clients: 2,
            per_client: 1,
            units: 2,
            counts: vec![1, 2],
            server_cpu: None,
        };
        assert!(servers(&b, &s).is_err());
    }
}
