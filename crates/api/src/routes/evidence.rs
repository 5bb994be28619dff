//! 佐证材料 (evidence files) of a unit's year: upload (the raw file as the body, its type in
//! `Content-Type`, its name in `?file_name=`), attach uploaded files to an activity, survey or
//! assessment already recorded, and download a file the unit-year's events reference.
//!
//! The rules are the domain's (`jixiao_domain::evidence`): at most 10 MiB, PDF, JPEG, PNG,
//! XLSX or DOCX recognised by their content, the name sanitised. Uploading needs the right to
//! record for the unit; downloading the right to read it, and only through a unit-year whose
//! events reference the file: a hash of another unit's file answers 404 here. Downloads carry
//! the stored type, `Content-Disposition: attachment` with the sanitised name (RFC 6266 /
//! RFC 8187 for non-ASCII names) and `X-Content-Type-Options: nosniff`.

use crate::auth::{Action, Auth};
use crate::error::{ApiError, Problem};
use crate::extract::{WriteResult, YearWrite};
use crate::guard::Permit;
use crate::startup::AppState;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use jixiao_app::AppError;
use jixiao_domain::aggregate::Command;
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::event::{EvidenceAttached, EvidenceTarget};
use jixiao_domain::evidence::{EvidenceRef, MAX_EVIDENCE_BYTES, MediaType, Sha256Hex};
use jixiao_domain::indicator::{IndicatorId, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A stored evidence file: what an event records to reference it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRefBody {
    /// SHA-256 of the content (64 hex digits): the file's address.
    pub sha256: String,
    /// The file name, sanitised (no path, no control characters).
    pub file_name: String,
    /// The type recognised from the content (`application/pdf`, `image/jpeg`, `image/png`, XLSX, DOCX).
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
}

impl From<EvidenceRef> for EvidenceRefBody {
    fn from(r: EvidenceRef) -> Self {
        EvidenceRefBody {
            sha256: r.sha256.to_string(),
            file_name: r.file_name,
            media_type: r.media_type.mime().to_string(),
            size: r.size,
        }
    }
}

impl EvidenceRefBody {
    fn into_ref(self, field: &str) -> Result<EvidenceRef, ApiError> {
        let sha256 = Sha256Hex::parse(&self.sha256).map_err(|e| {
            ApiError::field(&format!("{field}.sha256"), e.to_string(), "64 hex digits")
        })?;
        let media_type = MediaType::from_mime(&self.media_type).ok_or_else(|| {
            ApiError::field(
                &format!("{field}.media_type"),
                "仅接受 PDF、JPEG、PNG、XLSX、DOCX 的类型",
                "unsupported media type",
            )
        })?;
        Ok(EvidenceRef {
            sha256,
            file_name: self.file_name,
            media_type,
            size: self.size,
        })
    }
}

/// The references of a body (`evidence[i]` names a bad one).
pub fn evidence_refs(bodies: Vec<EvidenceRefBody>) -> Result<Vec<EvidenceRef>, ApiError> {
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.into_ref(&format!("evidence[{i}]")))
        .collect()
}

/// Query of an upload.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file's name (its extension must agree with the content).
    pub file_name: String,
}

/// Path of a download.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EvidencePath {
    /// 单位代码.
    pub unit: String,
    /// Fiscal year.
    pub year: i32,
    /// SHA-256 of the file (64 hex digits).
    pub sha256: String,
}

/// Path of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    /// 单位代码.
    pub unit: String,
    /// Fiscal year.
    pub year: i32,
}

fn too_large() -> ApiError {
    ApiError::from(jixiao_app::evidence::evidence_error(
        &jixiao_domain::evidence::EvidenceError::TooLarge {
            size: MAX_EVIDENCE_BYTES + 1,
            max: MAX_EVIDENCE_BYTES,
        },
    ))
}

