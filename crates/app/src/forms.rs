//! The data of the official forms (issue 12): 项目支出绩效自评表, 部门（单位）整体支出绩效自评表 and
//! 绩效监控情况表, gathered from the domain's views of one unit-year as the log held it at one
//! head. `jixiao-report` lays them out as XLSX, printable HTML or CSV; this module only gathers
//! typed values (amounts in 元, rates and scores as decimals) and the head they came from.
//!
//! Invariant (as for [`crate::export`]): the head is resolved first — now, or as known at a
//! past position or instant — and the stream is read as known at that head's position, so the
//! figures and the printed head always belong together, and an export as known at a past
//! position equals the export made then (nothing else, no clock, goes into the data).
//!
//! Fields the domain's views do not carry are derived here from the `UnitYear`: the split of a
//! project's funds into 当年财政拨款 and 上年结转资金 (from the budget lines), the explanation of a
//! low execution rate, the unit's choices of a filed 1-7月 report.

use crate::App;
use crate::error::{AppError, FieldError};
use crate::read::MONITORING_PERIOD_END;
use chrono::{Datelike, NaiveDate};
use jixiao_domain::Decimal;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::evaluation::{ConsistencyCheck, Evaluation};
use jixiao_domain::event::{AnnualTask, DeviationCause, Likelihood, MonitoringReportFiled};
use jixiao_domain::indicator::Scope;
use jixiao_domain::money::{Yuan, ratio_percent};
use jixiao_domain::monitoring::MonitoringReportDraft;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};
use serde::Serialize;

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// The whole year-end pack: 部门整体 first, then every project (one sheet each).
    SelfEvaluation,
    /// 项目支出绩效自评表, one per project (or the one asked for).
    ProjectSelfEvaluation,
    /// 部门（单位）整体支出绩效自评表.
    UnitSelfEvaluation,
    /// 绩效监控情况表 (1-7月): 部门整体, then every project.
    Monitoring,
}

impl Form {
    /// Every form, in the order the documentation lists them.
    pub const ALL: [Form; 4] = [
        Form::SelfEvaluation,
        Form::ProjectSelfEvaluation,
        Form::UnitSelfEvaluation,
        Form::Monitoring,
    ];

    /// The name in URLs, file names and the CLI: `selfeval`, `project-selfeval`,
    /// `unit-selfeval`, `monitoring`.
    pub fn slug(self) -> &'static str {
        match self {
            Form::SelfEvaluation => "selfeval",
            Form::ProjectSelfEvaluation => "project-selfeval",
            Form::UnitSelfEvaluation => "unit-selfeval",
            Form::Monitoring => "monitoring",
        }
    }

    /// The form named by its slug.
    pub fn from_slug(text: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.slug() == text)
    }

    /// The title printed on the form (and in the Chinese file name).
    pub fn title_zh(self) -> &'static str {
        match self {
            Form::SelfEvaluation => "绩效自评表",
            Form::ProjectSelfEvaluation => PROJECT_TITLE,
            Form::UnitSelfEvaluation => UNIT_TITLE,
            Form::Monitoring => MONITORING_TITLE,
        }
    }
}

/// Title of the project form.
pub const PROJECT_TITLE: &str = "项目支出绩效自评表";
/// Title of the unit-wide form.
pub const UNIT_TITLE: &str = "部门（单位）整体支出绩效自评表";
/// Title of the monitoring form.
pub const MONITORING_TITLE: &str = "绩效监控情况表";

/// What to gather.
#[derive(Debug, Clone)]
pub struct FormRequest {
    /// The unit-year.
    pub stream: StreamId,
    /// Which form.
    pub form: Form,
    /// Business date; default: today (at most the year end) for the self-evaluation, 31 July
    /// (or today when earlier in a year in progress) for monitoring.
    pub as_of: Option<NaiveDate>,
    /// What the log held.
    pub known: KnownAt,
    /// Scoring profile id.
    pub profile: String,
    /// Only this project (project forms and monitoring).
    pub project: Option<ProjectCode>,
}

