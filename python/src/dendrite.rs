//! `taonet._taonet.DendriteClient` and `ChunkIter`: the Rust dendrite calling axons for
//! Python.
//!
//! # Rules
//! - Requests are built, signed and sent by `taonet_neuron::dendrite::Dendrite::call_json` /
//!   `call_stream_json` (bittensor 10 headers; the body hash over the given
//!   `required_hash_fields`, recomputed from the JSON with Python's `str()` rules): a synapse
//!   crosses as its JSON bytes and comes back as JSON bytes.
//! - `query` calls every target at once on the client's own runtime, with the GIL
//!   released, and returns one result per target in target order. A call never raises for
//!   what happened on the network: every ending is a status, as bittensor's dendrite
//!   reports it (200 success, 408 timeout, 401, 403, 503 unreachable or not dialled, the
//!   axon's own status otherwise).
//! - Non-public axon addresses are not dialled unless allowed: `allow_loopback_axons` lets
//!   127.0.0.0/8 and ::1 through, `allow_private_axons` every range.
//! - A stream's deadline covers the whole stream; `ChunkIter.next()` waits for the next
//!   chunk with the GIL released and ends (None) at the end of the body or when the call
//!   fails mid-stream, the failure then being its status.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use taonet_neuron::dendrite::{
    AxonTarget, Dendrite, DendriteConfig, JsonCallResult, Outcome, StreamCall,
};
use taonet_neuron::synapse::TerminalInfo;

use crate::keys::{KeyInner, PyKeypair};

/// One call's result as it crosses to Python: `(status_code, status_message, process_time,
/// axon_terminal_json, dendrite_terminal_json, body_json_or_None)`.
pub type CallTuple = (u16, String, f64, String, String, Option<Py<PyBytes>>);

fn terminal_json(t: &TerminalInfo) -> PyResult<String> {
    serde_json::to_string(t).map_err(|e| PyValueError::new_err(format!("encoding a terminal: {e}")))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The targets as the Rust dendrite takes them.
fn targets_of(targets: Vec<(String, u16, String)>) -> PyResult<Vec<AxonTarget>> {
    targets
        .into_iter()
        .enumerate()
        .map(|(i, (ip, port, hotkey))| {
            let ip: IpAddr = ip.trim().parse().map_err(|_| {
                PyValueError::new_err(format!(
                    "axon #{i}: ip {ip:?} is not an IPv4 or IPv6 address"
                ))
            })?;
            if hotkey.is_empty() {
                return Err(PyValueError::new_err(format!(
                    "axon #{i} has no hotkey: the request is signed for the axon's hotkey"
                )));
            }
            Ok(AxonTarget {
                addr: SocketAddr::new(ip, port),
                hotkey,
            })
        })
        .collect()
}

fn timeout_of(timeout: f64) -> PyResult<Duration> {
    if !timeout.is_finite() || timeout <= 0.0 {
        return Err(PyValueError::new_err(format!(
            "timeout must be a positive number of seconds, got {timeout}"
        )));
    }
    Duration::try_from_secs_f64(timeout)
        .map_err(|_| PyValueError::new_err(format!("timeout {timeout} s is too large")))
}

fn synapse_of(json: &[u8]) -> PyResult<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| PyValueError::new_err(format!("synapse_json is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(PyValueError::new_err(
            "synapse_json must be a JSON object (the synapse's model_dump_json())",
        ));
    }
    Ok(value)
}

/// A signing HTTP client for axons (under `taonet.Dendrite`).
#[pyclass(module = "taonet._taonet", frozen)]
pub struct DendriteClient {
    rt: Arc<tokio::runtime::Runtime>,
    dendrite: Arc<Dendrite>,
}

