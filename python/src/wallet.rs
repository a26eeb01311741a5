//! `taonet.Wallet`: a wallet directory in bittensor's layout, over `taonet_crypto::wallet`.
//!
//! # Rules
//! - The root is `path`, else `TAONET_WALLET_PATH`, else `~/.bittensor/wallets` (`~` is
//!   expanded).
//! - Encrypted keyfiles are unlocked with `TAONET_WALLET_PASSWORD`, else a no-echo prompt
//!   (Python's `getpass`); new encrypted keys take their password the same way (asked twice
//!   at a prompt, at least 6 characters).
//! - `create_new_*` and `regenerate_*` refuse, before anything is written, when a target file
//!   exists and `overwrite` is False (`KeyFileError`): an existing key is never destroyed.
//!   (bittensor-wallet asks on the terminal and raises `KeyFileError` on "no"; here there is
//!   no question, only the refusal.)

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::{Keyfile, Wallet, WalletError};
use taonet_crypto::{Keypair, MNEMONIC_WORD_COUNTS};
use zeroize::Zeroizing;

use crate::KeyFileError;
use crate::keys::PyKeypair;

/// Environment variable that overrides the default wallet root.
pub const WALLET_PATH_ENV: &str = "TAONET_WALLET_PATH";
/// Environment variable holding the keyfile password for non-interactive use.
pub const PASSWORD_ENV: &str = "TAONET_WALLET_PASSWORD";
/// Shortest password accepted for a new keyfile (as bittensor requires).
pub const MIN_PASSWORD_LEN: usize = 6;

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `~` and `~/…` expanded.
fn expand(p: &str) -> PathBuf {
    if p == "~" {
        home()
    } else if let Some(rest) = p.strip_prefix("~/") {
        home().join(rest)
    } else {
        PathBuf::from(p)
    }
}

/// The wallet root for an optional `path` argument.
pub fn wallet_root(path: Option<&str>) -> PathBuf {
    match path {
        Some(p) => expand(p),
        None => match std::env::var(WALLET_PATH_ENV) {
            Ok(p) if !p.is_empty() => expand(&p),
            _ => home().join(".bittensor").join("wallets"),
        },
    }
}

pub(crate) fn wallet_err(e: WalletError) -> PyErr {
    KeyFileError::new_err(e.to_string())
}

fn env_password() -> Option<Zeroizing<String>> {
    std::env::var(PASSWORD_ENV)
        .ok()
        .map(Zeroizing::new)
        .filter(|p| !p.is_empty())
}

fn prompt(py: Python<'_>, question: &str) -> PyResult<Zeroizing<String>> {
    let answer: String = py
        .import("getpass")?
        .call_method1("getpass", (question,))?
        .extract()?;
    Ok(Zeroizing::new(answer))
}

/// The password of an existing keyfile `what`.
fn existing_password(py: Python<'_>, what: &str) -> PyResult<Zeroizing<String>> {
    match env_password() {
        Some(pw) => Ok(pw),
        None => prompt(py, &format!("Enter the password to unlock the {what}: ")),
    }
}

