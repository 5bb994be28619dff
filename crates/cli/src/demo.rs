//! The demo: a bureau, not one unit. The 焦作 2024 year up to a given day — monthly salaries on
//! the personnel lines, 公用 spending spread over the months, the project spent in lumps with
//! one 红冲, activities (participants ≤ invited), surveys of 专家/企业/工作人员, two assessments,
//! a pending budget adjustment and a pending target adjustment — beside [`SYNTHETIC_UNITS`]
//! synthetic units named as examples ("示例单位01（演示）") under a few example 主管部门, each
//! with its own budget and a pace of spending chosen so that red, yellow and green all appear
//! in the bureau's monitoring; some with pending adjustment requests, one with a submitted
//! self-evaluation; plus one demo user per role.
//!
//! [`demo_commands`] and [`synthetic_units`] are pure (seeded by [`DEMO_SEED`], no clock, no
//! randomness) so tests can replay them; [`populate`] writes every unit-year through
//! `App::import` (decided all or nothing, appended in batches).

use crate::exit::{CliResult, Failure};
use anyhow::Context as _;
use chrono::{Datelike, NaiveDate};
use jixiao_app::import::Approval;
use jixiao_app::ledger::derived_uuid;
use jixiao_app::{Actor, App, AppConfig, Item};
use jixiao_domain::Decimal;
use jixiao_domain::aggregate::Command;
use jixiao_domain::budget::{BudgetLine, SpendingKind};
use jixiao_domain::evaluation::DeviationItem;
use jixiao_domain::event::{
    ActivityHeld, BudgetAdjustmentRequested, BudgetApproved, DeviationExplained, EvidenceAttached,
    EvidenceTarget, IndicatorAssessed, PaymentRecorded, PaymentReversed, SurveyRecorded,
    TargetAdjustmentRequested, TargetsApproved,
};
use jixiao_domain::indicator::{QualGrade, Scope};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::{Yuan, round2};
use jixiao_store::users::Role;
use jixiao_store::{Store, StreamId};
use std::path::Path;

/// The year the demo replays.
pub const DEMO_YEAR: i32 = 2024;
/// The seed of the demo's pseudo-random choices: same seed, same year.
pub const DEMO_SEED: u64 = 20_240_101;

/// Demo users: (name, password, role, unit scope). The passwords are documented in
/// `docs/cli.md`; they exist only in the throw-away demo database.
pub const DEMO_USERS: [(&str, &str, Role, bool); 5] = [
    ("staff", "demo-staff-2024", Role::Staff, true),
    ("head", "demo-head-2024", Role::UnitHead, true),
    ("finance", "demo-finance-2024", Role::Finance, false),
    ("auditor", "demo-auditor-2024", Role::Auditor, false),
    ("admin", "demo-admin-2024", Role::Admin, false),
];

/// SplitMix64: a tiny, well-mixed deterministic generator (no `rand` crate needed).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + u32::try_from(self.next() % span).unwrap_or(0)
    }
}

fn date(month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(DEMO_YEAR, month, day)
}

fn id(kind: &str, n: usize) -> uuid::Uuid {
    derived_uuid(&["jixiao-demo", &DEMO_SEED.to_string(), kind, &n.to_string()])
}

fn yuan(d: Decimal) -> Yuan {
    // round2 leaves at most two decimals, which Yuan always accepts.
    Yuan::new(round2(d)).unwrap_or(Yuan::ZERO)
}

fn summary_for(line: &BudgetLine, month: u32) -> String {
    let what = match line.economic_code.as_str() {
        "30201" => "购买办公用品",
        "30205" => "缴纳水费",
        "30206" => "缴纳电费",
        "30207" => "邮寄及通讯费",
        "30211" => "赴郑州参加科技合作交流会差旅费",
        "30216" => "职工业务培训费",
        "30228" => "拨付工会经费",
        "30229" => "职工福利费",
        _ => return format!("{month}月{}", line.name),
    };
    format!("{month}月{what}")
}

/// Build one payment.
fn payment(
    n: usize,
    line: &BudgetLine,
    paid_on: NaiveDate,
    amount: Yuan,
    summary: String,
) -> PaymentRecorded {
    PaymentRecorded {
        payment_id: id("payment", n),
        paid_on,
        line_id: line.line_id.clone(),
        economic_code: line.economic_code.clone(),
        function_code: line.function_code.clone(),
        project_code: line.project_code.clone(),
        amount_yuan: amount,
        voucher_no: Some(format!("记-{:02}-{:03}", paid_on.month(), n)),
        summary,
    }
}

