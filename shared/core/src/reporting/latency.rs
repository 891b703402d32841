//! Latency histograms: fixed buckets, so a latency is recorded by adding one to one counter and
//! percentiles are read off the counts.

use chrono::Duration;
use rust_decimal::Decimal;

/// Upper bounds of the buckets, in minutes: a quarter of an hour up to ninety days. Above the
/// last bound is the overflow bucket.
const BOUNDS_MINUTES: [i64; 20] = [
    15, 30, 60, 120, 240, 480, 720, 1_080, 1_440, 2_160, 2_880, 4_320, 5_760, 7_200, 10_080,
    14_400, 20_160, 30_240, 43_200, 129_600,
];

/// Buckets including the overflow bucket.
pub const BUCKETS: usize = BOUNDS_MINUTES.len() + 1;

/// The bucket a latency falls in (negative latencies, which our own clock cannot produce, count
/// as the first).
pub fn bucket(latency: Duration) -> usize {
    // Whole minutes, rounded up: a label bought 15 min 1 s after the order took more than 15.
    let minutes = latency.num_seconds().saturating_add(59).div_euclid(60);
    BOUNDS_MINUTES
        .iter()
        .position(|&bound| minutes <= bound)
        .unwrap_or(BOUNDS_MINUTES.len())
}

/// Counts per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    counts: [u64; BUCKETS],
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: [0; BUCKETS],
        }
    }
}

impl Histogram {
    pub fn add(&mut self, bucket: usize, count: u64) {
        if let Some(slot) = self.counts.get_mut(bucket) {
            *slot = slot.saturating_add(count);
        }
    }

    pub fn samples(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The bucket bound, in hours, that at least `percent` of the samples are within: `None`
    /// with no samples, or when it is the overflow bucket (beyond ninety days).
    pub fn percentile_hours(&self, percent: u64) -> Option<Decimal> {
        let total = self.samples();
        if total == 0 {
            return None;
        }
        // The smallest count reaching `percent` of `total`, rounded up, in integers.
        let needed = (u128::from(total) * u128::from(percent)).div_ceil(100);
        let mut seen = 0u128;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += u128::from(count);
            if seen >= needed {
                let minutes = *BOUNDS_MINUTES.get(bucket)?;
                return Some((Decimal::from(minutes) / Decimal::from(60)).normalize());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_in_the_bucket_whose_bound_they_reach() {
        assert_eq!(bucket(Duration::zero()), 0);
        assert_eq!(bucket(Duration::minutes(15)), 0);
        assert_eq!(bucket(Duration::minutes(15) + Duration::seconds(1)), 1);
        assert_eq!(bucket(Duration::hours(24)), 8);
        assert_eq!(bucket(Duration::days(90)), BUCKETS - 2);
        assert_eq!(bucket(Duration::days(91)), BUCKETS - 1);
        assert_eq!(bucket(Duration::seconds(-5)), 0);
    }

    #[test]
    fn percentiles_are_the_bound_reached_by_that_share_of_samples() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile_hours(50), None);
        // 5 within 15 minutes, 4 within 24 hours, 1 within 3 days.
        h.add(0, 5);
        h.add(8, 4);
        h.add(11, 1);
        assert_eq!(h.percentile_hours(50).unwrap().to_string(), "0.25");
        assert_eq!(h.percentile_hours(90).unwrap().to_string(), "24");
        assert_eq!(h.percentile_hours(100).unwrap().to_string(), "72");
        h.add(BUCKETS - 1, 10);
        assert_eq!(h.percentile_hours(90), None, "beyond ninety days");
    }
}
