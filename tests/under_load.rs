//! No overselling under concurrency (a load test: `cargo xtask test` runs it on an emulator of its
//! own, `--ignored`, so it neither slows the other suites nor is slowed by them): 200 orders arrive at once for a SKU with 50 units. Exactly 50
//! get a unit, 150 wait as backorders, stock never goes negative; when 10 of the served orders are
//! canceled, exactly the 10 oldest backorders get their units.

use std::time::{Duration, Instant};

use futures::future::join_all;
use oms_tests::{start, unique, TestOms};
use serde_json::{json, Value};

const SKU: &str = "DROP-LIMITED";
const ORDERS: usize = 200;
const UNITS: u32 = 50;
/// 200 orders through a sequential emulator take a while; never this long.
const PATIENCE: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "load test: cargo xtask test runs it on its own emulator"]
async fn two_hundred_orders_for_fifty_units_reserve_fifty_and_backorder_the_rest() {
    let t = start().await;
    t.stock(SKU, "main", UNITS).await;

    let pushes = (0..ORDERS).map(|i| {
        let t = &t;
        async move {
            let email = format!("{}-{i}@example.com", unique("fan"));
            t.paid_order_of(&email, &[(SKU, 1)]).await
        }
    });
    let ids = join_all(pushes).await;
    assert_eq!(ids.len(), ORDERS);

    let orders = until(&t, "every order served or backordered", |orders| {
        orders.len() == ORDERS && orders.iter().all(decided)
    })
    .await;
    let (served, waiting): (Vec<&Value>, Vec<&Value>) =
        orders.iter().partition(|o| backordered(o) == 0);
    assert_eq!(served.len(), UNITS as usize, "exactly the units there were");
    assert_eq!(waiting.len(), ORDERS - UNITS as usize);
    for order in &waiting {
        assert_eq!(order["status"], "open", "a backorder waits: {order:#}");
        assert_eq!(backordered(order), 1);
    }
    let stock = committed(&t).await;
    assert_eq!(
        stock, UNITS as i64,
        "reserved + handed over = the units there were"
    );

    // Cancel ten served orders once their labels are bought (void the label, then cancel).
    let orders = until(&t, "the served orders shipped", |orders| {
        orders.iter().filter(|o| o["status"] == "shipped").count() == UNITS as usize
    })
    .await;
    let shipped: Vec<&Value> = orders.iter().filter(|o| o["status"] == "shipped").collect();
    for order in shipped.iter().take(10) {
        let id = order["id"].as_str().unwrap();
        let shipment = order["shipments"][0]["id"].as_str().unwrap();
        let (status, body) = t
            .admin_delete(&format!("/orders/{id}/shipments/{shipment}"))
            .await;
        assert_eq!(status, 200, "void: {body}");
        let (status, body) = t
            .admin_post(
                &format!("/orders/{id}/cancel"),
                &json!({"reason": "customer changed their mind"}),
            )
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("canceled")),
            "{body}"
        );
    }

    // The ten oldest backorders, and only they, get the ten freed units.
    let mut oldest: Vec<&Value> = waiting.clone();
    oldest.sort_by_key(|o| o["created_at"].as_str().unwrap().to_string());
    let expected: Vec<&str> = oldest[..10]
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let orders = until(&t, "ten backorders promoted", |orders| {
        orders
            .iter()
            .filter(|o| decided(o) && backordered(o) > 0)
            .count()
            == 140
    })
    .await;
    let mut promoted: Vec<&str> = orders
        .iter()
        .filter(|o| waiting.iter().any(|w| w["id"] == o["id"]) && backordered(o) == 0)
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    promoted.sort_unstable();
    let mut expected = expected;
    expected.sort_unstable();
    assert_eq!(promoted, expected, "oldest first");
    assert_eq!(
        committed(&t).await,
        UNITS as i64,
        "canceled units went to backorders"
    );
    let canceled = orders.iter().filter(|o| o["status"] == "canceled").count();
    assert_eq!(canceled, 10);
    t.drop_table().await;
}

/// Units of the order waiting for stock.
fn backordered(order: &Value) -> u64 {
    order["allocation"]["backordered"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["quantity"].as_u64())
        .sum()
}

/// Payment verification has looked at it: it has an allocation (served, backordered, or both).
fn decided(order: &Value) -> bool {
    order["allocation"].is_object()
}

/// Units of the SKU promised to orders (reserved, or handed to the carrier), after checking the
/// counters are sane: none negative, never more reserved than on hand.
async fn committed(t: &TestOms) -> i64 {
    let (status, stock) = t.admin_get(&format!("/inventory/{SKU}")).await;
    assert_eq!(status, 200, "{stock}");
    let number = |name: &str| stock[name].as_i64().unwrap();
    let (on_hand, reserved, available) =
        (number("on_hand"), number("reserved"), number("available"));
    assert!(on_hand >= 0 && reserved >= 0 && available >= 0, "{stock}");
    assert!(reserved <= on_hand, "{stock}");
    assert_eq!(available, on_hand - reserved);
    reserved + (i64::from(UNITS) - on_hand)
}

/// Polls every order (checking stock sanity each time) until `done`, for up to `PATIENCE`.
async fn until(t: &TestOms, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        committed(t).await;
        let orders = all_orders(t).await;
        if done(&orders) {
            return orders;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

async fn all_orders(t: &TestOms) -> Vec<Value> {
    let mut orders = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/orders?limit=100&cursor={c}"),
            None => "/orders?limit=100".to_string(),
        };
        let (status, page) = t.admin_get(&path).await;
        assert_eq!(status, 200, "{page}");
        orders.extend(page["orders"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return orders,
        }
    }
}
