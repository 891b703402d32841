//! The queue port on the AWS SDK: one SQS call per operation, errors in the port's classes.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, SendMessageBatchRequestEntry,
};

use super::{Call, Received, Sqs, SqsError};

#[derive(Clone)]
pub struct SdkSqs {
    client: aws_sdk_sqs::Client,
}

impl SdkSqs {
    pub fn new(client: aws_sdk_sqs::Client) -> Self {
        Self { client }
    }
}

fn invalid(e: impl std::fmt::Display) -> SqsError {
    SqsError::Invalid(e.to_string())
}

impl Sqs for SdkSqs {
    fn send<'a>(&'a self, queue_url: &'a str, body: String, delay_seconds: u32) -> Call<'a, ()> {
        Box::pin(async move {
            let delay = i32::try_from(delay_seconds).map_err(invalid)?;
            self.client
                .send_message()
                .queue_url(queue_url)
                .message_body(body)
                .delay_seconds(delay)
                .send()
                .await
                .map_err(classify)?;
            Ok(())
        })
    }

    fn send_batch<'a>(
        &'a self,
        queue_url: &'a str,
        bodies: Vec<String>,
    ) -> Call<'a, Vec<(usize, String)>> {
        Box::pin(async move {
            let entries = bodies
                .into_iter()
                .enumerate()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(classify)?;
            Ok(output
                .failed()
                .iter()
                .map(|f| {
                    (
                        f.id().parse().unwrap_or(usize::MAX),
                        f.message().unwrap_or(f.code()).to_string(),
                    )
                })
                .collect())
        })
    }

    fn receive<'a>(&'a self, queue_url: &'a str, max: usize) -> Call<'a, Vec<Received>> {
        Box::pin(async move {
            let max = i32::try_from(max).map_err(invalid)?;
            let output = self
                .client
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(max)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(classify)?;
            Ok(output
                .messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| {
                    let receive_count = m
                        .attributes
                        .as_ref()
                        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(1);
                    Some(Received {
                        message_id: m.message_id?,
                        receipt_handle: m.receipt_handle?,
                        body: m.body.unwrap_or_default(),
                        receive_count,
                    })
                })
                .collect())
        })
    }

    fn delete<'a>(&'a self, queue_url: &'a str, receipts: Vec<String>) -> Call<'a, ()> {
        Box::pin(async move {
            let entries = receipts
                .into_iter()
                .enumerate()
                .map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.client
                .delete_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(classify)?;
            Ok(())
        })
    }
}

fn classify<E, R>(err: SdkError<E, R>) -> SqsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = crate::aws::describe(&err);
    // The query protocol prefixes SQS's own codes; the JSON protocol does not.
    match err
        .code()
        .map(|code| code.trim_start_matches("AWS.SimpleQueueService."))
    {
        Some("RequestThrottled" | "ThrottlingException" | "OverLimit") => SqsError::Throttled(text),
        Some(
            "InvalidParameterValue"
            | "InvalidParameterValueException"
            | "InvalidMessageContents"
            | "InvalidBatchEntryId"
            | "BatchRequestTooLong"
            | "TooManyEntriesInBatchRequest"
            | "EmptyBatchRequest"
            | "BatchEntryIdsNotDistinct"
            | "QueueDoesNotExist"
            | "NonExistentQueue"
            | "ReceiptHandleIsInvalid",
        ) => SqsError::Invalid(text),
        _ => SqsError::Unavailable(text),
    }
}
