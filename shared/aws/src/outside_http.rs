//! The HTTP client for the APIs outside AWS (Stripe, EasyPost): one per process, shared by every
//! gateway and carrier client, and built on first use. Building one loads and parses the system's
//! certificate authorities (a few milliseconds, every time), so a cold start that never calls out
//! pays nothing, and one that does pays once. Third parties' certificates may come from any public
//! authority, so this one trusts the system's bundle (unlike the AWS clients, see
//! `aws::trust`).

use std::sync::OnceLock;
use std::time::Duration;

/// The per-request limit and the connection limit of every outside call.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();

/// The shared client, or why none could be built (the system has no certificate authorities).
pub fn client() -> Result<&'static reqwest::Client, String> {
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .map_err(|e| format!("no HTTP client for outside APIs: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_client_serves_every_caller() {
        let first = super::client().expect("a client") as *const reqwest::Client;
        let second = super::client().expect("a client") as *const reqwest::Client;
        assert_eq!(first, second);
    }
}
