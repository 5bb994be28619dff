//! The database lock: one exclusive advisory lock on the database file itself, so that an
//! operation that rewrites or replaces the database cannot run while a server (or another such
//! operation) has it open, whatever happens to the files beside it.
//!
//! Who takes it: `serve` (for the server's whole life, before anything is opened or reset),
//! and the offline operations `restore`, `rebuild`, `migrate` and `events import`. Commands
//! that are safe beside a running server — `verify`, `backup` (SQLite's online backup),
//! exports, `import budget|ledger` and `users` (ordinary appends, serialised by SQLite and
//! re-decided on a race) — do not take it.
//!
//! What is locked: the database file (created empty when missing: SQLite reads an empty file
//! as an empty database) with `flock(2)` (`std::fs::File::try_lock`) on a descriptor of our
//! own. The kernel releases it when the holder exits in any way, SIGKILL included, so nothing
//! stale ever blocks. Deleting the side file `<db>.lock` (earlier builds locked only that file,
//! and deleting it let a second server start) no longer opens the database to anyone.
//!
//! Why SQLite cannot release it: SQLite's unix VFS locks with POSIX byte-range locks
//! (`fcntl(F_SETLK)`), which belong to the (process, inode) pair — closing *any* descriptor of
//! the file drops all of the process's POSIX locks on it, the reason SQLite never closes a
//! descriptor while it holds one. A `flock` lock belongs to the open file description instead:
//! only closing the descriptor we opened here (and every duplicate of it; it is opened
//! close-on-exec, so no child inherits it) releases it, whatever SQLite opens or closes. On a
//! local Linux filesystem the two kinds of lock never interact, so SQLite's own locking of the
//! same file is unaffected (tested below: stores opened and closed on the locked file leave the
//! lock held). On NFS Linux emulates `flock` with whole-file POSIX locks, which would both
//! conflict with SQLite's and be released by its closes — the database must live on a local
//! filesystem, which SQLite's WAL requires anyway.
//!
//! `restore` replaces the database by renaming a verified copy over it: it locks that copy too
//! before the rename, so the path always names a locked file (`admin::restore`).
//!
//! The side file `<db>.lock` is still written and locked: it holds one JSON line naming the
//! holder (pid, host, command, start time) for the refusal's message, and its lock keeps a
//! server of an earlier build (which locked only the side file) and this build from running on
//! one database during an upgrade. It is informative otherwise: when it is missing or names
//! nobody, the refusal names the pid the kernel reports for the database file's lock
//! (`/proc/locks`). The file is never deleted (deleting a lock file races with a process about
//! to lock it).

use crate::exit::{CliResult, Failure, LOCKED};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

/// What the lock file's name adds to the database's.
pub const LOCK_SUFFIX: &str = ".lock";
/// Longest holder description read back from a lock file (it is one short JSON line).
const HOLDER_BYTES_MAX: u64 = 4 * 1024;
/// Longest `/proc/locks` read when looking for the holder's pid (one line per lock held on
/// the host; a busy host holds a few thousand).
const PROC_LOCKS_BYTES_MAX: u64 = 4 * 1024 * 1024;

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
    // Held open for the lock's life: closing these descriptors releases the locks.
    _database: File,
    _side: File,
    path: PathBuf,
    created: bool,
}

impl DbLock {
    /// Where the side file (the holder's description) lies.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the database file did not exist and was created (empty) to be locked.
    pub fn created_database(&self) -> bool {
        self.created
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

/// The pid the kernel reports as holding a `flock` lock on `file` (`/proc/locks`: type
/// `FLOCK`, then the pid and `major:minor:inode` of the locked file, the device in hex).
fn kernel_holder_pid(file: &File) -> Option<u32> {
    let meta = file.metadata().ok()?;
    let (dev, ino) = (meta.dev(), meta.ino());
    // Linux's encoding of a device number (glibc `gnu_dev_major`/`gnu_dev_minor`).
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let mut text = String::new();
    File::open("/proc/locks")
        .ok()?
        .take(PROC_LOCKS_BYTES_MAX)
        .read_to_string(&mut text)
        .ok()?;
    text.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "1: FLOCK  ADVISORY  WRITE 4242 fe:00:5457018 0 EOF"; a waiter's line has "->".
        let [_, "FLOCK", _, _, pid, id, ..] = fields.as_slice() else {
            return None;
        };
        let mut parts = id.split(':');
        let same = u64::from_str_radix(parts.next()?, 16).ok()? == major
            && u64::from_str_radix(parts.next()?, 16).ok()? == minor
            && parts.next()?.parse::<u64>().ok()? == ino;
        same.then(|| pid.parse().ok()).flatten()
    })
}

/// The refusal when `db` is locked: exit code [`LOCKED`], naming the holder — from the side
/// file when it names the process the kernel reports (or the kernel reports none), else the
/// kernel's pid alone.
fn refusal(db: &Path, database: Option<&File>, side: &Path, command: &str) -> Failure {
    let described = read_holder(side);
    let pid = database.and_then(kernel_holder_pid);
    let who = match (described, pid) {
        (Some(h), p) if p.is_none_or(|p| p == h.pid) => format!(
            "进程 pid {}（jixiao {}，主机 {}，启动于 {}）",
            h.pid, h.command, h.host, h.started_at
        ),
        (_, Some(p)) => format!("进程 pid {p}"),
        _ => "另一进程（未写明身份） (another process)".to_string(),
    };
    Failure {
        code: LOCKED,
        error: anyhow::anyhow!(
            "数据库 {} 正被{who}使用，拒绝执行 {command}：请先停止该服务或等待该操作结束 \
             (database in use; lock file {})",
            db.display(),
            side.display()
        ),
    }
}

