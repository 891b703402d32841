use rust_decimal::Decimal;

use super::*;
use crate::domain::order::tests::{new_order, now, shipment_for};
use crate::domain::shipment::ShipmentLine;
use crate::domain::{Order, PaymentStatus, Shipment, ShipmentId};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn order() -> Order {
    let mut new = new_order(PaymentStatus::Paid);
    new.totals.discounts = d("5.00");
    new.totals.tax = d("7.73");
    new.totals.total = d("68.73");
    Order::place(new, now())
}

/// Two parcels: one towel in the first, the bowl in the second; one towel not shipped yet.
fn in_two_parcels(mut order: Order) -> Order {
    let first = shipment_for(&order);
    order.shipments.push(Shipment {
        lines: vec![ShipmentLine {
            sku: "TOWEL".into(),
            quantity: 1,
        }],
        ..first.clone()
    });
    order.shipments.push(Shipment {
        id: ShipmentId("shp_two".into()),
        tracking_code: "9400222".into(),
        lines: vec![ShipmentLine {
            sku: "BOWL".into(),
            quantity: 1,
        }],
        ..first
    });
    order
}

fn sums(parts: &[Billed]) -> [Decimal; 6] {
    let sum = |f: fn(&Billed) -> Decimal| parts.iter().map(f).sum::<Decimal>();
    [
        sum(|b| b.goods),
        sum(|b| b.shipping),
        sum(|b| b.fees),
        sum(|b| b.discounts),
        sum(|b| b.tax()),
        sum(|b| b.total),
    ]
}

#[test]
fn a_whole_invoice_bills_the_order_as_it_is() {
    let order = order();
    let parts = bill(&order, Split::Whole);
    assert_eq!(parts.len(), 1);
    let whole = &parts[0];
    assert_eq!(whole.part, "order");
    assert_eq!(whole.delivery.as_deref(), Some("Standard"));
    assert_eq!(whole.lines.len(), 2);
    assert_eq!(
        (whole.lines[0].quantity, whole.lines[0].net),
        (2, d("28.00"))
    );
    let t = &order.totals;
    assert_eq!(
        sums(&parts),
        [t.subtotal, t.shipping, t.fees, t.discounts, t.tax, t.total]
    );
    // 7.73 on 56 + 10 - 5 = 61: 12.672 %.
    assert_eq!(whole.taxes[0].rate, d("12.672"));
    assert_eq!(whole.taxes[0].base, d("61.00"));
}

#[test]
fn split_by_delivery_each_part_bills_its_goods_and_the_parts_add_up() {
    let order = in_two_parcels(order());
    let parts = bill(&order, Split::ByDelivery);
    let names: Vec<&str> = parts.iter().map(|p| p.part.as_str()).collect();
    assert_eq!(
        names,
        vec![
            format!(
                "parcel:{}",
                ShipmentId::for_carrier_shipment("easypost", "shp_1").as_str()
            )
            .as_str(),
            "parcel:shp_two",
            "unshipped"
        ]
    );
    assert_eq!(parts[1].lines[0].sku, "BOWL");
    assert_eq!(
        parts[1].delivery.as_deref(),
        Some("USPS Priority, tracking 9400222")
    );
    assert_eq!(
        (parts[2].lines[0].sku.as_str(), parts[2].lines[0].quantity),
        ("TOWEL", 1)
    );
    // Goods 14 + 28 + 14 = 56: shipping 10 shared 2.50 / 5.00 / 2.50.
    assert_eq!(
        parts.iter().map(|p| p.shipping).collect::<Vec<_>>(),
        vec![d("2.50"), d("5.00"), d("2.50")]
    );
    let t = &order.totals;
    assert_eq!(
        sums(&parts),
        [t.subtotal, t.shipping, t.fees, t.discounts, t.tax, t.total],
        "the parts add up to the order to the cent"
    );
    for part in &parts {
        assert_eq!(
            part.total,
            part.goods + part.shipping + part.fees - part.discounts + part.tax()
        );
    }
}

#[test]
fn a_voided_parcel_bills_nothing_its_goods_are_unshipped_again() {
    let mut order = in_two_parcels(order());
    order.shipments[1].voided_at = Some(now());
    let parts = bill(&order, Split::ByDelivery);
    assert_eq!(parts.len(), 2);
    let unshipped = &parts[1];
    assert_eq!(unshipped.part, "unshipped");
    assert_eq!(unshipped.goods, d("42.00"), "a towel and the bowl");
}

#[test]
fn goods_that_do_not_travel_carry_no_shipping() {
    let mut order = in_two_parcels(order());
    order.lines[0].requires_shipping = false;
    order.shipments.clear();
    order.lines[1].quantity = 1;
    let parts = bill(&order, Split::Whole);
    assert_eq!(parts[0].shipping, d("10.00"), "the bowl still travels");
    order.lines[1].requires_shipping = false;
    let parts = bill(&order, Split::ByDelivery);
    assert_eq!(
        sums(&parts)[1],
        d("10.00"),
        "shipping is billed all the same"
    );
}

