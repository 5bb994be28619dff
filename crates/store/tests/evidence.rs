//! Evidence files in the store: content-addressed by SHA-256, stored once however often they
//! are uploaded, read back byte for byte, refused beyond the limit, and never served when the
//! stored bytes no longer match their address.

#[macro_use]
mod common;

use jixiao_domain::evidence::{MAX_EVIDENCE_BYTES, MediaType, Sha256Hex};

const PDF: &[u8] = b"%PDF-1.7\n% sign-in sheet\n";
/// `sha256sum` of [`PDF`], computed outside the store.
const PDF_SHA256: &str = "2e4370fb7b688b3148b321007686a34e92e16f75be50295a8956e94129f11024";

both_engines!(a_file_is_stored_under_its_sha256_and_read_back_byte_for_byte);
fn a_file_is_stored_under_its_sha256_and_read_back_byte_for_byte(db: &common::TestDb) {
    let store = db.open();
    let hash = store.put_evidence(MediaType::Pdf, PDF).unwrap();
    assert_eq!(hash.as_str(), PDF_SHA256);
    let blob = store.evidence_blob(&hash).unwrap().expect("stored");
    assert_eq!(blob.bytes, PDF);
    assert_eq!(blob.media_type, MediaType::Pdf);
    assert!(store.has_evidence(&hash).unwrap());
}

both_engines!(storing_the_same_content_twice_keeps_one_file_with_the_first_type);
fn storing_the_same_content_twice_keeps_one_file_with_the_first_type(db: &common::TestDb) {
    let store = db.open();
    let first = store.put_evidence(MediaType::Pdf, PDF).unwrap();
    let second = store.put_evidence(MediaType::Png, PDF).unwrap();
    assert_eq!(first, second);
    let blob = store.evidence_blob(&first).unwrap().unwrap();
    assert_eq!(
        blob.media_type,
        MediaType::Pdf,
        "a stored row is never rewritten"
    );
}

both_engines!(an_unknown_hash_reads_as_nothing);
fn an_unknown_hash_reads_as_nothing(db: &common::TestDb) {
    let store = db.open();
    let unknown = Sha256Hex::parse(&"00".repeat(32)).unwrap();
    assert_eq!(store.evidence_blob(&unknown).unwrap(), None);
    assert!(!store.has_evidence(&unknown).unwrap());
}

both_engines!(an_empty_file_and_one_over_the_limit_are_refused_and_nothing_is_stored);
fn an_empty_file_and_one_over_the_limit_are_refused_and_nothing_is_stored(db: &common::TestDb) {
    let store = db.open();
    assert!(store.put_evidence(MediaType::Pdf, b"").is_err());
    let mut big = PDF.to_vec();
    big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
    assert!(store.put_evidence(MediaType::Pdf, &big).is_err());
    let would_be = jixiao_store::evidence::sha256_of(&big);
    assert!(!store.has_evidence(&would_be).unwrap());
}

both_engines!(a_stored_file_whose_bytes_were_altered_is_reported_corrupt_not_served);
fn a_stored_file_whose_bytes_were_altered_is_reported_corrupt_not_served(db: &common::TestDb) {
    let store = db.open();
    let hash = store.put_evidence(MediaType::Pdf, PDF).unwrap();
    // The same length as the original, so only the hash check can notice.
    let forged = hex::encode(b"%PDF-1.7\n% forged-sheet!\n");
    let changed = db.execute(
        &format!("UPDATE evidence_blobs SET content = X'{forged}' WHERE sha256 = '{hash}'"),
        &format!(
            "UPDATE evidence_blobs SET content = '\\x{forged}'::bytea WHERE sha256 = '{hash}'"
        ),
    );
    assert_eq!(changed, 1);
    let err = store.evidence_blob(&hash).unwrap_err();
    assert!(err.to_string().contains("不符"), "{err}");
}
