//! Reads on PostgreSQL, with the answers of the SQLite reads (`crate::read`, `crate::queries`,
//! `crate::evidence`): streams as known at a position or instant, the log paged and filtered,
//! the head, `verify`, the read-model queries and evidence files.

use super::{PgStore, head_of, load_head};
use crate::canonical::{CanonicalEvent, chain_hash};
use crate::error::StoreError;
use crate::evidence::{EvidenceBlob, sha256_of};
use crate::model::{
    Head, KnownAt, MAX_READ_LIMIT, MAX_SCAN_ROWS, Page, ReadFilter, RecordedEvent, StreamId,
    VerifyReport, format_recorded_at, parse_recorded_at,
};
use crate::projection::yuan;
use crate::queries::{AsOfMonths, ExecutionRow, MAX_QUERY_ROWS, UnitStatus, UnitSummary};
use crate::read::EVENT_COLUMNS;
use crate::upcast;
use crate::writer::{to_i64, to_u64};
use chrono::NaiveDate;
use jixiao_domain::evidence::{MediaType, Sha256Hex};
use jixiao_domain::money::Yuan;
use postgres::Row;
use postgres::types::ToSql;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Rows `verify` reads per query.
const VERIFY_CHUNK_ROWS: i32 = 10_000;
/// "Everything": a date after any business date.
const END_OF_TIME: &str = "9999-12-31";

/// A query parameter owned by the query being built.
type Param = Box<dyn ToSql + Sync>;

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// Decodes one row of [`EVENT_COLUMNS`], upcasting the payload.
fn decode_row(row: &Row) -> Result<RecordedEvent, StoreError> {
    let position = to_u64(row.get(0))?;
    let corrupt = |what: &str| StoreError::Decode {
        position,
        message: what.to_string(),
    };
    let event_id = Uuid::from_slice(row.get::<_, &[u8]>(4)).map_err(|_| corrupt("event_id"))?;
    let event_type: String = row.get(5);
    let schema_version = u32::try_from(row.get::<_, i32>(6)).map_err(|_| corrupt("schema"))?;
    let business_date: &str = row.get(7);
    let event = upcast::decode_text(&event_type, schema_version, row.get(8)).map_err(|e| {
        StoreError::Decode {
            position,
            message: e.to_string(),
        }
    })?;
    let hash: [u8; 32] = row
        .get::<_, &[u8]>(12)
        .try_into()
        .map_err(|_| corrupt("hash"))?;
    Ok(RecordedEvent {
        position,
        stream: StreamId {
            unit: row.get(1),
            fiscal_year: row.get(2),
        },
        stream_version: to_u64(row.get(3))?,
        event_id,
        event_type,
        stored_schema_version: schema_version,
        business_date: business_date
            .parse()
            .map_err(|_| corrupt("business_date"))?,
        recorded_at: parse_recorded_at(row.get(11))?,
        actor: row.get(9),
        request_id: row.get(10),
        event,
        hash,
    })
}

/// ` AND position <= $n` or ` AND recorded_at <= $n` for `known`.
fn known_at_clause(known: KnownAt, params: &mut Vec<Param>) -> Result<String, StoreError> {
    Ok(match known {
        KnownAt::Now => String::new(),
        KnownAt::Position(p) => {
            params.push(Box::new(to_i64(p)?));
            format!(" AND position <= ${}", params.len())
        }
        KnownAt::RecordedAt(t) => {
            params.push(Box::new(format_recorded_at(t)));
            format!(" AND recorded_at <= ${}", params.len())
        }
    })
}

