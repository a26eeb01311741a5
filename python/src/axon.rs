//! `taonet._taonet.AxonServer` and `StreamSink`: the Rust axon serving Python synapses.
//!
//! # Rules
//! - Every request goes through the Rust axon's whole pipeline (`taonet_neuron::axon`: route,
//!   size, headers, blacklist, signature and nonce, rate limit, priority, body hash) before
//!   Python sees it; routes are attached with `Axon::attach_json` from `(name,
//!   required_hash_fields)` pairs, so the body hash is checked with the fields the Python
//!   class declares.
//! - A verified request calls the Python `handler(name, body, caller_hotkey, sink)` on one of
//!   the axon's Python workers: threads that stay attached to the interpreter (one Python
//!   thread state each, for their life) and wait for work with the GIL released, so the GIL
//!   is held only while Python runs. A worker is added whenever a request finds none idle,
//!   up to `max_concurrent`, so forwards that release the GIL still overlap; `stop()` ends
//!   them (requests still waiting for one are dropped). `body` is the request synapse as
//!   JSON bytes with its `dendrite` terminal replaced by the verified caller (hotkey, nonce,
//!   uuid, signature from the headers; ip and port of the connection). The handler answers:
//!   `bytes` (the response synapse as JSON, sent 200 with the axon terminal filled in),
//!   `(status, message)` (refused: 400–599, `{"message": …}`), or `None` (it streams through
//!   `sink`: 200 `text/event-stream`, each `sink.send(bytes)` one chunk, until `sink.close()`;
//!   `sink.fail(message)` cuts the stream). A Python exception is logged (`tracing`, with its
//!   text) and answered 500 `Internal Server Error #<id>`.
//! - A stream's channel holds 64 chunks: `StreamSink.send` blocks (GIL released) while it is
//!   full, so a slow caller slows the producer instead of filling memory.
//! - Given a node and a netuid, the axon keeps that subnet's metagraph (re-read every 5 s, as
//!   the Rust miner does) and refuses before verification every caller not registered on it
//!   and, with `require_validator_permit`, every registered caller without a validator
//!   permit (403 `Forbidden. Key is blacklisted: …`); waiting requests are then ordered by
//!   the caller's stake. A Python `priority(name, hotkey) -> float` replaces that order.
//! - The axon owns a multi-thread tokio runtime; `stop()` stops serving, and dropping the
//!   server shuts the runtime down without waiting for handlers still running in Python.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use pyo3::exceptions::{PyConnectionError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use taonet_client::Client;
use taonet_crypto::Keypair;
use taonet_neuron::axon::{
    AllowAll, Axon, AxonConfig, AxonHandle, Caller, ChunkStream, Fifo, ForwardError, Priority,
    Reply,
};
use taonet_neuron::metagraph::{Metagraph, MetagraphBlacklist, SharedMetagraph, StakePriority};
use taonet_neuron::miner::MinerConfig;
use tokio::sync::{mpsc, oneshot};

use crate::keys::{KeyInner, PyKeypair, message_bytes};

/// Chunks a stream may hold before `StreamSink.send` waits for the caller to read.
pub const STREAM_CHANNEL_CHUNKS: usize = 64;

type ChunkSender = mpsc::Sender<Result<Bytes, ForwardError>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The sending end of one streamed answer, handed to the Python handler.
#[pyclass(module = "taonet._taonet", frozen)]
pub struct StreamSink {
    tx: Mutex<Option<ChunkSender>>,
}

impl StreamSink {
    fn sender(&self) -> PyResult<ChunkSender> {
        lock(&self.tx).clone().ok_or_else(|| {
            PyRuntimeError::new_err("this stream is closed: nothing more can be sent")
        })
    }
}

fn gone() -> PyErr {
    PyConnectionError::new_err("the caller is gone (the stream's connection was closed)")
}

#[pymethods]
impl StreamSink {
    /// Sends one chunk (bytes, or str as UTF-8), waiting with the GIL released while 64
    /// chunks are already queued. `ConnectionError` if the caller went away,
    /// `RuntimeError` after `close()`.
    fn send(&self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = Bytes::from(message_bytes(chunk)?);
        let tx = self.sender()?;
        py.detach(move || tx.blocking_send(Ok(data)))
            .map_err(|_| gone())
    }

