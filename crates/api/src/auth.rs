//! Authentication and authorisation: HS256 JWT bearer tokens (algorithm pinned, `exp`, `iss`
//! and `aud` required) carrying the user's name, role and unit; the [`Auth`] extractor that
//! turns a request into verified [`Claims`] or a 401; and the role/unit checks that turn a
//! disallowed action into a 403.
//!
//! The role matrix (who may do what) lives in [`Action`]: handlers name the action, never a
//! list of roles, so the matrix is in one place and tested as a whole.

use crate::config::JwtSettings;
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use jixiao_store::users::{Role, User};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest accepted bearer token, in bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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

/// Everything an endpoint may ask permission for.
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
}

impl Action {
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
        }
    }

    fn name_zh(self) -> &'static str {
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
        }
    }
}

impl Claims {
    /// 403 unless the role may perform `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if action.allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "角色“{}”无权执行“{}” (role not allowed)",
                self.role.name_zh(),
                action.name_zh()
            )))
        }
    }

    /// 403 unless the role may perform `action` on `unit`: staff and unit heads only on their own.
    pub fn require_unit(&self, action: Action, unit: &str) -> Result<(), ApiError> {
        self.require(action)?;
        if self.role.is_unit_scoped() && self.unit.as_deref() != Some(unit) {
            return Err(ApiError::forbidden(format!(
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
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        // Clock skew allowance between the servers that issue and check tokens.
        validation.leeway = 30;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.ttl_seconds,
        }
    }

    /// Token lifetime in seconds.
    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Signs a token for `user`, valid for the configured lifetime (the login route's call).
    pub fn issue(&self, user: &User) -> Result<String, ApiError> {
        self.mint(&user.name, user.role, user.unit.as_deref())
    }

    /// Signs a token for `subject` with `role` and `unit`, issued now and valid for the
    /// configured lifetime: the one place a token's claims are made. The login route reaches it
    /// through [`JwtKeys::issue`] after checking the password; test harnesses that know the
    /// signing key call it directly instead of logging in.
    pub fn mint(&self, subject: &str, role: Role, unit: Option<&str>) -> Result<String, ApiError> {
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

    /// Signs arbitrary claims (tests build expired tokens with it).
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Verifies a token: signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(ApiError::unauthorized("令牌过长 (token too long)"));
        }
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "token rejected");
                ApiError::unauthorized(format!("令牌无效或已过期 (invalid or expired token): {e}"))
            })
    }
}

/// The verified claims of the request's bearer token; a handler taking it is authenticated.
#[derive(Debug, Clone)]
pub struct Auth(pub Claims);

impl FromRequest for Auth {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            authenticate(req)
                .map(Auth)
                .map_err(|e| e.with_instance(req.path()).into()),
        )
    }
}

fn authenticate(req: &HttpRequest) -> Result<Claims, ApiError> {
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
    keys.verify(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ApiConfig;

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
        let keys = JwtKeys::new(&ApiConfig::for_tests().jwt);
        let token = keys.issue(&user(Role::Staff, Some("261301"))).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.role, Role::Staff);
        assert_eq!(claims.unit.as_deref(), Some("261301"));
    }

    #[test]
    fn a_minted_token_carries_subject_role_unit_and_the_configured_lifetime() {
        let keys = JwtKeys::new(&ApiConfig::for_tests().jwt);
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
    fn a_token_signed_with_another_key_is_rejected() {
        let mut other = ApiConfig::for_tests().jwt;
        other.secret = crate::config::Secret::new("another-signing-key-that-is-long-enough-xyz");
        let token = JwtKeys::new(&other)
            .issue(&user(Role::Admin, None))
            .unwrap();
        let status = JwtKeys::new(&ApiConfig::for_tests().jwt)
            .verify(&token)
            .unwrap_err()
            .status();
        assert_eq!(status.as_u16(), 401);
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
        assert_eq!(
            c.require_unit(Action::Record, "B")
                .unwrap_err()
                .status()
                .as_u16(),
            403
        );
        assert_eq!(
            c.require(Action::Decide).unwrap_err().status().as_u16(),
            403
        );
    }

    /// The role rules, action by action: (action, [staff, unit_head, finance, auditor, admin]).
    const RULES: [(Action, [bool; 5]); 13] = [
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
    ];

    #[test]
    fn every_role_may_do_exactly_what_the_role_rules_grant() {
        let roles = [
            Role::Staff,
            Role::UnitHead,
            Role::Finance,
            Role::Auditor,
            Role::Admin,
        ];
        for (action, expected) in RULES {
            for (role, allowed) in roles.iter().zip(expected) {
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
