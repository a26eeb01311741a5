//! `taonet axon serve` publishes where a neuron's axon listens; `taonet axon reset` withdraws
//! it, so validators stop querying the uid (`neurons.reset_axon`). Both are free calls signed
//! by the hotkey and share the subnet's serving rate limit; resetting a uid that serves no
//! axon is refused by the chain (`NoAxon`).

use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_types::Call;
use taonet_types::tx::{AxonInfo, NeuronCall};

use crate::args::{KeyOpts, RpcOpts};
use crate::session::{Session, block_on};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct AxonArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: AxonCommand,
}

#[derive(Subcommand, Debug)]
enum AxonCommand {
    /// Publish the axon address of the wallet's hotkey on a subnet.
    #[command(visible_alias = "set")]
    Serve(ServeArgs),
    /// Withdraw the axon address of the wallet's hotkey on a subnet (the uid is then left
    /// with no axon and is not queried).
    Reset(ResetArgs),
}

#[derive(Args, Debug)]
struct ResetArgs {
    /// The subnet (netuid; the hotkey must be registered there and serve an axon).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// The subnet to serve on (netuid; the hotkey must be registered there).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Public IP address (IPv4 or IPv6).
    #[arg(long, value_name = "IP")]
    ip: String,
    /// TCP port.
    #[arg(long, value_name = "PORT")]
    port: u16,
    /// Protocol identifier (4 = HTTP, as bittensor).
    #[arg(long, default_value_t = 4)]
    protocol: u8,
    /// Axon software version.
    #[arg(long = "axon-version", default_value_t = 0, value_name = "N")]
    axon_version: u32,
}

pub fn run(args: AxonArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        AxonCommand::Serve(a) => serve(&args, a, global),
        AxonCommand::Reset(a) => reset(&args, a, global),
    }
}

/// The chain's encoding of an IP address.
pub fn axon_info(ip: &str, port: u16, protocol: u8, version: u32) -> Result<AxonInfo> {
    let parsed: IpAddr = ip
        .trim()
        .parse()
        .map_err(|_| usage!("--ip: {ip:?} is not an IPv4 or IPv6 address"))?;
    let (ip, ip_type) = match parsed {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        IpAddr::V6(v6) => (u128::from(v6), 6),
    };
    Ok(AxonInfo {
        version,
        ip,
        port,
        ip_type,
        protocol,
    })
}

fn serve(args: &AxonArgs, a: &ServeArgs, global: Global) -> Result<ExitCode> {
    let axon = axon_info(&a.ip, a.port, a.protocol, a.axon_version)?;
    let address = axon
        .socket_addr()
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("{}:{}", a.ip, a.port));
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let summary = [format!(
            "Serve axon {address} (protocol {}, version {}) on subnet {}",
            a.protocol, a.axon_version, a.netuid
        )];
        let call = Call::Neurons(NeuronCall::ServeAxon {
            netuid: a.netuid,
            axon,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "netuid": a.netuid, "address": address, "protocol": a.protocol, "version": a.axon_version }),
            &[format!("  axon {address} published for {}", signer.ss58())],
        )
    })
}

fn reset(args: &AxonArgs, a: &ResetArgs, global: Global) -> Result<ExitCode> {
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let summary = [format!(
            "Withdraw the axon of hotkey {} on subnet {}",
            signer.ss58(),
            a.netuid
        )];
        let call = Call::Neurons(NeuronCall::ResetAxon { netuid: a.netuid });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "netuid": a.netuid, "hotkey": signer.ss58() }),
            &[format!(
                "  {} serves no axon on subnet {} now; validators stop querying it",
                signer.ss58(),
                a.netuid
            )],
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::UsageError;

    #[test]
    fn axon_addresses() {
        let v4 = axon_info("10.0.0.1", 8091, 4, 1).unwrap();
        assert_eq!((v4.ip, v4.ip_type), (0x0a00_0001, 4));
        assert_eq!(v4.socket_addr().unwrap().to_string(), "10.0.0.1:8091");
        let v6 = axon_info("::1", 1, 4, 0).unwrap();
        assert_eq!((v6.ip, v6.ip_type), (1, 6));
        assert!(UsageError::is(
            &axon_info("300.0.0.1", 1, 4, 0).unwrap_err()
        ));
    }
}
