//! Payment channels: pay-per-query access to a gateway, settled on chain.
//!
//! A user locks TAO in a channel to a gateway (a validator's hotkey), pays for each query
//! off chain with a signed voucher for the cumulative amount, and the gateway redeems the
//! highest voucher before the channel expires; afterwards the user takes back the rest.
//! Types, the channel id, the voucher format and the payment split are in
//! [`taonet_types::channel`]; signatures are checked with `taonet_crypto::voucher`.
//!
//! # Rules
//! - **Open** (`channels.open { gateway, deposit, expiry }`, signed by the opener's coldkey):
//!   `deposit > 0` (`ZeroDeposit`) and ≥ the existential deposit (`DepositBelowMinimum`); the
//!   gateway hotkey has an owner coldkey — it is registered on a subnet, associated or staked
//!   on (`UnknownGateway`); `height < expiry ≤ height + max_channel_duration` (`ExpiryInPast`,
//!   `ExpiryTooFar`); the signer holds the deposit free (`InsufficientBalance`). The deposit
//!   moves from the signer's free balance into the channel (and `globals.total_channels`);
//!   the channel's id is `channel_id(signer, nonce of the transaction)`.
//! - **Top up** (`channels.top_up { channel, amount, expiry }`): by the opener (`NotOpener`)
//!   while `height < expiry` (`ChannelExpired`); the new expiry is not earlier than the
//!   current one (`ExpiryShortened`) and within `max_channel_duration` of now
//!   (`ExpiryTooFar`); it must add TAO or move the expiry (`NothingToChange`); `amount` moves
//!   from the signer's free balance into the channel.
//! - **Claim** (`channels.claim { channel, voucher, netuid, miners }`), checked in this
//!   order: the channel is open (`UnknownChannel`); the voucher names it
//!   (`VoucherForAnotherChannel`); the signer owns the gateway hotkey *now*
//!   (`NotGatewayOwner`); `height < expiry` (`ChannelExpired`); the voucher is signed by the
//!   opener for this chain (`BadVoucherSignature`); `amount ≤ deposit` (`Overspend`);
//!   `amount > claimed` (`VoucherNotIncreasing`); if miners are listed, the subnet exists
//!   (`SubnetNotFound`) and each uid is on it (`UnknownMiner`), listed once
//!   (`DuplicateMiner`) with units > 0 (`ZeroUnits`), at most 256 (`TooManyMiners`). Then the
//!   increase `Δ = amount − claimed` leaves the channel and is paid as free balance:
//!   `⌊Δ · query_miner_share_ppb / 10⁹⌋` to the listed miners' owner coldkeys pro rata by
//!   units (rounding rao by largest remainder, [`split_payment`]), the rest to the signer.
//!   `claimed` becomes `amount`. With no miners listed the signer gets all of Δ. The chain
//!   cannot know which miners really answered; it only enforces the split the gateway
//!   declares (and publishes it, for anyone to check against the gateway's answers).
//! - **Reclaim** (`channels.reclaim { channel }`): by the opener (`NotOpener`) once `height ≥
//!   expiry` (`NotYetExpired`): `deposit − claimed` returns to the opener's free balance and
//!   the channel record is removed (a voucher for it is then refused as `UnknownChannel`).
//! - **Exactness**: nothing is minted or burned. `globals.total_channels` = Σ (deposit −
//!   claimed) over open channels and is part of the issuance invariant; every payout from a
//!   channel is at most what it holds, so the sum paid out of a channel never exceeds its
//!   deposits.

use serde::Serialize;
use taonet_types::channel::{
    MAX_CLAIM_MINERS, MinerShare, PaymentChannel, SignedVoucher, channel_id, split_payment,
};
use taonet_types::{AccountId, BlockNumber, ChainDomain, Hash, NetUid, Rao, Uid};

use crate::state::State;

