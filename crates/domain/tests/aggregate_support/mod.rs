//! Shared test support for the aggregate tests: a small unit's approved budget and targets, a
//! scoring profile, builders for common commands, and the `given(events).when(command)
//! .then_expect(events)` / `.then_reject(code)` helper.
#![allow(dead_code)] // each test binary uses a different part of the support

use chrono::NaiveDate;
use jixiao_domain::aggregate::{
    Command, Context, Decide, Decision, DomainError, SubmitSelfEvaluation, UnitYear,
};
use jixiao_domain::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind, UnitInfo};
use jixiao_domain::codes::{EconomicCode, FunctionCode, UnitKind};
use jixiao_domain::event::*;
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, Scope};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::*;
use jixiao_domain::target::Target;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

/// A date of 2024 (or another year) written compactly.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// A deterministic id from a small number, so expected events can be written out.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn yuan(amount: Decimal) -> Yuan {
    Yuan::new(amount).expect("test amount has at most 2 decimals")
}

pub const PROJECT: &str = "P1";
pub const PROJECT_LINE: &str = "P-P1-30211";
pub const SALARY_LINE: &str = "B-30101";
pub const OFFICE_LINE: &str = "B-30201";

pub fn project() -> ProjectCode {
    ProjectCode(PROJECT.to_string())
}

pub fn project_scope() -> Scope {
    Scope::Project(project())
}

/// The built-in mof-2020 profile (财预〔2020〕10号).
pub fn profile() -> ScoringProfile {
    ScoringProfile::builtin("mof-2020").expect("built-in profile")
}

fn line(
    id: &str,
    kind: SpendingKind,
    func: &str,
    econ: &str,
    project: Option<&str>,
    name: &str,
    wan: Decimal,
) -> BudgetLine {
    BudgetLine {
        line_id: LineId(id.into()),
        kind,
        function_code: FunctionCode::parse(func).expect("function code"),
        economic_code: EconomicCode::parse(econ).expect("economic code"),
        project_code: project.map(|p| ProjectCode(p.into())),
        name: name.into(),
        initial_yuan: Yuan::from_wan(wan).expect("amount"),
    }
}

/// A small unit's 2024 budget: 基本工资 10万, 办公费 1万, and project P1 of 20万 (差旅费 line).
pub fn budget_approved() -> Event {
    Event::BudgetApproved(BudgetApproved {
        unit: UnitInfo {
            code: "261301".into(),
            name: "测试单位".into(),
            department: "测试主管部门".into(),
            kind: UnitKind::Institution,
        },
        fiscal_year: 2024,
        approved_on: d(2024, 1, 15),
        lines: vec![
            line(
                SALARY_LINE,
                SpendingKind::Personnel,
                "2060401",
                "30101",
                None,
                "基本工资",
                dec!(10),
            ),
            line(
                OFFICE_LINE,
                SpendingKind::Public,
                "2060401",
                "30201",
                None,
                "办公费",
                dec!(1),
            ),
            line(
                PROJECT_LINE,
                SpendingKind::Project,
                "2060499",
                "30211",
                Some(PROJECT),
                "科技合作经费",
                dec!(20),
            ),
        ],
        projects: vec![ProjectInfo {
            code: project(),
            name: "科技合作经费".into(),
            category: "其他运转类".into(),
            overall_goal: "保障基础运转".into(),
        }],
        sangong_budget_yuan: Yuan::ZERO,
        procurement_budget_yuan: Yuan::ZERO,
        annual_duty_goals: vec![],
        annual_tasks: vec![],
    })
}

pub fn indicator(
    id: &str,
    level1: Level1,
    level2: &str,
    name: &str,
    target: &str,
    measure: Measure,
) -> Indicator {
    Indicator {
        id: IndicatorId(id.into()),
        level1,
        level2: level2.into(),
        name: name.into(),
        target: Target::parse(target).expect("test target parses"),
        weight: None,
        measure,
        description: None,
    }
}

