//! `jixiao-walvfs`: SQLite's own file layer (the `unix` VFS), with the WAL frames of a synced
//! commit written in one piece.
//!
//! # The problem
//!
//! SQLite writes a WAL frame as two `write` calls: the 24-byte frame header, then the page. A
//! group commit of W2 (`docs/benchmarks.md`) writes about 30 frames, so about 60 small writes
//! land in the kernel before the one `fdatasync`. Each write pays the system call and the file
//! system's per-page work, and because a frame is 4,120 bytes the page write straddles two
//! kernel pages. Measured on this machine: 30 frames as 60 writes plus `fdatasync` took
//! 0.56–0.66 ms, the same bytes as one write plus `fdatasync` 0.32–0.33 ms.
//!
//! # The fix
//!
//! This crate registers a VFS, `jixiao-walbuf`, as the process default. It wraps the default
//! VFS (`unix`) and forwards every call unchanged, except for WAL files of connections that
//! have promised ([`promise_synced_commits`]) that every commit they make ends with an
//! `fsync` of the WAL (`synchronous=FULL`). For those, consecutive writes at increasing
//! offsets gather in a buffer (at most [`MAX_BUFFER`] bytes) and reach the real file as one
//! write when SQLite syncs, reads, truncates or asks the size of the WAL, writes elsewhere in
//! it, or closes it.
//!
//! Why readers never see a frame that is not in the file: another connection uses WAL frames
//! only up to the last frame of the wal-index header, which the writer publishes in
//! `walIndexWriteHdr` *after* the commit's `fsync` (our flush point). As a second line, the
//! main database file's `xShmBarrier` — which `walIndexWriteHdr` calls between writing the two
//! copies of the header — also flushes the WAL of the same connection (found with
//! `sqlite3_database_file_object`, the interface SQLite provides for VFS shims), so even a
//! broken promise (a commit without sync) publishes only frames already written. If that
//! flush fails, the process aborts: a crash is recovered by SQLite from the WAL, a header over
//! unwritten frames would not be.
//!
//! Durability is unchanged: an `fsync` always follows the flush of everything written before
//! it, and SQLite answers a commit only after its sync returns. A process that dies with
//! frames in the buffer loses only a commit that had not returned yet — the same as dying
//! before SQLite's own writes.
//!
//! # Use
//!
//! Call [`install`] once at the start of the process, before any connection is opened (a
//! connection opened earlier keeps the VFS it was opened with). Then
//! [`promise_synced_commits`] on each connection whose commits are all synced, and withdraw
//! the promise before relaxing `synchronous`. Without a promise the VFS behaves exactly like
//! `unix`.

use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name this VFS registers under.
pub const VFS_NAME: &CStr = c"jixiao-walbuf";

/// Most bytes buffered for one WAL file before they are written out.
pub const MAX_BUFFER: usize = 4 << 20;

/// Most bytes handed to the real VFS in one write: `unix` writes at most 128 KiB − 1 per
/// `pwrite` (`seekAndWriteFd` masks the length with `0x1ffff`).
const MAX_WRITE: usize = 0x1F000;

/// The kernel's page size, at which pieces of a flush are cut.
const FILE_PAGE: i64 = 4096;

/// Our file-control opcode (passed through `sqlite3_file_control` to the main database file):
/// `*arg` is 1 to promise synced commits, 0 to withdraw; it returns the previous value there.
const FCNTL_SYNCED_COMMITS: c_int = 0x4A58_5701;

/// The VFS could not be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// SQLite has no default VFS to wrap.
    NoDefault,
    /// The default VFS is too old (version 1) or lacks `xOpen`.
    Unsupported,
    /// `sqlite3_vfs_register` failed with this code.
    Register(i32),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NoDefault => write!(f, "SQLite has no default VFS to wrap"),
            Refused::Unsupported => write!(f, "the default SQLite VFS cannot be wrapped"),
            Refused::Register(rc) => write!(f, "SQLite refused the VFS (code {rc})"),
        }
    }
}

