//! JSON logs for CloudWatch, at the level `RUST_LOG` names.

use tracing_subscriber::filter::LevelFilter;

pub fn init() {
    let level = level(std::env::var("RUST_LOG").ok().as_deref());
    // A second init (the local runner hosts every function in one process) keeps the first.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(true)
        .try_init();
}

/// The one level a function logs at: `error`, `warn`, `info`, `debug`, `trace` or `off`, as
/// `RUST_LOG` says; `info` when it says nothing else. Per-module directives are not read: their
/// parser would link a regular expression engine into every package.
pub fn level(setting: Option<&str>) -> LevelFilter {
    setting
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(LevelFilter::INFO)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_rust_log_and_defaults_to_info() {
        assert_eq!(level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level(Some(" WARN ")), LevelFilter::WARN);
        assert_eq!(level(Some("off")), LevelFilter::OFF);
        assert_eq!(level(Some("oms=debug,hyper=warn")), LevelFilter::INFO);
        assert_eq!(level(None), LevelFilter::INFO);
    }
}
