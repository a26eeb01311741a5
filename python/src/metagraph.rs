//! `taonet.Metagraph`: a subnet's metagraph as numpy arrays, filled in Rust.
//!
//! # Rules (values as bittensor's `Metagraph` gives them)
//! - Arrays are indexed by uid and have `n` rows (`n` = neurons read); `uids`,
//!   `last_update` and `active` are int64, `validator_permit` bool, the rest float32.
//! - `S` (stake) and `E` (emission at the last epoch) are in TAO (rao / 10⁹).
//! - `I`, `D`, `C`, `validator_trust` (alias `Tv`) are the chain's u16 proportions as floats
//!   in [0, 1] (value / 65535).
//! - With `lite=False`: `W[i, j]` is neuron i's weight on j, each row normalised to sum to 1
//!   (bittensor's `convert_weight_uids_and_vals_to_tensor`; a row without weights is zeros);
//!   `B[i, j]` is i's bond on j as the chain stores it (the raw u16 value, as bittensor's
//!   int bonds), as float32. With `lite=True` both are None.
//! - `axons[uid]` is an [`AxonInfo`] (`ip` "0.0.0.0" and `port` 0 when not served).
//! - `sync()` re-reads the subnet at the latest finalized block, in place.

use std::net::SocketAddr;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use taonet_client::{MetagraphInfo, NeuronInfo};

use crate::node::Node;

const U16_MAX: f32 = 65_535.0;
const RAO_PER_TAO: f64 = 1_000_000_000.0;

/// A neuron's served axon, as bittensor's `AxonInfo`.
#[pyclass(module = "taonet", frozen, get_all)]
#[derive(Debug)]
pub struct AxonInfo {
    /// IP address (`0.0.0.0` when not served).
    pub ip: String,
    /// TCP port (0 when not served).
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// The neuron's hotkey (SS58).
    pub hotkey: String,
    /// The neuron's coldkey (SS58).
    pub coldkey: String,
    /// Axon software version.
    pub version: u32,
    /// Protocol identifier (4 = HTTP).
    pub protocol: u8,
}

#[pymethods]
impl AxonInfo {
    /// Whether an address is published (not `0.0.0.0`).
    #[getter]
    fn is_serving(&self) -> bool {
        self.ip != "0.0.0.0"
    }

    fn __repr__(&self) -> String {
        format!(
            "AxonInfo({}, {}:{}, {})",
            self.hotkey, self.ip, self.port, self.coldkey
        )
    }
}

fn axon_of(n: &NeuronInfo) -> AxonInfo {
    let (ip, port, ip_type, version, protocol) = match &n.axon {
        Some(a) => match a.address.parse::<SocketAddr>() {
            Ok(sa) => (
                sa.ip().to_string(),
                sa.port(),
                if sa.is_ipv4() { 4 } else { 6 },
                a.version,
                a.protocol,
            ),
            Err(_) => ("0.0.0.0".to_string(), 0, 4, a.version, a.protocol),
        },
        None => ("0.0.0.0".to_string(), 0, 4, 0, 0),
    };
    AxonInfo {
        ip,
        port,
        ip_type,
        hotkey: n.hotkey.clone(),
        coldkey: n.coldkey.clone(),
        version,
        protocol,
    }
}

/// The arrays of one snapshot, still in Rust.
struct Columns {
    uids: Vec<i64>,
    hotkeys: Vec<String>,
    coldkeys: Vec<String>,
    stake: Vec<f32>,
    incentive: Vec<f32>,
    dividends: Vec<f32>,
    consensus: Vec<f32>,
    emission: Vec<f32>,
    validator_trust: Vec<f32>,
    validator_permit: Vec<bool>,
    active: Vec<i64>,
    last_update: Vec<i64>,
    axons: Vec<AxonInfo>,
    weights: Option<Vec<f32>>,
    bonds: Option<Vec<f32>>,
}

