//! Measures: where an indicator's actual value (实际完成值) comes from — derived from the event
//! log (activity count, participant sum, participation rate, satisfaction of chosen respondent
//! groups, execution rate, adjustment rate, carry-over rate, 三公 control rate, procurement
//! execution rate, the 时效 period) or assessed by a person.
//!
//! [`measure`], [`paid_yuan`] and [`payments_by_month`] are the definitions, computed from the
//! year's facts; the views read [`measure_summarised`], [`paid_net_yuan`] and
//! [`paid_by_month`], which take payment figures from the totals the aggregate maintains as
//! events are folded in (`aggregate::PaymentTotals`) and are held equal to the definitions by
//! a property test (`tests/aggregate_props.rs`).
//!
//! CONTRACT: the `Measure` enum is shared by fixtures, the aggregate and the store.

use serde::{Deserialize, Serialize};

/// How an indicator's actual value is obtained.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Measure {
    /// Number of activities held (not withdrawn) in the project.
    ActivityCount,
    /// Sum of participants over activities held.
    ParticipantSum,
    /// Participants / invited over activities held, in %.
    ParticipationRate,
    /// Satisfied / valid responses in %, over surveys of the given respondent groups
    /// (e.g. ["专家", "企业"]); all groups when empty.
    Satisfaction {
        /// Respondent groups counted.
        groups: Vec<String>,
    },
    /// 时效: every activity held within the target period (met / not met).
    ActivityPeriod,
    /// 预算执行率: payments / adjusted budget (of the project, or of the unit), in %.
    ExecutionRate,
    /// 预算调整率: |追加| + |调减| / 年初预算, in %.
    AdjustmentRate,
    /// 结转结余率: (adjusted budget − payments) / adjusted budget, at year end, in %.
    CarryOverRate,
    /// "三公经费"控制率: 三公 payments / 三公 budget, in %.
    SangongControlRate,
    /// 政府采购执行率: procurement recorded / procurement budget, in %.
    ProcurementExecutionRate,
    /// Entered by a person (qualitative grade, or a value with a score).
    Assessed,
}

impl Measure {
    /// Cumulative measures grow through the year (counts, sums) and are pro-rated against
    /// 序时进度 in monitoring; the others are ratios compared with the target directly.
    pub fn is_cumulative(&self) -> bool {
        matches!(self, Measure::ActivityCount | Measure::ParticipantSum)
    }

    /// Rates whose numerator accrues with spending through the year (预算执行率, 政府采购执行率):
    /// like cumulative measures, monitoring pro-rates them against 序时进度 — 45% executed at the
    /// end of June is on schedule for a ≥90% target, not behind it.
    pub fn accrues_over_year(&self) -> bool {
        matches!(
            self,
            Measure::ExecutionRate | Measure::ProcurementExecutionRate
        )
    }

    /// Measures that mean something only once the year is over (结转结余率 is what is left at
    /// year end): monitoring shows them grey until then.
    pub fn known_at_year_end_only(&self) -> bool {
        matches!(self, Measure::CarryOverRate)
    }
}

// ---------------------------------------------------------------------------------------------
// Computing measures from the state of a unit's year.
// ---------------------------------------------------------------------------------------------

use crate::aggregate::{SourcePart, SourceSummary, UnitYear};
use crate::budget::{LineId, ProjectCode};
use crate::event::IndicatorAssessed;
use crate::indicator::{Indicator, IndicatorId, QualGrade, Scope};
use crate::money::{Yuan, ratio_percent};
use crate::target::{TargetValue, TimeTarget};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Months in a fiscal year (the Chinese fiscal year is the calendar year).
pub const MONTHS: u32 = 12;

