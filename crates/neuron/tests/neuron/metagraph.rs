//! The metagraph against a real single-validator chain: sync, incremental refresh, and the
//! default blacklist and priority built on it.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use taonet_client::Client;
use taonet_crypto::Keypair;
use taonet_neuron::axon::{Blacklist, Priority};
use taonet_neuron::metagraph::{Metagraph, MetagraphBlacklist, StakePriority};
use taonet_node::chain::Chain;
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::NeuronCall;
use taonet_types::{Call, Rao, SignedTransaction, Transaction};

fn sign(pair: &Keypair, nonce: u64, call: Call, chain: &Chain) -> SignedTransaction {
    let tx = Transaction {
        signer: pair.account_id(),
        nonce,
        fee_limit: Rao(1_000_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = pair.sign(&tx.signing_payload(&chain.domain())).0;
    SignedTransaction { tx, signature }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metagraph_syncs_refreshes_and_drives_the_policies() {
    let node = crate::common::DevNode::start(Duration::from_millis(30), None).await;
    let (chain, addr) = (node.chain.clone(), node.addr);
    let client = Client::connect(&format!("ws://{addr}")).await.unwrap();

    // Bob registers his hotkey on subnet 1 as a miner.
    let (bob, bob_hot) = dev_keys("bob");
    let register = sign(
        &bob,
        0,
        Call::Neurons(NeuronCall::BurnedRegister {
            netuid: 1,
            hotkey: bob_hot.account_id(),
            max_burn: Rao(10_000_000_000),
        }),
        &chain,
    );
    client.submit_and_watch(&register, |_| {}).await.unwrap();

    let mut mg = Metagraph::sync(&client, 1).await.unwrap();
    assert_eq!(mg.netuid(), 1);
    assert_eq!(mg.neurons().len(), 2);
    let alice_hot = dev_keys("alice").1;
    assert_eq!(mg.by_uid(0).unwrap().hotkey, alice_hot.ss58());
    assert_eq!(mg.by_hotkey(&bob_hot.ss58()).unwrap().uid, 1);
    assert!(mg.by_hotkey(&dev_keys("carol").1.ss58()).is_none());

    // Refresh re-reads only when the chain moved, and sees the epoch's permits.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let before = mg.block();
        let changed = mg.refresh(&client).await.unwrap();
        assert_eq!(changed, mg.block() != before);
        if mg.by_uid(0).unwrap().validator_permit {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no validator permit after an epoch"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let shared = Arc::new(RwLock::new(mg));
    let blacklist = MetagraphBlacklist {
        metagraph: shared.clone(),
        require_validator_permit: true,
    };
    assert!(
        blacklist
            .blacklist(&alice_hot.ss58(), "EchoSynapse")
            .is_none()
    );
    let refused = blacklist.blacklist(&bob_hot.ss58(), "EchoSynapse").unwrap();
    assert!(refused.contains("Non-validator"), "{refused}");
    let stranger = dev_keys("dave").1.ss58();
    assert!(
        blacklist
            .blacklist(&stranger, "EchoSynapse")
            .unwrap()
            .contains("Unrecognized")
    );
    let open = MetagraphBlacklist {
        metagraph: shared.clone(),
        require_validator_permit: false,
    };
    assert!(open.blacklist(&bob_hot.ss58(), "EchoSynapse").is_none());

    let priority = StakePriority(shared);
    assert!(
        priority.priority(&alice_hot.ss58(), "EchoSynapse")
            > priority.priority(&bob_hot.ss58(), "EchoSynapse")
    );
    assert_eq!(priority.priority(&stranger, "EchoSynapse"), 0.0);

    drop(node);
}
