//! The finance bureau's views over all units, computed once for every front end: the table of
//! units (filtered by 主管部门, colour and a name search, sorted by any column, paged — the
//! one function behind both `GET /api/v1/units` and the bureau's page), each shown row's
//! lagging items and year-end workflow state, and the approvals inbox (pending adjustment
//! requests and submitted self-evaluations of every unit, in one list).
//!
//! Filtering and sorting run over the read models' unit rows (one query for the year); the
//! per-unit details (lagging items, workflow) load only the unit-years of the page shown, so a
//! page costs at most [`MAX_UNITS_PAGE`] unit-year reads.

use crate::App;
use crate::error::{AppError, FieldError};
use crate::read::{UnitLagging, UnitRow};
use chrono::NaiveDate;
use jixiao_domain::aggregate::{RequestStatus, Workflow};
use jixiao_domain::indicator::Scope;
use jixiao_domain::monitoring::Colour;
use jixiao_domain::profile::ScoringProfile;
use jixiao_store::{KnownAt, StreamId};
use std::cmp::Ordering;
use uuid::Uuid;

/// Most units one page of the table holds.
pub const MAX_UNITS_PAGE: usize = 500;
/// Units per page when the caller names no limit.
pub const DEFAULT_UNITS_PAGE: usize = 100;
/// Longest name search, in characters.
pub const MAX_SEARCH_CHARS: usize = 64;
/// Most threads that read one page's unit details at once.
pub const DETAIL_THREADS: usize = 4;
/// Most items the approvals inbox lists (the oldest first).
pub const MAX_INBOX_ITEMS: usize = 1_000;

/// The colours in the order a table shows them (lagging first).
pub const COLOURS: [Colour; 5] = [
    Colour::Red,
    Colour::Yellow,
    Colour::Green,
    Colour::Blue,
    Colour::Grey,
];

/// A column the units table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSort {
    /// 单位代码.
    Unit,
    /// 单位名称.
    Name,
    /// 主管部门, then 单位代码.
    Department,
    /// 全年预算.
    Budget,
    /// 已支付.
    Paid,
    /// 执行率 (units without a budget first).
    Rate,
    /// v = 执行率 / 序时进度 (lagging first).
    V,
    /// Colour, lagging first (红, 黄, 绿, 蓝, 灰).
    Colour,
}

impl UnitSort {
    /// Every column, with its query name.
    pub const ALL: [(UnitSort, &'static str); 8] = [
        (UnitSort::Unit, "unit"),
        (UnitSort::Name, "name"),
        (UnitSort::Department, "department"),
        (UnitSort::Budget, "budget"),
        (UnitSort::Paid, "paid"),
        (UnitSort::Rate, "rate"),
        (UnitSort::V, "v"),
        (UnitSort::Colour, "colour"),
    ];

    /// The query name (`unit`, `rate`, …).
    pub fn as_str(self) -> &'static str {
        UnitSort::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n)
            .unwrap_or("unit")
    }

    /// Reads `rate` (ascending) or `-rate` (descending); a 400-kind error naming `sort`
    /// otherwise.
    pub fn parse(text: &str) -> Result<(UnitSort, bool), AppError> {
        let (name, descending) = match text.strip_prefix('-') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        UnitSort::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| (*s, descending))
            .ok_or_else(|| {
                let names: Vec<&str> = UnitSort::ALL.iter().map(|(_, n)| *n).collect();
                AppError::invalid(
                    "invalid_query",
                    format!(
                        "排序“{text}”无效，应为 {}（前加“-”为降序）(unknown sort)",
                        names.join("、")
                    ),
                    vec![FieldError::new(
                        "sort",
                        format!("应为 {}，前加“-”为降序", names.join("、")),
                        "unknown sort column",
                    )],
                )
            })
    }
}

/// Reads a colour's English name (`red`, …); a 400-kind error naming `colour` otherwise.
pub fn parse_colour(text: &str) -> Result<Colour, AppError> {
    COLOURS
        .into_iter()
        .find(|c| c.name_en() == text)
        .ok_or_else(|| {
            AppError::invalid(
                "invalid_query",
                format!(
                    "预警颜色“{text}”无效，应为 red、yellow、green、blue 或 grey (unknown colour)"
                ),
                vec![FieldError::new(
                    "colour",
                    "应为 red、yellow、green、blue 或 grey",
                    "unknown colour",
                )],
            )
        })
}