/// The value a measure yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureValue {
    /// A count, a sum, or a percentage (80 for 80%), rounded half-up to 2 decimals.
    Number {
        /// The value.
        value: Decimal,
    },
    /// A met / not-met fact (时效).
    Met {
        /// Whether it is met.
        met: bool,
    },
    /// A ratio with a zero denominator and a zero numerator (e.g. no 政府采购 budget and no
    /// procurement): the indicator does not apply; the profile decides how it scores.
    NotApplicable,
    /// A ratio with a zero denominator but a positive numerator (e.g. 三公 spending with no
    /// 三公 budget): above any target, so a ≤ target is not met.
    Unbounded,
    /// Nothing to measure yet (no survey of the groups, no activity for a rate, not assessed).
    NoData,
    /// Entered by a person (the latest assessment).
    Assessed {
        /// The grade, if graded.
        grade: Option<QualGrade>,
        /// The explicit score, if given.
        score: Option<Decimal>,
        /// The numeric actual value, if given.
        value: Option<Decimal>,
        /// 实际完成值 as text.
        text: String,
    },
}

/// 实际完成值 of a 时效 indicator whose period was kept: one wording in every view and form.
pub const TIMELY_MET_ZH: &str = "按期完成";
/// 实际完成值 of a 时效 indicator whose period was not kept.
pub const TIMELY_NOT_MET_ZH: &str = "未按期完成";

impl MeasureValue {
    /// The number, for numeric values.
    pub fn number(&self) -> Option<Decimal> {
        match self {
            MeasureValue::Number { value } => Some(*value),
            MeasureValue::Assessed { value, .. } => *value,
            _ => None,
        }
    }

    /// The value as the forms show it (实际完成值): "12", "85.71", "是"/"否", "不适用", "—".
    pub fn display(&self, unit: &str) -> String {
        match self {
            MeasureValue::Number { value } => format!("{}{}", value.normalize(), unit),
            MeasureValue::Met { met } => if *met {
                TIMELY_MET_ZH
            } else {
                TIMELY_NOT_MET_ZH
            }
            .to_string(),
            MeasureValue::NotApplicable => "不适用".to_string(),
            MeasureValue::Unbounded => "无预算安排但有支出".to_string(),
            MeasureValue::NoData => "—".to_string(),
            MeasureValue::Assessed { text, value, .. } => {
                if !text.is_empty() {
                    text.clone()
                } else {
                    value.map_or_else(|| "—".to_string(), |v| format!("{}{}", v.normalize(), unit))
                }
            }
        }
    }
}

/// A fact a value came from. The store maps these ids to log positions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The budget approval (the denominator of budget ratios).
    BudgetApproval,
    /// A payment (and its reversal, if any).
    Payment {
        /// payment_id.
        id: Uuid,
    },
    /// An approved budget adjustment.
    BudgetAdjustment {
        /// request_id.
        request_id: Uuid,
    },
    /// 上年结转 of a line.
    CarryOver {
        /// The line.
        line_id: LineId,
        /// Date recorded.
        on: NaiveDate,
    },
    /// An activity (with its corrections and withdrawal).
    Activity {
        /// activity_id.
        id: Uuid,
    },
    /// A survey.
    Survey {
        /// survey_id.
        id: Uuid,
    },
    /// A procurement.
    Procurement {
        /// procurement_id.
        id: Uuid,
    },
    /// An assessment of the indicator.
    Assessment {
        /// The indicator.
        indicator_id: IndicatorId,
        /// Date of the assessment.
        on: NaiveDate,
    },
}

impl Source {
    /// Whether `event` is one of the facts this source names: a payment and its reversal, an
    /// approved budget adjustment and its request, an activity with its corrections and
    /// withdrawal, an assessment of the indicator in `scope` (the scope of the indicator whose
    /// value this source explains) on its date, … The inverse of [`source_keys`], so the two
    /// can never disagree.
    pub fn is_source_of(&self, event: &crate::event::Event, scope: &Scope) -> bool {
        let key = source_key(self, scope);
        source_keys(event).contains(&key)
    }
}

/// A measured value and the facts it came from (provenance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    /// The value.
    pub value: MeasureValue,
    /// The facts counted, in recorded order.
    pub sources: Vec<Source>,
}

/// The last day of a month of a year (None for an invalid month).
pub fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month >= MONTHS {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt())
}

fn dated_ok(date: NaiveDate, as_of: Option<NaiveDate>) -> bool {
    as_of.is_none_or(|a| date <= a)
}

fn in_scope(scope: &Scope, project: Option<&ProjectCode>) -> bool {
    match scope {
        Scope::Unit => true,
        Scope::Project(code) => project == Some(code),
    }
}

