//! `taonet.Keypair`: an sr25519 key (with its secret, or public only), over
//! `taonet_crypto::Keypair`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use taonet_crypto::{Keypair, Signature, Ss58, verify};
use taonet_types::AccountId;

/// What a [`PyKeypair`] holds.
#[derive(Clone)]
pub enum KeyInner {
    /// The secret (and so the public key).
    Full(Box<Keypair>),
    /// Only the public key (e.g. read from `coldkeypub.txt`).
    Public(AccountId),
}

/// An sr25519 keypair as bittensor's `Keypair`: `ss58_address`, `public_key`, `sign`,
/// `verify`. A keypair made from an address only can verify but not sign.
#[pyclass(module = "taonet", name = "Keypair", frozen)]
pub struct PyKeypair {
    pub(crate) inner: KeyInner,
}

impl PyKeypair {
    /// Wraps a full keypair.
    pub fn full(pair: Keypair) -> PyKeypair {
        PyKeypair {
            inner: KeyInner::Full(Box::new(pair)),
        }
    }

    /// Wraps a public key.
    pub fn public(account: AccountId) -> PyKeypair {
        PyKeypair {
            inner: KeyInner::Public(account),
        }
    }

    /// The account (public key).
    pub fn account(&self) -> AccountId {
        match &self.inner {
            KeyInner::Full(p) => p.account_id(),
            KeyInner::Public(a) => *a,
        }
    }
}

/// The bytes of a message given as `str` (UTF-8) or bytes-like.
pub fn message_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = data.extract::<String>() {
        return Ok(s.into_bytes());
    }
    data.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("the message must be str or bytes"))
}

/// A 64-byte signature given as bytes or `0x`-hex.
fn signature_of(sig: &Bound<'_, PyAny>) -> PyResult<Signature> {
    if let Ok(s) = sig.extract::<String>() {
        return Signature::from_hex(&s).map_err(|e| PyValueError::new_err(e.to_string()));
    }
    let bytes: Vec<u8> = sig
        .extract()
        .map_err(|_| PyTypeError::new_err("the signature must be bytes or 0x-hex"))?;
    let arr: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        PyValueError::new_err(format!("a signature is 64 bytes, got {}", bytes.len()))
    })?;
    Ok(Signature(arr))
}

fn key_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

#[pymethods]
impl PyKeypair {
    /// A public-only keypair from an SS58 address or a 32-byte public key (bytes or 0x-hex).
    #[new]
    #[pyo3(signature = (ss58_address=None, public_key=None))]
    fn py_new(ss58_address: Option<&str>, public_key: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        match (ss58_address, public_key) {
            (Some(addr), _) => Ok(PyKeypair::public(
                AccountId::from_ss58(addr).map_err(key_err)?,
            )),
            (None, Some(pk)) => {
                if let Ok(s) = pk.extract::<String>() {
                    return Ok(PyKeypair::public(AccountId::from_hex(&s).map_err(key_err)?));
                }
                let bytes: Vec<u8> = pk.extract()?;
                let arr: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| PyValueError::new_err("a public key is 32 bytes"))?;
                Ok(PyKeypair::public(AccountId(arr)))
            }
            (None, None) => Err(PyValueError::new_err(
                "give ss58_address or public_key (or use Keypair.create_from_mnemonic)",
            )),
        }
    }

    /// A keypair from a BIP39 mnemonic, derived as bittensor wallets are.
    #[staticmethod]
    fn create_from_mnemonic(py: Python<'_>, mnemonic: &str) -> PyResult<Self> {
        let phrase = mnemonic.to_string();
        py.detach(move || Keypair::from_mnemonic(&phrase))
            .map(PyKeypair::full)
            .map_err(key_err)
    }

    /// A keypair from a 32-byte seed (the keyfile's `secretSeed`), as bytes or 0x-hex.
    #[staticmethod]
    fn create_from_seed(seed: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = seed.extract::<String>() {
            return Keypair::from_seed_hex(&s)
                .map(PyKeypair::full)
                .map_err(key_err);
        }
        let bytes: Vec<u8> = seed.extract()?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PyValueError::new_err("a seed is 32 bytes"))?;
        Ok(PyKeypair::full(Keypair::from_seed(&arr)))
    }

    /// A development keypair from a URI such as `//Alice`.
    #[staticmethod]
    fn create_from_uri(uri: &str) -> PyResult<Self> {
        Keypair::from_uri(uri).map(PyKeypair::full).map_err(key_err)
    }

    /// A new random BIP39 mnemonic of `n_words` words (12, 15, 18, 21 or 24).
    #[staticmethod]
    #[pyo3(signature = (n_words=12))]
    fn generate_mnemonic(n_words: usize) -> PyResult<String> {
        let (_, phrase) = Keypair::generate(n_words).map_err(key_err)?;
        Ok(phrase.as_str().to_string())
    }

    /// The SS58 address (format 42).
    #[getter]
    fn ss58_address(&self) -> String {
        self.account().to_ss58()
    }

    /// The 32-byte public key.
    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.account().as_bytes())
    }

    /// Whether this keypair holds its secret (and so can sign).
    #[getter]
    fn has_private_key(&self) -> bool {
        matches!(self.inner, KeyInner::Full(_))
    }

    /// Signs `data` (str as UTF-8, or bytes) with the `substrate` context: 64 bytes.
    fn sign<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let KeyInner::Full(pair) = &self.inner else {
            return Err(PyValueError::new_err(
                "this keypair has no private key (it was made from a public key or address)",
            ));
        };
        let msg = message_bytes(data)?;
        Ok(PyBytes::new(py, &pair.sign(&msg).0))
    }

    /// Whether `signature` (bytes or 0x-hex) is this key's signature of `data`, as is or
    /// wrapped in `<Bytes>…</Bytes>` (as bittensor accepts).
    fn verify(&self, data: &Bound<'_, PyAny>, signature: &Bound<'_, PyAny>) -> PyResult<bool> {
        let msg = message_bytes(data)?;
        let sig = signature_of(signature)?;
        Ok(verify(&self.account(), &msg, &sig))
    }

    fn __repr__(&self) -> String {
        format!("<Keypair (address={})>", self.account().to_ss58())
    }

    fn __str__(&self) -> String {
        self.account().to_ss58()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, PyKeypair>>()
            .map(|o| o.account() == self.account())
            .unwrap_or(false)
    }

    fn __hash__(&self) -> u64 {
        let b = self.account().0;
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }
}
