//! The email port on SES's `SendEmail`.

use aws_sdk_ses::types::{Body, Content, Destination, Message};

use super::{Call, MailError, Ses};
use crate::notifications::Email;
use crate::privacy::mask_emails;

#[derive(Clone)]
pub struct SdkSes {
    client: aws_sdk_ses::Client,
}

impl SdkSes {
    pub fn new(client: aws_sdk_ses::Client) -> Self {
        Self { client }
    }
}

impl Ses for SdkSes {
    fn send_email<'a>(&'a self, sender: &'a str, email: &'a Email) -> Call<'a, String> {
        Box::pin(async move {
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
                .source(sender)
                .destination(Destination::builder().to_addresses(&email.to).build())
                .message(message)
                .send()
                .await;
            match result {
                Ok(output) => Ok(output.message_id().to_string()),
                Err(e) => {
                    // Only a rejection of this message is final. A paused account, an unverified
                    // sending domain or a missing configuration set are the merchant's to fix:
                    // retried, then parked in the dead-letter queue (and its alarm) rather than lost.
                    let permanent = e
                        .as_service_error()
                        .is_some_and(|s| s.is_message_rejected());
                    // SES names the addresses it refuses; the reason goes to logs and timelines.
                    let reason = mask_emails(&crate::aws::describe(&e));
                    if permanent {
                        Err(MailError::Rejected(reason))
                    } else {
                        Err(MailError::Transient(reason))
                    }
                }
            }
        })
    }
}
