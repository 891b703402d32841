//! Code 128 barcodes drawn as bars, so a scanner reads the order name off a packing slip or the
//! tracking code off a label. Runs of digits go in character set C (two digits a symbol), the
//! rest in set B (printable ASCII), which keeps long tracking codes wide enough to scan.

use barcoders::sym::code128::Code128;

use crate::sheet::Sheet;

/// Modules of white each side, as scanners need.
const QUIET_ZONE: f32 = 10.0;

/// `text` as barcoders' input: a start character and set switches (`Ɓ` set B, `Ć` set C).
/// None when `text` is empty or not printable ASCII.
fn with_sets(text: &str) -> Option<String> {
    if text.is_empty() || !text.bytes().all(|b| (32..127).contains(&b)) {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut set = None;
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        // A digit run pays for a switch when it is long enough (or is all there is).
        let whole = i == 0 && run == chars.len() && run % 2 == 0;
        if run >= 4 || whole {
            // An odd run leaves its first digit in set B.
            if run % 2 == 1 {
                if set != Some('Ɓ') {
                    out.push('Ɓ');
                }
                out.push(chars[i]);
                i += 1;
            }
            let pairs = (chars[i..].iter().take_while(|c| c.is_ascii_digit()).count() / 2) * 2;
            out.push('Ć');
            set = Some('Ć');
            out.extend(&chars[i..i + pairs]);
            i += pairs;
        } else {
            if set != Some('Ɓ') {
                out.push('Ɓ');
                set = Some('Ɓ');
            }
            out.push(chars[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Draws `text` as Code 128 centred between `left` and `right` with its bottom at `bottom`,
/// modules as wide as fit with the quiet zones (at most `max_module` points); nothing when
/// `text` cannot be encoded.
pub fn draw(
    sheet: &mut Sheet,
    text: &str,
    (left, right): (f32, f32),
    bottom: f32,
    height: f32,
    max_module: f32,
) {
    let Some(code) = with_sets(text).and_then(|input| Code128::new(input).ok()) else {
        return;
    };
    let modules = code.encode();
    let module = ((right - left) / (modules.len() as f32 + 2.0 * QUIET_ZONE)).min(max_module);
    let x = left + ((right - left) - module * modules.len() as f32) / 2.0;
    let mut run_start = None;
    for (i, bar) in modules.iter().chain(std::iter::once(&0)).enumerate() {
        match (*bar == 1, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                let width = (i - start) as f32 * module;
                sheet.fill(x + start as f32 * module, bottom, width, height, 0.0);
                run_start = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_go_in_set_c_and_the_rest_in_set_b() {
        assert_eq!(with_sets("1234").as_deref(), Some("Ć1234"));
        assert_eq!(with_sets("12345").as_deref(), Some("Ɓ1Ć2345"));
        assert_eq!(with_sets("A12B").as_deref(), Some("ƁA12B"));
        assert_eq!(with_sets("A123456B").as_deref(), Some("ƁAĆ123456ƁB"));
        assert_eq!(
            with_sets("EZ100000000000000042").as_deref(),
            Some("ƁEZĆ100000000000000042")
        );
        assert_eq!(with_sets("#2093").as_deref(), Some("Ɓ#Ć2093"));
        assert_eq!(with_sets("café"), None);
        assert_eq!(with_sets(""), None);
    }

    #[test]
    fn set_c_makes_tracking_codes_shorter() {
        let b = Code128::new("ƁEZ100000000000000042")
            .unwrap()
            .encode()
            .len();
        let c = Code128::new(with_sets("EZ100000000000000042").unwrap())
            .unwrap()
            .encode()
            .len();
        assert!(c < b * 2 / 3, "{c} modules against {b}");
    }
}
