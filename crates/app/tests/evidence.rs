//! 佐证材料 through the application: an upload is checked and stored once by hash; a file is
//! readable only through a unit-year whose events reference it (not through another unit's
//! path, even with its hash); a write may reference only an uploaded file; a refused upload or
//! write changes nothing.

use chrono::NaiveDate;
use jixiao_app::import::Approval;
use jixiao_app::{Actor, App, AppConfig, ErrorKind, Item, Write};
use jixiao_domain::aggregate::Command;
use jixiao_domain::event::{ActivityHeld, EvidenceAttached, EvidenceTarget};
use jixiao_domain::evidence::{EvidenceRef, MAX_EVIDENCE_BYTES, MediaType};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};
use uuid::Uuid;

const PDF: &[u8] = b"%PDF-1.4\n% 2024-04-16 sign-in sheet\n";
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];

struct Fixture {
    app: App,
    ours: StreamId,
    theirs: StreamId,
    project: jixiao_domain::budget::ProjectCode,
    _dir: tempfile::TempDir,
}

fn actor() -> Actor {
    Actor {
        name: "tester".to_string(),
        request_id: "test".to_string(),
    }
}

/// Two units with the 焦作 budget: 261301 and a copy under another code.
fn two_units() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("app.db"))).unwrap();
    let app = App::new(
        store,
        AppConfig {
            business_today: NaiveDate::from_ymd_opt(2024, 6, 30),
            ..AppConfig::default()
        },
    );
    let ours = Approval::jiaozuo_2024().unwrap();
    app.import_budget(&ours, &actor()).unwrap();
    let mut theirs = ours.clone();
    theirs.budget.unit.code = "999901".to_string();
    theirs.commands[0] = Command::ApproveBudget(theirs.budget.clone());
    app.import_budget(&theirs, &actor()).unwrap();
    Fixture {
        project: ours.budget.projects[0].code.clone(),
        ours: ours.stream(),
        theirs: theirs.stream(),
        app,
        _dir: dir,
    }
}

/// Client event ids of the writes: distinct within the test binary.
static NEXT_EVENT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn write(stream: &StreamId, command: Command) -> Write {
    let n = NEXT_EVENT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Write {
        stream: stream.clone(),
        if_match: None,
        items: vec![Item::new(
            Uuid::from_u128(0xE71D_0000 + u128::from(n)),
            command,
        )],
        actor: actor(),
        profile: ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap(),
    }
}

fn activity(f: &Fixture, id: u128, evidence: Vec<EvidenceRef>) -> Command {
    Command::HoldActivity(ActivityHeld {
        evidence,
        activity_id: Uuid::from_u128(id),
        project_code: f.project.clone(),
        held_on: NaiveDate::from_ymd_opt(2024, 4, 16).unwrap(),
        title: "产学研合作对接会".to_string(),
        invited: 20,
        participants: 18,
    })
}

fn version(f: &Fixture, stream: &StreamId) -> u64 {
    f.app
        .with_year(stream, KnownAt::Now, |y| Ok(y.state.version()))
        .unwrap()
}

#[test]
fn storing_the_same_file_twice_gives_the_same_hash_and_keeps_each_uploads_name() {
    let f = two_units();
    let a = f.app.store_evidence(PDF, "签到表.pdf").unwrap();
    let b = f
        .app
        .store_evidence(PDF, "C:\\扫描\\签到表（复印）.pdf")
        .unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(a.media_type, MediaType::Pdf);
    assert_eq!(a.size, PDF.len() as u64);
    assert_eq!(b.file_name, "签到表（复印）.pdf");
}

#[test]
fn an_upload_over_the_limit_is_too_large_and_one_of_the_wrong_type_is_rejected() {
    let f = two_units();
    let mut big = PDF.to_vec();
    big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
    let err = f.app.store_evidence(&big, "大文件.pdf").unwrap_err();
    assert_eq!(err.kind, ErrorKind::TooLarge);
    assert_eq!(err.code, "evidence_too_large");
    let err = f
        .app
        .store_evidence(b"#!/bin/sh\nrm -rf /", "照片.jpg")
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Rejected);
    assert_eq!(err.code, "evidence_type_unsupported");
    let err = f
        .app
        .store_evidence_declared(PNG, "照片.png", Some("application/pdf"))
        .unwrap_err();
    assert_eq!(err.code, "evidence_type_mismatch");
}

#[test]
fn a_file_is_read_through_the_unit_year_that_references_it_and_not_through_another_unit() {
    let f = two_units();
    let sheet = f.app.store_evidence(PDF, "签到表.pdf").unwrap();
    f.app
        .write(write(&f.ours, activity(&f, 1, vec![sheet.clone()])))
        .unwrap();
    let read = f.app.evidence(&f.ours, sheet.sha256.as_str()).unwrap();
    assert_eq!(read.bytes, PDF);
    assert_eq!(read.reference, sheet);

    // Another unit, knowing the hash, cannot read it through its own path.
    let err = f
        .app
        .evidence(&f.theirs, sheet.sha256.as_str())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.code, "evidence_not_found");
    // And a stored file nobody references is not readable either: the same answer.
    let loose = f.app.store_evidence(PNG, "照片.png").unwrap();
    let err2 = f.app.evidence(&f.ours, loose.sha256.as_str()).unwrap_err();
    assert_eq!(
        (err2.kind, err2.code.as_str()),
        (err.kind, err.code.as_str())
    );
}

#[test]
fn a_hash_that_is_not_64_hex_digits_is_a_bad_request() {
    let f = two_units();
    let err = f.app.evidence(&f.ours, "../../etc/passwd").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
}

#[test]
fn evidence_attached_later_becomes_readable_through_the_unit_year() {
    let f = two_units();
    f.app
        .write(write(&f.ours, activity(&f, 2, vec![])))
        .unwrap();
    let photo = f.app.store_evidence(PNG, "现场照片.png").unwrap();
    assert!(f.app.evidence(&f.ours, photo.sha256.as_str()).is_err());
    f.app
        .write(write(
            &f.ours,
            Command::AttachEvidence(EvidenceAttached {
                target: EvidenceTarget::Activity {
                    activity_id: Uuid::from_u128(2),
                },
                evidence: vec![photo.clone()],
                attached_on: NaiveDate::from_ymd_opt(2024, 4, 20).unwrap(),
            }),
        ))
        .unwrap();
    assert_eq!(
        f.app
            .evidence(&f.ours, photo.sha256.as_str())
            .unwrap()
            .bytes,
        PNG
    );
}

#[test]
fn a_write_referencing_a_file_never_uploaded_or_misdescribed_is_refused_and_writes_nothing() {
    let f = two_units();
    let before = version(&f, &f.ours);
    let made_up = EvidenceRef {
        sha256: jixiao_domain::evidence::Sha256Hex::parse(&"ee".repeat(32)).unwrap(),
        file_name: "签到表.pdf".to_string(),
        media_type: MediaType::Pdf,
        size: 100,
    };
    let err = f
        .app
        .write(write(&f.ours, activity(&f, 3, vec![made_up])))
        .unwrap_err();
    assert_eq!(err.code, "evidence_not_stored");
    assert_eq!(err.errors[0].field, "evidence[0].sha256");
    // A real hash with a false size is refused too.
    let mut sheet = f.app.store_evidence(PDF, "签到表.pdf").unwrap();
    sheet.size += 1;
    let err = f
        .app
        .write(write(&f.ours, activity(&f, 3, vec![sheet])))
        .unwrap_err();
    assert_eq!(err.code, "evidence_not_stored");
    assert_eq!(version(&f, &f.ours), before);
}
