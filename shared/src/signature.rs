//! Webhook signatures: HMAC-SHA256 over the raw body, compared in constant time.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// One or more secrets a sender may sign with. More than one while a secret is being rotated.
#[derive(Clone)]
pub struct WebhookSecrets(Vec<Vec<u8>>);

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecrets({} redacted)", self.0.len())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the signature header is missing")]
    Missing,
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

impl WebhookSecrets {
    /// Parses a comma-separated list; empty entries are ignored. `None` if no secret remains.
    pub fn parse(list: &str) -> Option<Self> {
        let secrets: Vec<Vec<u8>> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec())
            .collect();
        (!secrets.is_empty()).then_some(Self(secrets))
    }

    /// Signs with the newest (first) secret; used by tests, samples and the sandbox.
    pub fn sign(&self, body: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.0[0]).expect("HMAC takes any key length");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }

    fn verify(&self, body: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let matched = self.0.iter().any(|secret| {
            let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(body);
            mac.verify_slice(signature).is_ok()
        });
        if matched {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// Shopify and WooCommerce style: `base64(HMAC-SHA256(secret, body))`.
    pub fn verify_base64(&self, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?.trim();
        let signature = base64::engine::general_purpose::STANDARD
            .decode(header)
            .map_err(|_| SignatureError::Malformed)?;
        self.verify(body, &signature)
    }

    /// EasyPost style: `hmac-sha256-hex=<hex(HMAC-SHA256(secret, body))>`.
    pub fn verify_prefixed_hex(
        &self,
        body: &[u8],
        header: Option<&str>,
    ) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?.trim();
        let hex_part = header
            .strip_prefix("hmac-sha256-hex=")
            .ok_or(SignatureError::Malformed)?;
        let signature = hex::decode(hex_part).map_err(|_| SignatureError::Malformed)?;
        self.verify(body, &signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> WebhookSecrets {
        WebhookSecrets::parse("new-secret, old-secret").unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn accepts_either_secret_during_rotation() {
        let body = br#"{"id":1}"#;
        let old = WebhookSecrets::parse("old-secret").unwrap().sign(body);
        assert_eq!(secrets().verify_base64(body, Some(&b64(&old))), Ok(()));
        let new = secrets().sign(body);
        assert_eq!(secrets().verify_base64(body, Some(&b64(&new))), Ok(()));
    }

    #[test]
    fn rejects_what_it_should() {
        let body = br#"{"id":1}"#;
        let good = b64(&secrets().sign(body));
        assert_eq!(
            secrets().verify_base64(body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            secrets().verify_base64(body, Some("%%%")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            secrets().verify_base64(br#"{"id":2}"#, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        let other = WebhookSecrets::parse("attacker").unwrap().sign(body);
        assert_eq!(
            secrets().verify_base64(body, Some(&b64(&other))),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secrets().verify_base64(body, Some(&good[..good.len() - 4])),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn easypost_header_format() {
        let body = br#"{"object":"Event"}"#;
        let header = format!("hmac-sha256-hex={}", hex::encode(secrets().sign(body)));
        assert_eq!(secrets().verify_prefixed_hex(body, Some(&header)), Ok(()));
        assert_eq!(
            secrets().verify_prefixed_hex(body, Some(&hex::encode(secrets().sign(body)))),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            secrets().verify_prefixed_hex(body, Some("hmac-sha256-hex=zz")),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn empty_secret_lists_are_refused() {
        assert!(WebhookSecrets::parse(" , ").is_none());
    }
}
