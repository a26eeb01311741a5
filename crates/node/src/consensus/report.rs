//! Reporting the evidence a node keeps: `consensus.report_equivocation` transactions.
//!
//! # Rules
//! - Runs only when the node has a reporter account ([`super::ConsensusParams`]'s
//!   `evidence_reporter`; `taonet node run --evidence-keyfile FILE`, and `localnet up` gives
//!   each validator node its development coldkey): any funded sr25519 account. It signs each
//!   report and pays the normal transaction fee.
//! - Every [`REPORT_INTERVAL`] the [`EvidenceSubmitter`] walks the evidence log. A record with
//!   runtime evidence (`Evidence::equivocation`) is reported when
//!   1. a dry run of the report on a copy of the finalized state succeeds (the offence is not
//!      yet processed, not stale, the epoch's seats are known, both signatures verify) —
//!      evidence that can no longer be accepted is never sent;
//!   2. no report of the same offence (by anyone: reports gossip) is waiting in the mempool;
//!   3. this node did not send one in the last [`RESUBMIT_AFTER_BLOCKS`] finalized blocks.
//! - A report goes into the node's own mempool (nonce = the reporter's next free nonce, fee
//!   limit twice the current fee), which gossips it to every peer; the next proposer includes
//!   it and every node verifies it again while applying the block. Two nodes may still report
//!   one offence in the same block: the first slashes, the second is refused as a duplicate
//!   (and pays its fee).
//! - End to end (node test `a_double_voting_seat_is_slashed_and_jailed_on_every_node`): in a
//!   deterministic 4-seat simulation one seat signs a second, conflicting notarize once; the
//!   honest nodes detect it, block it on p2p, report it, and all apply the same single slash
//!   and jail (same blocks, same state roots) while finalizing past the epoch boundary on
//!   three seats; the offender is not in the seats of epoch 2.

use std::collections::BTreeMap;
use std::time::Duration;

use commonware_codec::EncodeSize;
use taonet_crypto::Keypair;
use taonet_runtime::transaction_fee;
use taonet_types::evidence::Equivocation;
use taonet_types::tx::ConsensusCall;
use taonet_types::{Call, Hash, Rao, SignedTransaction, Transaction};

use super::evidence::EvidenceLog;
use crate::chain::Chain;

/// How often the evidence log is looked at.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(1);

/// Finalized blocks after which an offence still not processed is reported again.
pub const RESUBMIT_AFTER_BLOCKS: u64 = 10;

/// Sends the evidence of a log as transactions (module rules).
pub struct EvidenceSubmitter {
    chain: Chain,
    log: EvidenceLog,
    reporter: Keypair,
    /// Offence id → (report transaction, finalized height when it was sent).
    sent: BTreeMap<Hash, (Hash, u64)>,
}

fn offence_of(tx: &SignedTransaction) -> Option<Hash> {
    match &tx.tx.call {
        Call::Consensus(ConsensusCall::ReportEquivocation { evidence }) => {
            Some(evidence.offence_id())
        }
        _ => None,
    }
}

impl EvidenceSubmitter {
    /// A submitter for `log`, reporting with `reporter`.
    pub fn new(chain: Chain, log: EvidenceLog, reporter: Keypair) -> Self {
        EvidenceSubmitter {
            chain,
            log,
            reporter,
            sent: BTreeMap::new(),
        }
    }

    /// The signed report of `evidence` with `nonce`, paying at most twice the current fee.
    fn report(&self, evidence: &Equivocation, nonce: u64) -> SignedTransaction {
        let state = self.chain.finalized_state();
        let domain = self.chain.domain();
        let call = Call::Consensus(ConsensusCall::ReportEquivocation {
            evidence: Box::new(*evidence),
        });
        let sign = |fee_limit: Rao| {
            let tx = Transaction {
                signer: self.reporter.account_id(),
                nonce,
                fee_limit,
                tip: Rao::ZERO,
                call: call.clone(),
            };
            let signature = self.reporter.sign(&tx.signing_payload(&domain)).0;
            SignedTransaction { tx, signature }
        };
        let size = sign(Rao::ZERO).encode_size();
        let fee = transaction_fee(&state, &call, size);
        sign(Rao(fee.0.saturating_mul(2)))
    }

    /// One pass over the log (module rules). Returns the hashes of the reports sent.
    pub fn tick(&mut self) -> Vec<Hash> {
        let state = self.chain.finalized_state();
        let height = state.height();
        let domain = self.chain.runtime_domain();
        self.sent.retain(|id, _| state.offence(id).is_none());
        let in_pool: Vec<Hash> = self
            .chain
            .mempool()
            .pending(usize::MAX)
            .iter()
            .filter_map(offence_of)
            .collect();
        let mut reported = Vec::new();
        for record in self.log.all() {
            let Some(evidence) = record.equivocation else {
                continue;
            };
            let id = evidence.offence_id();
            if in_pool.contains(&id) {
                continue;
            }
            if self
                .sent
                .get(&id)
                .is_some_and(|(_, at)| height < at.saturating_add(RESUBMIT_AFTER_BLOCKS))
            {
                continue;
            }
            let mut dry_run = state.clone();
            if let Err(e) = dry_run.report_equivocation(domain, &evidence) {
                tracing::debug!(epoch = evidence.epoch, view = evidence.view, error = %e,
                    "evidence not reportable");
                continue;
            }
            let nonce = self.chain.mempool().next_nonce(&self.reporter.account_id());
            let tx = self.report(&evidence, nonce);
            match self.chain.mempool().submit(tx) {
                Ok(hash) => {
                    tracing::warn!(epoch = evidence.epoch, view = evidence.view,
                        offender = ?record.hotkey, tx = %hash, "reported equivocation");
                    self.sent.insert(id, (hash, height));
                    reported.push(hash);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not submit an equivocation report");
                }
            }
        }
        reported
    }
}
