//! `taonet subnet …`: create, inspect and tune subnets; register neurons. Also btcli's
//! `sudo set`/`sudo get` (a subnet owner's hyperparameters), the same commands under btcli's
//! names.
//!
//! `burn-cost --netuid N` is the subnet's current registration burn (what `register` burns
//! now, as `show` and `list` report it); without `--netuid` it is the lock cost of creating a
//! subnet (what btcli's `subnets burn-cost` shows).

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use taonet_client::{MetagraphInfo, NeuronInfo, SubnetDetail, prelude::*};
use taonet_crypto::Ss58;
use taonet_types::params::{ParamParseError, Unit};
use taonet_types::tx::{CommitmentCall, MAX_COMMITMENT_BYTES, NeuronCall, SubnetCall};
use taonet_types::{Call, HyperparamUpdate, Rao, SubnetHyperparams};

use crate::args::{KeyOpts, RpcOpts, parse_tao};
use crate::output::{print_json, short, table, tao, unit};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct SubnetArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: SubnetCommand,
}

#[derive(Subcommand, Debug)]
enum SubnetCommand {
    /// Create a subnet owned by the wallet's coldkey (locks the current lock cost); the
    /// wallet's hotkey becomes uid 0.
    Create(CreateArgs),
    /// Every subnet.
    List,
    /// One subnet: summary and the top of its metagraph.
    Show(NetuidArgs),
    /// A subnet's hyperparameters.
    #[command(visible_alias = "hyperparameters")]
    Hyperparams(NetuidArgs),
    /// Change one hyperparameter of a subnet you own.
    SetHyperparam(SetHyperparamArgs),
    /// Register the wallet's hotkey on a subnet by burning the registration price.
    Register(RegisterArgs),
    /// The registration burn of a subnet now (--netuid N), or the lock cost of creating a
    /// subnet (no --netuid).
    BurnCost(BurnCostArgs),
    /// A subnet's metagraph, one row per uid.
    Metagraph(MetagraphArgs),
    /// Publish data for the wallet hotkey's uid (a model hash, an endpoint, …): a free call
    /// signed by the hotkey, at most 1,024 bytes, rate-limited by `commitment_rate_limit`.
    Commit(CommitArgs),
    /// The data a uid committed, with the block it was committed in.
    Commitment(CommitmentArgs),
}

#[derive(Args, Debug)]
struct CommitArgs {
    /// The subnet the hotkey is registered on (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// The data as text (UTF-8).
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "data_hex",
        required_unless_present = "data_hex"
    )]
    data: Option<String>,
    /// The data as hex bytes (with or without 0x).
    #[arg(long, value_name = "HEX")]
    data_hex: Option<String>,
}

#[derive(Args, Debug)]
struct CommitmentArgs {
    /// The subnet (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// The uid whose commitment to show.
    #[arg(long, value_name = "UID")]
    uid: u16,
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// Subnet name (sets the identity in a second transaction).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Web or repository address (identity).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// What the subnet does (identity).
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
}

#[derive(Args, Debug)]
struct NetuidArgs {
    /// The subnet's id (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
}

#[derive(Args, Debug)]
struct BurnCostArgs {
    /// The subnet whose registration burn to show [default: show the subnet creation lock
    /// cost instead].
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: Option<u16>,
}

/// `taonet sudo …` (btcli's `sudo` group): a subnet owner's hyperparameters.
#[derive(Args, Debug)]
pub struct SudoArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: SudoCommand,
}

#[derive(Subcommand, Debug)]
enum SudoCommand {
    /// Change one hyperparameter of a subnet you own (= `subnet set-hyperparam`).
    Set(SetHyperparamArgs),
    /// A subnet's hyperparameters (= `subnet hyperparams`).
    Get(NetuidArgs),
}

/// Runs `taonet sudo set|get` as the `subnet` command it stands for.
pub fn run_sudo(args: SudoArgs, global: Global) -> Result<ExitCode> {
    let command = match args.command {
        SudoCommand::Set(a) => SubnetCommand::SetHyperparam(a),
        SudoCommand::Get(a) => SubnetCommand::Hyperparams(a),
    };
    run(
        SubnetArgs {
            rpc: args.rpc,
            keys: args.keys,
            command,
        },
        global,
    )
}

#[derive(Args, Debug)]
struct SetHyperparamArgs {
    /// The subnet to change (netuid; you must own it).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Hyperparameter name (e.g. tempo, max_allowed_validators, alpha_values).
    #[arg(
        long,
        visible_alias = "param",
        alias = "parameter",
        value_name = "NAME"
    )]
    name: String,
    /// New value (numbers, true/false, TAO for min_burn/max_burn, LOW,HIGH for alpha_values).
    #[arg(long, value_name = "VALUE")]
    value: String,
}

