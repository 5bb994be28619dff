//! Every code of the 焦作 2024 fixture checked against the seed document it was typed from
//! (`fixtures/seed-jiaozuo-2024.txt`, a copy of the published disclosure): the unit code, each
//! project code — the 预算15 code is printed wrapped over three lines there (4108002400 /
//! 0000005320 / 4), so a wrapped code is read by joining consecutive all-digit lines — and
//! every 功能分类 (printed as 类 款 项, "206 04 01") and 经济分类 code of the budget lines.

use jixiao_domain::event::Event;
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};

const SEED: &str = include_str!("../../../fixtures/seed-jiaozuo-2024.txt");

/// Longest code read across wrapped lines (项目代码 run to 20-odd digits).
const LONGEST_WRAPPED_CODE: usize = 30;

fn approval() -> jixiao_domain::event::BudgetApproved {
    let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).expect("fixture reads");
    import
        .into_events()
        .expect("fixture converts")
        .into_iter()
        .find_map(|e| match e {
            Event::BudgetApproved(b) => Some(b),
            _ => None,
        })
        .expect("the fixture approves a budget")
}

/// Every code the seed prints on lines of digits only, joined across wrapped lines (blank
/// lines between the parts are skipped): each run of such lines and each of its prefixes.
fn wrapped_codes() -> std::collections::BTreeSet<String> {
    let digit_lines: Vec<Option<&str>> = SEED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.chars().all(|c| c.is_ascii_digit()).then_some(l))
        .collect();
    let mut codes = std::collections::BTreeSet::new();
    for start in 0..digit_lines.len() {
        let mut joined = String::new();
        for part in digit_lines[start..].iter().map_while(|l| *l) {
            joined.push_str(part);
            if joined.len() > LONGEST_WRAPPED_CODE {
                break;
            }
            codes.insert(joined.clone());
        }
    }
    codes
}

#[test]
fn the_unit_and_project_codes_are_the_seeds_with_wrapped_codes_joined() {
    let approval = approval();
    let codes = wrapped_codes();
    assert!(
        codes.contains(&approval.unit.code),
        "unit {}",
        approval.unit.code
    );
    assert!(!approval.projects.is_empty());
    for p in &approval.projects {
        assert!(
            codes.contains(&p.code.0),
            "project code {} is not printed in the seed",
            p.code.0
        );
    }
    // The 预算15 project: 21 digits, from three printed lines (an earlier transcription had 20).
    let project = &approval.projects[0].code.0;
    assert_eq!(project, "410800240000000053204");
    assert!(
        SEED.contains("4108002400\n0000005320\n\n4\n"),
        "the seed wraps it"
    );
}

#[test]
fn every_function_and_economic_code_of_the_lines_is_printed_in_the_seed() {
    let approval = approval();
    let tokens: std::collections::BTreeSet<&str> = SEED.split_whitespace().collect();
    for line in &approval.lines {
        let f = line.function_code.as_str();
        let (class, kuan, xiang) = (&f[..3], &f[3..5], &f[5..7]);
        let printed = format!("{class} {kuan} {xiang}");
        assert!(
            SEED.lines().any(|l| l.trim_start().starts_with(&printed)),
            "功能分类 {f} (printed as “{printed}”) of line {} is not in the seed",
            line.line_id.0
        );
        let e = line.economic_code.as_str();
        assert!(
            tokens.contains(e),
            "经济分类 {e} of line {} is not in the seed",
            line.line_id.0
        );
    }
}