    /// Sends one chunk if there is room without waiting: True if sent, False if the queue
    /// is full (then use `send`). Errors as `send`.
    fn try_send(&self, chunk: &Bound<'_, PyAny>) -> PyResult<bool> {
        let data = Bytes::from(message_bytes(chunk)?);
        match self.sender()?.try_send(Ok(data)) {
            Ok(()) => Ok(true),
            Err(mpsc::error::TrySendError::Full(_)) => Ok(false),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(gone()),
        }
    }

    /// Ends the stream normally (the caller sees the end of the body). Idempotent.
    fn close(&self) {
        lock(&self.tx).take();
    }

    /// Ends the stream with an error: the connection is cut, so the caller sees an
    /// incomplete answer; `message` is logged. Idempotent; no-op after `close()`.
    fn fail(&self, py: Python<'_>, message: String) {
        let Some(tx) = lock(&self.tx).take() else {
            return;
        };
        // Nobody may be reading any more: then there is nothing to tell.
        let _ = py.detach(move || tx.blocking_send(Err(ForwardError(message))));
    }

    /// Whether `close()` or `fail()` was called.
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.tx).is_none()
    }
}

/// What the Python handler answered.
enum Answer {
    Json(Vec<u8>),
    Refuse(u16, String),
    Stream,
}

fn decode_answer(out: &Bound<'_, PyAny>) -> PyResult<Answer> {
    if out.is_none() {
        return Ok(Answer::Stream);
    }
    if let Ok(b) = out.cast::<PyBytes>() {
        return Ok(Answer::Json(b.as_bytes().to_vec()));
    }
    if let Ok(t) = out.cast::<PyTuple>()
        && t.len() == 2
    {
        let status: u16 = t.get_item(0)?.extract().map_err(|_| {
            PyTypeError::new_err(
                "a refusal is (status: int, message: str); the status is not an int",
            )
        })?;
        let message: String = t.get_item(1)?.extract().map_err(|_| {
            PyTypeError::new_err(
                "a refusal is (status: int, message: str); the message is not a str",
            )
        })?;
        if !(400..=599).contains(&status) {
            return Err(PyValueError::new_err(format!(
                "a refusal's status must be 400..=599, got {status}"
            )));
        }
        return Ok(Answer::Refuse(status, message));
    }
    Err(PyTypeError::new_err(format!(
        "the axon handler must return bytes (the response synapse JSON), (status, message) or \
         None (streamed), not {}",
        out.get_type().name()?
    )))
}

