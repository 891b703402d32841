//! What order intake costs per order, without any I/O: the signature check alone, and signature +
//! parse + normalize + review of a realistic 20-line Shopify order, measured side by side, with the
//! parse and the placing (review, fingerprint, timeline) also on their own.

use std::hint::black_box;

use base64::Engine;
use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use oms_core::channels::shopify::parse_order;
use oms_core::domain::review::review;
use oms_core::domain::Order;
use oms_core::signature::WebhookSecrets;

const SAMPLE: &str = include_str!("../../../tests/fixtures/shopify/orders-create.json");

/// The sample order grown to 20 distinct lines, totals kept consistent.
fn twenty_line_order() -> Vec<u8> {
    let mut order: serde_json::Value = serde_json::from_str(SAMPLE).expect("fixture");
    let template = order["line_items"][0].clone();
    let mut lines = Vec::new();
    for i in 0..20u64 {
        let mut line = template.clone();
        line["id"] = serde_json::json!(17_120_554_433_221_101u64 + i);
        line["variant_id"] = serde_json::json!(47_120_554_433_221u64 + i);
        line["sku"] = serde_json::json!(format!("SKU-{i:03}"));
        line["title"] = serde_json::json!(format!("Product number {i}"));
        line["quantity"] = serde_json::json!(1 + i % 3);
        line["price"] = serde_json::json!("14.00");
        lines.push(line);
    }
    let units: u64 = (0..20u64).map(|i| 1 + i % 3).sum();
    let subtotal = 14 * units;
    order["line_items"] = serde_json::Value::Array(lines);
    order["total_line_items_price"] = serde_json::json!(format!("{subtotal}.00"));
    order["subtotal_price"] = serde_json::json!(format!("{subtotal}.00"));
    order["total_price"] = serde_json::json!(format!("{}.38", subtotal + 18));
    serde_json::to_vec(&order).expect("JSON")
}

fn intake(c: &mut Criterion) {
    let secrets = WebhookSecrets::parse("bench-secret").expect("secret");
    let body = twenty_line_order();
    let header = base64::engine::general_purpose::STANDARD.encode(secrets.sign(&body));
    let parsed = parse_order(&body).expect("the bench order parses");
    assert_eq!(parsed.lines.len(), 20);
    assert!(review(&parsed).is_empty(), "the bench order is clean");

    let mut group = c.benchmark_group("shopify_20_lines");
    group.bench_function("hmac_only", |b| {
        b.iter(|| secrets.verify_base64(black_box(&body), Some(black_box(&header))))
    });
    group.bench_function("verify_parse_normalize_review", |b| {
        b.iter(|| {
            secrets
                .verify_base64(black_box(&body), Some(black_box(&header)))
                .expect("signed");
            // Placing the order normalizes it further, reviews it and fingerprints it.
            let order = parse_order(black_box(&body)).expect("parses");
            black_box(Order::place(order, Utc::now()))
        })
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| parse_order(black_box(&body)).expect("parses"))
    });
    group.bench_function("place_only", |b| {
        b.iter(|| black_box(Order::place(black_box(parsed.clone()), Utc::now())))
    });
    group.finish();
}

criterion_group!(benches, intake);
criterion_main!(benches);