fn number(value: Decimal) -> MeasureValue {
    MeasureValue::Number {
        value: crate::money::round2(value),
    }
}

fn ratio(numerator: Decimal, denominator: Decimal) -> MeasureValue {
    match ratio_percent(numerator, denominator) {
        Some(value) => MeasureValue::Number { value },
        None if numerator.is_zero() => MeasureValue::NotApplicable,
        None => MeasureValue::Unbounded,
    }
}

/// Σ payments net of reversals in a scope as of a date, with the payments counted.
pub fn paid_yuan(year: &UnitYear, scope: &Scope, as_of: Option<NaiveDate>) -> (Yuan, Vec<Source>) {
    let mut total = Yuan::ZERO;
    let mut sources = Vec::new();
    for p in year.payments() {
        if in_scope(scope, p.payment.project_code.as_ref()) && dated_ok(p.payment.paid_on, as_of) {
            total += p.net_yuan(as_of);
            sources.push(Source::Payment {
                id: p.payment.payment_id,
            });
        }
    }
    (total, sources)
}

/// 调整后预算 (年初 + 追加 − 调减 + 上年结转) of a scope as of a date, with its sources.
pub fn adjusted_budget_yuan(
    year: &UnitYear,
    scope: &Scope,
    as_of: Option<NaiveDate>,
) -> (Yuan, Vec<Source>) {
    let Some(b) = year.budget() else {
        return (Yuan::ZERO, Vec::new());
    };
    let mut total = Yuan::ZERO;
    let mut sources = vec![Source::BudgetApproval];
    for l in b.lines_of(scope) {
        total += l.adjusted_yuan(as_of);
        for (d, id, _) in &l.adjustments {
            if dated_ok(*d, as_of) {
                sources.push(Source::BudgetAdjustment { request_id: *id });
            }
        }
        for (d, _) in &l.carry_overs {
            if dated_ok(*d, as_of) {
                sources.push(Source::CarryOver {
                    line_id: l.line.line_id.clone(),
                    on: *d,
                });
            }
        }
    }
    (total, sources)
}

/// 年初预算 of a scope.
pub fn initial_budget_yuan(year: &UnitYear, scope: &Scope) -> Yuan {
    year.budget()
        .map(|b| b.lines_of(scope).map(|l| l.line.initial_yuan).sum())
        .unwrap_or_default()
}

/// The latest assessment of an indicator dated ≤ as_of (ties: the one recorded last).
pub fn latest_assessment<'a>(
    year: &'a UnitYear,
    scope: &Scope,
    indicator_id: &IndicatorId,
    as_of: Option<NaiveDate>,
) -> Option<&'a IndicatorAssessed> {
    year.assessments()
        .iter()
        .filter(|a| {
            &a.scope == scope && &a.indicator_id == indicator_id && dated_ok(a.assessed_on, as_of)
        })
        .max_by_key(|a| a.assessed_on)
}

/// Whether a date lies within a 时效 target (for a fiscal year).
pub fn within_time_target(date: NaiveDate, target: &TimeTarget, fiscal_year: i32) -> bool {
    match target {
        TimeTarget::WithinYear { year } => date.year() == *year,
        TimeTarget::ByMonthEnd { month } => {
            month_end(fiscal_year, *month).is_some_and(|end| date <= end)
        }
        TimeTarget::ByDate { date: deadline } => date <= *deadline,
        TimeTarget::Between { from, to } => *from <= date && date <= *to,
        TimeTarget::MonthsOfYear {
            from_month,
            to_month,
        } => date.year() == fiscal_year && (*from_month..=*to_month).contains(&date.month()),
    }
}

