//! Users of the service: names, roles, unit scope and argon2id password hashes in the `users`
//! table (migration 0003). Used by the HTTP API (login, admin endpoints) and by the CLI
//! (`jixiao users …`), so it knows nothing about HTTP.
//!
//! Invariants:
//! - a password is stored only as an argon2id PHC string, never in clear, never logged;
//! - staff and unit heads always have a unit; finance, auditors and admins never do (they see
//!   every unit) — enforced here and by a CHECK constraint;
//! - callers go through [`Users`] (`Store::users()`), a handle on its own connection, so user
//!   administration never goes through the event writer thread and no caller sees SQL;
//! - new hashes use the strong argon2id parameters ([`PasswordCost::Strong`]) unless a caller
//!   names [`PasswordCost::Test`] explicitly (`Users::with_cost`; only test harnesses do: no
//!   configuration file, environment variable or CLI option maps to it). Verifying reads the
//!   parameters from the stored hash, so a hash stays checkable whatever the cost it was made with.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest user name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in bytes (bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest unit code, in bytes (same bound as the store's metadata).
pub const MAX_UNIT_BYTES: usize = 256;
/// Most users `list` returns.
pub const MAX_USERS_LISTED: usize = 10_000;

/// Memory of one strong hash, in KiB (argon2id, OWASP's first recommended setting; argon2 0.5's
/// default, pinned here so that a dependency upgrade cannot change it silently).
pub const STRONG_MEMORY_KIB: u32 = 19 * 1024;
/// Passes of one strong hash.
pub const STRONG_ITERATIONS: u32 = 2;
/// Lanes of one strong hash.
pub const STRONG_PARALLELISM: u32 = 1;
/// Memory of one test-cost hash, in KiB: argon2's minimum for one lane.
pub const TEST_MEMORY_KIB: u32 = 8;
/// Passes of one test-cost hash: argon2's minimum.
pub const TEST_ITERATIONS: u32 = 1;
/// Lanes of one test-cost hash.
pub const TEST_PARALLELISM: u32 = 1;

/// How much work hashing one password costs: the argon2id parameters of new hashes.
///
/// The default is [`PasswordCost::Strong`], which every production path uses (the functions
/// without `_with_cost` take it, and so does the API unless its configuration is changed in
/// code). [`PasswordCost::Test`] makes a hash cost microseconds instead of a sizeable fraction
/// of a second, for test harnesses that create throwaway users; it offers no protection to a
/// stolen hash and must never be chosen for real users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordCost {
    /// [`STRONG_MEMORY_KIB`], [`STRONG_ITERATIONS`], [`STRONG_PARALLELISM`].
    #[default]
    Strong,
    /// [`TEST_MEMORY_KIB`], [`TEST_ITERATIONS`], [`TEST_PARALLELISM`]: tests only.
    Test,
}

impl PasswordCost {
    /// The hasher for new hashes at this cost (argon2id, version 0x13).
    fn hasher(self) -> Result<Argon2<'static>, UserError> {
        let (memory_kib, iterations, parallelism) = match self {
            PasswordCost::Strong => (STRONG_MEMORY_KIB, STRONG_ITERATIONS, STRONG_PARALLELISM),
            PasswordCost::Test => (TEST_MEMORY_KIB, TEST_ITERATIONS, TEST_PARALLELISM),
        };
        let params = Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| UserError::Hash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// What a user may do. See the API docs for the matrix of roles and endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 经办人员: records events and drafts explanations for one unit.
    Staff,
    /// 单位负责人: as staff, and files the monitoring report, requests adjustments, submits the
    /// self-evaluation — for one unit.
    UnitHead,
    /// 财政局: decides adjustments, closes and reopens years, monitors every unit.
    Finance,
    /// 审计: reads everything and verifies the chain; never writes.
    Auditor,
    /// 系统管理员: manages units and users.
    Admin,
}

impl Role {
    /// Every role, in order of the table above.
    pub const ALL: [Role; 5] = [
        Role::Staff,
        Role::UnitHead,
        Role::Finance,
        Role::Auditor,
        Role::Admin,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::UnitHead => "unit_head",
            Role::Finance => "finance",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// The Chinese name shown to people.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Staff => "经办人员",
            Role::UnitHead => "单位负责人",
            Role::Finance => "财政局",
            Role::Auditor => "审计",
            Role::Admin => "系统管理员",
        }
    }

    /// Whether users of this role belong to exactly one unit.
    pub fn is_unit_scoped(self) -> bool {
        matches!(self, Role::Staff | Role::UnitHead)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UserError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UserError::UnknownRole(s.to_string()))
    }
}

