//! Pins the stored JSON of every event type: the `type` name, the field names and the value
//! encodings (amounts as decimal strings in 元, dates as ISO strings, scopes and enums in
//! snake_case). Renaming a field is a schema change that needs an upcaster, not a refactor:
//! these tests fail on any such rename. Each event also round-trips through
//! `Event::payload` / `Event::from_payload`, as the store reads it back.

use chrono::NaiveDate;
use jixiao_domain::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind, UnitInfo};
use jixiao_domain::codes::{EconomicCode, FunctionCode, UnitKind};
use jixiao_domain::event::*;
use jixiao_domain::indicator::{Indicator, IndicatorId, Level1, QualGrade, Scope};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::target::Target;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use uuid::Uuid;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).expect("date")
}

fn y(text: &str) -> Yuan {
    Yuan::parse_yuan(text).expect("amount")
}

fn project_scope() -> Scope {
    Scope::Project(ProjectCode("410800240000000532".into()))
}

/// One sample of every event type with its pinned JSON.
fn samples() -> Vec<(Event, Value)> {
    let id1 = Uuid::from_u128(1);
    vec![
        (
            Event::BudgetApproved(BudgetApproved {
                unit: UnitInfo {
                    code: "261301".into(),
                    name: "焦作市产业技术科学院".into(),
                    department: "焦作市产业技术科学院".into(),
                    kind: UnitKind::Institution,
                },
                fiscal_year: 2024,
                approved_on: d(1, 15),
                lines: vec![BudgetLine {
                    line_id: LineId("P-410800240000000532-30211".into()),
                    kind: SpendingKind::Project,
                    function_code: FunctionCode::parse("2060499").expect("code"),
                    economic_code: EconomicCode::parse("30211").expect("code"),
                    project_code: Some(ProjectCode("410800240000000532".into())),
                    name: "科技合作及基础运转经费".into(),
                    initial_yuan: y("200000"),
                }],
                projects: vec![ProjectInfo {
                    code: ProjectCode("410800240000000532".into()),
                    name: "科技合作及基础运转经费".into(),
                    category: "其他运转类".into(),
                    overall_goal: "保障基础业务及正常运转".into(),
                }],
                sangong_budget_yuan: Yuan::ZERO,
                procurement_budget_yuan: y("1500.5"),
                annual_duty_goals: vec!["科技合作".into()],
                annual_tasks: vec![AnnualTask {
                    name: "产业服务与科技合作".into(),
                    content: "服务产业发展".into(),
                }],
            }),
            json!({"type": "budget_approved", "data": {
                "unit": {"code": "261301", "name": "焦作市产业技术科学院", "department": "焦作市产业技术科学院", "kind": "institution"},
                "fiscal_year": 2024,
                "approved_on": "2024-01-15",
                "lines": [{
                    "line_id": "P-410800240000000532-30211",
                    "kind": "project",
                    "function_code": "2060499",
                    "economic_code": "30211",
                    "project_code": "410800240000000532",
                    "name": "科技合作及基础运转经费",
                    "initial_yuan": "200000"
                }],
                "projects": [{"code": "410800240000000532", "name": "科技合作及基础运转经费", "category": "其他运转类", "overall_goal": "保障基础业务及正常运转"}],
                "sangong_budget_yuan": "0",
                "procurement_budget_yuan": "1500.5",
                "annual_duty_goals": ["科技合作"],
                "annual_tasks": [{"name": "产业服务与科技合作", "content": "服务产业发展"}]
            }}),
        ),
        (
            Event::BudgetAdjustmentRequested(BudgetAdjustmentRequested {
                request_id: id1,
                line_id: LineId("B-30201".into()),
                delta_yuan: y("-3000.01"),
                reason: "压减".into(),
                requested_on: d(7, 1),
            }),
            json!({"type": "budget_adjustment_requested", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001",
                "line_id": "B-30201",
                "delta_yuan": "-3000.01",
                "reason": "压减",
                "requested_on": "2024-07-01"
            }}),
        ),
        (
            Event::BudgetAdjusted(BudgetAdjusted {
                request_id: id1,
                line_id: LineId("B-30201".into()),
                delta_yuan: y("2000"),
                adjusted_on: d(7, 5),
                note: "同意".into(),
            }),
            json!({"type": "budget_adjusted", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001",
                "line_id": "B-30201",
                "delta_yuan": "2000",
                "adjusted_on": "2024-07-05",
                "note": "同意"
            }}),
        ),
        (
            Event::BudgetAdjustmentRejected(RequestRejected {
                request_id: id1,
                decided_on: d(7, 5),
                reason: "无依据".into(),
            }),
            json!({"type": "budget_adjustment_rejected", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001",
                "decided_on": "2024-07-05",
                "reason": "无依据"
            }}),
        ),
        (
            Event::CarryOverRecorded(CarryOverRecorded {
                line_id: LineId("B-30201".into()),
                amount_yuan: y("12.34"),
                recorded_on: d(2, 1),
            }),
            json!({"type": "carry_over_recorded", "data": {
                "line_id": "B-30201", "amount_yuan": "12.34", "recorded_on": "2024-02-01"
            }}),
        ),
        (
            Event::TargetsApproved(TargetsApproved {
                scope: project_scope(),
                overall_goal: "保障运转".into(),
                indicators: vec![Indicator {
                    id: IndicatorId("OUT-1".into()),
                    level1: Level1::Output,
                    level2: "数量指标".into(),
                    name: "举办活动场次".into(),
                    target: Target::parse("≥3次").expect("target"),
                    weight: Some(dec!(12.5)),
                    measure: Measure::Satisfaction {
                        groups: vec!["专家".into(), "企业".into()],
                    },
                    description: None,
                }],
                approved_on: d(1, 15),
            }),
            json!({"type": "targets_approved", "data": {
                "scope": {"scope": "project", "project_code": "410800240000000532"},
                "overall_goal": "保障运转",
                "indicators": [{
                    "id": "OUT-1",
                    "level1": "output",
                    "level2": "数量指标",
                    "name": "举办活动场次",
                    "target": "≥3次",
                    "weight": "12.5",
                    "measure": {"kind": "satisfaction", "groups": ["专家", "企业"]},
                    "description": null
                }],
                "approved_on": "2024-01-15"
            }}),
        ),
        (
            Event::TargetAdjustmentRequested(TargetAdjustmentRequested {
                request_id: id1,
                scope: Scope::Unit,
                indicator_id: IndicatorId("U-1".into()),
                new_target: Target::parse("≥85%").expect("target"),
                reason: "调整".into(),
                requested_on: d(6, 1),
            }),
            json!({"type": "target_adjustment_requested", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001",
                "scope": {"scope": "unit"},
                "indicator_id": "U-1",
                "new_target": "≥85%",
                "reason": "调整",
                "requested_on": "2024-06-01"
            }}),
        ),
        (
            Event::TargetAdjustmentApproved(TargetAdjustmentApproved {
                request_id: id1,
                decided_on: d(6, 10),
                note: "同意".into(),
            }),
            json!({"type": "target_adjustment_approved", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001", "decided_on": "2024-06-10", "note": "同意"
            }}),
        ),
        (
            Event::TargetAdjustmentRejected(RequestRejected {
                request_id: id1,
                decided_on: d(6, 10),
                reason: "不同意".into(),
            }),
            json!({"type": "target_adjustment_rejected", "data": {
                "request_id": "00000000-0000-0000-0000-000000000001", "decided_on": "2024-06-10", "reason": "不同意"
            }}),
        ),
        (
            Event::PaymentRecorded(PaymentRecorded {
                payment_id: id1,
                paid_on: d(3, 1),
                line_id: LineId("P-410800240000000532-30211".into()),
                economic_code: EconomicCode::parse("30211").expect("code"),
                function_code: FunctionCode::parse("2060499").expect("code"),
                project_code: Some(ProjectCode("410800240000000532".into())),
                amount_yuan: y("1234.50"),
                voucher_no: Some("记-0003".into()),
                summary: "差旅费".into(),
            }),
            json!({"type": "payment_recorded", "data": {
                "payment_id": "00000000-0000-0000-0000-000000000001",
                "paid_on": "2024-03-01",
                "line_id": "P-410800240000000532-30211",
                "economic_code": "30211",
                "function_code": "2060499",
                "project_code": "410800240000000532",
                "amount_yuan": "1234.5",
                "voucher_no": "记-0003",
                "summary": "差旅费"
            }}),
        ),
        (
            Event::PaymentReversed(PaymentReversed {
                payment_id: id1,
                reversed_on: d(3, 5),
                reason: "凭证错误".into(),
            }),
            json!({"type": "payment_reversed", "data": {
                "payment_id": "00000000-0000-0000-0000-000000000001", "reversed_on": "2024-03-05", "reason": "凭证错误"
            }}),
        ),
        (
            Event::ActivityHeld(ActivityHeld {
                evidence: Vec::new(),
                activity_id: id1,
                project_code: ProjectCode("410800240000000532".into()),
                held_on: d(4, 1),
                title: "产学研对接会".into(),
                invited: 20,
                participants: 15,
            }),
            json!({"type": "activity_held", "data": {
                "activity_id": "00000000-0000-0000-0000-000000000001",
                "project_code": "410800240000000532",
                "held_on": "2024-04-01",
                "title": "产学研对接会",
                "invited": 20,
                "participants": 15
            }}),
        ),
        (
            Event::ActivityCorrected(ActivityCorrected {
                activity_id: id1,
                held_on: d(4, 2),
                title: "产学研对接会".into(),
                invited: 20,
                participants: 12,
                reason: "人数录错".into(),
            }),
            json!({"type": "activity_corrected", "data": {
                "activity_id": "00000000-0000-0000-0000-000000000001",
                "held_on": "2024-04-02",
                "title": "产学研对接会",
                "invited": 20,
                "participants": 12,
                "reason": "人数录错"
            }}),
        ),
        (
            Event::ActivityWithdrawn(ActivityWithdrawn {
                activity_id: id1,
                withdrawn_on: d(5, 1),
                reason: "未举办".into(),
            }),
            json!({"type": "activity_withdrawn", "data": {
                "activity_id": "00000000-0000-0000-0000-000000000001", "withdrawn_on": "2024-05-01", "reason": "未举办"
            }}),
        ),
        (
            Event::SurveyRecorded(SurveyRecorded {
                evidence: Vec::new(),
                survey_id: id1,
                project_code: None,
                surveyed_on: d(11, 20),
                respondent_group: "企业".into(),
                respondents: 30,
                satisfied: 27,
            }),
            json!({"type": "survey_recorded", "data": {
                "survey_id": "00000000-0000-0000-0000-000000000001",
                "project_code": null,
                "surveyed_on": "2024-11-20",
                "respondent_group": "企业",
                "respondents": 30,
                "satisfied": 27
            }}),
        ),
        (
            Event::IndicatorAssessed(IndicatorAssessed {
                evidence: Vec::new(),
                scope: project_scope(),
                indicator_id: IndicatorId("OUT-3".into()),
                assessed_on: d(12, 20),
                grade: Some(QualGrade::Partial),
                score: Some(dec!(8.5)),
                actual_value: None,
                actual_text: "较好".into(),
                note: "部分达成".into(),
                band_position: None,
            }),
            json!({"type": "indicator_assessed", "data": {
                "scope": {"scope": "project", "project_code": "410800240000000532"},
                "indicator_id": "OUT-3",
                "assessed_on": "2024-12-20",
                "grade": "partial",
                "score": "8.5",
                "actual_value": null,
                "actual_text": "较好",
                "note": "部分达成"
            }}),
        ),
        (
            Event::ProcurementRecorded(ProcurementRecorded {
                procurement_id: id1,
                procured_on: d(5, 1),
                project_code: None,
                amount_yuan: y("800"),
                description: "办公设备".into(),
            }),
            json!({"type": "procurement_recorded", "data": {
                "procurement_id": "00000000-0000-0000-0000-000000000001",
                "procured_on": "2024-05-01",
                "project_code": null,
                "amount_yuan": "800",
                "description": "办公设备"
            }}),
        ),
        (
            Event::MonitoringReportFiled(MonitoringReportFiled {
                as_of: d(7, 31),
                filed_on: d(8, 10),
                expected_full_year_yuan: y("820000"),
                rows: vec![MonitoringRow {
                    scope: project_scope(),
                    indicator_id: IndicatorId("OUT-1".into()),
                    value_so_far: "2次".into(),
                    expected_full_year: "4次".into(),
                    deviation_cause: Some(DeviationCause::Staffing),
                    likelihood: Likelihood::Possible,
                    explanation: "人员不足".into(),
                }],
            }),
            json!({"type": "monitoring_report_filed", "data": {
                "as_of": "2024-07-31",
                "filed_on": "2024-08-10",
                "expected_full_year_yuan": "820000",
                "rows": [{
                    "scope": {"scope": "project", "project_code": "410800240000000532"},
                    "indicator_id": "OUT-1",
                    "value_so_far": "2次",
                    "expected_full_year": "4次",
                    "deviation_cause": "staffing",
                    "likelihood": "possible",
                    "explanation": "人员不足"
                }]
            }}),
        ),
        (
            Event::DeviationExplained(DeviationExplained {
                scope: Scope::Unit,
                indicator_id: None,
                explanation: "项目延期".into(),
                explained_on: d(12, 28),
            }),
            json!({"type": "deviation_explained", "data": {
                "scope": {"scope": "unit"}, "indicator_id": null, "explanation": "项目延期", "explained_on": "2024-12-28"
            }}),
        ),
        (
            Event::SelfEvaluationSubmitted(SelfEvaluationSubmitted {
                profile_id: "mof-2020".into(),
                profile_version: 1,
                submitted_on: d(12, 30),
                scores: vec![
                    ("410800240000000532".into(), dec!(92.5)),
                    ("unit".into(), dec!(88)),
                ],
                submitted_by: "head".into(),
                known_at_version: 41,
                evaluations: vec![SubmittedEvaluation {
                    scope: Scope::Unit,
                    total: dec!(88),
                    grade: "良".into(),
                    consistency_warning: false,
                    rows: vec![SubmittedRow {
                        indicator_id: Some(IndicatorId("U-1".into())),
                        name: "预算执行率".into(),
                        target_text: "≥90%".into(),
                        actual_text: "95.00%".into(),
                        weight: dec!(10),
                        score: dec!(10),
                        flags: vec![],
                    }],
                }],
            }),
            json!({"type": "self_evaluation_submitted", "data": {
                "profile_id": "mof-2020",
                "profile_version": 1,
                "submitted_on": "2024-12-30",
                "scores": [["410800240000000532", "92.5"], ["unit", "88"]],
                "submitted_by": "head",
                "known_at_version": 41,
                "evaluations": [{
                    "scope": {"scope": "unit"}, "total": "88", "grade": "良",
                    "consistency_warning": false,
                    "rows": [{
                        "indicator_id": "U-1", "name": "预算执行率", "target_text": "≥90%",
                        "actual_text": "95.00%", "weight": "10", "score": "10", "flags": []
                    }]
                }]
            }}),
        ),
        (
            Event::SelfEvaluationReturned(SelfEvaluationReviewed {
                on: d(12, 31),
                by: "finance".into(),
                reason: "佐证材料不全".into(),
            }),
            json!({"type": "self_evaluation_returned", "data": {"on": "2024-12-31", "by": "finance", "reason": "佐证材料不全"}}),
        ),
        (
            Event::SelfEvaluationApproved(SelfEvaluationReviewed {
                on: d(12, 31),
                by: "finance".into(),
                reason: String::new(),
            }),
            json!({"type": "self_evaluation_approved", "data": {"on": "2024-12-31", "by": "finance", "reason": ""}}),
        ),
        (
            Event::YearClosed(YearLockChanged {
                on: d(12, 31),
                reason: "自评完成".into(),
                by: "finance".into(),
            }),
            json!({"type": "year_closed", "data": {"on": "2024-12-31", "reason": "自评完成", "by": "finance"}}),
        ),
        (
            Event::YearReopened(YearLockChanged {
                on: d(12, 31),
                reason: "更正".into(),
                by: "finance".into(),
            }),
            json!({"type": "year_reopened", "data": {"on": "2024-12-31", "reason": "更正", "by": "finance"}}),
        ),
        (
            Event::EvidenceAttached(EvidenceAttached {
                target: EvidenceTarget::Assessment {
                    scope: project_scope(),
                    indicator_id: IndicatorId("运转质量".into()),
                },
                evidence: vec![sign_in_sheet()],
                attached_on: d(12, 31),
            }),
            json!({"type": "evidence_attached", "data": {
                "target": {"kind": "assessment", "scope": {"scope": "project", "project_code": "410800240000000532"}, "indicator_id": "运转质量"},
                "evidence": [sign_in_sheet_json()],
                "attached_on": "2024-12-31"
            }}),
        ),
    ]
}

