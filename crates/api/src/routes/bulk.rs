//! `POST /api/v1/years/{year}/bulk`: an operator loads many units' commands of one fiscal year
//! through the running server in one batch (`App::bulk_load`) — a province's ledgers without a
//! staff account per unit. The body is NDJSON, one command a line:
//! `{"unit":"800001","event_id":"…","command":"record_payment","data":{…}}` (the command's
//! `command`/`data` are the domain's `Command` as JSON). The whole batch is read and checked
//! before anything is written: a line that cannot be read is a 400 naming it, a command the
//! rules refuse a 422 naming its line and unit, and then nothing is written; a command whose
//! event id is already recorded is skipped, so a retried batch writes nothing twice. The answer
//! holds counts and log positions only (the admin reads no unit figures: docs/security.md).

use crate::auth::{Action, Auth};
use crate::error::{ApiError, FieldError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use crate::telemetry::RequestId;
use actix_web::{HttpRequest, HttpResponse, post, web};
use jixiao_app::bulk::{BulkItem, MAX_BULK_ITEMS};
use jixiao_app::{Actor, Item};
use jixiao_domain::aggregate::Command;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Largest bulk body, in bytes (50,000 commands of a few hundred bytes each).
pub const MAX_BULK_BODY_BYTES: usize = 32 * 1024 * 1024;

/// What a bulk batch wrote: counts and positions only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    /// Fiscal year.
    pub fiscal_year: i32,
    /// Units in the batch.
    pub units: usize,
    /// Commands in the batch.
    pub items: usize,
    /// Commands already recorded before (skipped).
    pub replayed: usize,
    /// Events appended.
    pub events: usize,
    /// Lowest log position written (absent: nothing written).
    pub first_position: Option<u64>,
    /// Highest log position written.
    pub last_position: Option<u64>,
}

fn line_problem(line: usize, zh: String, en: String) -> ApiError {
    ApiError::bad_request(
        "invalid_body",
        format!("第 {line} 行无法读取：{zh} (unreadable line)"),
        vec![FieldError {
            field: format!("line {line}"),
            message_zh: zh,
            message_en: en,
        }],
    )
}

