//! Property tests of the aggregate over random command sequences: whatever is accepted, the
//! state rebuilt by replaying the recorded log equals the state built incrementally; the
//! version counts the events; and the project's net payments never exceed what was paid.

mod aggregate_support;

use aggregate_support::*;
use jixiao_domain::aggregate::{Command, Context, UnitYear};
use jixiao_domain::event::{Event, PaymentReversed};
use jixiao_domain::indicator::Scope;
use jixiao_domain::measure::paid_yuan;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Commands over a small id space so that duplicates, reversals of unknown or already reversed
/// payments and payments outside the year all occur.
fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0u128..6, 1u32..=13, 1i64..100_000).prop_map(|(n, month, cents)| {
            let date = if month == 13 {
                d(2025, 1, 3)
            } else {
                d(2024, month, 10)
            };
            Command::RecordPayment(payment(n, date, Decimal::new(cents, 2)))
        }),
        (0u128..6, 1u32..=12).prop_map(|(n, month)| Command::ReversePayment(PaymentReversed {
            payment_id: id(n),
            reversed_on: d(2024, month, 20),
            reason: "红冲".into(),
        })),
        (10u128..14, 1u32..=12, 0u32..30, 0u32..30).prop_map(
            |(n, month, invited, participants)| {
                Command::HoldActivity(activity(n, d(2024, month, 5), invited, participants))
            }
        ),
    ]
}

proptest! {
    #[test]
    fn replaying_the_log_equals_the_state_built_incrementally(commands in prop::collection::vec(command(), 0..40)) {
        let p = profile();
        let ctx = Context { profile: &p };
        let mut log: Vec<Event> = approved_year();
        let mut state = UnitYear::replay(&log);
        let mut gross = Decimal::ZERO;
        for c in commands {
            if let Ok(events) = state.handle(c, &ctx) {
                for e in events {
                    if let Event::PaymentRecorded(pay) = &e {
                        gross += pay.amount_yuan.yuan();
                    }
                    state.apply(&e);
                    log.push(e);
                }
            }
        }
        prop_assert_eq!(UnitYear::replay(&log), state.clone());
        prop_assert_eq!(state.version(), log.len() as u64);
        let (net, _) = paid_yuan(&state, &Scope::Unit, None);
        prop_assert!(net.yuan() >= Decimal::ZERO && net.yuan() <= gross);
        prop_assert!(state.activities().iter().all(|a| a.activity.participants <= a.activity.invited));
    }
}
