//! Fuzzes the WooCommerce ping detector and order parser, then reviews, places and serializes accepted orders.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = oms_core::channels::woocommerce::is_ping(data);
    if let Ok(order) = oms_core::channels::woocommerce::parse_order(data) {
        oms_fuzz::exercise_order(order);
    }
});
