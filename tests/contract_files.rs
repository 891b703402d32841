//! The file port on both worlds: multipart uploads as S3 (moto) does them, and the in-memory S3
//! held to the same answers: parts join in number order, a part uploaded again replaces the
//! earlier one, every part but the last is at least 5 MiB, and a completion retried is accepted.

use oms::s3::{Files, MIN_PART_BYTES};
use oms_tests::oms_local::memory::{Faults, MemoryS3};
use oms_tests::oms_local::provision;
use oms_tests::unique;
use std::sync::Arc;
use std::time::Duration;

struct World {
    files: Files,
    bucket: String,
    /// The in-memory store, read directly; on moto the file is read through its link.
    memory: Option<MemoryS3>,
}

impl World {
    async fn read(&self, key: &str) -> Vec<u8> {
        match &self.memory {
            Some(memory) => memory.file(&self.bucket, key).expect("the file").1,
            None => {
                let link = self
                    .files
                    .link(&self.bucket, key, Duration::from_secs(60))
                    .await
                    .unwrap();
                let response = reqwest::get(link).await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap().to_vec()
            }
        }
    }
}

async fn moto() -> World {
    let aws = oms::aws::Clients::load().await.with_files();
    let bucket = unique("files").to_ascii_lowercase();
    provision::create_bucket(&aws, &bucket)
        .await
        .expect("moto creates the bucket (run through `cargo xtask test`)");
    World {
        files: aws.files().expect("the S3 port"),
        bucket,
        memory: None,
    }
}

fn in_memory() -> World {
    let memory = MemoryS3::new(Faults::default());
    World {
        files: Arc::new(memory.clone()),
        bucket: "files".into(),
        memory: Some(memory),
    }
}

oms_tests::in_both_worlds!(
    parts_join_in_number_order_and_a_part_sent_again_replaces_the_first,
    a_part_under_five_mebibytes_may_only_be_the_last,
    only_the_parts_as_last_uploaded_complete_the_file,
);

async fn parts_join_in_number_order_and_a_part_sent_again_replaces_the_first(w: &World) {
    let files = &w.files;
    let key = "exports/a.csv";
    let id = files
        .start_upload(&w.bucket, key, "text/csv")
        .await
        .unwrap();
    let tail = files
        .upload_part(&w.bucket, key, &id, 2, b"first tail".to_vec())
        .await
        .unwrap();
    let head = files
        .upload_part(&w.bucket, key, &id, 1, vec![b'a'; MIN_PART_BYTES])
        .await
        .unwrap();
    let again = files
        .upload_part(&w.bucket, key, &id, 2, b"the tail".to_vec())
        .await
        .unwrap();
    assert_ne!(tail, again, "another part, another ETag");
    files
        .complete_upload(
            &w.bucket,
            key,
            &id,
            vec![(1, head.clone()), (2, again.clone())],
        )
        .await
        .unwrap();
    let file = w.read(key).await;
    assert_eq!(file.len(), MIN_PART_BYTES + 8);
    assert!(file.ends_with(b"aaathe tail"));

    // A retried completion (its answer lost) is accepted and changes nothing, as S3 does.
    files
        .complete_upload(&w.bucket, key, &id, vec![(1, head), (2, again)])
        .await
        .unwrap();
    assert_eq!(w.read(key).await, file);
}

async fn a_part_under_five_mebibytes_may_only_be_the_last(w: &World) {
    let files = &w.files;
    let key = "exports/b.csv";
    let id = files
        .start_upload(&w.bucket, key, "text/csv")
        .await
        .unwrap();
    let one = files
        .upload_part(&w.bucket, key, &id, 1, b"small".to_vec())
        .await
        .unwrap();
    let two = files
        .upload_part(&w.bucket, key, &id, 2, b"small too".to_vec())
        .await
        .unwrap();
    let refused = files
        .complete_upload(&w.bucket, key, &id, vec![(1, one), (2, two.clone())])
        .await
        .unwrap_err();
    assert!(refused.0.starts_with("EntityTooSmall"), "{refused}");
    assert!(!refused.is_no_such_upload());
    // The upload is still there: the first part sent again, big enough, completes it.
    let one = files
        .upload_part(&w.bucket, key, &id, 1, vec![b'b'; MIN_PART_BYTES])
        .await
        .unwrap();
    files
        .complete_upload(&w.bucket, key, &id, vec![(1, one), (2, two)])
        .await
        .unwrap();
    assert_eq!(w.read(key).await.len(), MIN_PART_BYTES + 9);

    let alone = files
        .start_upload(&w.bucket, "exports/c.csv", "text/csv")
        .await
        .unwrap();
    let only = files
        .upload_part(
            &w.bucket,
            "exports/c.csv",
            &alone,
            1,
            b"one small part".to_vec(),
        )
        .await
        .unwrap();
    files
        .complete_upload(&w.bucket, "exports/c.csv", &alone, vec![(1, only)])
        .await
        .unwrap();
    assert_eq!(w.read("exports/c.csv").await, b"one small part");
}

async fn only_the_parts_as_last_uploaded_complete_the_file(w: &World) {
    let files = &w.files;
    let key = "exports/d.csv";
    let id = files
        .start_upload(&w.bucket, key, "text/csv")
        .await
        .unwrap();
    let first = files
        .upload_part(&w.bucket, key, &id, 1, b"first".to_vec())
        .await
        .unwrap();
    files
        .upload_part(&w.bucket, key, &id, 1, b"second".to_vec())
        .await
        .unwrap();
    let stale = files
        .complete_upload(&w.bucket, key, &id, vec![(1, first)])
        .await
        .unwrap_err();
    assert!(stale.0.starts_with("InvalidPart"), "{stale}");
}
