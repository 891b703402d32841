//! Deployed, every function is built with `panic = "abort"` (the release profile, as cargo-lambda
//! builds it): a panic ends the process, an HTTP caller gets a 502 and a queue batch loses its
//! partial batch response, so the whole batch comes back again and again. Hosted here, a panic
//! inside a handler ends this process too, so a test that makes a handler panic fails outright
//! instead of being absorbed by the tokio task that ran it.

use std::future::Future;
use std::sync::Once;

tokio::task_local! {
    /// The function whose handler the current task is running.
    static FUNCTION: &'static str;
}

/// Runs one invocation of `function`'s handler: a panic inside it aborts the process.
pub async fn invoke<F: Future>(function: &'static str, invocation: F) -> F::Output {
    install();
    FUNCTION.scope(function, invocation).await
}

fn install() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            if let Ok(function) = FUNCTION.try_with(|function| *function) {
                eprintln!(
                    "{function} panicked: deployed with panic = \"abort\", its process ends here, \
                     and so does this one"
                );
                std::process::abort();
            }
        }));
    });
}
