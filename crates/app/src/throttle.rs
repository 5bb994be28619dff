//! Login throttling, shared by every front end that checks a password (the API's
//! `POST /api/v1/auth/token` and the web sign-in): after [`ThrottleSettings::max_failures_per_user`]
//! failed attempts for one user name, or [`ThrottleSettings::max_failures_per_address`] from one
//! client address, within [`ThrottleSettings::window`], further attempts are refused with the
//! seconds to wait ([`Throttled`]) *before* the password hash runs, so a flood costs a map
//! look-up, not an argon2id hash on the blocking pool that every other request shares.
//!
//! An attempt is counted when it starts ([`LoginThrottle::attempt`]), so concurrent guesses
//! cannot all slip past the check before the first failure is recorded; a success
//! ([`LoginThrottle::succeeded`]) clears the user's counter and gives the address its attempt
//! back. Unknown user names are counted like known ones (the answer does not tell them apart).
//!
//! Memory is bounded: each table holds at most [`ThrottleSettings::max_tracked`] keys; when a
//! new key finds its table full, expired windows are dropped first, then the oldest window.
//! User names are keyed by at most [`MAX_THROTTLE_KEY_BYTES`] bytes, IPv6 addresses by their
//! /64 prefix (one host owns a whole /64, so cycling within it gains nothing).
//!
//! Which address is the client's: the connection's peer, unless the peer is a configured
//! trusted proxy ([`ThrottleSettings::trusted_proxies`]); only then is `X-Forwarded-For` read,
//! from the right, skipping trusted proxies ([`client_address`]). Without configuration the
//! header is ignored, so a client cannot pick its own address.
//!
//! The clock is passed in (`*_at` methods) so tests drive time without sleeping; the state is
//! per process (a restart forgets it, and several server processes each count on their own).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins of one user name within the window before the next is refused.
pub const LOGIN_MAX_FAILURES_PER_USER: u32 = 5;
/// Failed sign-ins from one client address within the window before the next is refused
/// (higher than per user: an office behind one NAT address shares it).
pub const LOGIN_MAX_FAILURES_PER_ADDRESS: u32 = 30;
/// How long failures are remembered, counted from the first failure of a window, in seconds.
pub const LOGIN_FAILURE_WINDOW_SECONDS: u64 = 15 * 60;
/// Most user names, and most addresses, tracked at once (each table separately).
pub const LOGIN_MAX_TRACKED_KEYS: usize = 10_000;
/// Longest part of a user name used as its key, in bytes (longer names share a key, which
/// only makes their throttling stricter).
pub const MAX_THROTTLE_KEY_BYTES: usize = 64;

/// How sign-ins are throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Failures per user name within the window before refusing.
    pub max_failures_per_user: u32,
    /// Failures per client address within the window before refusing.
    pub max_failures_per_address: u32,
    /// How long a window lasts, from its first failure.
    pub window: Duration,
    /// Keys kept per table.
    pub max_tracked: usize,
    /// Proxies whose `X-Forwarded-For` is believed (empty: the header is ignored).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            max_failures_per_user: LOGIN_MAX_FAILURES_PER_USER,
            max_failures_per_address: LOGIN_MAX_FAILURES_PER_ADDRESS,
            window: Duration::from_secs(LOGIN_FAILURE_WINDOW_SECONDS),
            max_tracked: LOGIN_MAX_TRACKED_KEYS,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A refused attempt: try again after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Seconds until the window that refused it ends (the `Retry-After` value).
    pub retry_after_seconds: u64,
}

