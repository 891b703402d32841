//! The clock port: what time it is, by our own clock. AWS runs on the system clock; the in-memory
//! world passes its own (simulated, or the real one) so a whole run shares one time.

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock shared by everything built from one set of clients.
pub type Time = Arc<dyn Clock>;

pub fn system() -> Time {
    Arc::new(SystemClock)
}
