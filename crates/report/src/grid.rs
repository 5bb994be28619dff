//! The layout of every form, once: a grid of typed cells with merged ranges, column widths and
//! the rows to repeat on each printed page. The XLSX, HTML and CSV writers only render a grid,
//! so the three formats always hold the same rows and values.
//!
//! Amounts are 万元 with 2 decimals (`Yuan::wan_rounded`/`wan_display` of the domain), rates
//! percentages with 2 decimals, scores and weights 2 decimals; codes are text.

use jixiao_app::forms::{
    FormData, FundsRow, MonitoringSheet, PROJECT_TITLE, SelfEvaluationSheet, Sheet,
};
use jixiao_domain::Decimal;
use jixiao_domain::money::Yuan;

/// The text of a dash cell (the form prints "—" where a value does not apply).
pub const DASH: &str = "—";

/// Longest sheet name Excel accepts.
pub const SHEET_NAME_CHARS_MAX: usize = 31;

/// Width (in Excel character units) of the explanation column.
pub const EXPLANATION_COLUMN_WIDTH: u16 = 42;

/// Height of one printed text line, in points.
pub const LINE_HEIGHT_POINTS: u16 = 15;

/// Most text lines a row is made tall for (a longer text still wraps; the row stops growing).
pub const ROW_LINES_MAX: u16 = 20;

/// A cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Nothing.
    Blank,
    /// Text (codes included: never a number).
    Text(String),
    /// An amount, printed in 万元 with 2 decimals.
    Wan(Yuan),
    /// A percentage (89.70 means 89.70%), 2 decimals.
    Percent(Decimal),
    /// A score or weight, 2 decimals.
    Number(Decimal),
    /// "—".
    Dash,
}

impl Value {
    /// The value as the HTML and CSV forms print it.
    pub fn display(&self) -> String {
        match self {
            Value::Blank => String::new(),
            Value::Text(t) => t.clone(),
            Value::Wan(y) => y.wan_display(),
            Value::Percent(p) => format!("{p:.2}%"),
            Value::Number(n) => format!("{n:.2}"),
            Value::Dash => DASH.to_string(),
        }
    }

    fn text(t: impl Into<String>) -> Value {
        Value::Text(t.into())
    }

    fn opt_percent(p: Option<Decimal>) -> Value {
        p.map_or(Value::Dash, Value::Percent)
    }
}

/// How a cell looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The form's title (large, bold, centred, no border).
    Title,
    /// Lines under the title (centred, no border).
    Subtitle,
    /// A field label or column heading (bold, centred, shaded, bordered).
    Header,
    /// A value (bordered; text left, numbers right).
    Body,
    /// A long text (bordered, wrapped, top-left).
    Wrap,
    /// A note under the form (wrapped, no border).
    Note,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Its value.
    pub value: Value,
    /// Its look.
    pub style: Style,
}

/// A merged range, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// First row.
    pub first_row: u32,
    /// First column.
    pub first_col: u16,
    /// Last row.
    pub last_row: u32,
    /// Last column.
    pub last_col: u16,
}

impl Merge {
    /// Whether (row, col) lies inside the range but is not its top-left cell.
    pub fn covers(&self, row: u32, col: u16) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
            && (row, col) != (self.first_row, self.first_col)
    }
}

/// One form page laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The sheet's name in a workbook (unique, at most 31 characters).
    pub sheet_name: String,
    /// The form's title.
    pub title: String,
    /// Column widths in Excel character units.
    pub widths: Vec<u16>,
    /// Rows, each exactly `widths.len()` cells.
    pub rows: Vec<Vec<Cell>>,
    /// Merged ranges.
    pub merges: Vec<Merge>,
    /// Rows repeated at the top of each printed page (first, last).
    pub repeat_rows: (u32, u32),
    /// Print landscape.
    pub landscape: bool,
}

impl Grid {
    fn new(title: &str, widths: Vec<u16>, landscape: bool) -> Grid {
        Grid {
            sheet_name: String::new(),
            title: title.to_string(),
            widths,
            rows: Vec::new(),
            merges: Vec::new(),
            repeat_rows: (0, 1),
            landscape,
        }
    }

    fn cols(&self) -> u16 {
        self.widths.len() as u16
    }

    /// Appends a row of `(span, value, style)` cells filling the width; returns its index.
    fn row(&mut self, cells: Vec<(u16, Value, Style)>) -> u32 {
        let r = self.rows.len() as u32;
        let mut row = Vec::with_capacity(self.widths.len());
        let mut col = 0u16;
        for (span, value, style) in cells {
            let span = span.max(1);
            if span > 1 {
                self.merges.push(Merge {
                    first_row: r,
                    first_col: col,
                    last_row: r,
                    last_col: col + span - 1,
                });
            }
            row.push(Cell { value, style });
            for _ in 1..span {
                row.push(Cell {
                    value: Value::Blank,
                    style,
                });
            }
            col += span;
        }
        debug_assert_eq!(col, self.cols(), "a row must fill the form's width");
        self.rows.push(row);
        r
    }

