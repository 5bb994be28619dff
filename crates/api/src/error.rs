//! RFC 9457 problem details: every error the API returns is `application/problem+json` with a
//! type, title, status, detail, the offending fields (Chinese and English messages) and, for
//! version conflicts, the stream's current version. Extractor errors (bad JSON, bad path or
//! query) are mapped here too, so no client ever sees actix's plain-text errors.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

impl From<jixiao_app::FieldError> for FieldError {
    fn from(e: jixiao_app::FieldError) -> Self {
        FieldError {
            field: e.field,
            message_zh: e.message_zh,
            message_en: e.message_en,
        }
    }
}

impl From<jixiao_app::AppError> for ApiError {
    /// The application's kinds as HTTP statuses: invalid 400, rejected 422, not found 404,
    /// conflicts 409 (with the current version), too large 413, unavailable 503, internal 500.
    fn from(e: jixiao_app::AppError) -> Self {
        use jixiao_app::ErrorKind;
        let status = match e.kind {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            errors: e.errors.into_iter().map(FieldError::from).collect(),
            current_version: e.current_version,
            ..ApiError::new(status, e.code, e.detail)
        }
    }
}

/// Media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field a request got wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON field (or path / query parameter) name, e.g. `amount_yuan`.
    pub field: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

/// The body of every error response (RFC 9457).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:jixiao:problem:<code>`).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened here, in Chinese with a short English gloss.
    pub detail: String,
    /// The request path, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable machine-readable code (e.g. `payment_outside_year`, `version_conflict`).
    pub code: String,
    /// The fields at fault.
    pub errors: Vec<FieldError>,
    /// For 409: the stream's current version (send it as `If-Match: "<version>"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

/// An error of a handler, mapped to a status and a problem body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    detail: String,
    errors: Vec<FieldError>,
    current_version: Option<u64>,
    instance: Option<String>,
    /// For 405: the methods the route answers to (the `Allow` header), one bit per entry of
    /// [`METHODS`] (a mask keeps the error small).
    allow: u8,
    /// For 429: seconds until the client may try again (the `Retry-After` header); 0: none.
    /// A `u32` in the padding after `allow` keeps the error within clippy's size for `Err`.
    retry_after_seconds: u32,
}