/// Project P1's targets: 2 output indicators, one qualitative benefit (the only 效益 one, so it
/// weighs the whole 30 of mof-2020), one satisfaction indicator.
pub fn project_targets() -> Event {
    Event::TargetsApproved(TargetsApproved {
        scope: project_scope(),
        overall_goal: "保障基础运转".into(),
        indicators: vec![
            indicator(
                "OUT-1",
                Level1::Output,
                "数量指标",
                "举办活动场次",
                "≥3次",
                Measure::ActivityCount,
            ),
            indicator(
                "OUT-2",
                Level1::Output,
                "时效指标",
                "活动举办时间",
                "2024年",
                Measure::ActivityPeriod,
            ),
            indicator(
                "BEN-1",
                Level1::Benefit,
                "社会效益",
                "提升程度",
                "明显",
                Measure::Assessed,
            ),
            indicator(
                "SAT-1",
                Level1::Satisfaction,
                "服务对象满意度",
                "专家满意度",
                "≥80%",
                Measure::Satisfaction {
                    groups: vec!["专家".into()],
                },
            ),
        ],
        approved_on: d(2024, 1, 15),
    })
}

/// The budget and P1's targets.
pub fn approved_year() -> Vec<Event> {
    vec![budget_approved(), project_targets()]
}

pub fn payment(n: u128, paid_on: NaiveDate, amount: Decimal) -> PaymentRecorded {
    PaymentRecorded {
        payment_id: id(n),
        paid_on,
        line_id: LineId(PROJECT_LINE.into()),
        economic_code: EconomicCode::parse("30211").expect("code"),
        function_code: FunctionCode::parse("2060499").expect("code"),
        project_code: Some(project()),
        amount_yuan: yuan(amount),
        voucher_no: None,
        summary: "差旅费".into(),
    }
}

pub fn activity(n: u128, held_on: NaiveDate, invited: u32, participants: u32) -> ActivityHeld {
    ActivityHeld {
        evidence: Vec::new(),
        activity_id: id(n),
        project_code: project(),
        held_on,
        title: format!("活动{n}"),
        invited,
        participants,
    }
}

pub fn survey(n: u128, group: &str, respondents: u32, satisfied: u32) -> SurveyRecorded {
    SurveyRecorded {
        evidence: Vec::new(),
        survey_id: id(n),
        project_code: Some(project()),
        surveyed_on: d(2024, 11, 20),
        respondent_group: group.into(),
        respondents,
        satisfied,
    }
}

/// A state given by its past events, awaiting a command.
pub struct Given {
    pub year: UnitYear,
    pub profile: ScoringProfile,
}

/// Start from a log.
pub fn given(events: impl IntoIterator<Item = Event>) -> Given {
    let events: Vec<Event> = events.into_iter().collect();
    Given {
        year: UnitYear::replay(&events),
        profile: profile(),
    }
}

/// The outcome of a command.
pub struct When {
    pub year: UnitYear,
    pub result: Result<Vec<Event>, DomainError>,
}

impl Given {
    /// Use another profile.
    pub fn with_profile(mut self, profile: ScoringProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Handle the command against the given state.
    pub fn when(self, command: Command) -> When {
        let result = self.year.handle(
            command,
            &Context {
                profile: &self.profile,
            },
        );
        When {
            year: self.year,
            result,
        }
    }
}

impl When {
    /// The command was accepted and yields exactly these events.
    pub fn then_expect(self, expected: Vec<Event>) -> UnitYear {
        match self.result {
            Ok(events) => {
                assert_eq!(events, expected, "recorded events differ");
                let mut year = self.year;
                for e in &events {
                    year.apply(e);
                }
                year
            }
            Err(e) => panic!("expected events, got refusal {}: {e}", e.code()),
        }
    }

