//! Read models: folding events into the `rm_*` tables by a checkpointed catch-up (the writer
//! folds what it committed in batches between append groups, and whatever the log holds beyond
//! the checkpoint when the store opens), the checkpoint committed with the rows, and `rebuild`
//! from position 0.
//!
//! Only what a production query reads is folded: the unit (`rm_unit`), its budget and payments
//! per day (`rm_unit_budget_day`, `rm_unit_paid_day`) for the finance bureau's all-units view
//! (`Store::unit_summaries`), the same sums per unit and month (`rm_unit_month`, so a view as
//! of a date reads at most 12 monthly rows per unit plus the days of that date's own month),
//! each unit's year-end workflow and pending adjustment requests (`rm_unit_status`), and the
//! payments (`rm_payment`) a reversal subtracts. Every other figure is the aggregate's.
//!
//! Choices (documented in docs/eventstore.md):
//! - money is stored as INTEGER 分 so SQL sums are exact;
//! - a 红冲 (payment reversal) counts on its own business date, as a negative amount on the
//!   original payment's line, project and economic code: the books of July keep a payment
//!   reversed in August. At year end (the only date the self-evaluation's measures use) both
//!   conventions agree;
//! - a reversal of an unknown or already reversed payment folds to nothing; a second record
//!   of a payment id (keyed by position) is kept as a second payment and a reversal takes the
//!   earliest unreversed one (the aggregate rejects them before they are stored; the fold never
//!   fails on them so a replay always succeeds).

use crate::error::StoreError;
use crate::model::StreamId;
use crate::upcast;
use crate::writer::{Progress, to_i64, to_u64};
use chrono::NaiveDate;
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::event::{Event, PaymentRecorded};
use jixiao_domain::money::Yuan;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// Name of the read models' checkpoint row.
const CHECKPOINT: &str = "read_models";
/// Events folded per transaction while catching up or rebuilding: bounds memory and the WAL.
pub const REFOLD_CHUNK_EVENTS: usize = 100_000;
/// WAL pages between checkpoints while catching up or rebuilding (the store's default is
/// 10,000): the WAL grows to about 200 MiB meanwhile.
const REFOLD_AUTOCHECKPOINT_PAGES: i64 = 50_000;

/// Yuan → 分 (exact: a `Yuan` has at most two decimals).
pub(crate) fn fen(y: Yuan) -> Result<i64, StoreError> {
    (y.yuan() * rust_decimal::Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or(StoreError::Limit {
            what: "amount_fen",
            max: i64::MAX as u64,
        })
}

/// 分 → Yuan.
pub(crate) fn yuan(fen: i64) -> Yuan {
    // Two decimals by construction, so `new` cannot refuse it.
    Yuan::new(rust_decimal::Decimal::new(fen, 2)).unwrap_or_default()
}

pub(crate) fn project_key(p: Option<&ProjectCode>) -> &str {
    p.map(|c| c.0.as_str()).unwrap_or("")
}

/// Last position folded into the read models.
pub(crate) fn checkpoint(conn: &Connection) -> Result<u64, StoreError> {
    let p: Option<i64> = conn
        .query_row(
            "SELECT position FROM rm_checkpoint WHERE name = ?1",
            [CHECKPOINT],
            |r| r.get(0),
        )
        .optional()?;
    to_u64(p.unwrap_or(0))
}

/// Records the last position folded (in the caller's transaction).
pub(crate) fn set_checkpoint(conn: &Connection, position: u64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO rm_checkpoint (name, position) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position",
    )?
    .execute(params![CHECKPOINT, to_i64(position)?])?;
    Ok(())
}

/// Key of the per-unit tables: (year, unit, day), their primary key order (a date sorts as its
/// `YYYY-MM-DD` text does).
type UnitKey<'a> = (i32, &'a str, NaiveDate);

/// Budget movement sums of one key.
#[derive(Debug, Default, Clone, Copy)]
struct MoveSums {
    initial: i64,
    adjust: i64,
    carry: i64,
}

impl MoveSums {
    fn add(&mut self, o: MoveSums) {
        self.initial += o.initial;
        self.adjust += o.adjust;
        self.carry += o.carry;
    }
}

/// Key of `rm_unit_month`: (year, unit, (calendar year, month)) — sorted as the table's
/// `YYYY-MM` text key is.
type MonthKey<'a> = (i32, &'a str, (i32, u32));

