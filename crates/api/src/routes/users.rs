//! Login (`POST /api/v1/auth/token`) and user administration (admin only). Password hashing is
//! CPU-heavy (argon2id), so it runs on the blocking pool, never on an async worker, and only
//! for an attempt the sign-in throttle (`jixiao_app::throttle`) lets through: too many failures
//! for a user name or from an address answer 429 with `Retry-After` before any hashing. The
//! user routes are guarded by [`Permit`]: a caller who may not manage users gets 401/403
//! before the body is read, so a refusal tells nothing of the schema.

use crate::auth::{Action, Auth, JwtKeys};
use crate::error::{ApiError, FieldError, Problem};
use crate::guard::Permit;
use crate::startup::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use jixiao_app::throttle::client_address;
use jixiao_store::users::{Role, User, UserError, Users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Login request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A bearer token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT (HS256).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// The user's role.
    pub role: String,
    /// The user's unit (staff and unit heads).
    pub unit: Option<String>,
}

/// A user as shown to admins (never the hash).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserDto {
    /// Login name.
    pub name: String,
    /// `staff`, `unit_head`, `finance`, `auditor` or `admin`.
    pub role: String,
    /// Unit of staff and unit heads.
    pub unit: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
    /// Disabled (停用): cannot sign in, and their tokens are refused.
    #[serde(default)]
    pub disabled: bool,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto {
            name: u.name,
            role: u.role.as_str().to_string(),
            unit: u.unit,
            created_at: u.created_at.to_rfc3339(),
            updated_at: u.updated_at.to_rfc3339(),
            disabled: false,
        }
    }
}

/// Create a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name (1-64 characters, no spaces).
    pub name: String,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Role.
    pub role: String,
    /// Unit (required for staff and unit_head, forbidden otherwise).
    #[serde(default)]
    pub unit: Option<String>,
}

/// Set a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The new password (at least 8 characters).
    pub password: String,
}

/// Set a role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Role.
    pub role: String,
    /// Unit (required for staff and unit_head, forbidden otherwise).
    #[serde(default)]
    pub unit: Option<String>,
}

/// Disable or enable a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisabledFlag {
    /// `true` disables (停用) the user, `false` enables them again.
    pub disabled: bool,
}

fn user_error(e: UserError) -> ApiError {
    let field = |f: &str, e: &UserError| {
        ApiError::unprocessable(
            "invalid_user",
            e.to_string(),
            vec![FieldError::new(
                f,
                e.to_string(),
                f.to_string() + " is invalid",
            )],
        )
    };
    match e {
        UserError::InvalidName(_) => field("name", &e),
        UserError::BadPasswordLength => field("password", &e),
        UserError::UnknownRole(_) => field("role", &e),
        UserError::UnitRequired(_) | UserError::UnitNotAllowed(_) | UserError::InvalidUnit(_) => {
            field("unit", &e)
        }
        UserError::Exists(_) => ApiError::conflict("user_exists", e.to_string()),
        UserError::NotFound(_) => ApiError::not_found(e.to_string()),
        UserError::Hash(_) | UserError::Corrupt(_) | UserError::Sql(_) | UserError::Postgres(_) => {
            ApiError::internal(e)
        }
    }
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>().map_err(user_error)
}

/// Runs a users-table operation on a fresh users handle on the blocking pool.
async fn with_users<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Users) -> Result<T, UserError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    let cost = state.config.password_cost;
    web::block(move || {
        let users = store.users().map_err(ApiError::internal)?.with_cost(cost);
        f(&users).map_err(user_error)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Exchange a name and password for a bearer token.
#[utoipa::path(tag = "auth", request_body = TokenRequest, responses(
    (status = 200, description = "token", body = TokenResponse),
    (status = 401, description = "wrong name or password", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "too many failed sign-ins for this user name or from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "seconds to wait"))),
))]
#[post("/api/v1/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest { username, password } = body.into_inner();
    let throttle = state.login_throttle.clone();
    let address = client_address(
        req.peer_addr().map(|a| a.ip()),
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok()),
        &throttle.settings().trusted_proxies,
    );
    throttle.attempt(&username, address).map_err(|refused| {
        tracing::warn!(user = %username.chars().take(64).collect::<String>(), address = ?address, "sign-in throttled");
        ApiError::too_many_requests(
            format!(
                "{} (too many failed sign-ins; retry after {} s)",
                refused.message_zh(),
                refused.retry_after_seconds
            ),
            refused.retry_after_seconds,
        )
        .with_instance(req.path())
    })?;
    let name = username.clone();
    let user = with_users(&state, move |c| c.verify(&name, &password)).await?;
    let Some(user) = user else {
        return Err(ApiError::unauthorized(
            "用户名或密码错误 (wrong user name or password)",
        ));
    };
    throttle.succeeded(&username, address);
    let access_token = keys.issue(&user)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: keys.ttl_seconds(),
        role: user.role.as_str().into(),
        unit: user.unit,
    }))
}

