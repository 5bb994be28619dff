//! The data of exports: the year-end self-evaluation (部门整体 and every project) or the
//! 绩效监控 table of a unit's year, computed from the log as of a business date, as JSON or CSV
//! bytes that any front end (the CLI, the API, the web pages) hands out.
//!
//! Invariant: a report says which log it was computed from. The head (position and hash) is
//! read first and the stream is read as known at that position, so the figures and the printed
//! head always belong together even while the service writes.

use crate::App;
use crate::error::{AppError, FieldError};
use chrono::NaiveDate;
use jixiao_domain::Decimal;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::evaluation::Evaluation;
use jixiao_domain::event::Likelihood;
use jixiao_domain::indicator::Scope;
use jixiao_domain::money::Yuan;
use jixiao_domain::monitoring::MonitoringReportDraft;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};
use serde::Serialize;
use std::io::Write;

/// Which log a report was computed from.
#[derive(Debug, Clone, Serialize)]
struct LogHead {
    head_position: u64,
    head_hash: String,
}

#[derive(Debug, Serialize)]
struct ScopeEvaluation {
    scope: Scope,
    name: String,
    evaluation: Evaluation,
}

#[derive(Debug, Serialize)]
struct ScopeMonitoring {
    scope: Scope,
    name: String,
    monitoring: MonitoringReportDraft,
}

#[derive(Debug, Serialize)]
struct Report<T> {
    report: &'static str,
    unit_code: String,
    unit_name: String,
    fiscal_year: i32,
    as_of: NaiveDate,
    profile_id: String,
    profile_version: u32,
    log: LogHead,
    scopes: Vec<T>,
}

fn wan(y: Yuan) -> String {
    y.wan_display()
}

fn percent(p: Option<Decimal>) -> String {
    p.map(|p| format!("{p:.2}%"))
        .unwrap_or_else(|| "—".to_string())
}

fn likelihood_zh(l: Likelihood) -> &'static str {
    match l {
        Likelihood::Certain => "确定能",
        Likelihood::Possible => "有可能",
        Likelihood::Impossible => "完全不可能",
    }
}

/// The scopes of a year: the unit, then each project in approval order, with display names.
fn scopes(state: &UnitYear) -> Vec<(Scope, String)> {
    let mut out = Vec::new();
    if let Some(b) = state.budget() {
        out.push((Scope::Unit, format!("{}（部门整体）", b.unit.name)));
        for p in &b.projects {
            out.push((Scope::Project(p.code.clone()), p.name.clone()));
        }
    }
    out.retain(|(s, _)| state.targets(s).is_some());
    out
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 绩效自评表: the unit and every project.
    Selfeval,
    /// 绩效监控情况表.
    Monitoring,
}

/// The encoding of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Pretty JSON.
    Json,
    /// CSV, UTF-8 with BOM (Excel reads the Chinese text correctly).
    Csv,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The unit-year.
    pub stream: StreamId,
    /// Which report.
    pub kind: ReportKind,
    /// Encoding.
    pub format: ExportFormat,
    /// Business date (default: today, at most the year end).
    pub as_of: Option<NaiveDate>,
    /// Scoring profile id.
    pub profile: String,
}

/// A report's bytes and the log head it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The file content.
    pub bytes: Vec<u8>,
    /// Head position the report was computed from.
    pub head_position: u64,
    /// Hash at that position (hex).
    pub head_hash: String,
}

