//! Read models on PostgreSQL: the log folded into the `rm_*` tables beyond their checkpoint, in
//! transactions that commit the rows with the checkpoint and hold its row lock (so no two folds,
//! of this process or another, fold an event twice) — by each process's projector thread after
//! its appends, by a read that finds the read models behind the head ([`catch_up`]), at open,
//! and from zero by `rebuild` — with the
//! conventions of `crate::projection`: money in 分, a 红冲 subtracting on its own date from the
//! earliest unreversed payment of that id, a key whose sum is zero still written.

use crate::error::StoreError;
use crate::model::StreamId;
use crate::projection::{REFOLD_CHUNK_EVENTS, fen, month_of, month_text, project_key};
use crate::upcast;
use crate::writer::{Progress, to_i64, to_u64};
use chrono::NaiveDate;
use jixiao_domain::event::Event;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, GenericClient, Statement, Transaction};
use std::collections::BTreeMap;

/// Name of the read models' checkpoint row.
const CHECKPOINT: &str = "read_models";

/// Key of the per-unit tables: (year, unit, day).
type UnitKey = (i32, String, NaiveDate);

/// The statements of a fold, prepared once per connection (each unprepared statement costs
/// a second round trip: parse, then execute). Rows are written with multi-row statements
/// (`INSERT … SELECT FROM unnest(…)`): a fold costs a fixed number of round trips, not one or
/// two per event.
pub(crate) struct FoldStatements {
    unit: Statement,
    status: Statement,
    payments: Statement,
    reversed_find: Statement,
    reversed_mark: Statement,
    paid: Statement,
    budget: Statement,
    month: Statement,
}

impl FoldStatements {
    /// Prepares the statements on `client` (valid for its whole session).
    pub(crate) fn prepare(client: &mut impl GenericClient) -> Result<Self, StoreError> {
        Ok(FoldStatements {
            unit: client.prepare(
                "INSERT INTO rm_unit (fiscal_year, unit, unit_name, department, sangong_budget_fen, procurement_budget_fen)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (fiscal_year, unit) DO UPDATE SET unit_name = excluded.unit_name,
                     department = excluded.department,
                     sangong_budget_fen = excluded.sangong_budget_fen,
                     procurement_budget_fen = excluded.procurement_budget_fen",
            )?,
            status: client.prepare(
                "INSERT INTO rm_unit_status (fiscal_year, unit, review, closed, pending_requests)
                 VALUES ($1, $2, coalesce($3, 'draft'), coalesce($4, false), $5)
                 ON CONFLICT (fiscal_year, unit) DO UPDATE SET
                     review = coalesce($3, rm_unit_status.review),
                     closed = coalesce($4, rm_unit_status.closed),
                     pending_requests = rm_unit_status.pending_requests + $5",
            )?,
            payments: client.prepare(&format!(
                "INSERT INTO {PAYMENT_TABLE} {}",
                unnest_payments(1)
            ))?,
            reversed_find: client.prepare(
                "SELECT p.unit, p.fiscal_year, p.payment_id, p.position, p.amount_fen
                 FROM rm_payment p
                 JOIN unnest($1::text[], $2::integer[], $3::bytea[]) AS k(unit, fiscal_year, payment_id)
                   ON p.unit = k.unit AND p.fiscal_year = k.fiscal_year
                  AND p.payment_id = k.payment_id
                 WHERE p.reversed_on IS NULL
                 ORDER BY p.position",
            )?,
            reversed_mark: client.prepare(&format!("{MARK_REVERSED} {}", unnest_marks(1)))?,
            paid: client.prepare(
                "INSERT INTO rm_unit_paid_day (fiscal_year, unit, day, paid_fen)
                 SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[])
                 ON CONFLICT (fiscal_year, unit, day)
                 DO UPDATE SET paid_fen = rm_unit_paid_day.paid_fen + excluded.paid_fen",
            )?,
            budget: client.prepare(
                "INSERT INTO rm_unit_budget_day (fiscal_year, unit, day, initial_fen, adjust_fen, carry_fen)
                 SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[],
                     $5::bigint[], $6::bigint[])
                 ON CONFLICT (fiscal_year, unit, day) DO UPDATE SET
                     initial_fen = rm_unit_budget_day.initial_fen + excluded.initial_fen,
                     adjust_fen = rm_unit_budget_day.adjust_fen + excluded.adjust_fen,
                     carry_fen = rm_unit_budget_day.carry_fen + excluded.carry_fen",
            )?,
            month: client.prepare(
                "INSERT INTO rm_unit_month (fiscal_year, unit, month, initial_fen, adjust_fen,
                     carry_fen, paid_fen)
                 SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[])
                 ON CONFLICT (fiscal_year, unit, month) DO UPDATE SET
                     initial_fen = rm_unit_month.initial_fen + excluded.initial_fen,
                     adjust_fen = rm_unit_month.adjust_fen + excluded.adjust_fen,
                     carry_fen = rm_unit_month.carry_fen + excluded.carry_fen,
                     paid_fen = rm_unit_month.paid_fen + excluded.paid_fen",
            )?,
        })
    }
}

