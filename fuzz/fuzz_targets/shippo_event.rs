//! Fuzzes the Shippo `track_updated` webhook parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(event)) = oms_core::carriers::shippo::parse(data) {
        let _ = format!("{event:?}");
    }
});
