//! Sessions and CSRF: the signed-in user's token lives in an HttpOnly, SameSite=Strict cookie
//! ([`SESSION_COOKIE`]); [`Session`] extracts and verifies it (with the API's keys) or sends
//! the browser to the sign-in page. Every form carries a CSRF token, the HMAC-SHA256 of the
//! session token under a key derived from the signing secret ([`Session::csrf`]); the sign-in
//! form, before any session, is bound to a random pre-session cookie the same way.

use crate::error::WebError;
use crate::{WebSettings, WebState};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use hmac::{Hmac, Mac};
use jixiao_app::auth::{Action, Claims, JwtKeys};
use sha2::Sha256;
use std::future::{Ready, ready};

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "jixiao_session";
/// The cookie binding the sign-in form's CSRF token before there is a session.
pub const PRESESSION_COOKIE: &str = "jixiao_pre";
/// Longest cookie value read, in bytes (a token is well under it).
pub const MAX_COOKIE_BYTES: usize = 8 * 1024;
/// Lifetime of the pre-session cookie, in seconds.
pub const PRESESSION_TTL_SECONDS: u64 = 60 * 60;

type HmacSha256 = Hmac<Sha256>;

/// A key for one purpose, derived from a secret.
pub fn derive_key(secret: &[u8], label: &[u8]) -> Vec<u8> {
    mac(secret, label).to_vec()
}

fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length: new_from_slice cannot fail for it.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(message);
    m.finalize().into_bytes().into()
}

/// The CSRF token bound to `binding` (a session token or a pre-session value).
pub fn csrf_token(settings: &WebSettings, binding: &str) -> String {
    hex::encode(mac(&settings.csrf_key, binding.as_bytes()))
}

/// Whether `presented` is the CSRF token of `binding` (compared in constant time).
pub fn csrf_valid(settings: &WebSettings, binding: &str, presented: &str) -> bool {
    let Ok(bytes) = hex::decode(presented.trim()) else {
        return false;
    };
    let mut m =
        <HmacSha256 as Mac>::new_from_slice(&settings.csrf_key).unwrap_or_else(|_| unreachable!());
    m.update(binding.as_bytes());
    m.verify_slice(&bytes).is_ok()
}

/// The value of cookie `name` in the request, if any.
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= MAX_COOKIE_BYTES)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, `Secure` when configured.
pub fn set_cookie(settings: &WebSettings, name: &str, value: &str, max_age_seconds: u64) -> String {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(settings: &WebSettings, name: &str) -> String {
    set_cookie(settings, name, "", 0)
}

/// A signed-in user: the verified claims of the session cookie.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who, in which role and unit.
    pub claims: Claims,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

impl Session {
    /// Refused (a Chinese 403 page) unless the role may perform `action`.
    pub fn require(&self, action: Action) -> Result<(), WebError> {
        Ok(self.claims.require(action)?)
    }

    /// Refused unless the role may perform `action` on `unit`.
    pub fn require_unit(&self, action: Action, unit: &str) -> Result<(), WebError> {
        Ok(self.claims.require_unit(action, unit)?)
    }

    /// Refused (403, nothing changed) unless `presented` is this session's CSRF token.
    pub fn check_csrf(&self, presented: &str) -> Result<(), WebError> {
        if presented.trim() == self.csrf {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

fn session_of(req: &HttpRequest) -> Result<Session, WebError> {
    let state = req
        .app_data::<web::Data<WebState>>()
        .ok_or_else(|| WebError::internal("WebState not registered"))?;
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| WebError::internal("JwtKeys not registered"))?;
    let token = cookie(req, SESSION_COOKIE).ok_or(WebError::SignIn)?;
    let claims = keys.verify(&token).map_err(|_| WebError::SignIn)?;
    // A disabled user's session ends at once (the set is in memory: no query).
    if state.app.is_user_disabled(&claims.sub)? {
        return Err(WebError::SignIn);
    }
    Ok(Session {
        claims,
        csrf: csrf_token(&state.settings, &token),
    })
}

impl FromRequest for Session {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(session_of(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_store::users::PasswordCost;

    fn settings() -> WebSettings {
        WebSettings::new(
            b"a-secret-that-is-long-enough-0123456789",
            false,
            PasswordCost::Test,
        )
    }

    #[test]
    fn a_csrf_token_is_valid_only_for_the_session_it_was_made_for() {
        let s = settings();
        let token = csrf_token(&s, "session-a");
        assert!(csrf_valid(&s, "session-a", &token));
        assert!(!csrf_valid(&s, "session-b", &token));
        assert!(!csrf_valid(&s, "session-a", ""));
        assert!(!csrf_valid(&s, "session-a", "not hex"));
    }

    #[test]
    fn another_secret_makes_other_csrf_tokens() {
        let other = WebSettings::new(
            b"another-secret-long-enough-987654321",
            false,
            PasswordCost::Test,
        );
        assert_ne!(csrf_token(&settings(), "s"), csrf_token(&other, "s"));
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_when_configured() {
        let mut s = settings();
        let plain = set_cookie(&s, SESSION_COOKIE, "t", 60);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        s.secure_cookies = true;
        assert!(set_cookie(&s, SESSION_COOKIE, "t", 60).ends_with("; Secure"));
        assert!(clear_cookie(&s, SESSION_COOKIE).contains("Max-Age=0"));
    }
}
