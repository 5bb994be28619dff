//! Given/when/then tests of 佐证材料 in the aggregate: evidence carried by an activity, a survey
//! or an assessment, or attached later to one the year holds; the target must exist; the
//! references obey the evidence rules; the year knows which files its events reference.

mod aggregate_support;

use aggregate_support::*;
use jixiao_domain::aggregate::Command;
use jixiao_domain::event::*;
use jixiao_domain::evidence::MAX_EVIDENCE_PER_EVENT;
use jixiao_domain::indicator::{IndicatorId, QualGrade};

fn attach(target: EvidenceTarget, n: u8) -> EvidenceAttached {
    EvidenceAttached {
        target,
        evidence: vec![evidence_ref(n, "签到表.pdf")],
        attached_on: d(2024, 6, 1),
    }
}

fn activity_10() -> EvidenceTarget {
    EvidenceTarget::Activity {
        activity_id: id(10),
    }
}

fn assessment(n: u8) -> IndicatorAssessed {
    IndicatorAssessed {
        evidence: vec![evidence_ref(n, "专家意见.pdf")],
        scope: project_scope(),
        indicator_id: IndicatorId("BEN-1".into()),
        assessed_on: d(2024, 12, 20),
        grade: Some(QualGrade::Achieved),
        score: None,
        actual_value: None,
        actual_text: "明显".into(),
        note: String::new(),
        band_position: None,
    }
}

#[test]
fn evidence_attached_to_a_recorded_activity_is_recorded_and_the_year_references_its_file() {
    let e = attach(activity_10(), 7);
    let year = given(busy_year())
        .when(Command::AttachEvidence(e.clone()))
        .then_expect(vec![Event::EvidenceAttached(e)]);
    let r = evidence_ref(7, "签到表.pdf");
    assert_eq!(year.evidence(&r.sha256), Some(&r));
    assert_eq!(year.evidence(&evidence_ref(8, "x.pdf").sha256), None);
}

#[test]
fn evidence_carried_by_an_activity_a_survey_and_an_assessment_is_referenced_by_the_year() {
    let mut activity = activity(11, d(2024, 6, 6), 10, 8);
    activity.evidence = vec![evidence_ref(1, "签到表.pdf")];
    let mut survey = survey(20, "专家", 10, 9);
    survey.evidence = vec![evidence_ref(2, "问卷汇总.pdf")];
    let year = given(busy_year())
        .when(Command::HoldActivity(activity.clone()))
        .then_expect(vec![Event::ActivityHeld(activity)]);
    let year = given_year(year, Command::RecordSurvey(survey));
    let year = given_year(year, Command::AssessIndicator(assessment(3)));
    let hashes: Vec<String> = year
        .evidence_files()
        .map(|r| r.sha256.to_string())
        .collect();
    assert_eq!(
        hashes,
        vec!["01".repeat(32), "02".repeat(32), "03".repeat(32)]
    );
}

/// Decide and apply one command on a year (accepted).
fn given_year(
    mut year: jixiao_domain::aggregate::UnitYear,
    command: Command,
) -> jixiao_domain::aggregate::UnitYear {
    let p = profile();
    let ctx = jixiao_domain::aggregate::Context { profile: &p };
    let events = year.handle(command, &ctx).expect("accepted");
    for e in &events {
        year.apply(e);
    }
    year
}

#[test]
fn evidence_for_an_activity_survey_or_assessment_the_year_does_not_hold_is_refused() {
    let unknown_activity = EvidenceTarget::Activity {
        activity_id: id(99),
    };
    let err = given(busy_year())
        .when(Command::AttachEvidence(attach(unknown_activity, 1)))
        .then_reject("evidence_target_not_found");
    assert_eq!(err.field(), "target");
    given(busy_year())
        .when(Command::AttachEvidence(attach(
            EvidenceTarget::Survey { survey_id: id(20) },
            1,
        )))
        .then_reject("evidence_target_not_found");
    // The indicator exists but nobody assessed it yet.
    let err = given(busy_year())
        .when(Command::AttachEvidence(attach(
            EvidenceTarget::Assessment {
                scope: project_scope(),
                indicator_id: IndicatorId("BEN-1".into()),
            },
            1,
        )))
        .then_reject("evidence_target_not_found");
    assert!(err.to_string().contains("BEN-1"), "{err}");
}

#[test]
fn evidence_can_be_attached_to_a_recorded_survey_and_assessment() {
    let mut log = busy_year();
    log.push(Event::SurveyRecorded(survey(20, "专家", 10, 9)));
    log.push(Event::IndicatorAssessed(assessment(3)));
    for target in [
        EvidenceTarget::Survey { survey_id: id(20) },
        EvidenceTarget::Assessment {
            scope: project_scope(),
            indicator_id: IndicatorId("BEN-1".into()),
        },
    ] {
        let e = attach(target, 4);
        given(log.clone())
            .when(Command::AttachEvidence(e.clone()))
            .then_expect(vec![Event::EvidenceAttached(e)]);
    }
}

#[test]
fn evidence_cannot_be_attached_to_a_withdrawn_activity() {
    let mut log = busy_year();
    log.push(Event::ActivityWithdrawn(ActivityWithdrawn {
        activity_id: id(10),
        withdrawn_on: d(2024, 5, 20),
        reason: "未举办".into(),
    }));
    given(log)
        .when(Command::AttachEvidence(attach(activity_10(), 1)))
        .then_reject("evidence_target_not_found");
}

#[test]
fn an_attachment_without_files_or_with_too_many_is_refused() {
    let mut e = attach(activity_10(), 1);
    e.evidence.clear();
    let err = given(busy_year())
        .when(Command::AttachEvidence(e.clone()))
        .then_reject("required");
    assert_eq!(err.field(), "evidence");
    e.evidence = vec![evidence_ref(1, "a.pdf"); MAX_EVIDENCE_PER_EVENT + 1];
    given(busy_year())
        .when(Command::AttachEvidence(e))
        .then_reject("evidence_too_many");
}

#[test]
fn an_activity_whose_evidence_names_a_path_is_refused() {
    let mut activity = activity(11, d(2024, 6, 6), 10, 8);
    activity.evidence = vec![evidence_ref(1, "../../etc/passwd")];
    let err = given(busy_year())
        .when(Command::HoldActivity(activity))
        .then_reject("evidence_name_unsafe");
    assert_eq!(err.field(), "file_name");
}