/// One form's data: who, when, from which log, and one sheet per form page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormData {
    /// Which form.
    pub form: Form,
    /// 单位编码.
    pub unit_code: String,
    /// 单位名称 (实施单位).
    pub unit_name: String,
    /// 主管部门.
    pub department: String,
    /// Fiscal year.
    pub fiscal_year: i32,
    /// The business date the figures are as of.
    pub as_of: NaiveDate,
    /// Scoring profile id.
    pub profile_id: String,
    /// Scoring profile version.
    pub profile_version: u32,
    /// Position of the log head the figures were computed from (`known_at` resolved).
    pub head_position: u64,
    /// Its chain hash (hex).
    pub head_hash: String,
    /// The sheets, one per form page.
    pub sheets: Vec<Sheet>,
}

/// One form page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "sheet")]
pub enum Sheet {
    /// 项目支出绩效自评表 or 部门（单位）整体支出绩效自评表.
    SelfEvaluation(SelfEvaluationSheet),
    /// 绩效监控情况表.
    Monitoring(MonitoringSheet),
}

/// One row of a funds block (amounts in 元; the forms print 万元).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundsRow {
    /// Row label ("年度资金总额", "其中：当年财政拨款", "基本支出", …; a later 其中 row is indented
    /// with full-width spaces, as the printed forms do).
    pub label: String,
    /// 年初预算数.
    pub initial_yuan: Option<Yuan>,
    /// 全年预算数.
    pub adjusted_yuan: Option<Yuan>,
    /// 全年执行数 (None when the log cannot split it, printed blank).
    pub executed_yuan: Option<Yuan>,
    /// 分值 (None prints "—").
    pub weight: Option<Decimal>,
    /// 执行率 in %, 2 decimals.
    pub rate_percent: Option<Decimal>,
    /// 得分 (None prints "—").
    pub score: Option<Decimal>,
}

/// One indicator row of a self-evaluation form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorLine {
    /// 一级指标.
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值.
    pub target_text: String,
    /// 实际完成值.
    pub actual_text: String,
    /// 分值.
    pub weight: Decimal,
    /// 得分.
    pub score: Decimal,
    /// 偏差原因分析及改进措施, as the unit wrote it (never a system flag).
    pub explanation: String,
    /// System flags (人工评定, 目标值可能设置偏低, 须说明偏差原因 …), joined by "；".
    pub flags: String,
}

/// 项目支出绩效自评表 or 部门（单位）整体支出绩效自评表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelfEvaluationSheet {
    /// The form's title.
    pub title: String,
    /// 项目编码 (None on the unit-wide form).
    pub project_code: Option<String>,
    /// 项目名称, or the unit's name on the unit-wide form.
    pub name: String,
    /// The funds block.
    pub funds: Vec<FundsRow>,
    /// The explanation recorded for a low execution rate.
    pub execution_explanation: Option<String>,
    /// 年度总体目标 · 预期目标.
    pub overall_goal: String,
    /// 年度总体目标 · 实际完成情况 (a summary computed from the evaluation).
    pub overall_result: String,
    /// 年度主要任务 (unit-wide form only).
    pub annual_tasks: Vec<AnnualTask>,
    /// The indicator block.
    pub indicators: Vec<IndicatorLine>,
    /// 自评得分.
    pub total: Decimal,
    /// 等级 (优/良/中/差).
    pub grade: String,
    /// Notes printed under the form (consistency warning, missing assessments, …).
    pub notes: Vec<String>,
}

/// The funds block of the monitoring form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringFunds {
    /// 年初预算数.
    pub initial_yuan: Yuan,
    /// 全年预算数.
    pub adjusted_yuan: Yuan,
    /// 1-7月执行数.
    pub spent_yuan: Yuan,
    /// 执行率 in %.
    pub rate_percent: Option<Decimal>,
    /// 全年预计执行数 (the unit's statement when a report was filed, else the forecast).
    pub forecast_yuan: Yuan,
    /// 预计执行率 in %.
    pub forecast_rate_percent: Option<Decimal>,
    /// 预警 colour (红/黄/绿).
    pub warning: String,
}

/// One indicator row of the monitoring form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringLine {
    /// 一级指标.
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值.
    pub target_text: String,
    /// 1-7月执行情况.
    pub value_so_far: String,
    /// 全年预计完成情况.
    pub expected_full_year: String,
    /// 偏差原因 (经费保障, 制度保障, 人员保障, 硬件条件保障, 其他), when given.
    pub deviation_cause: String,
    /// 完成目标可能性.
    pub likelihood: String,
    /// 原因说明.
    pub explanation: String,
    /// System notes: the progress colour and whether a cause is required.
    pub flags: String,
}

