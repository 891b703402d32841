//! Fuzzes Stripe's webhook event parser and the parsers of its API's answers (a PaymentIntent,
//! a refund, a list of refunds).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oms_core::payments::{stripe, stripe_event};

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = stripe_event::parse_event(data) {
        let _ = format!("{event:?}");
    }
    if let Ok(intent) = stripe::parse_intent(data) {
        let _ = format!("{intent:?}");
    }
    let _ = stripe::parse_refund(data);
    let _ = stripe::parse_refunds(data);
});
