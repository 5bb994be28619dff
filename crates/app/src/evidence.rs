//! 佐证材料 (evidence files) in the application: storing an upload (checked by the domain's
//! rules, then stored content-addressed by the store, idempotent by hash), reading a file back
//! through a unit-year (only a file that one of that unit-year's events references: a file of
//! another unit cannot be read through this unit's path, whoever knows its hash), and the check
//! every write makes that the references it records point at stored files of that type and size.

use crate::App;
use crate::error::{AppError, FieldError};
use crate::write::Item;
use jixiao_domain::aggregate::Command;
use jixiao_domain::event::{Event, EvidenceTarget};
use jixiao_domain::evidence::{EvidenceError, EvidenceRef, Sha256Hex, check_upload};
use jixiao_domain::indicator::Scope;
use jixiao_store::{KnownAt, ReadFilter, StreamId};

/// Events per page when gathering a year's attachments.
const ATTACHMENTS_PAGE_EVENTS: usize = 1_000;

/// One record (an activity, a survey, an indicator's assessments) that may carry 佐证材料,
/// with every file recorded with it or attached later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEvidence {
    /// What the files belong to (the target an attachment names).
    pub target: EvidenceTarget,
    /// How people see it ("活动 2024-03-15 培训班", "满意度调查 …", "指标评定 …").
    pub label: String,
    /// The files, in the order recorded.
    pub files: Vec<EvidenceRef>,
}

/// An evidence file read through a unit-year: its reference (name, type, size) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    /// The reference as the unit-year's events hold it.
    pub reference: EvidenceRef,
    /// The content.
    pub bytes: Vec<u8>,
}

/// An evidence rule broken, as an application error naming its field: too large is 413, the
/// rest 422 (a readable request whose content breaks a rule).
pub fn evidence_error(e: &EvidenceError) -> AppError {
    let message = e.to_string();
    let errors = vec![FieldError::new(e.field(), message.clone(), e.code())];
    match e {
        EvidenceError::TooLarge { .. } => AppError {
            code: e.code().to_string(),
            errors,
            ..AppError::too_large(message)
        },
        EvidenceError::BadHash { .. } => AppError::invalid(e.code(), message, errors),
        _ => AppError::rejected(e.code(), message, errors),
    }
}

fn not_referenced(stream: &StreamId, sha256: &Sha256Hex) -> AppError {
    // The same answer whether the file exists elsewhere or not at all: no existence oracle.
    AppError {
        code: "evidence_not_found".to_string(),
        ..AppError::not_found(format!(
            "单位 {} {} 年度的事件未引用佐证材料 {sha256} (no such evidence in this unit-year)",
            stream.unit, stream.fiscal_year
        ))
    }
}

impl App {
    /// Stores an uploaded evidence file: checked by the domain's rules (size, type by content,
    /// name), stored under its SHA-256 (the same content again stores nothing new and returns
    /// the same reference, with this upload's name). The reference is then recorded by an
    /// activity, survey or assessment, or by [`Command::AttachEvidence`].
    pub fn store_evidence(&self, bytes: &[u8], file_name: &str) -> Result<EvidenceRef, AppError> {
        self.store_evidence_declared(bytes, file_name, None)
    }

    /// [`App::store_evidence`] with the MIME type the client declared (`Content-Type`), which
    /// must agree with the content unless it is generic (`application/octet-stream`).
    pub fn store_evidence_declared(
        &self,
        bytes: &[u8],
        file_name: &str,
        declared: Option<&str>,
    ) -> Result<EvidenceRef, AppError> {
        let checked = check_upload(bytes, file_name, declared).map_err(|e| evidence_error(&e))?;
        let sha256 = self.store.put_evidence(checked.media_type, bytes)?;
        Ok(EvidenceRef {
            sha256,
            file_name: checked.file_name,
            media_type: checked.media_type,
            size: checked.size,
        })
    }

    /// An evidence file through a unit-year: found only when an event of that unit-year
    /// references it (404 otherwise, the same 404 whether or not another unit holds it).
    /// `sha256` is the text of the path (400 unless 64 hex digits).
    pub fn evidence(&self, stream: &StreamId, sha256: &str) -> Result<EvidenceFile, AppError> {
        let sha256 = Sha256Hex::parse(sha256).map_err(|e| evidence_error(&e))?;
        let reference = self.with_year(stream, KnownAt::Now, |y| {
            y.state
                .evidence(&sha256)
                .cloned()
                .ok_or_else(|| not_referenced(stream, &sha256))
        })?;
        let blob = self
            .store
            .evidence_blob(&sha256)?
            .ok_or_else(|| not_referenced(stream, &sha256))?;
        Ok(EvidenceFile {
            reference: EvidenceRef {
                media_type: blob.media_type,
                size: blob.bytes.len() as u64,
                ..reference
            },
            bytes: blob.bytes,
        })
    }

