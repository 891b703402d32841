//! Handing work to the next function: JSON messages on an SQS queue.

use serde::Serialize;

pub use crate::sqs::MAX_DELAY_SECONDS;
use crate::sqs::{Queues, MAX_BATCH};

#[derive(Clone)]
pub struct Queue {
    sqs: Queues,
    url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not enqueue to {queue}: {reason}")]
pub struct QueueError {
    pub queue: String,
    pub reason: String,
}

impl Queue {
    pub fn new(sqs: Queues, url: impl Into<String>) -> Self {
        Self {
            sqs,
            url: url.into(),
        }
    }

    pub async fn send<T: Serialize>(&self, message: &T) -> Result<(), QueueError> {
        self.send_after(message, 0).await
    }

    /// Delivered no sooner than `delay_seconds` from now (SQS allows up to 900).
    pub async fn send_after<T: Serialize>(
        &self,
        message: &T,
        delay_seconds: u32,
    ) -> Result<(), QueueError> {
        let body = serde_json::to_string(message).map_err(|e| self.error(e.to_string()))?;
        self.sqs
            .send(&self.url, body, delay_seconds.min(MAX_DELAY_SECONDS))
            .await
            .map_err(|e| self.error(e.to_string()))
    }

    /// Many messages, ten to a call (SQS's batch limit); any message SQS refuses fails the lot.
    pub async fn send_all<T: Serialize>(&self, messages: &[T]) -> Result<(), QueueError> {
        for batch in messages.chunks(MAX_BATCH) {
            let bodies = batch
                .iter()
                .map(|message| {
                    serde_json::to_string(message).map_err(|e| self.error(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let refused = self
                .sqs
                .send_batch(&self.url, bodies)
                .await
                .map_err(|e| self.error(e.to_string()))?;
            if let Some((index, reason)) = refused.first() {
                return Err(self.error(format!("message {index} refused: {reason}")));
            }
        }
        Ok(())
    }

    fn error(&self, reason: String) -> QueueError {
        QueueError {
            queue: self.url.rsplit('/').next().unwrap_or_default().to_string(),
            reason,
        }
    }
}
