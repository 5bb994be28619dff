//! The `users` table on PostgreSQL, with the rules of `crate::users` (validation, argon2id
//! hashing and verifying are shared; only the SQL differs).

use crate::users::{
    MAX_PASSWORD_BYTES, MAX_USERS_LISTED, PasswordCost, Role, User, UserError,
    hash_password_with_cost, password_matches, row_to_user, validate_name, validate_scope,
};
use chrono::Utc;
use postgres::Client;

const USER_COLUMNS: &str = "name, role, unit, created_at, updated_at";

fn user_of(r: &postgres::Row) -> Result<User, UserError> {
    row_to_user(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

pub(crate) fn add(
    c: &mut Client,
    cost: PasswordCost,
    name: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    validate_name(name)?;
    validate_scope(role, unit)?;
    let hash = hash_password_with_cost(cost, password)?;
    let stamp = Utc::now().to_rfc3339();
    let inserted = c.execute(
        "INSERT INTO users (name, password_hash, role, unit, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING",
        &[&name, &hash, &role.as_str(), &unit, &stamp],
    )?;
    if inserted == 0 {
        return Err(UserError::Exists(name.to_string()));
    }
    get(c, name)?.ok_or_else(|| UserError::NotFound(name.to_string()))
}

pub(crate) fn set_password(
    c: &mut Client,
    cost: PasswordCost,
    name: &str,
    password: &str,
) -> Result<(), UserError> {
    let hash = hash_password_with_cost(cost, password)?;
    let changed = c.execute(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE name = $1",
        &[&name, &hash, &Utc::now().to_rfc3339()],
    )?;
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    Ok(())
}

pub(crate) fn set_role(
    c: &mut Client,
    name: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<User, UserError> {
    validate_scope(role, unit)?;
    let changed = c.execute(
        "UPDATE users SET role = $2, unit = $3, updated_at = $4 WHERE name = $1",
        &[&name, &role.as_str(), &unit, &Utc::now().to_rfc3339()],
    )?;
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    get(c, name)?.ok_or_else(|| UserError::NotFound(name.to_string()))
}

pub(crate) fn get(c: &mut Client, name: &str) -> Result<Option<User>, UserError> {
    c.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
        &[&name],
    )?
    .as_ref()
    .map(user_of)
    .transpose()
}

pub(crate) fn list(c: &mut Client) -> Result<Vec<User>, UserError> {
    c.query(
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name LIMIT $1"),
        &[&(MAX_USERS_LISTED as i64)],
    )?
    .iter()
    .map(user_of)
    .collect()
}

pub(crate) fn set_disabled(c: &mut Client, name: &str, disabled: bool) -> Result<(), UserError> {
    let now = Utc::now().to_rfc3339();
    let changed = if disabled {
        c.execute(
            "UPDATE users SET disabled_at = COALESCE(disabled_at, $2), updated_at = $2 WHERE name = $1",
            &[&name, &now],
        )?
    } else {
        c.execute(
            "UPDATE users SET disabled_at = NULL, updated_at = $2 WHERE name = $1",
            &[&name, &now],
        )?
    };
    if changed == 0 {
        return Err(UserError::NotFound(name.to_string()));
    }
    Ok(())
}

pub(crate) fn disabled_names(c: &mut Client) -> Result<Vec<String>, UserError> {
    Ok(c.query(
        "SELECT name FROM users WHERE disabled_at IS NOT NULL ORDER BY name LIMIT $1",
        &[&(MAX_USERS_LISTED as i64)],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

pub(crate) fn count(c: &mut Client) -> Result<u64, UserError> {
    let n: i64 = c.query_one("SELECT COUNT(*) FROM users", &[])?.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) fn verify(
    c: &mut Client,
    cost: PasswordCost,
    name: &str,
    password: &str,
) -> Result<Option<User>, UserError> {
    if validate_name(name).is_err() || password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let row = c.query_opt(
        "SELECT password_hash, disabled_at FROM users WHERE name = $1",
        &[&name],
    )?;
    match row.map(|r| (r.get::<_, String>(0), r.get::<_, Option<String>>(1))) {
        // As on SQLite: a disabled user is refused like a wrong password.
        Some((hash, None)) if password_matches(&hash, password) => get(c, name),
        Some(_) => Ok(None),
        None => {
            let _ = hash_password_with_cost(cost, "timing-equaliser-password");
            Ok(None)
        }
    }
}