#[derive(Args, Debug)]
struct RegisterArgs {
    /// The subnet to register on (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Highest burn accepted, in TAO [default: the current price + 10%].
    #[arg(long, value_name = "TAO")]
    max_burn: Option<String>,
    /// The hotkey to register (default: the wallet's hotkey, --hotkey).
    #[arg(long, value_name = "SS58")]
    hotkey_ss58: Option<String>,
}

#[derive(Args, Debug)]
struct MetagraphArgs {
    /// The subnet to show (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Also show each neuron's weights.
    #[arg(long)]
    weights: bool,
    /// Also show each neuron's bonds.
    #[arg(long)]
    bonds: bool,
}

pub fn run(args: SubnetArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        SubnetCommand::Create(a) => create(&args, a, global),
        SubnetCommand::List => list(&args, global),
        SubnetCommand::Show(a) => show(&args, a.netuid, global),
        SubnetCommand::Hyperparams(a) => hyperparams(&args, a.netuid, global),
        SubnetCommand::SetHyperparam(a) => set_hyperparam(&args, a, global),
        SubnetCommand::Register(a) => register(&args, a, global),
        SubnetCommand::BurnCost(a) => burn_cost(&args, a.netuid, global),
        SubnetCommand::Metagraph(a) => metagraph(&args, a, global),
        SubnetCommand::Commit(a) => commit(&args, a, global),
        SubnetCommand::Commitment(a) => commitment(&args, a, global),
    }
}

/// The bytes of `--data` or `--data-hex`, checked against the chain's limit.
fn commit_data(a: &CommitArgs) -> Result<Vec<u8>> {
    let data = match (&a.data, &a.data_hex) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(h)) => {
            let digits = h.trim().strip_prefix("0x").unwrap_or(h.trim());
            hex::decode(digits).map_err(|e| usage!("--data-hex: {e}"))?
        }
        (None, None) => return Err(usage!("give --data TEXT or --data-hex HEX")),
    };
    if data.is_empty() {
        return Err(usage!(
            "the commitment data is empty; give at least one byte"
        ));
    }
    if data.len() > MAX_COMMITMENT_BYTES {
        return Err(usage!(
            "the commitment data is {} bytes; at most {MAX_COMMITMENT_BYTES} are allowed",
            data.len()
        ));
    }
    Ok(data)
}

/// Commitment data as text when it is printable UTF-8, else `0x`-hex.
fn shown_data(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(t) if !t.chars().any(char::is_control) => t.to_string(),
        _ => format!("0x{}", hex::encode(data)),
    }
}

fn commit(args: &SubnetArgs, a: &CommitArgs, global: Global) -> Result<ExitCode> {
    let data = commit_data(a)?;
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let summary = [
            format!(
                "Commit {} bytes on subnet {} for hotkey {}",
                data.len(),
                a.netuid,
                signer.ss58()
            ),
            format!("  data: {}", shown_data(&data)),
        ];
        let call = Call::Commitments(CommitmentCall::Set {
            netuid: a.netuid,
            data: data.clone(),
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "netuid": a.netuid, "hotkey": signer.ss58(), "data": format!("0x{}", hex::encode(&data)) }),
            &[format!("  committed by {}", signer.ss58())],
        )
    })
}

