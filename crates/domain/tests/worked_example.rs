//! The worked example: the seed project 科技合作及基础运转经费 (焦作市产业技术科学院, 2024, 20万元)
//! through a whole year of events, every one decided by the aggregate, then scored end to end
//! with the built-in `mof-2020` profile. Every expected number below is worked out by hand in
//! the comments, from the events and the rules of domain.md §4, not read off the program.

use chrono::NaiveDate;
use jixiao_domain::aggregate::{Command, Context, DomainError, SubmitSelfEvaluation, UnitYear};
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::codes::{EconomicCode, FunctionCode};
use jixiao_domain::evaluation::{DeviationItem, Flag, Grade};
use jixiao_domain::event::*;
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::indicator::{IndicatorId, QualGrade, Scope};
use jixiao_domain::measure::{MeasureValue, Source};
use jixiao_domain::money::Yuan;
use jixiao_domain::monitoring::Colour;
use jixiao_domain::profile::ScoringProfile;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

const PROJECT: &str = "410800240000000053204";
const LINE: &str = "P-410800240000000053204-30201";

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).expect("date")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn scope() -> Scope {
    Scope::Project(ProjectCode(PROJECT.into()))
}

fn ind(id: &str) -> IndicatorId {
    IndicatorId(id.into())
}

/// A unit's year driven only through `handle`: every event is decided by the aggregate.
struct Year {
    state: UnitYear,
    profile: ScoringProfile,
}

impl Year {
    fn run(&mut self, command: Command) {
        let events = self
            .state
            .handle(
                command,
                &Context {
                    profile: &self.profile,
                },
            )
            .unwrap_or_else(|e| panic!("refused {}: {e}", e.code()));
        for e in &events {
            self.state.apply(e);
        }
    }

    fn refuse(&self, command: Command) -> DomainError {
        match self.state.handle(
            command,
            &Context {
                profile: &self.profile,
            },
        ) {
            Ok(events) => panic!("expected a refusal, got {events:?}"),
            Err(e) => e,
        }
    }
}

fn pay(n: u128, paid_on: NaiveDate, amount: Decimal) -> Command {
    Command::RecordPayment(
        PaymentRecorded {
            payment_id: id(n),
            paid_on,
            line_id: LineId(LINE.into()),
            economic_code: EconomicCode::parse("30201").expect("code"),
            function_code: FunctionCode::parse("2060401").expect("code"),
            project_code: Some(ProjectCode(PROJECT.into())),
            amount_yuan: Yuan::new(amount).expect("amount"),
            voucher_no: Some(format!("记-{n:04}")),
            summary: "科技合作及基础运转".into(),
        }
        .into(),
    )
}

fn hold(n: u128, held_on: NaiveDate, title: &str, invited: u32, participants: u32) -> Command {
    Command::HoldActivity(ActivityHeld {
        evidence: Vec::new(),
        activity_id: id(n),
        project_code: ProjectCode(PROJECT.into()),
        held_on,
        title: title.into(),
        invited,
        participants,
    })
}

fn survey(n: u128, group: &str, respondents: u32, satisfied: u32) -> Command {
    Command::RecordSurvey(SurveyRecorded {
        evidence: Vec::new(),
        survey_id: id(n),
        project_code: Some(ProjectCode(PROJECT.into())),
        surveyed_on: d(12, 10),
        respondent_group: group.into(),
        respondents,
        satisfied,
    })
}

fn assess(indicator: &str, grade: QualGrade, score: Option<Decimal>, text: &str) -> Command {
    Command::AssessIndicator(IndicatorAssessed {
        evidence: Vec::new(),
        scope: scope(),
        indicator_id: ind(indicator),
        assessed_on: d(12, 20),
        grade: Some(grade),
        score,
        actual_value: None,
        actual_text: text.into(),
        note: String::new(),
        band_position: None,
    })
}

fn explain(indicator: Option<&str>, text: &str) -> Command {
    Command::ExplainDeviation(DeviationExplained {
        scope: scope(),
        indicator_id: indicator.map(ind),
        explanation: text.into(),
        explained_on: d(12, 28),
    })
}

