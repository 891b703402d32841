//! Field rules every channel parser shares: ids as strings, decimal money, whole positive
//! quantities, and text that cannot smuggle headers or markup controls.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::PayloadError;

/// The most units of one line we accept; more is a typo or an attack, not an order.
pub const MAX_QUANTITY: u64 = 10_000;
pub const MAX_LINES: usize = 500;
/// Amounts at or above this are refused as absurd.
const MAX_AMOUNT: u64 = 1_000_000_000;

/// Channel ids can be integers beyond 2^53 that doubles would corrupt: accept the integer (parsed
/// exactly) or a plain string, and keep a string.
pub fn channel_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    optional_channel_id(d)?.ok_or_else(|| serde::de::Error::custom("id is required"))
}

pub fn optional_channel_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
        serde_json::Value::String(s) if is_plain_id(&s) => Ok(Some(s)),
        _ => Err(serde::de::Error::custom(
            "ids must be positive integers or strings of letters, digits, '-', '_', ':' and '.'",
        )),
    }
}

pub fn is_plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
}

/// A JSON value that must be a whole number from 1 to `MAX_QUANTITY`.
pub fn quantity(index: usize, value: &serde_json::Value) -> Result<u32, PayloadError> {
    let n = match value {
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .filter(|&q| q > 0)
    .ok_or_else(|| {
        PayloadError::new(
            "invalid_quantity",
            format!("line {index}: quantity must be a positive whole number"),
        )
    })?;
    if n > MAX_QUANTITY {
        return Err(PayloadError::new(
            "invalid_quantity",
            format!("line {index}: quantity {n} exceeds {MAX_QUANTITY}"),
        ));
    }
    Ok(n as u32)
}

/// A decimal amount given as a string, as every channel sends money.
pub fn money(field: &str, text: Option<&str>) -> Result<Decimal, PayloadError> {
    let invalid = || PayloadError::new("invalid_money", format!("{field} is not a decimal amount"));
    let text = text
        .ok_or_else(|| PayloadError::new("invalid_money", format!("{field} is missing")))?
        .trim();
    // Plain notation only: no exponents, no signs but a leading minus, one point between digits.
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = [whole, fraction]
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !plain {
        return Err(invalid());
    }
    text.parse::<Decimal>()
        .ok()
        .filter(|d| d.scale() <= 4 && d.abs() < Decimal::from(MAX_AMOUNT))
        .ok_or_else(invalid)
}

/// Like `money`, but the amount may not be negative.
pub fn price(field: &str, text: Option<&str>) -> Result<Decimal, PayloadError> {
    let amount = money(field, text)?;
    if amount.is_sign_negative() {
        return Err(PayloadError::new(
            "invalid_price",
            format!("{field} is negative"),
        ));
    }
    Ok(amount)
}

/// The one text policy for every input: characters that break lines without being control
/// characters (U+2028, U+2029), that reorder what is displayed (bidi embeddings, overrides,
/// isolates and marks: a name that reads "gnp.exe" as "exe.png"), or that are there without being
/// seen (zero-width space, word joiner, byte-order mark), besides control characters. The
/// zero-width joiners (U+200C, U+200D) stay: scripts and emoji need them.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

/// Free text (titles, notes, reasons, address lines): hidden characters dropped, length bounded.
pub fn clean_text(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|&c| !is_hidden(c))
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Text that ends up in email headers (names, addresses of people): a line break or a hidden
/// character there is an attempt, refused outright rather than cleaned.
pub fn header_safe(field: &str, text: &str, max_chars: usize) -> Result<String, PayloadError> {
    if text.chars().any(is_hidden) {
        return Err(PayloadError::new(
            "invalid_text",
            format!("{field} contains control, separator, bidi or invisible characters"),
        ));
    }
    if text.chars().count() > max_chars {
        return Err(PayloadError::new(
            "invalid_text",
            format!("{field} is longer than {max_chars} characters"),
        ));
    }
    Ok(text.trim().to_string())
}

/// A shipping address as a channel sends it, every part optional: what is there is kept (cleaned
/// and bounded), and review decides whether it is complete enough to ship to.
pub struct RawAddress {
    pub name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
}

/// How long each part of an address may be, wherever it comes from.
const NAME_CHARS: usize = 128;
const LINE_CHARS: usize = 256;
const CITY_CHARS: usize = 128;
const REGION_CHARS: usize = 16;
const POSTAL_CODE_CHARS: usize = 16;
const PHONE_CHARS: usize = 32;

impl RawAddress {
    /// The name ends up in email headers, so it is refused rather than cleaned.
    pub fn normalize(self) -> Result<crate::domain::Address, PayloadError> {
        Ok(crate::domain::Address {
            name: header_safe(
                "shipping address name",
                self.name.as_deref().unwrap_or_default(),
                NAME_CHARS,
            )?,
            line1: present(self.line1, LINE_CHARS).unwrap_or_default(),
            line2: present(self.line2, LINE_CHARS),
            city: present(self.city, CITY_CHARS).unwrap_or_default(),
            region: present(self.region, REGION_CHARS),
            postal_code: present(self.postal_code, POSTAL_CODE_CHARS),
            country: present(self.country, 2)
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_default(),
            phone: present(self.phone, PHONE_CHARS),
        })
    }
}

/// An address a person typed in whole (a location's): every part within the same bounds as a
/// channel's, and refused rather than cleaned when a part breaks the text policy. Returned with
/// its parts trimmed.
pub fn checked_address(
    address: crate::domain::Address,
) -> Result<crate::domain::Address, PayloadError> {
    let part = |field: &str, text: &str, max: usize| header_safe(field, text, max);
    let optional = |field: &str, text: Option<String>, max: usize| {
        text.map(|t| part(field, &t, max))
            .transpose()
            .map(|t| t.filter(|t| !t.is_empty()))
    };
    Ok(crate::domain::Address {
        name: part("address.name", &address.name, NAME_CHARS)?,
        line1: part("address.line1", &address.line1, LINE_CHARS)?,
        line2: optional("address.line2", address.line2, LINE_CHARS)?,
        city: part("address.city", &address.city, CITY_CHARS)?,
        region: optional("address.region", address.region, REGION_CHARS)?,
        postal_code: optional(
            "address.postal_code",
            address.postal_code,
            POSTAL_CODE_CHARS,
        )?,
        country: part("address.country", &address.country, 2)?,
        phone: optional("address.phone", address.phone, PHONE_CHARS)?,
    })
}

/// An ISO 3166-1 alpha-2 country code (two letters), upper case; `None` for anything else.
pub fn country_code(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// Present and non-blank, cleaned.
pub fn present(value: Option<String>, max_chars: usize) -> Option<String> {
    value
        .map(|s| clean_text(&s, max_chars))
        .filter(|s| !s.is_empty())
}

pub fn join_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// No order format nests anywhere near this deep; a refused body nested deeper is reported as such.
const MAX_NESTING: usize = 32;

/// Whether arrays and objects nest deeper than `limit` anywhere, found without parsing (strings
/// skipped), stopping at the first level too deep.
fn nests_deeper_than(body: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut rest = body;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'"' => rest = after_string(rest),
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// What follows the string `rest` starts inside of (nothing when it never ends). Strings are
/// most of an order's body, so they are skipped a quote or backslash at a time, not byte by byte.
fn after_string(mut rest: &[u8]) -> &[u8] {
    while let Some(at) = memchr::memchr2(b'"', b'\\', rest) {
        if rest[at] == b'"' {
            return &rest[at + 1..];
        }
        // A backslash escapes the byte after it.
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    &[]
}

/// Parses JSON, telling broken syntax (400) from the wrong shape (422), and refusing non-UTF-8
/// and nesting deeper than `MAX_NESTING` anywhere, in fields we ignore too (the parser skips
/// those without a depth limit of its own).
pub fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, PayloadError> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(PayloadError::new(
            "invalid_encoding",
            "the body is not UTF-8",
        ));
    };
    if nests_deeper_than(body, MAX_NESTING) {
        return Err(PayloadError::new(
            "too_deeply_nested",
            format!("JSON nested deeper than {MAX_NESTING} levels"),
        ));
    }
    // Validated once above, so the parser need not validate each string again.
    serde_json::from_str(text).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "malformed_json"
        } else {
            "invalid_order"
        };
        PayloadError::new(code, format!("{what} is not valid: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeply_nested_refusals_say_so() {
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let err = parse_json::<Vec<u8>>(deep.as_bytes(), "x").unwrap_err();
        assert_eq!(err.code, "too_deeply_nested");
        let deeper = format!("{}{}", "[".repeat(500), "]".repeat(500));
        let err = parse_json::<serde_json::Value>(deeper.as_bytes(), "x").unwrap_err();
        assert_eq!(
            err.code, "too_deeply_nested",
            "the parser's own limit holds the stack"
        );
        #[derive(serde::Deserialize)]
        struct OnlyName {
            name: String,
        }
        let shallow = parse_json::<OnlyName>(br#"{"name":"x","extra":[[{}]]}"#, "x");
        assert_eq!(shallow.ok().map(|o| o.name).as_deref(), Some("x"));
        let ignored = format!(
            r#"{{"name":"x","extra":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let err = parse_json::<OnlyName>(ignored.as_bytes(), "x")
            .err()
            .unwrap();
        assert_eq!(err.code, "too_deeply_nested", "ignored fields count too");
        assert!(
            !nests_deeper_than(br#"{"a":"[[[[","b":[{}]}"#, 3),
            "brackets in strings do not count"
        );
        assert!(nests_deeper_than(br#"{"b":[{}]}"#, 2));
        assert!(
            !nests_deeper_than(br#"{"a":"\"[["}"#, 1),
            "escaped quotes stay in the string"
        );
        assert!(
            nests_deeper_than(br#"{"a":"\\","b":[[]]}"#, 2),
            "an escaped backslash ends its escape"
        );
        assert!(!nests_deeper_than(br#"{"a":"[[[["#, 1), "an unended string");
        assert!(!nests_deeper_than(br#"{"a":"\"#, 1), "an unended escape");
    }

    /// The depth check as a byte-at-a-time automaton: the specification the fast one meets.
    fn nests_deeper_than_bytewise(body: &[u8], limit: usize) -> bool {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in body {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        false
    }

    proptest::proptest! {
        #[test]
        fn the_depth_check_skips_strings_as_a_byte_at_a_time_reading_does(
            body in proptest::collection::vec(
                proptest::sample::select(b"[]{}\"\\ax".to_vec()), 0..64),
            limit in 0usize..6,
        ) {
            proptest::prop_assert_eq!(
                nests_deeper_than(&body, limit),
                nests_deeper_than_bytewise(&body, limit)
            );
        }
    }

    #[test]
    fn hidden_characters_are_dropped_from_free_text_and_refused_in_names() {
        for hidden in [
            '\u{2028}', '\u{2029}', '\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2066}',
        ] {
            let text = format!("Pri{hidden}ya");
            assert_eq!(clean_text(&text, 64), "Priya", "{:?}", hidden);
            assert!(header_safe("name", &text, 64).is_err(), "{:?}", hidden);
        }
        let joined = "\u{1F469}\u{200D}\u{1F373} Mehr\u{200C}dad";
        assert_eq!(clean_text(joined, 64), joined, "joiners stay");
    }

    #[test]
    fn header_text_refuses_line_breaks() {
        assert!(header_safe("name", "Priya\r\nBcc: x@evil", 64).is_err());
        assert!(header_safe("name", &"x".repeat(65), 64).is_err());
        assert_eq!(header_safe("name", " Priya ", 64).unwrap(), "Priya");
    }

    #[test]
    fn money_is_decimal_and_bounded() {
        assert_eq!(money("m", Some("14.00")).unwrap().to_string(), "14.00");
        for bad in ["", "abc", "1e3", "1.00001", "1000000000", "NaN"] {
            assert!(money("m", Some(bad)).is_err(), "{bad}");
        }
        assert!(price("p", Some("-1")).is_err());
    }

    #[test]
    fn quantities_are_whole_and_positive() {
        use serde_json::json;
        assert_eq!(quantity(0, &json!(3)).unwrap(), 3);
        for bad in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!("2"),
            json!(null),
            json!(10_001),
        ] {
            assert!(quantity(0, &bad).is_err(), "{bad}");
        }
    }
}
