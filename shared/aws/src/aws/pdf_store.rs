//! Label PDFs in the file store, handed out through short-lived links.

use std::time::Duration;

pub use crate::s3::FileError as LabelStoreError;
use crate::s3::Files;

#[derive(Clone)]
pub struct LabelStore {
    files: Files,
    bucket: String,
}

/// How long a `label_url` stays valid; the admin API presigns a fresh one on every read.
const URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl LabelStore {
    pub fn new(files: Files, bucket: impl Into<String>) -> Self {
        Self {
            files,
            bucket: bucket.into(),
        }
    }

    pub async fn put_pdf(&self, key: &str, pdf: Vec<u8>) -> Result<(), LabelStoreError> {
        self.files
            .put(&self.bucket, key, "application/pdf", pdf)
            .await
    }

    pub async fn url(&self, key: &str) -> Result<String, LabelStoreError> {
        self.files.link(&self.bucket, key, URL_LIFETIME).await
    }
}