/// The whole year of the project.
fn the_year() -> Year {
    let profile = ScoringProfile::builtin("mof-2020").expect("built-in profile");
    let mut year = Year {
        state: UnitYear::new(),
        profile,
    };
    // 年初预算批复 and 绩效目标 from the fixture of the seed disclosure.
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).expect("fixture parses");
    for event in import.into_events().expect("fixture is valid") {
        match event {
            Event::BudgetApproved(b) => year.run(Command::ApproveBudget(b)),
            Event::TargetsApproved(t) => year.run(Command::ApproveTargets(t)),
            other => panic!("unexpected import event {other:?}"),
        }
    }

    // Payments on the project's single line (30201, 200,000.00 元):
    //   #1 03-15 30,000.00   #2 05-20 45,000.00   #3 06-10 12,000.00 (红冲 06-18)
    //   #4 08-25 50,000.00   #5 11-12 38,500.00   #6 12-20 16,300.00
    year.run(pay(1, d(3, 15), dec!(30000)));
    year.run(pay(2, d(5, 20), dec!(45000)));
    year.run(pay(3, d(6, 10), dec!(12000)));
    year.run(Command::ReversePayment(PaymentReversed {
        payment_id: id(3),
        reversed_on: d(6, 18),
        reason: "凭证重复录入".into(),
    }));
    year.run(pay(4, d(8, 25), dec!(50000)));
    year.run(pay(5, d(11, 12), dec!(38500)));
    year.run(pay(6, d(12, 20), dec!(16300)));

    // Activities: #11 and #12 held; #12 corrected (9 → 12 participants after the sign-in sheet
    // was rechecked); #13 held; #14 recorded but withdrawn (it was cancelled).
    year.run(hold(11, d(4, 18), "科技合作对接会", 20, 16));
    year.run(hold(12, d(6, 26), "产学研交流会", 15, 9));
    year.run(Command::CorrectActivity(ActivityCorrected {
        activity_id: id(12),
        held_on: d(6, 26),
        title: "产学研交流会".into(),
        invited: 15,
        participants: 12,
        reason: "签到表复核".into(),
    }));
    year.run(hold(13, d(9, 12), "专家座谈会", 10, 7));
    year.run(hold(14, d(10, 30), "技术培训会", 25, 18));
    year.run(Command::WithdrawActivity(ActivityWithdrawn {
        activity_id: id(14),
        withdrawn_on: d(11, 5),
        reason: "活动取消，误录".into(),
    }));

    // Surveys: 专家 11 of 12 satisfied, 企业 15 of 20, 工作人员 6 of 10.
    year.run(survey(21, "专家", 12, 11));
    year.run(survey(22, "企业", 20, 15));
    year.run(survey(23, "工作人员", 10, 6));

    // Assessments: 运转质量 达成 (no score: full weight); 提升程度 部分达成 with 21 points.
    year.run(assess("P-OUT-03", QualGrade::Achieved, None, "良好"));
    year.run(assess(
        "P-BEN-01",
        QualGrade::Partial,
        Some(dec!(21)),
        "较明显",
    ));
    year
}