fn sign_in_sheet() -> jixiao_domain::evidence::EvidenceRef {
    jixiao_domain::evidence::EvidenceRef {
        sha256: jixiao_domain::evidence::Sha256Hex::parse(&"0a".repeat(32)).expect("hash"),
        file_name: "签到表.pdf".into(),
        media_type: jixiao_domain::evidence::MediaType::Pdf,
        size: 2048,
    }
}

fn sign_in_sheet_json() -> Value {
    json!({"sha256": "0a".repeat(32), "file_name": "签到表.pdf", "media_type": "application/pdf", "size": 2048})
}

#[test]
fn an_activity_with_evidence_stores_its_references_and_one_without_stores_no_evidence_key() {
    let mut activity = ActivityHeld {
        evidence: vec![sign_in_sheet()],
        activity_id: Uuid::from_u128(9),
        project_code: ProjectCode("P".into()),
        held_on: d(4, 16),
        title: "对接会".into(),
        invited: 20,
        participants: 18,
    };
    let with = Event::ActivityHeld(activity.clone()).payload();
    assert_eq!(with["evidence"], json!([sign_in_sheet_json()]));
    assert_eq!(
        Event::ActivityHeld(activity.clone())
            .payload_json()
            .expect("json"),
        serde_json::to_string(&with).expect("json"),
        "the fast path writes the nested keys sorted, as the slow path does"
    );
    activity.evidence.clear();
    let without = Event::ActivityHeld(activity.clone()).payload();
    assert!(
        without.get("evidence").is_none(),
        "old events keep their bytes (and hashes)"
    );
    let read =
        Event::from_payload("activity_held", without).expect("an event without evidence reads");
    assert_eq!(read, Event::ActivityHeld(activity));
}

