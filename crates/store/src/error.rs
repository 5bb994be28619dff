//! Typed errors of the store: [`AppendError`] for what a caller can act on (409 version
//! conflicts, idempotency conflicts, limits) and [`StoreError`] for everything else.

use crate::model::ExpectedVersion;
use uuid::Uuid;

/// Why the store failed (I/O, SQLite, corrupt data, refused migrations).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("数据库错误 (sqlite): {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error (or the connection failed).
    #[error("数据库错误 (postgres): {0}")]
    Postgres(#[from] postgres::Error),
    /// The operation exists only on the other engine (e.g. a SQLite online backup on a
    /// PostgreSQL store); `advice` names the engine's own tool.
    #[error(
        "{engine} 数据库不支持此操作：{operation}；请改用 {advice} (not supported on this engine)"
    )]
    NotSupported {
        /// The engine the store runs on.
        engine: &'static str,
        /// What was asked.
        operation: &'static str,
        /// What to use instead.
        advice: &'static str,
    },
    /// JSON could not be written or read.
    #[error("JSON 错误 (json): {0}")]
    Json(#[from] serde_json::Error),
    /// A file operation failed.
    #[error("文件错误 (io): {0}")]
    Io(#[from] std::io::Error),
    /// An applied migration's text changed since it was applied: a landed migration is never edited.
    #[error(
        "迁移 {version} ({name}) 已应用但内容被修改，拒绝启动 (applied migration was edited; refusing to start)"
    )]
    MigrationChecksumMismatch {
        /// Migration number.
        version: u32,
        /// File name.
        name: String,
    },
    /// The database was migrated by a newer build that knows more migrations.
    #[error(
        "数据库包含本程序未知的迁移 {version}，请使用更新的版本 (database has a migration this build does not know)"
    )]
    UnknownMigration {
        /// Migration number.
        version: u32,
    },
    /// A database that takes no writes (a PostgreSQL standby) lacks a migration of this
    /// build, and cannot be migrated where it is.
    #[error(
        "只读数据库（备库）缺少本程序的迁移 {version} ({name})：请先在主库上执行 jixiao migrate，待备库同步后再试 (read-only database lacks a migration; migrate the primary first)"
    )]
    MigrationPendingReadOnly {
        /// Migration number.
        version: u32,
        /// File name.
        name: String,
    },
    /// A stored event could not be upcast or decoded.
    #[error("位置 {position} 的事件无法解码 (cannot decode stored event): {message}")]
    Decode {
        /// Global position.
        position: u64,
        /// What went wrong.
        message: String,
    },
    /// Stored data violates an invariant of the store.
    #[error("数据损坏 (corrupt data): {0}")]
    Corrupt(String),
    /// A request exceeded a limit.
    #[error("超出限制 (limit exceeded): {what} 最多 {max}")]
    Limit {
        /// What was limited.
        what: &'static str,
        /// The limit.
        max: u64,
    },
    /// The group commit failed; none of its appends was written.
    #[error("提交失败，本组追加均未写入 (commit failed): {0}")]
    CommitFailed(String),
    /// The read models did not reach the log's committed head in time (the writer is stuck
    /// folding; the events are safe in the log).
    #[error(
        "读模型未能在限定时间内追上事件日志：已折叠到 {projected}，日志头为 {committed} (read models behind the log)"
    )]
    ReadModelsBehind {
        /// Last position folded into the read models.
        projected: u64,
        /// Last committed position the query waited for.
        committed: u64,
    },
    /// The writer thread has stopped (the store is shutting down or crashed).
    #[error("写入线程已停止 (writer stopped)")]
    WriterStopped,
    /// The disk refused the group commit (full, read-only, or an I/O error): none of the
    /// group's appends was written and none was acknowledged; the store keeps running, and
    /// retrying with the same event ids once the disk accepts writes again is safe.
    #[error("{fault}，本次写入未保存 (storage refused the write): {message}")]
    StorageUnavailable {
        /// What the disk said.
        fault: StorageFault,
        /// SQLite's message.
        message: String,
    },
}

/// Why the storage refused a write, from SQLite's result code or PostgreSQL's SQLSTATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// `SQLITE_FULL`: no space left on the device (or a file-size limit reached mid-write).
    Full,
    /// `SQLITE_READONLY`: the database file or its directory cannot be written; on PostgreSQL
    /// (`25006`) a standby in recovery, or a database set to read-only transactions.
    ReadOnly,
    /// `SQLITE_IOERR`: the operating system refused the write (a file-size limit, a file made
    /// immutable, a filesystem remounted read-only, a failing device).
    Io,
}

