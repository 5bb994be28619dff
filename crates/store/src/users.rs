//! Users of the service: names, roles, unit scope and argon2id password hashes in the `users`
//! table (migration 0003). Used by the HTTP API (login, admin endpoints) and by the CLI
//! (`jixiao users …`), so it knows nothing about HTTP.
//!
//! Invariants:
//! - a password is stored only as an argon2id PHC string, never in clear, never logged;
//! - staff and unit heads always have a unit; finance, auditors and admins never do (they see
//!   every unit) — enforced here and by a CHECK constraint;
//! - callers go through [`Users`] (`Store::users()`), a handle on its own connection, so user
//!   administration never goes through the event writer thread and no caller sees SQL.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
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

fn validate_scope(role: Role, unit: Option<&str>) -> Result<(), UserError> {
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

/// Hashes a password with argon2id (default parameters) and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    validate_password(password)?;
    // The salt's 16 bytes come from a v4 UUID, which draws them from the OS CSPRNG
    // (getrandom): this avoids enabling a second rand_core backend just for `OsRng`.
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| UserError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

fn password_matches(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
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

fn row_to_user(
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

/// Creates a user. Fails if the name is taken.
pub(crate) fn add(
    conn: &Connection,
    name: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    validate_name(name)?;
    validate_scope(role, unit)?;
    let hash = hash_password(password)?;
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

/// Replaces a user's password.
pub(crate) fn set_password(conn: &Connection, name: &str, password: &str) -> Result<(), UserError> {
    let hash = hash_password(password)?;
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

/// Number of users.
pub(crate) fn count(conn: &Connection) -> Result<u64, UserError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Checks a name and password. `Ok(None)` when the user is unknown or the password is wrong —
/// callers must not tell the two apart to the client.
pub(crate) fn verify(
    conn: &Connection,
    name: &str,
    password: &str,
) -> Result<Option<User>, UserError> {
    if validate_name(name).is_err() || password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let row: Option<String> = conn
        .query_row(
            "SELECT password_hash FROM users WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?;
    match row {
        Some(hash) if password_matches(&hash, password) => get(conn, name),
        Some(_) => Ok(None),
        None => {
            // Spend the same hashing time for an unknown name, so response timing does not
            // reveal which names exist.
            let _ = hash_password("timing-equaliser-password");
            Ok(None)
        }
    }
}

/// User administration on the `users` table (outside the event log), on a connection of its
/// own: obtained from `Store::users()`, used for one or a few operations, then dropped.
pub struct Users {
    conn: Connection,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users").finish_non_exhaustive()
    }
}

impl Users {
    pub(crate) fn new(conn: Connection) -> Self {
        Users { conn }
    }

    /// Creates a user. Fails if the name is taken.
    pub fn add(
        &self,
        name: &str,
        password: &str,
        role: Role,
        unit: Option<&str>,
    ) -> Result<User, UserError> {
        add(&self.conn, name, password, role, unit)
    }

    /// Replaces a user's password.
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), UserError> {
        set_password(&self.conn, name, password)
    }

    /// Changes a user's role (and unit scope).
    pub fn set_role(&self, name: &str, role: Role, unit: Option<&str>) -> Result<User, UserError> {
        set_role(&self.conn, name, role, unit)
    }

    /// One user, if it exists.
    pub fn get(&self, name: &str) -> Result<Option<User>, UserError> {
        get(&self.conn, name)
    }

    /// Every user, by name (at most [`MAX_USERS_LISTED`]).
    pub fn list(&self) -> Result<Vec<User>, UserError> {
        list(&self.conn)
    }

    /// Number of users.
    pub fn count(&self) -> Result<u64, UserError> {
        count(&self.conn)
    }

    /// Checks a name and password. `Ok(None)` when the user is unknown or the password is
    /// wrong — callers must not tell the two apart to the client.
    pub fn verify(&self, name: &str, password: &str) -> Result<Option<User>, UserError> {
        verify(&self.conn, name, password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../../migrations/0003_users.sql"))
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