/// Compute an indicator's actual value from the state, counting only facts dated ≤ `as_of`
/// (everything when None). Scope::Unit counts the facts of every project.
pub fn measure(
    year: &UnitYear,
    scope: &Scope,
    indicator: &Indicator,
    as_of: Option<NaiveDate>,
) -> Measured {
    let activities = || {
        year.activities()
            .iter()
            .filter(|a| in_scope(scope, Some(&a.activity.project_code)) && a.counts_as_of(as_of))
    };
    let activity_sources = || {
        activities()
            .map(|a| Source::Activity {
                id: a.activity.activity_id,
            })
            .collect::<Vec<_>>()
    };
    match &indicator.measure {
        Measure::ActivityCount => Measured {
            value: number(Decimal::from(activities().count())),
            sources: activity_sources(),
        },
        Measure::ParticipantSum => {
            let sum: u64 = activities()
                .map(|a| u64::from(a.activity.participants))
                .sum();
            Measured {
                value: number(Decimal::from(sum)),
                sources: activity_sources(),
            }
        }
        Measure::ParticipationRate => {
            let (p, i) = activities().fold((0u64, 0u64), |(p, i), a| {
                (
                    p + u64::from(a.activity.participants),
                    i + u64::from(a.activity.invited),
                )
            });
            let value = if activities().next().is_none() {
                MeasureValue::NoData
            } else {
                ratio(p.into(), i.into())
            };
            Measured {
                value,
                sources: activity_sources(),
            }
        }
        Measure::Satisfaction { groups } => {
            let surveys: Vec<_> = year
                .surveys()
                .iter()
                .filter(|s| {
                    in_scope(scope, s.project_code.as_ref())
                        && dated_ok(s.surveyed_on, as_of)
                        && (groups.is_empty() || groups.iter().any(|g| g == &s.respondent_group))
                })
                .collect();
            let satisfied: u64 = surveys.iter().map(|s| u64::from(s.satisfied)).sum();
            let respondents: u64 = surveys.iter().map(|s| u64::from(s.respondents)).sum();
            let value = if surveys.is_empty() {
                MeasureValue::NoData
            } else {
                ratio(satisfied.into(), respondents.into())
            };
            Measured {
                value,
                sources: surveys
                    .iter()
                    .map(|s| Source::Survey { id: s.survey_id })
                    .collect(),
            }
        }
        Measure::ActivityPeriod => {
            let fiscal_year = year.fiscal_year().unwrap_or_default();
            let period = match indicator.target.value() {
                TargetValue::Time(t) => t.clone(),
                // A 时效 measure bound to a non-time target: the fiscal year is the period.
                _ => TimeTarget::WithinYear { year: fiscal_year },
            };
            let mut any = false;
            let mut all_inside = true;
            for a in activities() {
                any = true;
                all_inside &= within_time_target(a.activity.held_on, &period, fiscal_year);
            }
            Measured {
                value: MeasureValue::Met {
                    met: any && all_inside,
                },
                sources: activity_sources(),
            }
        }
        Measure::ExecutionRate => {
            let (paid, mut sources) = paid_yuan(year, scope, as_of);
            let (budget, budget_sources) = adjusted_budget_yuan(year, scope, as_of);
            sources.extend(budget_sources);
            Measured {
                value: ratio(paid.yuan(), budget.yuan()),
                sources,
            }
        }
        Measure::AdjustmentRate => {
            let Some(b) = year.budget() else {
                return no_data();
            };
            let moved: Yuan = b
                .lines_of(scope)
                .map(|l| l.adjustment_abs_yuan(as_of))
                .sum();
            let mut sources = vec![Source::BudgetApproval];
            for l in b.lines_of(scope) {
                for (d, id, _) in &l.adjustments {
                    if dated_ok(*d, as_of) {
                        sources.push(Source::BudgetAdjustment { request_id: *id });
                    }
                }
            }
            Measured {
                value: ratio(moved.yuan(), initial_budget_yuan(year, scope).yuan()),
                sources,
            }
        }
        Measure::CarryOverRate => {
            let (paid, mut sources) = paid_yuan(year, scope, as_of);
            let (budget, budget_sources) = adjusted_budget_yuan(year, scope, as_of);
            sources.extend(budget_sources);
            // 结转结余 cannot be negative: spending above the budget leaves nothing over.
            let left = (budget - paid).yuan().max(Decimal::ZERO);
            Measured {
                value: ratio(left, budget.yuan()),
                sources,
            }
        }
        Measure::SangongControlRate => {
            let Some(b) = year.budget() else {
                return no_data();
            };
            let mut spent = Yuan::ZERO;
            let mut sources = vec![Source::BudgetApproval];
            for p in year.payments() {
                if p.payment.economic_code.is_sangong()
                    && in_scope(scope, p.payment.project_code.as_ref())
                    && dated_ok(p.payment.paid_on, as_of)
                {
                    spent += p.net_yuan(as_of);
                    sources.push(Source::Payment {
                        id: p.payment.payment_id,
                    });
                }
            }
            // The 三公 budget is set for the unit as a whole (预算09), whatever the scope.
            Measured {
                value: ratio(spent.yuan(), b.sangong_budget_yuan.yuan()),
                sources,
            }
        }
        Measure::ProcurementExecutionRate => {
            let Some(b) = year.budget() else {
                return no_data();
            };
            let mut done = Yuan::ZERO;
            let mut sources = vec![Source::BudgetApproval];
            for p in year.procurements() {
                if in_scope(scope, p.project_code.as_ref()) && dated_ok(p.procured_on, as_of) {
                    done += p.amount_yuan;
                    sources.push(Source::Procurement {
                        id: p.procurement_id,
                    });
                }
            }
            // The 政府采购 budget is set for the unit as a whole, whatever the scope.
            let budget = b.procurement_budget_yuan.yuan();
            let value = if budget.is_zero() {
                MeasureValue::NotApplicable
            } else {
                ratio(done.yuan(), budget)
            };
            Measured { value, sources }
        }
        Measure::Assessed => match latest_assessment(year, scope, &indicator.id, as_of) {
            Some(a) => Measured {
                value: MeasureValue::Assessed {
                    grade: a.grade,
                    score: a.score,
                    value: a.actual_value,
                    text: a.actual_text.clone(),
                },
                sources: vec![Source::Assessment {
                    indicator_id: indicator.id.clone(),
                    on: a.assessed_on,
                }],
            },
            None => no_data(),
        },
    }
}

