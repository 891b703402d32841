//! Sending the OMS's email from its sender address, through the email port.

use crate::notifications::Email;
pub use crate::ses::MailError;
use crate::ses::MailService;

#[derive(Clone)]
pub struct Mailer {
    service: MailService,
    sender: String,
}

impl Mailer {
    pub fn new(service: MailService, sender: impl Into<String>) -> Self {
        Self {
            service,
            sender: sender.into(),
        }
    }

    pub async fn send(&self, email: &Email) -> Result<String, MailError> {
        self.service.send_email(&self.sender, email).await
    }
}