    /// The command was refused with this code; returns the error for message checks.
    pub fn then_reject(self, code: &str) -> DomainError {
        match self.result {
            Ok(events) => panic!("expected refusal {code}, got events {events:?}"),
            Err(e) => {
                assert_eq!(e.code(), code, "refused for another reason: {e}");
                e
            }
        }
    }
}

/// The approved year with one payment (1, 2024-03-01), one activity (10, held 2024-05-05), a
/// pending budget adjustment request (3, 2024-07-01) and a pending target adjustment request
/// (5, 2024-06-01): every command has something to act on.
pub fn busy_year() -> Vec<Event> {
    let mut log = approved_year();
    log.push(Event::PaymentRecorded(payment(1, d(2024, 3, 1), dec!(100))));
    log.push(Event::ActivityHeld(activity(10, d(2024, 5, 5), 20, 15)));
    log.push(Event::BudgetAdjustmentRequested(
        BudgetAdjustmentRequested {
            request_id: id(3),
            line_id: LineId(OFFICE_LINE.into()),
            delta_yuan: yuan(dec!(100)),
            reason: "办公设备".into(),
            requested_on: d(2024, 7, 1),
        },
    ));
    log.push(Event::TargetAdjustmentRequested(
        TargetAdjustmentRequested {
            request_id: id(5),
            scope: project_scope(),
            indicator_id: IndicatorId("OUT-1".into()),
            new_target: Target::parse("≥2次").expect("target"),
            reason: "场地受限".into(),
            requested_on: d(2024, 6, 1),
        },
    ));
    log
}

/// One command of every `Command` variant, dated in the fiscal year. All but `ApproveBudget`
/// (which wants an empty year), `SubmitSelfEvaluation` (nothing assessed yet) and
/// `ReopenYear` (the year is open) are accepted by [`busy_year`].
pub fn every_command() -> Vec<Command> {
    let Event::BudgetApproved(budget) = budget_approved() else {
        unreachable!("budget_approved is a budget approval")
    };
    let lock = |on, reason: &str| YearLockChanged {
        on,
        reason: reason.into(),
        by: String::new(),
    };
    vec![
        Command::ApproveBudget(budget),
        Command::RecordCarryOver(CarryOverRecorded {
            line_id: LineId(OFFICE_LINE.into()),
            amount_yuan: yuan(dec!(500)),
            recorded_on: d(2024, 2, 1),
        }),
        Command::ApproveTargets(TargetsApproved {
            scope: Scope::Unit,
            overall_goal: String::new(),
            indicators: vec![],
            approved_on: d(2024, 1, 20),
        }),
        Command::RequestBudgetAdjustment(BudgetAdjustmentRequested {
            request_id: id(4),
            line_id: LineId(SALARY_LINE.into()),
            delta_yuan: yuan(dec!(-100)),
            reason: "人员调出".into(),
            requested_on: d(2024, 8, 1),
        }),
        Command::DecideBudgetAdjustment(Decide {
            request_id: id(3),
            decided_on: d(2024, 7, 15),
            decision: Decision::Approve {
                note: "同意".into(),
            },
        }),
        Command::RequestTargetAdjustment(TargetAdjustmentRequested {
            request_id: id(6),
            scope: project_scope(),
            indicator_id: IndicatorId("SAT-1".into()),
            new_target: Target::parse("≥75%").expect("target"),
            reason: "调查对象变化".into(),
            requested_on: d(2024, 9, 1),
        }),
        Command::DecideTargetAdjustment(Decide {
            request_id: id(5),
            decided_on: d(2024, 6, 20),
            decision: Decision::Reject {
                reason: "理由不足".into(),
            },
        }),
        Command::RecordPayment(payment(2, d(2024, 4, 1), dec!(50)).into()),
        Command::ReversePayment(PaymentReversed {
            payment_id: id(1),
            reversed_on: d(2024, 3, 5),
            reason: "重复入账".into(),
        }),
        Command::HoldActivity(activity(11, d(2024, 6, 6), 10, 8)),
        Command::CorrectActivity(ActivityCorrected {
            activity_id: id(10),
            held_on: d(2024, 5, 6),
            title: "活动10（更正）".into(),
            invited: 20,
            participants: 16,
            reason: "签到表复核".into(),
        }),
        Command::WithdrawActivity(ActivityWithdrawn {
            activity_id: id(10),
            withdrawn_on: d(2024, 6, 1),
            reason: "未实际举办".into(),
        }),
        Command::RecordSurvey(survey(20, "专家", 10, 9)),
        Command::AssessIndicator(IndicatorAssessed {
            evidence: Vec::new(),
            scope: project_scope(),
            indicator_id: IndicatorId("BEN-1".into()),
            assessed_on: d(2024, 12, 20),
            grade: Some(jixiao_domain::indicator::QualGrade::Achieved),
            score: None,
            actual_value: None,
            actual_text: "明显".into(),
            note: String::new(),
            band_position: None,
        }),
        Command::RecordProcurement(ProcurementRecorded {
            procurement_id: id(30),
            procured_on: d(2024, 5, 1),
            project_code: Some(project()),
            amount_yuan: yuan(dec!(1000)),
            description: "会议服务".into(),
        }),
        Command::FileMonitoringReport(MonitoringReportFiled {
            as_of: d(2024, 7, 31),
            filed_on: d(2024, 8, 10),
            expected_full_year_yuan: yuan(dec!(300000)),
            rows: vec![],
        }),
        Command::ExplainDeviation(DeviationExplained {
            scope: project_scope(),
            indicator_id: None,
            explanation: "项目执行延后".into(),
            explained_on: d(2024, 12, 28),
        }),
        Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
            submitted_on: d(2024, 12, 30),
            submitted_by: String::new(),
        }),
        Command::ReturnSelfEvaluation(SelfEvaluationReviewed {
            on: d(2024, 12, 31),
            by: "finance".into(),
            reason: "佐证材料不全".into(),
        }),
        Command::ApproveSelfEvaluation(SelfEvaluationReviewed {
            on: d(2024, 12, 31),
            by: "finance".into(),
            reason: String::new(),
        }),
        Command::CloseYear(lock(d(2024, 12, 31), "年度结束")),
        Command::ReopenYear(lock(d(2024, 12, 31), "财政抽查")),
        Command::AttachEvidence(EvidenceAttached {
            target: EvidenceTarget::Activity {
                activity_id: id(10),
            },
            evidence: vec![evidence_ref(1, "签到表.pdf")],
            attached_on: d(2024, 5, 10),
        }),
    ]
}

