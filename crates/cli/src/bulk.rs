//! `jixiao bulk-load`: an operator's client of the running server's bulk route
//! (`POST /api/v1/years/{year}/bulk`). It reads an NDJSON file of commands (one
//! `{"unit", "event_id", "command", "data"}` a line), sends it in batches of `--batch` lines,
//! and resends a batch that failed in transit or got a 5xx (the route is idempotent by event
//! id, so a resent batch writes nothing twice). A batch the server refuses (400/422) stops the
//! load with each problem at its line of the file; the batches before it stay written, and
//! loading the same file again continues where it stopped. The token comes from
//! `JIXIAO_TOKEN` (never from the command line, where `ps` shows it).

use crate::cli::BulkLoadArgs;
use crate::exit::{CliResult, Failure};
use anyhow::{Context, anyhow};
use std::io::BufRead;
use std::time::Duration;

/// Environment variable holding the bearer token.
pub const TOKEN_ENV: &str = "JIXIAO_TOKEN";
/// Most lines per batch (the server's limit).
pub const MAX_BATCH_LINES: usize = jixiao_app::bulk::MAX_BULK_ITEMS;
/// Sends of one batch before giving up (the first and the retries).
pub const MAX_SENDS: u32 = 5;
/// Wait before the first resend; doubled for each next one.
const RESEND_WAIT: Duration = Duration::from_secs(1);
/// Per-request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// What one batch's answer says.
enum Sent {
    /// Written (or already recorded): events appended, commands replayed.
    Done { events: u64, replayed: u64 },
    /// Refused: nothing of the batch written; the problem's text with file lines.
    Refused(String),
}

/// Runs `bulk-load`.
pub fn run(args: &BulkLoadArgs) -> CliResult {
    if !(1..=MAX_BATCH_LINES).contains(&args.batch) {
        return Err(Failure::usage(format!(
            "--batch 须在 1 至 {MAX_BATCH_LINES} 之间 (batch out of range)"
        )));
    }
    jixiao_domain::input::parse_year(&args.year.to_string())
        .map_err(|e| Failure::usage(format!("--year 无效：{e}")))?;
    let token = std::env::var(TOKEN_ENV).map_err(|_| {
        Failure::usage(format!(
            "请在环境变量 {TOKEN_ENV} 中提供令牌 (set {TOKEN_ENV} to a bearer token)"
        ))
    })?;
    let url = format!(
        "{}/api/v1/years/{}/bulk",
        args.server.trim_end_matches('/'),
        args.year
    );
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("无法打开 {} (cannot open)", args.file.display()))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .into();
    let mut batch = String::new();
    let mut lines_in_batch = 0usize;
    let mut first_line = 1usize;
    let (mut events, mut replayed, mut batches) = (0u64, 0u64, 0u64);
    let mut flush = |batch: &mut String, lines: usize, first: usize| -> CliResult {
        if lines == 0 {
            return Ok(());
        }
        match send(&agent, &url, &token, batch, first)? {
            Sent::Done {
                events: e,
                replayed: r,
            } => {
                events += e;
                replayed += r;
                batches += 1;
                eprintln!(
                    "第 {first}–{} 行：写入 {e} 条事件，已有 {r} 条 (lines written)",
                    first + lines - 1
                );
                batch.clear();
                Ok(())
            }
            Sent::Refused(text) => Err(Failure::validation(format!(
                "第 {first}–{} 行这一批被拒绝，未写入 (batch refused; earlier batches stay written):\n{text}",
                first + lines - 1
            ))),
        }
    };
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("读取第 {} 行失败 (read)", i + 1))?;
        if lines_in_batch == 0 {
            first_line = i + 1;
        }
        batch.push_str(&line);
        batch.push('\n');
        lines_in_batch += 1;
        if lines_in_batch == args.batch {
            flush(&mut batch, lines_in_batch, first_line)?;
            lines_in_batch = 0;
        }
    }
    flush(&mut batch, lines_in_batch, first_line)?;
    println!("已导入：{batches} 批，写入 {events} 条事件，已有 {replayed} 条命令 (loaded)");
    Ok(())
}

/// Sends one batch, resending it after a transport failure or a 5xx.
fn send(agent: &ureq::Agent, url: &str, token: &str, body: &str, first: usize) -> CliResult<Sent> {
    let mut wait = RESEND_WAIT;
    let mut last = String::new();
    for attempt in 1..=MAX_SENDS {
        let result = agent
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/x-ndjson")
            .send(body.as_bytes());
        match result {
            Ok(mut res) => {
                let status = res.status().as_u16();
                let text = res.body_mut().read_to_string().unwrap_or_default();
                if status == 200 {
                    let v: serde_json::Value =
                        serde_json::from_str(&text).context("应答不是 JSON (answer)")?;
                    return Ok(Sent::Done {
                        events: v["events"].as_u64().unwrap_or(0),
                        replayed: v["replayed"].as_u64().unwrap_or(0),
                    });
                }
                if (400..500).contains(&status) {
                    return Ok(Sent::Refused(problem_text(status, &text, first)));
                }
                last = format!("HTTP {status}: {text}");
            }
            Err(e) => last = e.to_string(),
        }
        if attempt < MAX_SENDS {
            eprintln!(
                "第 {attempt} 次发送失败，{} 秒后重发：{last}",
                wait.as_secs()
            );
            std::thread::sleep(wait);
            wait *= 2;
        }
    }
    Err(Failure::from(anyhow!(
        "发送 {MAX_SENDS} 次仍失败 (gave up): {last}"
    )))
}

/// The problem's detail and every field error, batch lines (`line N`) shown as file lines.
fn problem_text(status: u16, text: &str, first: usize) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return format!("HTTP {status}: {text}");
    };
    let mut out = format!(
        "HTTP {status}: {}",
        v["detail"].as_str().unwrap_or_default()
    );
    for e in v["errors"].as_array().into_iter().flatten() {
        let field = e["field"].as_str().unwrap_or_default();
        let field = match field.strip_prefix("line ").and_then(|rest| {
            let (n, tail) = rest.split_once('.').unwrap_or((rest, ""));
            n.parse::<usize>().ok().map(|n| (n, tail))
        }) {
            Some((n, "")) => format!("第 {} 行", first + n - 1),
            Some((n, tail)) => format!("第 {} 行 {tail}", first + n - 1),
            None => field.to_string(),
        };
        out.push_str(&format!(
            "\n  {field}：{}",
            e["message_zh"].as_str().unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_line_of_the_file_not_of_the_batch() {
        let text = r#"{"detail":"1 条记录不符合规则","errors":[{"field":"line 3.paid_on","message_zh":"日期不在年度内","message_en":"x"},{"field":"body","message_zh":"太大","message_en":"y"}]}"#;
        let out = problem_text(422, text, 10_001);
        assert!(out.contains("第 10003 行 paid_on：日期不在年度内"), "{out}");
        assert!(out.contains("body：太大"), "{out}");
    }
}
