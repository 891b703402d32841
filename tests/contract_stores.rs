//! The stores on both worlds: the same store code over DynamoDB as moto serves it (`on_moto`) and
//! over the in-memory DynamoDB (`in_memory`) must store, list, reserve and release alike.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use oms::aws::inventory_store::{StockChange, Why};
use oms::aws::{InventoryStore, OrderStore, StoreError};
use oms::channels::native::parse_order;
use oms::domain::order::PaymentCheck;
use oms::domain::{Channel, Order, OrderStatus};
use oms::dynamo::Db;
use oms::inventory::{Location, LocationId};
use oms_tests::oms_local::{memory, provision};
use oms_tests::{order_of, unique};

struct World {
    orders: OrderStore,
    inventory: InventoryStore,
}

fn world(db: Db, table: &str) -> World {
    World {
        orders: OrderStore::new(db.clone(), table),
        inventory: InventoryStore::new(db, table),
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
    stock_is_reserved_while_it_lasts_and_released_on_cancel,
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

    let first = w.orders.list(None, 2, None).await.unwrap();
    let ids: Vec<_> = first.orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(
        ids,
        [orders[2].id.clone(), orders[1].id.clone()],
        "newest first"
    );
    let cursor = first.next_cursor.expect("another page");
    let second = w.orders.list(None, 2, Some(&cursor)).await.unwrap();
    let ids: Vec<_> = second.orders.iter().map(|o| o.id.clone()).collect();
    assert_eq!(ids, [orders[0].id.clone()]);
    assert_eq!(second.next_cursor, None);
    assert!(
        matches!(
            w.orders
                .list(Some(OrderStatus::Open), 2, Some(&cursor))
                .await,
            Err(StoreError::InvalidCursor)
        ),
        "a cursor belongs to its listing"
    );
    let open = w
        .orders
        .list(Some(OrderStatus::Open), 10, None)
        .await
        .unwrap();
    assert_eq!(open.orders.len(), 3);
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
