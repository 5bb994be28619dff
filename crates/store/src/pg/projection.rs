//! Read models on PostgreSQL: the events of an append transaction folded into the `rm_*`
//! tables in that same transaction (so the checkpoint always equals the committed head), and
//! the refold from the log (at open when the checkpoint is behind, and `rebuild`), with the
//! conventions of `crate::projection`: money in 分, a 红冲 subtracting on its own date from the
//! earliest unreversed payment of that id, a key whose sum is zero still written.

use crate::error::StoreError;
use crate::model::StreamId;
use crate::projection::{REFOLD_CHUNK_EVENTS, fen, project_key};
use crate::upcast;
use crate::writer::{Progress, to_i64, to_u64};
use chrono::NaiveDate;
use jixiao_domain::event::Event;
use postgres::{Client, Transaction};
use std::collections::BTreeMap;

/// Name of the read models' checkpoint row.
const CHECKPOINT: &str = "read_models";

/// Key of the per-unit tables: (year, unit, day).
type UnitKey = (i32, String, NaiveDate);

/// Money sums per key, written with one upsert per key at the end of a fold.
#[derive(Default)]
struct Sums {
    paid: BTreeMap<UnitKey, i64>,
    /// (initial, adjust, carry).
    budget: BTreeMap<UnitKey, (i64, i64, i64)>,
}

impl Sums {
    fn budget(&mut self, s: &StreamId, day: NaiveDate, initial: i64, adjust: i64, carry: i64) {
        let e = self
            .budget
            .entry((s.fiscal_year, s.unit.clone(), day))
            .or_default();
        e.0 += initial;
        e.1 += adjust;
        e.2 += carry;
    }

    fn paid(&mut self, s: &StreamId, day: NaiveDate, amount: i64) {
        *self
            .paid
            .entry((s.fiscal_year, s.unit.clone(), day))
            .or_default() += amount;
    }

    fn flush(self, tx: &mut Transaction<'_>) -> Result<(), StoreError> {
        if !self.paid.is_empty() {
            let stmt = tx.prepare(
                "INSERT INTO rm_unit_paid_day (fiscal_year, unit, day, paid_fen) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (fiscal_year, unit, day)
                 DO UPDATE SET paid_fen = rm_unit_paid_day.paid_fen + excluded.paid_fen",
            )?;
            for ((year, unit, day), amount) in self.paid {
                tx.execute(&stmt, &[&year, &unit, &day.to_string(), &amount])?;
            }
        }
        if !self.budget.is_empty() {
            let stmt = tx.prepare(
                "INSERT INTO rm_unit_budget_day (fiscal_year, unit, day, initial_fen, adjust_fen, carry_fen)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (fiscal_year, unit, day) DO UPDATE SET
                     initial_fen = rm_unit_budget_day.initial_fen + excluded.initial_fen,
                     adjust_fen = rm_unit_budget_day.adjust_fen + excluded.adjust_fen,
                     carry_fen = rm_unit_budget_day.carry_fen + excluded.carry_fen",
            )?;
            for ((year, unit, day), (initial, adjust, carry)) in self.budget {
                tx.execute(
                    &stmt,
                    &[&year, &unit, &day.to_string(), &initial, &adjust, &carry],
                )?;
            }
        }
        Ok(())
    }
}

