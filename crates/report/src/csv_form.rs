//! The forms as CSV: UTF-8 with a BOM (Excel then reads the Chinese text correctly), the same
//! rows as the XLSX, each value in its own cell (a merged range's value in its top-left cell,
//! the covered cells empty), the form pages one after another separated by an empty row.

use crate::grid;
use jixiao_app::forms::FormData;

/// The UTF-8 byte order mark every CSV starts with.
pub const BOM: &str = "\u{feff}";

/// Renders every sheet of the form data as CSV bytes.
pub fn render(data: &FormData) -> Result<Vec<u8>, csv::Error> {
    let mut out = BOM.as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for (i, g) in grid::layout(data).iter().enumerate() {
            if i > 0 {
                w.write_record([""])?;
            }
            for row in &g.rows {
                w.write_record(row.iter().map(|cell| cell.value.display()))?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}
