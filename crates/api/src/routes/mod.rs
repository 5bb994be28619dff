//! The HTTP routes, one module per area; [`configure`] registers them all.

use actix_web::web;

pub mod bulk;
pub mod evidence;
pub mod forms;
pub mod ops;
pub mod reads;
pub mod recheck;
pub mod review;
pub mod units;
pub mod users;
pub mod writes;

/// Registers every route, the busiest first: actix tries each resource's pattern in
/// registration order, with a regex capture (and its allocation) per dynamic pattern, so a
/// payment POST or an indicators / evaluation GET registered late paid for every pattern
/// tried before it (captures were ≈ 7 % of all samples under W2). No two patterns match one path,
/// so the order changes nothing but the cost.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(writes::record_payment)
        .service(reads::indicators)
        .service(reads::evaluation)
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(users::token)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::set_password)
        .service(users::set_role)
        .service(users::set_disabled)
        .service(reads::list_units)
        .service(units::import_unit)
        .service(bulk::bulk_load)
        .service(reads::monitoring_view)
        .service(reads::events)
        .service(reads::execution)
        .service(reads::monitoring_draft)
        .service(reads::verify)
        .service(evidence::upload_evidence)
        .service(evidence::download_evidence)
        .service(evidence::attach_evidence)
        .service(forms::form)
        .service(review::submitted)
        .service(review::recheck)
        .service(recheck::recheck_upload)
        .configure(writes::configure);
}
