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

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ops::healthz)
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
        .service(reads::indicators)
        .service(reads::evaluation)
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
