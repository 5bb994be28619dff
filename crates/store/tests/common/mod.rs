//! Helpers shared by the store's integration tests: a store in a temporary directory and
//! builders of domain events.
#![allow(dead_code)]

use chrono::NaiveDate;
use jixiao_domain::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind, UnitInfo};
use jixiao_domain::codes::{EconomicCode, FunctionCode, UnitKind};
use jixiao_domain::event::{
    ActivityHeld, BudgetAdjusted, BudgetApproved, Event, PaymentRecorded, PaymentReversed,
    SurveyRecorded,
};
use jixiao_domain::money::Yuan;
use jixiao_store::{EventMeta, NewEvent, Store, StoreOptions, StreamId, Synchronous};
use uuid::Uuid;

pub const PROJECT: &str = "41080024000000053204";

pub fn open(dir: &tempfile::TempDir) -> Store {
    let mut options = StoreOptions::new(dir.path().join("jixiao.db"));
    // Tests exercise logic, not the disk: NORMAL keeps them fast; durability has its own test.
    options.synchronous = Synchronous::Normal;
    Store::open(options).unwrap()
}

pub fn stream(unit: &str) -> StreamId {
    StreamId::new(unit, 2024)
}

pub fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

pub fn meta() -> EventMeta {
    EventMeta {
        actor: "clerk".into(),
        request_id: "req-1".into(),
        recorded_at: None,
    }
}

pub fn new_event(event: Event) -> NewEvent {
    NewEvent::new(Uuid::new_v4(), event, meta()).unwrap()
}

pub fn yuan(s: &str) -> Yuan {
    Yuan::parse_yuan(s).unwrap()
}

pub fn budget_approved(unit: &str) -> Event {
    let line = |id: &str, kind, econ: &str, project: Option<&str>, amount: &str| BudgetLine {
        line_id: LineId(id.into()),
        kind,
        function_code: FunctionCode::parse("2060401").unwrap(),
        economic_code: EconomicCode::parse(econ).unwrap(),
        project_code: project.map(|p| ProjectCode(p.into())),
        name: id.into(),
        initial_yuan: yuan(amount),
    };
    Event::BudgetApproved(BudgetApproved {
        unit: UnitInfo {
            code: unit.into(),
            name: format!("单位{unit}"),
            department: "焦作市科学技术局".into(),
            kind: UnitKind::Institution,
        },
        fiscal_year: 2024,
        approved_on: date(1, 15),
        lines: vec![
            line("B-30101", SpendingKind::Personnel, "30101", None, "595600"),
            line("B-30201", SpendingKind::Public, "30201", None, "27800"),
            line(
                "P-1",
                SpendingKind::Project,
                "30211",
                Some(PROJECT),
                "200000",
            ),
        ],
        projects: vec![ProjectInfo {
            code: ProjectCode(PROJECT.into()),
            name: "科技合作及基础运转经费".into(),
            category: "其他运转类".into(),
            overall_goal: "举办活动".into(),
        }],
        sangong_budget_yuan: Yuan::ZERO,
        procurement_budget_yuan: Yuan::ZERO,
        annual_duty_goals: vec![],
        annual_tasks: vec![],
    })
}

pub fn payment(id: Uuid, line: &str, econ: &str, on: NaiveDate, amount: &str) -> Event {
    Event::PaymentRecorded(PaymentRecorded {
        payment_id: id,
        paid_on: on,
        line_id: LineId(line.into()),
        economic_code: EconomicCode::parse(econ).unwrap(),
        function_code: FunctionCode::parse("2060401").unwrap(),
        project_code: if line.starts_with("P-") {
            Some(ProjectCode(PROJECT.into()))
        } else {
            None
        },
        amount_yuan: yuan(amount),
        voucher_no: None,
        summary: "支出".into(),
    })
}

pub fn reversal(id: Uuid, on: NaiveDate) -> Event {
    Event::PaymentReversed(PaymentReversed {
        payment_id: id,
        reversed_on: on,
        reason: "红冲".into(),
    })
}

pub fn adjusted(line: &str, delta: &str, on: NaiveDate) -> Event {
    Event::BudgetAdjusted(BudgetAdjusted {
        request_id: Uuid::new_v4(),
        line_id: LineId(line.into()),
        delta_yuan: yuan(delta),
        adjusted_on: on,
        note: String::new(),
    })
}

pub fn activity(id: Uuid, on: NaiveDate, invited: u32, participants: u32) -> Event {
    Event::ActivityHeld(ActivityHeld {
        evidence: Vec::new(),
        activity_id: id,
        project_code: ProjectCode(PROJECT.into()),
        held_on: on,
        title: "技术对接会".into(),
        invited,
        participants,
    })
}

pub fn survey(group: &str, on: NaiveDate, respondents: u32, satisfied: u32) -> Event {
    Event::SurveyRecorded(SurveyRecorded {
        evidence: Vec::new(),
        survey_id: Uuid::new_v4(),
        project_code: Some(ProjectCode(PROJECT.into())),
        surveyed_on: on,
        respondent_group: group.into(),
        respondents,
        satisfied,
    })
}
