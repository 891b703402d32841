//! Storefront payloads, parsed and normalized into `NewOrder`.

pub mod shopify;

/// Why a channel payload was refused: a stable code for machines and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PayloadError {
    pub code: &'static str,
    pub message: String,
}

impl PayloadError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
