//! Soak, the short form CI runs (issue 15, point 6): the real `jixiao serve` driven by the
//! soak harness (`jixiao_bench::soak`, also `jixiao-bench soak`) for a bounded number of
//! requests — a day's mix of payments, activities, corrections, surveys, views, the XLSX form,
//! the bureau's units list and web pages with a cookie session over many units — must answer
//! every one as expected, log no ERROR line, and have its memory sampled. Bounded in
//! requests, not in time; the ≥ 10-minute run is in docs/benchmarks.md.

use jixiao_bench::soak::{self, MIX, Soak};
use std::path::PathBuf;
use std::time::Duration;

/// Requests of the short form: enough for every kind of the mix to occur.
const REQUESTS: u64 = 400;
/// Units and client threads of the short form.
const UNITS: usize = 24;
const CLIENTS: usize = 4;

#[test]
fn a_bounded_soak_of_a_days_mix_answers_every_request_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = Soak {
        jixiao: PathBuf::from(env!("CARGO_BIN_EXE_jixiao")),
        dir: dir.path().to_path_buf(),
        duration: None,
        requests: Some(REQUESTS),
        units: UNITS,
        clients: CLIENTS,
        sample_every: Duration::from_millis(500),
        seed: 15_06,
        verbose: false,
        reads_only: false,
        // A budget far below the units' years, so the server evicts and reloads them
        // throughout: no request may fail for it.
        cached_events: Some(200),
    };
    let outcome = soak::run(&s).unwrap();
    let summary = outcome.summary();
    assert_eq!(outcome.errors, 0, "{summary}");
    assert_eq!(outcome.server_error_lines, 0, "{summary}");
    assert_eq!(outcome.requests, REQUESTS, "{summary}");
    let answered: u64 = outcome.kinds.iter().map(|(_, r)| r.ok).sum();
    assert_eq!(answered, REQUESTS, "{summary}");
    assert_eq!(outcome.kinds.len(), MIX.len());
    for (kind, r) in &outcome.kinds {
        assert!(r.ok > 0, "{} never ran:\n{summary}", kind.label());
    }
    assert!(!outcome.rss.is_empty(), "the server's RSS was sampled");
    assert!(outcome.rss.iter().all(|r| r.rss_kib > 0), "{summary}");
}
