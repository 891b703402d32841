//! Stripe's PaymentIntent, as its API answers it: the few fields the OMS decides by.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Canceled,
    Succeeded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub status: IntentStatus,
    /// In the currency's minor units.
    pub amount: i64,
    /// Lower case, as Stripe writes it.
    pub currency: String,
    /// Why the last attempt failed, in Stripe's words.
    pub last_error: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    id: String,
    object: String,
    status: IntentStatus,
    amount: i64,
    currency: String,
    #[serde(default)]
    last_payment_error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PaymentIntent: {0}")]
pub struct NotAnIntent(String);

/// A PaymentIntent from Stripe's JSON; anything else (another object, a missing field, an
/// unknown status, a negative amount) is refused.
pub fn parse_intent(body: &[u8]) -> Result<Intent, NotAnIntent> {
    let wire: Wire = serde_json::from_slice(body).map_err(|e| NotAnIntent(e.to_string()))?;
    if wire.object != "payment_intent" {
        return Err(NotAnIntent(format!("object {:?}", wire.object)));
    }
    if wire.amount < 0 || wire.currency.len() != 3 {
        return Err(NotAnIntent("amount or currency out of range".into()));
    }
    Ok(Intent {
        id: wire.id,
        status: wire.status,
        amount: wire.amount,
        currency: wire.currency,
        last_error: wire.last_payment_error.and_then(|e| e.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intent_is_read_from_stripes_json() {
        let body = br#"{"id":"pi_1","object":"payment_intent","status":"requires_capture","amount":2000,"currency":"usd","capture_method":"manual","last_payment_error":null}"#;
        let intent = parse_intent(body).unwrap();
        assert_eq!(intent.status, IntentStatus::RequiresCapture);
        assert_eq!((intent.amount, intent.currency.as_str()), (2000, "usd"));
        for bad in [
            &br#"{"id":"ch_1","object":"charge","status":"succeeded","amount":1,"currency":"usd"}"#[..],
            br#"{"id":"pi_1","object":"payment_intent","status":"weird","amount":1,"currency":"usd"}"#,
            br#"{"id":"pi_1","object":"payment_intent","status":"succeeded","amount":-1,"currency":"usd"}"#,
            b"not json",
        ] {
            assert!(parse_intent(bad).is_err());
        }
    }
}
