//! Users on either engine through `Store::users()`: argon2id hashes, unit scope by role,
//! disabling, listing — the same answers on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::TestDb;
use jixiao_store::users::{PasswordCost, Role, UserError};

both_engines!(users_sign_in_change_roles_and_are_disabled_alike_on_both_engines);
fn users_sign_in_change_roles_and_are_disabled_alike_on_both_engines(db: &TestDb) {
    let store = db.open();
    let users = store.users().unwrap().with_cost(PasswordCost::Test);
    users
        .add("zhang", "first-password", Role::Staff, Some("261301"))
        .unwrap();
    users
        .add("li", "first-password", Role::Admin, None)
        .unwrap();
    assert!(matches!(
        users.add("li", "other-password", Role::Admin, None),
        Err(UserError::Exists(_))
    ));
    assert!(matches!(
        users.add("wang", "first-password", Role::Staff, None),
        Err(UserError::UnitRequired(_))
    ));
    let signed_in = users.verify("zhang", "first-password").unwrap().unwrap();
    assert_eq!(
        (signed_in.role, signed_in.unit.as_deref()),
        (Role::Staff, Some("261301"))
    );
    assert!(users.verify("zhang", "wrong-password").unwrap().is_none());
    assert!(users.verify("nobody", "first-password").unwrap().is_none());

    users.set_password("zhang", "second-password").unwrap();
    assert!(users.verify("zhang", "first-password").unwrap().is_none());
    let promoted = users.set_role("zhang", Role::Finance, None).unwrap();
    assert_eq!((promoted.role, promoted.unit), (Role::Finance, None));

    users.set_disabled("zhang", true).unwrap();
    assert!(users.verify("zhang", "second-password").unwrap().is_none());
    assert_eq!(users.disabled_names().unwrap(), ["zhang"]);
    users.set_disabled("zhang", false).unwrap();
    assert!(users.verify("zhang", "second-password").unwrap().is_some());
    assert!(matches!(
        users.set_disabled("ghost", true),
        Err(UserError::NotFound(_))
    ));

    // A second handle (another process on PostgreSQL) sees the same users, by name.
    let names: Vec<String> = db
        .open()
        .users()
        .unwrap()
        .list()
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["li", "zhang"]);
    assert_eq!(users.count().unwrap(), 2);
    // Stored only as an argon2id hash.
    let stored = db.query_text(
        "SELECT password_hash FROM users WHERE name = 'li'",
        "SELECT password_hash FROM users WHERE name = 'li'",
    );
    assert!(stored[0][0].starts_with("$argon2id$"), "{stored:?}");
}

both_engines!(the_store_answers_and_drops_inside_an_async_runtime_thread);
/// A server's worker thread runs an async runtime, and some callers use the store there
/// directly (the users handle at start-up): every call answers, and the store and the handle
/// drop cleanly there, on either engine (the synchronous PostgreSQL client would panic inside
/// a runtime if the store did not step off it).
fn the_store_answers_and_drops_inside_an_async_runtime_thread(db: &TestDb) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = db.open();
        let users = store.users().unwrap().with_cost(PasswordCost::Test);
        users
            .add("zhao", "first-password", Role::Auditor, None)
            .unwrap();
        assert_eq!(users.disabled_names().unwrap(), Vec::<String>::new());
        assert_eq!(store.head().unwrap().position, 0);
        assert!(store.verify().unwrap().first_broken.is_none());
        drop(users);
        drop(store);
    });
}
