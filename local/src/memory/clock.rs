//! The in-memory world's time. Simulated, it moves only when told to, so delays and visibility
//! timeouts play out in no time and the same way every run; on the runtime's time, it moves as
//! tokio's (paused) clock does, so a handler's sleep moves it too; real, it is the machine's
//! clock (a local OMS in memory, serving people). Its unique numbers count up from 1.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};

#[derive(Clone)]
pub struct SimClock {
    source: Source,
    serial: Arc<AtomicU64>,
}

#[derive(Clone)]
enum Source {
    Real,
    Manual(Arc<Mutex<DateTime<Utc>>>),
    Runtime {
        start: DateTime<Utc>,
        origin: tokio::time::Instant,
    },
}

/// Where simulated time starts.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

impl Default for SimClock {
    fn default() -> Self {
        Self::starting_at(epoch())
    }
}

impl SimClock {
    fn with(source: Source) -> Self {
        Self {
            source,
            serial: Arc::default(),
        }
    }

    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self::with(Source::Manual(Arc::new(Mutex::new(at))))
    }

    /// `start` now, then as the tokio runtime's clock moves (paused, in a simulation).
    pub fn on_runtime(start: DateTime<Utc>) -> Self {
        Self::with(Source::Runtime {
            start,
            origin: tokio::time::Instant::now(),
        })
    }

    pub fn real() -> Self {
        Self::with(Source::Real)
    }

    pub fn is_real(&self) -> bool {
        matches!(self.source, Source::Real)
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.source {
            Source::Manual(at) => *at.lock().expect("clock"),
            Source::Runtime { start, origin } => {
                *start + Duration::from_std(origin.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
            Source::Real => Utc::now(),
        }
    }

    /// Moves manual time on; the real and the runtime's clocks move by themselves.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(at) = &self.source {
            *at.lock().expect("clock") += by;
        }
    }
}

impl oms::clock::Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        SimClock::now(self)
    }

    fn unique(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed) + 1
    }
}
