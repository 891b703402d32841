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

/// The sample order grown to 20 distinct lines, totals kept consistent (also the warm-cost
/// benchmark's order, `local/src/bin/oms-bench-warm.rs`).
const TWENTY_LINES: &str =
    include_str!("../../../tests/fixtures/shopify/orders-create-20-lines.json");

fn intake(c: &mut Criterion) {
    let secrets = WebhookSecrets::parse("bench-secret").expect("secret");
    let body = TWENTY_LINES.as_bytes().to_vec();
    let header = base64::engine::general_purpose::STANDARD.encode(secrets.sign(&body));
    let parsed = parse_order(&body).expect("the bench order parses").order;
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
            let order = parse_order(black_box(&body)).expect("parses").order;
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
