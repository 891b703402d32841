//! Stripe's webhook events (`POST /webhooks/stripe`), read for what the OMS acts on: which
//! payment the event is about and what kind of news it is. What happened is then read from the
//! gateway itself (the intent's state now, its refunds now), so events that arrive late, twice
//! or out of order change nothing that the later state does not. Only a dispute is taken from
//! the event, which is signed: it is a fact that is only ever added.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::channels::fields::{clean_text, parse_json};
use crate::channels::PayloadError;

/// What an event tells the OMS to look at again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PaymentNews {
    /// The intent changed (`payment_intent.succeeded`, `.payment_failed`,
    /// `.amount_capturable_updated`, `.canceled`): its state decides.
    IntentChanged,
    /// Money went back (`charge.refunded`), perhaps from Stripe's dashboard.
    Refunded,
    /// The customer's bank disputes the charge (`charge.dispute.created`).
    Disputed(Dispute),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// `dp_...`
    pub id: String,
    /// In the currency's minor units.
    pub amount: i64,
    pub currency: String,
    /// Stripe's reason (`fraudulent`, `product_not_received`, ...).
    pub reason: String,
}

/// One event, as far as the OMS cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// `evt_...`: deliveries of one event share it.
    pub id: String,
    pub kind: String,
    /// The payment it is about and the news; `None` for kinds the OMS does not act on.
    pub about: Option<(String, PaymentNews)>,
}

/// The event kinds the OMS acts on.
pub const HANDLED_KINDS: [&str; 6] = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.amount_capturable_updated",
    "payment_intent.canceled",
    "charge.refunded",
    "charge.dispute.created",
];

fn invalid(message: impl Into<String>) -> PayloadError {
    PayloadError::new("invalid_event", message)
}

/// A Stripe object id: its prefix, then letters and digits.
fn object_id(value: &Value, prefix: &str, field: &str) -> Result<String, PayloadError> {
    let id = value
        .as_str()
        .ok_or_else(|| invalid(format!("{field} must be a string")))?;
    let plain = id.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 250 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if plain {
        Ok(id.to_string())
    } else {
        Err(invalid(format!("{field} must be a {prefix}... id")))
    }
}

fn expect_object(object: &Value, expected: &str) -> Result<(), PayloadError> {
    if object["object"].as_str() == Some(expected) {
        Ok(())
    } else {
        Err(invalid(format!("data.object must be a {expected}")))
    }
}

/// Parses a webhook body (already verified against its signature).
pub fn parse_event(body: &[u8]) -> Result<StripeEvent, PayloadError> {
    let event: Value = parse_json(body, "the event")?;
    if !event.is_object() {
        return Err(invalid("an event is a JSON object"));
    }
    if event["object"].as_str() != Some("event") {
        return Err(invalid("object must be \"event\""));
    }
    let id = object_id(&event["id"], "evt_", "id")?;
    let kind = event["type"]
        .as_str()
        .filter(|k| {
            !k.is_empty()
                && k.len() <= 100
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
        })
        .ok_or_else(|| invalid("type must be an event type such as payment_intent.succeeded"))?
        .to_string();
    let object = &event["data"]["object"];
    if !object.is_object() {
        return Err(invalid("data.object must be an object"));
    }
    let about = match kind.as_str() {
        "payment_intent.succeeded"
        | "payment_intent.payment_failed"
        | "payment_intent.amount_capturable_updated"
        | "payment_intent.canceled" => {
            expect_object(object, "payment_intent")?;
            Some((
                object_id(&object["id"], "pi_", "data.object.id")?,
                PaymentNews::IntentChanged,
            ))
        }
        "charge.refunded" => {
            expect_object(object, "charge")?;
            // A charge made without an intent is none of ours.
            match &object["payment_intent"] {
                Value::Null => None,
                pi => Some((
                    object_id(pi, "pi_", "data.object.payment_intent")?,
                    PaymentNews::Refunded,
                )),
            }
        }
        "charge.dispute.created" => {
            expect_object(object, "dispute")?;
            match &object["payment_intent"] {
                Value::Null => None,
                pi => Some((
                    object_id(pi, "pi_", "data.object.payment_intent")?,
                    PaymentNews::Disputed(dispute(object)?),
                )),
            }
        }
        _ => None,
    };
    Ok(StripeEvent { id, kind, about })
}

