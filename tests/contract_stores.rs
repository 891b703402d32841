//! The stores on both worlds: the same store code over DynamoDB as moto serves it (`on_moto`) and
//! over the in-memory DynamoDB (`in_memory`) must store, list, reserve and release alike.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use oms::aws::inventory_store::{StockChange, Why};
use oms::aws::invoice_store::{Issue, IssueError};
use oms::aws::{InventoryStore, InvoiceStore, OrderStore, ReportStore};
use oms::channels::native::parse_order;
use oms::domain::order::PaymentCheck;
use oms::domain::order_query::OrderQuery;
use oms::domain::progress::ParcelProgress;
use oms::domain::review::{Hold, HoldReason};
use oms::domain::{
    Channel, FulfillmentStatus, Order, OrderStatus, PaymentStatus, Shipment, ShipmentId,
    TrackingStatus,
};
use oms::dynamo::{built, s, Db, Op, Put, ReturnValue};
use oms::inventory::{Location, LocationId};
use oms::invoicing::{bill, document_number, Document, Seller, Split};
use oms::reporting::SummaryRange;
use oms_tests::oms_local::{memory, provision};
use oms_tests::{order_of, unique};

struct World {
    db: Db,
    table: String,
    orders: OrderStore,
    inventory: InventoryStore,
    invoices: InvoiceStore,
    reports: ReportStore,
}

fn world(db: Db, table: &str) -> World {
    World {
        db: db.clone(),
        table: table.to_string(),
        orders: OrderStore::new(db.clone(), table),
        inventory: InventoryStore::new(db.clone(), table),
        invoices: InvoiceStore::new(db.clone(), table),
        reports: ReportStore::new(db, table),
    }
}

async fn moto() -> World {
    let table = oms_tests::orders_table();
    let aws = oms::aws::Clients::load().await;
    let name = unique("stores");
    provision::create_table(&aws, &name, &table.properties)
        .await
        .expect("moto creates the table (run through `cargo xtask test`)");
    world(aws.db.clone(), &name)
}

fn in_memory() -> World {
    let template = oms_tests::template();
    let prefix = unique("stores");
    let dynamo = memory::dynamo_from_template(&template, &prefix, memory::Faults::default())
        .expect("the template's tables");
    world(Arc::new(dynamo), &format!("{prefix}-OrdersTable"))
}

oms_tests::in_both_worlds!(
    orders_are_stored_once_and_listed_newest_first_page_by_page,
    every_filter_finds_its_orders_through_an_index,
    stock_is_reserved_while_it_lasts_and_released_on_cancel,
    a_number_is_taken_only_with_its_document_and_only_once,
    report_counters_move_with_the_orders_written,
    an_order_is_read_whole_or_by_parcel_packed_or_as_stored_before_packing,
);

fn placed(lines: &[(&str, u32)], minutes: i64) -> Order {
    let body = serde_json::to_vec(&order_of(&unique("c"), "c@example.com", lines)).unwrap();
    let new = parse_order(&body, Channel::Marketplace, || None).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::minutes(minutes);
    Order::place(new, at)
}

async fn orders_are_stored_once_and_listed_newest_first_page_by_page(w: &World) {
    let orders: Vec<Order> = (0..3).map(|i| placed(&[("MUG", 1)], i)).collect();
    for order in &orders {
        assert!(w.orders.create(order).await.unwrap().is_none());
    }
    let again = w.orders.create(&orders[1]).await.unwrap();
    assert_eq!(
        again.as_ref().map(|o| &o.id),
        Some(&orders[1].id),
        "stored once, the first answered"
    );

    let all = OrderQuery::default();
    let first = w.orders.search(&all, 2, None).await.unwrap();
    let ids: Vec<_> = first.orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(
        ids,
        [orders[2].id.clone(), orders[1].id.clone()],
        "newest first"
    );
    let after = first.after.expect("another page");
    let second = w.orders.search(&all, 2, Some(&after)).await.unwrap();
    let ids: Vec<_> = second.orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids, [orders[0].id.clone()]);
    assert_eq!(second.after, None, "the last page says so");
    let open = OrderQuery {
        statuses: vec![OrderStatus::Open],
        ..OrderQuery::default()
    };
    assert_eq!(
        w.orders.search(&open, 10, None).await.unwrap().orders.len(),
        3
    );
    assert_eq!(
        w.orders.get(&orders[0].id).await.unwrap(),
        Some(orders[0].clone())
    );
}