/// Checks every amount of a line's command (each field named `…_yuan`, at any depth of its
/// `data`) with the API's one strict reader of amounts ([`crate::strict::amount_named`]: a
/// JSON string written plainly, at most two decimals; `null` where the field is optional), as
/// the single-command routes do: "1e3", "+100", ".5", "00100" or a JSON number are refused
/// (422) naming the line and the field, before the command is read.
fn check_amounts(line: usize, value: &serde_json::Value, path: &str) -> Result<(), ApiError> {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, v) in fields {
                let at = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                if name.ends_with("_yuan") && !v.is_null() {
                    if let Err(e) = crate::strict::amount_named(name, v) {
                        let message = e.to_string();
                        // The strict reader's message names the field itself; keep its reason.
                        let reason = message
                            .strip_prefix(&format!("field `{name}`: "))
                            .unwrap_or(&message)
                            .to_string();
                        return Err(ApiError::unprocessable(
                            "invalid_body",
                            format!("第 {line} 行 {at}：{reason} (invalid amount)"),
                            vec![FieldError {
                                field: format!("line {line}.{at}"),
                                message_zh: reason.clone(),
                                message_en: "amount must be a JSON string written plainly, at most two decimals, e.g. \"100.50\"".into(),
                            }],
                        ));
                    }
                } else {
                    check_amounts(line, v, &at)?;
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_amounts(line, v, &format!("{path}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The commands a bulk line may name (`command`), as the domain's `Command` spells them: the
/// spec's enum of the field (`crate::contract`), checked against the domain by a test.
pub const BULK_COMMANDS: &[&str] = &[
    "approve_budget",
    "record_carry_over",
    "approve_targets",
    "request_budget_adjustment",
    "decide_budget_adjustment",
    "request_target_adjustment",
    "decide_target_adjustment",
    "record_payment",
    "reverse_payment",
    "hold_activity",
    "correct_activity",
    "withdraw_activity",
    "record_survey",
    "assess_indicator",
    "record_procurement",
    "file_monitoring_report",
    "explain_deviation",
    "submit_self_evaluation",
    "return_self_evaluation",
    "approve_self_evaluation",
    "close_year",
    "reopen_year",
    "attach_evidence",
];

/// Longest unit code in characters (as the unit path parameter).
const UNIT_CHARS_MAX: usize = 64;

/// Reads one non-blank line: its shape (an object with `unit`, `event_id`, a known `command`
/// and an object `data`) is a 400 when wrong — what the spec's schema rules out — and a
/// `data` that is not the command's is a 422 naming the line, as a per-command route's body.
fn read_line(line: usize, raw: &str) -> Result<BulkItem, ApiError> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| line_problem(line, e.to_string(), e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Err(line_problem(
            line,
            "每行应为一个 JSON 对象".into(),
            "a line must be a JSON object".into(),
        ));
    };
    let unit = match object.get("unit").and_then(serde_json::Value::as_str) {
        Some(u)
            if !u.is_empty()
                && u.chars().count() <= UNIT_CHARS_MAX
                && !u.chars().any(char::is_control) =>
        {
            u.to_string()
        }
        _ => {
            return Err(line_problem(
                line,
                format!("单位代码 unit 应为 1 至 {UNIT_CHARS_MAX} 个字符的文本，不含控制字符"),
                "unit must be 1 to 64 characters without control characters".into(),
            ));
        }
    };
    let event_id = object
        .get("event_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|t| Uuid::parse_str(t).ok())
        .ok_or_else(|| {
            line_problem(
                line,
                "event_id 应为 UUID".into(),
                "event_id must be a UUID".into(),
            )
        })?;
    let name = object
        .get("command")
        .and_then(serde_json::Value::as_str)
        .filter(|c| BULK_COMMANDS.contains(c))
        .ok_or_else(|| {
            line_problem(
                line,
                "command 不是已知的命令".into(),
                "command is not a known command".into(),
            )
        })?;
    let Some(data) = object.get("data").filter(|d| d.is_object()) else {
        return Err(line_problem(
            line,
            "data 应为 JSON 对象".into(),
            "data must be a JSON object".into(),
        ));
    };
    check_amounts(line, data, "")?;
    let command: Command = serde_json::from_value(
        serde_json::json!({"command": name, "data": data}),
    )
    .map_err(|e| {
        ApiError::unprocessable(
            "invalid_command",
            format!("第 {line} 行的 {name} 命令内容无效：{e} (invalid command data)"),
            vec![FieldError {
                field: format!("line {line}"),
                message_zh: format!("{name} 命令内容无效：{e}"),
                message_en: e.to_string(),
            }],
        )
    })?;
    Ok(BulkItem {
        unit,
        item: Item::new(event_id, command),
        line,
    })
}

/// Reads the NDJSON body (blank lines skipped); the first unreadable line is the error, and a
/// body without a command is a 400.
fn read_lines(body: &[u8]) -> Result<Vec<BulkItem>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::bad_request(
            "invalid_body",
            "请求体不是 UTF-8 文本 (body is not UTF-8)",
            vec![],
        )
    })?;
    let mut items = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if items.len() == MAX_BULK_ITEMS {
            return Err(ApiError::bad_request(
                "bulk_too_large",
                format!("一批最多 {MAX_BULK_ITEMS} 条命令 (batch too large)"),
                vec![FieldError {
                    field: format!("line {line}"),
                    message_zh: format!("一批最多 {MAX_BULK_ITEMS} 条命令"),
                    message_en: "batch too large".into(),
                }],
            ));
        }
        items.push(read_line(line, raw)?);
    }
    if items.is_empty() {
        return Err(ApiError::bad_request(
            "empty_bulk",
            "请求体中没有命令 (the batch holds no command)",
            vec![FieldError {
                field: "body".into(),
                message_zh: "至少需要一行命令".into(),
                message_en: "at least one line is required".into(),
            }],
        ));
    }
    Ok(items)
}

