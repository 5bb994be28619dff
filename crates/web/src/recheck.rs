//! 复核 in the browser (finance bureau and auditors): upload a published 项目支出绩效自评表
//! (XLSX, CSV or JSON; multipart), choose the profile and the rounding, and see the verdict of
//! every table row by row (`jixiao_app::recheck`); a button downloads the verdict as the
//! clerk's XLSX (`jixiao_report::recheck`). The file travels back with the download form (hex
//! in a hidden field): nothing is kept on the server, nothing is written.

use crate::error::WebError;
use crate::nav::Section;
use crate::pages::{Chrome, html, state};
use crate::session::Session;
use crate::upload::read_form;
use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use jixiao_app::auth::Action;
use jixiao_app::recheck::{RecheckReport, recheck_files};
use jixiao_domain::profile::{ScoreRounding, ScoringProfile};
use jixiao_domain::recheck::RowStatus;

/// Largest table file accepted from the browser, in bytes.
pub const MAX_RECHECK_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest text field (the download form's hex file included), in bytes.
const MAX_FIELD_BYTES: usize = 2 * MAX_RECHECK_UPLOAD_BYTES + 1024;

/// One row of a verdict as the page shows it.
pub struct RowView {
    /// 指标 (or 预算执行率).
    pub name: String,
    /// 年度指标值.
    pub target: String,
    /// 实际完成值.
    pub actual: String,
    /// 分值.
    pub weight: String,
    /// 所填得分.
    pub published: String,
    /// 规则得分（未舍入）.
    pub unrounded: String,
    /// 规则得分.
    pub rule: String,
    /// 相符 / 不符 / 未复核.
    pub status: &'static str,
    /// Whether it differs (highlighted).
    pub differs: bool,
    /// The reasons.
    pub reasons: String,
}

/// One table's verdict as the page shows it.
pub struct TableView {
    /// 项目名称.
    pub name: String,
    /// Where it was read.
    pub place: String,
    /// The rows, the execution row first.
    pub rows: Vec<RowView>,
    /// Printed total, rule total, rule grade.
    pub totals: String,
    /// Findings in Chinese (notices marked).
    pub findings: Vec<String>,
    /// Clean.
    pub clean: bool,
}

#[derive(Template)]
#[template(path = "recheck.html")]
struct RecheckPage {
    chrome: Chrome,
    /// (id, selected).
    profiles: Vec<(&'static str, bool)>,
    profile: String,
    /// (value, label, selected).
    roundings: Vec<(&'static str, &'static str, bool)>,
    rounding: String,
    file_error: Option<String>,
    tables: Vec<TableView>,
    problems: Vec<String>,
    /// (file name, hex content) for the download form.
    download: Option<(String, String)>,
}

fn page(s: &Session, year: i32) -> RecheckPage {
    let mut chrome = Chrome::for_section(s, "复核自评表", year, Section::Recheck);
    chrome.notice = None;
    RecheckPage {
        chrome,
        profiles: Vec::new(),
        profile: ScoringProfile::DEFAULT_ID.to_string(),
        roundings: Vec::new(),
        rounding: ScoreRounding::default().as_str().to_string(),
        file_error: None,
        tables: Vec::new(),
        problems: Vec::new(),
        download: None,
    }
}

impl RecheckPage {
    /// Renders with the chosen profile and rounding selected.
    fn show(mut self) -> Result<String, askama::Error> {
        self.profiles = ScoringProfile::builtin_ids()
            .into_iter()
            .map(|id| (id, id == self.profile))
            .collect();
        self.roundings = ScoreRounding::ALL
            .iter()
            .map(|r| (r.as_str(), r.name_zh(), r.as_str() == self.rounding))
            .collect();
        self.render()
    }
}

/// `GET /recheck`: the upload form.
pub async fn recheck_page(req: HttpRequest, s: Session) -> Result<HttpResponse, WebError> {
    s.require(Action::RecheckTables)?;
    let year = state(&req)?.app.business_today().year();
    Ok(html(StatusCode::OK, page(&s, year).show()))
}

fn num(d: Option<jixiao_domain::Decimal>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.normalize().to_string())
}

fn status_zh(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Agrees => "相符",
        RowStatus::Differs => "不符",
        RowStatus::Unchecked => "未复核",
    }
}

