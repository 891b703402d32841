//! PDFs (labels, invoices) in the file store, handed out through short-lived links.

use std::time::Duration;

pub use crate::s3::FileError as PdfStoreError;
use crate::s3::Files;

#[derive(Clone)]
pub struct PdfStore {
    files: Files,
    bucket: String,
}

/// How long a link (`label_url`, an invoice's `url`) stays valid; the admin API presigns a
/// fresh one on every read.
const URL_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl PdfStore {
    pub fn new(files: Files, bucket: impl Into<String>) -> Self {
        Self {
            files,
            bucket: bucket.into(),
        }
    }

    pub async fn put_pdf(&self, key: &str, pdf: Vec<u8>) -> Result<(), PdfStoreError> {
        self.files
            .put(&self.bucket, key, "application/pdf", pdf)
            .await
    }

    pub async fn url(&self, key: &str) -> Result<String, PdfStoreError> {
        self.files.link(&self.bucket, key, URL_LIFETIME).await
    }
}