/// Budget movement and payment sums of one unit and month.
#[derive(Debug, Default, Clone, Copy)]
struct MonthSums {
    moves: MoveSums,
    paid: i64,
}

pub(crate) fn month_of(day: NaiveDate) -> (i32, u32) {
    use chrono::Datelike;
    (day.year(), day.month())
}

/// `YYYY-MM`, the month key of `rm_unit_month` (the prefix of a day's `YYYY-MM-DD`).
pub(crate) fn month_text((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

/// The additive read models (sums of money per key) folded in memory, then written with one
/// upsert per distinct key by [`Deltas::flush`]. Sums commute, so folding a whole group of
/// appends (or a rebuild chunk) first and writing once gives the same rows as writing per
/// event — at a few dozen upserts for a 1,000-payment import instead of 3,000. Keys are kept
/// sorted so the upserts walk each B-tree in order. A key whose sum is zero is still written
/// (as the per-event fold would), so incremental folding and a rebuild produce the same rows.
#[derive(Debug, Default)]
pub(crate) struct Deltas<'a> {
    unit_paid_day: BTreeMap<UnitKey<'a>, i64>,
    unit_budget_day: BTreeMap<UnitKey<'a>, MoveSums>,
    unit_month: BTreeMap<MonthKey<'a>, MonthSums>,
}

impl<'a> Deltas<'a> {
    fn add_budget_move(&mut self, s: &'a StreamId, day: NaiveDate, m: MoveSums) {
        self.unit_budget_day
            .entry((s.fiscal_year, s.unit.as_str(), day))
            .or_default()
            .add(m);
        self.unit_month
            .entry((s.fiscal_year, s.unit.as_str(), month_of(day)))
            .or_default()
            .moves
            .add(m);
    }

    fn add_paid(&mut self, s: &'a StreamId, day: NaiveDate, amount: i64) {
        *self
            .unit_paid_day
            .entry((s.fiscal_year, s.unit.as_str(), day))
            .or_default() += amount;
        self.unit_month
            .entry((s.fiscal_year, s.unit.as_str(), month_of(day)))
            .or_default()
            .paid += amount;
    }

    /// Writes one upsert per distinct key (in the caller's transaction) and empties the sums.
    pub(crate) fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        if !self.unit_paid_day.is_empty() {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO rm_unit_paid_day (fiscal_year, day, unit, paid_fen) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen",
            )?;
            for ((year, unit, day), amount) in std::mem::take(&mut self.unit_paid_day) {
                stmt.execute(params![year, day.to_string(), unit, amount])?;
            }
        }
        if !self.unit_budget_day.is_empty() {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO rm_unit_budget_day (fiscal_year, unit, day, initial_fen, adjust_fen, carry_fen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO UPDATE SET initial_fen = initial_fen + excluded.initial_fen,
                     adjust_fen = adjust_fen + excluded.adjust_fen,
                     carry_fen = carry_fen + excluded.carry_fen",
            )?;
            for ((year, unit, day), m) in std::mem::take(&mut self.unit_budget_day) {
                stmt.execute(params![
                    year,
                    unit,
                    day.to_string(),
                    m.initial,
                    m.adjust,
                    m.carry
                ])?;
            }
        }
        if !self.unit_month.is_empty() {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO rm_unit_month (fiscal_year, unit, month, initial_fen, adjust_fen, carry_fen, paid_fen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (fiscal_year, unit, month) DO UPDATE SET
                     initial_fen = rm_unit_month.initial_fen + excluded.initial_fen,
                     adjust_fen = rm_unit_month.adjust_fen + excluded.adjust_fen,
                     carry_fen = rm_unit_month.carry_fen + excluded.carry_fen,
                     paid_fen = rm_unit_month.paid_fen + excluded.paid_fen",
            )?;
            for ((year, unit, month), m) in std::mem::take(&mut self.unit_month) {
                stmt.execute(params![
                    year,
                    unit,
                    month_text(month),
                    m.moves.initial,
                    m.moves.adjust,
                    m.moves.carry,
                    m.paid
                ])?;
            }
        }
        Ok(())
    }
}

