//! 复核 over HTTP (`POST /api/v1/recheck`): the finance bureau and auditors upload a table and
//! get the verdict row by row; other roles are refused before the body is read; an unknown
//! profile, an oversize body and a file without any table are problem+json.

use crate::helpers::{assert_problem, spawn_app};
use jixiao_api::config::MAX_RECHECK_BODY_BYTES;
use serde_json::json;

/// 2 of ≥3 at weight 90: 60 by the rule, printed 60 → agrees; 执行 10 of 10; total 70.
const CSV: &str = "项目名称,测试项目\n\
    ,全年预算数,全年执行数,分值,得分\n\
    年度资金总额,10,10,10,10\n\
    一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
    产出指标,数量指标,场次,≥3次,2次,90,61\n\
    总分,,,,,100,71,中\n";

#[test]
fn finance_and_auditors_get_the_verdict_of_an_uploaded_csv_row_by_row() {
    let app = spawn_app();
    for user in ["finance", "auditor"] {
        let answer = app.send_raw(
            "/api/v1/recheck?file_name=t.csv&rounding=integer",
            Some(user),
            "text/csv",
            CSV.as_bytes(),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        let table = &body["tables"][0];
        assert_eq!(table["name"], json!("测试项目"));
        assert_eq!(table["rounding"], json!("integer"));
        let row = &table["rows"][0];
        // 90 × 2/3 = 60 exactly: 61 follows from no variant.
        assert_eq!(row["rule_score"], json!("60"));
        assert_eq!(row["status"], json!("differs"));
        assert_eq!(row["variants"][0]["code"], json!("unexplained"));
        assert_eq!(table["clean"], json!(false));
    }
}

#[test]
fn other_roles_may_not_recheck_and_bad_input_is_a_problem() {
    let app = spawn_app();
    for user in ["staff", "head", "admin"] {
        let answer = app.send_raw("/api/v1/recheck", Some(user), "text/csv", CSV.as_bytes());
        assert_problem(&answer, 403);
    }
    let answer = app.send_raw(
        "/api/v1/recheck?profile=nope",
        Some("finance"),
        "text/csv",
        CSV.as_bytes(),
    );
    assert_eq!(
        assert_problem(&answer, 400)["errors"][0]["field"],
        json!("profile")
    );
    let answer = app.send_raw(
        "/api/v1/recheck",
        Some("finance"),
        "text/csv",
        b"a,b\n1,2\n",
    );
    assert_problem(&answer, 422);
    let big = vec![b' '; MAX_RECHECK_BODY_BYTES + 1];
    let answer = app.send_raw("/api/v1/recheck", Some("finance"), "text/csv", &big);
    assert_problem(&answer, 413);
}
