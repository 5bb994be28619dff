//! Black-box tests of the HTTP API: each test starts the real server on port 0 over a fresh
//! temporary database (`helpers::spawn_app`) and talks to it over HTTP with ureq.

mod auth;
mod budget;
mod bulk;
mod draft;
mod edges;
mod evidence;
mod forms;
mod helpers;
mod limits;
mod openapi;
mod ops;
mod provenance;
mod recheck;
mod schemas;
mod security;
mod strict;
mod units_admin;
mod writes;
mod year;
