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
    /// The card paid with, when the payment method was expanded and is a card.
    pub card: Option<crate::risk::Card>,
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
    /// An id, or the object when expanded.
    #[serde(default)]
    payment_method: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(default)]
    message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PaymentIntent or refund as Stripe sends them: {0}")]
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
        card: wire.payment_method.as_ref().and_then(card),
    })
}

/// The card of an expanded payment method: its fingerprint (the same card gives the same one
/// whoever pays with it) and its country.
fn card(method: &serde_json::Value) -> Option<crate::risk::Card> {
    let card = &method["card"];
    let fingerprint = card["fingerprint"].as_str().filter(|f| {
        !f.is_empty() && f.len() <= 64 && f.bytes().all(|b| b.is_ascii_alphanumeric())
    })?;
    Some(crate::risk::Card {
        fingerprint: fingerprint.to_string(),
        country: crate::channels::fields::country_code(card["country"].as_str()),
    })
}

/// A refund at Stripe: the OMS's own carry its refund id in `metadata[oms_refund]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRefund {
    /// `re_...`
    pub id: String,
    /// In the currency's minor units.
    pub amount: i64,
    pub status: RefundStatus,
    /// The OMS refund it was made for; `None` for one made elsewhere (Stripe's dashboard).
    pub oms_refund: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
}

impl RefundStatus {
    /// The money went, or is on its way.
    pub fn counts(self) -> bool {
        matches!(self, Self::Pending | Self::RequiresAction | Self::Succeeded)
    }
}

#[derive(Deserialize)]
struct WireRefund {
    id: String,
    object: String,
    amount: i64,
    status: RefundStatus,
    #[serde(default)]
    metadata: Option<std::collections::HashMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct WireList {
    object: String,
    data: Vec<WireRefund>,
}

fn refund(wire: WireRefund) -> Result<GatewayRefund, NotAnIntent> {
    if wire.object != "refund" || wire.amount <= 0 || !wire.id.starts_with("re_") {
        return Err(NotAnIntent(format!("not a refund: {}", wire.id)));
    }
    Ok(GatewayRefund {
        id: wire.id,
        amount: wire.amount,
        status: wire.status,
        oms_refund: wire.metadata.and_then(|m| {
            m.get("oms_refund")
                .and_then(|v| v.as_str().map(str::to_string))
        }),
    })
}

/// One refund from Stripe's JSON.
pub fn parse_refund(body: &[u8]) -> Result<GatewayRefund, NotAnIntent> {
    refund(serde_json::from_slice(body).map_err(|e| NotAnIntent(e.to_string()))?)
}

/// A page of refunds (`GET /v1/refunds?payment_intent=`).
pub fn parse_refunds(body: &[u8]) -> Result<Vec<GatewayRefund>, NotAnIntent> {
    let list: WireList = serde_json::from_slice(body).map_err(|e| NotAnIntent(e.to_string()))?;
    if list.object != "list" {
        return Err(NotAnIntent(format!("object {:?}", list.object)));
    }
    list.data.into_iter().map(refund).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refunds_are_read_with_the_oms_refund_they_were_made_for() {
        let body = br#"{"object":"list","data":[
            {"id":"re_1","object":"refund","amount":500,"status":"succeeded","metadata":{"oms_refund":"rf_1"}},
            {"id":"re_2","object":"refund","amount":100,"status":"failed","metadata":{}}]}"#;
        let refunds = parse_refunds(body).unwrap();
        assert_eq!(refunds[0].oms_refund.as_deref(), Some("rf_1"));
        assert!(refunds[0].status.counts() && !refunds[1].status.counts());
        assert!(parse_refund(
            br#"{"id":"re_1","object":"refund","amount":-5,"status":"succeeded"}"#
        )
        .is_err());
    }

    #[test]
    fn an_intent_is_read_from_stripes_json() {
        let body = br#"{"id":"pi_1","object":"payment_intent","status":"requires_capture","amount":2000,"currency":"usd","capture_method":"manual","last_payment_error":null}"#;
        let intent = parse_intent(body).unwrap();
        assert_eq!(intent.status, IntentStatus::RequiresCapture);
        assert_eq!((intent.amount, intent.currency.as_str()), (2000, "usd"));
        assert_eq!(intent.card, None, "the payment method was not expanded");
        let expanded = br#"{"id":"pi_1","object":"payment_intent","status":"succeeded","amount":1,"currency":"usd","payment_method":{"id":"pm_1","card":{"fingerprint":"Xt5EWLLDS7FJjR1c","country":"us"}}}"#;
        let card = parse_intent(expanded).unwrap().card.unwrap();
        assert_eq!(
            (card.fingerprint.as_str(), card.country.as_deref()),
            ("Xt5EWLLDS7FJjR1c", Some("US"))
        );
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
