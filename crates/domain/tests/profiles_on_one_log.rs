//! Every scoring profile on the same log: the seed year (焦作 2024, 预算14 and 预算15), assessed
//! once under the default profile, gives a valid evaluation of every scope under both built-in
//! profiles and a custom one — each person's grade lands inside the band that profile's own
//! weight gives — and the indicators view shows every indicator's weight, never a silent 0.

use chrono::NaiveDate;
use jixiao_domain::aggregate::{Command, Context, UnitYear};
use jixiao_domain::evaluation::rules::band;
use jixiao_domain::event::{Event, IndicatorAssessed};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::indicator::{QualGrade, Scope};
use jixiao_domain::money::round2;
use jixiao_domain::profile::ScoringProfile;
use jixiao_domain::target::TargetValue;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).expect("date")
}

/// A custom profile unlike either built-in one: other 一级 weights and other bands.
fn custom() -> ScoringProfile {
    let mut p = ScoringProfile {
        id: "custom-test".into(),
        ..ScoringProfile::default()
    };
    p.project_weights.execution = dec!(20);
    p.project_weights.output = dec!(40);
    p.project_weights.benefit = dec!(30);
    p.project_weights.satisfaction = dec!(10);
    p.unit_weights.input = dec!(40);
    p.unit_weights.output = dec!(30);
    p.qualitative_achieved_percent = dec!(85);
    p.qualitative_partial_percent = dec!(50);
    p.validate().expect("the custom profile is valid");
    p
}

/// The seed year with every qualitative indicator graded 部分达成 at 70% of its weight under
/// the default profile, decided by the aggregate under that profile.
fn seed_year_assessed_under_the_default() -> UnitYear {
    UnitYear::replay(&seed_log())
}

/// The log of [`seed_year_assessed_under_the_default`].
fn seed_log() -> Vec<Event> {
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).expect("the seed fixture reads");
    let mut log = import.into_events().expect("the seed converts");
    let mut year = UnitYear::replay(&log);
    let default = ScoringProfile::default();
    let scopes: Vec<Scope> = year.target_scopes().cloned().collect();
    let mut graded = 0;
    for scope in scopes {
        let indicators: Vec<_> = year
            .targets(&scope)
            .expect("targets")
            .indicators
            .iter()
            .map(|i| i.indicator.clone())
            .collect();
        for ind in indicators {
            if !matches!(ind.target.value(), TargetValue::Qualitative { .. }) {
                continue;
            }
            let weight = year
                .indicator_weight(&scope, &ind.id, &default)
                .expect("weighed under the default");
            let command = Command::AssessIndicator(IndicatorAssessed {
                scope: scope.clone(),
                indicator_id: ind.id.clone(),
                assessed_on: d(12, 20),
                grade: Some(QualGrade::Partial),
                score: Some(round2(weight * dec!(0.7))),
                actual_value: None,
                actual_text: "较好".into(),
                note: String::new(),
                band_position: None,
                evidence: Vec::new(),
            });
            let events = year
                .handle(command, &Context { profile: &default })
                .unwrap_or_else(|e| panic!("{}: {e}", ind.name));
            for e in &events {
                year.apply(e);
            }
            log.extend(events);
            graded += 1;
        }
    }
    assert!(graded > 5, "the seed has qualitative indicators to grade");
    log
}

#[test]
fn the_seed_year_assessed_under_the_default_evaluates_under_every_profile() {
    let year = seed_year_assessed_under_the_default();
    let profiles = [
        ScoringProfile::builtin("mof-2020").expect("built in"),
        ScoringProfile::builtin("henan-2024").expect("built in"),
        custom(),
    ];
    for p in &profiles {
        for scope in year.target_scopes() {
            let e = year
                .evaluation(scope, None, p)
                .unwrap_or_else(|err| panic!("{} under {}: {err}", scope_name(scope), p.id));
            assert!(e.total <= dec!(100), "{}", p.id);
            for r in e.indicators.iter().filter(|r| r.grade.is_some()) {
                // 部分达成 stays 部分达成: inside [p·W, a·W) of this profile's own weight.
                let (low, high, _) = band(r.weight, QualGrade::Partial, p);
                assert!(
                    r.score >= round2(low) && r.score < high,
                    "{} {} under {}: {} not in [{low}, {high})",
                    scope_name(scope),
                    r.name,
                    p.id,
                    r.score
                );
            }
        }
        let view = year.indicator_status(None, p);
        assert!(!view.is_empty());
        for s in &view {
            assert!(
                s.weight > Decimal::ZERO,
                "{} under {} shows weight 0",
                s.name,
                p.id
            );
            assert!(
                s.projected_score.is_some(),
                "{} under {} unscored",
                s.name,
                p.id
            );
        }
    }
}

#[test]
fn a_grade_keeps_its_place_in_the_band_across_profiles() {
    let year = seed_year_assessed_under_the_default();
    let (mof, henan) = (
        ScoringProfile::builtin("mof-2020").expect("built in"),
        ScoringProfile::builtin("henan-2024").expect("built in"),
    );
    // 70% of W sits halfway through the 部分达成 band [60%, 80%) under both profiles.
    for scope in year.target_scopes() {
        let a = year.evaluation(scope, None, &mof).expect("mof");
        let b = year.evaluation(scope, None, &henan).expect("henan");
        for (ra, rb) in a.indicators.iter().zip(&b.indicators) {
            if ra.grade.is_none() || rb.weight.is_zero() {
                continue;
            }
            assert_eq!(ra.score, round2(ra.weight * dec!(0.7)), "{}", ra.name);
            let expected = round2(rb.weight * dec!(0.7));
            assert!(
                (rb.score - expected).abs() <= dec!(0.01),
                "{} under henan: {} vs {expected}",
                rb.name,
                rb.score
            );
        }
    }
}

fn scope_name(scope: &Scope) -> String {
    jixiao_domain::aggregate::scope_label(scope)
}

#[test]
fn first_release_assessments_without_a_band_position_score_the_same_under_every_profile() {
    let log = seed_log();
    let recorded = log
        .iter()
        .filter(|e| matches!(e, Event::IndicatorAssessed(a) if a.band_position.is_some()))
        .count();
    assert!(
        recorded > 5,
        "new assessments record their place in the band"
    );
    // The same log as the first release wrote it: scores only.
    let old: Vec<Event> = log
        .iter()
        .cloned()
        .map(|e| match e {
            Event::IndicatorAssessed(a) => Event::IndicatorAssessed(IndicatorAssessed {
                band_position: None,
                evidence: Vec::new(),
                ..a
            }),
            other => other,
        })
        .collect();
    let (new_year, old_year) = (UnitYear::replay(&log), UnitYear::replay(&old));
    for p in [
        ScoringProfile::builtin("henan-2024").expect("built in"),
        custom(),
    ] {
        for scope in new_year.target_scopes() {
            assert_eq!(
                old_year
                    .evaluation(scope, None, &p)
                    .expect("old log evaluates"),
                new_year
                    .evaluation(scope, None, &p)
                    .expect("new log evaluates"),
                "{} under {}",
                scope_name(scope),
                p.id
            );
        }
    }
}
