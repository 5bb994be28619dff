//! Scoring profiles: the built-in `mof-2020` and `henan-2024` carry the settings of the domain
//! notes, and custom TOML profiles are validated with errors that name the field.

use jixiao_domain::profile::*;
use rust_decimal_macros::dec;

fn mof() -> ScoringProfile {
    ScoringProfile::builtin("mof-2020").unwrap()
}

#[test]
fn mof_2020_has_the_national_weights_and_thresholds() {
    let p = mof();
    assert_eq!(p.id, "mof-2020");
    let w = &p.project_weights;
    assert_eq!(
        (w.execution, w.cost, w.output, w.benefit, w.satisfaction),
        (dec!(10), dec!(0), dec!(50), dec!(30), dec!(10))
    );
    let u = &p.unit_weights;
    assert_eq!(
        (u.input, u.output, u.benefit, u.satisfaction),
        (dec!(30), dec!(40), dec!(20), dec!(10))
    );
    assert_eq!(p.reverse_variant, ReverseVariant::Ratio);
    assert_eq!(p.over_achievement_percent, dec!(120));
    assert_eq!(
        (
            p.qualitative_achieved_percent,
            p.qualitative_partial_percent
        ),
        (dec!(80), dec!(60))
    );
    assert_eq!(
        (p.grades.excellent, p.grades.good, p.grades.fair),
        (dec!(90), dec!(80), dec!(60))
    );
    let wt = &p.warnings;
    assert_eq!(
        (
            wt.execution_red_below,
            wt.execution_yellow_below,
            wt.indicator_red_below,
            wt.indicator_yellow_below,
            wt.indicator_blue_at_or_above
        ),
        (dec!(60), dec!(80), dec!(60), dec!(80), dec!(120))
    );
    assert_eq!(p.schedule_basis, ScheduleBasis::MonthEnd);
    assert_eq!(p.adjustment_reason_percent, dec!(30));
    assert_eq!(p.execution_explanation_below_percent, dec!(90));
    assert_eq!(p.consistency_warning_percent, dec!(5));
    assert_eq!(p.not_applicable, NotApplicablePolicy::FullScore);
}

#[test]
fn henan_2024_scores_cost_separately_and_reverse_targets_linearly() {
    let p = ScoringProfile::builtin("henan-2024").unwrap();
    let w = &p.project_weights;
    assert_eq!(
        (w.execution, w.cost, w.output, w.benefit, w.satisfaction),
        (dec!(30), dec!(10), dec!(30), dec!(25), dec!(5))
    );
    assert_eq!(p.reverse_variant, ReverseVariant::Linear);
    assert_eq!(p.grades, mof().grades);
}

#[test]
fn the_default_profile_is_mof_2020_and_listed_first() {
    assert_eq!(ScoringProfile::default(), mof());
    let ids: Vec<String> = ScoringProfile::builtins()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ScoringProfile::builtin_ids());
    assert_eq!(ids, ["mof-2020", "henan-2024"]);
}

#[test]
fn an_unknown_builtin_is_rejected_listing_the_known_ones() {
    let err = ScoringProfile::builtin("sichuan-2024").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("sichuan-2024") && msg.contains("mof-2020") && msg.contains("henan-2024"));
}

#[test]
fn a_profile_written_as_toml_reads_back_equal() {
    for p in ScoringProfile::builtins() {
        let text = p.to_toml_string().unwrap();
        assert_eq!(ScoringProfile::from_toml_str(&text).unwrap(), p);
    }
}

/// A custom profile (四川: 执行 10 + 指标 90) written with plain TOML numbers.
const SICHUAN: &str = r#"
id = "sichuan-2024"
version = 2
title = "四川省 2024"
reverse_variant = "ratio"
over_achievement_percent = 120
qualitative_achieved_percent = 80
qualitative_partial_percent = 60
schedule_basis = "elapsed_days"
adjustment_reason_percent = 20
execution_explanation_below_percent = 85.5
consistency_warning_percent = 5
not_applicable = "exclude"

[project_weights]
execution = 10
cost = 10
output = 40
benefit = 30
satisfaction = 10

[unit_weights]
input = 20
output = 40
benefit = 30
satisfaction = 10

[grades]
excellent = 90
good = 80
fair = 60

