//! Attaching routes: the JSON route every synapse is ([`Axon::attach_json`]), and the
//! typed adapters around it ([`Axon::attach`], [`Axon::attach_stream`]) that parse the body
//! into a [`Synapse`] (a body that does not fit → 400) and answer JSON or a stream.

use std::future::Future;
use std::sync::Arc;

use super::{Axon, Caller, ChunkStream, ForwardError, JsonForward, Reply, Route};
use crate::synapse::{Synapse, SynapseMessage, python_str};

impl Axon {
    /// Attaches `forward` for synapse `S` (replacing an earlier one of the same name).
    pub fn attach<S, F, Fut>(self, forward: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<S, ForwardError>> + Send + 'static,
    {
        let forward = Arc::new(forward);
        self.attach_json(S::NAME, hash_fields::<S>(), move |value, caller| {
            let forward = forward.clone();
            async move {
                let mut msg = match typed_request::<S>(value) {
                    Ok(msg) => msg,
                    Err(refusal) => return Ok(refusal),
                };
                msg.fields = forward(msg.fields, caller).await?;
                serde_json::to_value(&msg)
                    .map(Reply::Json)
                    .map_err(|e| ForwardError(format!("cannot serialise the answer: {e}")))
            }
        })
    }

    /// Attaches a route whose synapse type is known only at run time: `name` is the route
    /// (the Python class name) and `required_hash_fields` the fields the body hash covers,
    /// in order. Every check of the typed routes runs first (the same code); `forward` gets
    /// the verified request body parsed as a JSON object (base and subnet fields together,
    /// its `dendrite` terminal replaced by the verified one of the headers) and the caller.
    /// Replaces an earlier route of the same name.
    pub fn attach_json<F, Fut>(
        mut self,
        name: impl Into<String>,
        required_hash_fields: Vec<String>,
        forward: F,
    ) -> Self
    where
        F: Fn(serde_json::Value, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, ForwardError>> + Send + 'static,
    {
        let name = name.into();
        let forward: Arc<JsonForward> =
            Arc::new(move |value, caller| Box::pin(forward(value, caller)));
        let route = Arc::new(Route {
            hash_fields: required_hash_fields,
            forward,
        });
        self.routes.retain(|(n, _)| *n != name);
        self.routes.push((name, route));
        self
    }

    /// Typed streaming route (bittensor's StreamingSynapse): `forward` gets the request
    /// synapse and answers with chunks, sent as they come ([`Reply::Stream`]). Replaces an
    /// earlier route of the same name.
    pub fn attach_stream<S, F, Fut>(self, forward: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ChunkStream, ForwardError>> + Send + 'static,
    {
        let forward = Arc::new(forward);
        self.attach_json(S::NAME, hash_fields::<S>(), move |value, caller| {
            let forward = forward.clone();
            async move {
                match typed_request::<S>(value) {
                    Ok(msg) => forward(msg.fields, caller).await.map(Reply::Stream),
                    Err(refusal) => Ok(refusal),
                }
            }
        })
    }
}

pub(super) fn python_str_repr_item(s: &str) -> String {
    python_str(&serde_json::Value::Array(vec![serde_json::Value::String(
        s.to_string(),
    )]))
    .map(|l| l.trim_start_matches('[').trim_end_matches(']').to_string())
    .unwrap_or_else(|_| format!("'{s}'"))
}

fn hash_fields<S: Synapse>() -> Vec<String> {
    S::REQUIRED_HASH_FIELDS
        .iter()
        .map(|f| f.to_string())
        .collect()
}

/// The request body as a typed synapse, or the 400 refusal when it does not fit `S`.
fn typed_request<S: Synapse>(value: serde_json::Value) -> Result<SynapseMessage<S>, Reply> {
    serde_json::from_value(value).map_err(|e| Reply::Refuse {
        status: 400,
        message: format!("Invalid synapse body: {e}"),
    })
}
