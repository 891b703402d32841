//! Which of a carrier's rates to buy: a pure decision on what the carrier offered.

use rust_decimal::Decimal;
use serde::Deserialize;

/// One price a carrier offers for a shipment.
#[derive(Debug, Clone, Deserialize)]
pub struct Rate {
    pub id: String,
    pub carrier: String,
    pub service: String,
    pub rate: Decimal,
    pub currency: Option<String>,
    pub delivery_days: Option<u32>,
}

/// The rate to buy: the cheapest whose service matches the storefront's shipping method ("Express"
/// buys Express); else the cheapest that promises delivery within `window_days`; else, when no
/// rate promises that, the fastest (ties to the cheaper), so the customer waits as little as the
/// carrier allows.
pub fn choose_rate<'a>(
    rates: &'a [Rate],
    shipping_method: Option<&str>,
    window_days: u32,
) -> Option<&'a Rate> {
    let wanted = shipping_method.map(|m| m.trim().to_ascii_lowercase());
    let matching = wanted.filter(|w| !w.is_empty()).and_then(|w| {
        rates
            .iter()
            .filter(|r| r.service.to_ascii_lowercase().contains(&w))
            .min_by_key(|r| r.rate)
    });
    matching
        .or_else(|| {
            rates
                .iter()
                .filter(|r| r.delivery_days.is_some_and(|d| d <= window_days))
                .min_by_key(|r| r.rate)
        })
        .or_else(|| {
            rates
                .iter()
                .min_by_key(|r| (r.delivery_days.unwrap_or(u32::MAX), r.rate))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(id: &str, service: &str, price: &str, days: Option<u32>) -> Rate {
        Rate {
            id: id.into(),
            carrier: "USPS".into(),
            service: service.into(),
            rate: price.parse().unwrap(),
            currency: Some("USD".into()),
            delivery_days: days,
        }
    }

    #[test]
    fn picks_the_requested_service_else_the_cheapest_within_the_window() {
        let rates = [
            rate("a", "Priority", "7.95", Some(2)),
            rate("b", "Express", "26.35", Some(1)),
            rate("c", "GroundAdvantage", "5.10", Some(5)),
        ];
        assert_eq!(choose_rate(&rates, Some("Express"), 5).unwrap().id, "b");
        assert_eq!(choose_rate(&rates, Some("express "), 5).unwrap().id, "b");
        assert_eq!(choose_rate(&rates, Some("Standard"), 5).unwrap().id, "c");
        assert_eq!(choose_rate(&rates, None, 5).unwrap().id, "c");
        assert_eq!(choose_rate(&rates, None, 3).unwrap().id, "a");
        assert_eq!(choose_rate(&rates, Some(""), 1).unwrap().id, "b");
        assert!(choose_rate(&[], None, 5).is_none());
    }

    #[test]
    fn without_a_promise_in_the_window_the_fastest_wins() {
        let rates = [
            rate("slow", "Ground", "4.00", Some(8)),
            rate("unknown", "Economy", "3.00", None),
            rate("fast", "Priority", "9.00", Some(6)),
        ];
        assert_eq!(choose_rate(&rates, None, 5).unwrap().id, "fast");
    }
}