/// The commands of the demo year after the budget and targets are approved, up to and
/// including `through`, in date order. Pure and deterministic.
pub fn demo_commands(
    budget: &BudgetApproved,
    targets: &[TargetsApproved],
    through: NaiveDate,
) -> Vec<Command> {
    let mut rng = SplitMix(DEMO_SEED);
    let mut dated: Vec<(NaiveDate, Command)> = Vec::new();
    let mut n = 0usize;
    let twelve = Decimal::from(12);

    // 人员经费: salaries and contributions on the 15th, 1/12 each month, the rest in December.
    for line in budget
        .lines
        .iter()
        .filter(|l| l.kind == SpendingKind::Personnel)
    {
        let monthly = yuan(line.initial_yuan.yuan() / twelve);
        for month in 1..=12 {
            let amount = if month == 12 {
                line.initial_yuan - yuan(monthly.yuan() * Decimal::from(11))
            } else {
                monthly
            };
            if let (Some(d), true) = (date(month, 15), amount.is_positive()) {
                n += 1;
                dated.push((
                    d,
                    Command::RecordPayment(
                        payment(n, line, d, amount, summary_for(line, month)).into(),
                    ),
                ));
            }
        }
    }

    // 公用经费: most months, around a twelfth (50–150 %), never beyond the line's budget.
    for line in budget
        .lines
        .iter()
        .filter(|l| l.kind == SpendingKind::Public)
    {
        let mut spent = Yuan::ZERO;
        for month in 1..=12 {
            if rng.range(0, 3) == 0 {
                continue;
            }
            let factor = Decimal::from(rng.range(67, 200)) / Decimal::ONE_HUNDRED;
            let remaining = line.initial_yuan - spent;
            let amount =
                yuan(line.initial_yuan.yuan() / twelve * factor).min(yuan(remaining.yuan()));
            if let (Some(d), true) = (date(month, rng.range(3, 27)), amount.is_positive()) {
                spent += amount;
                n += 1;
                dated.push((
                    d,
                    Command::RecordPayment(
                        payment(n, line, d, amount, summary_for(line, month)).into(),
                    ),
                ));
            }
        }
    }

    // 项目支出: lumps (percent of the project's budget) and one duplicate entry reversed (红冲).
    let lumps: [(u32, u32, u32, &str); 5] = [
        (3, 12, 15, "科技合作交流活动场地及会务费"),
        (5, 20, 20, "专家咨询费及差旅费"),
        (7, 8, 15, "产学研对接活动组织费"),
        (9, 19, 20, "成果转化路演及宣传费"),
        (11, 22, 15, "基础运转及资料印刷费"),
    ];
    for project in &budget.projects {
        let lines: Vec<&BudgetLine> = budget
            .lines
            .iter()
            .filter(|l| l.project_code.as_ref() == Some(&project.code))
            .collect();
        let total: Yuan = lines.iter().map(|l| l.initial_yuan).sum();
        for (i, (month, day, percent, what)) in lumps.iter().enumerate() {
            let line = lines[i % lines.len().max(1)..]
                .first()
                .copied()
                .or(lines.first().copied());
            let (Some(line), Some(d)) = (line, date(*month, *day)) else {
                continue;
            };
            let amount = yuan(total.yuan() * Decimal::from(*percent) / Decimal::ONE_HUNDRED);
            if amount.is_positive() {
                n += 1;
                dated.push((
                    d,
                    Command::RecordPayment(payment(n, line, d, amount, (*what).to_string()).into()),
                ));
            }
        }
        if let (Some(line), Some(paid), Some(reversed)) = (lines.first(), date(6, 18), date(6, 25))
        {
            let amount = yuan(total.yuan() * Decimal::from(4) / Decimal::ONE_HUNDRED);
            if amount.is_positive() {
                n += 1;
                let p = payment(n, line, paid, amount, "专家咨询费（重复入账）".to_string());
                let payment_id = p.payment_id;
                dated.push((paid, Command::RecordPayment(p.into())));
                dated.push((
                    reversed,
                    Command::ReversePayment(PaymentReversed {
                        payment_id,
                        reversed_on: reversed,
                        reason: "重复入账，红冲 (duplicate entry reversed)".to_string(),
                    }),
                ));
            }
        }

        // Activities: four in the year, most of the invited take part.
        let activities = [
            (4, 16, "产学研合作对接会"),
            (6, 20, "科技成果转化路演"),
            (9, 12, "重点产业技术交流会"),
            (11, 8, "专家企业座谈会"),
        ];
        for (i, (month, day, title)) in activities.iter().enumerate() {
            let Some(d) = date(*month, *day) else {
                continue;
            };
            let invited = rng.range(18, 30);
            let participants = invited * rng.range(70, 95) / 100;
            dated.push((
                d,
                Command::HoldActivity(ActivityHeld {
                    evidence: Vec::new(),
                    activity_id: id(&format!("activity-{}", project.code.0), i),
                    project_code: project.code.clone(),
                    held_on: d,
                    title: (*title).to_string(),
                    invited,
                    participants,
                }),
            ));
        }

        // Surveys after the activities: 专家 and 企业 twice, 工作人员 twice.
        let surveys = [
            (6, 28, "专家", 8, 12),
            (6, 28, "企业", 15, 25),
            (7, 10, "工作人员", 9, 9),
            (11, 20, "专家", 8, 12),
            (11, 20, "企业", 15, 25),
            (12, 10, "工作人员", 9, 9),
        ];
        for (i, (month, day, group, lo, hi)) in surveys.iter().enumerate() {
            let Some(d) = date(*month, *day) else {
                continue;
            };
            let respondents = rng.range(*lo, *hi);
            let satisfied = respondents * rng.range(78, 98) / 100;
            dated.push((
                d,
                Command::RecordSurvey(SurveyRecorded {
                    evidence: Vec::new(),
                    survey_id: id(&format!("survey-{}", project.code.0), i),
                    project_code: Some(project.code.clone()),
                    surveyed_on: d,
                    respondent_group: (*group).to_string(),
                    respondents,
                    satisfied,
                }),
            ));
        }
    }

    // Assessments: the first two person-assessed indicators of each project, in July and October.
    for set in targets {
        if !matches!(set.scope, Scope::Project(_)) {
            continue;
        }
        let assessed = set
            .indicators
            .iter()
            .filter(|i| i.measure == Measure::Assessed)
            .take(2);
        for (ind, (month, day)) in assessed.zip([(7u32, 15u32), (10, 15)]) {
            let Some(d) = date(month, day) else { continue };
            dated.push((
                d,
                Command::AssessIndicator(IndicatorAssessed {
                    evidence: Vec::new(),
                    scope: set.scope.clone(),
                    indicator_id: ind.id.clone(),
                    assessed_on: d,
                    grade: Some(QualGrade::Achieved),
                    score: None,
                    actual_value: None,
                    actual_text: ind.target.text().to_string(),
                    note: "演示数据：依据活动记录和专家意见评定 (demo assessment)".to_string(),
                    band_position: None,
                }),
            ));
        }
    }

    dated.retain(|(d, _)| *d <= through);
    // Stable: same-day commands keep their generation order (a reversal follows its payment).
    dated.sort_by_key(|(d, _)| *d);
    dated.into_iter().map(|(_, c)| c).collect()
}

