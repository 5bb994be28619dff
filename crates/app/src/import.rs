//! Imports, all or nothing: the budget and targets of a year (the fixture format, validated
//! against its published totals), a ledger of payments (rows of text from a spreadsheet or CSV,
//! validated row by row by [`crate::ledger`] and then by the aggregate's own rules), and any
//! list of commands (the demo year). Every command is decided first, on a copy of the year;
//! only when all pass are the events appended, in batches the store accepts, each with the
//! version the previous one left. Ids are derived deterministically, so importing the same
//! input again adds nothing.

use crate::App;
use crate::cache::lock;
use crate::error::{AppError, FieldError};
use crate::ledger::{self, Column, LedgerRejected, LedgerTarget, RowProblem, derived_uuid};
use crate::write::{Actor, IMPORT_BATCH_EVENTS, Item, derived_event_id, to_new_events};
use jixiao_domain::aggregate::{Command, Context, DomainError};
use jixiao_domain::budget::Budget;
use jixiao_domain::event::{BudgetApproved, Event, TargetsApproved};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{ExpectedVersion, StreamId};
use uuid::Uuid;

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Events appended.
    pub events: usize,
    /// Version of the stream afterwards.
    pub stream_version: u64,
}

/// Why an import of commands wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Commands the aggregate refused: (index of the command, the rule broken), in order.
    #[error("{} 条记录不符合规则，未写入任何数据 (refused; nothing written)", .0.len())]
    Refused(Vec<(usize, DomainError)>),
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

/// The budget, the targets and the commands approving them, of a validated import.
#[derive(Debug, Clone)]
pub struct Approval {
    /// The budget.
    pub budget: BudgetApproved,
    /// The targets of each scope.
    pub targets: Vec<TargetsApproved>,
    /// The commands, in order.
    pub commands: Vec<Command>,
}

impl Approval {
    /// A checked import as approval commands: its published totals must match its lines
    /// (±0.01 per summed line), every mismatch listed.
    pub fn of(import: &BudgetImport) -> Result<Approval, AppError> {
        let mismatches = import.check();
        if !mismatches.is_empty() {
            let errors = mismatches
                .iter()
                .map(|m| {
                    FieldError::new(
                        format!("{}/{}", m.table, m.line),
                        format!(
                            "公布数 {} 万元，明细合计 {} 万元（{} 行）",
                            m.published, m.computed, m.lines_summed
                        ),
                        format!("published {} != computed {}", m.published, m.computed),
                    )
                })
                .collect();
            return Err(AppError::rejected(
                "import_mismatch",
                format!(
                    "导入数据与公布的合计数有 {} 处不符，未写入任何数据 (totals mismatch; nothing written)",
                    mismatches.len()
                ),
                errors,
            ));
        }
        let invalid = |e: &dyn std::fmt::Display| {
            AppError::rejected(
                "invalid_import",
                e.to_string(),
                vec![FieldError::new("body", e.to_string(), "invalid import")],
            )
        };
        let events = import.into_events().map_err(|e| invalid(&e))?;
        let mut budget = None;
        let mut targets = Vec::new();
        let mut commands = Vec::new();
        for e in events {
            match e {
                Event::BudgetApproved(b) => {
                    budget = Some(b.clone());
                    commands.push(Command::ApproveBudget(b));
                }
                Event::TargetsApproved(t) => {
                    targets.push(t.clone());
                    commands.push(Command::ApproveTargets(t));
                }
                other => {
                    return Err(invalid(&format!(
                        "导入文件产生了意外的事件 {} (unexpected event)",
                        other.event_type()
                    )));
                }
            }
        }
        let budget =
            budget.ok_or_else(|| invalid(&"导入文件没有预算批复 (no budget in the import)"))?;
        Ok(Approval {
            budget,
            targets,
            commands,
        })
    }

    /// The embedded 焦作 2024 fixture.
    pub fn jiaozuo_2024() -> Result<Approval, AppError> {
        let import = BudgetImport::from_toml_str(JIAOZUO_2024_TOML).map_err(AppError::internal)?;
        Approval::of(&import)
    }

    /// The stream the import belongs to.
    pub fn stream(&self) -> StreamId {
        StreamId::new(self.budget.unit.code.clone(), self.budget.fiscal_year)
    }

