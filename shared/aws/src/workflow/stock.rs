//! What follows a stock change: units freed up retry the orders waiting for them (oldest first,
//! through the payment queue), and available stock falling below a SKU's reorder point asks its
//! supplier for more, once per crossing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::aws::inventory_store::ReorderSettings;
use crate::aws::order_store::StockEffect;
use crate::aws::{InventoryStore, Queue};
use crate::messages::{ReorderRequest, Restock};

/// Backorder queues looked at together.
const CONCURRENT_READS: usize = 16;

#[derive(Clone)]
pub struct StockFollowUp {
    pub inventory: InventoryStore,
    pub payment_queue: Queue,
    pub notify_queue: Queue,
}

impl StockFollowUp {
    pub async fn after(&self, effect: &StockEffect, now: DateTime<Utc>) -> anyhow::Result<()> {
        for sku in &effect.released {
            self.restocked(sku).await?;
        }
        for sku in &effect.reserved {
            self.check_reorder_point(sku, now).await?;
        }
        Ok(())
    }

    /// Units of `sku` became available: its backorders get a chance, and its low-stock mark is
    /// cleared once it is back at or above the reorder point.
    pub async fn restocked(&self, sku: &str) -> anyhow::Result<()> {
        self.announce_restock(sku).await?;
        let settings = self.inventory.settings(sku).await?;
        self.clear_low_when_back(sku, &settings).await
    }

    /// What follows many SKUs' counts changing at once (a stock import): a restock notice only
    /// for a SKU with orders waiting for it, and one read of every SKU's reorder settings.
    pub async fn after_many(
        &self,
        rose: &[&str],
        fell: &[&str],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        // A SKU imported at two locations is one SKU (a batch read refuses a key twice).
        let rose: BTreeSet<&str> = rose.iter().copied().collect();
        let fell: BTreeSet<&str> = fell.iter().copied().collect();
        let risen: Vec<&str> = rose.iter().copied().collect();
        for skus in risen.chunks(CONCURRENT_READS) {
            let waiting = skus.iter().map(|sku| self.inventory.backorders(sku, 1));
            for (sku, waiting) in skus.iter().zip(futures::future::join_all(waiting).await) {
                if !waiting?.is_empty() {
                    self.announce_restock(sku).await?;
                }
            }
        }
        let all: Vec<&str> = rose.union(&fell).copied().collect();
        for (sku, settings) in self.inventory.settings_of(&all).await? {
            if fell.contains(sku.as_str()) {
                self.ask_supplier_when_low(&sku, &settings, now).await?;
            } else {
                self.clear_low_when_back(&sku, &settings).await?;
            }
        }
        Ok(())
    }

    /// Units of `sku` were taken: below the reorder point, the supplier is asked (once).
    pub async fn check_reorder_point(&self, sku: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let settings = self.inventory.settings(sku).await?;
        self.ask_supplier_when_low(sku, &settings, now).await
    }

    async fn announce_restock(&self, sku: &str) -> anyhow::Result<()> {
        self.payment_queue
            .send(&Restock {
                restocked_sku: sku.to_string(),
            })
            .await?;
        Ok(())
    }

    async fn clear_low_when_back(
        &self,
        sku: &str,
        settings: &ReorderSettings,
    ) -> anyhow::Result<()> {
        if let (Some(point), Some(_)) = (settings.reorder_point, settings.low_since) {
            if total_available(&self.inventory, sku).await? >= i64::from(point) {
                self.inventory.clear_low(sku).await?;
            }
        }
        Ok(())
    }

    async fn ask_supplier_when_low(
        &self,
        sku: &str,
        settings: &ReorderSettings,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let Some(point) = settings.reorder_point else {
            return Ok(());
        };
        if settings.low_since.is_some()
            || total_available(&self.inventory, sku).await? >= i64::from(point)
        {
            return Ok(());
        }
        if self.inventory.mark_low(sku, now).await? {
            tracing::info!(
                sku,
                reorder_point = point,
                "stock below reorder point; supplier asked"
            );
            self.notify_queue
                .send(&ReorderRequest {
                    reorder_sku: sku.to_string(),
                    since: now.to_rfc3339(),
                })
                .await?;
        }
        Ok(())
    }
}

pub async fn total_available(inventory: &InventoryStore, sku: &str) -> anyhow::Result<i64> {
    Ok(inventory
        .levels(sku)
        .await?
        .iter()
        .map(|l| l.available())
        .sum())
}
