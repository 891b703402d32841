//! JSON logs for CloudWatch, filtered by `RUST_LOG`.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second init (the local runner hosts every function in one process) keeps the first.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .try_init();
}

/// A deployed function's panic as one JSON log line before the process ends (`panic = "abort"`):
/// where it happened, and the message only when it is a literal from our code, never a formatted
/// one, which could carry an order's personal data.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|at| format!("{}:{}", at.file(), at.line()))
            .unwrap_or_default();
        let message = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
        tracing::error!(panic.location = %location, panic.message = message, "panicked; the process ends");
    }));
}