/// Opens `path` (created when missing) and takes its exclusive `flock` without waiting:
/// `Ok(None)` when another open file description holds it. Also whether it was created.
fn try_lock_file(path: &Path) -> std::io::Result<(Option<File>, bool)> {
    let (file, created) = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => (f, true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            (OpenOptions::new().read(true).write(true).open(path)?, false)
        }
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => Ok((Some(file), created)),
        Err(TryLockError::WouldBlock) => Ok((None, created)),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Locks another file that is about to become the database (restore's verified copy, before
/// it is renamed over the database): the lock follows the file through the rename, so the
/// database's path never names an unlocked file while the caller runs. Held until dropped.
pub fn lock_replacement(path: &Path) -> CliResult<File> {
    match try_lock_file(path) {
        Ok((Some(file), _)) => Ok(file),
        Ok((None, _)) => Err(Failure {
            code: LOCKED,
            error: anyhow::anyhow!(
                "文件 {} 正被另一进程锁定 (file locked by another process)",
                path.display()
            ),
        }),
        Err(e) => Err(Failure::from(
            anyhow::Error::new(e).context(format!("无法锁定 {} (cannot lock)", path.display())),
        )),
    }
}

/// Takes the exclusive lock of `db` for `command`, or refuses at once (exit [`LOCKED`]) naming
/// the process that holds it. Never waits: an operator should learn that a server is running,
/// not find the command hanging.
pub fn acquire(db: &Path, command: &str) -> CliResult<DbLock> {
    let side_path = lock_path(db);
    let cannot = |path: &Path, e: std::io::Error| {
        Failure::from(
            anyhow::Error::new(e).context(format!("无法锁定 {} (cannot lock)", path.display())),
        )
    };
    // The database file itself first: the lock that counts.
    let (database, created) = match try_lock_file(db) {
        Ok((Some(file), created)) => (file, created),
        Ok((None, _)) => {
            let held = File::open(db).ok();
            return Err(refusal(db, held.as_ref(), &side_path, command));
        }
        Err(e) => return Err(cannot(db, e)),
    };
    // Then the side file: the holder's description, and the lock of earlier builds.
    let mut side = match try_lock_file(&side_path) {
        Ok((Some(file), _)) => file,
        Ok((None, _)) => return Err(refusal(db, None, &side_path, command)),
        Err(e) => {
            return Err(Failure::from(anyhow::Error::new(e).context(format!(
                "无法打开锁文件 {} (cannot open lock file)",
                side_path.display()
            ))));
        }
    };
    let holder = Holder {
        pid: std::process::id(),
        host: host_name(),
        command: command.to_string(),
        started_at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    };
    // The description is for messages only: failing to write it does not stop the holder.
    let described = side
        .set_len(0)
        .and_then(|()| side.seek(SeekFrom::Start(0)))
        .and_then(|_| {
            let line = serde_json::to_string(&holder).unwrap_or_default();
            writeln!(side, "{line}")
        });
    if let Err(e) = described {
        tracing::warn!(error = %e, lock = %side_path.display(), "cannot describe the lock holder");
    }
    Ok(DbLock {
        _database: database,
        _side: side,
        path: side_path,
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_acquire_is_refused_naming_the_holder_and_succeeds_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = acquire(&db, "serve").unwrap();
        assert!(first.created_database());
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
        assert!(!again.created_database());
        assert_eq!(read_holder(again.path()).unwrap().command, "restore");
    }

    #[test]
    fn deleting_the_side_file_does_not_release_the_database_and_the_kernel_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let held = acquire(&db, "serve").unwrap();
        std::fs::remove_file(held.path()).unwrap();

        let refused = acquire(&db, "migrate").unwrap_err();
        assert_eq!(refused.code, LOCKED);
        let message = format!("{:#}", refused.error);
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        // The refusal left no side file behind it naming itself.
        assert!(read_holder(&lock_path(&db)).is_none());
    }

    #[test]
    fn sqlite_opening_and_closing_the_locked_database_does_not_release_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let held = acquire(&db, "serve").unwrap();
        // SQLite opens the file several times (pool, writer) and closes every descriptor on
        // drop; a POSIX lock would be gone after the first close, a flock lock stays.
        for _ in 0..3 {
            let store = jixiao_store::Store::open(jixiao_store::StoreOptions::new(&db)).unwrap();
            assert_eq!(store.head().unwrap().position, 0);
            drop(store);
        }
        assert_eq!(acquire(&db, "rebuild").unwrap_err().code, LOCKED);
        let (other, _) = try_lock_file(&db).unwrap();
        assert!(
            other.is_none(),
            "another description still cannot lock the file"
        );
        drop(held);
        assert!(try_lock_file(&db).unwrap().0.is_some());
    }

    #[test]
    fn a_locked_replacement_cannot_be_locked_as_the_database_after_a_rename() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let staging = dir.path().join("x.db.staging");
        std::fs::write(&staging, b"").unwrap();
        let _replacement = lock_replacement(&staging).unwrap();
        std::fs::rename(&staging, &db).unwrap();
        assert_eq!(acquire(&db, "serve").unwrap_err().code, LOCKED);
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
