//! Webhook deliveries already handled, by the sender's delivery id, so a redelivery is answered
//! without doing anything. Recorded only after the delivery was handled: a delivery that failed half
//! way must be able to run again.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::Utc;

use super::{describe, StoreError};

/// Senders retry for hours (Shopify: about 4), not for weeks.
const REMEMBER_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone)]
pub struct DeliveryLog {
    client: Client,
    table: String,
}

impl DeliveryLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub async fn seen(&self, source: &str, delivery_id: &str) -> Result<bool, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", pk(source, delivery_id))
            .key("SK", AttributeValue::S("SEEN".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(output.item.is_some())
    }

    pub async fn record(&self, source: &str, delivery_id: &str) -> Result<(), StoreError> {
        let expires = Utc::now().timestamp() + REMEMBER_FOR.as_secs() as i64;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("PK", pk(source, delivery_id))
            .item("SK", AttributeValue::S("SEEN".into()))
            .item("expires_at", AttributeValue::N(expires.to_string()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(())
    }
}

fn pk(source: &str, delivery_id: &str) -> AttributeValue {
    AttributeValue::S(format!("DELIVERY#{source}#{delivery_id}"))
}
