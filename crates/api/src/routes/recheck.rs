//! 复核 of a published self-evaluation table (`POST /api/v1/recheck`): the body is the file
//! itself (XLSX, CSV or JSON, at most [`MAX_RECHECK_BODY_BYTES`]), its name in `?file_name=`
//! (the extension picks the reader; without it the first bytes do), the profile and the
//! rounding in the query. The answer is the verdict of every table read and what could not be
//! read (file, sheet, cell). Nothing is read from or written to the log: the finance bureau
//! and the auditors re-check any unit's table.

use crate::auth::{Action, Auth};
use crate::config::MAX_RECHECK_BODY_BYTES;
use crate::error::{ApiError, FieldError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, post, web};
use jixiao_app::recheck::{ReadProblem, RecheckReport, SourcedVerdict};
use jixiao_domain::profile::{ScoreRounding, ScoringProfile};
use jixiao_domain::recheck::{
    ActualReading, ExecutionVerdict, Finding, LevelWeight, RowStatus, RowVerdict, Variant,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of a recheck.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecheckQuery {
    /// The file's name; its extension (xlsx, xls, ods, csv, json) picks the reader.
    pub file_name: Option<String>,
    /// Scoring profile (mof-2020 by default, henan-2024).
    pub profile: Option<String>,
    /// Rounding of rule scores: cents (default, the rule), tenths or integer.
    pub rounding: Option<String>,
}

/// How a row compares with the rule: `agrees`, `differs`, `unchecked`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatusBody {
    /// The printed score equals the rule's.
    Agrees,
    /// It differs.
    Differs,
    /// The rule cannot score it (an assessor's grade, an unreadable cell).
    Unchecked,
}

impl From<RowStatus> for RowStatusBody {
    fn from(s: RowStatus) -> Self {
        match s {
            RowStatus::Agrees => RowStatusBody::Agrees,
            RowStatus::Differs => RowStatusBody::Differs,
            RowStatus::Unchecked => RowStatusBody::Unchecked,
        }
    }
}

/// A variant that explains a difference: its code and its Chinese wording.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VariantBody {
    /// `integer_rounding`, `integer_floor`, `one_decimal_rounding`, `one_decimal_truncation`,
    /// `cents_rounding`, `band_rule`, `weight_times_actual_percent`, `rate_rounded_first`,
    /// `discretionary_deduction`, `above_weight`, `unexplained`.
    pub code: String,
    /// The reason in Chinese.
    pub message: String,
}

fn code_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn variants(v: &[Variant]) -> Vec<VariantBody> {
    v.iter()
        .map(|v| VariantBody {
            code: code_of(v),
            message: v.message_zh().to_string(),
        })
        .collect()
}

/// How a 实际完成值 was read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActualBody {
    /// `number`, `bound` (flagged: "≥90%"), `same_as_target`, `achieved`, `not_achieved`,
    /// `time`, `not_applicable`, `missing`, `unreadable`.
    pub kind: String,
    /// The number of a `number` or a `bound`.
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    /// Its unit ("%", "人").
    pub unit: Option<String>,
}

impl From<&ActualReading> for ActualBody {
    fn from(a: &ActualReading) -> Self {
        let (value, unit) = match a {
            ActualReading::Number { value, unit } | ActualReading::Bound { value, unit, .. } => {
                (Some(*value), Some(unit.clone()))
            }
            _ => (None, None),
        };
        ActualBody {
            kind: code_of(a),
            value,
            unit,
        }
    }
}