/// Folds `events` (in log order) into the read models, in the caller's transaction.
pub(crate) fn fold_events(
    tx: &mut Transaction<'_>,
    events: &[(&StreamId, u64, &Event)],
) -> Result<(), StoreError> {
    let mut sums = Sums::default();
    for (s, position, event) in events {
        match event {
            Event::BudgetApproved(e) => {
                tx.execute(
                    "INSERT INTO rm_unit (fiscal_year, unit, unit_name, department, sangong_budget_fen, procurement_budget_fen)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (fiscal_year, unit) DO UPDATE SET unit_name = excluded.unit_name,
                         department = excluded.department,
                         sangong_budget_fen = excluded.sangong_budget_fen,
                         procurement_budget_fen = excluded.procurement_budget_fen",
                    &[
                        &s.fiscal_year,
                        &s.unit,
                        &e.unit.name,
                        &e.unit.department,
                        &fen(e.sangong_budget_yuan)?,
                        &fen(e.procurement_budget_yuan)?,
                    ],
                )?;
                status(tx, s, StatusChange::Pending(0))?;
                for line in &e.lines {
                    sums.budget(s, e.approved_on, fen(line.initial_yuan)?, 0, 0);
                }
            }
            Event::BudgetAdjusted(e) => {
                status(tx, s, StatusChange::Pending(-1))?;
                sums.budget(s, e.adjusted_on, 0, fen(e.delta_yuan)?, 0);
            }
            Event::CarryOverRecorded(e) => sums.budget(s, e.recorded_on, 0, 0, fen(e.amount_yuan)?),
            Event::PaymentRecorded(e) => {
                let amount = fen(e.amount_yuan)?;
                tx.execute(
                    "INSERT INTO rm_payment (position, unit, fiscal_year, payment_id, line_id,
                         project_code, economic_code, function_code, amount_fen, paid_on)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[
                        &to_i64(*position)?,
                        &s.unit,
                        &s.fiscal_year,
                        &e.payment_id.as_bytes().as_slice(),
                        &e.line_id.0,
                        &project_key(e.project_code.as_ref()),
                        &e.economic_code.as_str(),
                        &e.function_code.as_str(),
                        &amount,
                        &e.paid_on.to_string(),
                    ],
                )?;
                sums.paid(s, e.paid_on, amount);
            }
            Event::PaymentReversed(e) => {
                let original = tx.query_opt(
                    "SELECT position, amount_fen FROM rm_payment
                     WHERE unit = $1 AND fiscal_year = $2 AND payment_id = $3 AND reversed_on IS NULL
                     ORDER BY position LIMIT 1",
                    &[&s.unit, &s.fiscal_year, &e.payment_id.as_bytes().as_slice()],
                )?;
                if let Some(row) = original {
                    let (payment_position, amount): (i64, i64) = (row.get(0), row.get(1));
                    tx.execute(
                        "UPDATE rm_payment SET reversed_on = $2 WHERE position = $1",
                        &[&payment_position, &e.reversed_on.to_string()],
                    )?;
                    sums.paid(s, e.reversed_on, -amount);
                }
            }
            // As on SQLite (`crate::projection::fold`): where each unit's year-end workflow
            // stands and what waits for the bureau.
            Event::BudgetAdjustmentRequested(_) | Event::TargetAdjustmentRequested(_) => {
                status(tx, s, StatusChange::Pending(1))?;
            }
            Event::BudgetAdjustmentRejected(_)
            | Event::TargetAdjustmentApproved(_)
            | Event::TargetAdjustmentRejected(_) => status(tx, s, StatusChange::Pending(-1))?,
            Event::SelfEvaluationSubmitted(_) => {
                status(tx, s, StatusChange::Review("submitted"))?;
            }
            Event::SelfEvaluationReturned(_) => status(tx, s, StatusChange::Review("returned"))?,
            Event::SelfEvaluationApproved(_) => status(tx, s, StatusChange::Review("approved"))?,
            Event::YearClosed(_) => status(tx, s, StatusChange::Closed(true))?,
            Event::YearReopened(_) => {
                status(tx, s, StatusChange::Closed(false))?;
                status(tx, s, StatusChange::Review("draft"))?;
            }
            // As on SQLite: every other figure is the aggregate's.
            _ => {}
        }
    }
    sums.flush(tx)
}