/// A user as listed (never with the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// 单位代码 for staff and unit heads.
    pub unit: Option<String>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the password or role last changed.
    pub updated_at: DateTime<Utc>,
}

/// Why a user operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is empty, too long, or has spaces or control characters.
    #[error("用户名“{0}”无效：须为1-64个字符，不含空白或控制字符 (invalid user name)")]
    InvalidName(String),
    /// The password is too short or too long.
    #[error(
        "密码长度须为{MIN_PASSWORD_CHARS}个字符至{MAX_PASSWORD_BYTES}字节 (password length out of range)"
    )]
    BadPasswordLength,
    /// Not one of the five roles.
    #[error("未知角色“{0}”：应为 staff、unit_head、finance、auditor 或 admin (unknown role)")]
    UnknownRole(String),
    /// Staff and unit heads need a unit.
    #[error("角色“{0}”必须指定所属单位 (role needs a unit)")]
    UnitRequired(Role),
    /// Finance, auditors and admins see every unit and take none.
    #[error("角色“{0}”不属于单个单位，不能指定单位 (role takes no unit)")]
    UnitNotAllowed(Role),
    /// The unit code is empty, too long, or has control characters.
    #[error("单位代码“{0}”无效 (invalid unit code)")]
    InvalidUnit(String),
    /// A user of that name exists.
    #[error("用户“{0}”已存在 (user exists)")]
    Exists(String),
    /// No user of that name.
    #[error("用户“{0}”不存在 (no such user)")]
    NotFound(String),
    /// Hashing failed (should not happen with valid parameters).
    #[error("密码哈希失败 (password hashing failed): {0}")]
    Hash(String),
    /// A stored row could not be read (corrupt role or time).
    #[error("用户数据损坏 (corrupt user row): {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("数据库错误 (database error): {0}")]
    Sql(#[from] rusqlite::Error),
    /// The PostgreSQL database failed.
    #[error("数据库错误 (database error): {0}")]
    Postgres(#[from] postgres::Error),
}

/// Checks a user name: 1..=64 characters, no whitespace or control characters.
pub fn validate_name(name: &str) -> Result<(), UserError> {
    let chars = name.chars().count();
    if chars == 0
        || chars > MAX_NAME_CHARS
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(UserError::InvalidName(
            name.chars().take(MAX_NAME_CHARS).collect(),
        ));
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(UserError::BadPasswordLength);
    }
    Ok(())
}

pub(crate) fn validate_scope(role: Role, unit: Option<&str>) -> Result<(), UserError> {
    match (role.is_unit_scoped(), unit) {
        (true, None) => Err(UserError::UnitRequired(role)),
        (false, Some(_)) => Err(UserError::UnitNotAllowed(role)),
        (true, Some(u))
            if u.is_empty() || u.len() > MAX_UNIT_BYTES || u.chars().any(char::is_control) =>
        {
            Err(UserError::InvalidUnit(u.to_string()))
        }
        _ => Ok(()),
    }
}

/// Hashes a password with argon2id at the strong cost and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    hash_password_with_cost(PasswordCost::default(), password)
}

/// Hashes a password with argon2id at `cost` and a fresh random salt.
pub fn hash_password_with_cost(cost: PasswordCost, password: &str) -> Result<String, UserError> {
    validate_password(password)?;
    // The salt's 16 bytes come from a v4 UUID, which draws them from the OS CSPRNG
    // (getrandom): this avoids enabling a second rand_core backend just for `OsRng`.
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| UserError::Hash(e.to_string()))?;
    cost.hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

pub(crate) fn password_matches(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        // The parameters (and algorithm) come from the stored hash, not from the hasher.
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, UserError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| UserError::Corrupt(format!("time “{text}”: {e}")))
}

pub(crate) fn row_to_user(
    name: String,
    role: String,
    unit: Option<String>,
    created: String,
    updated: String,
) -> Result<User, UserError> {
    Ok(User {
        name,
        role: role
            .parse()
            .map_err(|_| UserError::Corrupt(format!("role “{role}”")))?,
        unit,
        created_at: parse_time(&created)?,
        updated_at: parse_time(&updated)?,
    })
}