#[pymethods]
impl DendriteClient {
    /// A dendrite signing with `keypair` (a hotkey with its secret). Non-public axon
    /// addresses are refused unless `allow_private_axons` (all of them) or
    /// `allow_loopback_axons` (127.0.0.0/8 and ::1) allow them. `external_ip` is what
    /// `bt_header_dendrite_ip` says (no lookup is made).
    #[new]
    #[pyo3(signature = (keypair, allow_private_axons=false, allow_loopback_axons=false,
        external_ip=None))]
    fn py_new(
        keypair: PyRef<'_, PyKeypair>,
        allow_private_axons: bool,
        allow_loopback_axons: bool,
        external_ip: Option<&str>,
    ) -> PyResult<Self> {
        let KeyInner::Full(pair) = &keypair.inner else {
            return Err(PyValueError::new_err(
                "the dendrite's keypair has no private key: give a hotkey that can sign",
            ));
        };
        let mut config = DendriteConfig {
            allow_private_axons,
            allow_loopback_axons,
            ..DendriteConfig::default()
        };
        if let Some(ip) = external_ip {
            let ip: IpAddr = ip.trim().parse().map_err(|_| {
                PyValueError::new_err(format!("external_ip {ip:?} is not an IPv4 or IPv6 address"))
            })?;
            config.external_ip = ip.to_string();
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("taonet-dendrite")
            .enable_all()
            .build()
            .map_err(|e| PyOSError::new_err(format!("starting the dendrite's runtime: {e}")))?;
        Ok(DendriteClient {
            rt: Arc::new(rt),
            dendrite: Arc::new(Dendrite::new((**pair).clone(), config)),
        })
    }

    /// The hotkey the dendrite signs with (SS58).
    #[getter]
    fn hotkey(&self) -> String {
        self.dendrite.hotkey().to_string()
    }

    /// Calls every target `(ip, port, hotkey)` at once with the synapse `synapse_json` on
    /// route `name`, the body hash covering `required_hash_fields`; waits (GIL released) at
    /// most `timeout` seconds. One `(status_code, status_message, process_time,
    /// axon_terminal_json, dendrite_terminal_json, body_json_or_None)` per target, in order.
    #[pyo3(signature = (targets, name, synapse_json, required_hash_fields, timeout))]
    fn query(
        &self,
        py: Python<'_>,
        targets: Vec<(String, u16, String)>,
        name: &str,
        synapse_json: &[u8],
        required_hash_fields: Vec<String>,
        timeout: f64,
    ) -> PyResult<Vec<CallTuple>> {
        let targets = targets_of(targets)?;
        let timeout = timeout_of(timeout)?;
        let synapse = synapse_of(synapse_json)?;
        let dendrite = &self.dendrite;
        let results: Vec<JsonCallResult> = py.detach(|| {
            self.rt
                .block_on(futures::future::join_all(targets.iter().map(|t| {
                    dendrite.call_json(t, name, synapse.clone(), &required_hash_fields, timeout)
                })))
        });
        results
            .into_iter()
            .map(|r| {
                let body = match &r.body {
                    Some(b) => Some(
                        PyBytes::new(
                            py,
                            &serde_json::to_vec(b).map_err(|e| {
                                PyValueError::new_err(format!("encoding the answer: {e}"))
                            })?,
                        )
                        .unbind(),
                    ),
                    None => None,
                };
                Ok((
                    r.dendrite.status_code.unwrap_or(0),
                    r.dendrite.status_message.clone().unwrap_or_default(),
                    r.elapsed.as_secs_f64(),
                    terminal_json(&r.axon)?,
                    terminal_json(&r.dendrite)?,
                    body,
                ))
            })
            .collect()
    }

    /// Opens a streamed call to `target` `(ip, port, hotkey)` (arguments as `query`); waits
    /// (GIL released) for the response's head and returns its `ChunkIter`. The deadline
    /// covers the whole stream.
    #[pyo3(signature = (target, name, synapse_json, required_hash_fields, timeout))]
    fn stream(
        &self,
        py: Python<'_>,
        target: (String, u16, String),
        name: &str,
        synapse_json: &[u8],
        required_hash_fields: Vec<String>,
        timeout: f64,
    ) -> PyResult<ChunkIter> {
        let target = targets_of(vec![target])?
            .pop()
            .ok_or_else(|| PyValueError::new_err("no target"))?;
        let timeout_d = timeout_of(timeout)?;
        let synapse = synapse_of(synapse_json)?;
        let start = Instant::now();
        let call: StreamCall = py.detach(|| {
            self.rt.block_on(self.dendrite.call_stream_json(
                &target,
                name,
                synapse,
                &required_hash_fields,
                timeout_d,
            ))
        });
        let error_body = call
            .error_body
            .as_ref()
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("encoding the error body: {e}")))?;
        Ok(ChunkIter {
            rt: self.rt.clone(),
            state: Mutex::new(StreamState {
                status_code: call.dendrite.status_code.unwrap_or(0),
                status_message: call.dendrite.status_message.clone().unwrap_or_default(),
                process_time: start.elapsed().as_secs_f64(),
                axon: call.axon,
                dendrite: call.dendrite,
                chunks: Some(call.chunks),
            }),
            error_body,
            timeout: timeout_d,
            start,
        })
    }

    fn __repr__(&self) -> String {
        format!("DendriteClient(hotkey={})", self.dendrite.hotkey())
    }
}