fn commitment(args: &SubnetArgs, a: &CommitmentArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let got = s
            .client
            .state_get_commitment(a.netuid, a.uid)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "netuid": a.netuid, "uid": a.uid, "commitment": got }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let Some(c) = got else {
            println!("uid {} of subnet {} has no commitment", a.uid, a.netuid);
            return Ok(ExitCode::SUCCESS);
        };
        let data = hex::decode(c.data.trim_start_matches("0x")).unwrap_or_default();
        let mut t = table(vec![
            "commitment",
            &format!("subnet {} uid {}", c.netuid, c.uid),
        ]);
        for (k, v) in [
            ("hotkey", c.hotkey.clone()),
            ("block", format!("#{}", c.block)),
            ("bytes", data.len().to_string()),
            ("data", shown_data(&data)),
        ] {
            t.add_row(vec![k.to_string(), v]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

async fn subnet(s: &Session, netuid: u16) -> Result<SubnetDetail> {
    s.client
        .state_get_subnet(netuid)
        .await
        .map_err(|e| rpc_error(e.into()))?
        .with_context(|| format!("subnet {netuid} does not exist (see `taonet subnet list`)"))
}

fn create(args: &SubnetArgs, a: &CreateArgs, global: Global) -> Result<ExitCode> {
    let hotkey = args.keys.hotkey_account()?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let lock = s
            .client
            .state_get_network_lock_cost()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let before: BTreeSet<u16> = s
            .client
            .state_get_subnets()
            .await
            .map_err(|e| rpc_error(e.into()))?
            .iter()
            .map(|n| n.netuid)
            .collect();
        let summary = [
            format!("Create a subnet owned by {}", signer.ss58()),
            format!("  owner hotkey (uid 0): {}", hotkey.to_ss58()),
            format!(
                "  lock cost: {} (returned when the subnet is dissolved)",
                tao(lock)
            ),
        ];
        let call = Call::Subnets(SubnetCall::RegisterNetwork { hotkey });
        let outcome = s.send(&signer, call, &summary).await?;
        if !outcome.success {
            return s.finish(&outcome, json!({ "lock_cost": lock }), &[]);
        }
        let netuid = s
            .client
            .state_get_subnets()
            .await
            .map_err(|e| rpc_error(e.into()))?
            .iter()
            .find(|n| !before.contains(&n.netuid) && n.owner == signer.ss58())
            .map(|n| n.netuid);
        // The identity, if asked for, in a second transaction.
        let mut identity = None;
        if let (Some(netuid), true) = (
            netuid,
            a.name.is_some() || a.url.is_some() || a.description.is_some(),
        ) {
            let call = Call::Subnets(SubnetCall::SetIdentity {
                netuid,
                name: a.name.clone().unwrap_or_default(),
                url: a.url.clone().unwrap_or_default(),
                description: a.description.clone().unwrap_or_default(),
            });
            let summary = [format!("Set the identity of subnet {netuid}")];
            identity = Some(s.send(&signer, call, &summary).await?);
        }
        let mut notes = vec![format!(
            "  created subnet {} (locked {})",
            netuid.map(|n| n.to_string()).unwrap_or_else(|| "?".into()),
            tao(lock)
        )];
        let mut extra = json!({ "netuid": netuid, "lock_cost": lock });
        if let Some(id) = &identity {
            extra["identity"] = id.to_json();
            notes.push(if id.success {
                format!("  identity set: {}", a.name.clone().unwrap_or_default())
            } else {
                format!(
                    "  setting the identity failed: {}",
                    id.error.clone().unwrap_or_default()
                )
            });
        }
        let code = s.finish(&outcome, extra, &notes)?;
        match identity {
            Some(id) if !id.success => {
                if !global.json {
                    eprintln!(
                        "✘ the subnet was created but setting its identity failed: {}",
                        id.error.unwrap_or_default()
                    );
                }
                Ok(ExitCode::FAILURE)
            }
            _ => Ok(code),
        }
    })
}