/// Why a payment-channel call (open, top up, claim, reclaim) was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ChannelError {
    /// A channel opened (or topped up) with nothing.
    #[error("the deposit must be greater than zero")]
    ZeroDeposit,
    /// A deposit below the existential deposit (dust channels are refused).
    #[error(
        "the deposit {deposit} TAO is below the minimum of {minimum} TAO (the existential deposit)"
    )]
    DepositBelowMinimum {
        /// The deposit offered.
        deposit: Rao,
        /// The existential deposit.
        minimum: Rao,
    },
    /// The signer's free balance cannot pay the deposit or top-up.
    #[error("the deposit is {needed} TAO but only {available} TAO is free")]
    InsufficientBalance {
        /// The amount to move into the channel.
        needed: Rao,
        /// The signer's free balance.
        available: Rao,
    },
    /// The gateway hotkey (the field) has no owner coldkey.
    #[error(
        "gateway hotkey {0} has no owner: a gateway must be registered on a subnet, associated with a coldkey or staked on"
    )]
    UnknownGateway(AccountId),
    /// An expiry that is not in the future.
    #[error("expiry block {expiry} is not after the current block {height}")]
    ExpiryInPast {
        /// The expiry given.
        expiry: BlockNumber,
        /// The height of the block being applied.
        height: BlockNumber,
    },
    /// An expiry beyond `max_channel_duration`.
    #[error(
        "expiry block {expiry} is too far ahead: channels may last at most {max_duration} blocks (expiry ≤ {latest})"
    )]
    ExpiryTooFar {
        /// The expiry given.
        expiry: BlockNumber,
        /// `max_channel_duration`.
        max_duration: u64,
        /// The latest expiry allowed now.
        latest: BlockNumber,
    },
    /// A top-up that would bring the expiry forward.
    #[error("the new expiry {requested} is before the channel's current expiry {current}")]
    ExpiryShortened {
        /// The channel's expiry.
        current: BlockNumber,
        /// The expiry given.
        requested: BlockNumber,
    },
    /// A top-up that adds nothing and keeps the expiry.
    #[error("the top-up changes nothing: add an amount or move the expiry later")]
    NothingToChange,
    /// The id is taken (cannot happen: ids hash the signer's nonce).
    #[error("channel {0} already exists")]
    AlreadyExists(Hash),
    /// No open channel has this id.
    #[error("channel {0} does not exist (never opened, or already reclaimed)")]
    UnknownChannel(Hash),
    /// A top-up or reclaim signed by someone other than the opener.
    #[error("only the coldkey that opened channel {0} may do this")]
    NotOpener(Hash),
    /// The claim is signed by someone other than the gateway hotkey's owner.
    #[error("channel {channel} pays gateway {gateway}; only that hotkey's owner coldkey may claim")]
    NotGatewayOwner {
        /// The channel's id.
        channel: Hash,
        /// Its gateway hotkey.
        gateway: AccountId,
    },
    /// A claim or top-up at or after the expiry.
    #[error("channel {channel} expired at block {expiry} (now {height}); it can only be reclaimed")]
    ChannelExpired {
        /// The channel's id.
        channel: Hash,
        /// The channel's expiry: the first block at which it can no longer be claimed.
        expiry: BlockNumber,
        /// The height of the block being applied.
        height: BlockNumber,
    },
    /// A reclaim before the expiry.
    #[error("channel {channel} can be reclaimed from block {expiry} (now {height})")]
    NotYetExpired {
        /// The channel's id.
        channel: Hash,
        /// The channel's expiry: the first block at which it can be reclaimed.
        expiry: BlockNumber,
        /// The height of the block being applied.
        height: BlockNumber,
    },
    /// The voucher names a different channel.
    #[error("the voucher is for channel {voucher}, not channel {channel}")]
    VoucherForAnotherChannel {
        /// The channel in the voucher.
        voucher: Hash,
        /// The channel claimed.
        channel: Hash,
    },
    /// The voucher is not signed by the channel's opener for this chain.
    #[error(
        "the voucher's signature does not verify: it must be signed by the channel's opener for this chain"
    )]
    BadVoucherSignature,
    /// A voucher for more than the deposit.
    #[error("the voucher for {amount} TAO overspends the channel's deposit of {deposit} TAO")]
    Overspend {
        /// The voucher's cumulative amount.
        amount: Rao,
        /// The channel's deposit.
        deposit: Rao,
    },
    /// A voucher not above what was already claimed.
    #[error("the voucher for {amount} TAO is not above the {claimed} TAO already claimed")]
    VoucherNotIncreasing {
        /// The voucher's cumulative amount.
        amount: Rao,
        /// What the gateway has claimed from the channel so far.
        claimed: Rao,
    },
    /// The miners' subnet does not exist.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// A miner uid that is not on the subnet.
    #[error("uid {uid} does not exist on subnet {netuid}")]
    UnknownMiner {
        /// The subnet the miners are on.
        netuid: NetUid,
        /// The uid that is not on it.
        uid: Uid,
    },
    /// A miner uid (the field) listed twice.
    #[error("miner uid {0} is listed more than once")]
    DuplicateMiner(Uid),
    /// A miner uid (the field) with zero units.
    #[error("miner uid {0} has zero units; list only miners that contributed")]
    ZeroUnits(Uid),
    /// Too many miners (the decoder already refuses more).
    #[error("{count} miners listed; at most {max}")]
    TooManyMiners {
        /// The number of miners listed.
        count: usize,
        /// The most a claim may list.
        max: usize,
    },
    /// Arithmetic overflow (a balance above the supply).
    #[error("channel arithmetic overflow")]
    Overflow,
}

