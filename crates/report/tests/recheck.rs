//! The 复核 corpus (issue 14): tables composed here in the layouts published tables come in —
//! the standard 项目支出绩效自评表, hand-made variants (no title, columns reordered or renamed,
//! merged or blank 一级/二级 cells, the target inside the indicator name, extra 其中 rows),
//! several tables in one workbook, CSV and JSON — each read by `jixiao_app::recheck` and its
//! verdict checked against the one worked out by hand in the comment above it. Then the
//! verdict written for the clerk as CSV and XLSX.

use calamine::{Reader, Xlsx};
use jixiao_app::recheck::{RecheckReport, recheck_files};
use jixiao_domain::evaluation::Grade;
use jixiao_domain::profile::ScoringProfile;
use jixiao_domain::recheck::{ActualReading, Finding, RowStatus, TableVerdict, Variant};
use rust_decimal_macros::dec;
use rust_xlsxwriter::{Format, Workbook};
use std::io::Cursor;

/// A sheet: its name, its rows (a cell that reads as a number is written as a number, as a
/// person typing it would get), and merged ranges (first row, first col, last row, last col).
struct Sheet<'a> {
    name: &'a str,
    rows: Vec<Vec<&'a str>>,
    merges: Vec<(u32, u16, u32, u16)>,
}

fn xlsx(sheets: &[Sheet<'_>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let plain = Format::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name).unwrap();
        for &(r1, c1, r2, c2) in &s.merges {
            let value = s.rows[r1 as usize][c1 as usize];
            ws.merge_range(r1, c1, r2, c2, value, &plain).unwrap();
        }
        for (r, row) in s.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let covered = s
                    .merges
                    .iter()
                    .any(|&(r1, c1, r2, c2)| (r1..=r2).contains(&r) && (c1..=c2).contains(&c));
                if covered || v.is_empty() {
                    continue;
                }
                match v.parse::<f64>() {
                    Ok(x) => ws.write_number(r, c, x).unwrap(),
                    Err(_) => ws.write_string(r, c, *v).unwrap(),
                };
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn recheck(files: &[(&str, &[u8])]) -> RecheckReport {
    recheck_files(files.iter().copied(), &ScoringProfile::default())
}

fn only(report: &RecheckReport) -> &TableVerdict {
    assert_eq!(report.tables.len(), 1, "{:#?}", report.problems);
    &report.tables[0].verdict
}

fn row<'a>(v: &'a TableVerdict, name: &str) -> &'a jixiao_domain::recheck::RowVerdict {
    v.rows
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}: {:#?}", v.rows))
}

/// The standard layout, as this project and the 一体化 systems print it.
fn standard<'a>(
    funds: Vec<Vec<&'a str>>,
    indicators: Vec<Vec<&'a str>>,
    footer: Vec<&'a str>,
) -> Sheet<'a> {
    let mut rows: Vec<Vec<&'a str>> = vec![
        vec!["项目支出绩效自评表"],
        vec!["（2024年度）　金额单位：万元"],
        vec![
            "项目名称",
            "科技合作及基础运转经费",
            "",
            "",
            "项目编码",
            "410800240000000053204",
        ],
        vec![
            "主管部门",
            "焦作市科学技术局",
            "",
            "",
            "实施单位",
            "焦作市产业技术科学院",
        ],
        vec![
            "资金（万元）",
            "",
            "",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
    ];
    rows.extend(funds);
    rows.push(vec!["年度总体目标", "预期目标", "", "", "", "实际完成情况"]);
    rows.push(vec!["", "开展科技合作交流活动", "", "", "", "举办活动3场"]);
    rows.push(vec![
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]);
    let first = rows.len() as u32;
    rows.extend(indicators);
    let last = rows.len() as u32 - 1;
    rows.push(footer);
    Sheet {
        name: "项目自评1",
        rows,
        // 一级 merged over the first three rows (产出), 二级 over the first two (数量指标).
        merges: vec![
            (first, 0, first + 2, 0),
            (first, 1, first + 1, 1),
            (0, 0, 0, 8),
        ]
        .into_iter()
        .filter(|m| m.2 <= last || m.0 == 0)
        .collect(),
    }
}

