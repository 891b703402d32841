//! Fuzzes webhook signature header checks (base64, prefixed hex, timestamped); input is `header\nbody`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oms_core::signature::WebhookSecrets;

const NOW: i64 = 1_790_000_000;

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let header = String::from_utf8_lossy(header);
    let secrets = WebhookSecrets::parse("secret").unwrap();

    // Whatever the header says: an answer, never a panic.
    let _ = secrets.verify_base64(body, Some(&header));
    let _ = secrets.verify_prefixed_hex(body, Some(&header));
    let _ = secrets.verify_timestamped(body, Some(&header), NOW);
    let _ = secrets.verify_timestamped(body, Some(&header), i64::MAX);
    let _ = secrets.verify_timestamped(body, Some(&header), i64::MIN);

    // A genuine signature must always pass.
    let mac = secrets.sign(body);
    let b64 = oms_fuzz::base64(&mac);
    assert_eq!(secrets.verify_base64(body, Some(&b64)), Ok(()));
    let hex = format!("hmac-sha256-hex={}", oms_fuzz::hex(&mac));
    assert_eq!(secrets.verify_prefixed_hex(body, Some(&hex)), Ok(()));

    // The fuzzed header's timestamp with a genuine `v1` appended: reaches the code that runs only
    // after the signature matched (the replay window).
    let timestamp = header
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .filter(|(key, _)| *key == "t")
        .last()
        .and_then(|(_, t)| t.parse::<i64>().ok());
    if let Some(t) = timestamp {
        let mut signed = t.to_string().into_bytes();
        signed.push(b'.');
        signed.extend_from_slice(body);
        let header = format!("{header},v1={}", oms_fuzz::hex(&secrets.sign(&signed)));
        let _ = secrets.verify_timestamped(body, Some(&header), NOW);
    }
});
