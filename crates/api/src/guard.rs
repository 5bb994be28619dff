//! Guards that run before a handler reads anything of the request: [`Permit`] authorises the
//! bearer for a route's action (and the path's unit) before any extractor parses the path,
//! query or body, so a caller without the right learns nothing of a route's schema (401/403,
//! never a 400 or 422 describing the body); [`limit_body_time`] cuts off a request body that
//! stalls or takes too long, so a client that declares a large body and stops sending cannot
//! hold a connection and its buffers.
//!
//! `Permit` is a resource middleware (`#[post("…", wrap = "Permit(Action::Record)")]`): it
//! runs after routing, when the path's `{unit}` is known, and leaves the verified claims in
//! the request's extensions so the handler's [`Auth`](crate::auth::Auth) does not verify the
//! token twice. Handlers keep their own `require`/`allow` call: the guard is the earlier of two
//! checks of the same action against the one role table (`jixiao_app::auth::Action::allowed`).

use crate::auth::{Action, Auth, authenticate};
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, ResponseError};
use futures_core::Stream;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Authorises the bearer for an action before the handler's extractors run.
#[derive(Debug, Clone, Copy)]
pub struct Permit(pub Action);

impl<S, B> Transform<S, ServiceRequest> for Permit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = PermitService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(PermitService {
            service,
            action: self.0,
        }))
    }
}

/// The service [`Permit`] wraps a route with.
pub struct PermitService<S> {
    service: S,
    action: Action,
}

type Answer<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

impl<S, B> Service<ServiceRequest> for PermitService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Answer<B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // Authorised first, then the path's year and the strictly read query parameters.
        let checked =
            permit(&req, self.action).and_then(|auth| {
                match crate::strict::request_problem(req.path(), req.query_string()) {
                    Some(problem) => Err(problem),
                    None => Ok(auth),
                }
            });
        match checked {
            Ok(auth) => {
                req.extensions_mut().insert(auth);
                let answer = self.service.call(req);
                Box::pin(async move { Ok(answer.await?.map_into_left_body()) })
            }
            Err(e) => {
                let refused = e.with_instance(req.path()).error_response();
                Box::pin(ready(Ok(req.into_response(refused).map_into_right_body())))
            }
        }
    }
}

/// The bearer's claims if the role may perform `action` (on the path's `{unit}`, when the
/// route has one).
fn permit(req: &ServiceRequest, action: Action) -> Result<Auth, ApiError> {
    let claims = authenticate(req.request())?;
    match req.match_info().get("unit") {
        Some(unit) => claims.require_unit(action, unit)?,
        None => claims.require(action)?,
    }
    Ok(Auth(claims))
}

/// Whether a request announces a body (a length above zero, or chunks).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

/// The app middleware that puts [`TimedBody`] around every request body: no byte for the
/// configured stall timeout, or the whole body not there by the deadline (stall timeout ×
/// [`BODY_DEADLINE_FACTOR`]), and the body ends with a timed-out error (a 408 problem; the
/// connection is closed after it because the body was not read to its end).
pub async fn limit_body_time(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if has_body(&req)
        && let Some(state) = req.app_data::<web::Data<AppState>>()
    {
        let stall = Duration::from_millis(state.config.body_stall_timeout_ms);
        let inner = req.take_payload();
        req.set_payload(Payload::Stream {
            payload: Box::pin(TimedBody::new(inner, stall)),
        });
    }
    next.call(req).await
}

/// How many stall timeouts a whole body may take at most (a client trickling one byte just
/// before each stall timeout is still cut off).
pub const BODY_DEADLINE_FACTOR: u32 = 6;

/// A request body that fails with [`std::io::ErrorKind::TimedOut`] when it stalls or is late.
pub struct TimedBody {
    inner: Payload,
    stall: Duration,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl TimedBody {
    /// Wraps `inner`; the clocks start now.
    pub fn new(inner: Payload, stall: Duration) -> Self {
        TimedBody {
            inner,
            stall,
            deadline: Instant::now() + stall * BODY_DEADLINE_FACTOR,
            timer: None,
            done: false,
        }
    }

    fn next_alarm(&self) -> Instant {
        (Instant::now() + self.stall).min(self.deadline)
    }
}

/// Whether a payload error is the body timeout of [`TimedBody`].
pub fn is_body_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let alarm = self.next_alarm();
                if let Some(timer) = self.timer.as_mut() {
                    timer.as_mut().reset(alarm);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                self.done = other.is_none();
                Poll::Ready(other)
            }
            Poll::Pending => {
                if self.timer.is_none() {
                    let alarm = self.next_alarm();
                    self.timer = Some(Box::pin(sleep_until(alarm)));
                }
                let fired = self
                    .timer
                    .as_mut()
                    .is_some_and(|t| t.as_mut().poll(cx).is_ready());
                if fired {
                    self.done = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "request body timed out",
                    )))))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}
