//! The time the in-memory world spends answering calls, kept apart from the caller's own: on AWS
//! that work is the service's, not the function's. Every service call holds an [`Answering`]
//! from the moment its fate is decided (`faults::Faults::call`) until it answers; a call made
//! while answering another is not counted twice. Kept per thread: a call is answered within one poll of the
//! caller's future, on the caller's thread.

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static SPENT: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Counts from now until dropped.
pub struct Answering {
    started: Instant,
}

pub fn start() -> Answering {
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    Answering {
        started: Instant::now(),
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        let outermost = DEPTH.with(|depth| {
            depth.set(depth.get() - 1);
            depth.get() == 0
        });
        if outermost {
            let took = self.started.elapsed();
            SPENT.with(|spent| spent.set(spent.get() + took));
        }
    }
}

/// All the time this thread's world has spent answering so far.
pub fn spent() -> Duration {
    SPENT.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_answers_count_once() {
        let before = spent();
        {
            let _outer = start();
            let _inner = start();
            std::thread::sleep(Duration::from_millis(5));
        }
        let counted = spent() - before;
        assert!(counted >= Duration::from_millis(5), "{counted:?}");
        assert!(counted < Duration::from_millis(10), "{counted:?}");
    }
}