struct StreamState {
    status_code: u16,
    status_message: String,
    process_time: f64,
    axon: TerminalInfo,
    dendrite: TerminalInfo,
    chunks: Option<BoxStream<'static, Result<Bytes, Outcome>>>,
}

/// The chunks of a streamed answer, and how the call went.
#[pyclass(module = "taonet._taonet", frozen)]
pub struct ChunkIter {
    rt: Arc<tokio::runtime::Runtime>,
    state: Mutex<StreamState>,
    error_body: Option<Vec<u8>>,
    timeout: Duration,
    start: Instant,
}

impl ChunkIter {
    fn next_chunk(&self, py: Python<'_>) -> Option<Vec<u8>> {
        // The lock is not held while waiting: another thread may read the status meanwhile
        // (and a second reader sees the stream as ended until the chunk arrives).
        let mut chunks = lock(&self.state).chunks.take()?;
        let got = py.detach(|| self.rt.block_on(chunks.next()));
        let mut state = lock(&self.state);
        match got {
            Some(Ok(b)) => {
                state.chunks = Some(chunks);
                Some(b.to_vec())
            }
            Some(Err(outcome)) => {
                let (code, message) = Outcome::local_status(&outcome, self.timeout);
                state.status_code = code;
                state.status_message = message.clone();
                state.axon.status_code = Some(code);
                state.axon.status_message = Some(message.clone());
                state.dendrite.status_code = Some(code);
                state.dendrite.status_message = Some(message);
                state.process_time = self.start.elapsed().as_secs_f64();
                None
            }
            None => {
                state.process_time = self.start.elapsed().as_secs_f64();
                None
            }
        }
    }
}

#[pymethods]
impl ChunkIter {
    /// The next chunk, waiting for it with the GIL released; None at the end of the stream
    /// (or when it failed: see `status_code`).
    fn next<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.next_chunk(py).map(|b| PyBytes::new(py, &b))
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.next(py)
    }

    /// 200 while the stream is fine; otherwise how the call ended (408 deadline, 503 broken
    /// connection, the axon's refusal, …).
    #[getter]
    fn status_code(&self) -> u16 {
        lock(&self.state).status_code
    }

    /// The words that go with `status_code`.
    #[getter]
    fn status_message(&self) -> String {
        lock(&self.state).status_message.clone()
    }

    /// Seconds from the call's start to the head (while streaming) or to the stream's end.
    #[getter]
    fn process_time(&self) -> f64 {
        lock(&self.state).process_time
    }

    /// The axon's terminal (from the response headers) as JSON.
    #[getter]
    fn axon_json(&self) -> PyResult<String> {
        terminal_json(&lock(&self.state).axon)
    }

    /// The dendrite terminal sent, with the call's status, as JSON.
    #[getter]
    fn dendrite_json(&self) -> PyResult<String> {
        terminal_json(&lock(&self.state).dendrite)
    }

    /// A refusal's JSON body (`{"message": …}`), None for a stream.
    #[getter]
    fn error_body<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.error_body.as_ref().map(|b| PyBytes::new(py, b))
    }

    /// Whether the stream has ended (or never started).
    #[getter]
    fn finished(&self) -> bool {
        lock(&self.state).chunks.is_none()
    }
}