/// Table 1 — the standard layout, every score by the rules.
/// 执行: 19.93 of 20.00 → 99.65%, 10 × 0.9965 = 9.965 → 9.97 (the printed amounts are what
/// the rule reads: the clerk has no yuan). 场次 ≥3 / 3 → 20; 人数 ≥10 / 8 → 15 × 0.8 = 12;
/// 质量 良好 / 良好 → 15; 效益 明显 / 达成预期指标 → 30; 满意度 ≥80% / 85.5% → 10.
/// Total 96.97, 优: clean.
#[test]
fn table_1_the_standard_layout_following_the_rules_is_clean() {
    let sheet = standard(
        vec![
            vec![
                "年度资金总额",
                "",
                "",
                "20",
                "20",
                "19.93",
                "10",
                "0.9965",
                "9.97",
            ],
            vec![
                "其中：当年财政拨款",
                "",
                "",
                "20",
                "20",
                "19.93",
                "—",
                "0.9965",
                "—",
            ],
            vec!["　　　上年结转资金", "", "", "0", "0", "0", "—", "", "—"],
            vec!["　　　其他资金", "", "", "0", "0", "0", "—", "", "—"],
        ],
        vec![
            vec![
                "产出指标",
                "数量指标",
                "举办活动场次",
                "≥3次",
                "3次",
                "20",
                "20",
            ],
            vec![
                "",
                "",
                "活动参与人数",
                "≥10人",
                "8人",
                "15",
                "12",
                "部分活动延期",
            ],
            vec!["", "质量指标", "运转质量", "良好", "良好", "15", "15"],
            vec![
                "效益指标",
                "社会效益",
                "对产业发展的提升程度",
                "明显",
                "达成预期指标",
                "30",
                "30",
            ],
            vec![
                "满意度指标",
                "服务对象满意度",
                "专家、企业满意度",
                "≥80%",
                "85.5%",
                "10",
                "10",
            ],
        ],
        vec!["总分", "", "", "", "", "100", "96.97", "自评等级：优"],
    );
    let report = recheck(&[("表1.xlsx", &xlsx(&[sheet]))]);
    let v = only(&report);
    assert!(v.clean, "{v:#?}");
    assert_eq!(v.name, "科技合作及基础运转经费");
    assert_eq!(v.execution.rate_percent, Some(dec!(99.65)));
    assert_eq!(v.execution.rule_score, Some(dec!(9.97)));
    assert_eq!(v.rule_total, dec!(96.97));
    assert_eq!(v.rule_grade, Grade::Excellent);
    // The merged 一级/二级 reach the rows below them.
    assert_eq!(row(v, "活动参与人数").level1, "产出指标");
    assert_eq!(row(v, "活动参与人数").level2, "数量指标");
    assert_eq!(row(v, "运转质量").level1, "产出指标");
    assert_eq!(report.tables[0].sheet.as_deref(), Some("项目自评1"));
}

