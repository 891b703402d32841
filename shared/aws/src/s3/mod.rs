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

    /// Starts a file written in parts (a multipart upload); the upload's id.
    fn start_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
    ) -> Call<'a, String>;

    /// Stores part `number` (1 to 10,000) of an upload; its ETag. A number uploaded again
    /// replaces that part. Every part but the last must be at least `MIN_PART_BYTES`.
    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: i32,
        bytes: Vec<u8>,
    ) -> Call<'a, String>;

    /// Joins the `parts` (number and ETag, ascending) into the file. Completing it again with
    /// the same parts is accepted while S3 remembers the upload; later it answers `NoSuchUpload`
    /// (see `FileError::is_no_such_upload`), which also means done.
    fn complete_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: Vec<(i32, String)>,
    ) -> Call<'a, ()>;
}

/// S3's smallest part but the last of a multipart upload.
pub const MIN_PART_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("file storage: {0}")]
pub struct FileError(pub String);

impl FileError {
    /// The upload is not there: completed (or aborted) already.
    pub fn is_no_such_upload(&self) -> bool {
        self.0.starts_with("NoSuchUpload")
    }
}
