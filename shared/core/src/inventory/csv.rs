//! Bulk stock import: a merchant's `sku,location,on_hand` spreadsheet, checked as a whole so a bad
//! row never leaves half a file applied.

use std::collections::HashMap;

use super::location::{InvalidLocationId, LocationId};
use super::stock::{is_valid_sku, MAX_SKU_CHARS};

/// Large enough for a real catalogue, small enough to apply in one request.
pub const MAX_ROWS: usize = 10_000;
/// Above any real shelf, and well inside the store's counters.
pub const MAX_ON_HAND: u32 = 1_000_000_000;
/// How much of an offending value an error message repeats, so a garbage field cannot make the
/// message huge.
const ECHO_CHARS: usize = 80;

/// One row of the file: `sku` has `on_hand` units at `location`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StockRow {
    pub sku: String,
    pub location: LocationId,
    pub on_hand: u32,
}

/// Why a file was rejected. Line numbers are 1-based and count blank lines, so they match what
/// the merchant sees in an editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file has no stock rows")]
    Empty,
    #[error("the file has more than {MAX_ROWS} rows; split it into several imports")]
    TooManyRows,
    #[error("line {line}: expected 3 fields (sku,location,on_hand), found {found}")]
    FieldCount { line: usize, found: usize },
    #[error("line {line}: a quoted field is not closed")]
    UnclosedQuote { line: usize },
    #[error(
        "line {line}: a quote may only wrap a whole field (write \"\" for a quote inside one)"
    )]
    StrayQuote { line: usize },
    #[error("line {line}: sku {sku:?} must be 1 to {MAX_SKU_CHARS} characters with no control characters")]
    InvalidSku { line: usize, sku: String },
    #[error("line {line}: {source}")]
    InvalidLocation {
        line: usize,
        #[source]
        source: InvalidLocationId,
    },
    #[error("line {line}: on_hand {value:?} is not a whole number from 0 to {MAX_ON_HAND}")]
    InvalidOnHand { line: usize, value: String },
    #[error("line {line}: sku {sku:?} at location {location} is already on line {first}")]
    Duplicate {
        line: usize,
        first: usize,
        sku: String,
        location: LocationId,
    },
}

/// Parses and validates a whole stock file; any error rejects all of it.
///
/// An optional first line `sku,location,on_hand` (any case and spacing) is a header. Fields are
/// trimmed, quoted ones too: a SKU with edge spaces is always a spreadsheet accident. The same
/// SKU and location twice is an error, since which count is meant cannot be known.
pub fn parse_stock_csv(text: &str) -> Result<Vec<StockRow>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut first_seen: HashMap<(String, LocationId), usize> = HashMap::new();
    let mut header_possible = true;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        if content.trim().is_empty() {
            continue;
        }
        let fields = split_fields(content, line)?;
        // Only the first non-blank line may be a header.
        if std::mem::take(&mut header_possible) && is_header(&fields) {
            continue;
        }
        let row = parse_row(&fields, line)?;
        let key = (row.sku.clone(), row.location.clone());
        if let Some(&first) = first_seen.get(&key) {
            return Err(CsvError::Duplicate {
                line,
                first,
                sku: echo(&row.sku),
                location: row.location,
            });
        }
        first_seen.insert(key, line);
        if rows.len() == MAX_ROWS {
            return Err(CsvError::TooManyRows);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    Ok(rows)
}

fn is_header(fields: &[String]) -> bool {
    fields.len() == 3
        && fields
            .iter()
            .zip(["sku", "location", "on_hand"])
            .all(|(field, name)| field.eq_ignore_ascii_case(name))
}

fn parse_row(fields: &[String], line: usize) -> Result<StockRow, CsvError> {
    let [sku, location, on_hand] = fields else {
        return Err(CsvError::FieldCount {
            line,
            found: fields.len(),
        });
    };
    Ok(StockRow {
        sku: parse_sku(sku, line)?,
        location: LocationId::parse(location)
            .map_err(|source| CsvError::InvalidLocation { line, source })?,
        on_hand: parse_on_hand(on_hand, line)?,
    })
}

fn parse_sku(sku: &str, line: usize) -> Result<String, CsvError> {
    if is_valid_sku(sku) {
        Ok(sku.to_string())
    } else {
        Err(CsvError::InvalidSku {
            line,
            sku: echo(sku),
        })
    }
}