impl std::error::Error for Refused {}

/// The wrapped VFS (SQLite's default when [`install`] ran).
struct RealVfs(*mut ffi::sqlite3_vfs);

// SAFETY: a registered VFS is a process-wide, immutable (except for SQLite's own `pNext`
// list, kept under its mutex) table of functions; SQLite calls it from every thread.
unsafe impl Send for RealVfs {}
// SAFETY: as above.
unsafe impl Sync for RealVfs {}

static REAL: OnceLock<RealVfs> = OnceLock::new();
static INSTALLED: OnceLock<Result<(), Refused>> = OnceLock::new();

static WRITES_GATHERED: AtomicU64 = AtomicU64::new(0);
static FLUSHES: AtomicU64 = AtomicU64::new(0);
static BARRIER_FLUSHES: AtomicU64 = AtomicU64::new(0);

/// What the VFS did since [`install`], over all files of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// WAL writes that went into a buffer instead of straight to the file.
    pub writes_gathered: u64,
    /// Buffers written out (one real write each).
    pub flushes: u64,
    /// Of those, flushes made by `xShmBarrier`: a wal-index header was read or published
    /// while writes were still buffered — a commit without a sync (a broken promise), or the
    /// frames a rolled-back transaction had spilled.
    pub barrier_flushes: u64,
}

/// The counters now.
pub fn counters() -> Counters {
    Counters {
        writes_gathered: WRITES_GATHERED.load(Ordering::Relaxed),
        flushes: FLUSHES.load(Ordering::Relaxed),
        barrier_flushes: BARRIER_FLUSHES.load(Ordering::Relaxed),
    }
}

/// Installs the VFS as the process default (once; later calls return the first result).
pub fn install() -> Result<(), Refused> {
    INSTALLED.get_or_init(install_now).clone()
}

/// Whether [`install`] succeeded in this process.
pub fn installed() -> bool {
    matches!(INSTALLED.get(), Some(Ok(())))
}

fn install_now() -> Result<(), Refused> {
    // SAFETY: `sqlite3_vfs_find(NULL)` returns the default VFS (initialising SQLite if needed)
    // or null.
    let real = unsafe { ffi::sqlite3_vfs_find(ptr::null()) };
    if real.is_null() {
        return Err(Refused::NoDefault);
    }
    // SAFETY: `real` is a registered VFS: a valid, live `sqlite3_vfs` for the whole process.
    let mut ours: ffi::sqlite3_vfs = unsafe { ptr::read(real) };
    if ours.iVersion < 2 || ours.xOpen.is_none() {
        return Err(Refused::Unsupported);
    }
    let sz_os_file = usize::try_from(ours.szOsFile).map_err(|_| Refused::Unsupported)?;
    let size = c_int::try_from(REAL_OFFSET + sz_os_file).map_err(|_| Refused::Unsupported)?;
    if REAL.set(RealVfs(real)).is_err() {
        return Err(Refused::Register(ffi::SQLITE_MISUSE));
    }
    // Every other method is the real VFS's own: they use only `pAppData` and `mxPathname`,
    // which are copied.
    ours.szOsFile = size;
    ours.pNext = ptr::null_mut();
    ours.zName = VFS_NAME.as_ptr();
    ours.xOpen = Some(x_open);
    // SQLite keeps the pointer (and links it into its list): the struct lives forever.
    let ours: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(ours));
    // SAFETY: `ours` is a complete VFS that lives for the rest of the process.
    let rc = unsafe { ffi::sqlite3_vfs_register(ours, 1) };
    if rc != ffi::SQLITE_OK {
        return Err(Refused::Register(rc));
    }
    Ok(())
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    // `x_open` is reachable only through the VFS registered after REAL was set.
    match REAL.get() {
        Some(r) => r.0,
        None => unreachable!("VFS used before installation"),
    }
}