/// Upload an evidence file: the body is the file itself. Answers 201 with the reference to
/// record (the same content uploaded again answers the same hash). Storing a file records no
/// event: send the reference with an attachment (`…/evidence-attachments`).
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(UploadPath, UploadQuery),
    request_body(content = Vec<u8>, description = "the file (PDF, JPEG, PNG, XLSX or DOCX, at most 10 MiB)", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "stored", body = EvidenceRefBody),
        (status = 413, description = "over 10 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "unsupported type, type or extension not matching the content, bad name", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/evidence",
    wrap = "Permit(Action::Record)"
)]
pub async fn upload_evidence(
    req: HttpRequest,
    auth: Auth,
    path: web::Path<UploadPath>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    auth.0
        .require_unit(Action::Record, &path.unit)
        .map_err(|e| ApiError::from(e).with_instance(req.path()))?;
    // Read at most the limit: memory stays bounded whatever the client declares, and the
    // client gets its 413 after sending (answering mid-upload would reset its connection).
    let bytes = match payload.to_bytes_limited(MAX_EVIDENCE_BYTES).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let api = match e.as_error::<actix_web::error::PayloadError>() {
                Some(payload) => ApiError::payload(payload),
                None => ApiError::internal(e),
            };
            return Err(api.with_instance(req.path()));
        }
        Err(_) => return Err(too_large().with_instance(req.path())),
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let file_name = query.into_inner().file_name;
    let app = state.app.clone();
    let instance = req.path().to_string();
    let stored = web::block(move || {
        app.store_evidence_declared(&bytes, &file_name, content_type.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::from(e).with_instance(&instance))?;
    Ok(HttpResponse::Created().json(EvidenceRefBody::from(stored)))
}

/// Download an evidence file referenced by the unit-year's events.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(EvidencePath),
    responses(
        (status = 200, description = "the file, with its stored type and an attachment disposition", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "not a SHA-256", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no event of this unit-year references the file", body = Problem, content_type = "application/problem+json")))]
#[get(
    "/api/v1/units/{unit}/years/{year}/evidence/{sha256}",
    wrap = "Permit(Action::Read)"
)]
pub async fn download_evidence(
    req: HttpRequest,
    auth: Auth,
    path: web::Path<EvidencePath>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let EvidencePath { unit, year, sha256 } = path.into_inner();
    auth.0
        .require_unit(Action::Read, &unit)
        .map_err(|e| ApiError::from(e).with_instance(req.path()))?;
    let app = state.app.clone();
    let instance = req.path().to_string();
    let stream = jixiao_store::StreamId::new(unit, year);
    let file = web::block(move || app.evidence(&stream, &sha256))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e: AppError| ApiError::from(e).with_instance(&instance))?;
    Ok(HttpResponse::Ok()
        .content_type(file.reference.media_type.mime())
        .insert_header(content_disposition(&file.reference.file_name))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .body(file.bytes))
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`. The name
/// is already sanitised (no quotes, separators or control characters); the ASCII fallback
/// replaces every other character by `_`.
fn content_disposition(file_name: &str) -> ContentDisposition {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| !matches!(c, '"' | '\\'))
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// What evidence attached later belongs to.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceTargetBody {
    /// An activity of the year.
    Activity {
        /// The activity.
        activity_id: Uuid,
    },
    /// A survey of the year.
    Survey {
        /// The survey.
        survey_id: Uuid,
    },
    /// The assessments of one indicator.
    Assessment {
        /// The project (None: 部门整体).
        #[serde(default)]
        project_code: Option<String>,
        /// The indicator.
        indicator_id: String,
    },
}

/// Attach uploaded evidence to an activity, survey or assessment already recorded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    /// Client event id.
    pub event_id: Uuid,
    /// What the files belong to.
    pub target: EvidenceTargetBody,
    /// The uploaded files (references as the upload answered them).
    pub evidence: Vec<EvidenceRefBody>,
    /// Date attached.
    #[serde(deserialize_with = "crate::strict::date::attached_on")]
    pub attached_on: NaiveDate,
}

impl TryFrom<AttachmentBody> for Command {
    type Error = ApiError;
    fn try_from(b: AttachmentBody) -> Result<Self, ApiError> {
        let target = match b.target {
            EvidenceTargetBody::Activity { activity_id } => {
                EvidenceTarget::Activity { activity_id }
            }
            EvidenceTargetBody::Survey { survey_id } => EvidenceTarget::Survey { survey_id },
            EvidenceTargetBody::Assessment {
                project_code,
                indicator_id,
            } => EvidenceTarget::Assessment {
                scope: match project_code {
                    Some(code) => Scope::Project(ProjectCode(code.trim().to_string())),
                    None => Scope::Unit,
                },
                indicator_id: IndicatorId(indicator_id.trim().to_string()),
            },
        };
        Ok(Command::AttachEvidence(EvidenceAttached {
            target,
            evidence: evidence_refs(b.evidence)?,
            attached_on: b.attached_on,
        }))
    }
}

/// Record evidence for an activity, survey or assessment already recorded (the files uploaded
/// first).
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(UploadPath), request_body = AttachmentBody,
    responses((status = 201, description = "recorded", body = WriteResult),
        (status = 422, description = "unknown target, file not uploaded, too many files", body = Problem, content_type = "application/problem+json")))]
#[post(
    "/api/v1/units/{unit}/years/{year}/evidence-attachments",
    wrap = "Permit(Action::Record)"
)]
pub async fn attach_evidence(
    w: YearWrite,
    body: web::Json<AttachmentBody>,
) -> Result<HttpResponse, ApiError> {
    let w = w.allow(Action::Record)?;
    let b = body.into_inner();
    w.one(b.event_id, b.try_into()?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_keeps_the_utf8_name_and_gives_an_ascii_fallback() {
        let header = content_disposition("签到表 2024.pdf").to_string();
        assert!(header.starts_with("attachment"), "{header}");
        assert!(header.contains("filename=\"___ 2024.pdf\""), "{header}");
        assert!(
            header.contains("filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8%202024.pdf"),
            "{header}"
        );
    }

    #[test]
    fn a_reference_body_with_a_bad_hash_or_type_names_its_field() {
        let body = EvidenceRefBody {
            sha256: "xyz".into(),
            file_name: "a.pdf".into(),
            media_type: "application/pdf".into(),
            size: 1,
        };
        let err = body.clone().into_ref("evidence[0]").unwrap_err();
        assert_eq!(err.problem().errors[0].field, "evidence[0].sha256");
        let err = EvidenceRefBody {
            sha256: "ab".repeat(32),
            media_type: "text/html".into(),
            ..body
        }
        .into_ref("evidence[1]")
        .unwrap_err();
        assert_eq!(err.problem().errors[0].field, "evidence[1].media_type");
    }
}