/// Folds one event into every read model. Never decides: whatever was stored is folded.
///
/// Rows keyed by an id (payments, activities, surveys, …) are written at once, because later
/// events of the same group look them up; money sums go to `deltas`, written by
/// [`Deltas::flush`] before the transaction commits.
pub(crate) fn fold<'a>(
    conn: &Connection,
    deltas: &mut Deltas<'a>,
    s: &'a StreamId,
    position: u64,
    event: &'a Event,
) -> Result<(), StoreError> {
    match event {
        Event::BudgetApproved(e) => {
            conn.prepare_cached(
                "INSERT INTO rm_unit (fiscal_year, unit, unit_name, department, sangong_budget_fen, procurement_budget_fen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO UPDATE SET unit_name = excluded.unit_name, department = excluded.department,
                     sangong_budget_fen = excluded.sangong_budget_fen,
                     procurement_budget_fen = excluded.procurement_budget_fen",
            )?
            .execute(params![
                s.fiscal_year,
                s.unit,
                e.unit.name,
                e.unit.department,
                fen(e.sangong_budget_yuan)?,
                fen(e.procurement_budget_yuan)?
            ])?;
            status(conn, s, StatusChange::Pending(0))?;
            let day = e.approved_on;
            for line in &e.lines {
                deltas.add_budget_move(
                    s,
                    day,
                    MoveSums {
                        initial: fen(line.initial_yuan)?,
                        ..MoveSums::default()
                    },
                );
            }
        }
        Event::BudgetAdjusted(e) => {
            status(conn, s, StatusChange::Pending(-1))?;
            let delta = fen(e.delta_yuan)?;
            deltas.add_budget_move(
                s,
                e.adjusted_on,
                MoveSums {
                    adjust: delta,
                    ..MoveSums::default()
                },
            );
        }
        Event::CarryOverRecorded(e) => {
            deltas.add_budget_move(
                s,
                e.recorded_on,
                MoveSums {
                    carry: fen(e.amount_yuan)?,
                    ..MoveSums::default()
                },
            );
        }
        Event::PaymentRecorded(e) => insert_payments(conn, deltas, &[(s, position, e)])?,
        Event::PaymentReversed(e) => {
            let id = e.payment_id.as_bytes().as_slice();
            // The unit's payments through the stream index of `events` (rowid = position):
            // one pass over the stream, paid only by reversals, which are rare. CROSS JOIN
            // keeps `events` as the outer loop.
            let original: Option<(i64, i64)> = conn
                .prepare_cached(
                    "SELECT p.position, p.amount_fen
                     FROM events e CROSS JOIN rm_payment p ON p.position = e.position
                     WHERE e.unit = ?2 AND e.fiscal_year = ?3 AND p.payment_id = ?1
                       AND p.reversed_on IS NULL
                     ORDER BY p.position LIMIT 1",
                )?
                .query_row(params![id, s.unit, s.fiscal_year], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((payment_position, amount)) = original {
                conn.prepare_cached("UPDATE rm_payment SET reversed_on = ?2 WHERE position = ?1")?
                    .execute(params![payment_position, e.reversed_on.to_string()])?;
                deltas.add_paid(s, e.reversed_on, -amount);
            }
        }
        // Activities, surveys, assessments and procurement, requests, rejections, targets,
        // reports and locks live in the aggregate, not in these read models (no production
        // query read the tables they once filled; migration 0005 dropped them).
        // The bureau's view shows where each unit's year-end workflow stands and what waits
        // for a decision: folded here as the aggregate applies them (the aggregate refuses a
        // decision on a request that is not pending, so the count never goes below zero).
        Event::BudgetAdjustmentRequested(_) | Event::TargetAdjustmentRequested(_) => {
            status(conn, s, StatusChange::Pending(1))?;
        }
        Event::BudgetAdjustmentRejected(_)
        | Event::TargetAdjustmentApproved(_)
        | Event::TargetAdjustmentRejected(_) => status(conn, s, StatusChange::Pending(-1))?,
        Event::SelfEvaluationSubmitted(_) => status(conn, s, StatusChange::Review("submitted"))?,
        Event::SelfEvaluationReturned(_) => status(conn, s, StatusChange::Review("returned"))?,
        Event::SelfEvaluationApproved(_) => status(conn, s, StatusChange::Review("approved"))?,
        Event::YearClosed(_) => status(conn, s, StatusChange::Closed(true))?,
        Event::YearReopened(_) => {
            // Reopened to be corrected: the unit submits anew.
            status(conn, s, StatusChange::Closed(false))?;
            status(conn, s, StatusChange::Review("draft"))?;
        }
        Event::ActivityHeld(_)
        | Event::ActivityCorrected(_)
        | Event::ActivityWithdrawn(_)
        | Event::SurveyRecorded(_)
        | Event::IndicatorAssessed(_)
        | Event::ProcurementRecorded(_)
        | Event::TargetsApproved(_)
        | Event::MonitoringReportFiled(_)
        | Event::DeviationExplained(_)
        | Event::EvidenceAttached(_) => {}
    }
    Ok(())
}

/// One change of a unit's row in `rm_unit_status`.
enum StatusChange {
    /// Requests waiting for the bureau, up or down (0: only make sure the row exists).
    Pending(i64),
    /// The review step: draft, submitted, returned or approved.
    Review(&'static str),
    /// The year closed or reopened.
    Closed(bool),
}

/// Applies `change` to the unit's status row, creating it (草稿, open, nothing pending) first.
fn status(conn: &Connection, s: &StreamId, change: StatusChange) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO rm_unit_status (fiscal_year, unit, review, closed, pending_requests)
         VALUES (?1, ?2, 'draft', 0, 0)
         ON CONFLICT (fiscal_year, unit) DO NOTHING",
    )?
    .execute(params![s.fiscal_year, s.unit])?;
    match change {
        StatusChange::Pending(0) => {}
        StatusChange::Pending(delta) => {
            conn.prepare_cached(
                "UPDATE rm_unit_status SET pending_requests = pending_requests + ?3
                 WHERE fiscal_year = ?1 AND unit = ?2",
            )?
            .execute(params![s.fiscal_year, s.unit, delta])?;
        }
        StatusChange::Review(review) => {
            conn.prepare_cached(
                "UPDATE rm_unit_status SET review = ?3 WHERE fiscal_year = ?1 AND unit = ?2",
            )?
            .execute(params![s.fiscal_year, s.unit, review])?;
        }
        StatusChange::Closed(closed) => {
            conn.prepare_cached(
                "UPDATE rm_unit_status SET closed = ?3 WHERE fiscal_year = ?1 AND unit = ?2",
            )?
            .execute(params![s.fiscal_year, s.unit, i64::from(closed)])?;
        }
    }
    Ok(())
}

