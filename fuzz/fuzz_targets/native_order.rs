//! Fuzzes our own order format (marketplace and manual channels), then reviews, places and serializes accepted orders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oms_core::channels::native::parse_order;
use oms_core::domain::Channel;

fuzz_target!(|data: &[u8]| {
    if let Ok(order) = parse_order(data, Channel::Marketplace, || None) {
        oms_fuzz::exercise_order(order);
    }
    if let Ok(order) = parse_order(data, Channel::Manual, || Some("manual-fuzz-1".into())) {
        oms_fuzz::exercise_order(order);
    }
});