async fn stock_is_reserved_while_it_lasts_and_released_on_cancel(w: &World) {
    let main = LocationId::default_location();
    let address = serde_json::from_value(serde_json::json!({
        "name": "Main DC", "line1": "1 Dock Road", "city": "Reno",
        "region": "NV", "postal_code": "89501", "country": "US"}))
    .unwrap();
    w.inventory
        .put_location(&Location {
            id: main.clone(),
            name: "Main DC".into(),
            address,
            priority: 0,
        })
        .await
        .unwrap();
    let sku = unique("LAST");
    let now = Utc::now();
    w.inventory
        .change(
            &sku,
            &main,
            StockChange::Set(1),
            Why {
                kind: "count",
                ..Why::default()
            },
            now,
        )
        .await
        .unwrap();
    let first = placed(&[(&sku, 1)], 0);
    let second = placed(&[(&sku, 1)], 1);
    for order in [&first, &second] {
        w.orders.create(order).await.unwrap();
    }
    let locations = w.inventory.locations().await.unwrap();
    let verify = |order: Order| {
        let (orders, inventory, locations, sku) =
            (&w.orders, &w.inventory, &locations, sku.clone());
        async move {
            let view = inventory.view(&[sku.as_str()]).await.unwrap();
            orders
                .update(&order.id, |o| o.verify_payment(&view, locations, now))
                .await
                .unwrap()
        }
    };
    let verified = verify(first.clone()).await;
    assert_eq!(verified.outcome, PaymentCheck::Verified);
    assert_eq!(verified.stock.reserved, std::slice::from_ref(&sku));
    let backordered = verify(second.clone()).await;
    assert_eq!(backordered.outcome, PaymentCheck::Backordered);
    assert_eq!(
        w.inventory.backorders(&sku, 10).await.unwrap(),
        std::slice::from_ref(&second.id)
    );
    let level = &w.inventory.levels(&sku).await.unwrap()[0];
    assert_eq!(
        (level.on_hand, level.reserved, level.available()),
        (1, 1, 0)
    );

    let canceled = w
        .orders
        .update(&first.id, |o| o.cancel("changed their mind", now))
        .await
        .unwrap();
    assert_eq!(canceled.stock.released, std::slice::from_ref(&sku));
    let level = &w.inventory.levels(&sku).await.unwrap()[0];
    assert_eq!(
        (level.on_hand, level.reserved, level.available()),
        (1, 0, 1)
    );
    let promoted = verify(second.clone()).await;
    assert_eq!(promoted.outcome, PaymentCheck::Verified);
    assert!(
        w.inventory.backorders(&sku, 10).await.unwrap().is_empty(),
        "it left the queue"
    );
}