/// Creates a user, hashing the password at the strong cost. Fails if the name is taken.
#[cfg(test)]
pub(crate) fn add(
    conn: &Connection,
    name: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    add_with_cost(conn, PasswordCost::default(), name, password, role, unit)
}

/// Creates a user, hashing the password at `cost`. Fails if the name is taken.
pub(crate) fn add_with_cost(
    conn: &Connection,
    cost: PasswordCost,
    name: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    validate_name(name)?;
    validate_scope(role, unit)?;
    let hash = hash_password_with_cost(cost, password)?;
    let now = Utc::now();
    let stamp = now.to_rfc3339();
    let inserted = conn.execute(
        "INSERT INTO users (name, password_hash, role, unit, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO NOTHING",
        params![name, hash, role.as_str(), unit, stamp],
    )?;
    if inserted == 0 {
        return Err(UserError::Exists(name.to_string()));
    }
    get(conn, name)?.ok_or_else(|| UserError::NotFound(name.to_string()))
}

/// Replaces a user's password, hashing it at the strong cost.
#[cfg(test)]
pub(crate) fn set_password(conn: &Connection, name: &str, password: &str) -> Result<(), UserError> {
    set_password_with_cost(conn, PasswordCost::default(), name, password)
}

/// Checks a name and password at the strong cost (see [`verify_with_cost`]).
#[cfg(test)]
pub(crate) fn verify(
    conn: &Connection,
    name: &str,
    password: &str,
) -> Result<Option<User>, UserError> {
    verify_with_cost(conn, PasswordCost::default(), name, password)
}

/// Replaces a user's password, hashing it at `cost`.
pub(crate) fn set_password_with_cost(
    conn: &Connection,
    cost: PasswordCost,
    name: &str,
    password: &str,
) -> Result<(), UserError> {
    let hash = hash_password_with_cost(cost, password)?;
    let changed = conn.execute(
        "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE name = ?1",
        params![name, hash, Utc::now().to_rfc3339()],
    )?;
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    Ok(())
}

/// Changes a user's role (and unit scope).
pub(crate) fn set_role(
    conn: &Connection,
    name: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    validate_scope(role, unit)?;
    let changed = conn.execute(
        "UPDATE users SET role = ?2, unit = ?3, updated_at = ?4 WHERE name = ?1",
        params![name, role.as_str(), unit, Utc::now().to_rfc3339()],
    )?;
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    get(conn, name)?.ok_or_else(|| UserError::NotFound(name.to_string()))
}

