//! A synthetic province (W5 of docs/eventstore.md, issue 15 point 7): 10,000 units under 100
//! 主管部门, each with the 焦作 fixture's budget and targets scaled by a seeded factor and its
//! one project copied into [`PROJECTS_PER_UNIT`] projects, then a year of commands with a
//! realistic monthly rhythm — few payments in January and February, rising to December —,
//! activities, surveys and assessments spread over the year, approved and pending budget
//! adjustments, 红冲 of a few payments, and the year-end submission of one unit in
//! [`SUBMIT_EVERY`].
//!
//! Generation is deterministic and streaming: unit `i` depends only on the seed and `i` (its
//! own PRNG), so units are produced one at a time, in any order, and never all in memory. Each
//! command carries its client event id, derived from the seed, the unit and its sequence, so
//! loading the same province twice records nothing twice.

use crate::generate::Rng;
use anyhow::{Result, anyhow, ensure};
use chrono::{Datelike, NaiveDate};
use jixiao_domain::Decimal;
use jixiao_domain::aggregate::{
    Command, Context, Decide, Decision, RecordPayment, SubmitSelfEvaluation, UnitYear,
};
use jixiao_domain::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind};
use jixiao_domain::evaluation::DeviationItem;
use jixiao_domain::event::{
    ActivityHeld, BudgetAdjustmentRequested, BudgetApproved, DeviationExplained, Event,
    IndicatorAssessed, PaymentReversed, SurveyRecorded, TargetsApproved,
};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::indicator::{QualGrade, Scope};
use jixiao_domain::measure::Measure;
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

/// The fiscal year of the province.
pub const YEAR: i32 = 2024;
/// 主管部门 the units are filed under (unit `i` under department `i % DEPARTMENTS`).
pub const DEPARTMENTS: usize = 100;
/// Projects per unit.
pub const PROJECTS_PER_UNIT: usize = 5;
/// Most units a province holds.
pub const UNITS_MAX: usize = 20_000;
/// Most events a province holds.
pub const EVENTS_MAX: u64 = 20_000_000;
/// One unit in this many submits its self-evaluation in January after the year.
pub const SUBMIT_EVERY: usize = 20;
/// One unit in this many leaves a budget adjustment request pending.
pub const PENDING_EVERY: usize = 10;
/// Fewest commands a unit's year holds (approval, targets, a few of each kind).
pub const UNIT_COMMANDS_MIN: usize = 40;

/// Payments per month, per mille of the year's: few in January–February, most in December.
const MONTHLY_PER_MILLE: [u64; 12] = [30, 40, 70, 75, 80, 85, 80, 80, 90, 95, 115, 160];
/// Out of 1,000 commands of a unit's year after its approval: activities, surveys,
/// assessments and reversals (the rest are payments, and two adjustments).
const ACTIVITY_PER_MILLE: usize = 40;
const SURVEY_PER_MILLE: usize = 30;
const ASSESSMENT_PER_MILLE: usize = 15;
const REVERSAL_PER_MILLE: usize = 10;
/// Budget adjustment requests per unit (each with its decision unless left pending).
const ADJUSTMENTS_PER_UNIT: usize = 2;

/// 摘要 texts as a bookkeeper writes them.
const SUMMARIES: [&str; 8] = [
    "购买办公用品（打印纸、墨盒、文件盒）",
    "支付水费",
    "支付电费及线路维护费",
    "差旅费报销",
    "举办业务交流活动场地及资料费",
    "邮寄及通讯费用",
    "专家咨询费",
    "印刷及宣传资料费",
];
/// Titles of activities and the groups surveyed.
const ACTIVITIES: [&str; 4] = [
    "业务培训会",
    "产学研合作对接会",
    "成果推广路演",
    "专家企业座谈会",
];
const GROUPS: [&str; 3] = ["专家", "企业", "工作人员"];

/// The shapes every unit is built from: the 焦作 fixture's budget and targets.
#[derive(Debug, Clone)]
pub struct Template {
    budget: BudgetApproved,
    unit_targets: Vec<TargetsApproved>,
    project_targets: TargetsApproved,
    project: ProjectInfo,
}

/// One generated unit: its code and every command of its year with its client event id, in
/// order.
#[derive(Debug, Clone)]
pub struct ProvinceUnit {
    /// 单位代码.
    pub code: String,
    /// (event id, command), in the order they are decided.
    pub commands: Vec<(Uuid, Command)>,
}