/// Twelve orders, each found by the filters that describe it and by no other, through every
/// index, alone and combined, page by page.
async fn every_filter_finds_its_orders_through_an_index(w: &World) {
    let mut orders: Vec<Order> = (0..12)
        .map(|i| {
            placed(
                &[("MUG", 1), (if i % 3 == 0 { "TEAPOT" } else { "CUP" }, 1)],
                i,
            )
        })
        .collect();
    for (i, order) in orders.iter_mut().enumerate() {
        order.name = format!("#{}", 1000 + i);
        order.customer.email = if i % 4 == 0 {
            "Ana@Example.com"
        } else {
            "bo@example.com"
        }
        .into();
        order.status = [
            OrderStatus::Open,
            OrderStatus::Shipped,
            OrderStatus::Canceled,
        ][i % 3];
        order.payment_status = if i < 6 {
            PaymentStatus::Paid
        } else {
            PaymentStatus::Pending
        };
        if i == 5 {
            order.fulfillment_status = FulfillmentStatus::Delivered;
            order.channel = Channel::Manual;
        }
        if i == 7 || i == 8 {
            order.hold = Some(Hold {
                reasons: vec![HoldReason::MissingEmail],
                messages: vec![],
                since: order.created_at,
            });
        }
        if i == 9 {
            order.attention = Some(oms::domain::order::Attention {
                reason: "returned to sender".into(),
                since: order.created_at,
            });
        }
        assert!(w.orders.create(order).await.unwrap().is_none());
    }
    let found = |query: OrderQuery, limit: usize| async move {
        let mut names = Vec::new();
        let mut after = None;
        loop {
            let page = w
                .orders
                .search(&query, limit, after.as_deref())
                .await
                .unwrap();
            assert!(page.orders.len() <= limit);
            names.extend(
                page.orders
                    .iter()
                    .map(|o| o.name.trim_start_matches("#1").to_string()),
            );
            match page.after {
                Some(next) => after = Some(next),
                None => return names.join(" "),
            }
        }
    };
    let q = OrderQuery::default;
    assert_eq!(
        found(q(), 5).await,
        "011 010 009 008 007 006 005 004 003 002 001 000"
    );
    assert_eq!(
        found(
            OrderQuery {
                statuses: vec![OrderStatus::Shipped, OrderStatus::Canceled],
                ..q()
            },
            3
        )
        .await,
        "011 010 008 007 005 004 002 001",
        "several statuses merge newest first"
    );
    assert_eq!(
        found(
            OrderQuery {
                payment_status: Some(PaymentStatus::Pending),
                ..q()
            },
            4
        )
        .await,
        "011 010 009 008 007 006"
    );
    assert_eq!(
        found(
            OrderQuery {
                fulfillment_status: Some(FulfillmentStatus::Delivered),
                ..q()
            },
            4
        )
        .await,
        "005"
    );
    assert_eq!(
        found(
            OrderQuery {
                channel: Some(Channel::Manual),
                ..q()
            },
            4
        )
        .await,
        "005"
    );
    assert_eq!(
        found(
            OrderQuery {
                email: Some("ana@EXAMPLE.com".into()),
                ..q()
            },
            2
        )
        .await,
        "008 004 000",
        "email in any case"
    );
    assert_eq!(
        found(
            OrderQuery {
                sku: Some("TEAPOT".into()),
                ..q()
            },
            2
        )
        .await,
        "009 006 003 000"
    );
    assert_eq!(
        found(
            OrderQuery {
                on_hold: true,
                ..q()
            },
            4
        )
        .await,
        "008 007"
    );
    assert_eq!(
        found(
            OrderQuery {
                needs_attention: true,
                ..q()
            },
            4
        )
        .await,
        "009"
    );
    let at = |i: i64| orders[0].created_at + Duration::minutes(i);
    assert_eq!(
        found(
            OrderQuery {
                created_from: Some(at(3)),
                created_to: Some(at(6)),
                ..q()
            },
            2
        )
        .await,
        "006 005 004 003",
        "both ends of the range included"
    );
    assert_eq!(
        found(
            OrderQuery {
                sku: Some("TEAPOT".into()),
                statuses: vec![OrderStatus::Open],
                payment_status: Some(PaymentStatus::Paid),
                created_to: Some(at(5)),
                ..q()
            },
            1
        )
        .await,
        "003 000",
        "filters combine"
    );
    for text in ["#1004", "1004", orders[4].channel_order_id.as_str()] {
        assert_eq!(
            found(
                OrderQuery {
                    text: Some(text.into()),
                    ..q()
                },
                5
            )
            .await,
            "004",
            "{text}"
        );
    }
    assert_eq!(
        found(
            OrderQuery {
                text: Some("ANA@example.com".into()),
                statuses: vec![OrderStatus::Open],
                ..q()
            },
            5
        )
        .await,
        "000"
    );
    assert_eq!(
        found(
            OrderQuery {
                text: Some("nobody".into()),
                ..q()
            },
            5
        )
        .await,
        ""
    );
    assert_eq!(
        found(
            OrderQuery {
                sku: Some("NONE".into()),
                ..q()
            },
            5
        )
        .await,
        ""
    );
}

