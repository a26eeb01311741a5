//! Wallet directories in bittensor's layout.
//!
//! # Layout
//! ```text
//! <root>/<wallet>/coldkey                 keyfile, normally encrypted ($NACL)
//! <root>/<wallet>/coldkeypub.txt          public part of the coldkey, never encrypted
//! <root>/<wallet>/hotkeys/<hotkey>        keyfile, normally not encrypted
//! <root>/<wallet>/hotkeys/<hotkey>pub.txt public part of the hotkey
//! ```
//! The default root is `~/.bittensor/wallets`, so wallets made by bittensor's tools and by
//! taonet are interchangeable.
//!
//! # Rules
//! - Directories are created with mode 0700 and files with mode 0600.
//! - A keyfile is written to a temporary file in the same directory, flushed to disk, then
//!   moved into place, and the directory is synced: a crash leaves the old file or the new
//!   one, never half of one.
//! - An existing keyfile is never replaced unless the caller asks (`overwrite`); without it
//!   the final link is made with a no-clobber primitive, so even a file created concurrently
//!   is not replaced.
//! - Reads are bounded ([`MAX_KEYFILE_BYTES`]); names may not contain path separators.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use taonet_types::AccountId;
use zeroize::Zeroizing;

use crate::keyfile::{self, Encoding, KeyfileData, KeyfileError};

/// Largest keyfile read from disk; real keyfiles are under 1 KiB.
pub const MAX_KEYFILE_BYTES: u64 = 64 * 1024;

/// What went wrong with a wallet or keyfile on disk.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// A file system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The keyfile does not exist.
    #[error("keyfile {0} does not exist")]
    NotFound(PathBuf),
    /// Refused to replace an existing keyfile.
    #[error(
        "keyfile {0} already exists; pass --overwrite to replace it (the old key is lost unless you have its mnemonic)"
    )]
    Exists(PathBuf),
    /// The keyfile is bigger than any real keyfile.
    #[error("keyfile {path} is {size} bytes, larger than the {max} bytes a keyfile may have")]
    TooLarge {
        /// The keyfile's path.
        path: PathBuf,
        /// The file's size in bytes.
        size: u64,
        /// The largest keyfile accepted, in bytes ([`MAX_KEYFILE_BYTES`]).
        max: u64,
    },
    /// The keyfile is encrypted and no password was given.
    #[error("keyfile {0} is encrypted; a password is needed")]
    PasswordRequired(PathBuf),
    /// A wallet or hotkey name that is not a plain file name.
    #[error("invalid {kind} name {name:?}: use letters, digits, '-', '_' or '.', not a path")]
    InvalidName {
        /// "wallet" or "hotkey".
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// The keyfile content is invalid or cannot be decrypted.
    #[error("keyfile {path}: {source}")]
    Keyfile {
        /// The keyfile's path.
        path: PathBuf,
        /// What is wrong.
        source: KeyfileError,
    },
}

impl WalletError {
    fn io(action: &'static str, path: &Path, source: io::Error) -> WalletError {
        WalletError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the error is a wrong password (so a caller can ask again).
    pub fn is_wrong_password(&self) -> bool {
        matches!(
            self,
            WalletError::Keyfile {
                source: KeyfileError::WrongPassword,
                ..
            }
        )
    }
}

fn check_name(kind: &'static str, name: &str) -> Result<(), WalletError> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(WalletError::InvalidName {
            kind,
            name: name.to_string(),
        })
    }
}

/// One keyfile on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyfile {
    path: PathBuf,
}

impl Keyfile {
    /// A keyfile at `path` (which need not exist).
    pub fn new(path: impl Into<PathBuf>) -> Keyfile {
        Keyfile { path: path.into() }
    }

