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
    #[error("the signature's timestamp is more than {0} seconds away from now")]
    Stale(i64),
}

/// How far a timestamped signature may be from our clock (replay protection).
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

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

    /// Stripe style, as our own channel endpoint uses it: `t=<unix>,v1=<hex>[,v1=<hex>]` over
    /// `"<t>.<body>"`. Any `v1` may match (rotation); `t` must be within the tolerance of `now`.
    pub fn verify_timestamped(
        &self,
        body: &[u8],
        header: Option<&str>,
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
                Some(("v1", hex_sig)) => {
                    signatures.push(hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?)
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
        if signatures.is_empty() {
            return Err(SignatureError::Malformed);
        }
        let mut signed = timestamp.to_string().into_bytes();
        signed.push(b'.');
        signed.extend_from_slice(body);
        if !signatures.iter().any(|s| self.verify(&signed, s).is_ok()) {
            return Err(SignatureError::Mismatch);
        }
        // Checked after the signature, so an attacker learns nothing about our clock.
        if now_unix.abs_diff(timestamp) > TIMESTAMP_TOLERANCE_SECS.unsigned_abs() {
            return Err(SignatureError::Stale(TIMESTAMP_TOLERANCE_SECS));
        }
        Ok(())
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
    fn timestamped_signatures_expire() {
        let body = br#"{"channel_order_id":"1"}"#;
        let sign = |t: i64| {
            let mut signed = format!("{t}.").into_bytes();
            signed.extend_from_slice(body);
            format!("t={t},v1={}", hex::encode(secrets().sign(&signed)))
        };
        let now = 1_790_000_000;
        assert_eq!(
            secrets().verify_timestamped(body, Some(&sign(now - 299)), now),
            Ok(())
        );
        assert_eq!(
            secrets().verify_timestamped(body, Some(&sign(now - 301)), now),
            Err(SignatureError::Stale(300))
        );
        assert_eq!(
            secrets().verify_timestamped(b"{}", Some(&sign(now)), now),
            Err(SignatureError::Mismatch)
        );
        let other = format!("t={now},v1=00,{}", &sign(now)[13..]);
        assert_eq!(
            secrets().verify_timestamped(body, Some(&other), now),
            Ok(()),
            "any v1 may match"
        );
        for bad in [
            "",
            "t=abc,v1=00",
            "v1=00",
            &format!("t={now}"),
            &format!("t={now},v1=zz"),
        ] {
            assert_eq!(
                secrets().verify_timestamped(body, Some(bad), now),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        let body = b"{}";
        for t in [i64::MIN, i64::MAX] {
            let mut signed = format!("{t}.").into_bytes();
            signed.extend_from_slice(body);
            let header = format!("t={t},v1={}", hex::encode(secrets().sign(&signed)));
            assert_eq!(
                secrets().verify_timestamped(body, Some(&header), 1_790_000_000),
                Err(SignatureError::Stale(300)),
                "found by cargo fuzz (signature_headers)"
            );
        }
    }

    #[test]
    fn empty_secret_lists_are_refused() {
        assert!(WebhookSecrets::parse(" , ").is_none());
    }
}
