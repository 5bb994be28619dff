//! User administration across processes: a user disabled by another process on the same
//! database (the CLI, another server on the same PostgreSQL database) is refused by this one
//! once its cached set of disabled users is older than `AppConfig::disabled_users_refresh`.

use jixiao_app::{App, AppConfig};
use jixiao_store::users::{PasswordCost, Role};
use jixiao_store::{Store, StoreOptions};
use std::time::Duration;

fn app(store: &Store, refresh: Duration) -> App {
    App::new(
        store.clone(),
        AppConfig {
            disabled_users_refresh: refresh,
            ..AppConfig::default()
        },
    )
}

#[test]
fn a_user_disabled_by_another_process_is_refused_once_the_cache_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("app.db"))).unwrap();
    let users = store.users().unwrap().with_cost(PasswordCost::Test);
    users
        .add("admin", "admin-password-1", Role::Admin, None)
        .unwrap();
    users
        .add("staff", "staff-password-1", Role::Staff, Some("261301"))
        .unwrap();

    // "This server" re-reads the set at every check; "a server" that never re-reads within
    // the test keeps what it read first.
    let this = app(&store, Duration::ZERO);
    let slow = app(&store, Duration::from_secs(3600));
    assert!(!this.is_user_disabled("staff").unwrap());
    assert!(!slow.is_user_disabled("staff").unwrap());

    // Another process disables the user through its own application layer.
    let other = app(&store, Duration::ZERO);
    other.set_user_disabled("staff", true).unwrap();

    assert!(this.is_user_disabled("staff").unwrap());
    assert!(
        !slow.is_user_disabled("staff").unwrap(),
        "cached until stale"
    );
    other.set_user_disabled("staff", false).unwrap();
    assert!(!this.is_user_disabled("staff").unwrap());
}
