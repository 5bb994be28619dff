//! Authentication and authorisation over HTTP: the [`Auth`] extractor that turns a request's
//! bearer token into verified [`Claims`] or a 401, and the mapping of [`AuthError`] into
//! problem+json (401/403).
//!
//! The role matrix (who may do what, [`Action`]), the claims and the HS256 keys live in
//! `jixiao_app::auth`, shared with the web pages, and are re-exported here: handlers name the
//! action, never a list of roles, so the matrix is in one place and tested as a whole.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::{Ready, ready};

pub use jixiao_app::auth::{Action, AuthError, Claims, JwtKeys, MAX_TOKEN_BYTES};

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthorized(detail) => ApiError::unauthorized(detail),
            AuthError::Forbidden(detail) => ApiError::forbidden(detail),
            AuthError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// The verified claims of the request's bearer token; a handler taking it is authenticated.
#[derive(Debug, Clone)]
pub struct Auth(pub Claims);

impl FromRequest for Auth {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Verified already by the route's guard (`crate::guard::Permit`): not twice.
        if let Some(auth) = req.extensions().get::<Auth>() {
            return ready(Ok(auth.clone()));
        }
        ready(
            authenticate(req)
                .map(Auth)
                .map_err(|e| e.with_instance(req.path()).into()),
        )
    }
}

/// The verified claims of the request's bearer token, or a 401.
pub(crate) fn authenticate(req: &HttpRequest) -> Result<Claims, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal("JwtKeys not registered"))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("缺少 Authorization: Bearer 令牌 (missing bearer token)")
    })?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization 头无效 (bad header)"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("Authorization 须为 Bearer 令牌 (bearer scheme required)")
        })?;
    let claims = keys.verify(token.trim())?;
    // A disabled user's tokens stop working at once (the set is in memory: no query).
    if let Some(state) = req.app_data::<web::Data<crate::startup::AppState>>()
        && state.app.is_user_disabled(&claims.sub)?
    {
        return Err(ApiError::unauthorized("该用户已停用 (user disabled)"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_by_the_role_table_is_a_403_and_a_bad_token_a_401() {
        let forbidden: ApiError = AuthError::Forbidden("no".into()).into();
        assert_eq!(forbidden.status().as_u16(), 403);
        let unauthorized: ApiError = AuthError::Unauthorized("no".into()).into();
        assert_eq!(unauthorized.status().as_u16(), 401);
    }
}
