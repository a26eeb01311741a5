//! Atomic file writes: the one writer behind every file taonet replaces in place (wallet
//! keyfiles, a node's consensus key, the gateway's voucher book, model files, the CLI's
//! local-network record and weight commits).
//!
//! # Rules
//! - The bytes go to a temporary file in the target's own directory (so the rename cannot
//!   cross file systems), named `.<name>.tmp-<random>` and created with `O_EXCL` (never
//!   written through a link), with the mode of [`WriteOptions::mode`] from the start: a
//!   secret (0600) is never readable by others, not even for an instant.
//! - The temporary file is fsynced, then renamed over the target (`overwrite`) or hard-linked
//!   to it (create-if-absent: fails with `AlreadyExists` if the target exists, without
//!   touching it), then the directory is fsynced (best effort: some file systems cannot sync
//!   a directory) so the new name survives a crash.
//! - Readers see either the old file or the whole new one, never a partial file; no temporary
//!   file is left behind, on success or failure.
//! - The directory must exist: creating it (and with which mode) is the caller's choice
//!   ([`crate::secret_file`] creates it 0700).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};

/// How [`write_atomic_with`] creates and places the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// Permission bits the file is created with (the process umask still applies).
    pub mode: u32,
    /// Replace an existing file (`true`), or fail with `AlreadyExists` and leave it as it is.
    pub overwrite: bool,
}

impl WriteOptions {
    /// An ordinary file (0666 less the umask, as `std::fs::write` creates it), replaced if
    /// it exists.
    pub const REPLACE: WriteOptions = WriteOptions {
        mode: 0o666,
        overwrite: true,
    };

    /// A secret readable by its owner only (0600 from creation); `overwrite` as given.
    pub const fn secret(overwrite: bool) -> WriteOptions {
        WriteOptions {
            mode: 0o600,
            overwrite,
        }
    }
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A fresh temporary path next to `path` (hidden, random suffix).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(path).join(format!(".{name}.tmp-{:016x}", OsRng.next_u64()))
}

/// Writes `bytes` to `path` atomically, replacing it if it exists, as an ordinary file
/// ([`WriteOptions::REPLACE`]; see the module rules).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, WriteOptions::REPLACE)
}

/// Writes `bytes` to `path` atomically with `options` (see the module rules). With
/// `overwrite` false an existing `path` is an `AlreadyExists` error and is left untouched.
pub fn write_atomic_with(path: &Path, bytes: &[u8], options: WriteOptions) -> io::Result<()> {
    let dir = parent_of(path);
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(options.mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if options.overwrite {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(entries(dir.path()), vec!["record.json".to_string()]);
    }

    #[test]
    fn an_ordinary_file_is_not_private_and_a_secret_is() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        write_atomic(&plain, b"x").unwrap();
        let mode = fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        // 0666 less whatever umask the test runs under; the owner can always read and write.
        assert_eq!(mode & 0o600, 0o600);
        let secret = dir.path().join("secret");
        write_atomic_with(&secret, b"s", WriteOptions::secret(false)).unwrap();
        let mode = fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn create_if_absent_refuses_an_existing_file_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        write_atomic_with(&path, b"first", WriteOptions::secret(false)).unwrap();
        let e = write_atomic_with(&path, b"second", WriteOptions::secret(false)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(entries(dir.path()), vec!["key".to_string()]);
    }

    #[test]
    fn a_missing_directory_is_an_error_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("file");
        assert_eq!(
            write_atomic(&path, b"x").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert!(!dir.path().join("missing").exists());
    }
}