/// One user, if it exists.
pub(crate) fn get(conn: &Connection, name: &str) -> Result<Option<User>, UserError> {
    let row = conn
        .query_row(
            "SELECT name, role, unit, created_at, updated_at FROM users WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(n, r, u, c, up)| row_to_user(n, r, u, c, up))
        .transpose()
}

/// Every user, by name (at most [`MAX_USERS_LISTED`]).
pub(crate) fn list(conn: &Connection) -> Result<Vec<User>, UserError> {
    let mut stmt = conn.prepare(
        "SELECT name, role, unit, created_at, updated_at FROM users ORDER BY name LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![MAX_USERS_LISTED as i64], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    let mut users = Vec::new();
    for row in rows {
        let (n, r, u, c, up) = row?;
        users.push(row_to_user(n, r, u, c, up)?);
    }
    Ok(users)
}

/// Disables (`disabled = true`, 停用) or enables a user. Disabling an already disabled user
/// keeps its first time. Fails if there is no such user.
pub(crate) fn set_disabled(conn: &Connection, name: &str, disabled: bool) -> Result<(), UserError> {
    let now = Utc::now().to_rfc3339();
    let changed = if disabled {
        conn.execute(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, ?2), updated_at = ?2 WHERE name = ?1",
            params![name, now],
        )?
    } else {
        conn.execute(
            "UPDATE users SET disabled_at = NULL, updated_at = ?2 WHERE name = ?1",
            params![name, now],
        )?
    };
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    Ok(())
}

/// The names of the disabled users, by name (at most [`MAX_USERS_LISTED`]).
pub(crate) fn disabled_names(conn: &Connection) -> Result<Vec<String>, UserError> {
    let mut stmt = conn
        .prepare("SELECT name FROM users WHERE disabled_at IS NOT NULL ORDER BY name LIMIT ?1")?;
    let names = stmt
        .query_map(params![MAX_USERS_LISTED as i64], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}

/// Number of users.
pub(crate) fn count(conn: &Connection) -> Result<u64, UserError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Checks a name and password. `Ok(None)` when the user is unknown or the password is wrong —
/// callers must not tell the two apart to the client. An unknown name costs one hash at
/// `cost` (the cost the users were made with), so timing does not tell them apart either.
pub(crate) fn verify_with_cost(
    conn: &Connection,
    cost: PasswordCost,
    name: &str,
    password: &str,
) -> Result<Option<User>, UserError> {
    if validate_name(name).is_err() || password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT password_hash, disabled_at FROM users WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        // A disabled user is refused like a wrong password (after the same hashing work), so
        // the answer does not tell a disabled account from a wrong guess.
        Some((hash, None)) if password_matches(&hash, password) => get(conn, name),
        Some(_) => Ok(None),
        None => {
            // Spend the same hashing time for an unknown name, so response timing does not
            // reveal which names exist.
            let _ = hash_password_with_cost(cost, "timing-equaliser-password");
            Ok(None)
        }
    }
}

/// User administration on the `users` table (outside the event log), on a connection of its
/// own: obtained from `Store::users()`, used for one or a few operations, then dropped.
pub struct Users {
    conn: UsersConn,
    cost: PasswordCost,
}

/// The connection of a [`Users`] handle, on the store's engine.
enum UsersConn {
    Sqlite(Connection),
    /// A `Mutex` because a PostgreSQL client needs `&mut` and the handle's methods take `&self`.
    /// `None` only while the handle is dropped.
    Postgres(std::sync::Mutex<Option<postgres::Client>>),
}

impl Drop for Users {
    fn drop(&mut self) {
        if let UsersConn::Postgres(client) = &mut self.conn {
            // Closing a client blocks on its runtime: off any async runtime.
            let client = client.get_mut().unwrap_or_else(|p| p.into_inner()).take();
            crate::pg::off_runtime(move || drop(client));
        }
    }
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users").finish_non_exhaustive()
    }
}

impl Users {
    pub(crate) fn new(conn: Connection) -> Self {
        Users {
            conn: UsersConn::Sqlite(conn),
            cost: PasswordCost::default(),
        }
    }

    pub(crate) fn postgres(client: postgres::Client) -> Self {
        Users {
            conn: UsersConn::Postgres(std::sync::Mutex::new(Some(client))),
            cost: PasswordCost::default(),
        }
    }

    /// Runs `sqlite` or `pg` on this handle's connection.
    fn on<T>(
        &self,
        sqlite: impl FnOnce(&Connection) -> Result<T, UserError>,
        pg: impl FnOnce(&mut postgres::Client) -> Result<T, UserError> + Send,
    ) -> Result<T, UserError>
    where
        T: Send,
    {
        match &self.conn {
            UsersConn::Sqlite(conn) => sqlite(conn),
            UsersConn::Postgres(client) => {
                // A client holds no half-done state between calls: a poisoned lock is usable.
                let mut client = client.lock().unwrap_or_else(|p| p.into_inner());
                let client = client
                    .as_mut()
                    .ok_or_else(|| UserError::Corrupt("postgres connection closed".into()))?;
                crate::pg::off_runtime(|| pg(client))
            }
        }
    }

    /// Hash new passwords (and equalise the timing of unknown names) at `cost` instead of the
    /// strong default: test harnesses only.
    pub fn with_cost(mut self, cost: PasswordCost) -> Self {
        self.cost = cost;
        self
    }

    /// Creates a user. Fails if the name is taken.
    pub fn add(
        &self,
        name: &str,
        password: &str,
        role: Role,
        unit: Option<&str>,
    ) -> Result<User, UserError> {
        let cost = self.cost;
        self.on(
            |c| add_with_cost(c, cost, name, password, role, unit),
            |c| crate::pg::users::add(c, cost, name, password, role, unit),
        )
    }

