//! `jixiao-pcache`: SQLite's own page cache (`pcache1`), with one wasted scan removed.
//!
//! # The problem
//!
//! When a B-tree page splits, `balance_nonroot` renumbers the new sibling pages so that they
//! are in ascending order on disk. It swaps two page numbers through a temporary number, the
//! *pending-byte page* (page `0x4000_0000 / page_size + 1`, 262,145 with 4 KiB pages). The
//! page cache remembers the largest page number it ever held (`iMaxKey`), so after one such
//! swap that is 262,145. At the end of every transaction the pager truncates the cache to the
//! database size; `pcache1Truncate` sees `iMaxKey` far beyond it and walks **every hash slot
//! and every cached page** to drop pages that do not exist. For a database under 1 GiB with a
//! warm cache, that is one walk over thousands of pages per commit that split an index page in
//! the middle — every commit of many appenders writing to many streams (W2 in
//! `docs/benchmarks.md`: 14 % of the writer thread's CPU with about 2,000 cached pages, and the
//! walk grows with the cache, up to 16,384 pages with the writer's 64 MiB).
//!
//! # The fix
//!
//! This crate installs page-cache methods that forward every call to SQLite's default
//! implementation, and keep one number per cache: an upper bound of the page numbers really
//! cached, which does not count the pending-byte page while `balance_nonroot` passes a page
//! through it (the page leaves that number again within the same call). A truncation is
//! forwarded only when a cached page can be at or beyond the limit; otherwise it would drop
//! nothing, and skipping it is exactly equivalent. A forwarded truncation is the default one,
//! unchanged.
//!
//! # Use
//!
//! Call [`install`] once at the start of the process, before any thread opens a SQLite
//! connection: SQLite's configuration is global and may only change before its first use
//! (later calls return [`Refused`] and change nothing). The jixiao binaries call it first thing
//! in `main`. Nothing depends on it for correctness: without it SQLite uses its default cache.

use rusqlite::ffi;
use std::ffi::{c_int, c_uint};
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// SQLite's byte offset of the lock bytes (`PENDING_BYTE`): the page holding it is never used
/// for data, and `balance_nonroot` uses its number as a temporary while it swaps two pages.
const PENDING_BYTE: u32 = 0x4000_0000;

/// SQLite refused the new page cache: it was already initialised in this process (the
/// result code of `sqlite3_config`, normally `SQLITE_MISUSE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub i32);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SQLite refused the page cache (code {}): it was already in use in this process",
            self.0
        )
    }
}

impl std::error::Error for Refused {}

/// SQLite's default page-cache methods, read before ours replace them.
struct DefaultMethods(ffi::sqlite3_pcache_methods2);

// SAFETY: the methods are plain function pointers and SQLite's `pArg` (unused by the default
// cache, null); SQLite itself shares them between all threads.
unsafe impl Send for DefaultMethods {}
// SAFETY: as above; nothing is ever written through them after installation.
unsafe impl Sync for DefaultMethods {}

static DEFAULT: OnceLock<DefaultMethods> = OnceLock::new();
static SKIPPED: AtomicU64 = AtomicU64::new(0);
static FORWARDED: AtomicU64 = AtomicU64::new(0);

/// Truncations of all caches of the process since [`install`]: how many were skipped
/// (nothing to drop) and how many were forwarded to SQLite's cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncations {
    /// Skipped: no cached page at or beyond the limit.
    pub skipped: u64,
    /// Forwarded to the default cache (a cached page could be at or beyond the limit).
    pub forwarded: u64,
}

/// The truncation counters now.
pub fn truncations() -> Truncations {
    Truncations {
        skipped: SKIPPED.load(Ordering::Relaxed),
        forwarded: FORWARDED.load(Ordering::Relaxed),
    }
}
static INSTALLED: OnceLock<Result<(), Refused>> = OnceLock::new();

/// Installs the page cache (once; later calls return the first call's result). Call it
/// before any SQLite connection is opened in the process.
pub fn install() -> Result<(), Refused> {
    *INSTALLED.get_or_init(install_now)
}

/// Whether [`install`] succeeded in this process.
pub fn installed() -> bool {
    matches!(INSTALLED.get(), Some(Ok(())))
}