fn dispute(object: &Value) -> Result<Dispute, PayloadError> {
    let amount = object["amount"]
        .as_i64()
        .filter(|a| (0..=99_999_999_999).contains(a))
        .ok_or_else(|| {
            invalid("data.object.amount must be a whole number of minor units, 0 or more")
        })?;
    let currency = object["currency"]
        .as_str()
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .ok_or_else(|| invalid("data.object.currency must be a three-letter code"))?
        .to_ascii_uppercase();
    let reason = object["reason"]
        .as_str()
        .map(|r| clean_text(r, 60))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "general".into());
    Ok(Dispute {
        id: object_id(&object["id"], "dp_", "data.object.id")?,
        amount,
        currency,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "evt_1", "object": "event", "type": kind, "data": {"object": object}
        }))
        .unwrap()
    }

    #[test]
    fn stripes_own_sample_is_read() {
        let sample =
            include_bytes!("../../../../tests/fixtures/stripe/payment-intent-succeeded.json");
        let event = parse_event(sample).unwrap();
        assert_eq!(event.id, "evt_3Qsample0000000001");
        assert_eq!(
            event.about,
            Some(("pi_3Qsample0000000001".into(), PaymentNews::IntentChanged))
        );
    }

    #[test]
    fn intent_events_name_the_intent() {
        for kind in &HANDLED_KINDS[..4] {
            let parsed = parse_event(&event(
                kind,
                json!({"id": "pi_9", "object": "payment_intent"}),
            ))
            .unwrap();
            assert_eq!(
                parsed.about,
                Some(("pi_9".into(), PaymentNews::IntentChanged))
            );
        }
    }

    #[test]
    fn refunds_and_disputes_name_the_intent_of_their_charge() {
        let refunded = parse_event(&event(
            "charge.refunded",
            json!({"id": "ch_1", "object": "charge", "payment_intent": "pi_9"}),
        ))
        .unwrap();
        assert_eq!(refunded.about, Some(("pi_9".into(), PaymentNews::Refunded)));
        let disputed = parse_event(&event(
            "charge.dispute.created",
            json!({"id": "dp_1", "object": "dispute", "payment_intent": "pi_9",
                   "amount": 2000, "currency": "usd", "reason": "fraudulent"}),
        ))
        .unwrap();
        let Some((_, PaymentNews::Disputed(dispute))) = disputed.about else {
            panic!("a dispute");
        };
        assert_eq!((dispute.amount, dispute.currency.as_str()), (2000, "USD"));
    }

    #[test]
    fn other_kinds_are_read_but_not_acted_on() {
        let other = parse_event(&event("customer.created", json!({"id": "cus_1"}))).unwrap();
        assert_eq!(
            (other.kind.as_str(), other.about),
            ("customer.created", None)
        );
    }

    #[test]
    fn broken_events_are_refused() {
        for (body, why) in [
            (
                event(
                    "payment_intent.succeeded",
                    json!({"id": "ch_1", "object": "payment_intent"}),
                ),
                "not an intent id",
            ),
            (
                event(
                    "payment_intent.succeeded",
                    json!({"id": "pi_1", "object": "charge"}),
                ),
                "not an intent",
            ),
            (
                event(
                    "charge.dispute.created",
                    json!({"id": "dp_1", "object": "dispute", "payment_intent": "pi_1", "amount": -1, "currency": "usd"}),
                ),
                "negative",
            ),
            (
                event(
                    "charge.dispute.created",
                    json!({"id": "dp_1", "object": "dispute", "payment_intent": "pi_1", "amount": 1e30, "currency": "usd"}),
                ),
                "huge",
            ),
            (
                br#"{"id":"evt_1","object":"event","type":"X","data":{"object":{}}}"#.to_vec(),
                "odd type",
            ),
            (
                br#"{"id":"evt 1","object":"event","type":"a.b","data":{"object":{}}}"#.to_vec(),
                "odd id",
            ),
        ] {
            assert_eq!(
                parse_event(&body).unwrap_err().code,
                "invalid_event",
                "{why}"
            );
        }
    }
}
