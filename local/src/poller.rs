//! Plays Lambda's SQS event source mapping: long-polls a queue, hands each batch (up to BatchSize)
//! to the function, and deletes only what succeeded. Failed messages reappear after the visibility
//! timeout and, after maxReceiveCount, the emulator moves them to the dead-letter queue.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use oms::sqs::{Queues, Received, MAX_BATCH};

use crate::functions::QueueHandler;

pub struct EventSource {
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
    pub handler: QueueHandler,
}

pub async fn run(queues: Queues, source: EventSource) {
    loop {
        if let Err(e) = poll_once(&queues, &source).await {
            tracing::warn!(function = %source.function, error = %e, "polling failed; retrying");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

/// Receives one batch, runs the function on it, and deletes what it did not report failed;
/// `false` when the queue had nothing.
pub async fn poll_once(queues: &Queues, source: &EventSource) -> anyhow::Result<bool> {
    let messages = queues
        .receive(&source.queue_url, source.batch_size.clamp(1, MAX_BATCH))
        .await?;
    if messages.is_empty() {
        return Ok(false);
    }
    let receipts: Vec<(String, String)> = messages
        .iter()
        .map(|m| (m.message_id.clone(), m.receipt_handle.clone()))
        .collect();
    let mut event = SqsEvent::default();
    event.records = messages
        .into_iter()
        .map(|m| lambda_message(m, source))
        .collect();
    let response = (source.handler)(event).await;
    let failed: HashSet<String> = if source.report_batch_item_failures {
        response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect()
    } else {
        HashSet::new()
    };
    let done: Vec<String> = receipts
        .into_iter()
        .filter(|(id, _)| !failed.contains(id))
        .map(|(_, receipt)| receipt)
        .collect();
    if !done.is_empty() {
        queues.delete(&source.queue_url, done).await?;
    }
    Ok(true)
}

fn lambda_message(m: Received, source: &EventSource) -> SqsMessage {
    let mut out = SqsMessage::default();
    out.attributes = [(
        "ApproximateReceiveCount".to_string(),
        m.receive_count.to_string(),
    )]
    .into_iter()
    .collect();
    out.message_id = Some(m.message_id);
    out.receipt_handle = Some(m.receipt_handle);
    out.body = Some(m.body);
    out.event_source = Some("aws:sqs".into());
    out.event_source_arn = Some(source.queue_arn.clone());
    out.aws_region = Some("us-east-1".into());
    out
}
