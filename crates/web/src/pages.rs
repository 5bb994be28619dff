//! The pages and their handlers: sign-in and sign-out, the unit's year (chart, execution,
//! indicators, recent events), the recording forms, the finance bureau's table of all units,
//! and user administration. Handlers are thin: check the session and the role table, read the
//! form, call `jixiao-app` on the blocking pool, render a template.

use crate::WebState;
use crate::chart::{self, MonthPoint};
use crate::error::WebError;
use crate::forms::FormState;
use crate::nav::{self, NavItem, Section};
use crate::session::{
    self, PRESESSION_COOKIE, PRESESSION_TTL_SECONDS, SESSION_COOKIE, Session, cookie,
};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use jixiao_app::auth::{Action, Claims, JwtKeys};
use jixiao_app::{Actor, App, AppError, Item, Write};
use jixiao_domain::aggregate::Command;
use jixiao_domain::aggregate::RecordPayment;
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::event::{ActivityHeld, PaymentReversed, SurveyRecorded};
use jixiao_domain::indicator::Scope;
use jixiao_domain::monitoring::Colour;
use jixiao_domain::monitoring::{progress_percent, schedule_progress};
use jixiao_store::users::Role;
use jixiao_store::{KnownAt, StreamId};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The embedded style sheet.
const STYLE_CSS: &str = include_str!("../static/style.css");
/// Recent events shown on the unit's page.
pub const RECENT_EVENTS_SHOWN: u64 = 15;
/// Payments listed for reversal on the recording page (the most recent).
pub const PAYMENTS_LISTED: usize = 20;
/// The page's Content-Security-Policy: nothing from outside, no inline script.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML response with the security headers every page carries.
pub fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().body("页面生成失败")
        }
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// What the frame of every signed-in page shows: who, in which role, the navigation, the
/// sign-out form's CSRF token.
pub struct Chrome {
    /// Page title.
    pub title: String,
    /// User name.
    pub user: String,
    /// Role in Chinese.
    pub role: &'static str,
    /// The user's unit, if any.
    pub unit: Option<String>,
    /// Navigation entries the role may use.
    pub nav: Vec<NavItem>,
    /// CSRF token of the session.
    pub csrf: String,
    /// A notice at the top (saved, signed in).
    pub notice: Option<String>,
}

impl Chrome {
    /// The frame of a page of the unit's year (for the pages outside this module).
    pub(crate) fn for_page(s: &Session, title: impl Into<String>, year: i32) -> Self {
        Chrome::new(s, title, year, Section::Unit)
    }

    /// The frame of a page of `section` (for the pages outside this module).
    pub(crate) fn for_section(
        s: &Session,
        title: impl Into<String>,
        year: i32,
        section: Section,
    ) -> Self {
        Chrome::new(s, title, year, section)
    }

    fn new(s: &Session, title: impl Into<String>, year: i32, section: Section) -> Self {
        Chrome {
            title: title.into(),
            user: s.claims.sub.clone(),
            role: s.claims.role.name_zh(),
            unit: s.claims.unit.clone(),
            nav: nav::items(&s.claims, year, section),
            csrf: s.csrf.clone(),
            notice: None,
        }
    }
}

pub(crate) fn state(req: &HttpRequest) -> Result<&WebState, WebError> {
    req.app_data::<web::Data<WebState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| WebError::internal("WebState not registered"))
}

pub(crate) async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> Result<T, AppError> + Send + 'static,
) -> Result<T, WebError> {
    let app = app.clone();
    Ok(web::block(move || f(&app)).await??)
}

/// Where a signed-in user starts: their unit's year, the bureau, or user administration.
fn start_page(claims: &Claims, year: i32) -> String {
    nav::items(claims, year, Section::None)
        .into_iter()
        .next()
        .map(|i| i.href)
        .unwrap_or_else(|| "/signin".to_string())
}

async fn index(req: HttpRequest) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    match Session::extract(&req).await {
        Ok(s) => Ok(see_other(&start_page(
            &s.claims,
            st.app.business_today().year(),
        ))),
        Err(_) => Ok(see_other("/signin")),
    }
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE_CSS)
}

// ---------------------------------------------------------------------------------------------
// Sign-in and sign-out

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    csrf: String,
    username: String,
    error: Option<String>,
}