impl App {
    /// A report of a unit's year, computed from the log as known at its head (read first, so
    /// the figures and the printed head always belong together even while the service writes).
    pub fn export(&self, request: &ExportRequest) -> Result<Exported, AppError> {
        let stream = &request.stream;
        let head = self.store.head()?;
        let events = self
            .store
            .read_stream(stream, KnownAt::Position(head.position))?;
        let state = UnitYear::replay(events.iter().map(|e| &e.event));
        let budget = state.budget().ok_or_else(|| {
            AppError::not_found(format!(
                "单位“{}”{}年度尚未批复预算 (budget not approved)",
                stream.unit, stream.fiscal_year
            ))
        })?;
        let year_end = NaiveDate::from_ymd_opt(stream.fiscal_year, 12, 31).ok_or_else(|| {
            AppError::invalid("invalid_year", "年度无效 (invalid fiscal year)", vec![])
        })?;
        let as_of = request
            .as_of
            .unwrap_or_else(|| self.business_today().min(year_end));
        if as_of > year_end || as_of < budget.approved_on {
            return Err(AppError::invalid(
                "as_of_outside_year",
                format!(
                    "--as-of {as_of} 不在 {} 年度预算批复（{}）之后的年度内 (as-of outside the fiscal year)",
                    stream.fiscal_year, budget.approved_on
                ),
                vec![FieldError::new(
                    "as_of",
                    "不在年度内",
                    "outside the fiscal year",
                )],
            ));
        }
        let profile = ScoringProfile::builtin(&request.profile).map_err(|e| {
            AppError::invalid(
                "unknown_profile",
                e.to_string(),
                vec![FieldError::new("profile", e.to_string(), "unknown profile")],
            )
        })?;
        let log = LogHead {
            head_position: head.position,
            head_hash: head.hash_hex(),
        };
        let (unit_code, unit_name) = (budget.unit.code.clone(), budget.unit.name.clone());
        let scopes = scopes(&state);
        let mut out: Vec<u8> = Vec::new();
        match request.kind {
            ReportKind::Selfeval => {
                let mut rows = Vec::new();
                for (scope, name) in scopes {
                    let evaluation =
                        state
                            .evaluation(&scope, Some(as_of), &profile)
                            .map_err(|e| {
                                AppError::rejected(
                                    "evaluation",
                                    format!("无法计算自评 (cannot evaluate) {name}: {e}"),
                                    vec![],
                                )
                            })?;
                    rows.push(ScopeEvaluation {
                        scope,
                        name,
                        evaluation,
                    });
                }
                let report = Report {
                    report: "绩效自评表 (self-evaluation)",
                    unit_code,
                    unit_name,
                    fiscal_year: stream.fiscal_year,
                    as_of,
                    profile_id: profile.id.clone(),
                    profile_version: profile.version,
                    log: log.clone(),
                    scopes: rows,
                };
                match request.format {
                    ExportFormat::Json => json(&mut out, &report)?,
                    ExportFormat::Csv => selfeval_csv(&mut out, &report)?,
                }
            }
            ReportKind::Monitoring => {
                let mut rows = Vec::new();
                for (scope, name) in scopes {
                    let monitoring =
                        state
                            .monitoring_draft(&scope, as_of, &profile)
                            .map_err(|e| {
                                AppError::rejected(
                                    "monitoring_draft",
                                    format!("无法计算监控表 (cannot build monitoring) {name}: {e}"),
                                    vec![],
                                )
                            })?;
                    if let Some(monitoring) = monitoring {
                        rows.push(ScopeMonitoring {
                            scope,
                            name,
                            monitoring,
                        });
                    }
                }
                let report = Report {
                    report: "绩效监控情况表 (monitoring)",
                    unit_code,
                    unit_name,
                    fiscal_year: stream.fiscal_year,
                    as_of,
                    profile_id: profile.id.clone(),
                    profile_version: profile.version,
                    log: log.clone(),
                    scopes: rows,
                };
                match request.format {
                    ExportFormat::Json => json(&mut out, &report)?,
                    ExportFormat::Csv => monitoring_csv(&mut out, &report)?,
                }
            }
        }
        Ok(Exported {
            bytes: out,
            head_position: log.head_position,
            head_hash: log.head_hash,
        })
    }
}

fn json<T: Serialize>(out: &mut Vec<u8>, report: &T) -> Result<(), AppError> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(AppError::internal)?;
    out.push(b'\n');
    Ok(())
}

/// The metadata rows every CSV report starts with.
fn csv_preamble<T>(
    w: &mut csv::Writer<&mut dyn Write>,
    report: &Report<T>,
) -> Result<(), AppError> {
    w.write_record(["报表 (report)", report.report])
        .map_err(AppError::internal)?;
    w.write_record([
        "单位 (unit)",
        &format!("{} {}", report.unit_code, report.unit_name),
    ])
    .map_err(AppError::internal)?;
    w.write_record(["年度 (fiscal year)", &report.fiscal_year.to_string()])
        .map_err(AppError::internal)?;
    w.write_record(["截至 (as of)", &report.as_of.to_string()])
        .map_err(AppError::internal)?;
    w.write_record([
        "评分方案 (profile)",
        &format!("{} v{}", report.profile_id, report.profile_version),
    ])
    .map_err(AppError::internal)?;
    w.write_record([
        "日志头部位置 (head position)",
        &report.log.head_position.to_string(),
    ])
    .map_err(AppError::internal)?;
    w.write_record(["日志哈希 (head hash)", &report.log.head_hash])
        .map_err(AppError::internal)?;
    w.write_record(["金额单位 (amounts)", "万元"])
        .map_err(AppError::internal)?;
    w.write_record([""]).map_err(AppError::internal)?;
    Ok(())
}

