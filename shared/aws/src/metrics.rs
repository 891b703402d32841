//! CloudWatch metrics as Embedded Metric Format log lines: one JSON object per point on stdout,
//! which Lambda ships to CloudWatch Logs and CloudWatch turns into metrics. No API call, so a
//! metric never slows or fails a request. Namespace `OMS`, one dimension per point.
//!
//! Locally (one process hosts every function) the lines go to memory instead, where tests read
//! them.

use std::sync::{Arc, Mutex};

pub use crate::reporting::metrics::{Point, Unit};

pub const NAMESPACE: &str = "OMS";

#[derive(Clone)]
pub struct Metrics {
    sink: Sink,
}

#[derive(Clone)]
enum Sink {
    Stdout,
    /// Dropped (benchmarks and tools that build stores directly).
    None,
    Memory(Arc<Mutex<Vec<String>>>),
}

impl Metrics {
    /// As deployed: stdout, where Lambda's log capture picks the lines up.
    pub fn stdout() -> Self {
        Self { sink: Sink::Stdout }
    }

    /// Nowhere.
    pub fn none() -> Self {
        Self { sink: Sink::None }
    }

    /// Kept in memory, for the local runner and tests.
    pub fn memory() -> Self {
        Self {
            sink: Sink::Memory(Arc::default()),
        }
    }

    /// The lines written so far (none on stdout).
    pub fn lines(&self) -> Vec<String> {
        match &self.sink {
            Sink::Stdout | Sink::None => Vec::new(),
            Sink::Memory(lines) => lines.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    pub fn emit(&self, points: &[Point], at_millis: i64) {
        for point in points {
            let line = emf_line(point, at_millis);
            match &self.sink {
                Sink::Stdout => println!("{line}"),
                Sink::None => {}
                Sink::Memory(lines) => lines.lock().unwrap_or_else(|e| e.into_inner()).push(line),
            }
        }
    }

    /// A count of one.
    pub fn count(&self, name: &'static str, dimension: (&'static str, &str)) {
        self.emit(
            &[Point::count(name, (dimension.0, dimension.1.to_string()))],
            now_millis(),
        );
    }
}

/// When a point was taken: our own clock (the record's time, never a decision).
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One point as an EMF document. The value is written as the decimal it is (a JSON number; no
/// float on the way).
fn emf_line(point: &Point, at_millis: i64) -> String {
    let (dimension, value) = &point.dimension;
    let mut head = serde_json::Map::new();
    head.insert(
        "_aws".into(),
        serde_json::json!({
            "Timestamp": at_millis,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[dimension]],
                "Metrics": [{"Name": point.name, "Unit": point.unit.as_str()}],
            }],
        }),
    );
    head.insert((*dimension).into(), value.as_str().into());
    let head = serde_json::Value::Object(head);
    let mut line = head.to_string();
    line.pop();
    line.push_str(&format!(
        ",{}:{}}}",
        serde_json::Value::from(point.name),
        point.value.normalize()
    ));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn a_point_is_an_emf_document_cloudwatch_reads() {
        let metrics = Metrics::memory();
        metrics.emit(
            &[Point {
                name: "LabelCost",
                value: Decimal::new(1234, 2),
                unit: Unit::None,
                dimension: ("Currency", "EUR".into()),
            }],
            1_790_000_000_000,
        );
        let line = &metrics.lines()[0];
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        let spec = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(spec["Namespace"], "OMS");
        assert_eq!(spec["Dimensions"][0][0], "Currency");
        assert_eq!(spec["Metrics"][0]["Name"], "LabelCost");
        assert_eq!(doc["Currency"], "EUR");
        assert_eq!(doc["_aws"]["Timestamp"], 1_790_000_000_000i64);
        assert!(line.ends_with(",\"LabelCost\":12.34}"), "{line}");
    }
}
