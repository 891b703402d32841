//! What orders cost to run on AWS: the usage that ordinary order lives asked of the metered
//! in-memory world (`simulation::lives`), priced with the dated prices in `local/aws-prices.yaml`,
//! per 1,000 orders, line by line, dearest first.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::simulation::lives::Lives;

/// The committed price list.
pub const PRICES: &str = include_str!("../aws-prices.yaml");

#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    pub date: String,
    pub region: String,
    pub lambda: LambdaPrices,
    pub dynamodb: DynamoPrices,
    pub sqs: PerMillion,
    pub ses: SesPrices,
    pub api_gateway: PerMillion,
    pub s3: S3Prices,
    pub scheduler: SchedulerPrices,
    /// Milliseconds a function waits per call, by service.
    pub latency_ms: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LambdaPrices {
    pub requests_per_million: Decimal,
    pub gb_second: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DynamoPrices {
    pub write_units_per_million: Decimal,
    pub read_units_per_million: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PerMillion {
    pub requests_per_million: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SesPrices {
    pub emails_per_thousand: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct S3Prices {
    pub puts_per_thousand: Decimal,
    pub gets_per_thousand: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerPrices {
    pub invocations_per_million: Decimal,
}

impl Prices {
    pub fn committed() -> Result<Self> {
        serde_yaml::from_str(PRICES).context("local/aws-prices.yaml")
    }
}

/// One line of the bill, for 1,000 orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub service: &'static str,
    pub what: String,
    /// How many of `what` 1,000 orders take.
    pub quantity: Decimal,
    pub dollars: Decimal,
}

#[derive(Debug, Clone)]
pub struct Bill {
    /// Dearest first.
    pub lines: Vec<Line>,
    pub prices_date: String,
    pub memory_mb: u64,
    /// Lambda's billed milliseconds per invocation, on average: compute measured (each
    /// invocation rounded up to Lambda's 1 ms), waits modelled.
    pub compute_ms: Decimal,
    pub wait_ms: Decimal,
}

impl Bill {
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.dollars).sum()
    }

    /// Everything but the emails, which cost what they cost whoever sends them.
    pub fn infrastructure(&self) -> Decimal {
        self.lines
            .iter()
            .filter(|l| l.service != "SES")
            .map(|l| l.dollars)
            .sum()
    }

    /// The bill as a table, dearest line first, each with its share of the infrastructure.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let infrastructure = self.infrastructure();
        let _ = writeln!(
            out,
            "{:<12} {:<44} {:>12} {:>11} {:>6}",
            "service", "per 1,000 orders", "quantity", "dollars", "share"
        );
        for line in &self.lines {
            let share = if line.service == "SES" || infrastructure.is_zero() {
                "-".to_string()
            } else {
                format!("{:.0}%", line.dollars / infrastructure * Decimal::from(100))
            };
            let _ = writeln!(
                out,
                "{:<12} {:<44} {:>12} {:>11} {:>6}",
                line.service,
                line.what,
                line.quantity.round_dp(1).normalize(),
                format!("${:.5}", line.dollars),
                share
            );
        }
        let _ = writeln!(
            out,
            "infrastructure (all but email): ${:.5} per 1,000 orders; with email ${:.5} (prices of {}, Lambda at {} MB, {} ms compute + {} ms waiting per invocation)",
            infrastructure,
            self.total(),
            self.prices_date,
            self.memory_mb,
            self.compute_ms.round_dp(2),
            self.wait_ms.round_dp(1),
        );
        out
    }
}

/// Prices `lives` per 1,000 orders, with Lambda at `memory_mb`.
pub fn bill(lives: &Lives, prices: &Prices, memory_mb: u64) -> Bill {
    let orders = Decimal::from(lives.orders.max(1) as u64);
    let per_thousand = |count: Decimal| count * Decimal::from(1000) / orders;
    let million = Decimal::from(1_000_000);
    let thousand = Decimal::from(1000);
    let calls = |service: &str, pick: &dyn Fn(&str) -> bool| -> Decimal {
        Decimal::from(
            lives
                .calls
                .iter()
                .filter(|((s, o), _)| *s == service && pick(o))
                .map(|(_, n)| *n)
                .sum::<u64>(),
        )
    };
    let mut lines = Vec::new();
    let mut line = |service: &'static str, what: &str, count: Decimal, price: Decimal| {
        let quantity = per_thousand(count);
        lines.push(Line {
            service,
            what: what.to_string(),
            quantity,
            dollars: quantity * price,
        });
    };

    let writes: u64 = lives.capacity.values().map(|u| u.writes).sum();
    let read_halves: u64 = lives.capacity.values().map(|u| u.read_halves).sum();
    line(
        "DynamoDB",
        "write request units",
        Decimal::from(writes),
        prices.dynamodb.write_units_per_million / million,
    );
    line(
        "DynamoDB",
        "read request units",
        Decimal::from(read_halves) / Decimal::from(2),
        prices.dynamodb.read_units_per_million / million,
    );
    // A schedule firing sends its message to its queue: one more SendMessage, billed by SQS
    // (the in-memory scheduler queues it at once, so the meter never sees that call).
    line(
        "SQS",
        "requests (send, receive, delete; schedules' deliveries)",
        calls("sqs", &|_| true) + calls("scheduler", &|o| o == "CreateSchedule"),
        prices.sqs.requests_per_million / million,
    );
    line(
        "API Gateway",
        "HTTP API requests",
        Decimal::from(lives.requests),
        prices.api_gateway.requests_per_million / million,
    );
    line(
        "S3",
        "PUT requests (labels, exports)",
        calls("s3", &|o| !o.starts_with("Get")),
        prices.s3.puts_per_thousand / thousand,
    );
    line(
        "S3",
        "GET requests",
        calls("s3", &|o| o.starts_with("Get")),
        prices.s3.gets_per_thousand / thousand,
    );
    line(
        "Scheduler",
        "one-time schedules fired",
        calls("scheduler", &|o| o == "CreateSchedule"),
        prices.scheduler.invocations_per_million / million,
    );
    line(
        "Lambda",
        "requests",
        Decimal::from(lives.invocations),
        prices.lambda.requests_per_million / million,
    );
    // Billed time: each invocation's measured compute, rounded up to Lambda's 1 ms, plus the round
    // trips its calls wait for.
    let invocations = Decimal::from(lives.invocations.max(1));
    let billed_ms: Decimal = lives
        .took
        .values()
        .flatten()
        .map(|seconds| {
            Decimal::from_f64_retain(seconds * 1000.0)
                .unwrap_or_default()
                .ceil()
                .max(Decimal::ONE)
        })
        .sum();
    let compute_ms = billed_ms / invocations;
    let waited_ms: u64 = lives
        .calls
        .iter()
        .map(|((service, _), n)| n * prices.latency_ms.get(*service).copied().unwrap_or(0))
        .sum();
    let wait_ms = Decimal::from(waited_ms) / invocations;
    let gb_seconds = (compute_ms + wait_ms) * invocations / thousand * Decimal::from(memory_mb)
        / Decimal::from(1024);
    line("Lambda", "GB-seconds", gb_seconds, prices.lambda.gb_second);
    line(
        "SES",
        "emails",
        Decimal::from(lives.emails as u64),
        prices.ses.emails_per_thousand / thousand,
    );
    lines.retain(|l| !l.quantity.is_zero());
    lines.sort_by_key(|line| std::cmp::Reverse(line.dollars));
    Bill {
        lines,
        prices_date: prices.date.clone(),
        memory_mb,
        compute_ms,
        wait_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::capacity::Units;

    fn lives() -> Lives {
        Lives {
            orders: 10,
            calls: BTreeMap::from([
                (("sqs", "SendMessage"), 30),
                (("sqs", "ReceiveMessage"), 30),
                (("ses", "SendEmail"), 40),
                (("dynamodb", "GetItem"), 100),
                (("scheduler", "CreateSchedule"), 5),
            ]),
            capacity: BTreeMap::from([(
                ("OrdersTable".to_string(), "ORDER".to_string()),
                Units {
                    read_halves: 200,
                    writes: 500,
                },
            )]),
            requests: 40,
            invocations: 100,
            emails: 40,
            seconds: 0.05,
            took: BTreeMap::from([
                ("order delivery".to_string(), vec![0.0004; 40]),
                ("CustomerNotificationFunction".to_string(), vec![0.0015; 60]),
            ]),
            ..Lives::default()
        }
    }

    #[test]
    fn the_committed_prices_read() {
        let prices = Prices::committed().expect("prices");
        assert_eq!(prices.region, "us-east-1");
        assert!(prices.latency_ms.contains_key("dynamodb"));
    }

    #[test]
    fn usage_is_priced_per_thousand_orders_dearest_first() {
        let prices = Prices::committed().expect("prices");
        let bill = bill(&lives(), &prices, 128);
        // 500 write units for 10 orders: 50,000 per 1,000 at $0.625 a million.
        let writes = &bill.lines.iter().find(|l| l.what == "write request units");
        assert_eq!(writes.map(|l| l.quantity), Some(Decimal::from(50_000)));
        assert_eq!(
            writes.map(|l| l.dollars),
            Some(Decimal::new(3125, 5)),
            "50,000 x $0.625 / 1e6"
        );
        // 60 SQS requests and 5 schedules' deliveries for 10 orders: 6,500 per 1,000 at $0.40 a
        // million.
        let sqs = bill.lines.iter().find(|l| l.service == "SQS");
        assert_eq!(sqs.map(|l| l.dollars), Some(Decimal::new(26, 4)));
        assert!(bill.lines.windows(2).all(|w| w[0].dollars >= w[1].dollars));
        assert_eq!(
            bill.total() - bill.infrastructure(),
            Decimal::new(4, 1),
            "4,000 emails at $0.10 a thousand"
        );
        // 0.4 ms bills as 1 ms and 1.5 ms as 2: 40 + 120 ms over 100 invocations; the waits:
        // 100 reads at 6 ms, 60 SQS calls at 12 ms, 40 emails at 40 ms and 5 schedules at 20 ms.
        assert_eq!(bill.compute_ms, Decimal::new(16, 1));
        assert_eq!(bill.wait_ms, Decimal::new(302, 1));
    }
}