/// The verdict on one indicator row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowVerdictBody {
    /// 一级指标 as printed.
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值 (as printed, or read from the name).
    pub target: String,
    /// 实际完成值 as printed.
    pub actual_text: String,
    /// How it was read.
    pub actual: ActualBody,
    /// 分值 as printed.
    #[schema(value_type = Option<String>)]
    pub weight: Option<Decimal>,
    /// 得分 as printed.
    #[schema(value_type = Option<String>)]
    pub published_score: Option<Decimal>,
    /// The rule's score before rounding.
    #[schema(value_type = Option<String>)]
    pub rule_score_unrounded: Option<Decimal>,
    /// The rule's score, rounded.
    #[schema(value_type = Option<String>)]
    pub rule_score: Option<Decimal>,
    /// Whether the rule counts the target as met.
    pub met: Option<bool>,
    /// The comparison.
    pub status: RowStatusBody,
    /// What explains a difference.
    pub variants: Vec<VariantBody>,
    /// Notes in Chinese.
    pub notes: Vec<String>,
    /// Where the row was read ("Sheet1!A12").
    pub location: Option<String>,
}

impl From<&RowVerdict> for RowVerdictBody {
    fn from(r: &RowVerdict) -> Self {
        RowVerdictBody {
            level1: r.level1.clone(),
            level2: r.level2.clone(),
            name: r.name.clone(),
            target: r.target_text.clone(),
            actual_text: r.actual_text.clone(),
            actual: (&r.actual).into(),
            weight: r.weight,
            published_score: r.published_score,
            rule_score_unrounded: r.rule_score_unrounded,
            rule_score: r.rule_score,
            met: r.met,
            status: r.status.into(),
            variants: variants(&r.variants),
            notes: r.notes.clone(),
            location: r.location.clone(),
        }
    }
}

/// The verdict on the 预算执行率 row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExecutionVerdictBody {
    /// The row scored ("年度资金总额").
    pub label: String,
    /// 全年预算数 used.
    #[schema(value_type = Option<String>)]
    pub adjusted: Option<Decimal>,
    /// 全年执行数 used.
    #[schema(value_type = Option<String>)]
    pub executed: Option<Decimal>,
    /// 分值 used.
    #[schema(value_type = String)]
    pub weight: Decimal,
    /// 执行率 as printed (%).
    #[schema(value_type = Option<String>)]
    pub published_rate_percent: Option<Decimal>,
    /// 执行率 before rounding (%).
    #[schema(value_type = Option<String>)]
    pub rate_percent_unrounded: Option<Decimal>,
    /// 执行率 rounded to 0.01 (%).
    #[schema(value_type = Option<String>)]
    pub rate_percent: Option<Decimal>,
    /// 得分 as printed.
    #[schema(value_type = Option<String>)]
    pub published_score: Option<Decimal>,
    /// min(rate, 1) × 分值 before rounding.
    #[schema(value_type = Option<String>)]
    pub rule_score_unrounded: Option<Decimal>,
    /// The same rounded once.
    #[schema(value_type = Option<String>)]
    pub rule_score: Option<Decimal>,
    /// The comparison.
    pub status: RowStatusBody,
    /// What explains a difference.
    pub variants: Vec<VariantBody>,
    /// The printed rate does not follow from the amounts.
    pub rate_differs: bool,
    /// Notes in Chinese.
    pub notes: Vec<String>,
}

impl From<&ExecutionVerdict> for ExecutionVerdictBody {
    fn from(e: &ExecutionVerdict) -> Self {
        ExecutionVerdictBody {
            label: e.label.clone(),
            adjusted: e.adjusted,
            executed: e.executed,
            weight: e.weight,
            published_rate_percent: e.published_rate_percent,
            rate_percent_unrounded: e.rate_percent_unrounded,
            rate_percent: e.rate_percent,
            published_score: e.published_score,
            rule_score_unrounded: e.rule_score_unrounded,
            rule_score: e.rule_score,
            status: e.status.into(),
            variants: variants(&e.variants),
            rate_differs: e.rate_differs,
            notes: e.notes.clone(),
        }
    }
}

/// Σ分值 of one 一级 beside the profile's weight.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelWeightBody {
    /// 一级 ("预算执行率" for the execution row).
    pub level1: String,
    /// Σ分值 in the table.
    #[schema(value_type = String)]
    pub weight: Decimal,
    /// The profile's weight.
    #[schema(value_type = Option<String>)]
    pub profile_weight: Option<Decimal>,
}

