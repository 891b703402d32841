//! The admin web app's session: a signed, expiring cookie set when the admin token is presented
//! at sign-in, and the CSRF token every form of the session carries.
//!
//! A session is `v1.<expires>.<nonce>.<tag>`, `tag` the HMAC-SHA256 of what precedes it under a
//! key derived from the admin token (rotating the token signs everyone out). Its CSRF token is an
//! HMAC of the nonce under the same key, so a page of one session cannot post for another.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The session cookie's name; the sign-in form's own cookie (before there is a session).
pub const COOKIE: &str = "oms_admin";
pub const LOGIN_COOKIE: &str = "oms_login";

/// How long a session lasts: a working day.
pub const LIFETIME: Duration = Duration::hours(10);

/// Longest cookie value looked at.
const MAX_COOKIE_CHARS: usize = 256;

#[derive(Clone)]
pub struct Sessions {
    key: Vec<u8>,
}

/// A valid session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    nonce: String,
    pub expires: DateTime<Utc>,
}

impl Sessions {
    /// Keys derived from the admin token under their own label.
    pub fn new(admin_token: &str) -> Self {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(admin_token.as_bytes()).expect("any key length");
        mac.update(b"oms admin session v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn tag(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        for part in parts {
            mac.update(part);
            mac.update(b"\0");
        }
        mac
    }

    /// A new session from `now`, `nonce` random.
    pub fn open(&self, nonce: &[u8; 16], now: DateTime<Utc>) -> (String, Session) {
        let session = Session {
            nonce: hex::encode(nonce),
            expires: now + LIFETIME,
        };
        let body = format!("v1.{}.{}", session.expires.timestamp(), session.nonce);
        let tag = self
            .tag(&[b"session", body.as_bytes()])
            .finalize()
            .into_bytes();
        (format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag)), session)
    }

    /// The session a cookie value holds, if we signed it and it has not expired.
    pub fn check(&self, cookie: &str, now: DateTime<Utc>) -> Option<Session> {
        if cookie.len() > MAX_COOKIE_CHARS {
            return None;
        }
        let (body, tag) = cookie.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.tag(&[b"session", body.as_bytes()])
            .verify_slice(&tag)
            .ok()?;
        let mut parts = body.split('.');
        let (Some("v1"), Some(expires), Some(nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expires = DateTime::from_timestamp(expires.parse().ok()?, 0)?;
        (now < expires).then(|| Session {
            nonce: nonce.to_string(),
            expires,
        })
    }

    /// A form token: the first 16 bytes of the tag of `parts`, in hex.
    fn token(&self, parts: &[&[u8]]) -> String {
        hex::encode(&self.tag(parts).finalize().into_bytes()[..16])
    }

    /// Whether `presented` is the token of `parts` (compared in constant time).
    fn token_matches(&self, parts: &[&[u8]], presented: &str) -> bool {
        let Ok(bytes) = hex::decode(presented) else {
            return false;
        };
        bytes.len() == 16 && self.tag(parts).verify_truncated_left(&bytes).is_ok()
    }

    /// The CSRF token of the session's forms.
    pub fn csrf(&self, session: &Session) -> String {
        self.token(&[b"csrf", session.nonce.as_bytes()])
    }

    /// Whether a form's token is the session's.
    pub fn csrf_matches(&self, session: &Session, presented: &str) -> bool {
        self.token_matches(&[b"csrf", session.nonce.as_bytes()], presented)
    }

    /// The sign-in form's token, bound to the `LOGIN_COOKIE` value it was shown with (so a page
    /// elsewhere cannot sign a browser into a session of its choosing).
    pub fn login_token(&self, login_cookie: &str) -> String {
        self.token(&[b"login", login_cookie.as_bytes()])
    }

    pub fn login_token_matches(&self, login_cookie: &str, presented: &str) -> bool {
        !login_cookie.is_empty()
            && self.token_matches(&[b"login", login_cookie.as_bytes()], presented)
    }
}

/// A `Set-Cookie` value for the admin pages: HttpOnly, SameSite=Strict, `Secure` when served
/// over HTTPS; an empty value with `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/admin; Max-Age={}; HttpOnly; SameSite=Strict{}",
        max_age.num_seconds().max(0),
        if secure { "; Secure" } else { "" }
    )
}

/// A cookie's value from a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap()
    }

    #[test]
    fn a_session_is_valid_until_it_expires_and_only_as_signed() {
        let sessions = Sessions::new("admin-token");
        let (cookie, session) = sessions.open(&[7; 16], now());
        assert_eq!(sessions.check(&cookie, now()), Some(session.clone()));
        assert_eq!(sessions.check(&cookie, now() + LIFETIME), None, "expired");
        let later = cookie.replacen(
            &session.expires.timestamp().to_string(),
            &(session.expires.timestamp() + 86_400).to_string(),
            1,
        );
        assert_eq!(sessions.check(&later, now()), None, "altered expiry");
        assert_eq!(Sessions::new("another-token").check(&cookie, now()), None);
        for junk in ["", "v1", "v1.1.2.3", &"a".repeat(300)] {
            assert_eq!(sessions.check(junk, now()), None, "{junk}");
        }
    }

    #[test]
    fn a_csrf_token_belongs_to_its_session() {
        let sessions = Sessions::new("admin-token");
        let (_, one) = sessions.open(&[1; 16], now());
        let (_, two) = sessions.open(&[2; 16], now());
        let token = sessions.csrf(&one);
        assert!(sessions.csrf_matches(&one, &token));
        assert!(!sessions.csrf_matches(&two, &token));
        assert!(!sessions.csrf_matches(&one, ""));
        assert!(!sessions.csrf_matches(&one, &token[..30]));
    }

    #[test]
    fn the_login_token_is_bound_to_its_cookie() {
        let sessions = Sessions::new("admin-token");
        let token = sessions.login_token("abc");
        assert!(sessions.login_token_matches("abc", &token));
        assert!(!sessions.login_token_matches("abd", &token));
        assert!(!sessions.login_token_matches("", &sessions.login_token("")));
    }

    #[test]
    fn cookies_are_strict_and_http_only() {
        let cookie = set_cookie(COOKIE, "x", LIFETIME, true);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(cookie.ends_with("; Secure"));
        assert!(!set_cookie(COOKIE, "x", LIFETIME, false).contains("Secure"));
        assert_eq!(
            super::cookie("a=1; oms_admin=v1.x; b=2", COOKIE),
            Some("v1.x")
        );
    }
}