    fn full(&mut self, value: Value, style: Style) -> u32 {
        let cols = self.cols();
        self.row(vec![(cols, value, style)])
    }

    /// Merges equal values of `col` over consecutive rows `first..=last` (the 一级/二级 cells).
    fn merge_down(&mut self, col: u16, first: u32, last: u32, within: Option<u16>) {
        let mut start = first;
        while start <= last {
            let key = |g: &Grid, r: u32| {
                let c = |c: u16| g.rows[r as usize][c as usize].value.clone();
                (c(col), within.map(c))
            };
            let mut end = start;
            while end < last && key(self, end + 1) == key(self, start) {
                end += 1;
            }
            if end > start {
                for r in start + 1..=end {
                    self.rows[r as usize][col as usize].value = Value::Blank;
                }
                self.merges.push(Merge {
                    first_row: start,
                    first_col: col,
                    last_row: end,
                    last_col: col,
                });
            }
            start = end + 1;
        }
    }

    /// The height a row needs for its wrapped text, in lines (1 when nothing wraps).
    pub fn row_lines(&self, r: u32) -> u16 {
        let mut lines = 1u16;
        for (c, cell) in self.rows[r as usize].iter().enumerate() {
            let c = c as u16;
            if !matches!(cell.style, Style::Wrap | Style::Note | Style::Body) {
                continue;
            }
            if self.merges.iter().any(|m| m.covers(r, c)) {
                continue;
            }
            let span_last = self
                .merges
                .iter()
                .find(|m| m.first_row == r && m.first_col == c && m.last_row == r)
                .map_or(c, |m| m.last_col);
            let width: u32 = (c..=span_last)
                .map(|i| u32::from(self.widths[i as usize]))
                .sum();
            let text = cell.value.display();
            // A CJK character takes two units of width, a Latin one.
            let units: u32 = text
                .chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum();
            let needed = units.div_ceil(width.saturating_sub(1).max(1));
            lines = lines.max(needed.min(u32::from(ROW_LINES_MAX)) as u16);
        }
        lines
    }
}

fn header(t: &str) -> (u16, Value, Style) {
    (1, Value::text(t), Style::Header)
}

fn provenance(data: &FormData) -> String {
    format!(
        "评分方案：{} v{}　数据截至（as_of）：{}　依据日志（known_at）：位置 {}，哈希 {}",
        data.profile_id, data.profile_version, data.as_of, data.head_position, data.head_hash
    )
}

fn sign_line() -> Value {
    Value::text("填表人：　　　　　　　联系电话：　　　　　　　填报日期：")
}

/// Lays out every sheet of a form's data, with unique sheet names.
pub fn layout(data: &FormData) -> Vec<Grid> {
    let mut grids: Vec<Grid> = data
        .sheets
        .iter()
        .map(|s| match s {
            Sheet::SelfEvaluation(sheet) => self_evaluation(data, sheet),
            Sheet::Monitoring(sheet) => monitoring(data, sheet),
        })
        .collect();
    let mut used: Vec<String> = Vec::new();
    for (i, g) in grids.iter_mut().enumerate() {
        let base = sheet_name(&data.sheets[i], i);
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            let suffix = format!("({n})");
            let keep = SHEET_NAME_CHARS_MAX - suffix.chars().count();
            name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
            n += 1;
        }
        used.push(name.clone());
        g.sheet_name = name;
    }
    grids
}

fn sheet_name(sheet: &Sheet, index: usize) -> String {
    let raw = match sheet {
        Sheet::SelfEvaluation(s) if s.project_code.is_none() => "部门整体自评".to_string(),
        Sheet::SelfEvaluation(s) => format!("项目自评{index}-{}", s.name),
        Sheet::Monitoring(s) if s.project_code.is_none() => "部门整体监控".to_string(),
        Sheet::Monitoring(s) => format!("项目监控{index}-{}", s.name),
    };
    raw.chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
        .take(SHEET_NAME_CHARS_MAX)
        .collect()
}

/// Columns of the self-evaluation forms: 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分,
/// 偏差原因分析及改进措施, 系统提示.
const SELF_EVALUATION_WIDTHS: [u16; 9] = [10, 12, 20, 12, 12, 9, 9, EXPLANATION_COLUMN_WIDTH, 16];

