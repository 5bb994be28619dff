//! Operations on the database as a whole: `verify`, `rebuild`, `backup`, `restore`, `migrate`.
//!
//! `restore` never replaces a database with a file that has not verified: the backup is copied
//! beside the target, opened (migrations), its hash chain and SQLite's integrity check are
//! checked, and only then is it renamed into place. The old database, if replaced, is kept.
//!
//! `rebuild`, `restore` and `migrate` rewrite or replace the file, so each first takes the
//! database's lock (`dblock.rs`) and refuses (exit 5, naming the holder) while a server runs.

use crate::dblock;
use crate::exit::{CliResult, Failure};
use crate::progress;
use anyhow::Context as _;
use jixiao_store::{Store, StoreOptions};
use std::path::{Path, PathBuf};

/// Open the store at `path` (creating it and applying migrations): a SQLite file, or the
/// PostgreSQL database of a `postgres://` URL (`database.url`).
pub fn open_store(path: &Path) -> CliResult<Store> {
    let options = match path.to_str() {
        Some(url) if crate::config::is_postgres(path) => StoreOptions::from_url(url),
        _ => StoreOptions::new(path),
    };
    Store::open(options)
        .with_context(|| {
            format!(
                "无法打开数据库 {} (cannot open database)",
                crate::config::database_display(path)
            )
        })
        .map_err(Failure::from)
}

/// Takes the database's file lock (`dblock.rs`) for `command`; `None` on PostgreSQL, where
/// several servers share the database by design and the server serialises what must be.
pub fn lock_database(db: &Path, command: &str) -> CliResult<Option<dblock::DbLock>> {
    if crate::config::is_postgres(db) {
        return Ok(None);
    }
    dblock::acquire(db, command).map(Some)
}

/// The application over the store at `path`, with the default settings (the CLI has no
/// business "today" override and uses the default scoring profile unless told otherwise).
pub fn open_app(path: &Path) -> CliResult<jixiao_app::App> {
    Ok(jixiao_app::App::new(
        open_store(path)?,
        jixiao_app::AppConfig::default(),
    ))
}

/// What `verify` found, for printing and for `restore`.
pub struct Verified {
    /// Events checked.
    pub events: u64,
    /// Head position.
    pub position: u64,
    /// Head hash (hex).
    pub hash_hex: String,
}

/// Walk the hash chain and run SQLite's integrity check; exit code 4 when either fails.
pub fn verify_store(store: &Store) -> CliResult<Verified> {
    let spinner = progress::spinner("校验哈希链 (verifying the hash chain)");
    let report = store.verify().context("校验失败 (verify failed)")?;
    // PostgreSQL checks its own pages (pg_amcheck): only the hash chain is ours to walk there.
    let problems = match store.engine() {
        jixiao_store::Engine::Sqlite => store
            .integrity_check()
            .context("完整性检查失败 (integrity check failed)")?,
        jixiao_store::Engine::Postgres(_) => Vec::new(),
    };
    spinner.finish_and_clear();
    if let Some(pos) = report.first_broken {
        return Err(Failure::verification(format!(
            "哈希链在位置 {pos} 处断裂：该事件或其之前的数据被改动 (hash chain broken at position {pos}); 之前 {} 个事件完好",
            report.events_checked
        )));
    }
    if !problems.is_empty() {
        return Err(Failure::verification(format!(
            "数据库完整性检查未通过 (integrity_check failed): {}",
            problems.join("; ")
        )));
    }
    Ok(Verified {
        events: report.events_checked,
        position: report.head.position,
        hash_hex: report.head.hash_hex(),
    })
}

/// `jixiao verify`.
pub fn verify(db: &Path) -> CliResult {
    let store = open_store(db)?;
    let v = verify_store(&store)?;
    println!(
        "校验通过 (verified): {} 个事件, 头部位置 (head position) {}, 哈希 (hash) {}",
        v.events, v.position, v.hash_hex
    );
    Ok(())
}

/// `jixiao rebuild`.
pub fn rebuild(db: &Path) -> CliResult {
    let _lock = lock_database(db, "rebuild")?;
    let store = open_store(db)?;
    let head = store.head().context("无法读取头部 (cannot read head)")?;
    let bar = progress::bar(head.position, "重建读模型 (rebuilding read models)");
    let b = bar.clone();
    let folded = store
        .rebuild_read_models(move |done, total| {
            b.set_length(total);
            b.set_position(done);
        })
        .context("重建失败 (rebuild failed)")?;
    bar.finish_and_clear();
    println!("已重建读模型 (read models rebuilt): {folded} 个事件");
    Ok(())
}

