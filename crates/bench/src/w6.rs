//! W6 of `docs/eventstore.md` through HTTP: one unit-year growing to 50,000 events.
//!
//! The server starts over one unit with its budget (see [`crate::http`]). The year is grown
//! through the API itself, `POST …/payments/batch` with [`BATCH_ITEMS`] payments per request
//! (the bulk load is not timed). At each requested size it measures one payment `POST
//! …/payments` (p99 target ≤ 5 ms), `GET …/indicators` and `GET …/evaluation` (p99 target
//! ≤ 50 ms) with the size of their bodies; after the last size, `writers` concurrent clients
//! post payments to that one unit-year **without `If-Match`** and the run counts the 409s
//! (target: none — docs/api.md promises that the server retries) and the rate.
//!
//! Every sampling phase stops after [`PHASE_SAMPLES_MAX`] samples or [`PHASE_TIME_MAX`],
//! whichever comes first (today a view at 50,000 events takes seconds), so a run is bounded in
//! time as in size.

use crate::http::{Server, agent, get, payment_body, post, unit_path};
use crate::stats::{Latencies, Summary, ms};
use crate::workloads::{Bench, Measured, Report, Verdict, print_header};
use anyhow::{Result, anyhow, ensure};
use serde_json::json;
use std::time::{Duration, Instant};

/// Payments per bulk-load request (the API's batch limit).
pub const BATCH_ITEMS: u64 = 1_000;
/// Largest year W6 grows (the store reads at most 200,000 events of a stream today).
pub const EVENTS_MAX: u64 = 150_000;
/// Most sizes measured in one run.
pub const SIZES_MAX: usize = 16;
/// Most samples of one measurement phase.
pub const PHASE_SAMPLES_MAX: u64 = 10_000;
/// Longest a measurement phase samples for (it always takes at least one sample).
pub const PHASE_TIME_MAX: Duration = Duration::from_secs(60);
/// Most concurrent writers to the one unit-year.
pub const WRITERS_MAX: usize = 256;
/// Most payments each concurrent writer posts.
pub const PER_WRITER_MAX: u64 = 10_000;
/// Target: one payment's p99 at every size.
pub const PAYMENT_TARGET_P99_US: u64 = 5_000;
/// Target: the indicators and evaluation views' p99 at every size.
pub const VIEW_TARGET_P99_US: u64 = 50_000;

/// The shape of a W6 run.
#[derive(Debug, Clone)]
pub struct W6 {
    /// Payments in the year at each measurement, ascending (e.g. 0, 10,000, 20,000, 50,000).
    pub sizes: Vec<u64>,
    /// Single-payment POSTs timed at each size.
    pub payment_samples: u64,
    /// GETs of each view timed at each size.
    pub view_samples: u64,
    /// Concurrent writers without `If-Match` after the last size (0: skip).
    pub writers: usize,
    /// Payments each concurrent writer posts.
    pub per_writer: u64,
    /// actix worker threads of the server.
    pub workers: usize,
}

impl W6 {
    fn check(&self) -> Result<()> {
        ensure!(
            !self.sizes.is_empty() && self.sizes.len() <= SIZES_MAX,
            "规模个数应在 1 到 {SIZES_MAX} 之间 (sizes)"
        );
        ensure!(
            self.sizes.windows(2).all(|w| w[0] < w[1]),
            "规模须从小到大排列 (sizes must ascend)"
        );
        ensure!(
            self.sizes.last().is_some_and(|&n| n <= EVENTS_MAX),
            "规模不得超过 {EVENTS_MAX} 笔 (size too large)"
        );
        ensure!(
            (1..=PHASE_SAMPLES_MAX).contains(&self.payment_samples)
                && (1..=PHASE_SAMPLES_MAX).contains(&self.view_samples),
            "每次采样数应在 1 到 {PHASE_SAMPLES_MAX} 之间 (samples)"
        );
        ensure!(
            self.writers <= WRITERS_MAX && (1..=PER_WRITER_MAX).contains(&self.per_writer),
            "并发写入数不超过 {WRITERS_MAX}，每个 1 到 {PER_WRITER_MAX} 笔 (writers)"
        );
        Ok(())
    }
}

/// Samples `f` until `count` samples or [`PHASE_TIME_MAX`]; the latencies and the last value.
fn sample<T>(count: u64, mut f: impl FnMut(u64) -> Result<T>) -> Result<(Latencies, Option<T>)> {
    let mut lat = Latencies::new();
    let mut last = None;
    let start = Instant::now();
    for n in 0..count {
        if n > 0 && start.elapsed() >= PHASE_TIME_MAX {
            break;
        }
        let t = Instant::now();
        last = Some(f(n)?);
        lat.record(t.elapsed());
    }
    Ok((lat, last))
}

