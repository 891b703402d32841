//! The counters velocity is measured with: one per email, shipping address and card (hourly,
//! the last 24 read), and one per customer (every order ever, for "first order").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::lists::plain;
use super::Signals;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VelocityKind {
    Email,
    Address,
    Card,
    /// Every order of the customer (by email), without a window.
    Customer,
}

/// One counter: what it counts, and a hash of whose (no email or address is stored in a key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VelocityKey {
    pub kind: VelocityKind,
    pub hash: String,
}

fn key(kind: VelocityKind, what: &str) -> VelocityKey {
    let digest = Sha256::digest(format!("{kind:?}\n{what}").as_bytes());
    VelocityKey {
        kind,
        hash: hex::encode(&digest[..16]),
    }
}

/// The counters an order with these signals adds to.
pub fn keys(signals: &Signals) -> Vec<VelocityKey> {
    let email = signals.email.trim().to_ascii_lowercase();
    let mut keys = vec![
        key(VelocityKind::Email, &email),
        key(VelocityKind::Customer, &email),
    ];
    if let Some(address) = signals.shipping {
        let whole = format!(
            "{}|{}|{}|{}",
            plain(&address.line1),
            plain(address.line2.as_deref().unwrap_or_default()),
            plain(address.postal_code.as_deref().unwrap_or_default()),
            address.country.to_ascii_uppercase()
        );
        keys.push(key(VelocityKind::Address, &whole));
    }
    if let Some(card) = signals.card {
        keys.push(key(VelocityKind::Card, &card.fingerprint));
    }
    keys
}
