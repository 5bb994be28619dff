//! 佐证材料 (evidence): a sign-in sheet, a photo, a PDF attached to an activity, a survey or an
//! assessment. The file itself is stored content-addressed by its SHA-256 (the store's blob
//! table, outside the event log); the event carries an [`EvidenceRef`] to it.
//!
//! The rules live here once: which types are accepted (recognised by their magic bytes, and a
//! file name's extension must agree with the content), how large a file may be, how many files
//! one event may carry, and what a file name may contain (no path, no control characters, a
//! bounded length). Pure: the caller passes the bytes; nothing here reads a file.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest evidence file: 10 MiB (a scanned sign-in sheet or a phone photo fits easily).
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept, in characters (after sanitising).
pub const MAX_FILE_NAME_CHARS: usize = 120;
/// Most evidence files one event (or one attachment) may reference.
pub const MAX_EVIDENCE_PER_EVENT: usize = 20;
/// Length of a SHA-256 in lowercase hex.
pub const SHA256_HEX_LEN: usize = 64;

/// The accepted kinds of evidence file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    /// PDF document.
    #[serde(rename = "application/pdf")]
    Pdf,
    /// JPEG photo.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// PNG image.
    #[serde(rename = "image/png")]
    Png,
    /// Excel workbook (XLSX).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx,
    /// Word document (DOCX).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    Docx,
}

/// Every accepted type, in the order they are listed in messages.
pub const ACCEPTED_TYPES: [MediaType; 5] = [
    MediaType::Pdf,
    MediaType::Jpeg,
    MediaType::Png,
    MediaType::Xlsx,
    MediaType::Docx,
];

impl MediaType {
    /// The MIME type (as served in `Content-Type`).
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// The type of a MIME string, if it is one of the accepted ones.
    pub fn from_mime(mime: &str) -> Option<MediaType> {
        let essence = mime.split(';').next().unwrap_or("").trim();
        ACCEPTED_TYPES
            .into_iter()
            .find(|t| t.mime().eq_ignore_ascii_case(essence))
    }

    /// The file name extensions (lowercase, without the dot) that name this type.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Jpeg => &["jpg", "jpeg"],
            MediaType::Png => &["png"],
            MediaType::Xlsx => &["xlsx"],
            MediaType::Docx => &["docx"],
        }
    }

    /// Short name for messages ("PDF", "JPEG", …).
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Jpeg => "JPEG",
            MediaType::Png => "PNG",
            MediaType::Xlsx => "XLSX",
            MediaType::Docx => "DOCX",
        }
    }

    /// The type of a file by its content (magic bytes), if accepted. XLSX and DOCX are both ZIP
    /// packages: the part names stored in the package (`xl/…` or `word/…`) tell them apart.
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(MediaType::Png)
        } else if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"[Content_Types].xml") {
            if contains(bytes, b"xl/workbook.xml") {
                Some(MediaType::Xlsx)
            } else if contains(bytes, b"word/document.xml") {
                Some(MediaType::Docx)
            } else {
                None
            }
        } else {
            None
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mime())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A SHA-256 as 64 lowercase hex digits: the address of a stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Parses 64 hex digits (either case; kept lowercase).
    pub fn parse(text: &str) -> Result<Sha256Hex, EvidenceError> {
        if text.len() == SHA256_HEX_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256Hex(text.to_ascii_lowercase()))
        } else {
            Err(EvidenceError::BadHash {
                value: text.chars().take(SHA256_HEX_LEN + 8).collect(),
            })
        }
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = EvidenceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sha256Hex::parse(&value)
    }
}

