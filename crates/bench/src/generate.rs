//! Realistic, deterministic event generation for the benchmarks.
//!
//! The workloads must store what the service stores in production, so the generator yields real
//! domain events (`jixiao_domain::event::Event`) — mostly 支出 (`PaymentRecorded`, ~200–300 bytes
//! of JSON like a ledger line), with activities and surveys mixed in — spread over many streams
//! (one per unit and fiscal year). It is seeded, so two runs (and the store and raw paths of the
//! same run) see the same rows; the PRNG is a tiny SplitMix64 because a benchmark needs no more.

use chrono::NaiveDate;
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::codes::{CodeError, EconomicCode, FunctionCode};
use jixiao_domain::event::{ActivityHeld, Event, PaymentRecorded, SurveyRecorded};
use jixiao_domain::money::Yuan;
use rust_decimal::Decimal;
use uuid::Uuid;

/// The fiscal year every generated stream belongs to.
pub const FISCAL_YEAR: i32 = 2024;

/// Largest payment generated, in 分 (50,000.00 元): the seed unit's lines are a few 万元.
const PAYMENT_FEN_MAX: u64 = 5_000_000;

/// Out of 100 generated events, how many are payments (the rest: activities and surveys).
const PAYMENT_SHARE_PERCENT: u64 = 90;

/// 功能分类 of the payments: 2060401 机构运行.
const FUNCTION_CODE: &str = "2060401";

/// The 经济分类 codes of 公用经费 and project spending that payments are booked to.
const ECONOMIC_CODES: [&str; 8] = [
    "30201", "30205", "30206", "30207", "30211", "30216", "30217", "30228",
];

/// 摘要 texts as a bookkeeper writes them.
const SUMMARIES: [&str; 6] = [
    "购买办公用品（打印纸、墨盒、文件盒）",
    "支付第三季度水费",
    "支付电费及线路维护费",
    "差旅费报销：赴郑州参加产业技术对接会",
    "举办科技合作交流活动场地及资料费",
    "邮寄及通讯费用",
];

/// SplitMix64: a small, fast, good-enough PRNG (no dependency needed for load generation).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with the given seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (bound > 0; the tiny modulo bias does not matter for load).
    pub fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        self.next_u64() % bound
    }
}

/// One generated event with its identity and stream, before it goes to a store or a raw table.
#[derive(Debug, Clone)]
pub struct GenEvent {
    /// Client-chosen event id.
    pub event_id: Uuid,
    /// The unit code of the stream (stream = unit + [`FISCAL_YEAR`]).
    pub unit: String,
    /// The event.
    pub event: Event,
}

/// The unit code of stream number `index` ("U000042").
pub fn unit_code(index: u64) -> String {
    format!("U{index:06}")
}

/// What kind of client event ids the generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdKind {
    /// UUIDv7 (RFC 9562): a millisecond timestamp, then random bits — what a client should
    /// send (docs/api.md). Ids made at the same moment sort together, so the log's unique
    /// index on `event_id` grows at its end. The generator's clock starts at
    /// [`V7_EPOCH_MS`] and advances one millisecond per event it makes, so several
    /// generators (the W2 clients) interleave like clients sending at the same time.
    #[default]
    TimeOrdered,
    /// UUIDv4-like: 122 random bits, each id on a random page of that index.
    Random,
}

/// Start of the time-ordered ids' clock: 2024-07-31T00:00:00Z in milliseconds.
pub const V7_EPOCH_MS: u64 = 1_722_384_000_000;

/// Deterministic event generator over `streams` streams.
#[derive(Debug, Clone)]
pub struct EventGen {
    rng: Rng,
    ids: IdKind,
    streams: u64,
    counter: u64,
    economic_codes: Vec<EconomicCode>,
    function_code: FunctionCode,
}

impl EventGen {
    /// A generator spreading events over `streams` (≥ 1) units, seeded with `seed`.
    pub fn new(seed: u64, streams: u64) -> Result<Self, CodeError> {
        let economic_codes = ECONOMIC_CODES
            .iter()
            .map(|c| EconomicCode::parse(c))
            .collect::<Result<_, _>>()?;
        let function_code = FunctionCode::parse(FUNCTION_CODE)?;
        Ok(EventGen {
            rng: Rng::new(seed),
            ids: IdKind::default(),
            streams: streams.max(1),
            counter: 0,
            economic_codes,
            function_code,
        })
    }

    /// The same generator making ids of kind `ids`.
    pub fn with_ids(mut self, ids: IdKind) -> Self {
        self.ids = ids;
        self
    }