/// Synthetic units beside 焦作 in the demo bureau.
pub const SYNTHETIC_UNITS: usize = 36;
/// The example 主管部门 the synthetic units are filed under, in turn.
pub const DEMO_DEPARTMENTS: [&str; 4] = [
    "示例教育局（演示）",
    "示例卫生健康委员会（演示）",
    "示例农业农村局（演示）",
    "示例科学技术局（演示）",
];
/// Unit codes of the synthetic units follow this one (990001, 990002, …).
const SYNTHETIC_CODE_BASE: usize = 990_000;
/// The synthetic unit (0-based) whose self-evaluation the demo submits.
pub const SUBMITTED_UNIT: usize = 2;
/// Every this many synthetic units, one has a pending budget adjustment request.
const BUDGET_REQUEST_EVERY: usize = 5;
/// Every this many synthetic units, one has a pending target adjustment request.
const TARGET_REQUEST_EVERY: usize = 7;
/// Days before "today" the pending requests are dated.
const REQUEST_DAYS_BEFORE: u64 = 10;

/// One synthetic unit of the demo bureau: its budget and every command of its year.
#[derive(Debug, Clone)]
pub struct SyntheticUnit {
    /// The unit's budget approval (its code, name and 主管部门 are the example's).
    pub budget: BudgetApproved,
    /// The approval, the targets and the year up to the demo's day, in order.
    pub commands: Vec<Command>,
}

/// The last day of a month of the demo year.
fn month_end(month: u32) -> Option<NaiveDate> {
    match month {
        12 => date(12, 31),
        m => date(m + 1, 1).and_then(|d| d.pred_opt()),
    }
}

/// The day the demo's pending requests are made: ten days before `through`, not before the
/// middle of January (after the approval), never after `through`.
fn request_day(through: NaiveDate) -> NaiveDate {
    let day = through
        .checked_sub_days(chrono::Days::new(REQUEST_DAYS_BEFORE))
        .unwrap_or(through);
    date(1, 15).map_or(day, |start| day.max(start)).min(through)
}

/// A pending 追加 of 15 % on the unit's first 公用 line.
fn budget_request(budget: &BudgetApproved, tag: &str, through: NaiveDate) -> Option<Command> {
    let line = budget
        .lines
        .iter()
        .find(|l| l.kind == SpendingKind::Public && l.initial_yuan.is_positive())?;
    let delta = yuan(line.initial_yuan.yuan() * Decimal::from(15) / Decimal::ONE_HUNDRED);
    delta.is_positive().then(|| {
        Command::RequestBudgetAdjustment(BudgetAdjustmentRequested {
            request_id: id(&format!("{tag}-budget-request"), 0),
            line_id: line.line_id.clone(),
            delta_yuan: delta,
            reason: "下半年业务量增加，申请追加该项经费（演示数据）".to_string(),
            requested_on: request_day(through),
        })
    })
}

