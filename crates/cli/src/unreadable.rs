//! Requests actix cannot parse, logged as a WARN instead of an ERROR.
//!
//! actix-http answers a request line or header it cannot parse with a bare 400 and logs
//! `stream error: request parse error: …` at ERROR (target `actix_http::h1::dispatcher`). Any
//! client can produce that line at will, so it must not page anyone: this layer turns exactly
//! those events into one WARN line of ours (target `jixiao::http`, same text or JSON format) and
//! keeps the ERROR line out of the log. Every other event passes untouched.

use std::fmt;
use std::io::Write;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The target and message prefix of actix-http's parse-error line.
const ACTIX_DISPATCHER_TARGET: &str = "actix_http::h1::dispatcher";
const PARSE_ERROR_PREFIX: &str = "stream error: request parse error";
/// The target of the WARN line written instead.
const TARGET: &str = "jixiao::http";

/// The layer; `json` picks the log format of the WARN line.
pub struct UnreadableRequests {
    pub json: bool,
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl UnreadableRequests {
    /// The WARN line for actix's message.
    fn line(&self, message: &str) -> String {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let text = format!("无法解析的请求，已答 400 (unreadable request answered 400): {message}");
        if self.json {
            serde_json::json!({
                "timestamp": now, "level": "WARN", "fields": {"message": text}, "target": TARGET
            })
            .to_string()
        } else {
            format!("{now}  WARN {TARGET}: {text}")
        }
    }
}

impl<S: Subscriber> Layer<S> for UnreadableRequests {
    /// Refuses actix's parse-error event for every layer (so it is not printed at ERROR) after
    /// writing the WARN line in its place.
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || meta.target() != ACTIX_DISPATCHER_TARGET {
            return true;
        }
        let mut message = Message::default();
        event.record(&mut message);
        if !message.0.starts_with(PARSE_ERROR_PREFIX) {
            return true;
        }
        // Logging must never fail the server: a lost line is all a failed write costs.
        let _ = writeln!(std::io::stderr().lock(), "{}", self.line(&message.0));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    /// Counts the events that reach the layers after ours, by level.
    #[derive(Clone, Default)]
    struct Seen(std::sync::Arc<std::sync::Mutex<Vec<Level>>>);

    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            self.0.lock().unwrap().push(*event.metadata().level());
        }
    }

    #[test]
    fn actix_parse_errors_are_kept_out_of_the_error_log_and_other_errors_are_not() {
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry()
            .with(UnreadableRequests { json: false })
            .with(seen.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: request parse error: invalid Header provided");
            tracing::error!(target: "actix_http::h1::dispatcher", "write zero; closing");
            tracing::error!(target: "jixiao_api", "stream error: request parse error: not ours");
        });
        assert_eq!(*seen.0.lock().unwrap(), vec![Level::ERROR, Level::ERROR]);
    }

    #[test]
    fn the_warn_line_names_its_level_target_and_cause_in_both_formats() {
        let text = UnreadableRequests { json: false }.line("stream error: request parse error: x");
        assert!(text.contains("  WARN jixiao::http: "), "{text}");
        assert!(text.ends_with("request parse error: x"), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&UnreadableRequests { json: true }.line("m")).unwrap();
        assert_eq!(json["level"], "WARN");
        assert_eq!(json["target"], "jixiao::http");
    }
}
