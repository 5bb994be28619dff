//! Helpers shared by the application's test binaries.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Wakes the test's thread.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to its end on this thread (the writer's callback wakes it).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

use chrono::NaiveDate;
use jixiao_app::import::{Approval, BudgetImported};
use jixiao_app::{Actor, App, AppConfig};
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{Store, StoreOptions, StreamId};

/// One application over a fresh SQLite file holding the 焦作 2024 budget.
pub struct Fixture {
    pub app: Arc<App>,
    pub stream: StreamId,
    /// The budget's first line.
    pub line: LineId,
    /// The budget's first project.
    pub project: ProjectCode,
    _dir: tempfile::TempDir,
}

/// Business date 2024-06-30, every other setting the default.
pub fn config() -> AppConfig {
    AppConfig {
        business_today: NaiveDate::from_ymd_opt(2024, 6, 30),
        ..AppConfig::default()
    }
}

pub fn profile() -> ScoringProfile {
    ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap()
}

pub fn actor() -> Actor {
    Actor {
        name: "tester".to_string(),
        request_id: "test".to_string(),
    }
}

/// The 焦作 2024 budget imported through the application (so its year is cached and current).
pub fn year_with_budget() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("app.db"))).unwrap();
    let app = Arc::new(App::new(store, config()));
    let approval = Approval::jiaozuo_2024().unwrap();
    let imported = app.import_budget(&approval, &actor()).unwrap();
    assert!(matches!(imported, BudgetImported::Written(_)));
    Fixture {
        app,
        stream: approval.stream(),
        line: approval.budget.lines[0].line_id.clone(),
        project: approval.budget.projects[0].code.clone(),
        _dir: dir,
    }
}
