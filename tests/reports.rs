//! `GET /reports/summary`: what the counters kept by every order write say matches the orders
//! that made them, worked out here from the orders as the API shows them.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use oms_tests::{order_of, shopify_order, start, tracker_event, unique, TestOms};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec(value: &Value) -> Decimal {
    Decimal::from_str(
        value
            .as_str()
            .unwrap_or_else(|| panic!("a decimal string: {value}")),
    )
    .unwrap()
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

async fn push(t: &TestOms, order: &Value) -> String {
    let response = t.marketplace(&serde_json::to_vec(order).unwrap()).await;
    assert_eq!(response.status(), 200, "order push refused");
    let answer: Value = response.json().await.unwrap();
    answer["order_id"].as_str().unwrap().to_string()
}

async fn summary(t: &TestOms, query: &str) -> Value {
    let (status, body) = t.admin_get(&format!("/reports/summary{query}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// What the summary should say of `orders`, worked out from the orders themselves.
struct Expected {
    orders: u64,
    revenue: BTreeMap<String, Decimal>,
    sales: BTreeMap<String, u64>,
    units: BTreeMap<String, u64>,
    canceled: u64,
    returned: u64,
    labels: u64,
    shipped: u64,
    label_cost: Decimal,
    on_hold: u64,
}

fn expected(orders: &[Value]) -> Expected {
    let mut e = Expected {
        orders: orders.len() as u64,
        revenue: BTreeMap::new(),
        sales: BTreeMap::new(),
        units: BTreeMap::new(),
        canceled: 0,
        returned: 0,
        labels: 0,
        shipped: 0,
        label_cost: Decimal::ZERO,
        on_hold: 0,
    };
    for order in orders {
        let status = order["status"].as_str().unwrap();
        match status {
            "canceled" => e.canceled += 1,
            "returned" => e.returned += 1,
            _ => {}
        }
        if !["canceled", "failed", "abandoned"].contains(&status) {
            let currency = order["currency"].as_str().unwrap().to_string();
            *e.revenue.entry(currency.clone()).or_default() += dec(&order["totals"]["total"]);
            *e.sales.entry(currency).or_default() += 1;
            for line in order["lines"].as_array().unwrap() {
                *e.units
                    .entry(line["sku"].as_str().unwrap().to_string())
                    .or_default() += line["quantity"].as_u64().unwrap();
            }
        }
        let parcels: Vec<&Value> = order["shipments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["tracking_status"] != "cancelled")
            .collect();
        e.labels += parcels.len() as u64;
        e.shipped += u64::from(!parcels.is_empty());
        e.label_cost += parcels.iter().map(|s| dec(&s["rate"])).sum::<Decimal>();
        e.on_hold += u64::from(order["hold"].is_object());
    }
    e
}

/// Minutes from the order to its first `kind` entry on the timeline.
fn minutes_to(order: &Value, kind: &str) -> i64 {
    let entry = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} on {order}"));
    (at(&entry["at"]) - at(&order["created_at"])).num_minutes()
}

#[tokio::test]
async fn the_summary_counts_the_orders_it_was_made_of() {
    let t = start().await;
    let (mug, cup) = (unique("MUG"), unique("CUP"));
    let email = format!("{}@example.com", unique("rep"));

    let delivered = t.paid_order_of(&email, &[(mug.as_str(), 2)]).await;
    let shipped = t
        .paid_order_of(&email, &[(mug.as_str(), 1), (cup.as_str(), 3)])
        .await;
    let shopify = t
        .create_shopify_order(&shopify_order(&unique("7"), &email))
        .await;
    let mut unpaid = order_of(&unique("mkt"), &email, &[(cup.as_str(), 5)]);
    unpaid["payment_status"] = json!("pending");
    let canceled = push(&t, &unpaid).await;
    let mut odd = order_of(&unique("mkt"), &email, &[(cup.as_str(), 1)]);
    odd["totals"]["total"] = json!("99.00");
    let held = push(&t, &odd).await;
    let mut test = order_of(&unique("mkt"), &email, &[(mug.as_str(), 50)]);
    test["test"] = json!(true);
    let test_order = push(&t, &test).await;

    for id in [&delivered, &shipped, &shopify, &test_order] {
        t.order_until(id, "shipped", |o| o["status"] == "shipped")
            .await;
    }
    t.order_until(&held, "held: its totals do not add up", |o| {
        o["hold"].is_object()
    })
    .await;
    let (status, body) = t
        .admin_post(
            &format!("/orders/{canceled}/cancel"),
            &json!({"reason": "never paid"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let parcel = &t.order(&delivered).await["shipments"][0];
    let event = tracker_event(
        parcel["tracking_code"].as_str().unwrap(),
        parcel["carrier"].as_str().unwrap(),
        "delivered",
        &Utc::now().to_rfc3339(),
    );
    assert_eq!(t.easypost(&event).await.status(), 200);
    t.order_until(&delivered, "closed", |o| o["status"] == "closed")
        .await;
    let (status, body) = t
        .admin_post(
            &format!("/orders/{delivered}/status"),
            &json!({"status": "returned", "reason": "wrong colour"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let mut orders = Vec::new();
    for id in [&delivered, &shipped, &shopify, &canceled, &held] {
        orders.push(t.order(id).await);
    }
    let e = expected(&orders);
    assert_eq!((e.canceled, e.returned, e.on_hold, e.shipped), (1, 1, 1, 3));

    let today = Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let report = summary(&t, &format!("?from={yesterday}&to={today}")).await;
    assert_eq!(report["orders"], e.orders, "{report:#}");
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        days.iter()
            .map(|d| d["orders"].as_u64().unwrap())
            .sum::<u64>(),
        e.orders
    );
    let revenue: BTreeMap<String, Decimal> = report["revenue"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(currency, total)| (currency.clone(), dec(total)))
        .collect();
    assert_eq!(revenue, e.revenue);
    for (currency, total) in &e.revenue {
        let average = (total / Decimal::from(e.sales[currency])).round_dp(2);
        assert_eq!(
            dec(&report["average_order_value"][currency]),
            average,
            "{currency}"
        );
    }
    assert_eq!(report["canceled"], e.canceled);
    assert_eq!(dec(&report["cancellation_rate"]), Decimal::new(2, 1));
    assert_eq!(report["returned"], e.returned);
    assert_eq!(dec(&report["return_rate"]), Decimal::new(2, 1));
    assert_eq!(report["on_hold"], e.on_hold);
    assert_eq!(report["late_parcels"], 0);

    let cost = &report["shipping_cost"];
    assert_eq!(cost["labels"], e.labels);
    assert_eq!(cost["shipped_orders"], e.shipped);
    assert_eq!(dec(&cost["total"]), e.label_cost);
    assert_eq!(
        dec(&cost["per_order"]),
        (e.label_cost / Decimal::from(e.shipped)).round_dp(2)
    );

    let mut top: Vec<(String, u64)> = e.units.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(10);
    let reported: Vec<(String, u64)> = report["top_skus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sku"].as_str().unwrap().to_string(),
                s["units"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(reported, top);
    assert!(
        !reported.iter().any(|(_, units)| *units >= 50),
        "the test order counts for nothing"
    );

    // Every label and the delivery came within a quarter of an hour: the first bucket.
    for order in orders
        .iter()
        .filter(|o| !o["shipments"].as_array().unwrap().is_empty())
    {
        assert!(minutes_to(order, "label_purchased") < 15);
    }
    assert_eq!(report["order_to_label"]["orders"], e.shipped);
    assert_eq!(report["order_to_label"]["p50_hours"], "0.25");
    assert_eq!(report["order_to_label"]["p90_hours"], "0.25");
    assert_eq!(report["order_to_delivery"]["orders"], 1);
    assert!(minutes_to(&orders[0], "tracking_updated") < 15);
    assert_eq!(report["order_to_delivery"]["p50_hours"], "0.25");

    // One channel's share, and days without orders.
    let shopify_only = summary(&t, &format!("?from={today}&to={today}&channel=shopify")).await;
    assert_eq!(shopify_only["orders"], 1);
    assert_eq!(shopify_only["channel"], "shopify");
    assert_eq!(
        shopify_only["revenue"],
        json!({"CAD": orders[2]["totals"]["total"]})
    );
    let before = summary(&t, "?from=2020-01-01&to=2020-01-31").await;
    assert_eq!(before["orders"], 0);
    assert_eq!(before["days"].as_array().unwrap().len(), 31);
}

#[tokio::test]
async fn a_summary_of_a_bad_range_is_refused() {
    let t = start().await;
    for (query, code) in [
        ("?from=2026-13-01", "invalid_date"),
        ("?from=yesterday", "invalid_date"),
        ("?from=2026-12-02&to=2026-12-01", "invalid_range"),
        ("?from=2024-01-01&to=2026-01-01", "invalid_range"),
        ("?channel=ebay", "invalid_channel"),
        ("?form=2026-12-01", "invalid_query"),
    ] {
        let (status, body) = t.admin_get(&format!("/reports/summary{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
    }
    let response = t.http.get(t.url("/reports/summary")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}
