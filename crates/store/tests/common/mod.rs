//! Helpers shared by the store's integration tests: a database on either engine
//! ([`TestDb`]: a SQLite file in a temporary directory, or a fresh PostgreSQL database made on
//! the server named by `JIXIAO_TEST_POSTGRES_URL` and dropped afterwards), the
//! [`both_engines!`] macro that runs one test body on each, and builders of domain events.
#![allow(dead_code, unused_macros)]

use chrono::NaiveDate;
use jixiao_domain::budget::{BudgetLine, LineId, ProjectCode, ProjectInfo, SpendingKind, UnitInfo};
use jixiao_domain::codes::{EconomicCode, FunctionCode, UnitKind};
use jixiao_domain::event::{
    ActivityHeld, BudgetAdjusted, BudgetApproved, Event, PaymentRecorded, PaymentReversed,
    SurveyRecorded,
};
use jixiao_domain::money::Yuan;
use jixiao_store::{EventMeta, NewEvent, Store, StoreOptions, StreamId, Synchronous};
use uuid::Uuid;

pub const PROJECT: &str = "41080024000000053204";

/// The PostgreSQL server the tests may use (a URL to a database the user may create
/// databases from, e.g. `postgres://postgres:pw@127.0.0.1/postgres`).
pub const POSTGRES_URL_VAR: &str = "JIXIAO_TEST_POSTGRES_URL";

/// Runs a test body `fn name(db: &TestDb)` once per engine, as `name::on_sqlite` and
/// `name::on_postgres` (skipped with a printed line when no PostgreSQL is configured, a
/// failure when `CI=true`).
macro_rules! both_engines {
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_sqlite() {
                super::$name(&crate::common::TestDb::sqlite());
            }
            #[test]
            fn on_postgres() {
                if let Some(db) = crate::common::TestDb::postgres(stringify!($name)) {
                    super::$name(&db);
                }
            }
        }
    };
}

/// Runs a test body `fn name(db: &TestDb)` on PostgreSQL only (skipped as above).
macro_rules! postgres_only {
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_postgres() {
                if let Some(db) = crate::common::TestDb::postgres(stringify!($name)) {
                    super::$name(&db);
                }
            }
        }
    };
}

/// A throwaway database on one engine. Open as many stores on it as a test needs (each
/// `Store` is one "process" on PostgreSQL).
pub struct TestDb {
    dir: tempfile::TempDir,
    pg: Option<PgDb>,
}

/// A fresh PostgreSQL database, dropped with its `TestDb`.
struct PgDb {
    admin_url: String,
    name: String,
    url: String,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

impl TestDb {
    /// A SQLite file in a temporary directory.
    pub fn sqlite() -> TestDb {
        TestDb {
            dir: tempfile::tempdir().unwrap(),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database for the test `test`, or `None` (with a printed line) when
    /// `JIXIAO_TEST_POSTGRES_URL` is unset. Under `CI=true` an unset variable fails the test:
    /// CI must run the PostgreSQL half.
    pub fn postgres(test: &str) -> Option<TestDb> {
        let Some(admin_url) = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|v| !v.is_empty())
        else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {POSTGRES_URL_VAR} is unset: the PostgreSQL half of {test} must run in CI"
            );
            println!("skipped on PostgreSQL: {POSTGRES_URL_VAR} is unset ({test})");
            return None;
        };
        let name = format!("jx_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VAR}: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let url = with_database(&admin_url, &name);
        Some(TestDb {
            dir: tempfile::tempdir().unwrap(),
            pg: Some(PgDb {
                admin_url,
                name,
                url,
            }),
        })
    }

    /// Whether this is the PostgreSQL engine.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// The options of a store on this database (NORMAL durability on SQLite: tests exercise
    /// logic, not the disk; durability has its own test).
    pub fn options(&self) -> StoreOptions {
        match &self.pg {
            Some(pg) => StoreOptions::postgres(&pg.url),
            None => {
                let mut options = StoreOptions::new(self.sqlite_path());
                options.synchronous = Synchronous::Normal;
                options
            }
        }
    }

    /// On PostgreSQL, makes every later connection's transactions read-only (`ALTER DATABASE
    /// … SET default_transaction_read_only`), as on a streaming-replication standby; `false`
    /// undoes it. Connections open already keep what they had.
    pub fn set_read_only(&self, on: bool) {
        let pg = self
            .pg
            .as_ref()
            .expect("read-only databases are a PostgreSQL test");
        let mut admin = postgres::Client::connect(&pg.admin_url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "ALTER DATABASE \"{}\" SET default_transaction_read_only = {}",
                pg.name,
                if on { "on" } else { "off" }
            ))
            .unwrap();
    }