impl From<&LevelWeight> for LevelWeightBody {
    fn from(l: &LevelWeight) -> Self {
        LevelWeightBody {
            level1: l.level1.clone(),
            weight: l.weight,
            profile_weight: l.profile_weight,
        }
    }
}

/// A finding about the whole table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingBody {
    /// `weights_not_hundred`, `level_weights_differ`, `scores_do_not_add_up`,
    /// `total_missing`, `execution_row_empty`, `execution_row_zero`, `grade_does_not_follow`,
    /// `total_differs`, `no_indicators`.
    pub code: String,
    /// The finding in Chinese.
    pub message: String,
    /// A notice leaves the table clean.
    pub notice: bool,
}

impl From<&Finding> for FindingBody {
    fn from(f: &Finding) -> Self {
        FindingBody {
            code: code_of(f),
            message: f.message_zh(),
            notice: f.is_notice(),
        }
    }
}

/// The verdict on one table and where it was read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TableVerdictBody {
    /// The file's name.
    pub file: String,
    /// The sheet (a workbook).
    pub sheet: Option<String>,
    /// The table's first row (1-based).
    pub first_row: Option<usize>,
    /// 项目名称.
    pub name: String,
    /// `cents`, `tenths` or `integer`.
    pub rounding: String,
    /// The 预算执行率 row.
    pub execution: ExecutionVerdictBody,
    /// The indicator rows.
    pub rows: Vec<RowVerdictBody>,
    /// Σ分值.
    #[schema(value_type = String)]
    pub weight_sum: Decimal,
    /// Σ分值 per 一级.
    pub level_weights: Vec<LevelWeightBody>,
    /// Σ得分 as printed.
    #[schema(value_type = String)]
    pub published_score_sum: Decimal,
    /// The printed total.
    #[schema(value_type = Option<String>)]
    pub published_total: Option<Decimal>,
    /// The printed grade.
    pub published_grade: Option<String>,
    /// The rule's total.
    #[schema(value_type = String)]
    pub rule_total: Decimal,
    /// The grade of the rule's total (优, 良, 中, 差).
    pub rule_grade: String,
    /// Table-level findings.
    pub findings: Vec<FindingBody>,
    /// Rows that differ (the execution row included).
    pub rows_differing: usize,
    /// Rows the rule cannot score.
    pub rows_unchecked: usize,
    /// No row differs and no finding but notices.
    pub clean: bool,
}

impl From<&SourcedVerdict> for TableVerdictBody {
    fn from(s: &SourcedVerdict) -> Self {
        let v = &s.verdict;
        TableVerdictBody {
            file: s.file.clone(),
            sheet: s.sheet.clone(),
            first_row: s.first_row,
            name: v.name.clone(),
            rounding: v.rounding.as_str().to_string(),
            execution: (&v.execution).into(),
            rows: v.rows.iter().map(Into::into).collect(),
            weight_sum: v.weight_sum,
            level_weights: v.level_weights.iter().map(Into::into).collect(),
            published_score_sum: v.published_score_sum,
            published_total: v.published_total,
            published_grade: v.published_grade.clone(),
            rule_total: v.rule_total,
            rule_grade: v.rule_grade.name_zh().to_string(),
            findings: v.findings.iter().map(Into::into).collect(),
            rows_differing: v.rows_differing,
            rows_unchecked: v.rows_unchecked,
            clean: v.clean,
        }
    }
}

/// Something that could not be read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadProblemBody {
    /// The file.
    pub file: String,
    /// The sheet.
    pub sheet: Option<String>,
    /// The cell in A1 notation (or a JSON line and column).
    pub cell: Option<String>,
    /// Why, in Chinese.
    pub message: String,
}

impl From<&ReadProblem> for ReadProblemBody {
    fn from(p: &ReadProblem) -> Self {
        ReadProblemBody {
            file: p.file.clone(),
            sheet: p.sheet.clone(),
            cell: p.cell.clone(),
            message: p.message.clone(),
        }
    }
}

/// The 复核 of an uploaded file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecheckBody {
    /// Profile id used.
    pub profile_id: String,
    /// One verdict per table read.
    pub tables: Vec<TableVerdictBody>,
    /// What could not be read.
    pub problems: Vec<ReadProblemBody>,
}