/// Σ payments net of reversals in a scope as of a date, as [`paid_yuan`] counts them, read
/// from the totals maintained as payments are folded in (no pass over the payments).
pub fn paid_net_yuan(year: &UnitYear, scope: &Scope, as_of: Option<NaiveDate>) -> Yuan {
    year.payment_totals()
        .scope(scope)
        .map_or(Yuan::ZERO, |s| s.all.counted_yuan(as_of))
}

/// [`payments_by_month`] read from the totals maintained as payments are folded in: the cost
/// depends on the days with payments, not on the payments.
pub fn paid_by_month(year: &UnitYear, scope: &Scope, as_of: Option<NaiveDate>) -> Vec<Yuan> {
    let Some(fy) = year.fiscal_year() else {
        return Vec::new();
    };
    let mut out = vec![Yuan::ZERO; months_up_to(fy, as_of) as usize];
    if let Some(s) = year.payment_totals().scope(scope) {
        for (date, amount) in s.all.booked().days(as_of) {
            if date.year() == fy
                && let Some(slot) = out.get_mut(date.month0() as usize)
            {
                *slot += amount;
            }
        }
    }
    out
}

/// An indicator's actual value as [`measure`] computes it, without its sources; payment
/// measures are read from the incrementally maintained totals.
pub fn measured_value(
    year: &UnitYear,
    scope: &Scope,
    indicator: &Indicator,
    as_of: Option<NaiveDate>,
) -> MeasureValue {
    measure_summarised(year, scope, indicator, as_of, 0).0
}

