//! `taonet`: the command-line interface of the taonet network.
//!
//! Groups: `wallet` (bittensor-compatible keys and wallets), `sim` (offline simulations
//! of the chain's mechanisms), `node` and `localnet`, the chain commands, `explorer`, and `miner` /
//! `validator` (the text subnet's neurons), `config` (named networks).
//!
//! btcli's group names are aliases: `wallets`/`w` = `wallet`, `st` = `stake`, `subnets`/`s`
//! = `subnet`, and `sudo`/`su` holds the subnet owner's `set`/`get` of hyperparameters (=
//! `subnet set-hyperparam` / `subnet hyperparams`), `r` = `root` (the root subnet's members,
//! candidates and weights). Every command takes `--json` for machine-readable output on
//! stdout; human-readable messages and prompts go to stderr.
//!
//! Exit codes: 0 success, 1 failure (or a negative answer such as an invalid signature),
//! 2 malformed input (bad arguments, addresses, hex).

// Doc comments on arguments are clap's help text, where `<wallet>`-style placeholders are
// plain text, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod args;
mod cmd;
mod config;
mod context;
#[cfg(test)]
mod json_docs_check;
mod output;
mod password;
mod progress;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An error in what the user supplied; exits with status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl UsageError {
    /// Whether `err` is (or wraps) a usage error, which exits with status 2.
    pub fn is(err: &anyhow::Error) -> bool {
        err.downcast_ref::<UsageError>().is_some()
    }
}

/// Shorthand to fail with a [`UsageError`].
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => {
        anyhow::Error::new($crate::UsageError(format!($($arg)*)))
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "taonet",
    version,
    about = "taonet: a decentralized machine-learning network (wallets, simulations, nodes)",
    propagate_version = true
)]
struct Cli {
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Never ask questions: fail instead of prompting (for scripts).
    #[arg(long, global = true, visible_alias = "yes", short = 'y')]
    no_prompt: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create, restore, list and use coldkey/hotkey wallets (bittensor-compatible).
    #[command(visible_aliases = ["w", "wallets"])]
    Wallet(cmd::wallet::WalletArgs),
    /// Offline simulations of the chain's mechanisms.
    Sim(cmd::sim::SimArgs),
    /// Run a node; create its keys and chain spec.
    Node(cmd::node::NodeArgs),
    /// A whole local network on this machine: up, status, stop/start a node, down.
    Localnet(cmd::localnet::LocalnetArgs),
    /// Benchmarks of a local network (`bench tps`: throughput, latency, memory).
    Bench(cmd::bench::BenchArgs),
    /// Stake and unstake TAO on hotkeys; unbonding.
    #[command(visible_alias = "st")]
    Stake(cmd::stake::StakeArgs),
    /// Delegate takes and the list of delegates.
    Delegate(cmd::delegate::DelegateArgs),
    /// Create, inspect and tune subnets; register neurons; metagraphs.
    #[command(visible_aliases = ["s", "subnets"])]
    Subnet(cmd::subnet::SubnetArgs),
    /// A subnet owner's hyperparameters, as btcli's `sudo` group: `set --netuid N --param NAME
    /// --value V` (= `subnet set-hyperparam`) and `get --netuid N` (= `subnet hyperparams`).
    #[command(visible_alias = "su")]
    Sudo(cmd::subnet::SudoArgs),
    /// The root subnet: enter a root candidate, list members and candidates, show and set
    /// root weights over subnets.
    #[command(visible_alias = "r")]
    Root(cmd::root::RootArgs),
    /// Set, commit and reveal weights (signed by the hotkey).
    Weights(cmd::weights::WeightsArgs),
    /// Publish a neuron's axon address.
    Axon(cmd::axon::AxonArgs),
    /// Block-producer consensus keys.
    Consensus(cmd::consensus::ConsensusArgs),
    /// On-chain governance: propose, vote, list and show proposals; the treasury.
    Gov(cmd::gov::GovArgs),
    /// Serve the block explorer (web pages and charts) for a node: --rpc URL.
    Explorer(cmd::explorer::ExplorerArgs),
    /// Payment channels: pay a gateway per query (open, top up, vouchers, claim, reclaim).
    Channel(cmd::channel::ChannelArgs),
    /// Ask a subnet through a gateway, paying per query from a payment channel.
    Query(cmd::query::QueryArgs),
    /// Run a miner of the text subnet; train and evaluate miner models.
    Miner(cmd::neuron::MinerArgs),
    /// Run a validator of the text subnet.
    Validator(cmd::neuron::ValidatorArgs),
    /// The CLI's settings: the default network and named networks (~/.taonet/config.toml or
    /// $TAONET_CONFIG).
    #[command(visible_alias = "c")]
    Config(cmd::config::ConfigArgs),
}

/// Options every command can read.
#[derive(Clone, Copy, Debug)]
pub struct Global {
    /// `--json`.
    pub json: bool,
    /// `--no-prompt`.
    pub no_prompt: bool,
}

/// A reader that went away (`taonet … | head`) ends the command quietly with status 0 (as
/// `sim yuma` does on its own), not with a panic report: Rust ignores SIGPIPE, so `println!`
/// panics with this message when the pipe is closed.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    let global = Global {
        json: cli.json,
        no_prompt: cli.no_prompt,
    };
    let result = match cli.command {
        Command::Wallet(args) => cmd::wallet::run(args, global),
        Command::Sim(args) => cmd::sim::run(args, global),
        Command::Node(args) => cmd::node::run_cmd(args, global),
        Command::Localnet(args) => cmd::localnet::run(args, global),
        Command::Bench(args) => cmd::bench::run(args, global),
        Command::Stake(args) => cmd::stake::run(args, global),
        Command::Delegate(args) => cmd::delegate::run(args, global),
        Command::Subnet(args) => cmd::subnet::run(args, global),
        Command::Sudo(args) => cmd::subnet::run_sudo(args, global),
        Command::Root(args) => cmd::root::run(args, global),
        Command::Weights(args) => cmd::weights::run(args, global),
        Command::Axon(args) => cmd::axon::run(args, global),
        Command::Consensus(args) => cmd::consensus::run(args, global),
        Command::Gov(args) => cmd::gov::run(args, global),
        Command::Explorer(args) => cmd::explorer::run(args, global),
        Command::Channel(args) => cmd::channel::run(args, global),
        Command::Query(args) => cmd::query::run(args, global),
        Command::Miner(args) => cmd::neuron::run_miner(args, global),
        Command::Validator(args) => cmd::neuron::run_validator(args, global),
        Command::Config(args) => cmd::config::run(args, global),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            if UsageError::is(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every flag, alias and short flag is unique where it applies (clap's own checks).
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
