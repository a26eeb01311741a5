//! Pay-per-query access end to end, with real processes: a local chain with two miners, a
//! validator serving as a gateway (`validator run --gateway`), a user who opens a payment
//! channel (`channel open`), pays for queries with vouchers (`query`), the gateway claiming
//! on chain with the miners' share, and the user reclaiming the rest after the expiry
//! (`channel reclaim`). Every balance involved is accounted for to the rao.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_neuron::gateway::{GatewayCallError, GatewayClient, QueryRequest, VoucherPayment};
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::{ChainDomain, StakingCall};
use taonet_types::{Call, Hash, Rao};

use crate::localnet::{HEAVY, Localnet, rt, submit_finalized, tail, taonet_bin};

/// The gateway validator, stopped (SIGTERM, so it makes its final claims) when dropped.
struct GatewayProcess {
    child: Child,
    log: PathBuf,
}

impl GatewayProcess {
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `taonet --json --no-prompt ARGS… --rpc RPC --wallet-path W --wallet-name NAME`.
fn cli(rpc: &str, wallets: &Path, wallet: &str, args: &[&str]) -> Output {
    Command::new(taonet_bin())
        .args(["--json", "--no-prompt"])
        .args(args)
        .args(["--rpc", rpc, "--wallet-name", wallet])
        .arg("--wallet-path")
        .arg(wallets)
        .env_remove("TAONET_WALLET_PASSWORD")
        .output()
        .unwrap()
}

fn json(out: &Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn rao(v: &Value) -> Rao {
    Rao(v.as_u64().unwrap_or_else(|| panic!("not an amount: {v}")))
}

#[test]
fn paid_queries_through_a_gateway_settle_exactly() {
    let _heavy = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let slot = (std::process::id() % 1000) as u16;
    let axon = 40_000 + slot * 8;
    let net = Localnet::up_with(
        1,
        &[
            "--miners",
            "2",
            "--train-bytes",
            "100000",
            "--axon-port",
            &axon.to_string(),
            "--health-port",
            &(axon + 3).to_string(),
            // alice's gateway (the local network's own); this test runs bob's on axon + 7.
            "--gateway-port",
            &(axon + 2).to_string(),
        ],
    );
    let status = net.status();
    let wallets = PathBuf::from(status["wallet_path"].as_str().unwrap());
    let rpc = net.rpc(0);
    let miner_uids: Vec<u64> = status["neurons"].as_array().unwrap()[..2]
        .iter()
        .map(|n| n["uid"].as_u64().unwrap())
        .collect();
    // Bob's subnet validator becomes the gateway: stop the plain one, give it stake (for a
    // validator permit, which the miners require of callers).
    let out = net.run(&["stop", "subnet-validator-1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (bob, bob_hot) = dev_keys("bob");
    let (eve, _) = dev_keys("eve");
    let (charlie, _) = dev_keys("charlie");
    let (dave, _) = dev_keys("dave");
    let runtime = rt();
    let client = runtime.block_on(Client::connect(&rpc)).unwrap();
    let props = runtime.block_on(client.system_properties()).unwrap();
    let domain = ChainDomain {
        chain_id: props.chain_id.clone(),
        genesis_hash: props.genesis_hash,
    };
    runtime.block_on(submit_finalized(
        &client,
        &domain,
        &bob,
        Call::Staking(StakingCall::AddStake {
            hotkey: bob_hot.account_id(),
            amount: Rao(100 * 1_000_000_000),
        }),
    ));
    net.wait_for("bob's hotkey to get a validator permit", || {
        let m = runtime
            .block_on(client.state_get_metagraph(1, false, false))
            .ok()??;
        m.neurons
            .iter()
            .any(|n| n.hotkey == bob_hot.ss58() && n.validator_permit)
            .then_some(())
    });

    let port = axon + 7;
    let url = format!("http://127.0.0.1:{port}");
    let log = net.dir.path().join("neurons/gateway.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let mut gateway = GatewayProcess {
        child: Command::new(taonet_bin())
            .args(["--no-prompt", "validator", "run", "--netuid", "1"])
            .args([
                "--round-interval",
                "2",
                "--query-timeout",
                "5",
                "--alpha",
                "0.5",
                "--allow-private-axons",
            ])
            .args([
                "--gateway",
                "--gateway-listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--price", "0.01", "--price-per-byte", "0.001"])
            .args([
                "--claim-interval",
                "2",
                "--min-blocks-left",
                "8",
                "--top-miners",
                "2",
            ])
            .args(["--wallet-name", "bob", "--hotkey", "default", "--rpc", &rpc])
            .arg("--wallet-path")
            .arg(&wallets)
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap(),
        log: log.clone(),
    };
    let gw = GatewayClient::new(&url, Duration::from_secs(30)).unwrap();
    let price = net.wait_for("the gateway's price list", || {
        runtime.block_on(gw.price()).ok()
    });
    assert_eq!(price.gateway, bob_hot.ss58());
    assert_eq!(
        (price.netuid, price.chain_id.as_str()),
        (1, props.chain_id.as_str())
    );
    assert_eq!(
        (price.per_query, price.per_byte),
        (Rao(10_000_000), Rao(1_000_000))
    );
    let query_price = Rao(10_000_000 + 8 * 1_000_000);

    // Balances before the channel exists.
    let free = |who: &Keypair| {
        runtime
            .block_on(client.state_get_account(who.ss58()))
            .unwrap()
            .free
    };
    let (eve0, bob0, charlie0, dave0) = (free(&eve), free(&bob), free(&charlie), free(&dave));

    // Eve opens a 1 TAO channel to bob's gateway.
    let opened = json(
        &cli(
            &rpc,
            &wallets,
            "eve",
            &[
                "channel",
                "open",
                "--gateway",
                &bob_hot.ss58(),
                "--amount",
                "1",
                "--blocks",
                "90",
            ],
        ),
        "channel open",
    );
    assert_eq!(opened["success"], true, "{opened}");
    let open_fee = rao(&opened["fee"]);
    let id = Hash::from_hex(opened["channel"].as_str().unwrap()).unwrap();
    assert_eq!(rao(&opened["info"]["deposit"]), Rao(1_000_000_000));
    let listed = json(
        &cli(&rpc, &wallets, "eve", &["channel", "list"]),
        "channel list",
    );
    assert_eq!(listed["channels"][0]["id"], opened["channel"], "{listed}");

    // Three paid queries (the first retried until the miners accept the gateway's calls).
    let query = |seed: &str| {
        cli(
            &rpc,
            &wallets,
            "eve",
            &[
                "query",
                "--gateway",
                &url,
                "--netuid",
                "1",
                "--channel",
                &id.to_hex(),
                "--max-bytes",
                "8",
                "--seed",
                seed,
                "the ",
            ],
        )
    };
    let first = net.wait_for("a first paid query to be answered", || {
        let out = query("1");
        out.status.success().then(|| json(&out, "query"))
    });
    let mut answers = vec![first];
    answers.push(json(&query("2"), "query"));
    // Without --channel: the wallet's open channel to this gateway is found and paid from.
    answers.push(json(
        &cli(
            &rpc,
            &wallets,
            "eve",
            &[
                "query",
                "--gateway",
                &url,
                "--max-bytes",
                "8",
                "--seed",
                "3",
                "the ",
            ],
        ),
        "query without --channel",
    ));
    assert_eq!(answers[2]["answer"]["channel"], opened["channel"]);
    for (i, a) in answers.iter().enumerate() {
        let answer = &a["answer"];
        assert_eq!(rao(&answer["paid"]), query_price, "{a}");
        assert_eq!(
            rao(&answer["total_paid"]),
            Rao(query_price.0 * (i as u64 + 1)),
            "cumulative vouchers: {a}"
        );
        assert_eq!(answer["bytes"].as_str().unwrap().len(), 2 + 2 * 8, "{a}");
        let miners = answer["miners"].as_array().unwrap();
        assert!(!miners.is_empty(), "{a}");
        for m in miners {
            assert!(miner_uids.contains(&m["uid"].as_u64().unwrap()), "{m}");
            assert!(m["units"].as_u64().unwrap() > 0);
        }
    }
    let total = Rao(query_price.0 * 3);

    // The gateway refuses a replayed voucher and a forged one, with reasons.
    let replay = QueryRequest {
        channel: id,
        voucher: VoucherPayment {
            amount: total,
            signature: taonet_crypto::voucher::sign(
                &eve,
                taonet_types::channel::Voucher {
                    channel: id,
                    amount: total,
                },
                &domain,
            )
            .signature,
        },
        prompt: "x".into(),
        max_bytes: 8,
        seed: None,
    };
    match runtime.block_on(gw.query(&replay)) {
        Err(GatewayCallError::Refused { status: 402, body }) => {
            assert_eq!(body.error, "voucher_too_low");
            assert_eq!(body.accepted, Some(total));
        }
        other => panic!("replay: {other:?}"),
    }
    let forged = QueryRequest {
        voucher: VoucherPayment {
            amount: Rao(total.0 + query_price.0),
            signature: [7; 64],
        },
        ..replay
    };
    match runtime.block_on(gw.query(&forged)) {
        Err(GatewayCallError::Refused { status: 401, body }) => {
            assert_eq!(body.error, "bad_signature")
        }
        other => panic!("forged: {other:?}"),
    }

    // The gateway claims the highest voucher; the chain pays the miners their share.
    let health = net.wait_for("the gateway to claim every voucher", || {
        let h = runtime.block_on(gw.health()).ok()?;
        (h["claimed"].as_u64() == Some(total.0)).then_some(h)
    });
    let claimed = runtime.block_on(client.channel_get(id)).unwrap().unwrap();
    assert_eq!(claimed.claimed, total);
    let claim_fees: u64 = health["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["fee"].as_u64().unwrap())
        .sum();
    let claims = health["claims"].as_array().unwrap().len() as u64;
    assert!(claims >= 1, "{health}");
    assert_eq!(rao(&health["claimed"]), total, "{health}");
    let to_miners = claimed.paid_to_miners;
    // Half of each claimed increase, rounded down per claim.
    assert!(
        to_miners.0 <= total.0 / 2 && to_miners.0 + claims >= total.0 / 2,
        "{claimed:?}"
    );
    let charlie_gain = free(&charlie).0 - charlie0.0;
    let dave_gain = free(&dave).0 - dave0.0;
    assert_eq!(
        charlie_gain + dave_gain,
        to_miners.0,
        "the miners received exactly their share"
    );
    assert!(charlie_gain > 0 || dave_gain > 0);
    assert_eq!(
        free(&bob).0 + claim_fees,
        bob0.0 + total.0 - to_miners.0,
        "the gateway's owner received the rest, less its claim fees"
    );

    // After the expiry eve takes back the rest.
    net.wait_for("the channel to expire", || {
        runtime
            .block_on(client.channel_get(id))
            .ok()??
            .expired
            .then_some(())
    });
    let reclaimed = json(
        &cli(&rpc, &wallets, "eve", &["channel", "reclaim", &id.to_hex()]),
        "channel reclaim",
    );
    assert_eq!(reclaimed["success"], true, "{reclaimed}");
    assert_eq!(rao(&reclaimed["returned"]), Rao(1_000_000_000 - total.0));
    let reclaim_fee = rao(&reclaimed["fee"]);
    assert!(runtime.block_on(client.channel_get(id)).unwrap().is_none());
    assert_eq!(
        eve0.0 - free(&eve).0,
        total.0 + open_fee.0 + reclaim_fee.0,
        "the user spent exactly the claimed amount plus two fees"
    );
    assert_eq!(
        runtime
            .block_on(client.state_get_supply())
            .unwrap()
            .total_channels,
        Rao::ZERO
    );

    let status = gateway.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "gateway exit {status:?}:\n{}",
        tail(&gateway.log, 30)
    );
    let book = wallets.join("bob/gateway/default-netuid1.json");
    assert!(book.exists(), "the voucher book is kept in the wallet");
}
