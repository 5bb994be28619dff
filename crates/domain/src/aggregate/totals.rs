//! Payment measures maintained incrementally as events are folded into the aggregate: for the
//! unit and for each project (all payments and the 三公 ones), for each budget line and each
//! 经济分类 类, signed amounts per business day and the payments made on each day. "As of" a
//! date is a sum over the days up to it, so a view's cost is bounded by the calendar (at most
//! the days of the year's date window that carry payments), not by the number of payments.
//!
//! Two ways of counting a 红冲 exist and both are kept exact: *booked* (the ledger's view: the
//! reversal subtracts on its own date — 执行数 per line, per 类 and per month) and *counted*
//! ([`crate::measure::paid_yuan`]: a payment counts only once it is made, and its reversal
//! subtracts only when both are dated ≤ as of). They differ only for a reversal dated before
//! its payment, which `handle` refuses but a hand-made log may hold; that difference is kept
//! apart in `early`, empty in every log `handle` produced.
//!
//! `measure::paid_yuan`, `measure::payments_by_month` and `measure::measure` stay the
//! definitions, computed from the payments themselves; `tests/aggregate_props.rs` holds
//! these totals equal to them over generated command sequences and as-of dates.

use crate::budget::{LineId, ProjectCode};
use crate::event::{PaymentRecorded, PaymentReversed};
use crate::indicator::Scope;
use crate::measure::Source;
use crate::money::Yuan;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

/// Signed amounts per business day; the sum as of a date is a range sum over the days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaySums {
    days: BTreeMap<NaiveDate, Yuan>,
    total: Yuan,
}

impl DaySums {
    fn add(&mut self, on: NaiveDate, amount: Yuan) {
        *self.days.entry(on).or_default() += amount;
        self.total += amount;
    }

    /// The sum of the amounts dated ≤ `as_of` (all when None).
    pub fn as_of(&self, as_of: Option<NaiveDate>) -> Yuan {
        match as_of {
            None => self.total,
            Some(d)
                if self
                    .days
                    .last_key_value()
                    .is_none_or(|(last, _)| *last <= d) =>
            {
                self.total
            }
            Some(d) => self.days.range(..=d).map(|(_, y)| *y).sum(),
        }
    }

    /// The amounts per day dated ≤ `as_of` (all when None), in date order.
    pub fn days(&self, as_of: Option<NaiveDate>) -> impl Iterator<Item = (NaiveDate, Yuan)> + '_ {
        self.days
            .range(..=as_of.unwrap_or(NaiveDate::MAX))
            .map(|(d, y)| (*d, *y))
    }
}

/// A set of payments (of a scope, or its 三公 part): amounts and who was paid on which day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentSet {
    /// Net amounts with each reversal on its own date.
    booked: DaySums,
    /// What *counted* adds to *booked*: for a reversal dated before its payment, +amount on
    /// the reversal's date and −amount on the payment's (empty for logs `handle` produced).
    early: DaySums,
    /// Indexes into the year's payments (recorded order) by payment date, each day ascending.
    paid_on: BTreeMap<NaiveDate, Vec<u32>>,
}

impl PaymentSet {
    fn record(&mut self, index: u32, e: &PaymentRecorded) {
        self.booked.add(e.paid_on, e.amount_yuan);
        self.paid_on.entry(e.paid_on).or_default().push(index);
    }

    fn reverse(&mut self, paid: &PaymentRecorded, e: &PaymentReversed) {
        self.booked.add(e.reversed_on, -paid.amount_yuan);
        if e.reversed_on < paid.paid_on {
            self.early.add(e.reversed_on, paid.amount_yuan);
            self.early.add(paid.paid_on, -paid.amount_yuan);
        }
    }

    /// Net amounts as the ledger books them (a reversal on its own date).
    pub fn booked(&self) -> &DaySums {
        &self.booked
    }

    /// Payments made ≤ as_of, net of their reversals dated ≤ as_of (as `paid_yuan` counts).
    pub fn counted_yuan(&self, as_of: Option<NaiveDate>) -> Yuan {
        self.booked.as_of(as_of) + self.early.as_of(as_of)
    }

    /// How many payments were made ≤ as_of.
    pub fn count(&self, as_of: Option<NaiveDate>) -> usize {
        self.days_up_to(as_of).map(Vec::len).sum()
    }

    fn days_up_to(&self, as_of: Option<NaiveDate>) -> impl Iterator<Item = &Vec<u32>> + '_ {
        self.paid_on
            .range(..=as_of.unwrap_or(NaiveDate::MAX))
            .map(|(_, v)| v)
    }

    /// The indexes of the last `k` payments made ≤ as_of, in recorded order: a merge of the
    /// days' lists from their ends, O(days + k log days).
    pub fn latest(&self, as_of: Option<NaiveDate>, k: usize) -> Vec<u32> {
        if k == 0 {
            return Vec::new();
        }
        let days: Vec<&Vec<u32>> = self.days_up_to(as_of).collect();
        let mut heap: BinaryHeap<(u32, usize, usize)> = days
            .iter()
            .enumerate()
            .filter_map(|(d, v)| v.last().map(|&i| (i, d, v.len() - 1)))
            .collect();
        let mut out = Vec::with_capacity(k.min(days.iter().map(|v| v.len()).sum()));
        while out.len() < k
            && let Some((index, d, at)) = heap.pop()
        {
            out.push(index);
            if let Some(prev) = at.checked_sub(1)
                && let Some(&i) = days.get(d).and_then(|v| v.get(prev))
            {
                heap.push((i, d, prev));
            }
        }
        out.reverse();
        out
    }
}