impl PgStore {
    pub(crate) fn read_stream_page(
        &self,
        stream: &StreamId,
        after_version: u64,
        limit: usize,
        known: KnownAt,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut p: Vec<Param> = vec![
            Box::new(stream.unit.clone()),
            Box::new(stream.fiscal_year),
            Box::new(to_i64(after_version)?),
        ];
        let clause = known_at_clause(known, &mut p)?;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE unit = $1 AND fiscal_year = $2 AND stream_version > $3{clause}
             ORDER BY stream_version LIMIT {limit}"
        );
        self.with_client(|c| c.query(&sql, &refs(&p))?.iter().map(decode_row).collect())
    }

    pub(crate) fn read_all(
        &self,
        from: u64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Page, StoreError> {
        let scan_end = from.saturating_add(MAX_SCAN_ROWS as u64 - 1);
        let mut p: Vec<Param> = vec![Box::new(to_i64(from)?), Box::new(to_i64(scan_end)?)];
        let mut sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE position >= $1 AND position <= $2");
        if !filter.types.is_empty() {
            let types: Vec<String> = filter.types.iter().take(MAX_READ_LIMIT).cloned().collect();
            p.push(Box::new(types));
            sql.push_str(&format!(" AND event_type = ANY(${})", p.len()));
        }
        if let Some(d) = filter.from_date {
            p.push(Box::new(d.to_string()));
            sql.push_str(&format!(" AND business_date >= ${}", p.len()));
        }
        if let Some(d) = filter.to_date {
            p.push(Box::new(d.to_string()));
            sql.push_str(&format!(" AND business_date <= ${}", p.len()));
        }
        if let Some(s) = &filter.stream {
            p.push(Box::new(s.unit.clone()));
            p.push(Box::new(s.fiscal_year));
            sql.push_str(&format!(
                " AND unit = ${} AND fiscal_year = ${}",
                p.len() - 1,
                p.len()
            ));
        }
        sql.push_str(&format!(" ORDER BY position LIMIT {limit}"));
        self.with_client(|c| {
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let events = tx
                .query(&sql, &refs(&p))?
                .iter()
                .map(decode_row)
                .collect::<Result<Vec<_>, _>>()?;
            let head = load_head(&mut tx)?.position;
            tx.commit()?;
            let next = if events.len() == limit {
                events.last().map(|e| e.position + 1)
            } else {
                Some(scan_end + 1)
            };
            Ok(Page {
                events,
                next_position: next.filter(|n| *n <= head),
            })
        })
    }

    pub(crate) fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        self.with_client(|c| {
            let v: i64 = c
                .query_one(
                    "SELECT coalesce(max(stream_version), 0) FROM events WHERE unit = $1 AND fiscal_year = $2",
                    &[&stream.unit, &stream.fiscal_year],
                )?
                .get(0);
            to_u64(v)
        })
    }

    pub(crate) fn head(&self) -> Result<Head, StoreError> {
        self.with_client(load_head)
    }

    pub(crate) fn head_at(&self, known: KnownAt) -> Result<Head, StoreError> {
        let mut p: Vec<Param> = Vec::new();
        let clause = known_at_clause(known, &mut p)?;
        let sql = format!(
            "SELECT position, hash FROM events WHERE true{clause} ORDER BY position DESC LIMIT 1"
        );
        self.with_client(|c| match c.query_opt(&sql, &refs(&p))? {
            None => Ok(Head::EMPTY),
            Some(r) => head_of(r.get(0), r.get(1)),
        })
    }

    /// The read models' checkpoint once they have folded everything committed before the
    /// call (as on SQLite).
    pub(crate) fn read_model_checkpoint(&self) -> Result<u64, StoreError> {
        self.with_client(|c| {
            self.caught_up(c)?;
            super::projection::checkpoint(c)
        })
    }

    /// Walks the whole chain from position 1 (one snapshot), naming the first position that
    /// breaks it, as `Store::verify` does on SQLite. Walks the chain in one repeatable-read scan: this thread fetches the rows a chunk at a
    /// time from the scan's portal while another recomputes the hashes of the chunk before, so
    /// the database's reading and the hashing overlap.
    pub(crate) fn verify(&self) -> Result<VerifyReport, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY position");
        self.with_client(|c| {
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let scan = tx.bind(&sql, &[])?;
            let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<postgres::Row>>(2);
            let report = std::thread::scope(|s| {
                let hasher = s.spawn(move || check_chain(&received));
                let fetched = (|| {
                    loop {
                        let rows = tx.query_portal(&scan, VERIFY_CHUNK_ROWS)?;
                        // Empty: the end; a send refused: the hasher stopped at a broken link.
                        if rows.is_empty() || chunks.send(rows).is_err() {
                            return Ok::<_, StoreError>(());
                        }
                    }
                })();
                drop(chunks);
                let report = hasher
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                fetched.map(|()| report)
            })?;
            tx.commit()?;
            Ok(report)
        })
    }

    pub(crate) fn stored_payloads(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        self.with_client(|c| {
            c.query(
                "SELECT position, payload FROM events WHERE position >= $1 AND position <= $2 ORDER BY position",
                &[&to_i64(from)?, &to_i64(to)?],
            )?
            .iter()
            .map(|r| Ok((to_u64(r.get(0))?, r.get(1))))
            .collect()
        })
    }

    pub(crate) fn execution(
        &self,
        unit: &str,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<ExecutionRow>, StoreError> {
        let bound = as_of.map_or_else(|| END_OF_TIME.to_string(), |d| d.to_string());
        self.with_client(|c| {
            self.caught_up(c)?;
            let rows = c.query(
                "SELECT line_id, project_code, economic_code, function_code, month, sum(fen)::BIGINT FROM (
                     SELECT line_id, project_code, economic_code, function_code,
                            substr(paid_on, 1, 7) AS month, amount_fen AS fen
                     FROM rm_payment WHERE unit = $1 AND fiscal_year = $2 AND paid_on <= $3
                     UNION ALL
                     SELECT line_id, project_code, economic_code, function_code,
                            substr(reversed_on, 1, 7) AS month, -amount_fen AS fen
                     FROM rm_payment WHERE unit = $1 AND fiscal_year = $2 AND reversed_on <= $3) AS moves
                 GROUP BY line_id, project_code, economic_code, function_code, month
                 ORDER BY line_id, project_code, economic_code, function_code, month
                 LIMIT $4",
                &[&unit, &fiscal_year, &bound, &(MAX_QUERY_ROWS as i64 + 1)],
            )?;
            if rows.len() > MAX_QUERY_ROWS {
                return Err(StoreError::Limit {
                    what: "rows per query",
                    max: MAX_QUERY_ROWS as u64,
                });
            }
            Ok(rows
                .iter()
                .map(|r| {
                    let project: String = r.get(1);
                    ExecutionRow {
                        line_id: r.get(0),
                        project_code: (!project.is_empty()).then_some(project),
                        economic_code: r.get(2),
                        function_code: r.get(3),
                        month: r.get(4),
                        paid_yuan: yuan(r.get(5)),
                    }
                })
                .collect())
        })
    }

    pub(crate) fn unit_summaries(
        &self,
        fiscal_year: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<UnitSummary>, StoreError> {
        let blank = |unit: &str| UnitSummary {
            unit: unit.to_string(),
            unit_name: String::new(),
            department: String::new(),
            initial_yuan: Yuan::ZERO,
            adjusted_yuan: Yuan::ZERO,
            paid_yuan: Yuan::ZERO,
        };
        self.with_client(|c| {
            self.caught_up(c)?;
            // One snapshot for the three tables.
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut units: BTreeMap<String, UnitSummary> = BTreeMap::new();
            for r in tx.query(
                "SELECT unit, unit_name, department FROM rm_unit WHERE fiscal_year = $1",
                &[&fiscal_year],
            )? {
                let unit: String = r.get(0);
                let mut s = blank(&unit);
                s.unit_name = r.get(1);
                s.department = r.get(2);
                units.insert(unit, s);
            }
            // As on SQLite (`crate::queries::AsOfMonths`): whole months from `rm_unit_month`,
            // then the days of the as-of date's own month from the daily tables.
            let split = AsOfMonths::of(as_of);
            for r in tx.query(
                "SELECT unit, sum(initial_fen)::BIGINT,
                        sum(CASE WHEN month < $2 THEN adjust_fen + carry_fen ELSE 0 END)::BIGINT,
                        sum(CASE WHEN month < $2 THEN paid_fen ELSE 0 END)::BIGINT
                 FROM rm_unit_month WHERE fiscal_year = $1 GROUP BY unit",
                &[&fiscal_year, &split.month],
            )? {
                let unit: String = r.get(0);
                let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                let (initial, moved, paid): (i64, i64, i64) = (r.get(1), r.get(2), r.get(3));
                s.initial_yuan = yuan(initial);
                s.adjusted_yuan = yuan(initial + moved);
                s.paid_yuan = yuan(paid);
            }
            if let Some((first_day, bound)) = &split.days {
                // The days of the as-of date's own month: budget moves, then payments.
                for (sql, paid) in [
                    (
                        "SELECT unit, sum(adjust_fen + carry_fen)::BIGINT FROM rm_unit_budget_day
                         WHERE fiscal_year = $1 AND day >= $2 AND day <= $3 GROUP BY unit",
                        false,
                    ),
                    (
                        "SELECT unit, sum(paid_fen)::BIGINT FROM rm_unit_paid_day
                         WHERE fiscal_year = $1 AND day >= $2 AND day <= $3 GROUP BY unit",
                        true,
                    ),
                ] {
                    for r in tx.query(sql, &[&fiscal_year, first_day, bound])? {
                        let unit: String = r.get(0);
                        let s = units.entry(unit.clone()).or_insert_with(|| blank(&unit));
                        let amount = yuan(r.get(1));
                        if paid {
                            s.paid_yuan += amount;
                        } else {
                            s.adjusted_yuan += amount;
                        }
                    }
                }
            }
            tx.commit()?;
            if units.len() > MAX_QUERY_ROWS {
                return Err(StoreError::Limit {
                    what: "rows per query",
                    max: MAX_QUERY_ROWS as u64,
                });
            }
            Ok(units.into_values().collect())
        })
    }

    /// Rows of `rm_unit_status` for a year, or for one unit of it.
    pub(crate) fn unit_statuses(
        &self,
        fiscal_year: i32,
        unit: Option<&str>,
    ) -> Result<Vec<UnitStatus>, StoreError> {
        self.with_client(|c| {
            self.caught_up(c)?;
            let rows = c.query(
                "SELECT unit, review, closed, pending_requests FROM rm_unit_status
                 WHERE fiscal_year = $1 AND ($2::TEXT IS NULL OR unit = $2) LIMIT $3",
                &[&fiscal_year, &unit, &(MAX_QUERY_ROWS as i64 + 1)],
            )?;
            if rows.len() > MAX_QUERY_ROWS {
                return Err(StoreError::Limit {
                    what: "rows per query",
                    max: MAX_QUERY_ROWS as u64,
                });
            }
            Ok(rows
                .iter()
                .map(|r| UnitStatus {
                    unit: r.get(0),
                    review: r.get(1),
                    closed: r.get(2),
                    pending_requests: u64::try_from(r.get::<_, i64>(3)).unwrap_or(0),
                })
                .collect())
        })
    }

    pub(crate) fn put_evidence(
        &self,
        media_type: MediaType,
        bytes: &[u8],
        sha256: &Sha256Hex,
    ) -> Result<(), StoreError> {
        self.with_client(|c| {
            c.execute(
                "INSERT INTO evidence_blobs (sha256, media_type, size, content, stored_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
                &[
                    &sha256.as_str(),
                    &media_type.mime(),
                    &i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    &bytes,
                    &chrono::Utc::now().to_rfc3339(),
                ],
            )?;
            Ok(())
        })
    }

    pub(crate) fn evidence_blob(
        &self,
        sha256: &Sha256Hex,
    ) -> Result<Option<EvidenceBlob>, StoreError> {
        let row = self.with_client(|c| {
            Ok(c.query_opt(
                "SELECT media_type, content FROM evidence_blobs WHERE sha256 = $1",
                &[&sha256.as_str()],
            )?)
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (mime, bytes): (String, Vec<u8>) = (row.get(0), row.get(1));
        if &sha256_of(&bytes) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "佐证材料 {sha256} 的内容与其哈希不符 (evidence content does not match its hash)"
            )));
        }
        let media_type = MediaType::from_mime(&mime)
            .ok_or_else(|| StoreError::Corrupt(format!("佐证材料 {sha256} 的类型“{mime}”未知")))?;
        Ok(Some(EvidenceBlob { media_type, bytes }))
    }

    pub(crate) fn evidence_meta(
        &self,
        sha256: &Sha256Hex,
    ) -> Result<Option<(MediaType, u64)>, StoreError> {
        let row = self.with_client(|c| {
            Ok(c.query_opt(
                "SELECT media_type, size FROM evidence_blobs WHERE sha256 = $1",
                &[&sha256.as_str()],
            )?)
        })?;
        Ok(row.and_then(|r| {
            let (mime, size): (String, i64) = (r.get(0), r.get(1));
            Some((MediaType::from_mime(&mime)?, u64::try_from(size).ok()?))
        }))
    }
}

