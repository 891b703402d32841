//! Reports kept as counters: what each order counts for (`tally`), the latency histograms
//! (`latency`), and the summary built from the counters of a date range (`summary`).
//!
//! Every write of an order adds `Tally::of(after) - Tally::of(before)` to the counters of the
//! order's `Cell` in the same transaction, so the counters are always the sum over the orders
//! stored, never a Scan, and a write that does not happen counts for nothing.

pub mod latency;
pub mod metrics;
pub mod summary;
pub mod tally;

pub use latency::Histogram;
pub use summary::{Standing, Summary, SummaryRange};
pub use tally::{Cell, Counter, Tally};
