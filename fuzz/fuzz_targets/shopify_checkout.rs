//! Fuzzes the Shopify `checkouts/*` webhook parser and round-trips the carts it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cart) = oms_core::channels::shopify::parse_checkout(data) {
        oms_fuzz::exercise_cart(cart);
    }
});
