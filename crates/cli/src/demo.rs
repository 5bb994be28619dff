//! The demo year: a deterministic, realistic year of the 焦作 2024 budget up to a given day —
//! monthly salaries on the personnel lines, 公用 spending spread over the months, the project
//! spent in lumps with one 红冲, activities (participants ≤ invited), surveys of 专家/企业/工作人员
//! and two assessments — plus one demo user per role.
//!
//! [`demo_commands`] is pure (seeded by [`DEMO_SEED`], no clock, no randomness) so tests can
//! replay it; [`populate`] runs the commands through the aggregate and appends the events.

use crate::exit::{CliResult, Failure};
use anyhow::Context as _;
use chrono::{Datelike, NaiveDate};
use jixiao_app::import::Approval;
use jixiao_app::ledger::derived_uuid;
use jixiao_app::{Actor, App, AppConfig, Item};
use jixiao_domain::Decimal;
use jixiao_domain::aggregate::Command;
use jixiao_domain::budget::{BudgetLine, SpendingKind};
use jixiao_domain::event::{
    ActivityHeld, BudgetApproved, IndicatorAssessed, PaymentRecorded, PaymentReversed,
    SurveyRecorded, TargetsApproved,
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

/// Delete the demo database and its WAL/SHM files (the demo starts fresh every time).
pub fn reset_database(path: &Path) -> CliResult {
    if path.exists() {
        ensure_demo_database(path)?;
    }
    for suffix in ["", "-wal", "-shm"] {
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
    /// The unit.
    pub unit_code: String,
    /// Events appended.
    pub events: usize,
    /// The demo's "today".
    pub today: NaiveDate,
}

impl DemoInfo {
    /// The lines printed after the URLs.
    pub fn banner(&self) -> String {
        let mut s = format!(
            "演示数据 (demo): 单位 {} 的 {} 年度，{} 个事件，业务日期 (business today) {}\n演示账号 (demo users, 用户名 / 密码 / 角色):\n",
            self.unit_code, DEMO_YEAR, self.events, self.today
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

/// Import the 焦作 2024 fixture, generate the year up to `today`, write it through the
/// application layer (decided all or nothing, appended in batches), create the demo users.
pub fn populate(store: &Store, today: NaiveDate) -> CliResult<DemoInfo> {
    let app = App::new(store.clone(), AppConfig::default());
    let approval = Approval::jiaozuo_2024().map_err(crate::import::app_failure)?;
    let unit_code = approval.budget.unit.code.clone();
    let commands: Vec<Command> = approval
        .commands
        .iter()
        .cloned()
        .chain(demo_commands(&approval.budget, &approval.targets, today))
        .collect();
    let items: Vec<Item> = commands
        .into_iter()
        .enumerate()
        .map(|(i, c)| Item::new(id("command", i), c))
        .collect();
    let actor = Actor {
        name: "demo".to_string(),
        request_id: "demo".to_string(),
    };
    let profile = app
        .profile(None)
        .map_err(|e| Failure::from(anyhow::anyhow!("{e}")))?;
    let stream = StreamId::new(unit_code.clone(), DEMO_YEAR);
    let imported = app
        .import(&stream, items, &actor, &profile, &mut |_, _| {})
        .map_err(|e| {
            Failure::from(anyhow::anyhow!(
                "演示数据被拒绝 (demo commands refused): {e:?}"
            ))
        })?;

    let users = store.users().context("无法连接数据库 (cannot connect)")?;
    for (name, password, role, scoped) in DEMO_USERS {
        users
            .add(name, password, role, scoped.then_some(unit_code.as_str()))
            .with_context(|| format!("无法创建演示用户 {name} (cannot create demo user)"))?;
    }
    Ok(DemoInfo {
        unit_code,
        events: imported.events,
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
}
