//! S3 in memory: files by bucket and key; a link names the file (`memory://bucket/key`).
//! Multipart uploads keep their parts until completed, with S3's rules: parts joined in number
//! order, each named by its ETag, every one but the last at least 5 MiB; a completion retried
//! with the same parts is accepted again, as S3 (and moto) accept it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oms::s3::{Call, FileError, MIN_PART_BYTES, S3};
use sha2::{Digest, Sha256};

use super::faults::{Faults, Injected};

/// A stored file: its content type and bytes.
pub type File = (String, Vec<u8>);

/// Parts named by number and ETag, as a completion lists them.
type PartList = Vec<(i32, String)>;

/// An upload in progress: where it goes and its parts by number (ETag, bytes).
struct Upload {
    bucket: String,
    key: String,
    content_type: String,
    parts: BTreeMap<i32, (String, Vec<u8>)>,
}

#[derive(Clone, Default)]
pub struct MemoryS3 {
    files: Arc<Mutex<BTreeMap<(String, String), File>>>,
    uploads: Arc<Mutex<BTreeMap<String, Upload>>>,
    /// Uploads completed, with the parts they were completed with.
    completed: Arc<Mutex<BTreeMap<String, PartList>>>,
    next_upload: Arc<AtomicU64>,
    faults: Faults,
}

fn no_such_upload(id: &str) -> FileError {
    FileError(format!("NoSuchUpload: the upload {id} does not exist"))
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
            faults,
            ..Self::default()
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

    fn start_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
    ) -> Call<'a, String> {
        Box::pin(async move {
            let fate = self.faults.call("s3", "CreateMultipartUpload").await;
            fate.before()?;
            let id = format!(
                "upload-{}",
                self.next_upload.fetch_add(1, Ordering::Relaxed)
            );
            self.uploads.lock().expect("uploads").insert(
                id.clone(),
                Upload {
                    bucket: bucket.to_string(),
                    key: key.to_string(),
                    content_type: content_type.to_string(),
                    parts: BTreeMap::new(),
                },
            );
            fate.after(id)
        })
    }

    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: i32,
        bytes: Vec<u8>,
    ) -> Call<'a, String> {
        Box::pin(async move {
            let fate = self.faults.call("s3", "UploadPart").await;
            fate.before()?;
            if !(1..=10_000).contains(&number) {
                return Err(FileError(format!(
                    "InvalidArgument: part number {number} is not 1 to 10000"
                )));
            }
            let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
            let mut uploads = self.uploads.lock().expect("uploads");
            let upload = uploads
                .get_mut(upload_id)
                .filter(|u| u.bucket == bucket && u.key == key)
                .ok_or_else(|| no_such_upload(upload_id))?;
            upload.parts.insert(number, (etag.clone(), bytes));
            drop(uploads);
            fate.after(etag)
        })
    }

    fn complete_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: PartList,
    ) -> Call<'a, ()> {
        Box::pin(async move {
            let fate = self.faults.call("s3", "CompleteMultipartUpload").await;
            fate.before()?;
            let mut uploads = self.uploads.lock().expect("uploads");
            let completed = self
                .completed
                .lock()
                .expect("completed")
                .get(upload_id)
                .cloned();
            if completed.is_some_and(|done| done == parts) {
                return fate.after(());
            }
            let upload = uploads
                .get(upload_id)
                .filter(|u| u.bucket == bucket && u.key == key)
                .ok_or_else(|| no_such_upload(upload_id))?;
            if parts.is_empty() || parts.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(FileError(
                    "InvalidPartOrder: parts must be listed in ascending order".into(),
                ));
            }
            let mut file = Vec::new();
            for (i, (number, etag)) in parts.iter().enumerate() {
                let (stored, bytes) = upload
                    .parts
                    .get(number)
                    .filter(|(stored, _)| stored == etag)
                    .ok_or_else(|| {
                        FileError(format!(
                            "InvalidPart: part {number} ({etag}) was not uploaded"
                        ))
                    })?;
                if i + 1 < parts.len() && bytes.len() < MIN_PART_BYTES {
                    return Err(FileError(format!(
                        "EntityTooSmall: part {number} ({stored}) is {} bytes, under 5 MiB",
                        bytes.len()
                    )));
                }
                file.extend_from_slice(bytes);
            }
            let upload = uploads.remove(upload_id).expect("found above");
            drop(uploads);
            self.completed
                .lock()
                .expect("completed")
                .insert(upload_id.to_string(), parts);
            self.files
                .lock()
                .expect("files")
                .insert((upload.bucket, upload.key), (upload.content_type, file));
            fate.after(())
        })
    }
}
