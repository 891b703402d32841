//! Fuzzes the Shopify `orders/*` webhook parser, then reviews, places and serializes what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = oms_core::channels::shopify::parse_order(data) {
        oms_fuzz::exercise_order(body.order);
    }
});
