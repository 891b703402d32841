//! Noticing a parcel that went quiet: when a parcel gets an estimate (its label is bought, or the
//! carrier revises it), a check is scheduled for that moment; if the parcel is still on its way
//! then, the order is flagged and the customer told it is running late, without waiting for the
//! carrier to say anything.

use chrono::{DateTime, Utc};

use crate::aws::queue::{QueueError, MAX_DELAY_SECONDS};
use crate::aws::Queue;
use crate::domain::{OrderId, Shipment, TrackingStatus};
use crate::messages::DelayCheck;

/// Schedules the check for the parcel's current estimate (nothing for a parcel without one, or
/// one whose journey is over).
pub async fn schedule(
    queue: &Queue,
    order_id: &OrderId,
    shipment: &Shipment,
    now: DateTime<Utc>,
) -> Result<(), QueueError> {
    let Some(due) = shipment.estimated_delivery else {
        return Ok(());
    };
    if shipment.tracking_status.is_terminal()
        || shipment.tracking_status == TrackingStatus::Cancelled
        || shipment.delayed_since.is_some()
    {
        return Ok(());
    }
    let check = DelayCheck {
        delay_order_id: order_id.clone(),
        delay_shipment_id: shipment.id.clone(),
        due,
    };
    queue.send_after(&check, wait_until(due, now)).await
}

/// Seconds to wait before looking again: until `due`, at most as long as SQS can delay.
pub fn wait_until(due: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
    let seconds = (due - now)
        .num_seconds()
        .clamp(0, i64::from(MAX_DELAY_SECONDS));
    u32::try_from(seconds).unwrap_or(MAX_DELAY_SECONDS)
}