/// Promises (or withdraws the promise) that every commit of `conn` syncs the WAL, so its WAL
/// writes may gather until that sync. Returns whether the promise was in force before.
/// Withdraw it before setting `synchronous` below FULL on the connection.
///
/// Errors when `conn`'s main database was not opened through this VFS (then nothing changes
/// and writes go straight to the file).
pub fn promise_synced_commits(conn: &rusqlite::Connection, on: bool) -> rusqlite::Result<bool> {
    let mut arg: c_int = c_int::from(on);
    // SAFETY: `handle` is the live connection's pointer, used only for this call while `conn`
    // is borrowed; our opcode takes a pointer to one `c_int`, which outlives the call.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            FCNTL_SYNCED_COMMITS,
            (&mut arg as *mut c_int).cast(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(rc),
            Some(format!(
                "the database was not opened through the {} VFS",
                VFS_NAME.to_string_lossy()
            )),
        ));
    }
    Ok(arg != 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    MainDb,
    Wal,
    Other,
}

/// Our file object; the real VFS's object follows it at [`REAL_OFFSET`] in the same
/// allocation (SQLite allocates `szOsFile` bytes, 8-byte aligned, and frees them itself).
#[repr(C)]
struct ShimFile {
    /// Must be first: SQLite sees this as the `sqlite3_file`.
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    kind: Kind,
    /// For a main database file: its connection's open WAL file, or null. For a WAL file: its
    /// main database file, or null. Both belong to one pager and so to one connection, which
    /// SQLite uses from one thread at a time.
    link: *mut ShimFile,
    /// Main database file: the connection promised synced commits.
    synced_commits: bool,
    /// WAL file: bytes written by SQLite but not yet by us, starting at `buf_offset`.
    buf: Vec<u8>,
    buf_offset: i64,
}

const REAL_OFFSET: usize = (std::mem::size_of::<ShimFile>() + 15) & !15;

/// # Safety
/// `f` must be a file object opened by [`x_open`] (its methods are ours) and not yet closed.
unsafe fn shim<'a>(f: *mut ffi::sqlite3_file) -> &'a mut ShimFile {
    // SAFETY: per the contract, `f` points to a live `ShimFile` written by `x_open`.
    unsafe { &mut *(f as *mut ShimFile) }
}

/// The real file's method `$method`, or an I/O error from the enclosing function.
macro_rules! forward {
    ($s:expr, $method:ident) => {
        match $s.real_methods().$method {
            Some(f) => f,
            None => return ffi::SQLITE_IOERR,
        }
    };
}

impl ShimFile {
    /// The real file's method table.
    fn real_methods(&self) -> &'static ffi::sqlite3_io_methods {
        // SAFETY: a ShimFile is reachable by SQLite (with our methods) only after the real
        // VFS opened `real` and set its `pMethods` to one of its static tables (`x_open`
        // checks it is not null), and until `x_close`.
        unsafe { &*(*self.real).pMethods }
    }

    /// Whether SQLite's writes to this WAL may gather: its connection promised synced commits.
    fn gathers(&self) -> bool {
        // SAFETY: `link` of a WAL file is null or its live main database file (unlinked
        // before either closes).
        self.kind == Kind::Wal && !self.link.is_null() && unsafe { (*self.link).synced_commits }
    }

    /// Writes the buffer to the real file and empties it, even on failure (the frames in it
    /// were not committed; SQLite rolls back and writes them again). One real write per
    /// [`MAX_WRITE`] bytes.
    fn flush(&mut self) -> c_int {
        if self.buf.is_empty() {
            return ffi::SQLITE_OK;
        }
        let mut rc = ffi::SQLITE_OK;
        let mut done = 0usize;
        while done < self.buf.len() {
            let offset = self.buf_offset + done as i64;
            let mut len = (self.buf.len() - done).min(MAX_WRITE);
            // A piece that is not the last ends on a file page boundary.
            if done + len < self.buf.len() {
                let end = (offset + len as i64) & !(FILE_PAGE - 1);
                if end > offset {
                    len = (end - offset) as usize;
                }
            }
            let piece = &self.buf[done..done + len];
            // SAFETY: forwarding one write of our own bytes (`len` fits a c_int: at most
            // MAX_WRITE) to the real file object.
            rc = unsafe {
                forward!(self, xWrite)(self.real, piece.as_ptr().cast(), len as c_int, offset)
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
            done += len;
        }
        FLUSHES.fetch_add(1, Ordering::Relaxed);
        self.buf.clear();
        rc
    }
}

