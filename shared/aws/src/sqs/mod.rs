//! The message queue port: the SQS operations the functions and the event source mapping use.
//! `sdk::SdkSqs` sends them to SQS (or the emulator); the in-memory world (`oms_local::memory`)
//! keeps queues itself with SQS's semantics (at-least-once delivery, visibility timeouts,
//! redelivery, dead-letter queues after maxReceiveCount, delays of up to 15 minutes), and
//! `tests/contract_sqs.rs` holds both to the same answers.

pub mod sdk;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, SqsError>> + Send + 'a>>;

/// The longest delay SQS gives a message.
pub const MAX_DELAY_SECONDS: u32 = 900;
/// SQS's limit on messages in one batch (send, receive, delete).
pub const MAX_BATCH: usize = 10;
/// SQS's limit on a message body (1 MiB since 2025).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The queues. Cloning shares the adapter.
pub type Queues = Arc<dyn Sqs>;

pub trait Sqs: Send + Sync {
    /// Enqueues one message, delivered no sooner than `delay_seconds` from now.
    fn send<'a>(&'a self, queue_url: &'a str, body: String, delay_seconds: u32) -> Call<'a, ()>;

    /// Enqueues up to `MAX_BATCH` messages; answers the index and reason of each one refused.
    fn send_batch<'a>(
        &'a self,
        queue_url: &'a str,
        bodies: Vec<String>,
    ) -> Call<'a, Vec<(usize, String)>>;

    /// Up to `max` (1 to 10) visible messages, each hidden for the queue's visibility timeout.
    fn receive<'a>(&'a self, queue_url: &'a str, max: usize) -> Call<'a, Vec<Received>>;

    /// Deletes received messages by receipt handle.
    fn delete<'a>(&'a self, queue_url: &'a str, receipts: Vec<String>) -> Call<'a, ()>;
}

/// A message as a receive hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqsError {
    /// A request SQS refuses (a delay over 900 s, a body too big, a batch too large).
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("throttled: {0}")]
    Throttled(String),
    /// No answer: the message may or may not have been enqueued.
    #[error("SQS unavailable: {0}")]
    Unavailable(String),
}
