//! How amounts, dates and addresses read on a document.

use chrono::{DateTime, Utc};
use oms_core::domain::money::minor_unit_digits;
use oms_core::domain::{Address, Currency};
use rust_decimal::{Decimal, RoundingStrategy};

/// `1234.5` in EUR as `1234.50`; in JPY as `1235` (halves away from zero, as on a till).
pub fn amount(value: Decimal, currency: &Currency) -> String {
    let digits = minor_unit_digits(currency);
    let rounded = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    format!("{:.*}", digits as usize, rounded)
}

pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// An address as it is written on an envelope, one line per item.
pub fn address_lines(address: &Address) -> Vec<String> {
    let mut lines = vec![address.name.clone(), address.line1.clone()];
    lines.extend(
        address
            .line2
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned(),
    );
    let town = [address.postal_code.as_deref(), Some(address.city.as_str())]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut town = town;
    if let Some(region) = address.region.as_deref().filter(|r| !r.trim().is_empty()) {
        town.push_str(&format!(", {region}"));
    }
    lines.push(town);
    lines.push(address.country.clone());
    lines.retain(|l| !l.trim().is_empty());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_the_currency_s_minor_digits() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount("1234.5".parse().unwrap(), &eur), "1234.50");
        assert_eq!(amount("-3".parse().unwrap(), &eur), "-3.00");
        assert_eq!(amount("1234.5".parse().unwrap(), &jpy), "1235");
    }

    #[test]
    fn an_address_reads_as_on_an_envelope() {
        let address = Address {
            name: "Ελένη Παπαδοπούλου".into(),
            line1: "Οδός Ερμού 12".into(),
            line2: Some(" ".into()),
            city: "Αθήνα".into(),
            region: None,
            postal_code: Some("105 63".into()),
            country: "GR".into(),
            phone: None,
        };
        assert_eq!(
            address_lines(&address),
            vec!["Ελένη Παπαδοπούλου", "Οδός Ερμού 12", "105 63 Αθήνα", "GR"]
        );
    }
}