/// A password for a new keyfile `what`.
fn new_password(py: Python<'_>, what: &str) -> PyResult<Zeroizing<String>> {
    let pw = match env_password() {
        Some(pw) => pw,
        None => {
            let first = prompt(py, &format!("Choose a password for the {what}: "))?;
            let again = prompt(py, "Repeat the password: ")?;
            if *first != *again {
                return Err(KeyFileError::new_err("the two passwords differ"));
            }
            first
        }
    };
    if pw.chars().count() < MIN_PASSWORD_LEN {
        return Err(KeyFileError::new_err(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    Ok(pw)
}

/// Reads a keypair from `file`, asking for its password if it is encrypted. A public-only
/// keyfile gives a public-only keypair.
fn load(py: Python<'_>, file: &Keyfile, what: &str) -> PyResult<PyKeypair> {
    let encrypted = file.is_encrypted().map_err(wallet_err)?;
    let password = if encrypted {
        Some(existing_password(py, what)?)
    } else {
        None
    };
    let file = file.clone();
    let data = py
        .detach(move || file.read(password.as_ref().map(|p| p.as_str())))
        .map_err(wallet_err)?;
    match data
        .keypair()
        .map_err(|e| KeyFileError::new_err(e.to_string()))?
    {
        Some(pair) => Ok(PyKeypair::full(pair)),
        None => data
            .account()
            .map(PyKeypair::public)
            .map_err(|e| KeyFileError::new_err(e.to_string())),
    }
}

/// Where a new key comes from.
enum Source<'a> {
    Fresh(usize),
    Mnemonic(&'a str),
    Seed(&'a str),
}

/// A wallet as bittensor's `Wallet(name, hotkey, path)`: the coldkey `<path>/<name>/coldkey`
/// (with `coldkeypub.txt`) and the hotkey `<path>/<name>/hotkeys/<hotkey>`.
#[pyclass(module = "taonet", name = "Wallet", frozen)]
pub struct PyWallet {
    hotkey_name: String,
    root: PathBuf,
    inner: Wallet,
}

impl PyWallet {
    /// The coldkey's secret (asks for its password if encrypted).
    pub fn coldkey_pair(&self, py: Python<'_>) -> PyResult<Keypair> {
        full(load(py, &self.inner.coldkey(), "coldkey")?, "coldkey")
    }

    /// The hotkey's secret.
    pub fn hotkey_pair(&self, py: Python<'_>) -> PyResult<Keypair> {
        full(load(py, &self.hotkey_file()?, "hotkey")?, "hotkey")
    }

    /// The hotkey's account, from its public file or keyfile (no password).
    pub fn hotkey_account(&self) -> PyResult<taonet_types::AccountId> {
        self.inner
            .hotkey_account(&self.hotkey_name)
            .map_err(wallet_err)?
            .ok_or_else(|| {
                KeyFileError::new_err(format!(
                    "wallet '{}' has no hotkey '{}' in {}",
                    self.inner.name(),
                    self.hotkey_name,
                    self.inner.dir().display()
                ))
            })
    }

    fn hotkey_file(&self) -> PyResult<Keyfile> {
        self.inner.hotkey(&self.hotkey_name).map_err(wallet_err)
    }

    fn hotkeypub_file(&self) -> PyResult<Keyfile> {
        self.inner.hotkeypub(&self.hotkey_name).map_err(wallet_err)
    }

    /// Writes a new key (coldkey or hotkey) after checking every target.
    fn write_key(
        &self,
        py: Python<'_>,
        cold: bool,
        source: Source<'_>,
        use_password: bool,
        overwrite: bool,
        suppress: bool,
    ) -> PyResult<()> {
        let what = if cold { "coldkey" } else { "hotkey" };
        let (secret, public) = if cold {
            (self.inner.coldkey(), self.inner.coldkeypub())
        } else {
            (self.hotkey_file()?, self.hotkeypub_file()?)
        };
        if !overwrite {
            for f in [&secret, &public] {
                if f.exists() {
                    return Err(KeyFileError::new_err(format!(
                        "keyfile {} already exists; pass overwrite=True to replace it (the old \
                         key is lost unless you have its mnemonic)",
                        f.path().display()
                    )));
                }
            }
        }
        let (pair, phrase) = match source {
            Source::Fresh(words) => {
                if !MNEMONIC_WORD_COUNTS.contains(&words) {
                    return Err(PyValueError::new_err(format!(
                        "n_words must be one of 12, 15, 18, 21, 24 (got {words})"
                    )));
                }
                let (pair, phrase) =
                    Keypair::generate(words).map_err(|e| PyValueError::new_err(e.to_string()))?;
                (pair, Some(phrase))
            }
            Source::Mnemonic(m) => (
                Keypair::from_mnemonic(m).map_err(|e| PyValueError::new_err(e.to_string()))?,
                None,
            ),
            Source::Seed(s) => (
                Keypair::from_seed_hex(s).map_err(|e| PyValueError::new_err(e.to_string()))?,
                None,
            ),
        };
        let password = if use_password {
            Some(new_password(py, what)?)
        } else {
            None
        };
        let data = KeyfileData::from_keypair(&pair);
        let public_data = KeyfileData::public(&pair.account_id());
        py.detach(move || -> Result<(), WalletError> {
            secret.write(&data, password.as_ref().map(|p| p.as_str()), overwrite)?;
            public.write(&public_data, None, overwrite)
        })
        .map_err(wallet_err)?;
        if let Some(phrase) = phrase
            && !suppress
        {
            let text = format!(
                "The mnemonic of the new {what} {}, shown only this once; write it down and keep \
                 it offline:\n\n    {}\n",
                pair.ss58(),
                phrase.as_str()
            );
            py.import("builtins")?.call_method1("print", (text,))?;
        }
        Ok(())
    }
}

fn full(k: PyKeypair, what: &str) -> PyResult<Keypair> {
    match k.inner {
        crate::keys::KeyInner::Full(p) => Ok(*p),
        crate::keys::KeyInner::Public(_) => Err(KeyFileError::new_err(format!(
            "the {what} keyfile holds only a public key; it cannot sign"
        ))),
    }
}

#[pymethods]
impl PyWallet {
    /// The wallet `name` with hotkey `hotkey` under `path` (default: `TAONET_WALLET_PATH`,
    /// else `~/.bittensor/wallets`). No file is touched.
    #[new]
    #[pyo3(signature = (name="default", hotkey="default", path=None))]
    fn py_new(name: &str, hotkey: &str, path: Option<PathBuf>) -> PyResult<Self> {
        let root = wallet_root(path.as_deref().and_then(|p| p.to_str()));
        let inner = Wallet::new(&root, name).map_err(wallet_err)?;
        // Check the hotkey name now, as the wallet name was.
        inner.hotkey(hotkey).map_err(wallet_err)?;
        Ok(PyWallet {
            hotkey_name: hotkey.to_string(),
            root,
            inner,
        })
    }

    /// The wallet (coldkey) name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// The hotkey name.
    #[getter]
    fn hotkey_str(&self) -> String {
        self.hotkey_name.clone()
    }

    /// The wallet root directory.
    #[getter]
    fn path(&self) -> String {
        self.root.display().to_string()
    }

    /// The coldkey's public key, from `coldkeypub.txt` (no password needed).
    #[getter]
    fn coldkeypub(&self) -> PyResult<PyKeypair> {
        self.inner
            .coldkey_account()
            .map_err(wallet_err)?
            .map(PyKeypair::public)
            .ok_or_else(|| {
                KeyFileError::new_err(format!(
                    "wallet '{}' has no coldkey in {}",
                    self.inner.name(),
                    self.inner.dir().display()
                ))
            })
    }

    /// The coldkey with its secret: unlocked with `TAONET_WALLET_PASSWORD` or a prompt.
    #[getter]
    fn coldkey(&self, py: Python<'_>) -> PyResult<PyKeypair> {
        self.coldkey_pair(py).map(PyKeypair::full)
    }

    /// The hotkey with its secret (hotkeys are normally unencrypted).
    #[getter]
    fn hotkey(&self, py: Python<'_>) -> PyResult<PyKeypair> {
        load(py, &self.hotkey_file()?, "hotkey")
    }

    /// The hotkey's public key (no password needed).
    #[getter]
    fn hotkeypub(&self) -> PyResult<PyKeypair> {
        self.hotkey_account().map(PyKeypair::public)
    }

    /// Creates a new coldkey (`coldkey` + `coldkeypub.txt`) from a fresh mnemonic, encrypted
    /// unless `use_password=False`. Raises `KeyFileError` if one exists and `overwrite` is
    /// False. Returns the wallet.
    #[pyo3(signature = (n_words=12, use_password=true, overwrite=false, suppress=false))]
    fn create_new_coldkey<'py>(
        slf: &Bound<'py, Self>,
        n_words: usize,
        use_password: bool,
        overwrite: bool,
        suppress: bool,
    ) -> PyResult<Bound<'py, Self>> {
        slf.get().write_key(
            slf.py(),
            true,
            Source::Fresh(n_words),
            use_password,
            overwrite,
            suppress,
        )?;
        Ok(slf.clone())
    }

    /// Creates a new hotkey (`hotkeys/<hotkey>` + `hotkeys/<hotkey>pub.txt`), unencrypted
    /// unless `use_password=True`. Raises `KeyFileError` if it exists and `overwrite` is
    /// False, leaving the existing key untouched. Returns the wallet.
    #[pyo3(signature = (n_words=12, use_password=false, overwrite=false, suppress=false))]
    fn create_new_hotkey<'py>(
        slf: &Bound<'py, Self>,
        n_words: usize,
        use_password: bool,
        overwrite: bool,
        suppress: bool,
    ) -> PyResult<Bound<'py, Self>> {
        slf.get().write_key(
            slf.py(),
            false,
            Source::Fresh(n_words),
            use_password,
            overwrite,
            suppress,
        )?;
        Ok(slf.clone())
    }

    /// Restores the coldkey from its `mnemonic` (or its 0x-hex `seed`). Returns the wallet.
    #[pyo3(signature = (mnemonic=None, seed=None, use_password=true, overwrite=false, suppress=false))]
    fn regenerate_coldkey<'py>(
        slf: &Bound<'py, Self>,
        mnemonic: Option<&str>,
        seed: Option<&str>,
        use_password: bool,
        overwrite: bool,
        suppress: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let source = source_of(mnemonic, seed)?;
        slf.get()
            .write_key(slf.py(), true, source, use_password, overwrite, suppress)?;
        Ok(slf.clone())
    }

    /// Restores the hotkey from its `mnemonic` (or its 0x-hex `seed`). Returns the wallet.
    #[pyo3(signature = (mnemonic=None, seed=None, use_password=false, overwrite=false, suppress=false))]
    fn regenerate_hotkey<'py>(
        slf: &Bound<'py, Self>,
        mnemonic: Option<&str>,
        seed: Option<&str>,
        use_password: bool,
        overwrite: bool,
        suppress: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let source = source_of(mnemonic, seed)?;
        slf.get()
            .write_key(slf.py(), false, source, use_password, overwrite, suppress)?;
        Ok(slf.clone())
    }

    /// Creates the coldkey and the hotkey if they do not exist; keeps the ones that do.
    /// Returns the wallet.
    #[pyo3(signature = (coldkey_use_password=true, hotkey_use_password=false, suppress=false))]
    fn create_if_non_existent<'py>(
        slf: &Bound<'py, Self>,
        coldkey_use_password: bool,
        hotkey_use_password: bool,
        suppress: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let w = slf.get();
        let py = slf.py();
        if !w.inner.coldkey().exists() && !w.inner.coldkeypub().exists() {
            w.write_key(
                py,
                true,
                Source::Fresh(12),
                coldkey_use_password,
                false,
                suppress,
            )?;
        }
        if !w.hotkey_file()?.exists() && !w.hotkeypub_file()?.exists() {
            w.write_key(
                py,
                false,
                Source::Fresh(12),
                hotkey_use_password,
                false,
                suppress,
            )?;
        }
        Ok(slf.clone())
    }

    fn __repr__(&self) -> String {
        format!(
            "Wallet (Name: '{}', Hotkey: '{}', Path: '{}')",
            self.inner.name(),
            self.hotkey_name,
            self.root.display()
        )
    }
}

fn source_of<'a>(mnemonic: Option<&'a str>, seed: Option<&'a str>) -> PyResult<Source<'a>> {
    match (mnemonic, seed) {
        (Some(m), _) => Ok(Source::Mnemonic(m)),
        (None, Some(s)) => Ok(Source::Seed(s)),
        (None, None) => Err(PyValueError::new_err("give mnemonic=… or seed=…")),
    }
}
