//! Building the server: validates the configuration, binds the listener (port 0 in tests),
//! registers the shared state, the extractor error handlers (so every error is problem+json),
//! the telemetry middleware, every route, the web pages (`jixiao-web`), the OpenAPI document and
//! the Swagger UI. The connection limits are set here too: the time a client has to send a
//! request head and a body (`crate::guard::limit_body_time`), the keep-alive, the linger after
//! the server closes, connections per worker (see `docs/security.md`).

use crate::auth::JwtKeys;
use crate::config::{
    ApiConfig, CLIENT_DISCONNECT_TIMEOUT_MS, KEEP_ALIVE_SECONDS, MAX_BODY_BYTES,
    MAX_CONNECTIONS_PER_WORKER,
};
use crate::error::{ApiError, json_error, path_error, query_error};
use crate::openapi::ApiDoc;
use crate::{guard, http1, routes, telemetry};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, web};
use jixiao_app::throttle::LoginThrottle;
use jixiao_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// State shared by every handler.
pub struct AppState {
    /// The event store.
    pub store: Store,
    /// The configuration the server was built with.
    pub config: ApiConfig,
    /// Prometheus metrics.
    pub metrics: PrometheusHandle,
    /// The application layer every handler calls.
    pub app: Arc<jixiao_app::App>,
    /// Sign-in throttling, shared with the web sign-in.
    pub login_throttle: Arc<LoginThrottle>,
}

impl AppState {
    /// "Today" for business purposes (the application's).
    pub fn business_today(&self) -> chrono::NaiveDate {
        self.app.business_today()
    }
}

/// The routes of the server and their methods, read from the OpenAPI document (which a test
/// keeps equal to the routes registered) plus the pages outside it; the fallback handler uses
/// it to tell a wrong method (405) from an unknown address (404).
pub struct RouteTable(Vec<(Vec<String>, Vec<&'static str>)>);

impl RouteTable {
    /// The table of a document.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut routes: Vec<(Vec<String>, Vec<&'static str>)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments(path), methods)
            })
            .collect();
        for page in ["/", "/docs"] {
            routes.push((segments(page), vec!["GET"]));
        }
        RouteTable(routes)
    }

    /// The methods a path answers to (empty when no route matches it).
    pub fn methods_of(&self, path: &str) -> Vec<&'static str> {
        let asked = segments(path);
        self.0
            .iter()
            .filter(|(template, _)| {
                template.len() == asked.len()
                    && template.iter().zip(&asked).all(|(t, a)| {
                        (t.starts_with('{') && t.ends_with('}') && !a.is_empty()) || t == a
                    })
            })
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect()
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

async fn not_found(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allowed = routes.methods_of(req.path());
    if allowed.is_empty() {
        return Err(
            ApiError::not_found(format!("没有这个地址：{} (no such route)", req.path()))
                .with_instance(req.path()),
        );
    }
    let allow = allowed.join(", ");
    Err(ApiError::method_not_allowed(
        format!(
            "{} 不支持 {} 方法，请改用 {allow} (method not allowed; use {allow})",
            req.path(),
            req.method()
        ),
        &allowed,
    )
    .with_instance(req.path()))
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/docs/"))
        .finish()
}

/// The JSON extractor configuration for ordinary requests (≤ [`MAX_BODY_BYTES`]).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(json_error)
}

/// Builds the server and binds it. Returns the server (run it by awaiting it) and the address
/// it listens on.
pub fn build(config: ApiConfig, store: Store) -> std::io::Result<(Server, SocketAddr)> {
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let listener = TcpListener::bind(config.bind)?;
    let address = listener.local_addr()?;
    let keys = web::Data::new(JwtKeys::new(&config.jwt));
    let workers = config.workers;
    let app = Arc::new(jixiao_app::App::new(
        store.clone(),
        jixiao_app::AppConfig {
            default_profile: config.default_profile.clone(),
            business_today: config.business_today,
            cached_events: config.cached_events,
            ..jixiao_app::AppConfig::default()
        },
    ));
    // Read the disabled users now, so the token check of every request answers from memory.
    app.disabled_users()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let login_throttle = Arc::new(LoginThrottle::new(config.login_throttle.clone()));
    let pages = web::Data::new(jixiao_web::WebState {
        app: app.clone(),
        settings: jixiao_web::WebSettings::new(
            config.jwt.secret.expose().as_bytes(),
            config.secure_cookies,
            config.password_cost,
        )
        .with_login_throttle(login_throttle.clone()),
    });
    let client_request_timeout = Duration::from_millis(config.client_request_timeout_ms);
    let state = web::Data::new(AppState {
        store,
        config,
        metrics: telemetry::metrics_handle(),
        app,
        login_throttle,
    });
    let openapi = ApiDoc::openapi();
    let routes_table = web::Data::new(RouteTable::from_openapi(&openapi));
    let app = move || {
        App::new()
            .wrap(from_fn(guard::limit_body_time))
            .wrap(from_fn(telemetry::observe))
            .app_data(state.clone())
            .app_data(keys.clone())
            .app_data(pages.clone())
            .app_data(routes_table.clone())
            .app_data(json_config(MAX_BODY_BYTES))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .configure(routes::configure)
            .configure(jixiao_web::configure)
            .route("/docs", web::get().to(docs_redirect))
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/api-docs/openapi.json", openapi.clone())
                    .config(Config::default().validator_url("none")),
            )
            .default_service(web::to(not_found))
    };
    let server = http1::serve(
        app,
        listener,
        http1::Settings {
            workers,
            max_connections_per_worker: MAX_CONNECTIONS_PER_WORKER,
            keep_alive: Duration::from_secs(KEEP_ALIVE_SECONDS),
            client_request_timeout,
            client_disconnect_timeout: Duration::from_millis(CLIENT_DISCONNECT_TIMEOUT_MS),
        },
    )?;
    tracing::info!(%address, "jixiao API listening");
    Ok((server, address))
}
