//! Runs an SQS batch one message per task, concurrently, and reports the failed ones by id so only
//! they come back (`ReportBatchItemFailures`). Never fails the batch as a whole. Each message's
//! duration, each retry and each message given up on (its last receive) are metrics.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::future::join_all;
use tracing::Instrument;

use crate::metrics::{now_millis, Metrics, Point, Unit};

/// Every queue's `maxReceiveCount` (template.yaml): a message failing on this receive goes to
/// the dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;

pub async fn process<F, Fut>(
    event: SqsEvent,
    metrics: &Metrics,
    function: &str,
    handle: F,
) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let runs = event.records.into_iter().map(|message| {
        let id = message.message_id.clone().unwrap_or_default();
        let receive_count = message
            .attributes
            .get("ApproximateReceiveCount")
            .cloned()
            .unwrap_or_default();
        let span = tracing::info_span!("message", message_id = %id, receive_count = %receive_count);
        let run = handle(message);
        async move {
            let started = std::time::Instant::now();
            let result = run.await;
            let millis = started.elapsed().as_micros() as i64;
            metrics.emit(
                &[Point {
                    name: "MessageDuration",
                    value: rust_decimal::Decimal::new(millis, 3),
                    unit: Unit::Milliseconds,
                    dimension: ("Function", function.to_string()),
                }],
                now_millis(),
            );
            match result {
                Ok(()) => None,
                Err(e) => {
                    let last = receive_count
                        .parse::<u32>()
                        .is_ok_and(|count| count >= MAX_RECEIVES);
                    if last {
                        tracing::error!(
                            error = format!("{e:#}"),
                            "message failed for the last time; it goes to the dead-letter queue"
                        );
                        metrics.count("DeadLetters", ("Function", function));
                    } else {
                        tracing::error!(
                            error = format!("{e:#}"),
                            "message failed; it will be retried"
                        );
                        metrics.count("Retries", ("Function", function));
                    }
                    Some(id)
                }
            }
        }
        .instrument(span)
    });
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = join_all(runs)
        .await
        .into_iter()
        .flatten()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}

/// Reads a message body as JSON of the expected shape.
pub fn body<T: serde::de::DeserializeOwned>(message: &SqsMessage) -> anyhow::Result<T> {
    let body = message.body.as_deref().unwrap_or_default();
    serde_json::from_str(body).map_err(|e| anyhow::anyhow!("unreadable message body: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        m
    }

    #[tokio::test]
    async fn reports_exactly_the_failed_messages() {
        let mut event = SqsEvent::default();
        event.records = vec![message("a", "ok"), message("b", "fail"), message("c", "ok")];
        let metrics = Metrics::memory();
        let response = process(event, &metrics, "test", |m| async move {
            if m.body.as_deref() == Some("fail") {
                anyhow::bail!("boom")
            }
            Ok(())
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["b"]);
        let lines = metrics.lines();
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains("\"MessageDuration\""))
                .count(),
            3
        );
        assert_eq!(
            lines.iter().filter(|l| l.contains("\"Retries\":1")).count(),
            1
        );
    }
}
