//! What staff take out of the OMS into their own tools.

pub mod order_csv;
