//! Stock imports too big for one request, kept while they are applied: the checked rows in parts
//! (each applied by one queue message, at most once), and what each part came to.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | import | `IMPORT#<id>` | `META` (rows, parts, `done_parts`: a number set, so marking a part done twice counts once) |
//! | part | `IMPORT#<id>` | `PART#<n>` (its rows; once applied, how many and which were refused) |

use std::collections::HashMap;
use std::time::Duration;

use crate::dynamo::{built, key, AttributeValue, Db, Op, Put, ReturnValue, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::item::{number, string};
use super::StoreError;
use crate::dynamo::Item;
use crate::inventory::csv::StockRow;

/// Import records are kept this long after the import started.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone)]
pub struct ImportStore {
    db: Db,
    table: String,
}

/// A row an import could not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub sku: String,
    pub location: String,
    pub error: String,
}

/// One part's rows, and its outcome once applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The import's start: what orders its writes against other imports'.
    pub started_at: DateTime<Utc>,
    /// How many parts the import has.
    pub parts: u32,
    pub rows: Vec<StockRow>,
    pub outcome: Option<PartOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartOutcome {
    pub applied: usize,
    pub refused: Vec<Refused>,
}

/// Where an import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStatus {
    pub started_at: DateTime<Utc>,
    pub rows: usize,
    pub parts: u32,
    pub parts_done: u32,
    pub applied: usize,
    pub refused: Vec<Refused>,
}

impl ImportStatus {
    pub fn is_done(&self) -> bool {
        self.parts_done >= self.parts
    }
}

impl ImportStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Stores an import's parts, then the import itself (only then can anyone see it).
    pub async fn create(
        &self,
        id: &str,
        parts: &[&[StockRow]],
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let expires = started_at.timestamp() + RETENTION.as_secs() as i64;
        let mut items = Vec::with_capacity(parts.len());
        for (n, rows) in parts.iter().enumerate() {
            let rows = serde_json::to_string(rows).map_err(|e| StoreError::Corrupt {
                id: pk(id),
                reason: e.to_string(),
            })?;
            items.push(HashMap::from([
                ("PK".to_string(), s(pk(id))),
                ("SK".to_string(), s(part_sk(n as u32))),
                ("rows".to_string(), s(rows)),
                ("started_at".to_string(), s(started_at.to_rfc3339())),
                ("parts".to_string(), num(parts.len() as i64)),
                ("expires_at".to_string(), num(expires)),
            ]));
        }
        super::batch::put_all(&self.db, &self.table, items).await?;
        let rows: usize = parts.iter().map(|p| p.len()).sum();
        self.db
            .write(
                built(
                    Put::builder()
                        .table_name(&self.table)
                        .item("PK", s(pk(id)))
                        .item("SK", s("META"))
                        .item("rows", num(rows as i64))
                        .item("parts", num(parts.len() as i64))
                        .item("started_at", s(started_at.to_rfc3339()))
                        .item("expires_at", num(expires))
                        .condition_expression("attribute_not_exists(PK)")
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }

    pub async fn part(&self, id: &str, n: u32) -> Result<Option<Part>, StoreError> {
        let item = self
            .db
            .get(&self.table, key(pk(id), part_sk(n)), true)
            .await?;
        item.as_ref().map(|item| decode_part(id, item)).transpose()
    }

    /// Records what a part came to and counts it done (once, however often it is recorded).
    pub async fn finish_part(
        &self,
        id: &str,
        n: u32,
        outcome: &PartOutcome,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(outcome).map_err(|e| StoreError::Corrupt {
            id: pk(id),
            reason: e.to_string(),
        })?;
        self.db
            .write(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .key("PK", s(pk(id)))
                        .key("SK", s(part_sk(n)))
                        .update_expression("SET outcome = :outcome")
                        .expression_attribute_values(":outcome", s(text))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        self.db
            .write(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .key("PK", s(pk(id)))
                        .key("SK", s("META"))
                        .update_expression("ADD done_parts :n")
                        .condition_expression("attribute_exists(PK)")
                        .expression_attribute_values(":n", AttributeValue::Ns(vec![n.to_string()]))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }

    pub async fn status(&self, id: &str) -> Result<Option<ImportStatus>, StoreError> {
        let items = super::batch::query(&self.db, &self.table, &pk(id), None, true, None).await?;
        let Some(meta) = items
            .iter()
            .find(|i| string(i, "SK").as_deref() == Some("META"))
        else {
            return Ok(None);
        };
        let corrupt = |reason: &str| StoreError::Corrupt {
            id: pk(id),
            reason: reason.to_string(),
        };
        let started_at = started_at(meta).ok_or_else(|| corrupt("no start time"))?;
        let parts_done = match meta.get("done_parts") {
            Some(AttributeValue::Ns(done)) => done.len() as u32,
            _ => 0,
        };
        let mut status = ImportStatus {
            started_at,
            rows: number(meta, "rows").ok_or_else(|| corrupt("no row count"))?,
            parts: number(meta, "parts").ok_or_else(|| corrupt("no part count"))?,
            parts_done,
            applied: 0,
            refused: Vec::new(),
        };
        for item in items
            .iter()
            .filter(|i| string(i, "SK").is_some_and(|sk| sk.starts_with("PART#")))
        {
            if let Some(outcome) = decode_part(id, item)?.outcome {
                status.applied += outcome.applied;
                status.refused.extend(outcome.refused);
            }
        }
        Ok(Some(status))
    }
}

fn decode_part(id: &str, item: &Item) -> Result<Part, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { id: pk(id), reason };
    let rows = string(item, "rows").ok_or_else(|| corrupt("a part without rows".into()))?;
    let rows = serde_json::from_str(&rows).map_err(|e| corrupt(e.to_string()))?;
    let started_at = started_at(item).ok_or_else(|| corrupt("a part without its start".into()))?;
    let parts = number(item, "parts")
        .ok_or_else(|| corrupt("a part without its import's part count".into()))?;
    let outcome = string(item, "outcome")
        .map(|text| serde_json::from_str(&text).map_err(|e| corrupt(e.to_string())))
        .transpose()?;
    Ok(Part {
        started_at,
        parts,
        rows,
        outcome,
    })
}

fn started_at(item: &Item) -> Option<DateTime<Utc>> {
    string(item, "started_at")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn pk(id: &str) -> String {
    format!("IMPORT#{id}")
}

fn part_sk(n: u32) -> String {
    format!("PART#{n:05}")
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn num(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