    /// Replaces a user's password.
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), UserError> {
        let cost = self.cost;
        self.on(
            |c| set_password_with_cost(c, cost, name, password),
            |c| crate::pg::users::set_password(c, cost, name, password),
        )
    }

    /// Changes a user's role (and unit scope).
    pub fn set_role(&self, name: &str, role: Role, unit: Option<&str>) -> Result<User, UserError> {
        self.on(
            |c| set_role(c, name, role, unit),
            |c| crate::pg::users::set_role(c, name, role, unit),
        )
    }

    /// One user, if it exists.
    pub fn get(&self, name: &str) -> Result<Option<User>, UserError> {
        self.on(|c| get(c, name), |c| crate::pg::users::get(c, name))
    }

    /// Every user, by name (at most [`MAX_USERS_LISTED`]).
    pub fn list(&self) -> Result<Vec<User>, UserError> {
        self.on(list, crate::pg::users::list)
    }

    /// Disables (停用) or enables a user: a disabled user cannot sign in (`verify` answers as
    /// for a wrong password). Refusing the tokens already issued is the caller's part (the
    /// application layer checks [`Users::disabled_names`]).
    pub fn set_disabled(&self, name: &str, disabled: bool) -> Result<(), UserError> {
        self.on(
            |c| set_disabled(c, name, disabled),
            |c| crate::pg::users::set_disabled(c, name, disabled),
        )
    }

    /// The names of the disabled users, by name.
    pub fn disabled_names(&self) -> Result<Vec<String>, UserError> {
        self.on(disabled_names, crate::pg::users::disabled_names)
    }

    /// Number of users.
    pub fn count(&self) -> Result<u64, UserError> {
        self.on(count, crate::pg::users::count)
    }

    /// Checks a name and password. `Ok(None)` when the user is unknown or the password is
    /// wrong — callers must not tell the two apart to the client.
    pub fn verify(&self, name: &str, password: &str) -> Result<Option<User>, UserError> {
        let cost = self.cost;
        self.on(
            |c| verify_with_cost(c, cost, name, password),
            |c| crate::pg::users::verify(c, cost, name, password),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../../migrations/0003_users.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../../../migrations/0007_users_disabled.sql"))
            .unwrap();
        conn
    }

    #[test]
    fn a_user_added_can_log_in_with_their_password_only() {
        let conn = db();
        let user = add(&conn, "zhang", "correct horse", Role::Staff, Some("261301")).unwrap();
        assert_eq!(user.role, Role::Staff);
        assert_eq!(user.unit.as_deref(), Some("261301"));
        assert_eq!(
            verify(&conn, "zhang", "correct horse")
                .unwrap()
                .map(|u| u.name),
            Some("zhang".into())
        );
        assert!(verify(&conn, "zhang", "wrong horse!").unwrap().is_none());
        assert!(verify(&conn, "nobody", "correct horse").unwrap().is_none());
    }

    #[test]
    fn the_password_is_stored_only_as_an_argon2id_hash() {
        let conn = db();
        add(&conn, "li", "secret-password", Role::Admin, None).unwrap();
        let stored: String = conn
            .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("secret-password"));
    }

    /// The `m=…,t=…,p=…` parameters of the hash stored for `name`.
    fn stored_params(conn: &Connection, name: &str) -> (u32, u32, u32) {
        let stored: String = conn
            .query_row(
                "SELECT password_hash FROM users WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .unwrap();
        let params = Params::try_from(&PasswordHash::new(&stored).unwrap()).unwrap();
        (params.m_cost(), params.t_cost(), params.p_cost())
    }

    #[test]
    fn the_default_cost_is_the_strong_one_and_every_plain_function_uses_it() {
        assert_eq!(PasswordCost::default(), PasswordCost::Strong);
        let strong = (STRONG_MEMORY_KIB, STRONG_ITERATIONS, STRONG_PARALLELISM);
        assert_eq!(strong, (19_456, 2, 1));
        // Today's strong cost is argon2's own default, as before the cost became a setting.
        assert_eq!(
            strong,
            (
                Params::DEFAULT_M_COST,
                Params::DEFAULT_T_COST,
                Params::DEFAULT_P_COST
            )
        );
        let conn = db();
        add(&conn, "zhao", "first-password", Role::Auditor, None).unwrap();
        assert_eq!(stored_params(&conn, "zhao"), strong);
        add_with_cost(
            &conn,
            PasswordCost::Test,
            "qian",
            "first-password",
            Role::Auditor,
            None,
        )
        .unwrap();
        set_password(&conn, "qian", "second-password").unwrap();
        assert_eq!(stored_params(&conn, "qian"), strong);
    }

    #[test]
    fn a_test_cost_hash_is_cheap_argon2id_and_checks_like_any_other() {
        let conn = db();
        add_with_cost(
            &conn,
            PasswordCost::Test,
            "sun",
            "first-password",
            Role::Finance,
            None,
        )
        .unwrap();
        assert_eq!(
            stored_params(&conn, "sun"),
            (TEST_MEMORY_KIB, TEST_ITERATIONS, TEST_PARALLELISM)
        );
        // Verifying reads the cost from the stored hash, whatever cost the caller names.
        assert!(verify(&conn, "sun", "first-password").unwrap().is_some());
        assert!(
            verify_with_cost(&conn, PasswordCost::Test, "sun", "wrong-password")
                .unwrap()
                .is_none()
        );
        set_password_with_cost(&conn, PasswordCost::Test, "sun", "second-password").unwrap();
        assert_eq!(stored_params(&conn, "sun").0, TEST_MEMORY_KIB);
        assert!(
            verify_with_cost(&conn, PasswordCost::Test, "sun", "second-password")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_disabled_user_cannot_sign_in_until_enabled_again() {
        let conn = db();
        add_with_cost(
            &conn,
            PasswordCost::Test,
            "zhou",
            "first-password",
            Role::Staff,
            Some("261301"),
        )
        .unwrap();
        set_disabled(&conn, "zhou", true).unwrap();
        assert!(
            verify_with_cost(&conn, PasswordCost::Test, "zhou", "first-password")
                .unwrap()
                .is_none()
        );
        assert_eq!(disabled_names(&conn).unwrap(), ["zhou"]);
        set_disabled(&conn, "zhou", false).unwrap();
        assert!(
            verify_with_cost(&conn, PasswordCost::Test, "zhou", "first-password")
                .unwrap()
                .is_some()
        );
        assert!(disabled_names(&conn).unwrap().is_empty());
        assert!(matches!(
            set_disabled(&conn, "ghost", true),
            Err(UserError::NotFound(_))
        ));
    }

    #[test]
    fn changing_the_password_invalidates_the_old_one() {
        let conn = db();
        add(&conn, "wang", "first-password", Role::Finance, None).unwrap();
        set_password(&conn, "wang", "second-password").unwrap();
        assert!(verify(&conn, "wang", "first-password").unwrap().is_none());
        assert!(verify(&conn, "wang", "second-password").unwrap().is_some());
        assert!(matches!(
            set_password(&conn, "ghost", "whatever-pw"),
            Err(UserError::NotFound(_))
        ));
    }

    #[test]
    fn unit_scope_follows_the_role() {
        let conn = db();
        assert!(matches!(
            add(&conn, "a", "password1", Role::Staff, None),
            Err(UserError::UnitRequired(_))
        ));
        assert!(matches!(
            add(&conn, "b", "password1", Role::Auditor, Some("1")),
            Err(UserError::UnitNotAllowed(_))
        ));
        add(&conn, "c", "password1", Role::UnitHead, Some("261301")).unwrap();
        let promoted = set_role(&conn, "c", Role::Finance, None).unwrap();
        assert_eq!((promoted.role, promoted.unit), (Role::Finance, None));
        assert!(matches!(
            set_role(&conn, "c", Role::Staff, None),
            Err(UserError::UnitRequired(_))
        ));
    }

    #[test]
    fn names_and_passwords_are_bounded() {
        let conn = db();
        assert!(matches!(
            add(&conn, "", "password1", Role::Admin, None),
            Err(UserError::InvalidName(_))
        ));
        assert!(matches!(
            add(&conn, "has space", "password1", Role::Admin, None),
            Err(UserError::InvalidName(_))
        ));
        assert!(matches!(
            add(&conn, "short", "1234567", Role::Admin, None),
            Err(UserError::BadPasswordLength)
        ));
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(
            add(&conn, "long", &long, Role::Admin, None),
            Err(UserError::BadPasswordLength)
        ));
    }

    #[test]
    fn a_name_can_be_taken_only_once_and_list_shows_everyone_by_name() {
        let conn = db();
        add(&conn, "b", "password1", Role::Admin, None).unwrap();
        add(&conn, "a", "password1", Role::Auditor, None).unwrap();
        assert!(matches!(
            add(&conn, "a", "password2", Role::Admin, None),
            Err(UserError::Exists(_))
        ));
        let names: Vec<String> = list(&conn).unwrap().into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(count(&conn).unwrap(), 2);
    }

    #[test]
    fn roles_parse_from_their_stored_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!(matches!(
            "root".parse::<Role>(),
            Err(UserError::UnknownRole(_))
        ));
    }
}