/// 绩效监控情况表 of the unit or one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringSheet {
    /// The form's title.
    pub title: String,
    /// 项目编码 (None for 部门整体).
    pub project_code: Option<String>,
    /// 项目名称, or the unit's name.
    pub name: String,
    /// "1-7月".
    pub period_label: String,
    /// 序时进度 in %.
    pub schedule_progress_percent: Decimal,
    /// The funds block.
    pub funds: MonitoringFunds,
    /// The date the unit filed the report, when it did (its choices fill the rows).
    pub filed_on: Option<NaiveDate>,
    /// The indicator rows.
    pub rows: Vec<MonitoringLine>,
    /// Notes printed under the form.
    pub notes: Vec<String>,
}

/// 偏差原因 as the form prints it.
pub fn deviation_cause_zh(cause: DeviationCause) -> &'static str {
    match cause {
        DeviationCause::Funding => "经费保障",
        DeviationCause::Institutional => "制度保障",
        DeviationCause::Staffing => "人员保障",
        DeviationCause::Facilities => "硬件条件保障",
        DeviationCause::Other => "其他",
    }
}

/// 完成目标可能性 as the form prints it.
pub fn likelihood_zh(likelihood: Likelihood) -> &'static str {
    match likelihood {
        Likelihood::Certain => "确定能",
        Likelihood::Possible => "有可能",
        Likelihood::Impossible => "完全不可能",
    }
}

const SEPARATOR: &str = "；";

impl App {
    /// The data of one form of a unit's year, from the log as known at `request.known`.
    pub fn form_data(&self, request: &FormRequest) -> Result<FormData, AppError> {
        let stream = &request.stream;
        let year = stream.fiscal_year;
        let profile = ScoringProfile::builtin(&request.profile).map_err(|e| {
            AppError::invalid(
                "unknown_profile",
                e.to_string(),
                vec![FieldError::new("profile", e.to_string(), "unknown profile")],
            )
        })?;
        let as_of = match request.as_of {
            Some(d) => App::within_year(year, d, "as_of")?,
            None => self.default_form_date(request.form, year),
        };
        // The head first, then the stream as known at it: figures and head belong together.
        let head = self.store.head_at(request.known)?;
        let events = self
            .store
            .read_stream(stream, KnownAt::Position(head.position))?;
        let state = UnitYear::replay(events.iter().map(|e| &e.event));
        let budget = state.budget().ok_or_else(|| {
            AppError::not_found(format!(
                "单位“{}”{}年度尚未导入预算 (no budget for this unit and year)",
                stream.unit, year
            ))
        })?;
        if let Some(code) = &request.project
            && budget.project(code).is_none()
        {
            return Err(AppError::invalid(
                "unknown_project",
                format!("项目“{}”不在本单位预算中 (unknown project)", code.0),
                vec![FieldError::new(
                    "project",
                    "应为本单位的项目编码",
                    "a project code of this unit",
                )],
            ));
        }
        let projects: Vec<Scope> = budget
            .projects
            .iter()
            .filter(|p| request.project.as_ref().is_none_or(|c| *c == p.code))
            .map(|p| Scope::Project(p.code.clone()))
            .collect();
        let unit_first = |with_unit: bool| {
            let mut scopes = Vec::new();
            if with_unit && request.project.is_none() {
                scopes.push(Scope::Unit);
            }
            scopes.extend(projects.iter().cloned());
            scopes.retain(|s| state.targets(s).is_some());
            scopes
        };
        let mut sheets = Vec::new();
        match request.form {
            Form::Monitoring => {
                for scope in unit_first(true) {
                    sheets.push(Sheet::Monitoring(monitoring_sheet(
                        &state, &scope, as_of, &profile,
                    )?));
                }
            }
            form => {
                let scopes = match form {
                    Form::UnitSelfEvaluation => unit_first(true)
                        .into_iter()
                        .take_while(|s| *s == Scope::Unit)
                        .collect(),
                    Form::ProjectSelfEvaluation => unit_first(false),
                    _ => unit_first(true),
                };
                for scope in scopes {
                    sheets.push(Sheet::SelfEvaluation(self_evaluation_sheet(
                        &state, &scope, as_of, &profile,
                    )?));
                }
            }
        }
        if sheets.is_empty() {
            return Err(AppError::not_found(format!(
                "单位“{}”{}年度没有可导出的{} (no targets for this form)",
                stream.unit,
                year,
                request.form.title_zh()
            )));
        }
        Ok(FormData {
            form: request.form,
            unit_code: budget.unit.code.clone(),
            unit_name: budget.unit.name.clone(),
            department: budget.unit.department.clone(),
            fiscal_year: year,
            as_of,
            profile_id: profile.id.clone(),
            profile_version: profile.version,
            head_position: head.position,
            head_hash: head.hash_hex(),
            sheets,
        })
    }