/// Table 2 — hand-made: no title, the 指标 columns reordered (分值 named 权重 and put before
/// the values), blank (unmerged) 一级 cells, 得分 rounded to integers.
/// 执行: 50 of 50 → 10. 场次 ≥3 / 2 → 20 × 2/3 = 13.33 (printed 13: integer rounding).
/// (13 is 13.33 rounded and floored alike). 人数 ≥10 / 7 → 20 × 0.7 = 14 (printed 14,
/// agrees). 满意度 ≥90% / 95% → 50 (agrees).
/// Σ = 10 + 13 + 14 + 50 = 87 = printed 总分; rule total 87.33; grade 良 either way.
#[test]
fn table_2_hand_made_reordered_columns_with_an_integer_rounded_score() {
    let sheet = Sheet {
        name: "Sheet1",
        rows: vec![
            vec!["项目名称", "社区服务经费"],
            vec![
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            vec!["年度资金总额", "50", "50", "50", "10", "100%", "10"],
            vec![],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "权重",
                "年度指标值",
                "实际完成值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "服务场次",
                "20",
                "≥3次",
                "2次",
                "13",
            ],
            vec!["", "", "服务人数", "20", "≥10人", "7人", "14"],
            vec![
                "满意度指标",
                "服务对象满意度",
                "群众满意度",
                "50",
                "≥90%",
                "95%",
                "50",
            ],
            vec!["合计", "", "", "100", "", "", "87", "良"],
        ],
        merges: vec![],
    };
    let report = recheck(&[("表2.xlsx", &xlsx(&[sheet]))]);
    let v = only(&report);
    let r = row(v, "服务场次");
    assert_eq!(r.status, RowStatus::Differs);
    assert_eq!(r.rule_score, Some(dec!(13.33)));
    assert_eq!(
        r.variants,
        vec![Variant::IntegerRounding, Variant::IntegerFloor]
    );
    assert_eq!(row(v, "服务人数").status, RowStatus::Agrees);
    assert_eq!(row(v, "服务人数").level1, "产出指标");
    assert_eq!(v.rule_total, dec!(87.33));
    assert_eq!(v.published_score_sum, dec!(87));
    assert!(v.findings.contains(&Finding::TotalDiffers {
        published: dec!(87),
        rule: dec!(87.33)
    }));
    assert!(
        !v.findings
            .iter()
            .any(|f| matches!(f, Finding::ScoresDoNotAddUp { .. }))
    );
    assert_eq!(v.rows_differing, 1);
}

/// Table 3 — the target written inside the indicator name, no 年度指标值 column; a floored
/// score. 执行: 8 of 10 → 10 × 0.8 = 8. 培训场次（≥4次） / 3次 → 30 × 3/4 = 22.5, printed 22
/// (floor). 培训人数（≥100人） / 100人 → 30. 满意度（≥85%） / 90% → 32.
/// Σ 分值 = 10 + 30 + 30 + 30 = 100; Σ得分 printed 8 + 22 + 30 + 30 = 90 = 总分.
#[test]
fn table_3_the_target_inside_the_name_and_a_floored_score() {
    let sheet = Sheet {
        name: "培训",
        rows: vec![
            vec!["2024年度项目支出绩效自评表"],
            vec!["项目名称", "干部培训经费"],
            vec![
                "资金",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            vec!["年度资金总额", "10", "10", "8", "10", "80%", "8"],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "培训场次（≥4次）",
                "3次",
                "30",
                "22",
            ],
            vec!["", "", "培训人数（≥100人）", "100人", "30", "30"],
            vec![
                "满意度指标",
                "服务对象满意度",
                "学员满意度（≥85%）",
                "90%",
                "30",
                "30",
            ],
            vec!["总分", "", "", "", "100", "90", "自评等级：优"],
        ],
        merges: vec![(5, 0, 6, 0), (5, 1, 6, 1)],
    };
    let v_report = recheck(&[("表3.xlsx", &xlsx(&[sheet]))]);
    let v = only(&v_report);
    let r = row(v, "培训场次");
    assert_eq!(r.target_text, "≥4次");
    assert_eq!(r.rule_score_unrounded, Some(dec!(22.5)));
    assert_eq!(r.variants, vec![Variant::IntegerFloor]);
    assert_eq!(row(v, "学员满意度").status, RowStatus::Agrees);
    assert_eq!(v.execution.rule_score, Some(dec!(8)));
    assert_eq!(v.execution.status, RowStatus::Agrees);
    assert_eq!(v.rule_total, dec!(90.5));
    assert_eq!(v.rule_grade, Grade::Excellent);
}