/// `rm_payment` with its columns in the order [`PaymentRows`] holds them.
const PAYMENT_TABLE: &str = "rm_payment (position, unit, fiscal_year, payment_id, line_id,
     project_code, economic_code, function_code, amount_fen, paid_on, reversed_on)";

/// From how many payment rows a fold writes them with `COPY` (a refold's chunk; a
/// projector's fold of a few groups keeps the one prepared insert).
const COPY_PAYMENTS_FROM: usize = 2_000;

/// The rows of an insert into [`PAYMENT_TABLE`], parameters `$first`…`$first+10`.
fn unnest_payments(first: usize) -> String {
    format!(
        "SELECT * FROM unnest(${}::bigint[], ${}::text[], ${}::integer[], ${}::bytea[],
             ${}::text[], ${}::text[], ${}::text[], ${}::text[], ${}::bigint[], ${}::text[],
             ${}::text[])",
        first,
        first + 1,
        first + 2,
        first + 3,
        first + 4,
        first + 5,
        first + 6,
        first + 7,
        first + 8,
        first + 9,
        first + 10
    )
}

/// The 红冲 of stored payment rows, less its `FROM unnest(…)` ([`unnest_marks`]).
const MARK_REVERSED: &str = "UPDATE rm_payment SET reversed_on = m.reversed_on";

/// The rows of [`MARK_REVERSED`]: positions `$first`, dates `$first+1`.
fn unnest_marks(first: usize) -> String {
    format!(
        "FROM unnest(${}::bigint[], ${}::text[]) AS m(position, reversed_on)
         WHERE rm_payment.position = m.position",
        first,
        first + 1
    )
}

/// Payment rows waiting for their one multi-row insert.
#[derive(Default)]
struct PaymentRows<'a> {
    position: Vec<i64>,
    unit: Vec<&'a str>,
    fiscal_year: Vec<i32>,
    payment_id: Vec<&'a [u8]>,
    line_id: Vec<&'a str>,
    project_code: Vec<&'a str>,
    economic_code: Vec<&'a str>,
    function_code: Vec<&'a str>,
    amount_fen: Vec<i64>,
    paid_on: Vec<String>,
    /// The 红冲 date of a row reversed in the same fold (None: not reversed).
    reversed_on: Vec<Option<String>>,
}

/// Stored payment rows reversed by a fold: positions and dates, for one multi-row update.
#[derive(Default)]
struct Marks {
    position: Vec<i64>,
    reversed_on: Vec<String>,
}

impl PaymentRows<'_> {
    /// The parameters of [`unnest_payments`], in its order.
    fn columns(&self) -> [&(dyn ToSql + Sync); 11] {
        [
            &self.position,
            &self.unit,
            &self.fiscal_year,
            &self.payment_id,
            &self.line_id,
            &self.project_code,
            &self.economic_code,
            &self.function_code,
            &self.amount_fen,
            &self.paid_on,
            &self.reversed_on,
        ]
    }

    fn flush(
        &mut self,
        client: &mut impl GenericClient,
        st: &FoldStatements,
    ) -> Result<(), StoreError> {
        if self.position.is_empty() {
            return Ok(());
        }
        if self.position.len() < COPY_PAYMENTS_FROM {
            client.execute(&st.payments, &self.columns())?;
        } else {
            // A refold's chunk: `COPY` in PostgreSQL's binary format, no statement to plan
            // and no arrays to unnest.
            let sink =
                client.copy_in(&format!("COPY {PAYMENT_TABLE} FROM STDIN (FORMAT binary)"))?;
            let mut rows = BinaryCopyInWriter::new(
                sink,
                &[
                    Type::INT8,
                    Type::TEXT,
                    Type::INT4,
                    Type::BYTEA,
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                    Type::INT8,
                    Type::TEXT,
                    Type::TEXT,
                ],
            );
            for i in 0..self.position.len() {
                rows.write(&[
                    &self.position[i],
                    &self.unit[i],
                    &self.fiscal_year[i],
                    &self.payment_id[i],
                    &self.line_id[i],
                    &self.project_code[i],
                    &self.economic_code[i],
                    &self.function_code[i],
                    &self.amount_fen[i],
                    &self.paid_on[i],
                    &self.reversed_on[i],
                ])?;
            }
            rows.finish()?;
        }
        *self = PaymentRows::default();
        Ok(())
    }
}