/// Digits only: `u32::from_str` would also take "+5", which no spreadsheet means as a count.
fn parse_on_hand(value: &str, line: usize) -> Result<u32, CsvError> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<u32>() {
        Ok(n) if digits && n <= MAX_ON_HAND => Ok(n),
        _ => Err(CsvError::InvalidOnHand {
            line,
            value: echo(value),
        }),
    }
}

/// Splits one line into trimmed fields. A field may be wrapped in double quotes (so it can hold
/// commas), with `""` standing for a quote; quotes anywhere else are rejected rather than
/// guessed at.
fn split_fields(content: &str, line: usize) -> Result<Vec<String>, CsvError> {
    let mut fields = Vec::new();
    let mut rest = content;
    loop {
        let (field, after) = next_field(rest, line)?;
        fields.push(field);
        match after {
            Some(after) => rest = after,
            None => return Ok(fields),
        }
    }
}

/// The first field of `text`, and what follows its comma (`None` at the end of the line).
fn next_field(text: &str, line: usize) -> Result<(String, Option<&str>), CsvError> {
    let text = text.trim_start();
    let (value, after) = match text.strip_prefix('"') {
        Some(quoted) => unquote(quoted, line)?,
        None => {
            let end = text.find(',').unwrap_or(text.len());
            if text[..end].contains('"') {
                return Err(CsvError::StrayQuote { line });
            }
            (text[..end].to_string(), &text[end..])
        }
    };
    let after = after.trim_start();
    match after.strip_prefix(',') {
        Some(next) => Ok((value.trim().to_string(), Some(next))),
        None if after.is_empty() => Ok((value.trim().to_string(), None)),
        None => Err(CsvError::StrayQuote { line }),
    }
}

/// Reads a quoted field's content up to its closing quote, returning it and the text after.
fn unquote(text: &str, line: usize) -> Result<(String, &str), CsvError> {
    let mut value = String::new();
    let mut rest = text;
    loop {
        let Some(quote) = rest.find('"') else {
            return Err(CsvError::UnclosedQuote { line });
        };
        value.push_str(&rest[..quote]);
        let after = &rest[quote + 1..];
        match after.strip_prefix('"') {
            Some(escaped) => {
                value.push('"');
                rest = escaped;
            }
            None => return Ok((value, after)),
        }
    }
}