/// A pending change of a project's 举办活动场次 target to ≥2次.
fn target_request(targets: &[TargetsApproved], tag: &str, through: NaiveDate) -> Option<Command> {
    let (scope, indicator) = targets.iter().find_map(|set| {
        let ind = set
            .indicators
            .iter()
            .find(|i| i.measure == Measure::ActivityCount)?;
        matches!(set.scope, Scope::Project(_)).then(|| (set.scope.clone(), ind.id.clone()))
    })?;
    let new_target = jixiao_domain::target::Target::parse("≥2次").ok()?;
    Some(Command::RequestTargetAdjustment(
        TargetAdjustmentRequested {
            request_id: id(&format!("{tag}-target-request"), 0),
            scope,
            indicator_id: indicator,
            new_target,
            reason: "受场地改造影响，下半年活动减少（演示数据）".to_string(),
            requested_on: request_day(through),
        },
    ))
}

/// The pending requests of the 焦作 unit: one budget and one target adjustment, both waiting
/// for the finance bureau.
pub fn pending_requests(
    budget: &BudgetApproved,
    targets: &[TargetsApproved],
    through: NaiveDate,
) -> Vec<Command> {
    let tag = budget.unit.code.as_str();
    budget_request(budget, tag, through)
        .into_iter()
        .chain(target_request(targets, tag, through))
        .collect()
}

/// The synthetic units of the demo bureau, their years up to `through`. Each copies the 焦作
/// budget's structure at its own scale (50–300 %) and targets, and spends month by month (on the
/// last day of the month) at a pace of its own: units 1, 4, 7, … slowly (30–50 % of 序时进度:
/// red), 2, 5, 8, … a little behind (65–75 %: yellow), 3, 6, 9, … on track (88–98 %: green).
/// Pure and deterministic; `profile` scores the submitted self-evaluation.
pub fn synthetic_units(
    base: &BudgetApproved,
    targets: &[TargetsApproved],
    through: NaiveDate,
    profile: &jixiao_domain::profile::ScoringProfile,
) -> Result<Vec<SyntheticUnit>, jixiao_domain::aggregate::DomainError> {
    (0..SYNTHETIC_UNITS)
        .map(|i| synthetic_unit(i, base, targets, through, profile))
        .collect()
}

fn synthetic_unit(
    i: usize,
    base: &BudgetApproved,
    targets: &[TargetsApproved],
    through: NaiveDate,
    profile: &jixiao_domain::profile::ScoringProfile,
) -> Result<SyntheticUnit, jixiao_domain::aggregate::DomainError> {
    let mut rng = SplitMix(DEMO_SEED ^ (0xD1B5_4A32_D192_ED03_u64.wrapping_mul(i as u64 + 1)));
    let scale = Decimal::from(rng.range(50, 300)) / Decimal::ONE_HUNDRED;
    let scaled = |y: Yuan| yuan(y.yuan() * scale);
    let mut budget = base.clone();
    budget.unit.code = (SYNTHETIC_CODE_BASE + i + 1).to_string();
    budget.unit.name = format!("示例单位{:02}（演示）", i + 1);
    budget.unit.department = DEMO_DEPARTMENTS[i % DEMO_DEPARTMENTS.len()].to_string();
    for line in &mut budget.lines {
        line.initial_yuan = scaled(line.initial_yuan);
    }
    budget.sangong_budget_yuan = scaled(budget.sangong_budget_yuan);
    budget.procurement_budget_yuan = scaled(budget.procurement_budget_yuan);
    let tag = budget.unit.code.clone();

    let mut commands = vec![Command::ApproveBudget(budget.clone())];
    commands.extend(targets.iter().cloned().map(Command::ApproveTargets));

    let pace = Decimal::from(match i % 3 {
        0 => rng.range(30, 50),
        1 => rng.range(65, 75),
        _ => rng.range(88, 98),
    }) / Decimal::ONE_HUNDRED;
    let twelve = Decimal::from(12);
    let mut dated: Vec<(NaiveDate, Command)> = Vec::new();
    let mut n = 0usize;
    for line in budget.lines.iter().filter(|l| l.initial_yuan.is_positive()) {
        let mut spent = Yuan::ZERO;
        for month in 1..=12 {
            let Some(d) = month_end(month).filter(|d| *d <= through) else {
                continue;
            };
            let jitter = Decimal::from(rng.range(90, 110)) / Decimal::ONE_HUNDRED;
            let amount = yuan(line.initial_yuan.yuan() / twelve * pace * jitter)
                .min(line.initial_yuan - spent);
            if amount.is_positive() {
                spent += amount;
                n += 1;
                let mut p = payment(n, line, d, amount, summary_for(line, month));
                p.payment_id = id(&format!("{tag}-payment"), n);
                dated.push((d, Command::RecordPayment(p.into())));
            }
        }
    }
    // Units on track also hold activities.
    if !i.is_multiple_of(3) {
        for project in &budget.projects {
            for (k, (month, day, title)) in [(4, 20, "业务培训会"), (9, 10, "工作交流会")]
                .into_iter()
                .enumerate()
            {
                let Some(d) = date(month, day).filter(|d| *d <= through) else {
                    continue;
                };
                let invited = rng.range(15, 40);
                dated.push((
                    d,
                    Command::HoldActivity(ActivityHeld {
                        evidence: Vec::new(),
                        activity_id: id(&format!("{tag}-activity-{}", project.code.0), k),
                        project_code: project.code.clone(),
                        held_on: d,
                        title: format!("{title}（演示）"),
                        invited,
                        participants: invited * rng.range(60, 95) / 100,
                    }),
                ));
            }
        }
    }
    if i % BUDGET_REQUEST_EVERY == 1 {
        dated.extend(budget_request(&budget, &tag, through).map(|c| (request_day(through), c)));
    }
    if i % TARGET_REQUEST_EVERY == 3 {
        dated.extend(target_request(targets, &tag, through).map(|c| (request_day(through), c)));
    }
    dated.sort_by_key(|(d, _)| *d);
    commands.extend(dated.into_iter().map(|(_, c)| c));
    if i == SUBMITTED_UNIT {
        let close = self_evaluation(&commands, through, profile)?;
        commands.extend(close);
    }
    Ok(SyntheticUnit { budget, commands })
}

