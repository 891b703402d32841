//! Warehouses, stores and 3PLs: anywhere goods ship from.

use serde::{Deserialize, Serialize};

use crate::domain::Address;

/// The location `cargo xtask dev` creates, and the one orders ship from when a merchant has
/// configured none (its address is the function's configured ship-from address).
pub const DEFAULT_LOCATION: &str = "main";

/// A location's id: 1 to 64 of `[A-Za-z0-9_-]`, so it is safe in keys, URLs and CSV.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocationId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("location id must be 1 to 64 letters, digits, '-' or '_'; got {0:?}")]
pub struct InvalidLocationId(pub String);

impl LocationId {
    pub fn parse(text: &str) -> Result<Self, InvalidLocationId> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(InvalidLocationId(text.chars().take(80).collect()))
        }
    }

    pub fn default_location() -> Self {
        Self(DEFAULT_LOCATION.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LocationId {
    type Error = InvalidLocationId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LocationId> for String {
    fn from(id: LocationId) -> Self {
        id.0
    }
}

impl std::fmt::Display for LocationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub name: String,
    pub address: Address,
    /// Higher ships first when several locations could ship an order.
    pub priority: i32,
}