/// Which units, in which order, which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitQuery {
    /// Only units of this 主管部门.
    pub department: Option<String>,
    /// Only units of this colour.
    pub colour: Option<Colour>,
    /// Only units whose code or name contains this text.
    pub search: Option<String>,
    /// Only this unit (staff and unit heads see their own).
    pub only_unit: Option<String>,
    /// Sort column.
    pub sort: UnitSort,
    /// Largest first.
    pub descending: bool,
    /// Units skipped.
    pub offset: usize,
    /// Page size, 1..=[`MAX_UNITS_PAGE`].
    pub limit: usize,
}

impl Default for UnitQuery {
    fn default() -> Self {
        UnitQuery {
            department: None,
            colour: None,
            search: None,
            only_unit: None,
            sort: UnitSort::Unit,
            descending: false,
            offset: 0,
            limit: DEFAULT_UNITS_PAGE,
        }
    }
}

impl UnitQuery {
    /// Checks the page size and the search's length (400-kind errors naming the field).
    pub fn checked(self) -> Result<Self, AppError> {
        if !(1..=MAX_UNITS_PAGE).contains(&self.limit) {
            return Err(AppError::invalid(
                "invalid_query",
                format!(
                    "limit 须在 1 至 {MAX_UNITS_PAGE} 之间，收到 {} (page size out of range)",
                    self.limit
                ),
                vec![FieldError::new(
                    "limit",
                    format!("须在 1 至 {MAX_UNITS_PAGE} 之间"),
                    "page size out of range",
                )],
            ));
        }
        if let Some(s) = &self.search
            && s.chars().count() > MAX_SEARCH_CHARS
        {
            return Err(AppError::invalid(
                "invalid_query",
                format!("搜索内容不能超过 {MAX_SEARCH_CHARS} 个字符 (search too long)"),
                vec![FieldError::new(
                    "q",
                    format!("不能超过 {MAX_SEARCH_CHARS} 个字符"),
                    "search too long",
                )],
            ));
        }
        Ok(self)
    }
}

/// One page of the units table.
#[derive(Debug, Clone)]
pub struct UnitTable {
    /// The units of the page, in order.
    pub rows: Vec<UnitRow>,
    /// Units matching the filters (before paging).
    pub total: usize,
    /// Every 主管部门 of the year (for the filter), sorted.
    pub departments: Vec<String>,
    /// Units matching the filters by colour, in [`COLOURS`] order.
    pub by_colour: Vec<(Colour, usize)>,
    /// The 执行率 of every unit matching the filters with its colour (for the distribution
    /// chart; None: no budget).
    pub rates: Vec<(Option<rust_decimal::Decimal>, Colour)>,
}

/// The details of one unit shown in the bureau's table.
#[derive(Debug, Clone)]
pub struct UnitDetails {
    /// Lagging projects and indicators.
    pub lagging: UnitLagging,
    /// Where the year-end workflow stands.
    pub workflow: Workflow,
}

/// What an inbox item asks the bureau to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxKind {
    /// A pending 预算调整 request: approve or reject.
    BudgetAdjustment,
    /// A pending 绩效目标调整 request: approve or reject.
    TargetAdjustment,
    /// A submitted (已上报) self-evaluation: approve or return.
    SelfEvaluation,
}

impl InboxKind {
    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            InboxKind::BudgetAdjustment => "预算调整申请",
            InboxKind::TargetAdjustment => "绩效目标调整申请",
            InboxKind::SelfEvaluation => "绩效自评（已上报）",
        }
    }
}

/// One item waiting for the finance bureau.
#[derive(Debug, Clone)]
pub struct InboxItem {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub unit_name: String,
    /// What is asked.
    pub kind: InboxKind,
    /// The request (None for a self-evaluation).
    pub request_id: Option<Uuid>,
    /// What changes ("支出科目 …：+5000.00 元", "indicator → ≥20人"), or the score.
    pub what: String,
    /// The unit's reason.
    pub reason: String,
    /// Requested or submitted on.
    pub date: NaiveDate,
}

fn text_cmp(a: &str, b: &str) -> Ordering {
    a.cmp(b)
}

fn lag_rank(c: Colour) -> usize {
    COLOURS
        .iter()
        .position(|x| *x == c)
        .unwrap_or(COLOURS.len())
}

