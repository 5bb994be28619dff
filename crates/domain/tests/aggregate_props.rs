//! Property tests of the aggregate over random sequences of every command type: whatever is
//! accepted, the state rebuilt by replaying the recorded log equals the state built
//! incrementally; `handle` never changes the state it decides on; the version counts the
//! events; and the project's net payments never exceed what was paid. The measures the
//! views read from incrementally maintained totals equal the same measures recomputed from
//! the year's facts, at every as-of date.
//!
//! Commands are drawn over small id spaces and dates from mid-December before the year to
//! mid-July after it, so that duplicates, unknown ids, decisions on decided requests, dates
//! outside their windows and out-of-order dates all occur beside accepted commands.

mod aggregate_support;

use aggregate_support::*;
use chrono::{Days, NaiveDate};
use jixiao_domain::aggregate::{
    Command, Context, Decide, Decision, RecordPayment, SubmitSelfEvaluation, UnitYear,
};
use jixiao_domain::budget::LineId;
use jixiao_domain::codes::EconomicCode;
use jixiao_domain::event::*;
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, QualGrade, Scope};
use jixiao_domain::measure::{self, Measure, paid_yuan};
use jixiao_domain::target::Target;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Number of `Command` variants; the generator draws each of them.
const COMMAND_KINDS: u8 = 23;
/// Most commands in one generated sequence.
const COMMANDS_MAX: usize = 60;
/// Generated sequences per run (each decides up to `COMMANDS_MAX` commands).
const CASES: u32 = 200;
/// Dates are drawn from this many days before 1 January of the year…
const DAYS_BEFORE_YEAR: i64 = 20;
/// …to this many days after it (mid-July of the next year).
const DAYS_AFTER_START: i64 = 560;

/// The random draws a command is built from.
#[derive(Debug, Clone, Copy)]
struct Draw {
    kind: u8,
    /// A small id (payments, activities, requests, surveys, procurements share it).
    n: u128,
    /// A small number: people, respondents, choices.
    k: u32,
    /// Another small number.
    m: u32,
    /// A date.
    date: NaiveDate,
    /// A second date (decisions, filing).
    date2: NaiveDate,
    /// An amount in 分 (may be negative or zero).
    cents: i64,
    /// A yes/no choice (empty reason, give codes, approve, …).
    flag: bool,
}

fn day(offset: i64) -> NaiveDate {
    let start = d(2024, 1, 1);
    if offset < 0 {
        start.checked_sub_days(Days::new(offset.unsigned_abs()))
    } else {
        start.checked_add_days(Days::new(offset.unsigned_abs()))
    }
    .expect("date in range")
}

const LINES: [&str; 4] = [SALARY_LINE, OFFICE_LINE, PROJECT_LINE, "NOPE"];
const INDICATORS: [&str; 4] = ["OUT-1", "BEN-1", "SAT-1", "NOPE"];
const GROUPS: [&str; 3] = ["专家", "企业", ""];

fn pick<T: Copy>(items: &[T], i: u32) -> T {
    items[i as usize % items.len()]
}

fn reason(flag: bool) -> String {
    if flag { String::new() } else { "原因".into() }
}

