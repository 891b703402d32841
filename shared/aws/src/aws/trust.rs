//! Which certificate authorities the AWS clients trust: Amazon Trust Services' four roots and the
//! Starfield Services root that cross-signs them (`amazon_trust_services.pem`, with each one's
//! SHA-256 fingerprint), which is what every AWS service endpoint chains to. The SDK's default
//! reads and parses the system's whole bundle and certificate directory instead (some 150
//! authorities, several milliseconds of each cold start) and again for each client it builds.
//! Locally the emulator speaks plain HTTP, so no certificate is involved.

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};

const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("amazon_trust_services.pem");

/// The HTTPS client every AWS client of the process shares.
pub fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_TRUST_SERVICES);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store is a valid TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_holds_the_five_amazon_roots() {
        let text = std::str::from_utf8(AMAZON_TRUST_SERVICES).expect("text");
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(text.contains(name), "{name}");
        }
    }

    /// Building a client builds its connector, which parses the bundle (and panics on a bad one).
    #[test]
    fn a_client_built_on_it_accepts_the_bundle() {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .http_client(http_client())
            .build();
        let _ = aws_sdk_dynamodb::Client::new(&config);
    }
}