impl Marks {
    fn flush(
        &mut self,
        client: &mut impl GenericClient,
        st: &FoldStatements,
    ) -> Result<(), StoreError> {
        if self.position.is_empty() {
            return Ok(());
        }
        client.execute(&st.reversed_mark, &[&self.position, &self.reversed_on])?;
        *self = Marks::default();
        Ok(())
    }
}

/// One unit-month's sums in 分: initial, adjust, carry, paid.
type MonthSums = (i64, i64, i64, i64);

/// Money sums per key, written with one multi-row upsert per table at the end of a fold.
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

    /// The sums as the columns of their tables, for multi-row statements.
    fn columns(&self) -> SumColumns<'_> {
        let mut c = SumColumns::default();
        // The same sums by month (initial, adjust, carry, paid), for `rm_unit_month`.
        let mut months: BTreeMap<(i32, &str, String), MonthSums> = BTreeMap::new();
        for ((year, unit, day), amount) in &self.paid {
            let m = months
                .entry((*year, unit, month_text(month_of(*day))))
                .or_default();
            m.3 += amount;
            c.paid.0.push(*year);
            c.paid.1.push(unit.as_str());
            c.paid.2.push(day.to_string());
            c.paid.3.push(*amount);
        }
        for ((year, unit, day), (i, a, k)) in &self.budget {
            let m = months
                .entry((*year, unit, month_text(month_of(*day))))
                .or_default();
            m.0 += i;
            m.1 += a;
            m.2 += k;
            c.budget.0.push(*year);
            c.budget.1.push(unit.as_str());
            c.budget.2.push(day.to_string());
            c.budget.3.push(*i);
            c.budget.4.push(*a);
            c.budget.5.push(*k);
        }
        for ((year, unit, month), (i, a, k, p)) in months {
            c.month.0.push(year);
            c.month.1.push(unit);
            c.month.2.push(month);
            c.month.3.push(i);
            c.month.4.push(a);
            c.month.5.push(k);
            c.month.6.push(p);
        }
        c
    }
}

/// Columns of `rm_unit_budget_day` rows: year, unit, day, initial, adjust, carry.
type BudgetColumns<'a> = (
    Vec<i32>,
    Vec<&'a str>,
    Vec<String>,
    Vec<i64>,
    Vec<i64>,
    Vec<i64>,
);
/// Columns of `rm_unit_month` rows: year, unit, month, initial, adjust, carry, paid.
type MonthColumns<'a> = (
    Vec<i32>,
    Vec<&'a str>,
    Vec<String>,
    Vec<i64>,
    Vec<i64>,
    Vec<i64>,
    Vec<i64>,
);

/// Columns of `rm_unit_paid_day`, `rm_unit_budget_day` and `rm_unit_month` rows.
#[derive(Default)]
pub(crate) struct SumColumns<'a> {
    paid: (Vec<i32>, Vec<&'a str>, Vec<String>, Vec<i64>),
    budget: BudgetColumns<'a>,
    month: MonthColumns<'a>,
}

/// What a fold leaves to write in bulk: the payment rows not yet inserted, the stored rows
/// reversed, and the money sums.
#[derive(Default)]
pub(crate) struct Folded<'a> {
    payments: PaymentRows<'a>,
    marks: Marks,
    sums: Sums,
}

impl Folded<'_> {
    /// Writes the rows with one multi-row statement per table (the rebuild).
    pub(crate) fn flush(
        mut self,
        client: &mut impl GenericClient,
        st: &FoldStatements,
    ) -> Result<(), StoreError> {
        self.payments.flush(client, st)?;
        self.marks.flush(client, st)?;
        let c = self.sums.columns();
        if !c.month.0.is_empty() {
            let m = &c.month;
            client.execute(&st.month, &[&m.0, &m.1, &m.2, &m.3, &m.4, &m.5, &m.6])?;
        }
        if !c.paid.0.is_empty() {
            let p = &c.paid;
            client.execute(&st.paid, &[&p.0, &p.1, &p.2, &p.3])?;
        }
        if !c.budget.0.is_empty() {
            let b = &c.budget;
            client.execute(&st.budget, &[&b.0, &b.1, &b.2, &b.3, &b.4, &b.5])?;
        }
        Ok(())
    }
}

