//! Fuzzes the EasyPost tracker webhook event parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(event)) = oms_core::carriers::easypost::parse_tracker_event(data) {
        let _ = format!("{event:?}");
    }
});
