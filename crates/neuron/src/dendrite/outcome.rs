//! How an answer, or its absence, becomes an [`Outcome`] and terminals (see the
//! dendrite's "JSON synapses"): the axon's status codes, our own bittensor codes when it did
//! not answer, and the dendrite terminal finished as the Python dendrite finishes it.

use std::time::Duration;

#[cfg(doc)]
use super::JsonCallResult;
use super::Outcome;
use crate::error::DendriteError;
use crate::synapse::TerminalInfo;

impl Outcome {
    /// The bittensor status code and message of an outcome the axon did not answer itself
    /// (what the Python dendrite puts in `synapse.dendrite`): timeout 408 `Request timeout
    /// after <t> seconds`, unreachable 503 `Service unavailable at …`, non-public 503 with
    /// the refusal, a request not sent 400; an answered status is itself.
    pub fn local_status(&self, timeout: Duration) -> (u16, String) {
        match self {
            Outcome::Success => (200, "Success".to_string()),
            Outcome::Timeout => (
                408,
                format!("Request timeout after {:?} seconds", timeout.as_secs_f64()),
            ),
            Outcome::Blacklisted(m) => (403, m.clone()),
            Outcome::FailedVerification(m) => (401, m.clone()),
            Outcome::Unreachable(m) | Outcome::NonPublicAddress(m) => (503, m.clone()),
            Outcome::Status { code, message } => (*code, message.clone()),
        }
    }
}

/// A 200 body that does not parse (bittensor's 422).
pub(super) fn unparsable(e: serde_json::Error) -> Outcome {
    Outcome::Status {
        code: 422,
        message: format!("Failed to parse response: {e}"),
    }
}

/// A request that could not be built: nothing was sent.
pub(super) fn not_sent(e: &DendriteError) -> Outcome {
    Outcome::Status {
        code: 400,
        message: format!("the synapse was not sent: {e}"),
    }
}

/// The outcome of a non-200 answer, its message (the body's `message`, else the body as
/// text) and the body as JSON if it is JSON.
pub(super) fn error_outcome(
    status: u16,
    body: &[u8],
) -> (Outcome, String, Option<serde_json::Value>) {
    let json = serde_json::from_slice::<serde_json::Value>(body).ok();
    let message = json
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let outcome = match status {
        401 => Outcome::FailedVerification(message.clone()),
        403 => Outcome::Blacklisted(message.clone()),
        408 => Outcome::Timeout,
        code => Outcome::Status {
            code,
            message: message.clone(),
        },
    };
    (outcome, message, json)
}

/// What the axon's `bt_header_axon_*` response headers say.
pub(super) fn header_terminal(headers: &hyper::HeaderMap) -> TerminalInfo {
    TerminalInfo::from_headers(
        |n| headers.get(n).and_then(|v| v.to_str().ok()),
        "bt_header_axon_",
        false,
    )
    .unwrap_or_default()
}

/// The dendrite terminal our request headers carry.
pub(super) fn sent_terminal(headers: &[(String, String)]) -> TerminalInfo {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    TerminalInfo::from_headers(get, "bt_header_dendrite_", false).unwrap_or_default()
}

/// Status of an outcome the axon did not answer (see [`JsonCallResult::axon`]).
pub(super) fn set_local_status(axon: &mut TerminalInfo, outcome: &Outcome, timeout: Duration) {
    let (code, message) = outcome.local_status(timeout);
    axon.status_code = Some(code);
    axon.status_message = Some(message);
}

/// As the Python dendrite: our terminal takes the axon's status, and the call's time.
pub(super) fn finish_dendrite(dendrite: &mut TerminalInfo, axon: &TerminalInfo, elapsed: Duration) {
    dendrite.status_code = axon.status_code;
    dendrite.status_message.clone_from(&axon.status_message);
    dendrite.process_time = Some(elapsed.as_secs_f64());
}
