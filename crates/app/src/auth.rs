//! Who may do what, and the tokens that say who someone is: the one role table ([`Action`] and
//! [`Action::allowed`]), the claims of a signed-in user ([`Claims`]) and the HS256 keys that
//! sign and verify them ([`JwtKeys`], algorithm pinned, `exp`, `nbf`, `iss` and `aud` required,
//! a lifetime `exp − iat` no longer than the configured one, tokens revoked at sign-out refused).
//!
//! Every front end shares these: the JSON API reads the token from `Authorization: Bearer`, the
//! web pages from an HttpOnly cookie, and both ask the same table, so no page offers what the
//! API would refuse. Failures are [`AuthError`]s, which each front end maps to its own form
//! (401/403 problem+json, a sign-in page, a Chinese notice).

use jixiao_store::users::{Role, User};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest accepted token, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Clock skew allowed between the servers that issue and check tokens, in seconds (applied to
/// `exp`, `nbf` and an `iat` in the future).
pub const TOKEN_LEEWAY_SECONDS: u64 = 30;

/// Most revoked (signed-out) tokens remembered until they expire; past it the one closest to
/// expiring is forgotten first.
pub const MAX_REVOKED_TOKENS: usize = 100_000;

/// Why a request may not go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No valid token: sign in (again).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but the role or unit does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// Signing failed (a bug or a broken key); the cause is for the log.
    #[error("{0}")]
    Internal(String),
}

/// A secret string: `Debug` and `Display` print `***`, so it never reaches a log. Also read
/// from configuration files (`serde(transparent)`) by the binary.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How tokens are signed and checked (HS256 only).
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// HS256 key (the API's configuration requires a minimum length).
    pub secret: Secret,
    /// `iss` written into and required of every token.
    pub issuer: String,
    /// `aud` written into and required of every token.
    pub audience: String,
    /// Token lifetime in seconds, and the longest lifetime (`exp − iat`) a token may claim.
    pub ttl_seconds: u64,
}

/// What a token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User name.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// 单位代码 for staff and unit heads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
}

/// Everything a front end may ask permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List the units (staff and unit heads see only their own).
    ListUnits,
    /// Read a unit's data (events, execution, indicators, evaluation, monitoring draft).
    Read,
    /// Record events (payments, activities, surveys, assessments, procurement, explanations).
    Record,
    /// Unit-head acts: file the monitoring report, request adjustments, submit the self-evaluation.
    UnitHeadAct,
    /// Finance-bureau acts: decide adjustments.
    Decide,
    /// The year-end workflow's submission (上报): the unit head signs the self-evaluation.
    SubmitSelfEvaluation,
    /// The year-end workflow's review: return (退回) or approve (审核通过) a submitted
    /// self-evaluation, and read the recheck (复核) of a submission.
    ReviewSelfEvaluation,
    /// The year-end workflow's lock: close (关闭) a year, and reopen it with a reason.
    CloseYear,
    /// Record a carry-over from last year (上年结转): it changes the budget the unit is judged
    /// against, so it is the finance bureau's, like deciding an adjustment.
    CarryOver,
    /// Import a budget and targets for a unit.
    Import,
    /// The monitoring view over all units.
    MonitorAll,
    /// Verify the hash chain.
    Verify,
    /// Manage users.
    ManageUsers,
    /// 复核 a published self-evaluation table from outside the log (an uploaded file; it
    /// reads and writes nothing of any unit): the finance bureau and the auditors.
    RecheckTables,
}

impl Action {
    /// Every action, in the order of the role table.
    pub const ALL: [Action; 14] = [
        Action::ListUnits,
        Action::Read,
        Action::Record,
        Action::UnitHeadAct,
        Action::Decide,
        Action::SubmitSelfEvaluation,
        Action::ReviewSelfEvaluation,
        Action::CloseYear,
        Action::CarryOver,
        Action::Import,
        Action::MonitorAll,
        Action::Verify,
        Action::ManageUsers,
        Action::RecheckTables,
    ];

