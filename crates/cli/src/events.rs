//! `events export` / `events import`: the whole log as JSON Lines, with positions and hashes.
//!
//! Format (version 1): a header line `{"jixiao_events":1,"head_position":N,"head_hash":"…"}`
//! then one line per event in position order with every field that enters the hash chain
//! (position, unit, fiscal_year, stream_version, event_id, event_type, schema_version,
//! business_date, recorded_at, actor, request_id, payload — the stored JSON as a string, byte
//! for byte) and its `hash`.
//!
//! Invariants: export stops at the head read when it started (a consistent prefix even while the
//! service writes) and recomputes every hash from the exported fields, so a file it writes
//! always verifies. Import accepts only an empty database, checks the whole file's chain before
//! writing anything (exit 4 when broken, 3 when malformed), and after writing requires the
//! database's head to equal the file's. It takes the database's lock (`dblock.rs`): never
//! under a running server.

use crate::admin::{open_store, verify_store};
use crate::exit::{CliResult, Failure};
use crate::progress;
use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use jixiao_store::canonical::{CanonicalEvent, chain_hash};
use jixiao_store::model::MAX_EVENTS_PER_APPEND;
use jixiao_store::{EventMeta, ExpectedVersion, NewEvent, ReadFilter, StreamId};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use uuid::Uuid;

/// Format version written in the header.
pub const FORMAT_VERSION: u32 = 1;
/// Longest accepted line of an events file (a payload is at most 64 KiB of JSON).
pub const LINE_BYTES_MAX: usize = 256 * 1024;
/// Page size when reading the log for export.
const EXPORT_PAGE: usize = 1000;

/// The first line of an events file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    jixiao_events: u32,
    head_position: u64,
    head_hash: String,
}

/// One event line.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    position: u64,
    unit: String,
    fiscal_year: i32,
    stream_version: u64,
    event_id: Uuid,
    event_type: String,
    schema_version: u32,
    business_date: NaiveDate,
    recorded_at: String,
    actor: String,
    request_id: String,
    /// The stored payload JSON, as text: byte-exact, because it enters the hash.
    payload: String,
    hash: String,
}

/// The recorded-at text exactly as the store hashes it (fixed width, microseconds, `Z`).
fn recorded_at_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl Line {
    fn payload_text(&self) -> CliResult<String> {
        Ok(self.payload.clone())
    }

    /// The chain hash of this line given its predecessor's.
    fn chain(&self, prev: &[u8; 32]) -> CliResult<[u8; 32]> {
        let payload = self.payload_text()?;
        let business_date = self.business_date.to_string();
        Ok(chain_hash(
            prev,
            &CanonicalEvent {
                position: self.position,
                unit: &self.unit,
                fiscal_year: self.fiscal_year,
                stream_version: self.stream_version,
                event_id: self.event_id.as_bytes(),
                event_type: &self.event_type,
                schema_version: self.schema_version,
                business_date: &business_date,
                recorded_at: &self.recorded_at,
                actor: &self.actor,
                request_id: &self.request_id,
                payload: payload.as_bytes(),
            },
        ))
    }
}