/// The command of kind `draw.kind` (one per `Command` variant).
fn build(w: Draw) -> Command {
    let amount = |cents: i64| yuan(Decimal::new(cents, 2));
    let decide = || Decide {
        request_id: id(20 + w.n % 4),
        decided_on: w.date2,
        decision: if w.flag {
            Decision::Approve {
                note: String::new(),
            }
        } else {
            Decision::Reject {
                reason: reason(w.k.is_multiple_of(5)),
            }
        },
    };
    match w.kind % COMMAND_KINDS {
        0 => {
            let Event::BudgetApproved(mut b) = budget_approved() else {
                unreachable!()
            };
            b.approved_on = w.date;
            Command::ApproveBudget(b)
        }
        1 => Command::RecordCarryOver(CarryOverRecorded {
            line_id: LineId(pick(&LINES, w.k).into()),
            amount_yuan: amount(w.cents),
            recorded_on: w.date,
        }),
        2 => Command::ApproveTargets(TargetsApproved {
            scope: if w.flag { Scope::Unit } else { project_scope() },
            overall_goal: String::new(),
            indicators: vec![],
            approved_on: w.date,
        }),
        3 => Command::RequestBudgetAdjustment(BudgetAdjustmentRequested {
            request_id: id(20 + w.n % 4),
            line_id: LineId(pick(&LINES, w.k).into()),
            delta_yuan: amount(w.cents),
            reason: reason(w.flag),
            requested_on: w.date,
        }),
        4 => Command::DecideBudgetAdjustment(decide()),
        5 => Command::RequestTargetAdjustment(TargetAdjustmentRequested {
            request_id: id(20 + w.n % 4),
            scope: project_scope(),
            indicator_id: IndicatorId(pick(&INDICATORS, w.k).into()),
            new_target: Target::parse("≥2次").expect("target"),
            reason: reason(w.flag),
            requested_on: w.date,
        }),
        6 => Command::DecideTargetAdjustment(decide()),
        7 => Command::RecordPayment(RecordPayment {
            payment_id: id(w.n),
            paid_on: w.date,
            line_id: LineId(pick(&LINES, w.k).into()),
            economic_code: w.flag.then(|| EconomicCode::parse("30211").expect("code")),
            function_code: None,
            project_code: w.m.is_multiple_of(3).then(project),
            amount_yuan: amount(w.cents),
            voucher_no: None,
            summary: "支出".into(),
        }),
        8 => Command::ReversePayment(PaymentReversed {
            payment_id: id(w.n),
            reversed_on: w.date,
            reason: reason(w.k.is_multiple_of(7)),
        }),
        9 => Command::HoldActivity(activity(10 + w.n, w.date, w.k, w.m)),
        10 => Command::CorrectActivity(ActivityCorrected {
            activity_id: id(10 + w.n),
            held_on: w.date,
            title: "更正".into(),
            invited: w.k,
            participants: w.m,
            reason: reason(w.flag && w.k.is_multiple_of(3)),
        }),
        11 => Command::WithdrawActivity(ActivityWithdrawn {
            activity_id: id(10 + w.n),
            withdrawn_on: w.date,
            reason: reason(w.k.is_multiple_of(9)),
        }),
        12 => Command::RecordSurvey(SurveyRecorded {
            evidence: Vec::new(),
            survey_id: id(30 + w.n),
            project_code: w.flag.then(project),
            surveyed_on: w.date,
            respondent_group: pick(&GROUPS, w.k).into(),
            respondents: w.k,
            satisfied: w.m,
        }),
        13 => Command::AssessIndicator(IndicatorAssessed {
            evidence: Vec::new(),
            scope: project_scope(),
            indicator_id: IndicatorId(pick(&INDICATORS, w.k).into()),
            assessed_on: w.date,
            grade: w.flag.then_some(QualGrade::Achieved),
            score: None,
            actual_value: w.m.is_multiple_of(2).then(|| Decimal::from(w.m)),
            actual_text: "明显".into(),
            note: String::new(),
            band_position: None,
        }),
        14 => Command::RecordProcurement(ProcurementRecorded {
            procurement_id: id(40 + w.n),
            procured_on: w.date,
            project_code: w.flag.then(project),
            amount_yuan: amount(w.cents),
            description: "采购".into(),
        }),
        15 => Command::FileMonitoringReport(MonitoringReportFiled {
            as_of: w.date,
            filed_on: w.date2,
            expected_full_year_yuan: amount(w.cents),
            rows: vec![],
        }),
        16 => Command::ExplainDeviation(DeviationExplained {
            scope: project_scope(),
            indicator_id: (!w.flag).then(|| IndicatorId(pick(&INDICATORS, w.k).into())),
            explanation: reason(w.k.is_multiple_of(11)),
            explained_on: w.date,
        }),
        17 => Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
            submitted_on: w.date,
            submitted_by: String::new(),
        }),
        // Mostly refused for want of a reason: a closed year refuses everything after it.
        18 => Command::CloseYear(YearLockChanged {
            on: w.date,
            reason: reason(!w.k.is_multiple_of(4)),
            by: String::new(),
        }),
        19 => Command::ReopenYear(YearLockChanged {
            on: w.date,
            reason: reason(w.k.is_multiple_of(6)),
            by: String::new(),
        }),
        20 => Command::ReturnSelfEvaluation(SelfEvaluationReviewed {
            on: w.date,
            by: "finance".into(),
            reason: reason(!w.k.is_multiple_of(5)),
        }),
        21 => Command::ApproveSelfEvaluation(SelfEvaluationReviewed {
            on: w.date,
            by: "finance".into(),
            reason: String::new(),
        }),
        // Evidence for an activity or a survey that may or may not exist.
        _ => Command::AttachEvidence(EvidenceAttached {
            target: if w.flag {
                EvidenceTarget::Activity {
                    activity_id: id(10 + w.n),
                }
            } else {
                EvidenceTarget::Survey {
                    survey_id: id(30 + w.n),
                }
            },
            evidence: vec![evidence_ref(
                u8::try_from(w.k % 200).unwrap_or(0),
                "签到表.pdf",
            )],
            attached_on: w.date,
        }),
    }
}

