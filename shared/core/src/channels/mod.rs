//! Storefront and marketplace payloads, parsed and normalized into `NewOrder`.

pub mod fields;
pub mod native;
pub mod shopify;
pub mod woocommerce;

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

    /// Broken syntax is a bad request; well-formed but unacceptable content is unprocessable.
    pub fn is_syntax(&self) -> bool {
        matches!(
            self.code,
            "malformed_json" | "invalid_encoding" | "too_deeply_nested"
        )
    }
}