    fn default_form_date(&self, form: Form, year: i32) -> NaiveDate {
        let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        let end = if form == Form::Monitoring {
            let (m, d) = MONITORING_PERIOD_END;
            NaiveDate::from_ymd_opt(year, m, d).unwrap_or(year_end)
        } else {
            year_end
        };
        let today = self.business_today();
        if today.year() == year {
            today.min(end)
        } else {
            end
        }
    }
}

fn scope_name(state: &UnitYear, scope: &Scope) -> (Option<String>, String) {
    let budget = state.budget();
    match scope {
        Scope::Unit => (
            None,
            budget.map(|b| b.unit.name.clone()).unwrap_or_default(),
        ),
        Scope::Project(code) => (
            Some(code.0.clone()),
            budget
                .and_then(|b| b.project(code))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        ),
    }
}

fn self_evaluation_sheet(
    state: &UnitYear,
    scope: &Scope,
    as_of: NaiveDate,
    profile: &ScoringProfile,
) -> Result<SelfEvaluationSheet, AppError> {
    let (project_code, name) = scope_name(state, scope);
    let evaluation = state.evaluation(scope, Some(as_of), profile).map_err(|e| {
        AppError::rejected(
            "evaluation",
            format!("无法计算“{name}”的自评 (cannot evaluate): {e}"),
            vec![],
        )
    })?;
    let funds = match scope {
        Scope::Unit => unit_funds(state, &evaluation, as_of, profile),
        Scope::Project(_) => project_funds(state, scope, &evaluation, as_of),
    };
    let indicators = evaluation
        .indicators
        .iter()
        .map(|i| {
            let mut flags: Vec<&str> = i.flags.iter().map(|f| f.message_zh()).collect();
            if i.needs_explanation {
                flags.push("须说明偏差原因");
            }
            IndicatorLine {
                level1: i.level1.name_zh().to_string(),
                level2: i.level2.clone(),
                name: i.name.clone(),
                target_text: i.target_text.clone(),
                actual_text: i.actual_text.clone(),
                weight: i.weight,
                score: i.score,
                explanation: i.explanation.clone().unwrap_or_default(),
                flags: flags.join(SEPARATOR),
            }
        })
        .collect();
    let overall_goal = state
        .targets(scope)
        .map(|t| t.overall_goal.trim().to_string())
        .filter(|g| !g.is_empty())
        .or_else(|| match scope {
            Scope::Project(code) => state
                .budget()
                .and_then(|b| b.project(code))
                .map(|p| p.overall_goal.clone()),
            Scope::Unit => None,
        })
        .unwrap_or_default();
    let mut notes = Vec::new();
    if let Some(c) = &evaluation.consistency
        && c.warning
    {
        notes.push(format!(
            "预警：{}（指标得分率 {:.2}%，预算执行得分率 {:.2}%，差异 {:.2}%）",
            ConsistencyCheck::WARNING_ZH,
            c.indicator_percent,
            c.execution_percent,
            c.gap_percent
        ));
    }
    if evaluation.execution.needs_explanation {
        notes.push("预算执行率低于方案要求且尚未说明原因。".to_string());
    }
    if !evaluation.not_yet_assessed.is_empty() {
        notes.push(format!(
            "尚有 {} 项指标未评价，按 0 分计。",
            evaluation.not_yet_assessed.len()
        ));
    }
    let title = match scope {
        Scope::Unit => UNIT_TITLE,
        Scope::Project(_) => PROJECT_TITLE,
    };
    Ok(SelfEvaluationSheet {
        title: title.to_string(),
        project_code,
        name,
        overall_result: overall_result(&evaluation, as_of),
        execution_explanation: state.deviation(scope, None).map(|d| d.explanation.clone()),
        annual_tasks: match scope {
            Scope::Unit => state
                .budget()
                .map(|b| b.annual_tasks.clone())
                .unwrap_or_default(),
            Scope::Project(_) => Vec::new(),
        },
        funds,
        overall_goal,
        indicators,
        total: evaluation.total,
        grade: evaluation.grade.name_zh().to_string(),
        notes,
    })
}

