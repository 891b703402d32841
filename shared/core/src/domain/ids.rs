//! Identifiers. Order ids are derived from the channel's own order id, so the same channel order
//! always maps to the same order and a duplicate delivery can only ever hit one item.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Lower-case Crockford-style alphabet: no i, l, o, u, so ids read back unambiguously.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an order id: {0:?}")]
pub struct InvalidOrderId(pub String);

impl OrderId {
    /// The order id for a channel's order: `ord_` + 26 base-32 characters of
    /// SHA-256("<channel>:<channel order id>"), 130 bits, collision-free in practice.
    pub fn for_channel_order(channel: &str, channel_order_id: &str) -> Self {
        let digest = Sha256::digest(format!("{channel}:{channel_order_id}").as_bytes());
        Self(format!("ord_{}", base32(&digest, 26)))
    }

    pub fn parse(value: &str) -> Result<Self, InvalidOrderId> {
        let body = value.strip_prefix("ord_").unwrap_or("");
        if body.len() == 26 && body.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidOrderId(value.chars().take(64).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderId {
    type Error = InvalidOrderId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrderId> for String {
    fn from(value: OrderId) -> Self {
        value.0
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A shipment's id within its order: `shp_` + the order's shipment counter and a digest of the
/// carrier's shipment id, stable across retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShipmentId(pub String);

impl ShipmentId {
    pub fn for_carrier_shipment(carrier: &str, carrier_shipment_id: &str) -> Self {
        let digest = Sha256::digest(format!("{carrier}:{carrier_shipment_id}").as_bytes());
        Self(format!("shp_{}", base32(&digest, 16)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ShipmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn base32(bytes: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        if out.len() == len {
            break;
        }
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 && out.len() < len {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_channel_order_always_gets_the_same_id() {
        let a = OrderId::for_channel_order("shopify", "6120554433221100998");
        let b = OrderId::for_channel_order("shopify", "6120554433221100998");
        let other = OrderId::for_channel_order("shopify", "6120554433221100999");
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(OrderId::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn channels_do_not_share_id_space() {
        assert_ne!(
            OrderId::for_channel_order("shopify", "1"),
            OrderId::for_channel_order("woocommerce", "1")
        );
    }

    #[test]
    fn ids_from_outside_are_checked() {
        for bad in [
            "",
            "ord_",
            "ord_short",
            "ORD_0123456789abcdefghjkmnpqrs",
            "../etc/passwd",
        ] {
            assert!(OrderId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