impl From<Sha256Hex> for String {
    fn from(value: Sha256Hex) -> Self {
        value.0
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reference from an event to a stored evidence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// SHA-256 of the content: the address of the stored file.
    pub sha256: Sha256Hex,
    /// The file name as uploaded, sanitised ([`sanitise_file_name`]).
    pub file_name: String,
    /// The type recognised from the content.
    pub media_type: MediaType,
    /// Size in bytes.
    pub size: u64,
}

/// Why an evidence file or reference is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// Larger than [`MAX_EVIDENCE_BYTES`].
    #[error("佐证材料过大：{size} 字节，最多 {max} 字节（10 MiB）(evidence file too large)")]
    TooLarge {
        /// Size of the file.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An empty file.
    #[error("佐证材料为空文件 (empty evidence file)")]
    Empty,
    /// Not one of the accepted types by its content.
    #[error(
        "佐证材料类型不支持：仅接受 PDF、JPEG、PNG、XLSX、DOCX 文件（按文件内容识别）(unsupported evidence type)"
    )]
    UnsupportedType,
    /// The name's extension claims another type than the content.
    #[error(
        "文件名“{file_name}”的扩展名与文件内容（{actual}）不符 (file name extension does not match the content)"
    )]
    ExtensionMismatch {
        /// The file name.
        file_name: String,
        /// The type recognised from the content.
        actual: &'static str,
    },
    /// Nothing usable left of the name.
    #[error("文件名不能为空 (file name required)")]
    EmptyName,
    /// A reference whose name is not in sanitised form (a hand-made request).
    #[error("文件名“{file_name}”含有路径或控制字符，或超过 {max} 个字符 (unsafe file name)")]
    UnsafeName {
        /// The name.
        file_name: String,
        /// Longest name.
        max: usize,
    },
    /// Not 64 hex digits.
    #[error("SHA-256“{value}”应为 64 位十六进制数字 (sha256 must be 64 hex digits)")]
    BadHash {
        /// What was given.
        value: String,
    },
    /// More files than [`MAX_EVIDENCE_PER_EVENT`].
    #[error("佐证材料过多：{count} 个，一次最多 {max} 个 (too many evidence files)")]
    TooMany {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A type the declared `Content-Type` did not name.
    #[error(
        "声明的类型“{declared}”与文件内容（{actual}）不符 (declared type does not match the content)"
    )]
    DeclaredTypeMismatch {
        /// The declared MIME type.
        declared: String,
        /// The type recognised from the content.
        actual: &'static str,
    },
}

impl EvidenceError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EvidenceError::TooLarge { .. } => "evidence_too_large",
            EvidenceError::Empty => "evidence_empty",
            EvidenceError::UnsupportedType => "evidence_type_unsupported",
            EvidenceError::ExtensionMismatch { .. } => "evidence_extension_mismatch",
            EvidenceError::EmptyName => "evidence_name_required",
            EvidenceError::UnsafeName { .. } => "evidence_name_unsafe",
            EvidenceError::BadHash { .. } => "evidence_hash_invalid",
            EvidenceError::TooMany { .. } => "evidence_too_many",
            EvidenceError::DeclaredTypeMismatch { .. } => "evidence_type_mismatch",
        }
    }

    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            EvidenceError::TooLarge { .. }
            | EvidenceError::Empty
            | EvidenceError::UnsupportedType => "file",
            EvidenceError::DeclaredTypeMismatch { .. } => "content_type",
            EvidenceError::ExtensionMismatch { .. }
            | EvidenceError::EmptyName
            | EvidenceError::UnsafeName { .. } => "file_name",
            EvidenceError::BadHash { .. } => "sha256",
            EvidenceError::TooMany { .. } => "evidence",
        }
    }
}

/// The file name kept for an upload: the last path component only (both `/` and `\` separate),
/// control characters and the characters Windows forbids dropped, surrounding spaces and dots
/// trimmed (no `..`, no hidden name), at most [`MAX_FILE_NAME_CHARS`] characters with the
/// extension kept. Idempotent: a sanitised name sanitises to itself.
pub fn sanitise_file_name(name: &str) -> Result<String, EvidenceError> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.is_empty() {
        return Err(EvidenceError::EmptyName);
    }
    if trimmed.chars().count() <= MAX_FILE_NAME_CHARS {
        return Ok(trimmed.to_string());
    }
    // Too long: shorten the stem, keep a short extension.
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 8 => (s, Some(e)),
        _ => (trimmed, None),
    };
    let keep = MAX_FILE_NAME_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(keep).collect();
    let stem = stem.trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    Ok(match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem.to_string(),
    })
}

