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
