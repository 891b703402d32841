//! Stock: the places goods ship from, how much each holds, and which of them ships which part of
//! an order. Pure rules only; the store keeps the counters and enforces them with conditional writes.

pub mod catalog;
pub mod csv;
pub mod location;
pub mod plan;
pub mod stock;
pub mod write_set;

pub use catalog::CatalogEntry;
pub use csv::{parse_stock_csv, CsvError, StockRow};
pub use location::{Location, LocationId};
pub use plan::{plan, Part, PartLine, Plan};
pub use stock::{StockLevel, StockView};
