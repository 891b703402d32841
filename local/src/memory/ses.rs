//! SES in memory: every email accepted is kept, in order, for checks to read. An answer lost
//! after sending is the window every mailer has (the email went, the caller cannot know), so it
//! is recorded like any other send.

use std::sync::{Arc, Mutex};

use oms::notifications::Email;
use oms::ses::{Call, MailError, Ses};

use super::faults::{Faults, Injected};

/// One email as the service accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: String,
    pub sender: String,
    pub email: Email,
}

#[derive(Clone, Default)]
pub struct MemorySes {
    sent: Arc<Mutex<Vec<Sent>>>,
    faults: Faults,
}

impl Injected for MailError {
    fn failed() -> Self {
        MailError::Transient("ServiceUnavailable (injected)".into())
    }
    fn throttled() -> Self {
        MailError::Transient("Throttling: Maximum sending rate exceeded (injected)".into())
    }
    fn lost() -> Self {
        MailError::Transient("the answer was lost after sending (injected)".into())
    }
}

impl MemorySes {
    pub fn new(faults: Faults) -> Self {
        Self {
            sent: Arc::default(),
            faults,
        }
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().expect("outbox").clone()
    }
}

impl Ses for MemorySes {
    fn send_email<'a>(&'a self, sender: &'a str, email: &'a Email) -> Call<'a, String> {
        Box::pin(async move {
            let fate = self.faults.call("ses", "SendEmail").await;
            fate.before()?;
            let mut sent = self.sent.lock().expect("outbox");
            let message_id = format!("mem-{:08}", sent.len() + 1);
            sent.push(Sent {
                message_id: message_id.clone(),
                sender: sender.to_string(),
                email: email.clone(),
            });
            drop(sent);
            fate.after(message_id)
        })
    }
}