/// 实际完成情况: what the evaluation shows, in one sentence.
fn overall_result(e: &Evaluation, as_of: NaiveDate) -> String {
    let met = e.indicators.iter().filter(|i| i.met).count();
    let rate = e
        .execution
        .rate_percent
        .map_or_else(|| "—".to_string(), |r| format!("{r:.2}%"));
    format!(
        "截至{}，预算执行率 {rate}；{} 项三级指标中 {met} 项达到年度指标值，自评得分 {:.2}，等级“{}”。",
        as_of.format("%Y年%m月%d日"),
        e.indicators.len(),
        e.total,
        e.grade.name_zh()
    )
}

fn rate(executed: Yuan, adjusted: Yuan) -> Option<Decimal> {
    ratio_percent(executed.yuan(), adjusted.yuan())
}

/// 年度资金总额 / 其中：当年财政拨款 / 上年结转资金 / 其他资金. The log records no other funds; it
/// records payments per line but not per source, so the 其中 rows' 全年执行数 is given only when
/// the project has no carry-over (then every payment is from 当年财政拨款).
fn project_funds(
    state: &UnitYear,
    scope: &Scope,
    e: &Evaluation,
    as_of: NaiveDate,
) -> Vec<FundsRow> {
    let x = &e.execution;
    let carried: Yuan = state
        .budget()
        .map(|b| {
            b.lines_of(scope)
                .map(|l| l.carry_over_yuan(Some(as_of)))
                .sum()
        })
        .unwrap_or(Yuan::ZERO);
    let current = x.adjusted_yuan - carried;
    let split_known = carried == Yuan::ZERO;
    let sub = |label: &str, initial: Yuan, adjusted: Yuan, executed: Option<Yuan>| FundsRow {
        label: label.to_string(),
        initial_yuan: Some(initial),
        adjusted_yuan: Some(adjusted),
        executed_yuan: executed,
        weight: None,
        rate_percent: executed.and_then(|ex| rate(ex, adjusted)),
        score: None,
    };
    vec![
        FundsRow {
            label: "年度资金总额".to_string(),
            initial_yuan: Some(x.initial_yuan),
            adjusted_yuan: Some(x.adjusted_yuan),
            executed_yuan: Some(x.executed_yuan),
            weight: Some(x.weight),
            rate_percent: x.rate_percent,
            score: Some(x.score),
        },
        sub(
            "其中：当年财政拨款",
            x.initial_yuan,
            current,
            split_known.then_some(x.executed_yuan),
        ),
        sub(
            "　　　上年结转资金",
            Yuan::ZERO,
            carried,
            split_known.then_some(Yuan::ZERO),
        ),
        sub("　　　其他资金", Yuan::ZERO, Yuan::ZERO, Some(Yuan::ZERO)),
    ]
}

/// 年度资金总额 / 基本支出 (人员经费, 公用经费) / 项目支出. The unit-wide 预算执行率 is scored
/// as an indicator under 投入管理, so the block has no 分值 or 得分 of its own.
fn unit_funds(
    state: &UnitYear,
    e: &Evaluation,
    as_of: NaiveDate,
    profile: &ScoringProfile,
) -> Vec<FundsRow> {
    let x = &e.execution;
    let row = |label: &str, initial: Yuan, adjusted: Yuan, executed: Yuan| FundsRow {
        label: label.to_string(),
        initial_yuan: Some(initial),
        adjusted_yuan: Some(adjusted),
        executed_yuan: Some(executed),
        weight: None,
        rate_percent: rate(executed, adjusted),
        score: None,
    };
    let mut out = vec![FundsRow {
        rate_percent: x.rate_percent,
        ..row(
            "年度资金总额",
            x.initial_yuan,
            x.adjusted_yuan,
            x.executed_yuan,
        )
    }];
    let Some(summary) = state.execution_summary(Some(as_of), profile) else {
        return out;
    };
    let kind = |key: &str| {
        summary
            .by_kind
            .iter()
            .find(|r| r.key == key)
            .map(|r| (r.initial_yuan, r.adjusted_yuan, r.paid_yuan))
            .unwrap_or((Yuan::ZERO, Yuan::ZERO, Yuan::ZERO))
    };
    let (pi, pa, pp) = kind("personnel");
    let (ci, ca, cp) = kind("public");
    let (ji, ja, jp) = kind("project");
    out.push(row("基本支出", pi + ci, pa + ca, pp + cp));
    out.push(row("其中：人员经费", pi, pa, pp));
    out.push(row("　　　公用经费", ci, ca, cp));
    out.push(row("项目支出", ji, ja, jp));
    out
}

