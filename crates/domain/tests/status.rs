//! The indicator status view as a person reads it: 完成率 of 反向 (≤) targets.

use chrono::NaiveDate;
use jixiao_domain::aggregate::UnitYear;
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::profile::ScoringProfile;
use rust_decimal_macros::dec;

#[test]
fn a_reverse_target_within_its_cap_is_complete_and_a_missed_one_reads_below_100_percent() {
    let events = BudgetImport::from_toml_str(JIAOZUO_2024_TOML)
        .expect("the fixture loads")
        .into_events()
        .expect("the fixture converts");
    let year = UnitYear::replay(&events);
    let year_end = NaiveDate::from_ymd_opt(2024, 12, 31);
    let status = year.indicator_status(year_end, &ScoringProfile::default());
    let find = |name: &str| {
        status
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} is tracked"))
    };
    // 预算调整率 ≤30%: no adjustment at all, A = 0 → within the cap → 100%.
    assert_eq!(find("预算调整率").completion_percent, Some(dec!(100)));
    // 结转结余率 ≤10%: nothing spent, A = 100% → T / A = 10%, not A / T = 1000%.
    assert_eq!(find("结转结余率").completion_percent, Some(dec!(10)));
    // A 正向 target keeps A / T: 预算执行率 ≥90% with nothing spent → 0%.
    assert_eq!(find("预算执行率").completion_percent, Some(dec!(0)));
}