    /// Whether `role` may perform this action at all (unit scope is checked separately).
    pub fn allowed(self, role: Role) -> bool {
        use Role::*;
        match self {
            // Admins manage units and users, not the business: they list the units but do not
            // read a unit's figures, nor the monitoring view over them.
            Action::ListUnits => true,
            Action::Read => matches!(role, Staff | UnitHead | Finance | Auditor),
            Action::Record => matches!(role, Staff | UnitHead),
            Action::UnitHeadAct => matches!(role, UnitHead),
            Action::Decide => matches!(role, Finance),
            Action::SubmitSelfEvaluation => matches!(role, UnitHead),
            Action::ReviewSelfEvaluation => matches!(role, Finance),
            Action::CloseYear => matches!(role, Finance),
            Action::CarryOver => matches!(role, Finance),
            Action::Import => matches!(role, Admin | Finance),
            Action::MonitorAll => matches!(role, Finance | Auditor),
            // Verifying the chain reveals counts and hashes, no figures: an operator's check.
            Action::Verify => matches!(role, Finance | Auditor | Admin),
            Action::ManageUsers => matches!(role, Admin),
            Action::RecheckTables => matches!(role, Finance | Auditor),
        }
    }

    /// The Chinese name shown to people.
    pub fn name_zh(self) -> &'static str {
        match self {
            Action::ListUnits => "查看单位列表",
            Action::Read => "查看单位数据",
            Action::Record => "记录业务",
            Action::UnitHeadAct => "单位负责人报送/申请",
            Action::Decide => "财政审批",
            Action::SubmitSelfEvaluation => "上报绩效自评",
            Action::ReviewSelfEvaluation => "退回或审核绩效自评",
            Action::CloseYear => "关闭或重新打开年度",
            Action::CarryOver => "记录上年结转",
            Action::Import => "导入预算",
            Action::MonitorAll => "全部单位监控",
            Action::Verify => "校验哈希链",
            Action::ManageUsers => "用户管理",
            Action::RecheckTables => "复核自评表",
        }
    }
}

impl Claims {
    /// Whether the bearer's role may perform `action` (unit scope aside).
    pub fn may(&self, action: Action) -> bool {
        action.allowed(self.role)
    }

    /// Refused unless the role may perform `action`.
    pub fn require(&self, action: Action) -> Result<(), AuthError> {
        if action.allowed(self.role) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(format!(
                "角色“{}”无权执行“{}” (role not allowed)",
                self.role.name_zh(),
                action.name_zh()
            )))
        }
    }

    /// Refused unless the role may perform `action` on `unit`: staff and unit heads only on
    /// their own.
    pub fn require_unit(&self, action: Action, unit: &str) -> Result<(), AuthError> {
        self.require(action)?;
        if self.role.is_unit_scoped() && self.unit.as_deref() != Some(unit) {
            return Err(AuthError::Forbidden(format!(
                "无权访问单位“{unit}”的数据 (not your unit)"
            )));
        }
        Ok(())
    }

    /// Whether the bearer sees every unit.
    pub fn sees_all_units(&self) -> bool {
        !self.role.is_unit_scoped()
    }
}

/// Signs and verifies tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
    /// SHA-256 of each revoked token, with its `exp`.
    revoked: Mutex<HashMap<[u8; 32], u64>>,
}

/// What is signed: the claims and `nbf` (not before), equal to `iat`. `nbf` is not a field of
/// [`Claims`] so that code building claims need not name it; the verifier reads it from the
/// token itself.
#[derive(Serialize)]
struct Signed<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    nbf: u64,
    /// Unique per token of this process, so two sign-ins of one user within a second are two
    /// tokens (signing one out leaves the other valid).
    jti: String,
}

/// Tokens signed by this process so far (part of each `jti`).
static TOKENS_SIGNED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn token_id() -> String {
    let n = TOKENS_SIGNED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}-{n:x}", std::process::id())
}

fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl JwtKeys {
    /// Keys from the settings; only HS256 is accepted on the way in.
    pub fn new(settings: &JwtSettings) -> Self {
        let secret = settings.secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = TOKEN_LEEWAY_SECONDS;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.ttl_seconds,
            revoked: Mutex::new(HashMap::new()),
        }
    }

    /// Token lifetime in seconds.
    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Signs a token for `user`, valid for the configured lifetime (the sign-in's call).
    pub fn issue(&self, user: &User) -> Result<String, AuthError> {
        self.mint(&user.name, user.role, user.unit.as_deref())
    }

    /// Signs a token for `subject` with `role` and `unit`, issued now and valid for the
    /// configured lifetime: the one place a token's claims are made. Sign-ins reach it through
    /// [`JwtKeys::issue`] after checking the password; test harnesses that know the signing key
    /// call it directly instead of signing in.
    pub fn mint(&self, subject: &str, role: Role, unit: Option<&str>) -> Result<String, AuthError> {
        let iat = now_seconds();
        let claims = Claims {
            sub: subject.to_string(),
            role,
            unit: unit.map(str::to_string),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp: iat + self.ttl_seconds,
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims, valid from their `iat` (tests build expired tokens with it).
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        self.sign_not_before(claims, claims.iat)
    }

    /// Signs claims valid from `nbf` (seconds since the epoch; tests build not-yet-valid
    /// tokens with it).
    pub fn sign_not_before(&self, claims: &Claims, nbf: u64) -> Result<String, AuthError> {
        encode(
            &Header::new(Algorithm::HS256),
            &Signed {
                claims,
                nbf,
                jti: token_id(),
            },
            &self.encoding,
        )
        .map_err(|e| AuthError::Internal(format!("token signing failed: {e}")))
    }

    /// Refuses `token` from now on (sign-out), until it expires anyway. Remembered by this
    /// process only (see `docs/security.md`).
    pub fn revoke(&self, token: &str) {
        let Ok(claims) = self.verify(token) else {
            return; // Already refused: nothing to remember.
        };
        let now = now_seconds();
        let mut revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
        if revoked.len() >= MAX_REVOKED_TOKENS {
            revoked.retain(|_, exp| *exp + TOKEN_LEEWAY_SECONDS >= now);
        }
        if revoked.len() >= MAX_REVOKED_TOKENS
            && let Some(first) = revoked.iter().min_by_key(|(_, exp)| **exp).map(|(k, _)| *k)
        {
            revoked.remove(&first);
        }
        revoked.insert(token_digest(token), claims.exp);
    }

    fn is_revoked(&self, token: &str) -> bool {
        let revoked = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
        !revoked.is_empty() && revoked.contains_key(&token_digest(token))
    }

    /// Verifies a token: signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Unauthorized(
                "令牌过长 (token too long)".to_string(),
            ));
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "token rejected");
                AuthError::Unauthorized(format!("令牌无效或已过期 (invalid or expired token): {e}"))
            })?;
        if claims.exp.saturating_sub(claims.iat) > self.ttl_seconds {
            return Err(AuthError::Unauthorized(format!(
                "令牌有效期超过上限 {} 秒 (token lifetime exceeds the maximum)",
                self.ttl_seconds
            )));
        }
        if claims.iat > now_seconds() + TOKEN_LEEWAY_SECONDS {
            return Err(AuthError::Unauthorized(
                "令牌签发时间在未来 (token issued in the future)".to_string(),
            ));
        }
        if self.is_revoked(token) {
            return Err(AuthError::Unauthorized(
                "令牌已注销 (token revoked at sign-out)".to_string(),
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            secret: Secret::new(secret),
            issuer: "jixiao".into(),
            audience: "jixiao-api".into(),
            ttl_seconds: 3600,
        }
    }

    const KEY: &str = "test-signing-key-that-is-long-enough-0123456789";

    fn user(role: Role, unit: Option<&str>) -> User {
        User {
            name: "u".into(),
            role,
            unit: unit.map(str::to_string),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    // jsonwebtoken compiles without a crypto backend and then panics at the first use: this
    // test proves the backend is linked.
    #[test]
    fn a_signed_token_verifies_and_carries_role_and_unit() {
        let keys = JwtKeys::new(&settings(KEY));
        let token = keys.issue(&user(Role::Staff, Some("261301"))).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.role, Role::Staff);
        assert_eq!(claims.unit.as_deref(), Some("261301"));
    }

    #[test]
    fn a_minted_token_carries_subject_role_unit_and_the_configured_lifetime() {
        let keys = JwtKeys::new(&settings(KEY));
        let claims = keys
            .verify(&keys.mint("li", Role::UnitHead, Some("261301")).unwrap())
            .unwrap();
        assert_eq!(claims.sub, "li");
        assert_eq!(claims.role, Role::UnitHead);
        assert_eq!(claims.unit.as_deref(), Some("261301"));
        assert_eq!(claims.exp - claims.iat, keys.ttl_seconds());
        let issued = keys
            .verify(&keys.issue(&user(Role::Auditor, None)).unwrap())
            .unwrap();
        assert_eq!(
            (issued.sub.as_str(), issued.role, issued.unit),
            ("u", Role::Auditor, None)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_unauthorized() {
        let token = JwtKeys::new(&settings("another-signing-key-that-is-long-enough-xyz"))
            .issue(&user(Role::Admin, None))
            .unwrap();
        let refused = JwtKeys::new(&settings(KEY)).verify(&token).unwrap_err();
        assert!(matches!(refused, AuthError::Unauthorized(_)), "{refused:?}");
    }

    fn claims_now(lifetime: u64) -> Claims {
        let iat = now_seconds();
        Claims {
            sub: "li".into(),
            role: Role::Staff,
            unit: Some("261301".into()),
            iss: "jixiao".into(),
            aud: "jixiao-api".into(),
            iat,
            exp: iat + lifetime,
        }
    }

    #[test]
    fn a_token_not_yet_valid_is_refused_beyond_the_leeway_and_accepted_within_it() {
        let keys = JwtKeys::new(&settings(KEY));
        let claims = claims_now(600);
        let later = keys
            .sign_not_before(&claims, claims.iat + TOKEN_LEEWAY_SECONDS + 60)
            .unwrap();
        let refused = keys.verify(&later).unwrap_err();
        assert!(matches!(refused, AuthError::Unauthorized(_)), "{refused:?}");
        let skewed = keys
            .sign_not_before(&claims, claims.iat + TOKEN_LEEWAY_SECONDS / 2)
            .unwrap();
        assert!(keys.verify(&skewed).is_ok());
    }

    #[test]
    fn a_signed_token_claiming_a_lifetime_over_the_maximum_is_refused() {
        let keys = JwtKeys::new(&settings(KEY));
        let too_long = keys.sign(&claims_now(keys.ttl_seconds() + 1)).unwrap();
        let refused = keys.verify(&too_long).unwrap_err();
        assert!(
            matches!(&refused, AuthError::Unauthorized(m) if m.contains("lifetime")),
            "{refused:?}"
        );
        assert!(
            keys.verify(&keys.sign(&claims_now(keys.ttl_seconds())).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let keys = JwtKeys::new(&settings(KEY));
        let mut claims = claims_now(600);
        claims.iat += TOKEN_LEEWAY_SECONDS + 120;
        claims.exp = claims.iat + 600;
        // nbf at the real now, so only the future iat is wrong.
        let token = keys.sign_not_before(&claims, now_seconds()).unwrap();
        assert!(matches!(
            keys.verify(&token),
            Err(AuthError::Unauthorized(_))
        ));
    }

    #[test]
    fn a_token_without_nbf_is_refused() {
        let keys = JwtKeys::new(&settings(KEY));
        let bare = encode(
            &Header::new(Algorithm::HS256),
            &claims_now(600),
            &EncodingKey::from_secret(KEY.as_bytes()),
        )
        .unwrap();
        assert!(matches!(
            keys.verify(&bare),
            Err(AuthError::Unauthorized(_))
        ));
    }

    #[test]
    fn two_sign_ins_of_one_user_in_the_same_second_are_two_tokens_and_sign_out_ends_only_one() {
        let keys = JwtKeys::new(&settings(KEY));
        let first = keys.mint("li", Role::Staff, Some("261301")).unwrap();
        let second = keys.mint("li", Role::Staff, Some("261301")).unwrap();
        assert_ne!(first, second);
        keys.revoke(&first);
        assert!(keys.verify(&first).is_err());
        assert!(keys.verify(&second).is_ok());
    }

    #[test]
    fn a_revoked_token_is_refused_and_other_tokens_are_not() {
        let keys = JwtKeys::new(&settings(KEY));
        let token = keys.mint("li", Role::Staff, Some("261301")).unwrap();
        let other = keys.sign(&claims_now(60)).unwrap();
        keys.revoke(&token);
        assert!(
            matches!(keys.verify(&token), Err(AuthError::Unauthorized(m)) if m.contains("revoked"))
        );
        assert!(keys.verify(&other).is_ok());
    }

    #[test]
    fn staff_may_record_only_in_their_own_unit_and_never_decide() {
        let c = Claims {
            sub: "s".into(),
            role: Role::Staff,
            unit: Some("A".into()),
            iss: "i".into(),
            aud: "a".into(),
            iat: 0,
            exp: 0,
        };
        assert!(c.require_unit(Action::Record, "A").is_ok());
        assert!(matches!(
            c.require_unit(Action::Record, "B"),
            Err(AuthError::Forbidden(_))
        ));
        assert!(matches!(
            c.require(Action::Decide),
            Err(AuthError::Forbidden(_))
        ));
    }

    /// The role rules, action by action: (action, [staff, unit_head, finance, auditor, admin]).
    const RULES: [(Action, [bool; 5]); 14] = [
        (Action::ListUnits, [true, true, true, true, true]),
        (Action::Read, [true, true, true, true, false]),
        (Action::Record, [true, true, false, false, false]),
        (Action::UnitHeadAct, [false, true, false, false, false]),
        (Action::Decide, [false, false, true, false, false]),
        (
            Action::SubmitSelfEvaluation,
            [false, true, false, false, false],
        ),
        (
            Action::ReviewSelfEvaluation,
            [false, false, true, false, false],
        ),
        (Action::CloseYear, [false, false, true, false, false]),
        (Action::CarryOver, [false, false, true, false, false]),
        (Action::Import, [false, false, true, false, true]),
        (Action::MonitorAll, [false, false, true, true, false]),
        (Action::Verify, [false, false, true, true, true]),
        (Action::ManageUsers, [false, false, false, false, true]),
        (Action::RecheckTables, [false, false, true, true, false]),
    ];

    #[test]
    fn every_role_may_do_exactly_what_the_role_rules_grant() {
        assert_eq!(RULES.map(|(a, _)| a), Action::ALL);
        for (action, expected) in RULES {
            for (role, allowed) in Role::ALL.iter().zip(expected) {
                assert_eq!(action.allowed(*role), allowed, "{action:?} by {role:?}");
            }
        }
    }

    #[test]
    fn auditors_read_and_verify_but_never_write() {
        for action in [
            Action::Record,
            Action::UnitHeadAct,
            Action::Decide,
            Action::SubmitSelfEvaluation,
            Action::ReviewSelfEvaluation,
            Action::CloseYear,
            Action::Import,
            Action::ManageUsers,
        ] {
            assert!(!action.allowed(Role::Auditor), "{action:?}");
        }
        assert!(Action::Verify.allowed(Role::Auditor) && Action::MonitorAll.allowed(Role::Auditor));
    }
}
