//! Transit-time histograms per route in DynamoDB: `TRANSIT#<route>` / `STATS`, one atomic counter
//! per day (`d0` .. `d60`), so recording a delivery is one `ADD` and an estimate one read.

use crate::dynamo::{built, key, AttributeValue, Db, Op, ReturnValue, Update};

use super::StoreError;
use crate::domain::estimate::{TransitHistory, MAX_DAYS};

#[derive(Clone)]
pub struct TransitStats {
    db: Db,
    table: String,
}

impl TransitStats {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    pub async fn record(&self, route: &str, days: u32) -> Result<(), StoreError> {
        self.db
            .write(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .key("PK", AttributeValue::S(pk(route)))
                        .key("SK", AttributeValue::S("STATS".into()))
                        .update_expression("ADD #day :one")
                        .expression_attribute_names("#day", format!("d{}", days.min(MAX_DAYS)))
                        .expression_attribute_values(":one", AttributeValue::N("1".into()))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }

    pub async fn history(&self, route: &str) -> Result<TransitHistory, StoreError> {
        let item = self
            .db
            .get(&self.table, key(pk(route), "STATS"), false)
            .await?;
        let item = item.unwrap_or_default();
        let counts = (0..=MAX_DAYS)
            .map(|d| match item.get(&format!("d{d}")) {
                Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
                _ => 0,
            })
            .collect();
        Ok(TransitHistory { counts })
    }
}

fn pk(route: &str) -> String {
    format!("TRANSIT#{route}")
}