    /// Every activity (not withdrawn), survey and assessed indicator of a unit-year with the
    /// evidence files recorded with it or attached later, in the order they were recorded.
    pub fn record_evidence(&self, stream: &StreamId) -> Result<Vec<RecordEvidence>, AppError> {
        let mut records = self.with_budgeted_year(stream, KnownAt::Now, |y| {
            let s = &y.state;
            let mut out = Vec::new();
            for a in s.activities().iter().filter(|a| a.withdrawn.is_none()) {
                out.push(RecordEvidence {
                    target: EvidenceTarget::Activity {
                        activity_id: a.activity.activity_id,
                    },
                    label: format!("活动 {} {}", a.activity.held_on, a.activity.title),
                    files: a.activity.evidence.clone(),
                });
            }
            for v in s.surveys() {
                out.push(RecordEvidence {
                    target: EvidenceTarget::Survey {
                        survey_id: v.survey_id,
                    },
                    label: format!(
                        "满意度调查 {} {}（{} 份）",
                        v.surveyed_on, v.respondent_group, v.respondents
                    ),
                    files: v.evidence.clone(),
                });
            }
            for a in s.assessments() {
                let target = EvidenceTarget::Assessment {
                    scope: a.scope.clone(),
                    indicator_id: a.indicator_id.clone(),
                };
                let files = a.evidence.clone();
                match out
                    .iter_mut()
                    .find(|r: &&mut RecordEvidence| r.target == target)
                {
                    Some(r) => r.files.extend(files),
                    None => {
                        let scope = match &a.scope {
                            Scope::Unit => "部门整体".to_string(),
                            Scope::Project(code) => s
                                .budget()
                                .and_then(|b| b.project(code))
                                .map(|p| p.name.clone())
                                .unwrap_or_else(|| code.0.clone()),
                        };
                        out.push(RecordEvidence {
                            target,
                            label: format!("指标评定 {scope} · {}", a.indicator_id.0),
                            files,
                        });
                    }
                }
            }
            Ok(out)
        })?;
        let filter = ReadFilter {
            types: vec!["evidence_attached".to_string()],
            stream: Some(stream.clone()),
            ..ReadFilter::default()
        };
        let mut from = 1;
        loop {
            let page = self
                .store
                .read_all(from, ATTACHMENTS_PAGE_EVENTS, &filter)?;
            for e in &page.events {
                if let Event::EvidenceAttached(a) = &e.event
                    && let Some(r) = records.iter_mut().find(|r| r.target == a.target)
                {
                    r.files.extend(a.evidence.iter().cloned());
                }
            }
            match page.next_position {
                Some(next) => from = next,
                None => break,
            }
        }
        Ok(records)
    }

    /// Every reference the items would record points at a stored file of the stated type and
    /// size (a reference cannot be made up: the file is uploaded first). Called by every write
    /// and import before deciding.
    pub(crate) fn check_evidence_stored(&self, items: &[Item]) -> Result<(), AppError> {
        for item in items {
            let refs: &[EvidenceRef] = match &item.command {
                Command::HoldActivity(e) => &e.evidence,
                Command::RecordSurvey(e) => &e.evidence,
                Command::AssessIndicator(e) => &e.evidence,
                Command::AttachEvidence(e) => &e.evidence,
                _ => continue,
            };
            for (i, r) in refs.iter().enumerate() {
                let stored = self.store.evidence_meta(&r.sha256)?;
                if stored != Some((r.media_type, r.size)) {
                    let field = if item.field.is_empty() {
                        format!("evidence[{i}].sha256")
                    } else {
                        format!("{}.evidence[{i}].sha256", item.field)
                    };
                    return Err(AppError::rejected(
                        "evidence_not_stored",
                        format!(
                            "佐证材料 {} 尚未上传，或其类型、大小与上传的文件不符，请先上传文件 (evidence not uploaded)",
                            r.sha256
                        ),
                        vec![FieldError::new(
                            field,
                            "佐证材料尚未上传或与上传的文件不符",
                            "evidence not uploaded",
                        )],
                    ));
                }
            }
        }
        Ok(())
    }
}
