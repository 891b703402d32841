//! What a shipment costs: the services on offer and how weight adds to their price.

pub(crate) const CARRIER: &str = "USPS";

pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) base_cents: u64,
    pub(crate) delivery_days: u32,
}

/// What every shipment is offered, cheapest first.
pub(crate) const RATE_CARD: [Service; 3] = [
    Service {
        name: "GroundAdvantage",
        base_cents: 510,
        delivery_days: 5,
    },
    Service {
        name: "Priority",
        base_cents: 795,
        delivery_days: 2,
    },
    Service {
        name: "Express",
        base_cents: 2635,
        delivery_days: 1,
    },
];

/// Base price plus 10 cents per whole pound, so heavier parcels cost visibly more, deterministically.
pub(crate) fn price_cents(base_cents: u64, weight_oz: f64) -> u64 {
    // `as` saturates, and the arithmetic saturates too: an absurd weight gets an absurd price, not a panic.
    let whole_pounds = (weight_oz / 16.0).floor() as u64;
    base_cents.saturating_add(whole_pounds.saturating_mul(10))
}

pub(crate) fn format_cents(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use crate::sandbox_carrier::test_client::create;
    use crate::sandbox_carrier::SandboxCarrier;

    #[tokio::test]
    async fn heavier_parcels_cost_ten_cents_more_per_pound() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 40.0).await;
        let prices: Vec<&str> = shipment["rates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rate"].as_str().unwrap())
            .collect();
        assert_eq!(prices, ["5.30", "8.15", "26.55"]);
    }
}