    /// Where the keyfile is (or would be) on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file exists.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// The raw bytes, bounded by [`MAX_KEYFILE_BYTES`].
    pub fn read_raw(&self) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        let file = fs::File::open(&self.path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                WalletError::NotFound(self.path.clone())
            } else {
                WalletError::io("cannot open", &self.path, e)
            }
        })?;
        let size = file
            .metadata()
            .map_err(|e| WalletError::io("cannot stat", &self.path, e))?
            .len();
        if size > MAX_KEYFILE_BYTES {
            return Err(WalletError::TooLarge {
                path: self.path.clone(),
                size,
                max: MAX_KEYFILE_BYTES,
            });
        }
        let mut buf = Zeroizing::new(Vec::with_capacity(size as usize));
        file.take(MAX_KEYFILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| WalletError::io("cannot read", &self.path, e))?;
        Ok(buf)
    }

    /// How the file is stored.
    pub fn encoding(&self) -> Result<Encoding, WalletError> {
        Ok(Encoding::detect(&self.read_raw()?))
    }

    /// Whether reading it needs a password.
    pub fn is_encrypted(&self) -> Result<bool, WalletError> {
        Ok(self.encoding()?.is_encrypted())
    }

    /// Reads and (with `password`) decrypts the keyfile. Never modifies the file.
    pub fn read(&self, password: Option<&str>) -> Result<KeyfileData, WalletError> {
        let raw = self.read_raw()?;
        let wrap = |source| WalletError::Keyfile {
            path: self.path.clone(),
            source,
        };
        let plain = if Encoding::detect(&raw).is_encrypted() {
            let password =
                password.ok_or_else(|| WalletError::PasswordRequired(self.path.clone()))?;
            keyfile::decrypt(&raw, password).map_err(wrap)?
        } else {
            raw
        };
        KeyfileData::from_json(&plain).map_err(wrap)
    }

    /// Writes `data`, encrypted with `password` if one is given, atomically.
    pub fn write(
        &self,
        data: &KeyfileData,
        password: Option<&str>,
        overwrite: bool,
    ) -> Result<(), WalletError> {
        if !overwrite && self.exists() {
            // Fail before paying for encryption; the final no-clobber link re-checks.
            return Err(WalletError::Exists(self.path.clone()));
        }
        let json = data.to_json();
        let bytes: Zeroizing<Vec<u8>> = match password {
            Some(pw) => Zeroizing::new(keyfile::encrypt(&json, pw).map_err(|source| {
                WalletError::Keyfile {
                    path: self.path.clone(),
                    source,
                }
            })?),
            None => json,
        };
        write_secret(&self.path, &bytes, overwrite)
    }
}

/// Creates `dir` and missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<(), WalletError> {
    crate::secret_file::create_private_dir(dir)
        .map_err(|e| WalletError::io("cannot create directory", dir, e))
}

/// Writes the secret `bytes` to `path` atomically with mode 0600
/// ([`crate::secret_file::write_secret_file`]), in the wallet's errors: an existing file
/// without `overwrite` is [`WalletError::Exists`].
pub fn write_secret(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), WalletError> {
    crate::secret_file::write_secret_file(path, bytes, overwrite).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists && !overwrite {
            WalletError::Exists(path.to_path_buf())
        } else {
            WalletError::io("cannot write", path, e)
        }
    })
}

/// A named wallet under a wallet root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wallet {
    root: PathBuf,
    name: String,
}

impl Wallet {
    /// The wallet `name` under `root` (no file is touched).
    pub fn new(root: impl Into<PathBuf>, name: &str) -> Result<Wallet, WalletError> {
        check_name("wallet", name)?;
        Ok(Wallet {
            root: root.into(),
            name: name.to_string(),
        })
    }

    /// The wallet's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<root>/<name>`.
    pub fn dir(&self) -> PathBuf {
        self.root.join(&self.name)
    }

    /// Whether the wallet directory exists.
    pub fn exists(&self) -> bool {
        self.dir().is_dir()
    }

    /// `<root>/<name>/coldkey`.
    pub fn coldkey(&self) -> Keyfile {
        Keyfile::new(self.dir().join("coldkey"))
    }

    /// `<root>/<name>/coldkeypub.txt`.
    pub fn coldkeypub(&self) -> Keyfile {
        Keyfile::new(self.dir().join("coldkeypub.txt"))
    }

    /// `<root>/<name>/hotkeys/<hotkey>`.
    pub fn hotkey(&self, hotkey: &str) -> Result<Keyfile, WalletError> {
        check_name("hotkey", hotkey)?;
        Ok(Keyfile::new(self.dir().join("hotkeys").join(hotkey)))
    }

    /// `<root>/<name>/hotkeys/<hotkey>pub.txt`.
    pub fn hotkeypub(&self, hotkey: &str) -> Result<Keyfile, WalletError> {
        check_name("hotkey", hotkey)?;
        Ok(Keyfile::new(
            self.dir().join("hotkeys").join(format!("{hotkey}pub.txt")),
        ))
    }

    /// The coldkey's account, from `coldkeypub.txt` (no password needed), or from an
    /// unencrypted `coldkey` if the public file is missing. `Ok(None)` if neither exists.
    pub fn coldkey_account(&self) -> Result<Option<AccountId>, WalletError> {
        first_public_account([self.coldkeypub(), self.coldkey()])
    }

