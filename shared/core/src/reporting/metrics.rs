//! The operational metrics an order's change stands for, worked out from the order before and
//! after it (as the report counters are): orders received by channel, holds by reason, labels
//! bought by carrier and what they cost. Emitted once the change is stored, so a write that lost
//! its race counts nothing.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::domain::Order;

/// What a metric counts in: CloudWatch's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    /// An amount of money, in the dimension's currency.
    None,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
            Self::None => "None",
        }
    }
}

/// One value of one metric, with the one dimension it is broken down by. No dimension carries
/// anything personal: channels, reasons, carriers, currencies, events, functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub name: &'static str,
    /// Exact: money stays decimal all the way into the log line.
    pub value: Decimal,
    pub unit: Unit,
    pub dimension: (&'static str, String),
}

impl Point {
    pub fn count(name: &'static str, dimension: (&'static str, String)) -> Self {
        Self {
            name,
            value: Decimal::ONE,
            unit: Unit::Count,
            dimension,
        }
    }
}

/// The metrics of one stored change of an order (`before` none: the order was created).
pub fn of_change(before: Option<&Order>, after: &Order) -> Vec<Point> {
    let mut points = Vec::new();
    if before.is_none() {
        points.push(Point::count(
            "OrdersReceived",
            ("Channel", after.channel.as_str().to_string()),
        ));
    }
    let held_before: HashSet<_> = before
        .and_then(|b| b.hold.as_ref())
        .map(|h| h.reasons.iter().copied().collect())
        .unwrap_or_default();
    for reason in after.hold.iter().flat_map(|h| &h.reasons) {
        if !held_before.contains(reason) {
            let name = serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            points.push(Point::count("Holds", ("Reason", name)));
        }
    }
    let shipped_before: HashSet<_> = before
        .map(|b| b.shipments.iter().map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    for shipment in after
        .shipments
        .iter()
        .filter(|s| s.label_is_ours() && !shipped_before.contains(&s.id))
    {
        points.push(Point::count(
            "LabelsBought",
            ("Carrier", shipment.carrier.clone()),
        ));
        points.push(Point {
            name: "LabelCost",
            value: shipment.rate,
            unit: Unit::None,
            dimension: ("Currency", after.currency.as_str().to_string()),
        });
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now, shipment_for};
    use crate::domain::PaymentStatus;

    #[test]
    fn a_new_order_a_hold_and_a_label_each_count_once() {
        let mut new = new_order(PaymentStatus::Paid);
        new.customer.email = String::new();
        let order = Order::place(new, now());
        let created = of_change(None, &order);
        assert_eq!(created[0].name, "OrdersReceived");
        assert_eq!(created[0].dimension, ("Channel", "shopify".to_string()));
        assert!(created
            .iter()
            .any(|p| p.name == "Holds" && p.dimension.1 == "missing_email"));
        assert!(of_change(Some(&order), &order).is_empty(), "nothing new");
        let mut shipped = order.clone();
        let parcel = shipment_for(&order);
        let rate = parcel.rate;
        shipped.shipments.push(parcel);
        let points = of_change(Some(&order), &shipped);
        let names: Vec<_> = points.iter().map(|p| p.name).collect();
        assert_eq!(names, ["LabelsBought", "LabelCost"]);
        assert_eq!(points[1].value, rate);
    }
}