impl StorageFault {
    /// A stable machine-readable code (`storage_full`, `storage_read_only`, `storage_io`).
    pub fn code(self) -> &'static str {
        match self {
            StorageFault::Full => "storage_full",
            StorageFault::ReadOnly => "storage_read_only",
            StorageFault::Io => "storage_io",
        }
    }
}

impl std::fmt::Display for StorageFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StorageFault::Full => "磁盘空间已满 (disk full)",
            StorageFault::ReadOnly => "数据库只读 (database read-only)",
            StorageFault::Io => "磁盘拒绝写入 (I/O error)",
        })
    }
}

impl StoreError {
    /// The disk fault behind this error, if it is one: a write refused for space, permission
    /// or I/O, which passes when the operator frees space or restores write access.
    pub fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::StorageUnavailable { fault, .. } => Some(*fault),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                rusqlite::ErrorCode::DiskFull => Some(StorageFault::Full),
                rusqlite::ErrorCode::ReadOnly => Some(StorageFault::ReadOnly),
                rusqlite::ErrorCode::SystemIoFailure => Some(StorageFault::Io),
                _ => None,
            },
            StoreError::Postgres(e) => match e.code() {
                Some(&postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION) => {
                    Some(StorageFault::ReadOnly)
                }
                Some(&postgres::error::SqlState::DISK_FULL) => Some(StorageFault::Full),
                Some(&postgres::error::SqlState::IO_ERROR) => Some(StorageFault::Io),
                _ => None,
            },
            StoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
                Some(StorageFault::Full)
            }
            StoreError::Io(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => {
                Some(StorageFault::ReadOnly)
            }
            _ => None,
        }
    }
}

/// Why an append was rejected. Except for `Store`, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The stream is not at the expected version (HTTP 409 with the current version).
    #[error("版本冲突：期望 {expected}，当前为 {current} (wrong expected version)")]
    WrongVersion {
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's current version.
        current: u64,
    },
    /// The event id was stored before with different content (or the batch mixes stored and new ids).
    #[error("事件 {event_id} 已以不同内容记录 (idempotency conflict)")]
    IdempotencyConflict {
        /// The conflicting id.
        event_id: Uuid,
    },
    /// An append needs at least one event.
    #[error("没有要追加的事件 (empty batch)")]
    EmptyBatch,
    /// Too many events in one request.
    #[error("一次最多追加 {max} 个事件，本次 {events} 个 (batch too large)")]
    BatchTooLarge {
        /// Events sent.
        events: usize,
        /// The limit.
        max: usize,
    },
    /// The same event id appears twice in one batch.
    #[error("事件 {event_id} 在同一批次中重复 (duplicate event id in batch)")]
    DuplicateInBatch {
        /// The repeated id.
        event_id: Uuid,
    },
    /// One payload is too large.
    #[error("事件 {event_id} 的内容为 {bytes} 字节，最多 {max} 字节 (payload too large)")]
    PayloadTooLarge {
        /// The event.
        event_id: Uuid,
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A metadata field is too long.
    #[error("{field} 最长 {max} 字节 (metadata too long)")]
    MetadataTooLong {
        /// Which field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// The unit code or year is not a valid stream.
    #[error("无效的单位代码或年度“{unit}/{fiscal_year}” (invalid stream)")]
    InvalidStream {
        /// Unit code given.
        unit: String,
        /// Year given.
        fiscal_year: i32,
    },
    /// A stored-format payload does not decode into a current event.
    #[error("事件 {event_id} 无法解码 (undecodable payload): {message}")]
    Undecodable {
        /// The event.
        event_id: Uuid,
        /// Why.
        message: String,
    },
    /// The store failed; the append may not have been written (retrying with the same ids is safe).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<postgres::Error> for AppendError {
    fn from(e: postgres::Error) -> Self {
        AppendError::Store(StoreError::Postgres(e))
    }
}

impl From<rusqlite::Error> for AppendError {
    fn from(e: rusqlite::Error) -> Self {
        AppendError::Store(StoreError::Sqlite(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn a_full_read_only_or_failing_disk_is_named_a_storage_fault_and_nothing_else_is() {
        assert_eq!(
            sqlite(rusqlite::ffi::SQLITE_FULL).storage_fault(),
            Some(StorageFault::Full)
        );
        assert_eq!(
            sqlite(rusqlite::ffi::SQLITE_READONLY).storage_fault(),
            Some(StorageFault::ReadOnly)
        );
        assert_eq!(
            sqlite(rusqlite::ffi::SQLITE_IOERR_WRITE).storage_fault(),
            Some(StorageFault::Io)
        );
        assert_eq!(
            sqlite(rusqlite::ffi::SQLITE_CONSTRAINT).storage_fault(),
            None
        );
        assert_eq!(StoreError::WriterStopped.storage_fault(), None);
        assert_eq!(StorageFault::Full.code(), "storage_full");
    }
}