/// Folds `events` (in log order) into the read models, in the caller's transaction: the rare
/// events' rows at once, the payment rows and money sums left to the caller to write in bulk
/// ([`Folded::flush`]).
pub(crate) fn fold_events<'a>(
    client: &mut impl GenericClient,
    st: &FoldStatements,
    events: &[(&'a StreamId, u64, &'a Event)],
) -> Result<Folded<'a>, StoreError> {
    let mut sums = Sums::default();
    let mut payments = PaymentRows::default();
    let mut marks = Marks::default();
    let mut reversals = Reversals::load(client, st, events)?;
    for (s, position, event) in events {
        match event {
            Event::BudgetApproved(e) => {
                client.execute(
                    &st.unit,
                    &[
                        &s.fiscal_year,
                        &s.unit,
                        &e.unit.name,
                        &e.unit.department,
                        &fen(e.sangong_budget_yuan)?,
                        &fen(e.procurement_budget_yuan)?,
                    ],
                )?;
                status(client, st, s, StatusChange::Pending(0))?;
                for line in &e.lines {
                    sums.budget(s, e.approved_on, fen(line.initial_yuan)?, 0, 0);
                }
            }
            Event::BudgetAdjusted(e) => {
                status(client, st, s, StatusChange::Pending(-1))?;
                sums.budget(s, e.adjusted_on, 0, fen(e.delta_yuan)?, 0);
            }
            Event::CarryOverRecorded(e) => sums.budget(s, e.recorded_on, 0, 0, fen(e.amount_yuan)?),
            Event::PaymentRecorded(e) => {
                let amount = fen(e.amount_yuan)?;
                payments.position.push(to_i64(*position)?);
                payments.unit.push(&s.unit);
                payments.fiscal_year.push(s.fiscal_year);
                payments.payment_id.push(e.payment_id.as_bytes().as_slice());
                payments.line_id.push(&e.line_id.0);
                payments
                    .project_code
                    .push(project_key(e.project_code.as_ref()));
                payments.economic_code.push(e.economic_code.as_str());
                payments.function_code.push(e.function_code.as_str());
                payments.amount_fen.push(amount);
                payments.paid_on.push(e.paid_on.to_string());
                payments.reversed_on.push(None);
                reversals.recorded(s, e.payment_id, payments.position.len() - 1);
                sums.paid(s, e.paid_on, amount);
            }
            Event::PaymentReversed(e) => {
                // The earliest unreversed payment of that id: a stored row, or one of this fold.
                let reversed_on = e.reversed_on.to_string();
                let amount = match reversals.take(s, e.payment_id) {
                    Some(Original::Stored { position, amount }) => {
                        marks.position.push(position);
                        marks.reversed_on.push(reversed_on);
                        amount
                    }
                    Some(Original::Folded(row)) => {
                        payments.reversed_on[row] = Some(reversed_on);
                        payments.amount_fen[row]
                    }
                    None => continue,
                };
                sums.paid(s, e.reversed_on, -amount);
            }
            // As on SQLite (`crate::projection::fold`): where each unit's year-end workflow
            // stands and what waits for the bureau.
            Event::BudgetAdjustmentRequested(_) | Event::TargetAdjustmentRequested(_) => {
                status(client, st, s, StatusChange::Pending(1))?;
            }
            Event::BudgetAdjustmentRejected(_)
            | Event::TargetAdjustmentApproved(_)
            | Event::TargetAdjustmentRejected(_) => {
                status(client, st, s, StatusChange::Pending(-1))?;
            }
            Event::SelfEvaluationSubmitted(_) => {
                status(client, st, s, StatusChange::Review("submitted"))?;
            }
            Event::SelfEvaluationReturned(_) => {
                status(client, st, s, StatusChange::Review("returned"))?;
            }
            Event::SelfEvaluationApproved(_) => {
                status(client, st, s, StatusChange::Review("approved"))?;
            }
            Event::YearClosed(_) => status(client, st, s, StatusChange::Closed(true))?,
            Event::YearReopened(_) => {
                status(client, st, s, StatusChange::Closed(false))?;
                status(client, st, s, StatusChange::Review("draft"))?;
            }
            // As on SQLite: every other figure is the aggregate's.
            _ => {}
        }
    }
    Ok(Folded {
        payments,
        marks,
        sums,
    })
}

