//! The faults a world's calls are subject to. Without a plan every call proceeds at once; a
//! simulation's plan may pause a call (letting other invocations run first), fail it, throttle
//! it, or let it happen and lose the answer, as real services do.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use oms::dynamo::DynamoError;

/// What becomes of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Proceed,
    /// Refused before anything happened (a 5xx).
    Fail,
    /// Refused as throttled (or, for batches, left unprocessed).
    Throttle,
    /// Done, but the caller hears an error (a timeout after the service acted).
    LoseAnswer,
}

/// Decides each call's fate; may wait (the scheduler's turn) before answering.
pub trait FaultPlan: Send + Sync {
    fn decide<'a>(
        &'a self,
        service: &'static str,
        operation: &'static str,
    ) -> Pin<Box<dyn Future<Output = Fate> + Send + 'a>>;
}

/// A handle on the world's fault plan, if it has one.
#[derive(Clone, Default)]
pub struct Faults(Option<Arc<dyn FaultPlan>>);

impl Faults {
    pub fn planned(plan: Arc<dyn FaultPlan>) -> Self {
        Self(Some(plan))
    }

    /// A call's fate, once the plan decided it; the world's time answering the call counts from
    /// then until it is answered (`answering`).
    pub async fn call(&self, service: &'static str, operation: &'static str) -> Calling {
        let fate = match &self.0 {
            Some(plan) => plan.decide(service, operation).await,
            None => Fate::Proceed,
        };
        Calling {
            fate,
            _answering: super::answering::start(),
        }
    }
}

/// A call being answered: its fate, and the answering time counted until it is dropped or its
/// answer given.
pub struct Calling {
    fate: Fate,
    _answering: super::answering::Answering,
}

impl Calling {
    pub fn is(&self, fate: Fate) -> bool {
        self.fate == fate
    }

    /// The error to answer instead of doing the call, if any.
    pub fn before<E: Injected>(&self) -> Result<(), E> {
        self.fate.before()
    }

    /// The call's answer, or the error that replaced it; the answering is over.
    pub fn after<T, E: Injected>(self, answer: T) -> Result<T, E> {
        self.fate.after(answer)
    }

    /// Ends the answering before the answer is given (a wait that is not the world's work).
    pub fn answered(self) -> Fate {
        self.fate
    }
}

/// How each service reports an injected fault.
pub trait Injected: Sized {
    fn failed() -> Self;
    fn throttled() -> Self;
    fn lost() -> Self;
}

impl Injected for DynamoError {
    fn failed() -> Self {
        DynamoError::Unavailable("InternalServerError (injected)".into())
    }
    fn throttled() -> Self {
        DynamoError::Throttled("ThrottlingException (injected)".into())
    }
    fn lost() -> Self {
        DynamoError::Unavailable("the answer was lost after the write (injected)".into())
    }
}

impl Fate {
    /// The error to answer instead of doing the call, if any.
    pub fn before<E: Injected>(self) -> Result<(), E> {
        match self {
            Fate::Fail => Err(E::failed()),
            Fate::Throttle => Err(E::throttled()),
            Fate::Proceed | Fate::LoseAnswer => Ok(()),
        }
    }

    /// The call's answer, or the error that replaced it.
    pub fn after<T, E: Injected>(self, answer: T) -> Result<T, E> {
        match self {
            Fate::LoseAnswer => Err(E::lost()),
            _ => Ok(answer),
        }
    }
}
