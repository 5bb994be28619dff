//! A look into a database file without opening it as a store: no migrations, no writer, no
//! read-model catch-up. For callers that must recognise a database before deciding what to do
//! with it (the CLI's demo refuses to reset a database that holds anything but demo data), also
//! one written by another build of jixiao, with other migrations.

use crate::users::MAX_USERS_LISTED;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// What a database holds, as far as deciding whose it is goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseContents {
    /// The actor of the first event of the log (`None` when the log is empty).
    pub first_actor: Option<String>,
    /// The names of its users, by name (at most [`MAX_USERS_LISTED`]).
    pub user_names: Vec<String>,
}

/// Why a database could not be recognised. The messages say what was missing, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The file could not be opened as an SQLite database (missing, unreadable, not SQLite).
    #[error("无法打开")]
    Open(#[source] rusqlite::Error),
    /// The file has no event log of jixiao.
    #[error("没有本程序的事件表")]
    NoEventLog(#[source] rusqlite::Error),
    /// The file has no users table of jixiao.
    #[error("没有本程序的用户表")]
    NoUsers(#[source] rusqlite::Error),
    /// The users table could not be read.
    #[error("无法读取用户")]
    UnreadableUsers(#[source] rusqlite::Error),
}

/// Reads the first event's actor and the user names of the database at `path`, which must
/// exist (it is never created). Writes no row.
pub fn inspect(path: &Path) -> Result<DatabaseContents, InspectError> {
    let conn = Connection::open_with_flags(
        path,
        // Read-write without CREATE, as the store opens it (SQLite may recover a WAL left by a
        // crash); nothing is written.
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(InspectError::Open)?;
    let first_actor: Option<String> = conn
        .query_row(
            "SELECT actor FROM events ORDER BY position LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(InspectError::NoEventLog)?;
    let mut stmt = conn
        .prepare("SELECT name FROM users ORDER BY name LIMIT ?1")
        .map_err(InspectError::NoUsers)?;
    let user_names = stmt
        .query_map(params![MAX_USERS_LISTED as i64], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(InspectError::UnreadableUsers)?;
    Ok(DatabaseContents {
        first_actor,
        user_names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventMeta, ExpectedVersion, NewEvent, StreamId};
    use crate::options::StoreOptions;
    use crate::store::Store;
    use crate::users::Role;
    use jixiao_domain::budget::LineId;
    use jixiao_domain::codes::{EconomicCode, FunctionCode};
    use jixiao_domain::event::{Event, PaymentRecorded};
    use jixiao_domain::money::Yuan;

    #[test]
    fn a_store_shows_its_first_actor_and_its_users() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jixiao.db");
        let store = Store::open(StoreOptions::new(&path)).unwrap();
        assert_eq!(
            inspect(&path).unwrap(),
            DatabaseContents {
                first_actor: None,
                user_names: vec![]
            }
        );
        store
            .users()
            .unwrap()
            .add("li", "password1", Role::Admin, None)
            .unwrap();
        let event = Event::PaymentRecorded(PaymentRecorded {
            payment_id: uuid::Uuid::new_v4(),
            paid_on: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            line_id: LineId("B-30201".into()),
            economic_code: EconomicCode::parse("30201").unwrap(),
            function_code: FunctionCode::parse("2060401").unwrap(),
            project_code: None,
            amount_yuan: Yuan::new(rust_decimal::Decimal::new(100, 2)).unwrap(),
            voucher_no: None,
            summary: "支出".into(),
        });
        let meta = EventMeta {
            actor: "demo".into(),
            request_id: "r".into(),
            recorded_at: None,
        };
        store
            .append(
                StreamId::new("261301", 2024),
                ExpectedVersion::NoStream,
                vec![NewEvent::new(uuid::Uuid::new_v4(), event, meta).unwrap()],
            )
            .unwrap();
        assert_eq!(
            inspect(&path).unwrap(),
            DatabaseContents {
                first_actor: Some("demo".into()),
                user_names: vec!["li".into()]
            }
        );
    }

    #[test]
    fn a_file_that_is_not_a_store_is_not_recognised() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            inspect(&dir.path().join("missing.db")),
            Err(InspectError::Open(_))
        ));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE notes (text TEXT)")
            .unwrap();
        assert!(matches!(inspect(&other), Err(InspectError::NoEventLog(_))));
    }
}