/// What a unit does to submit its self-evaluation on `on`: assess every indicator still waiting
/// for a person's grade (达成), explain every deviation the evaluation lists, submit. Decided
/// against the year the `opening` commands build, through the aggregate (pure).
fn self_evaluation(
    opening: &[Command],
    on: NaiveDate,
    profile: &jixiao_domain::profile::ScoringProfile,
) -> Result<Vec<Command>, jixiao_domain::aggregate::DomainError> {
    use jixiao_domain::aggregate::{Context, SubmitSelfEvaluation, UnitYear};
    let ctx = Context { profile };
    let mut state = UnitYear::new();
    let decide = |state: &mut UnitYear, command: Command| {
        for e in state.handle(command, &ctx)? {
            state.apply(&e);
        }
        Ok::<(), jixiao_domain::aggregate::DomainError>(())
    };
    for c in opening {
        decide(&mut state, c.clone())?;
    }
    let scopes: Vec<Scope> = state.target_scopes().cloned().collect();
    let evaluate = |state: &UnitYear, scope: &Scope| {
        state.evaluation(scope, Some(on), profile).map_err(|e| {
            jixiao_domain::aggregate::DomainError::EvaluationFailed {
                scope: jixiao_domain::aggregate::scope_label(scope),
                message: e.to_string(),
            }
        })
    };
    let mut out = Vec::new();
    for scope in &scopes {
        for indicator_id in evaluate(&state, scope)?.not_yet_assessed {
            let actual_text = state
                .targets(scope)
                .and_then(|t| t.indicator(&indicator_id))
                .map(|i| i.indicator.target.text().to_string())
                .unwrap_or_default();
            let c = Command::AssessIndicator(IndicatorAssessed {
                evidence: Vec::new(),
                band_position: None,
                scope: scope.clone(),
                indicator_id,
                assessed_on: on,
                grade: Some(QualGrade::Achieved),
                score: None,
                actual_value: None,
                actual_text,
                note: "演示数据：年度自评评定 (demo assessment)".to_string(),
            });
            decide(&mut state, c.clone())?;
            out.push(c);
        }
    }
    for scope in &scopes {
        for item in evaluate(&state, scope)?.needs_explanation {
            let indicator_id = match item {
                DeviationItem::ExecutionRate => None,
                DeviationItem::Indicator(id) => Some(id),
            };
            let c = Command::ExplainDeviation(DeviationExplained {
                scope: scope.clone(),
                indicator_id,
                explanation: "部分工作受项目进度影响延后，已制定下一阶段推进计划（演示数据）"
                    .to_string(),
                explained_on: on,
            });
            decide(&mut state, c.clone())?;
            out.push(c);
        }
    }
    let submit = Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
        submitted_on: on,
        submitted_by: DEMO_SUBMITTER.to_string(),
    });
    decide(&mut state, submit.clone())?;
    out.push(submit);
    Ok(out)
}

/// Who submits the example unit's self-evaluation (an example unit has no user of its own).
const DEMO_SUBMITTER: &str = "示例单位负责人（演示）";