/// Payments per multi-row INSERT in [`fold_batch`].
const PAYMENT_ROWS: usize = 32;
/// Columns of an `rm_payment` row as inserted.
const PAYMENT_COLUMNS: usize = 10;

/// `INSERT INTO rm_payment … VALUES (…), …` for `rows` rows.
fn payment_insert(rows: usize) -> String {
    let one = format!("({})", ["?"; PAYMENT_COLUMNS].join(", "));
    format!(
        "INSERT INTO rm_payment (position, unit, fiscal_year, payment_id, line_id,
             project_code, economic_code, function_code, amount_fen, paid_on)
         VALUES {}",
        vec![one; rows].join(", ")
    )
}

/// Inserts payments into `rm_payment` (keyed by position: appended at the end of the table)
/// and adds them to the paid-per-day sums: [`PAYMENT_ROWS`] rows per statement, the rest one
/// by one. A position folded twice is an error (the checkpoint commits with its rows, so it
/// never happens; the writer then catches up from the log).
fn insert_payments<'a>(
    conn: &Connection,
    deltas: &mut Deltas<'a>,
    rows: &[(&'a StreamId, u64, &'a PaymentRecorded)],
) -> Result<(), StoreError> {
    static MANY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| payment_insert(PAYMENT_ROWS));
    static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| payment_insert(1));
    struct Row<'r> {
        position: i64,
        unit: &'r str,
        fiscal_year: i32,
        payment_id: &'r [u8],
        line_id: &'r str,
        project: &'r str,
        economic_code: &'r str,
        function_code: &'r str,
        amount: i64,
        paid_on: String,
    }
    let mut prepared: Vec<Row<'a>> = Vec::with_capacity(rows.len());
    for (s, position, e) in rows {
        let amount = fen(e.amount_yuan)?;
        prepared.push(Row {
            position: to_i64(*position)?,
            unit: &s.unit,
            fiscal_year: s.fiscal_year,
            payment_id: e.payment_id.as_bytes().as_slice(),
            line_id: &e.line_id.0,
            project: project_key(e.project_code.as_ref()),
            economic_code: e.economic_code.as_str(),
            function_code: e.function_code.as_str(),
            amount,
            paid_on: e.paid_on.to_string(),
        });
        deltas.add_paid(s, e.paid_on, amount);
    }
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(rows.len() * PAYMENT_COLUMNS);
    for r in &prepared {
        values.extend([
            &r.position as &dyn rusqlite::ToSql,
            &r.unit,
            &r.fiscal_year,
            &r.payment_id,
            &r.line_id,
            &r.project,
            &r.economic_code,
            &r.function_code,
            &r.amount,
            &r.paid_on,
        ]);
    }
    let mut chunks = values.chunks_exact(PAYMENT_ROWS * PAYMENT_COLUMNS);
    for chunk in &mut chunks {
        conn.prepare_cached(&MANY)?.execute(chunk)?;
    }
    for row in chunks.remainder().chunks(PAYMENT_COLUMNS) {
        conn.prepare_cached(&ONE)?.execute(row)?;
    }
    Ok(())
}

