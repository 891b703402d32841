//! S3 in memory: files by bucket and key; a link names the file (`memory://bucket/key`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oms::s3::{Call, FileError, S3};

use super::faults::{Faults, Injected};

/// A stored file: its content type and bytes.
pub type File = (String, Vec<u8>);

#[derive(Clone, Default)]
pub struct MemoryS3 {
    files: Arc<Mutex<BTreeMap<(String, String), File>>>,
    faults: Faults,
}

impl Injected for FileError {
    fn failed() -> Self {
        FileError("InternalError (injected)".into())
    }
    fn throttled() -> Self {
        FileError("SlowDown (injected)".into())
    }
    fn lost() -> Self {
        FileError("the answer was lost after the call (injected)".into())
    }
}

impl MemoryS3 {
    pub fn new(faults: Faults) -> Self {
        Self {
            files: Arc::default(),
            faults,
        }
    }

    pub fn file(&self, bucket: &str, key: &str) -> Option<File> {
        self.files
            .lock()
            .expect("files")
            .get(&(bucket.to_string(), key.to_string()))
            .cloned()
    }
}

impl S3 for MemoryS3 {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
        bytes: Vec<u8>,
    ) -> Call<'a, ()> {
        Box::pin(async move {
            let fate = self.faults.call("s3", "PutObject").await;
            fate.before()?;
            self.files.lock().expect("files").insert(
                (bucket.to_string(), key.to_string()),
                (content_type.to_string(), bytes),
            );
            fate.after(())
        })
    }

    fn link<'a>(&'a self, bucket: &'a str, key: &'a str, _lifetime: Duration) -> Call<'a, String> {
        // Presigning is local computation in S3's SDK too: no call, no fault.
        Box::pin(async move { Ok(format!("memory://{bucket}/{key}")) })
    }
}
