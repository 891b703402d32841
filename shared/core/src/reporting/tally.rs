//! What one order counts for in the reports, and where its counters live.
//!
//! Each order counts in one cell: its channel, the day we received it (our clock, UTC) and a
//! shard picked from its id, so concurrent writes of different orders rarely touch the same item.
//! All three never change, so every write of an order moves the same cell's counters.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::latency;
use crate::domain::order::Channel;
#[cfg(test)]
use crate::domain::Shipment;
use crate::domain::{Currency, Order, OrderStatus, TrackingStatus};

/// Cells per channel and day: writes of up to this many orders at once never contend.
pub const SHARDS: u8 = 16;

/// Where an order's counters live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub channel: Channel,
    pub day: NaiveDate,
    pub shard: u8,
}

impl Cell {
    pub fn of(order: &Order) -> Self {
        Self {
            channel: order.channel,
            day: order.created_at.date_naive(),
            shard: Sha256::digest(order.id.as_str().as_bytes())[0] % SHARDS,
        }
    }
}

/// One counter of a cell.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Counter {
    /// Orders received.
    Orders,
    /// Orders that count as sales (not canceled, failed or abandoned), per currency.
    Sales(Currency),
    /// What those orders total, per currency.
    Revenue(Currency),
    Canceled,
    Returned,
    /// Orders with at least one parcel that is not voided.
    Shipped,
    /// Parcels not voided, and what their labels cost (in the carrier account's currency).
    Labels,
    LabelCost,
    /// Orders now on hold.
    OnHold,
    /// Parcels past their estimated delivery and still on their way.
    Late,
    /// Orders per bucket of time from order to first label (`latency::bucket`).
    ToLabel(usize),
    /// Orders per bucket of time from order to delivered (the order closed).
    ToDelivery(usize),
    /// Units sold of a SKU, on orders that count as sales.
    Units(String),
    /// Where orders stand now, whenever they came in (`Tally::standing`): per status...
    Status(OrderStatus),
    /// ... and those needing attention (with `OnHold`, those on hold).
    Attention,
}

impl Counter {
    /// Its attribute name in the cell item.
    pub fn name(&self) -> String {
        match self {
            Counter::Orders => "orders".into(),
            Counter::Sales(currency) => format!("sales:{currency}"),
            Counter::Revenue(currency) => format!("revenue:{currency}"),
            Counter::Canceled => "canceled".into(),
            Counter::Returned => "returned".into(),
            Counter::Shipped => "shipped".into(),
            Counter::Labels => "labels".into(),
            Counter::LabelCost => "label_cost".into(),
            Counter::OnHold => "on_hold".into(),
            Counter::Late => "late".into(),
            Counter::ToLabel(bucket) => format!("to_label:{bucket}"),
            Counter::ToDelivery(bucket) => format!("to_delivery:{bucket}"),
            Counter::Units(sku) => format!("units:{sku}"),
            Counter::Status(status) => format!("status:{status}"),
            Counter::Attention => "attention".into(),
        }
    }

    /// The counter an attribute name stands for; `None` for any other attribute of the item.
    pub fn parse(name: &str) -> Option<Self> {
        let bucket = |text: &str| text.parse::<usize>().ok().filter(|&b| b < latency::BUCKETS);
        Some(match name.split_once(':') {
            None => match name {
                "orders" => Counter::Orders,
                "canceled" => Counter::Canceled,
                "returned" => Counter::Returned,
                "shipped" => Counter::Shipped,
                "labels" => Counter::Labels,
                "label_cost" => Counter::LabelCost,
                "on_hold" => Counter::OnHold,
                "late" => Counter::Late,
                "attention" => Counter::Attention,
                _ => return None,
            },
            Some(("sales", code)) => Counter::Sales(Currency::parse(code).ok()?),
            Some(("revenue", code)) => Counter::Revenue(Currency::parse(code).ok()?),
            Some(("to_label", b)) => Counter::ToLabel(bucket(b)?),
            Some(("to_delivery", b)) => Counter::ToDelivery(bucket(b)?),
            Some(("units", sku)) => Counter::Units(sku.to_string()),
            Some(("status", status)) => Counter::Status(OrderStatus::parse(status)?),
            Some(_) => return None,
        })
    }
}

/// Counters and their values: what one order counts for, a change to that, or a day's sum.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally(BTreeMap<Counter, Decimal>);