/// Table 4 — extra 其中 rows in the funds block and an empty total row: 年度资金总额 has no
/// 全年执行数 and no 得分, the 其中 rows 30 + 10 + 5 executed of 50. Rule: 45 / 50 × 10 = 9;
/// the row is empty beside non-zero amounts. Indicators 90 分值, all met.
#[test]
fn table_4_extra_part_rows_and_an_empty_execution_row() {
    let sheet = Sheet {
        name: "表4",
        rows: vec![
            vec!["项目名称", "农业技术推广"],
            vec![
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            vec!["年度资金总额", "50", "50", "", "10", "", ""],
            vec!["其中：当年财政拨款", "30", "30", "30", "", "", ""],
            vec!["　　上年结转资金", "10", "10", "10", "", "", ""],
            vec!["　　其他资金", "5", "5", "5", "", "", ""],
            vec!["　　自筹资金", "5", "5", "0", "", "", ""],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "推广面积",
                "≥1000亩",
                "1200亩",
                "45",
                "45",
            ],
            vec!["效益指标", "经济效益", "增收", "明显", "明显", "45", "45"],
            vec!["总分", "", "", "", "", "100", "90"],
        ],
        merges: vec![],
    };
    let report = recheck(&[("表4.xlsx", &xlsx(&[sheet]))]);
    let v = only(&report);
    assert!(
        v.findings.contains(&Finding::ExecutionRowEmpty),
        "{:?}",
        v.findings
    );
    assert_eq!(v.execution.executed, Some(dec!(45)));
    assert_eq!(v.execution.rule_score, Some(dec!(9)));
    assert_eq!(v.execution.status, RowStatus::Differs);
    assert_eq!(v.rule_total, dec!(99));
    assert!(!v.clean);
}

/// Table 5 — weights adding up to 110 and a grade that does not follow from the total.
/// 执行 10 of 10 → 10; 产出 60 (场次 ≥2 / 2 → 60), 效益 40 (明显 → 40): Σ分值 110; Σ得分 110
/// = 总分 110, printed grade 良 where 110 ≥ 90 is 优.
fn table_5() -> Sheet<'static> {
    Sheet {
        name: "表5",
        rows: vec![
            vec!["项目名称", "文化下乡"],
            vec!["", "全年预算数", "全年执行数", "分值", "得分"],
            vec!["年度资金总额", "10", "10", "10", "10"],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "演出场次",
                "≥2场",
                "2场",
                "60",
                "60",
            ],
            vec![
                "效益指标",
                "社会效益",
                "群众文化生活",
                "明显",
                "明显",
                "40",
                "40",
            ],
            vec!["总分", "", "", "", "", "110", "110", "良"],
        ],
        merges: vec![],
    }
}

#[test]
fn table_5_weights_of_110_and_a_grade_not_following_the_total() {
    let report = recheck(&[("表5.xlsx", &xlsx(&[table_5()]))]);
    let v = only(&report);
    assert_eq!(v.weight_sum, dec!(110));
    assert!(
        v.findings
            .contains(&Finding::WeightsNotHundred { sum: dec!(110) })
    );
    assert!(v.findings.contains(&Finding::GradeDoesNotFollow {
        printed: "良".into(),
        expected: Grade::Excellent
    }));
    let output = v
        .level_weights
        .iter()
        .find(|l| l.level1 == "产出指标")
        .unwrap();
    assert_eq!(
        (output.weight, output.profile_weight),
        (dec!(60), Some(dec!(50)))
    );
    assert_eq!(v.rows_differing, 0);
    assert!(!v.clean);
}

/// Table 6 — the band rule and 分值 × actual%. 执行 100 of 100 → 10.
/// 培训人次 ≥200 / 190 → 40 × 0.95 = 38, printed 32 = 0.8 × 40 (band rule, 95% in [80, 100)).
/// 合格率 ≥90% / 96% → met, 40; printed 38.4 = 40 × 96% (weight × actual%).
/// 满意度 ≥85% / 88% → 10 (agrees). Σ得分 10 + 32 + 38.4 + 10 = 90.4 = 总分; rule 98.
fn table_6() -> Sheet<'static> {
    Sheet {
        name: "表6",
        rows: vec![
            vec!["项目名称", "职业技能培训"],
            vec![
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            vec!["年度资金总额", "100", "100", "100", "10", "100%", "10"],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "培训人次",
                "≥200人次",
                "190人次",
                "40",
                "32",
            ],
            vec!["", "质量指标", "考核合格率", "≥90%", "96%", "40", "38.4"],
            vec![
                "满意度指标",
                "服务对象满意度",
                "学员满意度",
                "≥85%",
                "88%",
                "10",
                "10",
            ],
            vec!["总分", "", "", "", "", "100", "90.4", "自评等级：优"],
        ],
        merges: vec![],
    }
}