    /// The SQLite file (also a scratch directory on PostgreSQL).
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        self.dir.path().join("jixiao.db")
    }

    /// A scratch directory for files a test writes.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Opens a store on this database.
    pub fn open(&self) -> Store {
        Store::open(self.options()).unwrap()
    }

    /// Runs raw SQL on the database behind the store's back (to tamper with it, or look at
    /// it): `sqlite` on SQLite, `postgres` on PostgreSQL. Returns the rows changed.
    pub fn execute(&self, sqlite: &str, postgres: &str) -> u64 {
        match &self.pg {
            Some(pg) => {
                let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
                c.execute(postgres, &[]).unwrap()
            }
            None => {
                let c = rusqlite::Connection::open(self.sqlite_path()).unwrap();
                c.execute(sqlite, []).unwrap() as u64
            }
        }
    }

    /// The rows of a query whose columns are all read as text (`::TEXT` casts on PostgreSQL
    /// are the caller's), one `Vec<String>` per row, `"NULL"` for NULL.
    pub fn query_text(&self, sqlite: &str, postgres: &str) -> Vec<Vec<String>> {
        match &self.pg {
            Some(pg) => {
                let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
                c.query(postgres, &[])
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                r.get::<_, Option<String>>(i)
                                    .unwrap_or_else(|| "NULL".into())
                            })
                            .collect()
                    })
                    .collect()
            }
            None => {
                let c = rusqlite::Connection::open(self.sqlite_path()).unwrap();
                let mut stmt = c.prepare(sqlite).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    Ok((0..n)
                        .map(|i| match r.get::<_, rusqlite::types::Value>(i).unwrap() {
                            rusqlite::types::Value::Null => "NULL".to_string(),
                            rusqlite::types::Value::Integer(v) => v.to_string(),
                            rusqlite::types::Value::Real(v) => v.to_string(),
                            rusqlite::types::Value::Text(v) => v,
                            rusqlite::types::Value::Blob(v) => hex::encode(v),
                        })
                        .collect())
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
            }
        }
    }
}

pub fn open(dir: &tempfile::TempDir) -> Store {
    let mut options = StoreOptions::new(dir.path().join("jixiao.db"));
    // Tests exercise logic, not the disk: NORMAL keeps them fast; durability has its own test.
    options.synchronous = Synchronous::Normal;
    Store::open(options).unwrap()
}

pub fn stream(unit: &str) -> StreamId {
    StreamId::new(unit, 2024)
}

pub fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

pub fn meta() -> EventMeta {
    EventMeta {
        actor: "clerk".into(),
        request_id: "req-1".into(),
        recorded_at: None,
    }
}

pub fn new_event(event: Event) -> NewEvent {
    NewEvent::new(Uuid::new_v4(), event, meta()).unwrap()
}

pub fn yuan(s: &str) -> Yuan {
    Yuan::parse_yuan(s).unwrap()
}

pub fn budget_approved(unit: &str) -> Event {
    let line = |id: &str, kind, econ: &str, project: Option<&str>, amount: &str| BudgetLine {
        line_id: LineId(id.into()),
        kind,
        function_code: FunctionCode::parse("2060401").unwrap(),
        economic_code: EconomicCode::parse(econ).unwrap(),
        project_code: project.map(|p| ProjectCode(p.into())),
        name: id.into(),
        initial_yuan: yuan(amount),
    };
    Event::BudgetApproved(BudgetApproved {
        unit: UnitInfo {
            code: unit.into(),
            name: format!("单位{unit}"),
            department: "焦作市科学技术局".into(),
            kind: UnitKind::Institution,
        },
        fiscal_year: 2024,
        approved_on: date(1, 15),
        lines: vec![
            line("B-30101", SpendingKind::Personnel, "30101", None, "595600"),
            line("B-30201", SpendingKind::Public, "30201", None, "27800"),
            line(
                "P-1",
                SpendingKind::Project,
                "30211",
                Some(PROJECT),
                "200000",
            ),
        ],
        projects: vec![ProjectInfo {
            code: ProjectCode(PROJECT.into()),
            name: "科技合作及基础运转经费".into(),
            category: "其他运转类".into(),
            overall_goal: "举办活动".into(),
        }],
        sangong_budget_yuan: Yuan::ZERO,
        procurement_budget_yuan: Yuan::ZERO,
        annual_duty_goals: vec![],
        annual_tasks: vec![],
    })
}

pub fn payment(id: Uuid, line: &str, econ: &str, on: NaiveDate, amount: &str) -> Event {
    Event::PaymentRecorded(PaymentRecorded {
        payment_id: id,
        paid_on: on,
        line_id: LineId(line.into()),
        economic_code: EconomicCode::parse(econ).unwrap(),
        function_code: FunctionCode::parse("2060401").unwrap(),
        project_code: if line.starts_with("P-") {
            Some(ProjectCode(PROJECT.into()))
        } else {
            None
        },
        amount_yuan: yuan(amount),
        voucher_no: None,
        summary: "支出".into(),
    })
}

pub fn reversal(id: Uuid, on: NaiveDate) -> Event {
    Event::PaymentReversed(PaymentReversed {
        payment_id: id,
        reversed_on: on,
        reason: "红冲".into(),
    })
}

pub fn adjusted(line: &str, delta: &str, on: NaiveDate) -> Event {
    Event::BudgetAdjusted(BudgetAdjusted {
        request_id: Uuid::new_v4(),
        line_id: LineId(line.into()),
        delta_yuan: yuan(delta),
        adjusted_on: on,
        note: String::new(),
    })
}

pub fn activity(id: Uuid, on: NaiveDate, invited: u32, participants: u32) -> Event {
    Event::ActivityHeld(ActivityHeld {
        evidence: Vec::new(),
        activity_id: id,
        project_code: ProjectCode(PROJECT.into()),
        held_on: on,
        title: "技术对接会".into(),
        invited,
        participants,
    })
}

pub fn survey(group: &str, on: NaiveDate, respondents: u32, satisfied: u32) -> Event {
    Event::SurveyRecorded(SurveyRecorded {
        evidence: Vec::new(),
        survey_id: Uuid::new_v4(),
        project_code: Some(ProjectCode(PROJECT.into())),
        surveyed_on: on,
        respondent_group: group.into(),
        respondents,
        satisfied,
    })
}
