//! Typed, layered settings of the `jixiao` binary: built-in defaults, then an optional TOML
//! file (`--config` or `JIXIAO_CONFIG`), then `JIXIAO_…` environment variables.
//!
//! Invariants: a [`Secret`] never prints its value (Debug and Display show `***`); a validated
//! [`Config`] in production mode always holds a signing key of at least
//! [`JWT_SECRET_BYTES_MIN`] bytes; development mode without a key gets a random ephemeral one
//! (tokens die with the process) and says so.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Shortest accepted JWT signing key: HS256 wants at least 256 bits of key material.
pub const JWT_SECRET_BYTES_MIN: usize = 32;
/// A config file larger than this is certainly not a config file.
pub const CONFIG_FILE_BYTES_MAX: u64 = 1024 * 1024;
/// Default SQLite database path (embedded, next to where the service runs).
pub const DEFAULT_DATABASE_PATH: &str = "./jixiao.db";
/// Default listen address: loopback only, so a fresh install is not exposed by accident.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// A secret string (never printed, never logged): the API's own wrapper, shared so the key
/// is wrapped from the moment it is read.
pub use jixiao_api::Secret;

/// How strict the service is about its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Real deployments: a signing key is mandatory.
    #[default]
    Production,
    /// Local use and the demo: an ephemeral key is generated when none is set.
    Development,
}

impl Mode {
    fn parse(text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "production" | "prod" => Ok(Mode::Production),
            "development" | "dev" => Ok(Mode::Development),
            other => Err(ConfigError::Invalid {
                key: "mode".into(),
                problem: format!("“{other}”不是 production 或 development"),
            }),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// The `[database]` table of the settings file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSettings {
    /// `postgres://…` (PostgreSQL), `sqlite:PATH` or a plain path (SQLite).
    url: Option<String>,
}

/// What the settings file may contain; every key is optional and overrides the default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    mode: Option<Mode>,
    database_path: Option<PathBuf>,
    database: Option<DatabaseSettings>,
    bind: Option<String>,
    jwt_secret: Option<Secret>,
    log_format: Option<LogFormat>,
    log_filter: Option<String>,
    business_today: Option<chrono::NaiveDate>,
    secure_cookies: Option<bool>,
    cached_events: Option<u64>,
    login_max_failures_per_user: Option<u32>,
    login_max_failures_per_address: Option<u32>,
    login_failure_window_seconds: Option<u64>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

/// Settings after layering, before validation.
#[derive(Debug, Clone)]
pub struct Settings {
    /// production or development.
    pub mode: Mode,
    /// The SQLite database file.
    pub database_path: PathBuf,
    /// Listen address (host:port).
    pub bind: String,
    /// JWT signing key, if configured.
    pub jwt_secret: Option<Secret>,
    /// Log format.
    pub log_format: LogFormat,
    /// `tracing` filter (e.g. "info,jixiao_store=debug").
    pub log_filter: String,
    /// Business "today" for demos and tests (`business_today`, `JIXIAO_BUSINESS_TODAY`); the
    /// real date in Asia/Shanghai when None. Refused in production mode.
    pub business_today: Option<chrono::NaiveDate>,
    /// Mark the web pages' session cookie `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Events the cached unit-years hold in all (`cached_events`, `JIXIAO_CACHED_EVENTS`):
    /// the server's memory budget for them, about 1 KiB an event.
    pub cached_events: u64,
    /// Sign-in throttling: limits, window and the proxies whose `X-Forwarded-For` is believed.
    pub login_throttle: jixiao_api::config::ThrottleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Production,
            database_path: PathBuf::from(DEFAULT_DATABASE_PATH),
            bind: DEFAULT_BIND.to_string(),
            jwt_secret: None,
            log_format: LogFormat::Text,
            log_filter: "info".to_string(),
            business_today: None,
            secure_cookies: false,
            cached_events: jixiao_app::DEFAULT_CACHED_EVENTS,
            login_throttle: jixiao_api::config::ThrottleSettings::default(),
        }
    }
}

/// Where the signing key of a validated config came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Configured (file or environment).
    Configured,
    /// Generated at start-up (development mode only): tokens do not survive a restart.
    Ephemeral,
}

