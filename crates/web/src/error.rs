//! What a page can fail with, shown as a Chinese page with the right status: no session (to the
//! sign-in page), a missing or wrong CSRF token (403, nothing changed), a role or unit not
//! allowed (403), nothing there (404), or an internal failure (500, the cause logged only).
//! Form errors are not here: a form is re-rendered with each message beside its field.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use jixiao_app::auth::AuthError;
use jixiao_app::{AppError, ErrorKind};
use std::fmt;

/// A page that cannot be shown.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in, or the session expired: go to the sign-in page.
    SignIn,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// Signed in, but not allowed.
    Forbidden(String),
    /// Nothing there.
    NotFound(String),
    /// Refused by the application (shown with its Chinese detail).
    App(AppError),
    /// A bug or I/O failure; the cause is logged, not shown.
    Internal,
}

impl WebError {
    /// An internal failure; logs the cause.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(cause = %cause, "web page failed");
        WebError::Internal
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::SignIn => f.write_str("请先登录"),
            WebError::Csrf => f.write_str(
                "表单已失效或来源不明（缺少或错误的防伪令牌），未做任何更改。请返回页面刷新后重试。",
            ),
            WebError::Forbidden(m) | WebError::NotFound(m) => f.write_str(m),
            WebError::App(e) => f.write_str(&e.detail),
            WebError::Internal => f.write_str("服务器内部错误，请稍后重试或联系管理员。"),
        }
    }
}

impl From<AuthError> for WebError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized(_) => WebError::SignIn,
            AuthError::Forbidden(m) => WebError::Forbidden(m),
            AuthError::Internal(cause) => WebError::internal(cause),
        }
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e.kind {
            ErrorKind::NotFound => WebError::NotFound(e.detail),
            ErrorKind::Internal => WebError::internal(e.detail),
            _ => WebError::App(e),
        }
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        WebError::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn => StatusCode::SEE_OTHER,
            WebError::Csrf | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::App(e) => match e.kind {
                ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::Invalid => StatusCode::BAD_REQUEST,
                ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::SignIn = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/signin"))
                .finish();
        }
        let status = self.status_code();
        let title = match self {
            WebError::Csrf => "表单已失效",
            WebError::Forbidden(_) => "无权访问",
            WebError::NotFound(_) => "未找到",
            WebError::App(_) => "无法完成",
            _ => "出错了",
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: self.to_string(),
        };
        crate::pages::html(status, page.render())
    }
}