impl Tally {
    /// What `order` counts for as it stands. Test orders count for nothing.
    pub fn of(order: &Order) -> Self {
        let mut tally = Tally::default();
        if order.test {
            return tally;
        }
        tally.add(Counter::Orders, Decimal::ONE);
        let sold = !matches!(
            order.status,
            OrderStatus::Canceled | OrderStatus::Failed | OrderStatus::Abandoned
        );
        if sold {
            tally.add(Counter::Sales(order.currency.clone()), Decimal::ONE);
            tally.add(Counter::Revenue(order.currency.clone()), order.totals.total);
            for line in &order.lines {
                tally.add(Counter::Units(line.sku.clone()), line.quantity.into());
            }
        }
        match order.status {
            OrderStatus::Canceled => tally.add(Counter::Canceled, Decimal::ONE),
            OrderStatus::Returned => tally.add(Counter::Returned, Decimal::ONE),
            _ => {}
        }
        if order.hold.is_some() {
            tally.add(Counter::OnHold, Decimal::ONE);
        }
        let parcels: Vec<_> = order
            .shipments
            .iter()
            .filter(|s| s.voided_at.is_none() && s.tracking_status != TrackingStatus::Cancelled)
            .collect();
        if let Some(first) = parcels.iter().map(|s| s.created_at).min() {
            tally.add(Counter::Shipped, Decimal::ONE);
            tally.add(Counter::ToLabel(since(order, first)), Decimal::ONE);
        }
        for parcel in &parcels {
            tally.add(Counter::Labels, Decimal::ONE);
            tally.add(Counter::LabelCost, parcel.rate);
            if parcel.delayed_since.is_some() && !parcel.tracking_status.is_terminal() {
                tally.add(Counter::Late, Decimal::ONE);
            }
        }
        if let Some(delivered) = delivered_at(order) {
            tally.add(Counter::ToDelivery(since(order, delivered)), Decimal::ONE);
        }
        tally
    }

    /// Where `order` stands now, for the counts of the orders list (test orders included: the
    /// list shows them): its status, on hold, needing attention.
    pub fn standing(order: &Order) -> Self {
        let mut tally = Tally::default();
        tally.add(Counter::Status(order.status), Decimal::ONE);
        if order.hold.is_some() {
            tally.add(Counter::OnHold, Decimal::ONE);
        }
        if order.attention.is_some() {
            tally.add(Counter::Attention, Decimal::ONE);
        }
        tally
    }

    /// What a write from `before` to `after` adds to the cell: nothing for an unchanged tally.
    pub fn change(before: Option<&Order>, after: &Order) -> Self {
        Self::difference(before.map(Tally::of), Tally::of(after))
    }

    /// What a write from `before` to `after` adds to where orders stand.
    pub fn standing_change(before: Option<&Order>, after: &Order) -> Self {
        Self::difference(before.map(Tally::standing), Tally::standing(after))
    }

    fn difference(before: Option<Tally>, mut after: Tally) -> Self {
        for (counter, value) in before.unwrap_or_default().0 {
            after.add(counter, -value);
        }
        after
    }

    /// Adds `value` to a counter; a counter that comes to zero is dropped.
    pub fn add(&mut self, counter: Counter, value: Decimal) {
        let sum = self.0.get(&counter).copied().unwrap_or_default() + value;
        if sum.is_zero() {
            self.0.remove(&counter);
        } else {
            self.0.insert(counter, sum);
        }
    }

    /// Adds every counter of `other`.
    pub fn merge(&mut self, other: Tally) {
        for (counter, value) in other.0 {
            self.add(counter, value);
        }
    }

    pub fn get(&self, counter: &Counter) -> Decimal {
        self.0.get(counter).copied().unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Counter, &Decimal)> {
        self.0.iter()
    }
}

impl FromIterator<(Counter, Decimal)> for Tally {
    fn from_iter<I: IntoIterator<Item = (Counter, Decimal)>>(iter: I) -> Self {
        let mut tally = Tally::default();
        for (counter, value) in iter {
            tally.add(counter, value);
        }
        tally
    }
}

/// The latency bucket of `at` after the order came in, both on our clock.
fn since(order: &Order, at: DateTime<Utc>) -> usize {
    latency::bucket(at - order.created_at)
}