    /// Checks that the import is for the unit and year a request addressed.
    pub fn check_addressed(&self, unit: &str, year: i32) -> Result<(), AppError> {
        if self.budget.unit.code != unit {
            return Err(AppError::field(
                "unit.code",
                format!(
                    "导入文件的单位代码“{}”与地址中的“{unit}”不一致",
                    self.budget.unit.code
                ),
                "unit code differs from the path",
            ));
        }
        if self.budget.fiscal_year != year {
            return Err(AppError::field(
                "fiscal_year",
                format!(
                    "导入文件的预算年度{}与地址中的{year}不一致",
                    self.budget.fiscal_year
                ),
                "fiscal year differs from the path",
            ));
        }
        Ok(())
    }

    /// The approval as write items named by ids derived from one client id.
    pub fn items(&self, client: Uuid) -> Vec<Item> {
        self.commands
            .iter()
            .enumerate()
            .map(|(i, c)| Item {
                event_id: derived_event_id(client, i * 1_000_003),
                command: c.clone(),
                field: format!("commands[{i}]"),
            })
            .collect()
    }
}

/// How a budget import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetImported {
    /// The same budget was already there: nothing added.
    AlreadyThere,
    /// Written.
    Written(Imported),
}

/// The outcome of a ledger import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerImported {
    /// New payments (written, or that would be written in a dry run).
    pub new_payments: usize,
    /// Rows imported before (same voucher, same content): skipped.
    pub skipped: usize,
    /// Events appended (0 in a dry run).
    pub written: usize,
}

/// Why a ledger import wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Rows that cannot be imported, each with its row and column.
    #[error("{0}")]
    Rejected(LedgerRejected),
    /// The year has no approved budget to charge.
    #[error("该年度尚未批复预算 (budget not approved)")]
    NoBudget,
    /// Anything else.
    #[error(transparent)]
    App(#[from] AppError),
}