fn echo(value: &str) -> String {
    value.chars().take(ECHO_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sku: &str, location: &str, on_hand: u32) -> StockRow {
        StockRow {
            sku: sku.into(),
            location: LocationId::parse(location).unwrap(),
            on_hand,
        }
    }

    fn error(text: &str) -> String {
        parse_stock_csv(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_rows_with_and_without_a_header() {
        let rows = vec![row("TEE-S", "main", 4), row("TEE-M", "east-3pl", 0)];
        assert_eq!(
            parse_stock_csv("TEE-S,main,4\nTEE-M,east-3pl,0\n"),
            Ok(rows.clone())
        );
        assert_eq!(
            parse_stock_csv(" SKU , Location ,ON_HAND\nTEE-S, main ,4\n\n  \nTEE-M,east-3pl,0"),
            Ok(rows)
        );
    }

    #[test]
    fn header_only_on_the_first_line() {
        assert_eq!(
            error("a,main,1\nsku,location,on_hand\n"),
            r#"line 2: on_hand "on_hand" is not a whole number from 0 to 1000000000"#
        );
    }

    #[test]
    fn tolerates_bom_and_crlf() {
        let text = "\u{feff}sku,location,on_hand\r\nA,main,1\r\n\r\nB,main,2\r\n";
        assert_eq!(
            parse_stock_csv(text),
            Ok(vec![row("A", "main", 1), row("B", "main", 2)])
        );
    }

    #[test]
    fn quoted_fields_hold_commas_and_escaped_quotes() {
        let text = r#""Mug, 12"" tall" , "main","7"
" padded ",main,  "0"  "#;
        assert_eq!(
            parse_stock_csv(text),
            Ok(vec![
                row(r#"Mug, 12" tall"#, "main", 7),
                row("padded", "main", 0)
            ])
        );
    }

    #[test]
    fn rejects_badly_quoted_fields() {
        assert_eq!(
            error("A,main,1\n\"A,main,1"),
            "line 2: a quoted field is not closed"
        );
        assert_eq!(
            parse_stock_csv("A\"B,main,1"),
            Err(CsvError::StrayQuote { line: 1 })
        );
        assert_eq!(
            parse_stock_csv("\"A\"B,main,1"),
            Err(CsvError::StrayQuote { line: 1 })
        );
    }

    #[test]
    fn rejects_wrong_field_counts() {
        assert_eq!(
            error("A,main,1\nB,main"),
            "line 2: expected 3 fields (sku,location,on_hand), found 2"
        );
        assert_eq!(
            parse_stock_csv("A,main,1,extra"),
            Err(CsvError::FieldCount { line: 1, found: 4 })
        );
    }

    #[test]
    fn rejects_bad_skus() {
        let long = "x".repeat(MAX_SKU_CHARS + 1);
        assert_eq!(
            error(",main,1"),
            r#"line 1: sku "" must be 1 to 128 characters with no control characters"#
        );
        assert!(matches!(
            parse_stock_csv(&format!("{long},main,1")),
            Err(CsvError::InvalidSku { line: 1, sku }) if sku.chars().count() == ECHO_CHARS
        ));
        assert!(matches!(
            parse_stock_csv("A\u{7}B,main,1"),
            Err(CsvError::InvalidSku { line: 1, .. })
        ));
        let widest = "é".repeat(MAX_SKU_CHARS);
        assert_eq!(
            parse_stock_csv(&format!("{widest},main,1")),
            Ok(vec![row(&widest, "main", 1)])
        );
    }

    #[test]
    fn rejects_bad_locations() {
        assert_eq!(
            error("A,main,1\n\nA,back room,1"),
            r#"line 3: location id must be 1 to 64 letters, digits, '-' or '_'; got "back room""#
        );
    }

    #[test]
    fn rejects_bad_counts() {
        assert_eq!(
            error("sku,location,on_hand\nA,main,1\nB,main,-2"),
            r#"line 3: on_hand "-2" is not a whole number from 0 to 1000000000"#
        );
        for bad in [
            "",
            "+5",
            "1.5",
            "1e3",
            "1000000001",
            "99999999999999999999",
            "x",
        ] {
            assert!(
                matches!(
                    parse_stock_csv(&format!("A,main,{bad}")),
                    Err(CsvError::InvalidOnHand { line: 1, .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_stock_csv("A,main,1000000000\nB,main,007"),
            Ok(vec![row("A", "main", MAX_ON_HAND), row("B", "main", 7)])
        );
    }

    #[test]
    fn rejects_the_same_sku_and_location_twice() {
        assert_eq!(
            error("A,main,1\nA,east,1\n\"A\", main ,2"),
            r#"line 3: sku "A" at location main is already on line 1"#
        );
    }

    #[test]
    fn rejects_files_without_rows() {
        for text in ["", "\u{feff}", "\n\r\n  \n", "sku,location,on_hand\r\n"] {
            assert_eq!(parse_stock_csv(text), Err(CsvError::Empty), "{text:?}");
        }
    }

    #[test]
    fn rejects_too_many_rows() {
        let rows = |n: usize| (0..n).map(|i| format!("S{i},main,1\n")).collect::<String>();
        assert_eq!(
            parse_stock_csv(&rows(MAX_ROWS)).map(|r| r.len()),
            Ok(MAX_ROWS)
        );
        assert_eq!(
            parse_stock_csv(&rows(MAX_ROWS + 1)),
            Err(CsvError::TooManyRows)
        );
    }

    /// xorshift64: deterministic, so a failing input reproduces from its seed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_mangled_input() {
        const PIECES: [&str; 16] = [
            ",",
            "\"",
            "\"\"",
            "\n",
            "\r",
            "\r\n",
            "\u{feff}",
            " ",
            "A",
            "main",
            "7",
            "-",
            "é",
            "\u{0}",
            "sku,location,on_hand",
            "1000000000",
        ];
        let valid = "sku,location,on_hand\nA,main,1\n\"B,\"\"x\"\"\",east,2\n";
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..5_000 {
            let mut text = String::new();
            if rng.below(2) == 0 {
                for _ in 0..rng.below(40) {
                    text.push_str(PIECES[rng.below(PIECES.len())]);
                }
            } else {
                let mut chars: Vec<char> = valid.chars().collect();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(chars.len());
                    let other = rng.below(chars.len());
                    let piece = PIECES[rng.below(PIECES.len())];
                    match rng.below(3) {
                        0 => {
                            chars.remove(at);
                        }
                        1 => chars.insert(at, piece.chars().next().unwrap()),
                        _ => chars.swap(at, other),
                    }
                }
                text = chars.into_iter().collect();
            }
            if let Ok(rows) = parse_stock_csv(&text) {
                assert!(!rows.is_empty() && rows.len() <= MAX_ROWS, "{text:?}");
                assert!(rows.iter().all(|r| r.on_hand <= MAX_ON_HAND), "{text:?}");
            }
        }
    }
}
