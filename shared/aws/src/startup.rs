//! A function's start, off Lambda's init phase: reading its configuration and its secret (a
//! Secrets Manager round trip) and constructing its AWS clients wait for the first invocation,
//! so the process asks for its first event as soon as the runtime is up, and every later
//! invocation finds the app built. Measured side by side (`cargo xtask bench`), building it in the
//! background during init slowed init down (the two threads compete for the same cores) and made
//! the first answer no sooner. A function that cannot start (a missing variable, an unreadable
//! secret) logs why and exits, as a failed init does, so Lambda reports it and starts afresh.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::OnceCell;

use crate::aws::Clients;
use crate::config::{ConfigError, Env, ProcessEnv};

type Build<T> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = T> + Send>> + Send + Sync>;

/// A function's app: not built yet, or built.
pub struct Startup<T> {
    app: OnceCell<T>,
    build: Build<T>,
}

impl<T: Send + Sync> Startup<T> {
    /// An app `build` makes when it is first asked for.
    pub fn lazy<F, Fut>(build: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        Self {
            app: OnceCell::new(),
            build: Box::new(move || Box::pin(build())),
        }
    }

    /// The app, built by the first caller; callers meanwhile wait for that build.
    pub async fn app(&self) -> &T {
        self.app.get_or_init(|| (self.build)()).await
    }
}

/// A deployed function's start: the clients from the environment (`clients` adds what the
/// function uses beyond DynamoDB and SQS), the secret `OMS_SECRETS_ARN` names, then `make`.
pub fn begin<T: Send + Sync + 'static>(
    clients: fn(Clients) -> Clients,
    make: fn(&dyn Env, &Clients) -> Result<T, ConfigError>,
) -> Startup<T> {
    Startup::lazy(move || async move {
        let aws = clients(Clients::load().await);
        let env = crate::aws::secrets::load(ProcessEnv, &aws.config)
            .await
            .unwrap_or_else(|e| cannot_start(&e));
        make(&env, &aws).unwrap_or_else(|e| cannot_start(&e))
    })
}

fn cannot_start(error: &ConfigError) -> ! {
    tracing::error!(error = %error, "the function cannot start");
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn the_app_is_built_once_on_first_use_and_shared() {
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = builds.clone();
        let startup = Startup::lazy(move || {
            let counted = counted.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                counted.fetch_add(1, Ordering::SeqCst) + 100
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(builds.load(Ordering::SeqCst), 0, "nothing built before use");
        let (a, b) = tokio::join!(startup.app(), startup.app());
        assert_eq!((*a, *b), (100, 100));
        assert_eq!(*startup.app().await, 100);
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }
}
