//! Issued invoices and credit notes, numbered gap-free per series: a number is taken only in the
//! transaction that stores its document, so a failed or refused issue leaves no hole, and two
//! issues racing for a number cannot both have it.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | a series' counter | `COUNTER#<series>` | `COUNTER` (`last`: the last number issued) |
//! | an order's documents, as a whole | `ORDERDOC#<order id>` | `SET` (`revision`: one more per issue, so two issues for one order cannot both land) |
//! | one document | `ORDERDOC#<order id>` | `DOC#<number>` (`document`: the record the PDF is drawn from; `credited_by`, once reversed; `pdf_stored`) |

use std::collections::HashMap;

use oms_core::invoicing::Document;

use super::attribute_serializer;
use super::item::{from_attribute, number, string};
use super::StoreError;
use crate::dynamo::{
    built, key, n, s, AttributeValue, Db, DynamoError, Op, Put, Query, ReturnValue,
    TransactWriteItem, Update, MAX_TRANSACTION_ITEMS,
};

#[derive(Clone)]
pub struct InvoiceStore {
    db: Db,
    table: String,
}

/// A document as stored, with what happened to it since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub document: Document,
    /// The credit note that reversed it.
    pub credited_by: Option<String>,
    /// Whether its PDF is in the file store yet.
    pub pdf_stored: bool,
}

/// An order's documents and the revision they are at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderDocuments {
    pub revision: u64,
    pub documents: Vec<Stored>,
}

impl OrderDocuments {
    /// Invoices issued and not reversed.
    pub fn in_force(&self) -> Vec<Document> {
        self.documents
            .iter()
            .filter(|d| {
                d.credited_by.is_none()
                    && d.document.kind == oms_core::invoicing::DocumentKind::Invoice
            })
            .map(|d| d.document.clone())
            .collect()
    }
}

