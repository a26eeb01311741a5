//! JSON (run-time typed) routes: `Axon::attach_json` and `Dendrite::call_json` share the
//! typed routes' pipeline and interoperate with typed synapses in both directions.

use std::time::Duration;

use serde_json::{Value, json};
use taonet_neuron::{AllowAll, Axon, AxonConfig, AxonHandle, ForwardError, Outcome, Reply};

use crate::common::*;

fn echo_fields() -> Vec<String> {
    vec!["value".to_string(), "items".to_string()]
}

/// An axon serving `EchoSynapse` as a JSON route (output = 2·value + sum(items), `seen` =
/// the caller hotkey as the forward's body says, `caller` = the verified one) and routes
/// that refuse, fail or answer nonsense.
async fn json_axon() -> AxonHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Axon::new(miner(), AxonConfig::default(), AllowAll)
        .attach_json(
            "EchoSynapse",
            echo_fields(),
            |mut v: Value, caller| async move {
                let value = v["value"].as_i64().unwrap_or_default();
                let sum: i64 = v["items"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).sum())
                    .unwrap_or_default();
                if v["text"] == "slow" {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                v["output"] = json!(2 * value + sum);
                v["seen"] = v["dendrite"]["hotkey"].clone();
                v["caller"] = json!(caller.hotkey);
                Ok(Reply::Json(v))
            },
        )
        .attach_json("Gate", vec![], |v: Value, _| async move {
            let status = v["status"].as_u64().unwrap_or(403) as u16;
            Ok(Reply::Refuse {
                status,
                message: format!("Forbidden. Key is blacklisted: {}.", v["why"]),
            })
        })
        .attach_json("Broken", vec![], |v: Value, _| async move {
            match v["mode"].as_str() {
                Some("error") => Err(ForwardError("secret cause".into())),
                _ => Ok(Reply::Json(json!([1, 2, 3]))),
            }
        })
        .serve(listener)
        .unwrap()
}

#[tokio::test]
async fn json_route_answers_json_and_typed_calls() {
    let a = json_axon().await;
    let t = target(a.local_addr);
    let d = dendrite();
    let r = d
        .call_json(
            &t,
            "EchoSynapse",
            json!({"value": 7, "items": [1, 2]}),
            &echo_fields(),
            T,
        )
        .await;
    assert_eq!(r.outcome, Outcome::Success, "{:?}", r.axon);
    let body = r.body.unwrap();
    assert_eq!(body["output"], 17);
    assert_eq!(body["name"], "EchoSynapse");
    assert_eq!(body["axon"]["status_code"], 200);
    assert_eq!(body["caller"], validator().ss58());
    assert_eq!(body["seen"], validator().ss58());
    assert_eq!(r.axon.status_code, Some(200));
    assert_eq!(r.axon.status_message.as_deref(), Some("Success"));
    assert_eq!(r.axon.hotkey, Some(miner().ss58()));
    assert!(r.axon.process_time.is_some());
    assert_eq!(r.dendrite.hotkey, Some(validator().ss58()));
    assert_eq!(r.dendrite.status_code, Some(200));
    assert!(r.dendrite.nonce.is_some() && r.dendrite.signature.is_some());
    assert!(r.dendrite.uuid.is_some());

    // A typed dendrite call to the JSON route.
    let typed = d
        .call(&t, &EchoSynapse::new(5, vec![1, 1]), T)
        .await
        .unwrap();
    assert_eq!(typed.outcome, Outcome::Success);
    assert_eq!(typed.synapse.unwrap().output, Some(12));
    assert_eq!(typed.base.unwrap().axon.unwrap().status_code, Some(200));

    // A JSON call to a typed route.
    let typed_axon = default_axon().await;
    let r = d
        .call_json(
            &target(typed_axon.local_addr),
            "EchoSynapse",
            json!({"value": 3, "items": [4]}),
            &echo_fields(),
            T,
        )
        .await;
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(r.body.unwrap()["output"], 10);
    // The ping route takes a JSON synapse without fields.
    let r = d.call_json(&t, "Synapse", json!({}), &[], T).await;
    assert!(r.is_success(), "{:?}", r.outcome);
}