impl Throttled {
    /// The Chinese message shown to people (the API adds an English gloss).
    pub fn message_zh(&self) -> String {
        format!(
            "登录失败次数过多，请在 {} 秒后重试",
            self.retry_after_seconds
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

#[derive(Debug)]
struct Table<K> {
    windows: HashMap<K, Window>,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            windows: HashMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Table<K> {
    fn live(&self, key: &K, now: Instant, window: Duration) -> Option<Window> {
        self.windows
            .get(key)
            .copied()
            .filter(|w| now.saturating_duration_since(w.started) < window)
    }

    fn refuses(&self, key: &K, now: Instant, settings: (u32, Duration)) -> Option<Throttled> {
        let (max, window) = settings;
        let w = self.live(key, now, window)?;
        (w.failures >= max).then(|| {
            let left = window.saturating_sub(now.saturating_duration_since(w.started));
            Throttled {
                retry_after_seconds: left.as_secs() + u64::from(left.subsec_nanos() > 0),
            }
        })
    }

    fn count(&mut self, key: K, now: Instant, window: Duration, max_tracked: usize) {
        if !self.windows.contains_key(&key) && self.windows.len() >= max_tracked {
            self.windows
                .retain(|_, w| now.saturating_duration_since(w.started) < window);
            if self.windows.len() >= max_tracked
                && let Some(oldest) = self
                    .windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| k.clone())
            {
                self.windows.remove(&oldest);
            }
        }
        let entry = self.windows.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                failures: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    fn give_back(&mut self, key: &K) {
        if let Some(w) = self.windows.get_mut(key) {
            w.failures = w.failures.saturating_sub(1);
        }
    }
}

#[derive(Debug, Default)]
struct State {
    users: Table<String>,
    addresses: Table<IpAddr>,
}

/// The counters of one process (share one instance between the API and the web pages).
#[derive(Debug)]
pub struct LoginThrottle {
    settings: ThrottleSettings,
    state: Mutex<State>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(ThrottleSettings::default())
    }
}

/// The key of a user name: trimmed, at most [`MAX_THROTTLE_KEY_BYTES`] bytes (cut at a
/// character boundary).
fn user_key(user: &str) -> String {
    let user = user.trim();
    let mut end = user.len().min(MAX_THROTTLE_KEY_BYTES);
    while !user.is_char_boundary(end) {
        end -= 1;
    }
    user[..end].to_string()
}

/// The key of an address: IPv4 as is (also when written as IPv4-mapped IPv6), IPv6 by /64.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl LoginThrottle {
    /// Counters with these settings.
    pub fn new(settings: ThrottleSettings) -> Self {
        LoginThrottle {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ThrottleSettings {
        &self.settings
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves counters that are still consistent numbers.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a sign-in of `user` from `address`: refused when either is throttled, else
    /// counted as a failure until [`LoginThrottle::succeeded`] says otherwise.
    pub fn attempt(&self, user: &str, address: Option<IpAddr>) -> Result<(), Throttled> {
        self.attempt_at(user, address, Instant::now())
    }

    /// [`LoginThrottle::attempt`] at a given instant.
    pub fn attempt_at(
        &self,
        user: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Throttled> {
        let s = &self.settings;
        let user = user_key(user);
        let address = address.map(address_key);
        let mut state = self.state();
        let by_user = state
            .users
            .refuses(&user, now, (s.max_failures_per_user, s.window));
        let by_address = address.and_then(|a| {
            state
                .addresses
                .refuses(&a, now, (s.max_failures_per_address, s.window))
        });
        if let Some(refused) = by_user
            .into_iter()
            .chain(by_address)
            .max_by_key(|t| t.retry_after_seconds)
        {
            return Err(refused);
        }
        state.users.count(user, now, s.window, s.max_tracked);
        if let Some(a) = address {
            state.addresses.count(a, now, s.window, s.max_tracked);
        }
        Ok(())
    }

    /// The attempt of `user` from `address` succeeded: the user's failures are forgotten and
    /// the address gets this attempt back.
    pub fn succeeded(&self, user: &str, address: Option<IpAddr>) {
        let mut state = self.state();
        state.users.windows.remove(&user_key(user));
        if let Some(a) = address {
            state.addresses.give_back(&address_key(a));
        }
    }

    /// How many user names and addresses are tracked now (for tests and metrics).
    pub fn tracked(&self) -> (usize, usize) {
        let state = self.state();
        (state.users.windows.len(), state.addresses.windows.len())
    }
}

/// The client's address: `peer` itself, unless `peer` is one of `trusted_proxies`; then the
/// right-most entry of `forwarded_for` (the `X-Forwarded-For` header) that is not a trusted
/// proxy. An unreadable entry ends the walk at the last trusted hop (never at a value the
/// client could have written itself).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted_proxies: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for entry in forwarded_for.unwrap_or("").rsplit(',') {
        let Ok(hop) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = hop;
        if !trusted_proxies.contains(&hop) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_user: u32, per_address: u32, max_tracked: usize) -> ThrottleSettings {
        ThrottleSettings {
            max_failures_per_user: per_user,
            max_failures_per_address: per_address,
            window: Duration::from_secs(60),
            max_tracked,
            trusted_proxies: Vec::new(),
        }
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn a_user_is_refused_after_the_allowed_failures_until_the_window_ends() {
        let t = LoginThrottle::new(settings(3, 100, 100));
        let start = Instant::now();
        for i in 0..3 {
            assert!(
                t.attempt_at("li", ip("10.0.0.1"), start + Duration::from_secs(i))
                    .is_ok()
            );
        }
        let refused = t
            .attempt_at("li", ip("10.0.0.2"), start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds, 50);
        // Another user from the same address is not affected.
        assert!(
            t.attempt_at("wang", ip("10.0.0.1"), start + Duration::from_secs(10))
                .is_ok()
        );
        // The window ends 60 s after its first failure.
        assert!(
            t.attempt_at("li", ip("10.0.0.2"), start + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_refused_after_its_failures_whatever_the_user_names() {
        let t = LoginThrottle::new(settings(100, 4, 100));
        let now = Instant::now();
        for i in 0..4 {
            assert!(
                t.attempt_at(&format!("user{i}"), ip("10.0.0.9"), now)
                    .is_ok()
            );
        }
        assert!(t.attempt_at("someone-new", ip("10.0.0.9"), now).is_err());
        assert!(t.attempt_at("someone-new", ip("10.0.0.10"), now).is_ok());
    }

    #[test]
    fn a_success_resets_the_users_counter_and_gives_the_address_its_attempt_back() {
        let t = LoginThrottle::new(settings(3, 3, 100));
        let now = Instant::now();
        for _ in 0..2 {
            t.attempt_at("li", ip("10.0.0.1"), now).unwrap();
        }
        t.attempt_at("li", ip("10.0.0.1"), now).unwrap();
        t.succeeded("li", ip("10.0.0.1"));
        // Two more failures of li would have been refused without the reset.
        t.attempt_at("li", ip("10.0.0.2"), now).unwrap();
        t.attempt_at("li", ip("10.0.0.2"), now).unwrap();
        // The address has 2 failures counted (3 attempts, one given back): one more is allowed.
        t.attempt_at("x", ip("10.0.0.1"), now).unwrap();
        assert!(t.attempt_at("y", ip("10.0.0.1"), now).is_err());
    }

    #[test]
    fn cycling_user_names_and_addresses_cannot_grow_the_tables_past_their_bound() {
        let t = LoginThrottle::new(settings(5, 5, 50));
        let now = Instant::now();
        for i in 0..1_000u32 {
            let address = IpAddr::from(i.to_be_bytes());
            let _ = t.attempt_at(&format!("guess-{i}"), Some(address), now);
        }
        let (users, addresses) = t.tracked();
        assert!(users <= 50 && addresses <= 50, "{users} {addresses}");
        // A name longer than the key limit is tracked under its first bytes.
        let long = "名".repeat(100);
        assert!(user_key(&long).len() <= MAX_THROTTLE_KEY_BYTES);
    }

    #[test]
    fn addresses_of_one_ipv6_64_prefix_share_one_counter() {
        let t = LoginThrottle::new(settings(100, 2, 100));
        let now = Instant::now();
        t.attempt_at("a", ip("2001:db8:1:2::1"), now).unwrap();
        t.attempt_at("b", ip("2001:db8:1:2::ffff"), now).unwrap();
        assert!(t.attempt_at("c", ip("2001:db8:1:2:abcd::9"), now).is_err());
        assert!(t.attempt_at("c", ip("2001:db8:1:3::1"), now).is_ok());
    }

    #[test]
    fn forwarded_for_is_read_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let header = Some("1.2.3.4, 203.0.113.7");
        // Not configured: the peer, whatever the header says.
        assert_eq!(client_address(ip("10.0.0.1"), header, &[]), ip("10.0.0.1"));
        // From a trusted proxy: the right-most hop that is not a trusted proxy.
        assert_eq!(
            client_address(ip("10.0.0.1"), header, &[proxy]),
            ip("203.0.113.7")
        );
        // A peer that is not the proxy cannot choose its address.
        assert_eq!(
            client_address(ip("198.51.100.1"), header, &[proxy]),
            ip("198.51.100.1")
        );
        // Garbage stops at the proxy rather than trusting a forged value.
        assert_eq!(
            client_address(ip("10.0.0.1"), Some("1.2.3.4, junk"), &[proxy]),
            ip("10.0.0.1")
        );
    }
}