fn signin_page(
    st: &WebState,
    status: StatusCode,
    username: String,
    error: Option<String>,
) -> HttpResponse {
    let pre = Uuid::new_v4().to_string();
    let page = SignInPage {
        csrf: session::csrf_token(&st.settings, &pre),
        username,
        error,
    };
    let mut res = html(status, page.render());
    if let Ok(v) = header::HeaderValue::from_str(&session::set_cookie(
        &st.settings,
        PRESESSION_COOKIE,
        &pre,
        PRESESSION_TTL_SECONDS,
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn signin_form(req: HttpRequest) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    Ok(signin_page(st, StatusCode::OK, String::new(), None))
}

/// Longest user name or password read from the sign-in form, in bytes.
const MAX_CREDENTIAL_BYTES: usize = 256;

async fn signin(
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
    keys: web::Data<JwtKeys>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let form = form.into_inner();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("").to_string();
    let (username, password, csrf) = (field("username"), field("password"), field("csrf"));
    let pre = cookie(&req, PRESESSION_COOKIE).unwrap_or_default();
    if pre.is_empty() || !session::csrf_valid(&st.settings, &pre, &csrf) {
        return Err(WebError::Csrf);
    }
    let name = username.trim().to_string();
    if name.is_empty() || password.is_empty() {
        return Ok(signin_page(
            st,
            StatusCode::UNPROCESSABLE_ENTITY,
            name,
            Some("请输入用户名和密码".to_string()),
        ));
    }
    if name.len() > MAX_CREDENTIAL_BYTES || password.len() > MAX_CREDENTIAL_BYTES {
        return Ok(signin_page(
            st,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            Some("用户名或密码过长".to_string()),
        ));
    }
    // Throttled before the hash runs: a flood of guesses costs a look-up, not argon2id.
    let throttle = st.settings.login_throttle();
    let address = jixiao_app::throttle::client_address(
        req.peer_addr().map(|a| a.ip()),
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok()),
        &throttle.settings().trusted_proxies,
    );
    if let Err(refused) = throttle.attempt(&name, address) {
        let mut res = signin_page(
            st,
            StatusCode::TOO_MANY_REQUESTS,
            name,
            Some(refused.message_zh()),
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(refused.retry_after_seconds),
        );
        return Ok(res);
    }
    let cost = st.settings.password_cost;
    let who = name.clone();
    let user = blocking(&st.app, move |app| {
        let users = app.store().users()?.with_cost(cost);
        users
            .verify(&who, &password)
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await?;
    let Some(user) = user else {
        return Ok(signin_page(
            st,
            StatusCode::UNAUTHORIZED,
            name,
            Some("用户名或密码错误".to_string()),
        ));
    };
    throttle.succeeded(&name, address);
    let token = keys.issue(&user)?;
    let claims = keys.verify(&token)?;
    let mut res = see_other(&start_page(&claims, st.app.business_today().year()));
    for c in [
        session::set_cookie(&st.settings, SESSION_COOKIE, &token, keys.ttl_seconds()),
        session::clear_cookie(&st.settings, PRESESSION_COOKIE),
    ] {
        if let Ok(v) = header::HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

async fn signout(
    req: HttpRequest,
    s: Session,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    // The token stops working now, not at its expiry: a copy of the cookie is worthless.
    if let (Some(token), Some(keys)) = (
        cookie(&req, SESSION_COOKIE),
        req.app_data::<web::Data<JwtKeys>>(),
    ) {
        keys.revoke(&token);
    }
    let mut res = see_other("/signin");
    if let Ok(v) =
        header::HeaderValue::from_str(&session::clear_cookie(&st.settings, SESSION_COOKIE))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// The unit's year

/// One row of an execution table, formatted by the domain.
pub struct ExecRow {
    /// Name (project, economic class).
    pub name: String,
    /// 全年预算, 万元.
    pub adjusted_wan: String,
    /// 已支付, 万元.
    pub paid_wan: String,
    /// 执行率 %, if there is a budget.
    pub rate: String,
    /// Colour name (红/黄/绿/蓝/灰).
    pub colour: &'static str,
    /// CSS class of the colour.
    pub colour_class: &'static str,
}

/// One indicator's row.
pub struct IndicatorRow {
    /// Whose: 单位整体 or the project's name.
    pub scope: String,
    /// Indicator name.
    pub name: String,
    /// Target as approved.
    pub target: String,
    /// Actual so far.
    pub actual: String,
    /// Completion %.
    pub completion: String,
    /// Colour name.
    pub colour: &'static str,
    /// CSS class of the colour.
    pub colour_class: &'static str,
}

/// One recent event.
pub struct EventRow {
    /// What (Chinese).
    pub what: String,
    /// Business date.
    pub date: String,
    /// Who recorded it.
    pub who: String,
    /// When it was recorded (China time).
    pub when: String,
}

/// One month of the chart's fallback table.
pub struct MonthRow {
    /// Month label.
    pub month: String,
    /// 累计支付, 万元.
    pub cumulative_wan: String,
    /// 累计执行率 %.
    pub rate: String,
    /// 序时进度 %.
    pub schedule: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    chrome: Chrome,
    unit: String,
    unit_name: String,
    year: i32,
    as_of: String,
    total: Option<ExecRow>,
    schedule_percent: String,
    chart_svg: String,
    months: Vec<MonthRow>,
    by_project: Vec<ExecRow>,
    by_class: Vec<ExecRow>,
    indicators: Vec<IndicatorRow>,
    events: Vec<EventRow>,
    may_record: bool,
    read_only: bool,
}

/// CSS class of a colour (its stable English name).
pub fn colour_class(c: Colour) -> &'static str {
    match c {
        Colour::Red => "red",
        Colour::Yellow => "yellow",
        Colour::Green => "green",
        Colour::Blue => "blue",
        Colour::Grey => "grey",
    }
}

/// Lagging first: red, yellow, then blue (over-run), green, grey.
fn lag_rank(c: Colour) -> u8 {
    match c {
        Colour::Red => 0,
        Colour::Yellow => 1,
        Colour::Blue => 2,
        Colour::Green => 3,
        Colour::Grey => 4,
    }
}

pub(crate) fn percent(d: Option<Decimal>) -> String {
    d.map(|d| format!("{d}%"))
        .unwrap_or_else(|| "—".to_string())
}

fn exec_row(r: &jixiao_domain::aggregate::ExecutionRow) -> ExecRow {
    ExecRow {
        name: r.name.clone(),
        adjusted_wan: r.adjusted_yuan.wan_display(),
        paid_wan: r.paid_yuan.wan_display(),
        rate: percent(r.rate_percent),
        colour: r.warning.colour.name_zh(),
        colour_class: colour_class(r.warning.colour),
    }
}

/// The Chinese name of a stored event type.
pub fn event_label(event_type: &str) -> &'static str {
    match event_type {
        "budget_approved" => "年初预算批复",
        "carry_over_recorded" => "上年结转",
        "targets_approved" => "绩效目标批复",
        "budget_adjustment_requested" => "预算调整申请",
        "budget_adjustment_decided" => "预算调整审批",
        "target_adjustment_requested" => "绩效目标调整申请",
        "target_adjustment_decided" => "绩效目标调整审批",
        "payment_recorded" => "支出",
        "payment_reversed" => "支出红冲",
        "activity_held" => "活动",
        "activity_corrected" => "活动更正",
        "activity_withdrawn" => "活动撤回",
        "survey_recorded" => "满意度调查",
        "indicator_assessed" => "指标评定",
        "procurement_recorded" => "政府采购",
        "monitoring_report_filed" => "1-7月监控报告",
        "deviation_explained" => "偏差说明",
        "self_evaluation_submitted" => "绩效自评提交",
        "self_evaluation_returned" => "绩效自评退回",
        "self_evaluation_approved" => "绩效自评审核通过",
        "year_closed" => "年度锁定",
        "year_reopened" => "年度解锁",
        _ => "其他",
    }
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN)
}

struct UnitData {
    unit_name: String,
    as_of: Option<NaiveDate>,
    exec: Option<jixiao_domain::aggregate::ExecutionSummary>,
    indicators: Vec<jixiao_app::IndicatorView>,
    projects: HashMap<String, String>,
    events: Vec<jixiao_store::RecordedEvent>,
    basis: jixiao_domain::profile::ScheduleBasis,
}

fn load_unit(app: &App, unit: String, year: i32) -> Result<UnitData, AppError> {
    let stream = StreamId::new(unit, year);
    let profile = app
        .profile(None)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let as_of = app.view_as_of(year, None)?;
    let exec = app.execution(&stream, as_of, KnownAt::Now, &profile)?;
    let indicators = app.indicators(&stream, as_of, KnownAt::Now, &profile)?;
    let (unit_name, projects, version) = app.with_budgeted_year(&stream, KnownAt::Now, |y| {
        let b = y.state.budget();
        Ok((
            b.map(|b| b.unit.name.clone()).unwrap_or_default(),
            b.map(|b| {
                b.projects
                    .iter()
                    .map(|p| (p.code.0.clone(), p.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
            y.state.version(),
        ))
    })?;
    let after = version.saturating_sub(RECENT_EVENTS_SHOWN);
    let mut events =
        app.store()
            .read_stream_page(&stream, after, RECENT_EVENTS_SHOWN as usize, KnownAt::Now)?;
    events.reverse();
    Ok(UnitData {
        unit_name,
        as_of,
        exec,
        indicators,
        projects,
        events,
        basis: profile.schedule_basis,
    })
}

async fn unit_page(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let u = unit.clone();
    let data = blocking(&st.app, move |app| load_unit(app, u, year)).await?;
    let mut chrome = Chrome::new(
        &s,
        format!("{} · {year}年度", data.unit_name),
        year,
        Section::Unit,
    );
    if req.query_string().contains("saved=1") {
        chrome.notice = Some("已保存。".to_string());
    }
    let scope_name = |scope: &Scope| match scope {
        Scope::Unit => "单位整体".to_string(),
        Scope::Project(code) => data
            .projects
            .get(&code.0)
            .cloned()
            .unwrap_or_else(|| code.0.clone()),
    };
    let mut indicators: Vec<_> = data.indicators.iter().map(|v| &v.status).collect();
    indicators.sort_by_key(|s| lag_rank(s.progress.colour));
    let indicators = indicators
        .into_iter()
        .map(|i| IndicatorRow {
            scope: scope_name(&i.scope),
            name: i.name.clone(),
            target: i.target_text.clone(),
            actual: i.actual_text.clone(),
            completion: percent(i.completion_percent),
            colour: i.progress.colour.name_zh(),
            colour_class: colour_class(i.progress.colour),
        })
        .collect();
    let as_of_month = data.as_of.map(|d| d.month()).unwrap_or(12);
    let (mut months, mut points) = (Vec::new(), Vec::new());
    if let Some(exec) = &data.exec {
        for m in &exec.by_month {
            let reached = m.month <= as_of_month;
            // The month under way is judged as of the view's date, like the figure beside it.
            let schedule = if Some(m.month) == data.as_of.map(|d| d.month()) {
                exec.schedule_progress_percent
            } else {
                progress_percent(schedule_progress(
                    month_end(year, m.month),
                    year,
                    data.basis,
                ))
            };
            points.push(MonthPoint {
                month: m.month,
                rate_percent: if reached {
                    m.cumulative_rate_percent
                } else {
                    None
                },
                schedule_percent: schedule,
            });
            if reached {
                months.push(MonthRow {
                    month: format!("{}月", m.month),
                    cumulative_wan: m.cumulative_yuan.wan_display(),
                    rate: percent(m.cumulative_rate_percent),
                    schedule: format!("{schedule}%"),
                });
            }
        }
    }
    let events = data
        .events
        .iter()
        .map(|e| EventRow {
            what: event_label(&e.event_type).to_string(),
            date: e.business_date.to_string(),
            who: e.actor.clone(),
            when: (e.recorded_at + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        })
        .collect();
    let page = UnitPage {
        unit: unit.clone(),
        unit_name: data.unit_name.clone(),
        year,
        as_of: data
            .as_of
            .map(|d| d.to_string())
            .unwrap_or_else(|| format!("{year}年末")),
        total: data.exec.as_ref().map(|e| exec_row(&e.total)),
        schedule_percent: data
            .exec
            .as_ref()
            .map(|e| format!("{}%", e.schedule_progress_percent))
            .unwrap_or_default(),
        chart_svg: chart::execution_svg(&points),
        months,
        by_project: data
            .exec
            .as_ref()
            .map(|e| e.by_project.iter().map(exec_row).collect())
            .unwrap_or_default(),
        by_class: data
            .exec
            .as_ref()
            .map(|e| e.by_economic_class.iter().map(exec_row).collect())
            .unwrap_or_default(),
        indicators,
        events,
        may_record: s.claims.may(Action::Record),
        read_only: !s.claims.may(Action::Record),
        chrome,
    };
    Ok(html(StatusCode::OK, page.render()))
}

// ---------------------------------------------------------------------------------------------
// Recording forms

/// A choice in a select list: the value sent and the label shown.
pub struct Choice {
    /// Value sent (an id the person never types).
    pub value: String,
    /// What the person reads.
    pub label: String,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    chrome: Chrome,
    unit: String,
    year: i32,
    unit_name: String,
    lines: Vec<Choice>,
    projects: Vec<Choice>,
    payments: Vec<PaymentChoice>,
    payment: FormState,
    activity: FormState,
    survey: FormState,
    reversal: FormState,
    indicators: Vec<Choice>,
    activities: Vec<Choice>,
    grades: Vec<Choice>,
    procurement: FormState,
    assessment: FormState,
    correction: FormState,
    withdrawal: FormState,
}

/// A payment that may be reversed (红冲).
pub struct PaymentChoice {
    /// Payment id.
    pub id: String,
    /// Date.
    pub date: String,
    /// What it was charged to.
    pub line: String,
    /// Amount in 元.
    pub amount: String,
    /// 摘要.
    pub summary: String,
    /// Already reversed.
    pub reversed: bool,
    /// The event id of this row's reversal form.
    pub event_id: String,
}

struct RecordData {
    unit_name: String,
    lines: Vec<Choice>,
    projects: Vec<Choice>,
    payments: Vec<PaymentChoice>,
    indicators: Vec<Choice>,
    activities: Vec<Choice>,
}

fn load_record(app: &App, unit: String, year: i32) -> Result<RecordData, AppError> {
    let stream = StreamId::new(unit, year);
    let profile = app
        .profile(None)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let indicator_views = app.indicators(&stream, None, KnownAt::Now, &profile)?;
    app.with_budgeted_year(&stream, KnownAt::Now, |y| {
        let Some(b) = y.state.budget() else {
            return Err(AppError::not_found("尚未导入预算"));
        };
        let project_name = |code: &Option<ProjectCode>| {
            code.as_ref().map(|c| {
                b.project(c)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| c.0.clone())
            })
        };
        let line_label = |id: &LineId| {
            b.line(id)
                .map(|l| {
                    let class = l.line.economic_code.name().unwrap_or(&l.line.name);
                    match project_name(&l.line.project_code) {
                        Some(p) => format!("{class} · {p}"),
                        None => format!("{class} · {}", kind_zh(l.line.kind)),
                    }
                })
                .unwrap_or_else(|| id.0.clone())
        };
        let lines = b
            .lines
            .iter()
            .map(|l| Choice {
                value: l.line.line_id.0.clone(),
                label: format!(
                    "{}（全年预算 {} 万元）",
                    line_label(&l.line.line_id),
                    l.adjusted_yuan(None).wan_display()
                ),
            })
            .collect();
        let projects = b
            .projects
            .iter()
            .map(|p| Choice {
                value: p.code.0.clone(),
                label: p.name.clone(),
            })
            .collect();
        let payments = y
            .state
            .payments()
            .iter()
            .rev()
            .take(PAYMENTS_LISTED)
            .map(|p| PaymentChoice {
                id: p.payment.payment_id.to_string(),
                date: p.payment.paid_on.to_string(),
                line: line_label(&p.payment.line_id),
                amount: p.payment.amount_yuan.to_string(),
                summary: p.payment.summary.clone(),
                reversed: p.reversed.is_some(),
                event_id: Uuid::new_v4().to_string(),
            })
            .collect();
        let indicators = indicator_views
            .iter()
            .map(|v| {
                let (code, scope) = match &v.status.scope {
                    Scope::Unit => (String::new(), "单位整体".to_string()),
                    Scope::Project(c) => (
                        c.0.clone(),
                        project_name(&Some(c.clone())).unwrap_or_default(),
                    ),
                };
                Choice {
                    value: format!("{code}|{}", v.status.indicator_id.0),
                    label: format!(
                        "{scope} · {}（目标 {}）",
                        v.status.name, v.status.target_text
                    ),
                }
            })
            .collect();
        let activities = y
            .state
            .activities()
            .iter()
            .rev()
            .filter(|a| a.withdrawn.is_none())
            .take(PAYMENTS_LISTED)
            .map(|a| Choice {
                value: a.activity.activity_id.to_string(),
                label: format!(
                    "{} · {}（邀请 {} 人，参加 {} 人）",
                    a.activity.held_on,
                    a.activity.title,
                    a.activity.invited,
                    a.activity.participants
                ),
            })
            .collect();
        Ok(RecordData {
            unit_name: b.unit.name.clone(),
            lines,
            projects,
            payments,
            indicators,
            activities,
        })
    })
}

fn kind_zh(kind: jixiao_domain::budget::SpendingKind) -> &'static str {
    use jixiao_domain::budget::SpendingKind::*;
    match kind {
        Personnel => "基本支出·人员经费",
        Public => "基本支出·公用经费",
        Project => "项目支出",
    }
}

/// Which form of the recording page a submission belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordForm {
    Payment,
    Activity,
    Survey,
    Reversal,
    Procurement,
    Assessment,
    Correction,
    Withdrawal,
}

async fn record_page_with(
    st: &WebState,
    s: &Session,
    unit: String,
    year: i32,
    failed: Option<(RecordForm, FormState)>,
) -> Result<HttpResponse, WebError> {
    let u = unit.clone();
    let data = blocking(&st.app, move |app| load_record(app, u, year)).await?;
    let today = st.app.business_today().to_string();
    let dated = |field: &str| FormState::with(&[(field, today.clone())]);
    let mut page = RecordPage {
        chrome: Chrome::new(
            s,
            format!("记录业务 · {}", data.unit_name),
            year,
            Section::Record,
        ),
        unit,
        year,
        unit_name: data.unit_name,
        lines: data.lines,
        projects: data.projects,
        payments: data.payments,
        payment: dated("paid_on"),
        activity: dated("held_on"),
        survey: dated("surveyed_on"),
        reversal: dated("reversed_on"),
        indicators: data.indicators,
        activities: data.activities,
        grades: jixiao_domain::indicator::QualGrade::ALL
            .iter()
            .map(|g| Choice {
                value: g.name_zh().to_string(),
                label: g.name_zh().to_string(),
            })
            .collect(),
        procurement: dated("procured_on"),
        assessment: dated("assessed_on"),
        correction: dated("held_on"),
        withdrawal: dated("withdrawn_on"),
    };
    let status = match failed {
        None => StatusCode::OK,
        Some((which, form)) => {
            match which {
                RecordForm::Payment => page.payment = form,
                RecordForm::Activity => page.activity = form,
                RecordForm::Survey => page.survey = form,
                RecordForm::Reversal => page.reversal = form,
                RecordForm::Procurement => page.procurement = form,
                RecordForm::Assessment => page.assessment = form,
                RecordForm::Correction => page.correction = form,
                RecordForm::Withdrawal => page.withdrawal = form,
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    Ok(html(status, page.render()))
}

async fn record_page(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    record_page_with(state(&req)?, &s, unit, year, None).await
}

fn payment_command(f: &mut FormState) -> Option<Command> {
    let paid_on = f.date("paid_on", "支付日期");
    let line = f.text("line_id", "预算科目");
    let amount = f.yuan("amount_yuan", "金额");
    let summary = f.text("summary", "摘要");
    let event_id = f.event_id();
    Some(Command::RecordPayment(RecordPayment {
        payment_id: event_id?,
        paid_on: paid_on?,
        line_id: LineId(line?),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: amount?,
        voucher_no: f.optional_text("voucher_no"),
        summary: summary?,
    }))
}

fn activity_command(f: &mut FormState) -> Option<Command> {
    let project = f.text("project_code", "项目");
    let held_on = f.date("held_on", "活动日期");
    let title = f.text("title", "活动名称");
    let invited = f.count("invited", "邀请人数");
    let participants = f.count("participants", "参加人数");
    let event_id = f.event_id();
    Some(Command::HoldActivity(ActivityHeld {
        activity_id: event_id?,
        project_code: ProjectCode(project?),
        held_on: held_on?,
        title: title?,
        invited: invited?,
        participants: participants?,
        evidence: Vec::new(),
    }))
}

fn survey_command(f: &mut FormState) -> Option<Command> {
    let surveyed_on = f.date("surveyed_on", "调查日期");
    let group = f.text("respondent_group", "调查对象");
    let respondents = f.count("respondents", "有效问卷数");
    let satisfied = f.count("satisfied", "满意数");
    let event_id = f.event_id();
    Some(Command::RecordSurvey(SurveyRecorded {
        survey_id: event_id?,
        project_code: f.optional_text("project_code").map(ProjectCode),
        surveyed_on: surveyed_on?,
        respondent_group: group?,
        respondents: respondents?,
        satisfied: satisfied?,
        evidence: Vec::new(),
    }))
}

fn reversal_command(f: &mut FormState) -> Option<Command> {
    let payment = f.uuid("payment_id", "要红冲的支出");
    let reversed_on = f.date("reversed_on", "红冲日期");
    let reason = f.text("reason", "红冲原因");
    f.event_id()?;
    Some(Command::ReversePayment(PaymentReversed {
        payment_id: payment?,
        reversed_on: reversed_on?,
        reason: reason?,
    }))
}

fn procurement_command(f: &mut FormState) -> Option<Command> {
    let on = f.date("procured_on", "采购日期");
    let amount = f.yuan("amount_yuan", "合同金额");
    let description = f.text("description", "采购内容");
    let event_id = f.event_id();
    Some(Command::RecordProcurement(
        jixiao_domain::event::ProcurementRecorded {
            procurement_id: event_id?,
            procured_on: on?,
            project_code: f.optional_text("project_code").map(ProjectCode),
            amount_yuan: amount?,
            description: description?,
        },
    ))
}

fn assessment_command(f: &mut FormState) -> Option<Command> {
    use jixiao_domain::indicator::{IndicatorId, QualGrade};
    let which = f.text("indicator", "指标");
    let on = f.date("assessed_on", "评定日期");
    let grade = match f.optional_text("grade") {
        None => None,
        Some(text) => match QualGrade::parse_zh(&text) {
            Ok(g) => Some(g),
            Err(e) => {
                f.error("grade", e.to_string());
                None
            }
        },
    };
    let score = match f.optional_text("score") {
        None => None,
        Some(text) => match text.parse::<Decimal>() {
            Ok(d) => Some(d),
            Err(_) => {
                f.error("score", format!("得分“{text}”不是数字"));
                None
            }
        },
    };
    let actual_text = f.optional_text("actual_text").unwrap_or_default();
    let note = f.optional_text("note").unwrap_or_default();
    f.event_id()?;
    let (code, id) = which?
        .split_once('|')
        .map(|(c, i)| (c.to_string(), i.to_string()))?;
    Some(Command::AssessIndicator(
        jixiao_domain::event::IndicatorAssessed {
            scope: if code.is_empty() {
                Scope::Unit
            } else {
                Scope::Project(ProjectCode(code))
            },
            indicator_id: IndicatorId(id),
            assessed_on: on?,
            grade,
            score,
            actual_value: None,
            actual_text,
            note,
            band_position: None,
            evidence: Vec::new(),
        },
    ))
}

fn correction_command(f: &mut FormState) -> Option<Command> {
    let activity = f.uuid("activity_id", "要更正的活动");
    let held_on = f.date("held_on", "活动日期");
    let title = f.text("title", "活动名称");
    let invited = f.count("invited", "邀请人数");
    let participants = f.count("participants", "参加人数");
    let reason = f.text("reason", "更正原因");
    f.event_id()?;
    Some(Command::CorrectActivity(
        jixiao_domain::event::ActivityCorrected {
            activity_id: activity?,
            held_on: held_on?,
            title: title?,
            invited: invited?,
            participants: participants?,
            reason: reason?,
        },
    ))
}

fn withdrawal_command(f: &mut FormState) -> Option<Command> {
    let activity = f.uuid("activity_id", "要撤回的活动");
    let on = f.date("withdrawn_on", "撤回日期");
    let reason = f.text("reason", "撤回原因");
    f.event_id()?;
    Some(Command::WithdrawActivity(
        jixiao_domain::event::ActivityWithdrawn {
            activity_id: activity?,
            withdrawn_on: on?,
            reason: reason?,
        },
    ))
}

async fn record(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
    form: web::Form<HashMap<String, String>>,
    which: RecordForm,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Record, &unit)?;
    let form = form.into_inner();
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(form);
    let command = match which {
        RecordForm::Payment => payment_command(&mut f),
        RecordForm::Activity => activity_command(&mut f),
        RecordForm::Survey => survey_command(&mut f),
        RecordForm::Reversal => reversal_command(&mut f),
        RecordForm::Procurement => procurement_command(&mut f),
        RecordForm::Assessment => assessment_command(&mut f),
        RecordForm::Correction => correction_command(&mut f),
        RecordForm::Withdrawal => withdrawal_command(&mut f),
    };
    let (Some(command), false) = (command, f.has_errors()) else {
        return record_page_with(st, &s, unit, year, Some((which, f))).await;
    };
    match write_form(st, &s, &unit, year, &f, command).await? {
        Ok(()) => Ok(see_other(&format!("/units/{unit}/{year}?saved=1"))),
        Err(e) => {
            f.refused(&e);
            record_page_with(st, &s, unit, year, Some((which, f))).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users

/// One user's row.
pub struct UserRow {
    /// Name.
    pub name: String,
    /// Role in Chinese.
    pub role: &'static str,
    /// Unit, if any.
    pub unit: String,
    /// Disabled (停用).
    pub disabled: bool,
}

/// One unit in the admin's list (no figures: the admin manages, does not read the business).
pub struct UnitListRow {
    /// 单位代码.
    pub unit: String,
    /// 单位名称.
    pub name: String,
    /// 主管部门.
    pub department: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    roles: Vec<Choice>,
    create: FormState,
    password: FormState,
    role: FormState,
    disable: FormState,
    units: Vec<UnitListRow>,
    year: i32,
}

/// Which form of the users page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserForm {
    Create,
    Password,
    Role,
    /// 停用 or 启用 (the `disabled` field: 1 or 0).
    Disable,
}

async fn users_page_with(
    st: &WebState,
    s: &Session,
    failed: Option<(UserForm, FormState)>,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (mut create, mut password, mut role, mut disable) = (
        FormState::fresh(),
        FormState::fresh(),
        FormState::fresh(),
        FormState::fresh(),
    );
    match failed {
        Some((UserForm::Create, f)) => create = f,
        Some((UserForm::Password, f)) => password = f,
        Some((UserForm::Role, f)) => role = f,
        Some((UserForm::Disable, f)) => disable = f,
        None => {}
    }
    let year = st.app.business_today().year();
    let (users, disabled, units) = blocking(&st.app, move |app| {
        let users = app
            .store()
            .users()?
            .list()
            .map_err(|e| AppError::internal(e.to_string()))?;
        let disabled = app.disabled_users()?;
        let units = app.store().unit_summaries(year, None)?;
        Ok((users, disabled, units))
    })
    .await?;
    let mut chrome = Chrome::new(
        s,
        "用户管理",
        st.app.business_today().year(),
        Section::Users,
    );
    chrome.notice = notice;
    let page = UsersPage {
        chrome,
        users: users
            .into_iter()
            .map(|u| UserRow {
                disabled: disabled.contains(&u.name),
                name: u.name,
                role: u.role.name_zh(),
                unit: u.unit.unwrap_or_default(),
            })
            .collect(),
        units: units
            .into_iter()
            .map(|u| UnitListRow {
                unit: u.unit,
                name: u.unit_name,
                department: u.department,
            })
            .collect(),
        year,
        disable,
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().to_string(),
                label: r.name_zh().to_string(),
            })
            .collect(),
        create,
        password,
        role,
    };
    Ok(html(status, page.render()))
}

async fn users_page(req: HttpRequest, s: Session) -> Result<HttpResponse, WebError> {
    s.require(Action::ManageUsers)?;
    let notice = req
        .query_string()
        .contains("saved=1")
        .then(|| "已保存。".to_string());
    users_page_with(state(&req)?, &s, None, notice).await
}

/// Shortest password accepted from the form, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

async fn user_form(
    req: HttpRequest,
    s: Session,
    form: web::Form<HashMap<String, String>>,
    which: UserForm,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    s.require(Action::ManageUsers)?;
    let form = form.into_inner();
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(form);
    let name = f.text("name", "用户名");
    if which == UserForm::Disable {
        let disabled = match f.v("disabled") {
            "1" => true,
            "0" => false,
            _ => {
                f.summary = Some("请选择停用或启用".to_string());
                false
            }
        };
        let Some(name) = name.filter(|_| !f.has_errors()) else {
            return users_page_with(st, &s, Some((which, f)), None).await;
        };
        let result = blocking(&st.app, move |app| {
            Ok(app.set_user_disabled(&name, disabled))
        })
        .await?;
        return match result {
            Ok(()) => Ok(see_other("/admin/users?saved=1")),
            Err(e) if e.kind == jixiao_app::ErrorKind::Internal => Err(e.into()),
            Err(e) => {
                f.refused(&e);
                users_page_with(st, &s, Some((which, f)), None).await
            }
        };
    }
    let password = if which == UserForm::Role {
        None
    } else {
        let p = f.text("password", "密码");
        if let Some(p) = &p
            && p.chars().count() < MIN_PASSWORD_CHARS
        {
            f.error("password", format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"));
        }
        p
    };
    let role = if which == UserForm::Password {
        None
    } else {
        match f.v("role").parse::<Role>() {
            Ok(r) => Some(r),
            Err(_) => {
                f.error("role", "请选择角色");
                None
            }
        }
    };
    let unit = f.optional_text("unit");
    if let Some(r) = role {
        if r.is_unit_scoped() && unit.is_none() {
            f.error("unit", "经办人员和单位负责人须填写单位代码");
        }
        if !r.is_unit_scoped() && unit.is_some() {
            f.error("unit", "该角色不属于某一单位，请留空");
        }
    }
    let Some(name) = name.filter(|_| !f.has_errors()) else {
        return users_page_with(st, &s, Some((which, f)), None).await;
    };
    let cost = st.settings.password_cost;
    let result = blocking(&st.app, move |app| {
        let users = app.store().users()?.with_cost(cost);
        let done = match (which, role, password) {
            (UserForm::Create, Some(role), Some(password)) => users
                .add(&name, &password, role, unit.as_deref())
                .map(|_| ()),
            (UserForm::Password, _, Some(password)) => users.set_password(&name, &password),
            (UserForm::Role, Some(role), _) => {
                // Through the application layer: the last active admin cannot be demoted.
                return Ok(app
                    .set_user_role(&name, role, unit.as_deref())
                    .map(|_| ())
                    .map_err(|e| e.detail));
            }
            _ => return Err(AppError::internal("user form without its fields")),
        };
        Ok(done.map_err(|e| e.to_string()))
    })
    .await?;
    match result {
        Ok(()) => Ok(see_other("/admin/users?saved=1")),
        Err(message) => {
            f.summary = Some(message);
            users_page_with(st, &s, Some((which, f)), None).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Year end: the self-evaluation, explanations, submission, decisions and the year lock

/// One indicator's line in the self-evaluation.
pub struct ScoreRow {
    /// Indicator name.
    pub name: String,
    /// Target as approved.
    pub target: String,
    /// Actual as shown.
    pub actual: String,
    /// 分值.
    pub weight: String,
    /// 得分.
    pub score: String,
}

/// Something still needing 偏差原因分析 before submission, with its form's key.
pub struct MissingRow {
    /// What (the indicator's name or 预算执行率).
    pub what: String,
    /// The project code ("" for the unit).
    pub scope: String,
    /// The indicator id ("" for the execution rate).
    pub indicator: String,
    /// The key of its form.
    pub key: String,
}

/// One evaluation (the unit's or a project's).
pub struct EvaluationBlock {
    /// 单位整体 or the project's name.
    pub title: String,
    /// 自评得分.
    pub total: String,
    /// 等级 (优/良/中/差).
    pub grade: &'static str,
    /// 预算执行率.
    pub execution_rate: String,
    /// Indicator rows.
    pub rows: Vec<ScoreRow>,
    /// Indicators with no actual value yet.
    pub not_yet_assessed: usize,
    /// Indicators flagged 目标值可能设置偏低.
    pub over_achieved: usize,
    /// Items still to explain.
    pub missing: Vec<MissingRow>,
}

/// One step of the year-end workflow as recorded.
pub struct StepRow {
    /// The state it led to (已上报, 已退回, …).
    pub state: &'static str,
    /// Date.
    pub on: String,
    /// Who took it.
    pub by: String,
    /// Reason or note.
    pub reason: String,
}

/// One row of the recheck (复核): as submitted and as recomputed now.
pub struct RecheckLine {
    /// 部门整体 or the project's name.
    pub scope: String,
    /// The row's name.
    pub name: String,
    /// 实际完成值 / 得分 as submitted.
    pub submitted: String,
    /// 实际完成值 / 得分 now.
    pub now: String,
    /// What differs, in Chinese.
    pub changed: String,
}

/// A pending adjustment request the bureau decides.
pub struct RequestRow {
    /// Request id.
    pub id: String,
    /// 预算 or 绩效目标.
    pub kind: &'static str,
    /// What changes.
    pub what: String,
    /// Why.
    pub reason: String,
    /// Requested on.
    pub date: String,
    /// 待审批 / 已批准 / 已驳回.
    pub status: &'static str,
    /// Still pending.
    pub pending: bool,
    /// The key of its decision form.
    pub key: String,
}

#[derive(Template)]
#[template(path = "yearend.html")]
struct YearEndPage {
    chrome: Chrome,
    unit: String,
    year: i32,
    unit_name: String,
    /// 草稿 / 已上报 / 已退回 / 已审核 / 已关闭.
    workflow: String,
    /// Every workflow step.
    steps: Vec<StepRow>,
    /// The self-evaluation waits for the bureau (已上报).
    submitted: bool,
    /// The recheck (finance, when submitted): rows that differ, or why it cannot be made.
    recheck: Option<Result<Vec<RecheckLine>, String>>,
    may_review: bool,
    /// The forms to download.
    downloads: Vec<crate::downloads::DownloadRow>,
    blocks: Vec<EvaluationBlock>,
    requests: Vec<RequestRow>,
    lines: Vec<Choice>,
    indicators: Vec<Choice>,
    closed: bool,
    may_explain: bool,
    may_submit: bool,
    may_decide: bool,
    today: String,
    failed_key: String,
    failed: FormState,
}

impl YearEndPage {
    /// The form with `key`: the failed one as entered, or a fresh one dated today.
    fn form(&self, key: &str, date_field: &str) -> FormState {
        if self.failed_key == key {
            return self.failed.clone();
        }
        FormState::with(&[(date_field, self.today.clone())])
    }
}

struct YearEndData {
    unit_name: String,
    workflow: jixiao_app::WorkflowView,
    recheck: Option<Result<jixiao_app::Recheck, String>>,
    closed: bool,
    evaluation: jixiao_app::SelfEvaluation,
    projects: HashMap<String, String>,
    requests: Vec<RequestRow>,
    lines: Vec<Choice>,
    indicators: Vec<Choice>,
}

fn load_yearend(
    app: &App,
    unit: String,
    year: i32,
    with_recheck: bool,
) -> Result<YearEndData, AppError> {
    let stream = StreamId::new(unit.clone(), year);
    let profile = app
        .profile(None)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let evaluation = app.evaluation(&stream, None, KnownAt::Now, &profile)?;
    let workflow = app.workflow(&stream)?;
    let recheck = (with_recheck && workflow.state == jixiao_domain::aggregate::Workflow::Submitted)
        .then(|| match app.recheck(&stream) {
            Ok(r) => Ok(Ok(r)),
            Err(e) if e.kind == jixiao_app::ErrorKind::Internal => Err(e),
            Err(e) => Ok(Err(e.to_string())),
        })
        .transpose()?;
    let record = load_record(app, unit, year)?;
    app.with_budgeted_year(&stream, KnownAt::Now, |y| {
        let b = y.state.budget();
        let projects: HashMap<String, String> = b
            .map(|b| {
                b.projects
                    .iter()
                    .map(|p| (p.code.0.clone(), p.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let closed = y.state.is_closed();
        let line_name = |id: &LineId| {
            record
                .lines
                .iter()
                .find(|c| c.value == id.0)
                .map(|c| c.label.clone())
                .unwrap_or_else(|| id.0.clone())
        };
        let mut requests: Vec<RequestRow> = y
            .state
            .budget_requests()
            .values()
            .map(|r| RequestRow {
                id: r.request.request_id.to_string(),
                kind: "预算调整",
                what: format!(
                    "{}：{} 元",
                    line_name(&r.request.line_id),
                    r.request.delta_yuan
                ),
                reason: r.request.reason.clone(),
                date: r.request.requested_on.to_string(),
                status: r.status.label(),
                pending: matches!(r.status, jixiao_domain::aggregate::RequestStatus::Pending),
                key: format!("decide:{}", r.request.request_id),
            })
            .collect();
        requests.extend(y.state.target_requests().values().map(|r| RequestRow {
            id: r.request.request_id.to_string(),
            kind: "绩效目标调整",
            what: format!(
                "{} → {}",
                r.request.indicator_id.0,
                r.request.new_target.text()
            ),
            reason: r.request.reason.clone(),
            date: r.request.requested_on.to_string(),
            status: r.status.label(),
            pending: matches!(r.status, jixiao_domain::aggregate::RequestStatus::Pending),
            key: format!("decide:{}", r.request.request_id),
        }));
        requests.sort_by_key(|r| !r.pending);
        Ok(YearEndData {
            unit_name: record.unit_name.clone(),
            workflow,
            recheck,
            closed,
            evaluation,
            projects,
            requests,
            lines: record.lines,
            indicators: record.indicators,
        })
    })
}

fn evaluation_block(
    title: String,
    scope: &str,
    e: &jixiao_domain::evaluation::Evaluation,
) -> EvaluationBlock {
    use jixiao_domain::evaluation::DeviationItem;
    let name_of = |id: &jixiao_domain::indicator::IndicatorId| {
        e.indicators
            .iter()
            .find(|i| &i.id == id)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| id.0.clone())
    };
    EvaluationBlock {
        title,
        total: format!("{:.2}", e.total),
        grade: e.grade.name_zh(),
        execution_rate: percent(e.execution.rate_percent),
        rows: e
            .indicators
            .iter()
            .map(|i| ScoreRow {
                name: i.name.clone(),
                target: i.target_text.clone(),
                actual: i.actual_text.clone(),
                weight: format!("{:.2}", i.weight),
                score: format!("{:.2}", i.score),
            })
            .collect(),
        not_yet_assessed: e.not_yet_assessed.len(),
        over_achieved: e.over_achieved.len(),
        missing: e
            .needs_explanation
            .iter()
            .map(|item| {
                let (what, indicator) = match item {
                    DeviationItem::ExecutionRate => ("预算执行率".to_string(), String::new()),
                    DeviationItem::Indicator(id) => (name_of(id), id.0.clone()),
                };
                MissingRow {
                    key: format!("explain:{scope}:{indicator}"),
                    what,
                    scope: scope.to_string(),
                    indicator,
                }
            })
            .collect(),
    }
}

async fn yearend_page_with(
    st: &WebState,
    s: &Session,
    unit: String,
    year: i32,
    failed: Option<(String, FormState)>,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let u = unit.clone();
    let may_review = s.claims.may(Action::ReviewSelfEvaluation);
    let data = blocking(&st.app, move |app| load_yearend(app, u, year, may_review)).await?;
    let scope_name = |scope: &Scope| match scope {
        Scope::Unit => "部门整体".to_string(),
        Scope::Project(code) => data
            .projects
            .get(&code.0)
            .cloned()
            .unwrap_or_else(|| code.0.clone()),
    };
    let steps = data
        .workflow
        .steps
        .iter()
        .map(|step| StepRow {
            state: step.state.label(),
            on: step.on.to_string(),
            by: step.by.clone(),
            reason: step.reason.clone(),
        })
        .collect();
    let recheck = data.recheck.as_ref().map(|r| {
        r.as_ref()
            .map(|r| {
                r.differences
                    .iter()
                    .map(|row| RecheckLine {
                        scope: scope_name(&row.scope),
                        name: row.name.clone(),
                        submitted: submitted_row_text(row.submitted.as_ref()),
                        now: submitted_row_text(row.recomputed.as_ref()),
                        changed: row
                            .changed
                            .iter()
                            .map(|c| recheck_change_zh(c))
                            .collect::<Vec<_>>()
                            .join("、"),
                    })
                    .collect()
            })
            .map_err(Clone::clone)
    });
    let mut blocks = Vec::new();
    let mut downloads = Vec::new();
    if let Some(e) = &data.evaluation.unit {
        blocks.push(evaluation_block("部门整体".to_string(), "", e));
        downloads.push(crate::downloads::row(
            &unit,
            year,
            jixiao_app::forms::Form::UnitSelfEvaluation,
            None,
            "部门整体支出绩效自评表".to_string(),
        ));
    }
    for (code, e) in &data.evaluation.projects {
        let title = data
            .projects
            .get(&code.0)
            .cloned()
            .unwrap_or_else(|| code.0.clone());
        downloads.push(crate::downloads::row(
            &unit,
            year,
            jixiao_app::forms::Form::ProjectSelfEvaluation,
            Some(&code.0),
            format!("项目支出绩效自评表 · {title}"),
        ));
        blocks.push(evaluation_block(title, &code.0, e));
    }
    let mut chrome = Chrome::new(
        s,
        format!("年终自评 · {}", data.unit_name),
        year,
        Section::Unit,
    );
    chrome.notice = notice;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (failed_key, failed) = failed.unwrap_or_default();
    let page = YearEndPage {
        chrome,
        unit,
        year,
        unit_name: data.unit_name,
        workflow: data.workflow.state.label().to_string(),
        steps,
        submitted: data.workflow.state == jixiao_domain::aggregate::Workflow::Submitted,
        recheck,
        may_review,
        downloads,
        blocks,
        requests: data.requests,
        lines: data.lines,
        indicators: data.indicators,
        closed: data.closed,
        may_explain: s.claims.may(Action::Record),
        may_submit: s.claims.may(Action::SubmitSelfEvaluation),
        may_decide: s.claims.may(Action::Decide),
        today: st.app.business_today().to_string(),
        failed_key,
        failed,
    };
    Ok(html(status, page.render()))
}

/// A submitted row's 实际完成值 and 得分 for the recheck table ("—" when only on one side).
fn submitted_row_text(row: Option<&jixiao_domain::event::SubmittedRow>) -> String {
    row.map(|r| format!("{} · 得分 {:.2}", r.actual_text, r.score))
        .unwrap_or_else(|| "—".to_string())
}

/// The Chinese name of what differs in a recheck row (the domain's stable codes).
fn recheck_change_zh(code: &str) -> &'static str {
    match code {
        "weight" => "分值",
        "score" => "得分",
        "actual" => "实际完成值",
        "flags" => "标记",
        "target" => "年度指标值",
        "row" => "仅一方有此行",
        _ => "其他",
    }
}

async fn yearend_page(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let notice = req
        .query_string()
        .contains("saved=1")
        .then(|| "已保存。".to_string());
    yearend_page_with(state(&req)?, &s, unit, year, None, notice).await
}

/// The forms of the year-end page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YearEndForm {
    Explain,
    Submit,
    Decide,
    Close,
    Reopen,
    BudgetRequest,
    TargetRequest,
    /// 退回 a submitted self-evaluation (reason required).
    Return,
    /// 审核通过 a submitted self-evaluation (note optional).
    Approve,
}

impl YearEndForm {
    pub(crate) fn action(self) -> Action {
        match self {
            YearEndForm::Explain => Action::Record,
            YearEndForm::Submit => Action::SubmitSelfEvaluation,
            YearEndForm::BudgetRequest | YearEndForm::TargetRequest => Action::UnitHeadAct,
            YearEndForm::Decide => Action::Decide,
            YearEndForm::Close | YearEndForm::Reopen => Action::CloseYear,
            YearEndForm::Return | YearEndForm::Approve => Action::ReviewSelfEvaluation,
        }
    }

    /// The command of the form; `by` is the signed-in user (recorded on workflow steps).
    pub(crate) fn command(self, f: &mut FormState, by: &str) -> Option<Command> {
        use jixiao_domain::aggregate::{Decide, Decision, SubmitSelfEvaluation};
        use jixiao_domain::event::{
            BudgetAdjustmentRequested, DeviationExplained, YearLockChanged,
        };
        match self {
            YearEndForm::Explain => {
                let explanation = f.text("explanation", "偏差原因分析及改进措施");
                let on = f.date("explained_on", "说明日期");
                f.event_id()?;
                let scope = match f.optional_text("scope") {
                    Some(code) => Scope::Project(ProjectCode(code)),
                    None => Scope::Unit,
                };
                Some(Command::ExplainDeviation(DeviationExplained {
                    scope,
                    indicator_id: f
                        .optional_text("indicator_id")
                        .map(jixiao_domain::indicator::IndicatorId),
                    explanation: explanation?,
                    explained_on: on?,
                }))
            }
            YearEndForm::Submit => {
                let on = f.date("submitted_on", "上报日期");
                f.event_id()?;
                Some(Command::SubmitSelfEvaluation(SubmitSelfEvaluation {
                    submitted_on: on?,
                    submitted_by: by.to_string(),
                }))
            }
            YearEndForm::Decide => {
                let request = f.uuid("request_id", "申请");
                let on = f.date("decided_on", "审批日期");
                let approve = f.v("decision") == "approve";
                let text = f.optional_text("reason").unwrap_or_default();
                if !approve && text.is_empty() {
                    f.error("reason", "驳回须填写理由");
                }
                f.event_id()?;
                let decision = if approve {
                    Decision::Approve { note: text }
                } else {
                    Decision::Reject { reason: text }
                };
                let decide = Decide {
                    request_id: request?,
                    decided_on: on?,
                    decision,
                };
                Some(if f.v("kind") == "target" {
                    Command::DecideTargetAdjustment(decide)
                } else {
                    Command::DecideBudgetAdjustment(decide)
                })
            }
            YearEndForm::Close | YearEndForm::Reopen => {
                let on = f.date("on", "日期");
                let reason = f.text("reason", "理由");
                f.event_id()?;
                let lock = YearLockChanged {
                    on: on?,
                    reason: reason?,
                    by: by.to_string(),
                };
                Some(if self == YearEndForm::Close {
                    Command::CloseYear(lock)
                } else {
                    Command::ReopenYear(lock)
                })
            }
            YearEndForm::Return | YearEndForm::Approve => {
                let on = f.date("on", "日期");
                let reason = if self == YearEndForm::Return {
                    f.text("reason", "退回理由")
                } else {
                    Some(f.optional_text("reason").unwrap_or_default())
                };
                f.event_id()?;
                let review = jixiao_domain::event::SelfEvaluationReviewed {
                    on: on?,
                    by: by.to_string(),
                    reason: reason?,
                };
                Some(if self == YearEndForm::Return {
                    Command::ReturnSelfEvaluation(review)
                } else {
                    Command::ApproveSelfEvaluation(review)
                })
            }
            YearEndForm::TargetRequest => {
                let which = f.text("indicator", "指标");
                let target = f.text("new_target", "新的指标值");
                let target = target.and_then(|t| {
                    jixiao_domain::target::Target::parse(&t)
                        .map_err(|e| f.error("new_target", e.to_string()))
                        .ok()
                });
                let reason = f.text("reason", "调整理由");
                let on = f.date("requested_on", "申请日期");
                let id = f.event_id();
                let (code, indicator) = which?
                    .split_once('|')
                    .map(|(c, i)| (c.to_string(), i.to_string()))?;
                Some(Command::RequestTargetAdjustment(
                    jixiao_domain::event::TargetAdjustmentRequested {
                        request_id: id?,
                        scope: if code.is_empty() {
                            Scope::Unit
                        } else {
                            Scope::Project(ProjectCode(code))
                        },
                        indicator_id: jixiao_domain::indicator::IndicatorId(indicator),
                        new_target: target?,
                        reason: reason?,
                        requested_on: on?,
                    },
                ))
            }
            YearEndForm::BudgetRequest => {
                let line = f.text("line_id", "预算科目");
                let delta = f.yuan("delta_yuan", "调整金额");
                let reason = f.text("reason", "调整理由");
                let on = f.date("requested_on", "申请日期");
                let id = f.event_id();
                Some(Command::RequestBudgetAdjustment(
                    BudgetAdjustmentRequested {
                        request_id: id?,
                        line_id: LineId(line?),
                        delta_yuan: delta?,
                        reason: reason?,
                        requested_on: on?,
                    },
                ))
            }
        }
    }
}

/// Decides and appends one command of a form (the event id is the form's), on the blocking
/// pool: `Ok(Err(refusal))` when the application refused it.
pub(crate) async fn write_form(
    st: &WebState,
    s: &Session,
    unit: &str,
    year: i32,
    f: &FormState,
    command: Command,
) -> Result<Result<(), AppError>, WebError> {
    let event_id = Uuid::parse_str(f.v("event_id")).unwrap_or_default();
    let write = Write {
        stream: StreamId::new(unit.to_string(), year),
        if_match: None,
        items: vec![Item::new(event_id, command)],
        actor: Actor {
            name: s.claims.sub.clone(),
            request_id: format!("web-{}", Uuid::new_v4()),
        },
        profile: st
            .app
            .profile(None)
            .map_err(|e| WebError::internal(e.to_string()))?,
    };
    let app = st.app.clone();
    match web::block(move || app.write(write)).await? {
        Ok(_) => Ok(Ok(())),
        Err(e) if e.kind == jixiao_app::ErrorKind::Internal => Err(e.into()),
        Err(e) => Ok(Err(e)),
    }
}

async fn yearend_act(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
    form: web::Form<HashMap<String, String>>,
    which: YearEndForm,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(which.action(), &unit)?;
    let form = form.into_inner();
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(form);
    let key = f.v("form_key").to_string();
    let command = which.command(&mut f, &s.claims.sub);
    let (Some(command), false) = (command, f.has_errors()) else {
        return yearend_page_with(st, &s, unit, year, Some((key, f)), None).await;
    };
    match write_form(st, &s, &unit, year, &f, command).await? {
        Ok(()) => Ok(see_other(&format!("/units/{unit}/{year}/yearend?saved=1"))),
        Err(e) => {
            f.refused(&e);
            yearend_page_with(st, &s, unit, year, Some((key, f)), None).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The 1-7月 monitoring report

/// One indicator row of the monitoring form.
pub struct MonitorRow {
    /// Row number in the form.
    pub i: usize,
    /// Indicator name.
    pub name: String,
    /// Target.
    pub target: String,
    /// 1-7月执行情况.
    pub so_far: String,
    /// 全年预计完成情况.
    pub expected: String,
    /// Colour name.
    pub colour: &'static str,
    /// CSS class.
    pub colour_class: &'static str,
    /// A 偏差原因 must be given.
    pub cause_required: bool,
}

#[derive(Template)]
#[template(path = "monitoring.html")]
struct MonitoringPage {
    chrome: Chrome,
    unit: String,
    year: i32,
    unit_name: String,
    period: String,
    as_of: String,
    schedule: String,
    rate: String,
    funds_colour: &'static str,
    funds_colour_class: &'static str,
    rows: Vec<MonitorRow>,
    causes: Vec<Choice>,
    likelihoods: Vec<Choice>,
    filed: usize,
    may_file: bool,
    form: FormState,
    /// The forms to download.
    downloads: Vec<crate::downloads::DownloadRow>,
}

fn cause_of(value: &str) -> Option<jixiao_domain::event::DeviationCause> {
    use jixiao_domain::event::DeviationCause::*;
    [Funding, Institutional, Staffing, Facilities, Other]
        .into_iter()
        .find(|c| jixiao_domain::monitoring::deviation_cause_name_zh(*c) == value)
}

fn likelihood_of(value: &str) -> Option<jixiao_domain::event::Likelihood> {
    use jixiao_domain::event::Likelihood::*;
    [Certain, Possible, Impossible]
        .into_iter()
        .find(|l| jixiao_domain::monitoring::likelihood_name_zh(*l) == value)
}

fn load_draft(
    app: &App,
    unit: String,
    year: i32,
    as_of: Option<NaiveDate>,
) -> Result<
    (
        jixiao_domain::monitoring::MonitoringReportDraft,
        String,
        usize,
    ),
    AppError,
> {
    let stream = StreamId::new(unit, year);
    let profile = app
        .profile(None)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let draft = app.monitoring_draft(&stream, &Scope::Unit, as_of, KnownAt::Now, &profile)?;
    let (name, filed) = app.with_budgeted_year(&stream, KnownAt::Now, |y| {
        Ok((
            y.state
                .budget()
                .map(|b| b.unit.name.clone())
                .unwrap_or_default(),
            y.state.monitoring_reports().len(),
        ))
    })?;
    Ok((draft, name, filed))
}

async fn monitoring_page_with(
    st: &WebState,
    s: &Session,
    unit: String,
    year: i32,
    failed: Option<FormState>,
    notice: Option<String>,
) -> Result<HttpResponse, WebError> {
    let u = unit.clone();
    let (draft, unit_name, filed) =
        blocking(&st.app, move |app| load_draft(app, u, year, None)).await?;
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let form = failed.unwrap_or_else(|| {
        let mut f = FormState::with(&[
            ("filed_on", st.app.business_today().to_string()),
            ("as_of", draft.as_of.to_string()),
            (
                "expected_full_year_yuan",
                draft.funds.forecast.forecast_yuan.to_string(),
            ),
        ]);
        for (i, r) in draft.rows.iter().enumerate() {
            f.set(
                &format!("likelihood_{i}"),
                jixiao_domain::monitoring::likelihood_name_zh(r.likelihood).to_string(),
            );
        }
        f
    });
    let downloads = vec![crate::downloads::row(
        &unit,
        year,
        jixiao_app::forms::Form::Monitoring,
        None,
        "绩效监控情况表".to_string(),
    )];
    let mut chrome = Chrome::new(s, format!("绩效监控 · {unit_name}"), year, Section::Unit);
    chrome.notice = notice;
    let page = MonitoringPage {
        chrome,
        unit,
        year,
        unit_name,
        period: draft.period_label.clone(),
        as_of: draft.as_of.to_string(),
        schedule: format!("{}%", draft.schedule_progress_percent),
        rate: percent(draft.funds.execution_rate_percent),
        funds_colour: draft.funds.warning.colour.name_zh(),
        funds_colour_class: colour_class(draft.funds.warning.colour),
        rows: draft
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| MonitorRow {
                i,
                name: r.name.clone(),
                target: r.target_text.clone(),
                so_far: r.value_so_far_text.clone(),
                expected: r.expected_full_year_text.clone(),
                colour: r.progress.colour.name_zh(),
                colour_class: colour_class(r.progress.colour),
                cause_required: r.deviation_cause_required,
            })
            .collect(),
        causes: {
            use jixiao_domain::event::DeviationCause::*;
            [Funding, Institutional, Staffing, Facilities, Other]
                .into_iter()
                .map(|c| {
                    let name = jixiao_domain::monitoring::deviation_cause_name_zh(c);
                    Choice {
                        value: name.to_string(),
                        label: name.to_string(),
                    }
                })
                .collect()
        },
        likelihoods: {
            use jixiao_domain::event::Likelihood::*;
            [Certain, Possible, Impossible]
                .into_iter()
                .map(|l| {
                    let name = jixiao_domain::monitoring::likelihood_name_zh(l);
                    Choice {
                        value: name.to_string(),
                        label: name.to_string(),
                    }
                })
                .collect()
        },
        filed,
        may_file: s.claims.may(Action::UnitHeadAct),
        form,
        downloads,
    };
    Ok(html(status, page.render()))
}

async fn monitoring_page(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    let (unit, year) = path.into_inner();
    s.require_unit(Action::Read, &unit)?;
    let notice = req
        .query_string()
        .contains("saved=1")
        .then(|| "已保存。".to_string());
    monitoring_page_with(state(&req)?, &s, unit, year, None, notice).await
}

async fn file_monitoring(
    req: HttpRequest,
    s: Session,
    path: web::Path<(String, i32)>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    let st = state(&req)?;
    let (unit, year) = path.into_inner();
    s.require_unit(Action::UnitHeadAct, &unit)?;
    let form = form.into_inner();
    s.check_csrf(form.get("csrf").map(String::as_str).unwrap_or(""))?;
    let mut f = FormState::submitted(form);
    let as_of = f.date("as_of", "截至日期");
    let filed_on = f.date("filed_on", "报送日期");
    let expected = f.yuan("expected_full_year_yuan", "全年预计执行数");
    f.event_id();
    let u = unit.clone();
    let (draft, _, _) = blocking(&st.app, move |app| load_draft(app, u, year, as_of)).await?;
    let mut rows = Vec::new();
    for (i, r) in draft.rows.iter().enumerate() {
        let cause_text = f.v(&format!("deviation_cause_{i}")).to_string();
        let cause = if cause_text.is_empty() {
            None
        } else {
            let c = cause_of(&cause_text);
            if c.is_none() {
                f.error(&format!("deviation_cause_{i}"), "请选择偏差原因");
            }
            c
        };
        let likelihood = likelihood_of(f.v(&format!("likelihood_{i}"))).unwrap_or(r.likelihood);
        let explanation = f
            .optional_text(&format!("explanation_{i}"))
            .unwrap_or_default();
        rows.push(r.to_monitoring_row(cause, likelihood, explanation));
    }
    let (Some(as_of), Some(filed_on), Some(expected), false) =
        (as_of, filed_on, expected, f.has_errors())
    else {
        return monitoring_page_with(st, &s, unit, year, Some(f), None).await;
    };
    let command = Command::FileMonitoringReport(jixiao_domain::event::MonitoringReportFiled {
        as_of,
        filed_on,
        expected_full_year_yuan: expected,
        rows,
    });
    match write_form(st, &s, &unit, year, &f, command).await? {
        Ok(()) => Ok(see_other(&format!(
            "/units/{unit}/{year}/monitoring?saved=1"
        ))),
        Err(e) => {
            f.refused(&e);
            monitoring_page_with(st, &s, unit, year, Some(f), None).await
        }
    }
}

/// Registers every page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/static/style.css", web::get().to(style))
        .route("/signin", web::get().to(signin_form))
        .route("/signin", web::post().to(signin))
        .route("/signout", web::post().to(signout))
        .route("/units/{unit}/{year}", web::get().to(unit_page))
        .route("/units/{unit}/{year}/record", web::get().to(record_page))
        .route(
            "/units/{unit}/{year}/payments",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Payment)),
        )
        .route(
            "/units/{unit}/{year}/activities",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Activity)),
        )
        .route(
            "/units/{unit}/{year}/surveys",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Survey)),
        )
        .route(
            "/units/{unit}/{year}/reversals",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Reversal)),
        )
        .route(
            "/units/{unit}/{year}/procurements",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Procurement)),
        )
        .route(
            "/units/{unit}/{year}/assessments",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Assessment)),
        )
        .route(
            "/units/{unit}/{year}/corrections",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Correction)),
        )
        .route(
            "/units/{unit}/{year}/withdrawals",
            web::post().to(|r, s, p, f| record(r, s, p, f, RecordForm::Withdrawal)),
        )
        .route(
            "/units/{unit}/{year}/monitoring",
            web::get().to(monitoring_page),
        )
        .route(
            "/units/{unit}/{year}/monitoring",
            web::post().to(file_monitoring),
        )
        .route("/units/{unit}/{year}/yearend", web::get().to(yearend_page))
        .route("/recheck", web::get().to(crate::recheck::recheck_page))
        .route("/recheck", web::post().to(crate::recheck::recheck_upload))
        .route(
            "/units/{unit}/{year}/ledger",
            web::get().to(crate::ledger::ledger_page),
        )
        .route(
            "/units/{unit}/{year}/ledger",
            web::post().to(crate::ledger::ledger_upload),
        )
        .route(
            "/units/{unit}/{year}/ledger-template",
            web::get().to(crate::downloads::ledger_template),
        )
        .route(
            "/units/{unit}/{year}/forms/{form}",
            web::get().to(crate::downloads::download),
        )
        .route(
            "/units/{unit}/{year}/explanations",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Explain)),
        )
        .route(
            "/units/{unit}/{year}/submit",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Submit)),
        )
        .route(
            "/units/{unit}/{year}/decisions",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Decide)),
        )
        .route(
            "/units/{unit}/{year}/close",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Close)),
        )
        .route(
            "/units/{unit}/{year}/reopen",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Reopen)),
        )
        .route(
            "/units/{unit}/{year}/self-evaluation/return",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Return)),
        )
        .route(
            "/units/{unit}/{year}/self-evaluation/approve",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::Approve)),
        )
        .route(
            "/units/{unit}/{year}/budget-requests",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::BudgetRequest)),
        )
        .route(
            "/units/{unit}/{year}/target-requests",
            web::post().to(|r, s, p, f| yearend_act(r, s, p, f, YearEndForm::TargetRequest)),
        )
        .route("/bureau/{year}", web::get().to(crate::bureau::bureau))
        .route("/bureau/{year}/inbox", web::get().to(crate::bureau::inbox))
        .route(
            "/bureau/{year}/inbox/decide",
            web::post().to(|r, s, p, f| crate::bureau::inbox_act(r, s, p, f, YearEndForm::Decide)),
        )
        .route(
            "/bureau/{year}/inbox/approve",
            web::post().to(|r, s, p, f| crate::bureau::inbox_act(r, s, p, f, YearEndForm::Approve)),
        )
        .route(
            "/bureau/{year}/inbox/return",
            web::post().to(|r, s, p, f| crate::bureau::inbox_act(r, s, p, f, YearEndForm::Return)),
        )
        .route("/admin/users", web::get().to(users_page))
        .route("/admin/units", web::get().to(crate::units::units_page))
        .route(
            "/admin/units/import",
            web::post().to(crate::units::import_upload),
        )
        .route(
            "/admin/units/budget-template.xlsx",
            web::get().to(crate::units::budget_template_download),
        )
        .route(
            "/admin/users",
            web::post().to(|r, s, f| user_form(r, s, f, UserForm::Create)),
        )
        .route(
            "/admin/users/password",
            web::post().to(|r, s, f| user_form(r, s, f, UserForm::Password)),
        )
        .route(
            "/admin/users/role",
            web::post().to(|r, s, f| user_form(r, s, f, UserForm::Role)),
        )
        .route(
            "/admin/users/disabled",
            web::post().to(|r, s, f| user_form(r, s, f, UserForm::Disable)),
        )
        .route(
            "/units/{unit}/{year}/evidence",
            web::get().to(crate::evidence::evidence_page),
        )
        .route(
            "/units/{unit}/{year}/evidence",
            web::post().to(crate::evidence::evidence_upload),
        )
        .route(
            "/units/{unit}/{year}/evidence/{sha256}",
            web::get().to(crate::evidence::evidence_download),
        );
}