/// The shape of a province.
#[derive(Debug, Clone, Copy)]
pub struct Province {
    /// Units.
    pub units: usize,
    /// Events in all (about: a command is one event, an approval of targets one per scope).
    pub events: u64,
    /// Seed.
    pub seed: u64,
}

impl Province {
    /// Checks the bounds.
    pub fn checked(self) -> Result<Province> {
        ensure!(
            (1..=UNITS_MAX).contains(&self.units),
            "单位数应在 1 到 {UNITS_MAX} 之间 (units out of range)"
        );
        ensure!(
            self.events <= EVENTS_MAX,
            "事件数不能超过 {EVENTS_MAX} (events out of range)"
        );
        Ok(self)
    }

    /// Commands of each unit's year.
    pub fn commands_per_unit(&self) -> usize {
        usize::try_from(self.events / self.units.max(1) as u64)
            .unwrap_or(usize::MAX)
            .max(UNIT_COMMANDS_MIN)
    }
}

/// The code of the `i`-th unit: six digits starting with 7.
pub fn unit_code(i: usize) -> String {
    format!("7{:05}", i % 100_000)
}

/// The 主管部门 of the `i`-th unit.
pub fn department(i: usize) -> String {
    format!("合成主管部门{:03}", i % DEPARTMENTS)
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, month, day).unwrap_or_default()
}

fn scaled(y: Yuan, per_cent: u64) -> Yuan {
    let v = (y.yuan() * Decimal::from(per_cent) / Decimal::ONE_HUNDRED).round_dp(2);
    Yuan::new(v).unwrap_or_default()
}

fn fen(f: u64) -> Yuan {
    Yuan::new(Decimal::new(i64::try_from(f).unwrap_or(i64::MAX), 2)).unwrap_or_default()
}

impl Template {
    /// The 焦作 fixture's budget and targets.
    pub fn jiaozuo() -> Result<Template> {
        let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML)
            .map_err(|e| anyhow!("读取焦作样例失败 (fixture): {e:?}"))?;
        let events = import
            .into_events()
            .map_err(|e| anyhow!("样例转事件失败 (fixture to events): {e:?}"))?;
        let mut budget = None;
        let mut unit_targets = Vec::new();
        let mut project_targets = None;
        for e in events {
            match e {
                Event::BudgetApproved(b) => budget = Some(b),
                Event::TargetsApproved(t) if matches!(t.scope, Scope::Project(_)) => {
                    project_targets = Some(t)
                }
                Event::TargetsApproved(t) => unit_targets.push(t),
                _ => {}
            }
        }
        let budget = budget.ok_or_else(|| anyhow!("样例没有预算 (no budget)"))?;
        let project = budget
            .projects
            .first()
            .cloned()
            .ok_or_else(|| anyhow!("样例没有项目 (no project)"))?;
        let project_targets =
            project_targets.ok_or_else(|| anyhow!("样例没有项目目标 (no project targets)"))?;
        Ok(Template {
            budget,
            unit_targets,
            project_targets,
            project,
        })
    }

    /// The `i`-th unit of `province`: deterministic in the seed and `i` alone.
    pub fn unit(&self, province: &Province, i: usize) -> ProvinceUnit {
        let mut rng = Rng::new(province.seed ^ (i as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        let code = unit_code(i);
        let mut ids = Ids {
            high: ((province.seed & 0xFFFF) << 48) | ((i as u64 & 0xFF_FFFF) << 24),
            seq: 0,
            low: rng.next_u64(),
        };
        let factor = 50 + rng.below(151);
        let (budget, targets) = self.budget_of(i, &code, factor);
        let mut commands: Vec<(Uuid, Command)> =
            vec![(ids.next(), Command::ApproveBudget(budget.clone()))];
        for t in &targets {
            commands.push((ids.next(), Command::ApproveTargets(t.clone())));
        }
        let year = year_commands(&budget, &targets, province.commands_per_unit(), i, &mut rng);
        commands.extend(year.into_iter().map(|c| (ids.next(), c)));
        if i % SUBMIT_EVERY == SUBMIT_EVERY - 1 {
            let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).ok();
            if let Some(closing) = profile.and_then(|p| year_end(&commands, date(12, 31), &p)) {
                commands.extend(closing.into_iter().map(|c| (ids.next(), c)));
            }
        }
        ProvinceUnit { code, commands }
    }

    /// The unit's budget (every line scaled by `factor` per cent, the project copied into
    /// [`PROJECTS_PER_UNIT`]) and its targets (the unit's, then each project's).
    fn budget_of(
        &self,
        i: usize,
        code: &str,
        factor: u64,
    ) -> (BudgetApproved, Vec<TargetsApproved>) {
        let mut budget = self.budget.clone();
        budget.unit.code = code.to_string();
        budget.unit.name = format!("合成单位{i:05}");
        budget.unit.department = department(i);
        let original = self.project.code.0.clone();
        let mut lines: Vec<BudgetLine> = Vec::new();
        let mut projects = Vec::new();
        let mut targets = self.unit_targets.clone();
        for p in 0..PROJECTS_PER_UNIT {
            let pcode = ProjectCode(format!(
                "{}{:02}",
                &original[..original.len().saturating_sub(2)],
                p + 1
            ));
            let mut info = self.project.clone();
            info.code = pcode.clone();
            info.name = format!("{}（{}）", self.project.name, p + 1);
            projects.push(info);
            for l in self
                .budget
                .lines
                .iter()
                .filter(|l| l.project_code.is_some())
            {
                let mut l = l.clone();
                l.line_id = LineId(l.line_id.0.replace(&original, &pcode.0));
                l.project_code = Some(pcode.clone());
                l.initial_yuan = scaled(l.initial_yuan, factor);
                lines.push(l);
            }
            let mut t = self.project_targets.clone();
            t.scope = Scope::Project(pcode);
            targets.push(t);
        }
        for l in self
            .budget
            .lines
            .iter()
            .filter(|l| l.project_code.is_none())
        {
            let mut l = l.clone();
            l.initial_yuan = scaled(l.initial_yuan, factor);
            lines.push(l);
        }
        budget.lines = lines;
        budget.projects = projects;
        (budget, targets)
    }
}

