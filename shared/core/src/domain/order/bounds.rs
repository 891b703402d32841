//! What keeps an order's item bounded whatever happens to it. DynamoDB refuses an item past
//! 400 KB and bills every write by the item's size, so nothing in an order may grow for ever: its
//! timeline keeps its first entries (how the order came to be) and its latest ones, counting those
//! it let go; each parcel keeps its first scan and its latest ones (see `Shipment::apply`).

use super::Order;

/// Timeline entries an order keeps (about 30 KB of them at most).
pub const MAX_TIMELINE: usize = 200;
/// Of those, the first ones, kept whatever follows.
const FIRST_ENTRIES: usize = 20;

impl Order {
    /// Lets go of the timeline's oldest entries after its first ones, past `MAX_TIMELINE`,
    /// counting them in `timeline_trimmed`.
    pub fn keep_bounded(&mut self) {
        let excess = self.timeline.len().saturating_sub(MAX_TIMELINE);
        if excess > 0 {
            self.timeline.drain(FIRST_ENTRIES..FIRST_ENTRIES + excess);
            self.timeline_trimmed = self.timeline_trimmed.saturating_add(excess as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;

    #[test]
    fn a_long_timeline_keeps_its_first_and_latest_entries_and_counts_the_rest() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        let start = order.created_at;
        let before = order.timeline.len();
        for i in 0..(MAX_TIMELINE + 50) {
            order.note(
                "note",
                format!("entry {i}"),
                start + chrono::Duration::seconds(i as i64),
            );
        }
        let first = order.timeline[0].clone();
        order.keep_bounded();
        assert_eq!(order.timeline.len(), MAX_TIMELINE);
        assert_eq!(order.timeline_trimmed, (before + 50) as u64);
        assert_eq!(order.timeline[0], first, "how the order came to be stays");
        assert_eq!(
            order.timeline.last().map(|e| e.detail.as_str()),
            Some(format!("entry {}", MAX_TIMELINE + 49).as_str())
        );
        let kept = order.clone();
        order.keep_bounded();
        assert_eq!(order, kept, "a bounded order stays as it is");
    }
}