/// Every kind, and more often the payments and activities with their reversals, corrections
/// and withdrawals (which need an earlier command with the same id to be accepted).
fn kind() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => 0..COMMAND_KINDS,
        2 => prop::sample::select(vec![7u8, 8, 9, 10, 11]),
    ]
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        (kind(), 0u128..3, 0u32..25, 0u32..25),
        (
            -DAYS_BEFORE_YEAR..DAYS_AFTER_START,
            -DAYS_BEFORE_YEAR..DAYS_AFTER_START,
            -1_000i64..5_000_000,
            any::<bool>(),
        ),
    )
        .prop_map(|((kind, n, k, m), (d1, d2, cents, flag))| Draw {
            kind,
            n,
            k,
            m,
            date: day(d1),
            date2: day(d2),
            cents,
            flag,
        })
}

#[test]
fn the_generator_draws_every_command_variant() {
    let labels: std::collections::BTreeSet<&str> = (0..COMMAND_KINDS)
        .map(|kind| {
            build(Draw {
                kind,
                n: 0,
                k: 1,
                m: 1,
                date: d(2024, 3, 1),
                date2: d(2024, 4, 1),
                cents: 100,
                flag: true,
            })
            .label()
        })
        .collect();
    let every: std::collections::BTreeSet<&str> =
        every_command().iter().map(Command::label).collect();
    assert_eq!(labels, every);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn replaying_the_log_equals_the_state_built_incrementally(
        draws in prop::collection::vec(draw(), 0..COMMANDS_MAX)
    ) {
        let p = profile();
        let ctx = Context { profile: &p };
        let mut log: Vec<Event> = approved_year();
        let mut state = UnitYear::replay(&log);
        let mut gross = Decimal::ZERO;
        for w in draws {
            let before = state.clone();
            let decided = state.handle(build(w), &ctx);
            prop_assert_eq!(&state, &before, "handle changed the state");
            if let Ok(events) = decided {
                for e in events {
                    if let Event::PaymentRecorded(pay) = &e {
                        gross += pay.amount_yuan.yuan();
                    }
                    state.apply(&e);
                    log.push(e);
                }
            }
        }
        prop_assert_eq!(UnitYear::replay(&log), state.clone());
        prop_assert_eq!(state.version(), log.len() as u64);
        let (net, _) = paid_yuan(&state, &Scope::Unit, None);
        prop_assert!(net.yuan() >= Decimal::ZERO && net.yuan() <= gross);
        prop_assert!(state.activities().iter().all(|a| a.activity.participants <= a.activity.invited));
    }
}

/// Most sources a summarised view lists in the comparisons below (small, so that the cut
/// falls inside the payments as well as inside the budget's sources).
const LISTED: [usize; 4] = [0, 1, 3, 100];

/// The year of the comparisons: the budget with a 三公 budget, the project's targets and
/// unit-wide targets on every payment measure.
fn year_with_payment_measures() -> Vec<Event> {
    let Event::BudgetApproved(mut budget) = budget_approved() else {
        unreachable!()
    };
    budget.sangong_budget_yuan = yuan(Decimal::new(500_000, 2));
    let unit = |id: &str, name: &str, target: &str, measure: Measure| {
        indicator(id, Level1::Input, "预算和财务管理", name, target, measure)
    };
    vec![
        Event::BudgetApproved(budget),
        project_targets(),
        Event::TargetsApproved(TargetsApproved {
            scope: Scope::Unit,
            overall_goal: String::new(),
            indicators: vec![
                unit("U-1", "预算执行率", "≥90%", Measure::ExecutionRate),
                unit("U-2", "结转结余率", "≤10%", Measure::CarryOverRate),
                unit(
                    "U-3",
                    "三公经费控制率",
                    "≤100%",
                    Measure::SangongControlRate,
                ),
                unit("U-4", "预算调整率", "≤10%", Measure::AdjustmentRate),
            ],
            approved_on: d(2024, 1, 15),
        }),
    ]
}

/// A drawn command, with some payments charged to 公务接待费 (a 三公 code).
fn build_with_sangong(w: Draw) -> Command {
    let mut command = build(w);
    if let Command::RecordPayment(p) = &mut command
        && w.k % 4 == 1
    {
        p.economic_code = Some(EconomicCode::parse("30217").expect("code"));
    }
    command
}

/// Every measure kind, for an indicator of any scope.
fn every_measure() -> Vec<Indicator> {
    let kinds = [
        Measure::ActivityCount,
        Measure::ParticipantSum,
        Measure::ParticipationRate,
        Measure::Satisfaction { groups: vec![] },
        Measure::ActivityPeriod,
        Measure::ExecutionRate,
        Measure::AdjustmentRate,
        Measure::CarryOverRate,
        Measure::SangongControlRate,
        Measure::ProcurementExecutionRate,
        Measure::Assessed,
    ];
    kinds
        .into_iter()
        .map(|m| indicator("BEN-1", Level1::Output, "数量指标", "指标", "≥1次", m))
        .collect()
}

