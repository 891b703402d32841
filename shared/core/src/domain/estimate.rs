//! Delivery estimates from our own history: how many days parcels of the same carrier, service and
//! route actually took, kept as a histogram (one counter per day), so an estimate is a read, not a
//! scan. Until a route has enough deliveries, the service's nominal days stand.

use chrono::{DateTime, Duration, Utc};

/// Fewer deliveries than this say more about luck than about the route.
pub const MIN_SAMPLES: u64 = 5;
/// Longer transits are counted as this many days.
pub const MAX_DAYS: u32 = 60;

/// Which parcels are comparable: same carrier, service and countries.
pub fn route_key(carrier: &str, service: &str, from_country: &str, to_country: &str) -> String {
    format!(
        "{}#{}#{}-{}",
        crate::carriers::canonical_carrier(carrier),
        service.to_ascii_lowercase(),
        from_country.to_ascii_uppercase(),
        to_country.to_ascii_uppercase()
    )
}

/// Whole days from label to delivery, rounded up, capped.
pub fn transit_days(shipped: DateTime<Utc>, delivered: DateTime<Utc>) -> u32 {
    let seconds = (delivered - shipped).num_seconds().max(0);
    let days = (seconds + 86_399) / 86_400;
    u32::try_from(days).unwrap_or(MAX_DAYS).min(MAX_DAYS)
}

/// Deliveries per transit time in days (`counts[d]` took `d` days).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitHistory {
    pub counts: Vec<u64>,
}

impl TransitHistory {
    pub fn samples(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The smallest day count that at least `share` of deliveries made.
    fn quantile(&self, share: f64) -> Option<u32> {
        let total = self.samples();
        if total == 0 {
            return None;
        }
        let needed = (share * total as f64).ceil() as u64;
        let mut seen = 0;
        for (days, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= needed {
                return u32::try_from(days).ok();
            }
        }
        None
    }

    pub fn median_days(&self) -> Option<u32> {
        self.quantile(0.5)
    }

    pub fn p90_days(&self) -> Option<u32> {
        self.quantile(0.9)
    }

    /// When a parcel shipped now should arrive, by the median, once the route has history.
    pub fn estimate(&self, shipped: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.samples() < MIN_SAMPLES {
            return None;
        }
        self.median_days()
            .map(|days| shipped + Duration::days(i64::from(days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn history(days: &[u32]) -> TransitHistory {
        let mut counts = vec![0; MAX_DAYS as usize + 1];
        for &d in days {
            counts[d as usize] += 1;
        }
        TransitHistory { counts }
    }

    #[test]
    fn median_and_90th_percentile() {
        let h = history(&[2, 2, 3, 3, 3, 4, 4, 5, 9, 12]);
        assert_eq!(h.median_days(), Some(3));
        assert_eq!(h.p90_days(), Some(9));
    }

    #[test]
    fn no_estimate_without_enough_history() {
        let shipped = Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap();
        assert_eq!(history(&[2, 2, 2, 2]).estimate(shipped), None);
        assert_eq!(
            history(&[2, 2, 2, 2, 3]).estimate(shipped),
            Some(shipped + Duration::days(2))
        );
    }

    #[test]
    fn transit_days_round_up_and_are_capped() {
        let shipped = Utc.with_ymd_and_hms(2026, 10, 1, 12, 0, 0).unwrap();
        assert_eq!(transit_days(shipped, shipped + Duration::hours(30)), 2);
        assert_eq!(transit_days(shipped, shipped - Duration::hours(1)), 0);
        assert_eq!(
            transit_days(shipped, shipped + Duration::days(400)),
            MAX_DAYS
        );
        assert_eq!(
            route_key("USPS", "Priority", "us", "ca"),
            "usps#priority#US-CA"
        );
    }
}
