//! Request → domain: parses what callers send (addresses, hex transactions, page sizes and
//! cursors), refusing bad input with a code ([`taonet_client::codes`]) and a message that says
//! what was wrong and what to send instead.
//!
//! # Rules
//! - Addresses are SS58, or `0x`-hex of the account id; anything else is `BAD_ADDRESS`.
//! - Transactions are hex (`0x` optional) of their encoding, at most the chain's
//!   `max_transaction_bytes`, decoded consuming the whole input; anything else is
//!   `BAD_TRANSACTION`.
//! - A page holds `limit` entries (default [`DEFAULT_PAGE`], from 1 to [`MAX_PAGE`]; else
//!   `TOO_LARGE`); a cursor is a previous page's `next_cursor`, unchanged (anything else is
//!   `BAD_ADDRESS`).

use commonware_codec::Decode;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::codes;
use taonet_crypto::Ss58;
use taonet_types::{AccountId, ChainParams, Rao, SignedTransaction};

use super::err;

/// Most entries of one page of account history or delegates.
pub(super) const MAX_PAGE: u32 = 1_000;
/// Entries of a page when the caller gives no limit.
pub(super) const DEFAULT_PAGE: u32 = 100;

/// Parses an address: SS58, or `0x`-hex of the account id.
pub(super) fn parse_address(s: &str) -> Result<AccountId, ErrorObjectOwned> {
    AccountId::from_ss58(s)
        .or_else(|e| AccountId::from_hex(s).map_err(|_| e))
        .map_err(|e| err(codes::BAD_ADDRESS, format!("bad address {s:?}: {e}")))
}

/// Decodes a hex-encoded signed transaction with the chain's limits.
pub fn decode_transaction(
    tx_hex: &str,
    params: &ChainParams,
) -> Result<SignedTransaction, ErrorObjectOwned> {
    let digits = tx_hex.trim().strip_prefix("0x").unwrap_or(tx_hex.trim());
    let max = params.max_transaction_bytes as usize;
    if digits.len() > 2 * max {
        return Err(err(
            codes::BAD_TRANSACTION,
            format!(
                "transaction is {} bytes; the limit is {max}",
                digits.len() / 2
            ),
        ));
    }
    let bytes = hex::decode(digits).map_err(|e| {
        err(
            codes::BAD_TRANSACTION,
            format!("transaction is not valid hex: {e}"),
        )
    })?;
    SignedTransaction::decode_cfg(bytes, &()).map_err(|e| {
        err(
            codes::BAD_TRANSACTION,
            format!("transaction does not decode: {e}"),
        )
    })
}

/// A page size: `limit` (default [`DEFAULT_PAGE`]) if at most [`MAX_PAGE`].
pub(super) fn page_limit(limit: Option<u32>) -> Result<u32, ErrorObjectOwned> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        0 => Err(err(codes::TOO_LARGE, "limit must be at least 1")),
        l if l > MAX_PAGE => Err(err(
            codes::TOO_LARGE,
            format!("limit {l} is over the most per page, {MAX_PAGE}; page with the cursor"),
        )),
        l => Ok(l),
    }
}

/// An account history cursor: `<block height>:<index>` (a page's `next_cursor`).
pub(super) fn parse_history_cursor(
    s: &str,
) -> Result<taonet_store::HistoryEntry, ErrorObjectOwned> {
    s.split_once(':')
        .and_then(|(h, i)| {
            Some(taonet_store::HistoryEntry {
                block_height: h.parse().ok()?,
                index: i.parse().ok()?,
            })
        })
        .ok_or_else(|| {
            err(
                codes::BAD_ADDRESS,
                format!("bad cursor {s:?}: pass a page's next_cursor (<height>:<index>)"),
            )
        })
}

/// A delegates cursor: `<total stake in rao>:<hotkey SS58>` (a page's `next_cursor`).
pub(super) fn parse_delegate_cursor(s: &str) -> Result<(Rao, AccountId), ErrorObjectOwned> {
    let bad = || {
        err(
            codes::BAD_ADDRESS,
            format!("bad cursor {s:?}: pass a page's next_cursor (<stake>:<hotkey>)"),
        )
    };
    let (stake, hotkey) = s.split_once(':').ok_or_else(bad)?;
    let stake = stake.parse::<u64>().map_err(|_| bad())?;
    Ok((Rao(stake), parse_address(hotkey)?))
}
