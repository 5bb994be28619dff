//! What can go wrong in the application layer, independent of the transport: every front end
//! (HTTP, CLI, web pages) maps an [`AppError`] to its own form (a problem+json status, an exit
//! code, a message beside a form field). Messages are Chinese with a short English gloss; each
//! error has a stable `code` and, where a field is at fault, names it.

use jixiao_domain::aggregate::DomainError;
use jixiao_store::{AppendError, StoreError};
use std::fmt;

/// One field a request got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field (or parameter) name, e.g. `amount_yuan` or `items[3].line_id`.
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

/// The kinds of failure, which front ends map to their own status or exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read (syntax, a bad parameter): HTTP 400.
    Invalid,
    /// Readable, but its content breaks a rule: HTTP 422.
    Rejected,
    /// Nothing there (no budget for the unit-year, an unknown id): HTTP 404.
    NotFound,
    /// A version or idempotency conflict: HTTP 409.
    Conflict,
    /// Over a size limit: HTTP 413.
    TooLarge,
    /// Temporarily unable (read models behind the log): HTTP 503, retry.
    Unavailable,
    /// A bug or an I/O failure: HTTP 500; the cause is logged, not shown.
    Internal,
}

/// An application error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// The kind.
    pub kind: ErrorKind,
    /// Stable machine-readable code (e.g. `payment_outside_year`, `version_conflict`).
    pub code: String,
    /// What happened, in Chinese with a short English gloss.
    pub detail: String,
    /// The fields at fault.
    pub errors: Vec<FieldError>,
    /// For a version conflict: the stream's current version.
    pub current_version: Option<u64>,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.detail)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    fn new(kind: ErrorKind, code: &str, detail: impl Into<String>) -> Self {
        AppError {
            kind,
            code: code.to_string(),
            detail: detail.into(),
            errors: Vec::new(),
            current_version: None,
        }
    }

    /// 400-kind: unreadable input.
    pub fn invalid(code: &str, detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        AppError {
            errors,
            ..AppError::new(ErrorKind::Invalid, code, detail)
        }
    }

    /// 422-kind: a rule broken.
    pub fn rejected(code: &str, detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        AppError {
            errors,
            ..AppError::new(ErrorKind::Rejected, code, detail)
        }
    }

    /// 422-kind naming one field (code `invalid_field`).
    pub fn field(
        field: &str,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        let zh = message_zh.into();
        AppError::rejected(
            "invalid_field",
            format!("字段“{field}”有误：{zh}"),
            vec![FieldError::new(field, zh, message_en)],
        )
    }

    /// 404-kind.
    pub fn not_found(detail: impl Into<String>) -> Self {
        AppError::new(ErrorKind::NotFound, "not_found", detail)
    }

    /// 409-kind: the stream is not at the version the client expected.
    pub fn version_conflict(expected: impl fmt::Display, current: u64) -> Self {
        AppError {
            current_version: Some(current),
            ..AppError::new(
                ErrorKind::Conflict,
                "version_conflict",
                format!(
                    "版本冲突：请求基于版本 {expected}，当前版本为 {current}，请刷新后重试 (version conflict)"
                ),
            )
        }
    }

    /// 409-kind with another code.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        AppError::new(ErrorKind::Conflict, code, detail)
    }

    /// 413-kind.
    pub fn too_large(detail: impl Into<String>) -> Self {
        AppError::new(ErrorKind::TooLarge, "payload_too_large", detail)
    }

    /// 503-kind.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        AppError::new(ErrorKind::Unavailable, "unavailable", detail)
    }

    /// 500-kind; the cause is logged here and not shown to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "服务器内部错误，已记录 (internal server error)",
        )
    }

    /// A domain refusal as a rejected request naming its field, under `prefix` (`items[3]` in
    /// a batch, empty otherwise).
    pub fn domain(e: &DomainError, prefix: &str) -> Self {
        let field = e.field();
        let field = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        let message = e.to_string();
        AppError::rejected(
            e.code(),
            message.clone(),
            vec![FieldError::new(field, message, e.code())],
        )
    }
}

impl From<StoreError> for AppError {
    /// Limits are rejections, read models behind the log are temporary, anything else internal.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Limit { what, max } => AppError::rejected(
                "limit",
                format!("超出限制：{what} 最多 {max} (limit exceeded)"),
                vec![],
            ),
            // The events are safe in the log; the read models did not catch up in time.
            e @ StoreError::ReadModelsBehind { .. } => AppError::unavailable(e.to_string()),
            // The disk refused the write (full, read-only, I/O): nothing was written; the
            // client retries with the same event ids once the operator has fixed the disk.
            other => match other.storage_fault() {
                Some(fault) => {
                    tracing::error!(error = %other, "storage refused a write");
                    AppError::new(
                        ErrorKind::Unavailable,
                        fault.code(),
                        format!(
                            "{fault}：本次写入未保存，请稍后用相同的 event_id 重试 (nothing was written; retry later with the same event ids)"
                        ),
                    )
                }
                None => AppError::internal(other),
            },
        }
    }
}

impl AppError {
    /// An append failure; `if_match` is the version the client pinned, if any.
    pub fn append(e: AppendError, if_match: Option<u64>) -> Self {
        match e {
            AppendError::WrongVersion { current, expected } => match if_match {
                Some(v) => AppError::version_conflict(v, current),
                None => AppError::version_conflict(expected, current),
            },
            AppendError::IdempotencyConflict { event_id } => AppError::conflict(
                "idempotency_conflict",
                format!(
                    "事件编号 {event_id} 已用于不同的内容，请换用新的 event_id (event id reused with different content)"
                ),
            ),
            AppendError::BatchTooLarge { .. }
            | AppendError::PayloadTooLarge { .. }
            | AppendError::MetadataTooLong { .. } => AppError::too_large(e.to_string()),
            AppendError::DuplicateInBatch { event_id } => AppError::rejected(
                "duplicate_event_id",
                e.to_string(),
                vec![FieldError::new(
                    "event_id",
                    format!("事件编号 {event_id} 在同一请求中重复"),
                    "duplicate event id",
                )],
            ),
            AppendError::InvalidStream { .. }
            | AppendError::Undecodable { .. }
            | AppendError::EmptyBatch => AppError::rejected(
                "invalid_stream",
                e.to_string(),
                vec![FieldError::new("unit", e.to_string(), "invalid")],
            ),
            AppendError::Store(inner) => inner.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_store::StorageFault;

    #[test]
    fn a_write_the_disk_refused_is_a_503_naming_the_fault_not_an_internal_error() {
        let e = AppError::append(
            AppendError::Store(StoreError::StorageUnavailable {
                fault: StorageFault::Full,
                message: "database or disk is full".into(),
            }),
            None,
        );
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert_eq!(e.code, "storage_full");
        assert!(e.detail.contains("磁盘空间已满"), "{}", e.detail);
        assert!(e.detail.contains("event_id"), "{}", e.detail);
        let other = AppError::from(StoreError::CommitFailed("constraint".into()));
        assert_eq!(other.kind, ErrorKind::Internal);
    }
}