/// An upload checked: its size, its type by content (and by the declared MIME type when one is
/// given), its name sanitised and its extension in agreement with the content. The caller
/// computes the hash when it stores the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUpload {
    /// The type recognised from the content.
    pub media_type: MediaType,
    /// The sanitised name.
    pub file_name: String,
    /// Size in bytes.
    pub size: u64,
}

/// Checks an upload against every rule (see [`CheckedUpload`]). `declared` is the MIME type the
/// client sent, if any (a generic `application/octet-stream` declares nothing).
pub fn check_upload(
    bytes: &[u8],
    file_name: &str,
    declared: Option<&str>,
) -> Result<CheckedUpload, EvidenceError> {
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge {
            size: bytes.len(),
            max: MAX_EVIDENCE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    let file_name = sanitise_file_name(file_name)?;
    let media_type = MediaType::sniff(bytes).ok_or(EvidenceError::UnsupportedType)?;
    if let Some(declared) = declared {
        let essence = declared.split(';').next().unwrap_or("").trim();
        let generic =
            essence.is_empty() || essence.eq_ignore_ascii_case("application/octet-stream");
        if !generic && MediaType::from_mime(essence) != Some(media_type) {
            return Err(EvidenceError::DeclaredTypeMismatch {
                declared: essence.chars().take(MAX_FILE_NAME_CHARS).collect(),
                actual: media_type.label(),
            });
        }
    }
    if let Some((_, ext)) = file_name.rsplit_once('.') {
        let ext = ext.to_lowercase();
        let names_a_type = ACCEPTED_TYPES
            .iter()
            .any(|t| t.extensions().contains(&ext.as_str()));
        if names_a_type && !media_type.extensions().contains(&ext.as_str()) {
            return Err(EvidenceError::ExtensionMismatch {
                file_name,
                actual: media_type.label(),
            });
        }
    }
    Ok(CheckedUpload {
        media_type,
        file_name,
        size: bytes.len() as u64,
    })
}

/// Checks the references an event (or an attachment) carries: at most
/// [`MAX_EVIDENCE_PER_EVENT`], each name in sanitised form, each size within the limit.
pub fn check_refs(refs: &[EvidenceRef]) -> Result<(), EvidenceError> {
    if refs.len() > MAX_EVIDENCE_PER_EVENT {
        return Err(EvidenceError::TooMany {
            count: refs.len(),
            max: MAX_EVIDENCE_PER_EVENT,
        });
    }
    for r in refs {
        if sanitise_file_name(&r.file_name).ok().as_deref() != Some(r.file_name.as_str()) {
            return Err(EvidenceError::UnsafeName {
                file_name: r.file_name.chars().take(MAX_FILE_NAME_CHARS).collect(),
                max: MAX_FILE_NAME_CHARS,
            });
        }
        if r.size == 0 || r.size > MAX_EVIDENCE_BYTES as u64 {
            return Err(EvidenceError::TooLarge {
                size: usize::try_from(r.size).unwrap_or(usize::MAX),
                max: MAX_EVIDENCE_BYTES,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];

    fn zip_with(part: &[u8]) -> Vec<u8> {
        let mut v = b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml....PK\x03\x04".to_vec();
        v.extend_from_slice(part);
        v
    }

    #[test]
    fn each_accepted_type_is_recognised_by_its_magic_bytes() {
        assert_eq!(MediaType::sniff(PDF), Some(MediaType::Pdf));
        assert_eq!(MediaType::sniff(PNG), Some(MediaType::Png));
        assert_eq!(MediaType::sniff(JPEG), Some(MediaType::Jpeg));
        assert_eq!(
            MediaType::sniff(&zip_with(b"xl/workbook.xml")),
            Some(MediaType::Xlsx)
        );
        assert_eq!(
            MediaType::sniff(&zip_with(b"word/document.xml")),
            Some(MediaType::Docx)
        );
    }

    #[test]
    fn a_file_named_pdf_that_is_not_a_pdf_is_refused() {
        let err = check_upload(b"MZ\x90\x00 an executable", "签到表.pdf", None);
        assert_eq!(err, Err(EvidenceError::UnsupportedType));
        let zip = check_upload(&zip_with(b"other/part.xml"), "a.xlsx", None);
        assert_eq!(zip, Err(EvidenceError::UnsupportedType));
    }

    #[test]
    fn a_name_whose_extension_claims_another_type_is_refused() {
        let err = check_upload(PNG, "签到表.pdf", None).unwrap_err();
        assert_eq!(err.code(), "evidence_extension_mismatch");
        // An extension naming no accepted type (or none) is kept as given.
        assert_eq!(
            check_upload(PNG, "照片.scan", None).unwrap().media_type,
            MediaType::Png
        );
        assert_eq!(check_upload(JPEG, "照片.JPEG", None).unwrap().size, 10);
    }

    #[test]
    fn a_declared_type_must_agree_with_the_content_unless_it_is_generic() {
        assert!(check_upload(PDF, "a.pdf", Some("application/pdf")).is_ok());
        assert!(check_upload(PDF, "a.pdf", Some("application/octet-stream")).is_ok());
        let err = check_upload(PDF, "a.pdf", Some("image/png")).unwrap_err();
        assert_eq!(err.code(), "evidence_type_mismatch");
    }

    #[test]
    fn a_file_over_the_limit_and_an_empty_file_are_refused() {
        let mut big = PDF.to_vec();
        big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
        assert_eq!(
            check_upload(&big, "a.pdf", None),
            Err(EvidenceError::TooLarge {
                size: MAX_EVIDENCE_BYTES + 1,
                max: MAX_EVIDENCE_BYTES
            })
        );
        big.truncate(MAX_EVIDENCE_BYTES);
        assert!(check_upload(&big, "a.pdf", None).is_ok());
        assert_eq!(check_upload(b"", "a.pdf", None), Err(EvidenceError::Empty));
    }

    #[test]
    fn file_names_lose_their_path_control_characters_and_leading_dots() {
        assert_eq!(
            sanitise_file_name("../../etc/passwd").unwrap(),
            "passwd".to_string()
        );
        assert_eq!(
            sanitise_file_name("C:\\Users\\x\\签到表.pdf").unwrap(),
            "签到表.pdf"
        );
        assert_eq!(
            sanitise_file_name("a\u{0}b\r\n\"c\".pdf").unwrap(),
            "abc.pdf"
        );
        assert_eq!(
            sanitise_file_name("..").unwrap_err(),
            EvidenceError::EmptyName
        );
        assert_eq!(
            sanitise_file_name(" / ").unwrap_err(),
            EvidenceError::EmptyName
        );
        assert_eq!(sanitise_file_name(".hidden").unwrap(), "hidden");
    }

    #[test]
    fn a_long_name_is_shortened_to_the_limit_keeping_its_extension() {
        let long = format!("{}.pdf", "签".repeat(300));
        let kept = sanitise_file_name(&long).unwrap();
        assert_eq!(kept.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(kept.ends_with(".pdf"));
        assert_eq!(sanitise_file_name(&kept).unwrap(), kept);
    }

    #[test]
    fn a_reference_with_an_unsafe_name_or_too_many_references_is_refused() {
        let good = EvidenceRef {
            sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
            file_name: "签到表.pdf".to_string(),
            media_type: MediaType::Pdf,
            size: 10,
        };
        assert!(check_refs(std::slice::from_ref(&good)).is_ok());
        let bad = EvidenceRef {
            file_name: "../签到表.pdf".to_string(),
            ..good.clone()
        };
        assert_eq!(
            check_refs(&[bad]).unwrap_err().code(),
            "evidence_name_unsafe"
        );
        let many = vec![good; MAX_EVIDENCE_PER_EVENT + 1];
        assert_eq!(check_refs(&many).unwrap_err().code(), "evidence_too_many");
    }

    #[test]
    fn a_hash_is_64_hex_digits_kept_lowercase() {
        let upper = "AB".repeat(32);
        assert_eq!(Sha256Hex::parse(&upper).unwrap().as_str(), "ab".repeat(32));
        assert!(Sha256Hex::parse("abc").is_err());
        assert!(Sha256Hex::parse(&"zz".repeat(32)).is_err());
        let json = serde_json::to_string(&MediaType::Xlsx).unwrap();
        assert_eq!(
            json,
            "\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\""
        );
    }
}