/// Folds `events` (consecutive positions right after the checkpoint, in log order) into the
/// read models and moves the checkpoint to the last one, in one transaction: the rows and
/// the checkpoint commit together or not at all (guarantee 6).
pub(crate) fn fold_batch(
    conn: &mut Connection,
    events: &[(StreamId, u64, Event)],
) -> Result<(), StoreError> {
    let Some(last) = events.last().map(|e| e.1) else {
        return Ok(());
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut deltas = Deltas::default();
    // Consecutive payments go in multi-row INSERTs; any other event first writes the payments
    // before it (a reversal looks them up), so the rows are those of folding one by one.
    let mut payments: Vec<(&StreamId, u64, &PaymentRecorded)> = Vec::with_capacity(PAYMENT_ROWS);
    for (stream, position, event) in events {
        if let Event::PaymentRecorded(p) = event {
            payments.push((stream, *position, p));
            if payments.len() == PAYMENT_ROWS {
                insert_payments(&tx, &mut deltas, &payments)?;
                payments.clear();
            }
            continue;
        }
        if !payments.is_empty() {
            insert_payments(&tx, &mut deltas, &payments)?;
            payments.clear();
        }
        fold(&tx, &mut deltas, stream, *position, event)?;
    }
    if !payments.is_empty() {
        insert_payments(&tx, &mut deltas, &payments)?;
    }
    deltas.flush(&tx)?;
    set_checkpoint(&tx, last)?;
    tx.commit()?;
    Ok(())
}

/// Folds every event after the checkpoint, in chunks of [`REFOLD_CHUNK_EVENTS`], each
/// committed with its checkpoint. Returns how many events were folded.
///
/// Two threads: a reader (its own read-only connection) selects and decodes the next chunk
/// while this thread folds the previous one, so decoding (about half the work) overlaps the
/// writes. Chunks are folded in log order, one transaction each; a failed read or fold stops
/// the catch-up with everything before it committed.
pub(crate) fn catch_up(conn: &mut Connection, progress: &mut Progress) -> Result<u64, StoreError> {
    // Without fsync (see `without_fsync`), and with fewer, larger checkpoints meanwhile, one at
    // the end; the connection's own setting comes back afterwards, also after an error.
    let autocheckpoint: i64 = conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
    conn.pragma_update(None, "wal_autocheckpoint", REFOLD_AUTOCHECKPOINT_PAGES)?;
    let folded = without_fsync(conn, |conn| catch_up_inner(conn, progress));
    conn.pragma_update(None, "wal_autocheckpoint", autocheckpoint)?;
    let folded = folded?;
    if folded > 0 {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    }
    Ok(folded)
}

/// Runs `f` with `synchronous=NORMAL` on `conn` (commits without fsync) and gives the
/// connection its own setting back afterwards, also when `f` fails. For read-model commits only:
/// the read models are a cache of the log. `NORMAL` still syncs the WAL before every checkpoint,
/// the next append's commit (`FULL`) syncs the whole WAL file, read-model frames included, and
/// WAL recovery keeps a prefix of whole transactions — so a power loss can only take the read
/// models back to an earlier checkpoint, which the next open folds again. No append ever commits
/// under this setting: the writer runs appends and folds one after the other.
pub(crate) fn without_fsync<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    if synchronous <= 1 {
        // OFF or NORMAL already: nothing to relax.
        return f(conn);
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = f(conn);
    conn.pragma_update(None, "synchronous", synchronous)?;
    result
}

/// [`catch_up`] with the connection's settings as they are.
fn catch_up_inner(conn: &mut Connection, progress: &mut Progress) -> Result<u64, StoreError> {
    let head = crate::writer::load_head(conn)?.position;
    let start = checkpoint(conn)?;
    if start >= head {
        return Ok(0);
    }
    let reader = match conn.path().filter(|p| !p.is_empty()) {
        Some(path) => Some(Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?),
        // An in-memory database has no second connection: read on this thread.
        None => None,
    };
    if let Some(r) = &reader {
        r.busy_timeout(std::time::Duration::from_secs(5))?;
    }
    let Some(reader) = reader else {
        let mut done = start;
        let mut folded = 0;
        while done < head {
            let chunk = read_chunk(conn, done, head)?;
            let Some(last) = chunk.last().map(|e| e.1) else {
                break;
            };
            fold_batch(conn, &chunk)?;
            folded += chunk.len() as u64;
            done = last;
            progress(done, head);
        }
        return Ok(folded);
    };
    // One chunk decoded ahead of the one being folded.
    let (chunks_tx, chunks_rx) = std::sync::mpsc::sync_channel::<Result<Chunk, StoreError>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut after = start;
            while after < head {
                let chunk = read_chunk(&reader, after, head);
                let next = match &chunk {
                    Ok(c) => c.last().map(|e| e.1),
                    Err(_) => None,
                };
                // The folding side hung up (it failed), or nothing more to read: stop.
                if chunks_tx.send(chunk).is_err() {
                    break;
                }
                match next {
                    Some(position) => after = position,
                    None => break,
                }
            }
        });
        let mut folded = 0;
        for chunk in chunks_rx {
            let chunk = chunk?;
            let Some(last) = chunk.last().map(|e| e.1) else {
                break;
            };
            assert!(
                last <= head,
                "catch-up chunk ends at {last}, past the log head {head}"
            );
            // In log order: payments (keyed by position) are appended at the end of rm_payment.
            fold_batch(conn, &chunk)?;
            folded += chunk.len() as u64;
            progress(last, head);
        }
        Ok(folded)
    })
}

