//! Latency percentiles and rates, computed on integer microseconds.
//!
//! Percentiles use the nearest-rank method on the sorted samples (the p99 of 100 samples is the
//! 99th smallest), so every reported latency is one that was actually observed. Floats appear
//! only when printing a rate.

use std::time::Duration;

/// Most latency samples kept by one recorder (64 clients × 100,000 appends fit easily).
pub const LATENCY_SAMPLES_MAX: usize = 20_000_000;

/// A set of latency samples in whole microseconds.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    samples_us: Vec<u64>,
}

/// p50 / p99 / max of a set of samples, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Median.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Largest sample.
    pub max_us: u64,
}

impl Latencies {
    /// An empty recorder.
    pub fn new() -> Self {
        Latencies::default()
    }

    /// Record one duration (microseconds, saturating). Samples past [`LATENCY_SAMPLES_MAX`]
    /// are dropped so a runaway run cannot exhaust memory.
    pub fn record(&mut self, d: Duration) {
        if self.samples_us.len() < LATENCY_SAMPLES_MAX {
            self.samples_us
                .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        }
    }

    /// Merge another recorder's samples (one per client thread).
    pub fn merge(&mut self, other: Latencies) {
        let room = LATENCY_SAMPLES_MAX.saturating_sub(self.samples_us.len());
        self.samples_us
            .extend(other.samples_us.into_iter().take(room));
    }

    /// The summary, or None when nothing was recorded.
    pub fn summary(&self) -> Option<Summary> {
        let mut sorted = self.samples_us.clone();
        sorted.sort_unstable();
        Some(Summary {
            count: sorted.len(),
            p50_us: nearest_rank(&sorted, 50)?,
            p99_us: nearest_rank(&sorted, 99)?,
            max_us: *sorted.last()?,
        })
    }
}

impl Latencies {
    /// The nearest-rank percentile at `per_mille` / 1000 (999: p99.9), or None when nothing
    /// was recorded.
    pub fn percentile_per_mille(&self, per_mille: usize) -> Option<u64> {
        let mut sorted = self.samples_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return None;
        }
        let rank = (per_mille * sorted.len())
            .div_ceil(1000)
            .clamp(1, sorted.len());
        sorted.get(rank - 1).copied()
    }
}

/// The nearest-rank `percent` percentile of ascending `sorted` samples.
fn nearest_rank(sorted: &[u64], percent: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    // rank = ceil(percent/100 × n), 1-based; clamp to [1, n].
    let rank = (percent * sorted.len())
        .div_ceil(100)
        .clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

/// Events per second for `count` events over `elapsed` (for printing only).
pub fn rate_per_s(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// Microseconds shown as milliseconds with 3 decimals, without floats ("1.234").
pub fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_us(values: &[u64]) -> Latencies {
        let mut l = Latencies::new();
        for v in values {
            l.record(Duration::from_micros(*v));
        }
        l
    }

    #[test]
    fn percentiles_are_observed_samples_by_nearest_rank() {
        let l = from_us(&(1..=100).rev().collect::<Vec<_>>());
        let s = l.summary().unwrap();
        assert_eq!(
            s,
            Summary {
                count: 100,
                p50_us: 50,
                p99_us: 99,
                max_us: 100
            }
        );
    }

    #[test]
    fn one_slow_request_in_a_thousand_does_not_move_p99_but_shows_in_max() {
        let mut v = vec![1_000; 999];
        v.push(50_000);
        let s = from_us(&v).summary().unwrap();
        assert_eq!((s.p50_us, s.p99_us, s.max_us), (1_000, 1_000, 50_000));
    }

    #[test]
    fn merged_recorders_summarise_all_clients() {
        let mut a = from_us(&[5, 1]);
        a.merge(from_us(&[3, 9]));
        let s = a.summary().unwrap();
        assert_eq!((s.count, s.p50_us, s.max_us), (4, 3, 9));
    }

    #[test]
    fn p99_9_of_two_thousand_samples_is_the_1998th_smallest() {
        let l = from_us(&(1..=2000).rev().collect::<Vec<_>>());
        assert_eq!(l.percentile_per_mille(999), Some(1998));
        assert_eq!(l.percentile_per_mille(500), Some(1000));
        assert_eq!(Latencies::new().percentile_per_mille(999), None);
    }

    #[test]
    fn no_samples_means_no_summary() {
        assert_eq!(Latencies::new().summary(), None);
    }

    #[test]
    fn milliseconds_print_with_three_decimals() {
        assert_eq!(ms(1_234), "1.234");
        assert_eq!(ms(20_005), "20.005");
        assert_eq!(ms(7), "0.007");
    }
}
