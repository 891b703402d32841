//! What the AWS SDK does between our code and the service (DynamoDB, SQS, SES, S3): a call that
//! fails as throttled or unavailable is sent again, up to three attempts in all (the SDK's standard mode), after a short
//! backoff. The in-memory services answer each attempt, so a lost answer becomes a second request,
//! as it does in AWS; a transaction carries one client request token across its attempts (the SDK
//! fills it in), so DynamoDB applies it once.

use std::future::Future;
use std::time::Duration;

use std::sync::atomic::{AtomicU64, Ordering};

use oms::dynamo::{
    BatchWrite, Call as DbCall, Dynamo, DynamoError, Item, Query, QueryPage, ReturnValue,
    TransactWriteItem,
};
use oms::notifications::Email;
use oms::s3::{Call as FileCall, FileError, Files, S3};
use oms::ses::{Call as MailCall, MailError, MailService, Ses};
use oms::sqs::{Call as QueueCall, Queues, Received, Sqs, SqsError};

use crate::memory::MemoryDynamo;

const ATTEMPTS: u32 = 3;

pub struct Retrying<T>(pub T);

/// DynamoDB through the SDK: retries, and one client request token per transaction.
pub struct RetryingDynamo {
    pub db: MemoryDynamo,
    tokens: AtomicU64,
}

impl RetryingDynamo {
    pub fn new(db: MemoryDynamo) -> Self {
        Self {
            db,
            tokens: AtomicU64::new(0),
        }
    }
}

trait Transient {
    fn transient(&self) -> bool;
}

impl Transient for DynamoError {
    fn transient(&self) -> bool {
        matches!(
            self,
            DynamoError::Throttled(_) | DynamoError::Unavailable(_)
        )
    }
}

impl Transient for SqsError {
    fn transient(&self) -> bool {
        matches!(self, SqsError::Throttled(_) | SqsError::Unavailable(_))
    }
}

/// The port keeps no error classes for files: every failure is taken for one the SDK retries
/// (5xx, SlowDown, timeouts), and a refusal simply fails three times.
impl Transient for FileError {
    fn transient(&self) -> bool {
        true
    }
}

impl Transient for MailError {
    fn transient(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }
}

async fn attempt<T, E: Transient, F, Fut>(mut call: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut tries = 1;
    loop {
        match call().await {
            Err(e) if e.transient() && tries < ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(25 << tries)).await;
                tries += 1;
            }
            answer => return answer,
        }
    }
}

impl Dynamo for RetryingDynamo {
    fn get<'a>(&'a self, table: &'a str, key: Item, consistent: bool) -> DbCall<'a, Option<Item>> {
        Box::pin(attempt(move || self.db.get(table, key.clone(), consistent)))
    }

    fn get_attributes<'a>(
        &'a self,
        table: &'a str,
        key: Item,
        attributes: &'a [&'a str],
        consistent: bool,
    ) -> DbCall<'a, Option<Item>> {
        Box::pin(attempt(move || {
            self.db
                .get_attributes(table, key.clone(), attributes, consistent)
        }))
    }

    fn write<'a>(
        &'a self,
        write: TransactWriteItem,
        returns: ReturnValue,
    ) -> DbCall<'a, Option<Item>> {
        Box::pin(attempt(move || {
            self.db.write(write.clone(), returns.clone())
        }))
    }

    fn transact<'a>(&'a self, items: Vec<TransactWriteItem>) -> DbCall<'a, ()> {
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        Box::pin(attempt(move || {
            self.db.transact_once(items.clone(), Some(token))
        }))
    }

    fn query<'a>(&'a self, query: Query) -> DbCall<'a, QueryPage> {
        Box::pin(attempt(move || self.db.query(query.clone())))
    }

    fn batch_write<'a>(
        &'a self,
        table: &'a str,
        writes: Vec<BatchWrite>,
    ) -> DbCall<'a, Vec<BatchWrite>> {
        Box::pin(attempt(move || self.db.batch_write(table, writes.clone())))
    }

    fn batch_get<'a>(
        &'a self,
        table: &'a str,
        keys: Vec<Item>,
        consistent: bool,
    ) -> DbCall<'a, (Vec<Item>, Vec<Item>)> {
        Box::pin(attempt(move || {
            self.db.batch_get(table, keys.clone(), consistent)
        }))
    }
}

impl Sqs for Retrying<Queues> {
    fn send<'a>(&'a self, queue_url: &'a str, body: String, delay: u32) -> QueueCall<'a, ()> {
        Box::pin(attempt(move || self.0.send(queue_url, body.clone(), delay)))
    }

    fn send_batch<'a>(
        &'a self,
        queue_url: &'a str,
        bodies: Vec<String>,
    ) -> QueueCall<'a, Vec<(usize, String)>> {
        Box::pin(attempt(move || {
            self.0.send_batch(queue_url, bodies.clone())
        }))
    }

    fn receive<'a>(&'a self, queue_url: &'a str, max: usize) -> QueueCall<'a, Vec<Received>> {
        Box::pin(attempt(move || self.0.receive(queue_url, max)))
    }

    fn delete<'a>(&'a self, queue_url: &'a str, receipts: Vec<String>) -> QueueCall<'a, ()> {
        Box::pin(attempt(move || self.0.delete(queue_url, receipts.clone())))
    }
}

impl Ses for Retrying<MailService> {
    fn send_email<'a>(&'a self, sender: &'a str, email: &'a Email) -> MailCall<'a, String> {
        Box::pin(attempt(move || self.0.send_email(sender, email)))
    }
}

impl S3 for Retrying<Files> {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
        bytes: Vec<u8>,
    ) -> FileCall<'a, ()> {
        Box::pin(attempt(move || {
            self.0.put(bucket, key, content_type, bytes.clone())
        }))
    }

    fn link<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        lifetime: std::time::Duration,
    ) -> FileCall<'a, String> {
        Box::pin(attempt(move || self.0.link(bucket, key, lifetime)))
    }

    fn start_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        content_type: &'a str,
    ) -> FileCall<'a, String> {
        Box::pin(attempt(move || {
            self.0.start_upload(bucket, key, content_type)
        }))
    }

    fn upload_part<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        number: i32,
        bytes: Vec<u8>,
    ) -> FileCall<'a, String> {
        Box::pin(attempt(move || {
            self.0
                .upload_part(bucket, key, upload_id, number, bytes.clone())
        }))
    }

    fn complete_upload<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        upload_id: &'a str,
        parts: Vec<(i32, String)>,
    ) -> FileCall<'a, ()> {
        Box::pin(attempt(move || {
            self.0
                .complete_upload(bucket, key, upload_id, parts.clone())
        }))
    }
}