/// Client event ids: seed and unit in the high bits, a sequence, then the unit's random bits —
/// one unit's ids are neighbours in the log's id index.
struct Ids {
    high: u64,
    seq: u64,
    low: u64,
}

impl Ids {
    fn next(&mut self) -> Uuid {
        self.seq += 1;
        Uuid::from_u64_pair(self.high | (self.seq & 0xFF_FFFF), self.low ^ self.seq)
    }
}

/// A random day of `month` (1–28, so every month has it).
fn day_in(rng: &mut Rng, month: u32) -> NaiveDate {
    date(month, 1 + rng.below(28) as u32)
}

/// A month drawn with the payments' rhythm.
fn payment_month(rng: &mut Rng) -> u32 {
    let mut r = rng.below(MONTHLY_PER_MILLE.iter().sum());
    for (m, w) in MONTHLY_PER_MILLE.iter().enumerate() {
        if r < *w {
            return m as u32 + 1;
        }
        r -= w;
    }
    12
}

fn uuid(rng: &mut Rng) -> Uuid {
    Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())
}

/// The year's commands after the approval, in date order (same-day commands keep their
/// generation order, so a reversal follows its payment and a decision its request).
fn year_commands(
    budget: &BudgetApproved,
    targets: &[TargetsApproved],
    per_unit: usize,
    i: usize,
    rng: &mut Rng,
) -> Vec<Command> {
    let n = per_unit.saturating_sub(1 + targets.len());
    let activities = n * ACTIVITY_PER_MILLE / 1000;
    let surveys = n * SURVEY_PER_MILLE / 1000;
    let assessments = n * ASSESSMENT_PER_MILLE / 1000;
    let reversals = n * REVERSAL_PER_MILLE / 1000;
    let adjustments = ADJUSTMENTS_PER_UNIT * 2;
    let payments = n.saturating_sub(activities + surveys + assessments + reversals + adjustments);
    let total_fen: u64 = budget
        .lines
        .iter()
        .map(|l| {
            (l.initial_yuan.yuan() * Decimal::ONE_HUNDRED)
                .to_u64()
                .unwrap_or(0)
        })
        .sum();
    // The unit executes 55–100 % of its budget over the year.
    let rate = 55 + rng.below(46);
    let mean_fen = (total_fen * rate / 100 / payments.max(1) as u64).max(100);
    let mut dated: Vec<(NaiveDate, Command)> = Vec::with_capacity(n);
    let mut paid: Vec<(NaiveDate, Uuid)> = Vec::with_capacity(payments);
    for k in 0..payments {
        let month = payment_month(rng);
        let on = day_in(rng, month);
        let line = &budget.lines[rng.below(budget.lines.len() as u64) as usize];
        let amount = fen((mean_fen * (20 + rng.below(161)) / 100).max(1));
        let payment_id = uuid(rng);
        paid.push((on, payment_id));
        dated.push((
            on,
            Command::RecordPayment(RecordPayment {
                payment_id,
                paid_on: on,
                line_id: line.line_id.clone(),
                economic_code: None,
                function_code: None,
                project_code: None,
                amount_yuan: amount,
                voucher_no: Some(format!("记-{month:02}-{k:04}")),
                summary: SUMMARIES[rng.below(SUMMARIES.len() as u64) as usize].to_string(),
            }),
        ));
    }
    // 红冲: distinct payments, reversed 1–10 days later within the year.
    let mut reversed = std::collections::HashSet::new();
    for _ in 0..reversals {
        let (on, payment_id) =
            paid[rng.below(paid.len().max(1) as u64) as usize % paid.len().max(1)];
        if !reversed.insert(payment_id) {
            continue;
        }
        let later = on + chrono::Days::new(1 + rng.below(10));
        let reversed_on = if later.year() > YEAR { on } else { later };
        dated.push((
            reversed_on,
            Command::ReversePayment(PaymentReversed {
                payment_id,
                reversed_on,
                reason: "重复入账，红冲".to_string(),
            }),
        ));
    }
    let projects: Vec<&ProjectInfo> = budget.projects.iter().collect();
    for _ in 0..activities {
        let on = {
            let month = 3 + rng.below(10) as u32;
            day_in(rng, month)
        };
        let invited = 15 + rng.below(30) as u32;
        dated.push((
            on,
            Command::HoldActivity(ActivityHeld {
                evidence: Vec::new(),
                activity_id: uuid(rng),
                project_code: projects[rng.below(projects.len() as u64) as usize]
                    .code
                    .clone(),
                held_on: on,
                title: ACTIVITIES[rng.below(ACTIVITIES.len() as u64) as usize].to_string(),
                invited,
                participants: invited * (70 + rng.below(30) as u32) / 100,
            }),
        ));
    }
    for _ in 0..surveys {
        let on = {
            let month = 4 + rng.below(9) as u32;
            day_in(rng, month)
        };
        let respondents = 8 + rng.below(20) as u32;
        dated.push((
            on,
            Command::RecordSurvey(SurveyRecorded {
                evidence: Vec::new(),
                survey_id: uuid(rng),
                project_code: Some(
                    projects[rng.below(projects.len() as u64) as usize]
                        .code
                        .clone(),
                ),
                surveyed_on: on,
                respondent_group: GROUPS[rng.below(GROUPS.len() as u64) as usize].to_string(),
                respondents,
                satisfied: respondents * (75 + rng.below(24) as u32) / 100,
            }),
        ));
    }
    let assessable: Vec<(&TargetsApproved, usize)> = targets
        .iter()
        .filter(|t| matches!(t.scope, Scope::Project(_)))
        .flat_map(|t| {
            t.indicators
                .iter()
                .enumerate()
                .filter(|(_, ind)| ind.measure == Measure::Assessed)
                .map(move |(k, _)| (t, k))
        })
        .collect();
    if !assessable.is_empty() {
        for _ in 0..assessments {
            let (t, k) = assessable[rng.below(assessable.len() as u64) as usize];
            let ind = &t.indicators[k];
            let on = {
                let month = 6 + rng.below(7) as u32;
                day_in(rng, month)
            };
            dated.push((
                on,
                Command::AssessIndicator(IndicatorAssessed {
                    evidence: Vec::new(),
                    scope: t.scope.clone(),
                    indicator_id: ind.id.clone(),
                    assessed_on: on,
                    grade: Some(QualGrade::Achieved),
                    score: None,
                    actual_value: None,
                    actual_text: ind.target.text().to_string(),
                    note: "依据活动记录和专家意见评定".to_string(),
                    band_position: None,
                }),
            ));
        }
    }
    // Budget adjustments: a public line up 5–20 %, decided 5–20 days later; one unit in
    // PENDING_EVERY leaves its last request pending.
    let public: Vec<&BudgetLine> = budget
        .lines
        .iter()
        .filter(|l| l.kind == SpendingKind::Public && l.initial_yuan.is_positive())
        .collect();
    if !public.is_empty() {
        for a in 0..ADJUSTMENTS_PER_UNIT {
            let line = public[rng.below(public.len() as u64) as usize];
            let delta = scaled(line.initial_yuan, 5 + rng.below(16));
            if !delta.is_positive() {
                continue;
            }
            let requested_on = {
                let month = 4 + rng.below(7) as u32;
                day_in(rng, month)
            };
            let request_id = uuid(rng);
            dated.push((
                requested_on,
                Command::RequestBudgetAdjustment(BudgetAdjustmentRequested {
                    request_id,
                    line_id: line.line_id.clone(),
                    delta_yuan: delta,
                    reason: "业务量增加，申请追加经费".to_string(),
                    requested_on,
                }),
            ));
            let pending = a + 1 == ADJUSTMENTS_PER_UNIT && i.is_multiple_of(PENDING_EVERY);
            if !pending {
                let decided_on = requested_on + chrono::Days::new(5 + rng.below(16));
                dated.push((
                    decided_on,
                    Command::DecideBudgetAdjustment(Decide {
                        request_id,
                        decided_on,
                        decision: Decision::Approve {
                            note: "同意".to_string(),
                        },
                    }),
                ));
            }
        }
    }
    dated.sort_by_key(|(d, _)| *d);
    dated.into_iter().map(|(_, c)| c).collect()
}

