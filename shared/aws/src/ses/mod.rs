//! The email port: sending one email. `sdk::SdkSes` sends it through SES; the in-memory world
//! keeps what was sent. Errors come in SES's two classes: a rejection of this message is final,
//! anything else (throttling, an outage, a paused account) is retried.

pub mod sdk;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::notifications::Email;

pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, MailError>> + Send + 'a>>;

/// The mail service. Cloning shares the adapter.
pub type MailService = Arc<dyn Ses>;

pub trait Ses: Send + Sync {
    /// Sends `email` from `sender`; answers the service's message id.
    fn send_email<'a>(&'a self, sender: &'a str, email: &'a Email) -> Call<'a, String>;
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