/// What a claim paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimPayout {
    /// The increase over the previous claim (the total paid out).
    pub delta: Rao,
    /// Paid to the gateway's owner coldkey.
    pub to_gateway: Rao,
    /// Paid to each listed miner: uid, its hotkey's owner coldkey, amount (list order).
    pub to_miners: Vec<(Uid, AccountId, Rao)>,
}

impl State {
    /// A channel by id.
    pub fn channel(&self, id: &Hash) -> Option<&PaymentChannel> {
        self.channels.get(id)
    }

    /// Every open channel `who` opened or whose gateway hotkey `who` is (or owns), by id.
    pub fn channels_of(&self, who: &AccountId) -> Vec<(Hash, PaymentChannel)> {
        self.channels
            .iter()
            .filter(|(_, c)| {
                c.opener == *who || c.gateway == *who || self.hotkey_owner(&c.gateway) == Some(*who)
            })
            .map(|(id, c)| (*id, c.clone()))
            .collect()
    }

    fn check_expiry(&self, expiry: BlockNumber) -> Result<(), ChannelError> {
        let height = self.globals.height;
        if expiry <= height {
            return Err(ChannelError::ExpiryInPast { expiry, height });
        }
        let max_duration = self.params().max_channel_duration;
        let latest = height.saturating_add(max_duration);
        if expiry > latest {
            return Err(ChannelError::ExpiryTooFar {
                expiry,
                max_duration,
                latest,
            });
        }
        Ok(())
    }

    /// Moves `amount` from `who`'s free balance into the channels' total.
    fn lock_in_channel(&mut self, who: &AccountId, amount: Rao) -> Result<(), ChannelError> {
        let available = self.free(who);
        if available < amount {
            return Err(ChannelError::InsufficientBalance {
                needed: amount,
                available,
            });
        }
        let total = self
            .globals
            .total_channels
            .checked_add(amount)
            .ok_or(ChannelError::Overflow)?;
        self.debit(who, amount)
            .map_err(|_| ChannelError::InsufficientBalance {
                needed: amount,
                available,
            })?;
        self.globals_mut().total_channels = total;
        Ok(())
    }