/// The year-end submission after `commands`: every indicator not yet assessed assessed as
/// achieved, every deviation explained, then the submission, all on the day after `last`.
/// None when the aggregate refuses any of it (the unit then does not submit).
fn year_end(
    commands: &[(Uuid, Command)],
    last: NaiveDate,
    profile: &ScoringProfile,
) -> Option<Vec<Command>> {
    let ctx = Context { profile };
    let on = last.checked_add_days(chrono::Days::new(20))?;
    let mut state = UnitYear::new();
    let decide = |state: &mut UnitYear, command: Command| -> Option<()> {
        for e in state.handle(command, &ctx).ok()? {
            state.apply(&e);
        }
        Some(())
    };
    for (_, c) in commands {
        decide(&mut state, c.clone())?;
    }
    let scopes: Vec<Scope> = state.target_scopes().cloned().collect();
    let mut out = Vec::new();
    for scope in &scopes {
        let evaluation = state.evaluation(scope, Some(on), profile).ok()?;
        for indicator_id in evaluation.not_yet_assessed {
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
                note: "年度自评评定".to_string(),
            });
            decide(&mut state, c.clone())?;
            out.push(c);
        }
    }
    for scope in &scopes {
        for item in state
            .evaluation(scope, Some(on), profile)
            .ok()?
            .needs_explanation
        {
            let c = Command::ExplainDeviation(DeviationExplained {
                scope: scope.clone(),
                indicator_id: match item {
                    DeviationItem::ExecutionRate => None,
                    DeviationItem::Indicator(id) => Some(id),
                },
                explanation: "部分工作受项目进度影响延后，已制定下一阶段推进计划".to_string(),
                explained_on: on,
            });
            decide(&mut state, c.clone())?;
            out.push(c);
        }
    }
    let submit = Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
        submitted_on: on,
        submitted_by: "合成单位负责人".to_string(),
    });
    decide(&mut state, submit.clone())?;
    out.push(submit);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn province() -> Province {
        Province {
            units: 40,
            events: 40 * 200,
            seed: 7,
        }
    }

    #[test]
    fn every_generated_command_is_accepted_by_the_aggregate_and_the_year_has_every_kind() {
        let t = Template::jiaozuo().unwrap();
        let p = province();
        let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
        let ctx = Context { profile: &profile };
        let mut submitted = 0;
        let mut pending = 0;
        for i in 0..p.units {
            let unit = t.unit(&p, i);
            assert_eq!(unit.code, unit_code(i));
            let mut state = UnitYear::new();
            for (k, (_, c)) in unit.commands.iter().enumerate() {
                let events = state
                    .handle(c.clone(), &ctx)
                    .unwrap_or_else(|e| panic!("unit {i} command {k} refused: {e} ({c:?})"));
                for e in &events {
                    state.apply(e);
                }
            }
            let budget = state.budget().unwrap();
            assert_eq!(budget.projects.len(), PROJECTS_PER_UNIT);
            if state.workflow() == jixiao_domain::aggregate::Workflow::Submitted {
                submitted += 1;
            }
            pending += state
                .budget_requests()
                .values()
                .filter(|r| matches!(r.status, jixiao_domain::aggregate::RequestStatus::Pending))
                .count();
            let n = unit.commands.len();
            assert!(
                n + ADJUSTMENTS_PER_UNIT >= p.commands_per_unit()
                    && n <= p.commands_per_unit() + 80,
                "unit {i} has {n} commands"
            );
        }
        assert_eq!(submitted, p.units / SUBMIT_EVERY);
        assert_eq!(pending, p.units / PENDING_EVERY);
    }

    #[test]
    fn a_unit_depends_only_on_the_seed_and_its_index_and_payments_rise_to_december() {
        let t = Template::jiaozuo().unwrap();
        let p = province();
        let a = t.unit(&p, 3);
        let b = t.unit(&p, 3);
        assert_eq!(a.commands, b.commands);
        let other = t.unit(&Province { seed: 8, ..p }, 3);
        assert_ne!(a.commands, other.commands);
        let mut by_month = [0usize; 12];
        for i in 0..p.units {
            for (_, c) in t.unit(&p, i).commands {
                if let Command::RecordPayment(r) = c {
                    by_month[r.paid_on.month0() as usize] += 1;
                }
            }
        }
        assert!(by_month[0] * 3 < by_month[11], "{by_month:?}");
        assert!(by_month[1] < by_month[5], "{by_month:?}");
    }
}

