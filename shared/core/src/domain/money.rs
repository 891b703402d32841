//! Money: decimal amounts in a three-letter currency, never floating point.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO 4217 alphabetic code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("currency must be a three-letter ISO 4217 code, got {0:?}")]
pub struct InvalidCurrency(pub String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, InvalidCurrency> {
        let upper = code.trim().to_ascii_uppercase();
        if upper.len() == 3 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(upper))
        } else {
            Err(InvalidCurrency(code.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidCurrency;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An order's money, as the channel stated it. Serialized as decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Decimal,
    pub shipping: Decimal,
    pub tax: Decimal,
    /// Charges that are neither goods, shipping nor tax (WooCommerce's fee lines: gift wrap, a
    /// payment surcharge; negative for a fee used as a discount).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub fees: Decimal,
    pub discounts: Decimal,
    pub total: Decimal,
}

impl Totals {
    /// What the parts add up to: lines + shipping + tax + fees - discounts.
    pub fn computed_total(&self) -> Decimal {
        self.subtotal + self.shipping + self.tax + self.fees - self.discounts
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display_amount(self.amount, &self.currency))
    }
}

/// Formats an amount for people: `74.38 CAD`.
pub fn display_amount(amount: Decimal, currency: &Currency) -> String {
    format!("{} {}", amount.round_dp(2), currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn currency_codes_are_normalized_and_checked() {
        assert_eq!(Currency::parse("cad").unwrap().as_str(), "CAD");
        for bad in ["", "CA", "CADD", "C4D", "€€€"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn totals_add_up_in_decimal() {
        let t = Totals {
            subtotal: Decimal::from_str("56.00").unwrap(),
            shipping: Decimal::from_str("10.00").unwrap(),
            tax: Decimal::from_str("8.38").unwrap(),
            fees: Decimal::ZERO,
            discounts: Decimal::from_str("0.10").unwrap(),
            total: Decimal::from_str("74.28").unwrap(),
        };
        assert_eq!(t.computed_total(), t.total);
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["total"], "74.28");
    }
}

/// Digits after the decimal point in the currency's minor unit (ISO 4217).
pub fn minor_unit_digits(currency: &Currency) -> u32 {
    match currency.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// One minor unit of the currency: 0.01 USD, 1 JPY, 0.001 KWD.
pub fn minor_unit(currency: &Currency) -> Decimal {
    Decimal::new(1, minor_unit_digits(currency))
}

#[cfg(test)]
mod minor_unit_tests {
    use super::*;

    #[test]
    fn minor_units_follow_iso_4217() {
        let unit = |c: &str| minor_unit(&Currency::parse(c).unwrap()).to_string();
        assert_eq!(unit("USD"), "0.01");
        assert_eq!(unit("JPY"), "1");
        assert_eq!(unit("KWD"), "0.001");
    }
}