fn views(report: &RecheckReport) -> Vec<TableView> {
    report
        .tables
        .iter()
        .map(|t| {
            let v = &t.verdict;
            let e = &v.execution;
            let reasons = |vs: &[jixiao_domain::recheck::Variant]| {
                vs.iter()
                    .map(|x| x.message_zh())
                    .collect::<Vec<_>>()
                    .join("；")
            };
            let mut rows = vec![RowView {
                name: "预算执行率".into(),
                target: "100%".into(),
                actual: e.rate_percent.map_or("—".into(), |r| format!("{r:.2}%")),
                weight: num(Some(e.weight)),
                published: num(e.published_score),
                unrounded: num(e.rule_score_unrounded.map(|d| d.round_dp(6))),
                rule: num(e.rule_score),
                status: status_zh(e.status),
                differs: e.status == RowStatus::Differs,
                reasons: reasons(&e.variants),
            }];
            rows.extend(v.rows.iter().map(|r| {
                let mut why = reasons(&r.variants);
                if r.status == RowStatus::Unchecked {
                    why = r.notes.join("；");
                }
                RowView {
                    name: r.name.clone(),
                    target: r.target_text.clone(),
                    actual: r.actual_text.clone(),
                    weight: num(r.weight),
                    published: num(r.published_score),
                    unrounded: num(r.rule_score_unrounded.map(|d| d.round_dp(6))),
                    rule: num(r.rule_score),
                    status: status_zh(r.status),
                    differs: r.status == RowStatus::Differs,
                    reasons: why,
                }
            }));
            TableView {
                name: v.name.clone(),
                place: match (&t.sheet, t.first_row) {
                    (Some(s), Some(r)) => format!("{}，工作表“{s}”，第{r}行起", t.file),
                    _ => t.file.clone(),
                },
                rows,
                totals: format!(
                    "分值合计 {}；所填总分 {}；规则总分 {}（{}）",
                    v.weight_sum.normalize(),
                    num(v.published_total),
                    v.rule_total.normalize(),
                    v.rule_grade.name_zh()
                ),
                findings: v
                    .findings
                    .iter()
                    .map(|f| {
                        let tag = if f.is_notice() { "提示" } else { "问题" };
                        format!("{tag}：{}", f.message_zh())
                    })
                    .collect(),
                clean: v.clean,
            }
        })
        .collect()
}

/// `POST /recheck`: the verdict of an uploaded file, or (with `download=xlsx`) the verdict
/// of the file sent back as the clerk's XLSX.
pub async fn recheck_upload(
    req: HttpRequest,
    s: Session,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    s.require(Action::RecheckTables)?;
    let year = state(&req)?.app.business_today().year();
    let mut p = page(&s, year);
    let (fields, file) = match read_form(form, MAX_RECHECK_UPLOAD_BYTES, MAX_FIELD_BYTES).await {
        Ok(read) => read,
        Err(message) => {
            p.file_error = Some(message);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.show()));
        }
    };
    s.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let download = fields.get("download").is_some_and(|v| v == "xlsx");
    let (file_name, bytes) = match (file, fields.get("content"), fields.get("file_name")) {
        (Some((name, bytes)), _, _) if !bytes.is_empty() => (name, bytes),
        (_, Some(content), Some(name)) if download => {
            (name.clone(), hex::decode(content).unwrap_or_default())
        }
        _ => (String::new(), Vec::new()),
    };
    if let Some(id) = fields.get("profile") {
        p.profile = id.clone();
    }
    if let Some(r) = fields.get("rounding") {
        p.rounding = r.clone();
    }
    if bytes.is_empty() {
        p.file_error = Some("请选择 .xlsx、.csv 或 .json 格式的自评表文件".to_string());
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.show()));
    }
    let mut profile = match ScoringProfile::builtin(&p.profile) {
        Ok(profile) => profile,
        Err(e) => {
            p.file_error = Some(e.to_string());
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.show()));
        }
    };
    match ScoreRounding::parse(&p.rounding) {
        Some(r) => profile.score_rounding = r,
        None => {
            p.file_error = Some("得分取舍方式无效".to_string());
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, p.show()));
        }
    }
    let name = file_name.clone();
    let content = bytes.clone();
    let report =
        web::block(move || recheck_files([(name.as_str(), content.as_slice())], &profile)).await?;
    if download {
        let xlsx = jixiao_report::recheck::render_xlsx(&report)
            .map_err(|e| WebError::internal(e.to_string()))?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"recheck.xlsx\"; filename*=UTF-8''%E5%A4%8D%E6%A0%B8%E7%BB%93%E6%9E%9C.xlsx",
            ))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(xlsx));
    }
    p.problems = report.problems.iter().map(ToString::to_string).collect();
    p.tables = views(&report);
    let status = if report.tables.is_empty() {
        p.file_error = Some("文件中没有可复核的项目支出绩效自评表".to_string());
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        p.download = Some((file_name, hex::encode(&bytes)));
        StatusCode::OK
    };
    Ok(html(status, p.show()))
}
