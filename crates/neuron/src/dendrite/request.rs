//! The signed request of a call (see the dendrite's "Request" and "Nonces and lanes"):
//! strictly increasing nonces, lanes (a uuid per in-flight call), the bittensor 10 headers
//! and body, and [`Dendrite::build_request`] / [`Dendrite::build_json_request`].

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{AxonTarget, Dendrite, Headers, random_uuid};
use crate::error::DendriteError;
use crate::nonce::now_ns;
use crate::synapse::{
    BITTENSOR_VERSION, Synapse, SynapseMessage, TerminalInfo, body_hash_of_value,
};

impl Dendrite {
    pub(super) fn next_nonce(&self) -> u64 {
        let now = now_ns();
        let prev = self.last_nonce.fetch_max(now, Ordering::AcqRel);
        if prev < now {
            now
        } else {
            self.last_nonce.fetch_add(1, Ordering::AcqRel) + 1
        }
    }

    fn take_lane(&self) -> String {
        self.lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(random_uuid)
    }

    fn put_lane(&self, lane: String) {
        self.lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lane);
    }

    /// Builds the signed request for `target` (exposed for tests that tamper with it).
    pub fn build_request<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
        uuid: &str,
        nonce: u64,
    ) -> Result<(Headers, Vec<u8>), DendriteError> {
        let value = serde_json::to_value(SynapseMessage::new(synapse.clone()))?;
        self.build_json_request(
            target,
            S::NAME,
            value,
            S::REQUIRED_HASH_FIELDS,
            timeout,
            uuid,
            nonce,
        )
    }

    /// Builds the signed request for a synapse given as a JSON object (route `name`,
    /// hashing `required_hash_fields` of it in order): fills `name`, `timeout`, the
    /// `dendrite` and `axon` terminals, and the other base fields where absent; signs
    /// `<nonce>.<our hotkey>.<axon hotkey>.<uuid>.<body hash>`. Exposed for tests that tamper
    /// with it; [`Dendrite::call_json`] is the normal way.
    #[allow(clippy::too_many_arguments)]
    pub fn build_json_request<F: AsRef<str>>(
        &self,
        target: &AxonTarget,
        name: &str,
        synapse: serde_json::Value,
        required_hash_fields: &[F],
        timeout: Duration,
        uuid: &str,
        nonce: u64,
    ) -> Result<(Headers, Vec<u8>), DendriteError> {
        let kind = json_kind(&synapse);
        let hash = body_hash_of_value(&synapse, required_hash_fields)?;
        let serde_json::Value::Object(mut fields) = synapse else {
            return Err(DendriteError::NotAnObject(kind));
        };
        let message = format!("{nonce}.{}.{}.{uuid}.{hash}", self.hotkey, target.hotkey);
        let signature = self.keypair.sign(message.as_bytes()).to_hex();
        let timeout_s = timeout.as_secs_f64();
        let dendrite = TerminalInfo {
            ip: Some(self.config.external_ip.clone()),
            version: Some(BITTENSOR_VERSION),
            nonce: Some(nonce),
            uuid: Some(uuid.to_string()),
            hotkey: Some(self.hotkey.clone()),
            signature: Some(signature.clone()),
            ..TerminalInfo::default()
        };
        let axon = TerminalInfo {
            ip: Some(target.addr.ip().to_string()),
            port: Some(target.addr.port()),
            hotkey: Some(target.hotkey.clone()),
            ..TerminalInfo::default()
        };
        fields.insert("name".to_string(), name.into());
        fields.insert("timeout".to_string(), timeout_s.into());
        fields.insert("dendrite".to_string(), serde_json::to_value(&dendrite)?);
        fields.insert("axon".to_string(), serde_json::to_value(&axon)?);
        for (field, default) in [
            ("total_size", serde_json::Value::from(0)),
            ("header_size", serde_json::Value::from(0)),
            ("computed_body_hash", serde_json::Value::from("")),
        ] {
            fields.entry(field).or_insert(default);
        }
        let body = serde_json::to_vec(&fields)?;
        let headers = vec![
            ("name".to_string(), name.to_string()),
            ("timeout".to_string(), format!("{timeout_s:?}")),
            (
                "bt_header_axon_ip".to_string(),
                target.addr.ip().to_string(),
            ),
            (
                "bt_header_axon_port".to_string(),
                target.addr.port().to_string(),
            ),
            ("bt_header_axon_hotkey".to_string(), target.hotkey.clone()),
            (
                "bt_header_dendrite_ip".to_string(),
                self.config.external_ip.clone(),
            ),
            (
                "bt_header_dendrite_version".to_string(),
                BITTENSOR_VERSION.to_string(),
            ),
            ("bt_header_dendrite_nonce".to_string(), nonce.to_string()),
            ("bt_header_dendrite_uuid".to_string(), uuid.to_string()),
            ("bt_header_dendrite_hotkey".to_string(), self.hotkey.clone()),
            ("bt_header_dendrite_signature".to_string(), signature),
            ("header_size".to_string(), "0".to_string()),
            ("total_size".to_string(), body.len().to_string()),
            ("computed_body_hash".to_string(), hash),
            ("content-type".to_string(), "application/json".to_string()),
        ];
        Ok((headers, body))
    }

    /// Signs `build` with a lane and a fresh nonce, runs `send` on the result and gives the
    /// lane back: the one place calls take their uuid and nonce.
    pub(super) async fn signed<T, Fut>(
        &self,
        build: impl FnOnce(&str, u64) -> Result<(Headers, Vec<u8>), DendriteError>,
        send: impl FnOnce(Headers, Vec<u8>) -> Fut,
    ) -> Result<T, DendriteError>
    where
        Fut: Future<Output = T>,
    {
        let lane = self.take_lane();
        let nonce = self.next_nonce();
        let result = match build(&lane, nonce) {
            Ok((headers, body)) => Ok(send(headers, body).await),
            Err(e) => Err(e),
        };
        self.put_lane(lane);
        result
    }
}

pub(super) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
