//! What the shop sells, per SKU, for orders entered by hand: title, price, weight.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | a SKU's catalog entry | `SKU#<sku>` | `CATALOG` (`entry`: title, unit_price, currency, grams, requires_shipping) |

use std::collections::HashMap;

use super::attribute_serializer;
use super::batch::get_all;
use super::inventory_store::sku_pk;
use super::item::{from_attribute, string};
use super::StoreError;
use crate::dynamo::{built, key, s, Db, Item, Op, Put, ReturnValue};
use crate::inventory::CatalogEntry;

#[derive(Clone)]
pub struct CatalogStore {
    db: Db,
    table: String,
}

impl CatalogStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    pub async fn put(&self, sku: &str, entry: &CatalogEntry) -> Result<(), StoreError> {
        let entry = attribute_serializer::to_attribute(entry).map_err(|e| StoreError::Corrupt {
            id: sku_pk(sku),
            reason: e.to_string(),
        })?;
        let put = Put::builder()
            .table_name(&self.table)
            .item("PK", s(sku_pk(sku)))
            .item("SK", s("CATALOG"))
            .item("sku", s(sku))
            .item("entry", entry)
            .build();
        self.db.write(built(put)?.op(), ReturnValue::None).await?;
        Ok(())
    }

    pub async fn get(&self, sku: &str) -> Result<Option<CatalogEntry>, StoreError> {
        let item = self
            .db
            .get(&self.table, key(sku_pk(sku), "CATALOG"), true)
            .await?;
        item.as_ref()
            .map(decode)
            .transpose()
            .map(|e| e.map(|(_, entry)| entry))
    }

    /// The entries of those of `skus` the catalog has.
    pub async fn entries(
        &self,
        skus: &[String],
    ) -> Result<HashMap<String, CatalogEntry>, StoreError> {
        let keys = skus.iter().map(|sku| key(sku_pk(sku), "CATALOG")).collect();
        get_all(&self.db, &self.table, keys)
            .await?
            .iter()
            .map(decode)
            .collect()
    }
}

fn decode(item: &Item) -> Result<(String, CatalogEntry), StoreError> {
    let sku = string(item, "sku").unwrap_or_default();
    let corrupt = |reason: String| StoreError::Corrupt {
        id: sku_pk(&sku),
        reason,
    };
    let value = item
        .get("entry")
        .map(from_attribute)
        .ok_or_else(|| corrupt("no entry".into()))?;
    let entry = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
    Ok((sku, entry))
}