fn monitoring_sheet(
    state: &UnitYear,
    scope: &Scope,
    as_of: NaiveDate,
    profile: &ScoringProfile,
) -> Result<MonitoringSheet, AppError> {
    let (project_code, name) = scope_name(state, scope);
    let draft: MonitoringReportDraft = state
        .monitoring_draft(scope, as_of, profile)
        .map_err(|e| {
            AppError::rejected(
                "monitoring_draft",
                format!("无法计算“{name}”的监控表 (cannot build monitoring): {e}"),
                vec![],
            )
        })?
        .ok_or_else(|| AppError::not_found("尚未导入预算 (no budget)"))?;
    // The unit's choices: the report filed for this date, else the latest filed before it.
    let filed: Option<&MonitoringReportFiled> = state
        .monitoring_reports()
        .iter()
        .filter(|r| r.as_of <= as_of && r.as_of.year() == as_of.year())
        .max_by_key(|r| (r.as_of, r.filed_on));
    let filed_row = |id: &jixiao_domain::indicator::IndicatorId| {
        filed.and_then(|r| {
            r.rows
                .iter()
                .find(|row| row.scope == *scope && row.indicator_id == *id)
        })
    };
    let f = &draft.funds;
    let (forecast_yuan, forecast_rate_percent) = match filed {
        Some(r) if *scope == Scope::Unit => (
            r.expected_full_year_yuan,
            rate(r.expected_full_year_yuan, f.adjusted_yuan),
        ),
        _ => (f.forecast.forecast_yuan, f.forecast.forecast_rate_percent),
    };
    let rows = draft
        .rows
        .iter()
        .map(|r| {
            let chosen = filed_row(&r.indicator_id);
            let mut flags = vec![format!("进度{}", r.progress.colour.name_zh())];
            if r.deviation_cause_required {
                flags.push("须说明偏差原因".to_string());
            }
            MonitoringLine {
                level1: r.level1.name_zh().to_string(),
                level2: r.level2.clone(),
                name: r.name.clone(),
                target_text: r.target_text.clone(),
                value_so_far: r.value_so_far_text.clone(),
                expected_full_year: r.expected_full_year_text.clone(),
                deviation_cause: chosen
                    .and_then(|c| c.deviation_cause)
                    .map(deviation_cause_zh)
                    .unwrap_or_default()
                    .to_string(),
                likelihood: likelihood_zh(chosen.map_or(r.likelihood, |c| c.likelihood))
                    .to_string(),
                explanation: chosen.map(|c| c.explanation.clone()).unwrap_or_default(),
                flags: flags.join(SEPARATOR),
            }
        })
        .collect();
    let mut notes = Vec::new();
    match filed {
        Some(r) => notes.push(format!(
            "偏差原因、完成目标可能性与原因说明取自 {} 报送的监控报告（截至 {}）。",
            r.filed_on, r.as_of
        )),
        None => notes.push(
            "本表为系统草稿：尚未报送监控报告，完成目标可能性为系统建议，偏差原因与原因说明待单位填写。"
                .to_string(),
        ),
    }
    if f.needs_explanation {
        notes.push("预算执行进度落后或预计全年执行率低于要求，须说明原因。".to_string());
    }
    if draft.called_to_explain {
        notes.push("按财政部门要求，执行进度明显落后的单位须作出说明。".to_string());
    }
    Ok(MonitoringSheet {
        title: MONITORING_TITLE.to_string(),
        project_code,
        name,
        period_label: draft.period_label.clone(),
        schedule_progress_percent: draft.schedule_progress_percent,
        funds: MonitoringFunds {
            initial_yuan: f.initial_yuan,
            adjusted_yuan: f.adjusted_yuan,
            spent_yuan: f.spent_yuan,
            rate_percent: f.execution_rate_percent,
            forecast_yuan,
            forecast_rate_percent,
            warning: f.warning.colour.name_zh().to_string(),
        },
        filed_on: filed.map(|r| r.filed_on),
        rows,
        notes,
    })
}
