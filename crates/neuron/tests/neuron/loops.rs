//! The miner and validator loops end to end on a real single-producer chain, with a toy
//! subnet (the echo synapse: answer 2·value + sum(items)): miners register themselves,
//! publish their axons and answer; two validators score them and set weights; after a few
//! epochs the exact miner has the highest incentive and the validators' rows agree.

use std::sync::Arc;
use std::time::{Duration, Instant};

use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_neuron::health::read;
use taonet_neuron::miner::{Miner, MinerConfig, Register};
use taonet_neuron::tx::TxSender;
use taonet_neuron::validator::{Validator, ValidatorConfig};
use taonet_neuron::{Dendrite, DendriteConfig, ForwardError, Score, Subnet};
use taonet_runtime::genesis::dev_keys;
use taonet_types::params::HyperparamUpdate;
use taonet_types::tx::{NeuronCall, StakingCall, SubnetCall};
use taonet_types::{Call, RAO_PER_TAO, Rao};

use crate::common::EchoSynapse;

/// The toy subnet: reward 1 / (1 + |error|), metric = |error|.
struct EchoSubnet;

impl Subnet for EchoSubnet {
    type Synapse = EchoSynapse;
    type Challenge = i64;

    fn name(&self) -> &str {
        "echo"
    }

    fn challenge(&self, seed: [u8; 32]) -> (EchoSynapse, i64) {
        let value = i64::from(seed[0]) - 128;
        let items: Vec<i64> = seed[1..6].iter().map(|b| i64::from(*b)).collect();
        let s = EchoSynapse::new(value, items);
        let expected = s.expected();
        (s, expected)
    }

    fn score(&self, expected: &i64, answer: Option<&EchoSynapse>) -> Score {
        match answer.and_then(|a| a.output) {
            Some(out) => {
                let err = (out - expected).unsigned_abs() as f64;
                Score {
                    reward: 1.0 / (1.0 + err),
                    metric: err,
                }
            }
            None => Score {
                reward: 0.0,
                metric: f64::INFINITY,
            },
        }
    }
}

