//! Protocol versions in the runtime: which rules a block runs under, scheduled upgrades, and
//! the migrations that run once at an upgrade's height.
//!
//! # Rules
//! - The state records the protocol version the chain runs (`Globals::protocol_version`,
//!   [`taonet_types::protocol::GENESIS_VERSION`] at genesis) and at most one scheduled
//!   upgrade (`Globals::pending_upgrade`). The version a block at height `h` must carry is
//!   the pending upgrade's version if `h ≥` its height, else the current one
//!   ([`State::version_at`]). A block carrying another version is invalid
//!   (`BlockError::Version`).
//! - A build runs versions up to its `max_version` (by default
//!   [`taonet_types::protocol::PROTOCOL_VERSION`]; a node can be told less, to rehearse an
//!   upgrade with an old binary). A block that needs a later version is refused with
//!   `BlockError::UnsupportedVersion`, which names the version, the upgrade's height and
//!   name: a node stops there instead of following a fork.
//! - **Activation**: the first block at or after the height starts by running the version's
//!   migration ([`State::activate_upgrade`]), then sets the version and clears the schedule;
//!   the whole block runs under the new rules.
//! - **Scheduling** (`governance.propose` with `ScheduleUpgrade`): the version is exactly the
//!   current one plus one (`UpgradeVersion`), no other upgrade is scheduled
//!   (`UpgradeAlreadyScheduled`), the name is valid, and the height leaves room for the vote
//!   and the execution delay: `height > now + gov_voting_period + gov_execution_delay`
//!   (`UpgradeTooSoon`). At execution the same holds against the block of execution (else
//!   the execution fails and is recorded). **Cancelling** (`CancelUpgrade { version }`): at
//!   execution, the scheduled upgrade has that version and its height is still ahead.
//! - **The rules that changed** ([`Rules`], by version):
//!   - version 1: a fee goes to the treasury (`treasury_fee_share`) and to the proposer's
//!     owner (the rest);
//!   - version 2: the same treasury share, and half of the rest is **burned**
//!     (`Globals::total_fees_burned` counts it; it is also in `total_burned`).
//! - **Migrations** (deterministic, once, at activation): version 2 writes the globals record
//!   in format 2 (which adds `total_fees_burned`, starting at zero).
//! - What governance can change without an upgrade is a parameter
//!   ([`taonet_types::params`]); anything else (a formula, an encoding, a new call) is a rule
//!   and takes an upgrade.

use taonet_types::gov::PPB;
use taonet_types::protocol::Upgrade;
use taonet_types::{BlockNumber, Rao};

use crate::state::State;

/// The rules that differ between protocol versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Share of the proposer's part of every fee that is burned, in parts per billion.
    pub proposer_fee_burn_ppb: u32,
}

impl Rules {
    /// The rules of protocol `version` (versions after the newest known use the newest).
    pub fn of(version: u32) -> Rules {
        match version {
            0 | 1 => Rules {
                proposer_fee_burn_ppb: 0,
            },
            _ => Rules {
                proposer_fee_burn_ppb: PPB / 2,
            },
        }
    }
}

/// How a fee is split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSplit {
    /// To the block proposer's owner.
    pub proposer: Rao,
    /// To the treasury.
    pub treasury: Rao,
    /// Burned (protocol 2 on).
    pub burned: Rao,
}

impl State {
    /// The protocol version the chain runs now.
    pub fn protocol_version(&self) -> u32 {
        self.globals.protocol_version
    }

    /// The upgrade governance scheduled, if any.
    pub fn pending_upgrade(&self) -> Option<&Upgrade> {
        self.globals.pending_upgrade.as_ref()
    }

    /// The version a block at `height` must carry (module rules).
    pub fn version_at(&self, height: BlockNumber) -> u32 {
        match &self.globals.pending_upgrade {
            Some(u) if height >= u.height => u.version,
            _ => self.globals.protocol_version,
        }
    }

    /// The rules in force now.
    pub fn rules(&self) -> Rules {
        Rules::of(self.globals.protocol_version)
    }

    /// Runs the scheduled upgrade if `height` reached it: the migration, then the version.
    /// Returns the upgrade that became active.
    pub(crate) fn activate_upgrade(&mut self, height: BlockNumber) -> Option<Upgrade> {
        let upgrade = self
            .globals
            .pending_upgrade
            .clone()
            .filter(|u| height >= u.height)?;
        self.migrate(upgrade.version);
        let g = self.globals_mut();
        g.protocol_version = upgrade.version;
        g.pending_upgrade = None;
        Some(upgrade)
    }

    /// The migration into `version` (module rules).
    fn migrate(&mut self, version: u32) {
        if version == 2 {
            // Format 2 of the globals record: `total_fees_burned` from zero. Marking the
            // globals dirty rewrites the record in the new format at this block's commit.
            self.globals_mut().total_fees_burned = Rao::ZERO;
        }
    }

    /// Splits a fee under the rules in force: the treasury gets `fee · treasury_fee_share /
    /// 10⁹` rounded down; of the rest, protocol 2 burns half (rounded down); the proposer's
    /// owner gets what remains.
    pub fn fee_split(&self, fee: Rao) -> FeeSplit {
        let share = u128::from(self.params().treasury_fee_share.min(PPB));
        let treasury = ppb_of(fee, share);
        let rest = fee.saturating_sub(treasury);
        let burned = ppb_of(
            rest,
            u128::from(self.rules().proposer_fee_burn_ppb.min(PPB)),
        );
        FeeSplit {
            proposer: rest.saturating_sub(burned),
            treasury,
            burned,
        }
    }

    /// Burns the burned part of a fee (already debited from its payer).
    pub(crate) fn burn_fee(&mut self, burned: Rao) {
        if burned == Rao::ZERO {
            return;
        }
        let g = self.globals_mut();
        g.total_issuance = g.total_issuance.saturating_sub(burned);
        g.total_burned = g.total_burned.saturating_add(burned);
        g.total_fees_burned = g.total_fees_burned.saturating_add(burned);
    }
}

/// `⌊amount · ppb / 10⁹⌋`.
fn ppb_of(amount: Rao, ppb: u128) -> Rao {
    let v = u128::from(amount.0) * ppb / u128::from(PPB);
    Rao(u64::try_from(v).unwrap_or(u64::MAX))
}