impl From<&RecheckReport> for RecheckBody {
    fn from(r: &RecheckReport) -> Self {
        RecheckBody {
            profile_id: r.profile_id.clone(),
            tables: r.tables.iter().map(Into::into).collect(),
            problems: r.problems.iter().map(Into::into).collect(),
        }
    }
}

/// The profile a query names, with its rounding.
fn profile_of(query: &RecheckQuery) -> Result<ScoringProfile, ApiError> {
    let id = query
        .profile
        .as_deref()
        .unwrap_or(ScoringProfile::DEFAULT_ID);
    let bad = |field: &str, zh: String, en: &str| {
        ApiError::bad_request(
            "invalid_query",
            format!("参数“{field}”有误：{zh}"),
            vec![FieldError::new(field, zh, en)],
        )
    };
    let mut profile = ScoringProfile::builtin(id)
        .map_err(|e| bad("profile", e.to_string(), "unknown profile"))?;
    if let Some(r) = &query.rounding {
        profile.score_rounding = ScoreRounding::parse(r).ok_or_else(|| {
            bad(
                "rounding",
                format!("取舍方式应为 cents、tenths 或 integer，而不是“{r}”"),
                "unknown rounding",
            )
        })?;
    }
    Ok(profile)
}

/// Re-check the self-evaluation tables of an uploaded file against the rules. Answers 200
/// with a verdict per table and the cells that could not be read; 422 when no table could be
/// read at all (the problems are listed).
#[utoipa::path(tag = "recheck", security(("bearer" = [])), params(RecheckQuery),
    request_body(content = Vec<u8>, description = "the file: XLSX (one table per sheet or several per sheet), CSV or JSON (docs/recheck.md), at most 8 MiB", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "the verdict", body = RecheckBody),
        (status = 400, description = "unknown profile or rounding", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "only the finance bureau and auditors re-check", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "over 8 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "no table could be read", body = Problem, content_type = "application/problem+json")))]
#[post("/api/v1/recheck", wrap = "Permit(Action::RecheckTables)")]
pub async fn recheck_upload(
    req: HttpRequest,
    auth: Auth,
    payload: web::Payload,
    _state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let instance = req.path().to_string();
    auth.0
        .require(Action::RecheckTables)
        .map_err(|e| ApiError::from(e).with_instance(&instance))?;
    // The query is read after the role check: a refused caller learns nothing of its input.
    let query = web::Query::<RecheckQuery>::from_query(req.query_string())
        .map_err(|e| {
            ApiError::bad_request("invalid_query", format!("查询参数有误：{e}"), Vec::new())
                .with_instance(&instance)
        })?
        .into_inner();
    let profile = profile_of(&query).map_err(|e| e.with_instance(&instance))?;
    let bytes = match payload.to_bytes_limited(MAX_RECHECK_BODY_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(ApiError::internal(e)),
        Err(_) => {
            return Err(ApiError::too_large(format!(
                "文件超过 {MAX_RECHECK_BODY_BYTES} 字节 (file too large)"
            ))
            .with_instance(&instance));
        }
    };
    let name = query.file_name.unwrap_or_else(|| "upload".to_string());
    let report = web::block(move || {
        jixiao_app::recheck::recheck_files([(name.as_str(), bytes.as_ref())], &profile)
    })
    .await
    .map_err(ApiError::internal)?;
    if report.tables.is_empty() {
        let errors = report
            .problems
            .iter()
            .map(|p| {
                jixiao_app::FieldError::new(
                    p.cell.clone().unwrap_or_else(|| "body".to_string()),
                    p.to_string(),
                    "cannot be read",
                )
                .into()
            })
            .collect();
        return Err(ApiError::unprocessable(
            "no_table_read",
            "文件中没有可复核的项目支出绩效自评表 (no table could be read)",
            errors,
        )
        .with_instance(&instance));
    }
    Ok(HttpResponse::Ok().json(RecheckBody::from(&report)))
}
