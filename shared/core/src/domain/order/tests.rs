//! Fixtures for the order's tests (and other modules' tests that need an order), and the test of a
//! whole order's walk from placed to delivered.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

use super::{Channel, Customer, LineItem, NewOrder, Order, PaymentCheck, StockHold};
use crate::domain::shipment::TrackingUpdate;
use crate::domain::status::IllegalTransition;
use crate::domain::{
    Address, Currency, FulfillmentStatus, OrderStatus, PaymentStatus, Shipment, ShipmentId, Totals,
    TrackingEvent, TrackingStatus,
};
use crate::inventory::{Location, LocationId, StockView};

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 2, 13, 14, 0).unwrap()
}

pub(crate) fn address() -> Address {
    Address {
        name: "Priya Natarajan".into(),
        line1: "418 Rue Saint-Paul O".into(),
        line2: None,
        city: "Montréal".into(),
        region: Some("QC".into()),
        postal_code: Some("H2Y 2A3".into()),
        country: "CA".into(),
        phone: None,
    }
}

pub(crate) fn new_order(payment: PaymentStatus) -> NewOrder {
    NewOrder {
        channel: Channel::Shopify,
        channel_order_id: "6120554433221100998".into(),
        name: "#2093".into(),
        payment_status: payment,
        paid_offline: false,
        payment: None,
        currency: Currency::parse("CAD").unwrap(),
        totals: Totals {
            subtotal: Decimal::from_str("56.00").unwrap(),
            shipping: Decimal::from_str("10.00").unwrap(),
            tax: Decimal::from_str("8.38").unwrap(),
            fees: Decimal::ZERO,
            discounts: Decimal::ZERO,
            total: Decimal::from_str("74.38").unwrap(),
        },
        presentment_total: None,
        customer: Customer {
            email: "priya.n@example.com".into(),
            name: "Priya Natarajan".into(),
        },
        shipping_address: Some(address()),
        billing_country: None,
        shipping_method: Some("Standard".into()),
        lines: vec![
            LineItem {
                sku: "TOWEL".into(),
                title: "Linen Tea Towel".into(),
                quantity: 2,
                unit_price: Decimal::from_str("14.00").unwrap(),
                grams: 150,
                requires_shipping: true,
            },
            LineItem {
                sku: "BOWL".into(),
                title: "Stoneware Bowl".into(),
                quantity: 1,
                unit_price: Decimal::from_str("28.00").unwrap(),
                grams: 0,
                requires_shipping: true,
            },
        ],
        channel_refunds: Vec::new(),
        test: false,
        placed_at: now(),
        channel_updated_at: None,
        cancelled: false,
        note: None,
    }
}

pub(crate) fn shipment_for(order: &Order) -> Shipment {
    Shipment {
        id: ShipmentId::for_carrier_shipment("easypost", "shp_1"),
        carrier: "USPS".into(),
        service: "Priority".into(),
        rate: Decimal::from_str("7.95").unwrap(),
        carrier_shipment_id: "shp_1".into(),
        tracking_code: "9400111".into(),
        tracking_status: TrackingStatus::PreTransit,
        status_at: None,
        progress: Default::default(),
        voided_at: None,
        estimated_delivery: None,
        label_key: "labels/x.pdf".into(),
        lines: order.unshipped_lines(),
        events: vec![],
        created_at: now(),
        delayed_since: None,
        route: None,
        location: Some(LocationId::default_location()),
    }
}

/// Verifies payment with no stock records anywhere: every SKU untracked.
pub(crate) fn verify(order: &mut Order) -> Result<PaymentCheck, IllegalTransition> {
    order.verify_payment(&StockView::default(), &[], now())
}

pub(crate) fn tracking(status: TrackingStatus, minutes: i64) -> TrackingUpdate {
    let at = now() + chrono::Duration::minutes(minutes);
    TrackingUpdate {
        status,
        at,
        detail: None,
        estimated_delivery: None,
        events: vec![TrackingEvent {
            at,
            status,
            message: status.to_string(),
            location: None,
        }],
    }
}

pub(super) fn main_location() -> Location {
    Location {
        id: LocationId::default_location(),
        name: "Main".into(),
        address: address(),
        priority: 0,
    }
}

/// `units` of each SKU available at `main`.
pub(super) fn stock(units: &[(&str, u32)]) -> StockView {
    let mut view = StockView::default();
    for (sku, n) in units {
        view.available.insert(
            sku.to_string(),
            [(LocationId::default_location(), *n)].into(),
        );
    }
    view
}

pub(super) fn hold_of(order: &Order, sku: &str) -> StockHold {
    order
        .stock_holds()
        .get(&(sku.to_string(), LocationId::default_location()))
        .copied()
        .unwrap_or_default()
}

pub(super) fn shipped_part(order: &Order) -> Shipment {
    let (location, lines) = order.next_parcel().expect("a parcel to ship");
    Shipment {
        location: Some(location),
        lines,
        ..shipment_for(order)
    }
}

#[test]
fn a_paid_order_walks_from_open_to_closed() {
    let mut order = Order::place(new_order(PaymentStatus::Paid), now());
    assert_eq!(order.status, OrderStatus::Open);
    assert_eq!(verify(&mut order), Ok(PaymentCheck::Verified));
    assert_eq!(order.status, OrderStatus::ReadyToShip);
    assert_eq!(verify(&mut order), Ok(PaymentCheck::AlreadyVerified));

    let shipment = shipment_for(&order);
    let sid = shipment.id.clone();
    assert_eq!(order.record_shipment(shipment.clone(), now()), Ok(true));
    assert_eq!(order.record_shipment(shipment, now()), Ok(false));
    assert_eq!(order.status, OrderStatus::Shipped);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
    assert!(order.unshipped_lines().is_empty());

    order
        .apply_tracking(&sid, &tracking(TrackingStatus::InTransit, 60), now())
        .unwrap();
    assert_eq!(order.status, OrderStatus::Shipped);
    order
        .apply_tracking(&sid, &tracking(TrackingStatus::Delivered, 120), now())
        .unwrap();
    assert_eq!(order.status, OrderStatus::Closed);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Delivered);
    let kinds: Vec<_> = order.timeline.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "order_created",
            "payment_verified",
            "stock_reserved",
            "status_changed",
            "label_purchased",
            "status_changed",
            "tracking_updated",
            "tracking_updated",
            "status_changed"
        ]
    );
}
