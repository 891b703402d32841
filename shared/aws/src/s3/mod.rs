//! The file port: storing a document and handing out a short-lived link to it. `sdk::SdkS3`
//! keeps files in S3 behind presigned URLs; the in-memory world keeps them in a map.

pub mod sdk;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, FileError>> + Send + 'a>>;

/// The file store. Cloning shares the adapter.
pub type Files = Arc<dyn S3>;

pub trait S3: Send + Sync {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
        bytes: Vec<u8>,
    ) -> Call<'a, ()>;

    /// A link that reads the file for `lifetime`.
    fn link<'a>(&'a self, bucket: &'a str, key: &'a str, lifetime: Duration) -> Call<'a, String>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("file storage: {0}")]
pub struct FileError(pub String);