/// A job for the Python workers: runs with the GIL held.
type Job = Box<dyn FnOnce(Python<'_>) + Send>;

/// The jobs waiting for a Python worker, and the workers' bookkeeping.
struct WorkQueue {
    jobs: VecDeque<Job>,
    /// Workers waiting for a job.
    idle: usize,
    /// Workers alive.
    threads: usize,
    /// Set when the axon stops: no more jobs; the workers exit.
    closed: bool,
}

/// The threads that run the Python handler. Each worker stays attached to the interpreter
/// for its whole life (one Python thread state, not one per request) and waits for jobs
/// with the GIL released, so it holds the GIL only while Python runs. A worker is started
/// whenever a job finds none idle, up to `max_threads` (the axon's `max_concurrent`, the
/// most forwards that run at once), so forwards that release the GIL (I/O, sleeps, native
/// inference) still overlap.
struct PyWorkers {
    queue: Mutex<WorkQueue>,
    ready: Condvar,
    max_threads: usize,
}

impl PyWorkers {
    fn new(max_threads: usize) -> Arc<PyWorkers> {
        Arc::new(PyWorkers {
            queue: Mutex::new(WorkQueue {
                jobs: VecDeque::new(),
                idle: 0,
                threads: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            max_threads: max_threads.max(1),
        })
    }

    /// Queues `job`, waking an idle worker or starting one.
    fn submit(self: &Arc<Self>, job: Job) -> Result<(), ForwardError> {
        let mut q = lock(&self.queue);
        if q.closed {
            return Err(ForwardError("the axon is stopping".to_string()));
        }
        q.jobs.push_back(job);
        if q.idle >= q.jobs.len() || q.threads >= self.max_threads {
            self.ready.notify_one();
            return Ok(());
        }
        q.threads += 1;
        drop(q);
        let workers = self.clone();
        let started = std::thread::Builder::new()
            .name("taonet-axon-py".to_string())
            .spawn(move || workers.run());
        if let Err(e) = started {
            let mut q = lock(&self.queue);
            q.threads -= 1;
            if q.threads == 0 {
                q.jobs.clear();
                return Err(ForwardError(format!("cannot start a Python worker: {e}")));
            }
            // The workers alive take the job in turn.
            tracing::warn!("axon: cannot start another Python worker: {e}");
        }
        Ok(())
    }

    /// The next job, waiting for one; None once closed.
    fn next(&self) -> Option<Job> {
        let mut q = lock(&self.queue);
        loop {
            if let Some(job) = q.jobs.pop_front() {
                return Some(job);
            }
            if q.closed {
                return None;
            }
            q.idle += 1;
            q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
            q.idle -= 1;
        }
    }

    /// A worker's life: attached to the interpreter, waiting detached between jobs.
    fn run(self: Arc<Self>) {
        Python::attach(|py| {
            while let Some(job) = py.detach(|| self.next()) {
                // A panic in one job (a bug) must not take the worker down; the job's
                // caller sees its answer channel closed.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(py)));
            }
        });
        lock(&self.queue).threads -= 1;
    }

    /// Drops the waiting jobs (their callers see the axon stopping) and ends the workers
    /// once their current job is done.
    fn close(&self) {
        let mut q = lock(&self.queue);
        q.closed = true;
        q.jobs.clear();
        self.ready.notify_all();
    }
}

/// Calls the Python handler (GIL held) and decodes its answer.
fn call_handler(
    py: Python<'_>,
    handler: &Py<PyAny>,
    route: &str,
    body: &[u8],
    hotkey: &str,
    tx: ChunkSender,
) -> Result<Answer, String> {
    let run = || {
        let sink = Py::new(
            py,
            StreamSink {
                tx: Mutex::new(Some(tx)),
            },
        )?;
        let out = handler.call1(py, (route, PyBytes::new(py, body), hotkey, sink))?;
        decode_answer(out.bind(py))
    };
    run().map_err(|e| describe(py, &e))
}

/// Runs the Python handler for one verified request on a Python worker.
async fn forward_to_python(
    workers: Arc<PyWorkers>,
    handler: Arc<Py<PyAny>>,
    name: Arc<str>,
    body: serde_json::Value,
    caller: Caller,
) -> Result<Reply, ForwardError> {
    let bytes = serde_json::to_vec(&body)
        .map_err(|e| ForwardError(format!("cannot encode the request: {e}")))?;
    let (tx, mut rx) = mpsc::channel(STREAM_CHANNEL_CHUNKS);
    let route = name.clone();
    let hotkey = caller.hotkey.clone();
    let (done, answer) = oneshot::channel();
    workers.submit(Box::new(move |py| {
        // Nobody may be waiting any more (the caller left): then there is nothing to tell.
        let _ = done.send(call_handler(py, &handler, &route, &bytes, &hotkey, tx));
    }))?;
    let answer = answer.await.map_err(|_| {
        ForwardError("the axon stopped before the Python handler answered".to_string())
    })?;
    match answer {
        Ok(Answer::Json(out)) => serde_json::from_slice(&out)
            .map(Reply::Json)
            .map_err(|e| ForwardError(format!("the Python handler's answer is not JSON: {e}"))),
        Ok(Answer::Refuse(status, message)) => Ok(Reply::Refuse { status, message }),
        Ok(Answer::Stream) => {
            let chunks: ChunkStream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed();
            Ok(Reply::Stream(chunks))
        }
        Err(text) => {
            tracing::warn!(synapse = %name, caller = %caller.hotkey, "Python forward failed: {text}");
            Err(ForwardError(text))
        }
    }
}

/// `Type: message` of a Python exception.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let kind = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".to_string());
    format!("{kind}: {}", e.value(py))
}

/// Orders waiting requests with a Python `priority(name, hotkey) -> float`.
struct PyPriority(Arc<Py<PyAny>>);

impl Priority for PyPriority {
    fn priority(&self, hotkey: &str, synapse: &str) -> f64 {
        // Called on a runtime worker: let the runtime move its other tasks away while this
        // thread waits for the GIL.
        let result = tokio::task::block_in_place(|| {
            Python::attach(|py| {
                self.0
                    .call1(py, (synapse, hotkey))
                    .and_then(|v| v.extract::<f64>(py))
                    .map_err(|e| describe(py, &e))
            })
        });
        result.unwrap_or_else(|text| {
            tracing::warn!(
                synapse,
                caller = hotkey,
                "Python priority failed ({text}); using 0"
            );
            0.0
        })
    }
}

/// The subnet whose metagraph gates callers.
struct ChainGate {
    url: String,
    netuid: u16,
    require_validator_permit: bool,
}

struct Running {
    handle: AxonHandle,
    refresher: Option<tokio::task::JoinHandle<()>>,
    workers: Arc<PyWorkers>,
}

impl Running {
    /// Stops serving, the metagraph refresher and the Python workers.
    fn stop(self) {
        self.handle.stop();
        if let Some(t) = self.refresher {
            t.abort();
        }
        self.workers.close();
    }
}

/// A Rust axon serving Python handlers (under `taonet.Axon`).
#[pyclass(module = "taonet._taonet", frozen)]
pub struct AxonServer {
    keypair: Keypair,
    bind: SocketAddr,
    config: AxonConfig,
    routes: Vec<(String, Vec<String>)>,
    handler: Arc<Py<PyAny>>,
    priority: Option<Arc<Py<PyAny>>>,
    chain: Option<ChainGate>,
    rt: Option<tokio::runtime::Runtime>,
    running: Mutex<Option<Running>>,
    bound: Mutex<Option<SocketAddr>>,
}

impl Drop for AxonServer {
    fn drop(&mut self) {
        if let Some(r) = lock(&self.running).take() {
            r.stop();
        }
        // Handlers may be waiting for the GIL this thread can hold: do not wait for them.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn parse_ip(what: &str, ip: &str) -> PyResult<IpAddr> {
    ip.trim()
        .parse()
        .map_err(|_| PyValueError::new_err(format!("{what} {ip:?} is not an IPv4 or IPv6 address")))
}

impl AxonServer {
    fn runtime(&self) -> PyResult<&tokio::runtime::Runtime> {
        self.rt
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the axon's runtime is shut down"))
    }

    /// The axon with its routes and policies, ready to serve.
    fn build(&self, metagraph: Option<SharedMetagraph>, workers: &Arc<PyWorkers>) -> Axon {
        let config = self.config.clone();
        let mut axon = match (&metagraph, &self.chain) {
            (Some(m), Some(gate)) => Axon::new(
                self.keypair.clone(),
                config,
                MetagraphBlacklist {
                    metagraph: m.clone(),
                    require_validator_permit: gate.require_validator_permit,
                },
            ),
            _ => Axon::new(self.keypair.clone(), config, AllowAll),
        };
        axon = match (&self.priority, metagraph) {
            (Some(p), _) => axon.priority(PyPriority(p.clone())),
            (None, Some(m)) => axon.priority(StakePriority(m)),
            (None, None) => axon.priority(Fifo),
        };
        for (name, fields) in &self.routes {
            let handler = self.handler.clone();
            let workers = workers.clone();
            let route: Arc<str> = Arc::from(name.as_str());
            axon = axon.attach_json(name.clone(), fields.clone(), move |body, caller| {
                forward_to_python(
                    workers.clone(),
                    handler.clone(),
                    route.clone(),
                    body,
                    caller,
                )
            });
        }
        axon
    }
}

/// Re-reads the metagraph every `every` (reconnecting after a failure) until aborted.
async fn refresh_loop(
    mut client: Option<Client>,
    url: String,
    netuid: u16,
    shared: SharedMetagraph,
    every: Duration,
) {
    loop {
        tokio::time::sleep(every).await;
        let c = match client.take() {
            Some(c) => c,
            None => match Client::connect(&url).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(
                        netuid,
                        "axon: cannot reach {url} to refresh the metagraph: {e}"
                    );
                    continue;
                }
            },
        };
        match Metagraph::sync(&c, netuid).await {
            Ok(m) => {
                *shared.write().unwrap_or_else(|e| e.into_inner()) = m;
                client = Some(c);
            }
            Err(e) => tracing::warn!(netuid, "axon: metagraph refresh failed: {e}"),
        }
    }
}

#[pymethods]
impl AxonServer {
    /// An axon signing as `keypair` (the wallet's hotkey, with its secret) that will listen
    /// on `ip:port` (`port=0`: any free port) and advertise `external_ip:external_port`.
    /// `routes` are `(synapse name, required_hash_fields)`; `handler(name, body,
    /// caller_hotkey, sink)` answers them. With `node` (a `Node`) and `netuid`, only callers
    /// registered on that subnet (holding a validator permit if `require_validator_permit`)
    /// get through. `priority(name, hotkey) -> float` orders waiting requests.
    #[new]
    #[pyo3(signature = (keypair, ip, port, routes, handler, external_ip=None, external_port=None,
        priority=None, node=None, netuid=None, require_validator_permit=true,
        max_body_bytes=None, max_concurrent=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        keypair: PyRef<'_, PyKeypair>,
        ip: &str,
        port: u16,
        routes: Vec<(String, Vec<String>)>,
        handler: Bound<'_, PyAny>,
        external_ip: Option<&str>,
        external_port: Option<u16>,
        priority: Option<Bound<'_, PyAny>>,
        node: Option<Bound<'_, PyAny>>,
        netuid: Option<u16>,
        require_validator_permit: bool,
        max_body_bytes: Option<usize>,
        max_concurrent: Option<usize>,
    ) -> PyResult<Self> {
        let KeyInner::Full(pair) = &keypair.inner else {
            return Err(PyValueError::new_err(
                "the axon's keypair has no private key: give the wallet's hotkey with its secret",
            ));
        };
        let bind_ip = parse_ip("ip", ip)?;
        let advertised = match external_ip {
            Some(e) => parse_ip("external_ip", e)?,
            None if bind_ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
            None => bind_ip,
        };
        if !handler.is_callable() {
            return Err(PyTypeError::new_err("handler must be callable"));
        }
        if let Some(p) = &priority
            && !p.is_callable()
        {
            return Err(PyTypeError::new_err("priority must be callable"));
        }
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &routes {
            if name.is_empty() || name.contains('/') || name.chars().any(char::is_whitespace) {
                return Err(PyValueError::new_err(format!(
                    "{name:?} cannot be a route: a synapse name is a non-empty class name"
                )));
            }
            if !seen.insert(name.as_str()) {
                return Err(PyValueError::new_err(format!(
                    "route {name:?} is given twice"
                )));
            }
        }
        let chain = match (node, netuid) {
            (Some(node), Some(netuid)) => Some(ChainGate {
                url: node.getattr("url")?.extract()?,
                netuid,
                require_validator_permit,
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(PyValueError::new_err(
                    "a node was given without a netuid: give both (the subnet whose \
                     registered validators may call) or neither",
                ));
            }
            (None, Some(_)) => {
                return Err(PyValueError::new_err(
                    "a netuid was given without a node: give the Subtensor's node too",
                ));
            }
        };
        let mut config = AxonConfig {
            external_ip: advertised.to_string(),
            external_port: external_port.unwrap_or(0),
            ..AxonConfig::default()
        };
        if let Some(b) = max_body_bytes {
            if b == 0 {
                return Err(PyValueError::new_err("max_body_bytes must be at least 1"));
            }
            config.max_body_bytes = b;
        }
        if let Some(c) = max_concurrent {
            if c == 0 {
                return Err(PyValueError::new_err("max_concurrent must be at least 1"));
            }
            config.max_concurrent = c;
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("taonet-axon")
            .enable_all()
            .build()
            .map_err(|e| PyOSError::new_err(format!("starting the axon's runtime: {e}")))?;
        Ok(AxonServer {
            keypair: (**pair).clone(),
            bind: SocketAddr::new(bind_ip, port),
            config,
            routes,
            handler: Arc::new(handler.unbind()),
            priority: priority.map(|p| Arc::new(p.unbind())),
            chain,
            rt: Some(rt),
            running: Mutex::new(None),
            bound: Mutex::new(None),
        })
    }

    /// Binds and starts serving. `OSError` if the address cannot be bound (e.g. the port is
    /// taken), `ConnectionError`/`ValueError` if the node or subnet cannot be read,
    /// `RuntimeError` if already serving.
    fn start(&self, py: Python<'_>) -> PyResult<()> {
        // No lock is held while waiting with the GIL released (another thread could then
        // block on it holding the GIL); a concurrent start is caught at the end.
        if self.is_running() {
            return Err(PyRuntimeError::new_err("the axon is already serving"));
        }
        let rt = self.runtime()?;
        let bind = self.bind;
        let listener = py
            .detach(|| rt.block_on(tokio::net::TcpListener::bind(bind)))
            .map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                    ": the port is taken; choose another port (or port=0 for any free one)"
                } else {
                    ""
                };
                PyOSError::new_err(format!("cannot listen on {bind}: {e}{hint}"))
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| PyOSError::new_err(format!("cannot read the bound address: {e}")))?;
        let (metagraph, client) = match &self.chain {
            None => (None, None),
            Some(gate) => {
                let (url, netuid) = (gate.url.clone(), gate.netuid);
                let (m, c) = py.detach(|| {
                    rt.block_on(async {
                        let client = Client::connect(&url).await.map_err(|e| {
                            PyConnectionError::new_err(format!("cannot reach the node {url}: {e}"))
                        })?;
                        let m = Metagraph::sync(&client, netuid).await.map_err(|e| {
                            PyValueError::new_err(format!(
                                "cannot read subnet {netuid}'s metagraph for the axon's \
                                 blacklist: {e}"
                            ))
                        })?;
                        Ok::<_, PyErr>((m, client))
                    })
                })?;
                (Some(Arc::new(RwLock::new(m))), Some(c))
            }
        };
        let workers = PyWorkers::new(self.config.max_concurrent);
        let axon = self.build(metagraph.clone(), &workers);
        let handle = {
            let _guard = rt.enter();
            axon.serve(listener)
                .map_err(|e| PyOSError::new_err(format!("cannot serve on {addr}: {e}")))?
        };
        let refresher = match (&self.chain, metagraph) {
            (Some(gate), Some(shared)) => Some(rt.spawn(refresh_loop(
                client,
                gate.url.clone(),
                gate.netuid,
                shared,
                MinerConfig::new(gate.netuid).refresh_interval,
            ))),
            _ => None,
        };
        let mut running = lock(&self.running);
        let started = Running {
            handle,
            refresher,
            workers,
        };
        if running.is_some() {
            started.stop();
            return Err(PyRuntimeError::new_err("the axon is already serving"));
        }
        *lock(&self.bound) = Some(started.handle.local_addr);
        *running = Some(started);
        Ok(())
    }

    /// Stops serving (requests in progress are dropped). No-op when not serving.
    fn stop(&self) {
        if let Some(r) = lock(&self.running).take() {
            r.stop();
        }
    }

    /// Whether the axon is serving.
    #[getter]
    fn is_running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// The port listened on: the bound one once started (useful with `port=0`), else the
    /// configured one.
    #[getter]
    fn port(&self) -> u16 {
        lock(&self.bound).map_or(self.bind.port(), |a| a.port())
    }

    /// The IP listened on.
    #[getter]
    fn ip(&self) -> String {
        self.bind.ip().to_string()
    }

    /// The IP advertised to callers (and published by `serve`).
    #[getter]
    fn external_ip(&self) -> String {
        self.config.external_ip.clone()
    }

    /// The port advertised to callers: `external_port`, else the listening port.
    #[getter]
    fn external_port(&self) -> u16 {
        match self.config.external_port {
            0 => self.port(),
            p => p,
        }
    }

    /// The axon's hotkey (SS58).
    #[getter]
    fn hotkey(&self) -> String {
        self.keypair.ss58()
    }

    fn __repr__(&self) -> String {
        format!(
            "AxonServer({}:{}, hotkey={}, running={})",
            self.ip(),
            self.port(),
            self.keypair.ss58(),
            self.is_running()
        )
    }
}
