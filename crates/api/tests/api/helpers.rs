//! `spawn_app()`: the real server on 127.0.0.1:0 over a fresh temporary database, with one user
//! per role (and a token minted for each with the server's signing key), and a small blocking
//! HTTP client around ureq.

use jixiao_api::ApiConfig;
use jixiao_api::auth::JwtKeys;
use jixiao_store::users::{PasswordCost, Role};
use jixiao_store::{Store, StoreOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::mpsc;

/// The unit the seed fixture describes (焦作市产业技术科学院).
pub const UNIT: &str = "261301";
/// Another unit, for "not your unit" checks.
pub const OTHER_UNIT: &str = "999999";
/// Every test user's password.
pub const PASSWORD: &str = "test-password-123";

/// A running server.
pub struct TestApp {
    pub address: SocketAddr,
    pub store: Store,
    pub config: ApiConfig,
    agent: ureq::Agent,
    tokens: HashMap<&'static str, String>,
    _dir: tempfile::TempDir,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// The user names created by `spawn_app`, by role; staff2 belongs to another unit.
pub const USERS: [(&str, Role, Option<&str>); 6] = [
    ("staff", Role::Staff, Some(UNIT)),
    ("head", Role::UnitHead, Some(UNIT)),
    ("finance", Role::Finance, None),
    ("auditor", Role::Auditor, None),
    ("admin", Role::Admin, None),
    ("staff2", Role::Staff, Some(OTHER_UNIT)),
];

/// The server with [`ApiConfig::for_tests`] and cheap password hashing.
pub fn spawn_app() -> TestApp {
    let mut config = ApiConfig::for_tests();
    // Throwaway users need no protection against a stolen hash: hash at the test cost (about a
    // microsecond instead of the strong cost's fraction of a second), for the seeded users and
    // for those the tests create through the API.
    config.password_cost = PasswordCost::Test;
    spawn_app_with(config)
}

pub fn spawn_app_with(mut config: ApiConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("test.db"))).unwrap();
    {
        let users = store.users().unwrap().with_cost(config.password_cost);
        for (name, role, unit) in USERS {
            users.add(name, PASSWORD, role, unit).unwrap();
        }
    }
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    let (tx, rx) = mpsc::channel();
    let server_store = store.clone();
    let server_config = config.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let (server, address) = jixiao_api::build(server_config, server_store).unwrap();
            tx.send(address).unwrap();
            let _ = server.await;
        })
    });
    let address = rx.recv().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut app = TestApp {
        address,
        store,
        config,
        agent,
        tokens: HashMap::new(),
        _dir: dir,
    };
    // The harness knows the signing key, so it mints each user's token the way the login route
    // does instead of logging in six times; `auth::every_seeded_user_logs_in_…` keeps the real
    // login of these users covered.
    let keys = JwtKeys::new(&app.config.jwt);
    for (name, role, unit) in USERS {
        app.tokens
            .insert(name, keys.mint(name, role, unit).unwrap());
    }
    app
}

fn to_answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut res = result.unwrap();
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let text = res
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap();
    Answer {
        status,
        headers,
        text,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// The token of a user created by `spawn_app`.
    pub fn token(&self, user: &str) -> &str {
        &self.tokens[user]
    }

    pub fn get(&self, path: &str, user: Option<&str>) -> Answer {
        let mut req = self.agent.get(&self.url(path));
        if let Some(u) = user {
            req = req.header("Authorization", &format!("Bearer {}", self.token(u)));
        }
        to_answer(req.call())
    }

    /// A GET whose body is bytes (a downloaded file): status, headers and the body.
    pub fn get_bytes(&self, path: &str, user: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
        let mut res = self
            .agent
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.token(user)))
            .call()
            .unwrap();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let status = res.status().as_u16();
        let body = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        (status, headers, body)
    }

    pub fn get_with_token(&self, path: &str, token: &str) -> Answer {
        to_answer(
            self.agent
                .get(&self.url(path))
                .header("Authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    pub fn put_with_token(&self, path: &str, token: &str, body: &Value) -> Answer {
        to_answer(
            self.agent
                .put(&self.url(path))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(body),
        )
    }

    pub fn post(&self, path: &str, user: Option<&str>, body: &Value) -> Answer {
        self.send("POST", path, user, body, &[])
    }

    pub fn put(&self, path: &str, user: Option<&str>, body: &Value) -> Answer {
        self.send("PUT", path, user, body, &[])
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = self.url(path);
        let mut req = match method {
            "PUT" => self.agent.put(&url),
            _ => self.agent.post(&url),
        };
        if let Some(u) = user {
            req = req.header("Authorization", &format!("Bearer {}", self.token(u)));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        to_answer(req.send_json(body))
    }

    pub fn send_raw(
        &self,
        path: &str,
        user: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Answer {
        let mut req = self
            .agent
            .post(&self.url(path))
            .header("Content-Type", content_type);
        if let Some(u) = user {
            req = req.header("Authorization", &format!("Bearer {}", self.token(u)));
        }
        to_answer(req.send(body))
    }
}

/// Asserts an answer is a problem+json with the status, and returns its body.
pub fn assert_problem(answer: &Answer, status: u16) -> Value {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json"),
        "{}",
        answer.text
    );
    let body = answer.json();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["errors"].is_array());
    body
}