    fn next_id(&mut self) -> Uuid {
        match self.ids {
            IdKind::Random => Uuid::from_u64_pair(self.rng.next_u64(), self.rng.next_u64()),
            IdKind::TimeOrdered => {
                let mut random = [0u8; 10];
                random[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
                random[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes()[..2]);
                uuid::Builder::from_unix_timestamp_millis(V7_EPOCH_MS + self.counter, &random)
                    .into_uuid()
            }
        }
    }

    /// The next event, on a random stream.
    pub fn next_event(&mut self) -> GenEvent {
        let stream = self.rng.below(self.streams);
        self.next_on(stream)
    }

    /// The next event, on stream number `stream`.
    pub fn next_on(&mut self, stream: u64) -> GenEvent {
        self.counter += 1;
        let event_id = self.next_id();
        let unit = unit_code(stream);
        let event = self.make_event(&unit);
        GenEvent {
            event_id,
            unit,
            event,
        }
    }

    /// `count` events on one stream (a bulk ledger import of one unit).
    pub fn batch_on(&mut self, stream: u64, count: usize) -> Vec<GenEvent> {
        (0..count).map(|_| self.next_on(stream)).collect()
    }

    fn make_event(&mut self, unit: &str) -> Event {
        let day_of_year = self.rng.below(366) as u32;
        let date = NaiveDate::from_yo_opt(FISCAL_YEAR, day_of_year + 1)
            .or_else(|| NaiveDate::from_ymd_opt(FISCAL_YEAR, 12, 31))
            .unwrap_or_default();
        let project = ProjectCode(format!("4108002400000005{:02}", self.rng.below(5) + 30));
        let kind = self.rng.below(100);
        if kind < PAYMENT_SHARE_PERCENT {
            let economic = self.economic_codes
                [self.rng.below(self.economic_codes.len() as u64) as usize]
                .clone();
            let fen = self.rng.below(PAYMENT_FEN_MAX) + 1;
            let amount = Yuan::new(Decimal::new(fen as i64, 2)).unwrap_or(Yuan::ZERO);
            let summary = SUMMARIES[self.rng.below(SUMMARIES.len() as u64) as usize];
            Event::PaymentRecorded(PaymentRecorded {
                payment_id: Uuid::from_u64_pair(self.rng.next_u64(), self.counter),
                paid_on: date,
                line_id: LineId(format!("P-{}-{economic}-{unit}", project.0)),
                economic_code: economic,
                function_code: self.function_code.clone(),
                project_code: Some(project),
                amount_yuan: amount,
                voucher_no: Some(format!("记-{FISCAL_YEAR}-{:06}", self.counter % 1_000_000)),
                summary: summary.to_string(),
            })
        } else if kind < PAYMENT_SHARE_PERCENT + (100 - PAYMENT_SHARE_PERCENT) / 2 {
            let invited = 20 + self.rng.below(40) as u32;
            let participants = invited - self.rng.below(u64::from(invited) / 2) as u32;
            Event::ActivityHeld(ActivityHeld {
                evidence: Vec::new(),
                activity_id: Uuid::from_u64_pair(self.rng.next_u64(), self.counter),
                project_code: project,
                held_on: date,
                title: "产学研合作对接交流会".to_string(),
                invited,
                participants,
            })
        } else {
            let respondents = 10 + self.rng.below(50) as u32;
            let satisfied = respondents - self.rng.below(u64::from(respondents) / 3) as u32;
            Event::SurveyRecorded(SurveyRecorded {
                evidence: Vec::new(),
                survey_id: Uuid::from_u64_pair(self.rng.next_u64(), self.counter),
                project_code: Some(project),
                surveyed_on: date,
                respondent_group: "企业".to_string(),
                respondents,
                satisfied,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_literal_code_parses() {
        assert_eq!(
            EventGen::new(0, 1).unwrap().economic_codes.len(),
            ECONOMIC_CODES.len()
        );
        assert!(FunctionCode::parse(FUNCTION_CODE).is_ok());
    }

    #[test]
    fn the_same_seed_generates_the_same_events() {
        let a: Vec<_> = {
            let mut g = EventGen::new(7, 100).unwrap();
            (0..50).map(|_| g.next_event()).collect()
        };
        let mut g = EventGen::new(7, 100).unwrap();
        for x in &a {
            let y = g.next_event();
            assert_eq!(x.event_id, y.event_id);
            assert_eq!(x.event, y.event);
        }
    }

    #[test]
    fn generated_events_round_trip_through_their_stored_payload() {
        let mut g = EventGen::new(1, 10).unwrap();
        for _ in 0..500 {
            let e = g.next_event().event;
            let back = Event::from_payload(e.event_type(), e.payload()).unwrap();
            assert_eq!(back, e);
        }
    }

    #[test]
    fn payment_payloads_are_ledger_sized() {
        let mut g = EventGen::new(3, 10).unwrap();
        let sizes: Vec<usize> = (0..200)
            .map(|_| g.next_event().event)
            .filter(|e| matches!(e, Event::PaymentRecorded(_)))
            .map(|e| e.payload().to_string().len())
            .collect();
        assert!(!sizes.is_empty());
        // eventstore.md's benchmarks assume events of ~200 bytes; stay within a realistic band.
        assert!(sizes.iter().all(|s| (150..=450).contains(s)), "{sizes:?}");
    }

    #[test]
    fn events_spread_over_the_requested_streams_only() {
        let mut g = EventGen::new(5, 3).unwrap();
        let units: std::collections::BTreeSet<String> =
            (0..300).map(|_| g.next_event().unit).collect();
        assert_eq!(units.len(), 3);
        assert!(
            units
                .iter()
                .all(|u| ["U000000", "U000001", "U000002"].contains(&u.as_str()))
        );
    }
}