/// Fails to compile when a variant is added without a sample here.
fn covered(e: &Event) -> &'static str {
    match e {
        Event::BudgetApproved(_)
        | Event::BudgetAdjustmentRequested(_)
        | Event::BudgetAdjusted(_)
        | Event::BudgetAdjustmentRejected(_)
        | Event::CarryOverRecorded(_)
        | Event::TargetsApproved(_)
        | Event::TargetAdjustmentRequested(_)
        | Event::TargetAdjustmentApproved(_)
        | Event::TargetAdjustmentRejected(_)
        | Event::PaymentRecorded(_)
        | Event::PaymentReversed(_)
        | Event::ActivityHeld(_)
        | Event::ActivityCorrected(_)
        | Event::ActivityWithdrawn(_)
        | Event::SurveyRecorded(_)
        | Event::IndicatorAssessed(_)
        | Event::ProcurementRecorded(_)
        | Event::MonitoringReportFiled(_)
        | Event::DeviationExplained(_)
        | Event::SelfEvaluationSubmitted(_)
        | Event::SelfEvaluationReturned(_)
        | Event::SelfEvaluationApproved(_)
        | Event::YearClosed(_)
        | Event::YearReopened(_)
        | Event::EvidenceAttached(_) => e.event_type(),
    }
}