/// Validated settings: safe to start the service with.
#[derive(Debug, Clone)]
pub struct Config {
    /// production or development.
    pub mode: Mode,
    /// The SQLite database file.
    pub database_path: PathBuf,
    /// Listen address.
    pub bind: String,
    /// The signing key (always present once validated).
    pub jwt_secret: Secret,
    /// Where the key came from.
    pub key_source: KeySource,
    /// Business "today" override (development mode only).
    pub business_today: Option<chrono::NaiveDate>,
    /// Mark the web pages' session cookie `Secure`.
    pub secure_cookies: bool,
    /// Events the cached unit-years hold in all.
    pub cached_events: u64,
    /// Sign-in throttling.
    pub login_throttle: jixiao_api::config::ThrottleSettings,
}

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("无法读取配置文件 {path}：{source} (cannot read config file)")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("配置文件 {path} 格式错误：{message} (invalid config file)")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said.
        message: String,
    },
    /// The file is too large.
    #[error("配置文件 {0} 超过 1 MiB (config file too large)")]
    TooLarge(PathBuf),
    /// A value is invalid.
    #[error("配置项 {key} 无效：{problem} (invalid setting)")]
    Invalid {
        /// The setting.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// Production mode without a signing key.
    #[error(
        "生产模式必须配置签名密钥 JIXIAO_JWT_SECRET（至少 {JWT_SECRET_BYTES_MIN} 字节） (production mode requires a signing key)"
    )]
    MissingKey,
    /// The signing key is too short.
    #[error(
        "签名密钥过短：{len} 字节，至少需要 {JWT_SECRET_BYTES_MIN} 字节 (signing key shorter than {JWT_SECRET_BYTES_MIN} bytes)"
    )]
    KeyTooShort {
        /// Its length in bytes.
        len: usize,
    },
}

