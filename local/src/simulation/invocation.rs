//! One invocation of a function, which may die at any await point as a Lambda timeout kills it:
//! the fault plan marks it dead at a call, every later call of it never returns, and the runner
//! drops it right there. What it did before stays done; what it was going to do never happens.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

tokio::task_local! {
    static CURRENT: Arc<Life>;
}

#[derive(Default)]
pub struct Life {
    dead: AtomicBool,
    /// It sent an email (SES accepted it) before it died or lost SES's answer: the window in
    /// which a retry sends that email again.
    mailed: AtomicBool,
}

impl Life {
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    pub fn mailed(&self) {
        self.mailed.store(true, Ordering::SeqCst);
    }

    pub fn has_mailed(&self) -> bool {
        self.mailed.load(Ordering::SeqCst)
    }
}

/// The invocation the running code belongs to, if any (the simulation's own reads have none).
pub fn current() -> Option<Arc<Life>> {
    CURRENT.try_with(Arc::clone).ok()
}

pub enum Outcome<T> {
    Finished(T),
    /// Killed; `mailed` when it had sent an email it never recorded.
    Died {
        mailed: bool,
    },
}

/// Runs `work` as one invocation.
pub async fn run<T>(work: impl Future<Output = T>) -> Outcome<T> {
    let life = Arc::new(Life::default());
    CURRENT
        .scope(
            life.clone(),
            Mortal {
                work: Box::pin(work),
                life,
            },
        )
        .await
}

struct Mortal<F> {
    work: Pin<Box<F>>,
    life: Arc<Life>,
}

impl<F: Future> Future for Mortal<F> {
    type Output = Outcome<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.work.as_mut().poll(cx);
        if self.life.is_dead() {
            return Poll::Ready(Outcome::Died {
                mailed: self.life.has_mailed(),
            });
        }
        polled.map(Outcome::Finished)
    }
}
