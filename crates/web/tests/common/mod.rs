//! The one harness of the web crate's black-box tests: a fresh database with the 焦作 2024
//! budget and one user per role, the actix service of the pages, sessions minted as the sign-in
//! makes them, and the request helpers a browser's requests are built with.

#![allow(dead_code)] // each test binary uses its own part of the harness

use actix_web::body::to_bytes;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::{test, web};
use jixiao_app::auth::{JwtKeys, JwtSettings, Secret};
use jixiao_app::import::Approval;
use jixiao_app::throttle::LoginThrottle;
use jixiao_app::{Actor, App, AppConfig};
use jixiao_store::users::{PasswordCost, Role};
use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};
use jixiao_web::session::{self, SESSION_COOKIE};
use jixiao_web::{WebSettings, WebState};
use std::sync::Arc;

pub const UNIT: &str = "261301";
pub const YEAR: i32 = 2024;
pub const PASSWORD: &str = "test-password-123";
pub const SECRET: &str = "test-signing-key-that-is-long-enough-0123456789";

pub struct Harness {
    pub app: Arc<App>,
    pub keys: web::Data<JwtKeys>,
    pub state: web::Data<WebState>,
    _dir: tempfile::TempDir,
}

/// How a harness differs from the default one.
#[derive(Default)]
pub struct Options {
    /// Mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// The sign-in throttle the pages share (the default one when `None`).
    pub throttle: Option<Arc<LoginThrottle>>,
}

pub fn harness() -> Harness {
    harness_with(Options::default())
}

pub fn harness_with(options: Options) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("t.db"))).unwrap();
    {
        let users = store.users().unwrap().with_cost(PasswordCost::Test);
        for (name, role, unit) in [
            ("staff", Role::Staff, Some(UNIT)),
            ("head", Role::UnitHead, Some(UNIT)),
            ("finance", Role::Finance, None),
            ("admin", Role::Admin, None),
        ] {
            users.add(name, PASSWORD, role, unit).unwrap();
        }
    }
    let app = Arc::new(App::new(
        store,
        AppConfig {
            business_today: chrono::NaiveDate::from_ymd_opt(YEAR, 6, 30),
            ..AppConfig::default()
        },
    ));
    let actor = Actor {
        name: "import".into(),
        request_id: "test".into(),
    };
    app.import_budget(&Approval::jiaozuo_2024().unwrap(), &actor)
        .unwrap();
    let keys = web::Data::new(JwtKeys::new(&JwtSettings {
        secret: Secret::new(SECRET),
        issuer: "jixiao".into(),
        audience: "jixiao".into(),
        ttl_seconds: 3600,
    }));
    let mut settings = WebSettings::new(
        SECRET.as_bytes(),
        options.secure_cookies,
        PasswordCost::Test,
    );
    if let Some(throttle) = options.throttle {
        settings = settings.with_login_throttle(throttle);
    }
    let state = web::Data::new(WebState {
        app: app.clone(),
        settings,
    });
    Harness {
        app,
        keys,
        state,
        _dir: dir,
    }
}

impl Harness {
    /// A session as the sign-in would make it: the cookie header and the CSRF token.
    pub fn session(&self, name: &str, role: Role, unit: Option<&str>) -> (String, String) {
        let token = self.keys.mint(name, role, unit).unwrap();
        let csrf = session::csrf_token(&self.state.settings, &token);
        (format!("{SESSION_COOKIE}={token}"), csrf)
    }

    /// Events in the test unit's 2024 stream.
    pub fn events(&self) -> usize {
        self.app
            .store()
            .read_stream(&StreamId::new(UNIT, YEAR), KnownAt::Now)
            .unwrap()
            .len()
    }

    /// Users in the database.
    pub fn users(&self) -> usize {
        self.app.store().users().unwrap().list().unwrap().len()
    }
}

/// The pages' actix service over a harness.
#[macro_export]
macro_rules! service {
    ($h:expr) => {
        actix_web::test::init_service(
            actix_web::App::new()
                .app_data($h.keys.clone())
                .app_data($h.state.clone())
                .configure(jixiao_web::configure),
        )
        .await
    };
}

pub async fn text(res: ServiceResponse) -> String {
    String::from_utf8(to_bytes(res.into_body()).await.unwrap().to_vec()).unwrap()
}

/// A form posted with a cookie and an already encoded body.
pub fn form(path: &str, cookie: &str, body: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(path)
        .insert_header((header::COOKIE, cookie.to_string()))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_string())
}

pub fn set_cookies(res: &ServiceResponse) -> Vec<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The value of a hidden field of a page.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_string()
}
