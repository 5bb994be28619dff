//! `jixiao-domain`: the pure domain of jixiao.
//!
//! Everything the service knows about Chinese budget performance management
//! (预算绩效管理) lives here, free of I/O: money and classification codes, a unit's
//! budget year, performance indicators and the target grammar, scoring profiles,
//! the year-end self-evaluation (财预〔2020〕10号), in-year monitoring (双监控), the
//! event vocabulary and the per-(unit, fiscal year) aggregate.
//!
//! Invariants:
//! - no I/O, no clock, no randomness: time and ids are passed in by callers;
//! - money is [`money::Yuan`] (`rust_decimal`), never a float;
//! - parsed types (codes, targets, amounts) cannot hold an invalid value;
//! - `UnitYear::handle` decides and yields events; `UnitYear::apply` never fails.
#![deny(clippy::float_arithmetic)]

pub mod aggregate;
pub mod budget;
pub mod codes;
pub mod evaluation;
pub mod event;
pub mod evidence;
pub mod fixture;
pub mod indicator;
pub mod input;
pub mod measure;
pub mod money;
pub mod monitoring;
pub mod profile;
pub mod recheck;
pub mod target;

pub use rust_decimal::Decimal;
