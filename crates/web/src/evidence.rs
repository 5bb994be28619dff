//! 佐证材料 in the browser: the page of a unit-year's activities, surveys and assessments with
//! the evidence files of each (downloadable by every role that may read the unit), and the
//! upload form (multipart) that attaches a sign-in sheet, photo or PDF to one of them. The file
//! goes through the application's evidence service (checked by the domain's size and type
//! rules, stored once under its SHA-256) and the attachment is an `AttachEvidence` command
//! carrying the form's event id, so a double submit writes once. A refusal (too large, a type
//! not accepted, no record chosen) is shown in Chinese beside its field.

use crate::error::WebError;
use crate::forms::FormState;
use crate::pages::{Choice, Chrome, blocking, html, state, write_form};
use crate::session::Session;
use crate::upload::read_form;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use jixiao_app::auth::Action;
use jixiao_domain::aggregate::Command;
use jixiao_domain::budget::ProjectCode;
use jixiao_domain::event::{EvidenceAttached, EvidenceTarget};
use jixiao_domain::evidence::MAX_EVIDENCE_BYTES;
use jixiao_domain::indicator::{IndicatorId, Scope};
use jixiao_store::StreamId;

/// Longest text field of the upload form, in bytes.
const MAX_TEXT_FIELD_BYTES: usize = 4 * 1024;

/// One evidence file as listed.
pub struct FileRow {
    /// File name.
    pub name: String,
    /// Size, in KB (at least 1).
    pub kb: u64,
    /// Download link.
    pub href: String,
}

/// One record with its files.
pub struct RecordRow {
    /// What.
    pub label: String,
    /// Its files.
    pub files: Vec<FileRow>,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    unit: String,
    year: i32,
    records: Vec<RecordRow>,
    targets: Vec<Choice>,
    may_attach: bool,
    max_mb: usize,
    form: FormState,
}

/// The value of a target in the form's select list.
fn target_value(t: &EvidenceTarget) -> String {
    match t {
        EvidenceTarget::Activity { activity_id } => format!("activity:{activity_id}"),
        EvidenceTarget::Survey { survey_id } => format!("survey:{survey_id}"),
        EvidenceTarget::Assessment {
            scope,
            indicator_id,
        } => {
            let code = match scope {
                Scope::Unit => "",
                Scope::Project(c) => c.0.as_str(),
            };
            format!("assessment:{code}|{}", indicator_id.0)
        }
    }
}

/// Reads a target back from its select value.
fn parse_target(value: &str) -> Option<EvidenceTarget> {
    let (kind, rest) = value.split_once(':')?;
    match kind {
        "activity" => Some(EvidenceTarget::Activity {
            activity_id: rest.parse().ok()?,
        }),
        "survey" => Some(EvidenceTarget::Survey {
            survey_id: rest.parse().ok()?,
        }),
        "assessment" => {
            let (code, id) = rest.split_once('|')?;
            (!id.is_empty()).then(|| EvidenceTarget::Assessment {
                scope: if code.is_empty() {
                    Scope::Unit
                } else {
                    Scope::Project(ProjectCode(code.to_string()))
                },
                indicator_id: IndicatorId(id.to_string()),
            })
        }
        _ => None,
    }
}

async fn page_with(
    req: &HttpRequest,
    s: &Session,
    unit: String,
    year: i32,
    failed: Option<FormState>,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let st = state(req)?;
    let stream = StreamId::new(unit.clone(), year);
    let records = blocking(&st.app, move |app| app.record_evidence(&stream)).await?;
    let targets = records
        .iter()
        .map(|r| Choice {
            value: target_value(&r.target),
            label: r.label.clone(),
        })
        .collect();
    let records = records
        .into_iter()
        .map(|r| RecordRow {
            label: r.label,
            files: r
                .files
                .iter()
                .map(|f| FileRow {
                    name: f.file_name.clone(),
                    kb: f.size.div_ceil(1024).max(1),
                    href: format!("/units/{unit}/{year}/evidence/{}", f.sha256),
                })
                .collect(),
        })
        .collect();
    let mut chrome = Chrome::for_page(s, "佐证材料", year);
    chrome.notice = notice;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = failed.unwrap_or_else(|| {
        FormState::with(&[("attached_on", st.app.business_today().to_string())])
    });
    let page = EvidencePage {
        chrome,
        unit,
        year,
        records,
        targets,
        may_attach: s.claims.may(Action::Record),
        max_mb: MAX_EVIDENCE_BYTES / (1024 * 1024),
        form,
    };
    Ok(html(status, page.render()))
}