#[test]
fn every_event_type_has_one_pinned_sample() {
    let types: std::collections::BTreeSet<&str> =
        samples().iter().map(|(e, _)| covered(e)).collect();
    assert_eq!(types.len(), 25, "one sample per event type: {types:?}");
    assert_eq!(samples().len(), 25);
}

#[test]
fn every_event_serializes_to_its_pinned_json() {
    for (event, pinned) in samples() {
        let stored = serde_json::to_value(&event).expect("serializes");
        assert_eq!(
            stored,
            pinned,
            "stored JSON of {} changed",
            event.event_type()
        );
        assert_eq!(
            stored["type"],
            event.event_type(),
            "event_type() names the stored type"
        );
    }
}

#[test]
fn every_event_reads_back_from_its_type_and_payload() {
    for (event, pinned) in samples() {
        let payload = event.payload();
        assert_eq!(payload, pinned["data"], "payload of {}", event.event_type());
        let back = Event::from_payload(event.event_type(), payload).expect("reads back");
        assert_eq!(back, event);
        assert_eq!(
            event.version(),
            1,
            "{} is at schema version 1",
            event.event_type()
        );
    }
}

#[test]
fn an_amount_finer_than_fen_is_refused_on_read() {
    // A stored amount finer than 分 cannot come back as money: the schema rejects it.
    let bad = json!({"line_id": "B-30201", "amount_yuan": "1.234", "recorded_on": "2024-02-01"});
    assert!(Event::from_payload("carry_over_recorded", bad).is_err());
}