/// When the order first became closed (everything delivered, or picked up), on our clock.
fn delivered_at(order: &Order) -> Option<DateTime<Utc>> {
    order
        .timeline
        .iter()
        .find(|entry| entry.to == Some(OrderStatus::Closed))
        .map(|entry| entry.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now, shipment_for, tracking, verify};
    use crate::domain::PaymentStatus;
    use chrono::Duration;

    fn placed() -> Order {
        Order::place(new_order(PaymentStatus::Paid), now())
    }

    #[test]
    fn counter_names_round_trip() {
        let counters = [
            Counter::Orders,
            Counter::Sales(Currency::parse("EUR").unwrap()),
            Counter::Revenue(Currency::parse("USD").unwrap()),
            Counter::Canceled,
            Counter::Returned,
            Counter::Shipped,
            Counter::Labels,
            Counter::LabelCost,
            Counter::OnHold,
            Counter::Late,
            Counter::ToLabel(3),
            Counter::ToDelivery(latency::BUCKETS - 1),
            Counter::Units("MUG:BLUE".into()),
            Counter::Status(OrderStatus::ReadyToShip),
            Counter::Attention,
        ];
        for counter in counters {
            assert_eq!(Counter::parse(&counter.name()), Some(counter.clone()));
        }
        for other in ["PK", "SK", "to_label:99", "sales:euro", "units", "orders:x"] {
            assert_eq!(Counter::parse(other), None, "{other}");
        }
    }

    #[test]
    fn an_order_counts_once_and_a_cancellation_moves_it_from_sales_to_canceled() {
        let order = placed();
        let cad = order.currency.clone();
        let placing = Tally::change(None, &order);
        assert_eq!(placing.get(&Counter::Orders), Decimal::ONE);
        assert_eq!(placing.get(&Counter::Sales(cad.clone())), Decimal::ONE);
        assert_eq!(
            placing.get(&Counter::Revenue(cad.clone())),
            order.totals.total
        );
        assert_eq!(
            placing.get(&Counter::Units("TOWEL".into())),
            Decimal::from(2)
        );

        let mut canceled = order.clone();
        canceled.cancel("customer asked", now()).unwrap();
        let change = Tally::change(Some(&order), &canceled);
        assert_eq!(change.get(&Counter::Orders), Decimal::ZERO);
        assert_eq!(change.get(&Counter::Canceled), Decimal::ONE);
        assert_eq!(change.get(&Counter::Sales(cad.clone())), -Decimal::ONE);
        assert_eq!(change.get(&Counter::Revenue(cad)), -order.totals.total);
        assert_eq!(change.get(&Counter::Units("BOWL".into())), -Decimal::ONE);

        let mut sum = placing;
        sum.merge(change);
        assert_eq!(sum, Tally::of(&canceled));
        assert!(Tally::change(Some(&canceled), &canceled).is_empty());
    }

    #[test]
    fn label_and_delivery_times_are_counted_on_our_clock() {
        let mut order = placed();
        verify(&mut order).unwrap();
        let labelled = now() + Duration::minutes(40);
        let shipment = Shipment {
            created_at: labelled,
            ..shipment_for(&order)
        };
        let sid = shipment.id.clone();
        order.record_shipment(shipment, labelled).unwrap();
        let tally = Tally::of(&order);
        assert_eq!(tally.get(&Counter::Shipped), Decimal::ONE);
        assert_eq!(tally.get(&Counter::Labels), Decimal::ONE);
        assert_eq!(tally.get(&Counter::LabelCost), order.shipments[0].rate);
        assert_eq!(
            tally.get(&Counter::ToLabel(2)),
            Decimal::ONE,
            "within an hour"
        );
        assert!(tally
            .iter()
            .all(|(c, _)| !matches!(c, Counter::ToDelivery(_))));

        // The carrier claims it was delivered a minute after the order; we heard two days later.
        let heard = now() + Duration::days(2);
        order
            .apply_tracking(&sid, &tracking(TrackingStatus::Delivered, 1), heard)
            .unwrap();
        assert_eq!(order.status, OrderStatus::Closed);
        assert_eq!(
            Tally::of(&order).get(&Counter::ToDelivery(10)),
            Decimal::ONE
        );
    }

    #[test]
    fn a_late_parcel_counts_until_it_arrives() {
        let mut order = placed();
        verify(&mut order).unwrap();
        let shipment = Shipment {
            estimated_delivery: Some(now() + Duration::days(1)),
            ..shipment_for(&order)
        };
        let sid = shipment.id.clone();
        order.record_shipment(shipment, now()).unwrap();
        order
            .check_parcel_delay(&sid, now() + Duration::days(2))
            .unwrap();
        assert_eq!(Tally::of(&order).get(&Counter::Late), Decimal::ONE);
        order
            .apply_tracking(
                &sid,
                &tracking(TrackingStatus::Delivered, 3000),
                now() + Duration::days(3),
            )
            .unwrap();
        assert_eq!(Tally::of(&order).get(&Counter::Late), Decimal::ZERO);
    }

    #[test]
    fn standing_follows_the_status() {
        let order = placed();
        let placing = Tally::standing_change(None, &order);
        assert_eq!(
            placing.get(&Counter::Status(OrderStatus::Open)),
            Decimal::ONE
        );
        let mut ready = order.clone();
        verify(&mut ready).unwrap();
        let change = Tally::standing_change(Some(&order), &ready);
        assert_eq!(
            change.get(&Counter::Status(OrderStatus::Open)),
            -Decimal::ONE
        );
        assert_eq!(
            change.get(&Counter::Status(OrderStatus::ReadyToShip)),
            Decimal::ONE
        );
        assert_eq!(change.iter().count(), 2);
    }

    #[test]
    fn test_orders_count_for_nothing() {
        let mut order = placed();
        order.test = true;
        assert!(Tally::of(&order).is_empty());
    }

    #[test]
    fn an_order_keeps_its_cell() {
        let order = placed();
        let mut later = order.clone();
        later.updated_at = now() + Duration::days(3);
        assert_eq!(Cell::of(&order), Cell::of(&later));
        assert!(Cell::of(&order).shard < SHARDS);
    }
}