#[test]
fn table_6_the_band_rule_and_weight_times_the_actual_percentage() {
    let report = recheck(&[("表6.xlsx", &xlsx(&[table_6()]))]);
    let v = only(&report);
    assert_eq!(row(v, "培训人次").rule_score, Some(dec!(38)));
    assert_eq!(row(v, "培训人次").variants, vec![Variant::BandRule]);
    assert_eq!(
        row(v, "考核合格率").variants,
        vec![Variant::WeightTimesActualPercent]
    );
    assert_eq!(row(v, "学员满意度").status, RowStatus::Agrees);
    assert_eq!(v.rule_total, dec!(98));
    assert_eq!(v.rows_differing, 2);
}

/// Table 7 — a met row marked down and a score above its weight. 执行 90 of 100 → 9 (printed
/// 9). 场次 ≥5 / 6 → 30, printed 28 (no rule: a deduction); 覆盖率 ≥95% / 97% → 30, printed
/// 32 (above its 30); 效益 有效 / 有效 → 30. Σ得分 9 + 28 + 32 + 30 = 99 = 总分; rule 99.
#[test]
fn table_7_a_deduction_on_a_met_row_and_a_score_above_its_weight() {
    let sheet = Sheet {
        name: "表7",
        rows: vec![
            vec!["项目名称", "公共卫生服务"],
            vec![
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            vec!["年度资金总额", "100", "100", "90", "10", "90%", "9"],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "义诊场次",
                "≥5次",
                "6次",
                "30",
                "28",
            ],
            vec!["", "质量指标", "服务覆盖率", "≥95%", "97%", "30", "32"],
            vec![
                "效益指标",
                "社会效益",
                "健康水平",
                "有效",
                "有效",
                "30",
                "30",
            ],
            vec!["总分", "", "", "", "", "100", "99", "优"],
        ],
        merges: vec![],
    };
    let report = recheck(&[("表7.xlsx", &xlsx(&[sheet]))]);
    let v = only(&report);
    assert_eq!(
        row(v, "义诊场次").variants,
        vec![Variant::DiscretionaryDeduction]
    );
    assert_eq!(row(v, "服务覆盖率").variants, vec![Variant::AboveWeight]);
    assert_eq!(row(v, "健康水平").status, RowStatus::Agrees);
    assert_eq!(v.execution.status, RowStatus::Agrees);
    assert_eq!(v.rule_total, dec!(99));
    assert!(!v.clean);
}