fn compare(sort: UnitSort, a: &UnitRow, b: &UnitRow) -> Ordering {
    let (sa, sb) = (&a.summary, &b.summary);
    let by = match sort {
        UnitSort::Unit => Ordering::Equal,
        UnitSort::Name => text_cmp(&sa.unit_name, &sb.unit_name),
        UnitSort::Department => text_cmp(&sa.department, &sb.department),
        UnitSort::Budget => sa.adjusted_yuan.cmp(&sb.adjusted_yuan),
        UnitSort::Paid => sa.paid_yuan.cmp(&sb.paid_yuan),
        UnitSort::Rate => a.warning.rate_percent.cmp(&b.warning.rate_percent),
        UnitSort::V => a.warning.v.cmp(&b.warning.v),
        UnitSort::Colour => lag_rank(a.warning.colour).cmp(&lag_rank(b.warning.colour)),
    };
    by.then_with(|| text_cmp(&sa.unit, &sb.unit))
}

/// The workflow state a folded status row stands for (closed wins, as in the aggregate).
pub fn workflow_of(status: &jixiao_store::UnitStatus) -> Workflow {
    if status.closed {
        return Workflow::Closed;
    }
    [
        Workflow::Draft,
        Workflow::Submitted,
        Workflow::Returned,
        Workflow::Approved,
    ]
    .into_iter()
    .find(|w| w.code() == status.review)
    .unwrap_or_default()
}

/// Filters, sorts and pages `rows` (the pure part of [`App::unit_table`]).
pub fn table_of(rows: Vec<UnitRow>, query: &UnitQuery) -> UnitTable {
    let mut departments: Vec<String> = rows.iter().map(|r| r.summary.department.clone()).collect();
    departments.sort();
    departments.dedup();
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut rows: Vec<UnitRow> = rows
        .into_iter()
        .filter(|r| {
            query
                .only_unit
                .as_deref()
                .is_none_or(|u| r.summary.unit == u)
        })
        .filter(|r| {
            query
                .department
                .as_deref()
                .is_none_or(|d| r.summary.department == d)
        })
        .filter(|r| query.colour.is_none_or(|c| r.warning.colour == c))
        .filter(|r| {
            search.is_none_or(|s| r.summary.unit.contains(s) || r.summary.unit_name.contains(s))
        })
        .collect();
    rows.sort_by(|a, b| {
        let o = compare(query.sort, a, b);
        if query.descending { o.reverse() } else { o }
    });
    let by_colour = COLOURS
        .into_iter()
        .map(|c| (c, rows.iter().filter(|r| r.warning.colour == c).count()))
        .collect();
    let rates = rows
        .iter()
        .map(|r| (r.warning.rate_percent, r.warning.colour))
        .collect();
    let total = rows.len();
    let rows = rows
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .collect();
    UnitTable {
        rows,
        total,
        departments,
        by_colour,
        rates,
    }
}

impl App {
    /// The units of a year, filtered, sorted and paged as `query` says, with the total that
    /// matched: the one function behind `GET /api/v1/units` and the bureau's table.
    pub fn unit_table(
        &self,
        year: i32,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
        query: UnitQuery,
    ) -> Result<UnitTable, AppError> {
        let query = query.checked()?;
        let rows = self.unit_rows(year, as_of, profile)?;
        Ok(table_of(rows, &query))
    }

