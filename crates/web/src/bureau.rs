//! The finance bureau's pages: the table of all units (filtered by 主管部门, colour and a name
//! search, sorted by any column, paged — all by `App::unit_table`, the function behind
//! `GET /api/v1/units` too), with each shown unit's lagging projects and indicators and its
//! year-end workflow state, and the distribution chart (SVG with its fallback table); and the
//! approvals inbox (`App::inbox`): every unit's pending adjustment requests and submitted
//! self-evaluations on one page, each with its decision form, which writes through the same
//! commands as the unit's year-end page.

use crate::chart;
use crate::error::WebError;
use crate::forms::FormState;
use crate::nav::Section;
use crate::pages::{Chrome, YearEndForm, colour_class, html, percent, state, write_form};
use crate::session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use jixiao_app::auth::Action;
use jixiao_app::bureau::{COLOURS, parse_colour};
use jixiao_app::{AppError, InboxKind, UnitQuery, UnitSort};
use jixiao_store::StreamId;
use std::collections::HashMap;

/// Units per page of the bureau's table.
pub const BUREAU_PAGE_SIZE: usize = 20;

/// One unit's row in the bureau's table.
pub struct BureauRow {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub name: String,
    /// 主管部门.
    pub department: String,
    /// 全年预算, 万元.
    pub adjusted_wan: String,
    /// 已支付, 万元.
    pub paid_wan: String,
    /// 执行率.
    pub rate: String,
    /// 序时进度.
    pub progress: String,
    /// Colour name.
    pub colour: &'static str,
    /// CSS class.
    pub colour_class: &'static str,
    /// Lagging projects' names, "、"-joined.
    pub lagging_projects: String,
    /// Lagging indicators' names, "、"-joined.
    pub lagging_indicators: String,
    /// 草稿 / 已上报 / 已退回 / 已审核 / 已关闭.
    pub workflow: &'static str,
}

/// A column header: its label and the link that sorts by it.
pub struct SortLink {
    /// Label.
    pub label: &'static str,
    /// Link (the other direction when already sorted by it).
    pub href: String,
    /// ▲ / ▼ when sorted by it.
    pub mark: &'static str,
    /// `aria-sort` value.
    pub aria: &'static str,
}

/// One band of the distribution's fallback table.
pub struct BandRow {
    /// Label.
    pub label: String,
    /// Units per colour, in the order of the legend.
    pub counts: Vec<usize>,
    /// In all.
    pub total: usize,
}

#[derive(Template)]
#[template(path = "bureau.html")]
struct BureauPage {
    chrome: Chrome,
    year: i32,
    rows: Vec<BureauRow>,
    departments: Vec<String>,
    department: String,
    colour: String,
    search: String,
    sort: String,
    headers: Vec<SortLink>,
    /// (name, class, count) of each colour among the matching units.
    distribution: Vec<(&'static str, &'static str, usize)>,
    chart_svg: String,
    bands: Vec<BandRow>,
    total: usize,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    filter_error: Option<String>,
}

impl BureauPage {
    fn is_department(&self, d: &str) -> bool {
        self.department == d
    }
    fn is_colour(&self, c: &str) -> bool {
        self.colour == c
    }
}

/// The table's state as read from the query: filters, sort, page.
#[derive(Debug, Clone, Default)]
struct View {
    department: String,
    colour: String,
    search: String,
    sort: String,
    page: usize,
}

impl View {
    /// The link to this view with `sort` and `page` replaced.
    fn link(&self, year: i32, sort: &str, page: usize) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("department", &self.department),
            ("colour", &self.colour),
            ("q", &self.search),
        ] {
            if !v.is_empty() {
                pairs.push((k, v.clone()));
            }
        }
        if !sort.is_empty() {
            pairs.push(("sort", sort.to_string()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            format!("/bureau/{year}")
        } else {
            format!("/bureau/{year}?{query}")
        }
    }
}

/// The sortable columns: label and the sort's query name.
const COLUMNS: [(&str, &str); 7] = [
    ("单位代码", "unit"),
    ("单位名称", "name"),
    ("主管部门", "department"),
    ("全年预算（万元）", "budget"),
    ("已支付（万元）", "paid"),
    ("执行率", "rate"),
    ("预警", "colour"),
];

