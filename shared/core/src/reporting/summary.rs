//! The summary report of a date range, read off the counters of its days.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::latency::{Histogram, BUCKETS};
use super::tally::{Counter, Tally};
use crate::domain::money::minor_unit_digits;
use crate::domain::{Currency, OrderStatus};

/// The longest range one summary covers.
pub const MAX_DAYS: i64 = 366;

/// How many SKUs the summary ranks.
const TOP_SKUS: usize = 10;

/// Days `from` to `to`, both included, at most `MAX_DAYS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryRange {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("from ({from}) is after to ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("a summary covers at most {MAX_DAYS} days")]
    TooLong,
}

impl SummaryRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError::Reversed { from, to });
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let to = self.to;
        self.from.iter_days().take_while(move |day| *day <= to)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days are UTC days, by when we received the order.
    pub timezone: &'static str,
    pub orders: u64,
    /// Every day of the range, days without orders included.
    pub days: Vec<Day>,
    /// Totals of the orders that count as sales (not canceled, failed or abandoned).
    pub revenue: BTreeMap<String, Decimal>,
    pub average_order_value: BTreeMap<String, Decimal>,
    pub order_to_label: Latency,
    pub order_to_delivery: Latency,
    pub shipping_cost: ShippingCost,
    pub canceled: u64,
    pub cancellation_rate: Decimal,
    pub returned: u64,
    pub return_rate: Decimal,
    pub top_skus: Vec<SkuUnits>,
    /// Of the range's orders, those on hold now.
    pub on_hold: u64,
    /// Of the range's orders' parcels, those past their estimate and still on their way now.
    pub late_parcels: u64,
}

/// Where orders stand now, whenever they came in: the orders list's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Standing {
    /// Every status, those without orders at zero.
    pub statuses: BTreeMap<&'static str, u64>,
    pub on_hold: u64,
    pub attention: u64,
}