[warnings]
execution_red_below = 60
execution_yellow_below = 80
indicator_red_below = 60
indicator_yellow_below = 80
indicator_blue_at_or_above = 120
"#;

#[test]
fn a_custom_profile_loads_from_toml_with_plain_numbers() {
    let p = ScoringProfile::from_toml_str(SICHUAN).unwrap();
    assert_eq!(p.id, "sichuan-2024");
    assert_eq!(p.version, 2);
    assert_eq!(p.project_weights.cost, dec!(10));
    assert_eq!(p.execution_explanation_below_percent, dec!(85.5));
    assert_eq!(p.schedule_basis, ScheduleBasis::ElapsedDays);
    assert_eq!(p.not_applicable, NotApplicablePolicy::Exclude);
}

/// Replace one `key = value` line of the Sichuan profile (the first match).
fn sichuan_with(line: &str, replacement: &str) -> String {
    assert!(SICHUAN.contains(line), "fixture lacks {line}");
    SICHUAN.replacen(line, replacement, 1)
}

#[test]
fn invalid_settings_are_rejected_naming_the_field() {
    let table: &[(&str, &str, &str)] = &[
        ("output = 40", "output = 41", "project_weights"),
        ("input = 20", "input = 25", "unit_weights"),
        (
            "execution = 10",
            "execution = -10",
            "project_weights.execution",
        ),
        (
            "benefit = 30",
            "benefit = 30.555",
            "project_weights.benefit",
        ),
        (
            "over_achievement_percent = 120",
            "over_achievement_percent = 100",
            "over_achievement_percent",
        ),
        (
            "qualitative_partial_percent = 60",
            "qualitative_partial_percent = 80",
            "qualitative_partial_percent",
        ),
        ("fair = 60", "fair = 85", "grades"),
        (
            "execution_yellow_below = 80",
            "execution_yellow_below = 50",
            "warnings.execution_yellow_below",
        ),
        (
            "indicator_blue_at_or_above = 120",
            "indicator_blue_at_or_above = 70",
            "warnings.indicator_blue_at_or_above",
        ),
        (
            "consistency_warning_percent = 5",
            "consistency_warning_percent = 101",
            "consistency_warning_percent",
        ),
        (
            "execution_explanation_below_percent = 85.5",
            "execution_explanation_below_percent = -1",
            "execution_explanation_below_percent",
        ),
        (
            "adjustment_reason_percent = 20",
            "adjustment_reason_percent = -5",
            "adjustment_reason_percent",
        ),
        ("version = 2", "version = 0", "version"),
        ("id = \"sichuan-2024\"", "id = \"Sichuan 2024\"", "id"),
    ];
    for (line, replacement, field) in table {
        let text = sichuan_with(line, replacement);
        match ScoringProfile::from_toml_str(&text) {
            Err(ProfileError::Invalid(problems)) => assert!(
                problems.iter().any(|p| p.field == *field),
                "{replacement}: problems {problems:?} do not name {field}"
            ),
            other => panic!("{replacement}: expected Invalid naming {field}, got {other:?}"),
        }
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = sichuan_with("output = 40", "output = 41").replace("fair = 60", "fair = 95");
    let err = ScoringProfile::from_toml_str(&text).unwrap_err();
    let ProfileError::Invalid(problems) = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["project_weights", "grades"]);
    assert!(err.to_string().contains("合计为 101"));
}

#[test]
fn a_misspelt_or_missing_field_is_rejected_naming_it() {
    let misspelt = sichuan_with("benefit = 30", "benfit = 30");
    let msg = ScoringProfile::from_toml_str(&misspelt)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("benfit"), "{msg}");

    let missing = sichuan_with("not_applicable = \"exclude\"", "");
    let msg = ScoringProfile::from_toml_str(&missing)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not_applicable"), "{msg}");

    let wrong_variant = sichuan_with("reverse_variant = \"ratio\"", "reverse_variant = \"log\"");
    assert!(matches!(
        ScoringProfile::from_toml_str(&wrong_variant),
        Err(ProfileError::Toml(_))
    ));
}

#[test]
fn an_oversized_profile_is_rejected_before_parsing() {
    let text = format!("{SICHUAN}\n#{}", "x".repeat(PROFILE_TOML_BYTES_MAX));
    assert!(matches!(
        ScoringProfile::from_toml_str(&text),
        Err(ProfileError::TooLarge { .. })
    ));
}
