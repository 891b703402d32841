//! Counts every call a world's services answer, by service and operation, and lets each proceed:
//! the requests SQS, SES, S3 and the carrier bill or rate-limit by. DynamoDB's calls are counted here too; its capacity units are counted by the
//! table itself (`capacity`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use super::faults::{Fate, FaultPlan};

#[derive(Default)]
pub struct Meter {
    calls: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl Meter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls so far, by service and operation.
    pub fn calls(&self) -> BTreeMap<(&'static str, &'static str), u64> {
        self.calls.lock().expect("meter").clone()
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
        Box::pin(async { Fate::Proceed })
    }
}
