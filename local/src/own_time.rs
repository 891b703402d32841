//! An invocation's own time: how long its future was being polled, less what the in-memory world
//! spent answering its calls in those polls. Wall time would count every other invocation that
//! ran while this one waited, and so grow with how many are in flight, not with what this one did.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::memory::answering;

/// Runs `future`; its output and its own time.
pub async fn measured<F: Future>(future: F) -> (F::Output, Duration) {
    OwnTime {
        future: Box::pin(future),
        own: Duration::ZERO,
    }
    .await
}

struct OwnTime<F> {
    future: Pin<Box<F>>,
    own: Duration,
}

impl<F: Future> Future for OwnTime<F> {
    type Output = (F::Output, Duration);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let started = Instant::now();
        let answered = answering::spent();
        let polled = self.future.as_mut().poll(cx);
        let world = answering::spent().saturating_sub(answered);
        let own = started.elapsed().saturating_sub(world);
        self.own += own;
        polled.map(|output| (output, self.own))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn time_spent_waiting_or_answering_is_not_the_invocations() {
        let (value, own) = measured(async {
            std::thread::sleep(Duration::from_millis(4));
            tokio::time::sleep(Duration::from_millis(30)).await;
            let _answering = answering::start();
            std::thread::sleep(Duration::from_millis(30));
            7
        })
        .await;
        assert_eq!(value, 7);
        assert!(own >= Duration::from_millis(4), "{own:?}");
        assert!(own < Duration::from_millis(20), "{own:?}");
    }
}