fn invoice(order: &Order, series: &str, sequence: u64) -> Document {
    let seller = Seller {
        name: "Shop".into(),
        address: vec!["1 Main St".into()],
        vat_id: "DE123456789".into(),
    };
    let billed = bill(order, Split::Whole).remove(0);
    Document::invoice(order, &seller, billed, (series, sequence), order.placed_at)
}

/// An issue of `documents` for `order`, numbered on from `from` in `series`.
fn issue<'a>(
    series: &str,
    order: &'a Order,
    revision: u64,
    from: u64,
    documents: Vec<Document>,
    reversals: Vec<(String, String)>,
) -> Issue<'a> {
    Issue {
        order_id: order.id.as_str(),
        revision,
        counters: vec![(series.to_string(), from, from + documents.len() as u64)],
        documents,
        reversals,
    }
}

/// The invoice counter and an order's documents move together or not at all: a number read by
/// two issues goes to one of them, a decision made on documents since changed lands nowhere,
/// and a reversal marks the invoice it reverses in the same write.
async fn a_number_is_taken_only_with_its_document_and_only_once(w: &World) {
    let series = "INV";
    let (first, second) = (placed(&[("MUG", 1)], 0), placed(&[("CUP", 2)], 1));
    assert_eq!(w.invoices.last_number(series).await.unwrap(), 0);
    let invoice = |order: &Order, n| invoice(order, series, n);
    w.invoices
        .issue(issue(
            series,
            &first,
            0,
            0,
            vec![invoice(&first, 1)],
            vec![],
        ))
        .await
        .unwrap();
    let raced = w
        .invoices
        .issue(issue(
            series,
            &second,
            0,
            0,
            vec![invoice(&second, 1)],
            vec![],
        ))
        .await;
    assert!(matches!(raced, Err(IssueError::Raced)), "{raced:?}");
    assert!(w
        .invoices
        .for_order(second.id.as_str())
        .await
        .unwrap()
        .documents
        .is_empty());
    let stale = w
        .invoices
        .issue(issue(
            series,
            &first,
            0,
            1,
            vec![invoice(&first, 2)],
            vec![],
        ))
        .await;
    assert!(matches!(stale, Err(IssueError::Raced)), "{stale:?}");
    assert_eq!(w.invoices.last_number(series).await.unwrap(), 1);

    let note = invoice(&first, 1).credit_note((series, 2), first.placed_at);
    w.invoices
        .issue(issue(
            series,
            &first,
            1,
            1,
            vec![note, invoice(&first, 3)],
            vec![(document_number(series, 1), document_number(series, 2))],
        ))
        .await
        .unwrap();
    w.invoices
        .mark_stored(first.id.as_str(), &document_number(series, 3))
        .await
        .unwrap();
    let now = w.invoices.for_order(first.id.as_str()).await.unwrap();
    assert_eq!(now.revision, 2);
    assert_eq!(now.documents.len(), 3);
    assert_eq!(
        now.documents[0].credited_by.as_deref(),
        Some(document_number(series, 2).as_str())
    );
    let in_force: Vec<String> = now.in_force().into_iter().map(|d| d.number).collect();
    assert_eq!(in_force, vec![document_number(series, 3)]);
    assert!(now.documents[2].pdf_stored && !now.documents[0].pdf_stored);
    assert_eq!(w.invoices.last_number(series).await.unwrap(), 3);
}