/// An indicator's actual value as [`measure`] computes it, with its sources summarised: how
/// many, and the last `max_sources` in the order `measure` lists them. Payment measures
/// (execution, carry-over, 三公) are read from the incrementally maintained totals, so their
/// cost does not grow with the year's payments; the others read the year's activities,
/// surveys, procurements and assessments as `measure` does.
pub fn measure_summarised(
    year: &UnitYear,
    scope: &Scope,
    indicator: &Indicator,
    as_of: Option<NaiveDate>,
    max_sources: usize,
) -> (MeasureValue, SourceSummary) {
    let totals = year.payment_totals().scope(scope);
    let payment = |i: u32| {
        year.payments().get(i as usize).map(|p| Source::Payment {
            id: p.payment.payment_id,
        })
    };
    let summary = |parts| SourceSummary::of(parts, max_sources, payment);
    match &indicator.measure {
        Measure::ExecutionRate | Measure::CarryOverRate => {
            let paid = paid_net_yuan(year, scope, as_of);
            let (budget, budget_sources) = adjusted_budget_yuan(year, scope, as_of);
            let value = if indicator.measure == Measure::ExecutionRate {
                ratio(paid.yuan(), budget.yuan())
            } else {
                // 结转结余 cannot be negative: spending above the budget leaves nothing over.
                let left = (budget - paid).yuan().max(Decimal::ZERO);
                ratio(left, budget.yuan())
            };
            let sources = summary(vec![
                SourcePart::Payments(totals.map(|t| &t.all), as_of),
                SourcePart::Listed(budget_sources),
            ]);
            (value, sources)
        }
        Measure::SangongControlRate => {
            let Some(b) = year.budget() else {
                return (MeasureValue::NoData, SourceSummary::default());
            };
            let spent = totals.map_or(Yuan::ZERO, |t| t.sangong.counted_yuan(as_of));
            let sources = summary(vec![
                SourcePart::Listed(vec![Source::BudgetApproval]),
                SourcePart::Payments(totals.map(|t| &t.sangong), as_of),
            ]);
            // The 三公 budget is set for the unit as a whole (预算09), whatever the scope.
            (ratio(spent.yuan(), b.sangong_budget_yuan.yuan()), sources)
        }
        _ => {
            let Measured { value, sources } = measure(year, scope, indicator, as_of);
            (value, summary(vec![SourcePart::Listed(sources)]))
        }
    }
}

/// Months of the fiscal year up to the month of `as_of` (all 12 when None).
fn months_up_to(fy: i32, as_of: Option<NaiveDate>) -> u32 {
    as_of.map_or(MONTHS, |a| {
        if a.year() < fy {
            0
        } else if a.year() > fy {
            MONTHS
        } else {
            a.month()
        }
    })
}

fn no_data() -> Measured {
    Measured {
        value: MeasureValue::NoData,
        sources: Vec::new(),
    }
}

/// The value of a measure at the end of each month of the fiscal year up to `through_month`
/// (1-12): what monitoring charts and the forecast read.
pub fn monthly_series(
    year: &UnitYear,
    scope: &Scope,
    indicator: &Indicator,
    through_month: u32,
) -> Vec<MeasureValue> {
    let Some(fy) = year.fiscal_year() else {
        return Vec::new();
    };
    (1..=through_month.min(MONTHS))
        .filter_map(|m| month_end(fy, m))
        .map(|end| measure(year, scope, indicator, Some(end)).value)
        .collect()
}

/// Net payments (payments minus reversals, each on its own date) booked in each month of the
/// fiscal year, up to the month of `as_of` (all 12 when None); index 0 is January.
pub fn payments_by_month(year: &UnitYear, scope: &Scope, as_of: Option<NaiveDate>) -> Vec<Yuan> {
    let Some(fy) = year.fiscal_year() else {
        return Vec::new();
    };
    let mut out = vec![Yuan::ZERO; months_up_to(fy, as_of) as usize];
    let mut book = |date: NaiveDate, amount: Yuan| {
        if date.year() == fy
            && dated_ok(date, as_of)
            && let Some(slot) = out.get_mut(date.month0() as usize)
        {
            *slot += amount;
        }
    };
    for p in year.payments() {
        if in_scope(scope, p.payment.project_code.as_ref()) {
            book(p.payment.paid_on, p.payment.amount_yuan);
            if let Some((d, _)) = &p.reversed {
                book(*d, -p.payment.amount_yuan);
            }
        }
    }
    out
}

