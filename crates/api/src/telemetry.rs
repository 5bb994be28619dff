//! Request telemetry: a request id (taken from `X-Request-Id` when sane, else generated) that is
//! echoed in the response, recorded on every event the request appends and attached to its log
//! span; structured request logs; and Prometheus metrics (requests by route and status, a
//! latency histogram, appends and events appended) rendered from our own `/metrics` route.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::future::{Ready, ready};
use std::sync::OnceLock;
use std::time::Instant;
use tracing::Instrument;

/// The request id header.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Longest request id accepted from a client; longer ones are replaced.
pub const MAX_REQUEST_ID_BYTES: usize = 128;

/// The request methods a metric names; any other (actix accepts any token as a method) is
/// counted as [`OTHER_METHOD`], so a client cannot grow the metric series without bound.
pub const METRIC_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// The method label of every method outside [`METRIC_METHODS`].
pub const OTHER_METHOD: &str = "OTHER";

/// The `method` label of a request: one of a fixed set.
pub fn metric_method(method: &actix_web::http::Method) -> &'static str {
    METRIC_METHODS
        .iter()
        .find(|m| **m == method.as_str())
        .copied()
        .unwrap_or(OTHER_METHOD)
}

/// Latency histogram buckets in seconds (1 ms … 10 s).
const LATENCY_BUCKETS_SECONDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The id of the current request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl FromRequest for RequestId {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
        ready(Ok(id))
    }
}

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= MAX_REQUEST_ID_BYTES
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    ok.then(|| text.to_string())
}

/// The process-wide Prometheus recorder. `metrics` allows one global recorder per process;
/// every server in the process (tests start several) shares it.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS_SECONDS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "a metrics recorder was already installed; /metrics shows only this one"
                );
            }
            handle
        })
        .clone()
}

/// The `status` label of a response: the common statuses without an allocation.
pub fn status_label(status: u16) -> metrics::SharedString {
    static COMMON: [(u16, &str); 20] = [
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (303, "303"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (406, "406"),
        (408, "408"),
        (409, "409"),
        (412, "412"),
        (413, "413"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
    ];
    match COMMON.iter().find(|(code, _)| *code == status) {
        Some((_, label)) => metrics::SharedString::const_str(label),
        None => metrics::SharedString::from(status.to_string()),
    }
}

/// Middleware: request id, log span, access log and metrics for every request. Per request it
/// allocates the id (a client's sane id copied, or a generated one), its header value, the
/// matched route pattern and one copy of it for the metrics' labels; the method and path are
/// recorded into the span straight from the request (and not at all when no subscriber
/// listens), and the common statuses are static labels.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // A sane or generated id is visible ASCII, always a valid header value.
    let header = HeaderValue::from_str(&request_id).ok();
    let method_label = metric_method(req.method());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path()
    );
    req.extensions_mut().insert(RequestId(request_id));
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    if let Some(v) = header {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_us = elapsed.as_micros() as u64, "request finished");
    });
    metrics::counter!("http_requests_total", "method" => method_label, "route" => route.clone(), "status" => status_label(status))
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method_label, "route" => route)
        .record(elapsed.as_secs_f64());
    Ok(res)
}

/// Counts one successful append of `events` events.
pub fn record_append(events: usize) {
    metrics::counter!("event_appends_total").increment(1);
    metrics::counter!("events_appended_total").increment(events as u64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    #[test]
    fn the_metric_method_label_is_one_of_a_fixed_set_whatever_the_client_sends() {
        assert_eq!(metric_method(&Method::GET), "GET");
        assert_eq!(metric_method(&Method::DELETE), "DELETE");
        for odd in ["FOO", "BREW", "X0123456789"] {
            let m = Method::from_bytes(odd.as_bytes()).unwrap();
            assert_eq!(metric_method(&m), OTHER_METHOD, "{odd}");
        }
    }

    #[test]
    fn the_status_label_is_the_status_code_whether_it_is_a_common_one_or_not() {
        for code in 100..=999u16 {
            assert_eq!(&*status_label(code), code.to_string(), "{code}");
        }
    }
}