/// Table 8 — one-decimal scores, an unexplained one, and row scores that do not add up to
/// the printed total. 执行 10 of 10 → 10. 人数 ≥30 / 20 → 30 × 2/3 = 20 (agrees).
/// 场次 ≥7 / 5 → 30 × 5/7 = 21.428…, rule 21.43, printed 21.4 (1 decimal: rounding and
/// truncation alike). 点位 ≥6 / 5 → 30 × 5/6 = 25, printed 24.9 (follows from nothing).
/// Σ得分 printed 10 + 20 + 21.4 + 24.9 = 76.3, 总分 printed 75; rule 10 + 20 + 21.43 + 25.
#[test]
fn table_8_one_decimal_scores_and_scores_not_adding_up_to_the_total() {
    let sheet = Sheet {
        name: "表8",
        rows: vec![
            vec!["项目名称", "环境整治"],
            vec!["", "全年预算数", "全年执行数", "分值", "得分"],
            vec!["年度资金总额", "10", "10", "10", "10"],
            vec![
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            vec![
                "产出指标",
                "数量指标",
                "参与人数",
                "≥30人",
                "20人",
                "30",
                "20",
            ],
            vec!["", "", "整治场次", "≥7次", "5次", "30", "21.4"],
            vec!["", "", "整治点位", "≥6个", "5个", "30", "24.9"],
            vec!["总分", "", "", "", "", "100", "75", "中"],
        ],
        merges: vec![],
    };
    let report = recheck(&[("表8.xlsx", &xlsx(&[sheet]))]);
    let v = only(&report);
    let r = row(v, "整治场次");
    assert_eq!(r.rule_score, Some(dec!(21.43)));
    assert_eq!(
        r.variants,
        vec![Variant::OneDecimalRounding, Variant::OneDecimalTruncation]
    );
    assert_eq!(row(v, "整治点位").variants, vec![Variant::Unexplained]);
    assert!(v.findings.contains(&Finding::ScoresDoNotAddUp {
        sum: dec!(76.3),
        total: dec!(75)
    }));
    assert_eq!(v.rule_total, dec!(76.43));
}

/// Table 9 — CSV with the same columns and actual values written as text: "2089人",
/// "97.30%", "有效", the target's own text, a bound "≥90%". 执行 95 of 100 → 9.5.
/// 人数 ≥2000 / 2089人 → 20; 达标率 ≥95% / 97.30% → 20; 效果 有效 → 20; 时效 2024年 /
/// 2024年 → 20; 满意度 ≥85% / "≥90%" (a bound inside the target) → 10. Total 99.5, 优.
#[test]
fn table_9_csv_with_actual_values_as_text() {
    let csv = "\u{feff}项目支出绩效自评表\n\
        项目名称,城乡医疗救助\n\
        ,年初预算数,全年预算数,全年执行数,分值,执行率,得分\n\
        年度资金总额,100,100,95,10,95.00%,9.5\n\
        一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
        产出指标,数量指标,救助人数,≥2000人,2089人,20,20\n\
        ,质量指标,救助达标率,≥95%,97.30%,20,20\n\
        效益指标,社会效益,救助效果,有效,有效,20,20\n\
        产出指标,时效指标,完成时间,2024年,2024年,20,20\n\
        满意度指标,服务对象满意度,受助群众满意度,≥85%,≥90%,10,10\n\
        总分,,,,,100,99.5,优\n";
    let report = recheck(&[("表9.csv", csv.as_bytes())]);
    let v = only(&report);
    assert!(v.clean, "{v:#?}");
    assert_eq!(
        row(v, "救助人数").actual,
        ActualReading::Number {
            value: dec!(2089),
            unit: "人".into()
        }
    );
    assert_eq!(
        row(v, "救助达标率").actual,
        ActualReading::Number {
            value: dec!(97.30),
            unit: "%".into()
        }
    );
    assert_eq!(row(v, "完成时间").actual, ActualReading::SameAsTarget);
    assert!(matches!(
        row(v, "受助群众满意度").actual,
        ActualReading::Bound { .. }
    ));
    assert_eq!(row(v, "救助达标率").level1, "产出指标");
    assert_eq!(v.execution.rule_score, Some(dec!(9.5)));
    assert_eq!(v.rule_total, dec!(99.5));
}

/// Table 10 — JSON, the documented format: the execution score of the rate rounded first.
/// 19,929 of 20,000 at 10 → 9.9645 → 9.96; printed 9.97 (99.65% × 10). Indicators 90, all met.
#[test]
fn table_10_json_with_the_execution_score_rounded_twice() {
    let json = r#"{"tables": [{
        "name": "科技合作",
        "funds": [{"label": "年度资金总额", "adjusted": "20000", "executed": "19929",
                   "weight": "10", "rate_percent": "99.65", "score": "9.97"}],
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "场次", "target": "≥3次",
             "actual": "3次", "weight": 90, "score": 90}
        ],
        "total_score": "99.97",
        "grade": "优"
    }]}"#;
    let report = recheck(&[("表10.json", json.as_bytes())]);
    let v = only(&report);
    assert_eq!(v.execution.rule_score, Some(dec!(9.96)));
    assert_eq!(v.execution.variants, vec![Variant::RateRoundedFirst]);
    assert_eq!(v.rule_total, dec!(99.96));
}