#[test]
fn first_release_submissions_closings_and_assessments_still_read() {
    // Written before the workflow: no actor, no known-at, no rows, no band position.
    let submitted = Event::from_payload(
        "self_evaluation_submitted",
        json!({"profile_id": "mof-2020", "profile_version": 1, "submitted_on": "2024-12-30",
               "scores": [["unit", "88"]]}),
    )
    .expect("a first-release submission reads");
    let Event::SelfEvaluationSubmitted(s) = submitted else {
        panic!("read as another type")
    };
    assert_eq!(
        (
            s.submitted_by.as_str(),
            s.known_at_version,
            s.evaluations.len()
        ),
        ("", 0, 0)
    );
    let closed = Event::from_payload("year_closed", json!({"on": "2024-12-31", "reason": "完成"}))
        .expect("a first-release closing reads");
    assert!(matches!(closed, Event::YearClosed(YearLockChanged { ref by, .. }) if by.is_empty()));
    let assessed = Event::from_payload(
        "indicator_assessed",
        json!({"scope": {"scope": "unit"}, "indicator_id": "U-1", "assessed_on": "2024-12-20",
               "grade": "partial", "score": "7", "actual_value": null, "actual_text": "较好",
               "note": ""}),
    )
    .expect("a first-release assessment reads");
    assert!(matches!(
        assessed,
        Event::IndicatorAssessed(IndicatorAssessed {
            band_position: None,
            ..
        })
    ));
}