/// Empty the demo database and delete its WAL/SHM files (the demo starts fresh every time).
pub fn reset_database(path: &Path) -> CliResult {
    // An empty file (the lock creates one where there was none) holds nothing to check.
    let holds_bytes = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if holds_bytes || Path::new(&wal).exists() {
        ensure_demo_database(path)?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::from(anyhow::Error::from(e).context(format!(
                    "无法删除演示数据库 {} (cannot delete)",
                    path.display()
                ))));
            }
        }
    }
    // The main file is emptied, not deleted (after its WAL, which must not be replayed into
    // it): the server's lock (`dblock.rs`) is on this file, and a new file at the path would be
    // unlocked. SQLite reads an empty file as a new database.
    if path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(0))
            .map_err(|e| {
                Failure::from(anyhow::Error::from(e).context(format!(
                    "无法清空演示数据库 {} (cannot empty)",
                    path.display()
                )))
            })?;
    }
    Ok(())
}

/// Refuse to delete a database that holds anything but demo data (`--demo-database` pointed
/// at a real database by mistake): an empty log, or one whose first event the demo wrote, and
/// no users but the demo's. Read with `jixiao_store::inspect`, not through `Store::open`: a demo
/// database written by an older build (other migrations) must still be recognised and reset.
fn ensure_demo_database(path: &Path) -> CliResult {
    let refuse = |why: &str| {
        Failure::usage(format!(
            "{} 不是演示数据库（{why}），拒绝删除；请另选 --demo-database (not a demo database; refusing to reset it)",
            path.display()
        ))
    };
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Ok(());
    }
    let contents = jixiao_store::inspect::inspect(path).map_err(|e| refuse(&e.to_string()))?;
    if contents.first_actor.is_some_and(|a| a != "demo") {
        return Err(refuse("含有非演示事件"));
    }
    if contents
        .user_names
        .iter()
        .any(|n| !DEMO_USERS.iter().any(|(name, ..)| name == n))
    {
        return Err(refuse("含有非演示用户"));
    }
    Ok(())
}

/// What the demo set up, for the start-up banner.
pub struct DemoInfo {
    /// The 焦作 unit (the demo users' unit).
    pub unit_code: String,
    /// Unit-years written: 焦作 and the synthetic units.
    pub units: usize,
    /// Events appended.
    pub events: usize,
    /// The demo's "today".
    pub today: NaiveDate,
}

impl DemoInfo {
    /// The lines printed after the URLs.
    pub fn banner(&self) -> String {
        let mut s = format!(
            "演示数据 (demo): {} 年度 {} 个单位（单位 {} 及 {} 个示例单位），{} 个事件，业务日期 (business today) {}\n演示账号 (demo users, 用户名 / 密码 / 角色):\n",
            DEMO_YEAR,
            self.units,
            self.unit_code,
            self.units.saturating_sub(1),
            self.events,
            self.today
        );
        for (name, password, role, _) in DEMO_USERS {
            s.push_str(&format!(
                "  {name:<8} / {password:<18} / {} ({})\n",
                role.as_str(),
                role.name_zh()
            ));
        }
        s
    }
}