/// Σ net of reversals per line and per 经济分类 类, booked on each event's own date, computed
/// from the payments themselves.
fn booked_from_scratch(
    state: &UnitYear,
    as_of: Option<NaiveDate>,
) -> (
    std::collections::BTreeMap<String, Decimal>,
    std::collections::BTreeMap<String, Decimal>,
) {
    let mut by_line = std::collections::BTreeMap::new();
    let mut by_class = std::collections::BTreeMap::new();
    for p in state.payments() {
        let net = p.net_yuan(as_of).yuan();
        *by_line.entry(p.payment.line_id.0.clone()).or_default() += net;
        *by_class
            .entry(p.payment.economic_code.class().to_string())
            .or_default() += net;
    }
    (by_line, by_class)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn incremental_measures_equal_the_measures_recomputed_from_the_year_at_every_as_of_date(
        draws in prop::collection::vec(draw(), 0..COMMANDS_MAX),
        extra in -DAYS_BEFORE_YEAR..DAYS_AFTER_START,
    ) {
        let p = profile();
        let ctx = Context { profile: &p };
        let mut state = UnitYear::replay(&year_with_payment_measures());
        for w in draws {
            if let Ok(events) = state.handle(build_with_sangong(w), &ctx) {
                for e in &events {
                    state.apply(e);
                }
            }
        }
        let dates = [
            None,
            Some(d(2023, 12, 31)),
            Some(d(2024, 1, 15)),
            Some(d(2024, 3, 31)),
            Some(d(2024, 7, 31)),
            Some(d(2024, 12, 31)),
            Some(d(2025, 6, 30)),
            Some(day(extra)),
        ];
        let scopes = [
            Scope::Unit,
            project_scope(),
            Scope::Project(jixiao_domain::budget::ProjectCode("P2".into())),
        ];
        for as_of in dates {
            for scope in &scopes {
                prop_assert_eq!(
                    measure::paid_net_yuan(&state, scope, as_of),
                    paid_yuan(&state, scope, as_of).0
                );
                prop_assert_eq!(
                    measure::paid_by_month(&state, scope, as_of),
                    measure::payments_by_month(&state, scope, as_of)
                );
                for ind in every_measure() {
                    let full = measure::measure(&state, scope, &ind, as_of);
                    for listed in LISTED {
                        let (value, summary) =
                            measure::measure_summarised(&state, scope, &ind, as_of, listed);
                        prop_assert_eq!(&value, &full.value, "{:?} {:?}", ind.measure, as_of);
                        prop_assert_eq!(summary.count, full.sources.len());
                        let tail = &full.sources[full.sources.len().saturating_sub(listed)..];
                        prop_assert_eq!(summary.latest.as_slice(), tail);
                    }
                }
            }
            // The views: the summarised indicator status is the full one cut to its tail.
            let full = state.indicator_status(as_of, &p);
            for listed in LISTED {
                let summarised = state.indicator_status_summarised(as_of, &p, listed);
                prop_assert_eq!(summarised.len(), full.len());
                for ((s, count), f) in summarised.iter().zip(&full) {
                    prop_assert_eq!(*count, f.sources.len());
                    let mut cut = f.clone();
                    cut.sources.drain(..f.sources.len().saturating_sub(listed));
                    prop_assert_eq!(s, &cut);
                }
            }
            // The execution summary's paid amounts per line and class, against the payments.
            let (lines, classes) = booked_from_scratch(&state, as_of);
            if let Some(summary) = state.execution_summary(as_of, &p) {
                for row in &summary.by_line {
                    let want = lines.get(&row.key).copied().unwrap_or_default();
                    prop_assert_eq!(row.paid_yuan.yuan(), want, "line {}", row.key);
                }
                let shown: std::collections::BTreeMap<String, Decimal> = summary
                    .by_economic_class
                    .iter()
                    .map(|r| (r.key.clone(), r.paid_yuan.yuan()))
                    .filter(|(k, _)| classes.contains_key(k))
                    .collect();
                prop_assert_eq!(shown, classes);
                let months: Decimal = summary.by_month.iter().map(|m| m.paid_yuan.yuan()).sum();
                let booked: Decimal = measure::payments_by_month(
                    &state,
                    &Scope::Unit,
                    Some(state.view_date(as_of)),
                )
                .iter()
                .map(|y| y.yuan())
                .sum();
                prop_assert_eq!(months, booked);
            }
        }
    }
}