fn list(args: &SubnetArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let subnets = s
            .client
            .state_get_subnets()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "subnets": subnets }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "netuid",
            "name",
            "neurons",
            "tempo",
            "emission",
            "burn",
            "next epoch",
            "owner",
        ]);
        for n in &subnets {
            t.add_row(vec![
                n.netuid.to_string(),
                n.name.clone(),
                format!("{}/{}", n.n, n.max_n),
                n.tempo.to_string(),
                format!("{:.2}%", n.emission_share_ppb as f64 / 1e7),
                tao(n.burn),
                format!("#{}", n.next_epoch_block),
                short(&n.owner),
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn show(args: &SubnetArgs, netuid: u16, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let detail = subnet(&s, netuid).await?;
        let meta = s
            .client
            .state_get_metagraph(netuid, false, false)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let mut top: Vec<NeuronInfo> = meta.map(|m| m.neurons).unwrap_or_default();
        top.sort_by(|a, b| b.stake.cmp(&a.stake).then(a.uid.cmp(&b.uid)));
        top.truncate(10);
        if global.json {
            print_json(&json!({ "subnet": detail, "top_neurons": top }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let i = &detail.info;
        let mut t = table(vec!["subnet", &i.netuid.to_string()]);
        for (k, v) in [
            ("name", i.name.clone()),
            ("description", i.description.clone()),
            ("url", i.url.clone()),
            ("owner", i.owner.clone()),
            ("owner hotkey", i.owner_hotkey.clone()),
            ("neurons", format!("{}/{}", i.n, i.max_n)),
            ("tempo", i.tempo.to_string()),
            (
                "emission share",
                format!("{:.2}%", i.emission_share_ppb as f64 / 1e7),
            ),
            ("registration burn", tao(i.burn)),
            ("pending emission", tao(i.pending_emission)),
            ("last epoch", format!("#{}", i.last_epoch_block)),
            ("next epoch", format!("#{}", i.next_epoch_block)),
            ("epochs run", i.epoch_index.to_string()),
            ("locked", tao(i.locked)),
        ] {
            t.add_row(vec![k.to_string(), v]);
        }
        println!("{t}");
        if !top.is_empty() {
            println!("Top neurons by stake");
            println!("{}", neuron_table(&top));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn burn_cost(args: &SubnetArgs, netuid: Option<u16>, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let Some(netuid) = netuid else {
            let lock = s
                .client
                .state_get_network_lock_cost()
                .await
                .map_err(|e| rpc_error(e.into()))?;
            if global.json {
                print_json(&json!({ "lock_cost": lock }))?;
            } else {
                println!(
                    "Creating a subnet locks {} (returned when it is dissolved); give --netuid N for a subnet's registration burn",
                    tao(lock)
                );
            }
            return Ok(ExitCode::SUCCESS);
        };
        let burn = subnet(&s, netuid).await?.info.burn;
        if global.json {
            print_json(&json!({ "netuid": netuid, "burn": burn }))?;
        } else {
            println!("Registering on subnet {netuid} burns {} now", tao(burn));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Parses `--name` / `--value` into an update with the hyperparameter table's parser.
pub fn parse_update(name: &str, value: &str) -> Result<HyperparamUpdate> {
    HyperparamUpdate::parse(name, value).map_err(|e| match e {
        ParamParseError::UnknownName { name, valid } => usage!(
            "--name {name:?} is not a settable hyperparameter; valid names: {}",
            valid.join(", ")
        ),
        e => usage!("--value: {e}"),
    })
}

fn hyperparams(args: &SubnetArgs, netuid: u16, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let detail = subnet(&s, netuid).await?;
        if global.json {
            print_json(&json!({ "netuid": netuid, "hyperparams": detail.hyperparams }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let value = serde_json::to_value(&detail.hyperparams)?;
        let mut t = table(vec!["hyperparameter", "value", "owner-settable"]);
        if let Value::Object(map) = value {
            for (k, v) in map {
                let field = SubnetHyperparams::FIELDS.iter().find(|f| f.name == k);
                let shown = match (field.map(|f| f.unit), &v) {
                    (Some(Unit::Tao), Value::Number(n)) => n
                        .as_u64()
                        .map(|r| tao(Rao(r)))
                        .unwrap_or_else(|| v.to_string()),
                    _ => v.to_string(),
                };
                let settable = field.is_some_and(|f| f.settable);
                t.add_row(vec![
                    k.clone(),
                    shown,
                    if settable { "yes" } else { "" }.to_string(),
                ]);
            }
        }
        println!("Hyperparameters of subnet {netuid}");
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn set_hyperparam(args: &SubnetArgs, a: &SetHyperparamArgs, global: Global) -> Result<ExitCode> {
    let update = parse_update(&a.name, &a.value)?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let detail = subnet(&s, a.netuid).await?;
        if detail.info.owner != signer.ss58() {
            bail!(
                "subnet {} is owned by {}, not by this wallet's coldkey {}",
                a.netuid,
                detail.info.owner,
                signer.ss58()
            );
        }
        // Check the bounds here too, so an out-of-bounds value costs no fee.
        let mut after = detail.hyperparams.clone();
        update.apply(&mut after)?;
        let summary = [format!(
            "Set {} of subnet {} to {}",
            update.name(),
            a.netuid,
            a.value.trim()
        )];
        let call = Call::Subnets(SubnetCall::SetHyperparameter {
            netuid: a.netuid,
            update: update.clone(),
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "netuid": a.netuid, "update": update }),
            &[format!("  {} = {}", update.name(), a.value.trim())],
        )
    })
}

fn register(args: &SubnetArgs, a: &RegisterArgs, global: Global) -> Result<ExitCode> {
    let max_burn = a
        .max_burn
        .as_deref()
        .map(|m| parse_tao("--max-burn", m))
        .transpose()?;
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let detail = subnet(&s, a.netuid).await?;
        let burn = detail.info.burn;
        let max_burn = max_burn.unwrap_or_else(|| Rao(burn.0.saturating_add(burn.0.div_ceil(10))));
        let summary = [
            format!(
                "Register hotkey {} on subnet {}",
                hotkey.to_ss58(),
                a.netuid
            ),
            format!(
                "  burn: {} (at most {}); subnet has {}/{} neurons",
                tao(burn),
                tao(max_burn),
                detail.info.n,
                detail.info.max_n
            ),
        ];
        let call = Call::Neurons(NeuronCall::BurnedRegister {
            netuid: a.netuid,
            hotkey,
            max_burn,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        let uid = if outcome.success {
            s.client
                .state_get_delegate(hotkey.to_ss58())
                .await
                .map_err(|e| rpc_error(e.into()))?
                .and_then(|d| {
                    d.registrations
                        .iter()
                        .find(|(n, _)| *n == a.netuid)
                        .map(|(_, u)| *u)
                })
        } else {
            None
        };
        s.finish(
            &outcome,
            json!({
                "netuid": a.netuid,
                "hotkey": hotkey.to_ss58(),
                "uid": uid,
                "burn": burn,
                "max_burn": max_burn,
            }),
            &[format!(
                "  registered on subnet {} as uid {}",
                a.netuid,
                uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into())
            )],
        )
    })
}

fn neuron_table(neurons: &[NeuronInfo]) -> comfy_table::Table {
    let mut t = table(vec![
        "uid", "hotkey", "stake", "active", "permit", "C", "I", "D", "VT", "emission", "updated",
        "axon",
    ]);
    for n in neurons {
        t.add_row(vec![
            n.uid.to_string(),
            short(&n.hotkey),
            tao(n.stake),
            if n.active { "✔" } else { "" }.to_string(),
            if n.validator_permit { "✔" } else { "" }.to_string(),
            unit(n.consensus),
            unit(n.incentive),
            unit(n.dividends),
            unit(n.validator_trust),
            tao(n.emission),
            format!("#{}", n.last_update),
            n.axon
                .as_ref()
                .map(|a| a.address.clone())
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}

fn pairs(list: &[(u16, u16)]) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter()
        .map(|(u, w)| format!("{u}:{}", unit(*w)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn metagraph(args: &SubnetArgs, a: &MetagraphArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let meta: MetagraphInfo = s
            .client
            .state_get_metagraph(a.netuid, a.weights, a.bonds)
            .await
            .map_err(|e| rpc_error(e.into()))?
            .with_context(|| {
                format!(
                    "subnet {} does not exist (see `taonet subnet list`)",
                    a.netuid
                )
            })?;
        if global.json {
            print_json(&meta)?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Metagraph of subnet {} '{}' at block #{}: {}/{} neurons, tempo {}, next epoch #{}",
            meta.netuid,
            meta.subnet.name,
            meta.block,
            meta.subnet.n,
            meta.subnet.max_n,
            meta.subnet.tempo,
            meta.subnet.next_epoch_block
        );
        println!("{}", neuron_table(&meta.neurons));
        if a.weights || a.bonds {
            let mut header = vec!["uid"];
            if a.weights {
                header.push("weights (uid:w)");
            }
            if a.bonds {
                header.push("bonds (uid:b)");
            }
            let mut t = table(header);
            for n in &meta.neurons {
                let mut row = vec![n.uid.to_string()];
                if a.weights {
                    row.push(pairs(n.weights.as_deref().unwrap_or_default()));
                }
                if a.bonds {
                    row.push(pairs(n.bonds.as_deref().unwrap_or_default()));
                }
                t.add_row(row);
            }
            println!("{t}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use taonet_types::{HyperparamUpdate, Rao};

    use super::*;
    use crate::UsageError;

    #[test]
    fn hyperparam_names_and_values() {
        assert_eq!(
            parse_update("tempo", "20").unwrap(),
            HyperparamUpdate::Tempo(20)
        );
        assert_eq!(
            parse_update("alpha-values", "2000, 60000").unwrap(),
            HyperparamUpdate::AlphaValues(2000, 60000)
        );
        assert_eq!(
            parse_update("commit_reveal_enabled", "yes").unwrap(),
            HyperparamUpdate::CommitRevealEnabled(true)
        );
        assert_eq!(
            parse_update("min_burn", "0.001").unwrap(),
            HyperparamUpdate::MinBurn(Rao(1_000_000))
        );
        let e = parse_update("kappa", "1").unwrap_err();
        assert!(UsageError::is(&e) && e.to_string().contains("serving_rate_limit"));
        assert!(UsageError::is(&parse_update("tempo", "70000").unwrap_err()));
        assert!(UsageError::is(
            &parse_update("alpha_values", "1").unwrap_err()
        ));
    }
}