/// The file behind `f` with its buffered writes written out, or the code of that write.
///
/// # Safety
/// As [`shim`].
unsafe fn flushed<'a>(f: *mut ffi::sqlite3_file) -> Result<&'a mut ShimFile, c_int> {
    // SAFETY: per the contract.
    let s = unsafe { shim(f) };
    match s.flush() {
        ffi::SQLITE_OK => Ok(s),
        rc => Err(rc),
    }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real_vfs = real_vfs();
    // SAFETY: SQLite hands us `szOsFile` (= REAL_OFFSET + the real size) bytes at `file`.
    let real = unsafe { file.cast::<u8>().add(REAL_OFFSET) }.cast::<ffi::sqlite3_file>();
    let kind = if flags & ffi::SQLITE_OPEN_WAL != 0 {
        Kind::Wal
    } else if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 {
        Kind::MainDb
    } else {
        Kind::Other
    };
    let s = file as *mut ShimFile;
    // SAFETY: `s` is the start of the allocation, large and aligned enough for a ShimFile.
    unsafe {
        ptr::write(
            s,
            ShimFile {
                base: ffi::sqlite3_file {
                    pMethods: ptr::null(),
                },
                real,
                kind,
                link: ptr::null_mut(),
                synced_commits: false,
                buf: Vec::new(),
                buf_offset: 0,
            },
        );
    }
    // SAFETY: the real VFS opens its own object in its part of the allocation.
    let rc = unsafe {
        match (*real_vfs).xOpen {
            Some(open) => open(real_vfs, name, real, flags, out_flags),
            None => return ffi::SQLITE_CANTOPEN,
        }
    };
    // SAFETY: `real` was just initialised by the real xOpen (its pMethods is set or null).
    let methods = unsafe { (*real).pMethods };
    if methods.is_null() {
        // SQLite will not call xClose; our part owns no memory yet (empty Vec).
        return rc;
    }
    // SAFETY: a non-null `pMethods` of the real VFS points to its static table.
    let version = unsafe { (*methods).iVersion };
    // SAFETY: `s` was written above.
    let this = unsafe { &mut *s };
    this.base.pMethods = methods_for(version);
    if kind == Kind::Wal && !name.is_null() {
        // SAFETY: `name` is the WAL name SQLite passed to xOpen, which is what
        // `sqlite3_database_file_object` requires; it returns the pager's main file.
        let db = unsafe { ffi::sqlite3_database_file_object(name) };
        // SAFETY: checked to be one of our files (our tables) before use as a ShimFile.
        if !db.is_null() && is_ours(unsafe { (*db).pMethods }) {
            // SAFETY: as above; the main file is open while the pager opens its WAL.
            let main = unsafe { shim(db) };
            if main.kind == Kind::MainDb {
                main.link = s;
                this.link = main;
            }
        }
    }
    rc
}

fn is_ours(m: *const ffi::sqlite3_io_methods) -> bool {
    ptr::eq(m, &METHODS_V1) || ptr::eq(m, &METHODS_V2) || ptr::eq(m, &METHODS_V3)
}

fn methods_for(version: c_int) -> &'static ffi::sqlite3_io_methods {
    match version {
        i32::MIN..=1 => &METHODS_V1,
        2 => &METHODS_V2,
        _ => &METHODS_V3,
    }
}

