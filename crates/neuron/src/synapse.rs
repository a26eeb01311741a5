//! Synapses: the request/response objects exchanged between a dendrite and an axon.
//!
//! # Wire format (bittensor 10.x)
//! A synapse travels as **one JSON object**: the base fields (`name`, `timeout`,
//! `total_size`, `header_size`, `dendrite`, `axon`, `computed_body_hash`) next to the
//! subnet's own request and response fields. In Rust that is a [`SynapseMessage<S>`]: the
//! [`SynapseBase`] flattened next to the user type `S: Synapse`.
//!
//! # Body hash
//! Each synapse type lists its [`Synapse::REQUIRED_HASH_FIELDS`] in order. The body hash is
//! `hex(SHA3-256(hex(SHA3-256(str(v₁))) ‖ hex(SHA3-256(str(v₂))) ‖ …))` where `str` is
//! **Python's `str()`** of the field value as the Python side sees it after parsing the JSON
//! body. [`python_str`] reproduces it for:
//! - `null` → `None`, booleans → `True`/`False`, integers → decimal;
//! - strings → the raw string at top level, and Python's `repr` inside lists (single quotes
//!   unless the string contains `'` and no `"`; backslash, quotes and control characters
//!   escaped; other characters verbatim);
//! - floats → Python `repr` (`1.0`, `0.25`, `1e-05`, `1e+16`);
//! - lists → `[a, b]` (items as above, recursively).
//!
//! JSON objects (Python dicts) are **not** supported in hashed fields
//! ([`HashError::Unsupported`]); keep hashed fields to ints, strings and lists of them.
//! With no hashed fields the hash is SHA3-256 of the empty string.
//!
//! # JSON synapses
//! A synapse need not be a Rust type: the axon's `attach_json` and the dendrite's
//! `call_json` carry it as the JSON object above with a route name and hash fields given at
//! run time ([`body_hash_of_value`]). A typed synapse is the same object, so the two
//! interoperate: a typed call reaches a JSON route and a JSON call a typed one.
//!
//! # Streaming synapses
//! bittensor's `StreamingSynapse` travels the same way on the request side; its answer is
//! not a synapse but the response body's chunks (`text/event-stream`, chunked), whose
//! format each subnet defines. The terminals of a streamed answer travel only in the
//! `bt_header_*` response headers.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};

use crate::error::HashError;

/// The bittensor version this crate speaks, as the int bittensor sends
/// (major·10⁶ + minor·10³ + patch: 10.5.0).
pub const BITTENSOR_VERSION: u64 = 10_005_000;

/// One end of a call as the synapse records it (`dendrite` = caller, `axon` = server).
/// Every field is optional and `null` when unset, as in Python.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TerminalInfo {
    /// HTTP-like status code.
    pub status_code: Option<u16>,
    /// Status message.
    pub status_message: Option<String>,
    /// Processing time in seconds.
    pub process_time: Option<f64>,
    /// IP address.
    pub ip: Option<String>,
    /// TCP port of that end.
    pub port: Option<u16>,
    /// bittensor version int.
    pub version: Option<u64>,
    /// Nonce (nanoseconds since the Unix epoch at signing).
    pub nonce: Option<u64>,
    /// Instance uuid.
    pub uuid: Option<String>,
    /// Hotkey (SS58).
    pub hotkey: Option<String>,
    /// `0x`-hex signature.
    pub signature: Option<String>,
}