/// Table 11 — many tables in one workbook, one per sheet, beside a sheet that is no table and
/// a cell that is no number: tables 5 and 6 are read (their verdicts as above), the notes
/// sheet and the bad cell are named, and the rest goes on.
#[test]
fn table_11_many_sheets_with_an_unreadable_sheet_and_cell() {
    let mut bad = table_6();
    bad.name = "表6-坏";
    bad.rows[5][6] = "三十八";
    let notes = Sheet {
        name: "说明",
        rows: vec![vec!["本工作簿为2024年度自评表汇总"]],
        merges: vec![],
    };
    let bytes = xlsx(&[table_5(), notes, bad]);
    let report = recheck(&[("汇总.xlsx", &bytes), ("坏.json", b"{\"tables\": [1,")]);
    assert_eq!(report.tables.len(), 2);
    assert_eq!(report.tables[0].sheet.as_deref(), Some("表5"));
    assert_eq!(report.tables[1].sheet.as_deref(), Some("表6-坏"));
    let named = |sheet: &str, cell: Option<&str>| {
        report
            .problems
            .iter()
            .any(|p| p.sheet.as_deref() == Some(sheet) && p.cell.as_deref() == cell)
    };
    assert!(named("说明", None), "{:#?}", report.problems);
    assert!(named("表6-坏", Some("G6")), "{:#?}", report.problems);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file == "坏.json" && p.message.contains("JSON"))
    );
    // The unreadable 得分 is read as missing: the row differs, its other cells still count.
    let v = &report.tables[1].verdict;
    assert_eq!(row(v, "考核合格率").published_score, None);
    assert_eq!(row(v, "考核合格率").status, RowStatus::Differs);
}

#[test]
fn the_verdict_for_the_clerk_holds_both_scores_and_the_reasons_in_csv_and_xlsx() {
    let report = recheck(&[("表6.xlsx", &xlsx(&[table_6()]))]);
    let csv = String::from_utf8(jixiao_report::recheck::render_csv(&report).unwrap()).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let line = csv
        .lines()
        .find(|l| l.starts_with("产出指标,数量指标,培训人次"))
        .unwrap();
    assert!(line.contains(",32,38,38,不符,按完成比例分档计分"), "{line}");
    let bytes = jixiao_report::recheck::render_xlsx(&report).unwrap();
    let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names()[0], "复核汇总");
    let sheet = book.sheet_names()[1].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let r = rows
        .iter()
        .find(|r| r.get(2).is_some_and(|c| c == "培训人次"))
        .unwrap();
    assert_eq!(
        (r[6].as_str(), r[8].as_str(), r[9].as_str()),
        ("32", "38", "不符")
    );
    // Same report, same bytes.
    assert_eq!(
        jixiao_report::recheck::render_xlsx(&report).unwrap(),
        jixiao_report::recheck::render_xlsx(&report).unwrap()
    );
}

/// The JSON example of docs/recheck.md is the format the reader accepts, and its verdict is
/// the one the guide's numbers give: 9.97 printed for 19.93 of 20.00 follows from the amounts.
#[test]
fn the_documented_json_example_reads_and_rechecks() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/recheck.md"),
    )
    .unwrap();
    let json = guide
        .split("```json")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the guide has a JSON example");
    let report = recheck(&[("example.json", json.as_bytes())]);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let v = only(&report);
    assert_eq!(v.execution.status, RowStatus::Agrees);
    assert_eq!(row(v, "专家满意度").target_text, "≥80%");
    assert_eq!(v.weight_sum, dec!(40));
    assert!(
        v.findings
            .contains(&Finding::WeightsNotHundred { sum: dec!(40) })
    );
}