fn csv_writer(out: &mut dyn Write) -> Result<csv::Writer<&mut dyn Write>, AppError> {
    // A UTF-8 BOM makes Excel read the Chinese text correctly.
    out.write_all("\u{feff}".as_bytes())
        .map_err(AppError::internal)?;
    Ok(csv::WriterBuilder::new().flexible(true).from_writer(out))
}

fn selfeval_csv(out: &mut dyn Write, report: &Report<ScopeEvaluation>) -> Result<(), AppError> {
    let mut w = csv_writer(out)?;
    csv_preamble(&mut w, report)?;
    w.write_record([
        "范围",
        "名称",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ])
    .map_err(AppError::internal)?;
    for s in &report.scopes {
        let e = &s.evaluation;
        let scope = match &s.scope {
            Scope::Unit => "部门整体".to_string(),
            Scope::Project(c) => c.0.clone(),
        };
        let x = &e.execution;
        w.write_record([
            scope.as_str(),
            &s.name,
            "预算执行率",
            &format!(
                "年初 {} / 全年 {} / 执行 {}",
                wan(x.initial_yuan),
                wan(x.adjusted_yuan),
                wan(x.executed_yuan)
            ),
            "",
            "",
            &percent(x.rate_percent),
            &x.weight.to_string(),
            &x.score.to_string(),
            "",
        ])
        .map_err(AppError::internal)?;
        for i in &e.indicators {
            let flags: Vec<&str> = i.flags.iter().map(|f| f.message_zh()).collect();
            let note = match (&i.explanation, flags.is_empty()) {
                (Some(x), true) => x.clone(),
                (Some(x), false) => format!("{x}（{}）", flags.join("；")),
                (None, false) => flags.join("；"),
                (None, true) => String::new(),
            };
            w.write_record([
                scope.as_str(),
                &s.name,
                i.level1.name_zh(),
                &i.level2,
                &i.name,
                &i.target_text,
                &i.actual_text,
                &i.weight.to_string(),
                &i.score.to_string(),
                &note,
            ])
            .map_err(AppError::internal)?;
        }
        w.write_record([
            scope.as_str(),
            &s.name,
            "总分",
            "",
            "",
            "",
            e.grade.name_zh(),
            "100",
            &e.total.to_string(),
            "",
        ])
        .map_err(AppError::internal)?;
    }
    w.flush().map_err(AppError::internal)?;
    Ok(())
}

fn monitoring_csv(out: &mut dyn Write, report: &Report<ScopeMonitoring>) -> Result<(), AppError> {
    let mut w = csv_writer(out)?;
    csv_preamble(&mut w, report)?;
    // The form's column is "1-7月执行情况" (the period of the report's date).
    let executed = format!(
        "{}执行情况",
        report
            .scopes
            .first()
            .map_or("", |s| s.monitoring.period_label.as_str())
    );
    w.write_record([
        "范围",
        "名称",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        executed.as_str(),
        "全年预计完成情况",
        "预警",
        "完成目标可能性",
        "需说明偏差原因",
    ])
    .map_err(AppError::internal)?;
    for s in &report.scopes {
        let m = &s.monitoring;
        let scope = match &s.scope {
            Scope::Unit => "部门整体".to_string(),
            Scope::Project(c) => c.0.clone(),
        };
        let f = &m.funds;
        w.write_record([
            scope.as_str(),
            &s.name,
            "资金",
            &format!("序时进度 {}", percent(Some(m.schedule_progress_percent))),
            &format!("{}执行数", m.period_label),
            &format!(
                "年初 {} / 全年 {}",
                wan(f.initial_yuan),
                wan(f.adjusted_yuan)
            ),
            &format!(
                "{}（执行率 {}）",
                wan(f.spent_yuan),
                percent(f.execution_rate_percent)
            ),
            &format!(
                "预计 {}（{}）",
                wan(f.forecast.forecast_yuan),
                percent(f.forecast.forecast_rate_percent)
            ),
            f.warning.colour.name_zh(),
            "",
            if f.needs_explanation { "是" } else { "否" },
        ])
        .map_err(AppError::internal)?;
        for r in &m.rows {
            w.write_record([
                scope.as_str(),
                &s.name,
                r.level1.name_zh(),
                &r.level2,
                &r.name,
                &r.target_text,
                &r.value_so_far_text,
                &r.expected_full_year_text,
                r.progress.colour.name_zh(),
                likelihood_zh(r.likelihood),
                if r.deviation_cause_required {
                    "是"
                } else {
                    "否"
                },
            ])
            .map_err(AppError::internal)?;
        }
    }
    w.flush().map_err(AppError::internal)?;
    Ok(())
}
