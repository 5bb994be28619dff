//! Bulk load: many units' commands of one fiscal year through the running server in one batch
//! (`App::bulk_load`, behind `POST /api/v1/years/{year}/bulk` and `jixiao bulk-load`), for an
//! operator loading a province's ledgers without a staff account per unit.
//!
//! A batch is all or nothing as far as the rules go: every unit's commands are decided on a
//! copy of its year, with the years of every unit of the batch locked, and nothing is appended
//! unless every command of every unit passes (each refusal is reported with its unit and line).
//! Then each unit's events are appended in chunks of [`IMPORT_BATCH_EVENTS`], several units at
//! once so the store's writer shares its fsyncs among them. A command whose event id is
//! already in its unit's log is skipped (counted as replayed), so a retried batch — also one
//! cut off by a crash between two units' appends — writes nothing twice.
//!
//! The answer holds counts and log positions only: an operator (the admin) reads no unit's
//! figures (docs/security.md).

use crate::App;
use crate::cache::{Year, lock};
use crate::error::{AppError, FieldError};
use crate::import::decide_all;
use crate::write::{Actor, IMPORT_BATCH_EVENTS, Item, to_new_events};
use jixiao_domain::aggregate::DomainError;
use jixiao_domain::event::Event;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{Appended, ExpectedVersion, StreamId};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Most commands one bulk batch holds.
pub const MAX_BULK_ITEMS: usize = 50_000;
/// Most units one bulk batch holds (each unit's year is locked while the batch runs).
pub const MAX_BULK_UNITS: usize = 1_000;
/// Units appended at once (their appends share the writer's fsyncs).
pub const BULK_APPEND_THREADS: usize = 4;
/// Most refusals listed in one answer (the count is always complete).
pub const MAX_BULK_REFUSALS_LISTED: usize = 100;

/// One command of a bulk batch: its unit, its client event id and the command, with its line
/// in the batch (1-based) for error messages.
#[derive(Debug, Clone)]
pub struct BulkItem {
    /// 单位代码.
    pub unit: String,
    /// The command with its event id.
    pub item: Item,
    /// Line of the batch (1-based).
    pub line: usize,
}

/// What a bulk batch wrote: counts and positions only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkLoaded {
    /// Units of the batch.
    pub units: usize,
    /// Commands of the batch.
    pub items: usize,
    /// Commands already recorded (skipped).
    pub replayed: usize,
    /// Events appended.
    pub events: usize,
    /// Lowest log position written (None: nothing written).
    pub first_position: Option<u64>,
    /// Highest log position written.
    pub last_position: Option<u64>,
}

/// A command of a bulk batch refused by the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRefusal {
    /// 单位代码.
    pub unit: String,
    /// Line of the batch (1-based).
    pub line: usize,
    /// The rule broken.
    pub error: DomainError,
}

/// Why a bulk batch wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkError {
    /// Commands the rules refused (at most [`MAX_BULK_REFUSALS_LISTED`] listed) and how many
    /// in all; nothing was written.
    #[error("{total} 条记录不符合规则，本批未写入任何数据 (refused; nothing written)")]
    Refused {
        /// The first refusals, in batch order.
        listed: Vec<BulkRefusal>,
        /// Refusals in all.
        total: usize,
    },
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<BulkError> for AppError {
    fn from(e: BulkError) -> Self {
        match e {
            BulkError::App(e) => e,
            BulkError::Refused { listed, total } => {
                let errors = listed
                    .iter()
                    .map(|r| {
                        FieldError::new(
                            format!("line {}.{}", r.line, r.error.field()),
                            format!("单位 {}：{}", r.unit, r.error),
                            r.error.code(),
                        )
                    })
                    .collect();
                AppError::rejected(
                    "bulk_refused",
                    format!(
                        "{total} 条记录不符合规则，本批未写入任何数据 (refused; nothing written)"
                    ),
                    errors,
                )
            }
        }
    }
}

fn too_many(what: &'static str, max: usize, got: usize) -> AppError {
    AppError::invalid(
        "bulk_too_large",
        format!("一批最多 {max} 个{what}，收到 {got} (batch too large)"),
        vec![FieldError::new(
            "body",
            format!("一批最多 {max} 个{what}"),
            "batch too large",
        )],
    )
}

/// One unit's appends, in order, or why they stopped.
type UnitAppends = Result<Vec<Appended>, AppError>;

/// One unit's share of a batch after deciding: what to append, from which version.
struct Decided {
    stream: StreamId,
    version: u64,
    events: Vec<(Uuid, Event)>,
}

