//! What each customer agreed to receive: `CUSTOMER#<email>` / `PREFS`. Customers who opted out of
//! non-essential email get only the essential ones (see `NotificationEvent::is_essential`).

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::Utc;

use super::{describe, StoreError};

#[derive(Clone)]
pub struct PreferenceStore {
    client: Client,
    table: String,
}

impl PreferenceStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Whether the customer accepts non-essential email; yes unless they said no.
    pub async fn accepts_non_essential(&self, email: &str) -> Result<bool, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", pk(email))
            .key("SK", AttributeValue::S("PREFS".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(!matches!(
            output.item.as_ref().and_then(|i| i.get("non_essential")),
            Some(AttributeValue::Bool(false))
        ))
    }

    pub async fn set_non_essential(&self, email: &str, accepted: bool) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("PK", pk(email))
            .item("SK", AttributeValue::S("PREFS".into()))
            .item("non_essential", AttributeValue::Bool(accepted))
            .item("updated_at", AttributeValue::S(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(())
    }
}

/// Email addresses compare case-insensitively in practice.
fn pk(email: &str) -> AttributeValue {
    AttributeValue::S(format!("CUSTOMER#{}", email.trim().to_lowercase()))
}
