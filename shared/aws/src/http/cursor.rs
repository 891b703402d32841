//! Page cursors handed to API callers: the position to go on from, bound to the query it belongs
//! to and signed, so a cursor that was altered, forged or taken from another query is refused
//! (and nothing a caller writes reaches DynamoDB as a start key).
//!
//! A cursor is `base64url(position) "." base64url(HMAC-SHA256(key, fingerprint || position))`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Longest cursor taken (positions are an order's sort key, well under this).
const MAX_CURSOR_CHARS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one we issued for this query")]
pub struct InvalidCursor;

#[derive(Clone)]
pub struct CursorSeal {
    key: Vec<u8>,
}

impl CursorSeal {
    /// Derives the sealing key from a secret the function holds, under its own label, so the
    /// key signs nothing else.
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"oms page cursor v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, query: &[u8; 32], position: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(query);
        mac.update(position.as_bytes());
        mac
    }

    pub fn seal(&self, query: &[u8; 32], position: &str) -> String {
        let tag = self.mac(query, position).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(position),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The position in `cursor`, if this seal made it for `query` (compared in constant time).
    pub fn open(&self, query: &[u8; 32], cursor: &str) -> Result<String, InvalidCursor> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(InvalidCursor);
        }
        let (position, tag) = cursor.split_once('.').ok_or(InvalidCursor)?;
        let position = URL_SAFE_NO_PAD
            .decode(position)
            .map_err(|_| InvalidCursor)?;
        let position = String::from_utf8(position).map_err(|_| InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| InvalidCursor)?;
        self.mac(query, &position)
            .verify_slice(&tag)
            .map_err(|_| InvalidCursor)?;
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_opens_only_for_its_query_and_unaltered() {
        let seal = CursorSeal::new(b"secret");
        let (query, other) = ([1u8; 32], [2u8; 32]);
        let cursor = seal.seal(&query, "2026-01-01T00:00:00.000000Z#ord_x");
        assert_eq!(
            seal.open(&query, &cursor).as_deref(),
            Ok("2026-01-01T00:00:00.000000Z#ord_x")
        );
        assert_eq!(seal.open(&other, &cursor), Err(InvalidCursor));
        assert_eq!(
            CursorSeal::new(b"another secret").open(&query, &cursor),
            Err(InvalidCursor)
        );
        let (position, tag) = cursor.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("9999#ord_y"));
        let cut = &cursor[..cursor.len() - 2];
        let long = "a".repeat(600);
        for bad in ["", ".", "!!!.!!!", position, &forged, cut, &long] {
            assert_eq!(seal.open(&query, bad), Err(InvalidCursor), "{bad:?}");
        }
    }
}