fn columns(info: &MetagraphInfo, lite: bool) -> Columns {
    let n = info.neurons.len();
    let prop = |v: u16| f32::from(v) / U16_MAX;
    let tao = |rao: u64| (rao as f64 / RAO_PER_TAO) as f32;
    let neurons = &info.neurons;
    let mut weights = (!lite).then(|| vec![0.0_f32; n * n]);
    let mut bonds = (!lite).then(|| vec![0.0_f32; n * n]);
    for neuron in neurons {
        let row = usize::from(neuron.uid);
        if row >= n {
            continue;
        }
        if let (Some(w), Some(entries)) = (weights.as_mut(), neuron.weights.as_ref()) {
            let sum: f64 = entries
                .iter()
                .filter(|(j, _)| usize::from(*j) < n)
                .map(|(_, v)| f64::from(*v))
                .sum();
            if sum > 0.0 {
                for (j, v) in entries {
                    let col = usize::from(*j);
                    if col < n {
                        w[row * n + col] = (f64::from(*v) / sum) as f32;
                    }
                }
            }
        }
        if let (Some(b), Some(entries)) = (bonds.as_mut(), neuron.bonds.as_ref()) {
            for (j, v) in entries {
                let col = usize::from(*j);
                if col < n {
                    b[row * n + col] = f32::from(*v);
                }
            }
        }
    }
    Columns {
        uids: neurons.iter().map(|x| i64::from(x.uid)).collect(),
        hotkeys: neurons.iter().map(|x| x.hotkey.clone()).collect(),
        coldkeys: neurons.iter().map(|x| x.coldkey.clone()).collect(),
        stake: neurons.iter().map(|x| tao(x.stake.0)).collect(),
        incentive: neurons.iter().map(|x| prop(x.incentive)).collect(),
        dividends: neurons.iter().map(|x| prop(x.dividends)).collect(),
        consensus: neurons.iter().map(|x| prop(x.consensus)).collect(),
        emission: neurons.iter().map(|x| tao(x.emission.0)).collect(),
        validator_trust: neurons.iter().map(|x| prop(x.validator_trust)).collect(),
        validator_permit: neurons.iter().map(|x| x.validator_permit).collect(),
        active: neurons.iter().map(|x| i64::from(x.active)).collect(),
        last_update: neurons
            .iter()
            .map(|x| i64::try_from(x.last_update).unwrap_or(i64::MAX))
            .collect(),
        axons: neurons.iter().map(axon_of).collect(),
        weights,
        bonds,
    }
}

/// A subnet's metagraph: bittensor's names, numpy arrays by uid.
#[pyclass(module = "taonet")]
pub struct Metagraph {
    node: Py<Node>,
    lite: bool,
    netuid: u16,
    block: u64,
    n: usize,
    uids: Py<PyArray1<i64>>,
    hotkeys: Vec<String>,
    coldkeys: Vec<String>,
    stake: Py<PyArray1<f32>>,
    incentive: Py<PyArray1<f32>>,
    dividends: Py<PyArray1<f32>>,
    consensus: Py<PyArray1<f32>>,
    emission: Py<PyArray1<f32>>,
    validator_trust: Py<PyArray1<f32>>,
    validator_permit: Py<PyArray1<bool>>,
    active: Py<PyArray1<i64>>,
    last_update: Py<PyArray1<i64>>,
    axons: Vec<Py<AxonInfo>>,
    weights: Option<Py<PyArray2<f32>>>,
    bonds: Option<Py<PyArray2<f32>>>,
}

fn square(py: Python<'_>, n: usize, v: Vec<f32>) -> PyResult<Py<PyArray2<f32>>> {
    Array2::from_shape_vec((n, n), v)
        .map(|a| a.into_pyarray(py).unbind())
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

impl Metagraph {
    /// Builds the Python object from an RPC snapshot.
    pub(crate) fn build(
        py: Python<'_>,
        node: Py<Node>,
        info: MetagraphInfo,
        lite: bool,
    ) -> PyResult<Metagraph> {
        let n = info.neurons.len();
        let c = columns(&info, lite);
        let arr_f = |v: Vec<f32>| PyArray1::from_vec(py, v).unbind();
        let arr_i = |v: Vec<i64>| PyArray1::from_vec(py, v).unbind();
        let axons = c
            .axons
            .into_iter()
            .map(|a| Py::new(py, a))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Metagraph {
            node,
            lite,
            netuid: info.netuid,
            block: info.block,
            n,
            uids: arr_i(c.uids),
            hotkeys: c.hotkeys,
            coldkeys: c.coldkeys,
            stake: arr_f(c.stake),
            incentive: arr_f(c.incentive),
            dividends: arr_f(c.dividends),
            consensus: arr_f(c.consensus),
            emission: arr_f(c.emission),
            validator_trust: arr_f(c.validator_trust),
            validator_permit: PyArray1::from_vec(py, c.validator_permit).unbind(),
            active: arr_i(c.active),
            last_update: arr_i(c.last_update),
            axons,
            weights: c.weights.map(|w| square(py, n, w)).transpose()?,
            bonds: c.bonds.map(|b| square(py, n, b)).transpose()?,
        })
    }
}