fn miner_model(error: i64) -> impl Fn(EchoSynapse) -> Result<EchoSynapse, ForwardError> {
    move |mut s: EchoSynapse| {
        s.output = Some(s.expected() + error);
        Ok(s)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn miners_and_validators_put_the_best_miner_first() {
    network(false).await;
}

/// The same with commit-reveal on: weights reach the chain only through reveals.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validators_commit_and_reveal_when_the_subnet_requires_it() {
    network(true).await;
}

async fn network(commit_reveal: bool) {
    let node = crate::common::DevNode::start(Duration::from_millis(40), Some(100_000)).await;
    let addr = node.addr;
    let url = format!("http://{addr}");
    let rpc = Arc::new(TxSender::connect(&url).await.unwrap());

    if commit_reveal {
        let (alice, _) = dev_keys("alice");
        rpc.submit(
            &alice,
            Call::Subnets(SubnetCall::SetHyperparameter {
                netuid: 1,
                update: HyperparamUpdate::CommitRevealEnabled(true),
            }),
        )
        .await
        .unwrap();
    }

    // Bob's hotkey becomes the second validator: registered and staked.
    let (bob, bob_hot) = dev_keys("bob");
    rpc.submit(
        &bob,
        Call::Neurons(NeuronCall::BurnedRegister {
            netuid: 1,
            hotkey: bob_hot.account_id(),
            max_burn: Rao(10 * RAO_PER_TAO),
        }),
    )
    .await
    .unwrap();
    rpc.submit(
        &bob,
        Call::Staking(StakingCall::AddStake {
            hotkey: bob_hot.account_id(),
            amount: Rao(5_000 * RAO_PER_TAO),
        }),
    )
    .await
    .unwrap();

    // Three miners of decreasing quality register themselves.
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let mut miners = Vec::new();
    for (name, error) in [("charlie", 0i64), ("dave", 3), ("eve", 40)] {
        let (cold, hot) = dev_keys(name);
        let mut cfg = MinerConfig::new(1);
        cfg.register = Some(Register {
            coldkey: cold,
            max_burn: Rao(10 * RAO_PER_TAO),
        });
        cfg.refresh_interval = Duration::from_millis(300);
        let miner = Miner::new(hot.clone(), rpc.clone(), miner_model(error), cfg);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let health = miner.health();
        let sd = shutdown.clone();
        tokio::spawn(async move { miner.run(listener, sd.notified()).await.unwrap() });
        miners.push((hot, health));
    }
    // A "miner" whose model always fails scores nothing.
    {
        let (cold, hot) = dev_keys("ferdie");
        let mut cfg = MinerConfig::new(1);
        cfg.register = Some(Register {
            coldkey: cold,
            max_burn: Rao(10 * RAO_PER_TAO),
        });
        cfg.refresh_interval = Duration::from_millis(300);
        let broken = |_: EchoSynapse| -> Result<EchoSynapse, ForwardError> {
            Err(ForwardError("model crashed".into()))
        };
        let miner = Miner::new(hot.clone(), rpc.clone(), broken, cfg);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let health = miner.health();
        let sd = shutdown.clone();
        tokio::spawn(async move { miner.run(listener, sd.notified()).await.unwrap() });
        miners.push((hot, health));
    }

    let mut validators = Vec::new();
    for (i, hot) in [dev_keys("alice").1, bob_hot.clone()]
        .into_iter()
        .enumerate()
    {
        let mut cfg = ValidatorConfig::new(1);
        cfg.round_interval = Duration::from_millis(200);
        cfg.query_timeout = Duration::from_secs(2);
        cfg.moving_average_alpha = 0.5;
        cfg.weights_interval = Some(5);
        cfg.master_seed = Some([i as u8; 32]);
        // The miners' axons are on 127.0.0.1.
        let dendrite = Dendrite::new(
            hot.clone(),
            DendriteConfig {
                allow_private_axons: true,
                ..DendriteConfig::default()
            },
        );
        let v = Validator::new(EchoSubnet, hot.clone(), rpc.clone(), dendrite, cfg);
        let health = v.health();
        let sd = shutdown.clone();
        tokio::spawn(async move { v.run(sd.notified()).await });
        validators.push((hot, health));
    }

    let client = Client::connect(&format!("ws://{addr}")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    let (best, second, third, broken) = (
        miners[0].0.ss58(),
        miners[1].0.ss58(),
        miners[2].0.ss58(),
        miners[3].0.ss58(),
    );
    loop {
        let m = client
            .state_get_metagraph(1, true, false)
            .await
            .unwrap()
            .unwrap();
        let by = |hk: &str| m.neurons.iter().find(|n| n.hotkey == hk).cloned();
        // The broken miner may register and publish last: wait until it was queried too.
        let done = validators
            .iter()
            .all(|(_, h)| read(h).last_weights_block.is_some())
            && read(&miners[3].1).failed > 0
            && match (by(&best), by(&second), by(&third), by(&broken)) {
                (Some(a), Some(b), Some(c), Some(d)) => {
                    a.incentive > b.incentive
                        && b.incentive > c.incentive
                        && c.incentive > d.incentive
                }
                _ => false,
            };
        if done {
            // Both validators rank the miners the same way.
            for (hot, _) in &validators {
                let row = by(&hot.ss58()).unwrap().weights.unwrap();
                let w = |hk: &str| {
                    let uid = by(hk).unwrap().uid;
                    row.iter()
                        .find(|(u, _)| *u == uid)
                        .map(|(_, w)| *w)
                        .unwrap_or(0)
                };
                assert_eq!(w(&best), 65535, "validator {}", hot.ss58());
                assert!(w(&best) > w(&second) && w(&second) > w(&third));
                assert_eq!(w(&broken), 0);
            }
            let h = read(&validators[0].1);
            assert!(h.rounds > 0, "{h:?}");
            if commit_reveal {
                // Reveals only: at least one commit and one reveal went through.
                assert!(h.weights_transactions >= 2, "{h:?}");
            }
            let mh = read(&miners[0].1);
            assert!(mh.answered > 0 && mh.published.is_some(), "{mh:?}");
            assert_eq!(read(&miners[3].1).answered, 0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "incentives never ordered the miners: {:?}\nvalidators: {:?}",
            m.neurons
                .iter()
                .map(|n| (n.uid, n.incentive, n.validator_permit))
                .collect::<Vec<_>>(),
            validators.iter().map(|(_, h)| read(h)).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    shutdown.notify_waiters();
    drop(node);
    let _: &Keypair = &bob;
}