/// The facts an event is part of, as provenance keys: a payment and its reversal are both the
/// payment's, an activity and its corrections and withdrawal the activity's, a request and its
/// approval the adjustment's. An assessment's key carries its scope (an indicator id is unique
/// only within its scope); every other key's scope is `None`. The inverse of the `sources` a
/// measure reports: front ends index events by these keys to report provenance as log
/// positions without reading the log again.
pub fn source_keys(event: &crate::event::Event) -> Vec<(Source, Option<Scope>)> {
    use crate::event::Event;
    let key = |s: Source| vec![(s, None)];
    match event {
        Event::BudgetApproved(_) => key(Source::BudgetApproval),
        Event::PaymentRecorded(e) => key(Source::Payment { id: e.payment_id }),
        Event::PaymentReversed(e) => key(Source::Payment { id: e.payment_id }),
        Event::BudgetAdjustmentRequested(e) => key(Source::BudgetAdjustment {
            request_id: e.request_id,
        }),
        Event::BudgetAdjusted(e) => key(Source::BudgetAdjustment {
            request_id: e.request_id,
        }),
        Event::CarryOverRecorded(e) => key(Source::CarryOver {
            line_id: e.line_id.clone(),
            on: e.recorded_on,
        }),
        Event::ActivityHeld(e) => key(Source::Activity { id: e.activity_id }),
        Event::ActivityCorrected(e) => key(Source::Activity { id: e.activity_id }),
        Event::ActivityWithdrawn(e) => key(Source::Activity { id: e.activity_id }),
        Event::SurveyRecorded(e) => key(Source::Survey { id: e.survey_id }),
        Event::ProcurementRecorded(e) => key(Source::Procurement {
            id: e.procurement_id,
        }),
        Event::IndicatorAssessed(e) => vec![(
            Source::Assessment {
                indicator_id: e.indicator_id.clone(),
                on: e.assessed_on,
            },
            Some(e.scope.clone()),
        )],
        _ => Vec::new(),
    }
}

/// The key under which [`source_keys`] files the events of `source` as reported for an
/// indicator of `scope`.
pub fn source_key(source: &Source, scope: &Scope) -> (Source, Option<Scope>) {
    match source {
        Source::Assessment { .. } => (source.clone(), Some(scope.clone())),
        other => (other.clone(), None),
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;
    use crate::event::{ActivityWithdrawn, Event, IndicatorAssessed, PaymentReversed};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).expect("valid date")
    }

    fn assessed(scope: Scope, id: &str, on: NaiveDate) -> Event {
        Event::IndicatorAssessed(IndicatorAssessed {
            evidence: Vec::new(),
            scope,
            indicator_id: IndicatorId(id.into()),
            assessed_on: on,
            grade: None,
            score: None,
            actual_value: None,
            actual_text: String::new(),
            note: String::new(),
            band_position: None,
        })
    }

    #[test]
    fn a_payment_source_is_its_payment_and_its_reversal_and_nothing_else() {
        let id = Uuid::from_u128(7);
        let source = Source::Payment { id };
        let reversal = |payment_id| {
            Event::PaymentReversed(PaymentReversed {
                payment_id,
                reversed_on: day(5, 1),
                reason: "红冲".into(),
            })
        };
        assert!(source.is_source_of(&reversal(id), &Scope::Unit));
        assert!(!source.is_source_of(&reversal(Uuid::from_u128(8)), &Scope::Unit));
        let withdrawal = Event::ActivityWithdrawn(ActivityWithdrawn {
            activity_id: id,
            withdrawn_on: day(5, 1),
            reason: "误录".into(),
        });
        assert!(!source.is_source_of(&withdrawal, &Scope::Unit));
        assert!(Source::Activity { id }.is_source_of(&withdrawal, &Scope::Unit));
    }

    #[test]
    fn an_assessment_source_needs_the_same_indicator_date_and_scope() {
        let project = Scope::Project(ProjectCode("P1".into()));
        let source = Source::Assessment {
            indicator_id: IndicatorId("BEN-1".into()),
            on: day(12, 20),
        };
        assert!(source.is_source_of(&assessed(project.clone(), "BEN-1", day(12, 20)), &project));
        assert!(!source.is_source_of(&assessed(Scope::Unit, "BEN-1", day(12, 20)), &project));
        assert!(!source.is_source_of(&assessed(project.clone(), "BEN-1", day(12, 21)), &project));
        assert!(!source.is_source_of(&assessed(project.clone(), "BEN-2", day(12, 20)), &project));
    }
}
