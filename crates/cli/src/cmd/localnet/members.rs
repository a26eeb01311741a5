//! `taonet localnet stop NAME`, `start NAME` and `down`: one node or neuron, or all of them.
//!
//! A member is found by name among nodes and neurons; a node started again catches up from
//! its data directory. `down` stops the neurons before the nodes and keeps the network's
//! directory (so `up` restarts it) unless `--purge`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::json;

use super::process::{spawn_node, stop_pid};
use super::{load, neurons};
use crate::context::{Localnet, pid_alive};
use crate::{Global, usage};

/// A node or a neuron of the network, by index.
enum Member {
    Node(usize),
    Neuron(usize),
}

/// The member called `name`, or a usage error listing every name.
fn find(net: &Localnet, name: &str) -> Result<Member> {
    if let Some(i) = net.nodes.iter().position(|n| n.name == name) {
        return Ok(Member::Node(i));
    }
    if let Some(i) = net.neurons.iter().position(|n| n.name == name) {
        return Ok(Member::Neuron(i));
    }
    let names: Vec<&str> = net
        .nodes
        .iter()
        .map(|n| n.name.as_str())
        .chain(net.neurons.iter().map(|n| n.name.as_str()))
        .collect();
    Err(usage!(
        "no node or neuron {name:?}; there are {}",
        names.join(", ")
    ))
}

/// `localnet stop NAME`: stops it and records it as stopped.
pub(super) fn stop_one(dir: &Path, name: &str, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    let pid = match find(&net, name)? {
        Member::Node(i) => &mut net.nodes[i].pid,
        Member::Neuron(i) => &mut net.neurons[i].pid,
    };
    stop_pid(*pid);
    *pid = 0;
    net.save()?;
    if global.json {
        println!("{}", json!({ "name": name, "running": false }));
    } else {
        println!("Stopped {name}.");
    }
    Ok(ExitCode::SUCCESS)
}

/// `localnet start NAME`: refused if it is already running.
pub(super) fn start_one(dir: &Path, name: &str, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    let member = find(&net, name)?;
    let old = match member {
        Member::Node(i) => net.nodes[i].pid,
        Member::Neuron(i) => net.neurons[i].pid,
    };
    if pid_alive(old) {
        bail!("{name} is already running (pid {old})");
    }
    let pid = match member {
        Member::Node(i) => {
            let pid = spawn_node(&net, i)?;
            net.nodes[i].pid = pid;
            pid
        }
        Member::Neuron(i) => {
            let pid = neurons::spawn(&net, i)?;
            net.neurons[i].pid = pid;
            pid
        }
    };
    net.save()?;
    if global.json {
        println!("{}", json!({ "name": name, "running": true, "pid": pid }));
    } else {
        match member {
            Member::Node(_) => {
                println!("Started {name} (pid {pid}); it catches up from its data directory.")
            }
            Member::Neuron(_) => println!("Started {name} (pid {pid})."),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `localnet down [--purge]`: neurons first, then nodes.
pub(super) fn down(dir: &Path, purge: bool, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    // Neurons first: they would only log errors once the nodes are gone.
    for n in &mut net.neurons {
        stop_pid(n.pid);
        n.pid = 0;
    }
    for n in &mut net.nodes {
        stop_pid(n.pid);
        n.pid = 0;
    }
    if purge {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    } else {
        net.save()?;
    }
    if global.json {
        println!(
            "{}",
            json!({ "stopped": net.nodes.len(), "stopped_neurons": net.neurons.len(), "purged": purge })
        );
    } else {
        println!(
            "Stopped {} nodes and {} neurons{}.",
            net.nodes.len(),
            net.neurons.len(),
            if purge {
                " and deleted the network"
            } else {
                "; `taonet localnet up` restarts them"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
