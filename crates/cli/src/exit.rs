//! Exit codes scripts can rely on, and the error type that carries one.
//!
//! 0 ok, 1 error, 2 usage (clap's own code), 3 validation failed (nothing written),
//! 4 verification failed, 5 the database is in use (a running server or another offline
//! operation holds its lock; `dblock.rs`). Documented in `docs/cli.md`; changing one is a breaking change.

use std::fmt;

/// Success.
pub const OK: u8 = 0;
/// Any other failure (I/O, database, a refused configuration).
pub const ERROR: u8 = 1;
/// Bad command line (clap exits with 2 itself; we use it for our own usage errors too).
pub const USAGE: u8 = 2;
/// Input failed validation; nothing was written.
pub const VALIDATION: u8 = 3;
/// The hash chain, a backup or an imported log did not verify.
pub const VERIFICATION: u8 = 4;
/// The database is in use: a running server (or another offline operation) holds its lock,
/// and the command refused to touch it. Nothing was changed.
pub const LOCKED: u8 = 5;

/// A failure with its exit code. Build it with [`Failure::usage`], [`Failure::validation`],
/// [`Failure::verification`]; any other error converts with code [`ERROR`].
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// What went wrong (with context).
    pub error: anyhow::Error,
}

impl Failure {
    /// Exit code 2.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            error: anyhow::anyhow!(message.into()),
        }
    }
    /// Exit code 3: nothing was written.
    pub fn validation(message: impl Into<String>) -> Self {
        Failure {
            code: VALIDATION,
            error: anyhow::anyhow!(message.into()),
        }
    }
    /// Exit code 4.
    pub fn verification(message: impl Into<String>) -> Self {
        Failure {
            code: VERIFICATION,
            error: anyhow::anyhow!(message.into()),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: ERROR,
            error: e.into(),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit {}: {:?}", self.code, self.error)
    }
}

/// What a command returns.
pub type CliResult<T = ()> = Result<T, Failure>;
