//! Counts every call a world's services answer, by service and operation, on the way to the
//! fault plan it wraps (or straight through): the requests SQS, SES, S3 and the carrier bill or
//! rate-limit by. DynamoDB's calls are counted here too; its capacity units are counted by the
//! table itself (`capacity`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use super::faults::{Fate, FaultPlan};

#[derive(Default)]
pub struct Meter {
    calls: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    inner: Option<Arc<dyn FaultPlan>>,
}

impl Meter {
    /// Counts the calls and lets each proceed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the calls and hands each to `plan` for its fate.
    pub fn around(plan: Arc<dyn FaultPlan>) -> Self {
        Self {
            calls: Mutex::default(),
            inner: Some(plan),
        }
    }

    /// Calls so far, by service and operation.
    pub fn calls(&self) -> BTreeMap<(&'static str, &'static str), u64> {
        self.calls.lock().expect("meter").clone()
    }

    /// Calls so far to one operation.
    pub fn count(&self, service: &str, operation: &str) -> u64 {
        self.calls
            .lock()
            .expect("meter")
            .iter()
            .filter(|((s, o), _)| *s == service && *o == operation)
            .map(|(_, n)| n)
            .sum()
    }
}

impl FaultPlan for Meter {
    fn decide<'a>(
        &'a self,
        service: &'static str,
        operation: &'static str,
    ) -> Pin<Box<dyn Future<Output = Fate> + Send + 'a>> {
        *self
            .calls
            .lock()
            .expect("meter")
            .entry((service, operation))
            .or_default() += 1;
        match &self.inner {
            Some(plan) => plan.decide(service, operation),
            None => Box::pin(async { Fate::Proceed }),
        }
    }
}
