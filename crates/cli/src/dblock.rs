//! The database lock: one exclusive advisory lock per database, on a file beside it
//! (`<db>.lock`), so that an operation that rewrites or replaces the database file cannot run
//! while a server (or another such operation) has it open.
//!
//! Who takes it: `serve` (for the server's whole life, before anything is opened or reset),
//! and the offline operations `restore`, `rebuild`, `migrate` and `events import`. Commands
//! that are safe beside a running server — `verify`, `backup` (SQLite's online backup),
//! exports, `import budget|ledger` and `users` (ordinary appends, serialised by SQLite and
//! re-decided on a race) — do not take it.
//!
//! Why a separate file: `restore` renames the database (and its `-wal`/`-shm`) aside, so a lock
//! on the database file itself would follow the old inode; the path `<db>.lock` stays. The lock
//! is an OS advisory lock (`flock(2)` through `std::fs::File::try_lock`): the kernel releases it
//! when the holder exits in any way, SIGKILL included, so a stale lock file never blocks. The
//! file is never deleted (deleting a lock file races with a process about to lock it); it
//! holds one JSON line naming the holder (pid, host, command, start time) for the refusal's
//! message, and only that: whether the lock is held is the kernel's answer, never the text.

use crate::exit::{CliResult, Failure, LOCKED};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

/// What the lock file's name adds to the database's.
pub const LOCK_SUFFIX: &str = ".lock";
/// Longest holder description read back from a lock file (it is one short JSON line).
const HOLDER_BYTES_MAX: u64 = 4 * 1024;

/// Who holds the lock, as written into the lock file by the holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Host name (an advisory lock only means something on one host).
    pub host: String,
    /// The command (`serve`, `restore`, …).
    pub command: String,
    /// When the holder took the lock (RFC 3339, local time).
    pub started_at: String,
}

/// A held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct DbLock {
    // Held open for the lock's life: closing the file releases the lock.
    _file: File,
    path: PathBuf,
}

impl DbLock {
    /// Where the lock file lies.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock file of the database at `db`: `<db>.lock` beside it, with the directory resolved
/// (so `./x.db`, `x.db` and an absolute path, or a symlinked directory, share one lock).
pub fn lock_path(db: &Path) -> PathBuf {
    let name = db.file_name().map(|n| {
        let mut n = n.to_owned();
        n.push(LOCK_SUFFIX);
        n
    });
    let parent = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match (name, std::fs::canonicalize(&parent)) {
        (Some(name), Ok(dir)) => dir.join(name),
        (Some(name), Err(_)) => parent.join(name),
        (None, _) => {
            let mut s = db.as_os_str().to_owned();
            s.push(LOCK_SUFFIX);
            PathBuf::from(s)
        }
    }
}

fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Reads the holder's description; `None` when the file is empty or unreadable (a holder
/// that is still writing it, or a file from an older build).
pub fn read_holder(path: &Path) -> Option<Holder> {
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(HOLDER_BYTES_MAX)
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// The refusal when `db` is locked: exit code [`LOCKED`], naming the holder.
fn refusal(db: &Path, path: &Path, command: &str) -> Failure {
    let who = match read_holder(path) {
        Some(h) => format!(
            "进程 pid {}（jixiao {}，主机 {}，启动于 {}）",
            h.pid, h.command, h.host, h.started_at
        ),
        None => "另一进程（未写明身份） (another process)".to_string(),
    };
    Failure {
        code: LOCKED,
        error: anyhow::anyhow!(
            "数据库 {} 正被{who}使用，拒绝执行 {command}：请先停止该服务或等待该操作结束 \
             (database in use; lock file {})",
            db.display(),
            path.display()
        ),
    }
}

/// Takes the exclusive lock of `db` for `command`, or refuses at once (exit [`LOCKED`]) naming
/// the process that holds it. Never waits: an operator should learn that a server is running,
/// not find the command hanging.
pub fn acquire(db: &Path, command: &str) -> CliResult<DbLock> {
    let path = lock_path(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("无法打开锁文件 {} (cannot open lock file)", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(refusal(db, &path, command)),
        Err(TryLockError::Error(e)) => {
            return Err(Failure::from(
                anyhow::Error::new(e).context(format!("无法锁定 {} (cannot lock)", path.display())),
            ));
        }
    }
    let holder = Holder {
        pid: std::process::id(),
        host: host_name(),
        command: command.to_string(),
        started_at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    };
    // The description is for messages only: failing to write it does not stop the holder.
    let described = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| {
            let line = serde_json::to_string(&holder).unwrap_or_default();
            writeln!(file, "{line}")
        });
    if let Err(e) = described {
        tracing::warn!(error = %e, lock = %path.display(), "cannot describe the lock holder");
    }
    Ok(DbLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_acquire_is_refused_naming_the_holder_and_succeeds_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = acquire(&db, "serve").unwrap();
        let holder = read_holder(first.path()).unwrap();
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.command, "serve");

        let refused = acquire(&db, "restore").unwrap_err();
        assert_eq!(refused.code, LOCKED);
        let message = format!("{:#}", refused.error);
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("restore"), "{message}");

        drop(first);
        let again = acquire(&db, "restore").unwrap();
        assert_eq!(read_holder(again.path()).unwrap().command, "restore");
    }

    #[test]
    fn relative_and_absolute_paths_of_one_database_share_one_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let absolute = dir.path().join("x.db");
        let dotted = dir.path().join(".").join("x.db");
        assert_eq!(lock_path(&absolute), lock_path(&dotted));
        assert!(lock_path(&absolute).ends_with("x.db.lock"));
    }
}