impl App {
    /// Decides `items` in order on a copy of the year — every refusal is collected — and, when
    /// all pass, appends their events in batches, reporting `progress(written, total)`.
    pub fn import(
        &self,
        stream: &StreamId,
        items: Vec<Item>,
        actor: &Actor,
        profile: &ScoringProfile,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Imported, ImportError> {
        crate::write::validate_stream(stream)?;
        self.check_evidence_stored(&items)?;
        let entry = self.cache.entry(stream);
        let mut year = lock(&entry);
        self.catch_up(stream, &mut year)?;
        self.cache.settle(stream, &entry, year.events());
        let events = decide_all(&year.state, &items, profile)?;
        let total = events.len();
        let mut written = 0;
        for chunk in events.chunks(IMPORT_BATCH_EVENTS) {
            let version = year.state.version();
            let appended = self
                .store
                .append(
                    stream.clone(),
                    ExpectedVersion::Exact(version),
                    to_new_events(chunk, actor)?,
                )
                .map_err(|e| AppError::append(e, None))?;
            for ((id, event), position) in chunk.iter().zip(&appended.positions) {
                year.apply(*id, *position, event);
            }
            written += chunk.len();
            progress(written, total);
        }
        Ok(Imported {
            events: written,
            stream_version: year.state.version(),
        })
    }

    /// Imports a year's budget and targets into an empty stream (the same budget again adds
    /// nothing; another one is refused). Ids derive from the unit and year.
    pub fn import_budget(
        &self,
        approval: &Approval,
        actor: &Actor,
    ) -> Result<BudgetImported, ImportError> {
        let stream = approval.stream();
        let existing = self.with_year(&stream, jixiao_store::KnownAt::Now, |y| {
            Ok((y.state.version(), y.state.budget().cloned()))
        })?;
        if existing.0 > 0 {
            let same = existing.1.is_some_and(|b| {
                b.approved_on == approval.budget.approved_on && b.unit == approval.budget.unit
            });
            if same {
                return Ok(BudgetImported::AlreadyThere);
            }
            return Err(AppError::rejected(
                "year_not_empty",
                format!(
                    "单位 {} 的 {} 年度已有记录，不能重复批复预算 (this unit's year already has events)",
                    stream.unit, stream.fiscal_year
                ),
                vec![],
            )
            .into());
        }
        let client = derived_uuid(&[
            "jixiao-budget",
            &stream.unit,
            &stream.fiscal_year.to_string(),
        ]);
        let profile = self.profile(None).map_err(AppError::internal)?;
        self.import(
            &stream,
            approval.items(client),
            actor,
            &profile,
            &mut |_, _| {},
        )
        .map(BudgetImported::Written)
    }

    /// Imports a ledger (rows of text, header included) into a year: every row valid and
    /// accepted by the aggregate, or nothing written. A row imported before (same voucher and
    /// content) is skipped; a voucher recorded with other content, or by other means, is a
    /// problem of its row. With `dry_run`, checks everything and writes nothing.
    pub fn import_ledger(
        &self,
        stream: &StreamId,
        rows: &[Vec<String>],
        dry_run: bool,
        actor: &Actor,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<LedgerImported, LedgerError> {
        let state = self.with_year(stream, jixiao_store::KnownAt::Now, |y| Ok(y.state.clone()))?;
        let budget_state = state.budget().ok_or(LedgerError::NoBudget)?;
        let budget = Budget::new(budget_state.lines.iter().map(|l| l.line.clone()).collect());
        let target = LedgerTarget {
            unit_code: &stream.unit,
            fiscal_year: stream.fiscal_year,
            resolver: &budget,
        };
        let entries = ledger::parse_ledger(rows, &target).map_err(LedgerError::Rejected)?;

        let mut problems = Vec::new();
        let mut new_entries = Vec::new();
        let mut skipped = 0usize;
        for entry in entries {
            let voucher = entry.payment.voucher_no.as_deref().unwrap_or("");
            if let Some(recorded) = state.payment(&entry.payment.payment_id) {
                let changed = ledger::differences(&recorded.payment, &entry.payment);
                if changed.is_empty() {
                    skipped += 1;
                } else {
                    problems.push(RowProblem {
                        row: entry.row,
                        column: Some(Column::Voucher),
                        problem: format!(
                            "凭证号“{voucher}”已导入，但内容不同（{}）；更正请在系统中红冲后以新凭证号录入 (voucher already imported with different content)",
                            changed.join("；")
                        ),
                    });
                }
            } else if state.payment_by_voucher(voucher).is_some() {
                problems.push(RowProblem {
                    row: entry.row,
                    column: Some(Column::Voucher),
                    problem: format!("凭证号“{voucher}”已由其他方式录入本年度"),
                });
            } else {
                new_entries.push(entry);
            }
        }
        let rejected = |problems: Vec<RowProblem>| {
            LedgerError::Rejected(LedgerRejected {
                problems,
                omitted: 0,
            })
        };
        if !problems.is_empty() {
            return Err(rejected(problems));
        }
        let items: Vec<Item> = new_entries
            .iter()
            .map(|e| {
                Item::new(
                    e.payment.payment_id,
                    Command::RecordPayment(e.payment.clone().into()),
                )
            })
            .collect();
        let new_payments = items.len();
        let profile = self.profile(None).map_err(AppError::internal)?;
        let row_problems = |refused: Vec<(usize, DomainError)>| {
            rejected(
                refused
                    .into_iter()
                    .map(|(i, e)| RowProblem {
                        row: new_entries.get(i).map_or(0, |e| e.row),
                        column: None,
                        problem: e.to_string(),
                    })
                    .collect(),
            )
        };
        if dry_run || items.is_empty() {
            // Decide on a copy all the same, so a dry run reports what a real run would refuse.
            return match decide_all(&state, &items, &profile) {
                Ok(_) => Ok(LedgerImported {
                    new_payments,
                    skipped,
                    written: 0,
                }),
                Err(ImportError::Refused(refused)) => Err(row_problems(refused)),
                Err(ImportError::App(e)) => Err(e.into()),
            };
        }
        match self.import(stream, items, actor, &profile, progress) {
            Ok(imported) => Ok(LedgerImported {
                new_payments,
                skipped,
                written: imported.events,
            }),
            Err(ImportError::Refused(refused)) => Err(row_problems(refused)),
            Err(ImportError::App(e)) => Err(e.into()),
        }
    }
}

/// Decides `items` in order on a copy of `state`, each on the state the ones before it left:
/// their events with ids, or every refusal (index of the command, the rule broken).
pub(crate) fn decide_all(
    state: &jixiao_domain::aggregate::UnitYear,
    items: &[Item],
    profile: &ScoringProfile,
) -> Result<Vec<(Uuid, Event)>, ImportError> {
    let ctx = Context { profile };
    let mut trial = state.clone();
    let mut refused = Vec::new();
    let mut events = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match trial.handle(item.command.clone(), &ctx) {
            Ok(decided) => {
                for (k, e) in decided.into_iter().enumerate() {
                    trial.apply(&e);
                    events.push((derived_event_id(item.event_id, k), e));
                }
            }
            Err(e) => refused.push((i, e)),
        }
    }
    if refused.is_empty() {
        Ok(events)
    } else {
        Err(ImportError::Refused(refused))
    }
}