fn install_now() -> Result<(), Refused> {
    let mut default = ffi::sqlite3_pcache_methods2 {
        iVersion: 0,
        pArg: std::ptr::null_mut(),
        xInit: None,
        xShutdown: None,
        xCreate: None,
        xCachesize: None,
        xPagecount: None,
        xFetch: None,
        xUnpin: None,
        xRekey: None,
        xTruncate: None,
        xDestroy: None,
        xShrink: None,
    };
    // SAFETY: GETPCACHE2 takes one `sqlite3_pcache_methods2*` and writes the current methods
    // there (setting up the default ones first if needed); it refuses once SQLite is
    // initialised.
    let rc = unsafe {
        ffi::sqlite3_config(
            ffi::SQLITE_CONFIG_GETPCACHE2,
            &mut default as *mut ffi::sqlite3_pcache_methods2,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(Refused(rc));
    }
    let complete = default.xCreate.is_some()
        && default.xCachesize.is_some()
        && default.xPagecount.is_some()
        && default.xFetch.is_some()
        && default.xUnpin.is_some()
        && default.xRekey.is_some()
        && default.xTruncate.is_some()
        && default.xDestroy.is_some();
    if !complete {
        return Err(Refused(ffi::SQLITE_MISUSE));
    }
    let ours = ffi::sqlite3_pcache_methods2 {
        iVersion: default.iVersion,
        pArg: default.pArg,
        xInit: default.xInit,
        xShutdown: default.xShutdown,
        xCreate: Some(x_create),
        xCachesize: Some(x_cachesize),
        xPagecount: Some(x_pagecount),
        xFetch: Some(x_fetch),
        xUnpin: Some(x_unpin),
        xRekey: Some(x_rekey),
        xTruncate: Some(x_truncate),
        xDestroy: Some(x_destroy),
        xShrink: default.xShrink.map(|_| x_shrink as unsafe extern "C" fn(_)),
    };
    if DEFAULT.set(DefaultMethods(default)).is_err() {
        // `install_now` runs once (inside `INSTALLED`'s initialisation).
        return Err(Refused(ffi::SQLITE_MISUSE));
    }
    // SAFETY: PCACHE2 takes one `sqlite3_pcache_methods2*` and copies the struct; every method
    // in it is defined below with the signature SQLite expects.
    let rc = unsafe {
        ffi::sqlite3_config(
            ffi::SQLITE_CONFIG_PCACHE2,
            &ours as *const ffi::sqlite3_pcache_methods2,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(Refused(rc));
    }
    Ok(())
}

/// One page cache: SQLite's, and the bound of the page numbers it holds.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    /// No page numbered above this is in `inner` (except the pending-byte page, briefly,
    /// inside one `balance_nonroot`). Only grows on fetch and rekey, and drops on truncate.
    max_key: AtomicU32,
    /// The pending-byte page's number for this cache's page size.
    pending: c_uint,
}

fn default() -> &'static ffi::sqlite3_pcache_methods2 {
    // Our methods are installed only after DEFAULT is set, so SQLite cannot call them before.
    match DEFAULT.get() {
        Some(d) => &d.0,
        None => unreachable!("page-cache methods called before installation"),
    }
}

/// # Safety
/// `p` must be a pointer returned by [`x_create`] and not yet passed to [`x_destroy`].
unsafe fn cache<'a>(p: *mut ffi::sqlite3_pcache) -> &'a Cache {
    // SAFETY: per the contract, `p` is a live `Box<Cache>` made by `x_create`.
    unsafe { &*(p as *const Cache) }
}

macro_rules! forward {
    ($method:ident) => {
        match default().$method {
            Some(f) => f,
            None => unreachable!("checked at installation"),
        }
    };
}

unsafe extern "C" fn x_create(
    sz_page: c_int,
    sz_extra: c_int,
    purgeable: c_int,
) -> *mut ffi::sqlite3_pcache {
    // SAFETY: forwarded unchanged to SQLite's default `xCreate`.
    let inner = unsafe { forward!(xCreate)(sz_page, sz_extra, purgeable) };
    if inner.is_null() {
        return inner;
    }
    let page_size = u32::try_from(sz_page).unwrap_or(0).max(1);
    Box::into_raw(Box::new(Cache {
        inner,
        max_key: AtomicU32::new(0),
        pending: PENDING_BYTE / page_size + 1,
    }))
    .cast()
}

unsafe extern "C" fn x_cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    // SAFETY: SQLite passes a cache made by `x_create`; `inner` is the default cache's.
    unsafe { forward!(xCachesize)(cache(p).inner, n) }
}

unsafe extern "C" fn x_pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    // SAFETY: as in `x_cachesize`.
    unsafe { forward!(xPagecount)(cache(p).inner) }
}

unsafe extern "C" fn x_fetch(
    p: *mut ffi::sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut ffi::sqlite3_pcache_page {
    // SAFETY: as in `x_cachesize`.
    let c = unsafe { cache(p) };
    // SAFETY: forwarded unchanged.
    let page = unsafe { forward!(xFetch)(c.inner, key, create) };
    if !page.is_null() && create != 0 {
        // The page may be new: count it (an existing one is counted already).
        c.max_key.fetch_max(key, Ordering::Relaxed);
    }
    page
}

unsafe extern "C" fn x_unpin(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    discard: c_int,
) {
    // SAFETY: as in `x_cachesize`; `page` came from the default cache's `xFetch`.
    unsafe { forward!(xUnpin)(cache(p).inner, page, discard) }
}

unsafe extern "C" fn x_rekey(
    p: *mut ffi::sqlite3_pcache,
    page: *mut ffi::sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    // SAFETY: as in `x_cachesize`.
    let c = unsafe { cache(p) };
    // SAFETY: forwarded unchanged.
    unsafe { forward!(xRekey)(c.inner, page, old, new) };
    // `balance_nonroot` parks a page on the pending-byte number and moves it off again before
    // it returns; no truncation can run in between. Any other number is counted.
    if new != c.pending {
        c.max_key.fetch_max(new, Ordering::Relaxed);
    }
}

unsafe extern "C" fn x_truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    // SAFETY: as in `x_cachesize`.
    let c = unsafe { cache(p) };
    if limit > c.max_key.load(Ordering::Relaxed) {
        // No cached page is numbered `limit` or more: the default truncation would drop
        // nothing (it would only walk the whole cache to find that out).
        SKIPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    FORWARDED.fetch_add(1, Ordering::Relaxed);
    // SAFETY: forwarded unchanged.
    unsafe { forward!(xTruncate)(c.inner, limit) };
    c.max_key.store(limit.saturating_sub(1), Ordering::Relaxed);
}

unsafe extern "C" fn x_destroy(p: *mut ffi::sqlite3_pcache) {
    // SAFETY: `p` was made by `x_create` with `Box::into_raw`, and SQLite destroys a cache
    // once; the default cache is destroyed first, then our box.
    unsafe {
        let c = Box::from_raw(p as *mut Cache);
        forward!(xDestroy)(c.inner);
    }
}

unsafe extern "C" fn x_shrink(p: *mut ffi::sqlite3_pcache) {
    // SAFETY: as in `x_cachesize`; installed only when the default cache has `xShrink`.
    unsafe { forward!(xShrink)(cache(p).inner) }
}
