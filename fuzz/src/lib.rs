//! Checks shared by the fuzz targets: what must hold for every order a parser accepts.

use oms_core::domain::{review::review, Cart, NewOrder, Order};

/// Reviews and places an accepted order, then stores it as JSON and reads it back.
/// None of this may panic, and the stored order must read back unchanged.
pub fn exercise_order(order: NewOrder) {
    let _ = order.fingerprint();
    let _ = review(&order);
    let placed = Order::place(order, chrono::Utc::now());
    let json = serde_json::to_string(&placed).expect("a placed order serializes");
    let back: Order = serde_json::from_str(&json).expect("a serialized order reads back");
    assert_eq!(back, placed, "order changed on a JSON round trip: {json}");
}

/// Serializes an accepted cart and reads it back.
pub fn exercise_cart(cart: Cart) {
    let json = serde_json::to_string(&cart).expect("a cart serializes");
    let back: Cart = serde_json::from_str(&json).expect("a serialized cart reads back");
    assert_eq!(back, cart, "cart changed on a JSON round trip: {json}");
}

/// Lowercase hex, as the signature headers carry it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding, as Shopify and WooCommerce send it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