    /// A hotkey's account, from its public file or its (unencrypted) keyfile.
    pub fn hotkey_account(&self, hotkey: &str) -> Result<Option<AccountId>, WalletError> {
        first_public_account([self.hotkeypub(hotkey)?, self.hotkey(hotkey)?])
    }

    /// Names of the hotkeys in `hotkeys/` (files not ending in `pub.txt`), sorted.
    pub fn hotkeys(&self) -> Result<Vec<String>, WalletError> {
        let dir = self.dir().join("hotkeys");
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(WalletError::io("cannot list", &dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| WalletError::io("cannot list", &dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
            if !is_file || name.starts_with('.') {
                continue;
            }
            if let Some(base) = name.strip_suffix("pub.txt") {
                // A public file without its keyfile (e.g. made by regen-hotkeypub).
                if !base.is_empty()
                    && !dir.join(base).exists()
                    && check_name("hotkey", base).is_ok()
                {
                    names.push(base.to_string());
                }
                continue;
            }
            if check_name("hotkey", &name).is_ok() {
                names.push(name);
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// The account of the first of `files` that exists and is readable without a password.
fn first_public_account(files: [Keyfile; 2]) -> Result<Option<AccountId>, WalletError> {
    for file in files {
        if !file.exists() || file.is_encrypted()? {
            continue;
        }
        let data = file.read(None)?;
        let account = data.account().map_err(|source| WalletError::Keyfile {
            path: file.path().to_path_buf(),
            source,
        })?;
        return Ok(Some(account));
    }
    Ok(None)
}

/// Names of the wallets under `root` (directories), sorted; empty if `root` does not exist.
pub fn list_wallets(root: &Path) -> Result<Vec<String>, WalletError> {
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(WalletError::io("cannot list", root, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| WalletError::io("cannot list", root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false)
            && !name.starts_with('.')
            && check_name("wallet", &name).is_ok()
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The permission bits of a path (for tests and diagnostics).
pub fn mode_of(path: &Path) -> Result<u32, WalletError> {
    fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .map_err(|e| WalletError::io("cannot stat", path, e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::keys::Keypair;

    #[test]
    fn names_are_validated() {
        assert!(Wallet::new("/tmp", "ok-name_1.x").is_ok());
        for bad in ["", ".", "..", "a/b", "../x", "a b"] {
            assert!(
                matches!(
                    Wallet::new("/tmp", bad),
                    Err(WalletError::InvalidName { .. })
                ),
                "{bad}"
            );
        }
        let w = Wallet::new("/tmp", "w").unwrap();
        assert!(w.hotkey("../../etc/passwd").is_err());
    }

    #[test]
    fn atomic_write_modes_and_no_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let w = Wallet::new(dir.path(), "w").unwrap();
        let (pair, _) = Keypair::generate(12).unwrap();
        let kf = w.hotkey("h").unwrap();
        kf.write(&KeyfileData::from_keypair(&pair), None, false)
            .unwrap();
        assert_eq!(mode_of(kf.path()).unwrap(), 0o600);
        assert_eq!(mode_of(&w.dir()).unwrap(), 0o700);
        assert_eq!(mode_of(&w.dir().join("hotkeys")).unwrap(), 0o700);

        let before = fs::read(kf.path()).unwrap();
        let other = Keypair::generate(12).unwrap().0;
        assert!(matches!(
            kf.write(&KeyfileData::from_keypair(&other), None, false),
            Err(WalletError::Exists(_))
        ));
        assert_eq!(fs::read(kf.path()).unwrap(), before);
        // The no-clobber link itself refuses an existing target.
        assert!(matches!(
            write_secret(kf.path(), b"x", false),
            Err(WalletError::Exists(_))
        ));
        assert_eq!(fs::read(kf.path()).unwrap(), before);
        kf.write(&KeyfileData::from_keypair(&other), None, true)
            .unwrap();
        assert_eq!(
            kf.read(None).unwrap().account().unwrap(),
            other.account_id()
        );
        // No temporary files left behind.
        let leftovers: Vec<_> = fs::read_dir(w.dir().join("hotkeys"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .collect();
        assert!(leftovers.is_empty());
        assert_eq!(w.hotkeys().unwrap(), vec!["h".to_string()]);
    }

    #[test]
    fn bounded_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b' '; (MAX_KEYFILE_BYTES + 1) as usize]).unwrap();
        assert!(matches!(
            Keyfile::new(&path).read(None),
            Err(WalletError::TooLarge { .. })
        ));
        assert!(matches!(
            Keyfile::new(dir.path().join("missing")).read(None),
            Err(WalletError::NotFound(_))
        ));
    }
}