#[test]
fn the_project_scores_89_51_good_with_mof_2020() {
    let year = the_year();
    let e = year
        .state
        .project_evaluation(&ProjectCode(PROJECT.into()), None, &year.profile)
        .expect("evaluates");

    // 预算执行率: net payments 30,000 + 45,000 + (12,000 − 12,000) + 50,000 + 38,500 + 16,300
    // = 179,800.00 over the adjusted budget 200,000.00 (no adjustment, no carry-over)
    // = 89.90%; score = min(0.899, 1) × 10 = 8.99.
    assert_eq!(
        e.execution.executed_yuan,
        Yuan::new(dec!(179800)).expect("amount")
    );
    assert_eq!(
        e.execution.adjusted_yuan,
        Yuan::new(dec!(200000)).expect("amount")
    );
    assert_eq!(e.execution.rate_percent, Some(dec!(89.90)));
    assert_eq!(e.execution.weight, dec!(10));
    assert_eq!(e.execution.score, dec!(8.99));

    // Weights (mof-2020: 执行 10, 成本 0, 产出 50, 效益 30, 满意度 10; all present levels sum
    // to 100, nothing to rescale): 产出 50 / 4 = 12.50 each; 效益 30 to its one indicator;
    // 满意度 10 / 3 = 3.34 + 3.33 + 3.33 (the extra cent to the first, so they add up to 10).
    //
    // indicator            A                          W      score
    // 活动参与人数 ≥10人    16 + 12 + 7 = 35 (met)       12.50  12.50 (35/10 = 350% > 120%: flagged)
    // 举办活动场次 ≥3次     #11, #12, #13 = 3 (met)      12.50  12.50
    // 运转质量 良好          达成, no score               12.50  12.50
    // 活动举办时间 2024年    all three in 2024 (met)      12.50  12.50
    // 提升程度 明显          部分达成, 21 ∈ [18, 24)      30.00  21.00
    // 专家、企业满意度 ≥80%  (11 + 15)/(12 + 20) = 81.25% 3.34   3.34
    // 工作人员满意度 ≥70%    6/10 = 60% (not met)         3.33   3.33 × 60/70 = 2.854… → 2.85
    // 活动参与率 ≥60%        35/(20 + 15 + 10) = 77.78%   3.33   3.33 (77.78/60 = 129.6%: flagged)
    let expected: [(&str, &str, Decimal, Decimal); 8] = [
        ("P-OUT-01", "35人", dec!(12.50), dec!(12.50)),
        ("P-OUT-02", "3次", dec!(12.50), dec!(12.50)),
        ("P-OUT-03", "良好", dec!(12.50), dec!(12.50)),
        ("P-OUT-04", "", dec!(12.50), dec!(12.50)),
        ("P-BEN-01", "较明显", dec!(30), dec!(21)),
        ("P-SAT-01", "81.25%", dec!(3.34), dec!(3.34)),
        ("P-SAT-02", "60%", dec!(3.33), dec!(2.85)),
        ("P-SAT-03", "77.78%", dec!(3.33), dec!(3.33)),
    ];
    assert_eq!(e.indicators.len(), expected.len());
    for (id, _, weight, score) in expected {
        let r = e
            .indicators
            .iter()
            .find(|r| r.id.0 == id)
            .unwrap_or_else(|| panic!("{id} scored"));
        assert_eq!(
            (r.weight, r.score),
            (weight, score),
            "{id} weight and score"
        );
    }
    let status = year.state.indicator_status(None, &year.profile);
    for (id, text, _, _) in expected.iter().filter(|(_, t, _, _)| !t.is_empty()) {
        let s = status
            .iter()
            .find(|s| s.indicator_id.0 == *id)
            .expect("status row");
        assert_eq!(s.actual_text, *text, "{id} 实际完成值");
    }

    // Total = 8.99 + 4 × 12.50 + 21 + 3.34 + 2.85 + 3.33 = 89.51 → 良 (80 ≤ 89.51 < 90).
    assert_eq!(e.total, dec!(89.51));
    assert_eq!(e.grade, Grade::Good);

    // Flagged "目标值可能设置偏低" for review (no deduction): 活动参与人数 and 活动参与率.
    assert_eq!(e.over_achieved, vec![ind("P-OUT-01"), ind("P-SAT-03")]);
    let flags = |id: &str| {
        e.indicators
            .iter()
            .find(|r| r.id.0 == id)
            .map(|r| r.flags.clone())
            .unwrap_or_default()
    };
    assert!(flags("P-OUT-01").contains(&Flag::OverAchievement));
    assert!(flags("P-BEN-01").contains(&Flag::Graded));

    // Consistency: S/Sw = 80.52/90 = 89.47% and B/Bw = 8.99/10 = 89.90%: the money was spent
    // in step with the targets, no warning.
    assert!(e.consistency.as_ref().is_some_and(|c| !c.warning));

    // Deviations to explain: 预算执行率 (89.90% < 90%), 提升程度 (21 < 30), 工作人员满意度.
    assert_eq!(
        e.needs_explanation,
        vec![
            DeviationItem::ExecutionRate,
            DeviationItem::Indicator(ind("P-BEN-01")),
            DeviationItem::Indicator(ind("P-SAT-02")),
        ]
    );
}

#[test]
fn corrections_withdrawals_and_reversals_are_what_the_measures_count() {
    let year = the_year();
    let status = year.state.indicator_status(None, &year.profile);
    let row = |id: &str| status.iter().find(|s| s.indicator_id.0 == id).expect("row");
    // The withdrawn #14 (25 invited, 18 took part) is not counted; #12 counts 12, not 9.
    assert_eq!(
        row("P-OUT-01").actual,
        MeasureValue::Number { value: dec!(35) }
    );
    assert_eq!(
        row("P-OUT-01").sources,
        vec![
            Source::Activity { id: id(11) },
            Source::Activity { id: id(12) },
            Source::Activity { id: id(13) }
        ]
    );
    // 专家、企业 satisfaction reads only those two surveys; 工作人员 only its own.
    assert_eq!(
        row("P-SAT-01").sources,
        vec![Source::Survey { id: id(21) }, Source::Survey { id: id(22) }]
    );
    assert_eq!(row("P-SAT-02").sources, vec![Source::Survey { id: id(23) }]);
}

