//! The simulation's fault plan: at every call of an invocation the seed decides whether it yields
//! first (so another invocation moves instead: the interleaving), and whether the call fails, is
//! throttled, happens with its answer lost, or kills the invocation before or after it happens.
//!
//! The event source mapping's own calls (receiving a batch, deleting what was handled) are the
//! Lambda service's, not a function's: no function dies in them, and they fail at a tenth of the
//! rate. They still fail: a receive whose answer is lost or a delete that fails brings handled
//! messages back (at-least-once delivery). At the full rate, with deaths, 100,000 orders (seed
//! 7) left five genuine messages in dead-letter queues (a label request, a restock pass, three
//! notifications): a receive whose answer is lost (3% of them at F = 0.1) spends a receive of
//! every message it took, and over three million messages a few lost all five that way.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::memory::{Fate, FaultPlan};

use super::invocation;
use super::rng::Rng;

pub struct SimPlan {
    rate: f64,
    on: AtomicBool,
    state: Mutex<State>,
}

struct State {
    rng: Rng,
    /// Faults injected, by kind.
    injected: BTreeMap<&'static str, u64>,
    calls: u64,
    mail_answers_lost: u64,
}

impl SimPlan {
    pub fn new(rate: f64, rng: Rng) -> Self {
        Self {
            rate,
            on: AtomicBool::new(true),
            state: Mutex::new(State {
                rng,
                injected: BTreeMap::new(),
                calls: 0,
                mail_answers_lost: 0,
            }),
        }
    }

    /// Faults stop (checking the world at the end must not be interrupted).
    pub fn stop(&self) {
        self.on.store(false, Ordering::SeqCst);
    }

    /// Calls decided, faults injected by kind, and emails sent whose answer was lost.
    pub fn tally(&self) -> (u64, BTreeMap<&'static str, u64>, u64) {
        let state = self.state.lock().expect("plan");
        (state.calls, state.injected.clone(), state.mail_answers_lost)
    }
}

/// What the seed decided for one call.
struct Decision {
    yields: u32,
    fate: Fate,
    kill: bool,
}

impl State {
    fn decide(&mut self, rate: f64, mortal: bool) -> Decision {
        self.calls += 1;
        let yields = match self.rng.below(8) {
            0..=3 => 0,
            4..=6 => 1,
            _ => 3,
        };
        let (fate, kill, kind) = if self.rng.chance(rate) {
            // One fault in two hundred kills the invocation: at 10% that is one call in two
            // thousand, so a batch of ten messages (about two hundred calls) dies one time in
            // ten, and its messages still reach their handler before maxReceiveCount.
            match self.rng.below(200) {
                0 if mortal => (Fate::Fail, true, "deaths before a call"),
                1 if mortal => (Fate::LoseAnswer, true, "deaths after a call"),
                0 | 1 => (Fate::Fail, false, "errors"),
                2..=79 => (Fate::Fail, false, "errors"),
                80..=139 => (Fate::Throttle, false, "throttles"),
                _ => (Fate::LoseAnswer, false, "lost answers"),
            }
        } else {
            (Fate::Proceed, false, "")
        };
        if !kind.is_empty() {
            *self.injected.entry(kind).or_default() += 1;
        }
        Decision { yields, fate, kill }
    }
}

impl FaultPlan for SimPlan {
    fn decide<'a>(
        &'a self,
        service: &'static str,
        operation: &'static str,
    ) -> Pin<Box<dyn Future<Output = Fate> + Send + 'a>> {
        Box::pin(async move {
            let Some(life) = invocation::current() else {
                return Fate::Proceed;
            };
            if life.is_dead() {
                // A dead invocation calls nothing more; its runner drops it at this point.
                std::future::pending::<()>().await;
            }
            if !self.on.load(Ordering::SeqCst) {
                return Fate::Proceed;
            }
            let event_source =
                service == "sqs" && matches!(operation, "ReceiveMessage" | "DeleteMessageBatch");
            let (rate, mortal) = if event_source {
                (self.rate / 10.0, false)
            } else {
                (self.rate, true)
            };
            let decision = self.state.lock().expect("plan").decide(rate, mortal);
            for _ in 0..decision.yields {
                tokio::task::yield_now().await;
            }
            if service == "ses" && matches!(decision.fate, Fate::Proceed | Fate::LoseAnswer) {
                life.mailed();
                if decision.fate == Fate::LoseAnswer {
                    // SES sent it; the caller hears an error and sends it again.
                    self.state.lock().expect("plan").mail_answers_lost += 1;
                }
            }
            if decision.kill {
                life.kill();
            }
            decision.fate
        })
    }
}
