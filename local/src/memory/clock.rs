//! The in-memory world's time. Simulated, it moves only when told to, so delays and visibility
//! timeouts play out in no time and the same way every run; real, it is the machine's clock (a
//! local OMS in memory, serving people).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};

/// `None` inside: the real clock.
#[derive(Clone)]
pub struct SimClock(Option<Arc<Mutex<DateTime<Utc>>>>);

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
        Self(Some(Arc::new(Mutex::new(at))))
    }

    pub fn real() -> Self {
        Self(None)
    }

    pub fn is_real(&self) -> bool {
        self.0.is_none()
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Some(at) => *at.lock().expect("clock"),
            None => Utc::now(),
        }
    }

    /// Moves simulated time on; the real clock moves by itself.
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            *at.lock().expect("clock") += by;
        }
    }
}

impl oms::clock::Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        SimClock::now(self)
    }
}