    /// Takes `amount` out of the channels' total (the caller credits it somewhere).
    fn release_from_channels(&mut self, amount: Rao) -> Result<(), ChannelError> {
        let g = self.globals_mut();
        g.total_channels = g
            .total_channels
            .checked_sub(amount)
            .ok_or(ChannelError::Overflow)?;
        Ok(())
    }

    /// `channels.open`, by `signer` in its transaction of nonce `nonce`; returns the id.
    pub fn open_channel(
        &mut self,
        signer: &AccountId,
        nonce: u64,
        gateway: &AccountId,
        deposit: Rao,
        expiry: BlockNumber,
    ) -> Result<Hash, ChannelError> {
        if deposit == Rao::ZERO {
            return Err(ChannelError::ZeroDeposit);
        }
        let minimum = self.params().existential_deposit;
        if deposit < minimum {
            return Err(ChannelError::DepositBelowMinimum { deposit, minimum });
        }
        if self.hotkey_owner(gateway).is_none() {
            return Err(ChannelError::UnknownGateway(*gateway));
        }
        self.check_expiry(expiry)?;
        let id = channel_id(signer, nonce);
        if self.channels.contains_key(&id) {
            return Err(ChannelError::AlreadyExists(id));
        }
        self.lock_in_channel(signer, deposit)?;
        let opened_at = self.globals.height;
        self.channels.insert(
            id,
            PaymentChannel {
                opener: *signer,
                gateway: *gateway,
                deposit,
                claimed: Rao::ZERO,
                paid_to_miners: Rao::ZERO,
                expiry,
                opened_at,
            },
        );
        Ok(id)
    }

    /// Open channel `id` (`UnknownChannel` if there is none).
    fn existing_channel(&self, id: &Hash) -> Result<PaymentChannel, ChannelError> {
        self.channel(id)
            .cloned()
            .ok_or(ChannelError::UnknownChannel(*id))
    }

    /// Open channel `id`, which `signer` must have opened (`NotOpener`).
    fn opened_channel(
        &self,
        signer: &AccountId,
        id: &Hash,
    ) -> Result<PaymentChannel, ChannelError> {
        let c = self.existing_channel(id)?;
        if c.opener != *signer {
            return Err(ChannelError::NotOpener(*id));
        }
        Ok(c)
    }

    /// `channels.top_up`.
    pub fn top_up_channel(
        &mut self,
        signer: &AccountId,
        id: &Hash,
        amount: Rao,
        expiry: BlockNumber,
    ) -> Result<(), ChannelError> {
        let c = self.opened_channel(signer, id)?;
        let height = self.globals.height;
        if height >= c.expiry {
            return Err(ChannelError::ChannelExpired {
                channel: *id,
                expiry: c.expiry,
                height,
            });
        }
        if expiry < c.expiry {
            return Err(ChannelError::ExpiryShortened {
                current: c.expiry,
                requested: expiry,
            });
        }
        if amount == Rao::ZERO && expiry == c.expiry {
            return Err(ChannelError::NothingToChange);
        }
        if expiry > c.expiry {
            self.check_expiry(expiry)?;
        }
        let deposit = c
            .deposit
            .checked_add(amount)
            .ok_or(ChannelError::Overflow)?;
        self.lock_in_channel(signer, amount)?;
        if let Some(rec) = self.channels.get_mut(id) {
            rec.deposit = deposit;
            rec.expiry = expiry;
        }
        Ok(())
    }

