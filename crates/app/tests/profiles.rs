//! Every profile on the same log, through the application layer: the seed year with its
//! qualitative indicators graded 部分达成 under the default profile exports its self-evaluation
//! under `henan-2024` too (it answered 422 when a grade was stored as a bare score), and the
//! indicators view gives every indicator its weight under that profile.

use chrono::NaiveDate;
use jixiao_app::export::{ExportFormat, ExportRequest, ReportKind};
use jixiao_app::import::Approval;
use jixiao_app::{Actor, App, AppConfig, Item, Write};
use jixiao_domain::aggregate::Command;
use jixiao_domain::event::IndicatorAssessed;
use jixiao_domain::indicator::{QualGrade, Scope};
use jixiao_domain::money::round2;
use jixiao_domain::profile::ScoringProfile;
use jixiao_domain::target::TargetValue;
use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

fn actor() -> Actor {
    Actor {
        name: "head".to_string(),
        request_id: "test".to_string(),
    }
}

/// The seed year, every qualitative indicator graded 部分达成 at 70% of its default weight.
fn graded_seed_year(dir: &std::path::Path) -> (App, StreamId) {
    let store = Store::open(StoreOptions::new(dir.join("app.db"))).unwrap();
    let app = App::new(
        store,
        AppConfig {
            business_today: NaiveDate::from_ymd_opt(2025, 1, 10),
            ..AppConfig::default()
        },
    );
    let approval = Approval::jiaozuo_2024().unwrap();
    app.import_budget(&approval, &actor()).unwrap();
    let stream = approval.stream();
    let default = ScoringProfile::default();
    let items: Vec<Item> = app
        .with_year(&stream, KnownAt::Now, |y| {
            let mut items = Vec::new();
            for scope in y.state.target_scopes() {
                for ind in &y.state.targets(scope).unwrap().indicators {
                    let ind = &ind.indicator;
                    if !matches!(ind.target.value(), TargetValue::Qualitative { .. }) {
                        continue;
                    }
                    let weight = y.state.indicator_weight(scope, &ind.id, &default).unwrap();
                    items.push(Item::new(
                        Uuid::new_v4(),
                        Command::AssessIndicator(IndicatorAssessed {
                            scope: scope.clone(),
                            indicator_id: ind.id.clone(),
                            assessed_on: NaiveDate::from_ymd_opt(2024, 12, 20).unwrap(),
                            grade: Some(QualGrade::Partial),
                            score: Some(round2(weight * dec!(0.7))),
                            actual_value: None,
                            actual_text: "较好".into(),
                            note: String::new(),
                            band_position: None,
                            evidence: Vec::new(),
                        }),
                    ));
                }
            }
            Ok(items)
        })
        .unwrap();
    assert!(items.len() > 5);
    app.write(Write {
        stream: stream.clone(),
        if_match: None,
        items,
        actor: actor(),
        profile: default,
    })
    .unwrap();
    (app, stream)
}

#[test]
fn a_year_graded_under_the_default_exports_under_henan_2024() {
    let dir = tempfile::tempdir().unwrap();
    let (app, stream) = graded_seed_year(dir.path());
    for profile in ScoringProfile::builtin_ids() {
        for format in [ExportFormat::Json, ExportFormat::Csv] {
            let exported = app
                .export(&ExportRequest {
                    stream: stream.clone(),
                    kind: ReportKind::Selfeval,
                    format,
                    as_of: NaiveDate::from_ymd_opt(2024, 12, 31),
                    profile: profile.to_string(),
                })
                .unwrap_or_else(|e| panic!("{profile}: {e}"));
            assert!(!exported.bytes.is_empty());
        }
    }
}

#[test]
fn the_indicators_view_never_reports_weight_zero_under_another_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (app, stream) = graded_seed_year(dir.path());
    let henan = ScoringProfile::builtin("henan-2024").unwrap();
    let views = app
        .indicators(
            &stream,
            NaiveDate::from_ymd_opt(2024, 12, 31),
            KnownAt::Now,
            &henan,
        )
        .unwrap();
    assert!(!views.is_empty());
    for v in &views {
        assert!(
            v.status.weight > Decimal::ZERO,
            "{} shows weight 0",
            v.status.name
        );
        assert!(v.status.projected_score.is_some(), "{}", v.status.name);
    }
    let evaluation = app.evaluation(&stream, None, KnownAt::Now, &henan).unwrap();
    let unit = evaluation.unit.expect("the unit is evaluated");
    assert!(unit.indicators.iter().any(|r| r.grade.is_some()));
    // Nothing paid: the execution rows of the unit and the project and the unit-wide 预算执行率
    // indicator all need 偏差原因分析 — each with its scope and a label of its own.
    let labels: Vec<&str> = evaluation
        .missing_explanations_scoped
        .iter()
        .map(|m| m.label.as_str())
        .collect();
    let distinct: std::collections::BTreeSet<&str> = labels.iter().copied().collect();
    assert_eq!(distinct.len(), labels.len(), "{labels:?}");
    assert!(
        labels.contains(&"部门整体：预算执行率（资金执行）"),
        "{labels:?}"
    );
    assert!(labels.contains(&"部门整体：预算执行率"), "{labels:?}");
    assert!(
        evaluation
            .missing_explanations_scoped
            .iter()
            .any(|m| matches!(m.scope, Scope::Project(_))),
        "{labels:?}"
    );
    assert_eq!(
        evaluation.missing_explanations.len(),
        evaluation.missing_explanations_scoped.len()
    );
}
