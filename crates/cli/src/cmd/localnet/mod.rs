//! `taonet localnet …`: a whole multi-validator network on this machine.
//!
//! `up` creates (or restarts) the network under a directory (default `~/.taonet/localnet`):
//! one data directory and consensus key per validator, a development chain spec with those
//! validators, the development wallets (`alice`, `bob`, … in bittensor's layout under
//! `<dir>/wallets`), then starts one `taonet node run` process per validator on 127.0.0.1,
//! and returns once blocks are finalizing. Unless `--no-neurons`, it then brings up the text
//! subnet (netuid 1): miners of different quality and two subnet validators, each its own
//! process ([`neurons`]), and waits until the miners are registered and serving. `status`,
//! `stop NAME`, `start NAME` and `down` manage nodes and neurons alike; everything is
//! recorded in `<dir>/localnet.json`.
//!
//! This module holds the arguments, the dispatch and the network record's loading; the
//! commands live by topic: [`up`], [`status`] (`status`, `status --watch`), [`members`]
//! (`stop NAME`, `start NAME`, `down`), with the node and neuron processes in [`process`]
//! and the subnet's neurons in [`neurons`].

mod members;
mod neurons;
mod process;
mod status;
mod up;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::context::{Localnet, default_localnet_dir};
use crate::{Global, usage};

use up::UpArgs;

#[derive(Args, Debug)]
pub struct LocalnetArgs {
    /// The local network's directory [default: ~/.taonet/localnet, or TAONET_LOCALNET_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: LocalnetCommand,
}

#[derive(Subcommand, Debug)]
enum LocalnetCommand {
    /// Start a local network (or restart a stopped one) and wait until it finalizes blocks.
    Up(UpArgs),
    /// Show every node's heights and roots, and the subnet's neurons.
    Status(StatusArgs),
    /// Stop one node or neuron (SIGTERM, then SIGKILL after 10 s).
    Stop(NodeName),
    /// Start one stopped node (on its data) or neuron again.
    Start(NodeName),
    /// Stop every node and neuron.
    Down(DownArgs),
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Keep refreshing every SECS seconds until Ctrl-C (with --json: one JSON line per
    /// refresh).
    #[arg(long, value_name = "SECS")]
    watch: Option<u64>,
}

#[derive(Args, Debug)]
struct NodeName {
    /// Node or neuron name, e.g. validator-1 or miner-0 (see `taonet localnet status`).
    name: String,
}

#[derive(Args, Debug)]
struct DownArgs {
    /// Also delete the network's directory.
    #[arg(long)]
    purge: bool,
}

pub fn run(args: LocalnetArgs, global: Global) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => default_localnet_dir()?,
    };
    match args.command {
        LocalnetCommand::Up(a) => up::up(&dir, &a, global),
        LocalnetCommand::Status(a) => match a.watch {
            None => status::status(&dir, global),
            Some(secs) => status::watch(&dir, secs, global),
        },
        LocalnetCommand::Stop(n) => members::stop_one(&dir, &n.name, global),
        LocalnetCommand::Start(n) => members::start_one(&dir, &n.name, global),
        LocalnetCommand::Down(a) => members::down(&dir, a.purge, global),
    }
}

/// A single-threaded async runtime for the RPC calls of one command.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The network recorded in `dir`, or a usage error that says how to start one.
fn load(dir: &Path) -> Result<Localnet> {
    Localnet::load(dir)?.ok_or_else(|| {
        usage!(
            "no local network in {}; start one with `taonet localnet up`",
            dir.display()
        )
    })
}