/// Key of a payment: (unit, year, payment id).
type PaymentKey = (String, i32, uuid::Uuid);

/// A payment a 红冲 may reverse.
enum Original {
    /// A stored row, not yet reversed: its position and amount.
    Stored { position: i64, amount: i64 },
    /// A row of this fold (its index among the fold's payment rows).
    Folded(usize),
}

/// The payments that the 红冲 of a fold may reverse, earliest first per payment id: the stored
/// unreversed rows of every id the fold reverses, read in one query before the fold, then the
/// fold's own rows of those ids as it meets them.
struct Reversals {
    candidates: std::collections::HashMap<PaymentKey, std::collections::VecDeque<Original>>,
}

impl Reversals {
    /// Reads the stored candidates of every id reversed in `events` (no query when none is).
    fn load(
        client: &mut impl GenericClient,
        st: &FoldStatements,
        events: &[(&StreamId, u64, &Event)],
    ) -> Result<Self, StoreError> {
        let mut candidates: std::collections::HashMap<
            PaymentKey,
            std::collections::VecDeque<Original>,
        > = std::collections::HashMap::new();
        let (mut units, mut years, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for (s, _, event) in events {
            if let Event::PaymentReversed(e) = event {
                let key = (s.unit.clone(), s.fiscal_year, e.payment_id);
                if candidates.insert(key, Default::default()).is_none() {
                    units.push(s.unit.as_str());
                    years.push(s.fiscal_year);
                    ids.push(e.payment_id.as_bytes().as_slice());
                }
            }
        }
        if !ids.is_empty() {
            for row in client.query(&st.reversed_find, &[&units, &years, &ids])? {
                let id = uuid::Uuid::from_slice(row.get::<_, &[u8]>(2)).map_err(|e| {
                    StoreError::Decode {
                        position: 0,
                        message: format!("rm_payment.payment_id: {e}"),
                    }
                })?;
                let key: PaymentKey = (row.get(0), row.get(1), id);
                if let Some(queue) = candidates.get_mut(&key) {
                    queue.push_back(Original::Stored {
                        position: row.get(3),
                        amount: row.get(4),
                    });
                }
            }
        }
        Ok(Reversals { candidates })
    }

    /// A payment of the fold (row `row`): a candidate when its id is reversed in the fold.
    fn recorded(&mut self, s: &StreamId, id: uuid::Uuid, row: usize) {
        if self.candidates.is_empty() {
            return;
        }
        if let Some(queue) = self
            .candidates
            .get_mut(&(s.unit.clone(), s.fiscal_year, id))
        {
            queue.push_back(Original::Folded(row));
        }
    }

    /// The payment a 红冲 of `id` reverses, if any is left unreversed.
    fn take(&mut self, s: &StreamId, id: uuid::Uuid) -> Option<Original> {
        self.candidates
            .get_mut(&(s.unit.clone(), s.fiscal_year, id))?
            .pop_front()
    }
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
fn status(
    client: &mut impl GenericClient,
    st: &FoldStatements,
    s: &StreamId,
    change: StatusChange,
) -> Result<(), StoreError> {
    let (review, closed, pending): (Option<&str>, Option<bool>, i64) = match change {
        StatusChange::Pending(delta) => (None, None, delta),
        StatusChange::Review(review) => (Some(review), None, 0),
        StatusChange::Closed(closed) => (None, Some(closed), 0),
    };
    client.execute(
        &st.status,
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
/// `from_zero`) in one transaction holding the checkpoint's row lock, so two folds — this
/// process's projector, another process's, a read catching up, a rebuild — never fold the same
/// events twice, while appends go on (positions become visible in order, so everything up to the
/// head read here is in the scan). The read models commit whole with their checkpoint. A
/// catch-up commits without waiting for its WAL flush: what it wrote derives from events
/// already on disk, and a crash that took it back leaves the checkpoint behind, to be folded
/// again. Returns the number of events folded.
pub(crate) fn refold(
    client: &mut Client,
    from_zero: bool,
    progress: &mut Progress,
) -> Result<u64, StoreError> {
    let statements = FoldStatements::prepare(client)?;
    refold_with(client, &statements, from_zero, progress)
}

/// [`refold`] with statements prepared on `client` before.
pub(crate) fn refold_with(
    client: &mut Client,
    statements: &FoldStatements,
    from_zero: bool,
    progress: &mut Progress,
) -> Result<u64, StoreError> {
    let mut tx = client.transaction()?;
    if !from_zero {
        tx.batch_execute("SET LOCAL synchronous_commit = off")?;
    }
    tx.execute(
        "SELECT position FROM rm_checkpoint WHERE name = $1 FOR UPDATE",
        &[&CHECKPOINT],
    )?;
    let head: i64 = tx
        .query_one("SELECT position FROM log_head WHERE id = 1", &[])?
        .get(0);
    let head = to_u64(head)?;
    if from_zero {
        tx.batch_execute(
            "DELETE FROM rm_unit; DELETE FROM rm_unit_budget_day; DELETE FROM rm_payment;
             DELETE FROM rm_unit_paid_day; DELETE FROM rm_unit_status; DELETE FROM rm_unit_month;",
        )?;
        set_checkpoint(&mut tx, 0)?;
    }
    let mut after = checkpoint(&mut tx)?;
    if after >= head {
        tx.commit()?;
        return Ok(0);
    }
    let mut folded = 0u64;
    // One scan in position order, fetched a chunk at a time from its portal between the
    // chunks' writes (one plan, no sort or re-seek per chunk).
    let scan = tx.bind(
        "SELECT position, unit, fiscal_year, event_type, schema_version, payload
         FROM events WHERE position > $1 AND position <= $2 ORDER BY position",
        &[&to_i64(after)?, &to_i64(head)?],
    )?;
    while after < head {
        let rows = tx.query_portal(&scan, REFOLD_CHUNK_EVENTS as i32)?;
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
        fold_events(&mut tx, statements, &refs)?.flush(&mut tx, statements)?;
        after = chunk.last().map_or(after, |c| c.1);
        folded += chunk.len() as u64;
        progress(after, head);
    }
    set_checkpoint(&mut tx, after)?;
    tx.commit()?;
    Ok(folded)
}

/// How long a read on a standby waits for the primary's fold to reach the head it sees.
const STANDBY_FOLD_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The read models' checkpoint and the log's head, in one query.
fn checkpoint_and_head(client: &mut Client) -> Result<(u64, u64), StoreError> {
    // A simple query: one round trip, no statement to prepare (every read of the read
    // models asks this first).
    for message in client.simple_query(&format!(
        "SELECT (SELECT position FROM rm_checkpoint WHERE name = '{CHECKPOINT}'),
                (SELECT position FROM log_head WHERE id = 1)"
    ))? {
        if let postgres::SimpleQueryMessage::Row(r) = message {
            let number = |i: usize| -> Result<u64, StoreError> {
                r.get(i)
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| StoreError::Corrupt("读模型检查点或日志头缺失".into()))
            };
            return Ok((number(0)?, number(1)?));
        }
    }
    Err(StoreError::Corrupt("读模型检查点或日志头缺失".into()))
}

/// On a database that takes no writes (a standby): waits until the read models, folded on
/// the primary and replicated, reach the head this read first sees — a read reflects every
/// event committed before it began, as [`catch_up`] ensures on the primary — and refuses
/// with [`StoreError::ReadModelsBehind`] after [`STANDBY_FOLD_WAIT`] (the primary is down,
/// or its projector stopped).
pub(crate) fn await_fold(client: &mut Client) -> Result<(), StoreError> {
    let (mut projected, committed) = checkpoint_and_head(client)?;
    let deadline = std::time::Instant::now() + STANDBY_FOLD_WAIT;
    while projected < committed {
        if std::time::Instant::now() >= deadline {
            return Err(StoreError::ReadModelsBehind {
                projected,
                committed,
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        projected = checkpoint_and_head(client)?.0;
    }
    Ok(())
}

/// Brings the read models up to the head if they are behind it (one query when they are not):
/// what a read of them calls first, so it reflects every event committed before it began.
pub(crate) fn catch_up(client: &mut Client) -> Result<(), StoreError> {
    let (projected, committed) = checkpoint_and_head(client)?;
    if committed > projected {
        let mut quiet: Progress = Box::new(|_, _| {});
        refold(client, false, &mut quiet)?;
    }
    Ok(())
}
