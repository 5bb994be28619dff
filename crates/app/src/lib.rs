//! `jixiao-app`: the one application layer every front end calls — the HTTP API, the web pages
//! and the command line are thin adapters over it.
//!
//! It loads a unit-year (the shared in-memory state caught up with the log, [`cache`]), turns
//! commands into events through the domain and appends them with the loaded version, retrying
//! a lost race ([`write`]); computes views as of a business date or as the log held them at a
//! position ([`read`], one function per view of a unit-year in [`view`]); runs imports (the budget as a fixture or workbook, [`budget_file`];
//! ledgers) all or nothing ([`import`],
//! [`ledger`], [`table`]); produces the data of exports ([`export`]) and of the official
//! forms ([`forms`], laid out by `jixiao-report`); computes the finance bureau's views over all
//! units once — the filtered, sorted, paged units table and the approvals inbox ([`bureau`]);
//! and holds the one role table and the signed-in user's token ([`auth`]) every front end
//! checks, with the users who may no longer use theirs ([`admin`]).
//!
//! Boundaries: no HTTP, no SQL (only `jixiao-store` knows SQL), no terminal, no files on disk
//! (callers pass bytes); blocking — async callers run it on a blocking pool, after trying the
//! two calls that never block: [`App::start_write`] and [`App::try_view_now`].

pub mod admin;
pub mod auth;
pub mod budget_file;
pub mod bulk;
pub mod bureau;
pub mod cache;
pub mod error;
pub mod evidence;
pub mod export;
pub mod forms;
pub mod import;
pub mod ledger;
pub mod queued;
pub mod read;
pub mod recheck;
pub mod review;
pub mod table;
pub mod throttle;
pub mod view;
pub mod write;

pub use bureau::{InboxItem, InboxKind, UnitDetails, UnitQuery, UnitSort, UnitTable};
pub use cache::{DEFAULT_CACHED_EVENTS, MAX_CACHED_STREAMS, Year, YearCache};
pub use error::{AppError, ErrorKind, FieldError};
pub use evidence::EvidenceFile;
pub use queued::{Committed, Queued, Settled, Started};
pub use read::{IndicatorView, Lagging, MissingExplanation, SelfEvaluation, UnitLagging, UnitRow};
pub use review::{Recheck, WorkflowView};
pub use write::{Actor, Item, Write, Written, derived_event_id};

use chrono::NaiveDate;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::Store;

/// Settings of the application layer.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Scoring profile used when a request names none.
    pub default_profile: String,
    /// Business "today" for demos and tests; the date in China when None.
    pub business_today: Option<NaiveDate>,
    /// Unit-years kept in memory.
    pub cached_streams: usize,
    /// Events the unit-years kept in memory hold in all ([`DEFAULT_CACHED_EVENTS`] by
    /// default); a single year larger than this is still kept while it is used.
    pub cached_events: u64,
    /// How old the cached set of disabled users may grow before it is read again, so that
    /// another process's 停用 reaches this one ([`admin::DISABLED_USERS_REFRESH`] by default).
    pub disabled_users_refresh: std::time::Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            default_profile: ScoringProfile::DEFAULT_ID.to_string(),
            business_today: None,
            cached_streams: MAX_CACHED_STREAMS,
            cached_events: DEFAULT_CACHED_EVENTS,
            disabled_users_refresh: admin::DISABLED_USERS_REFRESH,
        }
    }
}

/// The application: the store, the shared unit-years, the settings. Cheap to share behind an
/// `Arc`; every method is blocking.
pub struct App {
    store: Store,
    cache: YearCache,
    config: AppConfig,
    /// The disabled users' names and when they were read (`admin::DISABLED_USERS_REFRESH`).
    disabled_users:
        std::sync::Mutex<Option<(std::collections::HashSet<String>, std::time::Instant)>>,
    /// Serialises user-administration changes (the last-admin rule).
    admin_changes: std::sync::Mutex<()>,
    /// The unit rows computed last (`App::unit_rows`).
    rows_cache: std::sync::Mutex<read::RowsCache>,
    /// Each unit's lagging items computed last (`App::lagging`).
    lagging_memo: std::sync::Mutex<read::LaggingMemo>,
}

impl App {
    /// An application over a store.
    pub fn new(store: Store, config: AppConfig) -> Self {
        App {
            store,
            cache: YearCache::with_limits(config.cached_streams, config.cached_events),
            config,
            disabled_users: std::sync::Mutex::new(None),
            admin_changes: std::sync::Mutex::new(()),
            rows_cache: std::sync::Mutex::new(Vec::new()),
            lagging_memo: std::sync::Mutex::new(read::LaggingMemo::default()),
        }
    }

    /// The store (for operations that are the store's own: verify, head, users, backup).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Unit-years in memory now.
    pub fn cached_streams(&self) -> usize {
        self.cache.len()
    }

    /// Events the unit-years in memory held when last settled.
    pub fn cached_events(&self) -> u64 {
        self.cache.events()
    }
}
