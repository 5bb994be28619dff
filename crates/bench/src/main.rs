//! `jixiao-bench`: command line of the benchmark harness (the workloads live in the library).
//!
//! `cargo run --release -p jixiao-bench -- w3 --events 1000000` runs one workload; `all` runs
//! W1–W4 and the profile with moderate sizes and prints a Markdown summary of the targets.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use jixiao_bench::generate::IdKind;
use jixiao_bench::http;
use jixiao_bench::raw::Sync;
use jixiao_bench::workloads::{self, Bench, Report};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "jixiao-bench",
    about = "jixiao 事件库基准测试 (event store benchmarks W1–W4, beside raw SQLite)"
)]
struct Cli {
    /// Directory for the temporary databases (removed afterwards).
    #[arg(long, global = true, default_value_os_t = std::env::temp_dir())]
    dir: PathBuf,
    /// Seed of the event generator.
    #[arg(long, global = true, default_value_t = 20_240_731)]
    seed: u64,
    /// Commit durability of both the store and the raw baseline.
    #[arg(long, global = true, value_enum, default_value_t = SyncArg::Full)]
    synchronous: SyncArg,
    /// Client event ids: UUIDv7 as docs/api.md recommends, or random (UUIDv4-like). Default:
    /// random for W3 (the CLI derives ledger ids from vouchers), time-ordered for the others.
    #[arg(long, global = true, value_enum)]
    ids: Option<IdsArg>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SyncArg {
    /// fsync every commit (durable).
    Full,
    /// No fsync at commit (not durable on power loss; comparison only).
    Normal,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum IdsArg {
    /// UUIDv7: time-ordered.
    TimeOrdered,
    /// 122 random bits.
    Random,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// W1: one client, one event per append.
    W1 {
        #[arg(long, default_value_t = 5_000)]
        events: u64,
        #[arg(long, default_value_t = 100)]
        streams: u64,
    },
    /// W2: concurrent appenders, one event each, many streams.
    W2 {
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 1_000)]
        events_per_client: u64,
        #[arg(long, default_value_t = 10_000)]
        streams: u64,
    },
    /// W3: bulk append (500–1,000 events per request).
    W3 {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        #[arg(long, default_value_t = 1_000)]
        streams: u64,
    },
    /// W4: rebuild all read models and verify the chain over N events.
    W4 {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 10_000)]
        streams: u64,
    },
    /// Per-event costs: fsync, JSON encoding, SHA-256.
    Profile {
        #[arg(long, default_value_t = 200_000)]
        events: u64,
    },
    /// W1 over HTTP: the real API on loopback, one client, one payment per POST.
    HttpW1 {
        #[arg(long, default_value_t = 2_000)]
        requests: u64,
        /// actix worker threads of the server.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Skip the in-process store W1 printed beside it.
        #[arg(long)]
        no_store: bool,
    },
    /// W2 over HTTP: N client threads (one unit each), one payment per POST.
    HttpW2 {
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 500)]
        requests_per_client: u64,
        /// actix worker threads of the server.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Skip the in-process store W2 printed beside it.
        #[arg(long)]
        no_store: bool,
    },
    /// Environment, profile and W1–W4 with moderate sizes, then a summary of the targets.
    All {
        /// Events of W3 and W4.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
}

fn environment(b: &Bench) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "jixiao-bench {} — {}",
        env!("CARGO_PKG_VERSION"),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("CPU: {cpu} ({cores} cores available)");
    println!(
        "SQLite {} (rusqlite, bundled); SQLite's own page cache and unix VFS",
        rusqlite::version()
    );
    let o = jixiao_store::StoreOptions::new(b.dir.join("x.db"));
    println!(
        "pragmas (store and raw): journal_mode=WAL, synchronous={:?}, wal_autocheckpoint={} pages",
        b.sync, o.wal_autocheckpoint_pages
    );
    // Other work on the machine skews every figure: print the load so a reader can judge.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1/5/15 min): {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "seed {}, event ids {}, databases under {}",
        b.seed,
        b.ids.map_or(
            "per workload (W3 random, others time-ordered)".to_string(),
            |i| format!("{i:?}")
        ),
        b.dir.display()
    );
}

fn summary(reports: &[Report]) {
    println!();
    println!("| workload | metric | result | target | met |");
    println!("|---|---|---|---|---|");
    for v in reports.iter().flat_map(|r| &r.verdicts) {
        println!(
            "| {} | {} | {} | {} | {} |",
            v.workload,
            v.metric,
            v.value,
            v.target,
            if v.met { "yes" } else { "no" }
        );
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let b = Bench {
        dir: cli.dir,
        seed: cli.seed,
        sync: match cli.synchronous {
            SyncArg::Full => Sync::Full,
            SyncArg::Normal => Sync::Normal,
        },
        ids: cli.ids.map(|i| match i {
            IdsArg::TimeOrdered => IdKind::TimeOrdered,
            IdsArg::Random => IdKind::Random,
        }),
    };
    environment(&b);
    let reports = match cli.command {
        Cmd::W1 { events, streams } => vec![workloads::w1(&b, events, streams)?],
        Cmd::W2 {
            clients,
            events_per_client,
            streams,
        } => vec![workloads::w2(&b, clients, events_per_client, streams)?],
        Cmd::W3 {
            events,
            batch,
            streams,
        } => vec![workloads::w3(&b, events, batch, streams)?],
        Cmd::W4 { events, streams } => vec![workloads::w4(&b, events, streams)?],
        Cmd::HttpW1 {
            requests,
            workers,
            no_store,
        } => {
            let mut reports = vec![http::http_w1(&b, requests, workers)?];
            if !no_store {
                // Same event count through the store in-process, for the HTTP overhead.
                reports.push(workloads::w1(&b, requests, 100)?);
            }
            reports
        }
        Cmd::HttpW2 {
            clients,
            requests_per_client,
            workers,
            no_store,
        } => {
            let mut reports = vec![http::http_w2(&b, clients, requests_per_client, workers)?];
            if !no_store {
                reports.push(workloads::w2(&b, clients, requests_per_client, 10_000)?);
            }
            reports
        }
        Cmd::Profile { events } => {
            workloads::profile(&b, events)?;
            Vec::new()
        }
        Cmd::All { events } => {
            workloads::profile(&b, 200_000)?;
            vec![
                workloads::w1(&b, 5_000, 100)?,
                workloads::w2(&b, 64, 1_000, 10_000)?,
                workloads::w3(&b, events, 1_000, 1_000)?,
                workloads::w4(&b, events, 10_000)?,
            ]
        }
    };
    summary(&reports);
    Ok(())
}