/// Decoded events with their streams and positions, in log order.
type Chunk = Vec<(StreamId, u64, Event)>;

/// Up to [`REFOLD_CHUNK_EVENTS`] events after `after` and at most `head`, decoded.
fn read_chunk(conn: &Connection, after: u64, head: u64) -> Result<Chunk, StoreError> {
    let capacity = usize::try_from(head.saturating_sub(after)).unwrap_or(REFOLD_CHUNK_EVENTS);
    let mut chunk: Chunk = Vec::with_capacity(capacity.min(REFOLD_CHUNK_EVENTS));
    // Only the columns a fold needs; payloads at their current version are decoded straight
    // from the text (`upcast::decode_text`).
    let mut stmt = conn.prepare_cached(
        "SELECT position, unit, fiscal_year, event_type, schema_version, payload
         FROM events WHERE position > ?1 AND position <= ?2 ORDER BY position LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![
        to_i64(after)?,
        to_i64(head)?,
        REFOLD_CHUNK_EVENTS as i64
    ])?;
    let mut stream = StreamId::new(String::new(), 0);
    while let Some(row) = rows.next()? {
        let position = to_u64(row.get(0)?)?;
        let text = |i: usize| -> Result<&str, StoreError> {
            row.get_ref(i)?.as_str().map_err(|_| StoreError::Decode {
                position,
                message: format!("第 {i} 列不是文本 (column {i} is not text)"),
            })
        };
        let unit = text(1)?;
        let fiscal_year: i32 = row.get(2)?;
        if stream.unit != unit || stream.fiscal_year != fiscal_year {
            stream = StreamId::new(unit, fiscal_year);
        }
        let event_type = text(3)?;
        let schema_version: u32 = row.get(4)?;
        let payload = text(5)?;
        let event = upcast::decode_text(event_type, schema_version, payload).map_err(|e| {
            StoreError::Decode {
                position,
                message: e.to_string(),
            }
        })?;
        chunk.push((stream.clone(), position, event));
    }
    Ok(chunk)
}

