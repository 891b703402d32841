//! A person editing an order (`PATCH /orders/{id}` with `If-Match`): the edit, review and the
//! stock's new plan are one conditional write of the version the person saw; an order released
//! to fulfillment again by it has its label requested.

use chrono::{DateTime, Utc};

use crate::aws::order_store::{StoreError, UpdateError};
use crate::aws::{InventoryStore, OrderStore, Queue};
use crate::domain::order::{EditError, OrderEdit};
use crate::domain::{Order, OrderId, OrderStatus};
use crate::messages::OrderMessage;
use crate::workflow::stock::StockFollowUp;

/// Plans of the new lines' stock before giving up (another order took the units each time).
const MAX_PLANS: usize = 10;

#[derive(Clone)]
pub struct OrderEdits {
    pub orders: OrderStore,
    pub inventory: InventoryStore,
    pub label_queue: Queue,
    pub stock: StockFollowUp,
}

#[derive(Debug, thiserror::Error)]
pub enum OrderEditError {
    #[error("no such order")]
    NotFound,
    /// The order is no longer the version the person edited.
    #[error("the order is at version {current}, not {expected}: read it again")]
    Stale { expected: u64, current: u64 },
    #[error(transparent)]
    Refused(#[from] EditError),
    #[error("{0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> OrderEditError {
    OrderEditError::Unavailable(e.to_string())
}

impl OrderEdits {
    pub async fn edit(
        &self,
        id: &OrderId,
        expected_version: u64,
        edit: &OrderEdit,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, OrderEditError> {
        for _ in 0..MAX_PLANS {
            let order = self
                .orders
                .get(id)
                .await
                .map_err(unavailable)?
                .ok_or(OrderEditError::NotFound)?;
            if order.version != expected_version {
                return Err(OrderEditError::Stale {
                    expected: expected_version,
                    current: order.version,
                });
            }
            let mut skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
            skus.extend(edit.lines.iter().map(|l| l.sku.as_str()));
            let view = self.inventory.view(&skus).await.map_err(unavailable)?;
            let locations = self.inventory.locations().await.map_err(unavailable)?;
            let result = self
                .orders
                .update(id, |o| {
                    if o.version != expected_version {
                        return Err(OrderEditError::Stale {
                            expected: expected_version,
                            current: o.version,
                        });
                    }
                    o.edit(edit, by, &view, &locations, now)?;
                    Ok(o.status)
                })
                .await;
            let updated = match result {
                Ok(updated) => updated,
                Err(UpdateError::Store(StoreError::StockChanged(_))) => continue,
                Err(UpdateError::NotFound(_)) => return Err(OrderEditError::NotFound),
                Err(UpdateError::Rejected(e)) => return Err(e),
                Err(UpdateError::Store(e)) => return Err(unavailable(e)),
            };
            self.stock
                .after(&updated.stock, now)
                .await
                .map_err(unavailable)?;
            let released_again = order.status != OrderStatus::ReadyToShip
                && updated.outcome == OrderStatus::ReadyToShip;
            let replanned = order.allocation != updated.order.allocation
                && updated.outcome == OrderStatus::ReadyToShip;
            if updated.written && updated.order.hold.is_none() && (released_again || replanned) {
                self.label_queue
                    .send(&OrderMessage {
                        order_id: id.clone(),
                    })
                    .await
                    .map_err(unavailable)?;
            }
            return Ok(updated.order);
        }
        Err(unavailable(format!(
            "order {id}: stock kept changing while planning the edit"
        )))
    }
}
