//! Transit-time histograms per route in DynamoDB: `TRANSIT#<route>` / `STATS`, one atomic counter
//! per day (`d0` .. `d60`), so recording a delivery is one `ADD` and an estimate one read.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::{describe, StoreError};
use crate::domain::estimate::{TransitHistory, MAX_DAYS};

#[derive(Clone)]
pub struct TransitStats {
    client: Client,
    table: String,
}

impl TransitStats {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub async fn record(&self, route: &str, days: u32) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", pk(route))
            .key("SK", AttributeValue::S("STATS".into()))
            .update_expression("ADD #day :one")
            .expression_attribute_names("#day", format!("d{}", days.min(MAX_DAYS)))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(())
    }

    pub async fn history(&self, route: &str) -> Result<TransitHistory, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", pk(route))
            .key("SK", AttributeValue::S("STATS".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        let item = output.item.unwrap_or_default();
        let counts = (0..=MAX_DAYS)
            .map(|d| match item.get(&format!("d{d}")) {
                Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
                _ => 0,
            })
            .collect();
        Ok(TransitHistory { counts })
    }
}

fn pk(route: &str) -> AttributeValue {
    AttributeValue::S(format!("TRANSIT#{route}"))
}
