//! User administration rules every front end shares: disabling (停用) and enabling a user, and
//! changing a role, with the rule that the service never loses its last active administrator
//! (the last active admin cannot be disabled or demoted, by itself or anyone); and the check
//! every request makes that the bearer of a token is not disabled (a disabled user's existing
//! tokens stop working at once, in this process).
//!
//! The set of disabled names is read from the store and kept up to date by these operations;
//! it is read again when older than `AppConfig::disabled_users_refresh` (by default
//! [`DISABLED_USERS_REFRESH`]), so a change made by another
//! process (the CLI on the same database, another server on the same PostgreSQL database)
//! reaches every running server within that time.

use crate::App;
use crate::error::{AppError, FieldError};
use jixiao_store::users::{Role, User, UserError, Users};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How old the cached set of disabled users may grow, by default, before it is read from the
/// store again.
pub const DISABLED_USERS_REFRESH: Duration = Duration::from_secs(2);

/// A user operation's failure as an application error naming its field.
pub fn user_error(e: UserError) -> AppError {
    let field = |f: &str, e: &UserError| {
        AppError::rejected(
            "invalid_user",
            e.to_string(),
            vec![FieldError::new(f, e.to_string(), format!("{f} is invalid"))],
        )
    };
    match e {
        UserError::InvalidName(_) => field("name", &e),
        UserError::BadPasswordLength => field("password", &e),
        UserError::UnknownRole(_) => field("role", &e),
        UserError::UnitRequired(_) | UserError::UnitNotAllowed(_) | UserError::InvalidUnit(_) => {
            field("unit", &e)
        }
        UserError::Exists(_) => AppError::conflict("user_exists", e.to_string()),
        UserError::NotFound(_) => AppError::not_found(e.to_string()),
        UserError::Hash(_) | UserError::Corrupt(_) | UserError::Sql(_) | UserError::Postgres(_) => {
            AppError::internal(e)
        }
    }
}

fn last_admin(name: &str) -> AppError {
    AppError {
        errors: vec![FieldError::new(
            "name",
            "不能停用或降级最后一个启用的系统管理员",
            "the last active admin cannot be disabled or demoted",
        )],
        ..AppError::conflict(
            "last_admin",
            format!(
                "“{name}”是最后一个启用的系统管理员，不能停用或降级 (the last active admin cannot be disabled or demoted)"
            ),
        )
    }
}

impl App {
    fn users_handle(&self) -> Result<Users, AppError> {
        self.store().users().map_err(AppError::from)
    }

    fn with_disabled<T>(&self, f: impl FnOnce(&mut HashSet<String>) -> T) -> Result<T, AppError> {
        let mut guard = self
            .disabled_users
            .lock()
            .map_err(|_| AppError::internal("disabled-users lock poisoned"))?;
        let stale = guard
            .as_ref()
            .is_none_or(|(_, read_at)| read_at.elapsed() >= self.config().disabled_users_refresh);
        if stale {
            let names = self.users_handle()?.disabled_names().map_err(user_error)?;
            *guard = Some((names.into_iter().collect(), Instant::now()));
        }
        let (set, _) = guard.get_or_insert_with(|| (HashSet::new(), Instant::now()));
        Ok(f(set))
    }

    /// Whether the user `name` is disabled (a token naming them is refused).
    pub fn is_user_disabled(&self, name: &str) -> Result<bool, AppError> {
        self.with_disabled(|set| set.contains(name))
    }

    /// The names of the disabled users.
    pub fn disabled_users(&self) -> Result<HashSet<String>, AppError> {
        self.with_disabled(|set| set.clone())
    }

    /// Refused (409 `last_admin`) when `user` is an active admin and the only one.
    fn keep_an_active_admin(&self, users: &Users, user: &User) -> Result<(), AppError> {
        if user.role != Role::Admin || self.is_user_disabled(&user.name)? {
            return Ok(());
        }
        let disabled = self.disabled_users()?;
        let active_admins = users
            .list()
            .map_err(user_error)?
            .into_iter()
            .filter(|u| u.role == Role::Admin && !disabled.contains(&u.name))
            .count();
        if active_admins <= 1 {
            return Err(last_admin(&user.name));
        }
        Ok(())
    }

    /// Disables (停用) or enables the user `name`. A disabled user cannot sign in and their
    /// tokens stop working; the last active admin cannot be disabled.
    pub fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<(), AppError> {
        // One administration change at a time, so two admins cannot disable each other.
        let _one = self
            .admin_changes
            .lock()
            .map_err(|_| AppError::internal("admin lock poisoned"))?;
        let users = self.users_handle()?;
        let user = users
            .get(name)
            .map_err(user_error)?
            .ok_or_else(|| user_error(UserError::NotFound(name.to_string())))?;
        if disabled {
            self.keep_an_active_admin(&users, &user)?;
        }
        users.set_disabled(name, disabled).map_err(user_error)?;
        self.with_disabled(|set| {
            if disabled {
                set.insert(name.to_string());
            } else {
                set.remove(name);
            }
        })
    }

    /// Changes the role (and unit) of the user `name`; the last active admin cannot be
    /// demoted.
    pub fn set_user_role(
        &self,
        name: &str,
        role: Role,
        unit: Option<&str>,
    ) -> Result<User, AppError> {
        let _one = self
            .admin_changes
            .lock()
            .map_err(|_| AppError::internal("admin lock poisoned"))?;
        let users = self.users_handle()?;
        let user = users
            .get(name)
            .map_err(user_error)?
            .ok_or_else(|| user_error(UserError::NotFound(name.to_string())))?;
        if role != Role::Admin {
            self.keep_an_active_admin(&users, &user)?;
        }
        users.set_role(name, role, unit).map_err(user_error)
    }
}
