//! SQLite's configuration is global: once a connection has been opened in the process, the
//! page cache can no longer be replaced, and `install` says so without changing anything.

#[test]
fn install_after_sqlite_is_in_use_is_refused_and_sqlite_keeps_working() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let refused = jixiao_pcache::install().unwrap_err();
    assert_eq!(refused.0, rusqlite::ffi::SQLITE_MISUSE);
    assert!(!jixiao_pcache::installed());
    assert!(refused.to_string().contains("already in use"));
    // The same answer again, and SQLite still works with its default cache.
    assert_eq!(jixiao_pcache::install(), Err(refused));
    let one: i64 = conn.query_row("SELECT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(one, 1);
}