/// Bytes as KiB or MiB with one decimal, for the report.
fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// What the concurrent writers met.
#[derive(Debug, Default)]
struct Outcomes {
    created: u64,
    conflicts: u64,
    other: u64,
    first_other: Option<String>,
    latency: Latencies,
}

/// Runs W6 (see the module doc).
pub fn w6(b: &Bench, w: &W6) -> Result<Report> {
    w.check()?;
    print_header(&format!(
        "W6 over HTTP: one unit-year grown by POST …/payments/batch ({BATCH_ITEMS} per request) to {:?} payments; {} actix workers",
        w.sizes, w.workers
    ));
    let server = Server::start(b, 1, w.workers)?;
    let result = run(&server, w);
    server.stop();
    result
}

fn run(server: &Server, w: &W6) -> Result<Report> {
    let (unit, token) = server.tokens[0].clone();
    let a = agent();
    let payments_url = server.url(&unit_path(&unit, "payments"));
    let batch_url = server.url(&unit_path(&unit, "payments/batch"));
    let mut report = Report::default();
    // Payments in the year so far (the two import events come on top).
    let mut loaded: u64 = 0;
    for &size in &w.sizes {
        let t = Instant::now();
        let before = loaded;
        while loaded < size {
            let n = BATCH_ITEMS.min(size - loaded);
            let items: Vec<_> = (loaded..loaded + n).map(payment_body).collect();
            let (status, text) = post(&a, &batch_url, Some(&token), &json!({ "items": items }))?;
            ensure!(status == 201, "批量记录支付失败 (batch) {status}: {text}");
            loaded += n;
        }
        if loaded > before {
            println!(
                "  bulk load: {} payments through POST …/payments/batch in {:.1} s",
                loaded - before,
                t.elapsed().as_secs_f64()
            );
        }
        let at = loaded;
        let start = Instant::now();
        let (lat, _) = sample(w.payment_samples, |n| {
            let (status, text) = post(&a, &payments_url, Some(&token), &payment_body(at + n))?;
            ensure!(status == 201, "记录支付失败 (payment) {status}: {text}");
            Ok(())
        })?;
        let elapsed = start.elapsed();
        let count = lat.summary().map_or(0, |s| s.count as u64);
        loaded += count;
        let summary = report
            .line(Measured {
                label: format!("@{at}: POST …/payments"),
                events: count,
                elapsed,
                latency: lat.summary(),
            })
            .latency;
        verdict_p99(
            &mut report,
            format!("POST payment p99 @{at} events"),
            summary,
            PAYMENT_TARGET_P99_US,
            None,
        );
        for view in ["indicators", "evaluation"] {
            let url = server.url(&unit_path(&unit, view));
            let start = Instant::now();
            let (lat, bytes) = sample(w.view_samples, |_| {
                let (status, bytes) = get(&a, &url, &server.reader_token)?;
                ensure!(status == 200, "读取{view}失败 (GET {view}) {status}");
                Ok(bytes)
            })?;
            let bytes = bytes.unwrap_or(0);
            let summary = report
                .line(Measured {
                    label: format!("@{loaded}: GET …/{view} ({})", size_text(bytes)),
                    events: lat.summary().map_or(0, |s| s.count as u64),
                    elapsed: start.elapsed(),
                    latency: lat.summary(),
                })
                .latency;
            verdict_p99(
                &mut report,
                format!("GET {view} p99 @{loaded} events"),
                summary,
                VIEW_TARGET_P99_US,
                Some(bytes),
            );
        }
    }
    if w.writers > 0 {
        concurrent_writers(server, &mut report, &unit, &token, w, loaded)?;
    }
    Ok(report)
}

fn verdict_p99(
    report: &mut Report,
    metric: String,
    summary: Option<Summary>,
    target_us: u64,
    body_bytes: Option<usize>,
) {
    let Some(s) = summary else { return };
    let body = body_bytes.map_or(String::new(), |b| format!(" (body {})", size_text(b)));
    report.verdict(Verdict {
        workload: "W6 HTTP",
        metric,
        value: format!("{} ms{body}", ms(s.p99_us)),
        target: format!("≤ {} ms", ms(target_us)),
        met: s.p99_us <= target_us,
    });
}

