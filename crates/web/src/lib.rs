//! `jixiao-web`: the server-rendered pages of jixiao, in Chinese, for every role.
//!
//! Pages are askama templates (checked at compile time) over the same application layer the
//! JSON API calls (`jixiao-app`: `App::write`, the views), so a figure on a page and in the API
//! come from one computation; 万元 display, percentages and colour names come from the domain.
//! Every asset (the style sheet, SVG charts drawn on the server) is embedded: no front-end
//! build, nothing loaded from outside, a strict Content-Security-Policy.
//!
//! Sessions: the sign-in sets the same HS256 token the API issues in an HttpOnly,
//! SameSite=Strict cookie ([`session`]); every form carries a CSRF token, an HMAC of the
//! session, and is refused without it. Who may see what comes from the one role table
//! (`jixiao_app::auth::Action`), which also draws the navigation ([`nav`]).
//!
//! Boundary: the API crate assembles the one server and mounts [`configure`]; this crate
//! registers nothing global but its routes and needs `web::Data<WebState>` and
//! `web::Data<JwtKeys>` in the application.

pub mod bureau;
pub mod chart;
pub mod downloads;
pub mod error;
pub mod evidence;
pub mod forms;
pub mod ledger;
pub mod nav;
pub mod pages;
pub mod recheck;
pub mod session;
pub mod units;
mod upload;

use actix_web::web;
use jixiao_app::App;
use jixiao_app::throttle::LoginThrottle;
use jixiao_store::users::PasswordCost;
use std::sync::Arc;

pub use error::WebError;

/// How the pages are served.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark the session cookie `Secure` (behind HTTPS; off for plain-HTTP local use).
    pub secure_cookies: bool,
    /// Cost of password hashing at sign-in (the strong default outside tests).
    pub password_cost: PasswordCost,
    /// Key of the CSRF HMAC (derived from the signing secret by [`WebSettings::new`]).
    csrf_key: Vec<u8>,
    /// Sign-in throttling; the server shares one with the API's token route
    /// ([`WebSettings::with_login_throttle`]).
    login_throttle: Arc<LoginThrottle>,
}

impl WebSettings {
    /// Settings whose CSRF key is derived from `secret` (the token signing key), separated from
    /// the token's own use of it by a label.
    pub fn new(secret: &[u8], secure_cookies: bool, password_cost: PasswordCost) -> Self {
        WebSettings {
            secure_cookies,
            password_cost,
            csrf_key: session::derive_key(secret, b"jixiao-web csrf v1"),
            login_throttle: Arc::new(LoginThrottle::default()),
        }
    }

    /// The same settings counting sign-in failures in `throttle` (shared with the API, so
    /// guesses spread over both front ends meet one limit).
    pub fn with_login_throttle(mut self, throttle: Arc<LoginThrottle>) -> Self {
        self.login_throttle = throttle;
        self
    }

    /// The sign-in throttle.
    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.login_throttle
    }
}

/// What every page handler shares: the application layer and the settings.
pub struct WebState {
    /// The one application layer.
    pub app: Arc<App>,
    /// The settings.
    pub settings: WebSettings,
}

/// Registers the pages and the embedded assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    pages::configure(cfg);
}
