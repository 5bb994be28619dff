//! Reading a multipart form — the ledger import, the 复核 upload, a unit's budget import and
//! evidence — with one reader and its limits, so that every upload page refuses alike.

use actix_multipart::Multipart;
use futures_util::StreamExt;
use std::collections::HashMap;

/// The text fields of a form and its file (`file` part: its name and bytes).
pub(crate) type Form = (HashMap<String, String>, Option<(String, Vec<u8>)>);

/// The most parts a form may have.
const MAX_PARTS: usize = 8;

/// Reads every part of a multipart form: the file part `file` up to `max_file_bytes`, every
/// other part as text up to `max_field_bytes`; or why it could not be read, in Chinese.
pub(crate) async fn read_form(
    mut form: Multipart,
    max_file_bytes: usize,
    max_field_bytes: usize,
) -> Result<Form, String> {
    let mut fields = HashMap::new();
    let mut file = None;
    let mut parts = 0usize;
    while let Some(field) = form.next().await {
        parts += 1;
        if parts > MAX_PARTS {
            return Err("上传内容的字段过多".to_string());
        }
        let mut field = field.map_err(|e| format!("无法读取上传内容：{e}"))?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if file_name.is_some() {
            max_file_bytes
        } else {
            max_field_bytes
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("无法读取上传内容：{e}"))?;
            if bytes.len() + chunk.len() > limit {
                return Err(format!("文件过大：最多 {}", size_zh(max_file_bytes)));
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            Some(f) if name == "file" => file = Some((f, bytes)),
            _ => {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok((fields, file))
}

/// A size limit as people read it: whole MB when it is one, KB otherwise.
fn size_zh(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::size_zh;

    #[test]
    fn a_limit_reads_in_whole_megabytes_or_kilobytes() {
        assert_eq!(size_zh(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_zh(1536 * 1024), "1536 KB");
    }
}