fn funds_row(g: &mut Grid, f: &FundsRow) {
    let wan = |y: Option<Yuan>| y.map_or(Value::Blank, Value::Wan);
    let or_dash = |d: Option<Decimal>| d.map_or(Value::Dash, Value::Number);
    let rate = if f.executed_yuan.is_none() {
        Value::Blank
    } else {
        Value::opt_percent(f.rate_percent)
    };
    g.row(vec![
        (3, Value::text(&f.label), Style::Body),
        (1, wan(f.initial_yuan), Style::Body),
        (1, wan(f.adjusted_yuan), Style::Body),
        (1, wan(f.executed_yuan), Style::Body),
        (1, or_dash(f.weight), Style::Body),
        (1, rate, Style::Body),
        (1, or_dash(f.score), Style::Body),
    ]);
}

fn self_evaluation(data: &FormData, s: &SelfEvaluationSheet) -> Grid {
    let project = s.title == PROJECT_TITLE;
    let mut g = Grid::new(&s.title, SELF_EVALUATION_WIDTHS.to_vec(), false);
    g.full(Value::text(&s.title), Style::Title);
    g.full(
        Value::text(format!("（{}年度）　金额单位：万元", data.fiscal_year)),
        Style::Subtitle,
    );
    if project {
        g.row(vec![
            header("项目名称"),
            (3, Value::text(&s.name), Style::Body),
            header("项目编码"),
            (
                4,
                Value::text(s.project_code.clone().unwrap_or_default()),
                Style::Body,
            ),
        ]);
        g.row(vec![
            header("主管部门"),
            (3, Value::text(&data.department), Style::Body),
            header("实施单位"),
            (4, Value::text(&data.unit_name), Style::Body),
        ]);
    } else {
        g.row(vec![
            header("单位名称"),
            (3, Value::text(&data.unit_name), Style::Body),
            header("单位编码"),
            (4, Value::text(&data.unit_code), Style::Body),
        ]);
        g.row(vec![
            header("主管部门"),
            (8, Value::text(&data.department), Style::Body),
        ]);
    }
    g.row(vec![
        (3, Value::text("资金（万元）"), Style::Header),
        header("年初预算数"),
        header("全年预算数"),
        header("全年执行数"),
        header("分值"),
        header("执行率"),
        header("得分"),
    ]);
    for f in &s.funds {
        funds_row(&mut g, f);
    }
    g.row(vec![
        (3, Value::text("执行率偏低原因说明"), Style::Header),
        (
            6,
            Value::text(s.execution_explanation.clone().unwrap_or_default()),
            Style::Wrap,
        ),
    ]);
    if !s.annual_tasks.is_empty() {
        g.row(vec![
            (3, Value::text("年度主要任务"), Style::Header),
            (6, Value::text("主要内容"), Style::Header),
        ]);
        for t in &s.annual_tasks {
            g.row(vec![
                (3, Value::text(&t.name), Style::Wrap),
                (6, Value::text(&t.content), Style::Wrap),
            ]);
        }
    }
    let goal_head = g.row(vec![
        header("年度总体目标"),
        (4, Value::text("预期目标"), Style::Header),
        (4, Value::text("实际完成情况"), Style::Header),
    ]);
    g.row(vec![
        (1, Value::Blank, Style::Header),
        (4, Value::text(&s.overall_goal), Style::Wrap),
        (4, Value::text(&s.overall_result), Style::Wrap),
    ]);
    g.merges.push(Merge {
        first_row: goal_head,
        first_col: 0,
        last_row: goal_head + 1,
        last_col: 0,
    });
    g.row(vec![
        header("一级指标"),
        header("二级指标"),
        header("三级指标"),
        header("年度指标值"),
        header("实际完成值"),
        header("分值"),
        header("得分"),
        header("偏差原因分析及改进措施"),
        header("系统提示"),
    ]);
    let first = g.rows.len() as u32;
    for i in &s.indicators {
        g.row(vec![
            (1, Value::text(&i.level1), Style::Body),
            (1, Value::text(&i.level2), Style::Body),
            (1, Value::text(&i.name), Style::Wrap),
            (1, Value::text(&i.target_text), Style::Body),
            (1, Value::text(&i.actual_text), Style::Body),
            (1, Value::Number(i.weight), Style::Body),
            (1, Value::Number(i.score), Style::Body),
            (1, Value::text(&i.explanation), Style::Wrap),
            (1, Value::text(&i.flags), Style::Wrap),
        ]);
    }
    if let Some(last) = (g.rows.len() as u32).checked_sub(1)
        && last >= first
    {
        g.merge_down(1, first, last, Some(0));
        g.merge_down(0, first, last, None);
    }
    g.row(vec![
        (5, Value::text("总分"), Style::Header),
        (1, Value::Number(Decimal::ONE_HUNDRED), Style::Body),
        (1, Value::Number(s.total), Style::Body),
        (
            1,
            Value::text(format!("自评等级：{}", s.grade)),
            Style::Body,
        ),
        (1, Value::Blank, Style::Body),
    ]);
    for note in &s.notes {
        g.full(Value::text(note), Style::Note);
    }
    g.full(Value::text(provenance(data)), Style::Note);
    g.full(sign_line(), Style::Note);
    g
}