impl Settings {
    /// Layer defaults, the optional file and the environment (read through `env`, so tests
    /// need not touch the process environment). `file` wins over `JIXIAO_CONFIG`.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut settings = Settings::default();
        let env_file = env("JIXIAO_CONFIG").map(PathBuf::from);
        if let Some(path) = file.map(Path::to_path_buf).or(env_file) {
            settings.apply_file(&path)?;
        }
        settings.apply_env(env)?;
        Ok(settings)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        if meta.len() > CONFIG_FILE_BYTES_MAX {
            return Err(ConfigError::TooLarge(path.into()));
        }
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        let file: FileSettings = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })?;
        if let Some(v) = file.mode {
            self.mode = v;
        }
        if let Some(v) = file.database_path {
            self.database_path = v;
        }
        // `database.url` wins over `database_path` (it says which engine, too).
        if let Some(url) = file.database.and_then(|d| d.url) {
            self.database_path = database_location(&url)?;
        }
        if let Some(v) = file.bind {
            self.bind = v;
        }
        if let Some(v) = file.jwt_secret {
            self.jwt_secret = Some(v);
        }
        if let Some(v) = file.log_format {
            self.log_format = v;
        }
        if let Some(v) = file.log_filter {
            self.log_filter = v;
        }
        if let Some(v) = file.business_today {
            self.business_today = Some(v);
        }
        if let Some(v) = file.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = file.cached_events {
            self.cached_events = v;
        }
        if let Some(v) = file.login_max_failures_per_user {
            self.login_throttle.max_failures_per_user = v;
        }
        if let Some(v) = file.login_max_failures_per_address {
            self.login_throttle.max_failures_per_address = v;
        }
        if let Some(v) = file.login_failure_window_seconds {
            self.login_throttle.window = std::time::Duration::from_secs(v);
        }
        if let Some(v) = file.trusted_proxies {
            self.login_throttle.trusted_proxies = v;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = env("JIXIAO_MODE") {
            self.mode = Mode::parse(&v)?;
        }
        if let Some(v) = env("JIXIAO_DATABASE_PATH") {
            self.database_path = PathBuf::from(v);
        }
        if let Some(url) = env("JIXIAO_DATABASE_URL") {
            self.database_path = database_location(&url)?;
        }
        // The URL in a file (Docker secret, systemd credential), so a PostgreSQL password never
        // sits in the environment: wins over the variable above.
        if let Some(path) = env("JIXIAO_DATABASE_URL_FILE") {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: PathBuf::from(&path),
                source,
            })?;
            self.database_path = database_location(text.trim())?;
        }
        if let Some(v) = env("JIXIAO_BIND") {
            self.bind = v;
        }
        if let Some(v) = env("JIXIAO_JWT_SECRET") {
            self.jwt_secret = Some(Secret::new(v));
        }
        // A key in a file (Docker secret, systemd credential): wins over the variable above, so
        // the key never has to sit in the environment of the process.
        if let Some(path) = env("JIXIAO_JWT_SECRET_FILE") {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: PathBuf::from(&path),
                source,
            })?;
            self.jwt_secret = Some(Secret::new(text.trim_end_matches(['\r', '\n'])));
        }
        if let Some(v) = env("JIXIAO_LOG_FORMAT") {
            self.log_format = match v.trim().to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError::Invalid {
                        key: "log_format".into(),
                        problem: format!("“{other}”不是 text 或 json"),
                    });
                }
            };
        }
        if let Some(v) = env("JIXIAO_LOG") {
            self.log_filter = v;
        }
        if let Some(v) = env("JIXIAO_BUSINESS_TODAY") {
            let date = chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                ConfigError::Invalid {
                    key: "business_today".into(),
                    problem: format!("“{v}”不是 YYYY-MM-DD 格式的日期"),
                }
            })?;
            self.business_today = Some(date);
        }
        if let Some(v) = env("JIXIAO_CACHED_EVENTS") {
            self.cached_events = v.trim().parse().map_err(|_| ConfigError::Invalid {
                key: "cached_events".into(),
                problem: format!("“{v}”不是非负整数"),
            })?;
        }
        if let Some(v) = env("JIXIAO_SECURE_COOKIES") {
            self.secure_cookies = match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                other => {
                    return Err(ConfigError::Invalid {
                        key: "secure_cookies".into(),
                        problem: format!("“{other}”不是 true 或 false"),
                    });
                }
            };
        }
        if let Some(v) = env("JIXIAO_TRUSTED_PROXIES") {
            self.login_throttle.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| ConfigError::Invalid {
                        key: "trusted_proxies".into(),
                        problem: format!("“{a}”不是 IP 地址"),
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    /// Check the settings and settle the signing key. `ephemeral_key` is called only in
    /// development mode without a configured key.
    pub fn validate(self, ephemeral_key: impl FnOnce() -> Secret) -> Result<Config, ConfigError> {
        if self.bind.trim().is_empty() {
            return Err(ConfigError::Invalid {
                key: "bind".into(),
                problem: "监听地址为空".into(),
            });
        }
        if self.database_path.as_os_str().is_empty() {
            return Err(ConfigError::Invalid {
                key: "database_path".into(),
                problem: "数据库路径为空".into(),
            });
        }
        let (jwt_secret, key_source) = match (self.jwt_secret, self.mode) {
            (Some(key), _) => {
                let len = key.expose().len();
                if len < JWT_SECRET_BYTES_MIN {
                    return Err(ConfigError::KeyTooShort { len });
                }
                (key, KeySource::Configured)
            }
            (None, Mode::Production) => return Err(ConfigError::MissingKey),
            (None, Mode::Development) => (ephemeral_key(), KeySource::Ephemeral),
        };
        if self.business_today.is_some() && self.mode == Mode::Production {
            // A production server judges 序时进度 by the real date, never a configured one.
            return Err(ConfigError::Invalid {
                key: "business_today".into(),
                problem: "生产模式使用真实日期（北京时间），只有开发模式可设置业务日期".into(),
            });
        }
        let t = &self.login_throttle;
        if t.max_failures_per_user == 0 || t.max_failures_per_address == 0 || t.window.is_zero() {
            return Err(ConfigError::Invalid {
                key: "login_max_failures_per_user / login_max_failures_per_address / login_failure_window_seconds".into(),
                problem: "登录限流的次数和时间窗口须大于 0".into(),
            });
        }
        Ok(Config {
            mode: self.mode,
            database_path: self.database_path,
            bind: self.bind,
            jwt_secret,
            key_source,
            business_today: self.business_today,
            secure_cookies: self.secure_cookies,
            cached_events: self.cached_events,
            login_throttle: self.login_throttle,
        })
    }
}

/// Where a `database.url` points, as the CLI passes databases around: a PostgreSQL URL stays
/// whole (`jixiao_store::StoreOptions::from_url` reads it when the store is opened), a
/// `sqlite:` URL becomes its file path, a plain path stays a path.
fn database_location(url: &str) -> Result<PathBuf, ConfigError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(ConfigError::Invalid {
            key: "database.url".into(),
            problem: "数据库地址为空".into(),
        });
    }
    if jixiao_store::StoreOptions::is_postgres_url(url) {
        return Ok(PathBuf::from(url));
    }
    Ok(jixiao_store::StoreOptions::from_url(url).path)
}

/// The database for messages and logs: a file's path, or a PostgreSQL URL without its
/// password.
pub fn database_display(db: &Path) -> String {
    match db.to_str() {
        Some(s) if jixiao_store::StoreOptions::is_postgres_url(s) => {
            jixiao_store::StoreOptions::from_url(s)
                .path
                .display()
                .to_string()
        }
        _ => db.display().to_string(),
    }
}

