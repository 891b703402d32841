//! What staff decide about an order: release or reject a held one, cancel one, void a label.

use chrono::{DateTime, Utc};

use crate::aws::order_store::{UpdateError, Updated};
use crate::aws::{OrderStore, Queue};
use crate::carrier::{CarrierError, Carriers};
use crate::domain::order::{HoldError, VoidError};
use crate::domain::status::IllegalTransition;
use crate::domain::{Order, OrderId, ShipmentId};
use crate::messages::{Notification, NotificationEvent, OrderMessage};
use crate::workflow::refunds::Refunds;
use crate::workflow::stock::StockFollowUp;

#[derive(Clone)]
pub struct Review {
    pub orders: OrderStore,
    pub payment_queue: Queue,
    pub notify_queue: Queue,
    pub stock: StockFollowUp,
    pub carrier: Carriers,
    /// Gives a canceled order's gateway payment back (voided or refunded).
    pub refunds: Refunds,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    Refused(HoldError),
    #[error(transparent)]
    Cancel(IllegalTransition),
    #[error(transparent)]
    Void(VoidError),
    #[error("the carrier refused to void the label: {0}")]
    CarrierRefused(String),
    #[error("{0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> ReviewError {
    ReviewError::Unavailable(e.to_string())
}

impl From<UpdateError<HoldError>> for ReviewError {
    fn from(e: UpdateError<HoldError>) -> Self {
        match e {
            UpdateError::NotFound(_) => ReviewError::NotFound,
            UpdateError::Rejected(e) => ReviewError::Refused(e),
            UpdateError::Store(e) => ReviewError::Unavailable(e.to_string()),
        }
    }
}

impl Review {
    /// Releases a held order. Repeating a release that went through (say the answer was lost)
    /// succeeds again and re-sends the order on, so a failed enqueue can always be retried.
    pub async fn release(
        &self,
        id: &OrderId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = self
            .decide(id, "hold_released", |o| o.release_hold(by, now))
            .await?;
        self.payment_queue
            .send(&OrderMessage {
                order_id: id.clone(),
            })
            .await
            .map_err(|e| ReviewError::Unavailable(e.to_string()))?;
        Ok(order)
    }

    /// Rejects a held order: canceled, its stock released, and the customer told. Repeatable
    /// like `release`.
    pub async fn reject(
        &self,
        id: &OrderId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = self
            .decide(id, "hold_rejected", |o| o.reject_hold(by, reason, now))
            .await?;
        self.canceled(&order, now).await?;
        Ok(order)
    }

    /// Cancels an order nothing of which is with the carrier (void its labels first). Repeating
    /// a cancel that went through succeeds again and finishes its follow-up.
    pub async fn cancel(
        &self,
        id: &OrderId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = match self
            .orders
            .update(id, |o| {
                if o.status == crate::domain::OrderStatus::Canceled {
                    return Ok(());
                }
                o.cancel(&format!("Canceled by {by}: {reason}"), now)
            })
            .await
        {
            Ok(Updated { order, .. }) => order,
            Err(UpdateError::NotFound(_)) => return Err(ReviewError::NotFound),
            Err(UpdateError::Rejected(e)) => return Err(ReviewError::Cancel(e)),
            Err(UpdateError::Store(e)) => return Err(unavailable(e)),
        };
        self.canceled(&order, now).await?;
        Ok(order)
    }

    /// A canceled order's stock goes to whoever waits for it, its gateway payment is voided or
    /// refunded, and the customer is told (after the money, so the email says what became of it).
    async fn canceled(&self, order: &Order, now: DateTime<Utc>) -> Result<(), ReviewError> {
        self.refunds
            .after_cancel(&order.id, now)
            .await
            .map_err(unavailable)?;
        // The release itself happened in the order's write; retrying backorders for every SKU
        // of the order is harmless and also covers a retried call.
        let effect = crate::aws::order_store::StockEffect {
            released: order.skus(),
            reserved: Vec::new(),
        };
        self.stock.after(&effect, now).await.map_err(unavailable)?;
        self.notify_queue
            .send(&Notification::about_order(
                order.id.clone(),
                NotificationEvent::Canceled,
            ))
            .await
            .map_err(unavailable)
    }

    /// Voids a label the carrier has not scanned: the carrier refunds it, the parcel's goods are
    /// reserved again, and the order is held for a person to decide (release buys a new label,
    /// reject cancels). 409 once the carrier has the parcel.
    pub async fn void_shipment(
        &self,
        id: &OrderId,
        shipment_id: &ShipmentId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = self
            .orders
            .get(id)
            .await
            .map_err(unavailable)?
            .ok_or(ReviewError::NotFound)?;
        // Check first on a copy, so a parcel already scanned is refused before asking the carrier.
        match order.clone().void_shipment(shipment_id, by, now) {
            Ok(()) => {}
            // Voided by an earlier call whose answer was lost.
            Err(VoidError::AlreadyVoided) => return Ok(order),
            Err(e) => return Err(ReviewError::Void(e)),
        }
        let carrier_shipment_id = order
            .shipment(shipment_id)
            .map(|s| s.carrier_shipment_id.clone())
            .ok_or_else(|| ReviewError::Void(VoidError::UnknownShipment(shipment_id.clone())))?;
        match self.carrier.refund(&carrier_shipment_id).await {
            Ok(refund) if refund.refund_status.as_deref() == Some("rejected") => {
                return Err(ReviewError::CarrierRefused(
                    "the carrier rejected the refund".into(),
                ))
            }
            Ok(_) => {}
            Err(CarrierError::Rejected(reason)) => return Err(ReviewError::CarrierRefused(reason)),
            Err(e @ CarrierError::Transient(_)) => return Err(unavailable(e)),
        }
        match self
            .orders
            .update(id, |o| o.void_shipment(shipment_id, by, now))
            .await
        {
            Ok(updated) => Ok(updated.order),
            Err(UpdateError::NotFound(_)) => Err(ReviewError::NotFound),
            Err(UpdateError::Rejected(e)) => Err(ReviewError::Void(e)),
            Err(UpdateError::Store(e)) => Err(unavailable(e)),
        }
    }

    /// Applies a decision, or recognizes it as already taken: the order is off hold and the last
    /// decision on its timeline is this one.
    async fn decide(
        &self,
        id: &OrderId,
        decision: &str,
        apply: impl FnMut(&mut Order) -> Result<(), HoldError>,
    ) -> Result<Order, ReviewError> {
        match self.orders.update(id, apply).await {
            Ok(updated) => Ok(updated.order),
            Err(UpdateError::Rejected(HoldError::NotOnHold)) => {
                let order = self
                    .orders
                    .get(id)
                    .await
                    .map_err(|e| ReviewError::Unavailable(e.to_string()))?
                    .ok_or(ReviewError::NotFound)?;
                let last = order.timeline.iter().rev().find(|e| {
                    matches!(
                        e.kind.as_str(),
                        "held_for_review" | "hold_released" | "hold_rejected"
                    )
                });
                if last.is_some_and(|e| e.kind == decision) {
                    Ok(order)
                } else {
                    Err(ReviewError::Refused(HoldError::NotOnHold))
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}