/// The evidence page of a unit-year.
pub async fn evidence_page(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let notice = req
        .query_string()
        .contains("saved=1")
        .then(|| "佐证材料已上传。".to_string());
    page_with(&req, &s, unit, year, None, notice).await
}

/// Uploads a file and attaches it to the chosen record.
pub async fn evidence_upload(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
    form: Multipart,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    let (fields, file) = match read_form(form, MAX_EVIDENCE_BYTES, MAX_TEXT_FIELD_BYTES)
        .await
        .map_err(|message| ("file", message))
    {
        Ok(read) => read,
        Err((field, message)) => {
            // The CSRF token may be unread (the file came first): nothing is written, so
            // showing the error is safe.
            let mut f = FormState::fresh();
            f.error(field, message);
            return page_with(&req, &s, unit, year, Some(f), None).await;
        }
    };
    s.check_csrf(fields.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(fields);
    let target = parse_target(f.v("target").trim());
    if target.is_none() {
        f.error("target", "请选择佐证材料所属的活动、调查或指标评定");
    }
    let on = f.date("attached_on", "上传日期");
    f.event_id();
    let file = file.filter(|(_, bytes)| !bytes.is_empty());
    if file.is_none() {
        f.error("file", "请选择要上传的文件（PDF、JPEG、PNG、XLSX 或 DOCX）");
    }
    let (Some(target), Some(on), Some((file_name, bytes)), false) =
        (target, on, file, f.has_errors())
    else {
        return page_with(&req, &s, unit, year, Some(f), None).await;
    };
    let stored = blocking(&st.app, move |app| {
        Ok(app.store_evidence(&bytes, &file_name))
    })
    .await?;
    let reference = match stored {
        Ok(r) => r,
        Err(e) if e.kind == jixiao_app::ErrorKind::Internal => return Err(e.into()),
        Err(e) => {
            let message = e
                .errors
                .first()
                .map(|x| x.message_zh.clone())
                .unwrap_or_else(|| e.detail.clone());
            f.error("file", message);
            return page_with(&req, &s, unit, year, Some(f), None).await;
        }
    };
    let command = Command::AttachEvidence(EvidenceAttached {
        target,
        evidence: vec![reference],
        attached_on: on,
    });
    match write_form(st, &s, &unit, year, &f, command).await? {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/units/{unit}/{year}/evidence?saved=1"),
            ))
            .finish()),
        Err(e) => {
            f.refused(&e);
            page_with(&req, &s, unit, year, Some(f), None).await
        }
    }
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (already sanitised by the
/// domain: no quotes, separators or control characters).
fn attachment(file_name: &str) -> ContentDisposition {
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

/// Downloads an evidence file of the unit-year (only a file its events reference).
pub async fn evidence_download(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year, sha256) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let stream = StreamId::new(unit, year);
    let file = blocking(&st.app, move |app| app.evidence(&stream, &sha256)).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.reference.media_type.mime())
        .insert_header(attachment(&file.reference.file_name))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .body(file.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_reads_back_from_its_select_value() {
        let targets = [
            EvidenceTarget::Activity {
                activity_id: uuid::Uuid::new_v4(),
            },
            EvidenceTarget::Survey {
                survey_id: uuid::Uuid::new_v4(),
            },
            EvidenceTarget::Assessment {
                scope: Scope::Project(ProjectCode("P1".into())),
                indicator_id: IndicatorId("q1".into()),
            },
            EvidenceTarget::Assessment {
                scope: Scope::Unit,
                indicator_id: IndicatorId("u1".into()),
            },
        ];
        for t in targets {
            assert_eq!(parse_target(&target_value(&t)), Some(t));
        }
        assert_eq!(parse_target("activity:not-a-uuid"), None);
        assert_eq!(parse_target("assessment:P1|"), None);
        assert_eq!(parse_target(""), None);
    }
}
