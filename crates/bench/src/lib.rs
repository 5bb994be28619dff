//! `jixiao-bench`: the benchmark harness of the jixiao event log.
//!
//! Each workload of `docs/eventstore.md` (W1–W4) runs through the real store and, in the same
//! run, against raw SQLite doing the least possible work on the same rows (the physical limit);
//! the report prints both and their ratio. Generation is seeded and deterministic; latencies are
//! integer microseconds; all databases live in a temporary directory removed afterwards.
//!
//! With `--database-url postgres://…` (an admin URL) the store and the raw baselines run on PostgreSQL instead, each
//! side on a fresh database created and dropped through that URL ([`raw_pg`]).
//!
//! Modules: [`generate`] realistic domain events, [`raw`] the raw SQLite baselines, [`raw_pg`]
//! bench databases and the raw baselines on PostgreSQL, [`stats`]
//! percentiles, [`workloads`] W1–W4 through the store, [`http`] W1/W2 through the real HTTP API,
//! [`province`] a synthetic province and [`w5`] its benchmark through the HTTP API (issue 15
//! point 7), [`w6`] one unit-year growing to 50,000 events through the HTTP API, [`faults`] the
//! real `jixiao serve` killed with SIGKILL, out of disk and read-only under concurrent writers,
//! [`servers`] HTTP W2 against one real `jixiao serve` and then two on one PostgreSQL
//! database, [`soak`] the real `jixiao serve` under a day's mix for minutes with its memory sampled.

pub mod faults;
pub mod generate;
pub mod http;
pub mod province;
pub mod raw;
pub mod raw_pg;
pub mod serve;
pub mod servers;
pub mod soak;
pub mod stats;
pub mod w5;
pub mod w6;
pub mod wire;
pub mod workloads;
