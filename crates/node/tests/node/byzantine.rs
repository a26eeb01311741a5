//! A double-voting seat: a p2p sender wrapper that, once armed, answers the first notarize
//! vote of its node at or after a given view with a second, conflicting notarize (same round,
//! another payload) signed with the node's own consensus key, sent just before the real one.
//! The node is otherwise the real, honest stack.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use commonware_codec::types::lazy::Lazy;
use commonware_codec::{Copying, DecodeExt, Encode, ReadExt, varint::UInt};
use commonware_consensus::simplex::types::{Notarize, Proposal, Vote};
use commonware_consensus::{Epochable, Viewable};
use commonware_cryptography::certificate::Attestation;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey, Signature};
use commonware_cryptography::{Hasher, Sha256, Signer, sha256};
use commonware_p2p::{CheckedSender, LimitedSender, Recipients};
use commonware_runtime::{IoBuf, IoBufs};
use taonet_node::consensus::{Scheme, vote_namespaces};
use taonet_runtime::evidence::vote_message;
use taonet_types::ChainDomain;
use taonet_types::evidence::VoteProposal;

/// What the wrapper double-votes: the first notarize of epoch `epoch` at or after `view`.
#[derive(Clone)]
pub struct Plan {
    pub key: PrivateKey,
    pub domain: ChainDomain,
    pub epoch: u64,
    pub view: u64,
    /// Set once the conflicting vote went out (one offence only).
    pub done: Arc<AtomicBool>,
    /// The round of the double vote.
    pub round: Arc<Mutex<Option<(u64, u64)>>>,
}

/// A sender that double-votes per its plan (if any) on the votes channel.
#[derive(Clone)]
pub struct MaybeByzantine<S> {
    pub inner: S,
    pub plan: Option<Plan>,
}

pub struct Checked<'a, S: LimitedSender + 'a> {
    checked: S::Checked<'a>,
    extra: S,
    recipients: Recipients<PublicKey>,
    plan: Option<Plan>,
}

/// The conflicting vote for a muxed vote message `bytes` (subchannel prefix + `Vote`), if the
/// plan calls for one now.
fn conflicting(plan: &Plan, bytes: &[u8]) -> Option<Vec<u8>> {
    if plan.done.load(Ordering::SeqCst) {
        return None;
    }
    let mut buf = Copying(bytes);
    let subchannel = UInt::<u64>::read(&mut buf).ok()?;
    let Vote::Notarize(n) = Vote::<Scheme, sha256::Digest>::decode(buf).ok()? else {
        return None;
    };
    let (epoch, view) = (n.epoch().get(), n.view().get());
    if epoch != plan.epoch || view < plan.view {
        return None;
    }
    let payload = Sha256::hash(&[b"conflicting", n.proposal.payload.as_ref()]);
    let proposal = Proposal::new(n.proposal.round, n.proposal.parent, payload);
    let message = vote_message(
        epoch,
        view,
        Some(&VoteProposal {
            parent: n.proposal.parent.get(),
            payload: taonet_types::Hash(payload.0),
        }),
    );
    let ns = vote_namespaces(&plan.domain).notarize;
    let signature: Signature = plan.key.sign(&ns, &message);
    let vote = Vote::<Scheme, sha256::Digest>::Notarize(Notarize {
        proposal,
        attestation: Attestation {
            signer: n.attestation.signer,
            signature: Lazy::from(signature),
        },
    });
    plan.done.store(true, Ordering::SeqCst);
    *plan.round.lock().unwrap() = Some((epoch, view));
    let mut out = UInt(subchannel.0).encode().to_vec();
    out.extend_from_slice(&vote.encode());
    Some(out)
}

impl<'a, S: LimitedSender<PublicKey = PublicKey> + 'a> CheckedSender for Checked<'a, S> {
    type PublicKey = PublicKey;

    fn recipients(&self) -> Vec<PublicKey> {
        self.checked.recipients()
    }

    fn send(
        self,
        message: impl Into<IoBufs> + Send,
        priority: bool,
    ) -> commonware_actor::Unreliable<commonware_actor::Feedback> {
        let message: IoBuf = message.into().coalesce();
        if let Some(extra) = self
            .plan
            .as_ref()
            .and_then(|plan| conflicting(plan, message.as_ref()))
        {
            let mut sender = self.extra.clone();
            let _ =
                commonware_p2p::Sender::send(&mut sender, self.recipients.clone(), extra, priority);
        }
        self.checked.send(message, priority)
    }
}

impl<S: LimitedSender<PublicKey = PublicKey>> LimitedSender for MaybeByzantine<S> {
    type PublicKey = PublicKey;
    type Checked<'a>
        = Checked<'a, S>
    where
        Self: 'a;

    fn check(
        &mut self,
        recipients: Recipients<PublicKey>,
    ) -> Result<Self::Checked<'_>, SystemTime> {
        let extra = self.inner.clone();
        let plan = self.plan.clone();
        let checked = self.inner.check(recipients.clone())?;
        Ok(Checked {
            checked,
            extra,
            recipients,
            plan,
        })
    }
}