/// A reference to a stored PDF whose hash is `n` repeated.
pub fn evidence_ref(n: u8, file_name: &str) -> jixiao_domain::evidence::EvidenceRef {
    jixiao_domain::evidence::EvidenceRef {
        sha256: jixiao_domain::evidence::Sha256Hex::parse(&format!("{n:02x}").repeat(32))
            .expect("hash"),
        file_name: file_name.into(),
        media_type: jixiao_domain::evidence::MediaType::Pdf,
        size: 1024,
    }
}

/// The same command with the business date in `field` replaced (the fields of
/// `Command::business_dates`).
pub fn redated(command: &Command, field: &str, date: NaiveDate) -> Command {
    let mut c = command.clone();
    match &mut c {
        Command::ApproveBudget(e) => e.approved_on = date,
        Command::RecordCarryOver(e) => e.recorded_on = date,
        Command::ApproveTargets(e) => e.approved_on = date,
        Command::RequestBudgetAdjustment(e) => e.requested_on = date,
        Command::RequestTargetAdjustment(e) => e.requested_on = date,
        Command::DecideBudgetAdjustment(e) | Command::DecideTargetAdjustment(e) => {
            e.decided_on = date
        }
        Command::RecordPayment(e) => e.paid_on = date,
        Command::ReversePayment(e) => e.reversed_on = date,
        Command::HoldActivity(e) => e.held_on = date,
        Command::CorrectActivity(e) => e.held_on = date,
        Command::WithdrawActivity(e) => e.withdrawn_on = date,
        Command::RecordSurvey(e) => e.surveyed_on = date,
        Command::AssessIndicator(e) => e.assessed_on = date,
        Command::RecordProcurement(e) => e.procured_on = date,
        Command::FileMonitoringReport(e) if field == "filed_on" => e.filed_on = date,
        Command::FileMonitoringReport(e) => e.as_of = date,
        Command::ExplainDeviation(e) => e.explained_on = date,
        Command::SubmitSelfEvaluation(e) => e.submitted_on = date,
        Command::ReturnSelfEvaluation(e) | Command::ApproveSelfEvaluation(e) => e.on = date,
        Command::CloseYear(e) | Command::ReopenYear(e) => e.on = date,
        Command::AttachEvidence(e) => e.attached_on = date,
    }
    c
}