impl App {
    /// Decides every command of a batch of units of `year` (all or nothing) and appends the
    /// events of each unit, skipping commands whose event id is already recorded.
    pub fn bulk_load(
        &self,
        year: i32,
        items: Vec<BulkItem>,
        actor: &Actor,
        profile: &ScoringProfile,
    ) -> Result<BulkLoaded, BulkError> {
        if items.len() > MAX_BULK_ITEMS {
            return Err(too_many("命令", MAX_BULK_ITEMS, items.len()).into());
        }
        let total_items = items.len();
        // Each unit's commands in batch order.
        let mut by_unit: BTreeMap<StreamId, Vec<BulkItem>> = BTreeMap::new();
        for item in items {
            by_unit
                .entry(StreamId::new(item.unit.clone(), year))
                .or_default()
                .push(item);
        }
        if by_unit.len() > MAX_BULK_UNITS {
            return Err(too_many("单位", MAX_BULK_UNITS, by_unit.len()).into());
        }
        for (stream, items) in &by_unit {
            crate::write::validate_stream(stream)?;
            let plain: Vec<Item> = items.iter().map(|b| b.item.clone()).collect();
            self.check_evidence_stored(&plain)?;
        }
        // Lock every unit's year, in stream order (so two bulk batches never wait on each
        // other in a cycle; a single write locks one year only). A year not in the cache is
        // loaded on the side and not cached: loading a province must not evict the years
        // people are working on, nor hold every unit's state in memory. Its appends expect
        // the version it was loaded at, so a write racing it from elsewhere fails the batch
        // (409), and the retry skips what was written.
        let entries: Vec<(StreamId, Arc<Mutex<Year>>)> = by_unit
            .keys()
            .map(|s| {
                let year = self
                    .cache
                    .cached(s)
                    .unwrap_or_else(|| Arc::new(Mutex::new(Year::default())));
                (s.clone(), year)
            })
            .collect();
        let mut years: Vec<_> = entries.iter().map(|(_, e)| lock(e)).collect();
        let mut refused = Vec::new();
        let mut decided = Vec::new();
        let mut replayed = 0;
        for (((stream, items), year), (_, entry)) in
            by_unit.iter().zip(years.iter_mut()).zip(&entries)
        {
            self.catch_up(stream, year)?;
            // Counted when cached (a year loaded on the side is not the cache's).
            self.cache.settle(stream, entry, year.events());
            let (done, todo): (Vec<&BulkItem>, Vec<&BulkItem>) = items
                .iter()
                .partition(|b| year.version_of(&b.item.event_id).is_some());
            replayed += done.len();
            let plain: Vec<Item> = todo.iter().map(|b| b.item.clone()).collect();
            match decide_all(&year.state, &plain, profile) {
                Ok(events) => decided.push(Decided {
                    stream: stream.clone(),
                    version: year.state.version(),
                    events,
                }),
                Err(crate::import::ImportError::Refused(list)) => {
                    refused.extend(list.into_iter().map(|(i, error)| BulkRefusal {
                        unit: stream.unit.clone(),
                        line: todo[i].line,
                        error,
                    }));
                }
                Err(crate::import::ImportError::App(e)) => return Err(e.into()),
            }
        }
        if !refused.is_empty() {
            refused.sort_by_key(|r| r.line);
            let total = refused.len();
            refused.truncate(MAX_BULK_REFUSALS_LISTED);
            return Err(BulkError::Refused {
                listed: refused,
                total,
            });
        }
        let appended = self.append_units(&decided, actor)?;
        let mut loaded = BulkLoaded {
            units: by_unit.len(),
            items: total_items,
            replayed,
            ..BulkLoaded::default()
        };
        for ((unit, batches), year) in decided.iter().zip(appended).zip(years.iter_mut()) {
            let mut at = 0;
            for a in batches {
                let chunk = &unit.events[at..at + a.positions.len()];
                for ((id, event), position) in chunk.iter().zip(&a.positions) {
                    year.apply(*id, *position, event);
                }
                at += a.positions.len();
                loaded.events += a.positions.len();
                loaded.first_position = Some(
                    loaded
                        .first_position
                        .map_or(a.first_position, |p| p.min(a.first_position)),
                );
                loaded.last_position = Some(
                    loaded
                        .last_position
                        .map_or(a.last_position, |p| p.max(a.last_position)),
                );
            }
        }
        drop(years);
        Ok(loaded)
    }

    /// Appends each unit's events (chunks in order, each expecting the version the previous
    /// left), [`BULK_APPEND_THREADS`] units at once. Returns each unit's appends in order;
    /// the first failure stops the rest (units appended before it stay: a retry skips them).
    fn append_units(
        &self,
        decided: &[Decided],
        actor: &Actor,
    ) -> Result<Vec<Vec<Appended>>, AppError> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Mutex<Vec<Option<UnitAppends>>> =
            Mutex::new((0..decided.len()).map(|_| None).collect());
        let threads = BULK_APPEND_THREADS.min(decided.len()).max(1);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(unit) = decided.get(i) else { break };
                        let result = self.append_unit(unit, actor);
                        let failed = result.is_err();
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some(result);
                        }
                        if failed {
                            // Stop handing out units: the batch failed.
                            next.store(decided.len(), std::sync::atomic::Ordering::Relaxed);
                            break;
                        }
                    }
                });
            }
        });
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Some(r) => out.push(r?),
                None => {
                    return Err(AppError::unavailable(
                        "本批未全部写入，请重试（已写入的记录不会重复）(batch interrupted; retry)",
                    ));
                }
            }
        }
        Ok(out)
    }

    fn append_unit(&self, unit: &Decided, actor: &Actor) -> Result<Vec<Appended>, AppError> {
        let mut version = unit.version;
        let mut out = Vec::new();
        for chunk in unit.events.chunks(IMPORT_BATCH_EVENTS) {
            let appended = self
                .store
                .append(
                    unit.stream.clone(),
                    ExpectedVersion::Exact(version),
                    to_new_events(chunk, actor)?,
                )
                .map_err(|e| AppError::append(e, None))?;
            version = appended.stream_version;
            out.push(appended);
        }
        Ok(out)
    }
}