fn issued(billed: Billed, number: &str) -> Document {
    let seller = Seller {
        name: "Shop".into(),
        address: vec!["1 Main St".into()],
        vat_id: "DE123456789".into(),
    };
    let sequence = number.trim_start_matches("INV-").parse().unwrap();
    let invoice = Document::invoice(&order(), &seller, billed, ("INV", sequence), now());
    assert_eq!(invoice.number, number);
    invoice
}

#[test]
fn what_is_billed_already_is_not_billed_again_and_a_change_reverses_it() {
    let order = order();
    assert!(matches!(
        reissue(&[], bill(&order, Split::Whole)),
        Reissue::Issue { reverse, bill } if reverse.is_empty() && bill.len() == 1
    ));
    let in_force = vec![issued(bill(&order, Split::Whole).remove(0), "INV-000001")];
    assert_eq!(
        reissue(&in_force, bill(&order, Split::Whole)),
        Reissue::UpToDate
    );
    let mut edited = order.clone();
    edited.lines[0].quantity = 3;
    match reissue(&in_force, bill(&edited, Split::Whole)) {
        Reissue::Issue { reverse, bill } => {
            assert_eq!(reverse[0].number, "INV-000001");
            assert_eq!(bill[0].lines[0].quantity, 3);
        }
        other => panic!("{other:?}"),
    }
    let split = in_two_parcels(order.clone());
    assert!(matches!(
        reissue(&in_force, bill(&split, Split::ByDelivery)),
        Reissue::Issue { bill, .. } if bill.len() == 3
    ));
}

#[test]
fn a_canceled_order_bills_nothing_and_its_invoices_are_reversed() {
    let order = order();
    let in_force = vec![issued(bill(&order, Split::Whole).remove(0), "INV-000001")];
    let mut canceled = order;
    canceled.status = crate::domain::OrderStatus::Canceled;
    assert!(bill(&canceled, Split::ByDelivery).is_empty());
    assert_eq!(
        reissue(&in_force, bill(&canceled, Split::Whole)),
        Reissue::Issue {
            reverse: in_force.clone(),
            bill: vec![]
        }
    );
}

#[test]
fn a_credit_note_reverses_every_amount() {
    let invoice = issued(bill(&order(), Split::Whole).remove(0), "INV-000003");
    let note = invoice.credit_note(("CN", 1), now());
    assert_eq!(
        (note.kind, note.number.as_str(), note.reverses.as_deref()),
        (DocumentKind::CreditNote, "CN-000001", Some("INV-000003"))
    );
    assert_eq!(note.buyer, invoice.buyer);
    let billed = invoice.billed;
    let reversed = note.billed;
    assert_eq!(reversed.total, -billed.total);
    assert_eq!(reversed.tax(), -billed.tax());
    assert_eq!(reversed.lines[0].net, -billed.lines[0].net);
    assert_eq!(reversed.lines[0].quantity, billed.lines[0].quantity);
}

#[test]
fn numbers_are_padded_per_series() {
    assert_eq!(document_number("INV", 42), "INV-000042");
    assert_eq!(document_number("CN", 1_234_567), "CN-1234567");
}

fn refunded(mut order: Order, request: crate::domain::order::RefundRequest) -> Order {
    order.payment = crate::payments::GatewayPayment::stripe("pi_1");
    let id = format!("rf_{}", order.refunds.len());
    order.open_refund(&id, &request, &id, "ana", now()).unwrap();
    assert!(order.complete_refund(&id, "re_1", now()));
    order
}

#[test]
fn what_was_refunded_is_no_longer_billed() {
    use crate::domain::order::{RefundLine, RefundRequest};
    let towel = RefundRequest {
        lines: vec![RefundLine {
            sku: "TOWEL".into(),
            quantity: 1,
        }],
        reason: "returned".into(),
        ..RefundRequest::default()
    };
    let order = refunded(order(), towel);
    let kept = order.totals.total - order.refunds[0].amount;
    let parts = bill(&order, Split::Whole);
    assert_eq!(parts.len(), 1);
    let towels: u32 = parts[0]
        .lines
        .iter()
        .filter(|l| l.sku == "TOWEL")
        .map(|l| l.quantity)
        .sum();
    assert_eq!(towels, 1, "one of two towels went back");
    assert_eq!(parts[0].total, kept);
    assert_eq!(
        parts[0].total,
        parts[0].shipping + parts[0].goods + parts[0].fees - parts[0].discounts + parts[0].tax()
    );
    let goodwill = RefundRequest {
        amount: Some(kept),
        reason: "goodwill".into(),
        ..RefundRequest::default()
    };
    assert!(
        bill(&refunded(order, goodwill), Split::Whole).is_empty(),
        "all of it refunded: nothing billed, the invoice is reversed"
    );
}
