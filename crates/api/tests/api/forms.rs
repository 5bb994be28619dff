//! Downloads of the official forms over HTTP: the file, its media type and names, the values
//! equal to the JSON evaluation, the same bytes as known at the same position, who may read
//! it, and problem+json for a bad query.

use crate::helpers::{UNIT, assert_problem, spawn_app};
use crate::writes::{base, import_seed, payment};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f:.2}"),
        Data::Empty => String::new(),
        other => format!("{other}"),
    }
}

#[test]
fn finance_downloads_the_self_evaluation_workbook_with_the_totals_of_the_json_evaluation() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let answer = app.post(
        &format!("{b}/payments"),
        Some("staff"),
        &payment("50000.00", "2024-03-15"),
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    let (status, headers, body) = app.get_bytes(
        &format!("{b}/forms/selfeval?format=xlsx&as_of=2024-12-31"),
        "finance",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = &headers["content-disposition"];
    assert!(
        disposition.contains(&format!("filename=\"{UNIT}-2024-selfeval.xlsx\"")),
        "{disposition}"
    );
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    assert!(disposition.is_ascii());

    let evaluation = app
        .get(&format!("{b}/evaluation?as_of=2024-12-31"), Some("finance"))
        .json();
    let mut book = Xlsx::new(Cursor::new(body)).expect("a workbook");
    let names = book.sheet_names();
    assert_eq!(
        names.len(),
        1 + evaluation["projects"].as_array().unwrap().len()
    );
    for (i, name) in names.iter().enumerate() {
        let e = if i == 0 {
            &evaluation["unit"]
        } else {
            &evaluation["projects"][i - 1]["evaluation"]
        };
        let range = book.worksheet_range(name).unwrap();
        let footer = range
            .rows()
            .find(|r| cell_text(&r[0]) == "总分")
            .expect("a 总分 row");
        assert_eq!(
            cell_text(&footer[6]),
            e["total"].as_str().unwrap(),
            "{name}"
        );
        let names_in_sheet: Vec<String> = range.rows().map(|r| cell_text(&r[2])).collect();
        for ind in e["indicators"].as_array().unwrap() {
            let n = ind["name"].as_str().unwrap();
            assert!(names_in_sheet.iter().any(|s| s == n), "{name}: {n}");
        }
    }
}

#[test]
fn the_html_and_csv_forms_have_their_media_types_and_the_same_known_at_gives_the_same_bytes() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let head = app.store.head().unwrap().position;
    let (status, headers, html) = app.get_bytes(
        &format!("{b}/forms/monitoring?format=html&known_at={head}"),
        "auditor",
    );
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("绩效监控情况表"));
    assert!(html.contains(&format!("位置 {head}")));
    let (status, headers, csv) = app.get_bytes(
        &format!("{b}/forms/project-selfeval?format=csv&known_at={head}&as_of=2024-12-31"),
        "head",
    );
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    let answer = app.post(
        &format!("{b}/payments"),
        Some("staff"),
        &payment("1000.00", "2024-05-15"),
    );
    assert_eq!(answer.status, 201);
    let (_, _, again) = app.get_bytes(
        &format!("{b}/forms/project-selfeval?format=csv&known_at={head}&as_of=2024-12-31"),
        "head",
    );
    assert_eq!(again, csv, "as known at the same position: the same file");
    let (_, _, now) = app.get_bytes(
        &format!("{b}/forms/project-selfeval?format=csv&as_of=2024-12-31"),
        "head",
    );
    assert_ne!(now, csv, "now the payment is in the form");
}

#[test]
fn a_bad_form_query_is_problem_json_and_another_units_staff_may_not_download() {
    let app = spawn_app();
    import_seed(&app);
    let b = base();
    let p = assert_problem(&app.get(&format!("{b}/forms/annual"), Some("finance")), 400);
    assert_eq!(p["errors"][0]["field"], "form");
    let p = assert_problem(
        &app.get(&format!("{b}/forms/selfeval?format=pdf"), Some("finance")),
        400,
    );
    assert_eq!(p["errors"][0]["field"], "format");
    let p = assert_problem(
        &app.get(
            &format!("{b}/forms/selfeval?as_of=2023-12-31"),
            Some("finance"),
        ),
        422,
    );
    assert_eq!(p["errors"][0]["field"], "as_of");
    let p = assert_problem(
        &app.get(
            &format!("{b}/forms/project-selfeval?project=000"),
            Some("finance"),
        ),
        400,
    );
    assert_eq!(p["errors"][0]["field"], "project");
    assert_problem(
        &app.get(&format!("{b}/forms/selfeval"), Some("staff2")),
        403,
    );
    assert_problem(&app.get(&format!("{b}/forms/selfeval"), Some("admin")), 403);
    assert_problem(&app.get(&format!("{b}/forms/selfeval"), None), 401);
    assert_problem(
        &app.get(
            "/api/v1/units/261301/years/2023/forms/selfeval",
            Some("finance"),
        ),
        404,
    );
}