/// Counters kept by the order writes, read back as a summary: an order of 240 SKUs moves more
/// counters than one update holds, a cancellation takes its sale back, a retried write counts once.
async fn report_counters_move_with_the_orders_written(w: &World) {
    let skus: Vec<String> = (0..240).map(|i| format!("SKU-{i:03}")).collect();
    let lines: Vec<(&str, u32)> = skus.iter().map(|s| (s.as_str(), 2)).collect();
    let big = placed(&lines, 0);
    let small = placed(&[("SKU-007", 5)], 1);
    let later = placed(&[("MUG", 1)], 60 * 24 * 3);
    for order in [&big, &small, &later] {
        assert!(w.orders.create(order).await.unwrap().is_none());
    }
    assert!(
        w.orders.create(&small).await.unwrap().is_some(),
        "stored once"
    );

    let day = big.created_at.date_naive();
    let range = SummaryRange::new(day, day + Duration::days(1)).unwrap();
    let report = w.reports.summary(&Channel::ALL, range).await.unwrap();
    assert_eq!(
        report.orders, 2,
        "the order three days later is outside the range"
    );
    assert_eq!(report.revenue["USD"], big.totals.total + small.totals.total);
    assert_eq!(report.top_skus[0].sku, "SKU-007");
    assert_eq!(report.top_skus[0].units, 7);
    assert_eq!(report.top_skus.len(), 10);
    assert!(report.top_skus[1..].iter().all(|s| s.units == 2));

    w.orders
        .update(&big.id, |o| o.cancel("changed their mind", o.created_at))
        .await
        .unwrap();
    let report = w.reports.summary(&Channel::ALL, range).await.unwrap();
    assert_eq!(report.orders, 2);
    assert_eq!(report.canceled, 1);
    assert_eq!(report.revenue["USD"], small.totals.total);
    let top: Vec<_> = report
        .top_skus
        .iter()
        .map(|s| (s.sku.as_str(), s.units))
        .collect();
    assert_eq!(top, [("SKU-007", 5)]);
    let shopify = w.reports.summary(&[Channel::Shopify], range).await.unwrap();
    assert_eq!(shopify.orders, 0);

    let standing = w.reports.standing(&Channel::ALL).await.unwrap();
    assert_eq!(standing.statuses["open"], 2);
    assert_eq!(standing.statuses["canceled"], 1);
    assert_eq!(standing.statuses["closed"], 0);
}

fn parcel(id: &str) -> Shipment {
    Shipment {
        id: ShipmentId(id.into()),
        carrier: "USPS".into(),
        service: "Priority".into(),
        rate: rust_decimal::Decimal::new(795, 2),
        carrier_shipment_id: format!("shp_carrier_{id}"),
        tracking_code: format!("9400{id}"),
        tracking_status: TrackingStatus::InTransit,
        status_at: None,
        progress: ParcelProgress::default(),
        voided_at: None,
        estimated_delivery: None,
        label_key: format!("labels/{id}.pdf"),
        lines: vec![],
        events: vec![],
        created_at: Utc.with_ymd_and_hms(2026, 3, 1, 13, 0, 0).unwrap(),
        delayed_since: None,
        route: None,
        location: None,
    }
}

/// Orders are stored packed (one compressed attribute); an order stored before that, one
/// attribute per field, reads the same, whole and by parcel, so a deployed table needs no
/// migration.
async fn an_order_is_read_whole_or_by_parcel_packed_or_as_stored_before_packing(w: &World) {
    let mut packed = placed(&[("MUG", 1)], 0);
    packed.shipments.push(parcel("shp_packed"));
    assert!(w.orders.create(&packed).await.unwrap().is_none());

    let mut before = placed(&[("MUG", 2)], 1);
    before.shipments.push(parcel("shp_before"));
    let mut item = oms::aws::attribute_serializer::to_item(&before).unwrap();
    item.insert("PK".into(), s(format!("ORDER#{}", before.id)));
    item.insert("SK".into(), s("META"));
    let put = Put::builder()
        .table_name(&w.table)
        .set_item(Some(item))
        .build();
    w.db.write(built(put).unwrap().op(), ReturnValue::None)
        .await
        .unwrap();

    for (order, shipment) in [(&packed, "shp_packed"), (&before, "shp_before")] {
        assert_eq!(w.orders.get(&order.id).await.unwrap().as_ref(), Some(order));
        let id = ShipmentId(shipment.into());
        assert_eq!(
            w.orders.shipment(&order.id, &id).await.unwrap(),
            Some(parcel(shipment))
        );
        let other = ShipmentId("shp_other".into());
        assert_eq!(w.orders.shipment(&order.id, &other).await.unwrap(), None);
    }
    let unknown = placed(&[("MUG", 1)], 2);
    let id = ShipmentId("shp_packed".into());
    assert_eq!(w.orders.shipment(&unknown.id, &id).await.unwrap(), None);
}
