//! `taonet` against one node of a test network, with the network's wallets: the JSON,
//! transaction, refusal and human-output forms the network tests share (each test module
//! adds its own helpers in its own `impl Cli` block).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::localnet::Localnet;
use super::{Command, taonet};

/// The CLI pointed at node 0 of a local network, with its wallets.
pub(crate) struct Cli {
    /// The wallets' directory (also `HOME`).
    pub(crate) root: PathBuf,
    /// Node 0's RPC address.
    pub(crate) rpc: String,
}

impl Cli {
    pub(crate) fn new(net: &Localnet) -> Cli {
        Cli {
            root: net.dir.path().join("wallets"),
            rpc: net.rpc(0),
        }
    }

    /// `taonet --json --no-prompt <args> --rpc URL` with the network's wallets.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = taonet(&self.root);
        c.args(["--json", "--no-prompt"])
            .args(args)
            .args(["--rpc", &self.rpc]);
        c.timeout(Duration::from_secs(120));
        c
    }

    /// A command that must succeed: its JSON.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd(args).assert().success().get_output().clone();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// A transaction that must succeed: its receipt.
    pub(crate) fn tx(&self, args: &[&str]) -> Value {
        let v = self.json(args);
        assert_eq!(v["success"], true, "{args:?}: {v}");
        v
    }

    /// A command that must fail with `code`: its stdout (a receipt, if one was sent) and
    /// stderr.
    pub(crate) fn refused(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.cmd(args).assert().code(code).get_output().clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// `wallet balance --ss58 COLDKEY`.
    pub(crate) fn balance(&self, coldkey: &str) -> Value {
        self.json(&["wallet", "balance", "--ss58", coldkey])
    }

    /// The account's next nonce (unchanged by a command that sent nothing).
    pub(crate) fn nonce(&self, coldkey: &str) -> u64 {
        self.balance(coldkey)["nonce"].as_u64().unwrap()
    }

    /// Human output of a command that must succeed.
    pub(crate) fn text(&self, args: &[&str]) -> String {
        let mut c = taonet(&self.root);
        c.args(["--no-prompt"])
            .args(args)
            .args(["--rpc", &self.rpc]);
        c.timeout(Duration::from_secs(120));
        String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
    }
}
