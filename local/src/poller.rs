//! Plays Lambda's SQS event source mapping: long-polls a queue, hands each batch (up to BatchSize)
//! to the function, and deletes only what succeeded. Failed messages reappear after the visibility
//! timeout and, after maxReceiveCount, the emulator moves them to the dead-letter queue.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};

use crate::functions::QueueHandler;

pub struct EventSource {
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
    pub handler: QueueHandler,
}

pub async fn run(sqs: aws_sdk_sqs::Client, source: EventSource) {
    loop {
        if let Err(e) = poll_once(&sqs, &source).await {
            tracing::warn!(function = %source.function, error = %e, "polling failed; retrying");
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

async fn poll_once(sqs: &aws_sdk_sqs::Client, source: &EventSource) -> anyhow::Result<()> {
    let received = sqs
        .receive_message()
        .queue_url(&source.queue_url)
        .max_number_of_messages(source.batch_size.clamp(1, 10) as i32)
        .wait_time_seconds(1)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await?;
    let messages = received.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(());
    }
    let receipts: Vec<(String, String)> = messages
        .iter()
        .filter_map(|m| Some((m.message_id.clone()?, m.receipt_handle.clone()?)))
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
    let entries: Vec<DeleteMessageBatchRequestEntry> = receipts
        .into_iter()
        .filter(|(id, _)| !failed.contains(id))
        .map(|(id, receipt)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(id)
                .receipt_handle(receipt)
                .build()
        })
        .collect::<Result<_, _>>()?;
    if !entries.is_empty() {
        sqs.delete_message_batch()
            .queue_url(&source.queue_url)
            .set_entries(Some(entries))
            .send()
            .await?;
    }
    Ok(())
}

fn lambda_message(m: aws_sdk_sqs::types::Message, source: &EventSource) -> SqsMessage {
    let mut out = SqsMessage::default();
    out.attributes = m
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), v))
        .collect();
    out.message_id = m.message_id;
    out.receipt_handle = m.receipt_handle;
    out.body = m.body;
    out.md5_of_body = m.md5_of_body;
    out.event_source = Some("aws:sqs".into());
    out.event_source_arn = Some(source.queue_arn.clone());
    out.aws_region = Some("us-east-1".into());
    out
}
