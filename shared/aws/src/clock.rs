//! The clock port: what time it is by our own clock, and numbers no other caller gets (lease
//! tokens). AWS runs on the system clock and randomness; the in-memory world passes its own
//! (simulated, or the real time) so a whole run shares one time and a simulation repeats exactly.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// A number no other call answers, here or in another process.
    fn unique(&self) -> u64;
}

/// The machine's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn unique(&self) -> u64 {
        // A fresh random key per call, over a per-process count: unique across processes
        // without a random number crate.
        static CALLS: AtomicU64 = AtomicU64::new(0);
        RandomState::new().hash_one(CALLS.fetch_add(1, Ordering::Relaxed))
    }
}

/// A clock shared by everything built from one set of clients.
pub type Time = Arc<dyn Clock>;

pub fn system() -> Time {
    Arc::new(SystemClock)
}