/// Recomputes the chain over the chunks of rows ([`EVENT_COLUMNS`], in position order) until
/// they end or a link is broken.
fn check_chain(chunks: &std::sync::mpsc::Receiver<Vec<postgres::Row>>) -> VerifyReport {
    let mut head = Head::EMPTY;
    let mut checked = 0u64;
    for rows in chunks {
        for row in &rows {
            let position: i64 = row.get(0);
            let expected_position = head.position + 1;
            let recomputed = u64::try_from(position).ok().and_then(|position| {
                Some(chain_hash(
                    &head.hash,
                    &CanonicalEvent {
                        position,
                        unit: row.get(1),
                        fiscal_year: row.get(2),
                        stream_version: u64::try_from(row.get::<_, i64>(3)).ok()?,
                        event_id: row.get(4),
                        event_type: row.get(5),
                        schema_version: u32::try_from(row.get::<_, i32>(6)).ok()?,
                        business_date: row.get(7),
                        recorded_at: row.get(11),
                        actor: row.get(9),
                        request_id: row.get(10),
                        payload: row.get::<_, &str>(8).as_bytes(),
                    },
                ))
            });
            let stored: &[u8] = row.get(12);
            let intact = u64::try_from(position) == Ok(expected_position)
                && recomputed.is_some_and(|h| h.as_slice() == stored);
            if !intact {
                let broken =
                    u64::try_from(position).map_or(expected_position, |p| expected_position.min(p));
                return VerifyReport {
                    events_checked: checked,
                    head,
                    first_broken: Some(broken),
                };
            }
            checked += 1;
            head = Head {
                position: expected_position,
                hash: recomputed.unwrap_or_default(),
            };
        }
    }
    VerifyReport {
        events_checked: checked,
        head,
        first_broken: None,
    }
}