/// One issue: new documents numbered from what the series' counters were read at, and the
/// invoices they reverse.
pub struct Issue<'a> {
    pub order_id: &'a str,
    /// The order's documents' revision this issue was decided on.
    pub revision: u64,
    /// Each series used, the last number read and the last number this issue takes.
    pub counters: Vec<(String, u64, u64)>,
    pub documents: Vec<Document>,
    /// (invoice number, credit note number)
    pub reversals: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Another issue took the numbers or changed the order's documents first: read again.
    #[error("another issue landed first")]
    Raced,
    #[error("an issue of {0} documents does not fit one transaction")]
    TooLarge(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn order_pk(order_id: &str) -> String {
    format!("ORDERDOC#{order_id}")
}

fn counter_pk(series: &str) -> String {
    format!("COUNTER#{series}")
}

impl InvoiceStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Everything issued for the order, oldest number first, read consistently.
    pub async fn for_order(&self, order_id: &str) -> Result<OrderDocuments, StoreError> {
        let mut found = OrderDocuments::default();
        let mut start = None;
        loop {
            let page = self
                .db
                .query(Query {
                    start,
                    ..Query::partition(&self.table, "PK", &order_pk(order_id))
                })
                .await?;
            for item in &page.items {
                match string(item, "SK").as_deref() {
                    Some("SET") => found.revision = number(item, "revision").unwrap_or(0),
                    Some(sk) if sk.starts_with("DOC#") => found.documents.push(decode(item)?),
                    _ => {}
                }
            }
            match page.last_key {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        found.documents.sort_by(|a, b| {
            (a.document.issued_at, &a.document.number)
                .cmp(&(b.document.issued_at, &b.document.number))
        });
        Ok(found)
    }

    /// The last number issued in `series` (0 before the first), read consistently.
    pub async fn last_number(&self, series: &str) -> Result<u64, StoreError> {
        let item = self
            .db
            .get(&self.table, key(counter_pk(series), "COUNTER"), true)
            .await?;
        Ok(item.and_then(|i| number(&i, "last")).unwrap_or(0))
    }

    /// Stores the issue's documents, advances the counters and marks the reversed invoices, all
    /// or nothing.
    pub async fn issue(&self, issue: Issue<'_>) -> Result<(), IssueError> {
        let mut writes: Vec<TransactWriteItem> = Vec::new();
        writes.push(
            built(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(order_pk(issue.order_id), "SET")))
                    .update_expression("SET revision = :next")
                    .condition_expression("attribute_not_exists(PK) OR revision = :seen")
                    .expression_attribute_values(":next", n(issue.revision as i64 + 1))
                    .expression_attribute_values(":seen", n(issue.revision as i64))
                    .build(),
            )
            .map_err(StoreError::from)?
            .op(),
        );
        for (series, from, to) in &issue.counters {
            writes.push(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(counter_pk(series), "COUNTER")))
                        .update_expression("SET #last = :to")
                        .condition_expression("attribute_not_exists(PK) OR #last = :from")
                        .expression_attribute_names("#last", "last")
                        .expression_attribute_values(":to", n(*to as i64))
                        .expression_attribute_values(":from", n(*from as i64))
                        .build(),
                )
                .map_err(StoreError::from)?
                .op(),
            );
        }
        for document in &issue.documents {
            writes.push(
                built(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(encode(document)?))
                        .condition_expression("attribute_not_exists(PK)")
                        .build(),
                )
                .map_err(StoreError::from)?
                .op(),
            );
        }
        for (invoice, credit_note) in &issue.reversals {
            writes.push(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(
                            order_pk(issue.order_id),
                            format!("DOC#{invoice}"),
                        )))
                        .update_expression("SET credited_by = :note")
                        .condition_expression(
                            "attribute_exists(PK) AND attribute_not_exists(credited_by)",
                        )
                        .expression_attribute_values(":note", s(credit_note))
                        .build(),
                )
                .map_err(StoreError::from)?
                .op(),
            );
        }
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(IssueError::TooLarge(issue.documents.len()));
        }
        match self.db.transact(writes).await {
            Ok(()) => Ok(()),
            Err(DynamoError::Cancelled(reasons))
                if reasons
                    .iter()
                    .any(|r| r == "ConditionalCheckFailed" || r == "TransactionConflict") =>
            {
                Err(IssueError::Raced)
            }
            Err(other) => Err(StoreError::from(other).into()),
        }
    }

    /// Notes that the document's PDF is in the file store.
    pub async fn mark_stored(&self, order_id: &str, number: &str) -> Result<(), StoreError> {
        self.db
            .write(
                built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(order_pk(order_id), format!("DOC#{number}"))))
                        .update_expression("SET pdf_stored = :yes")
                        .condition_expression("attribute_exists(PK)")
                        .expression_attribute_values(":yes", AttributeValue::Bool(true))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }
}

fn encode(document: &Document) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let document_attribute =
        attribute_serializer::to_attribute(document).map_err(|e| StoreError::Corrupt {
            id: document.number.clone(),
            reason: e.to_string(),
        })?;
    Ok(HashMap::from([
        ("PK".to_string(), s(order_pk(&document.order_id))),
        ("SK".to_string(), s(format!("DOC#{}", document.number))),
        ("document".to_string(), document_attribute),
    ]))
}

fn decode(item: &HashMap<String, AttributeValue>) -> Result<Stored, StoreError> {
    let id = string(item, "SK").unwrap_or_default();
    let value = item
        .get("document")
        .map(from_attribute)
        .ok_or_else(|| StoreError::Corrupt {
            id: id.clone(),
            reason: "no document".into(),
        })?;
    let document = serde_json::from_value(value).map_err(|e| StoreError::Corrupt {
        id,
        reason: e.to_string(),
    })?;
    Ok(Stored {
        document,
        credited_by: string(item, "credited_by"),
        pdf_stored: matches!(item.get("pdf_stored"), Some(AttributeValue::Bool(true))),
    })
}