/// The methods a route may answer to, in the order `Allow` lists them.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            current_version: None,
            instance: None,
            allow: 0,
            retry_after_seconds: 0,
        }
    }

    /// An error with this status, code and detail (statuses without a constructor of their
    /// own, such as the 431 and 408 of [`crate::http1`]).
    pub(crate) fn with_status(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiError::new(status, code, detail)
    }

    /// 400: the request cannot be read (syntax, bad parameter).
    pub fn bad_request(code: &str, detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..ApiError::new(StatusCode::BAD_REQUEST, code, detail)
        }
    }

    /// 422: the request is readable but its content breaks a rule.
    pub fn unprocessable(code: &str, detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
        }
    }

    /// 422 naming one field.
    pub fn field(
        field: &str,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        let zh = message_zh.into();
        ApiError::unprocessable(
            "invalid_field",
            format!("字段“{field}”有误：{zh}"),
            vec![FieldError::new(field, zh, message_en)],
        )
    }

    /// 401: no valid token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", detail)
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 405: the route exists but not with this method; `allowed` are the methods it takes
    /// (names outside [`METHODS`] are ignored).
    pub fn method_not_allowed(detail: impl Into<String>, allowed: &[&str]) -> Self {
        let allow = METHODS
            .iter()
            .enumerate()
            .filter(|(_, m)| allowed.contains(m))
            .fold(0u8, |mask, (i, _)| mask | (1 << i));
        ApiError {
            allow,
            ..ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail)
        }
    }

    /// The `Allow` header value of a 405 (empty otherwise).
    pub fn allow(&self) -> String {
        METHODS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.allow & (1 << i) != 0)
            .map(|(_, m)| *m)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// 409 with the stream's current version.
    pub fn version_conflict(expected: impl fmt::Display, current: u64) -> Self {
        ApiError {
            current_version: Some(current),
            ..ApiError::new(
                StatusCode::CONFLICT,
                "version_conflict",
                format!(
                    "版本冲突：请求基于版本 {expected}，当前版本为 {current}，请刷新后重试 (version conflict)"
                ),
            )
        }
    }

    /// 409 for anything else that conflicts with stored state.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, code, detail)
    }

    /// 429 with `Retry-After`: too many attempts (sign-in throttling).
    pub fn too_many_requests(detail: impl Into<String>, retry_after_seconds: u64) -> Self {
        ApiError {
            retry_after_seconds: u32::try_from(retry_after_seconds.max(1)).unwrap_or(u32::MAX),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", detail)
        }
    }

    /// 408: the request body stalled or came too slowly (the connection is closed after it).
    pub fn request_timeout() -> Self {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "请求体发送超时，连接将关闭 (request body timed out)",
        )
    }

    /// An error reading the request body: 408 when it timed out, else 400.
    pub fn payload(e: &actix_web::error::PayloadError) -> Self {
        if crate::guard::is_body_timeout(e) {
            return ApiError::request_timeout();
        }
        ApiError::bad_request(
            "unreadable_body",
            format!("无法读取请求体：{e} (cannot read body)"),
            vec![FieldError::new("body", "无法读取请求体", e.to_string())],
        )
    }

    /// 413.
    pub fn too_large(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail)
    }

    /// 503: a dependency (the database) is not available.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    /// 500: the cause is logged, the client sees an opaque message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，已记录 (internal server error)",
        )
    }

    /// Sets the `instance` (the request path).
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:jixiao:problem:{}", self.code),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            instance: self.instance.clone(),
            code: self.code.clone(),
            errors: self.errors.clone(),
            current_version: self.current_version,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            ));
        }
        if self.allow != 0
            && let Ok(value) = HeaderValue::from_str(&self.allow())
        {
            res.insert_header((header::ALLOW, value));
        }
        if self.retry_after_seconds > 0 {
            res.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from(self.retry_after_seconds),
            ));
        }
        if let Some(v) = self.current_version
            && let Ok(etag) = HeaderValue::from_str(&format!("\"{v}\""))
        {
            res.insert_header((header::ETAG, etag));
        }
        // Serialising plain strings and numbers cannot fail; fall back to an empty object.
        res.body(serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".to_string()))
    }
}

/// The field named in a serde message ("missing field `x`", "unknown field `x`", "duplicate
/// field `x`", or a strict reader's "field `x`: …" from [`crate::strict`]), if any. Other messages quote the offending value ("invalid value: integer
/// `4294967296`"), which is not a field name.
fn field_of_serde_message(message: &str) -> Option<String> {
    const NAMING_A_FIELD: [&str; 4] = [
        "missing field `",
        "unknown field `",
        "duplicate field `",
        "field `",
    ];
    if !NAMING_A_FIELD.iter().any(|p| message.contains(p)) {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

/// Maps a JSON body error to a problem: too large → 413, wrong content type → 415,
/// unreadable JSON → 400, readable JSON with wrong content → 422 naming the field.
pub fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let path = req.path().to_string();
    let api = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::too_large(format!(
            "请求体超过上限 {limit} 字节 (request body too large)"
        )),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 application/json (body must be application/json)",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let field = field_of_serde_message(&message).unwrap_or_else(|| "body".to_string());
            ApiError::unprocessable(
                "invalid_body",
                format!("请求内容有误：{message} (invalid request content)"),
                vec![FieldError::new(
                    field,
                    format!("内容无效：{message}"),
                    message.clone(),
                )],
            )
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            format!("请求体不是有效的 JSON：{e} (malformed JSON)"),
            vec![FieldError::new("body", "不是有效的 JSON", e.to_string())],
        ),
        JsonPayloadError::Payload(e) => ApiError::payload(e),
        other => ApiError::bad_request(
            "unreadable_body",
            format!("无法读取请求体：{other} (cannot read body)"),
            vec![FieldError::new("body", "无法读取请求体", other.to_string())],
        ),
    };
    api.with_instance(path).into()
}

