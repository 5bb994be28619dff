//! `jixiao serve [--demo]`: validate the settings, open the store, (for the demo: reset the
//! demo database and fill it with the 焦作 2024 year), then run the API until stopped
//! (SIGINT/SIGTERM stop it gracefully). The server holds the database's lock (`dblock.rs`)
//! for its whole life.

use crate::admin::open_store;
use crate::cli::ServeArgs;
use crate::config::{KeySource, Mode, Settings, random_key};
use crate::demo;
use crate::exit::{CliResult, Failure};
use anyhow::Context as _;
use chrono::{Datelike, NaiveDate};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

/// Default demo database, reset at each `serve --demo`.
pub const DEMO_DATABASE: &str = "./jixiao-demo.db";

/// The first line `serve` prints once it listens; tests and scripts read the port from it.
pub const LISTENING_PREFIX: &str = "jixiao 已启动 (listening): ";

fn resolve_bind(bind: &str) -> CliResult<SocketAddr> {
    bind.to_socket_addrs()
        .ok()
        .and_then(|mut it| it.next())
        .ok_or_else(|| Failure::usage(format!("监听地址无效 (invalid bind address): {bind}")))
}

/// Today's month and day, moved into the demo year (29 February becomes the 28th when the
/// demo year is not a leap year).
pub fn demo_today(real_today: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, real_today.month(), real_today.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, real_today.month(), 28))
        .unwrap_or(real_today)
}

/// Run `serve`.
pub fn run(mut settings: Settings, args: ServeArgs) -> CliResult {
    if let Some(bind) = args.bind {
        settings.bind = bind;
    }
    if args.demo {
        // The demo is for trying the service locally: an ephemeral key is fine.
        settings.mode = Mode::Development;
        // A configured PostgreSQL database holds the demo itself (it must be empty).
        let configured_postgres = crate::config::is_postgres(&settings.database_path);
        settings.database_path = match args.demo_database.clone() {
            Some(db) => db,
            None if configured_postgres => settings.database_path.clone(),
            None => PathBuf::from(DEMO_DATABASE),
        };
    }
    let config = settings.validate(random_key)?;
    if config.key_source == KeySource::Ephemeral {
        tracing::warn!(
            "开发模式：未配置签名密钥，已生成临时密钥，重启后令牌失效 (development mode: ephemeral signing key)"
        );
        eprintln!(
            "警告：开发模式，使用临时签名密钥 (warning: development mode, ephemeral signing key)"
        );
    }
    let bind = resolve_bind(&config.bind)?;
    let db_display = crate::config::database_display(&config.database_path);
    let postgres = crate::config::is_postgres(&config.database_path);
    tracing::info!(mode = ?config.mode, database = %db_display, "starting");

    // The configured business date (development only), else the real date in Asia/Shanghai.
    let mut business_today = config.business_today;
    let mut demo_info = None;
    // Held until the server stops (or the process dies: the kernel releases it), before the
    // database is opened or, for the demo, reset: restore, rebuild, migrate and events import
    // refuse to run under a live server, and a second server on the same file refuses to start.
    // On PostgreSQL several servers share the database: no file lock (the store serialises
    // appends across processes).
    let lock = crate::admin::lock_database(&config.database_path, "serve")?;
    if let Some(lock) = &lock {
        tracing::info!(lock = %lock.path().display(), "database locked for this server");
    }
    let store = if args.demo {
        if !postgres {
            demo::reset_database(&config.database_path)?;
        }
        let store = open_store(&config.database_path)?;
        if postgres && store.head().map_or(true, |h| h.position > 0) {
            return Err(Failure::usage(format!(
                "演示需要空的 PostgreSQL 数据库，{db_display} 已有事件，拒绝写入演示数据 (the demo needs an empty database)"
            )));
        }
        let today = args
            .demo_today
            .unwrap_or_else(|| demo_today(chrono::Local::now().date_naive(), demo::DEMO_YEAR));
        let info = demo::populate(&store, today)?;
        business_today = Some(today);
        demo_info = Some(info);
        store
    } else {
        open_store(&config.database_path)?
    };
    if store.is_read_only() {
        // A standby answers `verify` and `events export`; a server needs the primary.
        return Err(Failure::usage(format!(
            "{db_display} 是只读数据库（备库）：服务需要可写的主库，请把 database.url 指向主库；备库上可运行 verify、events export (a server needs the primary; this database is read-only)"
        )));
    }

    let mut api =
        jixiao_api::ApiConfig::new(bind, jixiao_api::Secret::new(config.jwt_secret.expose()));
    api.business_today = business_today;
    api.secure_cookies = config.secure_cookies;
    api.cached_events = config.cached_events;
    api.login_throttle = config.login_throttle.clone();
    actix_web::rt::System::new().block_on(async move {
        let (server, address) =
            jixiao_api::build(api, store).context("无法启动服务 (cannot start the server)")?;
        let host = if address.ip().is_unspecified() {
            format!("127.0.0.1:{}", address.port())
        } else {
            address.to_string()
        };
        // The banner is for whoever started the server; a stdout closed by then (a supervisor,
        // a test harness that read the address and went away) must not stop the server:
        // write errors are ignored, unlike `println!`, which panics on a broken pipe.
        let mut banner = format!(
            "{LISTENING_PREFIX}http://{host}/\n接口文档 (API docs): http://{host}/docs\n\
             健康检查 (health): http://{host}/healthz\n数据库 (database): {db_display}\n"
        );
        if let Some(info) = &demo_info {
            banner.push_str(&info.banner());
        }
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(banner.as_bytes());
            let _ = out.flush();
        }
        server.await.context("服务异常退出 (server failed)")?;
        Ok::<(), Failure>(())
    })?;
    drop(lock);
    Ok(())
}

/// Longest wait of a health probe.
const HEALTHCHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// `jixiao healthcheck`: GET /healthz on the local service with the standard library only, so
/// the runtime image needs no curl. Exit 0 when it answers 200.
pub fn healthcheck(bind: &str) -> CliResult {
    use std::io::{Read, Write};
    let mut addr = resolve_bind(bind)?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let mut stream = std::net::TcpStream::connect_timeout(&addr, HEALTHCHECK_TIMEOUT)
        .with_context(|| format!("无法连接 {addr} (cannot connect)"))?;
    stream.set_read_timeout(Some(HEALTHCHECK_TIMEOUT))?;
    stream.set_write_timeout(Some(HEALTHCHECK_TIMEOUT))?;
    write!(
        stream,
        "GET /healthz HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    if status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200") {
        println!("ok");
        Ok(())
    } else {
        Err(Failure::from(anyhow::anyhow!(
            "健康检查失败 (unhealthy): {}",
            status_line.lines().next().unwrap_or("")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_maps_today_into_the_demo_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(demo_today(d(2026, 11, 25), 2024), d(2024, 11, 25));
        assert_eq!(demo_today(d(2028, 2, 29), 2023), d(2023, 2, 28));
    }
}
