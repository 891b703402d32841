//! Handing work to the next function: JSON messages on an SQS queue.

use serde::Serialize;

use super::describe;

/// The longest delay SQS gives a message.
pub const MAX_DELAY_SECONDS: u32 = 900;

#[derive(Clone)]
pub struct Queue {
    client: aws_sdk_sqs::Client,
    url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not enqueue to {queue}: {reason}")]
pub struct QueueError {
    pub queue: String,
    pub reason: String,
}

impl Queue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
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
        let delay = i32::try_from(delay_seconds.min(MAX_DELAY_SECONDS)).unwrap_or(0);
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(delay)
            .send()
            .await
            .map_err(|e| self.error(describe(&e)))?;
        Ok(())
    }

    /// Many messages, ten to a call (SQS's batch limit); any message SQS refuses fails the lot.
    pub async fn send_all<T: Serialize>(&self, messages: &[T]) -> Result<(), QueueError> {
        use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
        for batch in messages.chunks(10) {
            let entries = batch
                .iter()
                .enumerate()
                .map(|(i, message)| {
                    let body =
                        serde_json::to_string(message).map_err(|e| self.error(e.to_string()))?;
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| self.error(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.error(describe(&e)))?;
            if let Some(failed) = output.failed().first() {
                return Err(self.error(format!(
                    "message {} refused: {}",
                    failed.id(),
                    failed.message().unwrap_or(failed.code())
                )));
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
