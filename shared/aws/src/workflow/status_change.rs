//! A person moving an order along the transition table (`POST /orders/{id}/status`), with the
//! effects of each move: `ready_to_ship` reserves stock and requests the label as a verified
//! payment does, `canceled` runs the cancel path, the others are the order's own (`move_by_hand`)
//! with their stock released or deducted in the order's write.

use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::OrderStore;
use crate::domain::order::{HandMove, MoveError};
use crate::domain::{Order, OrderId, OrderStatus};
use crate::workflow::payment::PaymentVerification;
use crate::workflow::review::{Review, ReviewError};
use crate::workflow::stock::StockFollowUp;

#[derive(Clone)]
pub struct StatusChanges {
    pub orders: OrderStore,
    pub review: Review,
    pub payment: PaymentVerification,
    pub stock: StockFollowUp,
}

#[derive(Debug, thiserror::Error)]
pub enum StatusChangeError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] MoveError),
    #[error(transparent)]
    Review(ReviewError),
    #[error("{0}")]
    Unavailable(String),
}

fn unavailable(e: impl std::fmt::Display) -> StatusChangeError {
    StatusChangeError::Unavailable(e.to_string())
}

impl<E: Into<StatusChangeError>> From<UpdateError<E>> for StatusChangeError {
    fn from(e: UpdateError<E>) -> Self {
        match e {
            UpdateError::NotFound(_) => StatusChangeError::NotFound,
            UpdateError::Rejected(e) => e.into(),
            UpdateError::Store(e) => unavailable(e),
        }
    }
}

impl StatusChanges {
    pub async fn change(
        &self,
        id: &OrderId,
        to: &HandMove,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, StatusChangeError> {
        match to {
            HandMove::ReadyToShip {
                payment_received_offline,
            } => {
                self.release(id, to, *payment_received_offline, by, reason, now)
                    .await
            }
            HandMove::Canceled => self.cancel(id, by, reason, now).await,
            _ => {
                let updated = self
                    .orders
                    .update(id, |o| o.move_by_hand(to, by, reason, now))
                    .await?;
                self.stock
                    .after(&updated.stock, now)
                    .await
                    .map_err(unavailable)?;
                Ok(updated.order)
            }
        }
    }

    /// Released to fulfillment as a verified payment releases it: stock reserved (or the order
    /// waits for it, 409), the label requested.
    async fn release(
        &self,
        id: &OrderId,
        to: &HandMove,
        received_offline: bool,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, StatusChangeError> {
        self.orders
            .update(id, |o| {
                o.check_by_hand(to)?;
                if received_offline {
                    o.record_offline_payment(by, reason, now);
                }
                Ok::<_, MoveError>(())
            })
            .await?;
        self.payment.verify(id, now).await.map_err(unavailable)?;
        let updated = self
            .orders
            .update(id, |o| {
                if o.status != OrderStatus::ReadyToShip {
                    let waiting = o.backordered_skus().join(", ");
                    return Err(MoveError::NotReady(if waiting.is_empty() {
                        format!("the order stayed {}", o.status)
                    } else {
                        format!(
                            "waiting for stock of {waiting}: the order stays open and ships \
                             when it arrives"
                        )
                    }));
                }
                o.by_hand_entry(OrderStatus::Open, by, reason, now);
                Ok(())
            })
            .await?;
        Ok(updated.order)
    }

    async fn cancel(
        &self,
        id: &OrderId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, StatusChangeError> {
        let order = self
            .orders
            .get(id)
            .await
            .map_err(unavailable)?
            .ok_or(StatusChangeError::NotFound)?;
        order.check_by_hand(&HandMove::Canceled)?;
        let from = order.status;
        self.review
            .cancel(id, by, reason, now)
            .await
            .map_err(StatusChangeError::Review)?;
        let updated = self
            .orders
            .update(id, |o| {
                o.by_hand_entry(from, by, reason, now);
                Ok::<_, MoveError>(())
            })
            .await?;
        Ok(updated.order)
    }
}
