//! Carts (storefront checkouts) in DynamoDB: `CART#<channel>#<token>` / `META`, newest channel
//! version wins.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::item::to_item;
use super::{describe, StoreError};
use crate::domain::Cart;

#[derive(Clone)]
pub struct CartStore {
    client: Client,
    table: String,
}

impl CartStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Stores the cart unless we already hold a newer version of it. `false` if ours was newer.
    pub async fn save(&self, cart: &Cart) -> Result<bool, StoreError> {
        let value = serde_json::to_value(cart).map_err(|e| StoreError::Corrupt {
            id: cart.token.clone(),
            reason: e.to_string(),
        })?;
        let mut item = to_item(value);
        let updated = cart.channel_updated_at.timestamp_micros();
        item.insert(
            "PK".into(),
            AttributeValue::S(format!("CART#{}#{}", cart.channel.as_str(), cart.token)),
        );
        item.insert("SK".into(), AttributeValue::S("META".into()));
        item.insert("state".into(), AttributeValue::S("open".into()));
        item.insert(
            "version_micros".into(),
            AttributeValue::N(updated.to_string()),
        );
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR version_micros < :v")
            .expression_attribute_values(":v", AttributeValue::N(updated.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(StoreError::Dynamo(describe(&e))),
        }
    }
}
