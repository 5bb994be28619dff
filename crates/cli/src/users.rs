//! `users add|passwd|role|list`: user administration on the database directly (the service
//! may be running; the users table is outside the event log). Passwords are read from
//! `JIXIAO_PASSWORD` or the first line of standard input, never from the command line (which
//! other local users can see in the process list).

use crate::admin::open_store;
use crate::cli::UsersCommand;
use crate::exit::{CliResult, Failure};
use anyhow::Context as _;
use jixiao_store::users::UserError;
use std::io::BufRead;
use std::path::Path;

fn read_password() -> CliResult<String> {
    if let Ok(p) = std::env::var("JIXIAO_PASSWORD") {
        return Ok(p);
    }
    eprintln!("请输入密码后回车 (enter the password, then Enter):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法读取密码 (cannot read password)")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Validation errors (bad name, role, unit, password) exit with 3; others with 1.
fn user_failure(e: UserError) -> Failure {
    match e {
        UserError::Sql(_) | UserError::Postgres(_) | UserError::Hash(_) | UserError::Corrupt(_) => {
            Failure::from(e)
        }
        other => Failure::validation(other.to_string()),
    }
}

/// Run a `users` subcommand.
pub fn run(db: &Path, command: UsersCommand) -> CliResult {
    let store = open_store(db)?;
    let users = store.users().context("无法连接数据库 (cannot connect)")?;
    match command {
        UsersCommand::Add { name, role, unit } => {
            let password = read_password()?;
            let user = users
                .add(&name, &password, role.into(), unit.as_deref())
                .map_err(user_failure)?;
            println!(
                "已新增用户 (user added): {} [{}]{}",
                user.name,
                user.role.as_str(),
                unit_suffix(user.unit.as_deref())
            );
        }
        UsersCommand::Passwd { name } => {
            let password = read_password()?;
            users.set_password(&name, &password).map_err(user_failure)?;
            println!("已修改密码 (password changed): {name}");
        }
        UsersCommand::Role { name, role, unit } => {
            let user = users
                .set_role(&name, role.into(), unit.as_deref())
                .map_err(user_failure)?;
            println!(
                "已修改角色 (role changed): {} [{}]{}",
                user.name,
                user.role.as_str(),
                unit_suffix(user.unit.as_deref())
            );
        }
        UsersCommand::List => {
            let list = users.list().map_err(user_failure)?;
            println!(
                "{:<24} {:<10} {:<12} 创建时间 (created)",
                "用户 (name)", "角色 (role)", "单位 (unit)"
            );
            for u in list {
                println!(
                    "{:<24} {:<10} {:<12} {}",
                    u.name,
                    u.role.as_str(),
                    u.unit.as_deref().unwrap_or("—"),
                    u.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
    }
    Ok(())
}

fn unit_suffix(unit: Option<&str>) -> String {
    unit.map(|u| format!(" 单位 {u}")).unwrap_or_default()
}