const fn methods(version: c_int) -> ffi::sqlite3_io_methods {
    ffi::sqlite3_io_methods {
        iVersion: version,
        xClose: Some(x_close),
        xRead: Some(x_read),
        xWrite: Some(x_write),
        xTruncate: Some(x_truncate),
        xSync: Some(x_sync),
        xFileSize: Some(x_file_size),
        xLock: Some(x_lock),
        xUnlock: Some(x_unlock),
        xCheckReservedLock: Some(x_check_reserved_lock),
        xFileControl: Some(x_file_control),
        xSectorSize: Some(x_sector_size),
        xDeviceCharacteristics: Some(x_device_characteristics),
        xShmMap: if version >= 2 { Some(x_shm_map) } else { None },
        xShmLock: if version >= 2 { Some(x_shm_lock) } else { None },
        xShmBarrier: if version >= 2 {
            Some(x_shm_barrier)
        } else {
            None
        },
        xShmUnmap: if version >= 2 {
            Some(x_shm_unmap)
        } else {
            None
        },
        xFetch: if version >= 3 { Some(x_fetch) } else { None },
        xUnfetch: if version >= 3 { Some(x_unfetch) } else { None },
    }
}

static METHODS_V1: ffi::sqlite3_io_methods = methods(1);
static METHODS_V2: ffi::sqlite3_io_methods = methods(2);
static METHODS_V3: ffi::sqlite3_io_methods = methods(3);

unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls xClose once, on a file opened by `x_open`.
    let s = unsafe { shim(f) };
    let flushed = s.flush();
    if !s.link.is_null() {
        // SAFETY: the linked file is live until it unlinks itself on its own close.
        unsafe { (*s.link).link = ptr::null_mut() };
        s.link = ptr::null_mut();
    }
    // SAFETY: forwarded to the real file, which SQLite never uses again.
    let rc = unsafe { forward!(s, xClose)(s.real) };
    s.buf = Vec::new();
    if flushed != ffi::SQLITE_OK {
        flushed
    } else {
        rc
    }
}

unsafe extern "C" fn x_read(
    f: *mut ffi::sqlite3_file,
    out: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = match unsafe { flushed(f) } {
        Ok(s) => s,
        Err(rc) => return rc,
    };
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xRead)(s.real, out, amount, offset) }
}

unsafe extern "C" fn x_write(
    f: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = unsafe { shim(f) };
    let len = usize::try_from(amount).unwrap_or(0);
    if s.gathers() && len > 0 && len <= MAX_BUFFER {
        let end = s.buf_offset + s.buf.len() as i64;
        let follows = !s.buf.is_empty() && offset == end;
        if !follows || s.buf.len() + len > MAX_BUFFER {
            // Elsewhere in the file (or the buffer is full): what is buffered goes first, so
            // the file sees the writes in SQLite's order.
            let rc = s.flush();
            if rc != ffi::SQLITE_OK {
                return rc;
            }
            s.buf_offset = offset;
        }
        // SAFETY: SQLite passes `amount` readable bytes at `data`.
        let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
        s.buf.extend_from_slice(bytes);
        WRITES_GATHERED.fetch_add(1, Ordering::Relaxed);
        return ffi::SQLITE_OK;
    }
    let rc = s.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xWrite)(s.real, data, amount, offset) }
}

unsafe extern "C" fn x_truncate(f: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = match unsafe { flushed(f) } {
        Ok(s) => s,
        Err(rc) => return rc,
    };
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xTruncate)(s.real, size) }
}

unsafe extern "C" fn x_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = match unsafe { flushed(f) } {
        Ok(s) => s,
        Err(rc) => return rc,
    };
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xSync)(s.real, flags) }
}

unsafe extern "C" fn x_file_size(
    f: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = match unsafe { flushed(f) } {
        Ok(s) => s,
        Err(rc) => return rc,
    };
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xFileSize)(s.real, size) }
}

unsafe extern "C" fn x_lock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xLock)(s.real, level)
    }
}

unsafe extern "C" fn x_unlock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xUnlock)(s.real, level)
    }
}

unsafe extern "C" fn x_check_reserved_lock(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xCheckReservedLock)(s.real, out)
    }
}