/// `w.writers` clients post `w.per_writer` payments each to the one unit-year, no `If-Match`.
fn concurrent_writers(
    server: &Server,
    report: &mut Report,
    unit: &str,
    token: &str,
    w: &W6,
    loaded: u64,
) -> Result<()> {
    let url = server.url(&unit_path(unit, "payments"));
    let start = Instant::now();
    let results: Vec<Result<Outcomes>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..w.writers)
            .map(|c| {
                let url = &url;
                s.spawn(move || -> Result<Outcomes> {
                    let a = agent();
                    let mut out = Outcomes::default();
                    for n in 0..w.per_writer {
                        let body = payment_body(loaded + c as u64 * w.per_writer + n);
                        let t = Instant::now();
                        let (status, text) = post(&a, url, Some(token), &body)?;
                        out.latency.record(t.elapsed());
                        match status {
                            201 => out.created += 1,
                            409 => out.conflicts += 1,
                            _ => {
                                out.other += 1;
                                out.first_other.get_or_insert(format!("{status}: {text}"));
                            }
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("写入线程崩溃 (writer panicked)")))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let mut all = Outcomes::default();
    for r in results {
        let r = r?;
        all.created += r.created;
        all.conflicts += r.conflicts;
        all.other += r.other;
        if all.first_other.is_none() {
            all.first_other = r.first_other;
        }
        all.latency.merge(r.latency);
    }
    let sent = all.created + all.conflicts + all.other;
    let line = report
        .line(Measured {
            label: format!("@{loaded}: {} writers, no If-Match (201s/s)", w.writers),
            events: all.created,
            elapsed,
            latency: all.latency.summary(),
        })
        .clone();
    println!(
        "  {sent} POSTs: {} × 201, {} × 409, {} other{}",
        all.created,
        all.conflicts,
        all.other,
        all.first_other
            .as_deref()
            .map_or(String::new(), |t| format!(" (first: {t})"))
    );
    report.verdict(Verdict {
        workload: "W6 HTTP",
        metric: format!("409s of {} writers without If-Match", w.writers),
        value: format!(
            "{} of {sent} ({} other errors; {:.0} payments/s)",
            all.conflicts,
            all.other,
            line.rate()
        ),
        target: "0".into(),
        met: all.conflicts == 0 && all.other == 0,
    });
    Ok(())
}

/// Parses `0,10000,20000` into sizes.
pub fn parse_sizes(text: &str) -> Result<Vec<u64>> {
    text.split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse::<u64>()
                .map_err(|e| anyhow!("规模“{s}”无效 (bad size): {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(sizes: Vec<u64>) -> W6 {
        W6 {
            sizes,
            payment_samples: 10,
            view_samples: 5,
            writers: 4,
            per_writer: 2,
            workers: 2,
        }
    }

    #[test]
    fn sizes_parse_from_a_comma_list_with_underscores() {
        assert_eq!(
            parse_sizes("0, 10_000,20000").unwrap(),
            vec![0, 10_000, 20_000]
        );
        assert!(parse_sizes("0,ten").is_err());
    }

    #[test]
    fn sizes_must_ascend_and_stay_within_the_limit() {
        assert!(shape(vec![0, 10, 20]).check().is_ok());
        assert!(shape(vec![10, 10]).check().is_err());
        assert!(shape(vec![20, 10]).check().is_err());
        assert!(shape(vec![EVENTS_MAX + 1]).check().is_err());
        assert!(shape(vec![]).check().is_err());
    }

    #[test]
    fn a_phase_stops_at_its_sample_count() {
        let mut calls = 0;
        let (lat, last) = sample(7, |n| {
            calls += 1;
            Ok(n)
        })
        .unwrap();
        assert_eq!((calls, last), (7, Some(6)));
        assert_eq!(lat.summary().unwrap().count, 7);
    }

    #[test]
    fn body_sizes_print_in_kib_or_mib() {
        assert_eq!(size_text(2_048), "2.0 KiB");
        assert_eq!(size_text(5_976_883), "5.7 MiB");
    }

    #[test]
    fn w6_grows_one_unit_year_and_counts_the_writers_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bench::for_tests(dir.path());
        let r = w6(&b, &shape(vec![0, 1_500])).unwrap();
        // Per size: a payment line and two view lines; then the writers' line.
        assert_eq!(r.lines.len(), 7);
        let writers = r.lines.last().unwrap();
        assert_eq!(writers.latency.unwrap().count, 8);
        // The views answered at the second size after the bulk load and the samples before it.
        assert!(
            r.lines[4].label.starts_with("@1510:"),
            "{}",
            r.lines[4].label
        );
    }
}
