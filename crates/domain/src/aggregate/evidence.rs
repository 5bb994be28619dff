//! 佐证材料 in the aggregate: the rule for attaching evidence after the fact (the target —
//! an activity, a survey or an indicator's assessment — must already be recorded in this
//! unit-year), and the index of every file the year's events reference, which is what decides
//! whether a stored file may be read through this unit-year.

use super::error::{DomainError, scope_label};
use super::state::UnitYear;
use crate::event::{Event, EvidenceAttached, EvidenceTarget};
use crate::evidence::{EvidenceRef, Sha256Hex, check_refs};
use std::collections::BTreeMap;

/// Every evidence file referenced by a year's events, by hash (the first reference's name and
/// type are kept; the content is the same whatever the name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceIndex {
    by_hash: BTreeMap<Sha256Hex, EvidenceRef>,
}

impl EvidenceIndex {
    /// Notes the references an event carries.
    pub(crate) fn note(&mut self, event: &Event) {
        let refs: &[EvidenceRef] = match event {
            Event::ActivityHeld(e) => &e.evidence,
            Event::SurveyRecorded(e) => &e.evidence,
            Event::IndicatorAssessed(e) => &e.evidence,
            Event::EvidenceAttached(e) => &e.evidence,
            _ => return,
        };
        for r in refs {
            self.by_hash
                .entry(r.sha256.clone())
                .or_insert_with(|| r.clone());
        }
    }
}

impl UnitYear {
    /// The evidence file with this hash, if an event of this year references it.
    pub fn evidence(&self, sha256: &Sha256Hex) -> Option<&EvidenceRef> {
        self.evidence.by_hash.get(sha256)
    }

    /// Every evidence file the year's events reference, by hash.
    pub fn evidence_files(&self) -> impl Iterator<Item = &EvidenceRef> {
        self.evidence.by_hash.values()
    }

    /// Decides an attachment: at least one file, the files within the rules, the target
    /// recorded in this year (an activity not withdrawn, a survey, an assessed indicator).
    pub(super) fn attach_evidence(&self, e: EvidenceAttached) -> Result<Event, DomainError> {
        if e.evidence.is_empty() {
            return Err(DomainError::Required { field: "evidence" });
        }
        check_refs(&e.evidence)?;
        let found = match &e.target {
            EvidenceTarget::Activity { activity_id } => self
                .activity(activity_id)
                .is_some_and(|a| a.withdrawn.is_none()),
            EvidenceTarget::Survey { survey_id } => self.survey_ids.contains(survey_id),
            EvidenceTarget::Assessment {
                scope,
                indicator_id,
            } => self
                .assessments
                .iter()
                .any(|a| &a.scope == scope && &a.indicator_id == indicator_id),
        };
        if !found {
            let target = match &e.target {
                EvidenceTarget::Activity { activity_id } => format!("活动 {activity_id}"),
                EvidenceTarget::Survey { survey_id } => format!("满意度调查 {survey_id}"),
                EvidenceTarget::Assessment {
                    scope,
                    indicator_id,
                } => format!("{}指标“{}”的评定", scope_label(scope), indicator_id.0),
            };
            return Err(DomainError::EvidenceTargetNotFound { target });
        }
        Ok(Event::EvidenceAttached(e))
    }
}