#[tokio::test]
async fn json_route_enforces_its_hash_fields_and_the_verified_caller() {
    let a = json_axon().await;
    let t = target(a.local_addr);
    let d = dendrite();
    let send = |headers, body: Value| {
        let (d, t) = (&d, &t);
        async move {
            d.send_json(
                t,
                "EchoSynapse",
                headers,
                serde_json::to_vec(&body).unwrap(),
                T,
            )
            .await
        }
    };
    let build = |uuid: &str, fields: &[&str]| {
        let (h, body) = d
            .build_json_request(
                &t,
                "EchoSynapse",
                json!({"value": 1, "items": [2]}),
                fields,
                T,
                uuid,
                now_ns(),
            )
            .unwrap();
        (h, serde_json::from_slice::<Value>(&body).unwrap())
    };
    // A hashed field changed after signing → 500, as on typed routes.
    let (h, mut body) = build("j-tamper", &["value", "items"]);
    body["items"] = json!([2, 1000]);
    let r = send(h, body).await;
    match &r.outcome {
        Outcome::Status { code: 500, message } => {
            assert!(message.starts_with("Internal Server Error #"), "{message}")
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(r.axon.status_code, Some(500));
    // The route hashes the fields it was attached with: signing over `value` only fails.
    let (h, body) = build("j-fewer", &["value"]);
    assert!(matches!(
        send(h, body).await.outcome,
        Outcome::Status { code: 500, .. }
    ));
    // An unhashed field may change (as in the reference) ...
    let (h, mut body) = build("j-text", &["value", "items"]);
    body["text"] = json!("changed");
    // ... but a forged caller in the body is replaced by the verified one.
    body["dendrite"]["hotkey"] = json!(miner().ss58());
    let r = send(h, body).await;
    assert!(r.is_success(), "{:?}", r.outcome);
    let out = r.body.unwrap();
    assert_eq!(out["text"], "changed");
    assert_eq!(out["seen"], validator().ss58());
    // A forged signature on a JSON route is 401 before the forward runs.
    let (mut h, body) = build("j-forged", &["value", "items"]);
    set(
        &mut h,
        "bt_header_dendrite_signature",
        validator().sign(b"x").to_hex(),
    );
    let r = send(h, body).await;
    assert!(
        matches!(r.outcome, Outcome::FailedVerification(_)),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.axon.status_code, Some(401));
}

#[tokio::test]
async fn refusals_errors_and_local_failures_carry_statuses() {
    let a = json_axon().await;
    let t = target(a.local_addr);
    let d = dendrite();
    // Reply::Refuse reaches the dendrite as the axon's own errors do.
    let r = d
        .call_json(&t, "Gate", json!({"why": "no stake"}), &[], T)
        .await;
    let want = "Forbidden. Key is blacklisted: \"no stake\".";
    assert_eq!(r.outcome, Outcome::Blacklisted(want.to_string()));
    assert_eq!(r.axon.status_code, Some(403));
    assert_eq!(r.axon.status_message.as_deref(), Some(want));
    assert_eq!(r.dendrite.status_code, Some(403));
    assert!(r.body.is_none());
    let r = d
        .call_json(&t, "Gate", json!({"status": 429, "why": 1}), &[], T)
        .await;
    assert!(
        matches!(r.outcome, Outcome::Status { code: 429, .. }),
        "{:?}",
        r.outcome
    );
    // A refusal with a non-error status is answered 500.
    let r = d
        .call_json(&t, "Gate", json!({"status": 200}), &[], T)
        .await;
    assert!(
        matches!(r.outcome, Outcome::Status { code: 500, .. }),
        "{:?}",
        r.outcome
    );
    // A failing forward and a forward answering a non-object are 500 with a hidden cause.
    for mode in ["error", "array"] {
        let r = d
            .call_json(&t, "Broken", json!({"mode": mode}), &[], T)
            .await;
        match &r.outcome {
            Outcome::Status { code: 500, message } => {
                assert!(message.starts_with("Internal Server Error #"), "{message}");
                assert!(!message.contains("secret"), "{message}");
            }
            o => panic!("{mode}: {o:?}"),
        }
    }
    // Not a JSON object: not sent.
    let r = d
        .call_json(&t, "EchoSynapse", json!([1]), &echo_fields(), T)
        .await;
    match &r.outcome {
        Outcome::Status { code: 400, message } => {
            assert!(
                message.contains("JSON object") && message.contains("an array"),
                "{message}"
            )
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(r.axon.status_code, Some(400));
    // Our deadline: 408 with bittensor's message.
    let r = d
        .call_json(
            &t,
            "EchoSynapse",
            json!({"value": 1, "text": "slow"}),
            &echo_fields(),
            Duration::from_millis(100),
        )
        .await;
    assert_eq!(r.outcome, Outcome::Timeout);
    assert_eq!(r.axon.status_code, Some(408));
    assert_eq!(
        r.axon.status_message.as_deref(),
        Some("Request timeout after 0.1 seconds")
    );
    // Nobody listening: 503.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let r = d
        .call_json(&target(closed), "EchoSynapse", json!({}), &echo_fields(), T)
        .await;
    assert!(
        matches!(r.outcome, Outcome::Unreachable(_)),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.axon.status_code, Some(503));
    let msg = r.axon.status_message.unwrap();
    assert!(
        msg.starts_with(&format!("Service unavailable at {closed}/EchoSynapse")),
        "{msg}"
    );
    assert_eq!(r.dendrite.status_code, Some(503));
    // An unknown route lists the JSON routes like the typed ones.
    let r = d.call(&t, &crate::common::Unattached {}, T).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Status {
            code: 404,
            message: "Synapse name 'Unattached' not found. Available synapses ['Synapse', 'EchoSynapse', 'Gate', 'Broken']".into()
        }
    );
}
