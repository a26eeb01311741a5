//! `taonet config …`: the default network and named networks (see [`crate::config`] for the
//! file and [`crate::context`] for how chain commands choose their node).
//!
//! # Keys
//! - `network`: the default network, a name (`local` or one defined below) or a URL.
//! - `networks.NAME`: defines network `NAME` as a URL (`local` is built in and cannot be set).
//!
//! # Rules
//! - `set` refuses an unknown key, a malformed name or URL, and a default naming an unknown
//!   network (exit 2, listing what is valid); nothing is written then.
//! - `unset networks.NAME` is refused while `NAME` is the default network.
//! - Every change rewrites the file atomically; a malformed file is reported, never replaced.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::config::{Config, LOCAL, check_name, check_url, is_url};
use crate::context::resolve_rpc_source;
use crate::output::{print_json, table};
use crate::{Global, usage};

/// The keys `config get`/`set`/`unset` take.
const KEYS: &str = "`network` or `networks.NAME`";

/// `taonet config …`.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Set a key: `network NAME|URL` (the default network) or `networks.NAME URL` (define a
    /// network).
    Set(SetArgs),
    /// Show one key, or everything without KEY.
    Get(GetArgs),
    /// Remove a key: `network` or `networks.NAME`.
    Unset(KeyArg),
    /// The config file, its default network, every known network and the node chain commands
    /// would use now.
    #[command(visible_alias = "ls")]
    List,
}

#[derive(Args, Debug)]
struct SetArgs {
    /// `network` or `networks.NAME`.
    key: String,
    /// A network name or URL for `network`; a URL for `networks.NAME`.
    value: String,
}

#[derive(Args, Debug)]
struct GetArgs {
    /// `network` or `networks.NAME` [default: everything, as `config list`].
    key: Option<String>,
}

#[derive(Args, Debug)]
struct KeyArg {
    /// `network` or `networks.NAME`.
    key: String,
}

/// A parsed key.
enum Key {
    Network,
    Networks(String),
}

fn parse_key(key: &str) -> Result<Key> {
    match key.split_once('.') {
        None if key == "network" => Ok(Key::Network),
        Some(("networks", name)) => {
            check_name(name).map_err(|why| usage!("key {key:?}: {why}"))?;
            Ok(Key::Networks(name.to_string()))
        }
        _ => Err(usage!("unknown key {key:?}; the keys are {KEYS}")),
    }
}

/// Runs a `config` subcommand.
pub fn run(args: ConfigArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        ConfigCommand::Set(a) => set(&a.key, &a.value, global),
        ConfigCommand::Get(GetArgs { key: Some(k) }) => get(&k, global),
        ConfigCommand::Get(GetArgs { key: None }) | ConfigCommand::List => list(global),
        ConfigCommand::Unset(a) => unset(&a.key, global),
    }
}

fn set(key: &str, value: &str, global: Global) -> Result<ExitCode> {
    let parsed = parse_key(key)?;
    let value = value.trim();
    let file = Config::path()?;
    let mut config = Config::load_from(&file)?;
    match &parsed {
        Key::Network => {
            if is_url(value) {
                check_url(value).map_err(|why| usage!("{why}"))?;
            } else {
                config.known(value).map_err(|why| usage!("{why}"))?;
            }
            config.network = Some(value.to_string());
        }
        Key::Networks(name) => {
            if name == LOCAL {
                return Err(usage!(
                    "`local` is built in (the running local network, else ws://127.0.0.1:9944) and cannot be redefined; pick another name"
                ));
            }
            check_url(value).map_err(|why| usage!("{why}"))?;
            config.networks.insert(name.clone(), value.to_string());
        }
    }
    config.save_to(&file)?;
    if global.json {
        print_json(&json!({ "file": file, "key": key, "value": value }))?;
    } else {
        println!("{key} = {value:?}  ({})", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn unset(key: &str, global: Global) -> Result<ExitCode> {
    let parsed = parse_key(key)?;
    let file = Config::path()?;
    let mut config = Config::load_from(&file)?;
    let removed = match &parsed {
        Key::Network => config.network.take().is_some(),
        Key::Networks(name) => {
            if config.network.as_deref() == Some(name.as_str()) {
                return Err(usage!(
                    "network {name:?} is the default network; change it first (`taonet config set network NAME|URL`) or `taonet config unset network`"
                ));
            }
            config.networks.remove(name).is_some()
        }
    };
    if removed {
        config.save_to(&file)?;
    }
    if global.json {
        print_json(&json!({ "file": file, "key": key, "removed": removed }))?;
    } else if removed {
        println!("{key} removed ({})", file.display());
    } else {
        println!("{key} was not set ({})", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn get(key: &str, global: Global) -> Result<ExitCode> {
    let parsed = parse_key(key)?;
    let config = Config::load()?;
    let value: Option<String> = match &parsed {
        Key::Network => config.network.clone(),
        Key::Networks(name) => match config.known(name).map_err(|why| usage!("{why}"))? {
            Some(url) => Some(url.to_string()),
            None => Some(LOCAL.to_string()),
        },
    };
    if global.json {
        print_json(&json!({ "key": key, "value": value }))?;
    } else {
        match value {
            Some(v) => println!("{v}"),
            None => println!(
                "{key} is not set (chain commands use $TAONET_RPC, else the running local network, else ws://127.0.0.1:9944)"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(global: Global) -> Result<ExitCode> {
    let file = Config::path()?;
    let config = Config::load_from(&file)?;
    let (rpc, source) = resolve_rpc_source(None)?;
    let mut networks = serde_json::Map::new();
    networks.insert(LOCAL.into(), Value::from(LOCAL));
    for (name, url) in &config.networks {
        networks.insert(name.clone(), Value::from(url.as_str()));
    }
    if global.json {
        print_json(&json!({
            "file": file,
            "network": config.network,
            "networks": networks,
            "rpc": rpc,
            "source": source.as_str(),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("config file: {}", file.display());
    println!(
        "default network: {}",
        config.network.as_deref().unwrap_or("(not set)")
    );
    let mut t = table(vec!["network", "url"]);
    t.add_row(vec![
        LOCAL.to_string(),
        format!(
            "the running local network ({})",
            crate::context::local_rpc()
        ),
    ]);
    for (name, url) in &config.networks {
        t.add_row(vec![name.clone(), url.clone()]);
    }
    println!("{t}");
    println!("chain commands now use {rpc} (from: {})", source.as_str());
    Ok(ExitCode::SUCCESS)
}