fn names(items: &[jixiao_app::Lagging]) -> String {
    items
        .iter()
        .map(|l| format!("{}（{}）", l.name, l.colour.name_zh()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The bureau's table of all units.
pub async fn bureau(
    req: HttpRequest,
    s: Session,
    path: web::Path<i32>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let year = path.into_inner();
    s.require(Action::MonitorAll)?;
    let pick = |k: &str| {
        query
            .get(k)
            .map(|v| {
                v.trim()
                    .chars()
                    .take(crate::forms::MAX_FIELD_CHARS)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut view = View {
        department: pick("department"),
        colour: pick("colour"),
        search: pick("q"),
        sort: pick("sort"),
        page: pick("page").parse::<usize>().unwrap_or(1).max(1),
    };
    // A bad filter is shown beside the filters, and the table shown without it.
    let mut filter_error = None;
    let (sort, descending) = match UnitSort::parse(if view.sort.is_empty() {
        "colour"
    } else {
        &view.sort
    }) {
        Ok(s) => s,
        Err(e) => {
            filter_error = Some(
                e.errors
                    .first()
                    .map(|f| f.message_zh.clone())
                    .unwrap_or(e.detail),
            );
            view.sort.clear();
            (UnitSort::Colour, false)
        }
    };
    let colour = match view.colour.as_str() {
        "" => None,
        text => match parse_colour(text) {
            Ok(c) => Some(c),
            Err(_) => {
                filter_error = Some("请选择预警颜色".to_string());
                view.colour.clear();
                None
            }
        },
    };
    if view.search.chars().count() > jixiao_app::bureau::MAX_SEARCH_CHARS {
        filter_error = Some(format!(
            "搜索内容不能超过 {} 个字符",
            jixiao_app::bureau::MAX_SEARCH_CHARS
        ));
        view.search.clear();
    }
    let q = UnitQuery {
        department: (!view.department.is_empty()).then(|| view.department.clone()),
        colour,
        search: (!view.search.is_empty()).then(|| view.search.clone()),
        only_unit: None,
        sort,
        descending,
        offset: (view.page - 1) * BUREAU_PAGE_SIZE,
        limit: BUREAU_PAGE_SIZE,
    };
    let (table, details) = crate::pages::blocking(&st.app, move |app| {
        let profile = app
            .profile(None)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let as_of = app.view_as_of(year, None)?;
        let table = app.unit_table(year, as_of, &profile, q)?;
        let streams: Vec<StreamId> = table
            .rows
            .iter()
            .map(|r| StreamId::new(r.summary.unit.clone(), year))
            .collect();
        let details = app.units_details(&streams, as_of, &profile);
        Ok((table, details))
    })
    .await?;
    let pages = table.total.div_ceil(BUREAU_PAGE_SIZE).max(1);
    let current_sort = if view.sort.is_empty() {
        "colour".to_string()
    } else {
        view.sort.clone()
    };
    let headers = COLUMNS
        .iter()
        .map(|(label, key)| {
            let asc = current_sort == *key;
            let desc = current_sort == format!("-{key}");
            let next = if asc {
                format!("-{key}")
            } else {
                key.to_string()
            };
            SortLink {
                label,
                href: view.link(year, &next, 1),
                mark: if asc {
                    " ▲"
                } else if desc {
                    " ▼"
                } else {
                    ""
                },
                aria: if asc {
                    "ascending"
                } else if desc {
                    "descending"
                } else {
                    "none"
                },
            }
        })
        .collect();
    let colour_index = |c| COLOURS.iter().position(|x| *x == c).unwrap_or(0);
    let rates: Vec<_> = table
        .rates
        .iter()
        .map(|(r, c)| (*r, colour_index(*c)))
        .collect();
    let bands = chart::bands(&rates, COLOURS.len());
    let classes: Vec<&str> = COLOURS.iter().map(|c| colour_class(*c)).collect();
    let zh: Vec<&str> = COLOURS.iter().map(|c| c.name_zh()).collect();
    let chart_svg = chart::distribution_svg(&bands, &classes, &zh);
    let rows = table
        .rows
        .iter()
        .zip(details)
        .map(|(r, d)| BureauRow {
            unit: r.summary.unit.clone(),
            name: r.summary.unit_name.clone(),
            department: r.summary.department.clone(),
            adjusted_wan: r.summary.adjusted_yuan.wan_display(),
            paid_wan: r.summary.paid_yuan.wan_display(),
            rate: percent(r.warning.rate_percent),
            progress: format!("{}%", r.warning.progress_percent),
            colour: r.warning.colour.name_zh(),
            colour_class: colour_class(r.warning.colour),
            lagging_projects: d
                .as_ref()
                .map(|d| names(&d.lagging.projects))
                .unwrap_or_default(),
            lagging_indicators: d
                .as_ref()
                .map(|d| names(&d.lagging.indicators))
                .unwrap_or_default(),
            workflow: d.as_ref().map(|d| d.workflow.label()).unwrap_or("—"),
        })
        .collect();
    let page = BureauPage {
        chrome: Chrome::for_section(&s, format!("全部单位 · {year}年度"), year, Section::Bureau),
        year,
        rows,
        departments: table.departments,
        distribution: table
            .by_colour
            .iter()
            .map(|(c, n)| (c.name_zh(), colour_class(*c), *n))
            .collect(),
        chart_svg,
        bands: bands
            .into_iter()
            .map(|b| BandRow {
                total: b.total(),
                label: b.label,
                counts: b.counts,
            })
            .collect(),
        total: table.total,
        prev: (view.page > 1).then(|| view.link(year, &view.sort, view.page - 1)),
        next: (view.page < pages).then(|| view.link(year, &view.sort, view.page + 1)),
        page: view.page,
        pages,
        headers,
        department: view.department,
        colour: view.colour,
        search: view.search,
        sort: view.sort,
        filter_error,
    };
    let status = if page.filter_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(status, page.render()))
}

// ---------------------------------------------------------------------------------------------
// The approvals inbox

/// One item of the inbox with its form's key.
pub struct InboxRow {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub unit_name: String,
    /// What is asked, in Chinese.
    pub kind: &'static str,
    /// `budget`, `target` or `self_evaluation`.
    pub kind_key: &'static str,
    /// The request id ("" for a self-evaluation).
    pub request_id: String,
    /// What changes.
    pub what: String,
    /// The unit's reason.
    pub reason: String,
    /// Requested or submitted on.
    pub date: String,
    /// The key of its form (`inbox:{unit}:{request or se}`).
    pub key: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    year: i32,
    items: Vec<InboxRow>,
    today: String,
    failed_key: String,
    failed: FormState,
}

impl InboxPage {
    /// The form with `key`: the failed one as entered, or a fresh one dated today.
    fn form(&self, key: &str) -> FormState {
        if self.failed_key == key {
            return self.failed.clone();
        }
        FormState::with(&[("on", self.today.clone())])
    }
}

async fn inbox_page_with(
    req: &HttpRequest,
    s: &Session,
    year: i32,
    failed: Option<(String, FormState)>,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let st = state(req)?;
    let items = crate::pages::blocking(&st.app, move |app| app.inbox(year)).await?;
    let items = items
        .into_iter()
        .map(|i| {
            let id = i.request_id.map(|r| r.to_string()).unwrap_or_default();
            InboxRow {
                key: format!(
                    "inbox:{}:{}",
                    i.unit,
                    if id.is_empty() { "se" } else { id.as_str() }
                ),
                kind: i.kind.name_zh(),
                kind_key: match i.kind {
                    InboxKind::BudgetAdjustment => "budget",
                    InboxKind::TargetAdjustment => "target",
                    InboxKind::SelfEvaluation => "self_evaluation",
                },
                request_id: id,
                unit: i.unit,
                unit_name: i.unit_name,
                what: i.what,
                reason: i.reason,
                date: i.date.to_string(),
            }
        })
        .collect();
    let mut chrome = Chrome::for_section(s, format!("待审批 · {year}年度"), year, Section::Inbox);
    chrome.notice = notice;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (failed_key, failed) = failed.unwrap_or_default();
    let page = InboxPage {
        chrome,
        year,
        items,
        today: st.app.business_today().to_string(),
        failed_key,
        failed,
    };
    Ok(html(status, page.render()))
}

/// The approvals inbox.
pub async fn inbox(
    req: HttpRequest,
    s: Session,
    path: web::Path<i32>,
) -> Result<HttpResponse, WebError> {
    let year = path.into_inner();
    s.require(Action::Decide)?;
    let notice = req
        .query_string()
        .contains("saved=1")
        .then(|| "已处理。".to_string());
    inbox_page_with(&req, &s, year, None, notice).await
}

/// A decision from the inbox: the unit is a field of the form; the command is the one the
/// unit's year-end page sends.
pub(crate) async fn inbox_act(
    req: HttpRequest,
    s: Session,
    path: web::Path<i32>,
    form: web::Form<HashMap<String, String>>,
    which: YearEndForm,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let year = path.into_inner();
    s.require(which.action())?;
    let form = form.into_inner();
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(form);
    let key = f.v("form_key").to_string();
    let unit = f.v("unit").trim().to_string();
    if unit.is_empty() {
        f.summary = Some("请选择单位".to_string());
    }
    // The decide form names its date `decided_on`; the inbox's forms all say `on`.
    if which == YearEndForm::Decide {
        let on = f.v("on").to_string();
        f.set("decided_on", on);
    }
    let command = which.command(&mut f, &s.claims.sub);
    if which == YearEndForm::Decide
        && let Some(e) = f.e("decided_on").map(str::to_string)
    {
        f.error("on", e);
    }
    let (Some(command), false) = (command, f.has_errors()) else {
        return inbox_page_with(&req, &s, year, Some((key, f)), None).await;
    };
    match write_form(st, &s, &unit, year, &f, command).await? {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/bureau/{year}/inbox?saved=1")))
            .finish()),
        Err(e) => {
            f.refused(&e);
            if let Some(e) = f.e("decided_on").map(str::to_string) {
                f.error("on", e);
            }
            inbox_page_with(&req, &s, year, Some((key, f)), None).await
        }
    }
}