/// `jixiao events export FILE` (`-` for stdout).
pub fn export(db: &Path, file: &Path) -> CliResult {
    let store = open_store(db)?;
    let head = store.head().context("无法读取头部 (cannot read head)")?;
    let mut out: Box<dyn Write> = if file.as_os_str() == "-" {
        Box::new(BufWriter::new(std::io::stdout().lock()))
    } else {
        if file.exists() {
            return Err(Failure::usage(format!(
                "目标文件已存在，不覆盖 (destination exists): {}",
                file.display()
            )));
        }
        Box::new(BufWriter::new(std::fs::File::create(file).with_context(
            || format!("无法创建 {} (cannot create)", file.display()),
        )?))
    };
    let header = Header {
        jixiao_events: FORMAT_VERSION,
        head_position: head.position,
        head_hash: head.hash_hex(),
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    let bar = progress::bar(head.position, "导出事件 (exporting events)");
    let mut prev = [0u8; 32];
    let mut from = 1;
    while from <= head.position {
        let page = store
            .read_all(from, EXPORT_PAGE, &ReadFilter::default())
            .context("读取日志失败 (read failed)")?;
        if page.events.is_empty() {
            break;
        }
        let last = page
            .events
            .last()
            .map_or(from, |e| e.position)
            .min(head.position);
        let payloads: std::collections::HashMap<u64, String> = store
            .stored_payloads(from, last)
            .context("读取日志失败 (read failed)")?
            .into_iter()
            .collect();
        for e in page
            .events
            .into_iter()
            .take_while(|e| e.position <= head.position)
        {
            let payload = payloads.get(&e.position).cloned().ok_or_else(|| {
                Failure::verification(format!(
                    "位置 {} 的事件在导出时缺失 (event missing)",
                    e.position
                ))
            })?;
            let line = Line {
                position: e.position,
                unit: e.stream.unit.clone(),
                fiscal_year: e.stream.fiscal_year,
                stream_version: e.stream_version,
                event_id: e.event_id,
                event_type: e.event_type.clone(),
                schema_version: e.stored_schema_version,
                business_date: e.business_date,
                recorded_at: recorded_at_text(e.recorded_at),
                actor: e.actor.clone(),
                request_id: e.request_id.clone(),
                payload,
                hash: hex::encode(e.hash),
            };
            let recomputed = line.chain(&prev)?;
            if recomputed != e.hash {
                // The stored row does not hash to its stored hash: the log was tampered with.
                return Err(Failure::verification(format!(
                    "位置 {} 的事件哈希不符，日志可能被改动，请运行 jixiao verify (hash mismatch at position {})",
                    e.position, e.position
                )));
            }
            prev = recomputed;
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            bar.set_position(e.position);
            from = e.position + 1;
        }
    }
    out.flush()?;
    bar.finish_and_clear();
    if file.as_os_str() != "-" {
        println!(
            "已导出 (exported) {} 个事件到 {}；头部位置 {}，哈希 {}",
            head.position,
            file.display(),
            head.position,
            head.hash_hex()
        );
    }
    Ok(())
}

/// `jixiao events import FILE`: into an empty database only.
pub fn import(db: &Path, file: &Path) -> CliResult {
    // An import into a database a server holds would interleave with the server's writes.
    let _lock = crate::admin::lock_database(db, "events import")?;
    let reader = BufReader::new(
        std::fs::File::open(file)
            .with_context(|| format!("无法打开 {} (cannot open)", file.display()))?,
    );
    let mut lines = reader.lines();
    let header_text = lines
        .next()
        .ok_or_else(|| Failure::validation("文件为空 (empty file)"))?
        .context("读取失败 (read failed)")?;
    let header: Header = serde_json::from_str(&header_text).map_err(|e| {
        Failure::validation(format!(
            "第1行不是 jixiao 事件文件头 (not a jixiao events header): {e}"
        ))
    })?;
    if header.jixiao_events != FORMAT_VERSION {
        return Err(Failure::validation(format!(
            "不支持的事件文件版本 {} (unsupported format version)",
            header.jixiao_events
        )));
    }

    // Pass 1: parse every line and check the chain, before anything is written.
    let mut events: Vec<Line> = Vec::new();
    let mut prev = [0u8; 32];
    for (i, text) in lines.enumerate() {
        let line_no = i + 2;
        let text = text.with_context(|| format!("第{line_no}行读取失败 (read failed)"))?;
        if text.trim().is_empty() {
            continue;
        }
        if text.len() > LINE_BYTES_MAX {
            return Err(Failure::validation(format!(
                "第{line_no}行超过 {LINE_BYTES_MAX} 字节 (line too long)"
            )));
        }
        let line: Line = serde_json::from_str(&text).map_err(|e| {
            Failure::validation(format!("第{line_no}行格式错误 (malformed line): {e}"))
        })?;
        let expected_position = events.len() as u64 + 1;
        if line.position != expected_position {
            return Err(Failure::verification(format!(
                "第{line_no}行位置为 {}，应为 {expected_position}（缺行或乱序） (gap or reorder)",
                line.position
            )));
        }
        let h = line.chain(&prev)?;
        if hex::encode(h) != line.hash {
            return Err(Failure::verification(format!(
                "第{line_no}行（位置 {}）哈希不符：文件被改动 (hash mismatch at position {})",
                line.position, line.position
            )));
        }
        prev = h;
        events.push(line);
    }
    let file_head_position = events.len() as u64;
    if file_head_position != header.head_position || hex::encode(prev) != header.head_hash {
        return Err(Failure::verification(format!(
            "文件头声明头部位置 {}、哈希 {}，实际为 {}、{}（文件不完整？） (header does not match the events)",
            header.head_position,
            header.head_hash,
            file_head_position,
            hex::encode(prev)
        )));
    }

    let store = open_store(db)?;
    let head = store.head().context("无法读取头部 (cannot read head)")?;
    if head.position != 0 {
        return Err(Failure::usage(format!(
            "只能导入到空数据库：{} 已有 {} 个事件 (database is not empty)",
            db.display(),
            head.position
        )));
    }

    // Pass 2: append in position order; runs of one stream go in one batch.
    let bar = progress::bar(file_head_position, "导入事件 (importing events)");
    let mut i = 0;
    while i < events.len() {
        let first = &events[i];
        let stream = StreamId::new(first.unit.clone(), first.fiscal_year);
        let mut batch = Vec::new();
        let mut j = i;
        while j < events.len()
            && batch.len() < MAX_EVENTS_PER_APPEND
            && events[j].unit == stream.unit
            && events[j].fiscal_year == stream.fiscal_year
        {
            let e = &events[j];
            let recorded_at = DateTime::parse_from_rfc3339(&e.recorded_at)
                .map_err(|err| {
                    Failure::validation(format!("位置 {} 的 recorded_at 无效: {err}", e.position))
                })?
                .with_timezone(&Utc);
            let meta = EventMeta {
                actor: e.actor.clone(),
                request_id: e.request_id.clone(),
                recorded_at: Some(recorded_at),
            };
            let ne = NewEvent::from_stored(
                e.event_id,
                &e.event_type,
                e.schema_version,
                &e.payload_text()?,
                meta,
            )
            .map_err(|err| Failure::validation(format!("位置 {} 的事件无效: {err}", e.position)))?;
            batch.push(ne);
            j += 1;
        }
        let expected = ExpectedVersion::Exact(first.stream_version.saturating_sub(1));
        store
            .append(stream, expected, batch)
            .with_context(|| format!("写入位置 {} 起的事件失败 (append failed)", first.position))?;
        bar.set_position(j as u64);
        i = j;
    }
    bar.finish_and_clear();

    let v = verify_store(&store)?;
    if v.position != header.head_position || v.hash_hex != header.head_hash {
        return Err(Failure::verification(format!(
            "导入后头部为位置 {}、哈希 {}，与文件的 {}、{} 不一致 (head after import differs from the file)",
            v.position, v.hash_hex, header.head_position, header.head_hash
        )));
    }
    println!(
        "已导入并校验 (imported and verified) {} 个事件；头部位置 {}，哈希 {}",
        v.events, v.position, v.hash_hex
    );
    Ok(())
}