/// Empties every read model and refolds the whole log. The clearing commits first and the
/// refold commits in chunks with its checkpoint, so a crash mid-way resumes at the next start.
pub(crate) fn rebuild(conn: &mut Connection, progress: &mut Progress) -> Result<u64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let tables: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\' AND name <> 'rm_checkpoint'",
        )?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for t in &tables {
        tx.execute(&format!("DELETE FROM \"{t}\""), [])?;
    }
    set_checkpoint(&tx, 0)?;
    tx.commit()?;
    catch_up(conn, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventMeta, ExpectedVersion, NewEvent};
    use crate::options::StoreOptions;
    use crate::store::Store;
    use jixiao_domain::budget::LineId;
    use jixiao_domain::codes::{EconomicCode, FunctionCode};

    fn payment(n: u32) -> NewEvent {
        let event = Event::PaymentRecorded(PaymentRecorded {
            payment_id: uuid::Uuid::new_v4(),
            paid_on: NaiveDate::from_ymd_opt(2024, 3, 1 + n % 28).unwrap(),
            line_id: LineId("B-30201".into()),
            economic_code: EconomicCode::parse("30201").unwrap(),
            function_code: FunctionCode::parse("2060401").unwrap(),
            project_code: None,
            amount_yuan: Yuan::new(rust_decimal::Decimal::new(i64::from(n) * 100, 2)).unwrap(),
            voucher_no: None,
            summary: "支出".into(),
        });
        let meta = EventMeta {
            actor: "test".into(),
            request_id: "r".into(),
            recorded_at: None,
        };
        NewEvent::new(uuid::Uuid::new_v4(), event, meta).unwrap()
    }

    /// A read-model commit skips the fsync; the connection is `FULL` again afterwards, also
    /// after a failed fold, so the next append is as durable as ever.
    #[test]
    fn folds_commit_without_fsync_and_give_the_setting_back_even_after_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = StoreOptions::new(dir.path().join("jixiao.db"))
            .open_connection()
            .unwrap();
        let setting = |c: &Connection| -> i64 {
            c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap()
        };
        assert_eq!(setting(&conn), 2, "2 = FULL");
        let inside = without_fsync(&mut conn, |c| Ok(setting(c))).unwrap();
        assert_eq!(inside, 1, "1 = NORMAL while folding");
        assert_eq!(setting(&conn), 2);
        let failed: Result<(), StoreError> = without_fsync(&mut conn, |_| {
            Err(StoreError::Corrupt("fold failed".into()))
        });
        assert!(failed.is_err());
        assert_eq!(setting(&conn), 2);
    }

    /// The catch-up folds without fsync and with rarer checkpoints, then gives the connection
    /// its own settings back: appends after a rebuild are as durable as before it.
    #[test]
    fn a_catch_up_restores_the_connections_durability_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jixiao.db");
        {
            let store = Store::open(StoreOptions::new(&path)).unwrap();
            let events = (1..=40).map(payment).collect();
            store
                .append(StreamId::new("261301", 2024), ExpectedVersion::Any, events)
                .unwrap();
        }
        let mut conn = StoreOptions::new(&path).open_connection().unwrap();
        conn.execute("UPDATE rm_checkpoint SET position = 0", [])
            .unwrap();
        conn.execute("DELETE FROM rm_payment", []).unwrap();
        conn.execute("DELETE FROM rm_unit_paid_day", []).unwrap();
        let mut quiet: Progress = Box::new(|_, _| {});
        assert_eq!(catch_up(&mut conn, &mut quiet).unwrap(), 40);
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        let autocheckpoint: i64 = conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "2 = FULL");
        assert_eq!(
            autocheckpoint,
            i64::from(crate::options::DEFAULT_WAL_AUTOCHECKPOINT_PAGES)
        );
        let paid: i64 = conn
            .query_row("SELECT sum(amount_fen) FROM rm_payment", [], |r| r.get(0))
            .unwrap();
        assert_eq!(paid, (1..=40).map(|n| n * 100).sum::<i64>());
    }
}