#[test]
fn as_of_the_end_of_july_only_earlier_facts_count() {
    let year = the_year();
    let july = d(7, 31);
    // Net payments by 31 July: 30,000 + 45,000 + 12,000 − 12,000 = 75,000.00 = 37.50%.
    let summary = year
        .state
        .execution_summary(Some(july), &year.profile)
        .expect("budget approved");
    let p = summary
        .by_project
        .iter()
        .find(|r| r.key == PROJECT)
        .expect("project row");
    assert_eq!(p.paid_yuan, Yuan::new(dec!(75000)).expect("amount"));
    assert_eq!(p.rate_percent, Some(dec!(37.50)));
    // 序时进度 7/12 = 58.33%; v = 37.50 / (7/12) = 64.29 → yellow (60 ≤ v < 80).
    assert_eq!(summary.schedule_progress_percent, dec!(58.33));
    assert_eq!(p.warning.v, Some(dec!(64.29)));
    assert_eq!(p.warning.colour, Colour::Yellow);
    // By month: March 30,000; May 45,000; June +12,000 −12,000 = 0.
    let months: Vec<Decimal> = summary
        .by_month
        .iter()
        .map(|m| m.paid_yuan.yuan())
        .collect();
    assert_eq!(
        months,
        vec![
            dec!(0),
            dec!(0),
            dec!(30000),
            dec!(0),
            dec!(45000),
            dec!(0),
            dec!(0)
        ]
    );

    // Activities by 31 July: #11 and #12 (with its correction): 2 held, 16 + 12 = 28 people.
    let status = year.state.indicator_status(Some(july), &year.profile);
    let row = |id: &str| status.iter().find(|s| s.indicator_id.0 == id).expect("row");
    assert_eq!(
        row("P-OUT-02").actual,
        MeasureValue::Number { value: dec!(2) }
    );
    assert_eq!(
        row("P-OUT-01").actual,
        MeasureValue::Number { value: dec!(28) }
    );
    // No survey yet in July.
    assert_eq!(row("P-SAT-01").actual, MeasureValue::NoData);

    // The 1-7月 draft of the project shows the same funds.
    let draft = year
        .state
        .monitoring_draft(&scope(), july, &year.profile)
        .expect("draft")
        .expect("budget approved");
    assert_eq!(
        draft.funds.spent_yuan,
        Yuan::new(dec!(75000)).expect("amount")
    );
    assert_eq!(draft.funds.execution_rate_percent, Some(dec!(37.50)));
    assert_eq!(draft.funds.warning.colour, Colour::Yellow);
    assert_eq!(draft.rows.len(), 8);
}

#[test]
fn submission_waits_for_the_deviation_explanations_then_records_the_score() {
    let mut year = the_year();
    let submit = || {
        Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
            submitted_on: d(12, 30),
            submitted_by: String::new(),
        })
    };
    // The unit-wide (预算14) indicators are not assessed in this example; score the project
    // only by looking at the refusal's list for the project's three items.
    let err = year.refuse(submit());
    assert_eq!(err.code(), "deviation_unexplained");
    let msg = err.to_string();
    for item in ["预算执行率", "对相关产业发展的提升程度", "工作人员满意度"]
    {
        assert!(msg.contains(item), "{item} listed in: {msg}");
    }
    year.run(explain(
        None,
        "12月部分合同款项未到支付节点，已结转至次年1月支付。",
    ));
    year.run(explain(
        Some("P-BEN-01"),
        "合作项目尚在孵化，产业带动效果需次年显现；将跟踪评估。",
    ));
    year.run(explain(
        Some("P-SAT-02"),
        "工作人员对加班安排意见较大；将优化活动排期。",
    ));
    let still = year.refuse(submit()).to_string();
    for item in ["预算执行率", "对相关产业发展的提升程度", "工作人员满意度"]
    {
        assert!(
            !still.contains(&format!("项目 {PROJECT}：{item}")),
            "{item} explained, still listed: {still}"
        );
    }
}