impl TerminalInfo {
    /// The terminal a set of `<prefix><field>` headers describes (`prefix` is
    /// `bt_header_axon_` or `bt_header_dendrite_`); `get` looks a header up by name. Absent,
    /// empty and `None` values are unset. `strict`: a value that does not parse is an error
    /// naming the header (the axon answers 400); otherwise it is skipped (the dendrite reads
    /// whatever an axon sent).
    pub(crate) fn from_headers<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
        prefix: &str,
        strict: bool,
    ) -> Result<TerminalInfo, String> {
        let text = |f: &str| get(&format!("{prefix}{f}")).map(str::to_string);
        fn num<T: std::str::FromStr>(
            raw: Option<&str>,
            name: String,
            strict: bool,
        ) -> Result<Option<T>, String> {
            match raw {
                None => Ok(None),
                Some(v) if v.is_empty() || v == "None" => Ok(None),
                Some(v) => match v.trim().parse() {
                    Ok(n) => Ok(Some(n)),
                    Err(_) if strict => Err(name),
                    Err(_) => Ok(None),
                },
            }
        }
        let n = |f: &str| (get(&format!("{prefix}{f}")), format!("{prefix}{f}"));
        let (code, code_name) = n("status_code");
        let (time, time_name) = n("process_time");
        let (port, port_name) = n("port");
        let (version, version_name) = n("version");
        let (nonce, nonce_name) = n("nonce");
        Ok(TerminalInfo {
            status_code: num(code, code_name, strict)?,
            status_message: text("status_message"),
            process_time: num(time, time_name, strict)?,
            ip: text("ip"),
            port: num(port, port_name, strict)?,
            version: num(version, version_name, strict)?,
            nonce: num(nonce, nonce_name, strict)?,
            uuid: text("uuid"),
            hotkey: text("hotkey"),
            signature: text("signature"),
        })
    }

    /// Sets every field that `other` has set (header values over body values, as the
    /// Python dendrite merges them).
    pub(crate) fn overlay(&mut self, other: &TerminalInfo) {
        fn set<T: Clone>(slot: &mut Option<T>, v: &Option<T>) {
            if v.is_some() {
                slot.clone_from(v);
            }
        }
        set(&mut self.status_code, &other.status_code);
        set(&mut self.status_message, &other.status_message);
        set(&mut self.process_time, &other.process_time);
        set(&mut self.ip, &other.ip);
        set(&mut self.port, &other.port);
        set(&mut self.version, &other.version);
        set(&mut self.nonce, &other.nonce);
        set(&mut self.uuid, &other.uuid);
        set(&mut self.hotkey, &other.hotkey);
        set(&mut self.signature, &other.signature);
    }
}

/// The base fields every synapse carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynapseBase {
    /// Route name (the Python class name).
    pub name: Option<String>,
    /// Timeout in seconds.
    pub timeout: Option<f64>,
    /// Python-side size estimate (informational).
    pub total_size: Option<u64>,
    /// Python-side size estimate (informational).
    pub header_size: Option<u64>,
    /// The calling end (the dendrite); the axon records its verified hotkey, nonce and
    /// address.
    pub dendrite: Option<TerminalInfo>,
    /// The serving end (the axon), with the status and processing time it answers with.
    pub axon: Option<TerminalInfo>,
    /// Always `""` in bodies; the real hash travels in a header.
    pub computed_body_hash: Option<String>,
}

impl Default for SynapseBase {
    fn default() -> Self {
        SynapseBase {
            name: None,
            timeout: Some(12.0),
            total_size: Some(0),
            header_size: Some(0),
            dendrite: Some(TerminalInfo::default()),
            axon: Some(TerminalInfo::default()),
            computed_body_hash: Some(String::new()),
        }
    }
}

/// A subnet's synapse type: its request and response fields as one serde struct.
///
/// Give every response field a `#[serde(default)]` (the request carries it as `null` or not
/// at all) and do not use `deny_unknown_fields` (the base fields share the object).
pub trait Synapse: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Route name: the Python class name (`EchoSynapse`).
    const NAME: &'static str;
    /// Fields covered by the body hash, in order (`required_hash_fields`).
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &[];
}

/// The base synapse (`/Synapse` route): a ping with no fields of its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ping {}

impl Synapse for Ping {
    const NAME: &'static str = "Synapse";
}

/// A synapse as it travels: base fields and the subnet's fields in one JSON object.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SynapseMessage<S> {
    /// Base fields.
    #[serde(flatten)]
    pub base: SynapseBase,
    /// The subnet's fields.
    #[serde(flatten)]
    pub fields: S,
}

impl<S: Synapse> SynapseMessage<S> {
    /// A message for `fields` with default base fields and `name` set.
    pub fn new(fields: S) -> Self {
        SynapseMessage {
            base: SynapseBase {
                name: Some(S::NAME.to_string()),
                ..SynapseBase::default()
            },
            fields,
        }
    }
}

/// The body hash of a synapse's fields (see the module docs).
pub fn body_hash<S: Synapse>(fields: &S) -> Result<String, HashError> {
    if S::REQUIRED_HASH_FIELDS.is_empty() {
        return Ok(sha3_hex(b""));
    }
    let value = serde_json::to_value(fields).map_err(|e| HashError::Serialize(e.to_string()))?;
    body_hash_of_value(&value, S::REQUIRED_HASH_FIELDS)
}