    /// `channels.claim`, signed by `signer`; what it paid.
    pub fn claim_channel(
        &mut self,
        domain: &ChainDomain,
        signer: &AccountId,
        id: &Hash,
        voucher: &SignedVoucher,
        netuid: NetUid,
        miners: &[MinerShare],
    ) -> Result<ClaimPayout, ChannelError> {
        let c = self.existing_channel(id)?;
        if voucher.voucher.channel != *id {
            return Err(ChannelError::VoucherForAnotherChannel {
                voucher: voucher.voucher.channel,
                channel: *id,
            });
        }
        if self.hotkey_owner(&c.gateway) != Some(*signer) {
            return Err(ChannelError::NotGatewayOwner {
                channel: *id,
                gateway: c.gateway,
            });
        }
        let height = self.globals.height;
        if height >= c.expiry {
            return Err(ChannelError::ChannelExpired {
                channel: *id,
                expiry: c.expiry,
                height,
            });
        }
        if !taonet_crypto::voucher::verify(&c.opener, voucher, domain) {
            return Err(ChannelError::BadVoucherSignature);
        }
        let amount = voucher.voucher.amount;
        if amount > c.deposit {
            return Err(ChannelError::Overspend {
                amount,
                deposit: c.deposit,
            });
        }
        if amount <= c.claimed {
            return Err(ChannelError::VoucherNotIncreasing {
                amount,
                claimed: c.claimed,
            });
        }
        let recipients = self.miner_recipients(netuid, miners)?;
        let delta = amount.saturating_sub(c.claimed);
        let (to_gateway, parts) = split_payment(delta, self.params().query_miner_share_ppb, miners);
        self.release_from_channels(delta)?;
        let mut to_miners = Vec::with_capacity(miners.len());
        let mut paid_to_miners = c.paid_to_miners;
        for ((m, coldkey), part) in miners.iter().zip(recipients).zip(parts) {
            self.credit(&coldkey, part)
                .map_err(|_| ChannelError::Overflow)?;
            paid_to_miners = paid_to_miners
                .checked_add(part)
                .ok_or(ChannelError::Overflow)?;
            to_miners.push((m.uid, coldkey, part));
        }
        self.credit(signer, to_gateway)
            .map_err(|_| ChannelError::Overflow)?;
        if let Some(rec) = self.channels.get_mut(id) {
            rec.claimed = amount;
            rec.paid_to_miners = paid_to_miners;
        }
        Ok(ClaimPayout {
            delta,
            to_gateway,
            to_miners,
        })
    }

    /// The owner coldkeys of the listed miners, after checking the list.
    fn miner_recipients(
        &self,
        netuid: NetUid,
        miners: &[MinerShare],
    ) -> Result<Vec<AccountId>, ChannelError> {
        if miners.is_empty() {
            return Ok(Vec::new());
        }
        if miners.len() > MAX_CLAIM_MINERS {
            return Err(ChannelError::TooManyMiners {
                count: miners.len(),
                max: MAX_CLAIM_MINERS,
            });
        }
        if !self.subnets.contains_key(&netuid) {
            return Err(ChannelError::SubnetNotFound(netuid));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::with_capacity(miners.len());
        for m in miners {
            if !seen.insert(m.uid) {
                return Err(ChannelError::DuplicateMiner(m.uid));
            }
            if m.units == 0 {
                return Err(ChannelError::ZeroUnits(m.uid));
            }
            let neuron = self
                .neurons
                .get(&(netuid, m.uid))
                .ok_or(ChannelError::UnknownMiner { netuid, uid: m.uid })?;
            // Every registered hotkey has an owner; one without would be paid nothing.
            let owner = self
                .hotkey_owner(&neuron.hotkey)
                .ok_or(ChannelError::UnknownMiner { netuid, uid: m.uid })?;
            out.push(owner);
        }
        Ok(out)
    }

    /// `channels.reclaim`; returns what went back to the opener.
    pub fn reclaim_channel(&mut self, signer: &AccountId, id: &Hash) -> Result<Rao, ChannelError> {
        let c = self.opened_channel(signer, id)?;
        let height = self.globals.height;
        if height < c.expiry {
            return Err(ChannelError::NotYetExpired {
                channel: *id,
                expiry: c.expiry,
                height,
            });
        }
        let rest = c.remaining();
        self.release_from_channels(rest)?;
        self.credit(signer, rest)
            .map_err(|_| ChannelError::Overflow)?;
        self.channels.remove(id);
        Ok(rest)
    }
}
