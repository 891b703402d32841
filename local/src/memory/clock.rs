//! The in-memory world's time: it moves only when told to, so delays and visibility timeouts
//! play out in no time and the same way every run.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};

#[derive(Clone)]
pub struct SimClock(Arc<Mutex<DateTime<Utc>>>);

impl Default for SimClock {
    fn default() -> Self {
        Self::starting_at(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }
}

impl SimClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock") += by;
    }
}
