//! Atomic writes of secret files (wallet keyfiles, a node's consensus key).
//!
//! # Rules
//! - The bytes go to a temporary file in the target's own directory (so the rename cannot
//!   cross file systems), created with `O_EXCL` and mode 0600 from the start: the secret is
//!   never readable by others, not even for an instant, and never written through a link.
//! - The temporary file is fsynced, then renamed over the target (`overwrite`) or hard-linked
//!   to it (create-if-absent: fails with `AlreadyExists` if the target exists, without
//!   touching it), then the directory is fsynced so the new name survives a crash.
//! - Readers see either the old file or the whole new one, never a partial file; no temporary
//!   file is left behind, on success or failure.
//! - A missing directory is created with mode 0700.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

/// The directory `path` is in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Creates `dir` and missing parents with mode 0700 (existing ones are left as they are).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A fresh temporary path next to `path` (hidden, random suffix).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(path).join(format!(".{name}.tmp-{:016x}", OsRng.next_u64()))
}

/// Writes `bytes` to `path` atomically with mode 0600 (see the module rules). With
/// `overwrite` false an existing `path` is an `AlreadyExists` error and is left untouched.
pub fn write_secret_file(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    let dir = parent_of(path);
    create_private_dir(dir)?;
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if overwrite {
            fs::rename(&tmp, path)?;
        } else {
            // `link` fails if the target exists: an atomic create-if-absent.
            fs::hard_link(&tmp, path)?;
        }
        // Make the new name durable (best effort: some file systems cannot sync a directory).
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    // Gone after a rename; after a failure (or a failed unlink of the link's source) remove it.
    let _ = fs::remove_file(&tmp);
    result
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
