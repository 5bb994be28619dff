//! `jixiao-api`: the HTTP API of jixiao on actix-web.
//!
//! It authenticates users (HS256 JWT with roles and unit scope), turns HTTP writes into domain
//! commands checked by the aggregate and appended to the store (idempotent by client event id,
//! optimistic concurrency via `If-Match`), serves the read views (event log, execution,
//! indicators, self-evaluation, the 1-7月 monitoring draft, the finance bureau's monitoring
//! view), and exposes operations
//! endpoints, an OpenAPI 3.1 document with Swagger UI, and mounts the web pages of `jixiao-web`.
//!
//! Invariants and boundary: handlers never block an async worker (store calls and password
//! hashing run on the blocking pool); every error is RFC 9457 problem+json; every limit is a
//! named constant in [`config`]; business rules live in `jixiao-domain`, loading, deciding,
//! appending and views in `jixiao-app` — this crate only translates HTTP to and from them.

pub mod auth;
pub mod config;
pub mod contract;
pub mod dto;
pub mod error;
pub mod extract;
pub mod guard;
mod http1;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod strict;
pub mod telemetry;

pub use config::{ApiConfig, JwtSettings, Secret};
pub use startup::{AppState, build};
