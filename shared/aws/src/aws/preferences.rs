//! What each customer agreed to receive: `CUSTOMER#<email>` / `PREFS`. Customers who opted out of
//! non-essential email get only the essential ones (see `NotificationEvent::is_essential`).

use crate::dynamo::{built, key, AttributeValue, Db, Op, Put, ReturnValue};
use chrono::{DateTime, Utc};

use super::StoreError;

#[derive(Clone)]
pub struct PreferenceStore {
    db: Db,
    table: String,
}

impl PreferenceStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Whether the customer accepts non-essential email; yes unless they said no.
    pub async fn accepts_non_essential(&self, email: &str) -> Result<bool, StoreError> {
        let item = self
            .db
            .get(&self.table, key(pk(email), "PREFS"), false)
            .await?;
        Ok(!matches!(
            item.as_ref().and_then(|i| i.get("non_essential")),
            Some(AttributeValue::Bool(false))
        ))
    }

    pub async fn set_non_essential(
        &self,
        email: &str,
        accepted: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db
            .write(
                built(
                    Put::builder()
                        .table_name(&self.table)
                        .item("PK", AttributeValue::S(pk(email)))
                        .item("SK", AttributeValue::S("PREFS".into()))
                        .item("non_essential", AttributeValue::Bool(accepted))
                        .item("updated_at", AttributeValue::S(now.to_rfc3339()))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }
}

/// Email addresses compare case-insensitively in practice.
fn pk(email: &str) -> String {
    format!("CUSTOMER#{}", email.trim().to_lowercase())
}