/// Load many units' commands of one year in one batch (NDJSON, one command a line), all or
/// nothing; commands already recorded (same event id) are skipped. For operators: answers
/// counts and log positions only.
#[utoipa::path(tag = "writes", security(("bearer" = [])),
    params(("year" = String, Path, description = "fiscal year, four digits", pattern = "^[0-9]{4}$")),
    request_body(content = String, description = "NDJSON: one `{\"unit\", \"event_id\", \"command\", \"data\"}` a line, at most 50,000 lines and 32 MiB", content_type = "application/x-ndjson"),
    responses(
        (status = 200, description = "written (or already recorded)", body = BulkResult),
        (status = 400, description = "a line cannot be read, or the batch is too large", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "the role may not import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "over 32 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "commands the rules refuse, each with its line and unit; nothing written", body = Problem, content_type = "application/problem+json")))]
#[post("/api/v1/years/{year}/bulk", wrap = "Permit(Action::Import)")]
pub async fn bulk_load(
    req: HttpRequest,
    auth: Auth,
    request_id: RequestId,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let instance = req.path().to_string();
    auth.0
        .require(Action::Import)
        .map_err(|e| ApiError::from(e).with_instance(&instance))?;
    let year_text = req.match_info().get("year").unwrap_or_default();
    let year = jixiao_domain::input::parse_year(year_text).map_err(|e| {
        ApiError::bad_request(
            "invalid_path",
            format!("路径参数“year”无效：{e} (invalid path parameter year)"),
            vec![FieldError {
                field: "year".into(),
                message_zh: e.to_string(),
                message_en: "must be four digits".into(),
            }],
        )
        .with_instance(&instance)
    })?;
    let bytes = match payload.to_bytes_limited(MAX_BULK_BODY_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(ApiError::internal(e)),
        Err(_) => {
            return Err(ApiError::from(jixiao_app::AppError::too_large(format!(
                "批量导入请求体超过 {} MiB (bulk body too large)",
                MAX_BULK_BODY_BYTES >> 20
            )))
            .with_instance(&instance));
        }
    };
    let actor = Actor {
        name: auth.0.sub.clone(),
        request_id: request_id.0,
    };
    let app = state.app.clone();
    let loaded = web::block(move || {
        let items = read_lines(&bytes)?;
        let profile = app.profile(None).map_err(ApiError::internal)?;
        app.bulk_load(year, items, &actor, &profile)
            .map_err(|e| ApiError::from(jixiao_app::AppError::from(e)))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| e.with_instance(&instance))?;
    Ok(HttpResponse::Ok().json(BulkResult {
        fiscal_year: year,
        units: loaded.units,
        items: loaded.items,
        replayed: loaded.replayed,
        events: loaded.events,
        first_position: loaded.first_position,
        last_position: loaded.last_position,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_its_unit_event_id_and_command_and_blank_lines_keep_their_numbers() {
        let command = Command::RecordPayment(jixiao_domain::aggregate::RecordPayment {
            payment_id: Uuid::from_u128(7),
            paid_on: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            line_id: jixiao_domain::budget::LineId("B-30201".into()),
            economic_code: None,
            function_code: None,
            project_code: None,
            amount_yuan: jixiao_domain::money::Yuan::new(rust_decimal::Decimal::new(1050, 2))
                .unwrap(),
            voucher_no: None,
            summary: "办公用品".into(),
        });
        let mut line = serde_json::to_value(&command).unwrap();
        line["unit"] = "800001".into();
        line["event_id"] = Uuid::from_u128(9).to_string().into();
        let body = format!("{line}\n\n{line}\n");
        let items = read_lines(body.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].unit, "800001");
        assert_eq!(items[0].item.event_id, Uuid::from_u128(9));
        assert_eq!(items[0].item.command, command);
        assert_eq!(items[1].line, 3);
    }

    fn payment_line(amount: serde_json::Value) -> String {
        format!(
            "{{\"unit\":\"800001\",\"event_id\":\"{}\",\"command\":\"record_payment\",\"data\":{{\"payment_id\":\"{}\",\"paid_on\":\"2024-03-01\",\"line_id\":\"B-30201\",\"amount_yuan\":{amount},\"summary\":\"办公用品\"}}}}\n",
            Uuid::from_u128(9),
            Uuid::from_u128(7)
        )
    }

    #[test]
    fn amounts_are_read_strictly_and_a_bad_one_is_refused_naming_its_line_and_field() {
        let good = payment_line("\"100.50\"".parse().unwrap());
        let items = read_lines(good.as_bytes()).unwrap();
        assert_eq!(items.len(), 1);
        for bad in [
            "\"1e3\"",
            "\"+100\"",
            "\".5\"",
            "\"00100\"",
            "\"1.234\"",
            "100",
            "1.5",
        ] {
            let body = format!("\n{}", payment_line(bad.parse().unwrap()));
            let e = read_lines(body.as_bytes()).unwrap_err();
            assert_eq!(
                e.status(),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}"
            );
            let p = e.problem();
            assert_eq!(p.errors[0].field, "line 2.amount_yuan", "{bad}");
            assert!(p.detail.contains("第 2 行"), "{bad}: {}", p.detail);
        }
    }

    #[test]
    fn nested_amounts_name_their_path() {
        let body = "{\"unit\":\"800001\",\"event_id\":\"00000000-0000-0000-0000-000000000009\",\"command\":\"approve_budget\",\"data\":{\"lines\":[{\"initial_yuan\":\"10\"},{\"initial_yuan\":\"+5\"}]}}\n";
        let e = read_lines(body.as_bytes()).unwrap_err();
        assert_eq!(e.problem().errors[0].field, "line 1.lines[1].initial_yuan");
    }

    #[test]
    fn an_unreadable_line_is_a_bad_request_naming_it() {
        let body = b"{\"unit\":\"800001\",\"event_id\":\"not-a-uuid\",\"command\":\"record_payment\",\"data\":{}}\n";
        let e = read_lines(body).unwrap_err();
        assert_eq!(e.problem().errors[0].field, "line 1");
        let e = read_lines(b"\n\n{\"unit\":\"\"}\n").unwrap_err();
        assert_eq!(e.problem().errors[0].field, "line 3");
        for bad in [
            "[1]",
            "{\"unit\":\"800001\",\"event_id\":\"00000000-0000-0000-0000-000000000009\",\"command\":\"fly\",\"data\":{}}",
            "{\"unit\":\"800001\",\"event_id\":\"00000000-0000-0000-0000-000000000009\",\"command\":\"record_payment\",\"data\":5}",
        ] {
            let e = read_lines(bad.as_bytes()).unwrap_err();
            assert_eq!(
                e.status(),
                actix_web::http::StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_empty_batch_is_a_bad_request_and_data_not_the_commands_is_unprocessable() {
        for body in ["", "\n  \n"] {
            let e = read_lines(body.as_bytes()).unwrap_err();
            assert_eq!(e.status(), actix_web::http::StatusCode::BAD_REQUEST);
            assert_eq!(e.problem().errors[0].field, "body");
        }
        let body = "{\"unit\":\"800001\",\"event_id\":\"00000000-0000-0000-0000-000000000009\",\"command\":\"record_payment\",\"data\":{}}";
        let e = read_lines(body.as_bytes()).unwrap_err();
        assert_eq!(
            e.status(),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(e.problem().errors[0].field, "line 1");
    }

    #[test]
    fn every_bulk_command_name_is_a_command_of_the_domain() {
        for name in BULK_COMMANDS {
            let e =
                serde_json::from_value::<Command>(serde_json::json!({"command": name, "data": {}}))
                    .unwrap_err()
                    .to_string();
            assert!(!e.contains("unknown variant"), "{name}: {e}");
        }
        let e =
            serde_json::from_value::<Command>(serde_json::json!({"command": "fly", "data": {}}))
                .unwrap_err()
                .to_string();
        assert!(e.contains("unknown variant"), "{e}");
        // As many names as the domain has commands: its error lists them all.
        let listed = e.matches('`').count() / 2 - 1;
        assert_eq!(listed, BULK_COMMANDS.len(), "{e}");
    }
}