/// Maps a path parameter error to a 400 problem.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    ApiError::bad_request(
        "invalid_path",
        format!("路径参数无效：{message} (invalid path parameter)"),
        vec![FieldError::new("path", "路径参数无效", message.clone())],
    )
    .with_instance(req.path())
    .into()
}

/// The typed query parameters of the API and what each must be; serde_urlencoded's errors
/// ("invalid digit found in string") do not say which parameter failed, so the handler finds
/// the first one whose value does not read as its type.
const TYPED_QUERY_PARAMETERS: [(&str, QueryType, &str); 8] = [
    ("after", QueryType::Position, "日志位置（非负整数）"),
    ("limit", QueryType::Count, "每页条数（正整数）"),
    ("offset", QueryType::Count, "跳过条数（非负整数）"),
    ("year", QueryType::Year, "年度（如 2024）"),
    ("as_of", QueryType::Date, "日期 YYYY-MM-DD"),
    ("from_date", QueryType::Date, "日期 YYYY-MM-DD"),
    ("to_date", QueryType::Date, "日期 YYYY-MM-DD"),
    ("event_id", QueryType::Uuid, "UUID"),
];

#[derive(Clone, Copy)]
enum QueryType {
    Position,
    Count,
    Year,
    Date,
    Uuid,
}

impl QueryType {
    fn reads(self, value: &str) -> bool {
        match self {
            QueryType::Position => value.parse::<u64>().is_ok(),
            QueryType::Count => value.parse::<usize>().is_ok(),
            QueryType::Year => value.parse::<i32>().is_ok(),
            QueryType::Date => value.parse::<chrono::NaiveDate>().is_ok(),
            QueryType::Uuid => value.parse::<uuid::Uuid>().is_ok(),
        }
    }
}

/// The first typed parameter of `query` whose value does not read, with what it should be.
fn unreadable_query_parameter(query: &str) -> Option<(&'static str, &'static str)> {
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
        .ok()?
        .into_inner();
    pairs.iter().find_map(|(key, value)| {
        TYPED_QUERY_PARAMETERS
            .iter()
            .find(|(name, ty, _)| name == key && !ty.reads(value))
            .map(|(name, _, expected)| (*name, *expected))
    })
}

/// Maps a query string error to a 400 problem naming the parameter.
pub fn query_error(err: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let message = err.to_string();
    let named = field_of_serde_message(&message);
    let (field, zh) = match (named, unreadable_query_parameter(req.query_string())) {
        (Some(field), _) => (field, "查询参数无效".to_string()),
        (None, Some((field, expected))) => (field.to_string(), format!("应为{expected}")),
        (None, None) => ("query".to_string(), "查询参数无效".to_string()),
    };
    ApiError::bad_request(
        "invalid_query",
        format!("查询参数“{field}”无效：{zh} (invalid query parameter {field}: {message})"),
        vec![FieldError::new(field, zh, message.clone())],
    )
    .with_instance(req.path())
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_carries_the_current_version_in_its_body() {
        let problem = ApiError::version_conflict(3, 5).problem();
        assert_eq!(problem.status, 409);
        assert_eq!(problem.current_version, Some(5));
        assert_eq!(problem.code, "version_conflict");
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_of_serde_message("missing field `paid_on` at line 1").as_deref(),
            Some("paid_on")
        );
        assert_eq!(field_of_serde_message("expected a string"), None);
        assert_eq!(
            field_of_serde_message("invalid value: integer `4294967296`, expected u32"),
            None
        );
    }
}
