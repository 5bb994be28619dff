//! `jixiao-bench`: command line of the benchmark harness (the workloads live in the library).
//!
//! `cargo run --release -p jixiao-bench -- w3 --events 1000000` runs one workload; `all` runs
//! W1–W4 and the profile with moderate sizes, `http-all` runs W1, W2 (each through HTTP beside
//! the in-process store) and W6 through HTTP; both print a Markdown summary of the targets.
//! `soak --minutes 10` drives the real `jixiao serve` with a day's mix and samples its memory.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use jixiao_bench::faults;
use jixiao_bench::generate::IdKind;
use jixiao_bench::http::{self, HttpW2};
use jixiao_bench::province::Province;
use jixiao_bench::raw::Sync;
use jixiao_bench::servers;
use jixiao_bench::soak;
use jixiao_bench::w5::{self, W5};
use jixiao_bench::w6::{self, W6};
use jixiao_bench::wire::ClientKind;
use jixiao_bench::workloads::{self, Bench, Report};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "jixiao-bench",
    about = "jixiao 事件库基准测试 (W1–W4 beside raw SQLite; W1, W2, W6 through HTTP beside the in-process store)"
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
    /// Run on PostgreSQL instead of SQLite: the admin URL (`postgres://…`) of a server whose
    /// user may create databases; each measured side gets a fresh database
    /// `jxbench_<pid>_<n>`, dropped afterwards. Used by w1–w4, all, http-w1, http-w2, servers.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "JIXIAO_BENCH_DATABASE_URL"
    )]
    database_url: Option<String>,
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
        /// The client: prepared request bytes on one keep-alive connection (`raw`), or `ureq`
        /// building each request (what earlier rounds measured with).
        #[arg(long, value_enum, default_value_t = ClientKind::Raw)]
        client: ClientKind,
    },
    /// W2 over HTTP: N writer threads over many units, one payment per POST, alone (judged
    /// beside the in-process store's W2 in the same run), then again with readers of random
    /// units' indicators and evaluation under the same load (the reads judged).
    HttpW2 {
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 500)]
        requests_per_client: u64,
        /// Units with a budget; writer c posts to units c, c + clients, ….
        #[arg(long, default_value_t = 10_000)]
        units: usize,
        /// Reader threads (indicators and evaluation of random units) while the writers run.
        #[arg(long, default_value_t = 4)]
        readers: usize,
        /// actix worker threads of the server.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Skip the in-process store W2 printed beside it.
        #[arg(long)]
        no_store: bool,
        /// Time the cold first touch of every unit-year too: skip the untimed warm-up that
        /// loads each unit-year into the server before the clock starts.
        #[arg(long)]
        cold: bool,
        /// The client: prepared request bytes on one keep-alive connection (`raw`), or `ureq`
        /// building each request (what earlier rounds measured with).
        #[arg(long, value_enum, default_value_t = ClientKind::Raw)]
        client: ClientKind,
    },
    /// W6 over HTTP: one unit-year growing (payments/batch), payment and views timed at each
    /// size, then concurrent writers without If-Match.
    W6 {
        /// Payments in the year at each measurement, comma-separated, ascending.
        #[arg(long, default_value = "0,10000,20000,50000")]
        sizes: String,
        /// Single-payment POSTs timed at each size.
        #[arg(long, default_value_t = 200)]
        payment_samples: u64,
        /// GETs of each view timed at each size (each phase also stops after 60 s).
        #[arg(long, default_value_t = 20)]
        view_samples: u64,
        /// Concurrent writers without If-Match after the last size (0: skip).
        #[arg(long, default_value_t = 64)]
        writers: usize,
        /// Payments each concurrent writer posts.
        #[arg(long, default_value_t = 10)]
        per_writer: u64,
        /// actix worker threads of the server.
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Faults: the real `jixiao serve` under concurrent writers (single and batch payments,
    /// resent with the same event ids), killed with SIGKILL N times at seeded random moments,
    /// then optionally out of disk (`prlimit --fsize`) and read-only (`chattr +i`); checks that
    /// every acknowledged write is in the log once, positions are gapless, the chain verifies
    /// and the read models equal a rebuild. Build the binary first: `cargo build -p jixiao`.
    Faults {
        /// SIGKILLs.
        #[arg(long, default_value_t = 20)]
        kills: u32,
        /// Concurrent writer threads.
        #[arg(long, default_value_t = 8)]
        writers: usize,
        /// Units written to.
        #[arg(long, default_value_t = 8)]
        units: usize,
        /// The `jixiao` binary (default: beside this one, e.g. target/debug/jixiao).
        #[arg(long, value_name = "FILE")]
        jixiao: Option<PathBuf>,
        /// Then run the server out of disk (RLIMIT_FSIZE through util-linux `prlimit`).
        #[arg(long)]
        disk_full: bool,
        /// Then make the database read-only under the server (`chattr +i`; root, ext4/xfs/btrfs).
        #[arg(long)]
        read_only: bool,
    },
    /// Soak: the real `jixiao serve` under a day's mix of reads and writes over many units
    /// (payments, activities, corrections, surveys; execution, indicators, evaluation, the
    /// XLSX form, the bureau's units list, web pages with a cookie session) for `--minutes`,
    /// with its RSS sampled over time. Build the binary first: `cargo build --release -p jixiao`.
    Soak {
        /// How long the load runs.
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Stop after this many requests instead (if sooner).
        #[arg(long)]
        requests: Option<u64>,
        /// Units with a budget.
        #[arg(long, default_value_t = 2_000)]
        units: usize,
        /// Client threads.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Seconds between two RSS samples.
        #[arg(long, default_value_t = 5)]
        sample_seconds: u64,
        /// The `jixiao` binary (default: beside this one, e.g. target/release/jixiao).
        #[arg(long, value_name = "FILE")]
        jixiao: Option<PathBuf>,
        /// Only the reads of the mix: nothing is written, so memory growth once warm is not data.
        #[arg(long)]
        reads_only: bool,
        /// The server's cache budget in events (default: the server's own, 250,000).
        #[arg(long)]
        cached_events: Option<u64>,
    },
    /// W5, a province: generate it (10,000 units under 100 主管部门, 5 projects each, about
    /// 10M events over a year), load it through the running server's bulk route, then time the
    /// bureau's view over every unit (now and as of a past month), its web page, one unit's
    /// self-evaluation, a full rebuild; print the database size and memory; and the same load
    /// in process beside it. Build with `--release`.
    Province {
        /// Units.
        #[arg(long, default_value_t = 10_000)]
        units: usize,
        /// Events in all (about).
        #[arg(long, default_value_t = 10_000_000)]
        events: u64,
        /// Units per bulk request.
        #[arg(long, default_value_t = 20)]
        batch_units: usize,
        /// Client threads posting bulk requests.
        #[arg(long, default_value_t = 2)]
        clients: usize,
        /// actix worker threads of the server.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Passes over every page of the view, now and as of.
        #[arg(long, default_value_t = 5)]
        view_rounds: usize,
        /// Requests of the bureau's web page.
        #[arg(long, default_value_t = 200)]
        web_samples: usize,
        /// Requests of a random unit's self-evaluation.
        #[arg(long, default_value_t = 500)]
        evaluation_samples: usize,
        /// The past date of the "as of" view.
        #[arg(long, default_value = "2024-06-30")]
        as_of: chrono::NaiveDate,
        /// Units loaded in process beside it (0: skip).
        #[arg(long, default_value_t = 1_000)]
        in_process_units: usize,
    },
    /// Two jixiao servers vs one (PostgreSQL only, `--database-url`): HTTP W2 against one real
    /// `jixiao serve` process, then against two sharing one database with the clients split
    /// between them, each on a fresh database; writes/s of each and their ratio. Build the
    /// binary first: `cargo build --release -p jixiao`.
    Servers {
        /// Concurrent writer clients (client c posts to server c mod n).
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Payments each client posts.
        #[arg(long, default_value_t = 200)]
        requests_per_client: u64,
        /// Units with a budget.
        #[arg(long, default_value_t = 2_000)]
        units: usize,
        /// Server counts compared, comma-separated, in order.
        #[arg(long, default_value = "1,2")]
        counts: String,
        /// CPU each server may use, in cores (a cgroup v1 `cpu` quota per server; Linux, as
        /// root), as when each server runs on a machine of its own. Unset: the servers share
        /// this machine's cores with PostgreSQL and the clients.
        #[arg(long)]
        server_cpu: Option<f64>,
        /// The `jixiao` binary (default: beside this one, e.g. target/release/jixiao).
        #[arg(long, value_name = "FILE")]
        jixiao: Option<PathBuf>,
    },
    /// Environment, profile and W1–W4 with moderate sizes, then a summary of the targets.
    All {
        /// Events of W3 and W4.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
    /// What users meet: W1 and W2 through HTTP each beside the in-process store, and W6 at
    /// moderate sizes, then a summary of the targets.
    HttpAll {
        /// Requests of W1 (HTTP and in-process).
        #[arg(long, default_value_t = 2_000)]
        w1_requests: u64,
        /// W2's payments per client (64 clients, HTTP and in-process).
        #[arg(long, default_value_t = 200)]
        requests_per_client: u64,
        /// W2's units.
        #[arg(long, default_value_t = 10_000)]
        units: usize,
        /// W2's reader threads.
        #[arg(long, default_value_t = 4)]
        readers: usize,
        /// W6's sizes (payments in the year), comma-separated, ascending.
        #[arg(long, default_value = "0,5000,10000")]
        sizes: String,
        /// actix worker threads of the servers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// The client: prepared request bytes on one keep-alive connection (`raw`), or `ureq`
        /// building each request (what earlier rounds measured with).
        #[arg(long, value_enum, default_value_t = ClientKind::Raw)]
        client: ClientKind,
    },
}

/// W2's clients in `http-all` (the target's shape).
const HTTP_ALL_CLIENTS: usize = 64;
/// W6's timed samples per size in `http-all`: payments, then each view.
const HTTP_ALL_W6_SAMPLES: (u64, u64) = (100, 10);
/// W6's concurrent writers in `http-all` and the payments each posts.
const HTTP_ALL_W6_WRITERS: (usize, u64) = (64, 5);

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
    if let Some(admin) = &b.postgres {
        match jixiao_bench::raw_pg::server_settings(admin) {
            Ok(s) => println!("engine: PostgreSQL (store and raw); {s}"),
            Err(e) => println!("engine: PostgreSQL (settings unreadable: {e})"),
        }
    }
    let o = jixiao_store::StoreOptions::new(b.dir.join("x.db"));
    if b.postgres.is_none() {
        println!(
            "pragmas (store and raw): journal_mode=WAL, synchronous={:?}, wal_autocheckpoint={} pages",
            b.sync, o.wal_autocheckpoint_pages
        );
    }
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
        postgres: match cli.database_url {
            Some(url) if jixiao_store::StoreOptions::is_postgres_url(&url) => Some(url),
            Some(_) => {
                anyhow::bail!("--database-url 须为 postgres:// 地址 (SQLite runs need no URL)")
            }
            None => None,
        },
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
            client,
        } => {
            http::client_cost(http::CLIENT_COST_REQUESTS, client)?;
            if no_store {
                vec![http::http_w1(&b, requests, workers, client)?]
            } else {
                http::http_w1_beside_store(&b, requests, workers, client)?
            }
        }
        Cmd::HttpW2 {
            clients,
            requests_per_client,
            units,
            readers,
            workers,
            no_store,
            cold,
            client,
        } => {
            http::client_cost(http::CLIENT_COST_REQUESTS, client)?;
            let w = HttpW2 {
                clients,
                per_client: requests_per_client,
                units,
                readers,
                workers,
                warm: !cold,
                client,
            };
            if no_store {
                vec![http::http_w2(&b, w)?]
            } else {
                http::http_w2_beside_store(&b, w)?
            }
        }
        Cmd::W6 {
            sizes,
            payment_samples,
            view_samples,
            writers,
            per_writer,
            workers,
        } => {
            http::client_cost(http::CLIENT_COST_REQUESTS, ClientKind::Ureq)?;
            let w = W6 {
                sizes: w6::parse_sizes(&sizes)?,
                payment_samples,
                view_samples,
                writers,
                per_writer,
                workers,
            };
            vec![w6::w6(&b, &w)?]
        }
        Cmd::HttpAll {
            w1_requests,
            requests_per_client,
            units,
            readers,
            sizes,
            workers,
            client,
        } => {
            http::client_cost(http::CLIENT_COST_REQUESTS, client)?;
            let mut reports = http::http_w1_beside_store(&b, w1_requests, workers, client)?;
            reports.extend(http::http_w2_beside_store(
                &b,
                HttpW2 {
                    clients: HTTP_ALL_CLIENTS,
                    per_client: requests_per_client,
                    units,
                    readers,
                    workers,
                    warm: true,
                    client,
                },
            )?);
            let w = W6 {
                sizes: w6::parse_sizes(&sizes)?,
                payment_samples: HTTP_ALL_W6_SAMPLES.0,
                view_samples: HTTP_ALL_W6_SAMPLES.1,
                writers: HTTP_ALL_W6_WRITERS.0,
                per_writer: HTTP_ALL_W6_WRITERS.1,
                workers,
            };
            reports.push(w6::w6(&b, &w)?);
            reports
        }
        Cmd::Province {
            units,
            events,
            batch_units,
            clients,
            workers,
            view_rounds,
            web_samples,
            evaluation_samples,
            as_of,
            in_process_units,
        } => {
            let w = W5 {
                province: Province {
                    units,
                    events,
                    seed: b.seed,
                },
                batch_units,
                clients,
                workers,
                view_rounds,
                web_samples,
                evaluation_samples,
                as_of,
                in_process_units,
            };
            vec![w5::w5(&b, &w)?]
        }
        Cmd::Profile { events } => {
            workloads::profile(&b, events)?;
            Vec::new()
        }
        Cmd::Faults {
            kills,
            writers,
            units,
            jixiao,
            disk_full,
            read_only,
        } => {
            let jixiao = match jixiao {
                Some(path) => path,
                None => std::env::current_exe()?.with_file_name("jixiao"),
            };
            let dir = tempfile::tempdir_in(&b.dir)?;
            let f = faults::Faults {
                jixiao,
                dir: dir.path().to_path_buf(),
                kills,
                seed: b.seed,
                writers,
                units,
                disk_full,
                read_only,
            };
            println!(
                "faults: {kills} kills, {writers} writers, {units} units, seed {}",
                b.seed
            );
            match faults::run(&f) {
                Ok(outcome) => {
                    println!("{}", outcome.summary());
                    return Ok(());
                }
                Err(e) => {
                    // Keep the database and the server logs for whoever investigates.
                    let kept = dir.keep();
                    return Err(e.context(format!("保留现场 (kept): {}", kept.display())));
                }
            }
        }
        Cmd::Soak {
            minutes,
            requests,
            units,
            clients,
            sample_seconds,
            jixiao,
            reads_only,
            cached_events,
        } => {
            let jixiao = match jixiao {
                Some(path) => path,
                None => std::env::current_exe()?.with_file_name("jixiao"),
            };
            let dir = tempfile::tempdir_in(&b.dir)?;
            let s = soak::Soak {
                jixiao,
                dir: dir.path().to_path_buf(),
                duration: Some(std::time::Duration::from_secs(minutes.saturating_mul(60))),
                requests,
                units,
                clients,
                sample_every: std::time::Duration::from_secs(sample_seconds),
                seed: b.seed,
                verbose: true,
                reads_only,
                cached_events,
            };
            println!(
                "soak: {minutes} min{}, {units} units, {clients} clients, RSS every {sample_seconds} s, {}, seed {}",
                requests.map_or(String::new(), |r| format!(" or {r} requests")),
                if reads_only {
                    "reads only"
                } else {
                    "reads and writes"
                },
                b.seed
            );
            let outcome = soak::run(&s)?;
            println!("{}", outcome.summary());
            anyhow::ensure!(
                outcome.errors == 0 && outcome.server_error_lines == 0,
                "浸泡测试出现错误 (soak saw errors: {} answers, {} ERROR lines; server log kept in {})",
                outcome.errors,
                outcome.server_error_lines,
                dir.keep().display()
            );
            return Ok(());
        }
        Cmd::Servers {
            clients,
            requests_per_client,
            units,
            counts,
            server_cpu,
            jixiao,
        } => {
            let jixiao = match jixiao {
                Some(path) => path,
                None => std::env::current_exe()?.with_file_name("jixiao"),
            };
            let counts = counts
                .split(',')
                .map(|c| c.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--counts 应为逗号分隔的整数 (counts): {e}"))?;
            let s = servers::Servers {
                jixiao,
                clients,
                per_client: requests_per_client,
                units,
                counts,
                server_cpu,
            };
            vec![servers::servers(&b, &s)?]
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