/// Columns of the monitoring form: 一级, 二级, 三级, 年度指标值, 执行情况, 全年预计, 偏差原因,
/// 完成目标可能性, 原因说明, 系统提示.
const MONITORING_WIDTHS: [u16; 10] = [10, 12, 20, 12, 12, 12, 12, 12, EXPLANATION_COLUMN_WIDTH, 14];

fn monitoring(data: &FormData, s: &MonitoringSheet) -> Grid {
    let mut g = Grid::new(&s.title, MONITORING_WIDTHS.to_vec(), true);
    g.full(
        Value::text(format!("{}（{}）", s.title, s.period_label)),
        Style::Title,
    );
    g.full(
        Value::text(format!(
            "（{}年度）　序时进度：{:.2}%　金额单位：万元{}",
            data.fiscal_year,
            s.schedule_progress_percent,
            s.filed_on
                .map(|d| format!("　报送日期：{d}"))
                .unwrap_or_else(|| "　（草稿，未报送）".to_string())
        )),
        Style::Subtitle,
    );
    let (label, code_label, code) = match &s.project_code {
        Some(code) => ("项目名称", "项目编码", code.clone()),
        None => ("单位名称", "单位编码", data.unit_code.clone()),
    };
    g.row(vec![
        header(label),
        (3, Value::text(&s.name), Style::Body),
        header(code_label),
        (5, Value::text(code), Style::Body),
    ]);
    g.row(vec![
        header("主管部门"),
        (3, Value::text(&data.department), Style::Body),
        header("实施单位"),
        (5, Value::text(&data.unit_name), Style::Body),
    ]);
    let executed = format!("{}执行数", s.period_label);
    g.row(vec![
        (3, Value::text("资金（万元）"), Style::Header),
        header("年初预算数"),
        header("全年预算数"),
        header(&executed),
        header("执行率"),
        header("全年预计执行数"),
        header("预计执行率"),
        header("预警"),
    ]);
    let f = &s.funds;
    g.row(vec![
        (3, Value::text("年度资金总额"), Style::Body),
        (1, Value::Wan(f.initial_yuan), Style::Body),
        (1, Value::Wan(f.adjusted_yuan), Style::Body),
        (1, Value::Wan(f.spent_yuan), Style::Body),
        (1, Value::opt_percent(f.rate_percent), Style::Body),
        (1, Value::Wan(f.forecast_yuan), Style::Body),
        (1, Value::opt_percent(f.forecast_rate_percent), Style::Body),
        (1, Value::text(&f.warning), Style::Body),
    ]);
    g.row(vec![
        header("一级指标"),
        header("二级指标"),
        header("三级指标"),
        header("年度指标值"),
        header(&format!("{}执行情况", s.period_label)),
        header("全年预计完成情况"),
        header("偏差原因"),
        header("完成目标可能性"),
        header("原因说明"),
        header("系统提示"),
    ]);
    let first = g.rows.len() as u32;
    for r in &s.rows {
        g.row(vec![
            (1, Value::text(&r.level1), Style::Body),
            (1, Value::text(&r.level2), Style::Body),
            (1, Value::text(&r.name), Style::Wrap),
            (1, Value::text(&r.target_text), Style::Body),
            (1, Value::text(&r.value_so_far), Style::Body),
            (1, Value::text(&r.expected_full_year), Style::Body),
            (1, Value::text(&r.deviation_cause), Style::Body),
            (1, Value::text(&r.likelihood), Style::Body),
            (1, Value::text(&r.explanation), Style::Wrap),
            (1, Value::text(&r.flags), Style::Wrap),
        ]);
    }
    if let Some(last) = (g.rows.len() as u32).checked_sub(1)
        && last >= first
    {
        g.merge_down(1, first, last, Some(0));
        g.merge_down(0, first, last, None);
    }
    for note in &s.notes {
        g.full(Value::text(note), Style::Note);
    }
    g.full(Value::text(provenance(data)), Style::Note);
    g.full(sign_line(), Style::Note);
    g
}
