//! Every parser of outside input survives thousands of mangled versions of real payloads without
//! panicking: the stable-Rust companion of the cargo-fuzz targets in `fuzz/`, run on every test.

use chrono::Utc;
use oms_core::carriers::{aftership, easypost, shippo};
use oms_core::channels::{native, shopify, woocommerce};
use oms_core::domain::{Channel, Order};
use oms_core::payments::{stripe, stripe_event};
use oms_core::signature::WebhookSecrets;

const FIXTURES: [&str; 7] = [
    include_str!("../../../tests/fixtures/shopify/orders-create.json"),
    include_str!("../../../tests/fixtures/woocommerce/order-created.json"),
    include_str!("../../../tests/fixtures/native/order.json"),
    include_str!("../../../tests/fixtures/easypost/tracker-updated.json"),
    include_str!("../../../tests/fixtures/aftership/tracking-update.json"),
    include_str!("../../../tests/fixtures/shippo/track-updated.json"),
    include_str!("../../../tests/fixtures/stripe/payment-intent-succeeded.json"),
];

/// Tokens that make JSON interesting: structure, extremes, types in the wrong places.
const TOKENS: [&str; 16] = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "-1",
    "1e999",
    "18446744073709551616",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "0.00001",
    "true",
    "\"\r\n\"",
];

/// xorshift64*: deterministic, so a failure names its case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mangle(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 => out.truncate(at),
            1 => {
                if at < out.len() {
                    out[at] = rng.next() as u8;
                }
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                let end = (at + rng.below(256)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn exercise(input: &[u8]) {
    for order in [
        shopify::parse_order(input).map(|body| body.order),
        woocommerce::parse_order(input),
        native::parse_order(input, Channel::Marketplace, || None),
    ]
    .into_iter()
    .flatten()
    {
        let placed = Order::place(order, Utc::now());
        serde_json::to_string(&placed).expect("a placed order serializes");
    }
    let _ = shopify::parse_checkout(input);
    let _ = woocommerce::is_ping(input);
    let _ = easypost::parse_tracker_event(input);
    let _ = aftership::parse(input);
    let _ = shippo::parse(input);
    // Stripe's webhook events, and its API's answers (a PaymentIntent, a refund, a list of them).
    let _ = stripe_event::parse_event(input);
    let _ = stripe::parse_intent(input);
    let _ = stripe::parse_refund(input);
    let _ = stripe::parse_refunds(input);
    let secrets = WebhookSecrets::parse("secret").expect("secret");
    let header = String::from_utf8_lossy(&input[..input.len().min(80)]).to_string();
    let _ = secrets.verify_base64(input, Some(&header));
    let _ = secrets.verify_prefixed_hex(input, Some(&header));
    let _ = secrets.verify_timestamped(input, Some(&header), 1_790_000_000);
}

#[test]
fn parsers_survive_mangled_payloads() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for fixture in FIXTURES {
        exercise(fixture.as_bytes());
        for _ in 0..2_500 {
            exercise(&mangle(&mut rng, fixture.as_bytes()));
        }
    }
}