/// A one-page PDF standing in for a scanned sign-in sheet (the demo's evidence file).
pub const DEMO_SIGN_IN_SHEET_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Import the 焦作 2024 fixture and generate its year up to `today` (with two pending requests
/// and a sign-in sheet attached to its first activity), then the synthetic units; every
/// unit-year is written through the application layer (decided all or nothing, appended in
/// batches). Creates the demo users.
pub fn populate(store: &Store, today: NaiveDate) -> CliResult<DemoInfo> {
    let app = App::new(store.clone(), AppConfig::default());
    let approval = Approval::jiaozuo_2024().map_err(crate::import::app_failure)?;
    let unit_code = approval.budget.unit.code.clone();
    let profile = app
        .profile(None)
        .map_err(|e| Failure::from(anyhow::anyhow!("{e}")))?;
    let actor = Actor {
        name: "demo".to_string(),
        request_id: "demo".to_string(),
    };
    let write = |code: &str, kind: &str, commands: Vec<Command>| -> CliResult<usize> {
        let items: Vec<Item> = commands
            .into_iter()
            .enumerate()
            .map(|(i, c)| Item::new(id(kind, i), c))
            .collect();
        let stream = StreamId::new(code.to_string(), DEMO_YEAR);
        app.import(&stream, items, &actor, &profile, &mut |_, _| {})
            .map(|imported| imported.events)
            .map_err(|e| {
                Failure::from(anyhow::anyhow!(
                    "演示数据被拒绝 (demo commands refused) {code}: {e:?}"
                ))
            })
    };

    let mut year = demo_commands(&approval.budget, &approval.targets, today);
    year.extend(pending_requests(&approval.budget, &approval.targets, today));
    let commands: Vec<Command> = approval.commands.iter().cloned().chain(year).collect();
    let first_activity = commands.iter().find_map(|c| match c {
        Command::HoldActivity(a) => Some(a.clone()),
        _ => None,
    });
    let mut events = write(&unit_code, "command", commands)?;

    // 佐证材料: the first activity's sign-in sheet, uploaded and attached the day after.
    if let Some(activity) = first_activity {
        let sheet = app
            .store_evidence(
                DEMO_SIGN_IN_SHEET_PDF,
                &format!("{}签到表.pdf", activity.title),
            )
            .map_err(crate::import::app_failure)?;
        let attached_on = activity
            .held_on
            .succ_opt()
            .unwrap_or(activity.held_on)
            .min(today);
        events += write(
            &unit_code,
            "evidence",
            vec![Command::AttachEvidence(EvidenceAttached {
                target: EvidenceTarget::Activity {
                    activity_id: activity.activity_id,
                },
                evidence: vec![sheet],
                attached_on,
            })],
        )?;
    }

    let units =
        synthetic_units(&approval.budget, &approval.targets, today, &profile).map_err(|e| {
            Failure::from(anyhow::anyhow!(
                "演示数据被拒绝 (demo commands refused): {e}"
            ))
        })?;
    for unit in &units {
        let code = unit.budget.unit.code.as_str();
        events += write(code, &format!("command-{code}"), unit.commands.clone())?;
    }

    let users = store.users().context("无法连接数据库 (cannot connect)")?;
    for (name, password, role, scoped) in DEMO_USERS {
        users
            .add(name, password, role, scoped.then_some(unit_code.as_str()))
            .with_context(|| format!("无法创建演示用户 {name} (cannot create demo user)"))?;
    }
    Ok(DemoInfo {
        unit_code,
        units: units.len() + 1,
        events,
        today,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_domain::aggregate::UnitYear;

    /// Run commands through the aggregate, starting from `state`: the events, or the first
    /// command refused (a bug in the generator or the fixture).
    fn decide_all(state: &mut UnitYear, commands: Vec<Command>) -> CliResult<Vec<Event>> {
        let profile = jixiao_domain::profile::ScoringProfile::builtin(
            jixiao_domain::profile::ScoringProfile::DEFAULT_ID,
        )
        .map_err(|e| Failure::from(anyhow::anyhow!("{e}")))?;
        let ctx = jixiao_domain::aggregate::Context { profile: &profile };
        let mut out = Vec::new();
        for command in commands {
            let label = command.label();
            let events = state.handle(command, &ctx).map_err(|e| {
                Failure::from(anyhow::anyhow!(
                    "演示数据命令“{label}”被拒绝 (demo command refused): {e}"
                ))
            })?;
            for e in &events {
                state.apply(e);
            }
            out.extend(events);
        }
        Ok(out)
    }

    use jixiao_domain::event::Event;

    fn through(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(DEMO_YEAR, m, d).unwrap()
    }

    fn year_until(day: NaiveDate) -> Vec<Event> {
        let a = Approval::jiaozuo_2024().unwrap();
        let (budget, targets, opening) = (a.budget, a.targets, a.commands);
        let mut state = UnitYear::new();
        let mut events = decide_all(&mut state, opening).unwrap();
        events.extend(decide_all(&mut state, demo_commands(&budget, &targets, day)).unwrap());
        events
    }

    #[test]
    fn the_demo_year_is_deterministic_and_every_command_is_accepted_by_the_aggregate() {
        assert_eq!(year_until(through(12, 31)), year_until(through(12, 31)));
    }

    #[test]
    fn the_demo_year_stops_at_the_given_day() {
        let day = through(8, 15);
        let events = year_until(day);
        assert!(events.iter().all(|e| e.business_date() <= day));
        assert!(events.len() < year_until(through(12, 31)).len());
    }

    #[test]
    fn the_demo_year_has_salaries_activities_surveys_assessments_and_one_reversal() {
        let events = year_until(through(12, 31));
        let budget = Approval::jiaozuo_2024().unwrap().budget;
        let personnel: Vec<_> = budget
            .lines
            .iter()
            .filter(|l| l.kind == SpendingKind::Personnel)
            .collect();
        for line in &personnel {
            let paid: Yuan = events
                .iter()
                .filter_map(|e| match e {
                    Event::PaymentRecorded(p) if p.line_id == line.line_id => Some(p.amount_yuan),
                    _ => None,
                })
                .sum();
            assert_eq!(
                paid, line.initial_yuan,
                "salaries of {} add up to the year's budget",
                line.line_id.0
            );
        }
        let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
        assert_eq!(
            count(|e| matches!(e, Event::PaymentReversed(_))),
            budget.projects.len()
        );
        assert!(count(|e| matches!(e, Event::ActivityHeld(a) if a.participants <= a.invited)) >= 3);
        assert_eq!(
            count(|e| matches!(e, Event::ActivityHeld(a) if a.participants > a.invited)),
            0
        );
        for group in ["专家", "企业", "工作人员"] {
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, Event::SurveyRecorded(s) if s.respondent_group == group)),
                "{group}"
            );
        }
        assert!(count(|e| matches!(e, Event::IndicatorAssessed(_))) >= 1);
    }
    fn default_profile() -> jixiao_domain::profile::ScoringProfile {
        jixiao_domain::profile::ScoringProfile::builtin(
            jixiao_domain::profile::ScoringProfile::DEFAULT_ID,
        )
        .unwrap()
    }

    fn bureau_until(day: NaiveDate) -> Vec<SyntheticUnit> {
        let a = Approval::jiaozuo_2024().unwrap();
        synthetic_units(&a.budget, &a.targets, day, &default_profile()).unwrap()
    }

    #[test]
    fn the_synthetic_units_are_deterministic_named_as_examples_and_accepted_by_the_aggregate() {
        for day in [through(3, 10), through(10, 20), through(12, 31)] {
            let units = bureau_until(day);
            assert_eq!(units.len(), SYNTHETIC_UNITS);
            let again = bureau_until(day);
            for (u, v) in units.iter().zip(&again) {
                assert_eq!(u.commands, v.commands, "same seed, same year");
            }
            for u in &units {
                assert!(
                    u.budget.unit.name.starts_with("示例单位"),
                    "{}",
                    u.budget.unit.name
                );
                assert!(u.budget.unit.name.ends_with("（演示）"));
                assert!(DEMO_DEPARTMENTS.contains(&u.budget.unit.department.as_str()));
                let events = decide_all(&mut UnitYear::new(), u.commands.clone()).unwrap();
                assert!(events.iter().all(|e| e.business_date() <= day));
            }
        }
        let codes: std::collections::BTreeSet<String> = bureau_until(through(6, 1))
            .into_iter()
            .map(|u| u.budget.unit.code)
            .collect();
        assert_eq!(codes.len(), SYNTHETIC_UNITS, "every unit has its own code");
    }

    #[test]
    fn the_demo_bureau_shows_every_colour_pending_approvals_a_submission_and_evidence() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(jixiao_store::StoreOptions::new(dir.path().join("demo.db"))).unwrap();
        let day = through(10, 20);
        let info = populate(&store, day).unwrap();
        assert_eq!(info.units, SYNTHETIC_UNITS + 1);
        let app = App::new(store, AppConfig::default());
        let profile = default_profile();

        let rows = app.unit_rows(DEMO_YEAR, Some(day), &profile).unwrap();
        assert_eq!(rows.len(), SYNTHETIC_UNITS + 1);
        let colours: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.warning.colour.name_zh()).collect();
        for colour in ["红", "黄", "绿"] {
            assert!(
                colours.contains(colour),
                "{colour} missing from {colours:?}"
            );
        }
        let departments: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.summary.department.as_str()).collect();
        assert!(
            departments.len() > DEMO_DEPARTMENTS.len(),
            "{departments:?}"
        );

        let pending = |unit: &str| {
            app.with_year(
                &StreamId::new(unit, DEMO_YEAR),
                jixiao_store::KnownAt::Now,
                |y| {
                    let budget = y
                        .state
                        .budget_requests()
                        .values()
                        .filter(|r| r.status == jixiao_domain::aggregate::RequestStatus::Pending)
                        .count();
                    let target = y
                        .state
                        .target_requests()
                        .values()
                        .filter(|r| r.status == jixiao_domain::aggregate::RequestStatus::Pending)
                        .count();
                    Ok((budget, target, y.state.submissions().len()))
                },
            )
            .unwrap()
        };
        assert_eq!(
            pending(&info.unit_code),
            (1, 1, 0),
            "焦作 waits for two approvals"
        );
        let units = bureau_until(day);
        let (budget, target, submitted) = units
            .iter()
            .map(|u| pending(&u.budget.unit.code))
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        assert!(
            budget >= 5 && target >= 3,
            "{budget} budget, {target} target requests"
        );
        assert_eq!(submitted, 1);
        assert_eq!(pending(&units[SUBMITTED_UNIT].budget.unit.code).2, 1);

        // The sign-in sheet reads back through the 焦作 unit-year.
        let stream = StreamId::new(info.unit_code.clone(), DEMO_YEAR);
        let sha = app
            .with_year(&stream, jixiao_store::KnownAt::Now, |y| {
                Ok(y.state
                    .evidence_files()
                    .next()
                    .map(|r| r.sha256.to_string()))
            })
            .unwrap()
            .expect("the demo attaches a sign-in sheet");
        assert_eq!(
            app.evidence(&stream, &sha).unwrap().bytes,
            DEMO_SIGN_IN_SHEET_PDF
        );
    }
}
