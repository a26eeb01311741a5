//! Atomic writes of secret files (wallet keyfiles, a node's consensus key, voucher books).
//!
//! # Rules
//! - A secret file is written by [`crate::atomic_file`] with mode 0600 from creation: the
//!   secret is never readable by others, not even for an instant, and never written through
//!   a link; readers see the old file or the whole new one; no temporary file is left.
//! - An existing file is replaced only with `overwrite`; otherwise the write fails with
//!   `AlreadyExists` without touching it.
//! - A missing directory is created with mode 0700.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::atomic_file::{WriteOptions, parent_of, write_atomic_with};

/// Creates `dir` and missing parents with mode 0700 (existing ones are left as they are).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `bytes` to `path` atomically with mode 0600 (see the module rules). With
/// `overwrite` false an existing `path` is an `AlreadyExists` error and is left untouched.
pub fn write_secret_file(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    create_private_dir(parent_of(path))?;
    write_atomic_with(path, bytes, WriteOptions::secret(overwrite))
}

/// Creates `path` holding the hex of 32 fresh random bytes (a node's consensus key seed),
/// atomically, unless it exists. Returns whether it was created.
pub fn create_random_hex_key(path: &Path) -> io::Result<bool> {
    let mut seed = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(seed.as_mut());
    let text = Zeroizing::new(hex::encode(*seed));
    match write_secret_file(path, text.as_bytes(), false) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}