#[pymethods]
#[allow(non_snake_case)]
impl Metagraph {
    /// Re-reads the subnet at the latest finalized block and replaces every array in place.
    fn sync(&mut self, py: Python<'_>) -> PyResult<()> {
        let info = self
            .node
            .get()
            .fetch_metagraph(py, self.netuid, self.lite)?;
        *self = Metagraph::build(py, self.node.clone_ref(py), info, self.lite)?;
        Ok(())
    }

    /// The subnet's id.
    #[getter]
    fn netuid(&self) -> u16 {
        self.netuid
    }

    /// The finalized block the snapshot was read at.
    #[getter]
    fn block(&self) -> u64 {
        self.block
    }

    /// Number of neurons.
    #[getter]
    fn n(&self) -> usize {
        self.n
    }

    /// Whether weights and bonds were left out.
    #[getter]
    fn lite(&self) -> bool {
        self.lite
    }

    /// uids (int64).
    #[getter]
    fn uids(&self, py: Python<'_>) -> Py<PyArray1<i64>> {
        self.uids.clone_ref(py)
    }

    /// Hotkeys (SS58) by uid.
    #[getter]
    fn hotkeys(&self) -> Vec<String> {
        self.hotkeys.clone()
    }

    /// Owner coldkeys (SS58) by uid.
    #[getter]
    fn coldkeys(&self) -> Vec<String> {
        self.coldkeys.clone()
    }

    /// Stake on each hotkey, in TAO (float32).
    #[getter]
    fn S(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.stake.clone_ref(py)
    }

    /// Alias of `S`.
    #[getter]
    fn stake(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.stake.clone_ref(py)
    }

    /// Incentive, in [0, 1].
    #[getter]
    fn I(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.incentive.clone_ref(py)
    }

    /// Alias of `I`.
    #[getter]
    fn incentive(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.incentive.clone_ref(py)
    }

    /// Dividends, in [0, 1].
    #[getter]
    fn D(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.dividends.clone_ref(py)
    }

    /// Alias of `D`.
    #[getter]
    fn dividends(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.dividends.clone_ref(py)
    }

    /// Consensus, in [0, 1].
    #[getter]
    fn C(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.consensus.clone_ref(py)
    }

    /// Alias of `C`.
    #[getter]
    fn consensus(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.consensus.clone_ref(py)
    }

    /// Emission at the last epoch, in TAO.
    #[getter]
    fn E(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.emission.clone_ref(py)
    }

    /// Alias of `E`.
    #[getter]
    fn emission(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.emission.clone_ref(py)
    }

    /// Validator trust, in [0, 1].
    #[getter]
    fn validator_trust(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.validator_trust.clone_ref(py)
    }

    /// Alias of `validator_trust`.
    #[getter]
    fn Tv(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.validator_trust.clone_ref(py)
    }

    /// Whether each neuron holds a validator permit (bool).
    #[getter]
    fn validator_permit(&self, py: Python<'_>) -> Py<PyArray1<bool>> {
        self.validator_permit.clone_ref(py)
    }

    /// 1 if the neuron was active at the last epoch, else 0 (int64).
    #[getter]
    fn active(&self, py: Python<'_>) -> Py<PyArray1<i64>> {
        self.active.clone_ref(py)
    }

    /// Block of each neuron's last weight update (int64).
    #[getter]
    fn last_update(&self, py: Python<'_>) -> Py<PyArray1<i64>> {
        self.last_update.clone_ref(py)
    }

    /// Axon of each neuron.
    #[getter]
    fn axons(&self, py: Python<'_>) -> Vec<Py<AxonInfo>> {
        self.axons.iter().map(|a| a.clone_ref(py)).collect()
    }

    /// `n × n` weights, rows normalised to sum 1 (None when lite).
    #[getter]
    fn W(&self, py: Python<'_>) -> Option<Py<PyArray2<f32>>> {
        self.weights.as_ref().map(|w| w.clone_ref(py))
    }

    /// Alias of `W`.
    #[getter]
    fn weights(&self, py: Python<'_>) -> Option<Py<PyArray2<f32>>> {
        self.W(py)
    }

    /// `n × n` bonds, the chain's u16 values (None when lite).
    #[getter]
    fn B(&self, py: Python<'_>) -> Option<Py<PyArray2<f32>>> {
        self.bonds.as_ref().map(|b| b.clone_ref(py))
    }

    /// Alias of `B`.
    #[getter]
    fn bonds(&self, py: Python<'_>) -> Option<Py<PyArray2<f32>>> {
        self.B(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "metagraph(netuid:{}, n:{}, block:{}, lite:{})",
            self.netuid, self.n, self.block, self.lite
        )
    }
}