/// List users (admin).
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "users by name", body = [UserDto]),
    (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/users", wrap = "Permit(Action::ManageUsers)")]
pub async fn list_users(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ManageUsers)?;
    let list = with_users(&state, Users::list).await?;
    let app = state.app.clone();
    let disabled = web::block(move || app.disabled_users())
        .await
        .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|u| {
                let off = disabled.contains(&u.name);
                UserDto {
                    disabled: off,
                    ..UserDto::from(u)
                }
            })
            .collect::<Vec<_>>(),
    ))
}

/// Create a user (admin).
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewUser, responses(
    (status = 201, description = "created", body = UserDto),
    (status = 409, description = "name taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid name, password, role or unit", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/users", wrap = "Permit(Action::ManageUsers)")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Auth,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ManageUsers)?;
    let NewUser {
        name,
        password,
        role,
        unit,
    } = body.into_inner();
    let role = parse_role(&role)?;
    let user = with_users(&state, move |c| {
        c.add(&name, &password, role, unit.as_deref())
    })
    .await?;
    tracing::info!(user = %user.name, role = %user.role, by = %auth.0.sub, "user created");
    Ok(HttpResponse::Created().json(UserDto::from(user)))
}

/// Set a user's password (admin).
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewPassword, params(("name" = String, Path, description = "user name")), responses(
    (status = 204, description = "changed"),
    (status = 404, description = "no such user", body = Problem, content_type = "application/problem+json"),
))]
#[put("/api/v1/users/{name}/password", wrap = "Permit(Action::ManageUsers)")]
pub async fn set_password(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: web::Json<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ManageUsers)?;
    let name = path.into_inner();
    let password = body.into_inner().password;
    with_users(&state, move |c| c.set_password(&name, &password)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set a user's role and unit (admin). The last active admin cannot be demoted (409
/// `last_admin`).
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = NewRole, params(("name" = String, Path, description = "user name")), responses(
    (status = 200, description = "changed", body = UserDto),
    (status = 404, description = "no such user", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the last active admin cannot be demoted", body = Problem, content_type = "application/problem+json"),
))]
#[put("/api/v1/users/{name}/role", wrap = "Permit(Action::ManageUsers)")]
pub async fn set_role(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: web::Json<NewRole>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ManageUsers)?;
    let name = path.into_inner();
    let NewRole { role, unit } = body.into_inner();
    let role = parse_role(&role)?;
    let app = state.app.clone();
    let user = web::block(move || app.set_user_role(&name, role, unit.as_deref()))
        .await
        .map_err(ApiError::internal)??;
    let app = state.app.clone();
    let who = user.name.clone();
    let disabled = web::block(move || app.is_user_disabled(&who))
        .await
        .map_err(ApiError::internal)??;
    Ok(HttpResponse::Ok().json(UserDto {
        disabled,
        ..UserDto::from(user)
    }))
}

/// Disable (停用) or enable a user (admin). A disabled user cannot sign in and their tokens
/// stop working at once; the last active admin cannot be disabled (409 `last_admin`).
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = DisabledFlag, params(("name" = String, Path, description = "user name")), responses(
    (status = 204, description = "changed"),
    (status = 401, description = "no valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such user", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the last active admin cannot be disabled", body = Problem, content_type = "application/problem+json"),
))]
#[put("/api/v1/users/{name}/disabled", wrap = "Permit(Action::ManageUsers)")]
pub async fn set_disabled(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: web::Json<DisabledFlag>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require(Action::ManageUsers)?;
    let name = path.into_inner();
    let disabled = body.into_inner().disabled;
    let app = state.app.clone();
    let who = name.clone();
    web::block(move || app.set_user_disabled(&who, disabled))
        .await
        .map_err(ApiError::internal)??;
    tracing::info!(user = %name, disabled, by = %auth.0.sub, "user disabled flag changed");
    Ok(HttpResponse::NoContent().finish())
}
