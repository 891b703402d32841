//! Label PDFs in S3, handed out through short-lived presigned URLs.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

use super::describe;

#[derive(Clone)]
pub struct LabelStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

#[derive(Debug, thiserror::Error)]
#[error("label storage: {0}")]
pub struct LabelStoreError(String);

/// How long a `label_url` stays valid; the admin API presigns a fresh one on every read.
const URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl LabelStore {
    /// Path-style addressing when an endpoint override (the emulator) is in use: it serves buckets
    /// under its own host, not as subdomains.
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(s3_config),
            bucket: bucket.into(),
        }
    }

    pub async fn put_pdf(&self, key: &str, pdf: Vec<u8>) -> Result<(), LabelStoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/pdf")
            .body(ByteStream::from(pdf))
            .send()
            .await
            .map_err(|e| LabelStoreError(describe(&e)))?;
        Ok(())
    }

    pub async fn url(&self, key: &str) -> Result<String, LabelStoreError> {
        let config = PresigningConfig::expires_in(URL_LIFETIME)
            .map_err(|e| LabelStoreError(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| LabelStoreError(describe(&e)))?;
        Ok(request.uri().to_string())
    }
}
