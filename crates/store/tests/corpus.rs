//! The upcaster corpus: stored events of every type and every schema version ever written
//! (`tests/corpus/*.jsonl`, one `{event_type, schema_version, payload}` per line). Every line
//! must upcast and decode into a current `Event`, and must survive a trip through the store
//! without its stored bytes being rewritten. A landed corpus line is never edited: when a
//! schema changes, add the new version's lines beside the old ones.

#[macro_use]
mod common;

use common::*;
use jixiao_store::upcast::decode;
use jixiao_store::{ExpectedVersion, KnownAt, NewEvent};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Every event type of the domain's vocabulary (`jixiao_domain::event::Event`).
const ALL_TYPES: [&str; 23] = [
    "budget_approved",
    "budget_adjustment_requested",
    "budget_adjusted",
    "budget_adjustment_rejected",
    "carry_over_recorded",
    "targets_approved",
    "target_adjustment_requested",
    "target_adjustment_approved",
    "target_adjustment_rejected",
    "payment_recorded",
    "payment_reversed",
    "activity_held",
    "activity_corrected",
    "activity_withdrawn",
    "survey_recorded",
    "indicator_assessed",
    "procurement_recorded",
    "monitoring_report_filed",
    "deviation_explained",
    "self_evaluation_submitted",
    "year_closed",
    "year_reopened",
    "evidence_attached",
];

struct Line {
    file: String,
    number: usize,
    event_type: String,
    schema_version: u32,
    payload: serde_json::Value,
}

fn corpus() -> Vec<Line> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push(Line {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                number: i + 1,
                event_type: v["event_type"].as_str().unwrap().to_string(),
                schema_version: u32::try_from(v["schema_version"].as_u64().unwrap()).unwrap(),
                payload: v["payload"].clone(),
            });
        }
    }
    out
}

#[test]
fn every_corpus_line_upcasts_and_decodes_into_a_current_event() {
    let lines = corpus();
    let mut failures = Vec::new();
    for l in &lines {
        match decode(&l.event_type, l.schema_version, l.payload.clone()) {
            Ok(e) => assert_eq!(e.event_type(), l.event_type, "{}:{}", l.file, l.number),
            Err(err) => failures.push(format!(
                "{}:{} {} v{}: {err}",
                l.file, l.number, l.event_type, l.schema_version
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "undecodable corpus lines:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_corpus_covers_every_event_type_and_every_upcaster() {
    let lines = corpus();
    let covered: BTreeSet<&str> = lines.iter().map(|l| l.event_type.as_str()).collect();
    let missing: Vec<&str> = ALL_TYPES
        .iter()
        .copied()
        .filter(|t| !covered.contains(t))
        .collect();
    assert!(missing.is_empty(), "no corpus line for {missing:?}");
    for up in jixiao_store::upcast::UPCASTERS {
        assert!(
            lines
                .iter()
                .any(|l| l.event_type == up.event_type && l.schema_version == up.from_version),
            "no corpus line for {} v{}",
            up.event_type,
            up.from_version
        );
    }
}

both_engines!(old_versions_are_stored_as_written_and_read_back_upcast);
fn old_versions_are_stored_as_written_and_read_back_upcast(db: &TestDb) {
    let store = db.open();
    let lines = corpus();
    let batch: Vec<NewEvent> = lines
        .iter()
        .map(|l| {
            NewEvent::from_stored(
                Uuid::new_v4(),
                &l.event_type,
                l.schema_version,
                &l.payload.to_string(),
                meta(),
            )
            .unwrap()
        })
        .collect();
    store
        .append(stream("261301"), ExpectedVersion::NoStream, batch)
        .unwrap();
    let read = store.read_stream(&stream("261301"), KnownAt::Now).unwrap();
    assert_eq!(read.len(), lines.len());
    for (l, e) in lines.iter().zip(&read) {
        assert_eq!(e.stored_schema_version, l.schema_version);
        assert_eq!(
            e.event,
            decode(&l.event_type, l.schema_version, l.payload.clone()).unwrap()
        );
        let stored = store.stored_payloads(e.position, e.position).unwrap()[0]
            .1
            .clone();
        assert_eq!(
            stored,
            l.payload.to_string(),
            "the stored payload is never rewritten"
        );
    }
    assert_eq!(store.verify().unwrap().first_broken, None);
}

#[test]
fn decoding_straight_from_text_gives_the_same_event_as_the_upcaster_path() {
    for l in corpus() {
        let via_value = decode(&l.event_type, l.schema_version, l.payload.clone()).unwrap();
        let text = l.payload.to_string();
        let direct =
            jixiao_store::upcast::decode_text(&l.event_type, l.schema_version, &text).unwrap();
        assert_eq!(direct, via_value, "{}:{}", l.file, l.number);
    }
}

#[test]
fn the_fast_payload_encoder_writes_exactly_the_bytes_of_the_value_path() {
    use jixiao_domain::event::Event;
    // Strings a ledger import can carry: quotes, backslashes, control characters, CJK, emoji.
    const AWKWARD: &str = "摘要 \"引号\" \\ 反斜杠\n换行\t\u{1} 🙂 </script>";
    let mut checked = 0;
    for l in corpus() {
        let event = decode(&l.event_type, l.schema_version, l.payload.clone()).unwrap();
        let mut variants = vec![event.clone()];
        let mut awkward = event;
        match &mut awkward {
            Event::PaymentRecorded(e) => {
                e.summary = AWKWARD.to_string();
                e.voucher_no = if e.voucher_no.is_some() {
                    None
                } else {
                    Some(AWKWARD.to_string())
                };
                e.project_code = None;
            }
            Event::ActivityHeld(e) => e.title = AWKWARD.to_string(),
            Event::SurveyRecorded(e) => {
                e.respondent_group = AWKWARD.to_string();
                e.project_code = None;
            }
            _ => {}
        }
        variants.push(awkward);
        for e in variants {
            let expected = serde_json::to_string(&e.payload()).unwrap();
            assert_eq!(
                e.payload_json().unwrap(),
                expected,
                "{}:{} ({})",
                l.file,
                l.number,
                l.event_type
            );
            checked += 1;
        }
    }
    assert!(checked >= 2 * ALL_TYPES.len());
}
