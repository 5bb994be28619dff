//! 佐证材料 over HTTP: upload (raw body, type by content), attach to a recorded activity,
//! download with the stored type and a safe disposition by every role that may read the unit,
//! problem+json for oversize, wrong type, a bad or unknown hash; a file of one unit is not
//! readable through another unit's path.

use crate::helpers::{OTHER_UNIT, TestApp, assert_problem, spawn_app};
use crate::writes::{PROJECT, YEAR, base, import_seed, seed_import_body, version};
use jixiao_domain::evidence::MAX_EVIDENCE_BYTES;
use serde_json::{Value, json};
use uuid::Uuid;

const PDF: &[u8] = b"%PDF-1.4\n% sign-in sheet of 2024-04-16\n%%EOF\n";

fn upload(
    app: &TestApp,
    user: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> crate::helpers::Answer {
    app.send_raw(
        &format!("{}/evidence?file_name={name}", base()),
        Some(user),
        content_type,
        bytes,
    )
}

/// Records an activity and attaches `reference` to it; returns the activity id.
fn activity_with(app: &TestApp, reference: &Value) -> Uuid {
    let activity_id = Uuid::new_v4();
    let activity = json!({"event_id": activity_id, "project_code": PROJECT, "held_on": "2024-04-16",
        "title": "产学研合作对接会", "invited": 20, "participants": 18});
    let answer = app.post(&format!("{}/activities", base()), Some("staff"), &activity);
    assert_eq!(answer.status, 201, "{}", answer.text);
    let attach = json!({"event_id": Uuid::new_v4(), "target": {"kind": "activity", "activity_id": activity_id},
        "evidence": [reference], "attached_on": "2024-04-17"});
    let answer = app.post(
        &format!("{}/evidence-attachments", base()),
        Some("staff"),
        &attach,
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json()["event_types"], json!(["evidence_attached"]));
    activity_id
}

#[test]
fn an_uploaded_sign_in_sheet_attached_to_an_activity_downloads_for_every_reader_of_the_unit() {
    let app = spawn_app();
    import_seed(&app);
    // "签到表.pdf", percent-encoded in the query.
    let answer = upload(
        &app,
        "staff",
        "%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf",
        "application/pdf",
        PDF,
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    let reference = answer.json();
    assert_eq!(reference["file_name"], "签到表.pdf");
    assert_eq!(reference["media_type"], "application/pdf");
    assert_eq!(reference["size"], PDF.len());
    let sha256 = reference["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha256.len(), 64);
    activity_with(&app, &reference);

    let path = format!("{}/evidence/{sha256}", base());
    for reader in ["staff", "head", "finance", "auditor"] {
        let file = app.get(&path, Some(reader));
        assert_eq!(file.status, 200, "{reader}: {}", file.text);
        assert_eq!(file.text.as_bytes(), PDF);
        assert_eq!(file.header("content-type"), Some("application/pdf"));
        assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
        let disposition = file.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf"),
            "{disposition}"
        );
    }
    // The admin does not read units; another unit's staff may not read this one.
    assert_problem(&app.get(&path, Some("admin")), 403);
    assert_problem(&app.get(&path, Some("staff2")), 403);
    assert_problem(&app.get(&path, None), 401);
}

#[test]
fn a_file_of_one_unit_cannot_be_read_through_another_units_path() {
    let app = spawn_app();
    import_seed(&app);
    let mut other = seed_import_body();
    *other
        .pointer_mut("/unit/code")
        .expect("the import names its unit") = json!(OTHER_UNIT);
    let answer = app.post(
        &format!(
            "/api/v1/units/{OTHER_UNIT}/years/{YEAR}/import?event_id={}",
            Uuid::new_v4()
        ),
        Some("admin"),
        &other,
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    let reference = upload(&app, "staff", "sheet.pdf", "application/pdf", PDF).json();
    activity_with(&app, &reference);
    let sha256 = reference["sha256"].as_str().unwrap();
    let through_other = format!("/api/v1/units/{OTHER_UNIT}/years/{YEAR}/evidence/{sha256}");
    // staff2 belongs to the other unit; finance may read both units: neither finds it there.
    for user in ["staff2", "finance"] {
        let problem = assert_problem(&app.get(&through_other, Some(user)), 404);
        assert_eq!(problem["code"], "evidence_not_found");
    }
}

#[test]
fn an_oversize_upload_is_413_and_a_wrong_type_or_name_is_422_as_problem_json() {
    let app = spawn_app();
    import_seed(&app);
    let mut big = PDF.to_vec();
    big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
    let problem = assert_problem(
        &upload(&app, "staff", "big.pdf", "application/pdf", &big),
        413,
    );
    assert_eq!(problem["code"], "evidence_too_large");

    let exe = b"MZ\x00\x00 not a document";
    let problem = assert_problem(
        &upload(&app, "staff", "sheet.pdf", "application/pdf", exe),
        422,
    );
    assert_eq!(problem["code"], "evidence_type_unsupported");
    assert_eq!(problem["errors"][0]["field"], "file");

    let problem = assert_problem(
        &upload(&app, "staff", "sheet.png", "application/octet-stream", PDF),
        422,
    );
    assert_eq!(problem["code"], "evidence_extension_mismatch");

    let problem = assert_problem(&upload(&app, "staff", "sheet.pdf", "image/png", PDF), 422);
    assert_eq!(problem["code"], "evidence_type_mismatch");

    // Only those who record for the unit upload.
    assert_problem(
        &upload(&app, "auditor", "a.pdf", "application/pdf", PDF),
        403,
    );
    assert_problem(
        &upload(&app, "staff2", "a.pdf", "application/pdf", PDF),
        403,
    );
}

#[test]
fn a_bad_or_unknown_hash_is_a_problem_and_an_attachment_of_a_file_never_uploaded_changes_nothing() {
    let app = spawn_app();
    import_seed(&app);
    let problem = assert_problem(
        &app.get(&format!("{}/evidence/not-a-hash", base()), Some("staff")),
        400,
    );
    assert_eq!(problem["code"], "evidence_hash_invalid");
    let unknown = "ab".repeat(32);
    let problem = assert_problem(
        &app.get(&format!("{}/evidence/{unknown}", base()), Some("staff")),
        404,
    );
    assert_eq!(problem["code"], "evidence_not_found");

    let before = version(&app);
    let attach = json!({"event_id": Uuid::new_v4(), "target": {"kind": "activity", "activity_id": Uuid::new_v4()},
        "evidence": [{"sha256": unknown, "file_name": "a.pdf", "media_type": "application/pdf", "size": 10}],
        "attached_on": "2024-04-17"});
    let problem = assert_problem(
        &app.post(
            &format!("{}/evidence-attachments", base()),
            Some("staff"),
            &attach,
        ),
        422,
    );
    assert_eq!(problem["code"], "evidence_not_stored");
    assert_eq!(version(&app), before);

    // Uploaded, but the activity does not exist.
    let reference = upload(&app, "staff", "a.pdf", "application/pdf", PDF).json();
    let attach = json!({"event_id": Uuid::new_v4(), "target": {"kind": "activity", "activity_id": Uuid::new_v4()},
        "evidence": [reference], "attached_on": "2024-04-17"});
    let problem = assert_problem(
        &app.post(
            &format!("{}/evidence-attachments", base()),
            Some("staff"),
            &attach,
        ),
        422,
    );
    assert_eq!(problem["code"], "evidence_target_not_found");
    assert_eq!(version(&app), before);
}

#[test]
fn an_activity_recorded_with_its_evidence_makes_the_file_readable_and_a_bad_reference_names_its_field()
 {
    let app = spawn_app();
    import_seed(&app);
    let reference = upload(&app, "staff", "sheet.pdf", "application/pdf", PDF).json();
    let activity = json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "held_on": "2024-05-08",
        "title": "专家座谈会", "invited": 12, "participants": 10, "evidence": [reference]});
    let answer = app.post(&format!("{}/activities", base()), Some("staff"), &activity);
    assert_eq!(answer.status, 201, "{}", answer.text);
    let sha256 = reference["sha256"].as_str().unwrap();
    let file = app.get(&format!("{}/evidence/{sha256}", base()), Some("head"));
    assert_eq!(file.status, 200, "{}", file.text);
    assert_eq!(file.text.as_bytes(), PDF);

    let before = version(&app);
    let mut bad = reference.clone();
    bad["media_type"] = json!("text/html");
    let survey = json!({"event_id": Uuid::new_v4(), "project_code": PROJECT, "surveyed_on": "2024-05-09",
        "respondent_group": "专家", "respondents": 10, "satisfied": 9, "evidence": [reference, bad]});
    let problem = assert_problem(
        &app.post(&format!("{}/surveys", base()), Some("staff"), &survey),
        422,
    );
    assert_eq!(problem["errors"][0]["field"], "evidence[1].media_type");
    assert_eq!(version(&app), before);
}