/// One change of a unit's row in `rm_unit_status` (as `crate::projection::StatusChange`).
enum StatusChange {
    /// Requests waiting for the bureau, up or down (0: only make sure the row exists).
    Pending(i64),
    /// The review step: draft, submitted, returned or approved.
    Review(&'static str),
    /// The year closed or reopened.
    Closed(bool),
}

/// Applies `change` to the unit's status row, creating it (草稿, open, nothing pending) first.
fn status(tx: &mut Transaction<'_>, s: &StreamId, change: StatusChange) -> Result<(), StoreError> {
    let (review, closed, pending): (Option<&str>, Option<bool>, i64) = match change {
        StatusChange::Pending(delta) => (None, None, delta),
        StatusChange::Review(review) => (Some(review), None, 0),
        StatusChange::Closed(closed) => (None, Some(closed), 0),
    };
    tx.execute(
        "INSERT INTO rm_unit_status (fiscal_year, unit, review, closed, pending_requests)
         VALUES ($1, $2, coalesce($3, 'draft'), coalesce($4, false), $5)
         ON CONFLICT (fiscal_year, unit) DO UPDATE SET
             review = coalesce($3, rm_unit_status.review),
             closed = coalesce($4, rm_unit_status.closed),
             pending_requests = rm_unit_status.pending_requests + $5",
        &[&s.fiscal_year, &s.unit, &review, &closed, &pending],
    )?;
    Ok(())
}

/// Last position folded into the read models.
pub(crate) fn checkpoint(conn: &mut impl postgres::GenericClient) -> Result<u64, StoreError> {
    let row = conn.query_opt(
        "SELECT position FROM rm_checkpoint WHERE name = $1",
        &[&CHECKPOINT],
    )?;
    to_u64(row.map_or(0, |r| r.get(0)))
}

/// Records the last position folded (in the caller's transaction).
pub(crate) fn set_checkpoint(tx: &mut Transaction<'_>, position: u64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE rm_checkpoint SET position = $2 WHERE name = $1",
        &[&CHECKPOINT, &to_i64(position)?],
    )?;
    Ok(())
}

/// Folds the log beyond the checkpoint (from position 0 after emptying every read model when
/// `from_zero`) in one transaction holding the head's row lock, so no append interleaves and
/// the read models commit whole with their checkpoint. Returns the number of events folded.
pub(crate) fn refold(
    client: &mut Client,
    from_zero: bool,
    progress: &mut Progress,
) -> Result<u64, StoreError> {
    let mut tx = client.transaction()?;
    let head: i64 = tx
        .query_one("SELECT position FROM log_head WHERE id = 1 FOR UPDATE", &[])?
        .get(0);
    let head = to_u64(head)?;
    if from_zero {
        tx.batch_execute(
            "DELETE FROM rm_unit; DELETE FROM rm_unit_budget_day; DELETE FROM rm_payment;
             DELETE FROM rm_unit_paid_day; DELETE FROM rm_unit_status;",
        )?;
        set_checkpoint(&mut tx, 0)?;
    }
    let mut after = checkpoint(&mut tx)?;
    if after >= head {
        tx.commit()?;
        return Ok(0);
    }
    let mut folded = 0u64;
    while after < head {
        let rows = tx.query(
            "SELECT position, unit, fiscal_year, event_type, schema_version, payload
             FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3",
            &[
                &to_i64(after)?,
                &to_i64(head)?,
                &(REFOLD_CHUNK_EVENTS as i64),
            ],
        )?;
        if rows.is_empty() {
            break;
        }
        let mut chunk: Vec<(StreamId, u64, Event)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let position = to_u64(r.get(0))?;
            let schema_version = u32::try_from(r.get::<_, i32>(4)).unwrap_or(u32::MAX);
            let event = upcast::decode_text(r.get(3), schema_version, r.get(5)).map_err(|e| {
                StoreError::Decode {
                    position,
                    message: e.to_string(),
                }
            })?;
            chunk.push((
                StreamId::new(r.get::<_, String>(1), r.get(2)),
                position,
                event,
            ));
        }
        let refs: Vec<(&StreamId, u64, &Event)> =
            chunk.iter().map(|(s, p, e)| (s, *p, e)).collect();
        fold_events(&mut tx, &refs)?;
        after = chunk.last().map_or(after, |c| c.1);
        folded += chunk.len() as u64;
        progress(after, head);
    }
    set_checkpoint(&mut tx, after)?;
    tx.commit()?;
    Ok(folded)
}
