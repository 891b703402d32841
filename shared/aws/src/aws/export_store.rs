//! Orders exports written to S3 part by part: what each asked for and how far it has got.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | an export | `EXPORT#<id>` | `META` (the query, the upload, the parts written with their ETags, where the next part starts, counts; expires with its file) |
//!
//! Each step of an export is one conditional put of the whole record on the part it expected
//! (`next_part`) and the status it read, so a part recorded twice, by a redelivered message or a
//! second worker, is recorded once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::item::{from_item, to_item};
use super::StoreError;
use crate::domain::order_query::OrderQuery;
use crate::dynamo::{built, key, n, s, Db, DynamoError, Op, Put, ReturnValue};

#[derive(Clone)]
pub struct ExportStore {
    db: Db,
    table: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    Running,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub id: String,
    pub query: OrderQuery,
    /// Who asked (the token's name), and where to tell them it is ready (none: the ops address).
    pub requested_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
    pub status: ExportStatus,
    /// The file in the document bucket, and its multipart upload.
    pub key: String,
    pub upload_id: String,
    /// The part the next step writes (from 1).
    pub next_part: u32,
    /// Parts written: number and ETag.
    #[serde(default)]
    pub parts: Vec<(i32, String)>,
    /// Where the next part's orders start in the search (none: at the beginning, or, once
    /// `written_all`, nowhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Every matching order is in the parts: the upload only needs completing.
    #[serde(default)]
    pub written_all: bool,
    pub orders: u64,
    pub bytes: u64,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Epoch seconds when DynamoDB's TTL drops the record (with the file's own expiry).
    pub expires_at: i64,
}

fn pk(id: &str) -> String {
    format!("EXPORT#{id}")
}

impl ExportStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    pub async fn create(&self, export: &Export) -> Result<(), StoreError> {
        self.put(export, "attribute_not_exists(PK)", None).await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Export>, StoreError> {
        let Some(item) = self.db.get(&self.table, key(pk(id), "META"), true).await? else {
            return Ok(None);
        };
        let mut value = from_item(&item);
        if let Some(map) = value.as_object_mut() {
            map.remove("PK");
            map.remove("SK");
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                id: pk(id),
                reason: e.to_string(),
            })
    }

    /// Stores `export` over the record it was read as (`read`: its part and status then);
    /// false when another step got there first.
    pub async fn advance(&self, export: &Export, read: &Export) -> Result<bool, StoreError> {
        self.put(
            export,
            "next_part = :part AND #status = :status",
            Some(read),
        )
        .await
    }

    async fn put(
        &self,
        export: &Export,
        condition: &str,
        read: Option<&Export>,
    ) -> Result<bool, StoreError> {
        let value = serde_json::to_value(export).map_err(|e| StoreError::Corrupt {
            id: pk(&export.id),
            reason: e.to_string(),
        })?;
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(value)))
            .item("PK", s(pk(&export.id)))
            .item("SK", s("META"))
            .condition_expression(condition);
        if let Some(read) = read {
            let status = serde_json::to_value(read.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            put = put
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":part", n(i64::from(read.next_part)))
                .expression_attribute_values(":status", s(status));
        }
        match self
            .db
            .write(built(put.build())?.op(), ReturnValue::None)
            .await
        {
            Ok(_) => Ok(true),
            Err(DynamoError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
