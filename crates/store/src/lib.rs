//! `jixiao-store` (to be written): the event log on SQLite.

pub mod users;
