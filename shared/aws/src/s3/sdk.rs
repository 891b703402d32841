//! The file port on S3: `PutObject`, presigned `GetObject` links, and multipart uploads.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::{Call, FileError, S3};

#[derive(Clone)]
pub struct SdkS3 {
    client: aws_sdk_s3::Client,
}

impl SdkS3 {
    /// Path-style addressing when an endpoint override (the emulator) is in use: it serves buckets
    /// under its own host, not as subdomains.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(s3_config),
        }
    }
}

impl S3 for SdkS3 {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
        bytes: Vec<u8>,
    ) -> Call<'a, ()> {
        Box::pin(async move {
            self.client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type(content_type)
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map_err(|e| FileError(crate::aws::describe(&e)))?;
            Ok(())
        })
    }

    fn link<'a>(&'a self, bucket: &'a str, key: &'a str, lifetime: Duration) -> Call<'a, String> {
        Box::pin(async move {
            let config =
                PresigningConfig::expires_in(lifetime).map_err(|e| FileError(e.to_string()))?;
            let request = self
                .client
                .get_object()
                .bucket(bucket)
                .key(key)
                .presigned(config)
                .await
                .map_err(|e| FileError(crate::aws::describe(&e)))?;
            Ok(request.uri().to_string())
        })
    }

    fn start_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
    ) -> Call<'a, String> {
        Box::pin(async move {
            let started = self
                .client
                .create_multipart_upload()
                .bucket(bucket)
                .key(key)
                .content_type(content_type)
                .send()
                .await
                .map_err(|e| FileError(crate::aws::describe(&e)))?;
            started
                .upload_id()
                .map(str::to_string)
                .ok_or_else(|| FileError("CreateMultipartUpload answered no UploadId".into()))
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
            let uploaded = self
                .client
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map_err(|e| FileError(crate::aws::describe(&e)))?;
            uploaded
                .e_tag()
                .map(str::to_string)
                .ok_or_else(|| FileError("UploadPart answered no ETag".into()))
        })
    }

    fn complete_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: Vec<(i32, String)>,
    ) -> Call<'a, ()> {
        Box::pin(async move {
            let parts = parts
                .into_iter()
                .map(|(number, etag)| {
                    CompletedPart::builder()
                        .part_number(number)
                        .e_tag(etag)
                        .build()
                })
                .collect();
            self.client
                .complete_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| FileError(crate::aws::describe(&e)))?;
            Ok(())
        })
    }
}