/// `jixiao backup FILE`: SQLite online backup, then the copy is verified.
pub fn backup(db: &Path, dest: &Path) -> CliResult {
    if dest.exists() {
        return Err(Failure::usage(format!(
            "目标文件已存在，不覆盖 (destination exists): {}",
            dest.display()
        )));
    }
    let store = open_store(db)?;
    let spinner = progress::spinner("备份 (backing up)");
    store
        .backup_to(dest)
        .with_context(|| format!("备份失败 (backup failed): {}", dest.display()))?;
    spinner.finish_and_clear();
    drop(store);
    let copy = open_store(dest)?;
    let v = verify_store(&copy)?;
    println!(
        "备份完成并已校验 (backup written and verified): {} — {} 个事件, 头部位置 {}, 哈希 {}",
        dest.display(),
        v.events,
        v.position,
        v.hash_hex
    );
    Ok(())
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether the database at `db` (or its WAL) holds any byte.
fn holds_data(db: &Path) -> bool {
    ["", "-wal"]
        .iter()
        .any(|suffix| std::fs::metadata(sidecar(db, suffix)).is_ok_and(|m| m.len() > 0))
}

/// Keeps the database at `db` as `kept` without the path `db` ever naming no file: its WAL and
/// SHM are moved aside, the main file gets a second name (a hard link) that the rename of the
/// replacement over `db` leaves behind. Falls back to a copy where hard links are refused.
fn keep_database(db: &Path, kept: &Path) -> CliResult {
    for suffix in ["-wal", "-shm", ""] {
        let _ = std::fs::remove_file(sidecar(kept, suffix));
    }
    for suffix in ["-wal", "-shm"] {
        let src = sidecar(db, suffix);
        if src.exists() {
            std::fs::rename(&src, sidecar(kept, suffix))
                .with_context(|| format!("无法移动 {} (cannot move)", src.display()))?;
        }
    }
    if std::fs::hard_link(db, kept).is_err() {
        std::fs::copy(db, kept)
            .with_context(|| format!("无法保留 {} (cannot keep)", db.display()))?;
    }
    Ok(())
}

/// Renames the database at `from` over `to` (one atomic rename of the main file, after its WAL
/// and SHM when it has them).
fn replace_database(from: &Path, to: &Path) -> CliResult {
    for suffix in ["-wal", "-shm", ""] {
        let src = sidecar(from, suffix);
        if src.exists() {
            std::fs::rename(&src, sidecar(to, suffix))
                .with_context(|| format!("无法移动 {} (cannot move)", src.display()))?;
        } else if !suffix.is_empty() {
            // A stale WAL of the old database must not be replayed into the new one.
            let _ = std::fs::remove_file(sidecar(to, suffix));
        }
    }
    Ok(())
}

/// `jixiao restore FILE [--force]`: stop the service first.
pub fn restore(db: &Path, backup_file: &Path, force: bool) -> CliResult {
    // Before anything else: a server that has the database open would go on writing to the
    // file moved aside, and every write it acknowledged afterwards would be lost.
    if crate::config::is_postgres(db) {
        return Err(Failure::usage(
            "PostgreSQL 数据库请用 pg_restore 或 pg_basebackup 恢复，见 docs/operations.md (restore is for SQLite files)",
        ));
    }
    let lock = dblock::acquire(db, "restore")?;
    if !backup_file.is_file() {
        return Err(Failure::usage(format!(
            "备份文件不存在 (no such backup): {}",
            backup_file.display()
        )));
    }
    // The lock created an empty file where there was none: nothing to keep or to protect.
    let existed = !lock.created_database() || holds_data(db);
    if existed && !force {
        return Err(Failure::usage(format!(
            "数据库 {} 已存在；确认替换请加 --force（原库将保留为 .before-restore） (database exists; use --force)",
            db.display()
        )));
    }
    let staging = sidecar(db, ".restore-staging");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sidecar(&staging, suffix));
    }
    let remove_staging = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(sidecar(&staging, suffix));
        }
    };
    // Whatever fails below (copy, open — e.g. a backup from a newer build —, verification),
    // the staging copy is removed and the message names the backup, not the staging file.
    let verified = std::fs::copy(backup_file, &staging)
        .with_context(|| format!("无法复制备份 (cannot copy) {}", backup_file.display()))
        .map_err(Failure::from)
        .and_then(|_| {
            let store = open_store(&staging)?;
            let result = verify_store(&store);
            drop(store);
            result
        });
    let v = match verified {
        Ok(v) => v,
        Err(mut f) => {
            remove_staging();
            f.error = f.error.context(format!(
                "备份 {} 无法使用，未做任何替换 (backup unusable; nothing replaced)",
                backup_file.display()
            ));
            return Err(f);
        }
    };
    // Locked before it takes the database's place: the path never names an unlocked file.
    let _replacement = match dblock::lock_replacement(&staging) {
        Ok(f) => f,
        Err(f) => {
            remove_staging();
            return Err(f);
        }
    };
    let kept = sidecar(db, ".before-restore");
    if existed {
        keep_database(db, &kept)?;
        println!(
            "原数据库已保留为 (previous database kept as) {}",
            kept.display()
        );
    }
    replace_database(&staging, db)?;
    println!(
        "已恢复并校验 (restored and verified): {} — {} 个事件, 头部位置 {}, 哈希 {}",
        db.display(),
        v.events,
        v.position,
        v.hash_hex
    );
    Ok(())
}

/// `jixiao migrate`: opening the store applies pending migrations (and refuses edited ones).
pub fn migrate(db: &Path) -> CliResult {
    let _lock = lock_database(db, "migrate")?;
    let store = open_store(db)?;
    let head = store.head().context("无法读取头部 (cannot read head)")?;
    println!(
        "数据库已是最新结构 (migrations applied): {} — 头部位置 {}",
        db.display(),
        head.position
    );
    Ok(())
}