#[cfg(test)]
mod read_model_tests {
    use super::*;
    use jixiao_app::bulk::BulkItem;
    use jixiao_app::{Actor, App, AppConfig, Item};
    use jixiao_domain::aggregate::RequestStatus;
    use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};

    #[test]
    fn the_bureaus_per_unit_summaries_and_statuses_equal_each_units_aggregate() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreOptions::new(dir.path().join("p.db"))).unwrap();
        let app = App::new(store.clone(), AppConfig::default());
        let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
        let p = Province {
            units: 40,
            events: 40 * 150,
            seed: 11,
        };
        let t = Template::jiaozuo().unwrap();
        let mut batch = Vec::new();
        for i in 0..p.units {
            let unit = t.unit(&p, i);
            for (id, command) in unit.commands {
                batch.push(BulkItem {
                    unit: unit.code.clone(),
                    item: Item::new(id, command),
                    line: batch.len() + 1,
                });
            }
        }
        let actor = Actor {
            name: "operator".into(),
            request_id: "test".into(),
        };
        app.bulk_load(YEAR, batch, &actor, &profile).unwrap();
        let statuses = store.unit_statuses(YEAR).unwrap();
        assert_eq!(statuses.len(), p.units);
        let days = [
            None,
            Some(date(1, 31)),
            Some(date(6, 15)),
            Some(date(6, 30)),
            Some(date(12, 31)),
        ];
        for as_of in days {
            let rows = store.unit_summaries(YEAR, as_of).unwrap();
            assert_eq!(rows.len(), p.units);
            for row in rows {
                let stream = StreamId::new(row.unit.clone(), YEAR);
                let (total, workflow, pending) = app
                    .with_year(&stream, KnownAt::Now, |y| {
                        let s = &y.state;
                        let pending = s
                            .budget_requests()
                            .values()
                            .filter(|r| matches!(r.status, RequestStatus::Pending))
                            .count()
                            + s.target_requests()
                                .values()
                                .filter(|r| matches!(r.status, RequestStatus::Pending))
                                .count();
                        Ok((
                            s.execution_summary(as_of, &profile).unwrap().total,
                            s.workflow(),
                            pending,
                        ))
                    })
                    .unwrap();
                assert_eq!(
                    row.initial_yuan, total.initial_yuan,
                    "{} {as_of:?}",
                    row.unit
                );
                assert_eq!(
                    row.adjusted_yuan, total.adjusted_yuan,
                    "{} {as_of:?}",
                    row.unit
                );
                if as_of.is_none_or(|d| d == date(12, 31)) {
                    // Mid-year, a 红冲 counts on its own date in the read models (docs/eventstore.md).
                    assert_eq!(row.paid_yuan, total.paid_yuan, "{} {as_of:?}", row.unit);
                }
                let status = &statuses[&row.unit];
                assert_eq!(
                    jixiao_app::bureau::workflow_of(status),
                    workflow,
                    "{}",
                    row.unit
                );
                assert_eq!(status.pending_requests as usize, pending, "{}", row.unit);
            }
        }
        let submitted = statuses
            .values()
            .filter(|s| s.review == "submitted")
            .count();
        assert_eq!(submitted, p.units / SUBMIT_EVERY);
    }
}
