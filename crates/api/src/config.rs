//! Typed configuration of the HTTP API: bind address, JWT settings (with a secret that never
//! prints), request limits, the default scoring profile and the optional business-date override
//! used by the demo. The CLI fills it from its layered configuration; tests use
//! [`ApiConfig::for_tests`].

use chrono::NaiveDate;
use jixiao_store::users::PasswordCost;
use std::net::SocketAddr;

/// Largest request body of an ordinary write, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest request body of a bulk import (budget import, payment batch), in bytes (8 MiB).
pub const MAX_BULK_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest file uploaded for a 复核 (`POST /api/v1/recheck`), in bytes (8 MiB).
pub const MAX_RECHECK_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest page of any listing.
pub const MAX_PAGE_SIZE: usize = 500;
/// Default page size of listings.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Most events in one batch write.
pub const MAX_BATCH_EVENTS: usize = 1000;
/// Shortest accepted HS256 signing key, in bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// Longest accepted token lifetime, in seconds (one day).
pub const MAX_TOKEN_TTL_SECONDS: u64 = 24 * 60 * 60;
/// Largest log position a query names: positions are SQLite integers (i64); a `known_at` beyond
/// it means "everything recorded", the same as no `known_at`.
pub const MAX_LOG_POSITION: u64 = i64::MAX as u64;

/// The token settings and secrets live with the role table in `jixiao-app`, shared by the
/// API and the web pages.
pub use jixiao_app::auth::{JwtSettings, Secret};
/// Sign-in throttling (limits, window, trusted proxies) is the application's, shared by the
/// API's token route and the web sign-in.
pub use jixiao_app::throttle::ThrottleSettings;

/// How long a client may take to send a request's head, in milliseconds (actix
/// `client_request_timeout`; a slower client gets 408 and the connection is closed).
pub const CLIENT_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// How long a request body may stall (no byte arriving) before the connection is cut, in
/// milliseconds; a body that stops midway never reaches a handler.
pub const BODY_STALL_TIMEOUT_MS: u64 = 10_000;
/// How long the server waits for a client to close after the server shut the connection, in
/// milliseconds (actix `client_disconnect_timeout`).
pub const CLIENT_DISCONNECT_TIMEOUT_MS: u64 = 1_000;
/// How long an idle keep-alive connection is kept, in seconds.
pub const KEEP_ALIVE_SECONDS: u64 = 5;
/// Most connections one worker serves at once (actix `max_connections`).
pub const MAX_CONNECTIONS_PER_WORKER: usize = 2_048;

/// Everything the API needs besides the store.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Where to listen (`127.0.0.1:0` in tests: the OS picks a free port).
    pub bind: SocketAddr,
    /// Token settings.
    pub jwt: JwtSettings,
    /// Default scoring profile id (`mof-2020`).
    pub default_profile: String,
    /// Treat this date as "today" for 序时进度 and default `as_of` (the demo replays a past
    /// year as if it were in progress). `None`: the real date.
    pub business_today: Option<NaiveDate>,
    /// Worker threads (`None`: one per core).
    pub workers: Option<usize>,
    /// The argon2id cost of passwords the user routes hash: always [`PasswordCost::Strong`]
    /// unless code sets it (the API test harness picks [`PasswordCost::Test`]; no configuration
    /// file or environment variable reaches it).
    pub password_cost: PasswordCost,
    /// Mark the web pages' session cookie `Secure` (set it when served over HTTPS).
    pub secure_cookies: bool,
    /// Events the cached unit-years hold in all (`jixiao_app::AppConfig::cached_events`).
    pub cached_events: u64,
    /// Sign-in throttling (API token route and web sign-in alike).
    pub login_throttle: ThrottleSettings,
    /// How long a request body may stall, in milliseconds ([`BODY_STALL_TIMEOUT_MS`]).
    pub body_stall_timeout_ms: u64,
    /// How long a client may take to send a request's head, in milliseconds
    /// ([`CLIENT_REQUEST_TIMEOUT_MS`]).
    pub client_request_timeout_ms: u64,
}

/// Why a configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The signing key is too short.
    #[error("JWT 签名密钥至少需要 {MIN_JWT_SECRET_BYTES} 字节 (signing key too short)")]
    SecretTooShort,
    /// Token lifetime out of range.
    #[error("令牌有效期须在 1 秒至 {MAX_TOKEN_TTL_SECONDS} 秒之间 (token ttl out of range)")]
    TtlOutOfRange,
    /// Issuer or audience empty.
    #[error("JWT 的 issuer 和 audience 不能为空 (issuer/audience required)")]
    IssuerOrAudienceEmpty,
}

impl ApiConfig {
    /// A configuration with the given bind address and signing key and defaults for the rest
    /// (issuer/audience `jixiao`, one-hour tokens, profile `mof-2020`).
    pub fn new(bind: SocketAddr, secret: Secret) -> Self {
        ApiConfig {
            bind,
            jwt: JwtSettings {
                secret,
                issuer: "jixiao".to_string(),
                audience: "jixiao".to_string(),
                ttl_seconds: 3600,
            },
            default_profile: jixiao_domain::profile::ScoringProfile::DEFAULT_ID.to_string(),
            business_today: None,
            workers: None,
            password_cost: PasswordCost::Strong,
            secure_cookies: false,
            cached_events: jixiao_app::DEFAULT_CACHED_EVENTS,
            login_throttle: ThrottleSettings::default(),
            body_stall_timeout_ms: BODY_STALL_TIMEOUT_MS,
            client_request_timeout_ms: CLIENT_REQUEST_TIMEOUT_MS,
        }
    }

    /// Port 0 on 127.0.0.1, two workers, a fixed test key.
    pub fn for_tests() -> Self {
        let mut c = ApiConfig::new(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            Secret::new("test-signing-key-that-is-long-enough-0123456789"),
        );
        c.workers = Some(2);
        c
    }

    /// Checks the settings a server must not start without.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.jwt.secret.expose().len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::SecretTooShort);
        }
        if self.jwt.ttl_seconds == 0 || self.jwt.ttl_seconds > MAX_TOKEN_TTL_SECONDS {
            return Err(ConfigError::TtlOutOfRange);
        }
        if self.jwt.issuer.is_empty() || self.jwt.audience.is_empty() {
            return Err(ConfigError::IssuerOrAudienceEmpty);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_key_never_appears_in_debug_output() {
        let config = ApiConfig::for_tests();
        let printed = format!("{config:?}");
        assert!(!printed.contains(config.jwt.secret.expose()));
        assert!(printed.contains("***"));
    }

    #[test]
    fn passwords_are_hashed_at_the_strong_cost_unless_code_says_otherwise() {
        let bind = SocketAddr::from(([127, 0, 0, 1], 8080));
        let config = ApiConfig::new(bind, Secret::new("x".repeat(MIN_JWT_SECRET_BYTES)));
        assert_eq!(config.password_cost, PasswordCost::Strong);
        assert_eq!(ApiConfig::for_tests().password_cost, PasswordCost::Strong);
    }

    #[test]
    fn a_short_signing_key_is_refused() {
        let mut config = ApiConfig::for_tests();
        config.jwt.secret = Secret::new("short");
        assert!(matches!(
            config.validate(),
            Err(ConfigError::SecretTooShort)
        ));
        assert!(ApiConfig::for_tests().validate().is_ok());
    }
}