/// The payments of one scope: all of them and the 三公 ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopePayments {
    /// Every payment of the scope.
    pub all: PaymentSet,
    /// Its 三公经费 payments.
    pub sangong: PaymentSet,
}

/// Every incrementally maintained payment measure of a year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentTotals {
    unit: ScopePayments,
    projects: HashMap<ProjectCode, ScopePayments>,
    by_line: HashMap<LineId, DaySums>,
    by_class: BTreeMap<String, DaySums>,
}

impl PaymentTotals {
    /// Folds in a payment recorded at `index` of the year's payments.
    pub(crate) fn record(&mut self, index: usize, e: &PaymentRecorded) {
        // A year holds at most `MAX_EVENTS_PER_YEAR` events, far below u32::MAX.
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let sangong = e.economic_code.is_sangong();
        let record = |s: &mut ScopePayments| {
            s.all.record(index, e);
            if sangong {
                s.sangong.record(index, e);
            }
        };
        record(&mut self.unit);
        if let Some(code) = &e.project_code {
            record(keyed(&mut self.projects, code));
        }
        keyed(&mut self.by_line, &e.line_id).add(e.paid_on, e.amount_yuan);
        class_of(&mut self.by_class, e).add(e.paid_on, e.amount_yuan);
    }

    /// Folds in the (first) reversal of a payment.
    pub(crate) fn reverse(&mut self, paid: &PaymentRecorded, e: &PaymentReversed) {
        let sangong = paid.economic_code.is_sangong();
        let reverse = |s: &mut ScopePayments| {
            s.all.reverse(paid, e);
            if sangong {
                s.sangong.reverse(paid, e);
            }
        };
        reverse(&mut self.unit);
        if let Some(code) = &paid.project_code {
            reverse(keyed(&mut self.projects, code));
        }
        keyed(&mut self.by_line, &paid.line_id).add(e.reversed_on, -paid.amount_yuan);
        class_of(&mut self.by_class, paid).add(e.reversed_on, -paid.amount_yuan);
    }

    /// The payments of a scope (None for a project without payments).
    pub fn scope(&self, scope: &Scope) -> Option<&ScopePayments> {
        match scope {
            Scope::Unit => Some(&self.unit),
            Scope::Project(code) => self.projects.get(code),
        }
    }

    /// Net payments charged to a line, booked (a reversal on its own date).
    pub fn line(&self, line_id: &LineId) -> Option<&DaySums> {
        self.by_line.get(line_id)
    }

    /// Net payments per 经济分类 类 of the payments, booked, by class.
    pub fn classes(&self) -> &BTreeMap<String, DaySums> {
        &self.by_class
    }
}

/// The entry of `key`, created empty on first use (the key is cloned only then: a fold is on
/// every write's path).
fn keyed<'a, K, V>(map: &'a mut HashMap<K, V>, key: &K) -> &'a mut V
where
    K: std::hash::Hash + Eq + Clone,
    V: Default,
{
    if !map.contains_key(key) {
        map.insert(key.clone(), V::default());
    }
    map.get_mut(key).expect("inserted above when missing")
}

/// The sums of a payment's 经济分类 类, created empty on first use.
fn class_of<'a>(map: &'a mut BTreeMap<String, DaySums>, e: &PaymentRecorded) -> &'a mut DaySums {
    let class = e.economic_code.class();
    if !map.contains_key(class) {
        map.insert(class.to_string(), DaySums::default());
    }
    map.get_mut(class).expect("inserted above when missing")
}

/// The facts behind a value, summarised: how many there are, and the last of them in the
/// order [`crate::measure::measure`] lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSummary {
    /// How many facts in all.
    pub count: usize,
    /// The last ones, at most the number asked for.
    pub latest: Vec<Source>,
}

/// One run of sources in a measure's list: listed, or a set of payments as of a date.
pub(crate) enum SourcePart<'a> {
    /// Sources listed one by one (the budget's, activities, …: bounded by the year's shape).
    Listed(Vec<Source>),
    /// The payments of a set made ≤ as_of, in recorded order.
    Payments(Option<&'a PaymentSet>, Option<NaiveDate>),
}

impl SourceSummary {
    /// The runs concatenated, counted, and cut to the last `max` sources.
    pub(crate) fn of(
        parts: Vec<SourcePart<'_>>,
        max: usize,
        payment_id: impl Fn(u32) -> Option<Source>,
    ) -> SourceSummary {
        let mut count = 0;
        let mut runs: Vec<Vec<Source>> = Vec::new();
        let mut room = max;
        for part in parts.into_iter().rev() {
            let run = match part {
                SourcePart::Listed(mut list) => {
                    count += list.len();
                    list.drain(..list.len().saturating_sub(room));
                    list
                }
                SourcePart::Payments(None, _) => Vec::new(),
                SourcePart::Payments(Some(set), as_of) => {
                    count += set.count(as_of);
                    set.latest(as_of, room)
                        .into_iter()
                        .filter_map(&payment_id)
                        .collect()
                }
            };
            room -= run.len();
            runs.push(run);
        }
        SourceSummary {
            count,
            latest: runs.into_iter().rev().flatten().collect(),
        }
    }
}