/// Whether the configured database is a PostgreSQL server (no file, no file lock).
pub fn is_postgres(db: &Path) -> bool {
    db.to_str()
        .is_some_and(jixiao_store::StoreOptions::is_postgres_url)
}

/// A random 64-hex-character key (256 bits from two v4 UUIDs, which use the OS generator).
pub fn random_key() -> Secret {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    Secret::new(format!("{a}{b}"))
}

/// Read the process environment (the production `env` for [`Settings::load`]).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const GOOD_KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn login_throttling_and_trusted_proxies_are_read_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "login_max_failures_per_user = 7\nlogin_failure_window_seconds = 60\ntrusted_proxies = [\"10.0.0.1\"]\n",
        )
        .unwrap();
        let settings = Settings::load(
            Some(&file),
            &env_of(&[("JIXIAO_TRUSTED_PROXIES", "10.0.0.2, ::1")]),
        )
        .unwrap();
        let t = &settings.login_throttle;
        assert_eq!(t.max_failures_per_user, 7);
        assert_eq!(t.window, std::time::Duration::from_secs(60));
        assert_eq!(
            t.trusted_proxies,
            vec![
                "10.0.0.2".parse::<std::net::IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        let bad = Settings::load(None, &env_of(&[("JIXIAO_TRUSTED_PROXIES", "proxy.local")]));
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
        let mut zero = Settings {
            jwt_secret: Some(Secret::new(GOOD_KEY)),
            ..Settings::default()
        };
        zero.login_throttle.max_failures_per_user = 0;
        assert!(matches!(
            zero.validate(random_key),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn a_business_date_is_read_from_the_environment_in_development_and_refused_in_production() {
        let dev = Settings::load(
            None,
            &env_of(&[
                ("JIXIAO_MODE", "development"),
                ("JIXIAO_BUSINESS_TODAY", "2024-07-31"),
            ]),
        )
        .unwrap()
        .validate(random_key)
        .unwrap();
        assert_eq!(
            dev.business_today,
            chrono::NaiveDate::from_ymd_opt(2024, 7, 31)
        );
        let prod = Settings::load(
            None,
            &env_of(&[
                ("JIXIAO_JWT_SECRET", GOOD_KEY),
                ("JIXIAO_BUSINESS_TODAY", "2024-07-31"),
            ]),
        )
        .unwrap()
        .validate(random_key)
        .unwrap_err();
        assert!(prod.to_string().contains("business_today"), "{prod}");
        let bad =
            Settings::load(None, &env_of(&[("JIXIAO_BUSINESS_TODAY", "31/07/2024")])).unwrap_err();
        assert!(bad.to_string().contains("business_today"), "{bad}");
        let unset = Settings::load(None, &env_of(&[("JIXIAO_JWT_SECRET", GOOD_KEY)]))
            .unwrap()
            .validate(random_key)
            .unwrap();
        assert_eq!(unset.business_today, None);
    }

    #[test]
    fn database_url_selects_postgres_from_the_file_or_the_environment_and_hides_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "database_path = \"/srv/old.db\"\n[database]\nurl = \"postgres://jx:s3cret@db.local/jixiao\"\n",
        )
        .unwrap();
        let from_file = Settings::load(Some(&file), &env_of(&[])).unwrap();
        assert!(is_postgres(&from_file.database_path));
        let shown = database_display(&from_file.database_path);
        assert_eq!(shown, "postgres://jx:***@db.local/jixiao");
        let from_env = Settings::load(
            Some(&file),
            &env_of(&[("JIXIAO_DATABASE_URL", "sqlite:/var/lib/jixiao/jixiao.db")]),
        )
        .unwrap();
        assert_eq!(
            from_env.database_path,
            PathBuf::from("/var/lib/jixiao/jixiao.db")
        );
        assert!(!is_postgres(&from_env.database_path));
        let empty = Settings::load(None, &env_of(&[("JIXIAO_DATABASE_URL", " ")]));
        assert!(matches!(empty, Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn the_cache_budget_comes_from_the_file_or_the_environment() {
        let default = Settings::load(None, &env_of(&[])).unwrap();
        assert_eq!(default.cached_events, jixiao_app::DEFAULT_CACHED_EVENTS);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jixiao.toml");
        std::fs::write(&file, "cached_events = 1000000\n").unwrap();
        let s = Settings::load(Some(&file), &env_of(&[])).unwrap();
        assert_eq!(s.cached_events, 1_000_000);
        let s = Settings::load(Some(&file), &env_of(&[("JIXIAO_CACHED_EVENTS", "5000")])).unwrap();
        assert_eq!(s.cached_events, 5_000);
        let bad = Settings::load(None, &env_of(&[("JIXIAO_CACHED_EVENTS", "-1")]));
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn secure_cookies_are_off_by_default_and_set_by_the_environment() {
        let off = Settings::load(None, &env_of(&[])).unwrap();
        assert!(!off.secure_cookies);
        let on = Settings::load(None, &env_of(&[("JIXIAO_SECURE_COOKIES", "true")])).unwrap();
        assert!(on.secure_cookies);
        assert!(Settings::load(None, &env_of(&[("JIXIAO_SECURE_COOKIES", "maybe")])).is_err());
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let s = Settings::load(None, &env_of(&[("JIXIAO_JWT_SECRET", GOOD_KEY)])).unwrap();
        let cfg = s.validate(random_key).unwrap();
        let printed = format!("{cfg:?}");
        assert!(!printed.contains(GOOD_KEY), "{printed}");
        assert!(printed.contains("***"));
    }

    #[test]
    fn production_without_a_key_refuses_to_start() {
        let s = Settings::load(None, &env_of(&[])).unwrap();
        assert_eq!(s.mode, Mode::Production);
        assert!(matches!(
            s.validate(random_key),
            Err(ConfigError::MissingKey)
        ));
    }

    #[test]
    fn a_key_shorter_than_32_bytes_is_refused_even_in_development() {
        let s = Settings::load(
            None,
            &env_of(&[
                ("JIXIAO_MODE", "development"),
                ("JIXIAO_JWT_SECRET", "short"),
            ]),
        )
        .unwrap();
        assert!(matches!(
            s.validate(random_key),
            Err(ConfigError::KeyTooShort { len: 5 })
        ));
    }

    #[test]
    fn development_without_a_key_gets_an_ephemeral_one() {
        let s = Settings::load(None, &env_of(&[("JIXIAO_MODE", "development")])).unwrap();
        let cfg = s.validate(random_key).unwrap();
        assert_eq!(cfg.key_source, KeySource::Ephemeral);
        assert!(cfg.jwt_secret.expose().len() >= JWT_SECRET_BYTES_MIN);
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jixiao.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\ndatabase_path = \"/var/lib/jixiao/jixiao.db\"\nmode = \"development\"\n").unwrap();
        let s = Settings::load(Some(&path), &env_of(&[("JIXIAO_BIND", "127.0.0.1:7000")])).unwrap();
        assert_eq!(s.bind, "127.0.0.1:7000");
        assert_eq!(s.database_path, PathBuf::from("/var/lib/jixiao/jixiao.db"));
        assert_eq!(s.mode, Mode::Development);
        assert_eq!(s.log_filter, "info");
    }

    #[test]
    fn the_database_url_can_come_from_a_file_and_wins_over_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("database_url");
        std::fs::write(&path, "postgres://jx:s3cret@db/jixiao\n").unwrap();
        let p = path.to_str().unwrap();
        let s = Settings::load(
            None,
            &env_of(&[
                ("JIXIAO_DATABASE_URL", "sqlite:/srv/other.db"),
                ("JIXIAO_DATABASE_URL_FILE", p),
            ]),
        )
        .unwrap();
        assert!(is_postgres(&s.database_path));
        assert_eq!(
            database_display(&s.database_path),
            "postgres://jx:***@db/jixiao"
        );
        let missing = dir.path().join("absent");
        let gone = Settings::load(
            None,
            &env_of(&[("JIXIAO_DATABASE_URL_FILE", missing.to_str().unwrap())]),
        );
        assert!(matches!(gone, Err(ConfigError::Read { .. })));
    }

    #[test]
    fn the_key_can_come_from_a_file_without_its_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt_secret");
        std::fs::write(&path, format!("{GOOD_KEY}\n")).unwrap();
        let p = path.to_str().unwrap();
        let s = Settings::load(None, &env_of(&[("JIXIAO_JWT_SECRET_FILE", p)])).unwrap();
        let cfg = s.validate(random_key).unwrap();
        assert_eq!(cfg.jwt_secret.expose(), GOOD_KEY);
        assert_eq!(cfg.key_source, KeySource::Configured);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_not_silently_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jixiao.toml");
        std::fs::write(&path, "databse_path = \"x.db\"\n").unwrap();
        assert!(matches!(
            Settings::load(Some(&path), &env_of(&[])),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn the_example_config_in_deploy_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/jixiao.example.toml");
        let s = Settings::load(Some(&path), &env_of(&[])).unwrap();
        assert_eq!(s.mode, Mode::Production);
    }
}