unsafe extern "C" fn x_file_control(
    f: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: a file opened by `x_open`.
    let s = unsafe { shim(f) };
    if op == FCNTL_SYNCED_COMMITS && s.kind == Kind::MainDb {
        let before = s.synced_commits;
        // SAFETY: our opcode's argument is a pointer to one c_int (`promise_synced_commits`).
        let on = unsafe { *(arg as *mut c_int) } != 0;
        s.synced_commits = on;
        // SAFETY: as above.
        unsafe { *(arg as *mut c_int) = c_int::from(before) };
        if !on && !s.link.is_null() {
            // Nothing may stay buffered once commits may skip the sync.
            // SAFETY: the linked WAL file is live (it unlinks itself when it closes).
            return unsafe { (*s.link).flush() };
        }
        return ffi::SQLITE_OK;
    }
    let rc = s.flush();
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    // SAFETY: forwarded unchanged.
    unsafe { forward!(s, xFileControl)(s.real, op, arg) }
}

unsafe extern "C" fn x_sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xSectorSize)(s.real)
    }
}

unsafe extern "C" fn x_device_characteristics(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xDeviceCharacteristics)(s.real)
    }
}

unsafe extern "C" fn x_shm_map(
    f: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: a file opened by `x_open` (installed for version ≥ 2 only); forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xShmMap)(s.real, page, page_size, extend, out)
    }
}

unsafe extern "C" fn x_shm_lock(
    f: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xShmLock)(s.real, offset, n, flags)
    }
}

unsafe extern "C" fn x_shm_barrier(f: *mut ffi::sqlite3_file) {
    // SAFETY: a file opened by `x_open`.
    let s = unsafe { shim(f) };
    if !s.link.is_null() {
        // SAFETY: the linked WAL file is live and belongs to this connection.
        let wal = unsafe { &mut *s.link };
        if !wal.buf.is_empty() {
            // A commit is being published without a sync: its frames must be in the file
            // before the header that makes other connections read them.
            BARRIER_FLUSHES.fetch_add(1, Ordering::Relaxed);
            if wal.flush() != ffi::SQLITE_OK {
                eprintln!(
                    "jixiao-walvfs: a WAL write failed while SQLite published a commit; \
                     stopping the process so that no reader sees frames that are not in the \
                     file (SQLite recovers the WAL at the next open)"
                );
                std::process::abort();
            }
        }
    }
    if let Some(barrier) = s.real_methods().xShmBarrier {
        // SAFETY: the real file's own method.
        unsafe { barrier(s.real) }
    }
}

unsafe extern "C" fn x_shm_unmap(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xShmUnmap)(s.real, delete)
    }
}

unsafe extern "C" fn x_fetch(
    f: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: a file opened by `x_open` (installed for version 3 only); forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xFetch)(s.real, offset, amount, out)
    }
}

unsafe extern "C" fn x_unfetch(
    f: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    p: *mut c_void,
) -> c_int {
    // SAFETY: a file opened by `x_open`; forwarded unchanged.
    unsafe {
        let s = shim(f);
        forward!(s, xUnfetch)(s.real, offset, p)
    }
}

/// The name of the VFS a connection's main database was opened with (for diagnostics).
pub fn vfs_name(conn: &rusqlite::Connection) -> Option<String> {
    let mut vfs: *mut ffi::sqlite3_vfs = ptr::null_mut();
    // SAFETY: SQLITE_FCNTL_VFS_POINTER writes the connection's `sqlite3_vfs*` to the pointer
    // it is given; the handle is live while `conn` is borrowed.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_VFS_POINTER,
            (&mut vfs as *mut *mut ffi::sqlite3_vfs).cast(),
        )
    };
    if rc != ffi::SQLITE_OK || vfs.is_null() {
        return None;
    }
    // SAFETY: a registered VFS's `zName` is a static NUL-terminated string.
    let name: *const c_char = unsafe { (*vfs).zName };
    if name.is_null() {
        return None;
    }
    // SAFETY: as above.
    Some(
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    )
}