impl Standing {
    pub fn of(tally: &Tally) -> Self {
        Standing {
            statuses: OrderStatus::ALL
                .iter()
                .map(|&s| (s.as_str(), count(tally.get(&Counter::Status(s)))))
                .collect(),
            on_hold: count(tally.get(&Counter::OnHold)),
            attention: count(tally.get(&Counter::Attention)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub orders: u64,
    pub revenue: BTreeMap<String, Decimal>,
}

/// A latency's percentiles: the histogram bucket bound, in hours, that share of orders made
/// (null: no orders yet, or beyond ninety days).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    pub orders: u64,
    pub p50_hours: Option<Decimal>,
    pub p90_hours: Option<Decimal>,
}

/// What labels cost, in the carrier account's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShippingCost {
    pub labels: u64,
    pub shipped_orders: u64,
    pub total: Decimal,
    pub per_order: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkuUnits {
    pub sku: String,
    pub units: u64,
}

impl Summary {
    /// The summary of `range` from each day's counters (days missing count nothing).
    pub fn of(range: SummaryRange, mut days: BTreeMap<NaiveDate, Tally>) -> Self {
        let mut all = Tally::default();
        let per_day = range
            .days()
            .map(|date| {
                let tally = days.remove(&date).unwrap_or_default();
                let day = Day {
                    date,
                    orders: count(tally.get(&Counter::Orders)),
                    revenue: per_currency(&tally, |c| matches!(c, Counter::Revenue(_))),
                };
                all.merge(tally);
                day
            })
            .collect();
        let orders = count(all.get(&Counter::Orders));
        let revenue = per_currency(&all, |c| matches!(c, Counter::Revenue(_)));
        let sales = per_currency(&all, |c| matches!(c, Counter::Sales(_)));
        let average_order_value = revenue
            .iter()
            .filter_map(|(code, total)| {
                let sold = sales.get(code).filter(|n| !n.is_zero())?;
                let digits = Currency::parse(code).map_or(2, |c| minor_unit_digits(&c));
                let average = (total / sold)
                    .round_dp_with_strategy(digits, RoundingStrategy::MidpointNearestEven);
                Some((code.clone(), average))
            })
            .collect();
        let shipped_orders = count(all.get(&Counter::Shipped));
        let label_cost = all.get(&Counter::LabelCost);
        let canceled = count(all.get(&Counter::Canceled));
        let returned = count(all.get(&Counter::Returned));
        Summary {
            from: range.from,
            to: range.to,
            timezone: "UTC",
            orders,
            days: per_day,
            revenue,
            average_order_value,
            order_to_label: latency(&all, |c| match c {
                Counter::ToLabel(b) => Some(*b),
                _ => None,
            }),
            order_to_delivery: latency(&all, |c| match c {
                Counter::ToDelivery(b) => Some(*b),
                _ => None,
            }),
            shipping_cost: ShippingCost {
                labels: count(all.get(&Counter::Labels)),
                shipped_orders,
                total: label_cost,
                per_order: ratio(label_cost, shipped_orders, 2),
            },
            canceled,
            cancellation_rate: ratio(canceled.into(), orders, 4),
            returned,
            return_rate: ratio(returned.into(), orders, 4),
            top_skus: top_skus(&all),
            on_hold: count(all.get(&Counter::OnHold)),
            late_parcels: count(all.get(&Counter::Late)),
        }
    }
}

/// A counter of things, as a count (never negative: a counter briefly below zero reads zero).
fn count(value: Decimal) -> u64 {
    u64::try_from(value.trunc()).unwrap_or(0)
}

fn ratio(part: Decimal, whole: u64, digits: u32) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (part / Decimal::from(whole))
        .round_dp_with_strategy(digits, RoundingStrategy::MidpointNearestEven)
}

fn per_currency(tally: &Tally, wanted: impl Fn(&Counter) -> bool) -> BTreeMap<String, Decimal> {
    tally
        .iter()
        .filter(|(counter, _)| wanted(counter))
        .filter_map(|(counter, value)| match counter {
            Counter::Sales(c) | Counter::Revenue(c) => Some((c.to_string(), *value)),
            _ => None,
        })
        .collect()
}

fn latency(tally: &Tally, bucket_of: impl Fn(&Counter) -> Option<usize>) -> Latency {
    let mut histogram = Histogram::default();
    for (counter, value) in tally.iter() {
        if let Some(bucket) = bucket_of(counter).filter(|&b| b < BUCKETS) {
            histogram.add(bucket, count(*value));
        }
    }
    Latency {
        orders: histogram.samples(),
        p50_hours: histogram.percentile_hours(50),
        p90_hours: histogram.percentile_hours(90),
    }
}

/// The SKUs that sold the most units, most first (ties by SKU).
fn top_skus(tally: &Tally) -> Vec<SkuUnits> {
    let mut skus: Vec<SkuUnits> = tally
        .iter()
        .filter_map(|(counter, value)| match counter {
            Counter::Units(sku) => Some(SkuUnits {
                sku: sku.clone(),
                units: count(*value),
            }),
            _ => None,
        })
        .filter(|s| s.units > 0)
        .collect();
    skus.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.sku.cmp(&b.sku)));
    skus.truncate(TOP_SKUS);
    skus
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn ranges_are_checked() {
        assert!(SummaryRange::new(day(2), day(1)).is_err());
        assert!(SummaryRange::new(day(1), day(1)).is_ok());
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(SummaryRange::new(start, start + chrono::Duration::days(365)).is_ok());
        assert_eq!(
            SummaryRange::new(start, start + chrono::Duration::days(366)),
            Err(RangeError::TooLong)
        );
    }

    #[test]
    fn a_summary_adds_up_its_days() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let first: Tally = [
            (Counter::Orders, dec("3")),
            (Counter::Sales(eur.clone()), dec("2")),
            (Counter::Revenue(eur.clone()), dec("25.00")),
            (Counter::Canceled, dec("1")),
            (Counter::Units("MUG".into()), dec("4")),
            (Counter::Units("CUP".into()), dec("4")),
            (Counter::Shipped, dec("2")),
            (Counter::Labels, dec("3")),
            (Counter::LabelCost, dec("20.50")),
            (Counter::ToLabel(0), dec("1")),
            (Counter::ToLabel(8), dec("1")),
        ]
        .into_iter()
        .collect();
        let third: Tally = [
            (Counter::Orders, dec("1")),
            (Counter::Sales(jpy.clone()), dec("1")),
            (Counter::Revenue(jpy), dec("1500")),
            (Counter::Sales(eur.clone()), dec("1")),
            (Counter::Revenue(eur), dec("10.00")),
            (Counter::Returned, dec("1")),
            (Counter::Units("BOWL".into()), dec("9")),
            (Counter::OnHold, dec("1")),
        ]
        .into_iter()
        .collect();
        let range = SummaryRange::new(day(1), day(3)).unwrap();
        let summary = Summary::of(range, [(day(1), first), (day(3), third)].into());
        assert_eq!(summary.orders, 4);
        assert_eq!(summary.days.len(), 3);
        assert_eq!(summary.days[1].orders, 0);
        assert_eq!(summary.days[2].revenue["JPY"], dec("1500"));
        assert_eq!(summary.revenue["EUR"], dec("35.00"));
        assert_eq!(summary.average_order_value["EUR"], dec("11.67"));
        assert_eq!(summary.average_order_value["JPY"], dec("1500"));
        assert_eq!(summary.cancellation_rate, dec("0.25"));
        assert_eq!(summary.return_rate, dec("0.25"));
        assert_eq!(summary.shipping_cost.per_order, dec("10.25"));
        assert_eq!(summary.order_to_label.orders, 2);
        assert_eq!(summary.order_to_label.p50_hours, Some(dec("0.25")));
        assert_eq!(summary.order_to_label.p90_hours, Some(dec("24")));
        assert_eq!(summary.order_to_delivery.p50_hours, None);
        let top: Vec<_> = summary
            .top_skus
            .iter()
            .map(|s| (s.sku.as_str(), s.units))
            .collect();
        assert_eq!(top, [("BOWL", 9), ("CUP", 4), ("MUG", 4)]);
        assert_eq!(summary.on_hold, 1);
    }

    #[test]
    fn an_empty_range_reads_zero() {
        let range = SummaryRange::new(day(1), day(1)).unwrap();
        let summary = Summary::of(range, BTreeMap::new());
        assert_eq!(summary.orders, 0);
        assert_eq!(summary.cancellation_rate, Decimal::ZERO);
        assert!(summary.revenue.is_empty() && summary.top_skus.is_empty());
    }
}
