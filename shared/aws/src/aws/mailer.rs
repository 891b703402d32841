//! Sending email through SES.

use aws_sdk_ses::types::{Body, Content, Destination, Message};

use super::describe;
use crate::notifications::Email;
use crate::privacy::mask_emails;

#[derive(Clone)]
pub struct Mailer {
    client: aws_sdk_ses::Client,
    sender: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Throttling, outages: the queue retries.
    #[error("SES unavailable: {0}")]
    Transient(String),
    /// SES will never accept this message (a rejected address).
    #[error("SES rejected the email: {0}")]
    Rejected(String),
}

impl Mailer {
    pub fn new(client: aws_sdk_ses::Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
        }
    }

    pub async fn send(&self, email: &Email) -> Result<String, MailError> {
        let content = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(|e| MailError::Rejected(e.to_string()))
        };
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(
                Body::builder()
                    .text(content(&email.text)?)
                    .html(content(&email.html)?)
                    .build(),
            )
            .build();
        let result = self
            .client
            .send_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .message(message)
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id().to_string()),
            Err(e) => {
                // Only a rejection of this message is final. A paused account, an unverified sending
                // domain or a missing configuration set are the merchant's to fix: retried, then
                // parked in the dead-letter queue (and its alarm) rather than lost.
                let permanent = e
                    .as_service_error()
                    .is_some_and(|s| s.is_message_rejected());
                // SES names the addresses it refuses; the reason goes to logs and timelines.
                let reason = mask_emails(&describe(&e));
                if permanent {
                    Err(MailError::Rejected(reason))
                } else {
                    Err(MailError::Transient(reason))
                }
            }
        }
    }
}
