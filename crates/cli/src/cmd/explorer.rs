//! `taonet explorer`: serve the block explorer for any node.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use taonet_explorer::{ExplorerConfig, serve};

use crate::Global;

#[derive(Args, Debug)]
pub struct ExplorerArgs {
    /// The node's RPC URL or a network name (default: `TAONET_RPC`, else the config file's
    /// default network, else the running local network, else ws://127.0.0.1:9944). Nodes also
    /// serve the explorer themselves at `/` on their RPC port.
    #[arg(long, visible_alias = "network", value_name = "URL|NAME")]
    rpc: Option<String>,
    /// Address to serve the explorer on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

pub fn run(args: ExplorerArgs, global: Global) -> Result<ExitCode> {
    let rpc = crate::context::resolve_rpc(args.rpc.as_deref())?;
    crate::cmd::node::init_logging(None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}/");
        if global.json {
            println!("{}", json!({ "url": url, "rpc": rpc }));
        } else {
            println!("Explorer for the node at {rpc}: open {url}  (Ctrl-C to stop)");
        }
        serve(listener, ExplorerConfig::new(rpc), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("explorer")
    })?;
    Ok(ExitCode::SUCCESS)
}