    /// A unit's lagging items and workflow state, for its row in the bureau's table. The
    /// workflow comes from the per-unit status the store folds as events arrive
    /// (`rm_unit_status`); the lagging items need the unit's indicators, so its aggregate
    /// ([`App::with_state_now`]: the cached year, or a replay on the side that is not cached).
    pub fn unit_details(
        &self,
        stream: &StreamId,
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Result<UnitDetails, AppError> {
        let lagging = self.lagging(stream, as_of, profile)?;
        let workflow = match self.store().unit_status(stream.fiscal_year, &stream.unit)? {
            Some(status) => workflow_of(&status),
            None => self.with_state_now(stream, |state| Ok(state.workflow()))?,
        };
        Ok(UnitDetails { lagging, workflow })
    }

    /// The details of several units (the rows of one page), in order; `None` where a unit's
    /// details cannot be read. Each needs its unit-year, a replay of its events from the log
    /// when not cached, so the units are shared out among threads: one per core up to
    /// [`DETAIL_THREADS`] on SQLite (a replay is CPU-bound there), [`DETAIL_THREADS`] on
    /// PostgreSQL whatever the cores (a replay waits on the database server as much as it
    /// computes: four threads gave the 1,000-unit province's page p50 66 ms instead of 77 on
    /// two cores).
    pub fn units_details(
        &self,
        streams: &[StreamId],
        as_of: Option<NaiveDate>,
        profile: &ScoringProfile,
    ) -> Vec<Option<UnitDetails>> {
        let threads = match self.store().engine() {
            jixiao_store::Engine::Postgres(_) => DETAIL_THREADS,
            jixiao_store::Engine::Sqlite => std::thread::available_parallelism()
                .map_or(1, usize::from)
                .clamp(1, DETAIL_THREADS),
        }
        .min(streams.len());
        if threads <= 1 {
            return streams
                .iter()
                .map(|s| self.unit_details(s, as_of, profile).ok())
                .collect();
        }
        let mut out: Vec<Option<UnitDetails>> = vec![None; streams.len()];
        // Thread `t` takes units t, t + threads, … (neighbours on a page cost alike).
        let mut shares: Vec<Vec<(usize, &mut Option<UnitDetails>)>> =
            (0..threads).map(|_| Vec::new()).collect();
        for (i, slot) in out.iter_mut().enumerate() {
            shares[i % threads].push((i, slot));
        }
        std::thread::scope(|scope| {
            for share in shares {
                scope.spawn(move || {
                    for (i, slot) in share {
                        *slot = self.unit_details(&streams[i], as_of, profile).ok();
                    }
                });
            }
        });
        out
    }

    /// Everything of a year waiting for the finance bureau, unit by unit: pending budget and
    /// target adjustment requests and submitted self-evaluations, oldest first (at most
    /// [`MAX_INBOX_ITEMS`]).
    pub fn inbox(&self, year: i32) -> Result<Vec<InboxItem>, AppError> {
        let units = self.store().unit_summaries(year, None)?;
        let mut items = Vec::new();
        for summary in units {
            let stream = StreamId::new(summary.unit.clone(), year);
            let unit_name = summary.unit_name.clone();
            let found = self.with_year(&stream, KnownAt::Now, |y| {
                let mut found = Vec::new();
                let state = &y.state;
                let line_name = |id: &jixiao_domain::budget::LineId| {
                    state
                        .budget()
                        .and_then(|b| b.line(id))
                        .map(|l| {
                            l.line
                                .economic_code
                                .name()
                                .map(str::to_string)
                                .unwrap_or_else(|| l.line.name.clone())
                        })
                        .unwrap_or_else(|| id.0.clone())
                };
                for r in state.budget_requests().values() {
                    if matches!(r.status, RequestStatus::Pending) {
                        found.push(InboxItem {
                            unit: summary.unit.clone(),
                            unit_name: unit_name.clone(),
                            kind: InboxKind::BudgetAdjustment,
                            request_id: Some(r.request.request_id),
                            what: format!(
                                "{}：{} 元",
                                line_name(&r.request.line_id),
                                r.request.delta_yuan
                            ),
                            reason: r.request.reason.clone(),
                            date: r.request.requested_on,
                        });
                    }
                }
                for r in state.target_requests().values() {
                    if matches!(r.status, RequestStatus::Pending) {
                        let scope = match &r.request.scope {
                            Scope::Unit => "部门整体".to_string(),
                            Scope::Project(code) => state
                                .budget()
                                .and_then(|b| b.project(code))
                                .map(|p| p.name.clone())
                                .unwrap_or_else(|| code.0.clone()),
                        };
                        found.push(InboxItem {
                            unit: summary.unit.clone(),
                            unit_name: unit_name.clone(),
                            kind: InboxKind::TargetAdjustment,
                            request_id: Some(r.request.request_id),
                            what: format!(
                                "{scope} · {} → {}",
                                r.request.indicator_id.0,
                                r.request.new_target.text()
                            ),
                            reason: r.request.reason.clone(),
                            date: r.request.requested_on,
                        });
                    }
                }
                if state.workflow() == Workflow::Submitted {
                    let step = state
                        .workflow_steps()
                        .iter()
                        .rev()
                        .find(|s| s.state == Workflow::Submitted);
                    found.push(InboxItem {
                        unit: summary.unit.clone(),
                        unit_name: unit_name.clone(),
                        kind: InboxKind::SelfEvaluation,
                        request_id: None,
                        what: "年度绩效自评".to_string(),
                        reason: step
                            .map(|s| format!("上报人：{}", s.by))
                            .unwrap_or_default(),
                        date: step.map(|s| s.on).unwrap_or_default(),
                    });
                }
                Ok(found)
            });
            match found {
                Ok(found) => items.extend(found),
                // A unit in the read models whose year has no budget yet has nothing to decide.
                Err(e) if e.kind == crate::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        items.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.unit.cmp(&b.unit)));
        items.truncate(MAX_INBOX_ITEMS);
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_domain::money::Yuan;
    use jixiao_domain::monitoring::UnitWarning;
    use jixiao_store::UnitSummary;
    use rust_decimal::Decimal;

    fn row(unit: &str, name: &str, dept: &str, rate: Option<i64>, colour: Colour) -> UnitRow {
        UnitRow {
            summary: UnitSummary {
                unit: unit.to_string(),
                unit_name: name.to_string(),
                department: dept.to_string(),
                initial_yuan: Yuan::ZERO,
                adjusted_yuan: Yuan::ZERO,
                paid_yuan: Yuan::ZERO,
            },
            warning: UnitWarning {
                rate_percent: rate.map(Decimal::from),
                progress_percent: Decimal::from(50),
                colour,
                v: rate.map(|r| Decimal::from(r * 2)),
            },
        }
    }

    fn rows() -> Vec<UnitRow> {
        vec![
            row("003", "示例三中学", "教育局", Some(70), Colour::Green),
            row("001", "示例一小学", "教育局", Some(10), Colour::Red),
            row("002", "示例二医院", "卫健委", Some(30), Colour::Yellow),
            row("004", "示例四医院", "卫健委", None, Colour::Grey),
        ]
    }

    fn units(t: &UnitTable) -> Vec<&str> {
        t.rows.iter().map(|r| r.summary.unit.as_str()).collect()
    }

    #[test]
    fn the_table_filters_by_department_colour_and_name_then_counts_the_matches() {
        let q = UnitQuery {
            department: Some("卫健委".into()),
            ..UnitQuery::default()
        };
        let t = table_of(rows(), &q);
        assert_eq!(units(&t), ["002", "004"]);
        assert_eq!(t.total, 2);
        assert_eq!(t.departments, ["卫健委", "教育局"]);
        let q = UnitQuery {
            colour: Some(Colour::Red),
            ..UnitQuery::default()
        };
        assert_eq!(units(&table_of(rows(), &q)), ["001"]);
        let q = UnitQuery {
            search: Some("医院".into()),
            ..UnitQuery::default()
        };
        assert_eq!(units(&table_of(rows(), &q)), ["002", "004"]);
    }

    #[test]
    fn the_table_sorts_by_any_column_both_ways_and_pages_after_sorting() {
        let (sort, desc) = UnitSort::parse("-rate").unwrap();
        let q = UnitQuery {
            sort,
            descending: desc,
            limit: 2,
            ..UnitQuery::default()
        };
        let t = table_of(rows(), &q);
        assert_eq!(units(&t), ["003", "002"]);
        assert_eq!(t.total, 4, "the total counts every match, not the page");
        let q = UnitQuery {
            sort: UnitSort::Colour,
            offset: 1,
            limit: 2,
            ..UnitQuery::default()
        };
        assert_eq!(units(&table_of(rows(), &q)), ["002", "003"]);
        let q = UnitQuery {
            sort: UnitSort::Rate,
            ..UnitQuery::default()
        };
        assert_eq!(
            units(&table_of(rows(), &q)),
            ["004", "001", "002", "003"],
            "a unit without a budget sorts first"
        );
    }

    #[test]
    fn an_unknown_sort_or_an_oversized_page_is_refused_naming_its_field() {
        let e = UnitSort::parse("colour_zh").unwrap_err();
        assert_eq!(e.errors[0].field, "sort");
        let e = UnitQuery {
            limit: MAX_UNITS_PAGE + 1,
            ..UnitQuery::default()
        }
        .checked()
        .unwrap_err();
        assert_eq!(e.errors[0].field, "limit");
        assert_eq!(parse_colour("red").unwrap(), Colour::Red);
        assert_eq!(parse_colour("红").unwrap_err().errors[0].field, "colour");
    }
}