/// The body hash over `fields` of a JSON object (missing fields count as `None`). Used by
/// typed synapses (their [`Synapse::REQUIRED_HASH_FIELDS`]) and by JSON synapses, whose
/// hashed fields are given at run time.
pub fn body_hash_of_value<F: AsRef<str>>(
    value: &serde_json::Value,
    fields: &[F],
) -> Result<String, HashError> {
    let mut concat = String::with_capacity(64 * fields.len());
    for field in fields {
        let v = value
            .get(field.as_ref())
            .unwrap_or(&serde_json::Value::Null);
        concat.push_str(&sha3_hex(python_str(v)?.as_bytes()));
    }
    Ok(sha3_hex(concat.as_bytes()))
}

/// Lower-case hex of SHA3-256.
pub fn sha3_hex(bytes: &[u8]) -> String {
    hex::encode(Sha3_256::digest(bytes))
}

/// Python `str()` of a JSON value as Python parses it (see the module docs for coverage).
pub fn python_str(value: &serde_json::Value) -> Result<String, HashError> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        other => python_repr(other),
    }
}

fn python_repr(value: &serde_json::Value) -> Result<String, HashError> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else if let Some(f) = n.as_f64() {
                python_float_repr(f)?
            } else {
                return Err(HashError::Unsupported(n.to_string()));
            }
        }
        Value::String(s) => python_string_repr(s),
        Value::Array(items) => {
            let parts = items
                .iter()
                .map(python_repr)
                .collect::<Result<Vec<_>, _>>()?;
            format!("[{}]", parts.join(", "))
        }
        Value::Object(_) => return Err(HashError::Unsupported("dict".to_string())),
    })
}

/// Python `repr(float)`: the shortest round-trip digits, positional for exponents in
/// [-4, 16), scientific (`1e-05`, `1.5e+16`) otherwise.
fn python_float_repr(f: f64) -> Result<String, HashError> {
    if !f.is_finite() {
        return Err(HashError::Unsupported(f.to_string()));
    }
    if f == 0.0 {
        return Ok(if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string());
    }
    // Shortest round-trip digits from Rust's `{:e}` (e.g. "1.5e16", "-2.5e-5").
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci
        .split_once('e')
        .ok_or_else(|| HashError::Unsupported(sci.clone()))?;
    let exp: i32 = exp
        .parse()
        .map_err(|_| HashError::Unsupported(sci.clone()))?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp >= 0 {
            let int_len = exp + 1;
            if n <= int_len {
                format!("{digits}{}.0", "0".repeat((int_len - n) as usize))
            } else {
                let (a, b) = digits.split_at(int_len as usize);
                format!("{a}.{b}")
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        Ok(format!("{sign}{s}"))
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        Ok(format!("{sign}{m}e{esign}{:02}", exp.abs()))
    }
}

/// Python `repr(str)`.
fn python_string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_str_matches_python() {
        let cases = [
            (json!(7), "7"),
            (json!(-3), "-3"),
            (json!(true), "True"),
            (json!(null), "None"),
            (json!("hi"), "hi"),
            (json!([1, 2]), "[1, 2]"),
            (json!([]), "[]"),
            (json!(["a", "it's"]), "['a', \"it's\"]"),
            (
                json!([1.0, 0.25, 1e-5, 1.5e16, 123.456]),
                "[1.0, 0.25, 1e-05, 1.5e+16, 123.456]",
            ),
            (json!(1e16), "1e+16"),
            (json!(0.0001), "0.0001"),
            (json!([[1], [2, 3]]), "[[1], [2, 3]]"),
        ];
        for (v, want) in cases {
            assert_eq!(python_str(&v).unwrap(), want, "{v}");
        }
        assert!(python_str(&json!({"a": 1})).is_err());
    }

    #[test]
    fn empty_hash_is_sha3_of_nothing() {
        assert!(body_hash(&Ping {}).unwrap().starts_with("a7ffc6f8bf1ed766"));
    }

    #[test]
    fn observed_hash() {
        // value=7, items=[1, 2]: SHA3(SHA3("7") ‖ SHA3("[1, 2]")) (research §b1, observed).
        let v = json!({"value": 7, "items": [1, 2]});
        let want = sha3_hex(format!("{}{}", sha3_hex(b"7"), sha3_hex(b"[1, 2]")).as_bytes());
        assert_eq!(body_hash_of_value(&v, &["value", "items"]).unwrap(), want);
    }
}
